"""Properties that hold for every input (hypothesis), with a bounded budget
of examples so that the suite stays fast."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_norm import (
    L1Normalizer,
    L2Normalizer,
    RegularizedLogisticRegression,
    l1_normalize,
    l2_normalize,
)

BUDGET = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI stays reproducible
)
FIT_BUDGET = settings(BUDGET, max_examples=40)

# Entries are 0 or of magnitude [1e-3, 1e3]: no underflow in a quotient, so
# signs and zeros are exact.
entries = st.one_of(
    st.just(0.0),
    st.floats(1e-3, 1e3),
    st.floats(-1e3, -1e-3),
)
matrices = st.tuples(st.integers(1, 12), st.integers(1, 8)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=entries)
)
norms = st.sampled_from(["l1", "l2"])
scales = st.floats(1e-2, 1e2)


def row_normalize(x, norm):
    return l1_normalize(x, axis=1) if norm == "l1" else l2_normalize(x, axis=1)


def row_norms(x, norm):
    return np.abs(x).sum(axis=1) if norm == "l1" else np.sqrt((x**2).sum(axis=1))


def above_floor(x, norm):
    """Rows whose norm is above the epsilon floor (1e-10 for the L1 norm,
    sqrt(1e-10) for the L2 norm): only those are scaled to unit norm."""
    return row_norms(x, norm) > (1e-10 if norm == "l1" else 1e-5)


@BUDGET
@given(x=matrices, norm=norms)
def test_rows_get_unit_norm_zero_rows_stay_zero_signs_are_kept(x, norm):
    out = row_normalize(x, norm)
    unit = above_floor(x, norm)
    assert_allclose(row_norms(out[unit], norm), 1.0, rtol=1e-13)
    zero = ~np.any(x, axis=1)
    assert_array_equal(out[zero], 0.0)
    assert_array_equal(np.sign(out), np.sign(x))


@BUDGET
@given(x=matrices, norm=norms, c=scales)
def test_positive_scaling_changes_nothing(x, norm, c):
    keep = above_floor(x, norm) & above_floor(c * x, norm)
    assert_allclose(
        row_normalize(c * x, norm)[keep], row_normalize(x, norm)[keep], rtol=1e-13
    )


@BUDGET
@given(x=matrices, norm=norms)
def test_normalizing_twice_changes_nothing(x, norm):
    once = row_normalize(x, norm)
    keep = above_floor(x, norm) | ~np.any(x, axis=1)
    assert_allclose(row_normalize(once, norm)[keep], once[keep], rtol=1e-14, atol=0)


@BUDGET
@given(
    x=matrices,
    norm=norms,
    fmt=st.sampled_from(["csr", "csc"]),
    axis=st.sampled_from([0, 1]),
)
def test_sparse_and_dense_agree(x, norm, fmt, axis):
    X = sp.csr_matrix(x).asformat(fmt)
    for function in (l1_normalize, l2_normalize):
        assert_allclose(
            function(X, axis=axis).toarray(), function(x, axis=axis), rtol=1e-14
        )
    transformer = (L1Normalizer if norm == "l1" else L2Normalizer)(axis=axis)
    dense = transformer.fit_transform(x)
    sparse = transformer.fit_transform(X)
    assert sparse.format == fmt
    assert_allclose(sparse.toarray(), dense, rtol=1e-14)


# ------------------------------------------------------- logistic regression


@st.composite
def problems(draw):
    """Small classification problems with every class present, a
    regularization and a penalty strength."""
    n_classes = draw(st.sampled_from([2, 3]))
    n_samples = draw(st.integers(3 * n_classes, 30))
    n_features = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) * draw(st.floats(0.1, 10.0))
    y = rng.permutation(np.arange(n_samples) % n_classes)
    regularization = draw(st.sampled_from(["l2", "l1", "elasticnet"]))
    lambda_ = draw(st.floats(1e-3, 1.0))
    return X, y, regularization, lambda_


def fit(X, y, regularization, lambda_, sample_weight=None):
    model = RegularizedLogisticRegression(regularization, lambda_, tol=1e-10)
    return model.fit(X, y, sample_weight=sample_weight)


def assert_same_model(a, b, columns=slice(None)):
    assert_allclose(a.coef_[:, columns], b.coef_, rtol=1e-6, atol=1e-7)
    assert_allclose(a.intercept_, b.intercept_, rtol=1e-6, atol=1e-7)


@FIT_BUDGET
@given(problem=problems(), seed=st.integers(0, 1000))
def test_permuting_samples_or_features_permutes_nothing_else(problem, seed):
    X, y, regularization, lambda_ = problem
    model = fit(X, y, regularization, lambda_)
    rng = np.random.default_rng(seed)
    rows = rng.permutation(X.shape[0])
    assert_same_model(fit(X[rows], y[rows], regularization, lambda_), model)
    columns = rng.permutation(X.shape[1])
    permuted = fit(X[:, columns], y, regularization, lambda_)
    assert_allclose(permuted.coef_, model.coef_[:, columns], rtol=1e-6, atol=1e-7)
    assert_allclose(permuted.intercept_, model.intercept_, rtol=1e-6, atol=1e-7)


@FIT_BUDGET
@given(problem=problems(), row=st.integers(0, 10**6))
def test_a_duplicated_sample_equals_weight_two(problem, row):
    X, y, regularization, lambda_ = problem
    row %= X.shape[0]
    duplicated = fit(np.r_[X, X[[row]]], np.r_[y, y[[row]]], regularization, lambda_)
    weights = np.ones(X.shape[0])
    weights[row] = 2.0
    assert_same_model(duplicated, fit(X, y, regularization, lambda_, weights))


@FIT_BUDGET
@given(problem=problems(), c=st.floats(1e-3, 1e3), seed=st.integers(0, 1000))
def test_scaling_all_weights_changes_nothing(problem, c, seed):
    X, y, regularization, lambda_ = problem
    weights = np.random.default_rng(seed).uniform(0.1, 2.0, X.shape[0])
    assert_same_model(
        fit(X, y, regularization, lambda_, c * weights),
        fit(X, y, regularization, lambda_, weights),
    )


@FIT_BUDGET
@given(problem=problems(), shift=st.floats(-50.0, 50.0))
def test_probabilities_and_decisions_are_consistent(problem, shift):
    X, y, regularization, lambda_ = problem
    model = fit(X, y, regularization, lambda_)
    X_new = X + shift  # far from the training data too
    proba = model.predict_proba(X_new)
    assert np.all((proba >= 0.0) & (proba <= 1.0))
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert_allclose(
        np.exp(model.predict_log_proba(X_new)), proba, rtol=1e-9, atol=1e-300
    )
    scores = model.decision_function(X_new)
    if scores.ndim == 1:
        expected = model.classes_[(scores > 0).astype(int)]
    else:
        expected = model.classes_[np.argmax(scores, axis=1)]
    assert_array_equal(model.predict(X_new), expected)
    # The most probable class is the predicted one, except where the two
    # largest probabilities are equal to rounding (scores a few ulps apart
    # give the same probability, and argmax then takes the first).
    top_two = np.sort(proba, axis=1)[:, -2:]
    clear = top_two[:, 1] - top_two[:, 0] > 1e-12
    assert_array_equal(model.classes_[np.argmax(proba, axis=1)][clear], expected[clear])
