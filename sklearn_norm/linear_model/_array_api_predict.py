"""The predictions of a logistic model fitted on arrays of another array-API
library (``coef_`` and ``intercept_`` on that library's device), computed
there and returned as arrays of that library and device."""

from __future__ import annotations

import numpy as np

from .._array_api import Namespace
from ._array_api_datafit import sigmoid, softmax, softplus
from ._offset import check_offset


def scores(namespace: Namespace, X, coef, intercept, n_classes: int, offset=None):
    """``X @ coef.T + intercept (+ offset)`` in ``X``'s dtype, one column
    for two classes; a ValueError if they overflow."""
    xp = namespace.xp
    z = X @ xp.astype(coef, X.dtype).T + xp.astype(intercept, X.dtype)
    offset = check_offset(offset, X.shape[0], n_classes)
    if offset is not None:
        z = z + namespace.asarray(np.reshape(offset, (X.shape[0], -1)), X.dtype)
    if not bool(xp.all(xp.isfinite(z))):
        raise ValueError(
            "X holds values too large for the fitted coefficients: the "
            "scores X @ coef_.T + intercept_ overflow. Scale X as the "
            "training data was scaled."
        )
    return z[:, 0] if z.shape[1] == 1 else z


def labels(namespace: Namespace, classes, z):
    """The most probable class of each row of scores ``z``, from ``classes``
    (an array of the library, or NumPy): an array of the library for
    numeric or boolean labels, a NumPy array (on the host) for others,
    which array libraries cannot hold (strings, objects)."""
    xp = namespace.xp
    if z.ndim == 1:
        index = xp.astype(z > 0, xp.int64)
    else:
        index = xp.argmax(z, axis=1)
    if not isinstance(classes, np.ndarray):  # numbers, on the device
        return xp.take(classes, index)
    if classes.dtype.kind not in "biuf":
        return classes[namespace.to_numpy(index)]
    dtype = {
        "b": xp.bool,
        "i": xp.int64,
        "u": xp.int64,
        "f": namespace.widest_float,
    }[classes.dtype.kind]
    return xp.take(namespace.asarray(classes, dtype), index)


def probabilities(namespace: Namespace, z, log: bool = False):
    """The class probabilities (or their logarithms) of scores ``z``."""
    xp = namespace.xp
    if z.ndim == 1:
        # log(expit(z)) = -softplus(-z), without overflow.
        log_proba = -softplus(xp, -xp.stack([-z, z], axis=1))
    else:
        log_proba = z - softmax(xp, z, axis=1)[1]
    return log_proba if log else xp.exp(log_proba)


def path_neg_log_loss(
    namespace: Namespace, X, encoded, weights, coefs, intercepts, offset=None
) -> np.ndarray:
    """``_cv_curve.path_neg_log_loss`` of an ``X`` of another array library:
    the scores of every path point in one product on the device (in ``X``'s
    dtype), the clipped log-loss of each there, and one value per point
    returned to the host."""
    xp = namespace.xp
    n_lambdas, n_outputs, n_features = coefs.shape
    n_samples = X.shape[0]
    eps = float(np.finfo(coefs.dtype).eps)
    flat = namespace.asarray(np.reshape(coefs, (-1, n_features)).T, X.dtype)
    z = xp.astype(X @ flat, namespace.widest_float)
    z = xp.reshape(z, (n_samples, n_lambdas, n_outputs))
    z = z + namespace.asarray(intercepts)
    if offset is not None:
        z = z + namespace.asarray(np.reshape(offset, (n_samples, 1, n_outputs)))
    if n_outputs == 1:
        z = z[:, :, 0]
        positive = encoded == 1
        sign = namespace.asarray(np.where(positive, 1.0, -1.0)[:, None])
        true_class = sigmoid(xp, sign * z)  # the probability of each's class
    else:
        proba = softmax(xp, z, axis=2)[0]
        one_hot = namespace.asarray(np.eye(n_outputs)[encoded][:, None, :])
        true_class = xp.sum(proba * one_hot, axis=2)
    loss = -xp.log(xp.clip(true_class, min=eps, max=1.0 - eps))
    if weights is None:
        weights = np.ones(n_samples)
    w = namespace.asarray(np.asarray(weights, dtype=np.float64)[:, None])
    losses = namespace.to_numpy(xp.sum(w * loss, axis=0)) / float(np.sum(weights))
    return -np.asarray(losses, dtype=np.float64)
