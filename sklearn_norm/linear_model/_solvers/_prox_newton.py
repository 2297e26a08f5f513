"""Proximal Newton with block coordinate descent, made for the grouped
multinomial penalty (``multinomial_penalty="grouped"``: the L1 part is the
norm of each feature's K coefficients); it takes the plain L1 and elastic
net too, and is ``solver="auto"``'s choice for them on small models (at
most ``ACTIVE_SET_SIZE`` parameters), where each step's model is solved
exactly by feature-sign search instead (see below and ``_Model.
active_set``).

Outer iterations (one pass over all of ``X`` each) compute the KKT
violation (``_penalties.optimality``) and stop when it is at most ``tol``.
Otherwise the *working set* is every feature with a non-zero coefficient
plus the worst violators at zero (as many as the non-zero ones, at least
10), and the step is the minimizer of the penalty plus the quadratic model
of the data term there,

    m(d) = g . d + d . H d / 2   (g, H: gradient and Hessian in the working
                                  set's coefficients and the intercepts),

found by cyclic *block coordinate descent*: a block is one feature's K
coefficients (the intercepts are one more, unpenalized block, solved
exactly). Each block step minimizes the model with its K x K diagonal block
replaced by ``t_j I``, ``t_j`` that block's largest eigenvalue (a
majorizer), which is the penalty's prox in closed form: group
soft-thresholding (a feature leaves or enters the model for all classes at
once, exactly) or the coordinate-wise one. ``H`` is formed on a copy of
the working set's columns, so a block step costs O(K^2 * working set) and
no pass over ``X``, and it is kept (``HessianCache``) for the next outer
iterations and path points while each step still cuts the violation
tenfold. Cycles over the non-zero blocks alternate with full cycles (as in
glmnet) until every block's step ``t_j ||delta_j||`` is below
``min(0.1 * violation, violation^2)``; once the non-zero blocks stay the
same, Newton's method on them (the penalty is smooth there) finishes the
model: coordinate descent alone crawls on correlated columns. With an
ungrouped penalty and a working set of at most ``ACTIVE_SET_SIZE``
parameters, feature-sign search comes first: it fixes the signs of the
free coefficients, solves the model with them exactly (a Cholesky
factorization), moves to the best point of the segment where coefficients
meet zero, and lets violators at zero enter; a few such solves replace
hundreds of Python-level block steps. A working set
whose Hessian would exceed the memory budget is solved with Hessian
products by accelerated proximal gradient (FISTA) instead.

A backtracking line search on the true objective (exact changes:
``value_change``) accepts the first step ``s`` in 1, 1/2, ... with

    F(x + s d) - F(x) <= 1e-4 * s * (g . d + P(w + d) - P(w)),

which near the solution is the full step: Newton's fast local convergence
(after Lee, Sun & Saunders, "Proximal Newton-type methods for minimizing
composite functions", SIAM J. Optim. 2014).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._contract import Solver, SolverResult
from .._penalties import ElasticNetPenalty, optimality
from .._threads import single_blas_thread
from ._gd import step_bound
from ._newton_cg import POTRF, POTRS

_MIN_GROWTH = 10
_INNER_TOL_RATIO = 0.1
# The working set's Hessian may hold this many values (32 MB), or the
# solver's memory budget if larger; beyond, Hessian products.
_HESSIAN_VALUES = 1 << 22
_WORK_VECTORS = 64
_MAX_CYCLES = 1000
# Coordinate descent cycles with an unchanged set of non-zero blocks before
# Newton's method on them is tried, and its steps.
_SETTLED_CYCLES = 2
_POLISH_STEPS = 10
_RELATIVE_DAMPING = 1e-10
_CROSSING = 1e-12
_ARMIJO = 1e-4
# A stored Hessian is reused while each step cuts the KKT violation at
# least this much.
_STALE_PROGRESS = 0.1
_MAX_HALVINGS = 40
# Models with at most this many parameters (coefficients and intercepts) and
# an ungrouped penalty are solved by feature-sign search (``_Model.
# active_set``): a Cholesky factorization of at most this size costs less
# than a coordinate descent cycle's Python-level block steps.
ACTIVE_SET_SIZE = 400
_ACTIVE_SET_STEPS = 50
_TINY = np.finfo(np.float64).tiny


def solve_prox_newton(
    datafit,
    penalty: ElasticNetPenalty,
    params: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    verbose: int = 0,
    scores=None,
    hessians: HessianCache | None = None,
) -> SolverResult:
    """Minimize data term + penalty by proximal Newton steps on a working
    set; stops when the KKT violation is at most ``tol``, after
    ``max_iter`` Newton steps, or when no step decreases the objective any
    more. ``hessians``: a ``HessianCache`` of this datafit shared with
    earlier solves (a path's points), or None for one of this solve's own."""
    params = params.copy()
    n_coef = datafit.n_coef
    z = datafit.decision(params) if scores is None else scores
    restricted = None  # (features, datafit and penalty on their columns)
    hessians = HessianCache() if hessians is None else hessians
    previous = None  # the KKT violation before the last step
    n_iter = 0
    while True:
        grad = datafit.gradient(z)
        distance = penalty.subdiff_distance(params[:n_coef], grad[:n_coef])
        measure = max(
            float(np.max(distance, initial=0.0)),
            float(np.max(np.abs(grad[n_coef:]), initial=0.0)),
        )
        if verbose:
            objective = datafit.value(z) + penalty.value(params[:n_coef])
            print(
                f"prox-newton iter {n_iter}: objective {objective:.12g}, kkt "
                f"{measure:.3e}"
            )
        if measure <= tol or n_iter >= max_iter:
            break
        features = _working_set(datafit, params[:n_coef], distance)
        if restricted is None or not np.array_equal(restricted[0], features):
            if features.size == datafit.n_features:  # every column: no copy
                restricted = (features, datafit, penalty)
            else:
                restricted = (
                    features,
                    datafit.restrict(features),
                    penalty.restrict(datafit, features),
                )
        _, sub, sub_penalty = restricted
        if sub is datafit:  # neither is modified in place
            sub_params, sub_grad = params, grad
        else:
            sub_params = datafit.restrict_params(params, features)
            sub_grad = datafit.restrict_params(grad, features)
        inner_tol = max(0.5 * tol, min(_INNER_TOL_RATIO * measure, measure**2))
        # A Hessian formed at an earlier point serves while the steps it
        # gives still cut the violation tenfold (the first step of a path
        # point included); otherwise a fresh one.
        progressing = previous is None or measure <= _STALE_PROGRESS * previous
        hessian = hessians.get(features) if progressing else None
        if hessian is None:
            hessian = sub.working_hessian(z, _hessian_budget(sub))
            if hessian is not None:  # in the model's order, once
                order = _feature_major(sub)
                hessian = np.ascontiguousarray(hessian[np.ix_(order, order)])
            hessians.store(features, hessian)
        direction = _model_minimizer(
            sub, sub_penalty, sub_params, z, sub_grad, inner_tol, hessian
        )
        previous = measure
        moved = _line_search(sub, sub_penalty, sub_params, z, sub_grad, direction)
        n_iter += 1
        if moved is None:  # no decrease at rounding level
            break
        sub_params, z = moved
        if sub is datafit:
            params = sub_params
        else:
            params = datafit.expand_params(params, sub_params, features)
    value = datafit.value(z) + penalty.value(params[:n_coef])
    return SolverResult(params, value, measure, n_iter, measure <= tol, z)


def _working_set(datafit, w: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """The features with a non-zero coefficient, and the worst violators
    among the others (as many as those, at least ``_MIN_GROWTH``)."""
    K, p = datafit.n_outputs, datafit.n_features
    nonzero = np.any(w.reshape(K, p) != 0.0, axis=0)
    violation = np.max(distance.reshape(K, p), axis=0)
    candidates = np.flatnonzero(~nonzero & (violation > 0.0))
    room = max(int(nonzero.sum()), _MIN_GROWTH)
    if candidates.size > room:
        worst = np.argpartition(-violation[candidates], room - 1)[:room]
        candidates = candidates[worst]
    return np.sort(np.concatenate([np.flatnonzero(nonzero), candidates]))


class HessianCache:
    """The last working set's explicit Hessian (``working_hessian``, in the
    model's order: ``_feature_major``), kept for the next outer iterations
    of a solve and the next points of a path on the same datafit: forming
    it costs ``n_samples * (K * m)^2`` and neighbouring points barely change
    it."""

    def __init__(self) -> None:
        self.features: np.ndarray | None = None
        self.hessian: np.ndarray | None = None

    def get(self, features: np.ndarray) -> np.ndarray | None:
        """The stored Hessian if it is that of ``features``, else None."""
        if self.features is None or not np.array_equal(self.features, features):
            return None
        return self.hessian

    def store(self, features: np.ndarray, hessian: np.ndarray | None) -> None:
        self.features = None if hessian is None else features
        self.hessian = hessian


def _hessian_budget(datafit) -> int:
    """Values the working set's Hessian may hold."""
    return max(
        _HESSIAN_VALUES, _WORK_VECTORS * (datafit.n_samples + datafit.n_features)
    )


def _model_minimizer(datafit, penalty, params, z, grad, tol, hessian) -> np.ndarray:
    """The step ``d`` minimizing ``grad . d + d . H d / 2 + P(w + d)`` to a
    block step of ``tol``: by block coordinate descent on ``hessian`` (an
    explicit ``H`` in the model's order, ``_feature_major``), or, when it
    is None (over the budget), by accelerated proximal gradient with
    products of the Hessian at scores ``z``."""
    if hessian is None:
        return _fista(datafit, penalty, params, z, grad, tol)
    # Thousands of K x (K m) products: several BLAS threads would make each
    # wait for the others (9x slower with two threads on 5000 x 100, K = 10).
    with single_blas_thread():
        return _block_descent(datafit, penalty, params, hessian, grad, tol)


def _block_descent(datafit, penalty, params, hessian, grad, tol) -> np.ndarray:
    """``_model_minimizer`` by cyclic block coordinate descent (see the
    module docstring). Once the non-zero blocks stay the same for
    ``_SETTLED_CYCLES`` cycles, Newton's method on the model restricted to
    their coefficients (smooth there) finishes them (``_Model.polish``):
    coordinate descent alone converges slowly on correlated columns."""
    model = _Model(datafit, penalty, params, hessian, grad)
    if not model.grouped and model.H.shape[0] <= ACTIVE_SET_SIZE:
        if model.active_set(tol):
            return model.direction()
    full, settled, last = True, 0, None
    patience = _SETTLED_CYCLES  # doubled after each failed polish
    for _ in range(_MAX_CYCLES):
        blocks = np.arange(model.m) if full else model.nonzero_blocks()
        worst = model.cycle(blocks)
        if worst <= tol:
            if full:
                break
            full = True  # the non-zero blocks converged: check every block
            continue
        full = False
        now = model.nonzero_blocks()
        settled = settled + 1 if last is not None and np.array_equal(now, last) else 0
        last = now
        if settled >= patience:
            if model.polish(tol):
                full, patience = True, _SETTLED_CYCLES
            else:
                patience *= 2
            settled = 0
    return model.direction()


def _feature_major(datafit) -> np.ndarray:
    """The datafit's parameters in the model's order: each feature's K
    coefficients together, then the intercepts."""
    n_coef, K, m = datafit.n_coef, datafit.n_outputs, datafit.n_features
    order = np.arange(n_coef).reshape(K, m).T.ravel()
    return np.concatenate([order, np.arange(n_coef, datafit.n_params)])


class _Model:
    """The quadratic model ``r0 . d + d . H d / 2`` plus the penalty, in a
    feature-major copy (block ``j``: rows ``j*K .. j*K + K``; the intercepts
    last), with the current step ``d`` and the model's gradient ``r = r0 + H
    d`` kept up to date."""

    def __init__(self, datafit, penalty, params, hessian, grad) -> None:
        """``hessian``: the explicit Hessian in the model's order
        (``_feature_major``)."""
        K, m, n_coef = datafit.n_outputs, datafit.n_features, datafit.n_coef
        self.K, self.m, self.n_coef = K, m, n_coef
        self.order = _feature_major(datafit)
        self.H = hessian
        self.r = grad[self.order].copy()
        self.w = params[self.order[:n_coef]].reshape(m, K)
        self.step = np.zeros(datafit.n_params)
        factors = penalty.feature_factors(m)
        self.l1, self.l2 = penalty.l1 * factors, penalty.l2 * factors
        self.grouped = penalty.grouped
        self.intercept = None
        if datafit.fit_intercept:
            self.intercept = slice(n_coef, datafit.n_params)
        # What coordinate descent needs (``cycle``), formed at its first
        # cycle: the feature-sign search alone does not.
        self.t = None  # each block's largest eigenvalue
        self.intercept_inverse = None
        self.zero = np.zeros(m, dtype=bool)  # blocks whose last step ended at 0
        # Coefficients (feature-major) the active-set search left at exactly 0.
        self.zero_coefficients = np.zeros(n_coef, dtype=bool)

    def coefficients(self) -> np.ndarray:
        """``w + d`` in the coefficients, ``(m, K)``."""
        return self.w + self.step[: self.n_coef].reshape(self.m, self.K)

    def nonzero_blocks(self) -> np.ndarray:
        return np.flatnonzero(np.any(self.coefficients() != 0.0, axis=1))

    def cycle(self, blocks) -> float:
        """One block step for each of ``blocks``, then the intercepts; the
        largest step ``t_j ||delta_j||`` (the intercepts: their gradient)."""
        if self.t is None:
            self._prepare_cycles()
        K, H, r, step, w, t = self.K, self.H, self.r, self.step, self.w, self.t
        l1, l2 = self.l1, self.l2
        worst = 0.0
        for j in blocks:
            rows = slice(j * K, j * K + K)
            current = w[j] + step[rows]
            if t[j] <= 0.0:
                # An all-zero column: the loss ignores its coefficients, the
                # penalty (if any) puts them at zero.
                new = current if l1[j] == l2[j] == 0.0 else np.zeros(K)
            elif self.grouped:
                u = current - r[rows] / t[j]
                norm = float(np.sqrt(u @ u))
                shrink = max(1.0 - l1[j] / (t[j] * norm), 0.0) if norm > 0.0 else 0.0
                new = u * (shrink / (1.0 + l2[j] / t[j]))
            else:
                u = current - r[rows] / t[j]
                new = np.sign(u) * np.maximum(np.abs(u) - l1[j] / t[j], 0.0)
                new /= 1.0 + l2[j] / t[j]
            delta = new - current
            self.zero[j] = not new.any()
            if not delta.any():
                continue
            step[rows] += delta
            r += delta @ H[rows]
            worst = max(worst, t[j] * float(np.sqrt(delta @ delta)))
        if self.intercept is not None:
            delta = -(self.intercept_inverse @ r[self.intercept])
            self._move(self.intercept, delta)
            worst = max(worst, float(np.max(np.abs(r[self.intercept]), initial=0.0)))
        return worst

    def _prepare_cycles(self) -> None:
        """Each block's majorizer ``t_j`` (its largest eigenvalue) and the
        intercepts' pseudo-inverse, for ``cycle``."""
        K, m = self.K, self.m
        diagonal = self.H[: self.n_coef, : self.n_coef].reshape(m, K, m, K)
        diagonal = diagonal[np.arange(m), :, np.arange(m), :]
        self.t = np.linalg.eigvalsh(diagonal)[:, -1] if m else np.zeros(0)
        if self.intercept is not None:
            # Unpenalized: solved exactly (its null direction, a shift common
            # to all classes, has a zero gradient).
            block = self.H[self.intercept, self.intercept]
            self.intercept_inverse = np.linalg.pinv(block, hermitian=True)

    def _move(self, index, delta: np.ndarray) -> None:
        self.step[index] += delta
        self.r += delta @ self.H[index]

    def polish(self, tol: float) -> bool:
        """Newton's method on the model in the free coefficients (every
        coefficient of a non-zero block when grouped; the non-zero and the
        unpenalized ones otherwise) and the intercepts, where the penalty is
        smooth, until the model's gradient there is at most ``tol``. A step
        that carries a penalized block (coefficient) across zero stops it at
        zero and ends the polish (False: coordinate descent goes on with
        that support), as does a model that no step of 1, 1/2, 1/4, 1/8
        decreases. The Newton systems are
        solved in Jacobi-scaled coordinates (columns at scales from 1e-3 to
        1e3 have diagonal entries 1e12 apart)."""
        K = self.K
        x = self.coefficients().ravel()
        kink = np.repeat(self.l1, K) > 0.0  # per coefficient (feature-major)
        if self.grouped:
            blocks = self.nonzero_blocks()
            free = (blocks[:, None] * K + np.arange(K)).ravel()
        else:
            free = np.flatnonzero((x != 0.0) | ~kink)
        n_free = free.size
        index = free
        if self.intercept is not None:
            index = np.concatenate([free, np.arange(self.n_coef, self.H.shape[0])])
        block = self.H[np.ix_(index, index)]
        feature = free // K
        a, b = self.l1[feature], self.l2[feature]
        kinked = kink[free]
        diagonal = np.arange(n_free)
        if self.grouped:  # the entries of the K x K diagonal blocks
            within = np.arange(K)
            starts = np.arange(blocks.size)[:, None, None] * K
            block_rows = (starts + within[None, :, None] + 0 * within).ravel()
            block_cols = (starts + 0 * within[:, None] + within).ravel()
        for _ in range(_POLISH_STEPS):
            x = self.coefficients().ravel()[free]
            gradient = self.r[index].copy()
            hessian = block.copy()
            if self.grouped:
                xs = x.reshape(-1, K)
                norms = np.sqrt(np.einsum("jk,jk->j", xs, xs))
                unit = (xs / norms[:, None]).ravel()
                gradient[:n_free] += a * unit + b * x
                # The norm's curvature, (l1 / |x|) (I - u u^T) per block.
                us = unit.reshape(-1, K)
                curvature = (self.l1[blocks] / norms)[:, None, None] * (
                    np.eye(K) - us[:, :, None] * us[:, None, :]
                )
                hessian[block_rows, block_cols] += curvature.ravel()
            else:
                gradient[:n_free] += a * np.sign(x) + b * x
            hessian[diagonal, diagonal] += b
            if float(np.max(np.abs(gradient), initial=0.0)) <= tol:
                return True
            delta = _scaled_newton_step(hessian, gradient)
            if delta is None:
                return False
            if self.intercept is not None and K > 1:
                # Without the intercepts' common shift, a null direction the
                # damping leaves rounding-sized gradients free to move along.
                delta[n_free:] -= delta[n_free:].mean()
            # The longest step up to the first penalized block (coefficient)
            # that would cross zero (there it stops at zero: a new support),
            # then halved while the model does not decrease.
            reach = self._first_crossing(x, delta[:n_free], kinked)
            for s in reach * 0.5 ** np.arange(4):
                step = s * delta
                moved = x + step[:n_free]
                crossed = self._crossed(x, moved, kinked)
                if self.grouped:
                    moved.reshape(-1, K)[crossed] = 0.0
                else:
                    moved[crossed] = 0.0
                step[:n_free] = moved - x
                change = self._penalized_change(x, moved, a, b) + float(
                    self.r[index] @ step + 0.5 * (step @ block @ step)
                )
                if change < 0.0:
                    break
            else:
                return False
            self._move(index, step)
            if np.any(crossed):
                return False  # a new support: coordinate descent goes on
        return False

    def _crossed(self, x, moved, kinked) -> np.ndarray:
        """Which penalized coefficients (blocks, when grouped) the move from
        ``x`` to ``moved`` carries across zero (a block: to a point with a
        non-positive inner product with where it was)."""
        # (Up to rounding: the longest step ends on zero itself.)
        if self.grouped:
            K = self.K
            xs = x.reshape(-1, K)
            inner = np.einsum("jk,jk->j", xs, moved.reshape(-1, K))
            return inner <= _CROSSING * np.einsum("jk,jk->j", xs, xs)
        return kinked & (x * moved <= _CROSSING * x * x)

    def _first_crossing(self, x, delta, kinked) -> float:
        """The largest ``s <= 1`` before ``x + s * delta`` carries a penalized
        coefficient (block) across zero (``_crossed``)."""
        if self.grouped:
            K = self.K
            xs, ds = x.reshape(-1, K), delta.reshape(-1, K)
            toward = np.einsum("jk,jk->j", xs, ds)
            square = np.einsum("jk,jk->j", xs, xs)
            inward = toward < 0.0
            limits = -square[inward] / toward[inward]
        else:
            inward = kinked & (x * delta < 0.0)
            limits = -x[inward] / delta[inward]
        return float(min(1.0, np.min(limits, initial=1.0)))

    def _penalized_change(self, x, moved, a, b) -> float:
        """The penalty's change from the free coefficients ``x`` to
        ``moved`` (``a``, ``b``: their L1 and L2 strengths)."""
        l2 = 0.5 * float(b @ (moved * moved - x * x))
        if not self.grouped:
            return float(a @ (np.abs(moved) - np.abs(x))) + l2
        K = self.K
        before = np.sqrt(np.einsum("jk,jk->j", *(x.reshape(-1, K),) * 2))
        after = np.sqrt(np.einsum("jk,jk->j", *(moved.reshape(-1, K),) * 2))
        return float(a[::K] @ (after - before)) + l2

    def active_set(self, tol: float) -> bool:
        """Feature-sign search (Lee, Battle, Raina & Ng, "Efficient sparse
        coding algorithms", NIPS 2006) on the model with an ungrouped
        penalty, until its minimum-norm subgradient is at most ``tol``
        everywhere (True), or False after ``_ACTIVE_SET_STEPS`` steps plus
        two per parameter, or when a step fails to decrease the model
        (rounding level; coordinate descent then takes over from here).

        Each step fixes the signs of the free coefficients (the non-zero
        ones, the unpenalized ones and the intercepts), solves the model
        with those signs exactly (one Cholesky factorization, in Jacobi-
        scaled coordinates) and moves to the best of the points where a
        coefficient meets zero on the way and the solution itself: the
        model plus penalty is convex along the segment, and the signs of
        the next step are those of that point. When the free coefficients
        are optimal, the coefficients at zero whose gradient exceeds their
        L1 strength enter with the sign that decreases the model: every
        such one at first, the worst alone if that step does not decrease
        the model (it always does then). The number of sign patterns is
        finite and the model decreases at each step, so the search ends;
        a coordinate descent cycle visits every block at every step, this
        only the free ones, once per linear solve."""
        K, n = self.K, self.n_coef
        a, b = np.repeat(self.l1, K), np.repeat(self.l2, K)
        kink = a > 0.0
        intercepts = np.arange(n, self.H.shape[0])
        x = self.coefficients().ravel()
        # Coefficients of all-zero columns without an L2 part: the model is
        # flat along them, the penalty (if any) puts them at zero.
        dead = (np.diag(self.H)[:n] <= 0.0) & (b == 0.0)
        self.step[:n][dead & kink] = -self.w.ravel()[dead & kink]
        x[dead & kink] = 0.0
        for _ in range(_ACTIVE_SET_STEPS + 2 * self.H.shape[0]):
            smooth = self.r[:n] + b * x  # the gradient of the smooth part
            free = ((x != 0.0) | ~kink) & ~dead
            gradient = smooth + a * np.sign(x)
            free_worst = max(
                float(np.max(np.abs(gradient[free]), initial=0.0)),
                float(np.max(np.abs(self.r[n:]), initial=0.0)),
            )
            violation = np.where(free, 0.0, np.abs(smooth) - a)
            zero_worst = float(np.max(violation, initial=0.0))
            if free_worst <= tol and zero_worst <= tol:
                self.zero_coefficients = x == 0.0
                return True
            entering = np.zeros(0, dtype=np.intp)
            if free_worst <= tol:
                entering = np.flatnonzero(violation > tol)
            moved = self._sign_step(x, smooth, free, entering, a, b, intercepts)
            if moved is None and entering.size > 1:
                worst = entering[np.argmax(violation[entering])]
                moved = self._sign_step(x, smooth, free, worst[None], a, b, intercepts)
            if moved is None:
                return False
            x = moved
        return False

    def _sign_step(self, x, smooth, free, entering, a, b, intercepts):
        """One feature-sign step (``active_set``) from the coefficients
        ``x`` with the free ones and ``entering`` (at zero, with the sign
        opposite to their gradient ``smooth``) moving; the new coefficients,
        or None if no point of the segment decreases the model."""
        n = self.n_coef
        if entering.size:
            free = free.copy()
            free[entering] = True
        while True:
            moving = np.flatnonzero(free)
            xm, am, bm = x[moving], a[moving], b[moving]
            signs = np.sign(xm)
            new = (signs == 0.0) & (am > 0.0)  # entering: penalized, at zero
            signs[new] = -np.sign(smooth[moving][new])
            index = np.concatenate([moving, intercepts])
            block = self.H.take(index, axis=0).take(index, axis=1)
            gradient = self.r[index]
            gradient[: moving.size] += am * signs + bm * xm
            hessian = block.copy()
            hessian.flat[: moving.size * (index.size + 1) : index.size + 1] += bm
            delta = _scaled_newton_step(hessian, gradient, refine=1)
            if delta is None:
                return None
            dx = delta[: moving.size]
            # An entering coefficient must move into its sign's side: those
            # the joint solution sends the other way stay at zero, and the
            # rest are solved again (then the step is a descent direction).
            wrong = new & (dx * signs <= 0.0)
            if not wrong.any():
                break
            if wrong.sum() == new.sum():
                return None
            free[moving[wrong]] = False
        if intercepts.size > 1 and self.intercept is not None:
            delta[moving.size :] -= delta[moving.size :].mean()
        # Where penalized coefficients meet zero (before the full step).
        kinked = am > 0.0
        crossing = kinked & (xm * dx < 0.0)
        meets = -xm[crossing] / dx[crossing]
        candidates = np.append(meets[meets < 1.0], 1.0)
        # The model plus penalty's change at each candidate step length.
        linear = float(self.r[index] @ delta)
        quadratic = float(delta @ block @ delta)
        points = xm[None, :] + candidates[:, None] * dx[None, :]
        change = (
            candidates * linear
            + 0.5 * candidates**2 * quadratic
            + (np.abs(points) - np.abs(xm)) @ am
            + 0.5 * ((points * points - xm * xm) @ bm)
        )
        best = int(np.argmin(change))
        if not change[best] < 0.0:
            return None
        t = candidates[best]
        moved = points[best]
        if best < meets[meets < 1.0].size:  # the one meeting zero there is 0.0
            moved[np.flatnonzero(crossing)[meets == t]] = 0.0
        result = x.copy()
        result[moving] = moved
        step = np.zeros(self.H.shape[0])
        step[moving] = moved - xm
        step[n:] = t * delta[moving.size :]
        self.step += step
        self.r += step @ self.H
        return result

    def direction(self) -> np.ndarray:
        """The step in the datafit's parameter layout. A block that ended
        at zero gets exactly ``-w``: ``w + d`` is then 0.0, not the
        rounding error of the accumulated steps (as does a coefficient the
        active-set search left at zero)."""
        self.step[: self.n_coef].reshape(self.m, self.K)[self.zero] = -self.w[self.zero]
        zero = self.zero_coefficients
        self.step[: self.n_coef][zero] = -self.w.ravel()[zero]
        direction = np.empty(self.step.size)
        direction[self.order] = self.step
        return direction


def _scaled_newton_step(hessian, gradient, refine: int = 0) -> np.ndarray | None:
    """``-hessian^-1 gradient`` by a Cholesky factorization in Jacobi-scaled
    coordinates (unit diagonal), with a relative damping of
    ``_RELATIVE_DAMPING`` there: the intercepts' common shift is a null
    direction, and duplicated columns nearly one. ``refine`` rounds of
    iterative refinement against the undamped ``hessian`` take the
    damping's error out of the step (it leaves a gradient of about 1e-10
    relative). None if it fails."""
    scale = np.sqrt(np.maximum(np.diag(hessian), _TINY))
    scaled = hessian / np.multiply.outer(scale, scale)
    scaled.flat[:: scaled.shape[0] + 1] += _RELATIVE_DAMPING
    if not np.isfinite(scaled).all():
        return None
    # LAPACK directly: scipy.linalg's wrappers cost more than the
    # factorization itself at the sizes active_set solves (tens of rows).
    factor, info = POTRF(scaled, lower=True, overwrite_a=True, clean=False)
    if info != 0:
        return None

    def solve(rhs):
        solution, info = POTRS(factor, rhs / scale, lower=True)
        return None if info != 0 else -solution / scale

    step = solve(gradient)
    for _ in range(refine if step is not None else 0):
        correction = solve(gradient + hessian @ step)
        if correction is None:
            return None
        step += correction
    return step if step is not None and np.isfinite(step).all() else None


def _fista(datafit, penalty, params, z, grad, tol) -> np.ndarray:
    """``_model_minimizer`` by accelerated proximal gradient with Hessian
    products and the step ``1 / L``, ``L`` a bound on the Hessian's largest
    eigenvalue anywhere (``step_bound``); restarted when the model value
    rises (O'Donoghue & Candes)."""
    n_coef = datafit.n_coef
    product = datafit.hessp(z)
    lr = step_bound(datafit)
    x = params.copy()  # the model's point w + d
    y, momentum = x.copy(), 1.0
    for _ in range(100 * _MAX_CYCLES):
        gradient = grad + product(y - params)
        moved = y - lr * gradient
        moved[:n_coef] = penalty.prox(moved[:n_coef], lr)
        change = moved - x
        restart = float((y - moved) @ change) > 0.0  # the model went up
        residual = np.max(np.abs(y - moved), initial=0.0) / lr
        x = moved
        if residual <= tol:
            break
        if restart:
            y, momentum = x.copy(), 1.0
            continue
        following = (1.0 + np.sqrt(1.0 + 4.0 * momentum**2)) / 2.0
        y = x + ((momentum - 1.0) / following) * change
        momentum = following
    return x - params


def _line_search(datafit, penalty, params, z, grad, direction):
    """The params and scores after the longest step in 1, 1/2, ... along
    ``direction`` with sufficient decrease; None if none decreases."""
    n_coef = datafit.n_coef
    w, dw = params[:n_coef], direction[:n_coef]
    penalty_change = penalty.value_change(w, dw)  # the full step's, reused
    decrease = float(grad @ direction) + penalty_change
    if not decrease < 0.0:
        return None
    dz = datafit.decision(direction)
    s = 1.0
    for _ in range(_MAX_HALVINGS):
        if s < 1.0:
            dz *= 0.5  # exact: s * dz, as a product would give
            penalty_change = penalty.value_change(w, s * dw)
        change = datafit.value_change(z, dz) + penalty_change
        if change <= _ARMIJO * s * decrease:
            return params + s * direction, z + dz
        s *= 0.5
    return None


@dataclass(frozen=True)
class ProxNewton(Solver):
    """Proximal Newton steps solved by block coordinate descent over each
    feature's coefficients, on a growing working set: the solver of the
    grouped multinomial penalty (``handles_groups``); L1 and elastic net
    too."""

    name: ClassVar[str] = "prox-newton"
    handles_l1: ClassVar[bool] = True
    handles_groups: ClassVar[bool] = True
    hessians: HessianCache | None = None

    def _solve(self, datafit, penalty, params0, scores0) -> SolverResult:
        return solve_prox_newton(
            datafit,
            penalty,
            params0,
            tol=self.tol,
            max_iter=self.max_iter,
            verbose=self.verbose,
            scores=scores0,
            hessians=self.hessians,
        )


__all__ = [
    "ACTIVE_SET_SIZE",
    "HessianCache",
    "ProxNewton",
    "optimality",
    "solve_prox_newton",
]
