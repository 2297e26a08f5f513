"""Per-feature penalty factors (``penalty_factor``) in the estimator, the
path, ``lambda_max`` and the CV estimator.

References: the KKT conditions of the weighted objective with a gradient
computed here, scikit-learn on column-rescaled data (an L1 factor ``f`` is
the same as dividing the column by ``f``; an L2 factor, by ``sqrt(f)``),
the fit without an excluded column, and glmnet's rescaling rule written out.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _peers import logistic_regression
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from test_logistic_reference import data_gradient, make_data

from sklearn_norm import (
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    lambda_max,
    logistic_path,
)

RHO = {"l1": 1.0, "l2": 0.0, "elasticnet": 0.5}


def rescaled(factor):
    """glmnet's rule: factors scaled to sum to n_features, inf counted as 1."""
    factor = np.asarray(factor, dtype=float)
    counted = np.where(np.isinf(factor), 1.0, factor)
    return np.where(np.isinf(factor), np.inf, counted * factor.size / counted.sum())


def factors_for(n_features, seed=0, zero=(0,), excluded=(1,)):
    rng = np.random.default_rng(seed)
    factor = rng.uniform(0.3, 3.0, n_features)
    factor[list(zero)] = 0.0
    factor[list(excluded)] = np.inf
    return factor


def fit(regularization, lambda_, factor, solver="auto", tol=1e-10, **params):
    return RegularizedLogisticRegression(
        regularization,
        lambda_,
        penalty_factor=factor,
        solver=solver,
        tol=tol,
        num_iter=200_000 if solver == "gd" else 1000,
        **params,
    )


def assert_weighted_kkt(X, y, model, regularization, lambda_, factor, atol):
    """The optimality conditions of the objective with factors ``f_j``."""
    f = rescaled(factor)
    coef, intercept = model.coef_, model.intercept_
    g_coef, g_intercept = data_gradient(X, y, coef, intercept, np.ones(len(y)))
    rho = RHO[regularization]
    fitted = np.isfinite(f)
    assert np.all(coef[:, ~fitted] == 0.0), "excluded features have zero coef"
    l1 = lambda_ * rho * f[fitted]
    g = (g_coef + lambda_ * (1 - rho) * np.where(fitted, f, 0.0) * coef)[:, fitted]
    w = coef[:, fitted]
    zero = w == 0.0
    l1 = np.broadcast_to(l1, w.shape)
    assert np.all(np.abs(g[zero]) <= l1[zero] + atol), "|g_j| <= l1 f_j at zeros"
    np.testing.assert_allclose(
        g[~zero] + l1[~zero] * np.sign(w[~zero]),
        0.0,
        atol=atol,
        err_msg="g_j + l1 f_j sign(w_j) = 0 at non-zeros",
    )
    np.testing.assert_allclose(g_intercept, 0.0, atol=atol, err_msg="intercepts")


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("regularization", ["l1", "l2", "elasticnet"])
@pytest.mark.parametrize("solver", ["auto", "lbfgs", "orthant-newton", "gd"])
def test_every_solver_meets_the_weighted_kkt_conditions(
    regularization, solver, n_classes
):
    X, y = make_data(n_classes, n_features=10, seed=2)
    factor = factors_for(X.shape[1])
    lam = 0.3 * lambda_max(X, y, l1_ratio=max(RHO[regularization], 0.5))
    model = fit(regularization, lam, factor, solver, lr=1.0).fit(X, y)
    assert_weighted_kkt(X, y, model, regularization, lam, factor, atol=1e-8)
    assert np.all(model.coef_[:, 0] != 0.0), "factor 0: never zeroed"
    if regularization != "l2":
        assert np.any(model.coef_[:, 2:] == 0.0), "the L1 part still zeroes some"


