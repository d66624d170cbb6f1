r"""A readout with a fixed number of terms (the paper's construction: one) equals as many GD steps, unrolled.

At the prefix t: ``yhat_t = C S_t P_n + F q_t`` (the layer's prediction), ``P_n`` and the readout vectors unfolded
to the query ``q_t`` by the layer's definitions, the state lemma at t, the layout hypotheses, and the GD
recursion of :class:`~.regression.PrefixGD` unrolled n times from ``W^{(t)}_0``: ``yhat_t = W^{(t)}_n x_{t+1}``.
"""

from __future__ import annotations

from gdssm.core.errors import BadInput
from gdssm.proofs.induction import Derivation, Kind, Proof, instance
from gdssm.proofs.theories.common import T
from gdssm.proofs.theories.layer import LayerModel
from gdssm.proofs.theories.regression import PrefixGD


def finite_readout_proof(model: LayerModel, gd: PrefixGD, state: Proof, name: str, steps: int) -> Proof:
    """``yhat_t = W^{(t)}_{steps} x_{t+1}``, the readout unfolded over the description's n readout terms (a
    concrete number; n = steps for a correct construction)."""
    terms = model.terms()
    if not terms.is_Integer or terms < 0:
        raise BadInput(f"the readout of {model.description.name} has {terms} terms, not a fixed number")
    n = int(terms)
    prediction = model.prediction_definition(T)
    r0, P0 = model.readout_base(T)
    readout = [P0, r0, *(model.sum_definition(j) for j in range(n)),
               *(model.vector_definition(T, j) for j in range(n - 1))]
    unrolled = [gd.gd_base(), *(gd.gd_step(s) for s in range(steps))]
    return (
        Derivation(name, model.yhat(T), assumptions=model.layout)
        .step("the layer's prediction", prediction.rhs, kind=Kind.DEFINITION, using=[prediction])
        .step(f"the readout: P_{n} and r_j unfolded to q_t = U_t d", kind=Kind.DEFINITION, using=readout)
        .step("the state at t", kind=Kind.LEMMA, using=[instance(state, T)])
        .step("the layout", using=model.layout)
        .step(f"{steps} GD step(s) from W^(t)_0", gd.W(steps) * model.x(T + 1), kind=Kind.DEFINITION,
              using=unrolled)
        .qed()
    )
