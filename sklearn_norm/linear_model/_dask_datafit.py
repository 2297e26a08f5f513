"""A logistic datafit whose products run on Dask.

``DaskLogisticLoss`` implements the whole ``Datafit`` protocol of
``_contract`` with the meaning the in-memory datafits of ``_datafits`` give
it, so the solvers in ``_solvers`` run on row-chunked Dask arrays unchanged:

- ``X``, the encoded labels and the sample weights stay on the workers, in
  row chunks. Every evaluation is one Dask computation: a map over the chunks
  and a tree reduction of the per-chunk rows (a sum, or for
  ``column_moments`` the pairwise merge of weighted means and centred
  squares). What reaches the driver is a value, a gradient, a Hessian, a
  Gram matrix or column moments, never a chunk of the data: nothing of size
  ``n_samples`` ever lives on the driver.
- What a chunk computes is a typed **request** (``Request``): a frozen
  dataclass that names what it computes (``Evaluate(change, hessian)``,
  ``HessianTimes``, ``ClassCurvature``, ``WeightedGram(max_values)``,
  ``ColumnMoments``), how wide its row is, how two rows combine and how the
  driver reads the total. A request that does not exist cannot be built, and
  ``_run`` refuses anything that is not a ``Request``.
- Scores ``z = X @ W.T + b`` are linear in the parameters, so a ``Scores``
  holds the (all-column) parameters that produce them, not ``n_samples``
  numbers: ``z + t * dz`` is computed on parameters, and each chunk task
  recomputes its own scores (one product with its chunk, in the pass that
  needs them).
- With at most ``EXPLICIT_HESSIAN_MAX`` parameters the Hessian is formed in
  one pass and applied on the driver, so conjugate gradients cost no pass at
  all (products with ``X`` would cost one per iteration); beyond, each
  Hessian product is a pass.

Caching, and why no result depends on the order of the calls: a datafit and
its restrictions share one store of results (``_Results``, the last few),
each entry keyed by everything it is a function of: the bytes of the
all-column parameters it was evaluated at and, for what depends on the
columns (a Hessian, column moments), the bytes of the column set. The
value and the gradient in all columns are the same computation whichever
datafit of the family asks for them, in whichever pass (the chunk code
evaluates them from the all-column parameters, and the reduction adds the
rows element by element in a fixed tree, whatever else the row carries), so
an entry is bit for bit what a fresh pass would return. Which datafit or
which call came first changes how many passes run, never what is returned.
(A pass repeats bit for bit only because each task first aligns its chunk:
chunks that a worker receives from another process can start at any byte,
and numpy does not hand misaligned arrays to BLAS, so it sums them in
another order.)

What a pass computes is fixed by the method that makes it, whatever came
before (a stated policy, no flag flips with the history):

- ``value``, ``gradient``, ``value_grad``: ``Evaluate()`` -- the value and
  the gradient;
- ``explicit_hessian``, and ``hessp`` with at most ``EXPLICIT_HESSIAN_MAX``
  parameters: ``Evaluate(hessian=True)`` -- value, gradient and Hessian;
- ``value_change``: ``Evaluate(change=True, hessian=<at most
  EXPLICIT_HESSIAN_MAX parameters>)`` -- the change, then the value, the
  gradient and (small problems) the Hessian at the trial point ``z + dz``,
  where a line search's solver moves next: a Newton step whose step is
  accepted costs one pass, and the parent of a working set finds the
  gradient at the working set's last point in the shared store. (L-BFGS-B
  calls ``value_change`` only on restarts, where the Hessian is formed for
  nothing: compute, not a pass.)

Each pass is made only when the store lacks its answer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from typing import ClassVar, NamedTuple

import numpy as np

from ._datafits import (
    BinaryLogisticLoss,
    FlatParameters,
    KeepingScores,
    MultinomialLoss,
    count_pass,
    uncounted,
)

#: Largest number of parameters whose Hessian is formed explicitly (a chunk
#: task then returns at most 256**2 values, 512 KB).
EXPLICIT_HESSIAN_MAX = 256

# Row blocks of at most this many values for the float64 temporaries of
# ``ColumnMoments`` inside a chunk task.
_ROW_BLOCK = 1 << 20

# Results a datafit family keeps (each at most a Hessian, 512 KB).
_STORE_SIZE = 8


class Scores:
    """The scores ``X @ W.T + b`` of a ``DaskLogisticLoss``, held as the
    (full-feature) parameters that produce them; linear operations act on
    the parameters."""

    __slots__ = ("params",)
    # numpy scalars (``alpha * scores``) defer to ``__rmul__``.
    __array_ufunc__ = None

    def __init__(self, params: np.ndarray) -> None:
        self.params = params

    def __add__(self, other: Scores) -> Scores:
        return Scores(self.params + other.params)

    def __iadd__(self, other: Scores) -> Scores:
        self.params = self.params + other.params
        return self

    def __mul__(self, factor: float) -> Scores:
        return Scores(float(factor) * self.params)

    __rmul__ = __mul__

    def copy(self) -> Scores:
        return Scores(self.params.copy())


def _local_datafit(X, codes, weights, fit_intercept: bool, n_classes: int):
    """The in-memory datafit of one chunk."""
    if n_classes == 2:
        return BinaryLogisticLoss(X, codes == 1, weights, fit_intercept)
    return MultinomialLoss(X, codes, weights, fit_intercept, n_classes)


# -- requests ---------------------------------------------------------------
class _Layout(NamedTuple):
    """What a request needs to know of the datafit that makes it."""

    n_root: int  # parameters over all the columns of X
    n_params: int  # parameters over this datafit's columns
    n_features: int  # this datafit's columns
    n_outputs: int


class _Chunk:
    """One row chunk, as a request sees it inside its task: the in-memory
    datafit of the chunk (all the columns, normalized weights), the chunk's
    columns of the datafit that asked, and its normalized weights."""

    def __init__(self, X, codes, weights, *, n_classes, fit_intercept, features):
        self.X = X
        self.codes = codes
        self.weights = weights
        self.n_classes = n_classes
        self.fit_intercept = fit_intercept
        self.features = features
        self._local = None

    @property
    def local(self):
        if self._local is None:
            self._local = _local_datafit(
                self.X, self.codes, self.weights, self.fit_intercept, self.n_classes
            )
        return self._local

    @property
    def columns(self):
        return self.X if self.features is None else self.X[:, self.features]


@dataclass(frozen=True)
class Request(ABC):
    """What each chunk task of one Dask computation computes: a flat
    float64 row of ``width`` values, from the chunk and ``n_vectors``
    parameter vectors (all-column layout); rows combine by ``merge`` (a
    sum unless said otherwise) over a fixed tree, and the driver reads the
    total with ``unpack``."""

    n_vectors: ClassVar[int] = 0

    @abstractmethod
    def width(self, layout: _Layout) -> int:
        """The number of values of a chunk's row."""

    @abstractmethod
    def terms(self, chunk: _Chunk, *vectors: np.ndarray) -> np.ndarray:
        """A chunk's row (1-D, float64)."""

    def merge(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Two rows (or partial totals) into one; ``a`` may be overwritten.
        Element by element, so an entry's total does not depend on what
        else the row holds."""
        a += b
        return a

    def unpack(self, total: np.ndarray, layout: _Layout):
        return total


def _check_flags(request, *names: str) -> None:
    for name in names:
        if type(getattr(request, name)) is not bool:
            raise TypeError(
                f"{type(request).__name__}.{name} must be a bool, got "
                f"{getattr(request, name)!r}."
            )


class Evaluation(NamedTuple):
    """The total of an ``Evaluate`` request."""

    change: float | None
    value: float
    gradient: np.ndarray  # all columns
    hessian: np.ndarray | None  # the asking datafit's columns


@dataclass(frozen=True)
class Evaluate(Request):
    """The value and the gradient (in all the columns) at the scores of a
    parameter vector ``at``, and with ``hessian`` the Hessian in the asking
    datafit's columns and the intercepts.

    With ``change``, the vectors are ``at``, ``step`` and ``trial = at +
    step`` (added on the driver, which keys the result by ``trial``'s
    bytes): first ``value(z + dz) - value(z)`` (``value_change``, accurate
    to rounding of the change), then the terms above at ``trial``.
    """

    change: bool = False
    hessian: bool = False

    def __post_init__(self) -> None:
        _check_flags(self, "change", "hessian")

    @property
    def n_vectors(self) -> int:  # type: ignore[override]
        return 3 if self.change else 1

    def width(self, layout: _Layout) -> int:
        hessian = layout.n_params**2 if self.hessian else 0
        return int(self.change) + 1 + layout.n_root + hessian

    def terms(self, chunk, *vectors):
        local = chunk.local
        out = []
        if self.change:
            at, step, point = vectors
            z = local.decision(at)
            out.append(np.array([local.value_change(z, local.decision(step))]))
        else:
            (point,) = vectors
        z = local.decision(point)
        out += [np.array([local.value(z)]), local.gradient(z)]
        if self.hessian:
            out.append(local.hessian(z, chunk.columns).ravel())
        return np.concatenate(out)

    def unpack(self, total, layout) -> Evaluation:
        change = None
        if self.change:
            change, total = float(total[0]), total[1:]
        gradient = total[1 : 1 + layout.n_root]
        hessian = None
        if self.hessian:
            hessian = total[1 + layout.n_root :].reshape(
                layout.n_params, layout.n_params
            )
        return Evaluation(change, float(total[0]), gradient, hessian)


@dataclass(frozen=True)
class HessianTimes(Request):
    """The Hessian at the scores of ``at`` times ``v`` (both all-column
    vectors), in all the columns."""

    n_vectors: ClassVar[int] = 2

    def width(self, layout):
        return layout.n_root

    def terms(self, chunk, at, v):
        local = chunk.local
        return local.hessp(local.decision(at))(v)


@dataclass(frozen=True)
class ClassCurvature(Request):
    """``sum_i (s_i / S) * (diag(p_i) - p_i p_i^T)`` at the scores of
    ``at`` (``p_i (1 - p_i)`` for two classes): the mean curvature of the
    loss in the scores, ``(n_outputs, n_outputs)``."""

    n_vectors: ClassVar[int] = 1

    def width(self, layout):
        return layout.n_outputs**2

    def terms(self, chunk, at):
        local = chunk.local
        return local.class_curvature(local.decision(at)).ravel()

    def unpack(self, total, layout):
        return total.reshape(layout.n_outputs, layout.n_outputs)


@dataclass(frozen=True)
class WeightedGram(Request):
    """``X.T S X``, ``X.T S 1`` and ``sum(S)`` over the asking datafit's
    columns, ``S`` the normalized sample weights, as the in-memory
    ``weighted_gram`` forms them (products in ``X``'s dtype over row blocks
    of at most ``max_values`` values, accumulated in float64)."""

    max_values: int

    def __post_init__(self) -> None:
        if isinstance(self.max_values, bool) or not isinstance(
            self.max_values, (int, np.integer)
        ):
            raise TypeError(f"max_values must be an int, got {self.max_values!r}.")
        if self.max_values < 1:
            raise ValueError(f"max_values must be >= 1, got {self.max_values}.")

    def width(self, layout):
        return layout.n_features**2 + layout.n_features + 1

    def terms(self, chunk):
        columns = chunk.columns
        weights = chunk.weights
        n_features = columns.shape[1]
        gram = np.zeros((n_features, n_features))
        moment = np.zeros(n_features)
        rows = max(1, int(self.max_values) // max(n_features, 1))
        for start in range(0, columns.shape[0], rows):
            block = np.asarray(columns[start : start + rows])
            root = np.sqrt(weights[start : start + rows])
            scaled = block * root[:, None].astype(block.dtype)
            gram += scaled.T @ scaled
            moment += scaled.T @ root.astype(block.dtype)
        return np.concatenate([gram.ravel(), moment, [float(np.sum(weights))]])

    def unpack(self, total, layout):
        p = layout.n_features
        return total[: p * p].reshape(p, p), total[p * p : -1], float(total[-1])


def _merge_moments(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two ``[W, S1, S2, M2]`` rows (weight, weighted sums of ``x`` and
    ``x**2``, weighted squares about the weighted mean) into one (Chan, Golub
    & LeVeque's pairwise update): the centred squares never come from the
    difference of two large numbers, so a constant column's is exactly 0 up
    to rounding of its mean."""
    p = (a.size - 1) // 3
    wa, wb = a[0], b[0]
    if wb == 0.0:
        return a
    if wa == 0.0:
        return b.copy()
    delta = b[1 : 1 + p] / wb - a[1 : 1 + p] / wa
    out = a + b
    out[1 + 2 * p :] += delta * delta * (wa * wb / (wa + wb))
    return out


@dataclass(frozen=True)
class ColumnMoments(Request):
    """Per column of the asking datafit, with the normalized weights, the
    total weight, the weighted sums of ``x`` and ``x**2`` and the weighted
    squares about the weighted mean (merged pairwise, not summed), all in
    float64: ``DaskLogisticLoss.column_moments`` reads the weighted mean and
    deviation from them."""

    def width(self, layout):
        return 1 + 3 * layout.n_features

    def terms(self, chunk):
        columns = chunk.columns
        weights = chunk.weights
        n_features = columns.shape[1]
        total = np.zeros(1 + 3 * n_features)
        rows = max(1, _ROW_BLOCK // max(n_features, 1))
        for start in range(0, columns.shape[0], rows):
            block = np.asarray(columns[start : start + rows], dtype=np.float64)
            w = weights[start : start + rows]
            weight = float(np.sum(w))
            first = block.T @ w
            mean = first / weight if weight > 0.0 else np.zeros(n_features)
            centred = block - mean
            row = np.concatenate(
                [[weight], first, np.square(block).T @ w, np.square(centred).T @ w]
            )
            total = _merge_moments(total, row)
        return total

    def merge(self, a, b):
        return _merge_moments(a, b)


def _chunk_terms(
    X, codes, weights, *, request, n_classes, fit_intercept, scale, features, vectors
):
    """One chunk's row of a request, as a ``(1, width)`` block (a Dask task)."""
    if not isinstance(request, Request):
        raise TypeError(f"Not a Request: {request!r}.")
    # A chunk received from another process may sit at any byte offset;
    # numpy hands misaligned arrays to its own loops instead of BLAS, which
    # sum in another order: the same pass would give other bits there.
    X = np.require(X, requirements=("C", "A"))
    chunk = _Chunk(
        X,
        np.require(codes[:, 0], requirements=("C", "A")),
        np.require(weights[:, 0], requirements=("C", "A")) * scale,
        n_classes=n_classes,
        fit_intercept=fit_intercept,
        features=features,
    )
    # The caller counts the whole pass; the chunk's in-memory products are
    # part of it.
    terms = uncounted(request.terms, chunk, *vectors)
    return np.asarray(terms, dtype=np.float64)[None, :]


def _keep_rows(rows, axis=None, keepdims=True):
    """The reduction's chunk step: a chunk's row is its own partial total."""
    return rows


def _merge_rows(rows, axis=None, keepdims=False, *, request):
    """The reduction's combine and aggregate steps: the rows merged in order
    (element by element for sums: the same total for an entry whatever the
    row's width)."""
    total = np.array(rows[0], dtype=np.float64)
    for row in rows[1:]:
        total = request.merge(total, row)
    return total[None, :] if keepdims else total


# -- the store of results -----------------------------------------------------
class _Results:
    """The last few results of a datafit and its restrictions, each keyed by
    everything it is a function of (see the module docstring). Arrays are
    kept read-only; callers get copies."""

    def __init__(self, size: int = _STORE_SIZE) -> None:
        self._entries: OrderedDict = OrderedDict()
        self._size = size

    def get(self, key):
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key, entry) -> None:
        for part in entry if isinstance(entry, tuple) else (entry,):
            if isinstance(part, np.ndarray):
                part.flags.writeable = False
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


class DaskLogisticLoss(FlatParameters):
    """Weighted mean logistic (two classes) or multinomial log-loss of a
    row-chunked Dask array.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Float32 or float64, one chunk along the features.
    codes : dask.array.Array of shape (n_samples, 1)
        Class indices 0..n_classes-1, chunked as ``X``'s rows.
    sample_weights : dask.array.Array of shape (n_samples, 1)
        ``s_i`` (sample weight times class weight), chunked as ``X``'s rows.
    total : float
        ``S = sum_i s_i``; the loss weighs sample ``i`` by ``s_i / S``.
    class_totals : ndarray of shape (n_classes,)
        ``sum of s_i / S`` over the samples of each class.
    fit_intercept : bool
    n_classes : int
    features : ndarray of int or None
        The columns of ``X`` this datafit is restricted to (``restrict``);
        None for all of them.
    results : _Results or None
        The store of results shared with the datafit this one restricts
        (``restrict`` passes it); None for a new one.
    """

    def __init__(
        self,
        X,
        codes,
        sample_weights,
        total: float,
        class_totals: np.ndarray,
        fit_intercept: bool,
        n_classes: int,
        features: np.ndarray | None = None,
        results: _Results | None = None,
    ) -> None:
        n_outputs = 1 if n_classes == 2 else n_classes
        n_features = X.shape[1] if features is None else features.size
        super().__init__(n_outputs, n_features, fit_intercept)
        # The layout over all the columns of X, which the chunk tasks use.
        self._root = FlatParameters(n_outputs, X.shape[1], fit_intercept)
        self.X = X
        self.n_samples = int(X.shape[0])
        self.dtype = np.dtype(X.dtype)
        self._codes = codes
        self._sample_weights = sample_weights
        self._total = total
        self._class_totals = class_totals
        self.n_classes = n_classes
        self.features = features
        self._results = _Results() if results is None else results
        # The column set in store keys (None: all of them).
        self._columns_key = None if features is None else features.tobytes()

    # -- parameter layouts -------------------------------------------------
    def _to_root(self, params: np.ndarray) -> np.ndarray:
        """``params`` of this datafit as params over all the columns of ``X``."""
        if self.features is None:  # a copy: solvers update params in place
            return np.array(params, dtype=np.float64)
        empty = np.zeros(self._root.n_params)
        return self._root.expand_params(empty, params, self.features)

    def _from_root(self, root: np.ndarray) -> np.ndarray:
        """A root-layout vector (gradient) restricted to this datafit's
        columns, as a new array."""
        if self.features is None:
            return root.copy()
        return self._root.restrict_params(root, self.features)

    def restrict(self, features: np.ndarray) -> DaskLogisticLoss:
        """The same datafit on the columns ``features`` only. Nothing is
        copied: the chunk tasks select the columns they need. It shares
        this datafit's store of results."""
        root = features if self.features is None else self.features[features]
        return DaskLogisticLoss(
            self.X,
            self._codes,
            self._sample_weights,
            self._total,
            self._class_totals,
            self.fit_intercept,
            self.n_classes,
            np.asarray(root, dtype=np.intp),
            self._results,
        )

    def with_data(self, X) -> DaskLogisticLoss:
        """The same labels and weights with the rows of another persisted
        Dask ``X`` of this datafit's columns, chunked as this one's rows."""
        return DaskLogisticLoss(
            X,
            self._codes,
            self._sample_weights,
            self._total,
            self._class_totals,
            self.fit_intercept,
            self.n_classes,
        )

    def stored_values(self, features: np.ndarray | None = None) -> int:
        """What ``restrict(features)`` copies: nothing, 0 (the chunk tasks
        select the columns they need, in each pass)."""
        return 0

    def class_totals(self) -> np.ndarray:
        """Total normalized weight of each class (they sum to 1)."""
        return self._class_totals

    # -- passes ------------------------------------------------------------
    def _layout(self) -> _Layout:
        return _Layout(
            self._root.n_params, self.n_params, self.n_features, self.n_outputs
        )

    def _run(self, request: Request, *vectors: np.ndarray):
        """One Dask computation: ``request`` mapped over the row chunks and
        its rows reduced over a tree; returns ``request.unpack`` of the
        total."""
        import dask
        import dask.array as da

        if not isinstance(request, Request):
            raise TypeError(f"Not a Request: {request!r}.")
        count_pass()  # each chunk task reads its rows of X once
        if len(vectors) != request.n_vectors:
            raise TypeError(
                f"{request!r} takes {request.n_vectors} vectors, got {len(vectors)}."
            )
        layout = self._layout()
        width = request.width(layout)
        parts = da.map_blocks(
            _chunk_terms,
            self.X,
            self._codes,
            self._sample_weights,
            request=request,
            n_classes=self.n_classes,
            fit_intercept=self.fit_intercept,
            scale=1.0 / self._total,
            features=self.features,
            vectors=vectors,
            chunks=(1, width),
            dtype=np.float64,
            meta=np.empty((0, 0)),
        )
        merge = partial(_merge_rows, request=request)
        reduced = da.reduction(
            parts,
            chunk=_keep_rows,
            combine=merge,
            aggregate=merge,
            axis=0,
            dtype=np.float64,
            concatenate=True,
            meta=np.empty((0,)),
        )
        (total,) = dask.compute(reduced)
        return request.unpack(np.asarray(total, dtype=np.float64), layout)

    def _explicit(self) -> bool:
        """Whether this datafit's Hessian is formed (and brought) whole."""
        return self.n_params <= EXPLICIT_HESSIAN_MAX

    def _evaluate(self, request: Evaluate, *vectors: np.ndarray) -> Evaluation:
        """Run an ``Evaluate`` request and store what it brought, keyed by
        the point it was evaluated at (``trial`` for a change)."""
        out = self._run(request, *vectors)
        point = vectors[-1].tobytes()
        self._results.put(("value_gradient", point), (out.value, out.gradient))
        if out.hessian is not None:
            self._results.put(("hessian", point, self._columns_key), out.hessian)
        return out

    def _value_gradient(self, z: Scores) -> tuple[float, np.ndarray]:
        """Value and all-column gradient at ``z`` (read-only), from the store
        or from an ``Evaluate()`` pass."""
        stored = self._results.get(("value_gradient", z.params.tobytes()))
        if stored is None:
            out = self._evaluate(Evaluate(), z.params)
            stored = out.value, out.gradient
        return stored

    def _hessian(self, z: Scores) -> np.ndarray:
        """The dense Hessian at ``z`` (read-only), from the store or from an
        ``Evaluate(hessian=True)`` pass."""
        key = ("hessian", z.params.tobytes(), self._columns_key)
        hessian = self._results.get(key)
        if hessian is None:
            hessian = self._evaluate(Evaluate(hessian=True), z.params).hessian
        return hessian

    # -- the protocol --------------------------------------------------------
    def decision(self, params: np.ndarray) -> Scores:
        return Scores(self._to_root(params))

    def value(self, z: Scores) -> float:
        return self._value_gradient(z)[0]

    def gradient(self, z: Scores) -> np.ndarray:
        return self._from_root(self._value_gradient(z)[1])

    def value_change(self, z: Scores, dz: Scores) -> float:
        """``value(z + dz) - value(z)``; the same pass brings the value and
        the gradient (and, with at most ``EXPLICIT_HESSIAN_MAX`` parameters,
        the Hessian) at ``z + dz``, where a line search usually moves next."""
        trial = z.params + dz.params
        request = Evaluate(change=True, hessian=self._explicit())
        return self._evaluate(request, z.params, dz.params, trial).change

    def hessp(self, z: Scores) -> KeepingScores:
        """The Hessian at ``z`` as a function ``v -> H @ v``; its
        ``.scores`` are the scores of the last ``v``."""
        if self._explicit():
            hessian = self._hessian(z)

            def product(v: np.ndarray):
                return hessian @ v, self.decision(v)

            return KeepingScores(product)

        def distributed_product(v: np.ndarray):
            root_v = self._to_root(v)
            hv = self._run(HessianTimes(), z.params, root_v)
            return self._from_root(hv), Scores(root_v)

        return KeepingScores(distributed_product)

    def explicit_hessian(self, z: Scores) -> np.ndarray | None:
        """The dense Hessian at ``z`` when it is small enough to reach the
        driver (``EXPLICIT_HESSIAN_MAX`` parameters), else None."""
        return self._hessian(z).copy() if self._explicit() else None

    def working_hessian(self, z: Scores, max_values: int) -> np.ndarray | None:
        """``explicit_hessian`` within ``max_values`` values, else None."""
        if self.n_params**2 > max_values:
            return None
        return self.explicit_hessian(z)

    def partial_hessian(self, z: Scores, features: np.ndarray, max_values: int) -> None:
        """None: on Dask a Hessian in a subset of the parameters would cost
        a pass like the explicit Hessian (``explicit_hessian``, for at most
        ``EXPLICIT_HESSIAN_MAX`` parameters) or a pass per product
        (``hessp``), and its score changes (``X[:, features] @ step``)
        another pass each; no column copy is made to make it cheaper."""
        return None

    def class_curvature(self, z: Scores) -> np.ndarray:
        """The weighted mean over samples of the ``(n_outputs, n_outputs)``
        curvature of the loss in the scores at ``z`` (one pass, or none if
        stored)."""
        key = ("class_curvature", z.params.tobytes())
        curvature = self._results.get(key)
        if curvature is None:
            curvature = self._run(ClassCurvature(), z.params)
            self._results.put(key, curvature)
        return curvature.copy()

    def weighted_gram(self, max_values: int) -> tuple[np.ndarray, np.ndarray, float]:
        """``X.T S X``, ``X.T S 1`` and ``sum(S)`` over this datafit's
        columns, ``S`` the normalized sample weights (float64), each chunk
        task forming them over row blocks of at most ``max_values``
        values (one pass)."""
        return self._run(WeightedGram(int(max_values)))

    def column_moments(
        self, centred: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The weighted mean (0 if not ``centred``) and standard deviation
        (root mean square if not ``centred``) of every column of this
        datafit, with the normalized weights; ``centred`` defaults to
        ``fit_intercept``. A constant or zero column's deviation (and mean)
        is 0, as in the in-memory datafits (one pass, or none if stored)."""
        centred = self.fit_intercept if centred is None else centred
        key = ("column_moments", centred, self._columns_key)
        stored = self._results.get(key)
        if stored is None:
            stored = _moments(self._run(ColumnMoments()), centred)
            self._results.put(key, stored)
        return stored[0].copy(), stored[1].copy()


def _moments(total: np.ndarray, fit_intercept: bool):
    """Mean and deviation from a ``ColumnMoments`` total ``[W, S1, S2, M2]``,
    with the in-memory datafits' conventions."""
    p = (total.size - 1) // 3
    weight = float(total[0])  # 1, up to rounding
    first, second, centred = (
        total[1 : 1 + p],
        total[1 + p : 1 + 2 * p],
        total[1 + 2 * p :],
    )
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        square = second / weight
        if fit_intercept:
            mean = first / weight
            variance = np.maximum(centred / weight, 0.0)
        else:
            mean = np.zeros(p)
            variance = np.maximum(square, 0.0)
        deviation = np.sqrt(variance)
        # A constant column (all of its variance rounding error), or a zero one.
        flat = ~np.isfinite(deviation) | (deviation <= 1e-12 * np.sqrt(square))
    deviation[flat] = 0.0
    mean[flat | ~np.isfinite(mean)] = 0.0
    return mean, deviation
