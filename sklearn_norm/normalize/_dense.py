"""L1 / L2 normalization kernels for dense float32 / float64 arrays.

Every kernel computes ``out = x / d`` where, for each slice reduced over,
``d = max(sum(|x|), epsilon)`` (L1) or ``d = sqrt(max(sum(x**2), epsilon))``
(L2).  ``out`` may be ``x`` itself (in-place normalization).

Speed comes from never building a full-size temporary such as ``np.abs(x)``:
rows are processed in blocks of about ``BLOCK_BYTES`` that stay in the CPU
cache between the reduction and the division, so ``x`` is read from memory
once and ``out`` written once, and independent row ranges run on several
threads (see ``_parallel``).

Two rare cases leave the fast path, after it has detected them for free from
non-finite sums: a NaN or infinity in the input raises ``ValueError``, and a
finite slice whose sum overflows (values near the dtype's maximum) is
normalized after scaling it by its largest absolute value, so that the result
is still correct and finite (``rescue_overflow``, shared with ``_sparse`` and
``_dask``).  ``DenseKind`` is what ``kind_of`` hands ndarrays to.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Iterator
from functools import partial

import numpy as np
from numpy.typing import ArrayLike

from .._validation import check_float64_range
from ._parallel import quiet_overflow, run_row_ranges

Axis = int | tuple[int, ...] | None

# Rows are processed in blocks of about this many bytes: small enough for a
# block to stay in a core's L2 cache, large enough to amortise the Python loop.
BLOCK_BYTES = 1 << 20


def clip_epsilon(epsilon: float, dtype: np.dtype) -> float:
    """Clip ``epsilon`` into the positive range that ``dtype`` can represent.

    A float32 array cannot hold 1e-50: the floor would round to 0 and an
    all-zero slice would become 0 / 0 = NaN.
    """
    info = np.finfo(dtype)
    return float(min(max(epsilon, info.smallest_subnormal), info.max))


def raise_non_finite(values: np.ndarray, name: str) -> None:
    """Raise the ValueError for a NaN or infinity found in ``values``."""
    if np.isnan(values).any():
        raise ValueError(f"Input {name} contains NaN.")
    raise ValueError(f"Input {name} contains infinity.")


def divisors_from_sums(sums: np.ndarray, norm: str, epsilon: float) -> np.ndarray:
    """Turn sums of ``|x|`` (L1) or ``x**2`` (L2) into divisors, in place."""
    np.maximum(sums, epsilon, out=sums)
    if norm == "l2":
        np.sqrt(sums, out=sums)
    return sums


def abs_or_square(values: np.ndarray, norm: str, out: np.ndarray) -> np.ndarray:
    """``|values|`` (L1) or ``values**2`` (L2) into ``out``, in its dtype."""
    if norm == "l1":
        return np.abs(values, out=out, dtype=out.dtype)
    return np.multiply(values, values, out=out, dtype=out.dtype)


def scaled_normalize(
    values: np.ndarray, axes: tuple[int, ...], norm: str, return_norm: bool = False
) -> np.ndarray:
    """Normalize finite slices whose norm overflows the dtype (or return their
    norm, finite if representable), without overflow.

    Dividing by the largest absolute value first keeps every sum below the
    number of elements.  No floor is needed: an overflowing norm is far above
    any ``epsilon``.
    """
    scale = np.max(np.abs(values), axis=axes, keepdims=True)
    scale = np.where(scale > 0, scale, 1)  # all-zero slices stay zero
    scaled = values / scale
    if norm == "l1":
        reduced = np.sum(np.abs(scaled), axis=axes, keepdims=True)
    else:
        reduced = np.sqrt(np.sum(scaled * scaled, axis=axes, keepdims=True))
    if return_norm:
        return scale * reduced
    return scaled / np.where(reduced > 0, reduced, 1)  # all-zero slices: zero


def rescue_overflow(
    divisors: np.ndarray,
    slices: Callable[[np.ndarray], Iterable[tuple[object, np.ndarray]]],
    rescale: Callable[[np.ndarray], np.ndarray],
    name: str,
) -> list[tuple[object, np.ndarray]]:
    """The fallback for slices whose divisor (or norm) is not finite: they
    hold NaN or infinity, raised as a ValueError naming ``name``, or their
    sum overflowed.

    ``slices(flagged)`` yields ``(where, values)`` for the slices in that
    boolean mask, together or one by one.  Returns ``(where,
    rescale(values))`` for each, to write after dividing by ``divisors``,
    whose flagged entries are set to 1 (empty when all are finite).
    """
    if np.isfinite(divisors).all():
        return []
    flagged = ~np.isfinite(divisors)
    fixes = []
    for where, values in slices(flagged):
        if not np.isfinite(values).all():
            raise_non_finite(values, name)
        fixes.append((where, rescale(values)))
    divisors[flagged] = 1
    return fixes


@quiet_overflow
def rescued_column_norms(
    sums: np.ndarray, column: Callable[[int], np.ndarray], norm: str
) -> np.ndarray:
    """float64 column norms from the float64 sums of ``|x|`` or ``x**2`` of
    finite columns; an L2 norm whose sum overflowed is recomputed from the
    values of ``column(j)`` by ``scaled_normalize``."""
    if norm == "l1":
        return sums
    norms = np.sqrt(sums)

    def columns(flagged: np.ndarray) -> Iterator[tuple[list[int], np.ndarray]]:
        return (([j], column(j)) for j in np.flatnonzero(flagged))

    rescale = partial(scaled_normalize, axes=(0,), norm=norm, return_norm=True)
    for where, value in rescue_overflow(norms, columns, rescale, "X"):
        norms[where] = value
    return norms


def _block_rows(n_cols: int, itemsize: int) -> int:
    return max(1, BLOCK_BYTES // max(1, n_cols * itemsize))


def _row_sums(block: np.ndarray, norm: str, buf: np.ndarray | None) -> np.ndarray:
    """Sum of ``|x|`` or ``x**2`` of each row of a C-contiguous 2-D block."""
    if norm == "l2":
        return np.einsum("ij,ij->i", block, block)
    work = buf[: block.shape[0]]
    np.abs(block, out=work)
    return np.einsum("ij->i", work)


@quiet_overflow
def normalize_rows(
    x: np.ndarray, out: np.ndarray, norm: str, epsilon: float, name: str
) -> np.ndarray:
    """Normalize each row of a C-contiguous 2-D array ``x`` into ``out``."""
    n_rows, n_cols = x.shape
    if n_rows == 0 or n_cols == 0:
        return out
    if n_cols * x.itemsize > BLOCK_BYTES:
        for i in range(n_rows):
            _normalize_long_vector(x[i], out[i], norm, epsilon, name)
        return out
    rows_per_block = _block_rows(n_cols, x.itemsize)
    rescale = partial(scaled_normalize, axes=(1,), norm=norm)

    def work(start: int, stop: int) -> None:
        buf = None
        if norm == "l1":
            buf = np.empty((min(rows_per_block, stop - start), n_cols), x.dtype)
        for begin in range(start, stop, rows_per_block):
            end = min(begin + rows_per_block, stop)
            block = x[begin:end]
            divisors = divisors_from_sums(_row_sums(block, norm, buf), norm, epsilon)
            rows = partial(_flagged_rows, block)
            fixes = rescue_overflow(divisors, rows, rescale, name)
            np.divide(block, divisors[:, None], out=out[begin:end])
            for flagged, values in fixes:
                out[begin:end][flagged] = values

    run_row_ranges(n_rows, x.nbytes, work)
    return out


def _flagged_rows(
    block: np.ndarray, flagged: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``slices`` for ``rescue_overflow``: the flagged rows, together."""
    return [(flagged, block[flagged])]


