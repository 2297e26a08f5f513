"""The grouped multinomial penalty (``multinomial_penalty="grouped"``) and
its solver (``prox-newton``) in the estimator, the path, ``lambda_max`` and
the CV estimator.

References: the KKT conditions of the group lasso with a gradient computed
here, brute-force minimization of the prox, plain proximal gradient descent
(``gd``) at a tight tolerance, the ungrouped problem solved by
``orthant-newton``, the closed form of ``lambda_max``, and glmnet's
``type.multinomial = "grouped"`` in ``test_glmnet_oracle.py``.
"""

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler
from test_logistic_reference import data_gradient, make_data

from sklearn_norm import (
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    lambda_max,
    logistic_path,
)
from sklearn_norm.linear_model._penalties import (
    ElasticNetPenalty,
    GroupedElasticNetPenalty,
)
from sklearn_norm.linear_model._solvers import _prox_newton

RHO = {"l1": 1.0, "elasticnet": 0.5}


def assert_group_kkt(
    X, y, model, rho, lambda_, atol, weights=None, factors=None, intercept=True
):
    """The group lasso's optimality conditions with a gradient computed
    here: a zero feature's gradient (plus nothing) has norm at most
    ``lambda_ rho f_j``; a non-zero feature's gradient plus the penalty's
    gradient is zero; the intercepts' gradient is zero."""
    weights = np.ones(y.size) if weights is None else weights
    coef = model.coef_.astype(np.float64)
    g, g0 = data_gradient(X, y, coef, model.intercept_, weights)
    f = np.ones(coef.shape[1]) if factors is None else factors
    s = g + lambda_ * (1 - rho) * f * coef
    norms = np.linalg.norm(coef, axis=0)
    zero = norms == 0.0
    assert np.all(np.linalg.norm(s[:, zero], axis=0) <= lambda_ * rho * f[zero] + atol)
    moving = s[:, ~zero] + lambda_ * rho * f[~zero] * coef[:, ~zero] / norms[~zero]
    assert_allclose(moving, 0.0, atol=atol, err_msg="non-zero features")
    if intercept:
        assert_allclose(g0, 0.0, atol=atol, err_msg="intercepts")


def whole_columns(coef) -> bool:
    """Every feature's coefficients are all zero or all non-zero."""
    nonzero = coef != 0.0
    return bool(np.all(nonzero.all(axis=0) | ~nonzero.any(axis=0)))


# -- the penalty ---------------------------------------------------------


def test_prox_is_the_minimizer_of_its_definition():
    rng = np.random.default_rng(0)
    K, p = 3, 5
    f = rng.uniform(0.0, 2.0, p)
    penalty = GroupedElasticNetPenalty(0.4, 0.3, np.tile(f, K), n_classes=K)
    w = rng.normal(size=K * p)
    w[np.arange(K) * p] *= 0.05  # feature 0 small: thresholded to zero
    step = 0.7
    prox = penalty.prox(w, step)
    for j in range(p):
        idx = np.arange(K) * p + j

        def objective(u, j=j, idx=idx):
            return np.sum((u - w[idx]) ** 2) / (2 * step) + f[j] * (
                0.4 * np.linalg.norm(u) + 0.15 * u @ u
            )

        best = minimize(
            objective,
            w[idx],
            method="Nelder-Mead",
            options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20000},
        )
        assert objective(prox[idx]) <= objective(best.x) + 1e-12, f"feature {j}"
    assert not prox[np.arange(K) * p].any(), "thresholded feature"


