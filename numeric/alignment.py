"""How close a trained GD-SSM is to an analytic one: behaviour, parameters modulo invariances, interpolation.

Everything is measured at the query, the only position the training loss sees: yhat = yhat_N, the
prediction for x_q = x_{N+1} from the N context examples, against the target y_q = W x_q.

**Loss.** Half-MSE per output dimension, l(yhat) = 1/(2m) ||yhat - y_q||^2 per task (the loss whose
expectation :mod:`symbolic.stepsize` derives; 245/1188 ~ 0.2062 for GD-1 at f = N = 10).

**Behaviour** (von Oswald et al. 2023, paper-facts §7.8), for each task b and output i with the query
sensitivities J_b = d yhat_b / d x_q (m x f; for GD-1 from W_0 = 0 it is the implicit weight alpha A):

* sensitivity cosine: mean_{b,i} <J_bi, J*_bi> / (max(||J_bi||, eps) max(||J*_bi||, eps)), eps = 1e-8;
* sensitivity L2: mean_{b,i} ||J_bi - J*_bi||_2 (per output row; the authors' code takes the norm over the
  output index instead, a quirk not copied), and its ratio to mean_{b,i} ||J*_bi||_2;
* prediction L2: mean_b ||yhat_b - yhat*_b||_2, and its ratio to mean_b ||yhat*_b||_2.

**Invariances.** With the value maps, feedthrough and rho frozen (V_a = I, F = 0, rho = 1), the layer
yhat = C S(Q, Lambda) sum_j c_j r_j, r_0 = U d, r_{j+1} = r_j - beta_j R S r_j keeps its function under

1. the scalings, for any nonzero a, b, e, g (S is linear in Q, every r_j linear in d):

       Q -> a Q,  d -> b d,  R -> e R,  C -> g C,  beta_j -> beta_j / (a e),  c_j -> c_j / (a b g);

   for k = 1 (no R, beta; c_0 = 1 frozen) this is the trilinear rescaling of paper-facts §5.3,
   Q -> a Q, d -> b d, C -> g C with a b g = 1;
2. block scalings of the state, when x and y tokens use disjoint coordinates (split layout): row i of
   M_t = sum_ab Q_ab u_{t,a} u_{t,b}^T comes only from the slots a whose token lives at coordinate i
   (a = 1, 3 for x, a = 2 for y), and column j only from the slots b whose token lives there. So with
   D = diag(s_x on x coordinates, s_y on y coordinates),
       rows:    Q_ab -> s_{type a} Q_ab,  C -> C D^-1,  R -> R D^-1      (S -> D S, C S and R S kept)
       columns: Q_ab -> s_{type b} Q_ab,  d_a -> d_a / s_{type a},  R -> D^-1 R   (S -> S D, r_j -> D^-1 r_j);
   in the reference layout x and y share coordinates and only the uniform scalings of 1. remain;
3. for k >= 2, the readout constants: r_j = b_j(X) r_0 with X = R S and b_j(X) = prod_{i<j} (1 - beta_i X),
   so yhat = C S p(X) r_0 with p = sum_j c_j b_j depends on (c, beta) only through the k coefficients of the
   polynomial p (2k - 1 constants for k numbers: for k = 2 only c_0 + c_1 and c_1 beta_0 matter).

Signs are scalings by -1. The embeddings are fixed buffers, so no change of basis of the state
(permutation, rotation) is a symmetry, and Lambda enters unscaled. :func:`normalise` picks the
representative of a trained layer's orbit closest in form to the analytic layer: the two row blocks of Q
(and the two column blocks) of 2. get their analytic norms when both analytic norms are nonzero (a zero block
leaves nothing to match), then Q, d (and for k >= 2 R, C) get the analytic norm and the sign that agrees
best with the analytic value,

    s_P = sign(<P, P*>) ||P|| / ||P*||,   P' = P / s_P,

and the compensating factors go into the parameters that carry the step size: C' = s_Q s_d C for k = 1;
for k >= 2, beta' = beta*, and c' holds the coordinates of the normalised polynomial p' in the basis
b_j(beta*), so that c' is comparable with c* = (alpha, ..., alpha). The normalised layer computes the same
function (:func:`query_losses` agrees to rounding). Its effective GD step sizes are the alpha_s of
1 - X p'(X) = prod_s (1 - alpha_s X) (:func:`implied_steps`; k = 1: alpha = <C', E_y^T> / ||E_y||^2).

**Parameter distances.** For each compared parameter P, ||P' - P*||_F / ||P*||_F, over all entries and over
the entries identifiable at the construction (:func:`supports`: those the analytic prediction depends on to
first order; with C* = alpha E_y^T in the scalar task only the state row of y is read, so only C's last entry
and that row of Lambda count). Lambda is always compared on its support: there the distance is the RMS of
Lambda - 1 (Lambda* = 1), reported with the largest |Lambda_ij - 1|.

**Interpolation.** The layer with parameters (P' + P*)/2: a loss near both ends means the trained layer
sits in the construction's basin, not in an unrelated solution (the raw midpoint (P + P*)/2 would mean
nothing, since the scalings above move P freely along a flat orbit).
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import Tensor

from gdssm.core.errors import BadInput
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.samplers import TaskBatch

EPS = 1e-8
"""Floor of the norms in the sensitivity cosine (von Oswald et al.)."""

SUPPORT_TOL = 1e-12
"""An entry is in a parameter's support when its probed derivative exceeds this times the largest one."""


