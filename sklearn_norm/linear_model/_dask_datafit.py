"""A logistic datafit whose products run on Dask.

``DaskLogisticLoss`` speaks the protocol of the in-memory datafits in
``_loss`` (``decision``, ``value``, ``gradient``, ``value_change``, ``hessp``,
``restrict``, ...), so the solvers in ``_solvers`` run on row-chunked Dask
arrays unchanged:

- ``X``, the encoded labels and the sample weights stay on the workers, in
  row chunks. Every evaluation is one Dask computation: a map over the chunks
  (each task builds the in-memory datafit of its chunk and evaluates it) and
  a tree sum of the per-chunk results. What reaches the driver is a value, a
  gradient or a Hessian of the parameters, never a chunk of the data.
- Scores ``z = X @ W.T + b`` are linear in the parameters, so a ``Scores``
  holds the parameters that produce them, not ``n_samples`` numbers:
  ``z + t * dz`` is computed on parameters, and each chunk task recomputes its
  own scores (one product with its chunk, in the pass that needs them).
  Nothing of size ``n_samples`` ever lives on the driver.
- With at most ``EXPLICIT_HESSIAN_MAX`` parameters, ``hessp`` forms the
  Hessian in one pass and applies it on the driver, so conjugate gradients
  cost no pass at all (products with ``X`` would cost one per iteration).
- A line search's pass (``value_change``) also brings the value, gradient
  and, once the solver has asked for a Hessian where it had just asked for
  the gradient, the Hessian at the trial point, where the solver usually
  moves next: a Newton step with an accepted unit step costs one pass.
"""

from __future__ import annotations

import numpy as np

from ._datafits import (
    BinaryLogisticLoss,
    FlatParameters,
    KeepingScores,
    MultinomialLoss,
)

#: Largest number of parameters whose Hessian is formed explicitly (a chunk
#: task then returns at most 256**2 values, 512 KB).
EXPLICIT_HESSIAN_MAX = 256


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


