"""Dask input for ``RegularizedLogisticRegression`` (the optional ``dask``
extra): ``fit`` validates the data with Dask reductions (one pass for
finiteness, magnitude and the classes), persists it on the workers and
hands the solvers a ``DaskLogisticLoss``; prediction methods map the
in-memory ones over the row chunks.

Nothing here computes a whole array: every ``compute`` returns a handful of
numbers or a vector of the classes.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from .._dask import as_float, as_rows, check_matrix
from .._validation import (
    check_class_weight,
    check_classes,
    check_largest,
    check_weight_total,
    largest_of_extremes,
)


def _encode(block, classes):
    return np.searchsorted(classes, block).astype(np.intp)


def _times_class_weight(weights, codes, per_class):
    return weights * per_class[codes]


def logistic_datafit(X, y, sample_weight, class_weight, fit_intercept: bool):
    """Validate Dask ``X``, ``y`` and ``sample_weight`` with Dask reductions,
    persist them on the workers and build the distributed datafit.

    Returns the float Dask ``X``, the sorted classes, a ``DaskLogisticLoss``
    and ``max|X|``.
    """
    import dask
    import dask.array as da

    from ._dask_datafit import DaskLogisticLoss

    X = check_matrix(X, "X")
    y = as_rows(y, "y", X)
    weights = None
    lazy = [X.min(), X.max(), da.unique(y, return_counts=True)]
    if sample_weight is not None:
        weights = as_rows(sample_weight, "sample_weight", X)
        weights = as_float(weights, "sample_weight").astype(np.float64)
        lazy += [weights.min(), weights.max()]
    # One pass over X for finiteness and magnitude, and the classes.
    low, high, (classes, counts), *weight_range = dask.compute(*lazy)
    largest = largest_of_extremes(low, high, "X")
    check_largest(largest, "X")
    if classes.dtype.kind == "f" and np.isnan(classes).any():
        raise ValueError("Input y contains NaN.")
    check_classification_targets(classes)
    check_classes(classes)
    n_classes = classes.size
    codes = y.map_blocks(_encode, classes=classes, dtype=np.intp)
    if weights is not None:
        w_low, w_high = weight_range
        if np.isnan(w_low) or np.isnan(w_high) or np.isinf(w_high):
            raise ValueError("sample_weight contains NaN or infinity.")
        if w_low < 0:
            raise ValueError("Negative values in data passed to sample_weight.")
        # The weighted class counts need a pass over the weights.
        counts = da.bincount(codes, weights=weights, minlength=n_classes).compute()
    else:
        weights = da.ones(X.shape[0], chunks=(X.chunks[0],))
    counts = counts.astype(np.float64)
    if class_weight is not None:
        # sklearn's formula from the (weighted) counts: one sample per class
        # with its class's count as weight.
        per_class = check_class_weight(
            class_weight, classes, np.arange(n_classes), counts
        )
        weights = da.map_blocks(
            _times_class_weight, weights, codes, per_class=per_class, dtype=np.float64
        )
        counts = counts * per_class
    X, codes, weights = dask.persist(X, codes[:, None], weights[:, None])
    with np.errstate(over="ignore"):
        total = float(np.sum(counts))
    if np.isinf(total):  # huge weights: only their ratios matter
        top = float(weights.max().compute())
        weights = (weights / top).persist()
        counts = counts / top
        total = float(np.sum(counts))
    check_weight_total(total)
    datafit = DaskLogisticLoss(
        X, codes, weights, total, counts / total, fit_intercept, n_classes
    )
    return X, classes, datafit, largest


def _predict_block(block, estimator, method):
    return getattr(estimator, method)(block)


def predict(estimator, X, method: str):
    """Lazy ``estimator.<method>(X)`` of a fitted logistic model, mapped
    over the row chunks of a Dask ``X``."""
    X = check_matrix(X, "X", estimator.n_features_in_)
    n_classes = estimator.classes_.size
    if method == "predict":
        dtype, columns = estimator.classes_.dtype, None
    elif method == "decision_function" and n_classes == 2:
        dtype, columns = np.result_type(X.dtype, estimator.coef_.dtype), None
    else:
        dtype, columns = np.result_type(X.dtype, estimator.coef_.dtype), n_classes
    if columns is None:
        return X.map_blocks(
            _predict_block, estimator=estimator, method=method, drop_axis=1, dtype=dtype
        )
    return X.map_blocks(
        _predict_block,
        estimator=estimator,
        method=method,
        chunks=(X.chunks[0], (columns,)),
        dtype=dtype,
    )
