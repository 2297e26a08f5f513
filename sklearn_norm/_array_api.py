"""Arrays of other array-API libraries (PyTorch, CuPy, array-api-strict).

Under ``sklearn.config_context(array_api_dispatch=True)`` the normalizers
and the logistic models take any array of a library that implements the
Python array API standard, compute in that library and on the array's
device, and return arrays of the same library and device. ``namespace_of``
is the one place that recognizes such input: it gives the library's
namespace and the device, or None for NumPy arrays, array-likes, sparse
matrices, Dask arrays, and for everything when dispatch is off (then
nothing changes).

scikit-learn's helpers (``get_namespace_and_device``,
``_max_precision_float_dtype``, ``_convert_to_numpy``) are private names;
this module imports them in one place.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn import config_context, get_config
from sklearn.base import BaseEstimator, clone
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    _max_precision_float_dtype,
    get_namespace_and_device,
)

from ._validation import is_dask_collection


class Namespace(NamedTuple):
    """An array library's namespace ``xp`` and a device of it."""

    xp: Any
    device: Any

    @property
    def name(self) -> str:
        """The library's name as users know it (``torch``, ``cupy``...)."""
        return self.xp.__name__.split(".")[-1]

    @property
    def float_dtypes(self) -> tuple:
        """The float dtypes computed in: the most precise the device
        supports (float64 but on devices without it), then float32; other
        input is converted to the first."""
        widest = _max_precision_float_dtype(self.xp, self.device)
        return (widest,) if widest == self.xp.float32 else (widest, self.xp.float32)

    @property
    def widest_float(self):
        """The most precise float dtype of the device."""
        return self.float_dtypes[0]

    def numpy_dtype(self, dtype) -> np.dtype:
        """The NumPy float dtype of this library's float ``dtype``."""
        return np.dtype(np.float32 if dtype == self.xp.float32 else np.float64)

    def asarray(self, values, dtype=None):
        """``values`` (NumPy or a Python scalar) as an array on the device."""
        if dtype is None:
            dtype = self.widest_float
        return self.xp.asarray(values, dtype=dtype, device=self.device)

    def asarray_like(self, values: np.ndarray):
        """A NumPy array on the device with the matching dtype: float32
        stays float32, other floats become the widest float, integers
        int64, booleans bool."""
        values = np.asarray(values)
        kind = values.dtype.kind
        if kind == "f":
            dtype = self.xp.float32 if values.dtype == np.float32 else None
            return self.asarray(values, dtype)
        if kind == "b":
            return self.asarray(values, self.xp.bool)
        return self.asarray(values.astype(np.int64), self.xp.int64)

    def take(self, X, index, axis: int):
        """The rows (``axis=0``) or columns (``axis=1``) ``index`` (host
        integers or a boolean mask) of ``X``, on its device."""
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        return self.xp.take(X, self.asarray(index, self.xp.int64), axis=axis)

    def to_numpy(self, array) -> np.ndarray:
        """A NumPy copy of an array of this library, on the host."""
        return np.asarray(_convert_to_numpy(array, self.xp))


def namespace_of(X: object) -> Namespace | None:
    """The namespace and device of ``X`` when ``array_api_dispatch`` is on
    and ``X`` is an array of a library other than NumPy; None otherwise."""
    if not get_config().get("array_api_dispatch", False):
        return None
    return _foreign(X)


def _foreign(X: object) -> Namespace | None:
    """The namespace and device of an array of a library other than NumPy
    (PyTorch tensors have no ``__array_namespace__``: scikit-learn's
    ``get_namespace_and_device`` knows them), else None."""
    if (
        X is None
        or isinstance(X, (np.ndarray, np.generic, str, bytes, list, tuple))
        or sp.issparse(X)
        or is_dask_collection(X)
        or not hasattr(X, "shape")
    ):
        return None
    with config_context(array_api_dispatch=True):
        try:
            xp, _, device = get_namespace_and_device(X)
        except (TypeError, ValueError):  # an object scikit-learn cannot place
            return None
    if _is_numpy_namespace(xp):
        return None
    return Namespace(xp, device)


def take_rows(X, rows):
    """The rows ``rows`` of ``X``: on its device for another array
    library, else scikit-learn's ``_safe_indexing``."""
    namespace = namespace_of(X)
    if namespace is not None:
        return namespace.take(X, rows, axis=0)
    from ._sklearn_compat import _safe_indexing

    return _safe_indexing(X, rows)


def arrays_to_device(estimator, namespace: Namespace) -> None:
    """Move the NumPy array attributes of numbers of a fitted ``estimator``
    to ``namespace``'s device, where its data was (``classes_`` too, as
    scikit-learn does, unless they are strings or other objects)."""
    for key, value in list(vars(estimator).items()):
        if not isinstance(value, np.ndarray):
            continue
        if value.dtype.kind in "biuf":
            setattr(estimator, key, namespace.asarray_like(value))


