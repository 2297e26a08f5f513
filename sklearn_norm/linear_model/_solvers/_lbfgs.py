"""L-BFGS-B (scipy) for every penalty.

Smooth penalties are minimized directly. With an L1 part the coefficients are
split, ``w = u - v`` with ``u, v >= 0``, which makes the objective smooth

    L(u - v, b) + l1 * sum(u + v) + l2 / 2 * ||u - v||^2

under bounds that L-BFGS-B handles exactly: a coefficient whose two halves sit
on their bound is exactly 0.0. Bounds on the coefficients, ``lower <= w <=
upper`` with ``lower <= 0 <= upper``, become bounds of the same kind:
``w <= upper`` for ``w`` itself or ``u``, ``w >= lower`` for ``w`` or ``-v``
(``v <= -lower``); a coefficient at its bound is exactly the bound.

L-BFGS-B iterates in standardized coordinates: each coefficient times its
column's weighted standard deviation, each intercept plus the weighted column
means times the coefficients (the model is unchanged: the columns' means move
into the intercepts). That is the change of variables glmnet makes. It is
linear and keeps every coefficient's sign, so the bounds stay ``>= 0``; and
it matters: columns at scales from 1e-3 to 1e3, or with large means, give
L-BFGS-B a Hessian it crawls on, stopping far from the minimizer. Because
its own gradient test then sees transformed gradients, it is told not to
stop on it; a callback stops it when the KKT violation of the original
problem is at most ``tol``.

L-BFGS-B's line search compares objective values, which stop differing (in
float64) long before the gradient reaches 1e-10. When it stops short of
``tol``, it is restarted on the objective *minus its value at the stopping
point*, evaluated from the change of the scores (``value_change``): that
difference is resolved to rounding of the change itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.optimize import Bounds, minimize

from .._contract import Solver, SolverResult
from .._penalties import ElasticNetPenalty, optimality
from ._result import finish

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
    outcome = finish(datafit, penalty, problem.point(x), 0, tol)
    if outcome.converged:
        return outcome

    n_iter = 0
    reference = None
    best = None
    for _ in range(_MAX_RESTARTS + 1):
        label = "objective" if reference is None else "objective - restart value"

        # scipy recognises a callback by its one parameter's name.
        def stop_at_tol(intermediate_result):
            if verbose:
                print(f"lbfgs iter: {label} {intermediate_result.fun:.12g}")  # noqa: B023
            if problem.kkt(intermediate_result.x) <= tol:
                raise StopIteration

        result = minimize(
            problem.objective if reference is None else problem.relative(reference),
            x,
            jac=True,
            method="L-BFGS-B",
            bounds=problem.bounds,
            callback=stop_at_tol,
            # gtol=0, ftol=0: stop at tol (the callback), or when no step
            # decreases f.
            options={
                "maxiter": max_iter - n_iter,
                "maxfun": 2 * (max_iter - n_iter) + 20,
                "gtol": 0.0,
                "ftol": 0.0,
                "maxcor": memory,
            },
        )
        n_iter += int(result.nit)
        outcome = finish(datafit, penalty, problem.point(result.x), n_iter, tol)
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


def _coordinate_scales(datafit, penalty, deviation: np.ndarray) -> np.ndarray:
    """Per column, ``sqrt(deviation^2 + l2 / c)``: up to the factor ``sqrt(c)``
    the square root of the Hessian's diagonal in centred coordinates, with
    ``c`` the mean curvature of the best constant model (``pi (1 - pi)`` of
    the class frequencies). Without the ``l2`` term, a column of tiny
    deviation gets a huge penalty curvature in standardized coordinates;
    1 where both are zero (a constant column, no L2 part)."""
    frequency = datafit.class_totals()
    curvature = float(np.mean(frequency * (1.0 - frequency)))
    l2 = penalty.l2_coef
    if np.ndim(l2):  # per coefficient: the largest of each column's classes
        l2 = np.max(np.reshape(l2, (datafit.n_outputs, datafit.n_features)), axis=0)
    ridge = l2 / curvature if curvature > 0.0 else 0.0
    scales = np.sqrt(deviation * deviation + ridge)
    scales[~(np.isfinite(scales) & (scales > 0.0))] = 1.0
    return scales


class _Problem:
    """The smooth (possibly split) objective L-BFGS-B sees, over ``x``: the
    (split) coefficients times their column's deviation and the intercepts
    plus the coefficients times the column means (``column_moments``)."""

    def __init__(self, datafit, penalty: ElasticNetPenalty, split: bool) -> None:
        self.datafit = datafit
        self.penalty = penalty
        self.split = split
        self.n_coef = datafit.n_coef
        self.mean, deviation = datafit.column_moments()
        self.deviation = _coordinate_scales(datafit, penalty, deviation)
        self.bounds = self._bounds(datafit, penalty, split)
        # The strengths per coefficient: numbers, or (K, p) arrays with
        # penalty factors; the flat L2 strengths for flat coefficients.
        shape = (datafit.n_outputs, datafit.n_features)
        self.l1 = _shaped(penalty.l1_coef, shape)
        self.l2 = _shaped(penalty.l2_coef, shape)
        self.l2_flat = penalty.l2_coef
        self._last = None  # (params, data gradient) of the last evaluation

    def _bounds(self, datafit, penalty, split: bool) -> Bounds | None:
        """The bounds of ``x``: the split halves ``>= 0`` and the penalty's
        box, in the coordinates of ``x`` (coefficients times deviations)."""
        if not (split or penalty.has_box):
            return None
        n, size = self.n_coef, datafit.n_params + (self.n_coef if split else 0)
        lower, upper = np.full(size, -np.inf), np.full(size, np.inf)
        low, high = -np.inf, np.inf
        if penalty.has_box:
            scale = np.tile(self.deviation, datafit.n_outputs)
            low, high = penalty.lower * scale, penalty.upper * scale
        if split:
            lower[: 2 * n] = 0.0
            upper[:n], upper[n : 2 * n] = high, -low
        else:
            lower[:n], upper[:n] = low, high
        return Bounds(lower, upper)

    def _halves(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        """The coefficient parts of ``x`` as (K, p) arrays (one, or the two
        split halves) and its intercept part."""
        shape = (self.datafit.n_outputs, self.datafit.n_features)
        n = self.n_coef
        if not self.split:
            return (x[:n].reshape(shape),), x[n:]
        return (x[:n].reshape(shape), x[n : 2 * n].reshape(shape)), x[2 * n :]

    def start(self, params: np.ndarray) -> np.ndarray:
        coef, intercept = self.datafit.split(params)
        scaled = coef * self.deviation
        if self.datafit.fit_intercept:
            intercept = intercept + coef @ self.mean
        else:
            intercept = params[self.n_coef :]
        if not self.split:
            return np.concatenate([scaled.ravel(), intercept])
        positive, negative = np.maximum(scaled, 0.0), np.maximum(-scaled, 0.0)
        return np.concatenate([positive.ravel(), negative.ravel(), intercept])

    def params(self, x: np.ndarray) -> np.ndarray:
        halves, intercept = self._halves(x)
        scaled = halves[0] if not self.split else halves[0] - halves[1]
        coef = scaled / self.deviation
        if self.datafit.fit_intercept:
            intercept = intercept - coef @ self.mean
        return np.concatenate([coef.ravel(), intercept])

    def point(self, x: np.ndarray) -> np.ndarray:
        """``params(x)`` with the coefficients whose ``x`` sits on a bound of
        the box set exactly to that bound: dividing the bound back by the
        deviation can miss it by an ulp, and the KKT measure would then take
        the coefficient for an interior one. (``params`` itself stays
        linear: the restarts map differences through it.)"""
        params = self.params(x)
        if not self.penalty.has_box:
            return params
        n = self.n_coef
        lower, upper = self.penalty.lower, self.penalty.upper
        x_lower, x_upper = self.bounds.lb, self.bounds.ub
        flat = params[:n]
        if self.split:  # a half's upper bound of 0 pins it, not w
            u_cap, v_cap = x_upper[:n], x_upper[n : 2 * n]
            at_upper = (x[:n] >= u_cap) & (u_cap > 0.0)
            at_lower = (x[n : 2 * n] >= v_cap) & (v_cap > 0.0)
        else:
            at_upper, at_lower = x[:n] >= x_upper[:n], x[:n] <= x_lower[:n]
        flat[at_upper] = upper[at_upper]
        flat[at_lower] = lower[at_lower]
        return params

    def _l1_value(self, x: np.ndarray) -> float:
        """``l1 * sum(u + v)`` of the split halves (the split problem's L1
        term, not ``|u - v|``)."""
        halves, _ = self._halves(x)
        return float(np.sum(self.l1 * (halves[0] + halves[1]) / self.deviation))

    def _l2_product(self, a: np.ndarray, b: np.ndarray) -> float:
        """``sum_k l2_k a_k b_k`` over flat coefficients."""
        if np.ndim(self.l2_flat):
            return float(np.sum(self.l2_flat * a * b))
        return self.l2_flat * float(a @ b)

    def kkt(self, x: np.ndarray) -> float:
        """The KKT violation of the original problem at ``x``."""
        params = self.params(x)
        last = self._last
        if last is not None and np.array_equal(last[0], params):
            grad = last[1]
        else:  # not the point evaluated last (L-BFGS-B reports that one)
            grad = self.datafit.gradient(self.datafit.decision(params))
        # The gradient at the unsnapped point: an ulp away, the same to
        # rounding.
        return optimality(self.n_coef, self.penalty, self.point(x), grad)

    def _gradient(self, params: np.ndarray, z: np.ndarray) -> np.ndarray:
        """The gradient in ``x`` (chain rule through ``params(x)``)."""
        data = self.datafit.gradient(z)
        self._last = (params, data)
        coef, _ = self.datafit.split(params)
        g_coef, g_intercept = self.datafit.split(data)
        g_coef = g_coef + self.l2 * coef
        shift = 0.0
        if self.datafit.fit_intercept:  # the intercepts absorb coef @ mean
            shift = g_intercept[:, None] * self.mean
            tail = g_intercept
        else:
            tail = data[self.n_coef :]
        if not self.split:
            return np.concatenate([((g_coef - shift) / self.deviation).ravel(), tail])
        positive = (self.l1 + g_coef - shift) / self.deviation
        negative = (self.l1 - g_coef + shift) / self.deviation
        return np.concatenate([positive.ravel(), negative.ravel(), tail])

    def objective(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        params = self.params(x)
        z = self.datafit.decision(params)
        w = params[: self.n_coef]
        value = self.datafit.value(z) + 0.5 * self._l2_product(w, w)
        if self.split:
            value += self._l1_value(x)
        return value, self._gradient(params, z)

    def relative(self, x_ref: np.ndarray):
        """``x -> (objective(x) - objective(x_ref), gradient)``, with the
        difference computed from ``X @ (params - params_ref)``."""
        params_ref = self.params(x_ref).copy()
        w_ref = params_ref[: self.n_coef]
        z_ref = self.datafit.decision(params_ref)

        def objective(x):
            # params(x) is linear: the difference from the map of x - x_ref,
            # not of two nearby params (whose intercepts' rounding, of the
            # size of the column means times the coefficients, would swamp
            # the tiny changes this objective exists to resolve).
            dparams = self.params(x - x_ref)
            params = params_ref + dparams
            dz = self.datafit.decision(dparams)
            dw = dparams[: self.n_coef]
            change = self.datafit.value_change(z_ref, dz)
            change += self._l2_product(w_ref, dw) + 0.5 * self._l2_product(dw, dw)
            if self.split:
                change += self._l1_value(x - x_ref)
            return change, self._gradient(params, z_ref + dz)

        return objective


def _shaped(strength, shape: tuple[int, int]):
    """A penalty strength as a number, or per coefficient as a ``shape`` array."""
    return np.reshape(strength, shape) if np.ndim(strength) else strength


@dataclass(frozen=True)
class LBFGS(Solver):
    """L-BFGS-B (scipy) in standardized coordinates, on the split objective
    when there is an L1 part; ``memory`` corrections."""

    name: ClassVar[str] = "lbfgs"
    handles_l1: ClassVar[bool] = True
    handles_box: ClassVar[bool] = True
    memory: int = 20

    def _solve(self, datafit, penalty, params0, scores0) -> SolverResult:
        return solve_lbfgs(
            datafit,
            penalty,
            params0,
            tol=self.tol,
            max_iter=self.max_iter,
            verbose=self.verbose,
            memory=self.memory,
        )