def query_targets(batch: TaskBatch) -> Tensor:
    """y_q = W x_q for every task, shape (B, m)."""
    return (batch.W @ batch.x[:, -1].unsqueeze(-1)).squeeze(-1)


def query_losses(layer: GDSSMLayer, batch: TaskBatch) -> Tensor:
    """Per-task half-MSE per output dimension at the query, 1/(2m) ||yhat_N - W x_q||^2, shape (B,)."""
    residual = layer(batch.x, batch.y)[:, -1] - query_targets(batch)
    return 0.5 * (residual**2).mean(dim=-1)


def frozen_copy(layer: GDSSMLayer, dtype: torch.dtype = torch.float64) -> GDSSMLayer:
    """A copy of ``layer`` in ``dtype`` whose parameters need no gradient (so it may take the fast scans)."""
    out = copy.deepcopy(layer).to(dtype)
    out.requires_grad_(False)
    return out


def query_sensitivities(layer: GDSSMLayer, batch: TaskBatch) -> tuple[Tensor, Tensor]:
    """(yhat_N (B, m), J = d yhat_N / d x_q (B, m, f)): one backward pass per output, summed over tasks.

    The tasks do not interact, so the gradient of sum_b yhat_{b,i} with respect to x_q of task b is row i of
    that task's Jacobian.
    """
    x = batch.x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        yhat = layer(x, batch.y)[:, -1]
        rows = [torch.autograd.grad(yhat[:, i].sum(), x, retain_graph=i + 1 < yhat.shape[1])[0][:, -1]
                for i in range(yhat.shape[1])]
    return yhat.detach(), torch.stack(rows, dim=1)


@dataclass(frozen=True)
class Behaviour:
    """von Oswald et al.'s three metrics (module docstring), plus the relative L2 figures."""

    sensitivity_cosine: float
    sensitivity_l2: float
    sensitivity_l2_rel: float
    prediction_l2: float
    prediction_l2_rel: float


def behaviour(trained: GDSSMLayer, analytic: GDSSMLayer, batch: TaskBatch) -> Behaviour:
    """Compare the query predictions and sensitivities of two layers on the same tasks."""
    yhat, J = query_sensitivities(trained, batch)
    yhat_ref, J_ref = query_sensitivities(analytic, batch)
    norms, norms_ref = J.norm(dim=-1), J_ref.norm(dim=-1)
    cosine = (J * J_ref).sum(dim=-1) / (norms.clamp(min=EPS) * norms_ref.clamp(min=EPS))
    sens_l2 = (J - J_ref).norm(dim=-1)
    pred_l2 = (yhat - yhat_ref).norm(dim=-1)
    return Behaviour(
        sensitivity_cosine=float(cosine.mean()),
        sensitivity_l2=float(sens_l2.mean()),
        sensitivity_l2_rel=float(sens_l2.mean() / norms_ref.mean()),
        prediction_l2=float(pred_l2.mean()),
        prediction_l2_rel=float(pred_l2.mean() / yhat_ref.norm(dim=-1).mean()),
    )


