"""Dask arrays in, Dask arrays out (the optional ``dask`` extra).

- ``l1_normalize``/``l2_normalize`` and the transformers return lazy Dask
  arrays: block-wise when every reduced axis lies within one chunk (each
  block is normalized by the in-memory kernels), otherwise by a Dask
  reduction for the norms and a block-wise division.
- ``RegularizedLogisticRegression.fit`` validates the data with Dask
  reductions (one pass for finiteness, magnitude and the classes), persists
  it on the workers and hands the solvers a ``DaskLogisticLoss``; prediction
  methods map the in-memory ones over the row chunks.

Nothing here computes a whole array: every ``compute`` returns a handful of
numbers, a vector of the features or a Hessian. Dask is imported only once a
Dask object is seen (``is_dask_collection`` looks at the type's module).
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from ._dense import (
    check_column_scaling,
    clip_epsilon,
    column_factors,
    column_max_abs,
    normalize_any,
    raise_non_finite,
    scaling_may_overflow,
)
from ._validation import (
    check_class_weight,
    check_classes,
    check_largest,
    check_weight_total,
    largest_of_extremes,
)


def is_dask_collection(x) -> bool:
    """Whether ``x`` is a Dask collection (array, DataFrame, ...), without
    importing Dask."""
    return type(x).__module__.split(".")[0] in ("dask", "dask_expr")


def as_dask_array(x, name: str):
    """``x`` itself if it is a Dask array; a TypeError for other Dask
    collections, which would have to be computed to be converted."""
    import dask.array as da

    if not isinstance(x, da.Array):
        raise TypeError(
            f"{name} is a Dask {type(x).__name__}; sklearn_norm takes Dask "
            f"arrays (convert a Dask DataFrame with "
            f"{name}.to_dask_array(lengths=True))."
        )
    return x


def check_not_masked(x, name: str) -> None:
    """Refuse a Dask array of masked chunks (``da.ma``), as the in-memory
    functions refuse ``np.ma`` arrays: the kernels would ignore the mask."""
    from ._normalize import check_not_masked as check_in_memory

    check_in_memory(getattr(x, "_meta", None), name)


def _to_float64(block, label):
    # np.longdouble values beyond float64's range would become infinity and
    # then be reported as such: say what is wrong instead.
    from ._normalize import check_float64_range

    check_float64_range(block, label)  # map_blocks keeps ``name``
    return block.astype(np.float64)


def as_float(x, name: str):
    """A float32 or float64 version of the Dask array ``x`` (integers and
    booleans become float64, lazily); complex and non-numeric dtypes are
    refused now rather than at compute time."""
    if x.dtype in (np.float32, np.float64):
        return x
    kind = x.dtype.kind
    if kind == "f" and x.dtype.itemsize > 8:
        return x.map_blocks(_to_float64, label=name, dtype=np.float64)
    if kind in "fiub":
        return x.astype(np.float64)
    if kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {x.dtype}.")
    raise ValueError(
        f"{name} must be numeric, got a Dask array of dtype {x.dtype}; convert "
        f"it first, for example with {name}.astype(float)."
    )


def _check_known_chunks(x, name: str) -> None:
    if any(np.isnan(size) for sizes in x.chunks for size in sizes):
        raise ValueError(
            f"{name} has unknown chunk sizes (shape {x.shape}); call "
            f"{name}.compute_chunk_sizes() first, or build it with known "
            "lengths (to_dask_array(lengths=True))."
        )


def check_matrix(X, name: str = "X", n_features: int | None = None):
    """A 2-D float Dask array with known chunk sizes and whole rows in each
    chunk (rechunked lazily if its columns were split), and ``n_features``
    columns when given."""
    X = as_dask_array(X, name)
    check_not_masked(X, name)
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features), got "
            f"a {X.ndim}-D Dask array of shape {X.shape}."
        )
    _check_known_chunks(X, name)
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(
            f"Found array with shape {X.shape}: {name} needs at least 1 sample "
            "and 1 feature."
        )
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but the estimator was fitted "
            f"with {n_features} features."
        )
    X = as_float(X, name)
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    return X


def reset_features(estimator, X) -> None:
    """What ``validate_data(reset=True)`` records about a Dask ``X``: its
    number of features, and no feature names (arrays have none)."""
    estimator.n_features_in_ = X.shape[1]
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_


def _as_rows(v, name: str, X):
    """``y`` or ``sample_weight`` as a 1-D Dask array chunked as the rows of
    ``X`` (a NumPy array is split into those chunks)."""
    import dask.array as da

    if is_dask_collection(v):
        v = as_dask_array(v, name)
        _check_known_chunks(v, name)
    else:
        v = np.asarray(v)
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {v.shape}.")
    if v.shape[0] != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {v.shape[0]}] (X and {name})."
        )
    if isinstance(v, np.ndarray):
        return da.from_array(v, chunks=(X.chunks[0],))
    return v.rechunk((X.chunks[0],))


# -- normalization -------------------------------------------------------
def _normalize_block(block, axes, norm, epsilon, label):
    # ``label`` names the input in errors (``map_blocks`` keeps ``name``).
    return normalize_any(block, axes, norm, epsilon, np.empty_like(block), label)


def _divide_block(block, scale, reduced, floor):
    """``block`` divided by its norm ``scale * reduced`` (floored), where
    ``reduced`` is the norm of ``block / scale``: directly while the norm is
    finite, through the scaled values where it overflows."""
    if not np.isfinite(block).all():
        raise_non_finite(block, "x")
    if not np.isfinite(scale).all():  # NaN or infinity in another block
        raise_non_finite(scale, "x")
    with np.errstate(over="ignore"):
        norm = scale * reduced
    finite = np.isfinite(norm)
    direct = block / np.maximum(np.where(finite, norm, 1.0), floor)
    if finite.all():
        return direct.astype(block.dtype, copy=False)
    safe_scale = np.where(scale > 0, scale, 1.0)
    scaled = (block / safe_scale) / np.where(reduced > 0, reduced, 1.0)
    return np.where(finite, direct, scaled).astype(block.dtype, copy=False)


def _scaled_terms(block, scale, norm):
    """``|block| / scale`` (L1) or its square (L2), in float64.

    NaN and infinity give NaN terms silently (a NaN or infinite ``scale``
    divides too, so no finite value can overflow the sum): the caller reports
    them by name once the largest values are known.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        terms = np.abs(block).astype(np.float64) / np.where(scale == 0, 1.0, scale)
        return terms if norm == "l1" else terms * terms


