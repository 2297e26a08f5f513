"""Orthant-wise Newton on a growing working set, for L1 and elastic-net.

Outer iterations (one pass over all of ``X`` each) compute the
*pseudo-gradient* ``pg``, the minimum-norm subgradient of the objective; the
KKT violation is ``max |pg|`` and the solver stops when it is at most ``tol``.
Otherwise the *working set* is every feature with a non-zero coefficient plus
the worst violators at zero (as many as the non-zeros, at least 10), so it
grows geometrically from the all-zero start and never holds much more than
twice the final support. The problem restricted to those columns is then
solved to a tenth of the outer
violation by inner iterations, orthant-wise Newton steps (after Byrd, Chin,
Nocedal & Oztoprak, "A family of second-order methods for convex
L1-regularized optimization", Math. Program. 2016):

1. the free coefficients are the non-zero ones plus the worst violators at
   zero (the same geometric growth inside the working set);
2. the damped Newton system of the smooth part on the free coefficients and
   the intercepts, ``(H_FF + mu I) d = -pg_F`` with ``mu = 0.01 * max|pg|``
   (bounded steps along flat directions: collinear features, p > n; no damping
   left at the solution), is solved by conjugate gradients (two passes over
   the restricted columns per product) or, for sparse ``X`` and two classes,
   exactly by a Cholesky factorization of the ``|F| x |F|`` Hessian;
3. a coefficient at zero may only leave into the orthant its pseudo-gradient
   points to; a backtracking line search projects ``w + t d`` onto the orthant
   of ``w`` (a coefficient that would change sign becomes exactly 0.0) and
   accepts the first sufficient decrease of the objective, measured from exact
   changes of the scores (``value_change``). If no step decreases it, the
   damping grows a hundredfold and the step is recomputed.

On badly scaled, nearly collinear columns the orthant projections can make
the line search accept only tiny steps, cycle after cycle; a working set on
which that happens is finished by L-BFGS-B (see ``_newton_loop``).

With ``trust_radius`` (the points of a path, which start near their
solution) a step cut by the line search also bounds the next ones: the
conjugate gradients stop on a sphere twice the length of the step taken
(Steihaug), and the sphere doubles after each whole step (see
``_newton_loop``).

Memory: besides ``X``, the solver keeps O(n_samples + n_features) work
arrays and at most ``_WORK_VECTORS * (n_samples + n_features)`` values more:
the inner iterations run on a copy of the working-set columns (products then
cost a fraction of a pass over ``X``) only when that copy fits the budget and
holds at most half of the columns, and on ``X`` itself otherwise; the
``|F| x |F|`` Hessian of the Cholesky step obeys the same budget.

Wide problems (``p >> n``, sparse text) cost little more than their support;
near the solution convergence is that of Newton's method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy.linalg

from .._contract import Solver, SolverResult
from .._penalties import ElasticNetPenalty
from ._lbfgs import LBFGS
from ._newton_cg import conjugate_gradient

_MIN_GROWTH = 10
_INNER_TOL_RATIO = 0.1
_RESTRICT_FRACTION = 0.5
# Extra memory allowed, in values, per (n_samples + n_features): 64 float64
# vectors of that length (10 MB for 20000 x 500).
_WORK_VECTORS = 64
_MAX_DAMPING_TRIES = 4
_DAMPING = 1e-2
# Stall detection: after this many steps cut below _SHORT_STEP by the line
# search with no progress on the KKT violation, a working set is finished by
# L-BFGS-B (see _newton_loop).
_SHORT_STEP = 1.0 / 32
_STALL_STEPS = 10


def solve_orthant_newton(
    datafit,
    penalty: ElasticNetPenalty,
    params: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    verbose: int = 0,
    scores: np.ndarray | None = None,
    trust_radius: bool = False,
) -> SolverResult:
    """Minimize data term + penalty by orthant-wise Newton steps on a working
    set; stops when the KKT violation is at most ``tol``, after ``max_iter``
    Newton steps in all, or when no step decreases the objective any more.
    ``trust_radius``: as in ``_newton_loop``."""
    params = params.copy()
    n_coef = datafit.n_coef
    z = datafit.decision(params) if scores is None else scores
    n_iter = 0
    restricted = None  # (features, datafit on their columns) last used
    stalled = False  # switched to proximal Newton steps (see _newton_loop)
    grad = None  # the gradient at z, when the working set was all of X
    while True:
        if grad is None:
            grad = datafit.gradient(z)  # one pass over all of X
        pg = _pseudo_gradient(penalty, params, grad, n_coef)
        measure = float(np.max(np.abs(pg), initial=0.0))
        if verbose:
            objective = datafit.value(z) + penalty.value(params[:n_coef])
            print(
                f"orthant-newton iter {n_iter}: objective {objective:.12g}, kkt "
                f"{measure:.3e}, non-zeros {np.count_nonzero(params[:n_coef])}"
            )
        if measure <= tol or n_iter >= max_iter:
            break
        features = _working_set(datafit, params[:n_coef], pg[:n_coef])
        inner_tol = max(tol, _INNER_TOL_RATIO * measure)
        if restricted is not None and np.all(np.isin(features, restricted[0])):
            features, sub, sub_penalty = restricted  # the last copy still covers it
            sub_params = datafit.restrict_params(params, features)
            sub_grad = datafit.restrict_params(grad, features)
        elif not _copy_pays(datafit, features):
            features = None  # iterate on X itself, no copy
            sub, sub_penalty, sub_params, sub_grad = datafit, penalty, params, grad
        else:
            sub = datafit.restrict(features)
            sub_penalty = penalty.restrict(datafit, features)
            restricted = features, sub, sub_penalty
            sub_params = datafit.restrict_params(params, features)
            sub_grad = datafit.restrict_params(grad, features)
        sub_params, z, steps, stalled, sub_grad = _newton_loop(
            sub,
            sub_penalty,
            sub_params,
            z,
            sub_grad,
            inner_tol,
            max_iter - n_iter,
            verbose,
            stalled,
            trust_radius,
        )
        n_iter += steps
        if features is None:
            params = sub_params
            grad = sub_grad  # at the new z, or None: computed above
        else:
            params = datafit.expand_params(params, sub_params, features)
            grad = None
        if steps == 0:  # the working set cannot improve: rounding level
            break
    value = datafit.value(z) + penalty.value(params[:n_coef])
    return SolverResult(params, value, measure, n_iter, measure <= tol, z)


def _working_set(datafit, w: np.ndarray, pg_w: np.ndarray) -> np.ndarray:
    """Features with a non-zero coefficient (in any class) plus the worst KKT
    violators at zero."""
    shape = (datafit.n_outputs, datafit.n_features)
    nonzero = np.any(w.reshape(shape) != 0.0, axis=0)
    return _grow(nonzero, np.max(np.abs(pg_w).reshape(shape), axis=0))


def memory_budget(datafit) -> int:
    """Values a solver (or a path) may allocate beyond O(n_samples +
    n_features) work arrays: working-set copies, Newton systems, a path's
    Gram matrix."""
    return _WORK_VECTORS * (datafit.n_samples + datafit.n_features)


def _copy_pays(datafit, features: np.ndarray) -> bool:
    """Whether the inner iterations should run on a copy of the columns
    ``features``: at most half of the columns (otherwise products with ``X``
    cost about as much) and within the memory budget."""
    return features.size <= _RESTRICT_FRACTION * datafit.n_features and (
        _within_budget(datafit, features)
    )


def _within_budget(datafit, features: np.ndarray) -> bool:
    """Whether a copy of the columns ``features`` fits the memory budget."""
    budget = memory_budget(datafit)
    return datafit.stored_values() <= budget or (
        datafit.stored_values(features) <= budget
    )


def _newton_loop(
    datafit, penalty, params, z, grad, tol, max_iter, verbose, stalled, trust_radius
):
    """Orthant-wise Newton steps on every coefficient of ``datafit`` (all of
    them may move), from ``params`` with scores ``z`` and data gradient
    ``grad``, until the KKT violation is at most ``tol``; returns the params,
    the scores, the number of steps, whether the steps stalled, and the
    data gradient at the returned scores when it was computed (else None).

    Stall: along nearly flat directions (duplicated or collinear columns at
    very different scales; the softmax's shift of a feature's K coefficients)
    the damped Newton step is long and carries a few small coefficients
    across zero almost at once. The orthant projection of the line search
    clips them while their partners keep moving, so only a tiny multiple of
    the step decreases the objective; the clipped coefficients leave zero
    again at the next step, and the cycle repeats far from the optimum (more
    iterations do not help). After ``_STALL_STEPS`` steps cut below
    ``_SHORT_STEP`` that leave the KKT violation above half its best value
    in this loop (and for every later working set of the fit), the working
    set is solved by L-BFGS-B on the split, column-scaled problem
    (``LBFGS``), which has no orthants to project on and does not
    mind the columns' scales. Problems that do not stall never pay for it.

    Trust radius (``trust_radius``, for the warm-started points of a path):
    near separability the data term barely curves along some directions,
    and the damped Newton step along them is far longer than the quadratic
    model holds for; the line search then cut it to 1/16-1/32, step after
    step, each after 30-60 Hessian products (a digits path, 10 classes, L1:
    13040 passes over X at tol 1e-4 against 11283 at 1e-5, 17665 at 1e-6).
    After a step cut to length ``s``, the conjugate gradients of the next
    stop at ``||d|| = 2 s`` (fewer products, and the longest directions
    left out); each whole step doubles that radius. The same digits path
    then takes 6485, 9479 and 14346 passes, and every multinomial path of
    ``benchmarks/bench_path_tol.py`` takes fewer passes at a looser tol.
    Not for a cold start: a single fit at 1e-3 of lambda_max, far from its
    solution, took up to 3x the passes with it. Only the products' step
    (dense ``X``, or several classes) has it; the Cholesky step of
    ``partial_hessian`` is exact.
    """
    if stalled:
        return (
            *_finish_with_lbfgs(datafit, penalty, params, tol, max_iter, verbose),
            None,
        )
    params = params.copy()
    n_coef = datafit.n_coef
    radius = np.inf  # of the conjugate gradients (trust_radius)
    short_steps = 0
    best = np.inf  # the smallest KKT violation of this loop so far
    for n_iter in range(max_iter):
        if n_iter:
            grad = datafit.gradient(z)
        pg = _pseudo_gradient(penalty, params, grad, n_coef)
        measure = float(np.max(np.abs(pg), initial=0.0))
        if verbose > 1:
            print(f"  working-set step {n_iter}: kkt {measure:.3e}")
        if measure <= tol:
            return params, z, n_iter, False, grad
        if short_steps >= _STALL_STEPS:
            params, z, steps, _ = _finish_with_lbfgs(
                datafit, penalty, params, tol, max_iter - n_iter, verbose
            )
            return params, z, n_iter + steps, True, None
        w = params[:n_coef]
        free = _free_set(w, pg[:n_coef])
        index = np.concatenate([free, np.arange(n_coef, datafit.n_params)])
        # Damping (Levenberg-Marquardt style) proportional to the KKT violation
        # bounds the step along flat directions (collinear features, p > n) and
        # vanishes at the solution, keeping Newton's fast local convergence.
        damping = _DAMPING * measure
        for _ in range(_MAX_DAMPING_TRIES):
            direction, dz_of = _newton_direction(
                datafit, penalty, params, z, pg, index, damping, radius
            )
            moved = _line_search(
                datafit, penalty, params, z, pg, index, direction, dz_of
            )
            if moved is not None:
                break
            damping *= 100.0
        if moved is None:  # no decrease even at rounding level
            return params, z, n_iter, False, grad
        if trust_radius:
            radius = _next_radius(radius, moved[0] - params, moved[2])
        params, z, step = moved
        if step < _SHORT_STEP and measure > 0.5 * best:
            short_steps += 1  # cut short, and no progress on the KKT
        best = min(best, measure)
    return params, z, max_iter, False, None


def _next_radius(radius: float, taken: np.ndarray, step: float) -> float:
    """The conjugate gradients' radius after a step ``taken`` that the line
    search cut to ``step`` of its direction (``_newton_loop``): twice its
    length after a cut, twice ``radius`` after a whole step. A cut step
    rounded to nothing (a step length near 1e-10) leaves ``radius`` as it
    is: a radius of 0 would give zero directions from then on."""
    length = float(np.linalg.norm(taken))
    if step == 1.0:
        return 2.0 * radius
    return 2.0 * length if length > 0.0 else radius


def _finish_with_lbfgs(datafit, penalty, params, tol, max_iter, verbose):
    """``_newton_loop``'s result for a working set that stalled: L-BFGS-B
    from ``params`` to ``tol``."""
    if verbose > 1:
        print("  working set stalled (orthant projections): L-BFGS-B finishes it")
    result = LBFGS(tol=tol, max_iter=max(max_iter, 1)).solve(datafit, penalty, params)
    return result.params, datafit.decision(result.params), result.n_iter, True


def _pseudo_gradient(penalty, params, grad, n_coef) -> np.ndarray:
    """``penalty.pseudo_gradient`` on the coefficients, the plain gradient on
    the (unpenalized) intercepts."""
    pg = grad.copy()
    pg[:n_coef] = penalty.pseudo_gradient(params[:n_coef], grad[:n_coef])
    return pg


def _free_set(w: np.ndarray, pg_w: np.ndarray) -> np.ndarray:
    """Non-zero coefficients plus the worst KKT violators at zero."""
    return _grow(w != 0.0, np.abs(pg_w))


def _grow(nonzero: np.ndarray, violation: np.ndarray) -> np.ndarray:
    """Sorted indices of ``nonzero`` plus the largest ``violation``s outside
    it, at most as many as there are non-zeros (at least 10)."""
    violation = np.where(nonzero, 0.0, violation)
    violators = np.flatnonzero(violation)
    budget = max(_MIN_GROWTH, int(np.count_nonzero(nonzero)))
    if violators.size > budget:
        worst = np.argpartition(-violation[violators], budget - 1)[:budget]
        violators = violators[worst]
    return np.sort(np.concatenate([np.flatnonzero(nonzero), violators]))


def _newton_direction(datafit, penalty, params, z, pg, index, damping, radius):
    """Solve the damped Newton system ``(H + damping I) d = -pg`` on ``index``
    (by conjugate gradients: within ``||d|| <= radius``); return ``d`` and a
    function mapping a full parameter step to its score change."""
    n_coef = datafit.n_coef
    n_free = int(np.count_nonzero(index < n_coef))
    rhs = -pg[index]
    l2 = penalty.l2_coef
    if np.ndim(l2):  # per coefficient (penalty factors): those of index
        l2 = l2[index[:n_free]]
    partial = datafit.partial_hessian(z, index[:n_free], memory_budget(datafit))
    if partial is not None:
        hessian, score_change = partial
        hessian[np.arange(n_free), np.arange(n_free)] += l2
        hessian[np.diag_indices_from(hessian)] += damping
        direction = _solve_spd(hessian, rhs)

        def dz_of(step):
            return score_change(step[index])

        return direction, dz_of

    data_hessp = datafit.hessp(z)
    full = np.zeros(datafit.n_params)
    is_coef = index < n_coef

    def hessp(v):
        full[index] = v
        hv = data_hessp(full)[index]
        hv[is_coef] += l2 * v[is_coef]
        return hv + damping * v

    norm = float(np.linalg.norm(rhs))
    direction, _ = conjugate_gradient(
        hessp, rhs, min(0.5, np.sqrt(norm)) * norm, 200, radius=radius
    )
    return direction, datafit.decision


def _solve_spd(matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve a symmetric positive semi-definite system (``matrix`` is
    overwritten), adding the smallest ridge (relative 1e-12, 1e-10, ...) that
    lets the Cholesky factorization succeed when the matrix is singular."""
    diagonal = np.diag(matrix).copy()
    scale = float(np.max(diagonal, initial=0.0)) or 1.0
    ridge = 0.0
    lower = np.tril_indices_from(matrix, -1)
    for attempt in range(8):
        if attempt:  # the failed factorization wrote over the lower triangle
            matrix[lower] = matrix.T[lower]
        matrix[np.diag_indices_from(matrix)] = diagonal + ridge
        try:
            factor = scipy.linalg.cho_factor(
                matrix, lower=True, overwrite_a=True, check_finite=False
            )
            return scipy.linalg.cho_solve(factor, rhs, check_finite=False)
        except np.linalg.LinAlgError:
            ridge = scale * 1e-12 if ridge == 0.0 else 100.0 * ridge
    return rhs / scale  # a scaled gradient step as the last resort


