"""Dask arrays in, Dask arrays out for ``l1_normalize``/``l2_normalize``
and the transformers (the optional ``dask`` extra).

The results are lazy Dask arrays: block-wise when every reduced axis lies
within one chunk (each block is normalized by the in-memory kernels),
otherwise by a Dask reduction for the norms and a block-wise division.
Nothing here computes a whole array; a learned column norm is one
``compute`` of a vector of the features.  ``DaskKind`` is what ``kind_of``
hands Dask arrays to.
"""

from __future__ import annotations

import numpy as np

from .._dask import as_dask_array, as_float, check_dask_not_masked, check_known_chunks
from ._dense import (
    Axis,
    check_axis,
    check_column_scaling,
    clip_epsilon,
    column_factors,
    column_max_abs,
    normalize_any,
    raise_non_finite,
    rescue_overflow,
    scaling_may_overflow,
)


def _normalize_block(block, axes, norm, epsilon, label):
    # ``label`` names the input in errors (``map_blocks`` keeps ``name``).
    return normalize_any(block, axes, norm, epsilon, np.empty_like(block), label)


def _divide_block(block, scale, reduced, floor, label):
    """``block`` divided by its norm ``scale * reduced`` (floored), where
    ``reduced`` is the norm of ``x / scale``: directly while the norm is
    finite, as ``rescue_overflow`` does where it overflows, but by the
    ``scale`` and ``reduced`` of the whole slice (of which a block may hold a
    part) that Dask computed for every slice, overflowing or not."""
    with np.errstate(over="ignore"):
        divisors = np.maximum(scale * reduced, floor)

    def rescale(values: np.ndarray) -> np.ndarray:
        safe_scale = np.where(scale > 0, scale, 1.0)
        return values / safe_scale / np.where(reduced > 0, reduced, 1.0)

    fixes = rescue_overflow(divisors, lambda bad: [(bad, block)], rescale, label)
    if not np.isfinite(scale).all():  # NaN or infinity in another block
        raise_non_finite(scale, label)
    out = block / divisors
    for bad, scaled in fixes:
        out = np.where(bad, scaled, out)
    return out.astype(block.dtype, copy=False)


def _scaled_terms(block, scale, norm):
    """``|block| / scale`` (L1) or its square (L2), in float64.

    NaN and infinity give NaN terms silently (a NaN or infinite ``scale``
    divides too, so no finite value can overflow the sum): the caller reports
    them by name once the largest values are known.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        terms = np.abs(block).astype(np.float64) / np.where(scale == 0, 1.0, scale)
        return terms if norm == "l1" else terms * terms


def _norm_factors(x, axes, norm):
    """Lazy ``scale`` and ``reduced`` with ``norm(x) = scale * reduced`` over
    ``axes`` (kept as length-1 axes), in float64 and without overflow:
    ``scale`` is the largest absolute value, ``reduced`` the norm of
    ``x / scale``. A non-finite ``scale`` means NaN or infinity in ``x``."""
    import dask.array as da

    scale = abs(x).astype(np.float64).max(axis=axes, keepdims=True)
    terms = da.map_blocks(_scaled_terms, x, scale, norm=norm, dtype=np.float64)
    reduced = terms.sum(axis=axes, keepdims=True)
    if norm == "l2":
        reduced = da.sqrt(reduced)
    return scale, reduced


def _scale_block(block, factors, divide):
    if not np.isfinite(block).all():
        raise_non_finite(block, "X")
    # The factors and the overflow check of the in-memory path: the same
    # result and the same error. A plain ufunc rather than the threaded
    # kernels: Dask already runs blocks in parallel.
    factors = column_factors(factors, block.dtype)
    if scaling_may_overflow(factors, divide):
        check_column_scaling(column_max_abs(block), factors, block.dtype, divide)
    op = np.divide if divide else np.multiply
    return op(block, factors, out=np.empty_like(block))


class DaskKind:
    """Dask arrays, the operations of ``kind_of`` made lazy: nothing is
    overwritten, and NaN and infinity are reported when computed."""

    @staticmethod
    def normalize(x, axis: Axis, norm: str, epsilon: float, name: str, copy: bool):
        import dask.array as da

        x = as_dask_array(x, name)
        check_dask_not_masked(x, name)
        axes = check_axis(axis, x.ndim)
        x = as_float(x, name)
        check_known_chunks(x, name)
        epsilon = clip_epsilon(epsilon, x.dtype)
        if all(x.numblocks[a] == 1 for a in axes):  # always for rows of an X
            return x.map_blocks(
                _normalize_block,
                axes=axes,
                norm=norm,
                epsilon=epsilon,
                label=name,
                dtype=x.dtype,
            )
        scale, reduced = _norm_factors(x, axes, norm)
        floor = epsilon if norm == "l1" else np.sqrt(epsilon)
        return da.map_blocks(
            _divide_block, x, scale, reduced, floor=floor, label=name, dtype=x.dtype
        )

    @staticmethod
    def column_norms(X, norm: str) -> np.ndarray:
        # Every norm is ``scale * reduced``, where in memory only those whose
        # sum overflowed are: which ones do is only known once computed.
        import dask

        scale, reduced = dask.compute(*_norm_factors(X, (0,), norm))
        if not np.isfinite(scale).all():  # the largest |x| is NaN or infinite
            raise_non_finite(scale, "X")
        with np.errstate(over="ignore"):
            return (scale * reduced).ravel()

    @staticmethod
    def scale_columns(X, factors: np.ndarray, divide: bool, copy: bool):
        return X.map_blocks(_scale_block, factors=factors, divide=divide, dtype=X.dtype)
