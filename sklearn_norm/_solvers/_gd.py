"""Fixed-step gradient descent, made proximal.

Each step is ``w <- prox(w - lr * grad L(w))`` for the coefficients and
``b <- b - lr * grad_b L`` for the (unpenalized) intercepts. The prox applies
both penalty parts exactly, so L1 zeros are exact 0.0 and any ``lr > 0`` stays
bounded; convergence needs ``lr <= 1 / Lipschitz(grad L)``.
"""

from __future__ import annotations

import numpy as np

from .._penalties import ElasticNetPenalty, optimality
from ._result import SolverResult, finish


def solve_gd(
    datafit,
    penalty: ElasticNetPenalty,
    params: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    lr: float,
    verbose: int = 0,
) -> SolverResult:
    """Proximal gradient descent with the fixed step ``lr``; stops when the KKT
    violation is at most ``tol`` or after ``max_iter`` steps."""
    params = params.copy()
    n_coef = datafit.n_coef
    for n_iter in range(max_iter):
        value, grad = datafit.value_grad(params)
        measure = optimality(n_coef, penalty, params, grad)
        objective = value + penalty.value(params[:n_coef])
        if verbose:
            print(f"gd iter {n_iter}: objective {objective:.12g}, kkt {measure:.3e}")
        if measure <= tol:
            return SolverResult(params, objective, measure, n_iter, True)
        params -= lr * grad
        params[:n_coef] = penalty.prox(params[:n_coef], lr)
    return finish(datafit, penalty, params, max_iter, tol)
