"""``L1Normalizer`` and ``L2Normalizer``: ``l1_normalize`` and ``l2_normalize``
as scikit-learn transformers."""

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .. import _dask as dask_input
from .._array_api import check_same_namespace, namespace_of, placement
from .._sklearn_compat import Interval, Options
from .._state import VersionedStateMixin, transactional
from .._validation import (
    FLOAT_DTYPES,
    SPARSE_FORMATS,
    check_float64_range,
    check_not_masked,
    validate,
)
from ._dask import DaskKind
from ._functions import check_epsilon, kind_of
from ._sparse import SparseMatrix

if TYPE_CHECKING:
    from typing_extensions import Self


def column_norms(X: np.ndarray | SparseMatrix, norm: str) -> np.ndarray:
    """float64 L1 or L2 norm of each column of a validated 2-D ``X`` of any
    kind (Dask: one computation; another array-API library: an array of
    it, on ``X``'s device), overflow-safe."""
    return kind_of(X).column_norms(X, norm)


def check_in_memory_input(X: object) -> None:
    """What ``validate_data`` would accept but get wrong: a masked array
    (its mask dropped) and np.longdouble values beyond float64's range
    (reported as infinity)."""
    check_not_masked(X, "X")
    dtype = getattr(X, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize > 8:
        check_float64_range(X.data if sp.issparse(X) else np.asarray(X), "X")


class _BaseNormalizer(
    VersionedStateMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator
):
    """Shared implementation of the L1 and L2 normalizers."""

    _norm: str  # "l1" or "l2", set by the subclasses

    _parameter_constraints: dict = {
        "axis": [Options(Integral, {0, 1})],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "copy": ["boolean"],
    }

    def __init__(self, axis: int = 1, epsilon: float = 1e-10, copy: bool = True):
        self.axis = axis
        self.epsilon = epsilon
        self.copy = copy

    # -- fitting ---------------------------------------------------------
    @transactional
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike | SparseMatrix, y: None = None) -> Self:
        """Learn the column norms (``axis=0``) or only validate ``X`` (``axis=1``).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape \
                (n_samples, n_features)
            The data. For a Dask array the column norms are one Dask
            reduction (only they reach this process).
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        for attribute in ("norms_", "n_samples_seen_", "_fitted_on"):
            if hasattr(self, attribute):
                delattr(self, attribute)
        return self._partial_fit(X, reset=True)

    @transactional
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: ArrayLike | SparseMatrix, y: None = None) -> Self:
        """Add a chunk of rows to the learned column norms (``axis=0``).

        Fitting chunk by chunk gives the same ``norms_`` as one ``fit`` on all
        the rows, whatever the split. With ``axis=1`` it only validates ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of the data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted transformer.

        Notes
        -----
        Not thread-safe: calls on one estimator from several threads at once
        can lose chunks. Feed the chunks from one thread, or fit one
        estimator per thread.
        """
        return self._partial_fit(X, reset=not hasattr(self, "n_features_in_"))

    def _partial_fit(self, X: ArrayLike | SparseMatrix, reset: bool) -> Self:
        first = not hasattr(self, "norms_")  # fit deletes it before calling here
        self._epsilon()  # refused now rather than at transform time
        if not reset:
            self._check_namespace(X, "partial_fit")
        X = self._validated(X, reset)
        self._fitted_on = placement(X)
        if self.axis == 1:
            return self
        norms = column_norms(X, self._norm)
        namespace = namespace_of(X)
        xp = np if namespace is None else namespace.xp
        if not first:
            if self._norm == "l1":
                norms = self.norms_ + norms
            else:
                norms = xp.hypot(self.norms_, norms)
        if not bool(xp.all(xp.isfinite(norms))):
            host = norms if namespace is None else namespace.to_numpy(norms)
            features = np.flatnonzero(~np.isfinite(host))[:5].tolist()
            raise ValueError(
                f"The {self._norm.upper()} norm of feature(s) {features} overflows "
                "float64; divide X by a constant before fitting."
            )
        self.norms_ = norms
        self.n_samples_seen_ = (0 if first else self.n_samples_seen_) + X.shape[0]
        return self

    def _validated(self, X, reset: bool, **kwargs):
        """``X`` checked by ``validate_data`` (with ``kwargs``), or, for Dask,
        lazily (shape, dtype, the fitted number of features unless ``reset``);
        ``n_features_in_`` is set on ``reset``."""
        if kind_of(X) is DaskKind:
            fitted = None if reset else getattr(self, "n_features_in_", None)
            X = dask_input.check_matrix(X, "X", fitted)
            if reset:
                dask_input.reset_features(self, X)
            return X
        namespace = namespace_of(X)
        if namespace is not None:
            # Another array-API library: scikit-learn's checks run in it.
            dtypes = namespace.float_dtypes
            return validate(self, X, reset=reset, dtype=dtypes, **kwargs)
        check_in_memory_input(X)
        return validate(
            self,
            X,
            reset=reset,
            accept_sparse=SPARSE_FORMATS,
            dtype=FLOAT_DTYPES,
            **kwargs,
        )

    def _check_namespace(self, X, method: str) -> None:
        """Refuse ``X`` of another array library or device than ``fit``'s."""
        check_same_namespace(X, self, getattr(self, "_fitted_on", None), method)

    # -- transforming ----------------------------------------------------
    def transform(
        self, X: ArrayLike | SparseMatrix, copy: bool | None = None
    ) -> np.ndarray | SparseMatrix:
        """Scale each row (``axis=1``) or column (``axis=0``) of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape \
                (n_samples, n_features)
            The data to normalize. Sparse CSR and CSC input keeps its format;
            a Dask array gives a lazy Dask array.
        copy : bool, default=None
            Whether to leave ``X`` untouched; ``None`` uses ``self.copy``.

        Returns
        -------
        X_tr : {ndarray, sparse matrix, dask array} of shape \
                (n_samples, n_features)
            The normalized data, float32 for float32 input, else float64.
        """
        copy = self.copy if copy is None else copy
        if self.axis == 0:
            check_is_fitted(self, "norms_")
            self._check_namespace(X, "transform")
            return self._scale(X, copy, divide=True)
        if hasattr(self, "_fitted_on"):  # fitted (rows need no fit)
            self._check_namespace(X, "transform")
        self._validate_params()  # stateless: transform may come without fit
        epsilon = self._epsilon()
        # NaN and infinity are detected for free by the kernels (a non-finite
        # norm), which saves validate_data's extra pass over the data.
        X = self._validated(X, reset=False, ensure_all_finite=False)
        return kind_of(X).normalize(X, 1, self._norm, epsilon, "X", copy)

    def _axis_is_0(self) -> bool:
        if self.axis != 0:
            raise AttributeError(
                "inverse_transform is only available with axis=0: row "
                "normalization (axis=1) forgets each row's norm."
            )
        return True

    @available_if(_axis_is_0)
    def inverse_transform(
        self, X: ArrayLike | SparseMatrix, copy: bool | None = None
    ) -> np.ndarray | SparseMatrix:
        """Multiply each column by its learned norm, undoing ``transform``.

        Only available with ``axis=0``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Normalized data.
        copy : bool, default=None
            Whether to leave ``X`` untouched; ``None`` uses ``self.copy``.

        Returns
        -------
        X_original : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The data in its original scale.
        """
        check_is_fitted(self, "norms_")
        self._check_namespace(X, "inverse_transform")
        return self._scale(X, self.copy if copy is None else copy, divide=False)

    def _epsilon(self) -> float:
        """``epsilon`` as a float, refused as the functions refuse it (an
        infinite floor, or an int or long double beyond float64)."""
        return check_epsilon(self.epsilon)

    def _divisors(self) -> np.ndarray:
        """The learned norms, floored as the functions floor them."""
        epsilon = self._epsilon()
        floor = epsilon if self._norm == "l1" else float(np.sqrt(epsilon))
        namespace = namespace_of(self.norms_)
        if namespace is not None:
            return namespace.xp.clip(self.norms_, min=floor)
        return np.maximum(self.norms_, floor)

    def _scale(
        self, X: ArrayLike | SparseMatrix, copy: bool, divide: bool
    ) -> np.ndarray | SparseMatrix:
        """Divide (or multiply) each column of ``X`` by its floored norm."""
        X = self._validated(X, reset=False)
        return kind_of(X).scale_columns(X, self._divisors(), divide, copy)

    def __sklearn_is_fitted__(self) -> bool:
        # Column normalization needs norms_; row normalization is stateless
        # (its requires_fit tag is False) and only records the input's shape.
        if self.axis == 0:
            return hasattr(self, "norms_")
        return hasattr(self, "n_features_in_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.requires_fit = self.axis == 0
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.array_api_support = True
        return tags


_SHARED_PARAMETERS = """
    Parameters
    ----------
    axis : {{0, 1}}, default=1
        ``1`` scales each sample (row) to unit {norm} norm; stateless, so
        ``transform`` works without ``fit``. ``0`` divides each feature
        (column) by its {norm} norm learned in ``fit`` and stored in
        ``norms_``, and offers ``inverse_transform`` and ``partial_fit``.
    epsilon : float, default=1e-10
        Positive floor that prevents division by zero: {floor}
    copy : bool, default=True
        If False, ``transform`` and ``inverse_transform`` overwrite a writeable
        float32/float64 ndarray or CSR/CSC matrix in place; other input
        (including a read-only array or matrix, such as a memmap from
        ``joblib.load``) is converted and a new array returned either way.
        A float array of another array-API library is divided in place too.

    Attributes
    ----------
    norms_ : ndarray of shape (n_features,), dtype float64
        The {norm} norm of each column of the data seen in ``fit`` and
        ``partial_fit``. Only with ``axis=0``. An array of the training
        data's library and device when it was fitted on another array-API
        library (see the class description).
    n_samples_seen_ : int
        The number of rows seen in ``fit`` and ``partial_fit``. Only with
        ``axis=0``.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``; defined only when ``X`` has
        string column names (a pandas or polars DataFrame).
"""


class L1Normalizer(_BaseNormalizer):
    __doc__ = (
        """Scale samples (rows) or features (columns) to unit L1 norm.

    ``axis=1`` transforms each row ``x`` into ``x / max(sum(|x|), epsilon)``,
    as :func:`l1_normalize` does; ``axis=0`` divides each column by
    ``max(norms_, epsilon)``, its L1 norm learned in ``fit``. Dense and sparse
    (CSR, CSC) input are supported, float32 stays float32, and sparse input is
    never densified. Under ``sklearn.config_context(array_api_dispatch=True)``
    arrays of PyTorch, CuPy and other array-API libraries are normalized by
    their library on their device; a fitted transformer then takes arrays of
    that library and device only (:func:`move_to_numpy` gives a NumPy copy).
"""
        + _SHARED_PARAMETERS.format(
            norm="L1",
            floor="a norm below it is replaced by ``epsilon``.",
        )
        + """
    See Also
    --------
    l1_normalize : The function behind this transformer.
    L2Normalizer : Scale to unit L2 norm instead.
    sklearn.preprocessing.Normalizer : scikit-learn's row normalizer.

    Examples
    --------
    >>> from sklearn_norm import L1Normalizer
    >>> X = [[1.0, 3.0], [2.0, 2.0]]
    >>> L1Normalizer().fit_transform(X)
    array([[0.25, 0.75],
           [0.5 , 0.5 ]])
    >>> by_column = L1Normalizer(axis=0).fit(X)
    >>> by_column.norms_
    array([3., 5.])
    >>> by_column.transform([[3.0, 5.0]])
    array([[1., 1.]])
    """
    )

    _norm = "l1"


class L2Normalizer(_BaseNormalizer):
    __doc__ = (
        """Scale samples (rows) or features (columns) to unit L2 norm.

    ``axis=1`` transforms each row ``x`` into
    ``x / sqrt(max(sum(x**2), epsilon))``, as :func:`l2_normalize` does (the
    habit of L2-normalizing embeddings, as in FaceNet); ``axis=0`` divides each
    column by ``max(norms_, sqrt(epsilon))``, its L2 norm learned in ``fit``.
    Dense and sparse (CSR, CSC) input are supported, float32 stays float32,
    and sparse input is never densified. Under
    ``sklearn.config_context(array_api_dispatch=True)`` arrays of PyTorch,
    CuPy and other array-API libraries are normalized by their library on
    their device; a fitted transformer then takes arrays of that library and
    device only (:func:`move_to_numpy` gives a NumPy copy).
"""
        + _SHARED_PARAMETERS.format(
            norm="L2",
            floor="it bounds the squared norm, so a norm below ``sqrt(epsilon)`` "
            "is replaced by ``sqrt(epsilon)``.",
        )
        + """
    See Also
    --------
    l2_normalize : The function behind this transformer.
    L1Normalizer : Scale to unit L1 norm instead.
    sklearn.preprocessing.Normalizer : scikit-learn's row normalizer.

    Examples
    --------
    >>> from sklearn_norm import L2Normalizer
    >>> X = [[3.0, 4.0], [0.0, 2.0]]
    >>> L2Normalizer().fit_transform(X)
    array([[0.6, 0.8],
           [0. , 1. ]])
    >>> by_column = L2Normalizer(axis=0).fit(X)
    >>> by_column.norms_
    array([3.        , 4.47213595])
    >>> by_column.inverse_transform(by_column.transform(X))
    array([[3., 4.],
           [0., 2.]])
    """
    )

    _norm = "l2"
