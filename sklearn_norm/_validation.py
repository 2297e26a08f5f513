"""Input validation shared by the estimators and functions.

scikit-learn's ``validate_data`` does the work; this module adds what it
leaves out:

- errors that name the input: ``X=None``, 1-D or 3-D ``X``, complex data and
  values that cannot be converted to numbers (naming the non-numeric columns
  of a DataFrame) are caught before, or explained after, scikit-learn's
  checks, whose messages do not say which argument was wrong;
- weights and labels whose real problem scikit-learn's checks hide: a NaN
  or infinite scalar ``sample_weight``, negative or non-finite
  ``class_weight`` entries, ``"balanced"`` weights of a class that weighs
  nothing, missing labels among string labels; date and time columns;
- no numpy ``RuntimeWarning`` from the finiteness check, whose sum overflows
  (``inf - inf``) for values near the float64 limit;
- for the logistic models, one pass over ``X`` that checks finiteness and
  measures the largest absolute value (no slower than scikit-learn's check),
  so that data too large for float64 Newton steps is refused up front.
"""

from __future__ import annotations

import sys

import numpy as np
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_X_y,
    column_or_1d,
    validate_data,
)

from ._sklearn_compat import _check_sample_weight

# Newton steps multiply the gradient (of the order of max|X|) by the
# curvature (of the order of max|X|**2); beyond this the products overflow
# float64 for realistic numbers of samples and features.
LARGEST_ABS_X = 1e50

# What the estimators compute in: other dtypes become float64, other sparse
# formats CSR.
FLOAT_DTYPES = (np.float64, np.float32)
SPARSE_FORMATS = ("csr", "csc")

# Elements per chunk of the finiteness pass: 512 KB of float64, which stays
# in the cache between the min and the max of a chunk.
_CHUNK_ELEMENTS = 1 << 16


def refuse_masked(x: object, name: str, consequence: str, remedy: str) -> None:
    """A TypeError for a numpy masked array: ``np.asarray`` returns the values
    under its mask as if they were data, so converting it would silently
    drop the mask. ``consequence`` says what that would do, ``remedy`` what
    to pass instead."""
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array (np.ma), whose mask would be ignored: "
            f"{consequence}. {remedy}"
        )


def is_dask_collection(x) -> bool:
    """Whether ``x`` is a Dask collection (array, DataFrame, ...), without
    importing Dask."""
    return type(x).__module__.split(".")[0] in ("dask", "dask_expr")


def check_not_masked(x: object, name: str) -> None:
    """Refuse a numpy masked array: a masked entry would silently take part
    in the norm."""
    refuse_masked(
        x,
        name,
        "the masked values would count in the norms",
        f"Fill them first, e.g. {name}.filled(0) (a zero adds nothing to a "
        f"norm), or pass {name}.data to normalize the values under the mask too.",
    )


def check_float64_range(arr: np.ndarray, name: str) -> None:
    """Refuse finite values too large for float64, which np.longdouble holds.

    Converting them would give infinity, reported as if ``x`` held infinity.
    """
    if arr.dtype.kind != "f" or arr.dtype.itemsize <= 8 or arr.size == 0:
        return
    info = np.finfo(np.float64)
    with np.errstate(invalid="ignore"):  # NaN compares False: reported later
        too_large = (np.abs(arr) > info.max) & np.isfinite(arr)
    if too_large.any():
        raise ValueError(
            f"{name} holds values beyond float64's range (np.longdouble input): "
            f"its largest absolute value is {np.max(np.abs(arr[too_large]))!s}, "
            f"and the norms are computed in float64. Normalization is unchanged by a "
            f"constant factor: divide {name} by a power of ten first, e.g. "
            f"{name} / 1e300."
        )


