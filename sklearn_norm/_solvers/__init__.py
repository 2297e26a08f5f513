"""Solvers: pure functions ``(datafit, penalty, params0, *, tol, max_iter,
verbose, ...) -> SolverResult``.

A solver talks to the datafit (``value``, ``value_grad``, ``hessp``,
``n_coef``) and the penalty (``value``, ``value_change``, ``prox``,
``pseudo_gradient``) only; it never sees the estimator.
"""

from ._gd import solve_gd
from ._lbfgs import solve_lbfgs
from ._newton_cg import solve_newton_cg
from ._orthant_newton import solve_orthant_newton
from ._result import SolverResult

#: solver name -> (function, handles an L1 part)
SOLVERS = {
    "gd": (solve_gd, True),
    "lbfgs": (solve_lbfgs, True),
    "newton-cg": (solve_newton_cg, False),
    "orthant-newton": (solve_orthant_newton, True),
}

__all__ = [
    "SOLVERS",
    "SolverResult",
    "solve_gd",
    "solve_lbfgs",
    "solve_newton_cg",
    "solve_orthant_newton",
]