def _line_search(datafit, penalty, params, z, pg, index, direction, dz_of):
    """Backtracking along the orthant-projected Newton direction; returns the
    new ``(params, z, step length)`` or None when no step decreases the
    objective."""
    n_coef = datafit.n_coef
    step_full = np.zeros(datafit.n_params)
    step_full[index] = direction
    w = params[:n_coef]
    d_w = step_full[:n_coef]
    orthant = np.where(w != 0.0, np.sign(w), -np.sign(pg[:n_coef]))
    # A coefficient at zero may only leave into the orthant its pseudo-gradient
    # points to; non-zero ones follow the Newton direction.
    d_w[(w == 0.0) & (np.sign(d_w) != orthant)] = 0.0
    t = 1.0
    while t >= 1e-10:
        trial = params + t * step_full
        trial_w = trial[:n_coef]
        trial_w[np.sign(trial_w) != orthant] = 0.0
        step = trial - params
        dz = dz_of(step)
        change = datafit.value_change(z, dz) + penalty.value_change(w, step[:n_coef])
        if change <= 1e-4 * float(pg @ step):
            return trial, z + dz, t
        t *= 0.5
    return None


@dataclass(frozen=True)
class OrthantNewton(Solver):
    """Orthant-wise Newton steps on a working set, for every penalty."""

    name: ClassVar[str] = "orthant-newton"
    handles_l1: ClassVar[bool] = True
    trust_radius: bool = False

    def _solve(self, datafit, penalty, params0, scores0) -> SolverResult:
        return solve_orthant_newton(
            datafit,
            penalty,
            params0,
            tol=self.tol,
            max_iter=self.max_iter,
            verbose=self.verbose,
            scores=scores0,
            trust_radius=self.trust_radius,
        )
