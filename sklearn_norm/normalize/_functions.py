"""``l1_normalize`` and ``l2_normalize``: divide an array by its L1 or L2 norm.

The formulas and defaults::

    l1_normalize(x, axis=None) = x / max(sum(|x|, axis), epsilon)
    l2_normalize(x, axis=-1)   = x / sqrt(max(sum(x**2, axis), epsilon))

This module checks ``epsilon`` and hands the rest to the kind of input
(``kind_of``: the one place that tells dense, sparse and Dask input apart).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from .._array_api import namespace_of
from .._validation import check_not_masked, is_dask_collection
from ._array_api import ArrayApiKind
from ._dask import DaskKind
from ._dense import Axis, DenseKind
from ._sparse import SparseKind, SparseMatrix


def l1_normalize(
    x: ArrayLike | SparseMatrix, axis: Axis = None, epsilon: float = 1e-10
) -> np.ndarray | SparseMatrix:
    """Divide ``x`` by its L1 norm along ``axis``.

    Computes ``x / max(sum(|x|, axis), epsilon)``, with the sum broadcast back
    over the reduced axes. Slices whose L1 norm is at
    most ``epsilon`` are divided by ``epsilon`` instead, so all-zero slices
    stay zero.

    Parameters
    ----------
    x : {array-like, sparse matrix, dask array} of any shape
        The data. Integer and boolean input is converted to float64; float32
        and float64 are kept. scipy.sparse input must be 2-D; the result has
        the same sparse format and is never densified. A Dask array gives a
        lazy Dask array (NaN and infinity are then reported when it is
        computed). Under ``sklearn.config_context(array_api_dispatch=True)``
        an array of another array-API library (PyTorch, CuPy...) is
        normalized by that library on its device, and the result is an
        array of the same library and device.
    axis : int, tuple of ints or None, default=None
        The axis or axes whose L1 norm divides ``x``. ``None`` uses the norm of
        the whole array. For sparse input: 0, 1, -1, -2 or None.
    epsilon : float, default=1e-10
        Positive floor on the norm, which prevents division by zero.

    Returns
    -------
    normalized : ndarray, sparse matrix, dask array or array of ``x``'s library
        A new array of the same shape; ``x`` itself is never modified.

    Raises
    ------
    ValueError
        If ``x`` holds NaN, infinity, complex or non-numeric values, or
        np.longdouble values beyond float64's range, if an axis is out of
        range or repeated, or if ``epsilon`` is not positive and finite in
        float64.
    TypeError
        If ``x`` is None or a masked array (``np.ma``, whose mask would be
        ignored), or ``axis`` or ``epsilon`` has the wrong type.

    See Also
    --------
    l2_normalize : Divide by the L2 norm instead.
    L1Normalizer : The same operation as a scikit-learn transformer.

    Notes
    -----
    A slice whose norm overflows the floating-point range (values near
    1e308) is normalized after dividing it by its largest absolute value, so
    the result stays finite and correct.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_norm import l1_normalize
    >>> l1_normalize(np.array([[1, 3], [0, 0]]), axis=1)
    array([[0.25, 0.75],
           [0.  , 0.  ]])
    >>> l1_normalize(np.array([1.0, -1.0, 2.0]))
    array([ 0.25, -0.25,  0.5 ])
    """
    return _normalize(x, axis, epsilon, "l1")


def l2_normalize(
    x: ArrayLike | SparseMatrix, axis: Axis = -1, epsilon: float = 1e-10
) -> np.ndarray | SparseMatrix:
    """Divide ``x`` by its L2 (Euclidean) norm along ``axis``.

    Computes ``x / sqrt(max(sum(x**2, axis), epsilon))``, with the sum
    broadcast back over the reduced axes. The floor
    applies to the squared norm: slices with an L2 norm of at most
    ``sqrt(epsilon)`` are divided by ``sqrt(epsilon)``.

    Parameters
    ----------
    x : {array-like, sparse matrix, dask array} of any shape
        The data. Integer and boolean input is converted to float64; float32
        and float64 are kept. scipy.sparse input must be 2-D; the result has
        the same sparse format and is never densified. A Dask array gives a
        lazy Dask array (NaN and infinity are then reported when it is
        computed). Under ``sklearn.config_context(array_api_dispatch=True)``
        an array of another array-API library (PyTorch, CuPy...) is
        normalized by that library on its device, and the result is an
        array of the same library and device.
    axis : int, tuple of ints or None, default=-1
        The axis or axes whose L2 norm divides ``x``; the default normalizes
        each vector along the last axis (each row of a 2-D array). ``None``
        uses the norm of the whole array. For sparse input: 0, 1, -1, -2 or
        None.
    epsilon : float, default=1e-10
        Positive floor on the squared norm, which prevents division by zero.

    Returns
    -------
    normalized : ndarray, sparse matrix, dask array or array of ``x``'s library
        A new array of the same shape; ``x`` itself is never modified.

    Raises
    ------
    ValueError
        If ``x`` holds NaN, infinity, complex or non-numeric values, or
        np.longdouble values beyond float64's range, if an axis is out of
        range or repeated, or if ``epsilon`` is not positive and finite in
        float64.
    TypeError
        If ``x`` is None or a masked array (``np.ma``, whose mask would be
        ignored), or ``axis`` or ``epsilon`` has the wrong type.

    See Also
    --------
    l1_normalize : Divide by the L1 norm instead.
    L2Normalizer : The same operation as a scikit-learn transformer.

    Notes
    -----
    A slice whose squared norm overflows the floating-point range (values
    above about 1e154) is normalized after dividing it by its largest absolute
    value, so the result stays finite and correct.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_norm import l2_normalize
    >>> l2_normalize(np.array([[3, 4], [0, 0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    >>> a = np.arange(12).reshape([1, 3, 4])
    >>> l2_normalize(a, (1, 2)).round(4)
    array([[[0.    , 0.0445, 0.0889, 0.1334],
            [0.1778, 0.2223, 0.2667, 0.3112],
            [0.3556, 0.4001, 0.4446, 0.489 ]]])
    """
    return _normalize(x, axis, epsilon, "l2")


def kind_of(X: object) -> type[DenseKind | SparseKind | DaskKind | ArrayApiKind]:
    """The operations on ``X``'s kind of input: ``DaskKind``, ``SparseKind``,
    ``ArrayApiKind`` (arrays of another array-API library, under
    ``array_api_dispatch``), or else ``DenseKind`` (ndarrays and other
    array-likes), each with

    - ``normalize(x, axis, norm, epsilon, name, copy)``: ``x`` as float,
      normalized over ``axis``; in place for a converted copy, or with
      ``copy=False`` for writeable data (never for lazy Dask arrays);
    - ``column_norms(X, norm)``: the float64 norms of a validated ``X``'s
      columns, overflow-safe;
    - ``scale_columns(X, factors, divide, copy)``: each column divided (or
      multiplied) by its factor, refused before anything is written if the
      result overflows.
    """
    if is_dask_collection(X):
        return DaskKind
    if sp.issparse(X):
        return SparseKind
    if namespace_of(X) is not None:
        return ArrayApiKind
    return DenseKind


def _normalize(
    x: ArrayLike | SparseMatrix, axis: Axis, epsilon: float, norm: str
) -> np.ndarray | SparseMatrix:
    epsilon = check_epsilon(epsilon)
    check_not_masked(x, "x")
    return kind_of(x).normalize(x, axis, norm, epsilon, "x", copy=True)


def check_epsilon(epsilon: float) -> float:
    """Return ``epsilon`` as a float, or raise if it is not positive and finite
    once converted to float64 (which a Python int or np.longdouble may not be)."""
    if isinstance(epsilon, (bool, np.bool_)) or not isinstance(epsilon, numbers.Real):
        raise TypeError(
            f"epsilon must be a positive real number, got {epsilon!r} "
            f"of type {type(epsilon).__name__}."
        )
    try:
        with np.errstate(over="ignore"):  # np.longdouble above 1.8e308 -> inf
            value = float(epsilon)
    except OverflowError:  # a Python int beyond 1.8e308
        value = np.inf if epsilon > 0 else -np.inf
    text = repr(epsilon)
    if len(text) > 30:  # a Python int of hundreds of digits
        text = f"{text[:6]}...({len(text)} digits)"
    if np.isinf(value) and 0 < epsilon != float("inf"):
        raise ValueError(
            f"epsilon={text} is too large for float64, the precision the "
            "norms are computed in; pass a positive float below 1.8e308 (it "
            "bounds the norm from below, so a small value such as 1e-10 is usual)."
        )
    if value == 0 and epsilon > 0:  # a np.longdouble below 5e-324
        raise ValueError(
            f"epsilon={text} is too small for float64, the precision the "
            "norms are computed in: it rounds to 0. Pass a float of at least "
            "5e-324, such as the usual 1e-10."
        )
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"epsilon must be positive and finite, got {text}.")
    return value
