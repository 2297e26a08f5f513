"""Solvers: pure functions ``(datafit, penalty, params0, *, tol, max_iter,
verbose, ...) -> SolverResult``.

A solver talks to the datafit (``value``, ``value_grad``, ``hessp``,
``n_coef``) and the penalty (``value``, ``value_change``, ``prox``,
``pseudo_gradient``) only; it never sees the estimator.
"""

from ._gd import solve_gd, step_bound
from ._lbfgs import solve_lbfgs
from ._newton_cg import (
    GramPreconditioner,
    conjugate_gradient,
    solve_newton_cg,
    weighted_gram,
)
from ._orthant_newton import memory_budget, solve_orthant_newton
from ._result import SolverResult


def auto_solver(regularization: str | None) -> str:
    """The solver ``solver="auto"`` runs, for the estimator, the path and the
    CV alike: Newton-CG for a smooth objective (``"l2"``, ``None``), the
    orthant-wise Newton method with an L1 part."""
    return "orthant-newton" if regularization in ("l1", "elasticnet") else "newton-cg"


#: solver name -> (function, handles an L1 part)
SOLVERS = {
    "gd": (solve_gd, True),
    "lbfgs": (solve_lbfgs, True),
    "newton-cg": (solve_newton_cg, False),
    "orthant-newton": (solve_orthant_newton, True),
}

__all__ = [
    "SOLVERS",
    "GramPreconditioner",
    "auto_solver",
    "conjugate_gradient",
    "memory_budget",
    "step_bound",
    "weighted_gram",
    "SolverResult",
    "solve_gd",
    "solve_lbfgs",
    "solve_newton_cg",
    "solve_orthant_newton",
]