def test_value_change_and_pseudo_gradient():
    rng = np.random.default_rng(1)
    penalty = GroupedElasticNetPenalty(0.5, 0.2, None, n_classes=4)
    w = rng.normal(size=12)
    w[[1, 4, 7, 10]] = 0.0  # feature 1 is zero
    dw = 1e-13 * rng.normal(size=12)
    exact = penalty.value_change(w, dw)
    # The change to first order: the gradient of the penalty at the
    # non-zero features, plus the norm of the zero feature's step.
    W, D = w.reshape(4, 3), dw.reshape(4, 3)
    norms = np.linalg.norm(W, axis=0)
    first = sum(
        0.5 * (W[:, j] @ D[:, j]) / norms[j] + 0.2 * (W[:, j] @ D[:, j]) for j in (0, 2)
    ) + 0.5 * np.linalg.norm(D[:, 1])
    assert_allclose(exact, first, rtol=1e-6, err_msg="value_change")
    # The minimum-norm subgradient: the zero feature's gradient shortened
    # by l1 (zero within that ball), the others' gradient plus l1 w / |w|.
    grad = rng.normal(size=12)
    grad[[1, 4, 7, 10]] *= 0.1 / np.linalg.norm(grad[[1, 4, 7, 10]])
    pg = penalty.pseudo_gradient(w, grad).reshape(4, 3)
    assert not pg[:, 1].any(), "within the ball"
    G = grad.reshape(4, 3) + 0.2 * W
    assert_allclose(pg[:, [0, 2]], G[:, [0, 2]] + 0.5 * W[:, [0, 2]] / norms[[0, 2]])
    distance = penalty.subdiff_distance(w, grad).reshape(4, 3)
    assert_allclose(distance, np.broadcast_to(np.linalg.norm(pg, axis=0), (4, 3)))


def test_from_params_groups_only_multinomial_l1_parts():
    assert ElasticNetPenalty.from_params("l1", 0.1, 0.5, groups=3).grouped
    assert ElasticNetPenalty.from_params("elasticnet", 0.1, 0.5, groups=3).grouped
    assert not ElasticNetPenalty.from_params("l2", 0.1, 0.5, groups=3).grouped
    assert not ElasticNetPenalty.from_params("l1", 0.1, 0.5, groups=1).grouped
    scaled = ElasticNetPenalty.from_params("l1", 0.1, 0.5, groups=3).scaled(0.2, 0)
    assert scaled.grouped and scaled.n_classes == 3 and scaled.l1 == 0.2


