"""Bounds on the coefficients (``lower_bounds``, ``upper_bounds``) in the
estimator, the path, ``lambda_max`` and the CV estimator.

References: the KKT conditions of the bounded problem with a gradient
computed here, the unbounded fit when the bounds do not bind, the closed
form of ``lambda_max`` with sign constraints, and glmnet's ``lower.limits``
and ``upper.limits`` in ``test_glmnet_oracle.py``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
from test_logistic_reference import data_gradient, make_data

from sklearn_norm import (
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    lambda_max,
    logistic_path,
)

RHO = {"l1": 1.0, "l2": 0.0, "elasticnet": 0.5}


def box_for(coef):
    """Sign constraints, free coefficients, and a bound at half of the
    largest unbounded coefficient ``coef`` (which binds there)."""
    lower = np.full(coef.shape, -np.inf)
    upper = np.full(coef.shape, np.inf)
    lower[:, 0] = 0.0  # non-negative
    upper[:, 1] = 0.0  # non-positive
    k, j = np.unravel_index(np.argmax(np.abs(coef[:, 2:])), coef[:, 2:].shape)
    j += 2
    if coef[k, j] > 0:
        upper[k, j] = coef[k, j] / 2
    else:
        lower[k, j] = coef[k, j] / 2
    return lower, upper, (k, j)


def assert_box_kkt(X, y, model, regularization, lambda_, lower, upper, atol):
    """Feasibility and the KKT conditions: at an interior coefficient the
    usual ones; at a bound, only a direction into the box may not descend."""
    coef = model.coef_
    assert np.all(coef >= lower) and np.all(coef <= upper), "feasible"
    g, g0 = data_gradient(X, y, coef, model.intercept_, np.ones(y.size))
    rho = RHO[regularization]
    s = g + lambda_ * (1 - rho) * coef
    l1 = lambda_ * rho
    up = np.where(coef > 0, s + l1, np.where(coef < 0, s - l1, s + l1))
    down = np.where(coef > 0, -(s + l1), np.where(coef < 0, -(s - l1), -(s - l1)))
    # The derivative of the objective moving up (down) from coef: >= 0 where
    # that move stays in the box.
    can_up, can_down = coef < upper, coef > lower
    assert np.all(up[can_up] >= -atol), "no descent upwards"
    assert np.all(down[can_down] >= -atol), "no descent downwards"
    assert_allclose(g0, 0.0, atol=atol, err_msg="intercepts")


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("regularization", ["l1", "l2", "elasticnet"])
@pytest.mark.parametrize("solver", ["auto", "gd"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_kkt_of_the_bounded_problem(regularization, solver, n_classes, sparse):
    X, y = make_data(n_classes)
    free = RegularizedLogisticRegression(regularization, 0.02).fit(X, y)
    lower, upper, binding = box_for(free.coef_)
    gd = solver == "gd"
    model = RegularizedLogisticRegression(
        regularization,
        0.02,
        lower_bounds=lower,
        upper_bounds=upper,
        solver=solver,
        tol=1e-6 if gd else 1e-10,
        num_iter=200_000 if gd else 1000,
        lr=1.0,
    ).fit(sp.csr_matrix(X) if sparse else X, y)
    assert model.solver_ == ("gd" if gd else "lbfgs")
    assert model.optimality_ <= (1e-6 if gd else 1e-10)
    assert_box_kkt(
        X, y, model, regularization, 0.02, lower, upper, 1e-5 if gd else 1e-8
    )
    # The box binds: that coefficient sits exactly on its bound.
    assert model.coef_[binding] in (lower[binding], upper[binding])


@pytest.mark.parametrize("regularization", ["l1", "l2"])
def test_bounds_that_do_not_bind_change_nothing(regularization):
    X, y = make_data(3)
    free = RegularizedLogisticRegression(regularization, 0.05, tol=1e-11).fit(X, y)
    wide = RegularizedLogisticRegression(
        regularization, 0.05, lower_bounds=-100.0, upper_bounds=100.0, tol=1e-11
    ).fit(X, y)
    assert wide.solver_ == "lbfgs"
    assert_allclose(wide.coef_, free.coef_, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(wide.coef_ == 0, free.coef_ == 0)


def test_bound_shapes_broadcast():
    X, y = make_data(3)
    p = X.shape[1]
    per_class = np.zeros((3, p))
    per_class[1] = -np.inf  # class 1 unconstrained below
    a = RegularizedLogisticRegression("l2", 0.01, lower_bounds=0.0).fit(X, y)
    b = RegularizedLogisticRegression("l2", 0.01, lower_bounds=np.zeros(p)).fit(X, y)
    assert_allclose(a.coef_, b.coef_)
    assert np.all(a.coef_ >= 0.0)
    c = RegularizedLogisticRegression("l2", 0.01, lower_bounds=per_class).fit(X, y)
    assert np.all(c.coef_[[0, 2]] >= 0.0) and np.any(c.coef_[1] < 0.0)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"lower_bounds": 0.1}, r"lower_bounds must be <= 0 .*got 0.1"),
        ({"upper_bounds": -1.0}, r"upper_bounds must be >= 0"),
        ({"lower_bounds": np.zeros(3)}, r"lower_bounds must be a number, shape \(6,\)"),
        ({"upper_bounds": [np.nan] * 6}, "upper_bounds contains NaN"),
        ({"lower_bounds": ["a"] * 6}, "lower_bounds must be numbers"),
        (
            {"lower_bounds": 0.0, "solver": "orthant-newton"},
            "solver='orthant-newton' does not support lower_bounds",
        ),
        (
            {"upper_bounds": 0.0, "solver": "newton-cg", "regularization": "l2"},
            "solver='newton-cg' does not support lower_bounds",
        ),
    ],
)
def test_bad_bounds_are_named(params, message):
    X, y = make_data()
    params = {"regularization": "l1", **params}
    with pytest.raises(ValueError, match=message):
        RegularizedLogisticRegression(**params).fit(X, y)


def test_lambda_max_with_sign_constraints():
    """With ``lower_bounds=0`` only the negative partial derivatives at the
    constant model count: ``max(max(-g, 0))``; with ``upper_bounds=0`` the
    positive ones."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    frequency = y.mean()
    intercept = np.array([np.log(frequency / (1 - frequency))])
    g, _ = data_gradient(X, y, np.zeros((1, X.shape[1])), intercept, np.ones(y.size))
    assert_allclose(lambda_max(X, y, lower_bounds=0.0), max(np.max(-g), 0.0))
    assert_allclose(lambda_max(X, y, upper_bounds=0.0), max(np.max(g), 0.0))
    signs = np.where(np.arange(X.shape[1]) % 2 == 0, 0.0, -np.inf)
    expected = np.max(np.where(signs == 0.0, np.maximum(-g, 0.0), np.abs(g)))
    top = lambda_max(X, y, lower_bounds=signs)
    assert_allclose(top, expected)
    params = dict(lower_bounds=signs, tol=1e-10)
    above = RegularizedLogisticRegression("l1", top * (1 + 1e-9), **params)
    assert not above.fit(X, y).coef_.any()
    below = RegularizedLogisticRegression("l1", top * 0.99, **params)
    assert below.fit(X, y).coef_.any()


