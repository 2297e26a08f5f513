"""Datafits and penalties against finite differences and closed forms."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize_scalar

from sklearn_norm.linear_model import _datafits as datafits
from sklearn_norm.linear_model._datafits import BinaryLogisticLoss, MultinomialLoss
from sklearn_norm.linear_model._penalties import ElasticNetPenalty, optimality
from sklearn_norm.linear_model._solvers import SOLVERS, NewtonCG, make_solver


def make_datafit(n_classes, fit_intercept, container=np.asarray, dtype=np.float64):
    rng = np.random.default_rng(n_classes + 10 * fit_intercept)
    X = rng.normal(size=(40, 5)).astype(dtype)
    weights = rng.uniform(0.5, 2.0, size=40)
    weights /= weights.sum()
    y = rng.integers(0, n_classes, size=40)
    if n_classes == 2:
        return BinaryLogisticLoss(container(X), y == 1, weights, fit_intercept)
    return MultinomialLoss(container(X), y, weights, fit_intercept, n_classes)


DATAFITS = [
    pytest.param(k, fi, c, id=f"{k}classes-intercept{fi}-{c.__name__}")
    for k in (2, 3)
    for fi in (True, False)
    for c in (np.asarray, sp.csr_array, sp.csc_array)
]


@pytest.mark.parametrize("n_classes, fit_intercept, container", DATAFITS)
def test_gradient_matches_central_differences(n_classes, fit_intercept, container):
    datafit = make_datafit(n_classes, fit_intercept, container)
    params = np.random.default_rng(1).normal(size=datafit.n_params)
    value, grad = datafit.value_grad(params)
    assert value == datafit.value(datafit.decision(params))
    h = 1e-6
    numeric = np.array(
        [
            (
                datafit.value(datafit.decision(params + h * e))
                - datafit.value(datafit.decision(params - h * e))
            )
            / (2 * h)
            for e in np.eye(datafit.n_params)
        ]
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("n_classes, fit_intercept, container", DATAFITS)
def test_hessian_product_matches_gradient_differences(
    n_classes, fit_intercept, container
):
    datafit = make_datafit(n_classes, fit_intercept, container)
    rng = np.random.default_rng(2)
    params = rng.normal(size=datafit.n_params)
    v = rng.normal(size=datafit.n_params)
    hv = datafit.hessp(datafit.decision(params))(v)
    h = 1e-6
    numeric = (
        datafit.gradient(datafit.decision(params + h * v))
        - datafit.gradient(datafit.decision(params - h * v))
    ) / (2 * h)
    np.testing.assert_allclose(hv, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_array, sp.csc_matrix])
@pytest.mark.parametrize("n_classes", [2, 3, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("formed", ["at once", "by row blocks"])
def test_explicit_hessian_matches_hessian_products(
    n_classes, fit_intercept, container, formed, monkeypatch
):
    """``hessian(z, X)`` (which the Dask datafit forms per chunk, and
    newton-cg factorizes for few parameters) is the matrix of ``hessp(z)``,
    column by column, and symmetric, for dense and sparse ``X``; a small
    dense ``X`` both by the few-calls route and by the general one."""
    if formed == "by row blocks":
        monkeypatch.setattr(datafits, "_SMALL_HESSIAN", 0)
    datafit = make_datafit(n_classes, fit_intercept, container)
    if n_classes == 4:  # make_datafit stops at 3 classes
        y = np.random.default_rng(4).integers(0, 4, size=40)
        datafit = MultinomialLoss(datafit.X, y, datafit.weights, fit_intercept, 4)
    z = datafit.decision(np.random.default_rng(3).normal(size=datafit.n_params))
    matrix = datafit.hessian(z, datafit.X)
    product = datafit.hessp(z)
    columns = np.column_stack([product(e) for e in np.eye(datafit.n_params)])
    np.testing.assert_allclose(matrix, columns, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(matrix, matrix.T)
    # On a column subset: the rows and columns of those coefficients.
    features = np.array([1, 3])
    keep = np.concatenate(
        [k * 5 + features for k in range(datafit.n_outputs)]
        + [np.arange(datafit.n_coef, datafit.n_params)]
    )
    subset = datafit.hessian(z, datafit.X[:, features])
    np.testing.assert_allclose(subset, matrix[np.ix_(keep, keep)], rtol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_value_change_is_exact_for_large_and_tiny_steps(n_classes):
    datafit = make_datafit(n_classes, True)
    rng = np.random.default_rng(3)
    params = rng.normal(size=datafit.n_params)
    z = datafit.decision(params)
    # Every row by the plain difference, some rows by each, all by log1p;
    # confident scores too (probabilities of 1 that a step takes to 0).
    for confidence in [1.0, 100.0]:
        for scale in [1000.0, 3.0, 0.3]:
            dz = datafit.decision(scale * rng.normal(size=datafit.n_params))
            np.testing.assert_allclose(
                datafit.value_change(confidence * z, dz),
                datafit.value(confidence * z + dz) - datafit.value(confidence * z),
                rtol=1e-10,
            )
    if n_classes > 2:
        # One row certain of a class that the step takes away, the others
        # moving little: each row by its own form, and no log1p(-1).
        z = np.zeros((datafit.n_samples, n_classes))
        dz = np.full_like(z, 0.1)
        z[0, 0], dz[0, 0] = 50.0, -60.0
        np.testing.assert_allclose(
            datafit.value_change(z, dz),
            datafit.value(z + dz) - datafit.value(z),
            rtol=1e-10,
        )
        z = datafit.decision(params)
    # A step of 1e-12: the change is first order, g . d, to relative 1e-6,
    # which subtracting two values of about 1 cannot resolve at all.
    d = rng.normal(size=datafit.n_params) * 1e-12
    expected = datafit.gradient(z) @ d
    np.testing.assert_allclose(
        datafit.value_change(z, datafit.decision(d)), expected, rtol=1e-6
    )


@pytest.mark.parametrize("scale", [1.0, 250.0, 400.0, 1e4])
def test_multinomial_value_and_gradient_match_scipy_at_any_score_scale(scale):
    # Scores within +-300 take the unshifted exp, larger ones the shifted
    # one; both must give scipy's logsumexp and softmax.
    from scipy.special import logsumexp, softmax

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.arange(40) % 4
    weights = np.full(40, 1 / 40)
    loss = MultinomialLoss(X, y, weights, fit_intercept=False, n_classes=4)
    z = scale * rng.uniform(-1, 1, size=(40, 4))
    expected = np.mean(logsumexp(z, axis=1) - z[np.arange(40), y])
    np.testing.assert_allclose(loss.value(z), expected, rtol=1e-13)
    residual = softmax(z, axis=1)
    residual[np.arange(40), y] -= 1.0
    np.testing.assert_allclose(
        loss.gradient(z), (residual / 40).T.dot(X).ravel(), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_multinomial_scores_are_class_major_and_any_order_gives_the_same_results(
    dtype,
):
    # Dense multinomial scores are the transpose of a C-ordered (K, n) array
    # (the fast layout); scores a solver passes in C order must give the
    # same value, gradient, change and Hessian products, bit for bit up to
    # summation order.
    datafit = make_datafit(3, True, dtype=dtype)
    rng = np.random.default_rng(3)
    params = rng.normal(size=datafit.n_params)
    z = datafit.decision(params)
    assert z.dtype == np.float64 and z.flags.f_contiguous and not z.flags.c_contiguous
    X64 = datafit.X.astype(np.float64)
    coef, intercept = datafit.split(params)
    np.testing.assert_allclose(
        z, X64 @ coef.T + intercept, rtol=1e-5 if dtype == np.float32 else 1e-13
    )
    c_order = np.ascontiguousarray(z)
    dz = 0.1 * datafit.decision(rng.normal(size=datafit.n_params))
    v = rng.normal(size=datafit.n_params)
    for scores, step in ((z, dz), (c_order, np.ascontiguousarray(dz))):
        results = (
            datafit.value(scores),
            datafit.gradient(scores),
            datafit.value_change(scores, step),
            datafit.hessp(scores)(v),
            datafit.class_curvature(scores),
        )
        if scores is z:
            expected = results
            continue
        for got, want in zip(results, expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_float32_products_stay_float32():
    datafit = make_datafit(2, True, dtype=np.float32)
    params = np.ones(datafit.n_params)
    z = datafit.decision(params)
    assert z.dtype == np.float64
    grad = datafit.gradient(z)
    assert grad.dtype == np.float64
    X64 = datafit.X.astype(np.float64)
    ref = BinaryLogisticLoss(X64, datafit.y, datafit.weights, True)
    np.testing.assert_allclose(grad, ref.gradient(ref.decision(params)), rtol=1e-5)


@pytest.mark.parametrize("l1, l2", [(0.3, 0.0), (0.0, 0.7), (0.3, 0.7), (0.0, 0.0)])
def test_prox_is_the_argmin(l1, l2):
    penalty = ElasticNetPenalty(l1, l2)
    step = 0.8
    for w in [-2.0, -0.2, 0.0, 0.1, 1.5]:
        brute = minimize_scalar(
            lambda u, w=w: (u - w) ** 2 / (2 * step) + penalty.value(np.array([u])),
            bounds=(-5, 5),
            method="bounded",
            options={"xatol": 1e-12},
        ).x
        got = penalty.prox(np.array([w]), step)[0]
        np.testing.assert_allclose(got, brute, atol=1e-7, err_msg=f"w={w}")
        if abs(w) <= step * l1:
            assert got == 0.0  # exact zero, not a tiny number


def test_subdifferential_distance_closed_form():
    penalty = ElasticNetPenalty(l1=0.5, l2=0.2)
    w = np.array([0.0, 0.0, 1.0, -2.0])
    grad = np.array([0.3, -0.9, -0.7, 0.1])
    # zero: max(|g| - l1, 0); non-zero: |g + l2 w + l1 sign(w)|
    expected = [0.0, 0.4, abs(-0.7 + 0.2 + 0.5), abs(0.1 - 0.4 - 0.5)]
    np.testing.assert_allclose(penalty.subdiff_distance(w, grad), expected, atol=1e-15)
    params = np.concatenate([w, [0.25]])
    full_grad = np.concatenate([grad, [-0.6]])
    assert optimality(4, penalty, params, full_grad) == pytest.approx(0.8)
    assert optimality(4, penalty, params, np.concatenate([grad, [0.01]])) == (
        pytest.approx(0.8)
    )


def test_penalty_value_change():
    penalty = ElasticNetPenalty(l1=0.5, l2=0.2)
    w = np.array([0.0, 1.0, -2.0])
    dw = np.array([0.1, -1.5, 0.3])
    np.testing.assert_allclose(
        penalty.value_change(w, dw),
        penalty.value(w + dw) - penalty.value(w),
        rtol=1e-14,
    )


@pytest.mark.parametrize(
    "regularization, expected",
    [
        ("l1", (0.2, 0.0)),
        ("l2", (0.0, 0.2)),
        ("elasticnet", (0.05, 0.15)),
        (None, (0, 0)),
    ],
)
def test_penalty_from_estimator_params(regularization, expected):
    penalty = ElasticNetPenalty.from_params(regularization, 0.2, 0.25)
    assert (penalty.l1, penalty.l2) == pytest.approx(expected)
    assert penalty.is_smooth == (expected[0] == 0)


def test_newton_cg_refuses_an_l1_penalty():
    datafit = make_datafit(2, True)
    with pytest.raises(ValueError, match="newton-cg solver needs a smooth penalty"):
        NewtonCG(tol=1e-6, max_iter=10).solve(
            datafit, ElasticNetPenalty(0.1, 0.0), np.zeros(datafit.n_params)
        )


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_every_solver_returns_the_same_result_shape(name):
    datafit = make_datafit(3, True)
    penalty = ElasticNetPenalty(0.02 if SOLVERS[name].handles_l1 else 0.0, 0.05)
    solver = make_solver(name, penalty, tol=1e-9, max_iter=5000, lr=1.0)
    assert solver.name == name and (name != "gd" or solver.lr == 1.0)
    result = solver.solve(datafit, penalty, np.zeros(datafit.n_params))
    assert result.converged and result.optimality <= 1e-9
    assert result.params.shape == (datafit.n_params,)
    value, grad = datafit.value_grad(result.params)
    np.testing.assert_allclose(
        result.objective, value + penalty.value(result.params[: datafit.n_coef])
    )
    assert result.optimality == pytest.approx(
        optimality(datafit.n_coef, penalty, result.params, grad), abs=1e-12
    )


@pytest.mark.parametrize("n_classes", [2, 3, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gram_preconditioner_inverts_the_hessian_of_equal_probabilities(
    n_classes, fit_intercept
):
    # When every sample has the same class probabilities (an intercept-only
    # model), the Hessian is exactly curvature (x) [X 1].T W [X 1]: the
    # preconditioner must invert H + l2 * I_coef exactly.
    from sklearn_norm.linear_model._solvers._newton_cg import GramPreconditioner

    datafit = make_datafit(n_classes, fit_intercept)
    params = np.zeros(datafit.n_params)
    if fit_intercept:
        params[datafit.n_coef :] = np.linspace(-0.7, 0.4, datafit.n_outputs)
    z = datafit.decision(params)
    penalty = ElasticNetPenalty(l1=0.0, l2=0.03)
    hessian = datafit.hessian(z, datafit.X)
    hessian[: datafit.n_coef, : datafit.n_coef] += penalty.l2 * np.eye(datafit.n_coef)
    inverse = GramPreconditioner.of(datafit, 10**6).inverse(datafit, penalty, z)
    rng = np.random.default_rng(3)
    v = rng.normal(size=datafit.n_params)
    if n_classes > 2 and fit_intercept:
        # Softmax ignores a shift common to all classes' intercepts: the
        # Hessian is singular along it, so compare off that direction.
        v[datafit.n_coef :] -= v[datafit.n_coef :].mean()
    np.testing.assert_allclose(
        inverse(hessian @ v), v, rtol=1e-9, atol=1e-9, err_msg="M^-1 H v != v"
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_direct_and_conjugate_gradient_newton_reach_the_same_minimum(
    n_classes, monkeypatch
):
    # Few parameters and a dense X: Newton systems are solved by a Cholesky
    # factorization (softmax's intercept shift made invertible); compare with
    # conjugate gradients on the same problem, and with the KKT certificate.
    from sklearn_norm.linear_model._solvers import _newton_cg

    datafit = make_datafit(n_classes, True)
    penalty = ElasticNetPenalty(l1=0.0, l2=1e-3)
    start = np.zeros(datafit.n_params)
    z = datafit.decision(start)
    assert (
        _newton_cg._direct_direction(datafit, penalty, z, np.ones(datafit.n_params))
        is not None
    )
    direct = NewtonCG(tol=1e-12, max_iter=50).solve(datafit, penalty, start)
    monkeypatch.setattr(_newton_cg, "DIRECT_MAX_PARAMS", 0)
    assert (
        _newton_cg._direct_direction(datafit, penalty, z, np.ones(datafit.n_params))
        is None
    )
    iterative = NewtonCG(tol=1e-12, max_iter=50).solve(datafit, penalty, start)
    assert direct.converged and iterative.converged
    assert direct.n_iter <= iterative.n_iter
    np.testing.assert_allclose(
        direct.objective, iterative.objective, rtol=1e-14, err_msg="objective"
    )
    _, grad = datafit.value_grad(direct.params)
    kkt = optimality(datafit.n_coef, penalty, direct.params, grad)
    assert kkt <= 1e-12
