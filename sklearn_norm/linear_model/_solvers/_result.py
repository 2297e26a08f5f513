"""Evaluations every solver ends with: the result at given params, and the
gradient of the smooth part of the objective."""

from __future__ import annotations

import numpy as np

from .._contract import SolverResult
from .._penalties import ElasticNetPenalty, optimality


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
    grad[: datafit.n_coef] += penalty.l2_coef * params[: datafit.n_coef]
    return grad
