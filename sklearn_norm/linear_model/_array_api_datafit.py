"""A logistic datafit whose work of size ``n_samples`` runs in another
array-API library (PyTorch, CuPy, array-api-strict), on ``X``'s device.

``ArrayApiLogisticLoss`` implements the whole ``Datafit`` protocol of
``_contract`` with the meaning the in-memory datafits of ``_datafits`` give
it, so every solver of ``_solvers`` runs on it unchanged:

- On the device: ``X`` (never copied to the host, never converted: products
  run in its dtype, float32 or float64), the weights, the labels (one-hot
  for several classes), the offset, and the scores ``z = X @ W.T + b``
  (``DeviceScores``, in the device's widest float). Every product with
  ``X``, every loss, probability, residual and curvature of the samples,
  and the Hessians the solvers form, are computed there.
- On the host: what has ``n_params`` values or fewer -- the parameters, the
  gradients and Hessian-vector products a solver receives, an explicit
  Hessian (at most ``EXPLICIT_HESSIAN_MAX`` parameters, or what a working
  set asks for), column moments -- and the scalars: a value, a line
  search's change. Each evaluation moves one such vector each way, and the
  solvers' own bookkeeping (conjugate gradients, orthants, line searches on
  those vectors) is NumPy on the host, as for every datafit.
- The labels and sample weights are encoded on the host once, then copied
  to the device (``n_samples`` values, once per fit).
"""

from __future__ import annotations

import numpy as np

from .._array_api import Namespace, namespace_of
from ._datafits import (
    FlatParameters,
    KeepingScores,
    count_pass,
    moments_of_sums,
    per_class_order,
)

#: Largest number of parameters whose Hessian ``explicit_hessian`` forms on
#: the device (one product of ``[X 1]`` with itself) and brings to the host,
#: where Newton-CG factorizes it instead of running conjugate gradients.
EXPLICIT_HESSIAN_MAX = 256

# Rows per block of a float32 ``X.T @ residual`` whose partial sums are
# added in the widest float (``_transposed_product``).
_SUM_BLOCK = 1024

# Row blocks of at most this many values for the temporaries a Hessian is
# formed from.
_HESSIAN_BLOCK = 1 << 22


