"""RegularizedLogisticRegressionCV against GridSearchCV over single fits."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

from sklearn_norm import (
    L2Normalizer,
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    lambda_max,
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
    # A ridge grid one decade long ends above the optimum and is extended.
    short = {"lambda_min_ratio": 0.1} if regularization == "l2" else {}
    model = RegularizedLogisticRegressionCV(
        regularization, n_lambdas=8, cv=folds, tol=1e-10, **short
    ).fit(X, y)
    search = GridSearchCV(
        RegularizedLogisticRegression(regularization, tol=1e-10),
        {"lambda_": model.lambdas_},
        cv=folds,
        scoring="neg_log_loss",
    ).fit(X, y)
    expected = np.array([search.cv_results_[f"split{k}_test_score"] for k in range(4)])
    if regularization == "l2":
        # The scores of the continued paths are checked too.
        assert model.lambdas_.size > 8
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
        "l1", n_lambdas=30, cv=5, selection="1se"
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
    model = RegularizedLogisticRegressionCV("l1", n_lambdas=10, cv=3).fit(X, y)
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
    serial = RegularizedLogisticRegressionCV("l1", n_lambdas=6, cv=3).fit(X, y)
    parallel = RegularizedLogisticRegressionCV("l1", n_lambdas=6, cv=3, n_jobs=2).fit(
        X, y
    )
    np.testing.assert_array_equal(serial.cv_scores_, parallel.cv_scores_)
    np.testing.assert_array_equal(serial.coef_, parallel.coef_)
    assert serial.coef_.dtype == np.float32


def test_in_a_pipeline_and_cross_val_score():
    X, y = make_data(2)
    pipe = make_pipeline(
        L2Normalizer(axis=0), RegularizedLogisticRegressionCV("l1", n_lambdas=5, cv=3)
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.6)


def test_verbose_prints_folds(capsys):
    X, y = make_data(2)
    grid = [1.0, 0.1, 0.01]
    RegularizedLogisticRegressionCV("l2", grid, cv=3, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("fold ") == 3 and "lambda_min" in out
    RegularizedLogisticRegressionCV(
        "l2", n_lambdas=3, lambda_min_ratio=0.5, cv=3, verbose=1
    ).fit(X, y)
    out = capsys.readouterr().out
    assert "extended it to" in out, "the default grid's extension is reported"


def test_fold_without_a_class_is_a_clear_error():
    X, y = make_data(3)
    order = np.argsort(y, kind="stable")
    with pytest.raises(ValueError, match=r"training part of fold 0 has no sample"):
        RegularizedLogisticRegressionCV(n_lambdas=3, cv=KFold(3)).fit(
            X[order], y[order]
        )


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


def standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def log_step(lambdas):
    return np.diff(np.log(lambdas))


@pytest.mark.filterwarnings("error::UserWarning")
@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine], ids=["bc", "wine"])
def test_ridge_grid_extends_to_an_interior_optimum(loader):
    # A ridge grid from 10 * lambda_max(L1) down two decades stops above the
    # CV optimum of standardized real data; the estimator must find it.
    X, y = standardized(loader)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    model = RegularizedLogisticRegressionCV(
        cv=folds, n_lambdas=20, lambda_min_ratio=1e-2
    ).fit(X, y)
    default = 10 * lambda_max(X, y) * np.logspace(0, -2, 20)
    lambdas = model.lambdas_
    assert lambdas.size > 20, "the grid was extended"
    np.testing.assert_allclose(lambdas[:20], default, rtol=1e-12)
    np.testing.assert_allclose(log_step(lambdas), log_step(default)[0], rtol=1e-9)
    mean = model.cv_scores_.mean(axis=0)
    best = int(np.argmax(mean))
    assert 0 < best < lambdas.size - 1, "an interior optimum"
    error = model.cv_scores_[:, best].std(ddof=1) / np.sqrt(5)
    turned = mean[-1] <= mean[best] - error or lambdas[best] / lambdas[-1] >= 10**0.5
    assert turned, "the curve has turned after the optimum"
    assert model.lambda_ == model.lambda_min_ == lambdas[best]


@pytest.mark.filterwarnings("error::UserWarning")
@pytest.mark.parametrize(
    "loader", [load_breast_cancer, load_wine, load_iris], ids=["bc", "wine", "iris"]
)
def test_default_ridge_grid_is_ten_per_decade_from_ten_lasso_lambda_max(loader):
    X, y = standardized(loader)
    model = RegularizedLogisticRegressionCV(
        cv=StratifiedKFold(5, shuffle=True, random_state=0)
    ).fit(X, y)
    lambdas = model.lambdas_
    # 40 points over four decades from 10 * lambda_max(L1), extended in the
    # same steps only where the best score lay at an end.
    top = 10 * lambda_max(X, y)
    at = int(np.argmin(np.abs(np.log(lambdas / top))))
    np.testing.assert_allclose(lambdas[at : at + 40], top * np.logspace(0, -4, 40))
    np.testing.assert_allclose(log_step(lambdas), np.log(10) * -4 / 39, rtol=1e-9)
    best = int(np.argmax(model.cv_scores_.mean(axis=0)))
    assert 0 < best < lambdas.size - 1, "an interior optimum"


def test_explicit_n_lambdas_overrides_the_ridge_default():
    X, y = make_data(3)
    model = RegularizedLogisticRegressionCV(n_lambdas=100, cv=3).fit(X, y)
    top = 10 * lambda_max(X, y)
    at = int(np.argmin(np.abs(np.log(model.lambdas_ / top))))
    np.testing.assert_allclose(
        model.lambdas_[at : at + 100], top * np.logspace(0, -4, 100)
    )
    l1 = RegularizedLogisticRegressionCV("l1", cv=3).fit(X, y)
    np.testing.assert_allclose(
        l1.lambdas_[:100], lambda_max(X, y) * np.logspace(0, -4, 100)
    )


def test_ridge_grid_extends_upwards_when_the_features_carry_no_signal():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = rng.integers(0, 2, size=200)
    default = 10 * lambda_max(X, y) * np.logspace(0, -4, 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = RegularizedLogisticRegressionCV(n_lambdas=10, cv=4).fit(X, y)
    assert model.lambdas_[0] > default[0], "extended above the default top"
    np.testing.assert_allclose(log_step(model.lambdas_), log_step(default)[0])
    messages = [str(w.message) for w in caught if w.category is UserWarning]
    best = int(np.argmax(model.cv_scores_.mean(axis=0)))
    if best == 0:
        assert any("largest lambda of the extended grid" in m for m in messages)
    else:
        assert not messages


def test_separable_data_stop_the_extension_and_warn():
    X, y = make_classification(
        80, 4, n_informative=2, n_redundant=0, class_sep=4.0, random_state=0
    )
    with pytest.warns(UserWarning, match="smallest lambda of the extended grid"):
        model = RegularizedLogisticRegressionCV(n_lambdas=10, cv=4).fit(X, y)
    assert model.lambda_min_ == model.lambdas_[-1]
    # The training data are nearly separated where the extension stopped.
    assert model.lambdas_[-1] > 1e-9


def test_a_user_grid_is_not_extended_but_its_end_warns():
    X, y = standardized(load_breast_cancer)
    grid = [0.02, 0.1, 0.05]  # the optimum is near 2e-3
    with pytest.warns(UserWarning, match="smallest lambda of the given grid, 0.02"):
        model = RegularizedLogisticRegressionCV(lambdas=grid, cv=3).fit(X, y)
    np.testing.assert_array_equal(model.lambdas_, [0.1, 0.05, 0.02])
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(200, 5))
    labels = rng.integers(0, 2, size=200)  # no signal: the largest is best
    with pytest.warns(UserWarning, match="largest lambda of the given grid.*larger"):
        RegularizedLogisticRegressionCV(lambdas=[1e-2, 1e-3], cv=3).fit(noise, labels)


@pytest.mark.filterwarnings("error::UserWarning")
def test_an_l1_grid_topped_at_lambda_max_does_not_warn():
    # Above lambda_max every L1 coefficient is zero: a best score at such a
    # top needs no larger lambda.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 4))
    y = rng.integers(0, 2, size=100)
    top = lambda_max(X, y)
    # Above every fold's lambda_max too: all-zero models that tie.
    model = RegularizedLogisticRegressionCV("l1", lambdas=[3 * top, 2 * top], cv=3)
    model.fit(X, y)
    assert model.lambda_min_ == 3 * top and not model.coef_.any()


def test_n_lambdas_and_lambda_min_ratio_build_logistic_paths_grid():
    X, y = make_data(2)
    model = RegularizedLogisticRegressionCV(
        "l1", n_lambdas=7, lambda_min_ratio=0.05, cv=3
    ).fit(X, y)
    expected, _, _ = logistic_path(X, y, n_lambdas=7, lambda_min_ratio=0.05)
    np.testing.assert_allclose(model.lambdas_[:7], expected, rtol=1e-12)


def test_class_weight_weighs_the_fits_not_the_held_out_scores():
    X, y = make_data(3)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = [0.3, 0.1, 0.03, 0.01]
    model = RegularizedLogisticRegressionCV(
        "l2", grid, cv=folds, class_weight="balanced", tol=1e-10
    ).fit(X, y)
    # "balanced" is computed on all of y, then used by every fold's fit.
    weights = compute_class_weight("balanced", classes=np.unique(y), y=y)
    search = GridSearchCV(
        RegularizedLogisticRegression(
            "l2", class_weight=dict(enumerate(weights)), tol=1e-10
        ),
        {"lambda_": model.lambdas_},
        cv=folds,
        scoring="neg_log_loss",
    ).fit(X, y)
    expected = np.array([search.cv_results_[f"split{k}_test_score"] for k in range(3)])
    np.testing.assert_allclose(model.cv_scores_, expected, rtol=1e-7)
    single = RegularizedLogisticRegression(
        "l2", model.lambda_, class_weight="balanced", tol=1e-10
    ).fit(X, y)
    np.testing.assert_allclose(model.coef_, single.coef_, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("regularization", ["l1", "l2"])
def test_the_final_fit_is_tighter_than_the_path(regularization):
    X, y = make_data(2)
    model = RegularizedLogisticRegressionCV(regularization, n_lambdas=10, cv=3).fit(
        X, y
    )
    assert model.optimality_ <= 1e-10, "tol * 1e-4"
    # A small model: prox-newton (``auto`` with its size) for an L1 part.
    assert model.solver_ == ("newton-cg" if regularization == "l2" else "prox-newton")
    chosen = int(np.flatnonzero(model.lambdas_ == model.lambda_)[0])
    np.testing.assert_allclose(
        model.coef_, model.coefs_path_[chosen], atol=1e-4, err_msg="within tol"
    )
    tight = RegularizedLogisticRegression(regularization, model.lambda_, tol=1e-12)
    tight.fit(X, y)
    np.testing.assert_allclose(model.coef_, tight.coef_, rtol=1e-8, atol=1e-9)
