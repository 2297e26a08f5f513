"""L1 / L2 normalization of arrays of other array-API libraries (PyTorch,
CuPy, array-api-strict) in their own namespace and on their own device.

``ArrayApiKind`` is what ``kind_of`` hands such arrays to when scikit-learn's
``array_api_dispatch`` is on. It computes what ``DenseKind`` computes with
whole-array operations of the array's library: the sums over the reduced
axes, one check that they are finite (the one value brought to the host),
then one division. The rare cases leave that path as in ``_dense``: NaN or
infinity raise a ``ValueError``, and a finite slice whose sum overflows is
normalized after dividing it by its largest absolute value. The column norms
of ``axis=0`` stay on the device, in the device's most precise float dtype;
only their finiteness (and, for a scaling that could overflow, each
column's largest scaled value) is checked on the host.
"""

from __future__ import annotations

import numpy as np

from .._array_api import Namespace, check_dense, namespace_of
from ._dense import Axis, check_axis, check_column_scaling, clip_epsilon
from ._parallel import quiet_overflow


def as_float_array(namespace: Namespace, x, name: str):
    """``x`` as a float32 or float64 array of its library, and whether it is
    a fresh copy: float32 and the device's widest float pass through;
    integers, booleans and other floats become the widest float."""
    xp = namespace.xp
    if x.dtype in namespace.float_dtypes:
        return x, False
    if xp.isdtype(x.dtype, "complex floating"):
        raise ValueError(f"Complex data not supported: {name} has dtype {x.dtype}.")
    if not xp.isdtype(x.dtype, ("bool", "integral", "real floating")):
        raise ValueError(f"{name} must be numeric, got an array of dtype {x.dtype}.")
    return xp.astype(x, namespace.widest_float), True


_ORDER = {"l1": 1, "l2": 2}


def _abs_or_square(xp, values, norm: str):
    return xp.abs(values) if norm == "l1" else values * values


def _raise_non_finite(xp, values, name: str) -> None:
    """Raise the ValueError for the NaN or infinity in ``values``."""
    if bool(xp.any(xp.isnan(values))):
        raise ValueError(f"Input {name} contains NaN.")
    raise ValueError(f"Input {name} contains infinity.")


def _scaled_norms(xp, values, axes: tuple[int, ...], norm: str):
    """The norms over ``axes`` of finite ``values`` computed after dividing
    each slice by its largest absolute value: no overflow."""
    scale = xp.max(xp.abs(values), axis=axes, keepdims=True)
    scale = xp.where(scale > 0, scale, xp.ones_like(scale))  # all-zero slices
    scaled = values / scale
    if norm == "l1":
        return scale * xp.sum(xp.abs(scaled), axis=axes, keepdims=True)
    return scale * xp.sqrt(xp.sum(scaled * scaled, axis=axes, keepdims=True))


@quiet_overflow
def _norms(xp, x, axes: tuple[int, ...], norm: str, epsilon: float, name: str):
    """The floored divisors of every slice of ``x`` over ``axes``: NaN and
    infinity refused, overflowing sums recomputed by ``_scaled_norms``.
    (Libraries that wrap NumPy, such as array-api-strict, would warn of the
    overflow this detects.)"""
    linalg = getattr(xp, "linalg", None)
    if linalg is not None and hasattr(linalg, "vector_norm"):
        # No temporary of x's size (|x| or x**2): a third of the time.
        norms = linalg.vector_norm(x, axis=axes, keepdims=True, ord=_ORDER[norm])
        if bool(xp.all(xp.isfinite(norms))):
            floor = epsilon if norm == "l1" else float(np.sqrt(epsilon))
            return xp.clip(norms, min=floor)
    sums = xp.sum(_abs_or_square(xp, x, norm), axis=axes, keepdims=True)
    if not bool(xp.all(xp.isfinite(sums))):
        if not bool(xp.all(xp.isfinite(x))):
            _raise_non_finite(xp, x, name)
        # Finite values whose sum overflowed: an overflowing norm is far
        # above any floor.
        plain = xp.where(xp.isfinite(sums), sums, xp.ones_like(sums))
        plain = xp.clip(plain, min=epsilon)
        if norm == "l2":
            plain = xp.sqrt(plain)
        return xp.where(xp.isfinite(sums), plain, _scaled_norms(xp, x, axes, norm))
    divisors = xp.clip(sums, min=epsilon)
    return divisors if norm == "l1" else xp.sqrt(divisors)


