"""RegularizedLogisticRegressionCV against GridSearchCV over single fits."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_norm import (
    L2Normalizer,
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    logistic_path,
)


def make_data(n_classes=2, n_samples=150, n_features=10, seed=0):
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=4,
        n_classes=n_classes,
        n_clusters_per_class=1,
        flip_y=0.1,
        random_state=seed,
    )
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("regularization", ["l1", "l2", "elasticnet"])
def test_scores_and_choice_equal_grid_search_over_single_fits(
    regularization, n_classes
):
    X, y = make_data(n_classes)
    folds = StratifiedKFold(4, shuffle=True, random_state=0)
    model = RegularizedLogisticRegressionCV(
        regularization, lambdas=12, cv=folds, tol=1e-10
    ).fit(X, y)
    search = GridSearchCV(
        RegularizedLogisticRegression(regularization, tol=1e-10),
        {"lambda_": model.lambdas_},
        cv=folds,
        scoring="neg_log_loss",
    ).fit(X, y)
    expected = np.array([search.cv_results_[f"split{k}_test_score"] for k in range(4)])
    np.testing.assert_allclose(
        model.cv_scores_, expected, rtol=1e-7, atol=1e-9, err_msg="fold scores"
    )
    assert model.lambda_min_ == search.best_params_["lambda_"]
    assert model.lambda_ == model.lambda_min_
    single = RegularizedLogisticRegression(
        regularization, model.lambda_, tol=1e-10
    ).fit(X, y)
    np.testing.assert_allclose(model.coef_, single.coef_, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        model.intercept_, single.intercept_, rtol=1e-6, atol=1e-6
    )
    np.testing.assert_array_equal(model.predict(X), single.predict(X))


def test_one_standard_error_rule():
    X, y = make_data(2, n_samples=200, n_features=30)
    model = RegularizedLogisticRegressionCV(
        "l1", lambdas=30, cv=5, selection="1se"
    ).fit(X, y)
    mean = model.cv_scores_.mean(axis=0)
    best = int(np.argmax(mean))
    se = model.cv_scores_[:, best].std(ddof=1) / np.sqrt(5)
    # The largest lambda (the grid decreases) within one SE of the best.
    first = int(np.flatnonzero(mean >= mean[best] - se)[0])
    assert model.lambda_min_ == model.lambdas_[best]
    assert model.lambda_1se_ == model.lambdas_[first]
    assert model.lambda_1se_ >= model.lambda_min_
    assert model.lambda_ == model.lambda_1se_
    assert np.count_nonzero(model.coef_) <= np.count_nonzero(model.coefs_path_[best]), (
        "1se is sparser than min"
    )


def test_path_attributes_equal_logistic_path():
    X, y = make_data(3)
    model = RegularizedLogisticRegressionCV("l1", lambdas=10, cv=3).fit(X, y)
    lambdas, coefs, intercepts = logistic_path(X, y, n_lambdas=10)
    np.testing.assert_array_equal(model.lambdas_, lambdas)
    np.testing.assert_allclose(model.coefs_path_, coefs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.intercepts_path_, intercepts, atol=1e-12)
    assert model.cv_scores_.shape == (3, 10)
    assert model.coef_.shape == (3, 10) and model.intercept_.shape == (3,)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("scoring", ["accuracy", make_scorer(accuracy_score)])
def test_any_scorer(scoring):
    X, y = make_data(2)
    folds = KFold(3, shuffle=True, random_state=1)
    model = RegularizedLogisticRegressionCV(
        "l2", lambdas=[1.0, 0.1, 0.01], cv=folds, scoring=scoring
    ).fit(X, y)
    for k, (train, test) in enumerate(folds.split(X, y)):
        for i, lambda_ in enumerate(model.lambdas_):
            single = RegularizedLogisticRegression("l2", lambda_).fit(
                X[train], y[train]
            )
            assert model.cv_scores_[k, i] == pytest.approx(
                single.score(X[test], y[test]), abs=1e-12
            )


def test_user_lambdas_are_sorted_and_sample_weight_scale_free():
    X, y = make_data(2)
    grid = [0.001, 0.1, 0.01]
    model = RegularizedLogisticRegressionCV("l2", lambdas=grid, cv=3).fit(X, y)
    np.testing.assert_array_equal(model.lambdas_, [0.1, 0.01, 0.001])
    weighted = RegularizedLogisticRegressionCV("l2", lambdas=grid, cv=3).fit(
        X, y, sample_weight=np.full(y.size, 2.5)
    )
    np.testing.assert_allclose(weighted.cv_scores_, model.cv_scores_, rtol=1e-9)
    np.testing.assert_allclose(weighted.coef_, model.coef_, rtol=1e-9)


def test_sample_weight_reaches_fits_and_scores():
    X, y = make_data(2)
    weights = np.where(np.arange(y.size) % 2 == 0, 1.0, 3.0)
    folds = KFold(3)
    model = RegularizedLogisticRegressionCV(
        "l2", lambdas=[0.1, 0.01], cv=folds, scoring="accuracy"
    ).fit(X, y, sample_weight=weights)
    for k, (train, test) in enumerate(folds.split(X, y)):
        single = RegularizedLogisticRegression("l2", 0.1).fit(
            X[train], y[train], sample_weight=weights[train]
        )
        expected = accuracy_score(
            y[test], single.predict(X[test]), sample_weight=weights[test]
        )
        assert model.cv_scores_[k, 0] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("sparse", [False, True])
def test_parallel_folds_equal_serial_and_dtype_kept(sparse):
    X, y = make_data(2)
    X = sp.csr_array(X.astype(np.float32)) if sparse else X.astype(np.float32)
    serial = RegularizedLogisticRegressionCV("l1", lambdas=6, cv=3).fit(X, y)
    parallel = RegularizedLogisticRegressionCV("l1", lambdas=6, cv=3, n_jobs=2).fit(
        X, y
    )
    np.testing.assert_array_equal(serial.cv_scores_, parallel.cv_scores_)
    np.testing.assert_array_equal(serial.coef_, parallel.coef_)
    assert serial.coef_.dtype == np.float32


def test_in_a_pipeline_and_cross_val_score():
    X, y = make_data(2)
    pipe = make_pipeline(
        L2Normalizer(axis=0), RegularizedLogisticRegressionCV("l1", lambdas=5, cv=3)
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.6)


def test_verbose_prints_folds(capsys):
    X, y = make_data(2)
    RegularizedLogisticRegressionCV("l2", lambdas=3, cv=3, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("fold ") == 3 and "lambda_min" in out


def test_fold_without_a_class_is_a_clear_error():
    X, y = make_data(3)
    order = np.argsort(y, kind="stable")
    with pytest.raises(ValueError, match=r"training part of fold 0 has no sample"):
        RegularizedLogisticRegressionCV(lambdas=3, cv=KFold(3)).fit(X[order], y[order])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"lambdas": 0}, "'lambdas' parameter"),
        ({"lambdas": [0.1, -1.0]}, "lambdas must be finite and non-negative"),
        ({"selection": "max"}, "'selection' parameter"),
        ({"scoring": "nope"}, "'scoring' parameter"),
        ({"regularization": None}, "'regularization' parameter"),
        ({"cv": "five"}, "'cv' parameter"),
    ],
)
def test_bad_parameters_are_named(params, match):
    X, y = make_data(2)
    with pytest.raises(ValueError, match=match):
        RegularizedLogisticRegressionCV(**params).fit(X, y)