# -- the estimator -------------------------------------------------------


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("regularization", ["l1", "elasticnet"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_classes", [3, 4])
def test_kkt_of_the_grouped_problem(regularization, sparse, fit_intercept, n_classes):
    X, y = make_data(n_classes, n_features=8)
    Xfit = sp.csr_matrix(X) if sparse else X
    rho = RHO[regularization]
    lambda_ = 0.3 * lambda_max(X, y, l1_ratio=rho, multinomial_penalty="grouped")
    model = RegularizedLogisticRegression(
        regularization,
        lambda_,
        multinomial_penalty="grouped",
        fit_intercept=fit_intercept,
        tol=1e-10,
    ).fit(Xfit, y)
    assert model.solver_ == "prox-newton"
    assert model.optimality_ <= 1e-10
    assert whole_columns(model.coef_)
    assert 0 < np.count_nonzero(model.coef_.any(axis=0)) < X.shape[1]
    assert_group_kkt(X, y, model, rho, lambda_, 1e-9, intercept=fit_intercept)


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("regularization", ["l1", "elasticnet"])
def test_prox_newton_matches_gradient_descent(regularization):
    """The same minimizer as plain proximal gradient descent (to its own
    tolerance), from which prox-newton shares only the penalty."""
    X, y = make_data(3, n_features=6)
    kwargs = dict(multinomial_penalty="grouped", lambda_=0.02)
    ours = RegularizedLogisticRegression(regularization, tol=1e-12, **kwargs).fit(X, y)
    gd = RegularizedLogisticRegression(
        regularization, solver="gd", lr=1.0, tol=1e-9, num_iter=200_000, **kwargs
    ).fit(X, y)
    assert_allclose(ours.coef_, gd.coef_, atol=1e-7)
    assert_allclose(ours.predict_proba(X), gd.predict_proba(X), atol=1e-8)
    np.testing.assert_array_equal(ours.coef_ == 0, gd.coef_ == 0)


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("regularization", ["l1", "elasticnet"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_prox_newton_solves_the_ungrouped_problem(regularization, n_classes):
    """solver='prox-newton' on the plain penalty: the objective and the
    probabilities of orthant-newton (multinomial L1 coefficients may have
    several minimizers)."""
    X, y = make_data(n_classes, n_features=6)
    fits = [
        RegularizedLogisticRegression(
            regularization, 0.02, solver=solver, tol=1e-11
        ).fit(X, y)
        for solver in ("prox-newton", "orthant-newton")
    ]
    assert fits[0].solver_ == "prox-newton"
    assert_allclose(fits[0].objective_, fits[1].objective_, rtol=1e-13)
    assert_allclose(fits[0].predict_proba(X), fits[1].predict_proba(X), atol=1e-8)


def test_two_classes_grouped_is_ungrouped():
    X, y = make_data(2)
    fits = [
        RegularizedLogisticRegression(
            "l1", 0.02, multinomial_penalty=grouping, tol=1e-12
        ).fit(X, y)
        for grouping in ("grouped", "ungrouped")
    ]
    assert_allclose(fits[0].coef_, fits[1].coef_, atol=1e-10)


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
def test_weights_factors_standardize_and_float32():
    """Sample and class weights, penalty factors (0: kept, inf: excluded),
    standardize=True (the KKT conditions of the standardized problem) and
    float32 X (to what float32 resolves)."""
    X, y = make_data(3, n_features=8)
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.2, 3.0, y.size)
    factors = rng.uniform(0.5, 2.0, 8)
    factors[0], factors[1] = 0.0, np.inf
    model = RegularizedLogisticRegression(
        "l1",
        0.05,
        multinomial_penalty="grouped",
        penalty_factor=factors,
        tol=1e-10,
    ).fit(X, y, sample_weight=weights)
    assert model.coef_[:, 0].all() and not model.coef_[:, 1].any()
    kept = np.delete(np.arange(8), 1)
    # glmnet's rescaling: the factors sum to n_features (the excluded one
    # counting as 1).
    normalized = factors[kept] * 8 / (factors[kept].sum() + 1.0)
    sub = SimpleNamespace(coef_=model.coef_[:, kept], intercept_=model.intercept_)
    assert_group_kkt(X[:, kept], y, sub, 1.0, 0.05, 1e-9, weights, normalized)

    scale = np.linspace(0.01, 100.0, 8)
    raw = X * scale + 3.0
    standardized = RegularizedLogisticRegression(
        "elasticnet", 0.05, multinomial_penalty="grouped", standardize=True, tol=1e-12
    ).fit(raw, y)
    plain = RegularizedLogisticRegression(
        "elasticnet", 0.05, multinomial_penalty="grouped", tol=1e-12
    ).fit(StandardScaler().fit_transform(raw), y)
    assert_allclose(standardized.coef_ * raw.std(axis=0), plain.coef_, atol=1e-8)

    single = RegularizedLogisticRegression(
        "l1", 0.05, multinomial_penalty="grouped"
    ).fit(X.astype(np.float32), y)
    double = RegularizedLogisticRegression(
        "l1", 0.05, multinomial_penalty="grouped", tol=1e-10
    ).fit(X, y)
    assert single.coef_.dtype == np.float32
    assert_allclose(single.coef_, double.coef_, atol=1e-4)


def test_hessian_products_when_the_hessian_is_too_large(monkeypatch):
    """A working set whose Hessian exceeds the budget is solved with Hessian
    products (accelerated proximal gradient): the same model."""
    X, y = make_data(3, n_features=8)
    expected = RegularizedLogisticRegression(
        "elasticnet", 0.02, multinomial_penalty="grouped", tol=1e-10
    ).fit(X, y)
    monkeypatch.setattr(_prox_newton, "_HESSIAN_VALUES", 0)
    monkeypatch.setattr(_prox_newton, "_WORK_VECTORS", 0)
    calls = []
    fista = _prox_newton._fista
    monkeypatch.setattr(_prox_newton, "_fista", lambda *a: calls.append(1) or fista(*a))
    model = RegularizedLogisticRegression(
        "elasticnet", 0.02, multinomial_penalty="grouped", tol=1e-10
    ).fit(X, y)
    assert calls, "products were used"
    assert_allclose(model.coef_, expected.coef_, atol=1e-8)


# -- lambda_max, the path, the CV ----------------------------------------


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_lambda_max_closed_form_and_threshold(l1_ratio):
    """``max_j ||X[:, j] @ (P0 - Y)|| / (n rho)`` at the class-frequency
    model; just above it every feature is zero, just below one is not."""
    X, y = make_data(3, n_features=6)
    frequency = np.bincount(y) / y.size
    residual = frequency[None, :] - np.eye(3)[y]
    expected = np.max(np.linalg.norm(X.T @ residual, axis=1)) / (y.size * l1_ratio)
    top = lambda_max(X, y, l1_ratio=l1_ratio, multinomial_penalty="grouped")
    assert_allclose(top, expected, rtol=1e-10)
    reg = "l1" if l1_ratio == 1.0 else "elasticnet"
    above, below = (
        RegularizedLogisticRegression(
            reg, lam, l1_ratio=l1_ratio, multinomial_penalty="grouped", tol=1e-10
        ).fit(X, y)
        for lam in (top * (1 + 1e-6), top * (1 - 1e-3))
    )
    assert not above.coef_.any()
    assert np.count_nonzero(below.coef_.any(axis=0)) == 1


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
def test_path_points_are_single_fits():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    lambdas, coefs, intercepts = logistic_path(
        X, y, n_lambdas=12, multinomial_penalty="grouped", tol=1e-11
    )
    assert_allclose(
        lambdas[0], lambda_max(X, y, multinomial_penalty="grouped"), rtol=1e-12
    )
    assert not coefs[0].any()
    sizes = [np.count_nonzero(c.any(axis=0)) for c in coefs]
    assert sizes[-1] > sizes[len(sizes) // 2] > 0
    for i in (3, 8, 11):
        single = RegularizedLogisticRegression(
            "l1", lambdas[i], multinomial_penalty="grouped", tol=1e-11
        ).fit(X, y)
        assert whole_columns(coefs[i])
        # At the smallest lambda the coefficients reach 4.5 on flat
        # directions: a KKT violation of 1e-11 moves them by up to ~1e-7.
        assert_allclose(coefs[i], single.coef_, atol=1e-6, err_msg=f"point {i}")


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
def test_cv_selects_a_grouped_model():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    cv = RegularizedLogisticRegressionCV(
        "l1", n_lambdas=20, multinomial_penalty="grouped", cv=3
    ).fit(X, y)
    assert whole_columns(cv.coef_)
    assert_allclose(
        cv.lambdas_[0], lambda_max(X, y, multinomial_penalty="grouped"), rtol=1e-12
    )
    single = RegularizedLogisticRegression(
        "l1", cv.lambda_, multinomial_penalty="grouped", tol=1e-10
    ).fit(X, y)
    assert_allclose(cv.coef_, single.coef_, atol=1e-7)
    relaxed = RegularizedLogisticRegressionCV(
        "l1", n_lambdas=20, multinomial_penalty="grouped", cv=3, relax=True
    ).fit(X, y)
    assert whole_columns(relaxed.coef_)


# -- what is refused -----------------------------------------------------


def test_refusals_name_the_problem():
    X, y = make_data(3)
    with pytest.raises(ValueError, match="does not support multinomial_penalty"):
        RegularizedLogisticRegression(
            "l1", solver="orthant-newton", multinomial_penalty="grouped"
        ).fit(X, y)
    with pytest.raises(ValueError, match="cannot be combined with multinomial"):
        RegularizedLogisticRegression(
            "l1", lower_bounds=0.0, multinomial_penalty="grouped"
        ).fit(X, y)
    with pytest.raises(ValueError, match="multinomial_penalty"):
        RegularizedLogisticRegression(multinomial_penalty="group").fit(X, y)
    # A smooth penalty is the same grouped or not: any solver takes it.
    RegularizedLogisticRegression(
        "l2", solver="newton-cg", multinomial_penalty="grouped"
    ).fit(X, y)


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("grouping", ["grouped", "ungrouped"])
def test_all_zero_column_from_a_warm_start(grouping):
    """A column of zeros leaves the loss unchanged: the penalty alone puts
    its coefficients at zero, even when a warm start gives them values."""
    X, y = make_data(3, n_features=5)
    model = RegularizedLogisticRegression(
        "l1",
        0.02,
        solver="prox-newton",
        multinomial_penalty=grouping,
        warm_start=True,
        tol=1e-10,
    ).fit(X, y)
    model.coef_[:, 2] = 1.0
    X = X.copy()
    X[:, 2] = 0.0
    model.fit(X, y)
    assert not model.coef_[:, 2].any()
    assert model.optimality_ <= 1e-10


def test_dask_input_gives_the_in_memory_model():
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    X, y = make_data(3, n_features=6)
    expected = RegularizedLogisticRegression(
        "l1", 0.02, multinomial_penalty="grouped", tol=1e-10
    ).fit(X, y)
    with dask.config.set(scheduler="synchronous"):
        model = RegularizedLogisticRegression(
            "l1", 0.02, multinomial_penalty="grouped", tol=1e-10
        ).fit(da.from_array(X, chunks=(50, 6)), da.from_array(y, chunks=50))
    assert model.solver_ == "prox-newton"
    assert_allclose(model.coef_, expected.coef_, atol=1e-9)