def _norm_factors(x, axes, norm):
    """Lazy ``scale`` and ``reduced`` with ``norm(x) = scale * reduced`` over
    ``axes`` (kept as length-1 axes), in float64 and without overflow:
    ``scale`` is the largest absolute value, ``reduced`` the norm of
    ``x / scale``. A non-finite ``scale`` means NaN or infinity in ``x``."""
    import dask.array as da

    scale = abs(x).astype(np.float64).max(axis=axes, keepdims=True)
    terms = da.map_blocks(_scaled_terms, x, scale, norm=norm, dtype=np.float64)
    reduced = terms.sum(axis=axes, keepdims=True)
    if norm == "l2":
        reduced = da.sqrt(reduced)
    return scale, reduced


def normalize(x, axes: tuple[int, ...], norm: str, epsilon: float):
    """Lazy ``l1_normalize``/``l2_normalize`` of a Dask array over ``axes``."""
    import dask.array as da

    x = as_float(as_dask_array(x, "x"), "x")
    _check_known_chunks(x, "x")
    epsilon = clip_epsilon(epsilon, x.dtype)
    if all(x.numblocks[a] == 1 for a in axes):
        return x.map_blocks(
            _normalize_block,
            axes=axes,
            norm=norm,
            epsilon=epsilon,
            label="x",
            dtype=x.dtype,
        )
    scale, reduced = _norm_factors(x, axes, norm)
    floor = epsilon if norm == "l1" else np.sqrt(epsilon)
    return da.map_blocks(_divide_block, x, scale, reduced, floor=floor, dtype=x.dtype)


def column_norms(X, norm: str) -> np.ndarray:
    """float64 L1 or L2 norms of the columns of a Dask array: one Dask
    computation, overflow-safe (scaled by each column's largest value)."""
    import dask

    scale, reduced = _norm_factors(X, (0,), norm)
    scale, reduced = dask.compute(scale, reduced)
    if not np.isfinite(scale).all():  # the largest |x| is NaN or infinite
        raise_non_finite(scale, "X")
    with np.errstate(over="ignore"):
        return (scale * reduced).ravel()


def normalize_rows(X, norm: str, epsilon: float):
    """Lazy row normalization of a 2-D Dask array (rows whole in each chunk)."""
    epsilon = clip_epsilon(epsilon, X.dtype)
    return X.map_blocks(
        _normalize_block,
        axes=(1,),
        norm=norm,
        epsilon=epsilon,
        label="X",
        dtype=X.dtype,
    )


def _scale_block(block, factors, divide):
    if not np.isfinite(block).all():
        raise_non_finite(block, "X")
    # The factors and the overflow check of the in-memory path: the same
    # result and the same error. A plain ufunc rather than the threaded
    # kernels: Dask already runs blocks in parallel.
    factors = column_factors(factors, block.dtype)
    if scaling_may_overflow(factors, divide):
        check_column_scaling(column_max_abs(block), factors, block.dtype, divide)
    op = np.divide if divide else np.multiply
    return op(block, factors, out=np.empty_like(block))


def scale_columns(X, factors: np.ndarray, divide: bool):
    """Lazy division (or multiplication) of each column by ``factors``."""
    return X.map_blocks(_scale_block, factors=factors, divide=divide, dtype=X.dtype)


# -- logistic regression ----------------------------------------------------
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

    from ._dask_loss import DaskLogisticLoss

    X = check_matrix(X, "X")
    y = _as_rows(y, "y", X)
    weights = None
    lazy = [X.min(), X.max(), da.unique(y, return_counts=True)]
    if sample_weight is not None:
        weights = _as_rows(sample_weight, "sample_weight", X)
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
