"""``standardize=True``: the fit on standardized columns, reported on the
original scale, in the estimator, the path, ``lambda_max`` and the CV.

Reference: scikit-learn's ``StandardScaler`` (weighted, population
deviation; ``with_mean=False`` without an intercept), then the fit without
``standardize`` on the scaled data, mapped back by hand. glmnet itself is
the reference in ``test_glmnet_oracle.py``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklearn_norm import (
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    lambda_max,
    logistic_path,
)


def raw_data(n_classes=2, seed=0, sparse=False):
    """Features of very different units and offsets (as raw data has); with
    ``sparse``, a third of the values zero and no offsets (uncentred
    columns, sparse ones or without an intercept, offset by thousands of
    deviations make ill-conditioned fits)."""
    rng = np.random.default_rng(seed)
    n, p = 120, 6
    X = rng.standard_normal((n, p)) * np.array([1e-3, 1.0, 50.0, 1e3, 2.0, 0.1])
    if sparse:
        X[rng.uniform(size=X.shape) < 0.3] = 0.0
    else:
        X += np.array([5.0, -3.0, 100.0, 1e4, 0.0, 1.0])
    signal = (X - X.mean(0)) / X.std(0)
    if n_classes == 2:
        y = (signal[:, 0] - signal[:, 2] + rng.standard_normal(n) > 0).astype(int)
    else:
        y = np.argmax(signal[:, :n_classes] + rng.standard_normal((n, n_classes)), 1)
    return X, y


def by_hand(X, y, fit_intercept=True, sample_weight=None, **params):
    """The fit on StandardScaler's columns, mapped to the original scale."""
    scaler = StandardScaler(with_mean=fit_intercept and not sp.issparse(X))
    scaler.fit(X, sample_weight=sample_weight)
    scale = scaler.scale_
    Z = scaler.transform(X)
    model = RegularizedLogisticRegression(fit_intercept=fit_intercept, **params)
    model.fit(Z, y, sample_weight=sample_weight)
    coef = model.coef_ / scale
    center = scaler.mean_ if scaler.with_mean else np.zeros(X.shape[1])
    intercept = model.intercept_ - coef @ center
    if intercept.size > 1:
        intercept -= intercept.mean()
    return coef, intercept


