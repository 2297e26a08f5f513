"""What every solver returns, and the smooth objective the smooth solvers use."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._penalties import ElasticNetPenalty, optimality


@dataclass
class SolverResult:
    """The outcome of one solver run.

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        Coefficients then intercepts, in the datafit's flat layout.
    objective : float
        Data term + penalty at ``params``.
    optimality : float
        KKT violation at ``params`` (see :func:`~._penalties.optimality`).
    n_iter : int
        Iterations the solver ran.
    converged : bool
        Whether ``optimality <= tol``.
    scores : ndarray or None
        ``datafit.decision(params)`` when the solver has it at hand (a path
        reuses it), else None.
    """

    params: np.ndarray
    objective: float
    optimality: float
    n_iter: int
    converged: bool
    scores: np.ndarray | None = None


def finish(datafit, penalty: ElasticNetPenalty, params, n_iter, tol) -> SolverResult:
    """Evaluate objective and optimality at ``params`` and wrap them up."""
    value, grad = datafit.value_grad(params)
    measure = optimality(datafit.n_coef, penalty, params, grad)
    objective = value + penalty.value(params[: datafit.n_coef])
    return SolverResult(params, objective, measure, n_iter, measure <= tol)


def smooth_gradient(datafit, penalty: ElasticNetPenalty, params, z) -> np.ndarray:
    """Gradient of data term + ``l2 / 2 * ||w||^2`` (the penalty's
    differentiable part) at ``params``, whose scores are ``z``."""
    grad = datafit.gradient(z)
    grad[: datafit.n_coef] += penalty.l2 * params[: datafit.n_coef]
    return grad
