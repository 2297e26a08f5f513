"""L1 / L2 normalization kernels for scipy.sparse CSR and CSC matrices.

Only the stored values (``data``) change; the sparsity structure is kept, so
the result is never densified.  Norms along the compressed axis (rows of CSR,
columns of CSC) are segment sums over ``data``, computed in cache-sized blocks
of segments so that ``data`` is read from memory once; norms along the other
axis are weighted ``bincount``s over ``indices``.  ``SparseKind`` is what
``kind_of`` hands scipy.sparse input to.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import numpy as np
import scipy.sparse as sp

from .._validation import check_float64_range
from ._dense import (
    BLOCK_BYTES,
    Axis,
    abs_or_square,
    check_axis,
    check_column_scaling,
    clip_epsilon,
    divisors_from_sums,
    in_place,
    rescue_overflow,
    rescued_column_norms,
    scaled_normalize,
    scaling_may_overflow,
)
from ._parallel import quiet_overflow

SparseMatrix = sp.spmatrix | sp.sparray


def major_axis(X: sp.spmatrix | sp.sparray) -> int:
    """The axis whose slices are contiguous in ``X.data``: 0 for CSR, 1 for CSC."""
    return 0 if X.format == "csr" else 1


def segment_sums(
    data: np.ndarray, indptr: np.ndarray, norm: str, buf: np.ndarray
) -> np.ndarray:
    """Sum of ``|x|`` or ``x**2`` of each segment ``data[indptr[k]:indptr[k+1]]``.

    ``data`` starts at ``indptr[0]`` (a block of a larger array) and ``buf``
    holds at least ``data.size`` elements.
    """
    counts = np.diff(indptr)
    sums = np.zeros(counts.size, dtype=data.dtype)
    if data.size:
        work = abs_or_square(data, norm, buf[: data.size])
        nonempty = counts > 0
        # reduceat gives a wrong value for an empty segment: skip those.
        sums[nonempty] = np.add.reduceat(work, indptr[:-1][nonempty] - indptr[0])
    return sums


def _segment_blocks(indptr: np.ndarray, buf_dtype: np.dtype | None = None):
    """Yield ``(a, b, ptr, buf)`` for blocks of segments of about BLOCK_BYTES.

    Segments ``a:b`` span ``data[ptr[0]:ptr[-1]]`` with ``ptr = indptr[a:b+1]``;
    ``buf`` (None without ``buf_dtype``) holds as many elements as the
    largest block, for scratch work reused across blocks.
    """
    n_segments = indptr.size - 1
    targets = np.arange(indptr[0], indptr[-1], max(1, BLOCK_BYTES // 8))
    cuts = np.clip(np.searchsorted(indptr, targets, side="right") - 1, 0, n_segments)
    bounds = np.unique(np.concatenate(([0], cuts, [n_segments])))
    buf = None
    if buf_dtype is not None:
        largest = (indptr[bounds[1:]] - indptr[bounds[:-1]]).max(initial=0)
        buf = np.empty(int(largest), dtype=buf_dtype)
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        yield a, b, indptr[a : b + 1], buf


def normalize_segments(
    data: np.ndarray,
    indptr: np.ndarray,
    out: np.ndarray,
    norm: str,
    epsilon: float,
    name: str,
) -> None:
    """Normalize each segment of ``data`` (rows of CSR, columns of CSC).

    Serial: the many small numpy calls per block hold the GIL long enough that
    threads gained nothing here (measured).
    """
    rescale = partial(scaled_normalize, axes=(0,), norm=norm)
    for _, _, ptr, buf in _segment_blocks(indptr, data.dtype):
        lo, hi = ptr[0], ptr[-1]
        divisors = divisors_from_sums(
            segment_sums(data[lo:hi], ptr, norm, buf), norm, epsilon
        )
        segments = partial(_flagged_segments, data, ptr)
        fixes = rescue_overflow(divisors, segments, rescale, name)
        np.divide(data[lo:hi], np.repeat(divisors, np.diff(ptr)), out=out[lo:hi])
        for where, values in fixes:
            out[where] = values


def _flagged_segments(
    data: np.ndarray, ptr: np.ndarray, flagged: np.ndarray
) -> Iterator[tuple[slice, np.ndarray]]:
    """``slices`` for ``rescue_overflow``: each flagged segment of a block."""
    for k in np.flatnonzero(flagged):
        yield slice(ptr[k], ptr[k + 1]), data[ptr[k] : ptr[k + 1]]


def _abs_or_square_chunks(data: np.ndarray, norm: str, chunk: int):
    """Yield ``(lo, hi, |data[lo:hi]|)`` (or its square) chunk by chunk.

    The yielded array is a scratch buffer, overwritten by the next chunk.
    """
    buf = np.empty(min(chunk, data.size), dtype=data.dtype)
    for lo in range(0, data.size, chunk):
        hi = min(lo + chunk, data.size)
        yield lo, hi, abs_or_square(data[lo:hi], norm, buf[: hi - lo])


@quiet_overflow
def minor_sums(
    data: np.ndarray, indices: np.ndarray, n_minor: int, norm: str
) -> np.ndarray:
    """float64 sum of ``|x|`` or ``x**2`` per minor index (columns of CSR)."""
    sums = np.zeros(n_minor, dtype=np.float64)
    # At least n_minor per chunk keeps the bincount work O(nnz) in total.
    chunk = max(BLOCK_BYTES // data.itemsize, n_minor)
    for lo, hi, work in _abs_or_square_chunks(data, norm, chunk):
        sums += np.bincount(indices[lo:hi], weights=work, minlength=n_minor)
    return sums


def scale_minor(
    data: np.ndarray,
    indices: np.ndarray,
    factors: np.ndarray,
    out: np.ndarray,
    divide: bool,
) -> None:
    """``out = data / factors[indices]`` (or ``*``), blockwise.

    ``factors`` may be float64 for float32 data: the product is formed in
    float64 and rounded once into ``out``.
    """
    op = np.divide if divide else np.multiply
    chunk = max(1, BLOCK_BYTES // 8)
    for lo in range(0, data.size, chunk):
        hi = min(lo + chunk, data.size)
        op(data[lo:hi], factors[indices[lo:hi]], out=out[lo:hi])


def normalize_minor(
    data: np.ndarray,
    indices: np.ndarray,
    n_minor: int,
    out: np.ndarray,
    norm: str,
    epsilon: float,
    name: str,
) -> None:
    """Normalize each minor slice (columns of CSR, rows of CSC) of ``data``."""
    sums = minor_sums(data, indices, n_minor, norm)
    divisors = divisors_from_sums(sums, norm, epsilon)

    def columns(flagged: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for j in np.flatnonzero(flagged):
            positions = np.flatnonzero(indices == j)
            yield positions, data[positions]

    rescale = partial(scaled_normalize, axes=(0,), norm=norm)
    fixes = rescue_overflow(divisors, columns, rescale, name)
    scale_minor(data, indices, divisors, out, divide=True)
    for positions, values in fixes:
        out[positions] = values


def normalize_all(
    data: np.ndarray, out: np.ndarray, norm: str, epsilon: float, name: str
) -> None:
    """Normalize ``data`` by the norm of all of it (``axis=None``)."""
    total = np.zeros(1, dtype=np.float64)
    chunk = max(1, BLOCK_BYTES // data.itemsize)
    for _, _, work in _abs_or_square_chunks(data, norm, chunk):
        total += np.sum(work)
    divisor = divisors_from_sums(total, norm, epsilon)
    rescale = partial(scaled_normalize, axes=(0,), norm=norm)
    fixes = rescue_overflow(divisor, lambda _: [(..., data)], rescale, name)
    # float64 divisor: an L1 norm of float32 data may exceed float32's range
    np.divide(data, divisor, out=out)
    for where, values in fixes:
        out[where] = values


def with_data(X: sp.spmatrix | sp.sparray, data: np.ndarray):
    """A matrix of ``X``'s class and structure (index arrays copied) with ``data``."""
    result = X.__class__((data, X.indices, X.indptr), shape=X.shape, copy=False)
    # The constructor may narrow int64 index arrays: keep the input's types.
    result.indices = X.indices.copy()
    result.indptr = X.indptr.copy()
    return result


