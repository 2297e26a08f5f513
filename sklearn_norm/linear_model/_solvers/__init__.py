"""Solvers: each a ``Solver`` (``_contract``), configured by its options and
called as ``solver.solve(datafit, penalty, params0, scores0)``.

A solver talks to the datafit and the penalty through their protocols only;
it never sees ``X`` or the estimator. ``make_solver`` is the one place that
chooses and configures a fit's solver, for the estimator, the path and the
CV alike.
"""

from __future__ import annotations

from dataclasses import fields

from .._contract import Penalty, Solver, SolverResult
from ._gd import GradientDescent, step_bound
from ._lbfgs import LBFGS
from ._newton_cg import GramPreconditioner, NewtonCG, conjugate_gradient
from ._orthant_newton import OrthantNewton, memory_budget
from ._prox_newton import ACTIVE_SET_SIZE, HessianCache, ProxNewton

#: solver name -> its class
SOLVERS: dict[str, type[Solver]] = {
    cls.name: cls
    for cls in (GradientDescent, LBFGS, NewtonCG, OrthantNewton, ProxNewton)
}


def auto_solver(penalty: Penalty, n_params: int | None = None) -> type[Solver]:
    """The solver ``solver="auto"`` runs: Newton-CG for a smooth penalty,
    the orthant-wise Newton method with an L1 part, proximal Newton when
    that part is grouped or when the model has at most ``ACTIVE_SET_SIZE``
    parameters (``n_params``: coefficients and intercepts; None, unknown),
    L-BFGS-B (which keeps bounds exactly) when the coefficients are
    bounded. Small models: proximal Newton solves each step's model
    exactly by feature-sign search and needs 5 to 13 steps where the
    orthant-wise steps of nearly separable data take up to 150 (a fit of
    an L1 grid on wine, iris, breast cancer: 2-3x faster; see
    ``benchmarks/bench_small.py``)."""
    if penalty.has_box:
        return LBFGS
    if penalty.is_smooth:
        return NewtonCG
    if penalty.grouped or (n_params is not None and n_params <= ACTIVE_SET_SIZE):
        return ProxNewton
    return OrthantNewton


def make_solver(
    name: str,
    penalty: Penalty,
    *,
    tol: float,
    max_iter: int,
    verbose: int = 0,
    n_params: int | None = None,
    **options,
) -> Solver:
    """The solver ``name`` (``"auto"`` or a key of ``SOLVERS``) for
    ``penalty`` (one of its strengths: only its smoothness matters),
    configured with ``tol``, ``max_iter``, ``verbose`` and those of
    ``options`` it takes (``lr`` for gradient descent, ``preconditioner``
    for Newton-CG, ``hessians`` for prox-newton; the others ignore them).
    ``n_params``: the model's number of parameters, for ``"auto"``
    (``auto_solver``); None leaves small models out of its choice.
    ``solve`` refuses a penalty with an L1 part if the solver cannot handle
    it."""
    cls = auto_solver(penalty, n_params) if name == "auto" else SOLVERS[name]
    taken = {field.name for field in fields(cls)}
    chosen = {key: value for key, value in options.items() if key in taken}
    return cls(tol=tol, max_iter=max_iter, verbose=verbose, **chosen)


__all__ = [
    "ACTIVE_SET_SIZE",
    "LBFGS",
    "SOLVERS",
    "GradientDescent",
    "GramPreconditioner",
    "HessianCache",
    "NewtonCG",
    "OrthantNewton",
    "ProxNewton",
    "Solver",
    "SolverResult",
    "auto_solver",
    "conjugate_gradient",
    "make_solver",
    "memory_budget",
    "step_bound",
]