def _check_pair(trained: GDSSMLayer, analytic: GDSSMLayer) -> None:
    shapes = {name: tuple(p.shape) for name, p in analytic.named_parameters()}
    if {name: tuple(p.shape) for name, p in trained.named_parameters()} != shapes:
        raise BadInput("trained and analytic layers must have the same dimensions and number of readout terms")
    if not (torch.equal(trained.E_x.cpu().double(), analytic.E_x.cpu().double())
            and torch.equal(trained.E_y.cpu().double(), analytic.E_y.cpu().double())):
        raise BadInput("trained and analytic layers must share the embeddings E_x, E_y (the same layout)")


def _scale(param: Tensor, reference: Tensor) -> Tensor:
    """s = sign(<P, P*>) ||P|| / ||P*|| (sign + when orthogonal): P / s has the norm of P* and leans towards it."""
    sign = 1.0 if float((param * reference).sum()) >= 0 else -1.0
    return sign * param.norm() / reference.norm()


SLOT_TYPES = ("x", "y", "x")
"""The token type of the window slots u_{t,1}, u_{t,2}, u_{t,3} = x_t, y_t, x_{t+1}."""


def _coordinates(layer: GDSSMLayer) -> dict[str, Tensor] | None:
    """Boolean masks of the state coordinates of x and y tokens when they are disjoint (else None)."""
    x = layer.E_x.abs().sum(dim=1) != 0
    y = layer.E_y.abs().sum(dim=1) != 0
    return None if bool((x & y).any()) else {"x": x, "y": y}


def _normalise_blocks(out: GDSSMLayer, ref: GDSSMLayer) -> None:
    """Invariance 2 of the module docstring, in place: row blocks, then column blocks of Q."""
    coords = _coordinates(ref)
    if coords is None:
        return
    for axis in (0, 1):
        slots = {t: [a for a, kind in enumerate(SLOT_TYPES) if kind == t] for t in ("x", "y")}
        blocks = {t: (out.Q[idx] if axis == 0 else out.Q[:, idx], ref.Q[idx] if axis == 0 else ref.Q[:, idx])
                  for t, idx in slots.items()}
        if any(float(r.norm()) == 0 or float(q.norm()) == 0 for q, r in blocks.values()):
            continue
        for t, idx in slots.items():
            s = _scale(*blocks[t])
            mask = coords[t]
            if axis == 0:
                out.Q[idx] /= s
                out.C[:, mask] *= s
                out.R[:, mask] *= s
            else:
                out.Q[:, idx] /= s
                out.d[idx] *= s
                out.R[mask, :] *= s


def readout_polynomial(c: Tensor, beta: Tensor) -> Tensor:
    """Coefficients (ascending in X) of p(X) = sum_j c_j prod_{i<j} (1 - beta_i X), shape (k,)."""
    k = c.shape[0]
    p = torch.zeros(k, dtype=torch.float64)
    basis = torch.ones(1, dtype=torch.float64)
    for j in range(k):
        p[: basis.shape[0]] += c[j] * basis
        if j + 1 < k:
            basis = torch.cat([basis, basis.new_zeros(1)]) - beta[j] * torch.cat([basis.new_zeros(1), basis])
    return p


def _readout_basis(beta: Tensor, k: int) -> Tensor:
    """Columns: the coefficients of b_j(X) = prod_{i<j} (1 - beta_i X), j < k (upper triangular, k x k)."""
    return torch.stack([readout_polynomial(torch.eye(k, dtype=torch.float64)[j], beta) for j in range(k)], dim=1)


def implied_steps(p: Tensor) -> tuple[list[float], list[float]]:
    """Real and imaginary parts of the alpha_s with 1 - X p(X) = prod_s (1 - alpha_s X), sorted by real part."""
    residual = torch.cat([torch.ones(1, dtype=torch.float64), -p.to(torch.float64)]).numpy()
    roots = np.polynomial.polynomial.polyroots(residual)
    alphas = sorted((1.0 / roots).tolist(), key=lambda z: (z.real, z.imag))
    return [float(np.real(z)) for z in alphas], [float(np.imag(z)) for z in alphas]


