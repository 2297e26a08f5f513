"""Newton-CG for smooth penalties (L2 or none).

Each iteration solves ``H d = -g`` inexactly by conjugate gradients (two passes
over ``X`` per Hessian-vector product, no ``p x p`` matrix) to a relative
residual ``min(0.5, sqrt(||g||))`` (superlinear convergence), then takes the
longest step ``t`` in 1, 1/2, 1/4, ... with sufficient (Armijo) decrease. The
scores along the step are ``z + t * (X d)``, so the line search costs one pass
over ``X`` and compares exact objective *changes* (``value_change``): it keeps
working at gradients of 1e-12, where objective values no longer differ.
"""

from __future__ import annotations

import numpy as np

from .._penalties import ElasticNetPenalty
from ._result import SolverResult, smooth_gradient


def solve_newton_cg(
    datafit,
    penalty: ElasticNetPenalty,
    params: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    verbose: int = 0,
    max_cg_iter: int = 200,
) -> SolverResult:
    """Minimize data term + ``l2 / 2 * ||w||^2`` (``penalty.l1`` must be 0) by
    truncated Newton; stops when ``max|gradient| <= tol``, after ``max_iter``
    Newton steps, or when no step decreases the objective any more."""
    if not penalty.is_smooth:
        raise ValueError("newton-cg needs a smooth penalty (no L1 part)")
    params = params.copy()
    n_coef = datafit.n_coef
    z = datafit.decision(params)
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
        data_hessp = datafit.hessp(z)

        def hessp(v, data_hessp=data_hessp):
            hv = data_hessp(v)
            hv[:n_coef] += penalty.l2 * v[:n_coef]
            return hv

        norm = float(np.linalg.norm(grad))
        direction = _conjugate_gradient(
            hessp, -grad, min(0.5, np.sqrt(norm)) * norm, max_cg_iter
        )
        slope = float(grad @ direction)
        if not slope < 0.0:  # CG made no progress: fall back on the gradient
            direction, slope = -grad, -(norm**2)
        dz = datafit.decision(direction)
        step = _armijo_step(datafit, penalty, params, z, direction, dz, slope)
        if step == 0.0:  # no decrease even at rounding level: as good as it gets
            break
        params += step * direction
        z += step * dz
        grad = smooth_gradient(datafit, penalty, params, z)
        n_iter += 1
    value = datafit.value(z) + penalty.value(params[:n_coef])
    return SolverResult(params, value, measure, n_iter, measure <= tol)


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


def _conjugate_gradient(hessp, b, atol, max_iter):
    """Approximately solve ``H x = b`` (H positive semi-definite) from x = 0,
    stopping at ``||H x - b|| <= atol`` or on a direction of no curvature."""
    x = np.zeros_like(b)
    r = b.copy()
    d = r.copy()
    rr = float(r @ r)
    for _ in range(max_iter):
        if np.sqrt(rr) <= atol:
            break
        hd = hessp(d)
        curvature = float(d @ hd)
        if curvature <= 1e-14 * float(d @ d):
            return x if x.any() else b  # steepest descent if nothing better
        alpha = rr / curvature
        x += alpha * d
        r -= alpha * hd
        rr_new = float(r @ r)
        d = r + (rr_new / rr) * d
        rr = rr_new
    return x