def check_input(X, name: str = "X"):
    """Refuse, with a message naming ``name``, what scikit-learn's checks
    would refuse without saying which argument was wrong; return ``X``
    (lists and tuples converted to an ndarray)."""
    if X is None:
        raise TypeError(
            f"{name} must be an array-like or a sparse matrix of shape "
            "(n_samples, n_features), got None."
        )
    if is_dask_collection(X):
        # Converting would compute the whole collection on this process.
        raise TypeError(
            f"{name} is a Dask {type(X).__name__}: this function or estimator "
            "works on in-memory data. The normalizers and "
            "RegularizedLogisticRegression take Dask arrays; otherwise call "
            f"{name}.compute() if it fits in memory."
        )
    if sp.issparse(X):
        _check_dtype(X.dtype, name)
        return X
    if _namespace(X) is not None:
        # An array of another array-API library, left to scikit-learn's
        # validation under array_api_dispatch (its dtype is not numpy's).
        from ._array_api import check_dense

        check_dense(X, name)
        _check_ndim(X, name)
        return X
    refuse_masked(
        X,
        name,
        "the values under it would be used as data",
        f"Fill them first ({name}.filled(value), or {name}.filled(np.nan) then "
        "sklearn.impute.SimpleImputer), or drop the masked rows.",
    )
    if hasattr(X, "columns") and hasattr(X, "dtypes"):
        # A DataFrame: conversion errors are explained afterwards, but date
        # and time columns first: numpy converts some of them to float
        # silently (nanoseconds since 1970), others with an error that names
        # neither the column nor the fix.
        _check_temporal_columns(X, name)
        return X
    if not hasattr(X, "__array__"):  # lists, tuples, scalars
        try:
            X = np.asarray(X)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"{name} could not be converted to an array: {error}"
            ) from error
    _check_ndim(X, name)
    _check_dtype(getattr(X, "dtype", None), name)
    return X


def _check_ndim(X, name: str) -> None:
    ndim = getattr(X, "ndim", None)  # unknown for some array-likes: leave it
    if ndim is not None and ndim != 2:
        shape = X.shape
        what = "a scalar" if ndim == 0 else f"a {ndim}-D array of shape {shape}"
        advice = (
            " Reshape your data either using X.reshape(-1, 1) if it has a single "
            "feature or X.reshape(1, -1) if it contains a single sample."
            if ndim == 1
            else ""
        )
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features), got "
            f"{what}.{advice}"
        )


def _is_temporal(dtype) -> bool:
    """Whether a column dtype (numpy, pandas or polars) holds dates, times or
    durations."""
    if getattr(dtype, "kind", None) in ("m", "M"):
        return True
    text = str(dtype).lower()
    return text.startswith(("datetime", "timedelta", "period", "date", "duration"))


def _check_temporal_columns(X, name: str) -> None:
    """Refuse a DataFrame with date, time or duration columns, naming them."""
    bad = [
        (column, str(dtype))
        for column, dtype in zip(X.columns, X.dtypes, strict=True)
        if _is_temporal(dtype)
    ]
    if bad:
        raise ValueError(
            f"{name} must be numeric, but column(s) {_named(bad)} hold dates or "
            "times; convert them to numbers first (for example seconds since "
            "a reference date, or separate year, month and day columns)."
        )


def _named(columns: list[tuple[object, str]]) -> str:
    """The first five ``(column, dtype)`` pairs as ``'a' (dtype), ...``."""
    return ", ".join(f"{column!r} ({dtype})" for column, dtype in columns[:5])


def _check_dtype(dtype, name: str) -> None:
    try:
        kind = None if dtype is None else np.dtype(dtype).kind
    except TypeError:  # another library's dtype (torch.float32): converted later
        return
    if kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {dtype}.")