def test_path_and_cv_keep_the_bounds():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    upper = np.full(X.shape[1], np.inf)
    upper[:10] = 0.0
    lower = np.full(X.shape[1], -0.5)
    lambdas, coefs, _ = logistic_path(
        X, y, lower_bounds=lower, upper_bounds=upper, n_lambdas=8, tol=1e-10
    )
    assert np.all(coefs[:, 0, :10] <= 0.0) and np.all(coefs >= -0.5)
    assert np.any(coefs[-1] == -0.5), "the bound binds at the path's end"
    model = RegularizedLogisticRegression(
        "l1", lambdas[5], lower_bounds=lower, upper_bounds=upper, tol=1e-10
    ).fit(X, y)
    assert_allclose(coefs[5], model.coef_, rtol=0, atol=1e-6)
    cv = RegularizedLogisticRegressionCV(
        "l1", n_lambdas=15, lower_bounds=lower, upper_bounds=upper, cv=3
    ).fit(X, y)
    assert np.all(cv.coefs_path_ >= -0.5) and np.all(cv.coef_ >= -0.5)
    assert np.all(cv.coef_[0, :10] <= 0.0)
    single = RegularizedLogisticRegression(
        "l1", cv.lambda_, lower_bounds=lower, upper_bounds=upper, tol=1e-10
    ).fit(X, y)
    assert_allclose(cv.coef_, single.coef_, rtol=0, atol=1e-6)


def test_bounds_with_standardize_act_on_the_original_scale():
    X, y = load_breast_cancer(return_X_y=True)
    lower = np.full(X.shape[1], -np.inf)
    lower[[0, 1]] = -0.01  # per unit of the raw columns
    model = RegularizedLogisticRegression(
        "l2", 0.001, standardize=True, lower_bounds=lower, tol=1e-10
    ).fit(X, y)
    assert np.all(model.coef_[0, :2] >= -0.01)
    assert np.any(model.coef_[0, :2] == -0.01), "the bound binds"
    scaler = StandardScaler().fit(X)
    by_hand = RegularizedLogisticRegression(
        "l2", 0.001, lower_bounds=lower * scaler.scale_, tol=1e-10
    ).fit(scaler.transform(X), y)
    assert_allclose(model.coef_ * scaler.scale_, by_hand.coef_, rtol=0, atol=1e-7)
    # The CV scales the bounds to every fold's own standardized columns.
    cv = RegularizedLogisticRegressionCV(
        "l2", n_lambdas=10, standardize=True, lower_bounds=lower, cv=3
    ).fit(X, y)
    assert np.all(cv.coefs_path_[:, 0, :2] >= -0.01 * (1 + 1e-12))
    assert np.all(cv.coef_[0, :2] >= -0.01 * (1 + 1e-12))