def scale_segments(
    data: np.ndarray,
    indptr: np.ndarray,
    factors: np.ndarray,
    out: np.ndarray,
    divide: bool,
) -> None:
    """``out = data / factors[k]`` (or ``*``) on each segment ``k``, blockwise."""
    op = np.divide if divide else np.multiply
    for a, b, ptr, _ in _segment_blocks(indptr):
        lo, hi = ptr[0], ptr[-1]
        op(data[lo:hi], np.repeat(factors[a:b], np.diff(ptr)), out=out[lo:hi])


def column_max_abs_sparse(X: sp.spmatrix | sp.sparray) -> np.ndarray:
    """Largest absolute value of each column of a canonical CSR/CSC matrix
    (0 for a column without stored values), in the matrix's dtype."""
    result = np.zeros(X.shape[1], dtype=X.data.dtype)
    if X.format == "csr":
        np.maximum.at(result, X.indices, np.abs(X.data))
        return result
    counts = np.diff(X.indptr)
    nonempty = counts > 0
    if nonempty.any():
        result[nonempty] = np.maximum.reduceat(
            np.abs(X.data[X.indptr[0] : X.indptr[-1]]),
            X.indptr[:-1][nonempty] - X.indptr[0],
        )
    return result


@quiet_overflow
def segment_norm_sums(data: np.ndarray, indptr: np.ndarray, norm: str) -> np.ndarray:
    """float64 sum of ``|x|`` or ``x**2`` of each segment, blockwise."""
    sums = np.zeros(indptr.size - 1, dtype=np.float64)
    for a, b, ptr, buf in _segment_blocks(indptr, np.float64):
        block = data[ptr[0] : ptr[-1]].astype(np.float64, copy=False)
        sums[a:b] = segment_sums(block, ptr, norm, buf)
    return sums


