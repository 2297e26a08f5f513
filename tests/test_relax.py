"""The relaxed lasso of ``RegularizedLogisticRegressionCV`` (``relax=True``).

References: scikit-learn's unpenalized ``LogisticRegression`` on the
features the penalized fit keeps (the refit, ``gamma = 0``), the plain CV
(``gamma = 1``), and the selection rule applied by hand to the stored
fold scores.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from test_logistic_reference import make_data

from sklearn_norm import RegularizedLogisticRegression, RegularizedLogisticRegressionCV

FOLDS = StratifiedKFold(3, shuffle=True, random_state=0)


def scaled(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def unpenalized(**params):
    try:  # scikit-learn >= 1.8 spells "no penalty" C=inf
        return LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000, **params)
    except TypeError:  # pragma: no cover
        return LogisticRegression(penalty=None, tol=1e-12, max_iter=10_000, **params)


@pytest.mark.parametrize("data", ["breast_cancer", "noisy_3_classes"])
def test_gamma_zero_is_the_unpenalized_refit_on_the_support(data):
    """On data the kept features do not separate (breast cancer's few
    features at lambda_ 0.03; noisy synthetic classes): scikit-learn's
    unpenalized fit is the refit's independent reference."""
    if data == "breast_cancer":
        (X, y), lambda_ = scaled(load_breast_cancer), 0.03
    else:
        (X, y), lambda_ = make_data(3, n_samples=300), 0.05
    lasso = RegularizedLogisticRegression("l1", lambda_, tol=1e-10).fit(X, y)
    support = np.flatnonzero(np.any(lasso.coef_ != 0, axis=0))
    reference = unpenalized().fit(X[:, support], y)
    model = RegularizedLogisticRegressionCV(
        "l1", [lambda_], relax=True, gammas=[0.0], cv=FOLDS, tol=1e-10
    ).fit(X, y)
    assert model.gamma_ == 0.0 and model.lambda_ == lambda_
    assert not np.any(model.coef_[:, np.setdiff1d(np.arange(X.shape[1]), support)])
    proba = model.predict_proba(X)
    assert_allclose(proba, reference.predict_proba(X[:, support]), atol=1e-6)
    expected = reference.coef_
    if y.max() > 1:  # softmax: compare the zero-mean representative
        expected = expected - expected.mean(axis=0)
    assert_allclose(model.coef_[:, support], expected, rtol=1e-5, atol=1e-5)


def test_gamma_one_is_the_plain_cv():
    X, y = scaled(load_breast_cancer)
    plain = RegularizedLogisticRegressionCV("l1", n_lambdas=20, cv=FOLDS).fit(X, y)
    relaxed = RegularizedLogisticRegressionCV(
        "l1", n_lambdas=20, cv=FOLDS, relax=True, gammas=[1.0]
    ).fit(X, y)
    assert relaxed.lambda_ == plain.lambda_ and relaxed.gamma_ == 1.0
    assert_allclose(relaxed.coef_, plain.coef_, rtol=0, atol=1e-12)
    assert_allclose(relaxed.cv_scores_relaxed_[:, 0, :], plain.cv_scores_)


@pytest.mark.parametrize("selection", ["min", "1se"])
def test_selection_over_lambda_and_gamma(selection):
    X, y = scaled(load_wine)
    model = RegularizedLogisticRegressionCV(
        "elasticnet", n_lambdas=15, cv=FOLDS, relax=True, selection=selection
    ).fit(X, y)
    scores = model.cv_scores_relaxed_  # (n_folds, n_gammas, n_lambdas)
    assert scores.shape == (3, 5, model.lambdas_.size)
    np.testing.assert_array_equal(model.gammas_, [0.0, 0.25, 0.5, 0.75, 1.0])
    # gamma = 1 is the penalized path: the plain CV scores.
    assert_allclose(scores[:, -1, :], model.cv_scores_, rtol=0, atol=1e-12)
    mean = scores.mean(axis=0)
    g, i = np.unravel_index(np.argmax(mean), mean.shape)
    assert model.gamma_min_ == model.gammas_[g]
    assert model.lambda_min_ == model.lambdas_[i]
    error = np.std(scores[:, g, i], ddof=1) / np.sqrt(3)
    within = mean >= mean[g, i] - error
    i_1se = np.flatnonzero(within.any(axis=0))[0]
    assert model.lambda_1se_ == model.lambdas_[i_1se]
    assert model.gamma_1se_ == model.gammas_[np.flatnonzero(within[:, i_1se])[-1]]
    expected = model.gamma_min_ if selection == "min" else model.gamma_1se_
    assert model.gamma_ == expected