def _long_vector_sum(v: np.ndarray, norm: str) -> np.ndarray:
    """Sum of ``|v|`` or ``v**2`` of a contiguous 1-D vector, as a 1-element array."""
    chunk = max(1, BLOCK_BYTES // v.itemsize)
    buf = np.empty(min(chunk, v.size), v.dtype) if norm == "l1" else None
    partial = []
    for begin in range(0, v.size, chunk):
        part = v[begin : begin + chunk]
        if norm == "l2":
            partial.append(np.einsum("i,i->", part, part))
        else:
            work = buf[: part.size]
            np.abs(part, out=work)
            partial.append(np.einsum("i->", work))
    return np.sum(np.asarray(partial, dtype=v.dtype), keepdims=True)


def _normalize_long_vector(
    v: np.ndarray, out: np.ndarray, norm: str, epsilon: float, name: str
) -> None:
    """Normalize one contiguous 1-D vector by its whole norm, in chunks."""
    divisor = divisors_from_sums(_long_vector_sum(v, norm), norm, epsilon)
    rescale = partial(scaled_normalize, axes=(0,), norm=norm)
    fixes = rescue_overflow(divisor, lambda _: [(..., v)], rescale, name)
    np.divide(v, divisor, out=out)
    for where, values in fixes:
        out[where] = values


@quiet_overflow
def normalize_columns(
    x: np.ndarray, out: np.ndarray, norm: str, epsilon: float, name: str
) -> np.ndarray:
    """Normalize each column of a C-contiguous 2-D array ``x`` into ``out``."""
    n_rows, n_cols = x.shape
    if n_rows == 0 or n_cols == 0:
        return out
    if n_cols == 1:
        _normalize_long_vector(x[:, 0], out[:, 0], norm, epsilon, name)
        return out
    divisors = divisors_from_sums(column_sums(x, norm), norm, epsilon)
    rescale = partial(scaled_normalize, axes=(0,), norm=norm)
    fixes = rescue_overflow(divisors, lambda bad: [(bad, x[:, bad])], rescale, name)
    divide_columns(x, divisors, out)
    for bad, columns in fixes:
        out[:, bad] = columns
    return out


@quiet_overflow
def column_sums(x: np.ndarray, norm: str, dtype: np.dtype | None = None) -> np.ndarray:
    """Sum of ``|x|`` or ``x**2`` down each column of a 2-D array, blockwise.

    The squares and partial sums are formed in ``dtype`` (default: the
    array's dtype) and the partial sums of the row blocks added in a fixed
    order.
    """
    n_rows, n_cols = x.shape
    dtype = x.dtype if dtype is None else np.dtype(dtype)
    sums = np.zeros(n_cols, dtype=dtype)
    cols_per_chunk = max(1, BLOCK_BYTES // dtype.itemsize)
    for c0 in range(0, n_cols, cols_per_chunk):
        c1 = min(c0 + cols_per_chunk, n_cols)
        rows_per_block = _block_rows(c1 - c0, dtype.itemsize)
        buf = np.empty((min(rows_per_block, n_rows), c1 - c0), dtype)
        for r0 in range(0, n_rows, rows_per_block):
            block = x[r0 : r0 + rows_per_block, c0:c1]
            work = abs_or_square(block, norm, buf[: block.shape[0]])
            sums[c0:c1] += np.einsum("ij->j", work)
    return sums


@quiet_overflow
def row_sums(x: np.ndarray, norm: str, dtype: np.dtype | None = None) -> np.ndarray:
    """Sum of ``|x|`` or ``x**2`` along each row of a C-contiguous 2-D array.

    Formed in ``dtype`` (default: the array's dtype), block by block.
    """
    n_rows, n_cols = x.shape
    dtype = x.dtype if dtype is None else np.dtype(dtype)
    sums = np.zeros(n_rows, dtype=dtype)
    if n_rows == 0 or n_cols == 0:
        return sums
    if n_cols * dtype.itemsize > BLOCK_BYTES:
        for i in range(n_rows):
            sums[i] = _long_vector_sum(x[i].astype(dtype, copy=False), norm)
        return sums
    rows_per_block = _block_rows(n_cols, dtype.itemsize)
    buf = np.empty((min(rows_per_block, n_rows), n_cols), dtype)
    for begin in range(0, n_rows, rows_per_block):
        block = x[begin : begin + rows_per_block].astype(dtype, copy=False)
        sums[begin : begin + block.shape[0]] = _row_sums(block, norm, buf)
    return sums


def divide_columns(x: np.ndarray, divisors: np.ndarray, out: np.ndarray) -> None:
    """``out = x / divisors`` with one divisor per column, over row ranges."""
    _scale_columns(np.divide, x, divisors, out)


def multiply_columns(x: np.ndarray, factors: np.ndarray, out: np.ndarray) -> None:
    """``out = x * factors`` with one factor per column, over row ranges."""
    _scale_columns(np.multiply, x, factors, out)


def column_factors(factors: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``factors`` as the column kernels apply them to an array of ``dtype``.

    float64 factors outside float32's normal range (above its largest value,
    or below its smallest normal one, such as a floor of 1e-50 that would
    round to 0 and turn 0 / 0 into NaN) are kept in float64: the product is
    then formed in float64 and rounded once into the output.
    """
    info = np.finfo(dtype)
    magnitude = np.abs(factors)
    if (
        info.tiny <= magnitude.min(initial=info.tiny)
        and magnitude.max(initial=0) <= info.max
    ):
        return factors.astype(dtype, copy=False)
    return factors


def column_max_abs(x: np.ndarray) -> np.ndarray:
    """Largest absolute value of each column of a 2-D array (0 if no rows)."""
    return np.maximum(np.max(x, axis=0, initial=0), -np.min(x, axis=0, initial=0))


def scaling_may_overflow(factors: np.ndarray, divide: bool) -> bool:
    """Whether dividing (or multiplying) finite values by ``factors`` can
    overflow: only by a factor below 1 (or above 1)."""
    if factors.size == 0:
        return False
    return bool(factors.min() < 1) if divide else bool(factors.max() > 1)


def check_column_scaling(
    max_abs: np.ndarray, factors: np.ndarray, dtype: np.dtype, divide: bool
) -> None:
    """Raise if scaling columns whose largest absolute values are ``max_abs``
    by ``factors`` (exactly as the kernel will apply them) overflows ``dtype``.

    Division and multiplication are monotone in ``|x|``, so the largest
    result of each column is the scaled ``max_abs``: checking it before the
    kernel runs leaves an ``X`` scaled in place untouched on error.
    """
    op = np.divide if divide else np.multiply
    with np.errstate(over="ignore"):
        largest = op(max_abs, factors).astype(dtype, copy=False)
    if np.isfinite(largest).all():
        return
    features = np.flatnonzero(~np.isfinite(largest))[:5].tolist()
    if divide:
        raise ValueError(
            f"transform overflows: X holds values too large for the learned "
            f"column norms (feature(s) {features}: the result exceeds "
            f"{np.dtype(dtype).name}'s range). X is far larger than the data "
            "the normalizer was fitted on; fit it on data of the same scale."
        )
    raise ValueError(
        f"inverse_transform overflows: X holds values too large for the "
        f"learned column norms (feature(s) {features}: the result exceeds "
        f"{np.dtype(dtype).name}'s range). inverse_transform expects the "
        "output of transform, whose values are at most about 1."
    )


def _scale_columns(op, x: np.ndarray, factors: np.ndarray, out: np.ndarray) -> None:
    factors = column_factors(factors, x.dtype)

    def work(start: int, stop: int) -> None:
        op(x[start:stop], factors, out=out[start:stop])

    run_row_ranges(x.shape[0], x.nbytes, work)


@quiet_overflow
def normalize_any(
    x: np.ndarray,
    axes: tuple[int, ...],
    norm: str,
    epsilon: float,
    out: np.ndarray,
    name: str,
) -> np.ndarray:
    """Normalize ``x`` over ``axes`` into ``out`` for any layout and axes.

    Contiguous arrays whose reduced axes are the trailing (or leading) ones in
    memory are viewed as 2-D and sent to the blocked row (or column) kernel.
    Anything else (strided views, middle axes) takes a plain numpy path that
    uses ``out`` as its scratch space.
    """
    ndim = x.ndim
    if x.size == 0:
        return out
    if ndim > 0 and axes:
        same_layout = (x.flags.c_contiguous and out.flags.c_contiguous) or (
            x.flags.f_contiguous and out.flags.f_contiguous
        )
        if same_layout:
            xc, oc, axes_c = x, out, axes
            if not x.flags.c_contiguous:  # Fortran order: work on the C transpose
                xc, oc = x.T, out.T
                axes_c = tuple(sorted(ndim - 1 - a for a in axes))
            n_kept = ndim - len(axes_c)
            if axes_c == tuple(range(n_kept, ndim)):  # reduced axes trail
                shape2d = (int(np.prod(xc.shape[:n_kept])), -1)
                normalize_rows(
                    xc.reshape(shape2d), oc.reshape(shape2d), norm, epsilon, name
                )
                return out
            if axes_c == tuple(range(len(axes_c))):  # reduced axes lead
                shape2d = (int(np.prod(xc.shape[: len(axes_c)])), -1)
                normalize_columns(
                    xc.reshape(shape2d), oc.reshape(shape2d), norm, epsilon, name
                )
                return out
    return _normalize_strided(x, axes, norm, epsilon, out, name)


def _normalize_strided(
    x: np.ndarray,
    axes: tuple[int, ...],
    norm: str,
    epsilon: float,
    out: np.ndarray,
    name: str,
) -> np.ndarray:
    # ``out`` holds |x| or x**2 unless it is x itself (in place).
    scratch = np.empty_like(x) if np.may_share_memory(x, out) else out
    abs_or_square(x, norm, scratch)
    sums = np.asarray(np.sum(scratch, axis=axes, keepdims=True))
    divisors = divisors_from_sums(sums, norm, epsilon)
    rescale = partial(scaled_normalize, axes=axes, norm=norm)
    fixes = rescue_overflow(divisors, lambda bad: [(bad, x)], rescale, name)
    np.divide(x, divisors, out=out)
    for overflowed, fixed in fixes:
        np.copyto(out, fixed, where=np.broadcast_to(overflowed, out.shape))
    return out


def check_axis(axis: Axis, ndim: int) -> tuple[int, ...]:
    """Return ``axis`` as a sorted tuple of non-negative axes of an ``ndim`` array."""
    if axis is None:
        return tuple(range(ndim))

    def is_int(a: object) -> bool:
        return isinstance(a, numbers.Integral) and not isinstance(a, (bool, np.bool_))

    if is_int(axis):
        axes = (int(axis),)
    elif isinstance(axis, tuple) and all(is_int(a) for a in axis):
        axes = tuple(int(a) for a in axis)
    else:
        raise TypeError(f"axis must be None, an int or a tuple of ints, got {axis!r}.")
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"axis {a} is out of bounds for an array of dimension {ndim}."
            )
    normalized = tuple(sorted(a % ndim for a in axes))
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"axis {axis!r} repeats an axis.")
    return normalized


def as_float_array(x: ArrayLike, name: str) -> tuple[np.ndarray, bool]:
    """``x`` as a float32 or float64 ndarray, and whether it is a fresh copy.

    float32 and float64 arrays pass through without a copy; every other
    numeric dtype (integers, booleans, float16, long double) becomes float64.
    """
    if x is None:
        raise TypeError(f"{name} must be an array-like or a sparse matrix, got None.")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} could not be converted to an array: {exc}") from exc
    kind = arr.dtype.kind
    if arr.dtype in (np.float32, np.float64):
        return arr, False
    if kind in "fiub":
        check_float64_range(arr, name)
        return arr.astype(np.float64), True
    if kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {arr.dtype}.")
    if kind in "OSU":  # objects or strings that may hold numbers
        try:
            return arr.astype(np.float64), True
        except (TypeError, ValueError) as exc:
            # numpy's type: TypeError for objects that are not numbers at
            # all, ValueError for strings that do not parse.
            raise type(exc)(
                f"{name} must hold numbers; converting it to float failed: {exc}"
            ) from exc
    raise ValueError(f"{name} must be numeric, got an array of dtype {arr.dtype}.")


def in_place(values: np.ndarray, owned: bool, copy: bool) -> bool:
    """Whether to overwrite ``values``: a converted copy always; the caller's
    with ``copy=False`` if writeable (not a read-only memmap from joblib)."""
    return owned or (not copy and values.flags.writeable)


class DenseKind:
    """ndarrays and other array-likes: the operations of ``kind_of``."""

    @staticmethod
    def normalize(
        x: ArrayLike, axis: Axis, norm: str, epsilon: float, name: str, copy: bool
    ) -> np.ndarray:
        arr, owned = as_float_array(x, name)
        axes = check_axis(axis, arr.ndim)
        out = arr if in_place(arr, owned, copy) else np.empty_like(arr)
        epsilon = clip_epsilon(epsilon, arr.dtype)
        return normalize_any(arr, axes, norm, epsilon, out, name)

    @staticmethod
    def column_norms(X: np.ndarray, norm: str) -> np.ndarray:
        if X.flags.f_contiguous and not X.flags.c_contiguous:
            sums = row_sums(X.T, norm, dtype=np.float64)  # columns are contiguous
        else:
            sums = column_sums(X, norm, dtype=np.float64)
        return rescued_column_norms(sums, lambda j: X[:, j], norm)

    @staticmethod
    def scale_columns(
        X: np.ndarray, factors: np.ndarray, divide: bool, copy: bool
    ) -> np.ndarray:
        # Finite X divided by divisors of at least 1 (or times factors of at
        # most 1) cannot overflow; otherwise each column's largest value is
        # checked before anything is written, so that an X scaled in place is
        # left untouched on error.
        if scaling_may_overflow(factors, divide):
            applied = column_factors(factors, X.dtype)
            check_column_scaling(column_max_abs(X), applied, X.dtype, divide)
        out = X if in_place(X, False, copy) else np.empty_like(X)
        (divide_columns if divide else multiply_columns)(X, factors, out)
        return out