class ArrayApiKind:
    """Arrays of another array-API library: the operations of ``kind_of``
    (see ``_functions.kind_of``), in that library and on the array's device."""

    @staticmethod
    def normalize(x, axis: Axis, norm: str, epsilon: float, name: str, copy: bool):
        namespace = namespace_of(x)
        xp = namespace.xp
        check_dense(x, name)
        values, owned = as_float_array(namespace, x, name)
        axes = check_axis(axis, values.ndim)
        epsilon = clip_epsilon(epsilon, namespace.numpy_dtype(values.dtype))
        if values.ndim == 0 or not axes:
            axes = tuple(range(values.ndim))
        size = 1
        for extent in values.shape:
            size *= extent
        if size == 0:
            return values if owned or not copy else xp.asarray(values, copy=True)
        divisors = _norms(xp, values, axes, norm, epsilon, name)
        if owned or not copy:
            values /= divisors  # in place: the caller's array with copy=False
            return values
        return values / divisors

    @staticmethod
    @quiet_overflow
    def column_norms(X, norm: str):
        """The L1 or L2 norm of each column of a 2-D ``X``, in the device's
        widest float dtype and on its device."""
        namespace = namespace_of(X)
        xp = namespace.xp
        widest = namespace.widest_float
        if X.shape[0] == 0:
            return xp.zeros(X.shape[1], dtype=widest, device=namespace.device)
        sums = _column_sums(xp, X, norm, widest)
        if not bool(xp.all(xp.isfinite(sums))):
            if not bool(xp.all(xp.isfinite(X))):
                _raise_non_finite(xp, X, "X")
            rescued = _scaled_norms(xp, xp.astype(X, widest), (0,), norm)[0, :]
            return xp.where(xp.isfinite(sums), _root(xp, sums, norm), rescued)
        return _root(xp, sums, norm)

    @staticmethod
    @quiet_overflow
    def scale_columns(X, factors, divide: bool, copy: bool):
        """Each column of ``X`` divided (or multiplied) by its factor (an
        array of ``X``'s library and device), refused before anything is
        written if the result overflows ``X``'s dtype."""
        namespace = namespace_of(X)
        xp = namespace.xp
        dtype = namespace.numpy_dtype(X.dtype)
        host_factors = namespace.to_numpy(factors)
        may_overflow = host_factors.size and (
            host_factors.min() < 1 if divide else host_factors.max() > 1
        )
        if may_overflow and X.shape[0]:
            largest = xp.max(xp.abs(X), axis=0)
            check_column_scaling(
                namespace.to_numpy(largest).astype(np.float64),
                host_factors,
                dtype,
                divide,
            )
        info = np.finfo(dtype)
        magnitude = np.abs(host_factors)
        if host_factors.size == 0 or (
            info.tiny <= magnitude.min() and magnitude.max() <= info.max
        ):
            applied = xp.astype(factors, X.dtype)
            if not copy:
                if divide:
                    X /= applied
                else:
                    X *= applied
                return X
            return X / applied if divide else X * applied
        # Factors outside the dtype's normal range: applied in the widest
        # float, rounded once.
        wide = xp.astype(X, namespace.widest_float)
        result = xp.astype(wide / factors if divide else wide * factors, X.dtype)
        if not copy:
            X[...] = result
            return X
        return result


# Row blocks of about this many values when column sums are accumulated:
# the widest-float temporaries stay small (a whole-array temporary cost 3.5x
# the time on PyTorch CPU, 400000 x 256 float32, whose allocator touches
# every fresh page).
_BLOCK_VALUES = 1 << 20


def _column_sums(xp, X, norm: str, widest):
    """Column sums of ``|X|`` (L1) or ``X**2`` (L2), accumulated in the
    widest float over row blocks."""
    n_samples, n_features = X.shape
    rows = max(1, _BLOCK_VALUES // max(1, n_features))
    sums = None
    for start in range(0, n_samples, rows):
        block = xp.astype(X[start : min(start + rows, n_samples), :], widest)
        part = xp.sum(_abs_or_square(xp, block, norm), axis=0)
        sums = part if sums is None else sums + part
    return sums


def _root(xp, sums, norm: str):
    return sums if norm == "l1" else xp.sqrt(sums)