@pytest.mark.parametrize("sparse", [False, True])
def test_l1_factors_are_scikit_learn_on_columns_divided_by_them(sparse):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)[:, :10]
    factor = np.random.default_rng(1).uniform(0.5, 2.0, X.shape[1])
    f = rescaled(factor)
    lam = 0.01
    ours = fit("l1", lam, factor).fit(sp.csr_matrix(X) if sparse else X, y)
    reference = logistic_regression(
        C=1.0 / (lam * X.shape[0]),
        l1_ratio=1.0,
        solver="saga",
        tol=1e-13,
        max_iter=200_000,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reference.fit(X / f, y)
    np.testing.assert_allclose(
        ours.coef_, reference.coef_ / f, atol=1e-6, err_msg="w = w_scaled / f"
    )
    np.testing.assert_array_equal(ours.coef_ == 0.0, reference.coef_ == 0.0)


def test_l2_factors_are_scikit_learn_on_columns_divided_by_their_root():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    factor = np.random.default_rng(2).uniform(0.2, 4.0, X.shape[1])
    root = np.sqrt(rescaled(factor))
    lam = 0.02
    ours = fit("l2", lam, factor).fit(X, y)
    reference = logistic_regression(
        C=1.0 / (lam * X.shape[0]),
        l1_ratio=0.0,
        solver="lbfgs",
        tol=1e-12,
        max_iter=10_000,
    ).fit(X / root, y)
    np.testing.assert_allclose(
        ours.coef_, reference.coef_ / root, atol=1e-6, err_msg="w = w_scaled / sqrt f"
    )


@pytest.mark.parametrize("regularization", ["l1", "l2", "elasticnet"])
def test_equal_factors_change_nothing(regularization):
    X, y = make_data(3, n_features=8, seed=4)
    plain = fit(regularization, 0.02, None).fit(X, y)
    scaled = fit(regularization, 0.02, np.full(X.shape[1], 7.5)).fit(X, y)
    np.testing.assert_allclose(scaled.coef_, plain.coef_, atol=1e-9)
    np.testing.assert_allclose(scaled.intercept_, plain.intercept_, atol=1e-9)


@pytest.mark.parametrize("regularization", ["l1", "l2"])
def test_an_excluded_feature_is_the_fit_without_its_column(regularization):
    X, y = make_data(2, n_features=8, seed=5)
    factor = factors_for(X.shape[1], zero=(), excluded=(3,))
    keep = np.flatnonzero(np.isfinite(factor))
    lam = 0.05
    ours = fit(regularization, lam, factor).fit(X, y)
    # Same rescaled factors on the kept columns: glmnet's rule rescales
    # them to sum to 7 there, so lambda_ absorbs the ratio.
    kept = rescaled(factor)[keep]
    without = fit(regularization, lam * kept.sum() / keep.size, kept).fit(X[:, keep], y)
    assert np.all(ours.coef_[:, 3] == 0.0)
    np.testing.assert_allclose(ours.coef_[:, keep], without.coef_, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, without.intercept_, atol=1e-9)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lambda_max_counts_factors_and_fits_the_unpenalized(n_classes):
    X, y = make_data(n_classes, n_features=10, seed=6)
    factor = factors_for(X.shape[1], zero=(0,), excluded=(1,))
    top = lambda_max(X, y, penalty_factor=factor)
    at = fit("l1", top * (1 + 1e-9), factor).fit(X, y)
    below = fit("l1", top * (1 - 1e-3), factor).fit(X, y)
    assert np.all(at.coef_[:, 2:] == 0.0), "all penalized coefficients zero"
    assert np.all(at.coef_[:, 0] != 0.0), "the unpenalized feature is fitted"
    assert np.any(below.coef_[:, 2:] != 0.0), "one enters just below"
    # Closed form without unpenalized features: max_j |grad_j| / f_j.
    no_zero = factors_for(X.shape[1], zero=(), excluded=())
    g, _ = data_gradient(
        X,
        y,
        np.zeros((1 if n_classes == 2 else n_classes, 10)),
        RegularizedLogisticRegression("l1", 1e9).fit(X, y).intercept_,
        np.ones(len(y)),
    )
    expected = np.max(np.abs(g) / rescaled(no_zero))
    np.testing.assert_allclose(
        lambda_max(X, y, penalty_factor=no_zero), expected, rtol=1e-9
    )


def test_multinomial_unpenalized_coefficients_are_centred():
    X, y = make_data(3, n_features=6, seed=7)
    factor = np.ones(X.shape[1])
    factor[2] = 0.0
    model = fit("l1", 0.05, factor).fit(X, y)
    np.testing.assert_allclose(model.coef_[:, 2].sum(), 0.0, atol=1e-12)


def test_path_keeps_excluded_at_zero_and_unpenalized_in():
    X, y = make_data(2, n_features=10, seed=8)
    factor = factors_for(X.shape[1], zero=(0,), excluded=(1,))
    lambdas, coefs, _ = logistic_path(X, y, penalty_factor=factor, n_lambdas=15)
    np.testing.assert_allclose(lambdas[0], lambda_max(X, y, penalty_factor=factor))
    assert np.all(coefs[:, :, 1] == 0.0)
    assert np.all(coefs[:, :, 0] != 0.0)
    assert np.all(coefs[0, :, 2:] == 0.0)
    single = fit("l1", lambdas[7], factor, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(coefs[7], single.coef_, atol=1e-5)


@pytest.mark.parametrize("regularization", ["l1", "l2"])
def test_cv_fits_with_the_factors(regularization):
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    factor = np.ones(X.shape[1])
    factor[[0, 6]] = 0.0, np.inf
    cv = RegularizedLogisticRegressionCV(
        regularization, penalty_factor=factor, n_lambdas=15
    ).fit(X, y)
    assert cv.coefs_path_.shape[-1] == X.shape[1] and cv.coef_.shape[1] == 13
    assert np.all(cv.coefs_path_[:, :, 6] == 0.0) and np.all(cv.coef_[:, 6] == 0.0)
    single = fit(regularization, cv.lambda_, factor, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(cv.coef_, single.coef_, atol=1e-6)


@pytest.mark.parametrize(
    "factor, message",
    [
        (np.ones(3), "one entry per feature"),
        (np.array([1.0, -1.0, 1.0, 1.0]), "must be >= 0"),
        (np.array([1.0, np.nan, 1.0, 1.0]), "must be >= 0"),
        (np.full(4, np.inf), "every feature is excluded"),
        (np.array([0.0, 0.0, np.inf, 0.0]), "nothing is penalized"),
        (["a", "b", "c", "d"], "must be numbers"),
    ],
)
def test_bad_factors_are_refused_by_name(factor, message):
    X, y = make_data(2, n_features=4)
    for call in (
        lambda: fit("l1", 0.1, factor).fit(X, y),
        lambda: lambda_max(X, y, penalty_factor=factor),
        lambda: logistic_path(X, y, penalty_factor=factor, n_lambdas=3),
        lambda: RegularizedLogisticRegressionCV(penalty_factor=factor).fit(X, y),
    ):
        with pytest.raises(ValueError, match=message):
            call()


def test_float32_and_sparse_give_the_same_model():
    X, y = make_data(2, n_features=8, seed=9)
    factor = factors_for(X.shape[1])
    dense = fit("elasticnet", 0.02, factor).fit(X, y)
    sparse = fit("elasticnet", 0.02, factor).fit(sp.csc_matrix(X), y)
    single = fit("elasticnet", 0.02, factor, tol=1e-5).fit(X.astype(np.float32), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-9)
    assert single.coef_.dtype == np.float32
    np.testing.assert_allclose(single.coef_, dense.coef_, atol=1e-3)