def explain(error: Exception, X, name: str = "X") -> Exception:
    """A clearer exception for a failed conversion of ``X`` to float, or
    ``error`` itself when the conversion was not the problem."""
    if hasattr(X, "columns") and hasattr(X, "dtypes"):
        bad, kind = [], ValueError
        for column, dtype in zip(X.columns, X.dtypes, strict=True):
            if getattr(dtype, "kind", "O") in "biuf":
                continue
            try:
                np.asarray(X[column], dtype=np.float64)
            except (TypeError, ValueError) as conversion:
                bad.append((column, str(dtype)))
                kind = type(conversion)
        if bad:
            return kind(
                f"{name} must be numeric, but column(s) {_named(bad)} cannot be "
                "converted to numbers; encode them first (for example with "
                "OneHotEncoder or OrdinalEncoder)."
            )
        return error
    dtype = getattr(X, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "OSUV":
        try:
            np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as conversion:
            # The type of numpy's error: TypeError for objects that are not
            # numbers at all, ValueError for strings that do not parse.
            return type(conversion)(
                f"{name} must hold numbers; converting its {dtype} values to "
                f"float failed: {conversion}"
            )
    return error


def validate(estimator, X, y="no_validation", **kwargs):
    """``validate_data`` (``check_X_y`` for a function: ``estimator=None``)
    with named errors and no numpy warnings."""
    X = check_input(X)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            if estimator is None:
                return check_X_y(X, y, **kwargs)
            return validate_data(estimator, X, y, **kwargs)
    except (TypeError, ValueError) as error:
        better = explain(error, X)
        if better is error:
            raise
        raise better from error


def validate_logistic(estimator, X, y):
    """``X`` and ``y`` of a logistic fit (``estimator=None`` for a function):
    CSR/CSC or dense, float64 or float32, with finiteness and magnitude
    checked in one pass by ``check_logistic_X``."""
    namespace = _namespace(X)
    if namespace is not None:
        return _validate_foreign_logistic(estimator, X, y, namespace)
    check_labels(y)
    X, y = validate(
        estimator,
        X,
        y,
        accept_sparse=SPARSE_FORMATS,
        dtype=FLOAT_DTYPES,
        ensure_all_finite=False,  # checked with the magnitude, in one pass
    )
    if not sp.issparse(X) and not X.flags.aligned:
        # numpy copies a misaligned array (as arrays gathered from other
        # processes can be) for every BLAS product: one aligned copy now
        # saves a copy per solver pass.
        X = np.array(X)
    check_logistic_X(X)
    return X, y


def _namespace(X):
    """``_array_api.namespace_of(X)`` (that module imports this one)."""
    from ._array_api import namespace_of

    return namespace_of(X)


def _validate_foreign_logistic(estimator, X, y, namespace):
    """``validate_logistic`` for ``X`` of another array-API library: ``X``
    checked by scikit-learn in its library (float32 kept, other dtypes
    converted to the device's widest float), ``y`` brought to the host
    (labels are encoded there), where the checks of NumPy labels run."""
    from ._array_api import to_host

    y = to_host(y) if y is not None else y
    check_labels(y)
    X = check_input(X)
    kwargs = {"dtype": namespace.float_dtypes, "ensure_all_finite": False}
    if estimator is None:
        X = check_array(X, **kwargs)
    else:
        X = validate(estimator, X, **kwargs)
    if y is None:
        raise ValueError("requires y to be passed, but the target y is None")
    y = column_or_1d(y, warn=True)
    check_consistent_length(X, y)
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError("Input y contains NaN or infinity.")
    check_logistic_X(X)
    return X, y


def check_labels(y) -> None:
    """Refuse labels with missing values (None, NaN, pandas' NA) among
    non-numeric labels, which scikit-learn reports as a failed comparison
    (``'<' not supported``, ``boolean value of NA is ambiguous``) or as
    "Input contains NaN" without naming ``y``."""
    if y is None or sp.issparse(y):
        return
    try:
        values = np.asarray(y)
    except (TypeError, ValueError):
        return  # scikit-learn's own checks explain it
    if values.dtype.kind != "O" or values.ndim > 2:
        return
    values = values.ravel()
    pandas = sys.modules.get("pandas")  # pd.NA only exists if pandas is loaded
    if pandas is not None:
        missing = np.asarray(pandas.isna(values), dtype=bool)
    else:
        # NaN is the one value not equal to itself.
        missing = np.array([v is None or v != v for v in values], dtype=bool)
    if missing.any():
        where = np.flatnonzero(missing)
        raise ValueError(
            f"y has missing labels (None, NaN or NA) at {where.size} position(s) "
            f"(the first at index {int(where[0])}): a classifier needs the label of "
            "every sample. Drop those samples or fill in their labels."
        )


def _integral_labels(y: np.ndarray) -> bool:
    """Whether ``y`` is a 1-D array of labels that scikit-learn's target
    checks always accept: integers, booleans or strings, or finite floats
    with integral values (``type_of_target``: binary or multiclass)."""
    if not isinstance(y, np.ndarray) or y.ndim != 1:
        return False
    kind = y.dtype.kind
    if kind in "iubU":
        return True
    if kind != "f":
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.all(y == np.floor(y)))  # NaN and infinity fail too