def sigmoid(xp, u):
    """``1 / (1 + exp(-u))`` without overflow."""
    e = xp.exp(-xp.abs(u))
    return xp.where(u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(xp, u):
    """``log(1 + exp(u))`` without overflow."""
    return xp.clip(u, min=0.0) + xp.log1p(xp.exp(-xp.abs(u)))


def softmax(xp, z, axis: int):
    """``softmax(z)`` and ``logsumexp(z)`` (kept dimensions) along ``axis``,
    without overflow."""
    top = xp.max(z, axis=axis, keepdims=True)
    e = xp.exp(z - top)
    total = xp.sum(e, axis=axis, keepdims=True)
    return e / total, top + xp.log(total)


class DeviceScores:
    """The scores ``X @ W.T + b`` of an ``ArrayApiLogisticLoss``: an array of
    shape ``(n_samples, n_outputs)`` on the device, with the linear
    operations solvers apply to scores. The array is never modified in
    place, so a copy may share it."""

    __slots__ = ("array",)
    # numpy scalars (``alpha * scores``) defer to ``__rmul__``.
    __array_ufunc__ = None

    def __init__(self, array) -> None:
        self.array = array

    def __add__(self, other: DeviceScores | int) -> DeviceScores:
        if isinstance(other, int) and other == 0:  # sum() starts from 0
            return self
        return DeviceScores(self.array + other.array)

    __radd__ = __add__

    def __iadd__(self, other: DeviceScores) -> DeviceScores:
        self.array = self.array + other.array
        return self

    def __mul__(self, factor: float) -> DeviceScores:
        return DeviceScores(float(factor) * self.array)

    __rmul__ = __mul__

    def copy(self) -> DeviceScores:
        return DeviceScores(self.array)


class ArrayApiLogisticLoss(FlatParameters):
    """The weighted mean binary (two classes) or multinomial log-loss of an
    ``X`` of another array-API library, evaluated on ``X``'s device.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        float32 or float64, of a library ``namespace_of`` recognizes.
    codes : ndarray of shape (n_samples,)
        The labels encoded as ``0 .. n_classes - 1`` (host).
    weights : ndarray of shape (n_samples,)
        The normalized sample weights ``s_i / S`` (host, float64).
    fit_intercept : bool
    n_classes : int
    offset : ndarray of shape (n_samples,) or (n_samples, n_classes), optional
        As ``check_offset`` returns it (host).
    """

    def __init__(
        self,
        X,
        codes: np.ndarray,
        weights: np.ndarray,
        fit_intercept: bool,
        n_classes: int,
        offset: np.ndarray | None = None,
        namespace: Namespace | None = None,
    ) -> None:
        n_outputs = 1 if n_classes == 2 else n_classes
        super().__init__(n_outputs, X.shape[1], fit_intercept)
        # Recognized once: the datafit works whatever the dispatch setting
        # of later calls (a solver's own threads, a joblib worker).
        self.namespace = namespace_of(X) if namespace is None else namespace
        self.xp = self.namespace.xp
        self.X = X
        self.codes = codes
        self.weights = weights
        self.offset = offset
        self.n_classes = n_classes
        self.n_samples = X.shape[0]
        self.dtype = self.namespace.numpy_dtype(X.dtype)
        self.share = 1.0  # the fraction of the original columns (``restrict``)
        self._wide = self.namespace.widest_float
        self._weights = self._device(weights[:, None])
        if n_outputs == 1:
            self._labels = self._device((codes == 1)[:, None].astype(np.float64))
            self._sign = 1.0 - 2.0 * self._labels
        else:
            self._labels = self._device(np.eye(n_classes)[codes])  # one-hot
        self._offset = (
            None if offset is None else self._device(offset.reshape(-1, n_outputs))
        )
        self._last_softmax: list = [None]  # (z, softmax(z), logsumexp(z))

    # -- moving between host and device ----------------------------------
    def _device(self, values: np.ndarray, dtype=None):
        """Host ``values`` on ``X``'s device (default: the widest float)."""
        return self.namespace.asarray(values, self._wide if dtype is None else dtype)

    def _host(self, array) -> np.ndarray:
        """A device array as a float64 NumPy array."""
        return np.asarray(self.namespace.to_numpy(array), dtype=np.float64)

    # -- products with X ---------------------------------------------------
    def _count_pass(self, n_columns: int | None = None) -> None:
        touched = 1.0 if n_columns is None else n_columns / max(self.n_features, 1)
        count_pass(self.share * touched)

    def _matvec(self, params: np.ndarray):
        """``X @ W.T + b`` of the flat ``params`` on the device, in the
        widest float (the product in ``X``'s dtype): one transfer."""
        self._count_pass()
        xp = self.xp
        values = self._device(params)
        coef = xp.reshape(values[: self.n_coef], (self.n_outputs, self.n_features))
        z = xp.astype(self.X @ xp.astype(coef, self.X.dtype).T, self._wide)
        if self.fit_intercept:
            z = z + values[self.n_coef :]
        return z

    def _pack(self, residual, blocked: bool = True) -> np.ndarray:
        """The flat gradient ``[residual.T @ X, sum of residual]`` (the
        product in ``X``'s dtype; ``blocked``: summed as
        ``_transposed_product`` sums it), brought to the host in one
        transfer."""
        self._count_pass()
        xp = self.xp
        residual = xp.astype(residual, self.X.dtype)
        if blocked:
            g = self._transposed_product(residual)
        else:
            g = xp.astype(self.X.T @ residual, self._wide)
        parts = [xp.reshape(g.T, (-1,))]
        if self.fit_intercept:
            parts.append(xp.sum(residual, axis=0))
        return self._host(xp.concat(parts))

    def _transposed_product(self, residual):
        """``X.T @ residual`` in the widest float. A float32 ``X`` is taken
        in blocks of ``_SUM_BLOCK`` rows, one batched product in float32,
        whose partial sums are added in the widest float: the rounding
        error of a column's sum then grows with the block, not with
        ``n_samples``. (PyTorch's float32 products on a CPU summed 5093
        rows of the statsmodels fair data with an error of 7e-6, which
        kept a cross-validation fold's fit above ``tol = 1e-5``; blocked,
        its error is that of NumPy's. On a CPU the batched product costs
        about 4 plain ones, so Hessian products use the plain one.)"""
        xp, X = self.xp, self.X
        n_samples = self.n_samples
        if X.dtype == self._wide or n_samples < 2 * _SUM_BLOCK:
            return xp.astype(X.T @ residual, self._wide)
        n_blocks = n_samples // _SUM_BLOCK
        head = n_blocks * _SUM_BLOCK
        shape = (n_blocks, _SUM_BLOCK)
        rows = xp.reshape(X[:head, :], shape + (self.n_features,))
        weights = xp.reshape(residual[:head, :], shape + (residual.shape[1],))
        partial = xp.matrix_transpose(rows) @ weights
        total = xp.sum(xp.astype(partial, self._wide), axis=0)
        if head < n_samples:
            rest = X[head:, :].T @ residual[head:, :]
            total = total + xp.astype(rest, self._wide)
        return total

    def _at(self, z):
        """The scores plus the offset: where the loss is evaluated."""
        return z if self._offset is None else z + self._offset

    # -- the losses, on the device -----------------------------------------
    def _softmax_at(self, z):
        """``softmax(z)`` and ``logsumexp(z)`` per row, remembered for the
        last scores (a Newton step asks for them several times)."""
        last = self._last_softmax[0]
        if last is not None and last[0] is z:
            return last[1], last[2]
        proba, lse = softmax(self.xp, z, axis=1)
        self._last_softmax[0] = (z, proba, lse)
        return proba, lse

    def _probabilities(self, z):
        """Per-sample probabilities at scores ``z`` (with the offset): of
        class 1 for two classes, of every class otherwise."""
        u = self._at(z.array)
        if self.n_outputs == 1:
            return sigmoid(self.xp, u)
        return self._softmax_at(u)[0]

    def _sum(self, terms) -> float:
        """The weighted sum over samples of ``terms`` (one per sample)."""
        return float(self.xp.sum(self._weights * terms))

    # -- the Datafit protocol ------------------------------------------------
    def decision(self, params: np.ndarray) -> DeviceScores:
        return DeviceScores(self._matvec(params))

    def value(self, z: DeviceScores) -> float:
        xp = self.xp
        u = self._at(z.array)
        if self.n_outputs == 1:
            return self._sum(softplus(self.xp, self._sign * u))
        lse = self._softmax_at(u)[1]
        return self._sum(lse - xp.sum(self._labels * u, axis=1, keepdims=True))

    def value_change(self, z: DeviceScores, dz: DeviceScores) -> float:
        """``value(z + dz) - value(z)`` from the change itself: no
        cancellation where ``dz`` is small (as in ``_datafits``)."""
        xp = self.xp
        u, du = self._at(z.array), dz.array
        if self.n_outputs == 1:
            u, du = self._sign * u, self._sign * du
            clipped = xp.clip(du, min=-1.0, max=1.0)
            exact = xp.log1p(sigmoid(self.xp, u) * xp.expm1(clipped))
            moved = softplus(self.xp, u + du) - softplus(self.xp, u)
            return self._sum(xp.where(xp.abs(du) > 1.0, moved, exact))
        proba, lse = self._softmax_at(u)
        clipped = xp.clip(du, min=-1.0, max=1.0)
        exact = xp.log1p(xp.sum(proba * xp.expm1(clipped), axis=1, keepdims=True))
        small = xp.max(xp.abs(du), axis=1, keepdims=True) <= 1.0
        if bool(xp.all(small)):
            change = exact
        else:
            change = xp.where(small, exact, softmax(self.xp, u + du, axis=1)[1] - lse)
        change = change - xp.sum(self._labels * du, axis=1, keepdims=True)
        return self._sum(change)

    def gradient(self, z: DeviceScores) -> np.ndarray:
        # p - y before the weight: exact where p is near 1.
        residual = self._weights * (self._probabilities(z) - self._labels)
        return self._pack(residual)

    def _curvature(self, z: DeviceScores):
        """Binary: the per-sample curvature ``(s_i / S) p_i (1 - p_i)``;
        multinomial: ``(s_i / S) p_i`` (the rest is formed by products)."""
        p = self._probabilities(z)
        if self.n_outputs == 1:
            return self._weights * p * (1.0 - p)
        return self._weights * p

    def hessp(self, z: DeviceScores) -> KeepingScores:
        """The Hessian at scores ``z`` as a function ``v -> H @ v`` (two
        products with ``X`` on the device per call)."""
        xp = self.xp
        curvature = self._curvature(z)
        proba = None if self.n_outputs == 1 else self._probabilities(z)

        def product(v: np.ndarray):
            scores = self._matvec(v)
            if proba is None:
                r = curvature * scores
            else:  # (s_i / S) (diag(p) - p p^T) @ scores
                centred = scores - xp.sum(proba * scores, axis=1, keepdims=True)
                r = curvature * centred
            # One product: a Newton direction needs no more than float32's
            # own accuracy (the gradient, which tol bounds, is blocked).
            return self._pack(r, blocked=False), DeviceScores(scores)

        return KeepingScores(product)

    def _hessian(self, z: DeviceScores) -> np.ndarray:
        """The Hessian in all parameters, formed on the device over row
        blocks and returned to the host (float64, exactly symmetric)."""
        self._count_pass()
        xp = self.xp
        n_outputs, n_features = self.n_outputs, self.n_features
        width = n_features + self.fit_intercept
        size = n_outputs * width
        curvature = self._curvature(z)
        proba = None if n_outputs == 1 else self._probabilities(z)
        full = xp.zeros((size, size), dtype=self._wide, device=self.namespace.device)
        rows = max(1, _HESSIAN_BLOCK // max(size, 1))
        for start in range(0, self.n_samples, rows):
            stop = min(start + rows, self.n_samples)
            block = xp.astype(self.X[start:stop, :], self._wide)
            if self.fit_intercept:
                ones = xp.ones(
                    (stop - start, 1), dtype=self._wide, device=self.namespace.device
                )
                block = xp.concat([block, ones], axis=1)
            c = curvature[start:stop, :]
            if proba is None:
                full = full + (c * block).T @ block
                continue
            # Per class, in the layout [coef_k, intercept_k]: the K weighted
            # Gram matrices on the diagonal minus the Gram matrix of the rows
            # sqrt(s_i / S) p_i (x) x_i.
            p = proba[start:stop, :]
            root = xp.sqrt(self._weights[start:stop, :]) * p
            outer = xp.reshape(root[:, :, None] * block[:, None, :], (stop - start, -1))
            full = full - outer.T @ outer
            for k in range(n_outputs):
                diagonal = (c[:, k : k + 1] * block).T @ block
                span = slice(k * width, (k + 1) * width)
                full[span, span] = full[span, span] + diagonal
        hessian = self._host(full)
        order = per_class_order(n_outputs, n_features, self.fit_intercept)
        hessian = hessian[np.ix_(order, order)]
        return 0.5 * (hessian + hessian.T)

    def explicit_hessian(self, z: DeviceScores) -> np.ndarray | None:
        if self.n_params > EXPLICIT_HESSIAN_MAX:
            return None
        return self._hessian(z)

    def working_hessian(self, z: DeviceScores, max_values: int) -> np.ndarray | None:
        if self.n_params**2 > max_values:
            return None
        return self._hessian(z)

    def partial_hessian(self, z, features, max_values):
        """None: products are the cheaper way on a device."""
        return None

    def class_totals(self) -> np.ndarray:
        """The normalized weight of each class."""
        return np.bincount(self.codes, weights=self.weights, minlength=self.n_classes)

    def class_curvature(self, z: DeviceScores) -> np.ndarray:
        """The weighted mean curvature in the scores (``n_outputs`` square)."""
        xp = self.xp
        curvature = self._curvature(z)
        if self.n_outputs == 1:
            return np.array([[float(xp.sum(curvature))]])
        proba = self._probabilities(z)
        matrix = self._host(curvature.T @ proba)
        matrix = np.diag(self._host(xp.sum(curvature, axis=0))) - matrix
        return 0.5 * (matrix + matrix.T)

    def weighted_gram(self, max_values: int) -> tuple[np.ndarray, np.ndarray, float]:
        """``X.T S X``, ``X.T S 1`` and ``sum(S)``, formed on the device."""
        self._count_pass()
        return weighted_gram_on_device(self.X, self.weights, self.namespace)

    def column_moments(
        self, centred: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The weighted mean and standard deviation of every column, as
        ``_datafits.column_moments`` gives them (sums on the device)."""
        self._count_pass()
        xp = self.xp
        centred = self.fit_intercept if centred is None else centred
        wide = xp.astype(self.X, self._wide)
        first = self._host(xp.sum(self._weights * wide, axis=0))
        second = self._host(xp.sum(self._weights * wide * wide, axis=0))
        return moments_of_sums(first, second, float(np.sum(self.weights)), centred)

    def with_data(self, X) -> ArrayApiLogisticLoss:
        """The same labels and weights with another ``X`` of the same rows."""
        return ArrayApiLogisticLoss(
            X,
            self.codes,
            self.weights,
            self.fit_intercept,
            self.n_classes,
            self.offset,
            self.namespace,
        )

    def restrict(self, features: np.ndarray) -> ArrayApiLogisticLoss:
        """The same datafit on a device copy of the columns ``features``."""
        index = self._device(np.asarray(features), self.xp.int64)
        sub = self.with_data(self.xp.take(self.X, index, axis=1))
        sub.share = self.share * len(features) / max(self.n_features, 1)
        return sub

    def stored_values(self, features: np.ndarray | None = None) -> int:
        width = self.n_features if features is None else len(features)
        return self.n_samples * width


def weighted_gram_on_device(X, weights: np.ndarray, namespace: Namespace | None = None):
    """``_datafits.weighted_gram`` of an ``X`` of another array library:
    ``X.T W X`` and ``X.T W 1`` formed on its device in ``X``'s dtype (as
    the NumPy version forms them), returned to the host as float64."""
    namespace = namespace_of(X) if namespace is None else namespace
    root = namespace.asarray(np.sqrt(weights)[:, None], X.dtype)
    scaled = X * root
    gram = namespace.to_numpy(scaled.T @ scaled).astype(np.float64)
    moment = namespace.to_numpy(scaled.T @ root)[:, 0].astype(np.float64)
    return gram, moment, float(np.sum(weights))
