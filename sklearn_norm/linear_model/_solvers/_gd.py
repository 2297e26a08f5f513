"""Fixed-step gradient descent, made proximal.

Each step is ``w <- prox(w - lr * grad L(w))`` for the coefficients and
``b <- b - lr * grad_b L`` for the (unpenalized) intercepts. The prox applies
both penalty parts exactly (and clips to the bounds on the coefficients, if
any), so L1 zeros are exact 0.0 and any ``lr > 0`` stays bounded;
convergence needs ``lr <= 1 / Lipschitz(grad L)``, and ``step_bound``
computes such a step for the data at hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from .._contract import Solver, SolverResult
from .._penalties import ElasticNetPenalty, optimality
from ._result import finish


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


# Up to this many parameters the Hessian is formed column by column and its
# largest eigenvalue computed exactly; beyond, Lanczos iterations to this
# relative accuracy (their estimate is below the eigenvalue, so it is raised
# by the accuracy).
_EXPLICIT_PARAMS = 64
_LANCZOS_TOL = 1e-6


def step_bound(datafit) -> float:
    """``1 / L`` for an upper bound ``L`` of the Lipschitz constant of the
    datafit's gradient: the largest step with which gradient descent is
    guaranteed to converge on this data (``inf`` if the gradient is
    constant).

    Per sample, the log-loss curvature is at most 1/4 for two classes and
    the softmax Jacobian's largest eigenvalue at most 1/2 for K, so ``L <=
    c * lambda_max([X 1].T W [X 1])`` with ``c`` = 1/4 or 1/2. At zero
    scores every probability is 1/2 (two classes: the Hessian there is
    exactly ``1/4 [X 1].T W [X 1]``) or 1/K (K classes: the Hessian's
    largest eigenvalue is that of ``1/K [X 1].T W [X 1]``), so ``L`` is the
    largest eigenvalue of the Hessian at zero, times K / 2 for K classes.
    """
    n_params = datafit.n_params
    hessp = datafit.hessp(datafit.decision(np.zeros(n_params)))
    if n_params <= _EXPLICIT_PARAMS:
        columns = [hessp(unit) for unit in np.eye(n_params)]
        hessian = np.column_stack(columns)
        largest = float(np.linalg.eigvalsh((hessian + hessian.T) / 2)[-1])
    else:
        operator = LinearOperator((n_params, n_params), matvec=hessp, dtype=float)
        # A fixed start: the bound, and the warning quoting it, are
        # reproducible. Not the vector of ones: with several classes it is a
        # null vector of the Hessian (every class's parameters shifted
        # alike leave the probabilities unchanged), on which ARPACK stops
        # with "starting vector is zero".
        start = np.random.default_rng(0).uniform(0.5, 1.5, n_params)
        (value,) = eigsh(
            operator,
            k=1,
            which="LA",
            tol=_LANCZOS_TOL,
            v0=start,
            return_eigenvectors=False,
        )
        largest = float(value) * (1.0 + _LANCZOS_TOL)
    if datafit.n_outputs > 1:
        largest *= datafit.n_outputs / 2.0
    return 1.0 / largest if largest > 0.0 else np.inf


@dataclass(frozen=True)
class GradientDescent(Solver):
    """Proximal gradient descent with the fixed step ``lr`` (it converges
    for ``lr <= step_bound(datafit)``)."""

    name: ClassVar[str] = "gd"
    handles_l1: ClassVar[bool] = True
    handles_box: ClassVar[bool] = True
    handles_groups: ClassVar[bool] = True
    lr: float = 0.1

    def _solve(self, datafit, penalty, params0, scores0) -> SolverResult:
        return solve_gd(
            datafit,
            penalty,
            params0,
            tol=self.tol,
            max_iter=self.max_iter,
            lr=self.lr,
            verbose=self.verbose,
        )
