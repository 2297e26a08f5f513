"""L-BFGS-B (scipy) for every penalty.

Smooth penalties are minimized directly. With an L1 part the coefficients are
split, ``w = u - v`` with ``u, v >= 0``, which makes the objective smooth

    L(u - v, b) + l1 * sum(u + v) + l2 / 2 * ||u - v||^2

under bounds that L-BFGS-B handles exactly: a coefficient whose two halves sit
on their bound is exactly 0.0. The projected gradient of the split problem that
L-BFGS-B tests against ``gtol`` equals the KKT violation of the original one.

L-BFGS-B's line search compares objective values, which stop differing (in
float64) long before the gradient reaches 1e-10. When it stops short of
``tol``, it is restarted on the objective *minus its value at the stopping
point*, evaluated from the change of the scores (``value_change``): that
difference is resolved to rounding of the change itself.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, minimize

from .._penalties import ElasticNetPenalty
from ._result import SolverResult, finish, smooth_gradient

_MAX_RESTARTS = 5


def solve_lbfgs(
    datafit,
    penalty: ElasticNetPenalty,
    params: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    verbose: int = 0,
    memory: int = 20,
) -> SolverResult:
    """Minimize data term + penalty with L-BFGS-B; stops when the KKT violation
    is at most ``tol``, after ``max_iter`` iterations, or when restarts no
    longer reduce the violation."""
    problem = _Problem(datafit, penalty, split=not penalty.is_smooth)
    x = problem.start(params)

    n_iter = 0
    reference = None
    best = None
    for _ in range(_MAX_RESTARTS + 1):
        label = "objective" if reference is None else "objective - restart value"

        # scipy recognises a callback by its one parameter's name.
        def report(intermediate_result):
            print(f"lbfgs iter: {label} {intermediate_result.fun:.12g}")  # noqa: B023

        result = minimize(
            problem.objective if reference is None else problem.relative(reference),
            x,
            jac=True,
            method="L-BFGS-B",
            bounds=problem.bounds,
            callback=report if verbose else None,
            # ftol=0: stop on the gradient test, or when no step decreases f.
            options={
                "maxiter": max_iter - n_iter,
                "maxfun": 2 * (max_iter - n_iter) + 20,
                "gtol": tol,
                "ftol": 0.0,
                "maxcor": memory,
            },
        )
        n_iter += int(result.nit)
        outcome = finish(datafit, penalty, problem.params(result.x), n_iter, tol)
        if best is None or outcome.optimality < best.optimality:
            improved = best is None or outcome.optimality < 0.5 * best.optimality
            best, x = outcome, result.x
        else:
            improved = False
        if best.converged or n_iter >= max_iter or not improved:
            break
        reference = x
    best.n_iter = n_iter
    return best


class _Problem:
    """The smooth (possibly split) objective L-BFGS-B sees, over ``x``."""

    def __init__(self, datafit, penalty: ElasticNetPenalty, split: bool) -> None:
        self.datafit = datafit
        self.penalty = penalty
        self.split = split
        self.n_coef = datafit.n_coef
        self.bounds = None
        if split:
            lower = np.full(datafit.n_params + self.n_coef, -np.inf)
            lower[: 2 * self.n_coef] = 0.0
            self.bounds = Bounds(lower, np.inf)

    def start(self, params: np.ndarray) -> np.ndarray:
        if not self.split:
            return params.copy()
        w = params[: self.n_coef]
        rest = params[self.n_coef :]
        return np.concatenate([np.maximum(w, 0.0), np.maximum(-w, 0.0), rest])

    def params(self, x: np.ndarray) -> np.ndarray:
        if not self.split:
            return x
        n = self.n_coef
        return np.concatenate([x[:n] - x[n : 2 * n], x[2 * n :]])

    def _gradient(self, params: np.ndarray, z: np.ndarray) -> np.ndarray:
        n = self.n_coef
        grad = smooth_gradient(self.datafit, self.penalty, params, z)
        if not self.split:
            return grad
        l1 = self.penalty.l1
        return np.concatenate([l1 + grad[:n], l1 - grad[:n], grad[n:]])

    def objective(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        params = self.params(x)
        z = self.datafit.decision(params)
        w = params[: self.n_coef]
        value = self.datafit.value(z) + 0.5 * self.penalty.l2 * float(w @ w)
        if self.split:
            value += self.penalty.l1 * float(np.sum(x[: 2 * self.n_coef]))
        return value, self._gradient(params, z)

    def relative(self, x_ref: np.ndarray):
        """``x -> (objective(x) - objective(x_ref), gradient)``, with the
        difference computed from ``X @ (params - params_ref)``."""
        params_ref = self.params(x_ref).copy()
        w_ref = params_ref[: self.n_coef]
        z_ref = self.datafit.decision(params_ref)

        def objective(x):
            params = self.params(x)
            dparams = params - params_ref
            dz = self.datafit.decision(dparams)
            dw = dparams[: self.n_coef]
            change = self.datafit.value_change(z_ref, dz)
            change += self.penalty.l2 * float(w_ref @ dw + 0.5 * (dw @ dw))
            if self.split:
                m = 2 * self.n_coef
                change += self.penalty.l1 * float(np.sum(x[:m] - x_ref[:m]))
            return change, self._gradient(params, z_ref + dz)

        return objective
