"""The bad-input catalogue: every public entry point against every input a
data pipeline may produce.

Each case asserts the exact outcome: the values of the result (a closed form,
or the result of the same data in canonical form, itself checked against
references elsewhere), or the exception type and its message. Every call
runs with warnings turned into errors, and every input is checksummed before
and after: nothing may be modified.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _peers import logistic_regression
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from sklearn_norm import (
    L1Normalizer,
    L2Normalizer,
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    l1_normalize,
    l2_normalize,
    lambda_max,
    logistic_path,
)

RNG = np.random.default_rng(0)
X0 = RNG.standard_normal((40, 4))
Y0 = (X0[:, 0] - X0[:, 1] + RNG.standard_normal(40) > 0).astype(np.int64)


# ------------------------------------------------------------ entry points
# Each runs one public entry point on (X, y, sample_weight) and returns the
# arrays a user would read.


def _dense(a):
    return a.toarray() if sp.issparse(a) else np.asarray(a)


def _classifier_outputs(model, X):
    return (
        model.coef_,
        model.intercept_,
        model.predict_proba(X),
        model.decision_function(X),
    )


def _fit_classifier(regularization, lambda_):
    def run(X, y, sample_weight):
        model = RegularizedLogisticRegression(regularization, lambda_, tol=1e-8)
        model.fit(X, y, sample_weight=sample_weight)
        return _classifier_outputs(model, X)

    return run


def _fit_cv(X, y, sample_weight):
    model = RegularizedLogisticRegressionCV("l1", n_lambdas=5, cv=3, tol=1e-8)
    model.fit(X, y, sample_weight=sample_weight)
    return (model.lambdas_, model.cv_scores_) + _classifier_outputs(model, X)


def _path(X, y, sample_weight):
    return logistic_path(X, y, n_lambdas=5, sample_weight=sample_weight, tol=1e-8)


def _lambda_max(X, y, sample_weight):
    return (np.array([lambda_max(X, y, sample_weight=sample_weight)]),)


def _transform(estimator):
    def run(X, y, sample_weight):
        return (_dense(estimator.fit(X).transform(X)),)

    return run


FUNCTIONS = {
    "l1_normalize": lambda X, y, sw: (_dense(l1_normalize(X)),),
    "l2_normalize": lambda X, y, sw: (_dense(l2_normalize(X)),),
}
TRANSFORMERS = {
    "L1Normalizer": _transform(L1Normalizer()),
    "L1Normalizer(axis=0)": _transform(L1Normalizer(axis=0)),
    "L2Normalizer": _transform(L2Normalizer()),
    "L2Normalizer(axis=0)": _transform(L2Normalizer(axis=0)),
}
SUPERVISED = {
    "RegularizedLogisticRegression(l2)": _fit_classifier("l2", 0.1),
    "RegularizedLogisticRegression(l1)": _fit_classifier("l1", 0.02),
    "RegularizedLogisticRegressionCV": _fit_cv,
    "logistic_path": _path,
    "lambda_max": _lambda_max,
}
ESTIMATORS = {**TRANSFORMERS, **SUPERVISED}
ALL = {**FUNCTIONS, **ESTIMATORS}


def _checksum(a):
    if a is None:
        return None
    if sp.issparse(a):
        names = (
            ("data", "row", "col")
            if a.format == "coo"
            else ("data", "indices", "indptr")
        )
        return [_checksum(getattr(a, name)) for name in names] + [a.format, a.dtype.str]
    if isinstance(a, np.ndarray) and a.dtype != object:
        digest = hashlib.sha256(np.ascontiguousarray(a).view(np.uint8)).hexdigest()
        return (digest, a.dtype.str, a.shape, a.flags.writeable, a.strides)
    if isinstance(a, (pd.DataFrame, pd.Series)):
        # Values, index and dtypes: pandas may consolidate its internal
        # blocks in place, which changes a pickle but not the data.
        hashed = pd.util.hash_pandas_object(a, index=True).to_numpy()
        dtypes = a.dtypes if isinstance(a, pd.DataFrame) else a.dtype
        return (_checksum(hashed), str(dtypes))
    return hashlib.sha256(pickle.dumps(a)).hexdigest()


def run(entry, X, y=None, sample_weight=None):
    """Run ``entry`` with every warning an error; assert no input changed."""
    if y is None:
        y = Y0[: _n_rows(X)] if _n_rows(X) is not None else Y0
    before = [_checksum(a) for a in (X, y, sample_weight)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return ALL[entry](X, y, sample_weight)
    finally:
        after = [_checksum(a) for a in (X, y, sample_weight)]
        assert before == after, f"{entry} modified its input"


def _n_rows(X):
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) >= 1:
        return shape[0]
    if isinstance(X, list):
        return len(X)
    return None


def assert_finite(outputs):
    for out in outputs:
        assert np.all(np.isfinite(out)), "non-finite output"


def assert_same(outputs, expected, exact=False):
    """Outputs equal to those of the canonical input: bitwise for the same
    float64 data, within solver tolerance for another memory layout."""
    assert len(outputs) == len(expected)
    for out, ref in zip(outputs, expected, strict=True):
        if exact:
            assert_array_equal(out, ref)
        else:
            assert_allclose(out, ref, rtol=1e-6, atol=1e-8)


# ------------------------------------------------- X that must be refused


def _with(value, where=(2, 1)):
    X = X0.copy()
    X[where] = value
    return X


BAD_X = {
    "nan": (_with(np.nan), ValueError, "Input {x} contains NaN"),
    "+inf": (_with(np.inf), ValueError, "Input {x} contains infinity"),
    "-inf": (_with(-np.inf), ValueError, "Input {x} contains infinity"),
    "sparse nan": (sp.csr_matrix(_with(np.nan)), ValueError, "contains NaN"),
    "sparse inf": (sp.csr_matrix(_with(np.inf)), ValueError, "contains infinity"),
    "complex": (X0 + 1j, ValueError, "Complex data not supported: {x} has dtype"),
    "sparse complex": (
        sp.csr_matrix(X0 + 1j),
        ValueError,
        "Complex data not supported: {x} has dtype complex128",
    ),
    "non-numeric strings": (
        np.array([["a", "b"]] * 40),
        ValueError,
        "{x} must hold numbers; converting .* failed: could not convert string",
    ),
    "object array with a dict": (
        np.array([[{"a": 1}, 1.0]] * 40, dtype=object),
        TypeError,
        "{x} must hold numbers; .* must be a string or a real number",
    ),
    "pandas with missing values": (
        pd.DataFrame(_with(np.nan), columns=list("abcd")),
        ValueError,
        "Input {x} contains NaN",
    ),
}
ESTIMATOR_ONLY_BAD_X = {
    "None": (None, TypeError, "X must be an array-like or a sparse matrix"),
    "0 samples": (np.empty((0, 4)), ValueError, r"0 sample\(s\) \(shape=\(0, 4\)\)"),
    "0 features": (
        np.empty((40, 0)),
        ValueError,
        r"0 feature\(s\) \(shape=\(40, 0\)\)",
    ),
    "1-D": (X0[:, 0], ValueError, "X must be a 2-D array .* Reshape your data"),
    "3-D": (
        X0.reshape(40, 2, 2),
        ValueError,
        r"X must be a 2-D array .* got a 3-D array of shape \(40, 2, 2\)",
    ),
    "ragged list": ([[1.0, 2.0], [3.0]] * 20, ValueError, "X could not be converted"),
    "pandas categorical": (
        pd.DataFrame({"a": X0[:, 0], "b": pd.Categorical(["u", "v"] * 20)}),
        ValueError,
        r"column\(s\) 'b' \(category\) cannot be converted to numbers",
    ),
}


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("entry", list(ALL))
def test_bad_X_is_refused_with_a_named_error(entry, case):
    X, error, match = BAD_X[case]
    name = "x" if entry in FUNCTIONS else "X"
    with pytest.raises(error, match=match.format(x=name)):
        run(entry, X)


@pytest.mark.parametrize("case", list(ESTIMATOR_ONLY_BAD_X))
@pytest.mark.parametrize("entry", list(ESTIMATORS))
def test_bad_X_is_refused_by_estimators(entry, case):
    X, error, match = ESTIMATOR_ONLY_BAD_X[case]
    if X is None and entry in ("logistic_path", "lambda_max"):
        # Declarative validation of the functions' parameters.
        error, match = ValueError, f"The 'X' parameter of {entry} must be an array"
    with pytest.raises(error, match=match):
        run(entry, X, Y0)


@pytest.mark.parametrize("entry", list(FUNCTIONS))
def test_functions_answer_what_estimators_refuse(entry):
    """The functions are N-d: empty, 1-D and 3-D arrays are valid input."""
    norm = l1_normalize if entry == "l1_normalize" else l2_normalize
    with pytest.raises(TypeError, match="x must be an array-like"):
        run(entry, None)
    for x in (np.empty((0, 4)), np.empty((40, 0))):
        assert run(entry, x)[0].shape == x.shape
    for x in (X0[:, 0], X0.reshape(40, 2, 2)):
        if entry == "l1_normalize":  # default axis=None: the whole array
            expected = x / np.abs(x).sum()
        else:  # default axis=-1
            expected = x / np.sqrt((x**2).sum(axis=-1, keepdims=True))
        assert_allclose(run(entry, x)[0], expected, rtol=1e-14)
    with pytest.raises(ValueError, match="x could not be converted"):
        run(entry, [[1.0, 2.0], [3.0]])
    categorical = pd.DataFrame({"b": pd.Categorical(["u", "v"] * 20)})
    with pytest.raises(ValueError, match="x must hold numbers"):
        norm(categorical)


# ------------------------------------ layouts and dtypes: same answers


def _readonly_memmap(tmp_path_factory, X):
    path = tmp_path_factory.mktemp("memmap") / "X.npy"
    np.save(path, X)
    return np.load(path, mmap_mode="r")


def _csr_with_explicit_zeros():
    X = sp.csr_matrix(X0)
    X.data[::3] = 0.0
    return X, X.toarray()


def _csr_unsorted():
    X = sp.csr_matrix(X0)
    X.indices, X.data = X.indices.copy(), X.data.copy()
    for i in range(X.shape[0]):
        a, b = X.indptr[i], X.indptr[i + 1]
        X.indices[a:b] = X.indices[a:b][::-1]
        X.data[a:b] = X.data[a:b][::-1]
    X.has_sorted_indices = False
    return X, X0


def _csr_int64():
    X = sp.csr_matrix(X0)
    X.indices = X.indices.astype(np.int64)
    X.indptr = X.indptr.astype(np.int64)
    return X, X0


SMALL_INTS = np.round(X0 * 10)
LAYOUTS = {
    # name: (X, the canonical float64 array, bitwise-equal results?)
    "python list": (lambda tmp: (X0.tolist(), X0, True)),
    "tuple of tuples": (lambda tmp: (tuple(map(tuple, X0)), X0, True)),
    "fortran order": (lambda tmp: (np.asfortranarray(X0), X0, False)),
    "non-contiguous view": (lambda tmp: (np.repeat(X0, 2, axis=1)[:, ::2], X0, False)),
    "read-only array": (lambda tmp: (_readonly(X0), X0, True)),
    "read-only memmap": (lambda tmp: (_readonly_memmap(tmp, X0), X0, True)),
    "int8": (lambda tmp: (SMALL_INTS.astype(np.int8), SMALL_INTS, True)),
    "uint8": (
        lambda tmp: (np.abs(SMALL_INTS).astype(np.uint8), np.abs(SMALL_INTS), True)
    ),
    "int64": (lambda tmp: (SMALL_INTS.astype(np.int64), SMALL_INTS, True)),
    "bool": (lambda tmp: (X0 > 0, (X0 > 0).astype(float), True)),
    "float16": (
        lambda tmp: (X0.astype(np.float16), X0.astype(np.float16).astype(float), True)
    ),
    "object array of numbers": (lambda tmp: (X0.astype(object), X0, True)),
    "numeric strings": (
        lambda tmp: (X0.astype(str), X0.astype(str).astype(float), True)
    ),
    # pandas hands over column-major arrays: other summation orders.
    "pandas DataFrame": (
        lambda tmp: (pd.DataFrame(X0, columns=list("abcd")), X0, False)
    ),
    "pandas nullable Float64": (
        lambda tmp: (
            pd.DataFrame(X0, columns=list("abcd")).astype("Float64"),
            X0,
            False,
        )
    ),
    "csr with explicit zeros": (lambda tmp: _csr_with_explicit_zeros() + (False,)),
    "csr with unsorted indices": (lambda tmp: _csr_unsorted() + (False,)),
    "csr with int64 indices": (lambda tmp: _csr_int64() + (False,)),
    "csc": (lambda tmp: (sp.csc_matrix(X0), X0, False)),
    "coo": (lambda tmp: (sp.coo_matrix(X0), X0, False)),
    "csr_array": (lambda tmp: (sp.csr_array(X0), X0, False)),
}


def _readonly(X):
    X = X.copy()
    X.flags.writeable = False
    return X


@pytest.mark.parametrize("case", list(LAYOUTS))
@pytest.mark.parametrize("entry", list(ALL))
def test_layouts_and_dtypes_give_the_canonical_answer(entry, case, tmp_path_factory):
    X, canonical, exact = LAYOUTS[case](tmp_path_factory)
    if entry in FUNCTIONS and sp.issparse(X) and X.format == "coo":
        exact = False
    if entry in FUNCTIONS and case.startswith("pandas"):
        pytest.skip("the functions take arrays; DataFrames go through estimators")
    outputs = run(entry, X)
    assert_finite(outputs)
    assert_same(outputs, run(entry, canonical), exact=exact)


# ----------------------------------------------------- extreme magnitudes


@pytest.mark.parametrize("scale", [1e300, 1e-300, 1e-310])
@pytest.mark.parametrize("entry", list(FUNCTIONS) + list(TRANSFORMERS))
def test_normalizers_at_extreme_magnitudes(entry, scale):
    """The seed's formula, evaluated exactly: norms that overflow float64
    are rescaled; norms below the epsilon floor are floored."""
    X = X0 * scale
    (out,) = run(entry, X)
    assert_finite([out])
    norm = "l1" if "1" in entry.split("_")[0] else "l2"
    if entry in FUNCTIONS:
        axis = None if norm == "l1" else 1
    else:
        axis = 0 if "axis=0" in entry else 1
    exact = X0 * scale  # exact up to one rounding
    if norm == "l1":
        norms = np.abs(X0).sum(axis=axis, keepdims=True) * scale
        divisor = np.maximum(norms, 1e-10)
    else:
        norms = np.sqrt((X0**2).sum(axis=axis, keepdims=True)) * scale
        divisor = np.maximum(norms, 1e-5)
    if scale < 1e-305:  # subnormal input: results are subnormal too
        assert_allclose(out, exact / divisor, rtol=1e-3, atol=0)
    else:
        assert_allclose(out, exact / divisor, rtol=1e-14, atol=0)


MAX_FLOAT = np.finfo(np.float64).max


@pytest.mark.parametrize("entry", list(FUNCTIONS) + ["L1Normalizer", "L2Normalizer"])
def test_row_normalizers_at_the_float64_limit(entry):
    X = np.sign(X0) * MAX_FLOAT
    (out,) = run(entry, X)
    n = X0.size if entry == "l1_normalize" else X0.shape[1]
    expected = np.sign(X0) / (n if "1" in entry.split("_")[0] else np.sqrt(n))
    assert_allclose(out, expected, rtol=1e-14)


@pytest.mark.parametrize("entry", ["L1Normalizer(axis=0)", "L2Normalizer(axis=0)"])
def test_column_norms_that_overflow_are_refused(entry):
    with pytest.raises(
        ValueError, match="norm of feature\\(s\\) \\[0, 1, 2, 3\\] overflows"
    ):
        run(entry, np.sign(X0) * MAX_FLOAT)


@pytest.mark.parametrize("scale", [1e51, 1e150, 1e300, MAX_FLOAT])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("entry", list(SUPERVISED))
def test_logistic_refuses_X_beyond_float64_newton_steps(entry, scale, sparse):
    X = X0 * scale if scale < MAX_FLOAT else np.sign(X0) * MAX_FLOAT
    X = sp.csr_matrix(X) if sparse else X
    with pytest.raises(
        ValueError, match=r"logistic regression supports \|X\| <= 1e\+50"
    ):
        run(entry, X)


@pytest.mark.parametrize("entry", list(SUPERVISED))
def test_logistic_at_1e40_warns_that_float64_limits_the_precision(entry):
    """Inside the limit nothing overflows and no numpy warning escapes, but
    float64 cannot resolve tol: the gradient's rounding error alone (machine
    epsilon times max|X|) is about 1e24. The fit stops with a finite answer,
    reports its KKT violation and says why in the ConvergenceWarning."""
    X = X0 * 1e40
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if entry.startswith("RegularizedLogisticRegression("):
            regularization = "l2" if "l2" in entry else "l1"
            model = RegularizedLogisticRegression(regularization, 1e-3).fit(X, Y0)
            assert model.optimality_ > 1e-6
            outputs = _classifier_outputs(model, X)
        else:
            outputs = SUPERVISED[entry](X, Y0, None)
    assert_finite(outputs)
    messages = [str(w.message) for w in caught]
    assert {type(w.message) for w in caught} <= {ConvergenceWarning}, messages
    if entry != "lambda_max":
        assert messages, "no ConvergenceWarning"
    for message in messages:
        assert re.search(r"as large as \d\.\d+e\+40, limit the KKT violation", message)


@pytest.mark.parametrize("scale", [1e-300, 1e-310])
@pytest.mark.parametrize("regularization", ["l2", "l1", None])
def test_logistic_at_tiny_magnitudes_is_the_constant_model(regularization, scale):
    """With |X| ~ 1e-300 every partial derivative is below tol at w = 0:
    the KKT certificate holds for the constant model, whose intercept is
    the log-odds of the class frequency."""
    (coef, intercept, proba, _) = run(
        f"RegularizedLogisticRegression({regularization or 'l2'})", X0 * scale
    )
    model = RegularizedLogisticRegression(regularization).fit(X0 * scale, Y0)
    assert model.optimality_ <= 1e-6
    assert_allclose(model.coef_ * scale, 0.0, atol=1e-12)
    p = Y0.mean()
    assert_allclose(model.intercept_, [np.log(p / (1 - p))], rtol=1e-9)
    assert_allclose(proba[:, 1], p, rtol=1e-9)


def test_sample_weights_whose_sum_overflows_are_rescaled():
    weights = np.full(40, MAX_FLOAT / 4)
    outputs = run("RegularizedLogisticRegression(l2)", X0, Y0, weights)
    assert_same(outputs, run("RegularizedLogisticRegression(l2)", X0, Y0, None))


# ------------------------------------------------------- degenerate shapes


@pytest.mark.parametrize("entry", list(TRANSFORMERS))
def test_one_sample_and_one_feature_transform(entry):
    for X in (X0[:1], X0[:, :1]):
        (out,) = run(entry, X)
        axis = 0 if "axis=0" in entry else 1
        if entry.startswith("L1"):
            expected = X / np.abs(X).sum(axis=axis, keepdims=True)
        else:
            expected = X / np.sqrt((X**2).sum(axis=axis, keepdims=True))
        assert_allclose(out, expected, rtol=1e-14)


@pytest.mark.parametrize("entry", list(SUPERVISED))
def test_one_sample_is_one_class(entry):
    with pytest.raises(ValueError, match=r"y has only one class \(1\)"):
        run(entry, X0[:1], Y0[:1])


@pytest.mark.parametrize("entry", list(SUPERVISED))
def test_one_feature_matches_scikit_learn(entry):
    outputs = run(entry, X0[:, :1])
    assert_finite(outputs)
    if entry == "RegularizedLogisticRegression(l2)":
        reference = logistic_regression(C=1 / (0.1 * 40), tol=1e-12).fit(X0[:, :1], Y0)
        assert_allclose(outputs[0], reference.coef_, rtol=1e-6)
        assert_allclose(outputs[1], reference.intercept_, rtol=1e-6)


# ---------------------------------------------------------- bad y and weights

BAD_Y = {
    "length mismatch": (
        Y0[:-1],
        ValueError,
        r"inconsistent numbers of samples: \[40, 39\]",
    ),
    "one class": (np.zeros(40, int), ValueError, r"y has only one class \(0\)"),
    "continuous labels": (
        Y0 + 0.5 * np.arange(40),
        ValueError,
        "Unknown label type: continuous",
    ),
    "nan label": (np.r_[np.nan, Y0[1:]], ValueError, "Input y contains NaN"),
    "2 columns": (
        np.c_[Y0, Y0],
        ValueError,
        r"y should be a 1d array, got .* \(40, 2\)",
    ),
    "mixed object labels": (
        np.array([0, "a"] * 20, dtype=object),
        ValueError,
        "Unknown label type: unknown",
    ),
}


@pytest.mark.parametrize("case", list(BAD_Y))
@pytest.mark.parametrize("entry", list(SUPERVISED))
def test_bad_y_is_refused(entry, case):
    y, error, match = BAD_Y[case]
    with pytest.raises(error, match=match):
        run(entry, X0, y)


@pytest.mark.parametrize("entry", list(SUPERVISED))
def test_y_none_is_refused(entry):
    match = "requires y to be passed" if "Regularized" in entry else "'y' parameter"
    with pytest.raises(ValueError, match=match):
        ALL[entry](X0, None, None)


BAD_WEIGHTS = {
    "wrong length": (np.ones(39), ValueError, r"sample_weight.shape == \(39,\)"),
    "2-D": (np.ones((40, 1)), ValueError, "Sample weights must be 1D"),
    "negative": (-np.ones(40), ValueError, "Negative values in data passed to"),
    "nan": (np.r_[np.nan, np.ones(39)], ValueError, "sample_weight contains NaN"),
    "inf": (np.r_[np.inf, np.ones(39)], ValueError, "sample_weight contains infinity"),
    # scikit-learn >= 1.9 refuses all-zero weights itself; before, ours does.
    "all zero": (np.zeros(40), ValueError, "at least one non-zero|sums to zero"),
    "strings": (
        np.array(["a"] * 40),
        ValueError,
        "sample_weight must hold numbers",
    ),
}


@pytest.mark.parametrize("case", list(BAD_WEIGHTS))
@pytest.mark.parametrize("entry", list(SUPERVISED))
def test_bad_sample_weight_is_refused(entry, case):
    weights, error, match = BAD_WEIGHTS[case]
    with pytest.raises(error, match=match):
        run(entry, X0, Y0, weights)


LABELS = {
    "strings": np.where(Y0 == 1, "yes", "no"),
    "booleans": Y0.astype(bool),
    "floats with integer values": Y0.astype(float),
    "int8": Y0.astype(np.int8),
    "python list": Y0.tolist(),
    "pandas categorical": pd.Series(pd.Categorical(np.where(Y0 == 1, "p", "q"))),
    "column vector": Y0[:, None],
}


@pytest.mark.parametrize("case", list(LABELS))
@pytest.mark.parametrize("entry", list(SUPERVISED))
def test_label_types_give_the_same_model(entry, case):
    """Labels are only names: sorted, the second is the positive class."""
    y = LABELS[case]
    if case == "column vector":
        from sklearn.exceptions import DataConversionWarning

        with pytest.warns(DataConversionWarning, match="column-vector y"):
            outputs = ALL[entry](X0, y, None)
    else:
        outputs = run(entry, X0, y)
    reference = run(entry, X0, Y0)
    if case == "pandas categorical":  # "q" (Y0 == 0) sorts after "p"
        reference = run(entry, X0, 1 - Y0)
    assert_same(outputs, reference, exact=True)
    if entry.startswith("RegularizedLogisticRegression("):
        model = RegularizedLogisticRegression().fit(X0, LABELS["strings"])
        assert_array_equal(model.classes_, ["no", "yes"])
        assert set(model.predict(X0)) <= {"no", "yes"}


# ---------------------------------------------------- degenerate columns


@pytest.mark.parametrize("regularization", ["l2", "l1", "elasticnet"])
def test_zero_and_constant_columns_get_zero_coefficients(regularization):
    """With an intercept a constant column's partial derivative is its value
    times the intercept's, zero at the optimum, and a penalized coefficient
    with a zero partial derivative is zero; an all-zero column never moves."""
    X = np.c_[X0, np.zeros(40), np.full(40, 3.0)]
    model = RegularizedLogisticRegression(regularization, 0.05, tol=1e-10).fit(X, Y0)
    assert_allclose(model.coef_[0, 4:], 0.0, atol=1e-9)
    reference = RegularizedLogisticRegression(regularization, 0.05, tol=1e-10)
    reference.fit(X0, Y0)
    assert_allclose(model.coef_[0, :4], reference.coef_[0], rtol=1e-7, atol=1e-9)
    assert_allclose(model.intercept_, reference.intercept_, rtol=1e-7)


def test_all_zero_X_gives_the_constant_model():
    for entry in SUPERVISED:
        outputs = run(entry, np.zeros((40, 4)))
        assert_finite(outputs)
    model = RegularizedLogisticRegression("l2").fit(np.zeros((40, 4)), Y0)
    p = Y0.mean()
    assert_array_equal(model.coef_, 0.0)
    assert_allclose(model.intercept_, [np.log(p / (1 - p))], rtol=1e-12)
    assert lambda_max(np.zeros((40, 4)), Y0) == 0.0


@pytest.mark.parametrize("entry", list(TRANSFORMERS) + list(FUNCTIONS))
def test_zero_rows_and_columns_stay_zero(entry):
    X = X0.copy()
    X[3] = 0.0
    X[:, 2] = 0.0
    (out,) = run(entry, X)
    assert_array_equal(out[3], 0.0)
    assert_array_equal(out[:, 2], 0.0)


@pytest.mark.parametrize("regularization", ["l2", "l1"])
def test_duplicated_rows_equal_weight_two(regularization):
    X = np.r_[X0, X0[:10]]
    y = np.r_[Y0, Y0[:10]]
    weights = np.r_[np.full(10, 2.0), np.ones(30)]
    entry = f"RegularizedLogisticRegression({regularization})"
    duplicated = run(entry, X, y)
    weighted = run(entry, X0, Y0, weights)
    assert_allclose(duplicated[0], weighted[0], rtol=1e-6, atol=1e-8)
    assert_allclose(duplicated[1], weighted[1], rtol=1e-6, atol=1e-8)


# --------------------------------------------------- separable, lambda_ extremes

SEPARABLE_Y = (X0[:, 0] > 0).astype(int)


def test_separable_without_penalty_stops_on_the_kkt_certificate():
    """No finite minimizer exists; the gradient vanishes along the ray, so
    the solver stops where it is below tol, classifying every sample."""
    model = RegularizedLogisticRegression(None).fit(X0, SEPARABLE_Y)
    assert model.optimality_ <= 1e-6
    assert np.all(np.isfinite(model.coef_))
    assert_array_equal(model.predict(X0), SEPARABLE_Y)
    proba = model.predict_proba(X0)
    assert np.all((proba >= 0) & (proba <= 1))
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)


@pytest.mark.parametrize("regularization", ["l2", "l1", "elasticnet"])
def test_separable_with_penalty_matches_scikit_learn(regularization):
    lambda_ = 0.01
    model = RegularizedLogisticRegression(regularization, lambda_, tol=1e-10)
    model.fit(X0, SEPARABLE_Y)
    rho = {"l2": 0.0, "l1": 1.0, "elasticnet": 0.5}[regularization]
    reference = logistic_regression(
        C=1 / (lambda_ * 40),
        l1_ratio=rho,
        solver="saga" if rho else "lbfgs",
        tol=1e-12,
        max_iter=100000,
    ).fit(X0, SEPARABLE_Y)
    assert_allclose(model.coef_, reference.coef_, rtol=1e-5, atol=1e-6)
    assert_allclose(model.intercept_, reference.intercept_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("regularization", ["l2", "l1", "elasticnet"])
def test_lambda_zero_is_no_penalty(regularization):
    zero = RegularizedLogisticRegression(regularization, 0.0, tol=1e-10).fit(X0, Y0)
    none = RegularizedLogisticRegression(None, tol=1e-10).fit(X0, Y0)
    assert_allclose(zero.coef_, none.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(zero.intercept_, none.intercept_, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("regularization", ["l2", "l1", "elasticnet"])
def test_huge_lambda_gives_the_constant_model(regularization):
    model = RegularizedLogisticRegression(regularization, 1e6).fit(X0, Y0)
    p = Y0.mean()
    if regularization == "l2":
        # w = X.T (y - p) / (n lambda_) to first order in 1 / lambda_.
        first_order = X0.T @ (Y0 - p) / (40 * 1e6)
        assert_allclose(model.coef_[0], first_order, rtol=1e-4)
    else:
        assert_array_equal(model.coef_, 0.0)
    assert_allclose(model.intercept_, [np.log(p / (1 - p))], rtol=1e-6)


def test_path_and_cv_with_lambda_zero_and_huge():
    lambdas, coefs, _ = logistic_path(X0, Y0, lambdas=[0.0, 1e6], tol=1e-10)
    assert_array_equal(lambdas, [1e6, 0.0])
    assert_array_equal(coefs[0], 0.0)
    none = RegularizedLogisticRegression(None, tol=1e-10).fit(X0, Y0)
    assert_allclose(coefs[1], none.coef_, rtol=1e-7, atol=1e-9)
    model = RegularizedLogisticRegressionCV("l1", lambdas=[1e6, 0.0], cv=3, tol=1e-10)
    model.fit(X0, Y0)
    assert_array_equal(model.coefs_path_[0], 0.0)
    assert_allclose(model.coefs_path_[1], none.coef_, rtol=1e-7, atol=1e-9)
    # 40 samples in 3 folds: the unpenalized fits overfit their folds.
    best = np.argmax(model.cv_scores_.mean(axis=0))
    assert model.lambda_ == model.lambdas_[best] == 1e6