def test_bounds_with_excluded_and_unpenalized_features():
    """An excluded feature's bounds are dropped with it; an unpenalized
    feature stays within its bounds at every lambda (the null model too)."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    factor = np.ones(X.shape[1])
    factor[0], factor[1] = 0.0, np.inf
    upper = np.full(X.shape[1], np.inf)
    upper[0] = -0.3  # wrong sign for an upper bound: refused
    with pytest.raises(ValueError, match="upper_bounds must be >= 0"):
        RegularizedLogisticRegression(
            "l1", upper_bounds=upper, penalty_factor=factor
        ).fit(X, y)
    lower = np.full(X.shape[1], -np.inf)
    lower[0] = -0.2  # the unpenalized feature's coefficient is about -1
    top = lambda_max(X, y, penalty_factor=factor, lower_bounds=lower)
    model = RegularizedLogisticRegression(
        "l1", top * (1 + 1e-6), penalty_factor=factor, lower_bounds=lower, tol=1e-10
    ).fit(X, y)
    assert model.coef_[0, 0] == -0.2 and not model.coef_[0, 1:].any()


def test_penalty_prox_and_measure_with_a_box_by_brute_force():
    """The penalty's prox (clipped soft-thresholding) against a fine grid
    search, and its KKT measure against one-sided derivatives."""
    from sklearn_norm.linear_model._penalties import ElasticNetPenalty

    rng = np.random.default_rng(0)
    lower = np.array([0.0, -0.5, -np.inf, -0.2, 0.0])
    upper = np.array([np.inf, 0.0, 0.3, 0.2, 0.0])
    penalty = ElasticNetPenalty(0.3, 0.2, None, lower, upper)
    grid = np.union1d(np.linspace(-8, 8, 1_600_001), [-0.5, -0.2, 0.0, 0.2, 0.3])
    for _ in range(20):
        w, step = rng.normal(size=5) * 2, 0.7
        prox = penalty.prox(w, step)
        for k in range(5):
            feasible = grid[(grid >= lower[k]) & (grid <= upper[k])]
            value = (feasible - w[k]) ** 2 / (2 * step) + 0.3 * np.abs(feasible)
            value += 0.1 * feasible**2
            assert abs(prox[k] - feasible[np.argmin(value)]) <= 2e-5
    # At a bound only the direction into the box counts.
    w = np.array([0.0, 0.0, 0.3, -0.2, 0.0])
    grad = np.array([1.0, -1.0, -1.0, 1.0, 5.0])
    measure = penalty.pseudo_gradient(w, grad)
    # w0 = 0 at lower 0, gradient +1: moving up costs 1 + 0.3 > 0: optimal.
    # w1 = 0 at upper 0, gradient -1: moving down costs 1 + 0.3: optimal.
    # w2 at upper 0.3, gradient -1 (+ l2 w, + l1): -1 + 0.06 + 0.3 < 0 pushes
    # up, out of the box: optimal. w3 at lower -0.2, gradient 1 - 0.04 - 0.3
    # > 0 pushes down: optimal. w4 fixed at 0: optimal.
    assert_allclose(measure, 0.0, atol=0)
    inside = penalty.pseudo_gradient(np.array([0.0, 0.0, 0.1, 0.1, 0.0]), -grad)
    # w0 = 0 with gradient -1 may grow: violation -(1 - 0.3); w1 = 0 with
    # gradient +1 may shrink: violation 1 - 0.3; w2 interior: g + l2 w + l1.
    assert_allclose(inside[:3], [-0.7, 0.7, 1.0 + 0.02 + 0.3], atol=1e-12)


def test_unpenalized_multinomial_coefficients_stay_in_their_box():
    """Without a penalty a multinomial model is returned with zero-mean
    coefficients, unless they are bounded: the shift could leave the box."""
    X, y = make_data(3, n_samples=300)
    model = RegularizedLogisticRegression(
        None, lower_bounds=-0.5, upper_bounds=0.5, tol=1e-9
    ).fit(X, y)
    assert np.all(np.abs(model.coef_) <= 0.5)
    assert np.any(np.abs(model.coef_) == 0.5)
    factor = np.ones(X.shape[1])
    factor[0] = 0.0
    model = RegularizedLogisticRegression(
        "l1", 0.05, penalty_factor=factor, lower_bounds=0.0, tol=1e-9
    ).fit(X, y)
    assert np.all(model.coef_ >= 0.0)