def as_float_sparse(X: SparseMatrix, name: str) -> tuple[SparseMatrix, bool]:
    """A canonical float CSR/CSC version of ``X``, and whether it is a copy.

    Other sparse formats become CSR; duplicate entries are summed (on a copy),
    since a norm over duplicates would be wrong.
    """
    if X.ndim != 2:
        raise ValueError(f"sparse {name} must be 2-D, got {X.ndim}-D.")
    owned = False
    if X.format not in ("csr", "csc"):
        X, owned = X.tocsr(), True
    kind = X.dtype.kind
    if kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {X.dtype}.")
    if kind not in "fiub":
        raise ValueError(f"{name} must be numeric, got a sparse matrix of {X.dtype}.")
    if X.dtype not in (np.float32, np.float64):
        check_float64_range(X.data, name)
        X, owned = X.astype(np.float64), True
    if not X.has_canonical_format:
        if not owned:
            X, owned = X.copy(), True
        X.sum_duplicates()
    return X, owned


class SparseKind:
    """scipy.sparse matrices, as canonical CSR/CSC (only the values change,
    never the structure): the operations of ``kind_of``."""

    @staticmethod
    @quiet_overflow
    def normalize(
        x: SparseMatrix, axis: Axis, norm: str, epsilon: float, name: str, copy: bool
    ) -> SparseMatrix:
        X, owned = as_float_sparse(x, name)
        axes = check_axis(axis, 2)
        if axes == ():
            raise ValueError("axis=() is not supported for sparse input.")
        epsilon = clip_epsilon(epsilon, X.dtype)
        inplace = in_place(X.data, owned, copy)
        out = X.data if inplace else np.empty_like(X.data)
        if len(axes) == 2:
            normalize_all(X.data, out, norm, epsilon, name)
        elif axes[0] != major_axis(X):
            normalize_segments(X.data, X.indptr, out, norm, epsilon, name)
        else:
            n_minor = X.shape[1 - major_axis(X)]
            normalize_minor(X.data, X.indices, n_minor, out, norm, epsilon, name)
        result = X if inplace else with_data(X, out)
        return result if result.format == x.format else result.asformat(x.format)

    @staticmethod
    def column_norms(X: SparseMatrix, norm: str) -> np.ndarray:
        X, _ = as_float_sparse(X, "X")
        if X.format == "csr":
            sums = minor_sums(X.data, X.indices, X.shape[1], norm)
        else:
            sums = segment_norm_sums(X.data, X.indptr, norm)
        return rescued_column_norms(sums, lambda j: X[:, [j]].toarray().ravel(), norm)

    @staticmethod
    def scale_columns(
        X: SparseMatrix, factors: np.ndarray, divide: bool, copy: bool
    ) -> SparseMatrix:
        X, owned = as_float_sparse(X, "X")
        # As in DenseKind.scale_columns; the sparse kernels apply float64 factors.
        if scaling_may_overflow(factors, divide):
            check_column_scaling(column_max_abs_sparse(X), factors, X.dtype, divide)
        inplace = in_place(X.data, owned, copy)
        out = X.data if inplace else np.empty_like(X.data)
        if X.format == "csr":
            scale_minor(X.data, X.indices, factors, out, divide)
        else:
            scale_segments(X.data, X.indptr, factors, out, divide)
        return X if inplace else with_data(X, out)
