"""Logistic datafits: the weighted mean log-loss, its gradient and Hessian.

A datafit owns ``X``, the encoded targets and the normalized sample weights
``s_i / S``, and evaluates the data term of the objective

    L(W, b) = sum_i (s_i / S) * logloss(y_i, x_i @ W.T + b)

at a flat parameter vector ``params = [W.ravel(), b]``: the ``n_coef``
penalized coefficients first (``W`` has shape ``(n_outputs, n_features)``),
then the ``n_outputs`` unpenalized intercepts when ``fit_intercept`` is true.

Solvers only see this protocol, so they work unchanged on dense, sparse,
float32 and float64 ``X``:

- ``decision(params)``: the scores ``z = X @ W.T + b`` (linear in ``params``:
  one pass over ``X``);
- ``value(z)``, ``gradient(z)`` (one pass), ``value_grad(params)``,
  ``hessp(z)`` (a function ``v -> H v``, two passes per product; it keeps
  the scores of its last ``v``, ``decision(v)``, as its ``.scores``, so a
  solver can have the scores of a combination of products for free);
- ``value_change(z, dz)``: ``value(z + dz) - value(z)`` computed from the
  difference itself, accurate to rounding of the *change* rather than of the
  value. Line searches near the optimum compare changes of 1e-20 on values of
  about 1; a plain subtraction of two values cannot resolve that.

Products with ``X`` run in ``X``'s own dtype, so float32 data is never copied
to float64; everything of size ``n_samples`` or ``n_coef`` is float64.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from .._array_api import namespace_of
from ._contract import HessianProduct

#: A step in some parameters -> the change of the scores.
ScoreChange = Callable[[np.ndarray], np.ndarray]

# Row blocks of at most this many values when summing over the rows.
_ROW_BLOCK = 1 << 20
# A column's variance below this many ulps of its mean square is rounding
# error: the column is constant (its relative deviation is below ~1e-7).
_VARIANCE_ULPS = 64
# A binary working set's Hessian is formed from a dense copy of its columns
# up to this many columns: dense BLAS products beat sparse-sparse ones.
_MAX_DENSE_COLUMNS = 32


# Values (rows x classes x columns) of the temporary a multinomial Hessian
# is formed from, per block of rows: 8 MB.
_HESSIAN_BLOCK = 1 << 20

# A Hessian of a dense ``X`` whose rows x parameters hold at most this many
# values is formed in one block from ``_SmallParts`` (few numpy calls).
_SMALL_HESSIAN = 1 << 18


def per_class_order(n_outputs: int, n_features: int, fit_intercept: bool) -> np.ndarray:
    """For each flat parameter (``[W.ravel(), b]``), its index in the
    per-class layout ``[coef_0, intercept_0, coef_1, intercept_1, ...]``
    that Hessians are formed in."""
    width = n_features + fit_intercept
    per_class = np.arange(n_outputs)[:, None] * width
    order = (per_class + np.arange(n_features)).ravel()
    if fit_intercept:
        order = np.concatenate([order, per_class[:, 0] + n_features])
    return order


class _SmallParts:
    """What a small Hessian is formed from, once per ``columns``
    (``_LinearDatafit._small``): the rows ``sqrt(s_i / S) [x_i, 1]``
    (float64; without the 1 when there is no intercept) and the flat
    indices that permute a matrix from the per-class layout ``[coef_k,
    intercept_k]`` to the params layout."""

    def __init__(
        self, columns: np.ndarray, weights: np.ndarray, n_classes: int, intercept: bool
    ) -> None:
        n_columns = columns.shape[1]
        self.width = n_columns + intercept
        root = np.sqrt(weights)[:, None]
        rows = np.empty((columns.shape[0], self.width))
        np.multiply(root, columns, out=rows[:, :n_columns])
        if intercept:
            rows[:, n_columns:] = root
        self.root_rows = rows
        order = per_class_order(n_classes, n_columns, intercept)
        self.size = order.size
        self.to_params = (order[:, None] * self.size + order).ravel()


# Reductions over the K classes of an (n_samples, K) array. numpy reduces a
# short inner axis element by element (``a.sum(axis=1)`` is ~4x slower than
# ``a @ ones``, ``scipy.special.softmax`` ~35x slower than ``np.exp``), and
# these run in every evaluation of the multinomial loss.


def _row_sum(a: np.ndarray) -> np.ndarray:
    """Row sums of a 2-D array (a matrix-vector product)."""
    return a @ np.ones(a.shape[1])


def _row_max(a: np.ndarray) -> np.ndarray:
    """Row maxima of a 2-D array (columnwise ``np.maximum``)."""
    out = a[:, 0].copy()
    for k in range(1, a.shape[1]):
        np.maximum(out, a[:, k], out=out)
    return out


# Scores within this bound need no shift: exp(z) neither overflows nor
# leaves the normal range, and row sums of up to 1e170 such terms are finite.
_UNSHIFTED_MAX = 300.0


def _shifted_exp(z: np.ndarray) -> tuple[np.ndarray, np.ndarray | float]:
    """``exp(z - m)`` and the row maxima ``m`` (0 where not finite, as in
    ``scipy.special.logsumexp``): every entry is at most 1, so the row sums
    neither overflow nor vanish. When every score is within
    ``_UNSHIFTED_MAX`` the shift is 0 (a plain ``exp``, a third of the cost
    on small data; the row sums are as safe)."""
    bound = _UNSHIFTED_MAX
    if z.size and -bound <= float(z.min()) and float(z.max()) <= bound:
        return np.exp(z), 0.0  # NaN fails both tests
    m = _row_max(z)
    m[~np.isfinite(m)] = 0.0
    return np.exp(z - m[:, None]), m


def _logsumexp(z: np.ndarray) -> np.ndarray:
    """``log(sum_k exp(z_k))`` per row, without overflow."""
    e, m = _shifted_exp(z)
    return m + np.log(_row_sum(e))


class PassCount:
    """Passes over ``X`` of the datafits evaluated within ``counting_passes``:
    each product ``X @ w`` or ``X.T @ r`` and each formed Hessian counts
    one, times the fraction of ``X``'s columns it touches (a working set's
    copy touches fewer)."""

    def __init__(self) -> None:
        self.passes = 0.0


_PASS_COUNT: ContextVar[PassCount | None] = ContextVar("pass_count", default=None)


@contextmanager
def counting_passes() -> Iterator[PassCount]:
    """Count the passes over ``X`` of every fit in the block (this thread),
    as benchmarks report them::

        with counting_passes() as count:
            estimator.fit(X, y)
        count.passes
    """
    count = PassCount()
    token = _PASS_COUNT.set(count)
    try:
        yield count
    finally:
        _PASS_COUNT.reset(token)


def count_pass(share: float = 1.0) -> None:
    """Count ``share`` of a pass over ``X`` in the active ``counting_passes``."""
    count = _PASS_COUNT.get()
    if count is not None:
        count.passes += share


def uncounted(function: Callable, *args, **kwargs):
    """``function(*args, **kwargs)`` counting no pass: for the per-chunk work
    of a distributed pass, which its caller counts as one."""
    return contextvars.Context().run(function, *args, **kwargs)


def weighted_gram(X, weights: np.ndarray, max_values: int):
    """``X.T W X``, ``X.T W 1`` and ``sum(W)`` for ``W = diag(weights)``,
    over row blocks of at most ``max_values`` values (dense or sparse
    ``X``; no copy of ``X``; another array library's ``X`` on its device)."""
    if namespace_of(X) is not None:
        from ._array_api_datafit import weighted_gram_on_device

        return weighted_gram_on_device(X, weights)
    n_samples, n_features = X.shape
    gram = np.zeros((n_features, n_features))
    moment = np.zeros(n_features)
    rows = max(1, max_values // max(n_features, 1))
    for start in range(0, n_samples, rows):
        block = X[start : start + rows]
        block = block.toarray() if sp.issparse(block) else np.asarray(block)
        root = np.sqrt(weights[start : start + rows])
        scaled = block * root[:, None].astype(block.dtype)
        gram += scaled.T @ scaled  # syrk
        moment += scaled.T @ root.astype(block.dtype)
    return gram, moment, float(np.sum(weights))


def column_moments(
    X, weights: np.ndarray, fit_intercept: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The ``weights``-weighted mean and standard deviation of every column
    of ``X`` (the mean 0 and the root mean square without an intercept,
    which cannot absorb the means); a constant or zero column's deviation
    and mean are 0."""
    n_features = X.shape[1]
    first, second = np.zeros(n_features), np.zeros(n_features)
    rows = max(1, _ROW_BLOCK // max(n_features, 1))
    for start in range(0, X.shape[0], rows):
        block = X[start : start + rows]
        w = weights[start : start + rows]
        if sp.issparse(block):
            first += np.asarray(block.T @ w, dtype=np.float64).ravel()
            second += np.asarray(block.multiply(block).T @ w).ravel()
        else:
            block = np.asarray(block, dtype=np.float64)
            first += block.T @ w
            second += np.square(block).T @ w
    return moments_of_sums(first, second, float(np.sum(weights)), fit_intercept)


def moments_of_sums(
    first: np.ndarray, second: np.ndarray, total: float, fit_intercept: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``column_moments`` from the weighted column sums of ``x`` (``first``)
    and ``x**2`` (``second``) and the total weight (1, up to rounding)."""
    n_features = first.shape[0]
    mean = first / total if fit_intercept else np.zeros(n_features)
    square = second / total
    variance = np.maximum(square - mean * mean, 0.0)
    deviation = np.sqrt(variance)
    # A constant column, whose variance is rounding error of E[x^2] - E[x]^2
    # (a few ulps of E[x^2]), or a zero one.
    resolution = _VARIANCE_ULPS * np.finfo(np.float64).eps * square
    flat = ~np.isfinite(deviation) | (variance <= resolution)
    deviation[flat] = 0.0
    mean[flat | ~np.isfinite(mean)] = 0.0
    return mean, deviation


class KeepingScores:
    """A Hessian-vector product ``v -> H v`` that keeps ``decision(v)`` of its
    last ``v`` as ``.scores``. (A plain closure setting an attribute on
    itself would be a reference cycle, and every Hessian's arrays would wait
    for the cyclic garbage collector.)"""

    __slots__ = ("_product", "scores")

    def __init__(self, product) -> None:
        self._product = product
        self.scores = None

    def __call__(self, v: np.ndarray) -> np.ndarray:
        hv, self.scores = self._product(v)
        return hv


class FlatParameters:
    """The flat parameter layout ``[W.ravel(), b]`` every datafit shares
    (``W`` of shape ``(n_outputs, n_features)``, ``b`` only with an
    intercept), and what follows from the protocol alone."""

    def __init__(self, n_outputs: int, n_features: int, fit_intercept: bool) -> None:
        self.n_outputs = n_outputs
        self.n_features = n_features
        self.fit_intercept = fit_intercept
        self.n_coef = n_outputs * n_features
        self.n_params = self.n_coef + (n_outputs if fit_intercept else 0)

    def split(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Views of ``params`` as coefficients ``(n_outputs, n_features)`` and
        intercepts ``(n_outputs,)`` (zeros without an intercept)."""
        coef = params[: self.n_coef].reshape(self.n_outputs, self.n_features)
        if self.fit_intercept:
            return coef, params[self.n_coef :]
        return coef, np.zeros(self.n_outputs)

    def restrict_params(self, params: np.ndarray, features: np.ndarray) -> np.ndarray:
        """``params`` of this datafit -> params of ``restrict(features)``, the
        same datafit on the columns ``features`` of ``X`` only, which a
        working-set solver iterates on."""
        coef, _ = self.split(params)
        return np.concatenate([coef[:, features].ravel(), params[self.n_coef :]])

    def expand_params(
        self, params: np.ndarray, restricted: np.ndarray, features: np.ndarray
    ) -> np.ndarray:
        """Write the params of ``restrict(features)`` back into a copy of
        ``params``; coefficients outside ``features`` are set to zero."""
        out = np.zeros_like(params)
        coef = out[: self.n_coef].reshape(self.n_outputs, self.n_features)
        n_sub = self.n_outputs * features.size
        coef[:, features] = restricted[:n_sub].reshape(self.n_outputs, features.size)
        out[self.n_coef :] = restricted[n_sub:]
        return out

    def value_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Value and flat gradient at ``params``."""
        z = self.decision(params)
        return self.value(z), self.gradient(z)


class _LinearDatafit(FlatParameters):
    """The parts shared by the binary and the multinomial datafit."""

    n_outputs: int

    def __init__(
        self, X, weights: np.ndarray, fit_intercept: bool, offset: np.ndarray | None
    ) -> None:
        super().__init__(self.n_outputs, X.shape[1], fit_intercept)
        self.X = X
        self.weights = weights
        # A fixed term added to every score (None: 0), shaped and ordered as
        # the scores: the loss is taken at X @ w + b + offset. ``decision``
        # stays linear in the parameters (solvers map steps through it);
        # the loss methods add the offset (``_at``).
        self.offset = offset
        self.n_samples = X.shape[0]
        self.dtype = X.dtype
        # The fraction of the original X's columns this datafit's X holds
        # (below 1 for a working set's copy): what one product counts.
        self.share = 1.0
        # Column sums of per-sample residuals (the intercepts' gradient) as a
        # vector-matrix product: faster than summing a short axis.
        self._ones = np.ones(X.shape[0])
        # scipy builds a new matrix object for every X.T (50 us: most of a
        # product on small data); this view shares X's arrays.
        self._XT = X.T if sp.issparse(X) else None
        self._small_parts: _SmallParts | None = None  # see ``_small``

    def _at(self, z: np.ndarray) -> np.ndarray:
        """The scores ``z`` plus the offset: where the loss is evaluated."""
        return z if self.offset is None else z + self.offset

    def _count_pass(self, n_columns: int | None = None) -> None:
        """Count a pass over ``X`` (over ``n_columns`` of its columns)."""
        touched = 1.0 if n_columns is None else n_columns / max(self.n_features, 1)
        count_pass(self.share * touched)

    def _restricted(self, sub: _LinearDatafit, features: np.ndarray) -> _LinearDatafit:
        """``sub``, the datafit of a copy of the columns ``features``, with
        its share of the original columns."""
        sub.share = self.share * features.size / max(self.n_features, 1)
        return sub

    def _matvec(self, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        """``X @ coef.T + intercept`` as float64, computed in ``X``'s dtype."""
        self._count_pass()
        # A contiguous right-hand side: OpenBLAS takes up to twice as long on
        # the transposed view when there are several classes.
        z = self.X @ np.ascontiguousarray(coef.T, dtype=self.X.dtype)
        z = np.asarray(z, dtype=np.float64)
        z += intercept
        return z

    def _rmatvec(self, residual: np.ndarray) -> np.ndarray:
        """``residual.T @ X`` (shape ``(n_outputs, n_features)``) as float64."""
        self._count_pass()
        r = residual.astype(self.X.dtype, copy=False)
        if self._XT is not None:
            g = (self._XT @ r).T
        else:
            g = r.T @ self.X
        return np.asarray(g, dtype=np.float64)

    def _small(self, columns: np.ndarray) -> _SmallParts | None:
        """The ``_SmallParts`` of a dense ``columns`` whose Hessian holds at
        most ``_SMALL_HESSIAN`` values of rows times parameters (kept for
        ``X`` itself), else None."""
        width = columns.shape[1] + self.fit_intercept
        if sp.issparse(columns) or columns.shape[0] * self.n_outputs * width > (
            _SMALL_HESSIAN
        ):
            return None
        if columns is self.X and self._small_parts is not None:
            return self._small_parts
        small = _SmallParts(columns, self.weights, self.n_outputs, self.fit_intercept)
        if columns is self.X:
            self._small_parts = small
        return small

    def stored_values(self, features: np.ndarray | None = None) -> int:
        """How many values a copy of the columns ``features`` of ``X`` holds
        (all of them for None): ``n_samples * len(features)`` if dense, their
        non-zeros if sparse."""
        if features is None:
            return self.X.nnz if sp.issparse(self.X) else self.X.size
        if not sp.issparse(self.X):
            return self.X.shape[0] * features.size
        if self.X.format == "csc":
            return int(np.sum(np.diff(self.X.indptr)[features]))
        if not hasattr(self, "_column_counts"):  # CSR: one O(nnz) count, cached
            self._column_counts = np.bincount(self.X.indices, minlength=self.n_features)
        return int(np.sum(self._column_counts[features]))

    def explicit_hessian(self, z: np.ndarray) -> np.ndarray | None:
        """The Hessian in all parameters at scores ``z`` for a dense ``X``
        (what a solver may factorize when there are few parameters); None
        for a sparse ``X``, where scipy's per-product overhead on the blocks
        costs more than Hessian-vector products."""
        if sp.issparse(self.X):
            return None
        return self.hessian(z, self.X)

    def working_hessian(self, z: np.ndarray, max_values: int) -> np.ndarray | None:
        """The Hessian in all parameters at scores ``z``, dense or sparse
        ``X`` (a working set's columns), or None if it would hold more than
        ``max_values`` values."""
        if self.n_params**2 > max_values:
            return None
        return self.hessian(z, self.X)

    def partial_hessian(
        self, z: np.ndarray, features: np.ndarray, max_values: int
    ) -> tuple[np.ndarray, ScoreChange] | None:
        """None: products are the cheaper way (see ``BinaryLogisticLoss``)."""
        return None

    def weighted_gram(self, max_values: int) -> tuple[np.ndarray, np.ndarray, float]:
        """``X.T S X``, ``X.T S 1`` and ``sum(S)`` for the normalized sample
        weights ``S``, over row blocks of at most ``max_values`` values."""
        self._count_pass()
        return weighted_gram(self.X, self.weights, max_values)

    def column_moments(
        self, centred: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The weighted mean and standard deviation of every column (see
        ``column_moments``); ``centred`` (default: ``fit_intercept``) says
        whether they are the mean and the centred deviation."""
        self._count_pass()
        centred = self.fit_intercept if centred is None else centred
        return column_moments(self.X, self.weights, centred)

    def _pack(self, g_coef: np.ndarray, residual: np.ndarray) -> np.ndarray:
        """Flat gradient from the coefficient part and the per-sample residuals."""
        if not self.fit_intercept:
            return g_coef.ravel()
        if residual.shape[1] == 1:
            intercept = residual.sum(axis=0)
        else:
            intercept = self._ones @ residual
        return np.concatenate([g_coef.ravel(), intercept])


class BinaryLogisticLoss(_LinearDatafit):
    """Weighted mean binary log-loss with labels ``y`` in {0, 1}.

    ``logloss(y, z) = log(1 + exp(-z))`` if ``y == 1`` else ``log(1 + exp(z))``.
    """

    n_outputs = 1

    def __init__(
        self,
        X,
        y: np.ndarray,
        weights: np.ndarray,
        fit_intercept: bool,
        offset: np.ndarray | None = None,
    ):
        super().__init__(X, weights, fit_intercept, offset)
        self.y = np.asarray(y, dtype=np.float64)
        # logloss = softplus(sign * z) = log(1 + exp(sign * z))
        self._sign = 1.0 - 2.0 * self.y

    def class_totals(self) -> np.ndarray:
        """Total normalized weight of class 0 and of class 1."""
        positive = float(self.weights @ self.y)
        return np.array([1.0 - positive, positive])

    def with_data(self, X) -> BinaryLogisticLoss:
        """The same labels and weights with the rows of another ``X``."""
        return BinaryLogisticLoss(
            X, self.y, self.weights, self.fit_intercept, self.offset
        )

    def restrict(self, features: np.ndarray) -> BinaryLogisticLoss:
        return self._restricted(self.with_data(self.X[:, features]), features)

    def partial_hessian(
        self, z: np.ndarray, features: np.ndarray, max_values: int
    ) -> tuple[np.ndarray, ScoreChange] | None:
        """For a sparse ``X``: the Hessian in the coefficients of ``features``
        and the intercept, formed from a copy of those columns (dense when
        few), and the function from a step in those parameters to the change
        of the scores. A working set of a sparse ``X`` is solved faster this
        way than by Hessian products, whose per-product overhead in scipy
        dominates. None for a dense ``X`` (``explicit_hessian`` and products
        serve it) or when the matrix or the copy exceeds ``max_values``."""
        n_free = features.size
        if not sp.issparse(self.X) or (n_free + 1) ** 2 > max_values:
            return None
        if self.stored_values() > max_values and self.stored_values(features) > (
            max_values
        ):
            return None
        # All columns free (as often in a working set): no copy to make.
        columns = self.X if n_free == self.n_features else self.X[:, features]
        if n_free <= _MAX_DENSE_COLUMNS and 2 * self.n_samples * n_free <= max_values:
            columns = columns.toarray()
        hessian = self.hessian(z, columns)

        def score_change(step: np.ndarray) -> np.ndarray:
            self._count_pass(n_free)
            dz = np.asarray(columns @ step[:n_free].astype(columns.dtype))
            dz = dz.astype(np.float64, copy=False).ravel()
            return dz + (step[n_free] if self.fit_intercept else 0.0)

        return hessian, score_change

    def decision(self, params: np.ndarray) -> np.ndarray:
        return self._matvec(*self.split(params))[:, 0]

    def value(self, z: np.ndarray) -> float:
        # log(1 + exp(u)) = max(u, 0) + log1p(exp(-|u|)) never overflows: the
        # formula of np.logaddexp(0, u), in whole-array steps at half its
        # time (its per-element branches dominate on 20000 rows).
        u = self._sign * self._at(z)
        softplus = np.abs(u)
        np.negative(softplus, out=softplus)
        np.exp(softplus, out=softplus)
        np.log1p(softplus, out=softplus)
        softplus += np.maximum(u, 0.0)
        return float(self.weights @ softplus)

    def value_change(self, z: np.ndarray, dz: np.ndarray) -> float:
        u, du = self._sign * self._at(z), self._sign * dz
        # softplus(u + du) - softplus(u) = log1p(expit(u) * expm1(du)), with no
        # cancellation; a large |du| is resolved by the plain difference.
        change = np.log1p(expit(u) * np.expm1(np.clip(du, -1.0, 1.0)))
        big = np.flatnonzero(np.abs(du) > 1.0)
        if big.size:
            ub = u[big]
            change[big] = np.logaddexp(0.0, ub + du[big]) - np.logaddexp(0.0, ub)
        return float(self.weights @ change)

    def gradient(self, z: np.ndarray) -> np.ndarray:
        # expit is the overflow-free sigmoid.
        residual = (self.weights * (expit(self._at(z)) - self.y))[:, None]
        return self._pack(self._rmatvec(residual), residual)

    def curvature(self, z: np.ndarray) -> np.ndarray:
        """Per-sample second derivatives of the data term at scores ``z``:
        ``(s_i / S) * p_i * (1 - p_i)``, ``p = expit(z + offset)``."""
        p = expit(self._at(z))
        return self.weights * p * (1.0 - p)

    def class_curvature(self, z: np.ndarray) -> np.ndarray:
        """The mean curvature ``sum_i (s_i / S) * p_i * (1 - p_i)`` at scores
        ``z``, as a 1 x 1 matrix (see ``MultinomialLoss.class_curvature``)."""
        return np.array([[float(np.sum(self.curvature(z)))]])

    def hessian(self, z: np.ndarray, columns) -> np.ndarray:
        """The Hessian at scores ``z`` in the coefficients of ``columns`` (a
        column subset of ``X``, dense or sparse) and the intercept: a dense
        float64 matrix of size ``n_columns (+ 1)``."""
        self._count_pass(columns.shape[1])
        small = self._small(columns)
        if small is not None:
            # Few numpy calls (their overhead is a small fit's cost): the
            # rows sqrt(s_i / S) [x_i, 1], formed once, times sqrt(p (1 - p)).
            p = expit(self._at(z))
            weighted = small.root_rows * np.sqrt(p * (1.0 - p))[:, None]
            return weighted.T @ weighted  # syrk: exactly symmetric
        curvature = self.curvature(z)
        if sp.issparse(columns):
            weighted = sp.diags_array(curvature.astype(columns.dtype)) @ columns
            block = (columns.T @ weighted).toarray()
            block = 0.5 * (block + block.T)  # exactly symmetric
        else:  # W.T @ W with W = sqrt(curvature) * columns: numpy uses syrk
            root = np.sqrt(curvature).astype(columns.dtype)
            weighted = root[:, None] * columns
            block = weighted.T @ weighted
        block = np.asarray(block, dtype=np.float64)
        if not self.fit_intercept:
            return block
        cross = np.asarray(columns.T @ curvature, dtype=np.float64).ravel()
        size = block.shape[0] + 1
        full = np.empty((size, size))
        full[:-1, :-1] = block
        full[:-1, -1] = full[-1, :-1] = cross
        full[-1, -1] = curvature.sum()
        return full

    def hessp(self, z: np.ndarray) -> HessianProduct:
        """The Hessian at scores ``z`` as a function ``v -> H @ v``."""
        curvature = self.curvature(z)[:, None]

        def product(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            scores = self._matvec(*self.split(v))
            r = curvature * scores
            return self._pack(self._rmatvec(r), r), scores[:, 0]

        return KeepingScores(product)


class MultinomialLoss(_LinearDatafit):
    """Weighted mean multinomial (softmax) log-loss with labels ``y`` in 0..K-1.

    ``logloss(y, z) = logsumexp(z) - z[y]`` for a row ``z`` of K scores.
    """

    def __init__(
        self,
        X,
        y: np.ndarray,
        weights: np.ndarray,
        fit_intercept: bool,
        n_classes: int,
        offset: np.ndarray | None = None,
    ) -> None:
        self.n_outputs = n_classes
        super().__init__(X, weights, fit_intercept, offset)
        self.y = np.asarray(y, dtype=np.intp)
        self._rows = np.arange(self.y.shape[0])
        # [z, softmax(z), logsumexp(z)] of the last scores, shared with the
        # datafits of column subsets (``restrict``): the softmax depends on
        # the scores alone, and a working-set solver evaluates the full
        # datafit and its restriction at the same scores.
        self._last_softmax: list = [None]

    def _softmax_at(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``softmax(z)`` and ``logsumexp(z)`` per row, remembered for the last
        ``z`` (read-only): a Newton step asks for the gradient, the Hessian,
        the mean curvature, the line search and the value at the same
        scores, and the softmax costs as much as a product with ``X`` on
        small data. Compared by value, so a solver that updates its scores
        in place never gets stale ones."""
        last = self._last_softmax[0]
        if last is not None and last[0].shape == z.shape and np.array_equal(last[0], z):
            return last[1], last[2]
        e, m = _shifted_exp(z)
        total = _row_sum(e)
        e /= total[:, None]
        lse = np.log(total)
        lse += m
        e.flags.writeable = lse.flags.writeable = False
        self._last_softmax[0] = (np.copy(z), e, lse)  # in z's memory order
        return e, lse

    def _probabilities(self, z: np.ndarray) -> np.ndarray:
        """``softmax(z)`` (read-only; see ``_softmax_at``)."""
        return self._softmax_at(z)[0]

    def class_totals(self) -> np.ndarray:
        """Total normalized weight ``sum of s_i / S`` of each class."""
        return np.bincount(self.y, weights=self.weights, minlength=self.n_outputs)

    def with_data(self, X) -> MultinomialLoss:
        """The same labels and weights with the rows of another ``X``."""
        return MultinomialLoss(
            X, self.y, self.weights, self.fit_intercept, self.n_outputs, self.offset
        )

    def restrict(self, features: np.ndarray) -> MultinomialLoss:
        sub = self.with_data(self.X[:, features])
        sub._last_softmax = self._last_softmax
        return self._restricted(sub, features)

    def decision(self, params: np.ndarray) -> np.ndarray:
        return self._matvec(*self.split(params))

    def _matvec(self, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        """``X @ coef.T + intercept`` as float64, for a dense ``X`` in
        class-major memory order: the transpose of a C-ordered ``(K,
        n_samples)`` array. BLAS forms ``coef @ X.T`` in 0.6x the time of
        ``X @ coef.T`` (digits, 10 classes), reductions over the classes run
        over contiguous columns (7x faster than over short rows), and
        ``residual.T @ X`` gets a contiguous left factor. Every operation on
        scores keeps their order (elementwise ufuncs, ``np.copy``)."""
        if sp.issparse(self.X):
            return super()._matvec(coef, intercept)
        self._count_pass()
        scores = coef.astype(self.X.dtype, copy=False) @ self.X.T
        scores = np.asarray(scores, dtype=np.float64)
        scores += intercept[:, None]
        return scores.T

    def value(self, z: np.ndarray) -> float:
        z = self._at(z)
        return float(self.weights @ (self._softmax_at(z)[1] - z[self._rows, self.y]))

    def value_change(self, z: np.ndarray, dz: np.ndarray) -> float:
        z = self._at(z)
        change = -dz[self._rows, self.y]
        proba, lse = self._softmax_at(z)
        # logsumexp(z + dz) - logsumexp(z) = log1p(sum_k p_k * expm1(dz_k)),
        # p = softmax(z), with no cancellation; large rows by plain difference.
        magnitude = np.abs(dz)
        if float(np.max(magnitude, initial=0.0)) <= 1.0:  # near a minimizer
            change += np.log1p(_row_sum(proba * np.expm1(dz)))
            return float(self.weights @ change)
        # Whole-array operations and a selection: boolean indexing of the
        # rows costs more than computing both forms everywhere.
        moved = _logsumexp(z + dz) - lse
        small = _row_max(magnitude) <= 1.0
        if small.any():
            # Clipped where unused: no row sum of -1 there, no log1p(-1).
            exact = np.log1p(_row_sum(proba * np.expm1(np.clip(dz, -1.0, 1.0))))
            moved = np.where(small, exact, moved)
        change += moved
        return float(self.weights @ change)

    def gradient(self, z: np.ndarray) -> np.ndarray:
        # p - 1 before the weight: exact where p is near 1 (w * p - w is not).
        residual = np.copy(self._probabilities(self._at(z)))  # in z's order
        residual[self._rows, self.y] -= 1.0
        residual *= self.weights[:, None]
        return self._pack(self._rmatvec(residual), residual)

    def class_curvature(self, z: np.ndarray) -> np.ndarray:
        """The mean curvature over samples, ``sum_i (s_i / S) * (diag(p_i) -
        p_i p_i^T)`` at scores ``z`` (K x K): the Hessian is this times
        ``[X 1].T W [X 1]`` when every sample has the same probabilities."""
        proba = self._probabilities(self._at(z))
        weighted = self.weights[:, None] * proba
        curvature = np.diag(np.ones(proba.shape[0]) @ weighted) - weighted.T @ proba
        return 0.5 * (curvature + curvature.T)

    def hessian(self, z: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """The Hessian at scores ``z`` in the coefficients of ``columns`` (a
        column subset of ``X``, dense or sparse; class-major, as in
        ``params``) and the intercepts: a dense float64 matrix of size
        ``K * n_columns (+ K)``.

        Block ``(k, l)`` is ``columns.T @ diag(d_kl) @ columns`` with
        ``d_kl = (s_i / S) * p_ik * (delta_kl - p_il)``: the sum over samples
        of ``(diag(p_i) - p_i p_i^T) (x) x_i x_i^T`` (``x_i`` with a 1 for the
        intercept), formed as K weighted Gram matrices minus one Gram matrix
        of the rows ``p_i (x) x_i``, over row blocks of bounded size."""
        self._count_pass(columns.shape[1])
        proba = self._probabilities(self._at(z))
        n_classes = self.n_outputs
        if sp.issparse(columns):
            return self._sparse_hessian(proba, columns)
        small = self._small(columns)
        if small is not None:
            return self._small_hessian(proba, small)
        # Formed directly in the params layout (every class's coefficients,
        # then the intercepts): no reordering copy of the matrix.
        n_features = columns.shape[1]
        n_coef = n_classes * n_features
        size = n_coef + (n_classes if self.fit_intercept else 0)
        full = np.zeros((size, size))
        rows = max(1, _HESSIAN_BLOCK // size)
        for start in range(0, columns.shape[0], rows):
            block = np.asarray(columns[start : start + rows], dtype=np.float64)
            weights = self.weights[start : start + rows]
            p = proba[start : start + rows]
            weighted = weights[:, None] * p
            # Coefficient j of class k against intercept k.
            cross = block.T @ weighted if self.fit_intercept else None
            for k in range(n_classes):
                coef_k = slice(k * n_features, (k + 1) * n_features)
                full[coef_k, coef_k] += block.T @ (weighted[:, k : k + 1] * block)
                if cross is not None:
                    full[coef_k, n_coef + k] += cross[:, k]
                    full[n_coef + k, coef_k] += cross[:, k]
            root = np.sqrt(weights)[:, None] * p
            outer = root[:, :, None] * block[:, None, :]
            outer = outer.reshape(block.shape[0], n_coef)
            if self.fit_intercept:
                full.flat[n_coef * (size + 1) :: size + 1] += weighted.sum(axis=0)
                outer = np.hstack([outer, root])
            full -= outer.T @ outer
        return 0.5 * (full + full.T)  # exactly symmetric, as solvers expect

    def _small_hessian(self, proba: np.ndarray, small: _SmallParts) -> np.ndarray:
        """``hessian`` for a small dense ``columns`` (``small``: its parts,
        ``_LinearDatafit._small``) in one block and few
        numpy calls (their overhead, not the arithmetic, is a small fit's
        cost): formed class by class in the layout ``[coef_k, intercept_k]``
        from the rows ``x~_i = [x_i, 1]`` -- K weighted Gram matrices of
        ``x~`` on the diagonal blocks minus the Gram matrix of the rows
        ``sqrt(s_i / S) p_i (x) x~_i`` -- then permuted to the params
        layout."""
        n_classes, width = self.n_outputs, small.width
        outer = (proba[:, :, None] * small.root_rows[:, None, :]).reshape(
            -1, n_classes * width
        )
        full = outer.T @ outer  # syrk: exactly symmetric
        diagonal = outer.T @ small.root_rows
        np.negative(full, out=full)
        for k in range(n_classes):
            block = slice(k * width, (k + 1) * width)
            full[block, block] += diagonal[block]
        full = full.ravel()[small.to_params].reshape(small.size, small.size)
        return 0.5 * (full + full.T)  # the diagonal blocks' rounding

    def _sparse_hessian(self, proba: np.ndarray, columns) -> np.ndarray:
        """``hessian`` for a sparse ``columns``, block by block."""
        n_classes, m = self.n_outputs, columns.shape[1]
        n_coef = n_classes * m
        size = n_coef + (n_classes if self.fit_intercept else 0)
        full = np.empty((size, size))
        for k in range(n_classes):
            for j in range(k, n_classes):
                d = self.weights * proba[:, k] * (float(k == j) - proba[:, j])
                d = d.astype(columns.dtype)
                weighted = sp.diags_array(d) @ columns
                block = (columns.T @ weighted).toarray().astype(np.float64)
                if k == j:  # exactly symmetric, as conjugate gradients expect
                    block = 0.5 * (block + block.T)
                rows, cols = slice(k * m, (k + 1) * m), slice(j * m, (j + 1) * m)
                full[rows, cols] = block
                full[cols, rows] = block.T
                if self.fit_intercept:
                    cross = np.asarray(columns.T @ d, dtype=np.float64)
                    full[rows, n_coef + j] = full[n_coef + j, rows] = cross
                    full[cols, n_coef + k] = full[n_coef + k, cols] = cross
                    total = float(np.sum(d, dtype=np.float64))
                    full[n_coef + k, n_coef + j] = full[n_coef + j, n_coef + k] = total
        return full

    def hessp(self, z: np.ndarray) -> HessianProduct:
        """The Hessian at scores ``z`` as a function ``v -> H @ v``."""
        proba = self._probabilities(self._at(z))
        weighted = self.weights[:, None] * proba

        def product(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            scores = self._matvec(*self.split(v))
            # Per sample, (s_i / S) (diag(p) - p p^T) @ scores.
            r = scores - _row_sum(proba * scores)[:, None]
            r *= weighted
            return self._pack(self._rmatvec(r), r), scores

        return KeepingScores(product)
