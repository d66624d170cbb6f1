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
yhat = C S(Q, Lambda) sum_j c_j r_j, r_0 = U d, r_{j+1} = r_j - beta_j R S r_j, keeps its function under
the scalings, for any nonzero a, b, e, g:

    Q -> a Q,  d -> b d,  R -> e R,  C -> g C,  beta_j -> beta_j / (a e),  c_j -> c_j / (a b g)

(S is linear in Q and every r_j is linear in d). For k = 1 there is no R, beta, and c_0 = 1 is frozen; the
scaling is then the trilinear one of paper-facts §5.3: Q -> a Q, d -> b d, C -> g C with a b g = 1. Signs
are scalings by -1. The embeddings E_x, E_y are fixed buffers, so no change of basis of the state
(permutation, rotation) is a symmetry, and Lambda enters unscaled: these scalings are the symmetries
removed here. :func:`normalise`
picks the representative of a trained layer's orbit whose Q, d (and for k >= 2 R, C) have the analytic
norm and the sign that best agrees with the analytic value,

    s_P = sign(<P, P*>) ||P|| / ||P*||,   P' = P / s_P,

and moves the compensating factor into the parameters that carry the step size: C' = s_Q s_d C for k = 1;
beta'_j = s_Q s_R beta_j and c'_j = s_Q s_d s_C c_j for k >= 2. The normalised layer computes the same
function (:func:`query_losses` agrees to rounding), so C' (k = 1) and c', beta' (k >= 2) are effective step
sizes, directly comparable with alpha.

**Parameter distances.** For each trained parameter P, ||P' - P*||_F / ||P*||_F. For Lambda only the entries
the construction depends on count (:func:`lambda_support`: with C* = alpha E_y^T in the scalar task only
the state row of y is read, the other rows of Lambda are not identifiable); on that support the distance is
the RMS of Lambda - 1 (Lambda* = 1), reported with the largest |Lambda_ij - 1|.

**Interpolation.** The layer with parameters (P' + P*)/2: a loss near both ends means the trained layer
sits in the construction's basin, not in an unrelated solution (the raw midpoint (P + P*)/2 would mean
nothing, since the scalings above move P freely along a flat orbit).
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from gdssm.errors import UserError
from numeric.layer import GDSSMLayer
from numeric.samplers import TaskBatch

EPS = 1e-8
"""Floor of the norms in the sensitivity cosine (von Oswald et al.)."""

SUPPORT_TOL = 1e-12
"""An entry of Lambda is in the support when its probed derivative exceeds this times the largest one."""


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
        raise UserError("trained and analytic layers must have the same dimensions and number of readout terms")
    if not (torch.equal(trained.E_x.cpu().double(), analytic.E_x.cpu().double())
            and torch.equal(trained.E_y.cpu().double(), analytic.E_y.cpu().double())):
        raise UserError("trained and analytic layers must share the embeddings E_x, E_y (the same layout)")


def _scale(param: Tensor, reference: Tensor) -> Tensor:
    """s = sign(<P, P*>) ||P|| / ||P*|| (sign + when orthogonal): P / s has the norm of P* and leans towards it."""
    sign = 1.0 if float((param * reference).sum()) >= 0 else -1.0
    return sign * param.norm() / reference.norm()


def normalise(trained: GDSSMLayer, analytic: GDSSMLayer) -> GDSSMLayer:
    """The representative of ``trained``'s scaling orbit matched to ``analytic`` (module docstring), float64."""
    _check_pair(trained, analytic)
    out = frozen_copy(trained)
    ref = frozen_copy(analytic)
    names = ("Q", "d") if out.k == 1 else ("Q", "d", "R", "C")
    s = {name: _scale(getattr(out, name), getattr(ref, name)) for name in names}
    with torch.no_grad():
        if out.k == 1:
            out.Q.div_(s["Q"])
            out.d.div_(s["d"])
            out.C.mul_(s["Q"] * s["d"])
        else:
            for name in names:
                getattr(out, name).div_(s[name])
            out.beta.mul_(s["Q"] * s["R"])
            out.c.mul_(s["Q"] * s["d"] * s["C"])
    return out


def trainable_names(k: int) -> tuple[str, ...]:
    """The parameters a randomly initialised layer trains: Q, Lambda, d, C (k = 1), plus R, beta, c (k >= 2)."""
    return ("Q", "Lambda", "d", "C") if k == 1 else ("Q", "Lambda", "d", "C", "R", "beta", "c")


def lambda_support(analytic: GDSSMLayer, batch: TaskBatch, probes: int = 2, seed: int = 0) -> Tensor:
    """Boolean (H, H): the entries of Lambda on which the analytic query prediction depends to first order.

    The derivative of <s, yhat_N> with respect to Lambda, for Gaussian probe weights s (B, m), is nonzero
    with probability 1 at every entry whose partial derivative is nonzero on the batch; an entry is in the
    support when the largest |derivative| over ``probes`` probes exceeds SUPPORT_TOL times the largest.
    """
    layer = frozen_copy(analytic)
    layer.Lambda.requires_grad_(True)
    gen = torch.Generator().manual_seed(seed)
    size = torch.zeros_like(layer.Lambda)
    with torch.enable_grad():
        yhat = layer(batch.x.to(torch.float64), batch.y.to(torch.float64))[:, -1]
        for p in range(probes):
            weights = torch.randn(yhat.shape, generator=gen, dtype=torch.float64)
            (grad,) = torch.autograd.grad((weights * yhat).sum(), layer.Lambda, retain_graph=p + 1 < probes)
            size = torch.maximum(size, grad.abs())
    return size > SUPPORT_TOL * size.max()


@dataclass(frozen=True)
class ParameterDistances:
    """Scale-normalised distances ||P' - P*|| / ||P*|| per trained parameter, and Lambda on its support."""

    relative: dict[str, float]
    lambda_max_deviation: float
    lambda_support: int


def parameter_distances(normalised: GDSSMLayer, analytic: GDSSMLayer, support: Tensor) -> ParameterDistances:
    """Distances of the normalised trained parameters to the analytic ones (module docstring)."""
    ref = frozen_copy(analytic)
    relative = {}
    for name in trainable_names(normalised.k):
        P, P_ref = getattr(normalised, name), getattr(ref, name)
        if name == "Lambda":
            P, P_ref = P[support], P_ref[support]
        relative[name] = float((P - P_ref).norm() / P_ref.norm())
    deviation = (normalised.Lambda[support] - ref.Lambda[support]).abs()
    return ParameterDistances(relative=relative, lambda_max_deviation=float(deviation.max()),
                              lambda_support=int(support.sum()))


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
            "lambda_max_deviation": self.distances.lambda_max_deviation,
            "lambda_support": self.distances.lambda_support,
            "effective_steps": self.effective_steps,
        }


def effective_steps(normalised: GDSSMLayer, analytic: GDSSMLayer) -> dict[str, list[float]]:
    """Step sizes of the normalised layer. k = 1: the least-squares alpha of C' ~ alpha E_y^T (the form of
    C* = alpha* E_y^T), alpha = <C', E_y^T> / ||E_y||^2. k >= 2: the readout constants c' and beta'
    (analytic: c_j = beta_j = alpha)."""
    if normalised.k == 1:
        E_y = analytic.E_y.to(torch.float64)
        return {"alpha": [float((normalised.C * E_y.T).sum() / (E_y * E_y).sum())]}
    return {"c": normalised.c.tolist(), "beta": normalised.beta.tolist()}


def align(trained: GDSSMLayer, analytic: GDSSMLayer, batch: TaskBatch, support: Tensor,
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