@pytest.mark.parametrize("regularization", ["l1", "l2", "elasticnet"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_matches_scaler_then_fit(regularization, n_classes, fit_intercept, sparse):
    X, y = raw_data(n_classes, sparse=sparse or not fit_intercept)
    weights = np.random.default_rng(1).uniform(0.2, 2.0, y.size)
    params = dict(regularization=regularization, lambda_=0.02, tol=1e-10)
    coef, intercept = by_hand(X, y, fit_intercept, weights, **params)
    data = sp.csr_matrix(X) if sparse else X
    original = data.copy()
    model = RegularizedLogisticRegression(
        standardize=True, fit_intercept=fit_intercept, **params
    ).fit(data, y, sample_weight=weights)
    label = f"{regularization} K={n_classes} intercept={fit_intercept}"
    # Coefficients of columns of scale 1e-3 are ~1e3 times their
    # standardized ones: compare those.
    assert_allclose(
        model.coef_ * X.std(0), coef * X.std(0), rtol=0, atol=1e-7, err_msg=label
    )
    scores = model.decision_function(X)
    expected = X @ coef.T + intercept
    # Scores of up to 1e3 without centring: a relative tolerance too.
    assert_allclose(
        scores,
        expected[:, 0] if n_classes == 2 else expected,
        rtol=1e-9,
        atol=1e-6,
        err_msg=label,
    )
    np.testing.assert_array_equal(model.coef_ == 0, coef == 0, err_msg=label)
    if sparse:
        assert (data != original).nnz == 0, "sparse X is not modified"
    else:
        np.testing.assert_array_equal(data, original, err_msg="X is not modified")


@pytest.mark.parametrize("solver", ["orthant-newton", "lbfgs", "newton-cg", "gd"])
def test_every_solver(solver):
    X, y = raw_data()
    regularization = "l2" if solver == "newton-cg" else "l1"
    params = dict(regularization=regularization, lambda_=0.05, solver=solver)
    tol = 1e-7 if solver == "gd" else 1e-10
    num_iter = 100_000 if solver == "gd" else 1000
    coef, _ = by_hand(X, y, tol=tol, num_iter=num_iter, lr=1.0, **params)
    model = RegularizedLogisticRegression(
        standardize=True, tol=tol, num_iter=num_iter, lr=1.0, **params
    ).fit(X, y)
    assert_allclose(model.coef_ * X.std(0), coef * X.std(0), rtol=0, atol=1e-5)


def test_unit_free_and_float32():
    """The model does not depend on the units of the features, and float32
    input gives float32 coefficients of the same model."""
    X, y = raw_data()
    units = np.array([1e3, 1e-2, 1.0, 7.0, 1e5, 0.5])
    params = dict(regularization="l1", lambda_=0.02, standardize=True, tol=1e-11)
    model = RegularizedLogisticRegression(**params).fit(X, y)
    rescaled = RegularizedLogisticRegression(**params).fit(X * units, y)
    assert_allclose(rescaled.coef_ * units, model.coef_, rtol=1e-7, atol=0)
    # On the original scale the intercept is b~ - sum_j w_j m_j (m_j: column
    # means, up to 1e4 here), so the coefficients' differences allowed above
    # reach it through the means; beyond those it must agree to 1e-9.
    carried = np.abs((rescaled.coef_ * units - model.coef_) * X.mean(0)).sum()
    assert_allclose(
        rescaled.intercept_, model.intercept_, rtol=1e-9, atol=1e-7 + carried
    )
    single = RegularizedLogisticRegression(**params).fit(X.astype(np.float32), y)
    assert single.coef_.dtype == np.float32
    assert_allclose(single.predict_proba(X), model.predict_proba(X), atol=1e-4)


def test_constant_column_gets_zero():
    X, y = raw_data()
    X[:, 1] = 3.5
    for regularization in ["l1", "l2"]:
        model = RegularizedLogisticRegression(
            regularization, 0.01, standardize=True, penalty_factor=[1, 0, 1, 1, 1, 1]
        ).fit(X, y)
        assert model.coef_[0, 1] == 0.0
        assert np.all(np.isfinite(model.coef_)) and model.coef_[0, 0] != 0.0


def test_penalty_factors_act_on_standardized_coefficients():
    X, y = raw_data()
    factor = np.array([0.0, 1.0, 2.0, np.inf, 1.0, 0.5])
    params = dict(regularization="elasticnet", lambda_=0.05, tol=1e-11)
    coef, _ = by_hand(X, y, penalty_factor=factor, **params)
    model = RegularizedLogisticRegression(
        standardize=True, penalty_factor=factor, **params
    ).fit(X, y)
    assert model.coef_[0, 3] == 0.0 and model.coef_[0, 0] != 0.0
    assert_allclose(model.coef_ * X.std(0), coef * X.std(0), rtol=0, atol=1e-7)


def test_warm_start_continues_from_original_scale():
    X, y = raw_data(3)
    model = RegularizedLogisticRegression(
        "l1", 0.02, standardize=True, warm_start=True, tol=1e-10
    ).fit(X, y)
    cold_iter = model.n_iter_
    first = model.coef_.copy()
    model.fit(X, y)
    assert model.n_iter_ < cold_iter, "a warm start at the solution is cheap"
    assert_allclose(model.coef_ * X.std(0), first * X.std(0), rtol=0, atol=1e-8)


def test_lambda_max_and_path():
    X, y = load_breast_cancer(return_X_y=True)
    Z = StandardScaler().fit_transform(X)
    assert_allclose(lambda_max(X, y, standardize=True), lambda_max(Z, y), rtol=1e-12)
    top = lambda_max(X, y, standardize=True)
    zero = RegularizedLogisticRegression("l1", top, standardize=True).fit(X, y)
    assert not zero.coef_.any()
    lambdas, coefs, intercepts = logistic_path(
        X, y, standardize=True, n_lambdas=8, tol=1e-10
    )
    assert_allclose(lambdas[0], top, rtol=1e-12)
    for i in [2, 7]:
        model = RegularizedLogisticRegression(
            "l1", lambdas[i], standardize=True, tol=1e-10
        ).fit(X, y)
        scale = X.std(0)
        assert_allclose(coefs[i] * scale, model.coef_ * scale, rtol=0, atol=1e-6)
        assert_allclose(intercepts[i], model.intercept_, rtol=0, atol=1e-5)


@pytest.mark.filterwarnings("ignore:RegularizedLogisticRegressionCV. the best mean")
@pytest.mark.parametrize("regularization", ["l1", "l2"])
def test_cv_standardizes_each_fold(regularization):
    """Every fold's path is fitted on the columns standardized with its own
    training rows and scored on the original held-out rows."""
    X, y = load_wine(return_X_y=True)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    lambdas = np.geomspace(0.3, 3e-3, 6)
    cv = RegularizedLogisticRegressionCV(
        regularization, lambdas, standardize=True, cv=folds, tol=1e-9
    ).fit(X, y)
    for k, (train, test) in enumerate(folds):
        scaler = StandardScaler().fit(X[train])
        _, coefs, intercepts = logistic_path(
            scaler.transform(X[train]),
            y[train],
            regularization=regularization,
            lambdas=lambdas,
            tol=1e-9,
        )
        Z_test = scaler.transform(X[test])
        for i in range(lambdas.size):
            scores = Z_test @ coefs[i].T + intercepts[i]
            log_proba = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
            expected = np.mean(log_proba[np.arange(test.size), y[test]])
            assert_allclose(cv.cv_scores_[k, i], expected, rtol=0, atol=1e-7)
    chosen = RegularizedLogisticRegression(
        regularization, cv.lambda_, standardize=True, tol=1e-10
    ).fit(X, y)
    scale = X.std(0)
    assert_allclose(cv.coef_ * scale, chosen.coef_ * scale, rtol=0, atol=1e-6)
    assert cv.coefs_path_.shape == (lambdas.size, 3, X.shape[1])


def test_sparse_stays_sparse_and_not_centred():
    """Sparse columns are scaled, not centred: the intercept absorbs the
    centring, so the model is the dense one's."""
    X, y = raw_data(sparse=True)
    X[:, 1] += 2.0 * (X[:, 1] != 0.0)  # a column with a mean
    params = dict(regularization="l1", lambda_=0.02, standardize=True, tol=1e-11)
    dense = RegularizedLogisticRegression(**params).fit(X, y)
    sparse = RegularizedLogisticRegression(**params).fit(sp.csc_matrix(X), y)
    assert_allclose(sparse.coef_ * X.std(0), dense.coef_ * X.std(0), atol=1e-7)
    assert_allclose(sparse.intercept_, dense.intercept_, rtol=0, atol=1e-6)