def to_host(array) -> np.ndarray:
    """``array`` as a NumPy array on the host: arrays of another library
    are copied from their device (whatever the dispatch setting), anything
    else goes through ``np.asarray``."""
    namespace = _foreign(array)
    if namespace is None:
        return np.asarray(array)
    return namespace.to_numpy(array)


def check_dense(X, name: str = "X") -> None:
    """Refuse a sparse array of another library (a PyTorch sparse tensor),
    which the array API does not cover, with the way out."""
    layout = getattr(X, "layout", None)
    if getattr(X, "is_sparse", False) or (
        layout is not None and str(layout) not in ("torch.strided", "strided")
    ):
        raise TypeError(
            f"{name} is a sparse {type(X).__name__} ({layout}): arrays of other "
            "array-API libraries must be dense. Pass a dense array "
            f"({name}.to_dense()), or a scipy.sparse CSR/CSC matrix, which the "
            "estimators take as is."
        )


def placement(X: object) -> str | None:
    """Where an array lives, as one string (``"torch on cpu"``): None for
    NumPy and everything ``namespace_of`` does not recognize. An estimator
    keeps this of its training data (a string pickles; a namespace does
    not)."""
    namespace = namespace_of(X)
    return None if namespace is None else f"{namespace.name} on {namespace.device}"


def check_same_namespace(X, estimator, fitted_on: str | None, method: str) -> None:
    """Refuse ``X`` of another library or device than the data ``estimator``
    was fitted on (``fitted_on``: its ``placement``), with the message of
    scikit-learn's ``check_same_namespace`` (which older scikit-learn
    lacks). A model fitted on another library also refuses to work with
    dispatch off, where it could not compute."""
    if not get_config().get("array_api_dispatch", False):
        if fitted_on is None:
            return
        raise ValueError(
            f"{type(estimator).__name__}.{method}(): this model was fitted on "
            f"{fitted_on} under array_api_dispatch. Call {method} inside "
            "sklearn.config_context(array_api_dispatch=True) with arrays of "
            "that library and device, or move the model to NumPy with "
            "sklearn_norm.move_to_numpy."
        )
    given = placement(X)
    if given == fitted_on:
        return
    raise ValueError(
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the same "
        "namespace and the same device as those passed to fit(): fitted on "
        f"{fitted_on or 'numpy'}, {method} got {given or 'numpy'}. Move the input "
        "to the fitted model's library and device, or the model to NumPy with "
        "sklearn_norm.move_to_numpy."
    )


def move_to_numpy(estimator):
    """A copy of a fitted estimator whose arrays are NumPy arrays on the host.

    An estimator fitted on PyTorch, CuPy or other array-API arrays (under
    ``sklearn.config_context(array_api_dispatch=True)``) keeps its fitted
    arrays (``coef_``, ``norms_``...) in that library and on that device,
    and predicts on arrays of the same kind. The copy predicts on NumPy
    input, pickles without the library, and is what scikit-learn's
    inspection and plotting tools expect. The estimator itself is left
    as it is.

    Parameters
    ----------
    estimator : estimator object
        A fitted estimator of this package, or a fitted Pipeline (or any
        estimator whose fitted arrays are attributes, also of the
        estimators it holds).

    Returns
    -------
    moved : estimator object
        An unfitted clone's parameters with every fitted attribute copied,
        arrays of other libraries converted to NumPy.

    Examples
    --------
    ``array_api_strict`` (the reference array-API library) stands in for
    PyTorch or CuPy here:

    >>> import array_api_strict as xp
    >>> import sklearn
    >>> from sklearn_norm import L2Normalizer, move_to_numpy
    >>> X = xp.asarray([[3.0, 4.0], [0.0, 2.0]])
    >>> with sklearn.config_context(array_api_dispatch=True):
    ...     scaler = L2Normalizer(axis=0).fit(X)
    >>> type(scaler.norms_).__module__
    'array_api_strict._array_object'
    >>> move_to_numpy(scaler).norms_
    array([3.        , 4.47213595])
    """
    moved = clone(estimator)
    for key, value in vars(estimator).items():
        if key == "_fitted_on":  # where this package's estimators were fitted
            value = None
        setattr(moved, key, _moved(value))
    return moved


def _moved(value):
    """``value`` with the arrays of other libraries in it (inside fitted
    estimators, lists and tuples: a Pipeline's steps) copied to NumPy."""
    if _foreign(value) is not None:
        return to_host(value)
    if isinstance(value, BaseEstimator):
        return move_to_numpy(value)
    if isinstance(value, list | tuple):
        return type(value)(_moved(item) for item in value)
    return value
