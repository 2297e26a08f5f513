"""Feature-sign search, prox-newton's solver of a step's model for the
ungrouped penalties (``_Model.active_set``), and ``solver="auto"``
choosing prox-newton for small models.

References: the model's minimum found by scipy's L-BFGS-B on the split
(positive and negative parts) problem, written out here; the model's KKT
conditions computed here; orthant-newton's objective on the same data.
"""

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from test_logistic_reference import make_data

from sklearn_norm import RegularizedLogisticRegression, RegularizedLogisticRegressionCV
from sklearn_norm.linear_model._penalties import ElasticNetPenalty
from sklearn_norm.linear_model._solvers import ACTIVE_SET_SIZE, _prox_newton


def random_model(seed, n_classes, n_features, intercept, l1, l2, factors=None):
    """A step's model as prox-newton builds it: a multinomial-like Hessian
    (singular along each feature's shift of its K coefficients when
    ``n_classes > 1``, as the softmax's), a gradient and a start ``w``, in
    the model's feature-major order; the ``_Model`` on them, and those
    arrays with the datafit-to-model ``order``."""
    rng = np.random.default_rng(seed)
    K, m = n_classes, n_features
    n_coef = K * m
    n_params = n_coef + (K if intercept else 0)
    A = rng.standard_normal((3 * n_params, n_params))
    if K > 1:  # remove each block's (and the intercepts') common shift
        for start in range(0, n_params, K):
            block = A[:, start : start + K]
            block -= block.mean(axis=1, keepdims=True)
    H = A.T @ A / A.shape[0]
    grad = rng.standard_normal(n_params)
    if K > 1:  # as a softmax gradient: no part along those shifts
        grad = (grad.reshape(-1, K) - grad.reshape(-1, K).mean(axis=1)[:, None]).ravel()
    params = np.zeros(n_params)
    params[:n_coef] = np.where(rng.random(n_coef) < 0.5, rng.standard_normal(n_coef), 0)
    order = np.arange(n_coef).reshape(K, m).T.ravel()
    order = np.concatenate([order, np.arange(n_coef, n_params)])
    datafit = SimpleNamespace(
        n_outputs=K,
        n_features=m,
        n_coef=n_coef,
        n_params=n_params,
        fit_intercept=intercept,
    )
    weights = None if factors is None else np.tile(factors, K)
    penalty = ElasticNetPenalty(l1, l2, weights)
    # Parameters in the datafit's (class-major) layout; H in the model's.
    return _prox_newton._Model(datafit, penalty, params, H, grad[np.argsort(order)]), (
        H,
        grad,
        params[order],
        order,
    )


def reference_minimum(H, grad, start, n_coef, a, b):
    """The model's minimum by L-BFGS-B on ``x = u - v`` (``u, v >= 0``)."""
    n_params = start.size
    w = start[:n_coef]

    def f(z):
        u, v, c = z[:n_coef], z[n_coef : 2 * n_coef], z[2 * n_coef :]
        x = u - v
        d = np.concatenate([x - w, c])
        r = grad + H @ d
        value = grad @ d + 0.5 * d @ (H @ d) + a @ (u + v) + 0.5 * b @ (x * x)
        g_x = r[:n_coef] + b * x
        return value, np.concatenate([g_x + a, -g_x + a, r[n_coef:]])

    z0 = np.concatenate(
        [np.maximum(w, 0), np.maximum(-w, 0), np.zeros(n_params - n_coef)]
    )
    bounds = [(0, None)] * (2 * n_coef) + [(None, None)] * (n_params - n_coef)
    result = minimize(
        f,
        z0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 100000, "maxfun": 100000},
    )
    return result.fun


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n_classes", [1, 3])
@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_active_set_minimizes_the_model(seed, n_classes, intercept, l2):
    """The search ends at the model's minimum (L-BFGS-B on the split
    problem) and meets the model's KKT conditions, computed here."""
    factors = np.array([1.0, 0.0, 2.0, 1.0, 0.5, 1.0, 1.0])  # one unpenalized
    model, (H, grad, start, order) = random_model(
        seed, n_classes, 7, intercept, 0.3, l2, factors
    )
    n_coef = model.n_coef
    assert model.active_set(1e-12)
    a = np.repeat(model.l1, model.K)
    b = np.repeat(model.l2, model.K)
    d = model.direction()[order]  # back in the model's order
    x = start[:n_coef] + d[:n_coef]
    # KKT: the smooth gradient plus the penalty's subgradient.
    smooth = grad + H @ d
    g = smooth[:n_coef] + b * x
    nonzero = x != 0.0
    assert_allclose(g[nonzero] + a[nonzero] * np.sign(x[nonzero]), 0.0, atol=1e-10)
    assert np.all(np.abs(g[~nonzero]) <= a[~nonzero] + 1e-10)
    assert_allclose(smooth[n_coef:], 0.0, atol=1e-10)
    # The minimum, independently.
    value = grad @ d + 0.5 * d @ H @ d
    value += a @ np.abs(x) + 0.5 * b @ (x * x)
    best = reference_minimum(H, grad, start, n_coef, a, b)
    assert value <= best + 1e-9 * max(1.0, abs(best))


