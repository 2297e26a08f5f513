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
is still correct and finite.
"""

from __future__ import annotations

import numpy as np

from ._parallel import quiet_overflow, run_row_ranges

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


def scaled_normalize(
    values: np.ndarray, axes: tuple[int, ...], norm: str
) -> np.ndarray:
    """Normalize finite slices whose norm overflows the dtype, without overflow.

    Dividing by the largest absolute value first keeps every sum below the
    number of elements; the norm itself is never formed.  No floor is needed:
    an overflowing norm is far above any ``epsilon``.
    """
    scale = np.max(np.abs(values), axis=axes, keepdims=True)
    scale = np.where(scale > 0, scale, 1)  # all-zero slices stay zero
    scaled = values / scale
    if norm == "l1":
        return scaled / np.sum(np.abs(scaled), axis=axes, keepdims=True)
    return scaled / np.sqrt(np.sum(scaled * scaled, axis=axes, keepdims=True))


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

    def work(start: int, stop: int) -> None:
        buf = None
        if norm == "l1":
            buf = np.empty((min(rows_per_block, stop - start), n_cols), x.dtype)
        for begin in range(start, stop, rows_per_block):
            end = min(begin + rows_per_block, stop)
            block = x[begin:end]
            divisors = divisors_from_sums(_row_sums(block, norm, buf), norm, epsilon)
            bad = None
            if not np.isfinite(divisors).all():
                bad = np.flatnonzero(~np.isfinite(divisors))
                rows = block[bad]  # a copy: safe when out is x
                if not np.isfinite(rows).all():
                    raise_non_finite(rows, name)
                divisors[bad] = 1
            np.divide(block, divisors[:, None], out=out[begin:end])
            if bad is not None:
                out[begin:end][bad] = scaled_normalize(rows, (1,), norm)

    run_row_ranges(n_rows, x.nbytes, work)
    return out


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
    if not np.isfinite(divisor).all():
        if not np.isfinite(v).all():
            raise_non_finite(v, name)
        out[...] = scaled_normalize(v, (0,), norm)
        return
    np.divide(v, divisor, out=out)


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
    sums = column_sums(x, norm)
    divisors = divisors_from_sums(sums, norm, epsilon)
    bad = None
    if not np.isfinite(divisors).all():
        bad = np.flatnonzero(~np.isfinite(divisors))
        columns = x[:, bad]  # a copy: safe when out is x
        if not np.isfinite(columns).all():
            raise_non_finite(columns, name)
        divisors[bad] = 1
    divide_columns(x, divisors, out)
    if bad is not None:
        out[:, bad] = scaled_normalize(columns, (0,), norm)
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
            work = buf[: block.shape[0]]
            if norm == "l1":
                np.abs(block, out=work, dtype=dtype)
            else:
                np.multiply(block, block, out=work, dtype=dtype)
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
    if norm == "l1":
        np.abs(x, out=scratch)
    else:
        np.multiply(x, x, out=scratch)
    sums = np.asarray(np.sum(scratch, axis=axes, keepdims=True))
    divisors = divisors_from_sums(sums, norm, epsilon)
    if np.isfinite(divisors).all():
        return np.divide(x, divisors, out=out)
    if not np.isfinite(x).all():
        raise_non_finite(x, name)
    overflowed = ~np.isfinite(divisors)
    fixed = scaled_normalize(x, axes, norm)
    divisors[overflowed] = 1
    np.divide(x, divisors, out=out)
    np.copyto(out, fixed, where=np.broadcast_to(overflowed, out.shape))
    return out