def normalise(trained: GDSSMLayer, analytic: GDSSMLayer) -> GDSSMLayer:
    """The representative of ``trained``'s orbit matched to ``analytic`` (module docstring), float64."""
    _check_pair(trained, analytic)
    out = frozen_copy(trained)
    ref = frozen_copy(analytic)
    with torch.no_grad():
        _normalise_blocks(out, ref)
        names = ("Q", "d") if out.k == 1 else ("Q", "d", "R", "C")
        s = {name: _scale(getattr(out, name), getattr(ref, name)) for name in names}
        if out.k == 1:
            out.Q.div_(s["Q"])
            out.d.div_(s["d"])
            out.C.mul_(s["Q"] * s["d"])
            return out
        for name in names:
            getattr(out, name).div_(s[name])
        out.beta.mul_(s["Q"] * s["R"])
        out.c.mul_(s["Q"] * s["d"] * s["C"])
        if bool((ref.beta == 0).any()):
            raise BadInput("the analytic readout needs nonzero beta_j to serve as a basis")
        p = readout_polynomial(out.c, out.beta)
        out.c.copy_(torch.linalg.solve(_readout_basis(ref.beta, out.k), p))
        out.beta.copy_(ref.beta)
    return out


def trainable_names(k: int) -> tuple[str, ...]:
    """The parameters a randomly initialised layer trains: Q, Lambda, d, C (k = 1), plus R, beta, c (k >= 2)."""
    return ("Q", "Lambda", "d", "C") if k == 1 else ("Q", "Lambda", "d", "C", "R", "beta", "c")


def compared_names(k: int) -> tuple[str, ...]:
    """The parameters whose distance is reported: the trained ones but beta, which :func:`normalise` sets to
    beta* (invariance 3; the readout is compared through c in the analytic basis)."""
    return tuple(name for name in trainable_names(k) if name != "beta")


def supports(analytic: GDSSMLayer, batch: TaskBatch, probes: int = 2, seed: int = 0) -> dict[str, Tensor]:
    """Boolean masks, per compared parameter, of the entries on which the analytic query prediction depends to
    first order (the entries identifiable at the construction).

    The derivative of <s, yhat_N> for Gaussian probe weights s (B, m) is nonzero with probability 1 at every
    entry whose partial derivative is nonzero on the batch; an entry is in the support when the largest
    |derivative| over ``probes`` probes exceeds SUPPORT_TOL times the parameter's largest.
    """
    layer = frozen_copy(analytic)
    names = compared_names(layer.k)
    params = [getattr(layer, name) for name in names]
    for param in params:
        param.requires_grad_(True)
    gen = torch.Generator().manual_seed(seed)
    size = [torch.zeros_like(param) for param in params]
    with torch.enable_grad():
        yhat = layer(batch.x.to(torch.float64), batch.y.to(torch.float64))[:, -1]
        for p in range(probes):
            weights = torch.randn(yhat.shape, generator=gen, dtype=torch.float64)
            grads = torch.autograd.grad((weights * yhat).sum(), params, retain_graph=p + 1 < probes)
            size = [torch.maximum(old, grad.abs()) for old, grad in zip(size, grads, strict=True)]
    return {name: s > SUPPORT_TOL * s.max() for name, s in zip(names, size, strict=True)}


@dataclass(frozen=True)
class ParameterDistances:
    """Scale-normalised distances ||P' - P*|| / ||P*|| per compared parameter: over all entries (Lambda: over its
    support), and over the identifiable entries only; the largest |Lambda_ij - 1| and the support's size."""

    relative: dict[str, float]
    identifiable: dict[str, float]
    lambda_max_deviation: float
    lambda_support: int


def parameter_distances(normalised: GDSSMLayer, analytic: GDSSMLayer,
                        support: dict[str, Tensor]) -> ParameterDistances:
    """Distances of the normalised trained parameters to the analytic ones (module docstring)."""
    ref = frozen_copy(analytic)
    relative, identifiable = {}, {}
    for name in compared_names(normalised.k):
        P, P_ref, mask = getattr(normalised, name), getattr(ref, name), support[name]
        on_support = float((P[mask] - P_ref[mask]).norm() / P_ref[mask].norm())
        identifiable[name] = on_support
        relative[name] = on_support if name == "Lambda" else float((P - P_ref).norm() / P_ref.norm())
    mask = support["Lambda"]
    deviation = (normalised.Lambda[mask] - ref.Lambda[mask]).abs()
    return ParameterDistances(relative=relative, identifiable=identifiable,
                              lambda_max_deviation=float(deviation.max()), lambda_support=int(mask.sum()))


