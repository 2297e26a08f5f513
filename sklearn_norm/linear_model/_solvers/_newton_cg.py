"""Newton-CG for smooth penalties (L2 or none).

Each iteration solves ``H d = -g`` inexactly by conjugate gradients (two passes
over ``X`` per Hessian-vector product, no ``p x p`` matrix) to a relative
residual ``min(0.5, sqrt(||g||))`` (superlinear convergence) -- or, for at
most ``DIRECT_MAX_PARAMS`` parameters and a dense ``X``, exactly by a
Cholesky factorization of the explicit Hessian -- then takes the
longest step ``t`` in 1, 1/2, 1/4, ... with sufficient (Armijo) decrease. The
scores along the step are ``z + t * (X d)``, so the line search costs one pass
over ``X`` and compares exact objective *changes* (``value_change``): it keeps
working at gradients of 1e-12, where objective values no longer differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.linalg.lapack import get_lapack_funcs

from .._contract import Solver, SolverResult
from .._penalties import ElasticNetPenalty
from ._result import smooth_gradient

# Up to this many parameters, a Newton system is solved by a Cholesky
# factorization of the explicit Hessian: forming it costs about as much as a
# few Hessian-vector products, and conjugate gradients would take many (each
# with Python overhead that dominates on small data).
DIRECT_MAX_PARAMS = 100
_CG_FACTOR = 0.5
# LAPACK's float64 Cholesky factorization and solve (every explicit Hessian
# is float64), looked up once: the lookup costs as much as factorizing a
# matrix of tens of rows. Newton-CG's direct steps and prox-newton use them.
POTRF, POTRS = get_lapack_funcs(("potrf", "potrs"), (np.zeros(1),))


def solve_newton_cg(
    datafit,
    penalty: ElasticNetPenalty,
    params: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    verbose: int = 0,
    max_cg_iter: int = 200,
    gram: GramPreconditioner | None = None,
    scores: np.ndarray | None = None,
) -> SolverResult:
    """Minimize data term + ``l2 / 2 * ||w||^2`` (``penalty.l1`` must be 0) by
    truncated Newton; stops when ``max|gradient| <= tol``, after ``max_iter``
    Newton steps, or when no step decreases the objective any more.

    ``gram``: preconditions conjugate gradients (see
    ``GramPreconditioner``); worth its set-up along a path. ``scores``:
    ``datafit.decision(params)`` if the caller has it (saves a pass); the
    result carries the final scores back."""
    if not penalty.is_smooth:
        raise ValueError("newton-cg needs a smooth penalty (no L1 part)")
    params = params.copy()
    n_coef = datafit.n_coef
    if scores is None:
        z = datafit.decision(params)
    else:  # np.copy keeps an ndarray's memory order; other scores copy themselves
        z = np.copy(scores) if isinstance(scores, np.ndarray) else scores.copy()
    grad = smooth_gradient(datafit, penalty, params, z)
    n_iter = 0
    while True:
        measure = float(np.max(np.abs(grad)))
        if verbose:
            objective = datafit.value(z) + penalty.value(params[:n_coef])
            print(
                f"newton-cg iter {n_iter}: objective {objective:.12g}, "
                f"kkt {measure:.3e}"
            )
        if measure <= tol or n_iter == max_iter:
            break
        norm = float(np.linalg.norm(grad))
        direction, dz = _direct_direction(datafit, penalty, z, grad), None
        if direction is None:
            direction, dz = _cg_direction(
                datafit, penalty, z, grad, tol, max_cg_iter, gram
            )
        slope = float(grad @ direction)
        if not slope < 0.0:  # CG made no progress: fall back on the gradient
            direction, slope, dz = -grad, -(norm**2), None
        if dz is None:
            dz = datafit.decision(direction)
        step = _armijo_step(datafit, penalty, params, z, direction, dz, slope)
        if step == 0.0:  # no decrease even at rounding level: as good as it gets
            break
        params += step * direction
        z += step * dz
        grad = smooth_gradient(datafit, penalty, params, z)
        n_iter += 1
    value = datafit.value(z) + penalty.value(params[:n_coef])
    return SolverResult(params, value, measure, n_iter, measure <= tol, z)


def _direct_direction(datafit, penalty, z, grad) -> np.ndarray | None:
    """The Newton direction ``-H^-1 grad`` by a Cholesky factorization of the
    explicit Hessian (data term plus ``l2`` on the coefficients), for at most
    ``DIRECT_MAX_PARAMS`` parameters when the datafit forms that Hessian
    (``explicit_hessian``); None otherwise, or if it is not positive definite
    (no penalty: softmax's shift, separable data)."""
    if datafit.n_params > DIRECT_MAX_PARAMS:
        return None
    hessian = datafit.explicit_hessian(z)
    if hessian is None:
        return None
    hessian = np.array(hessian, dtype=np.float64)  # the datafit's may be cached
    n_coef = datafit.n_coef
    hessian.flat[: n_coef * (hessian.shape[0] + 1) : hessian.shape[0] + 1] += (
        penalty.l2_coef
    )
    if datafit.fit_intercept and datafit.n_outputs > 1:
        # Softmax ignores a shift common to all intercepts, and the gradient
        # has no part along it: adding u u^T for that direction u makes H
        # invertible without changing the direction's other parts.
        hessian[n_coef:, n_coef:] += 1.0 / datafit.n_outputs
    if not np.isfinite(hessian).all():
        return None
    # LAPACK directly: numpy's and scipy.linalg's wrappers cost more than the
    # factorization itself on these small matrices (a third of a small fit).
    factor, info = POTRF(hessian, lower=True, overwrite_a=True, clean=False)
    if info != 0:
        return None
    direction, info = POTRS(factor, grad, lower=True)
    if info != 0 or not np.all(np.isfinite(direction)):
        return None
    return -direction


def _cg_direction(datafit, penalty, z, grad, tol, max_cg_iter, gram):
    """An inexact Newton direction by conjugate gradients on Hessian-vector
    products, and its scores (or None)."""
    n_coef = datafit.n_coef
    data_hessp = datafit.hessp(z)
    l2 = penalty.l2_coef

    def hessp(v):
        hv = data_hessp(v)
        hv[:n_coef] += l2 * v[:n_coef]
        return hv

    norm = float(np.linalg.norm(grad))
    # The new gradient is about minus the CG residual, and the stopping test
    # bounds its largest entry: once that is below tol / 2, further CG steps
    # are wasted work (often the last Newton step's, and most of a path's
    # points, whose warm start is already within a few tol).
    atol = min(0.5, np.sqrt(norm)) * norm
    precondition = None if gram is None else gram.inverse(datafit, penalty, z)
    return conjugate_gradient(
        hessp,
        -grad,
        atol,
        max_cg_iter,
        precondition,
        scores=lambda: data_hessp.scores,
        max_atol=_CG_FACTOR * tol,
    )


def _armijo_step(datafit, penalty, params, z, direction, dz, slope) -> float:
    """Largest ``t = 2**-k`` with ``F(params + t d) - F(params) <= 1e-4 t slope``
    (0.0 if none down to 1e-10)."""
    n_coef = datafit.n_coef
    step = 1.0
    while step >= 1e-10:
        change = datafit.value_change(z, step * dz) + penalty.value_change(
            params[:n_coef], step * direction[:n_coef]
        )
        if change <= 1e-4 * step * slope:
            return step
        step *= 0.5
    return 0.0


class GramPreconditioner:
    """``S (x) [X 1].T W [X 1] + l2 * I_coef``, the Hessian when every sample
    has the same curvature ``S`` (their weighted mean: a number for two
    classes, a K x K matrix for K, see ``class_curvature``), as a
    preconditioner for conjugate gradients.

    The weighted Gram matrix ``G = X.T W X`` (``W`` the normalized sample
    weights) is formed once over row blocks and eigen-decomposed,
    ``G = V diag(e) V.T``. For K classes ``S = U diag(d) U.T`` is
    eigen-decomposed at each Newton step (K x K); in the basis ``U`` the
    system splits into one two-class system per class with curvature
    ``d_k``, whose coefficient block inverts as ``V diag(1 / (d_k e + l2))
    V.T`` and whose intercept joins by a Schur complement: a few products
    with ``V`` per CG iteration and no factorization per Newton step. Along
    a regularization path one set-up (about 2 passes' worth of products per
    p columns) serves every point.
    """

    def __init__(
        self, gram: np.ndarray, moment: np.ndarray, total: float, fit_intercept: bool
    ) -> None:
        """From ``X.T W X``, ``X.T W 1`` and ``sum(W)`` (``W`` normalized as
        the datafit's weights are)."""
        self.eigenvalues, self.basis = np.linalg.eigh(gram)
        np.maximum(self.eigenvalues, 0.0, out=self.eigenvalues)
        self.moment = moment  # the coefficient-intercept block
        self.total = float(total)
        self.fit_intercept = fit_intercept

    @classmethod
    def of(cls, datafit, max_values: int) -> GramPreconditioner:
        """The preconditioner of a datafit, its Gram matrix formed over row
        blocks of at most ``max_values`` values."""
        return cls(*datafit.weighted_gram(max_values), datafit.fit_intercept)

    @classmethod
    def fits(cls, datafit, max_values: int) -> bool:
        """A ``p x p`` matrix within ``max_values``."""
        return datafit.n_features**2 <= max_values

    def inverse(self, datafit, penalty, z):
        """``v -> M^-1 v`` for the mean curvature at scores ``z``; None when
        it is singular (two classes, all probabilities 0 or 1)."""
        curvature = datafit.class_curvature(z)
        if curvature.shape[0] == 1:
            curvatures, rotation = curvature[0], None
        else:
            curvatures, rotation = np.linalg.eigh(curvature)
            # Rounding leaves softmax's shift direction at about 1e-17, not 0.
            tiny = 1e-12 * float(np.max(curvatures, initial=0.0))
            curvatures[curvatures <= tiny] = 0.0
        # With penalty factors the L2 part is no multiple of the identity: the
        # preconditioner takes its mean (CG stays exact, only slower).
        scale = curvatures[:, None] * self.eigenvalues + penalty.l2_typical
        scale += 1e-12 * float(np.max(scale, initial=0.0)) + 1e-300
        V = self.basis

        def coef_inverse(m):  # each row: V diag(1 / scale_k) V.T
            return ((m @ V) / scale) @ V.T

        n_outputs, n_features = curvatures.size, self.moment.size
        n_coef = n_outputs * n_features
        if self.fit_intercept:
            cross = curvatures[:, None] * self.moment
            u = coef_inverse(cross)
            schur = curvatures * self.total - np.sum(cross * u, axis=1)
            # A class direction of no curvature (softmax's shift) moves no
            # intercept; two classes need the intercept's curvature.
            solvable = (curvatures > 0.0) & (schur > 1e-12 * curvatures * self.total)
            if rotation is None and not solvable[0]:
                return None
            schur = np.where(solvable, schur, 1.0)

        def inverse(v):
            m = v[:n_coef].reshape(n_outputs, n_features)
            if rotation is not None:
                m = rotation.T @ m
            a = coef_inverse(m)
            if not self.fit_intercept:
                return (a if rotation is None else rotation @ a).ravel()
            b = v[n_coef:] if rotation is None else rotation.T @ v[n_coef:]
            t = np.where(solvable, (b - np.sum(cross * a, axis=1)) / schur, 0.0)
            a -= t[:, None] * u
            if rotation is not None:
                a, t = rotation @ a, rotation @ t
            return np.concatenate([a.ravel(), t])

        return inverse


def conjugate_gradient(
    hessp,
    b,
    atol,
    max_iter,
    precondition=None,
    scores=None,
    max_atol=0.0,
    radius=np.inf,
):
    """Approximately solve ``H x = b`` (H positive semi-definite) from x = 0,
    stopping at ``||H x - b|| <= atol``, at ``max|H x - b| <= max_atol``, on
    a direction of no curvature, or, with a finite ``radius`` (and no
    preconditioner), where the iterate reaches ``||x|| = radius`` (Steihaug:
    the unpreconditioned iterates' norms grow, so ``x`` is the point of
    that sphere on the last CG segment); ``precondition(r)`` applies an
    approximate inverse of ``H``.

    Returns ``x`` and, when ``scores()`` gives the scores ``X d`` of the last
    vector ``d`` passed to ``hessp``, the scores of ``x`` accumulated from
    them (which saves the pass over ``X`` that computing them would cost);
    None otherwise."""
    x = np.zeros_like(b)
    xs = None
    r = b.copy()
    y = r if precondition is None else precondition(r)
    d = y.copy()
    ry = float(r @ y)
    for _ in range(max_iter):
        if np.sqrt(float(r @ r)) <= atol or float(np.max(np.abs(r))) <= max_atol:
            break
        hd = hessp(d)
        curvature = float(d @ hd)
        if curvature <= 1e-14 * float(d @ d):
            if x.any():
                return x, xs
            return b, None  # steepest descent if nothing better
        alpha = ry / curvature
        if radius < np.inf and float(np.linalg.norm(x + alpha * d)) > radius:
            xd, dd, xx = float(x @ d), float(d @ d), float(x @ x)
            alpha = (-xd + np.sqrt(xd * xd + dd * (radius * radius - xx))) / dd
            x += alpha * d
            return x, None
        x += alpha * d
        if scores is not None:
            xs = alpha * scores() if xs is None else xs + alpha * scores()
        r -= alpha * hd
        y = r if precondition is None else precondition(r)
        ry_new = float(r @ y)
        d = y + (ry_new / ry) * d
        ry = ry_new
    return x, xs


@dataclass(frozen=True)
class NewtonCG(Solver):
    """Truncated Newton for smooth penalties: conjugate gradients (at most
    ``max_cg_iter`` per step, preconditioned by ``preconditioner``, a
    ``GramPreconditioner`` of the same datafit, if given) or a Cholesky
    factorization for few parameters, and a line search on exact changes."""

    name: ClassVar[str] = "newton-cg"
    handles_l1: ClassVar[bool] = False
    preconditioner: GramPreconditioner | None = None
    max_cg_iter: int = 200

    def _solve(self, datafit, penalty, params0, scores0) -> SolverResult:
        return solve_newton_cg(
            datafit,
            penalty,
            params0,
            tol=self.tol,
            max_iter=self.max_iter,
            verbose=self.verbose,
            max_cg_iter=self.max_cg_iter,
            gram=self.preconditioner,
            scores=scores0,
        )
