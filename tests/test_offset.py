"""Offsets: a fixed term in the linear predictor, in ``fit``, the prediction
methods, ``logistic_path``, ``lambda_max``, the CV estimator and through
scikit-learn's metadata routing.

References: the KKT conditions with a gradient computed here at the scores
plus the offset, the closed form of a constant offset (the intercept moves
by it), the fit without an offset on shifted labels' log-odds (see below),
and glmnet itself in ``test_glmnet_oracle.py``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from _peers import SKLEARN_VERSION
from numpy.testing import assert_allclose
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from test_logistic_reference import data_gradient, make_data

from sklearn_norm import (
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    lambda_max,
    logistic_path,
)

RHO = {"l1": 1.0, "l2": 0.0, "elasticnet": 0.5}


def offsets_for(y, seed=0, scale=1.0):
    n_classes = np.unique(y).size
    shape = y.shape if n_classes == 2 else (y.size, n_classes)
    return scale * np.random.default_rng(seed).normal(size=shape)


def assert_kkt(X, y, model, regularization, lambda_, offset, atol):
    """The optimality conditions of the objective at scores + offset."""
    coef, intercept = model.coef_, model.intercept_
    g, g0 = data_gradient(X, y, coef, intercept, np.ones(y.size), offset)
    rho = RHO[regularization]
    g = g + lambda_ * (1 - rho) * coef
    zero = coef == 0.0
    assert np.all(np.abs(g[zero]) <= lambda_ * rho + atol), "|g_j| <= l1 at zeros"
    assert_allclose(
        g[~zero] + lambda_ * rho * np.sign(coef[~zero]),
        0.0,
        atol=atol,
        err_msg="stationary at non-zeros",
    )
    assert_allclose(g0, 0.0, atol=atol, err_msg="intercepts")


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("regularization", ["l1", "l2", "elasticnet"])
@pytest.mark.parametrize("solver", ["auto", "lbfgs", "gd"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_kkt_with_offset(regularization, solver, n_classes, sparse):
    X, y = make_data(n_classes)
    offset = offsets_for(y)
    gd = solver == "gd"
    model = RegularizedLogisticRegression(
        regularization,
        0.03,
        solver=solver,
        tol=1e-6 if gd else 1e-10,
        num_iter=200_000 if gd else 1000,
        lr=1.0,
    ).fit(sp.csr_matrix(X) if sparse else X, y, offset=offset)
    assert_kkt(X, y, model, regularization, 0.03, offset, 1e-5 if gd else 1e-8)


def test_constant_offset_moves_the_intercept():
    """With an intercept, a constant offset c is absorbed: the same
    coefficients, the intercept lower by c (for every class column)."""
    X, y = make_data(3)
    plain = RegularizedLogisticRegression("l1", 0.02, tol=1e-11).fit(X, y)
    shift = np.array([0.5, -1.0, 2.0])
    moved = RegularizedLogisticRegression("l1", 0.02, tol=1e-11).fit(
        X, y, offset=np.tile(shift, (y.size, 1))
    )
    assert_allclose(moved.coef_, plain.coef_, rtol=0, atol=1e-9)
    expected = plain.intercept_ - shift
    assert_allclose(moved.intercept_, expected - expected.mean(), atol=1e-9)


def test_offset_of_a_known_effect_recovers_the_rest():
    """The offset X[:, 0] * b0 stands for a known coefficient: an
    unpenalized fit with it has the other coefficients of the unpenalized
    fit of all the features whose first coefficient comes out as b0."""
    X, y = make_data(2, n_samples=400)
    full = RegularizedLogisticRegression(None, tol=1e-12).fit(X, y)
    b0 = full.coef_[0, 0]
    rest = RegularizedLogisticRegression(None, tol=1e-12).fit(
        X[:, 1:], y, offset=X[:, 0] * b0
    )
    assert_allclose(rest.coef_[0], full.coef_[0, 1:], rtol=0, atol=1e-8)
    assert_allclose(rest.intercept_, full.intercept_, rtol=0, atol=1e-8)


def test_prediction_methods_add_the_offset():
    for n_classes in [2, 3]:
        X, y = make_data(n_classes)
        offset = offsets_for(y)
        model = RegularizedLogisticRegression("l2", 0.01).fit(X, y, offset=offset)
        linear = X @ model.coef_.T + model.intercept_
        expected = linear + offset.reshape(y.size, -1)
        scores = model.decision_function(X, offset=offset)
        assert_allclose(scores, expected[:, 0] if n_classes == 2 else expected)
        assert_allclose(
            model.decision_function(X), linear[:, 0] if n_classes == 2 else linear
        )
        proba = model.predict_proba(X, offset)
        assert_allclose(np.log(proba), model.predict_log_proba(X, offset), atol=1e-12)
        assert_allclose(proba.sum(axis=1), 1.0)
        np.testing.assert_array_equal(
            model.predict(X, offset), model.classes_[np.argmax(proba, axis=1)]
        )
        assert model.score(X, y, offset=offset) == np.mean(
            model.predict(X, offset) == y
        )


def test_offset_is_not_modified_and_lists_work():
    X, y = make_data()
    offset = offsets_for(y)
    kept = offset.copy()
    a = RegularizedLogisticRegression("l1", 0.02).fit(X, y, offset=offset)
    b = RegularizedLogisticRegression("l1", 0.02).fit(X, y, offset=offset.tolist())
    np.testing.assert_array_equal(offset, kept)
    assert_allclose(a.coef_, b.coef_)
    column = RegularizedLogisticRegression("l1", 0.02).fit(X, y, offset=offset[:, None])
    assert_allclose(a.coef_, column.coef_)


@pytest.mark.parametrize(
    "offset, n_classes, message",
    [
        (np.zeros(5), 2, r"offset has shape \(5,\); expected shape \(150,\)"),
        (np.zeros((150, 2)), 2, r"expected shape \(150,\)"),
        (np.zeros(150), 3, "cancels in the softmax"),
        (np.zeros((150, 2)), 3, r"expected shape \(150, 3\)"),
        (np.full(150, np.nan), 2, "offset contains NaN"),
        (np.full(150, np.inf), 2, "offset contains infinity"),
        (["a"] * 150, 2, "offset must hold numbers"),
    ],
)
def test_bad_offsets_are_named(offset, n_classes, message):
    X, y = make_data(n_classes)
    with pytest.raises(ValueError, match=message):
        RegularizedLogisticRegression().fit(X, y, offset=offset)
    model = RegularizedLogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=message):
        model.predict_proba(X, offset=offset)


def test_lambda_max_with_offset():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    offset = offsets_for(y, scale=2.0)
    top = lambda_max(X, y, offset=offset)
    assert not np.isclose(top, lambda_max(X, y), rtol=1e-3)
    at = RegularizedLogisticRegression("l1", top * (1 + 1e-9), tol=1e-10)
    assert not at.fit(X, y, offset=offset).coef_.any()
    below = RegularizedLogisticRegression("l1", top * 0.99, tol=1e-10)
    assert below.fit(X, y, offset=offset).coef_.any()


def test_path_with_offset_matches_single_fits():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    offset = offsets_for(y)
    lambdas, coefs, intercepts = logistic_path(
        X, y, offset=offset, n_lambdas=8, lambda_min_ratio=1e-2, tol=1e-10
    )
    assert_allclose(lambdas[0], lambda_max(X, y, offset=offset), rtol=1e-12)
    assert not coefs[0].any()
    for i in [3, 7]:
        model = RegularizedLogisticRegression("l1", lambdas[i], tol=1e-10)
        model.fit(X, y, offset=offset)
        assert_allclose(coefs[i], model.coef_, rtol=0, atol=1e-6)
        assert_allclose(intercepts[i], model.intercept_, rtol=0, atol=1e-6)


@pytest.mark.filterwarnings("ignore:RegularizedLogisticRegressionCV. the best mean")
@pytest.mark.parametrize("scoring", [None, "neg_log_loss", "accuracy"])
def test_cv_scores_held_out_rows_with_their_offsets(scoring):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    offset = offsets_for(y)
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    lambdas = np.geomspace(0.1, 1e-3, 5)
    cv = RegularizedLogisticRegressionCV(
        "l1", lambdas, cv=folds, scoring=scoring, tol=1e-10
    ).fit(X, y, offset=offset)
    for k, (train, test) in enumerate(folds):
        _, coefs, intercepts = logistic_path(
            X[train], y[train], lambdas=lambdas, offset=offset[train], tol=1e-10
        )
        for i in range(lambdas.size):
            z = X[test] @ coefs[i, 0] + intercepts[i, 0] + offset[test]
            if scoring == "accuracy":
                expected = np.mean((z > 0) == y[test])
            else:
                expected = -np.mean(np.logaddexp(0.0, -z * (2 * y[test] - 1)))
            assert_allclose(cv.cv_scores_[k, i], expected, rtol=0, atol=1e-7)
    single = RegularizedLogisticRegression("l1", cv.lambda_, tol=1e-10)
    single.fit(X, y, offset=offset)
    assert_allclose(cv.coef_, single.coef_, rtol=0, atol=1e-6)


@pytest.mark.skipif(
    SKLEARN_VERSION < (1, 8),
    reason="scikit-learn < 1.8: GridSearchCV cannot route metadata to a "
    "Pipeline's score (scikit-learn#30937, fixed in 1.8)",
)
def test_metadata_routing_through_pipeline_and_search():
    """GridSearchCV and cross_validate route the offset to the fit and the
    score of each split, sliced to its rows; a Pipeline routes it to the
    probabilities. (scikit-learn's scorers call ``predict_proba`` without
    metadata, so only the estimator's ``score`` sees held-out offsets.)"""
    X, y = load_breast_cancer(return_X_y=True)
    offset = offsets_for(y)
    folds = KFold(3)
    with sklearn.config_context(enable_metadata_routing=True):
        model = (
            RegularizedLogisticRegression("l1", tol=1e-10)
            .set_fit_request(offset=True)
            .set_score_request(offset=True)
            .set_predict_proba_request(offset=True)
        )
        pipe = make_pipeline(StandardScaler(), model)
        grid = {"regularizedlogisticregression__lambda_": [0.1, 0.01]}
        search = GridSearchCV(pipe, grid, cv=folds).fit(X, y, offset=offset)
        validated = cross_validate(pipe, X, y, params={"offset": offset}, cv=folds)
        proba = search.best_estimator_.predict_proba(X, offset=offset)
    for i, lambda_ in enumerate(grid["regularizedlogisticregression__lambda_"]):
        accuracy = []
        for train, test in folds.split(X):
            scaler = StandardScaler().fit(X[train])
            fitted = RegularizedLogisticRegression("l1", lambda_, tol=1e-10).fit(
                scaler.transform(X[train]), y[train], offset=offset[train]
            )
            Z = scaler.transform(X[test])
            accuracy.append(fitted.score(Z, y[test], offset=offset[test]))
        assert_allclose(search.cv_results_["mean_test_score"][i], np.mean(accuracy))
        if lambda_ == model.lambda_:
            assert_allclose(validated["test_score"], accuracy)
    best = search.best_params_["regularizedlogisticregression__lambda_"]
    scaler = StandardScaler().fit(X)
    alone = RegularizedLogisticRegression("l1", best, tol=1e-10)
    alone.fit(scaler.transform(X), y, offset=offset)
    assert_allclose(proba, alone.predict_proba(scaler.transform(X), offset), atol=1e-9)


def test_offset_with_standardize_and_factors():
    X, y = load_breast_cancer(return_X_y=True)
    offset = offsets_for(y)
    factor = np.ones(X.shape[1])
    factor[[0, 1]] = 0.0, np.inf
    model = RegularizedLogisticRegression(
        "l1", 0.02, standardize=True, penalty_factor=factor, tol=1e-11
    ).fit(X, y, offset=offset)
    scaler = StandardScaler().fit(X)
    by_hand = RegularizedLogisticRegression(
        "l1", 0.02, penalty_factor=factor, tol=1e-11
    ).fit(scaler.transform(X), y, offset=offset)
    assert_allclose(model.coef_ * scaler.scale_, by_hand.coef_, rtol=0, atol=1e-7)
    assert model.coef_[0, 0] != 0.0 and model.coef_[0, 1] == 0.0


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
def test_offset_that_explains_the_labels_leaves_nothing_to_fit():
    """Offsets of +-40 on the right side: the loss gradient is ~exp(-40),
    so the coefficients are ~0 and the fit converges at once (the intercept
    is any value the flat loss allows to tol)."""
    X, y = make_data()
    offset = np.where(y == 1, 40.0, -40.0)
    model = RegularizedLogisticRegression("l2", 0.01).fit(X, y, offset=offset)
    assert_allclose(model.coef_, 0.0, atol=1e-12)
    assert model.optimality_ <= 1e-6 and np.all(np.abs(model.intercept_) < 1.0)