def interpolate(normalised: GDSSMLayer, analytic: GDSSMLayer, weight: float = 0.5) -> GDSSMLayer:
    """The layer with parameters (1 - weight) P' + weight P* for every parameter (float64)."""
    out = frozen_copy(normalised)
    ref = frozen_copy(analytic)
    with torch.no_grad():
        for (_, P), (_, P_ref) in zip(out.named_parameters(), ref.named_parameters(), strict=True):
            P.lerp_(P_ref, weight)
    return out


@dataclass(frozen=True)
class Alignment:
    """Everything :func:`align` measures on one set of tasks."""

    loss: float
    loss_stderr: float
    analytic_loss: float
    paired_difference: float
    paired_stderr: float
    normalised_loss: float
    interpolation_loss: float
    behaviour: Behaviour
    distances: ParameterDistances
    effective_steps: dict[str, list[float]]

    def as_dict(self) -> dict[str, object]:
        """Flat JSON-ready figures."""
        return {
            "loss": self.loss, "loss_stderr": self.loss_stderr, "analytic_loss": self.analytic_loss,
            "paired_difference": self.paired_difference, "paired_stderr": self.paired_stderr,
            "normalised_loss": self.normalised_loss, "interpolation_loss": self.interpolation_loss,
            **asdict(self.behaviour),
            "parameter_distance": self.distances.relative,
            "parameter_distance_identifiable": self.distances.identifiable,
            "lambda_max_deviation": self.distances.lambda_max_deviation,
            "lambda_support": self.distances.lambda_support,
            "effective_steps": self.effective_steps,
        }


def effective_steps(normalised: GDSSMLayer, analytic: GDSSMLayer) -> dict[str, list[float]]:
    """Effective GD step sizes of the normalised layer (module docstring). k = 1: the least-squares alpha of
    C' ~ alpha E_y^T. k >= 2: the alpha_s implied by the readout polynomial p' (real and imaginary parts;
    complex alphas mean the readout is no GD with real steps) and p' itself."""
    if normalised.k == 1:
        E_y = analytic.E_y.to(torch.float64)
        return {"alpha": [float((normalised.C * E_y.T).sum() / (E_y * E_y).sum())]}
    p = readout_polynomial(normalised.c, normalised.beta)
    real, imag = implied_steps(p)
    return {"alpha": real, "alpha_imag": imag, "polynomial": p.tolist()}


def align(trained: GDSSMLayer, analytic: GDSSMLayer, batch: TaskBatch, support: dict[str, Tensor],
          behaviour_tasks: int | None = None) -> Alignment:
    """Loss, behaviour, parameter distances and interpolation loss of ``trained`` against ``analytic``.

    Losses use every task of ``batch``; the behaviour metrics (one backward pass per output) the first
    ``behaviour_tasks`` (default all).
    """
    batch64 = TaskBatch(x=batch.x.to(torch.float64), y=batch.y.to(torch.float64), W=batch.W.to(torch.float64),
                        distractor=batch.distractor)
    n_behaviour = batch64.x.shape[0] if behaviour_tasks is None else behaviour_tasks
    head = TaskBatch(x=batch64.x[:n_behaviour], y=batch64.y[:n_behaviour], W=batch64.W[:n_behaviour],
                     distractor=batch64.distractor[:n_behaviour])
    model, ref = frozen_copy(trained), frozen_copy(analytic)
    canon = normalise(model, ref)
    with torch.no_grad():
        losses, ref_losses = query_losses(model, batch64), query_losses(ref, batch64)
        normalised_loss = float(query_losses(canon, batch64).mean())
        interpolation_loss = float(query_losses(interpolate(canon, ref), batch64).mean())
    n = losses.shape[0]
    diff = losses - ref_losses
    return Alignment(
        loss=float(losses.mean()),
        loss_stderr=float(losses.std() / n**0.5) if n > 1 else 0.0,
        analytic_loss=float(ref_losses.mean()),
        paired_difference=float(diff.mean()),
        paired_stderr=float(diff.std() / n**0.5) if n > 1 else 0.0,
        normalised_loss=normalised_loss,
        interpolation_loss=interpolation_loss,
        behaviour=behaviour(model, ref, head),
        distances=parameter_distances(canon, ref, support),
        effective_steps=effective_steps(canon, ref),
    )
