"""Standardization inside the fit (``standardize=True``, glmnet's default).

The model is fitted on the columns ``(x_j - m_j) / s_j``, with ``m_j`` and
``s_j`` the mean and the standard deviation of column ``j`` weighted by the
normalized sample (times class) weights, as glmnet computes them (the
deviation divides by the total weight, not ``n - 1``); without an intercept
``m_j = 0`` (the columns are only scaled, still by their centred deviation,
as in glmnet). The penalty acts on the coefficients of the standardized
columns, and the coefficients are reported on the original scale: ``coef_j =
w_j / s_j`` and ``intercept = b - sum_j coef_j * m_j``.

Sparse columns are scaled but not centred (centring would fill them): with
an intercept the intercept absorbs the centring, so the minimizer on the
original scale is the same. A constant column (``s_j = 0``) becomes a zero
column, and its coefficient is 0, as in glmnet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._array_api import namespace_of
from .._validation import is_dask_collection

# Rows per block when a dense X is centred and scaled: the float64
# intermediate stays a few MB.
_BLOCK_VALUES = 1 << 19


@dataclass(frozen=True, eq=False)
class Standardization:
    """The centre and the scale of every column of a datafit's ``X``.

    ``center``: what is subtracted (the weighted means for dense ``X`` with
    an intercept, else zeros); ``scale``: the weighted (centred) standard
    deviations, 0 for a constant column.
    """

    center: np.ndarray
    scale: np.ndarray

    @classmethod
    def of(cls, datafit) -> Standardization:
        """The weighted moments of ``datafit``'s columns (one pass)."""
        mean, deviation = datafit.column_moments(centred=True)
        if sp.issparse(datafit.X) or not datafit.fit_intercept:
            mean = np.zeros_like(mean)
        return cls(mean, deviation)

    @property
    def inverse(self) -> np.ndarray:
        """``1 / scale``, and 0 for a constant column."""
        inverse = np.zeros_like(self.scale)
        np.divide(1.0, self.scale, out=inverse, where=self.scale > 0.0)
        return inverse

    def apply(self, datafit):
        """The same datafit on standardized columns (a copy of ``X``)."""
        X = datafit.X
        features = getattr(datafit, "features", None)
        if features is not None:  # a Dask datafit reads its columns of X
            X = X[:, features]
        return datafit.with_data(self.transform(X))

    def transform(self, X):
        """``(X - center) / scale`` in ``X``'s dtype, sparse ``X`` kept
        sparse; ``X`` itself is not modified."""
        inverse = self.inverse
        namespace = namespace_of(X)
        if namespace is not None:  # on X's device, in X's dtype
            center = namespace.asarray(self.center, X.dtype)
            return (X - center) * namespace.asarray(inverse, X.dtype)
        if is_dask_collection(X):
            return ((X - self.center) * inverse).astype(X.dtype).persist()
        if sp.issparse(X):
            out = X.copy()
            if X.format == "csr":
                out.data *= inverse[X.indices].astype(X.dtype)
            elif X.format == "csc":
                out.data *= np.repeat(inverse, np.diff(X.indptr)).astype(X.dtype)
            else:
                out = X @ sp.diags(inverse.astype(X.dtype))
            return out
        out = np.empty(X.shape, dtype=X.dtype)
        rows = max(1, _BLOCK_VALUES // max(X.shape[1], 1))
        for start in range(0, X.shape[0], rows):
            block = slice(start, start + rows)
            out[block] = (X[block] - self.center) * inverse
        return out

    def to_original(
        self, coef: np.ndarray, intercept: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients ``(..., n_outputs, n_features)`` and intercepts
        ``(..., n_outputs)`` of the standardized columns as those of the
        original ones (multinomial intercepts again with zero mean)."""
        coef = coef * self.inverse
        intercept = intercept - coef @ self.center
        if intercept.shape[-1] > 1:
            intercept = intercept - intercept.mean(axis=-1, keepdims=True)
        return coef, intercept

    def to_standardized(self, datafit, params: np.ndarray) -> np.ndarray:
        """Flat parameters of the original columns (a warm start) as those
        of the standardized ones."""
        coef, intercept = datafit.split(params)
        out = np.zeros_like(params)
        out[: datafit.n_coef] = (coef * self.scale).ravel()
        if datafit.fit_intercept:
            out[datafit.n_coef :] = intercept + coef @ self.center
        return out


def standardized(datafit, standardize: bool):
    """``datafit`` and None, or with ``standardize`` the datafit of the
    standardized columns and its ``Standardization``."""
    if not standardize:
        return datafit, None
    standardization = Standardization.of(datafit)
    return standardization.apply(datafit), standardization