def check_class_labels(y) -> None:
    """``check_classification_targets(y)``, without its cost (about 0.3 ms:
    a tenth of a small fit) for the common labels it always accepts."""
    if not _integral_labels(y):
        check_classification_targets(y)


def accuracy(y_true, y_pred: np.ndarray, sample_weight=None) -> float:
    """``accuracy_score(y_true, y_pred, sample_weight=sample_weight)``.

    Non-empty labels of one comparable kind (numbers with numbers, strings
    with strings), of the same length and without weights are compared
    directly: ``accuracy_score``'s checks of the target types cost more than
    a small model's prediction. Anything else goes to ``accuracy_score``,
    with its errors.
    """
    if (
        sample_weight is None
        and _integral_labels(y_true)
        and y_true.size > 0
        and y_true.shape == y_pred.shape
        and (y_true.dtype.kind == "U") == (y_pred.dtype.kind == "U")
        and y_pred.dtype.kind in "iubfU"
    ):
        return float(np.mean(y_true == y_pred))
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(y_true, y_pred, sample_weight=sample_weight))


def largest_abs(X, name: str = "X") -> float:
    """The largest absolute value in ``X`` (dense or sparse, float), raising
    scikit-learn's error if ``X`` holds NaN or infinity.

    One pass in cache-sized chunks: as fast as scikit-learn's finiteness
    check, which sums ``X``.
    """
    namespace = _namespace(X)
    if namespace is not None:  # on the device: its minimum and maximum
        if X.shape[0] * X.shape[1] == 0:
            return 0.0
        xp = namespace.xp
        return largest_of_extremes(float(xp.min(X)), float(xp.max(X)), name)
    if sp.issparse(X):
        blocks = [X.data]
    elif X.flags.f_contiguous and not X.flags.c_contiguous:
        step = max(1, _CHUNK_ELEMENTS // max(1, X.shape[0]))
        blocks = (X[:, start : start + step] for start in range(0, X.shape[1], step))
    else:
        step = max(1, _CHUNK_ELEMENTS // max(1, X.shape[1]))
        blocks = (X[start : start + step] for start in range(0, X.shape[0], step))
    low, high = 0.0, 0.0
    for block in blocks:
        if block.size:
            # min and max propagate NaN; an infinity is its own extreme.
            block_low, block_high = float(block.min()), float(block.max())
            if np.isnan(block_low) or np.isnan(block_high):
                raise ValueError(f"Input {name} contains NaN.")
            low, high = min(low, block_low), max(high, block_high)
    return largest_of_extremes(low, high, name)


def largest_of_extremes(low: float, high: float, name: str = "X") -> float:
    """``max(-low, high)`` of an array's minimum ``low`` and maximum ``high``
    (both NaN-propagating), or scikit-learn's error for NaN or infinity."""
    if np.isnan(low) or np.isnan(high):
        raise ValueError(f"Input {name} contains NaN.")
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"Input {name} contains infinity.")
    return max(-float(low), float(high))


def check_logistic_X(X, name: str = "X") -> float:
    """Finiteness and magnitude of a logistic model's ``X``: its largest
    absolute value, or a ValueError if it is beyond ``LARGEST_ABS_X``."""
    largest = largest_abs(X, name)
    check_largest(largest, name)
    return largest


def check_largest(largest: float, name: str = "X") -> None:
    """Refuse a logistic model's ``X`` whose largest absolute value is beyond
    ``LARGEST_ABS_X``."""
    if largest > LARGEST_ABS_X:
        raise ValueError(
            f"{name} holds values as large as {largest:.3g} in absolute value; "
            f"logistic regression supports |{name}| <= {LARGEST_ABS_X:.0e}: its "
            "Newton steps multiply the gradient (of the order of |X|) by the "
            "curvature (of the order of |X|**2), which overflows float64 beyond "
            "that. Scale the features first, for example with MaxAbsScaler or "
            "StandardScaler."
        )


def resolution_note(X, tol: float, largest: float | None = None) -> str:
    """A sentence for a convergence warning when ``X``'s magnitude
    (``largest``, measured if not given), not the iteration budget, keeps
    the solver above ``tol``; else ''."""
    if largest is None:
        largest = largest_abs(X)
    namespace = _namespace(X)
    dtype = X.dtype if namespace is None else namespace.numpy_dtype(X.dtype)
    floor = np.finfo(dtype).eps * largest
    if floor < 1e-3 * tol:
        return ""
    return (
        f" The values of X, as large as {largest:.3g}, limit the KKT violation "
        f"that {np.dtype(dtype).name} arithmetic resolves to about {floor:.2g} "
        "(machine epsilon times max|X|): scale the features or raise tol."
    )


def check_weights(sample_weight, X):
    """``sample_weight`` as a float64 array of non-negative weights, one per
    row of ``X`` (scikit-learn's check, with named conversion errors)."""
    if _namespace(X) is not None:
        # Weights are combined and normalized on the host, then copied to
        # X's device once (``_array_api_datafit``).
        from ._array_api import to_host

        X = np.empty((X.shape[0], 0))
        if hasattr(sample_weight, "shape"):
            sample_weight = to_host(sample_weight)
    try:
        weights = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
    except (TypeError, ValueError) as error:
        try:
            np.asarray(sample_weight, dtype=np.float64)
        except (TypeError, ValueError) as conversion:
            raise ValueError(
                f"sample_weight must hold numbers; converting it to float "
                f"failed: {conversion}"
            ) from error
        raise
    # scikit-learn checks the finiteness of an array, not of a scalar weight,
    # which would otherwise surface as "sums to zero" (NaN) or NaN weights.
    if not np.all(np.isfinite(weights)):
        what = "NaN" if np.isnan(weights).any() else "infinity"
        raise ValueError(
            f"sample_weight contains {what}: every weight must be a finite, "
            "non-negative number."
        )
    return weights


def check_class_weight(class_weight, classes, encoded, weights) -> np.ndarray:
    """The weight of each of ``classes`` under ``class_weight`` (a dict or
    ``"balanced"``), given the labels ``encoded`` as indices into
    ``classes`` and validated sample ``weights``; a ValueError that names
    the entry for a weight that is negative, NaN, infinite or not a number,
    and for ``"balanced"`` weights of a class whose samples weigh nothing
    (its weight would be infinite)."""
    if isinstance(class_weight, dict):
        for label, value in class_weight.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                number, shown = np.nan, repr(value)
            else:
                shown = f"{number:.6g}"
            if not (np.isfinite(number) and number >= 0.0):
                raise ValueError(
                    f"class_weight[{label!r}] is {shown}: class weights must be "
                    "finite, non-negative numbers (0 ignores a class's samples). "
                    "Fix that entry of class_weight."
                )
        return compute_class_weight(class_weight, classes=classes, y=classes)
    # "balanced": n / (K * the total weight of each class). It is invariant
    # to the scale of the weights, so they are scaled to a largest weight of
    # 1 first: a total of huge weights does not overflow.
    largest = float(weights.max(initial=0.0))
    scaled = weights / largest if largest > 0.0 else weights
    totals = np.bincount(encoded, weights=scaled, minlength=classes.size)
    empty = classes[totals == 0.0]
    if empty.size:
        raise ValueError(
            "class_weight='balanced' needs a positive total sample_weight in every "
            f"class; class(es) {empty.tolist()} weigh nothing, and their balanced "
            "weight would be infinite. Give some of their samples a positive "
            "weight, or pass class_weight as a dict."
        )
    return compute_class_weight(
        class_weight, classes=classes, y=classes[encoded], sample_weight=scaled
    )


def check_classes(classes: np.ndarray) -> None:
    """Refuse a classification target with fewer than 2 classes."""
    if classes.size < 2:
        raise ValueError(
            f"y has only one class ({classes.tolist()[0]!r}); a classifier needs "
            "samples of at least 2 classes."
        )


def check_weight_total(total: float) -> None:
    """Refuse weights (sample times class weights) that sum to zero."""
    if not total > 0.0:
        raise ValueError(
            "sample_weight (times class_weight) sums to zero: there is nothing "
            "to fit. Give some samples a positive weight."
        )