def test_final_model_is_the_blend_at_the_selected_pair():
    X, y = scaled(load_breast_cancer)
    model = RegularizedLogisticRegressionCV(
        "l1", n_lambdas=15, cv=FOLDS, relax=True, gammas=[0.5], tol=1e-10
    ).fit(X, y)
    lasso = RegularizedLogisticRegression("l1", model.lambda_, tol=1e-12).fit(X, y)
    support = np.flatnonzero(lasso.coef_[0])
    refit = unpenalized().fit(X[:, support], y)
    coef = 0.5 * lasso.coef_[0, support] + 0.5 * refit.coef_[0]
    intercept = 0.5 * lasso.intercept_ + 0.5 * refit.intercept_
    assert_allclose(model.coef_[0, support], coef, rtol=1e-5, atol=1e-6)
    assert_allclose(model.intercept_, intercept, rtol=1e-5, atol=1e-6)


def test_relaxed_refit_keeps_bounds_and_works_with_standardize_and_offset():
    X, y = load_breast_cancer(return_X_y=True)
    offset = np.random.default_rng(0).normal(size=y.size)
    model = RegularizedLogisticRegressionCV(
        "l1",
        n_lambdas=10,
        cv=FOLDS,
        relax=True,
        standardize=True,
        upper_bounds=0.0,
    ).fit(X, y, offset=offset)
    assert np.all(model.coef_ <= 0.0)
    assert model.gamma_ in model.gammas_
    assert np.isfinite(model.cv_scores_relaxed_).all()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"regularization": "l2"}, "relax=True refits the features an L1 penalty"),
        ({"gammas": [1.5]}, r"gammas must be a non-empty list of numbers in \[0, 1\]"),
        ({"gammas": []}, "gammas must be a non-empty list"),
    ],
)
def test_bad_relax_settings_are_named(params, message):
    X, y = scaled(load_wine)
    params = {"regularization": "l1", "relax": True, **params}
    with pytest.raises(ValueError, match=message):
        RegularizedLogisticRegressionCV(**params).fit(X, y)


def test_refit_without_relax_drops_the_relaxed_attributes():
    X, y = scaled(load_wine)
    model = RegularizedLogisticRegressionCV("l1", n_lambdas=10, cv=FOLDS, relax=True)
    model.fit(X, y)
    assert hasattr(model, "gamma_")
    model.set_params(relax=False).fit(X, y)
    assert not hasattr(model, "gamma_") and not hasattr(model, "cv_scores_relaxed_")


def test_plot_cv_draws_the_selected_blend():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_norm import plot_cv, plot_path

    X, y = scaled(load_breast_cancer)
    model = RegularizedLogisticRegressionCV(
        "l1", n_lambdas=15, relax=True, gammas=[0.0, 0.5]
    ).fit(X, y)
    ax = plot_cv(model)
    g = int(np.flatnonzero(model.gammas_ == model.gamma_)[0])
    drawn = ax.containers[0].lines[0].get_ydata()
    assert_allclose(drawn, -model.cv_scores_relaxed_[:, g, :].mean(axis=0))
    assert ax.get_title().endswith(f"relaxed: gamma_ = {model.gamma_:g}")
    assert plot_path(model).get_title().endswith(f"gamma_ = {model.gamma_:g}")
    plt.close("all")