def test_active_set_leaves_zeros_exact():
    """A coefficient the search leaves at zero gets the step ``-w`` exactly:
    ``w + d`` is 0.0, not a rounding error."""
    model, (_, _, start, order) = random_model(3, 3, 7, True, 0.5, 0.0)
    assert model.active_set(1e-12)
    d = model.direction()[order]
    x = start[: model.n_coef] + d[: model.n_coef]
    assert np.any(x == 0.0) and np.any(start[: model.n_coef][x == 0.0] != 0.0)
    assert np.all((x == 0.0) | (np.abs(x) > 1e-12))


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("regularization", ["l1", "elasticnet"])
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_auto_uses_prox_newton_on_small_models(
    regularization, n_classes, sparse, fit_intercept
):
    """A small model (at most ACTIVE_SET_SIZE parameters) is fitted by
    prox-newton, to the objective and the probabilities of orthant-newton,
    with sample weights and penalty factors."""
    X, y = make_data(n_classes, n_features=8)
    X = sp.csr_matrix(X) if sparse else X
    weight = np.random.default_rng(0).uniform(0.1, 2.0, y.size)
    factors = np.array([1.0, 0.0, 2.0, 1.0, 0.5, 1.0, 1.0, 3.0])
    fits = [
        RegularizedLogisticRegression(
            regularization,
            0.01,
            solver=solver,
            tol=1e-11,
            fit_intercept=fit_intercept,
            penalty_factor=factors,
        ).fit(X, y, sample_weight=weight)
        for solver in ("auto", "orthant-newton")
    ]
    assert fits[0].solver_ == "prox-newton"
    assert fits[0].optimality_ <= 1e-11
    assert_allclose(fits[0].objective_, fits[1].objective_, rtol=1e-12)
    assert_allclose(fits[0].predict_proba(X), fits[1].predict_proba(X), atol=1e-7)


def test_auto_keeps_orthant_newton_for_larger_models():
    rng = np.random.default_rng(0)
    n_features = ACTIVE_SET_SIZE  # with the intercept: one parameter too many
    X = rng.standard_normal((100, n_features))
    y = (X[:, 0] + rng.standard_normal(100) > 0).astype(int)
    model = RegularizedLogisticRegression("l1", 0.05).fit(X, y)
    assert model.solver_ == "orthant-newton"
    small = RegularizedLogisticRegression("l1", 0.05, fit_intercept=False).fit(X, y)
    assert small.solver_ == "prox-newton"


def test_float32_small_model():
    """float32 data: prox-newton reaches the float32 tolerance and the
    float64 model within float32 precision."""
    X, y = make_data(3, n_features=6)
    single = RegularizedLogisticRegression("l1", 0.01).fit(X.astype(np.float32), y)
    double = RegularizedLogisticRegression("l1", 0.01, tol=1e-10).fit(X, y)
    assert single.solver_ == "prox-newton"
    assert single.coef_.dtype == np.float32
    assert_allclose(single.predict_proba(X), double.predict_proba(X), atol=1e-4)


def test_cv_final_refit_uses_the_small_model_solver():
    X, y = make_data(3, n_features=6)
    model = RegularizedLogisticRegressionCV("l1", cv=3, n_lambdas=10).fit(X, y)
    assert model.solver_ == "prox-newton"