def _chunk_terms(
    X, codes, weights, *, task, n_classes, fit_intercept, scale, params, extra, features
):
    """One chunk's share of an evaluation, as a ``(1, m)`` row (a Dask task).

    ``task`` is ``"value_gradient"`` or ``"value_gradient_hessian"`` (the
    Hessian in the coefficients of ``features`` and the intercepts) at the
    scores of ``params``; ``"change_value_gradient"`` or
    ``"change_value_gradient_hessian"``: ``value(z + dz) - value(z)`` for
    the scores ``dz`` of ``extra``, then the same terms at ``z + dz``; or
    ``"hessp"`` (the Hessian at ``params`` times ``extra``).
    """
    local = _local_datafit(
        X, codes[:, 0], weights[:, 0] * scale, fit_intercept, n_classes
    )
    z = local.decision(params)
    if task == "hessp":
        return local.hessp(z)(extra)[None, :]
    out = []
    if task.startswith("change"):
        out.append(np.array([local.value_change(z, local.decision(extra))]))
        # The line search's trial point, where the solver goes next if the
        # step is accepted (``Scores.__add__`` sums the parameters the same
        # way).
        z = local.decision(params + extra)
    out += [np.array([local.value(z)]), local.gradient(z)]
    if task.endswith("hessian"):
        columns = X if features is None else X[:, features]
        out.append(local.hessian(z, columns).ravel())
    return np.concatenate(out)[None, :]


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
        memo: dict | None = None,
    ) -> None:
        n_outputs = 1 if n_classes == 2 else n_classes
        n_features = X.shape[1] if features is None else features.size
        super().__init__(n_outputs, n_features, fit_intercept)
        # The layout over all the columns of X, which the chunk tasks use.
        self._root = FlatParameters(n_outputs, X.shape[1], fit_intercept)
        self.X = X
        self._codes = codes
        self._sample_weights = sample_weights
        self._total = total
        self._class_totals = class_totals
        self.n_classes = n_classes
        self.features = features
        # The last pass's value and (all-feature) gradient, shared with the
        # restricted datafits: {"key": scores' bytes, "value", "gradient",
        # "hessian": whether gradient passes also form the Hessian}.
        self._memo = {} if memo is None else memo
        self._last_hessian = None  # (scores' bytes, Hessian)

    # -- parameter layouts -------------------------------------------------
    def _to_root(self, params: np.ndarray) -> np.ndarray:
        """``params`` of this datafit as params over all the columns of ``X``."""
        if self.features is None:  # a copy: solvers update params in place
            return np.array(params, dtype=np.float64)
        empty = np.zeros(self._root.n_params)
        return self._root.expand_params(empty, params, self.features)

    def _from_root(self, root: np.ndarray) -> np.ndarray:
        """A root-layout vector (gradient) restricted to this datafit's columns."""
        if self.features is None:
            return root
        return self._root.restrict_params(root, self.features)

    def restrict(self, features: np.ndarray) -> DaskLogisticLoss:
        """The same datafit on the columns ``features`` only. Nothing is
        copied: the chunk tasks select the columns they need."""
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
            self._memo,
        )

    def stored_values(self, features: np.ndarray) -> int:
        """What ``restrict(features)`` copies: nothing."""
        return 0

    def class_totals(self) -> np.ndarray:
        """Total normalized weight of each class (they sum to 1)."""
        return self._class_totals

    # -- evaluations -------------------------------------------------------
    def _run(self, task: str, width: int, params, extra=None) -> np.ndarray:
        """Map ``_chunk_terms`` over the row chunks and tree-sum the rows:
        one Dask computation, whose result has ``width`` values."""
        import dask
        import dask.array as da

        parts = da.map_blocks(
            _chunk_terms,
            self.X,
            self._codes,
            self._sample_weights,
            task=task,
            n_classes=self.n_classes,
            fit_intercept=self.fit_intercept,
            scale=1.0 / self._total,
            params=params,
            extra=extra,
            features=self.features,
            chunks=(1, width),
            dtype=np.float64,
            meta=np.empty((0, 0)),
        )
        (total,) = dask.compute(parts.sum(axis=0))
        return total

    def _remember(self, key: bytes, out: np.ndarray, with_hessian: bool) -> None:
        n_root = self._root.n_params
        self._memo.update(key=key, value=float(out[0]), gradient=out[1 : 1 + n_root])
        if with_hessian:
            hessian = out[1 + n_root :].reshape(self.n_params, self.n_params)
            self._last_hessian = (key, hessian)

    def _value_gradient(self, z: Scores) -> tuple[float, np.ndarray]:
        """Value and all-feature gradient at ``z``, from the last pass if it
        was at the same scores (solvers ask for value and gradient
        separately, and a working set's datafit where its parent just did)."""
        key = z.params.tobytes()
        if self._memo.get("key") != key:
            with_hessian = self._memo.get("hessian", False) and (
                self._explicit_hessian()
            )
            self._pass(key, z, with_hessian)
        return self._memo["value"], self._memo["gradient"]

    def _pass(self, key: bytes, z: Scores, with_hessian: bool) -> None:
        n_root = self._root.n_params
        task = "value_gradient_hessian" if with_hessian else "value_gradient"
        width = 1 + n_root + (self.n_params**2 if with_hessian else 0)
        self._remember(key, self._run(task, width, z.params), with_hessian)

    def decision(self, params: np.ndarray) -> Scores:
        return Scores(self._to_root(params))

    def value(self, z: Scores) -> float:
        return self._value_gradient(z)[0]

    def gradient(self, z: Scores) -> np.ndarray:
        return self._from_root(self._value_gradient(z)[1]).copy()

    def value_change(self, z: Scores, dz: Scores) -> float:
        """``value(z + dz) - value(z)``; the same pass brings the value and
        gradient (and the Hessian, if the solver uses it) at ``z + dz``,
        where a line search usually moves next."""
        key = (z + dz).params.tobytes()
        with_hessian = self._memo.get("hessian", False) and self._explicit_hessian()
        task = "change_value_gradient" + ("_hessian" if with_hessian else "")
        width = 2 + self._root.n_params
        width += self.n_params**2 if with_hessian else 0
        out = self._run(task, width, z.params, dz.params)
        self._remember(key, out[1:], with_hessian)
        return float(out[0])

    def _explicit_hessian(self) -> bool:
        return self.n_params <= EXPLICIT_HESSIAN_MAX

    def hessp(self, z: Scores) -> KeepingScores:
        """The Hessian at ``z`` as a function ``v -> H @ v``; its
        ``.scores`` are the scores of the last ``v``."""
        if self._explicit_hessian():
            hessian = self._hessian(z)

            def product(v: np.ndarray):
                return hessian @ v, self.decision(v)

            return KeepingScores(product)

        n_root = self._root.n_params

        def distributed_product(v: np.ndarray):
            root_v = self._to_root(v)
            hv = self._run("hessp", n_root, z.params, root_v)
            return self._from_root(hv), Scores(root_v)

        return KeepingScores(distributed_product)

    def explicit_hessian(self, z: Scores) -> np.ndarray | None:
        """The dense Hessian at ``z`` when it is small enough to reach the
        driver (``EXPLICIT_HESSIAN_MAX`` parameters), else None."""
        return self._hessian(z) if self._explicit_hessian() else None

    def _hessian(self, z: Scores) -> np.ndarray:
        """The dense Hessian at ``z`` (one pass, or none if the last
        gradient pass at ``z`` brought it along)."""
        key = z.params.tobytes()
        if self._last_hessian is None or self._last_hessian[0] != key:
            if self._memo.get("key") == key:
                # The solver wants the Hessian where it just had the
                # gradient: from now on, gradient passes compute both.
                self._memo["hessian"] = True
            self._pass(key, z, with_hessian=True)
        return self._last_hessian[1]
