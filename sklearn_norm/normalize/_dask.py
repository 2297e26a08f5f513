"""Dask arrays in, Dask arrays out for ``l1_normalize``/``l2_normalize``
and the transformers (the optional ``dask`` extra).

The results are lazy Dask arrays: block-wise when every reduced axis lies
within one chunk (each block is normalized by the in-memory kernels),
otherwise by a Dask reduction for the norms and a block-wise division.
Nothing here computes a whole array; a learned column norm is one
``compute`` of a vector of the features.
"""

from __future__ import annotations

import numpy as np

from .._dask import as_dask_array, as_float, check_known_chunks
from ._dense import (
    check_column_scaling,
    clip_epsilon,
    column_factors,
    column_max_abs,
    normalize_any,
    raise_non_finite,
    scaling_may_overflow,
)


def _normalize_block(block, axes, norm, epsilon, label):
    # ``label`` names the input in errors (``map_blocks`` keeps ``name``).
    return normalize_any(block, axes, norm, epsilon, np.empty_like(block), label)


def _divide_block(block, scale, reduced, floor):
    """``block`` divided by its norm ``scale * reduced`` (floored), where
    ``reduced`` is the norm of ``block / scale``: directly while the norm is
    finite, through the scaled values where it overflows."""
    if not np.isfinite(block).all():
        raise_non_finite(block, "x")
    if not np.isfinite(scale).all():  # NaN or infinity in another block
        raise_non_finite(scale, "x")
    with np.errstate(over="ignore"):
        norm = scale * reduced
    finite = np.isfinite(norm)
    direct = block / np.maximum(np.where(finite, norm, 1.0), floor)
    if finite.all():
        return direct.astype(block.dtype, copy=False)
    safe_scale = np.where(scale > 0, scale, 1.0)
    scaled = (block / safe_scale) / np.where(reduced > 0, reduced, 1.0)
    return np.where(finite, direct, scaled).astype(block.dtype, copy=False)


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


def normalize_dask(x, axes: tuple[int, ...], norm: str, epsilon: float):
    """Lazy ``l1_normalize``/``l2_normalize`` of a Dask array over ``axes``."""
    import dask.array as da

    x = as_float(as_dask_array(x, "x"), "x")
    check_known_chunks(x, "x")
    epsilon = clip_epsilon(epsilon, x.dtype)
    if all(x.numblocks[a] == 1 for a in axes):
        return x.map_blocks(
            _normalize_block,
            axes=axes,
            norm=norm,
            epsilon=epsilon,
            label="x",
            dtype=x.dtype,
        )
    scale, reduced = _norm_factors(x, axes, norm)
    floor = epsilon if norm == "l1" else np.sqrt(epsilon)
    return da.map_blocks(_divide_block, x, scale, reduced, floor=floor, dtype=x.dtype)


def column_norms(X, norm: str) -> np.ndarray:
    """float64 L1 or L2 norms of the columns of a Dask array: one Dask
    computation, overflow-safe (scaled by each column's largest value)."""
    import dask

    scale, reduced = _norm_factors(X, (0,), norm)
    scale, reduced = dask.compute(scale, reduced)
    if not np.isfinite(scale).all():  # the largest |x| is NaN or infinite
        raise_non_finite(scale, "X")
    with np.errstate(over="ignore"):
        return (scale * reduced).ravel()


def normalize_rows(X, norm: str, epsilon: float):
    """Lazy row normalization of a 2-D Dask array (rows whole in each chunk)."""
    epsilon = clip_epsilon(epsilon, X.dtype)
    return X.map_blocks(
        _normalize_block,
        axes=(1,),
        norm=norm,
        epsilon=epsilon,
        label="X",
        dtype=X.dtype,
    )


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


def scale_columns(X, factors: np.ndarray, divide: bool):
    """Lazy division (or multiplication) of each column by ``factors``."""
    return X.map_blocks(_scale_block, factors=factors, divide=divide, dtype=X.dtype)
