"""Regularization paths: where they start (``lambda_max``)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import check_X_y

from ._logistic import _FLOAT_DTYPES, _SPARSE_FORMATS, build_datafit, constant_model


def lambda_max(
    X: ArrayLike,
    y: ArrayLike,
    *,
    l1_ratio: float = 1.0,
    fit_intercept: bool = True,
    sample_weight: ArrayLike | None = None,
    class_weight: dict | str | None = None,
) -> float:
    """The smallest ``lambda_`` at which every coefficient of the L1 (or
    elastic-net) fit is exactly zero.

    For two classes with labels in {0, 1} and unit weights this is
    ``||X.T @ (y - mean(y))||_inf / (n_samples * l1_ratio)``; in general it is
    the largest absolute partial derivative of the weighted mean log-loss at
    the best constant model, divided by ``l1_ratio``. Regularization paths
    start here.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.

    y : array-like of shape (n_samples,)
        Class labels.

    l1_ratio : float, default=1.0
        ``rho`` of the penalty, in (0, 1]: 1 for ``"l1"``.

    fit_intercept : bool, default=True
        Whether the model fits an intercept.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    class_weight : dict, "balanced" or None, default=None
        Class weights, as in ``RegularizedLogisticRegression``.

    Returns
    -------
    lambda_max : float
        The threshold; any ``lambda_ >= lambda_max`` gives ``coef_ == 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_norm import RegularizedLogisticRegression, lambda_max
    >>> X = np.array([[1.0, 2.0], [2.0, 0.0], [0.0, 1.0], [3.0, 1.0]])
    >>> y = np.array([0, 1, 0, 1])
    >>> float(lambda_max(X, y))
    0.5
    >>> model = RegularizedLogisticRegression("l1", lambda_=0.5).fit(X, y)
    >>> model.coef_
    array([[0., 0.]])
    """
    if not 0.0 < l1_ratio <= 1.0:
        raise ValueError(
            f"l1_ratio must be in (0, 1] for lambda_max to be finite; got {l1_ratio!r}."
        )
    X, y = check_X_y(X, y, accept_sparse=_SPARSE_FORMATS, dtype=_FLOAT_DTYPES)
    _, datafit = build_datafit(X, y, sample_weight, class_weight, fit_intercept)
    _, grad = datafit.value_grad(constant_model(datafit))
    return float(np.max(np.abs(grad[: datafit.n_coef]))) / l1_ratio
