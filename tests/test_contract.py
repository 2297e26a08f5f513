"""The datafit / penalty / solver contract, checked against independent
references (finite differences, explicitly formed matrices, closed forms).

One conformance suite runs against every datafit: ``BinaryLogisticLoss`` and
``MultinomialLoss`` on dense float64, dense float32, CSR and CSC ``X``, with
and without an intercept, with non-uniform weights, and the Dask datafit
``DaskLogisticLoss`` (skipped without dask), and ``ArrayApiLogisticLoss`` on
array-api-strict arrays (float64 and float32, its scores on the device).
Then unit tests of the solvers'
building blocks: conjugate gradients, the Gram preconditioner, the path's
Lagrange extrapolation, the working-set rule of orthant-newton, and the
elastic-net penalty where ``test_loss_and_penalties.py`` does not cover it.
"""

from __future__ import annotations

import contextlib
import importlib.util
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax

from sklearn_norm._array_api import to_host
from sklearn_norm.linear_model._contract import Datafit, Penalty
from sklearn_norm.linear_model._datafits import counting_passes
from sklearn_norm.linear_model._fit import datafit_of
from sklearn_norm.linear_model._path import _extrapolate, _lagrange_weights
from sklearn_norm.linear_model._penalties import ElasticNetPenalty
from sklearn_norm.linear_model._solvers import SOLVERS, _orthant_newton, make_solver
from sklearn_norm.linear_model._solvers._newton_cg import (
    GramPreconditioner,
    conjugate_gradient,
)

HAS_DASK = importlib.util.find_spec("dask") is not None
HAS_STRICT = importlib.util.find_spec("array_api_strict") is not None

N_SAMPLES, N_FEATURES = 30, 4
DASK_ROWS = 11  # three uneven row chunks


def _data(n_classes, seed):
    """Small seeded data with zeros (so sparse containers store fewer
    values), every class present, and non-uniform weights."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    X[rng.random(X.shape) < 0.3] = 0.0
    y = rng.integers(0, n_classes, size=N_SAMPLES)
    y[:n_classes] = np.arange(n_classes)
    weights = rng.uniform(0.2, 3.0, size=N_SAMPLES)
    return X, y, weights


CONTAINERS = {
    "dense64": (np.float64, np.asarray),
    "dense32": (np.float32, np.asarray),
    "csr": (np.float64, sp.csr_array),
    "csc": (np.float64, sp.csc_matrix),
}


def _build(kind, n_classes, fit_intercept, container):
    """``(datafit, twin, X)``: the datafit under test, an in-memory float64
    datafit of the same values (the finite-difference reference: a float32
    datafit rounds its parameters to float32, too coarse for differences),
    and the ``X`` given to the datafit."""
    dtype, wrap = CONTAINERS[container]
    X, y, weights = _data(n_classes, seed=n_classes + 10 * fit_intercept)
    X = X.astype(dtype)
    twin = datafit_of(X.astype(np.float64), y, weights.copy(), n_classes, fit_intercept)
    if kind == "memory":
        given = wrap(X)
        return datafit_of(given, y, weights, n_classes, fit_intercept), twin, given
    if kind == "array_api":
        import array_api_strict

        given = array_api_strict.asarray(X)
        with sklearn.config_context(array_api_dispatch=True):
            datafit = datafit_of(given, y, weights, n_classes, fit_intercept)
        return datafit, twin, given
    import dask.array as da

    from sklearn_norm.linear_model._dask import logistic_datafit

    given = da.from_array(X, chunks=(DASK_ROWS, N_FEATURES))
    _, classes, datafit, _ = logistic_datafit(
        given,
        da.from_array(y, chunks=DASK_ROWS),
        da.from_array(weights, chunks=DASK_ROWS),
        None,
        fit_intercept,
    )
    assert_array_equal(classes, np.arange(n_classes))
    return datafit, twin, given


CASES = (
    [
        pytest.param(("memory", k, fi, c), id=f"{k}classes-intercept{fi}-{c}")
        for k in (2, 3)
        for fi in (True, False)
        for c in CONTAINERS
    ]
    + [
        pytest.param(
            ("dask", k, fi, c),
            id=f"dask-{k}classes-intercept{fi}-{c}",
            marks=pytest.mark.skipif(not HAS_DASK, reason="dask is not installed"),
        )
        for k, fi, c in [
            (2, True, "dense64"),
            (2, False, "dense64"),
            (3, True, "dense64"),
            (3, False, "dense64"),
            (2, True, "dense32"),
        ]
    ]
    + [
        pytest.param(
            ("array_api", k, fi, c),
            id=f"strict-{k}classes-intercept{fi}-{c}",
            marks=pytest.mark.skipif(not HAS_STRICT, reason="needs array-api-strict"),
        )
        for k in (2, 3)
        for fi in (True, False)
        for c in ("dense64", "dense32")
    ]
)


FLOAT32_CASES = [c for c in CASES if c.values[0][3] == "dense32"]
MEMORY_CASES = [c for c in CASES if c.values[0][0] == "memory"]


@pytest.fixture(params=CASES)
def case(request):
    kind, n_classes, fit_intercept, container = request.param
    context = contextlib.nullcontext()
    if kind == "dask":
        import dask

        # One process, no threads: each evaluation is a tiny computation.
        context = dask.config.set(scheduler="synchronous")
    with context:
        datafit, twin, X = _build(kind, n_classes, fit_intercept, container)
        yield SimpleNamespace(
            datafit=datafit,
            twin=twin,
            X=X,
            dask=kind == "dask",
            device=kind == "array_api",
            float32=container == "dense32",
            n_classes=n_classes,
        )


def _tolerances(case):
    """``(rtol, atol)`` of a gradient or Hessian product: products with a
    float32 ``X`` run in float32."""
    return (1e-5, 1e-6) if case.float32 else (1e-7, 1e-10)


def _params(datafit, seed, scale=0.5):
    return scale * np.random.default_rng(seed).normal(size=datafit.n_params)


def _central_gradient(datafit, params, h=1e-6):
    return np.array(
        [
            (
                datafit.value(datafit.decision(params + h * e))
                - datafit.value(datafit.decision(params - h * e))
            )
            / (2 * h)
            for e in np.eye(params.size)
        ]
    )


def _scores_equal(datafit, scores, params, case):
    """Assert that ``scores`` are the scores of ``params``."""
    if case.dask:  # Scores hold the (all-feature) parameters that make them
        assert_array_equal(scores.params, datafit.decision(params).params)
    elif case.device:  # an array on the device
        assert_allclose(
            _on_host(scores), _on_host(datafit.decision(params)), rtol=1e-12, atol=1e-12
        )
    else:
        assert_allclose(scores, datafit.decision(params), rtol=1e-12, atol=1e-12)


def _on_host(scores) -> np.ndarray:
    """Device scores as a NumPy array of ``(n_samples,)`` or ``(n_samples,
    n_outputs)``, as the in-memory datafits give them."""
    values = to_host(scores.array)
    return values[:, 0] if values.shape[1] == 1 else values


# -- the datafit conformance suite --------------------------------------------
def test_layout_and_weights(case):
    datafit = case.datafit
    n_outputs = 1 if case.n_classes == 2 else case.n_classes
    assert datafit.n_outputs == n_outputs
    assert datafit.n_features == N_FEATURES
    assert datafit.n_coef == n_outputs * N_FEATURES
    assert datafit.n_params == datafit.n_coef + n_outputs * datafit.fit_intercept
    # Normalized weights: the class totals are the weighted class frequencies.
    _, y, weights = _data(
        case.n_classes, seed=case.n_classes + 10 * datafit.fit_intercept
    )
    expected = np.bincount(y, weights=weights, minlength=case.n_classes) / weights.sum()
    totals = datafit.class_totals()
    assert_allclose(totals, expected, rtol=1e-12, err_msg="class totals")


def test_value_grad_matches_central_differences(case):
    datafit = case.datafit
    params = _params(datafit, 1)
    value, grad = datafit.value_grad(params)
    z = datafit.decision(params)
    assert value == datafit.value(z)
    assert grad.dtype == np.float64 and grad.shape == (datafit.n_params,)
    assert_allclose(grad, datafit.gradient(z), rtol=1e-15, atol=0)
    reference = case.twin if case.float32 else datafit
    numeric = _central_gradient(reference, params)
    rtol, atol = _tolerances(case)
    assert_allclose(grad, numeric, rtol=rtol, atol=atol, err_msg="gradient vs FD")
    # The value itself against a direct evaluation of the weighted log-loss.
    twin_z = case.twin.decision(params)
    w = case.twin.weights
    if case.n_classes == 2:
        y = case.twin.y
        direct = w @ (np.logaddexp(0, twin_z) - y * twin_z)
    else:
        rows = np.arange(N_SAMPLES)
        top = twin_z.max(axis=1)
        lse = top + np.log(np.exp(twin_z - top[:, None]).sum(axis=1))
        direct = w @ (lse - twin_z[rows, case.twin.y])
    assert_allclose(value, direct, rtol=1e-6 if case.float32 else 1e-13)


def test_working_hessian_is_the_hessian_within_its_budget(case):
    """``working_hessian``: the Hessian formed column by column from
    products (dense, sparse and Dask alike), None beyond ``max_values``."""
    datafit = case.datafit
    z = datafit.decision(_params(datafit, 3))
    n = datafit.n_params
    product = datafit.hessp(z)
    columns = np.column_stack([product(unit) for unit in np.eye(n)])
    rtol, atol = _tolerances(case)
    assert_allclose(datafit.working_hessian(z, n * n), columns, rtol=rtol, atol=atol)
    assert datafit.working_hessian(z, n * n - 1) is None


def test_hessian_product_against_differences_and_explicit_hessian(case, monkeypatch):
    datafit = case.datafit
    rng = np.random.default_rng(2)
    params = _params(datafit, 2)
    v = rng.normal(size=datafit.n_params)
    z = datafit.decision(params)
    product = datafit.hessp(z)
    hv = product(v)
    assert hv.dtype == np.float64 and hv.shape == (datafit.n_params,)
    # The product keeps the scores of its last vector (the protocol).
    _scores_equal(datafit, product.scores, v, case)
    rtol, atol = _tolerances(case)
    reference = case.twin if case.float32 else datafit
    h = 1e-6
    numeric = (
        reference.gradient(reference.decision(params + h * v))
        - reference.gradient(reference.decision(params - h * v))
    ) / (2 * h)
    assert_allclose(hv, numeric, rtol=1e-6, atol=max(atol, 1e-9), err_msg="hessp vs FD")
    twin_z = case.twin.decision(params)
    explicit = case.twin.hessian(twin_z, case.twin.X)
    assert_allclose(hv, explicit @ v, rtol=rtol, atol=atol, err_msg="hessp vs H @ v")
    if case.dask:
        assert_allclose(
            datafit.explicit_hessian(z),
            explicit,
            rtol=rtol,
            atol=atol,
            err_msg="dask H",
        )
        # Beyond EXPLICIT_HESSIAN_MAX each product is a pass over the chunks.
        import sklearn_norm.linear_model._dask_datafit as dask_loss

        monkeypatch.setattr(dask_loss, "EXPLICIT_HESSIAN_MAX", 0)
        distributed = datafit.hessp(z)
        assert_allclose(distributed(v), explicit @ v, rtol=rtol, atol=atol)
        _scores_equal(datafit, distributed.scores, v, case)
    elif case.device:  # formed on the device, returned as float64
        own = datafit.explicit_hessian(z)
        assert own.dtype == np.float64
        assert_allclose(own, explicit, rtol=rtol, atol=atol, err_msg="device H")
    else:
        own = datafit.hessian(z, datafit.X)
        assert own.dtype == np.float64
        assert_allclose(own, explicit, rtol=rtol, atol=atol, err_msg="hessian(z, X)")


def test_value_change_for_moderate_and_tiny_steps(case):
    datafit = case.datafit
    rng = np.random.default_rng(3)
    z = datafit.decision(_params(datafit, 3))
    # The Dask datafit recomputes z + dz as the scores of summed parameters:
    # in float32 products, which differ from z + dz at a relative 1e-8.
    rtol = 1e-6 if case.float32 else 1e-9
    for scale in (3.0, 0.3):  # plain differences and the log1p branch
        dz = datafit.decision(scale * rng.normal(size=datafit.n_params))
        assert_allclose(
            datafit.value_change(z, dz),
            datafit.value(z + dz) - datafit.value(z),
            rtol=rtol,
            atol=1e-15,
            err_msg=f"value_change at scale {scale}",
        )
    # Steps of 1e-9: the change is g @ d + d @ H d / 2 up to a third order of
    # ~1e-27 and rounding of the change itself. A difference of two values of
    # about 1 has an error of 1e-16: a relative 1e-6 here, far off the bound.
    grad, hessp = datafit.gradient(z), datafit.hessp(z)
    for seed in range(3):
        d = 1e-9 * np.random.default_rng(10 + seed).normal(size=datafit.n_params)
        change = datafit.value_change(z, datafit.decision(d))
        expected = grad @ d + 0.5 * d @ hessp(d)
        scale = np.linalg.norm(grad) * np.linalg.norm(d)
        bound = (1e-5 if case.float32 else 1e-12) * scale
        assert abs(change - expected) <= bound, (change, expected, bound)


def test_restrict_equals_the_full_datafit_with_other_coefficients_zero(case):
    datafit = case.datafit
    features = np.array([0, 2, 3])
    sub = datafit.restrict(features)
    assert sub.n_features == features.size
    assert sub.n_params == datafit.n_params - datafit.n_outputs
    params = _params(datafit, 4)
    restricted = datafit.restrict_params(params, features)
    expanded = datafit.expand_params(params, restricted, features)
    # The reference layout, formed explicitly.
    coef = params[: datafit.n_coef].reshape(datafit.n_outputs, N_FEATURES)
    assert_array_equal(
        restricted,
        np.concatenate([coef[:, features].ravel(), params[datafit.n_coef :]]),
    )
    zeroed = params.copy()
    zeroed[: datafit.n_coef].reshape(datafit.n_outputs, N_FEATURES)[:, [1]] = 0.0
    assert_array_equal(expanded, zeroed)
    # Value, gradient and Hessian products of the restriction.
    sub_z, full_z = sub.decision(restricted), datafit.decision(expanded)
    rtol, atol = _tolerances(case)
    # (float32 sums of 3 or 4 columns round differently)
    value_rtol = 1e-6 if case.float32 else 1e-13
    assert_allclose(sub.value(sub_z), datafit.value(full_z), rtol=value_rtol)
    assert_allclose(
        sub.gradient(sub_z),
        datafit.restrict_params(datafit.gradient(full_z), features),
        rtol=rtol,
        atol=atol,
    )
    v = np.random.default_rng(5).normal(size=sub.n_params)
    full_v = datafit.expand_params(np.zeros(datafit.n_params), v, features)
    assert_allclose(
        sub.hessp(sub_z)(v),
        datafit.restrict_params(datafit.hessp(full_z)(full_v), features),
        rtol=rtol,
        atol=atol,
    )
    dz = sub.decision(0.3 * v)
    assert_allclose(
        sub.value_change(sub_z, dz),
        datafit.value_change(full_z, datafit.decision(0.3 * full_v)),
        rtol=1e-6 if case.float32 else 1e-10,
    )
    # A restriction of a restriction is the restriction to the composition.
    inner = np.array([0, 2])
    nested = sub.restrict(inner)
    direct = datafit.restrict(features[inner])
    p = _params(nested, 6)
    assert_allclose(
        nested.value_grad(p)[1], direct.value_grad(p)[1], rtol=1e-13, atol=1e-15
    )


def test_decision_is_linear_and_matches_explicit_products(case):
    datafit = case.datafit
    a, b = _params(datafit, 7), _params(datafit, 8)
    if case.dask:
        # Scores are linear in the parameters; the distributed value and
        # gradient equal the in-memory datafit's on the same data.
        za, zb = datafit.decision(a), datafit.decision(b)
        assert_allclose(
            datafit.value(za + 2.0 * zb),
            datafit.value(datafit.decision(a + 2 * b)),
            rtol=1e-14,
        )
        rtol, atol = _tolerances(case)
        value, grad = case.twin.value_grad(a)
        assert_allclose(datafit.value(za), value, rtol=1e-6 if case.float32 else 1e-13)
        assert_allclose(datafit.gradient(za), grad, rtol=rtol, atol=atol)
        return
    z0 = datafit.decision(np.zeros(datafit.n_params))
    za, zb, zab = datafit.decision(a), datafit.decision(b), datafit.decision(a + 2 * b)
    combined = za + 2 * zb
    if case.device:  # scores on the device, float64 there too
        z0, za, zb, zab, combined = (_on_host(z) for z in (z0, za, zb, zab, combined))
    assert z0.dtype == np.float64
    assert not np.any(z0)
    tol = 1e-5 if case.float32 else 1e-13
    assert_allclose(zab, combined, rtol=tol, atol=tol, err_msg="decision(a + 2b)")
    # Against X @ W.T + b formed in float64.
    X = np.asarray(case.twin.X)
    coef = a[: datafit.n_coef].reshape(datafit.n_outputs, N_FEATURES)
    intercept = a[datafit.n_coef :] if datafit.fit_intercept else 0.0
    expected = X @ coef.T + intercept
    if datafit.n_outputs == 1:
        expected = expected[:, 0]
    assert_allclose(za, expected, rtol=tol, atol=tol, err_msg="decision vs X @ W.T + b")


@pytest.mark.parametrize("case", FLOAT32_CASES, indirect=True)
def test_float32_X_is_not_copied_and_results_are_float64(case):
    datafit = case.datafit
    assert datafit.dtype == np.float32
    if not case.device:
        assert datafit.X.dtype == np.float32
    params = _params(datafit, 9)
    z = datafit.decision(params)
    assert datafit.gradient(z).dtype == np.float64
    assert datafit.hessp(z)(params).dtype == np.float64
    sub = datafit.restrict(np.array([1, 3]))
    assert sub.dtype == np.float32
    if case.dask:
        assert datafit.explicit_hessian(z).dtype == np.float64
        return
    assert datafit.X is case.X  # the caller's array itself, no copy
    if case.device:
        assert _on_host(z).dtype == np.float64
        assert datafit.explicit_hessian(z).dtype == np.float64
        return
    assert z.dtype == np.float64
    assert datafit.hessian(z, datafit.X).dtype == np.float64
    assert sub.value_grad(datafit.restrict_params(params, np.array([1, 3])))[
        1
    ].dtype == (np.float64)


def test_class_curvature_matches_its_definition(case):
    datafit = case.datafit
    params = _params(datafit, 11)
    z = case.twin.decision(params)
    w = case.twin.weights
    if case.n_classes == 2:
        p = expit(z)
        expected = np.array([[np.sum(w * p * (1 - p))]])
    else:
        proba = softmax(z, axis=1)
        expected = sum(
            w[i] * (np.diag(proba[i]) - np.outer(proba[i], proba[i]))
            for i in range(N_SAMPLES)
        )
    curvature = datafit.class_curvature(datafit.decision(params))
    assert curvature.shape == (datafit.n_outputs, datafit.n_outputs)
    # A float32 X gives float32-accurate scores.
    rtol, atol = (1e-5, 1e-7) if case.float32 else (1e-12, 1e-15)
    assert_allclose(curvature, expected, rtol=rtol, atol=atol)
    assert_array_equal(curvature, curvature.T)
    if datafit.fit_intercept:  # it is also the intercepts' Hessian block
        hessian = case.twin.hessian(z, case.twin.X)
        n_coef = datafit.n_coef
        assert_allclose(curvature, hessian[n_coef:, n_coef:], rtol=rtol, atol=atol)


def test_every_datafit_implements_the_whole_protocol(case):
    datafit = case.datafit
    assert isinstance(datafit, Datafit)
    missing = [
        name
        for name in dir(Datafit)
        if not name.startswith("_") and not hasattr(datafit, name)
    ]
    assert not missing
    assert datafit.n_samples == N_SAMPLES
    assert datafit.dtype == (np.float32 if case.float32 else np.float64)
    sub = datafit.restrict(np.array([0, 2]))
    assert isinstance(sub, Datafit) and sub.n_samples == N_SAMPLES


def _twin_weights(case):
    _, _, weights = _data(
        case.n_classes, seed=case.n_classes + 10 * case.twin.fit_intercept
    )
    return weights / weights.sum()


@pytest.mark.parametrize("restricted", [False, True])
def test_weighted_gram_against_its_definition(case, restricted):
    datafit, X = case.datafit, np.asarray(case.twin.X)
    features = np.array([3, 1])
    if restricted:
        datafit, X = datafit.restrict(features), X[:, features]
    S = _twin_weights(case)
    gram, moment, total = datafit.weighted_gram(max_values=7)  # several blocks
    rtol, atol = (1e-6, 1e-7) if case.float32 else (1e-12, 1e-14)
    assert_allclose(gram, X.T @ (S[:, None] * X), rtol=rtol, atol=atol)
    assert_allclose(moment, X.T @ S, rtol=rtol, atol=atol)
    assert total == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("restricted", [False, True])
def test_column_moments_against_weighted_numpy(case, restricted):
    datafit, X = case.datafit, np.asarray(case.twin.X)
    features = np.array([2, 0])
    if restricted:
        datafit, X = datafit.restrict(features), X[:, features]
    S = _twin_weights(case)
    mean, deviation = datafit.column_moments()
    if datafit.fit_intercept:
        expected_mean = S @ X
        expected_deviation = np.sqrt(S @ (X - expected_mean) ** 2)
    else:  # no intercept to absorb the means: the root mean square
        expected_mean = np.zeros(X.shape[1])
        expected_deviation = np.sqrt(S @ X**2)
    rtol = 1e-6 if case.float32 else 1e-10
    assert_allclose(mean, expected_mean, rtol=rtol, atol=1e-14)
    assert_allclose(deviation, expected_deviation, rtol=rtol)


@pytest.mark.parametrize("seed", range(20))
def test_column_moments_of_a_constant_column_have_zero_deviation(seed):
    """A constant column, whatever its value and the weights: its deviation
    is 0 although ``E[x^2] - E[x]^2`` rounds to a tiny non-zero variance."""
    rng = np.random.default_rng(seed)
    X, y, _ = _data(2, seed=3)
    weights = rng.uniform(0.01, 5.0, size=N_SAMPLES)
    value = rng.normal() * 10.0 ** rng.integers(-3, 4)
    X[:, 1] = value
    mean, deviation = datafit_of(X, y, weights, 2, True).column_moments()
    # Nothing to scale, and its mean is left in place (not moved into the
    # intercept).
    assert deviation[1] == 0.0 and mean[1] == 0.0
    assert np.all(deviation[[0, 2, 3]] > 0.1)
    _, deviation = datafit_of(X, y, weights, 2, False).column_moments()
    assert deviation[1] == pytest.approx(abs(value), rel=1e-12)  # root mean square


def test_stored_values_of_all_and_some_columns(case):
    datafit = case.datafit
    features = np.array([1, 3])
    if case.dask:  # the chunk tasks select columns: nothing is copied
        assert datafit.stored_values() == datafit.stored_values(features) == 0
        return
    X = case.X
    if sp.issparse(X):
        dense = X.toarray()
        assert datafit.stored_values() == X.nnz
        assert datafit.stored_values(features) == np.count_nonzero(dense[:, features])
    else:
        assert datafit.stored_values() == X.size
        assert datafit.stored_values(features) == N_SAMPLES * features.size


@pytest.mark.parametrize("features", [np.array([0, 3]), np.arange(N_FEATURES)])
def test_partial_hessian_is_the_explicit_hessians_block(case, features):
    """Where a datafit forms the Hessian of some columns (binary, sparse X),
    it is the block of the full Hessian, and its score function is the
    product with those columns; None elsewhere."""
    datafit, twin = case.datafit, case.twin
    params = _params(datafit, seed=5)
    z = datafit.decision(params)
    partial = datafit.partial_hessian(z, features, max_values=10**6)
    if case.dask or datafit.n_outputs > 1 or not sp.issparse(case.X):
        assert partial is None
        return
    hessian, score_change = partial
    index = np.concatenate([features, np.arange(datafit.n_coef, datafit.n_params)])
    full = twin.hessian(twin.decision(params), twin.X)
    assert_allclose(hessian, full[np.ix_(index, index)], rtol=1e-12, atol=1e-15)
    step = np.random.default_rng(6).normal(size=index.size)
    full_step = np.zeros(datafit.n_params)
    full_step[index] = step
    assert_allclose(
        score_change(step),
        twin.decision(full_step) - twin.decision(0 * full_step),
        rtol=1e-12,
        atol=1e-14,
    )
    # Over the budget: products instead.
    assert datafit.partial_hessian(z, features, max_values=features.size**2) is None


def test_passes_are_counted_with_the_share_of_columns_touched():
    X, y, weights = _data(3, seed=4)
    datafit = datafit_of(X, y, weights, 3, True)
    params = _params(datafit, seed=1)
    with counting_passes() as count:
        datafit.value_grad(params)  # X @ W.T, then X.T @ R
        assert count.passes == pytest.approx(2.0)
        sub = datafit.restrict(np.array([0, 1]))  # half of the columns
        sub.decision(datafit.restrict_params(params, np.array([0, 1])))
        assert count.passes == pytest.approx(2.5)
    datafit.value_grad(params)  # outside the block: not counted
    assert count.passes == pytest.approx(2.5)


@pytest.mark.skipif(not HAS_DASK, reason="dask is not installed")
def test_dask_passes_are_counted():
    import dask

    with dask.config.set(scheduler="synchronous"):
        datafit, _, _ = _build("dask", 2, True, "dense64")
        params = _params(datafit, seed=1)
        with counting_passes() as count:
            datafit.value_grad(params)  # one Dask computation: one pass
        assert count.passes == pytest.approx(1.0)


def test_solvers_declare_what_they_handle_and_solve_checks_it():
    datafit = datafit_of(*_data(2, seed=2)[:2], np.ones(N_SAMPLES), 2, True)
    lasso, ridge = ElasticNetPenalty(0.01, 0.0), ElasticNetPenalty(0.0, 0.01)
    start = np.zeros(datafit.n_params)
    for name, cls in SOLVERS.items():
        assert cls.name == name
        solver = make_solver(name, ridge, tol=1e-8, max_iter=1000, lr=1.0)
        assert type(solver) is cls and solver.solve(datafit, ridge, start).converged
        if cls.handles_l1:
            assert solver.solve(datafit, lasso, start).converged
        else:
            with pytest.raises(ValueError, match=f"{name} solver needs a smooth"):
                solver.solve(datafit, lasso, start)
    assert make_solver("auto", ridge, tol=1e-8, max_iter=10).name == "newton-cg"
    assert make_solver("auto", lasso, tol=1e-8, max_iter=10).name == "orthant-newton"
    # Options go to the solvers that take them.
    gram = GramPreconditioner.of(datafit, 10**6)
    assert (
        make_solver(
            "auto", ridge, tol=1, max_iter=1, preconditioner=gram
        ).preconditioner
        is gram
    )
    assert not hasattr(make_solver("lbfgs", ridge, tol=1, max_iter=1, lr=0.5), "lr")


def test_penalty_lambda_max_is_where_zero_becomes_optimal():
    grad = np.array([0.3, -0.8, 0.1])
    assert ElasticNetPenalty(1.0, 0.0).lambda_max(grad) == pytest.approx(0.8)
    assert ElasticNetPenalty(0.5, 0.5).lambda_max(grad) == pytest.approx(1.6)
    assert ElasticNetPenalty(0.0, 1.0).lambda_max(grad) == np.inf
    assert isinstance(ElasticNetPenalty(0.5, 0.5), Penalty)
    # Weighted: each |grad_k| over its weight; weight 0 does not count.
    weighted = ElasticNetPenalty(0.5, 0.5, np.array([0.5, 0.0, 2.0]))
    assert weighted.lambda_max(grad) == pytest.approx(0.3 / 0.5 / 0.5)


def test_weighted_penalty_is_the_sum_of_its_coordinates():
    """Every method of a weighted penalty against the one-coefficient
    penalties ``f_k * (l1 |w| + l2 / 2 w^2)`` written out."""
    rng = np.random.default_rng(0)
    weights = np.array([0.0, 0.5, 1.0, 2.5, 1.0, 0.0])
    w = np.array([0.0, 0.0, -0.7, 0.3, 1e-3, 2.0])
    grad = rng.standard_normal(w.size)
    dw = 1e-3 * rng.standard_normal(w.size)
    penalty = ElasticNetPenalty(0.4, 0.6, weights)
    value = np.sum(weights * (0.4 * np.abs(w) + 0.3 * w * w))
    assert penalty.value(w) == pytest.approx(value, rel=1e-14)
    moved = np.sum(weights * (0.4 * np.abs(w + dw) + 0.3 * (w + dw) ** 2))
    assert penalty.value_change(w, dw) == pytest.approx(moved - value, rel=1e-9)
    step = 0.7
    for k in range(w.size):
        single = ElasticNetPenalty(0.4 * weights[k], 0.6 * weights[k])
        assert penalty.prox(w, step)[k] == pytest.approx(
            single.prox(w[k : k + 1], step)[0], abs=1e-15
        )
        assert penalty.pseudo_gradient(w, grad)[k] == pytest.approx(
            single.pseudo_gradient(w[k : k + 1], grad[k : k + 1])[0], abs=1e-15
        )
    # Weight 0: the plain gradient, whatever the sign of w.
    np.testing.assert_array_equal(
        penalty.pseudo_gradient(w, grad)[[0, 5]], grad[[0, 5]]
    )
    assert not penalty.is_smooth and ElasticNetPenalty(0.4, 0.6, 0 * weights).is_smooth
    np.testing.assert_allclose(penalty.l1_coef, 0.4 * weights)
    assert penalty.l2_typical == pytest.approx(0.6 * weights.mean())


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_restricted_penalty_follows_the_restricted_coefficients(n_classes):
    X, y, _ = _data(n_classes, seed=4)
    datafit = datafit_of(X, y, np.ones(N_SAMPLES), n_classes, True)
    weights = np.arange(datafit.n_coef, dtype=float)
    penalty = ElasticNetPenalty(1.0, 0.5, weights)
    features = np.array([0, 2])
    sub = penalty.restrict(datafit, features)
    params = np.zeros(datafit.n_params)
    params[: datafit.n_coef] = weights
    expected = datafit.restrict_params(params, features)[: sub.weights.size]
    np.testing.assert_array_equal(sub.weights, expected)
    assert sub.weights.size == datafit.restrict(features).n_coef
    assert ElasticNetPenalty(1.0, 0.5).restrict(datafit, features).weights is None


def test_dask_caches_agree_with_fresh_evaluations(monkeypatch):
    """The Dask datafit brings the value, gradient and Hessian of a line
    search's trial point along with ``value_change``, and shares them with
    its restrictions: what it returns from those caches must equal a fresh
    datafit's evaluations."""
    if not HAS_DASK:
        pytest.skip("dask is not installed")
    import dask

    with dask.config.set(scheduler="synchronous"):
        datafit, twin, _ = _build("dask", 3, True, "dense64")
        fresh, _, _ = _build("dask", 3, True, "dense64")
        params = _params(datafit, 12)
        step = _params(datafit, 13, scale=0.1)
        z = datafit.decision(params)
        datafit.gradient(z)
        datafit.hessp(z)
        datafit.value_change(z, datafit.decision(step))
        trial = datafit.decision(params + step)
        expected_h = twin.hessian(twin.decision(params + step), twin.X)
        assert_allclose(
            datafit.explicit_hessian(trial), expected_h, rtol=1e-12, atol=1e-15
        )
        assert_allclose(
            datafit.gradient(trial),
            fresh.gradient(fresh.decision(params + step)),
            rtol=1e-13,
        )
        features = np.array([1, 2])
        sub = datafit.restrict(features)
        sub_params = datafit.restrict_params(params + step, features)
        full = datafit.expand_params(params, sub_params, features)
        sub_z = sub.decision(sub_params)
        assert_allclose(
            sub.gradient(sub_z),
            datafit.restrict_params(twin.gradient(twin.decision(full)), features),
            rtol=1e-12,
            atol=1e-15,
        )
        keep = np.concatenate(
            [k * N_FEATURES + features for k in range(3)] + [[12, 13, 14]]
        )
        expected_sub = twin.hessian(twin.decision(full), twin.X)[np.ix_(keep, keep)]
        assert_allclose(
            sub.explicit_hessian(sub_z), expected_sub, rtol=1e-12, atol=1e-15
        )


# -- conjugate gradients ------------------------------------------------------
def _spd(n, seed, condition=1e3):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return (q * np.logspace(0, np.log10(condition), n)) @ q.T


class _Counted:
    def __init__(self, matrix):
        self.matrix, self.calls = matrix, 0

    def __call__(self, v):
        self.calls += 1
        return self.matrix @ v


def test_conjugate_gradient_meets_its_norm_criteria():
    A = _spd(20, 0)
    b = np.random.default_rng(1).normal(size=20)
    exact = np.linalg.solve(A, b)
    for atol in (1e-1 * np.linalg.norm(b), 1e-10 * np.linalg.norm(b)):
        hessp = _Counted(A)
        x, xs = conjugate_gradient(hessp, b, atol, 500)
        assert xs is None
        assert np.linalg.norm(A @ x - b) <= atol * (1 + 1e-9)
        # the error a residual of atol allows (smallest eigenvalue 1)
        assert np.linalg.norm(x - exact) <= atol * (1 + 1e-6)
    # max-norm criterion alone
    x, _ = conjugate_gradient(_Counted(A), b, 0.0, 500, max_atol=1e-8)
    assert np.max(np.abs(A @ x - b)) <= 1e-8
    # a loose criterion stops early: fewer products than a tight one
    loose, tight = _Counted(A), _Counted(A)
    conjugate_gradient(loose, b, 0.5 * np.linalg.norm(b), 500)
    conjugate_gradient(tight, b, 1e-10 * np.linalg.norm(b), 500)
    assert 1 <= loose.calls < tight.calls


def test_conjugate_gradient_stops_on_its_radius():
    # Steihaug: within the radius the solve is the plain one; beyond it the
    # iterate stops on the sphere, after fewer products, with at least the
    # model decrease of the Cauchy point (the model's minimizer along b
    # within the radius).
    A = _spd(30, 4, condition=1e4)
    b = np.random.default_rng(5).normal(size=30)
    exact = np.linalg.solve(A, b)
    atol = 1e-10 * np.linalg.norm(b)
    inside, _ = conjugate_gradient(
        A.__matmul__, b, atol, 500, radius=1.1 * np.linalg.norm(exact)
    )
    assert_allclose(inside, exact, rtol=1e-8)

    def model(x):
        return 0.5 * x @ A @ x - b @ x

    for share in (0.01, 0.3, 0.9):
        radius = share * np.linalg.norm(exact)
        bounded, unbounded = _Counted(A), _Counted(A)
        x, xs = conjugate_gradient(bounded, b, atol, 500, radius=radius)
        conjugate_gradient(unbounded, b, atol, 500)
        assert xs is None
        assert_allclose(np.linalg.norm(x), radius, rtol=1e-12)
        assert bounded.calls < unbounded.calls
        unit = b / np.linalg.norm(b)
        cauchy = min(radius, (b @ b) / (unit @ A @ b)) * unit
        assert model(x) <= model(cauchy) + 1e-12 * abs(model(cauchy))


def test_trust_radius_follows_the_steps_and_never_vanishes():
    from sklearn_norm.linear_model._solvers._orthant_newton import _next_radius

    taken = np.array([3.0, 4.0])
    assert _next_radius(np.inf, taken, 1.0) == np.inf
    assert _next_radius(1.5, taken, 1.0) == 3.0
    assert _next_radius(np.inf, taken, 0.25) == 10.0
    # A cut step rounded to nothing keeps the radius (0 would stall).
    assert _next_radius(7.0, np.zeros(2), 1e-10) == 7.0


def test_conjugate_gradient_with_preconditioners():
    rng = np.random.default_rng(2)
    scales = np.logspace(-3, 3, 30)
    A = scales[:, None] * _spd(30, 3, condition=10.0) * scales  # badly scaled
    b = rng.normal(size=30)
    atol = 1e-8 * np.linalg.norm(b)
    plain, jacobi = _Counted(A), _Counted(A)
    x_plain, _ = conjugate_gradient(plain, b, atol, 1000)
    diagonal = np.diag(A).copy()
    x_jacobi, _ = conjugate_gradient(jacobi, b, atol, 1000, lambda r: r / diagonal)
    assert np.linalg.norm(A @ x_jacobi - b) <= atol * (1 + 1e-9)
    assert jacobi.calls < plain.calls, (jacobi.calls, plain.calls)
    # the exact inverse as preconditioner: one product solves the system
    exact = _Counted(A)
    x_exact, _ = conjugate_gradient(
        exact, b, atol, 1000, lambda r: np.linalg.solve(A, r)
    )
    assert exact.calls == 1
    assert_allclose(x_exact, np.linalg.solve(A, b), rtol=1e-8)
    assert np.linalg.norm(A @ x_plain - b) <= atol * (1 + 1e-9)


def test_conjugate_gradient_accumulates_scores():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(25, 8))
    H = X.T @ (rng.uniform(0.1, 1.0, 25)[:, None] * X) + 0.1 * np.eye(8)
    last = {}

    def hessp(d):
        last["scores"] = X @ d
        return H @ d

    b = rng.normal(size=8)
    x, xs = conjugate_gradient(hessp, b, 1e-12, 100, scores=lambda: last["scores"])
    assert_allclose(xs, X @ x, rtol=1e-10, atol=1e-12, err_msg="accumulated scores")
    assert_allclose(H @ x, b, atol=1e-10)


def test_conjugate_gradient_on_a_direction_of_zero_curvature():
    A = np.diag([1.0, 2.0, 5.0, 0.0])  # positive semi-definite, singular
    # Right-hand side along the null space: nothing to solve, steepest descent.
    b = np.array([0.0, 0.0, 0.0, 1.0])
    x, xs = conjugate_gradient(_Counted(A), b, 1e-12, 50)
    assert_array_equal(x, b)
    assert xs is None
    # Mixed (inconsistent): the range part gets solved (up to the square of
    # the null part), then the direction of no curvature stops CG, which
    # returns what it has instead of dividing by zero.
    b = np.array([1.0, -1.0, 2.0, 1e-3])
    hessp = _Counted(A)
    x, _ = conjugate_gradient(hessp, b, 1e-14, 50)
    assert np.all(np.isfinite(x))
    assert hessp.calls <= 5  # stopped on the zero curvature, not max_iter
    assert_allclose((A @ x)[:3], b[:3], rtol=0, atol=1e-5, err_msg="range part")
    # The quadratic 1/2 x'Ax - b'x is at least as low as at the range solution.
    quadratic = 0.5 * x @ A @ x - b @ x
    assert quadratic <= -0.5 * np.sum(b[:3] ** 2 / np.diag(A)[:3]) + 1e-5


# -- the Gram preconditioner ----------------------------------------------------
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gram_preconditioner_inverts_its_defining_matrix(n_classes, fit_intercept):
    """At scores with *different* probabilities per sample (test_loss_and_
    penalties checks equal ones, where the matrix is the Hessian), the
    inverse is that of ``S (x) [X 1].T W [X 1] + l2 I_coef`` formed
    explicitly, off softmax's intercept-shift direction."""
    X, y, weights = _data(n_classes, seed=20 + fit_intercept)
    datafit = datafit_of(X, y, weights, n_classes, fit_intercept)
    z = datafit.decision(_params(datafit, 21))
    l2 = 0.05
    penalty = ElasticNetPenalty(0.0, l2)
    inverse = GramPreconditioner.of(datafit, 10**6).inverse(datafit, penalty, z)
    S = datafit.class_curvature(z)
    Xa = np.column_stack([X, np.ones(N_SAMPLES)]) if fit_intercept else X
    G = Xa.T @ (datafit.weights[:, None] * Xa)
    K, m, p = datafit.n_outputs, Xa.shape[1], N_FEATURES
    kron = np.kron(S, G)  # class-major blocks of [x, 1]
    order = [k * m + j for k in range(K) for j in range(p)]
    order += [k * m + p for k in range(K)] if fit_intercept else []
    M = kron[np.ix_(order, order)]
    M[np.arange(K * p), np.arange(K * p)] += l2
    rng = np.random.default_rng(22)
    vectors = rng.normal(size=(4, datafit.n_params))
    if K > 1 and fit_intercept:
        vectors[:, datafit.n_coef :] -= vectors[:, datafit.n_coef :].mean(axis=1)[
            :, None
        ]
    for v in vectors:
        assert_allclose(inverse(M @ v), v, rtol=1e-8, atol=1e-8, err_msg="M^-1 M v")
    # symmetric positive semi-definite as a matrix
    P = np.column_stack([inverse(e) for e in np.eye(datafit.n_params)])
    assert_allclose(P, P.T, rtol=1e-10, atol=1e-10)
    assert np.min(np.linalg.eigvalsh(0.5 * (P + P.T))) >= -1e-10


def test_gram_preconditioner_speeds_up_a_ridge_newton_system():
    rng = np.random.default_rng(23)
    scales = np.logspace(-2, 2, 12)
    X = rng.normal(size=(200, 12)) * scales  # badly scaled columns
    y = ((X / scales) @ rng.normal(size=12) + rng.normal(size=200) > 0).astype(int)
    datafit = datafit_of(X, y, rng.uniform(0.5, 2.0, 200), 2, True)
    penalty = ElasticNetPenalty(0.0, 1e-3)
    z = datafit.decision(0.1 * rng.normal(size=datafit.n_params))
    data_hessp = datafit.hessp(z)
    counts = []

    def hessp(v):
        counts[-1] += 1
        hv = data_hessp(v)
        hv[: datafit.n_coef] += penalty.l2 * v[: datafit.n_coef]
        return hv

    b = -datafit.gradient(z)
    atol = 1e-8 * np.linalg.norm(b)
    H = datafit.hessian(z, X) + penalty.l2 * np.diag([1.0] * 12 + [0.0])
    precondition = GramPreconditioner.of(datafit, 10**6).inverse(datafit, penalty, z)
    for preconditioner in (None, precondition):
        counts.append(0)
        x, _ = conjugate_gradient(hessp, b, atol, 1000, preconditioner)
        assert np.linalg.norm(H @ x - b) <= atol * (1 + 1e-6)
    assert counts[1] < counts[0], counts


# -- Lagrange extrapolation along the path -------------------------------------
@pytest.mark.parametrize("n_nodes", [2, 3])
def test_lagrange_weights_reproduce_polynomials_in_log_lambda(n_nodes):
    lambdas = np.array([0.9, 0.31, 0.12, 0.05])[: n_nodes + 1]
    weights = _lagrange_weights(lambdas)
    t = np.log(lambdas)
    for degree in range(n_nodes):
        coefficients = np.random.default_rng(degree).normal(size=degree + 1)
        q = np.polynomial.polynomial.polyval(t, coefficients)
        assert_allclose(weights @ q[:-1], q[-1], rtol=1e-12, atol=1e-12, err_msg=degree)
    # one degree higher is not reproduced (the test can tell)
    q = t**n_nodes
    assert abs(weights @ q[:-1] - q[-1]) > 1e-3


@pytest.mark.parametrize(
    "lambdas",
    [
        [1.0, 1.0, 0.5],
        [0.5, 1.0, 0.2],
        [1.0, 0.5, 0.7],
        [1.0, 0.5, 0.0],
        [1.0, 0.5, -0.1],
    ],
)
def test_lagrange_weights_refuse_non_decreasing_or_non_positive(lambdas):
    assert _lagrange_weights(np.array(lambdas)) is None


def test_extrapolate_combines_solutions_and_keeps_supports():
    datafit = SimpleNamespace(n_coef=4)
    weights = _lagrange_weights(np.array([1.0, 0.5, 0.25]))
    first = np.array([0.0, 1.0, 2.0, 0.5, 0.3])  # 4 coefficients, 1 intercept
    second = np.array([0.0, 0.4, 1.5, 0.1, 0.2])
    linear = weights[0] * first + weights[1] * second
    smooth = _extrapolate(
        datafit, ElasticNetPenalty(0.0, 0.1), weights, [first, second]
    )
    assert_allclose(smooth, linear, rtol=1e-15)
    assert_allclose(linear, 2 * second - first, rtol=1e-12)  # equal steps in log
    sparse = _extrapolate(
        datafit, ElasticNetPenalty(0.1, 0.0), weights, [first, second]
    )
    # With an L1 part: zero stays zero; 0.4 -> -0.2 and 0.1 -> -0.3 would
    # change sign, so they keep 0.4 and 0.1; 1.5 -> 1.0 and the intercept
    # 0.2 -> 0.1 move.
    assert_allclose(sparse, [0.0, 0.4, 1.0, 0.1, 0.1], rtol=1e-12, atol=1e-15)


# -- working sets of orthant-newton --------------------------------------------
def _expected_growth(nonzero, violation):
    at_zero = [j for j in np.flatnonzero(~nonzero) if violation[j] > 0.0]
    budget = max(_orthant_newton._MIN_GROWTH, int(nonzero.sum()))
    worst = sorted(at_zero, key=lambda j: -violation[j])[:budget]
    return np.sort(np.concatenate([np.flatnonzero(nonzero), worst])).astype(np.intp)


@pytest.mark.parametrize(
    "n_nonzero, n_violators", [(3, 25), (15, 40), (2, 6), (0, 30), (20, 0)]
)
def test_free_set_is_nonzeros_plus_worst_violators(n_nonzero, n_violators):
    rng = np.random.default_rng(n_nonzero + 100 * n_violators)
    n = 60
    order = rng.permutation(n)
    w = np.zeros(n)
    w[order[:n_nonzero]] = rng.normal(size=n_nonzero)
    pg = np.zeros(n)
    # distinct violations at zero; the non-zeros' pseudo-gradients too
    pg[order[n_nonzero : n_nonzero + n_violators]] = rng.permutation(
        np.linspace(0.1, 5.0, n_violators)
    ) * rng.choice([-1, 1], n_violators)
    pg[order[:n_nonzero]] = 100.0
    free = _orthant_newton._free_set(w, pg)
    expected = _expected_growth(w != 0.0, np.abs(pg))
    assert_array_equal(free, expected)
    budget = max(_orthant_newton._MIN_GROWTH, n_nonzero)
    assert free.size == n_nonzero + min(n_violators, budget)


def test_working_set_takes_features_over_all_classes():
    datafit = SimpleNamespace(n_outputs=3, n_features=30)
    rng = np.random.default_rng(5)
    w = np.zeros((3, 30))
    w[1, 4] = 0.5  # feature 4 non-zero in one class only
    w[2, 7] = -0.1
    pg = np.zeros((3, 30))
    pg[:, 10:] = rng.permutation(np.linspace(0.1, 3.0, 60)).reshape(3, 20)
    pg[0, 4] = 50.0  # ignored: feature 4 is in the set already
    features = _orthant_newton._working_set(datafit, w.ravel(), pg.ravel())
    violation = np.abs(pg).max(axis=0)
    expected = _expected_growth(np.any(w != 0.0, axis=0), violation)
    assert_array_equal(features, expected)
    assert features.size == 2 + _orthant_newton._MIN_GROWTH


# -- the elastic-net penalty ---------------------------------------------------
def _min_norm_subgradient(w, grad, l1, l2):
    """The definition: the element of ``grad + l2 w + l1 d|w|`` closest to 0,
    coordinate by coordinate (``d|0| = [-1, 1]``)."""
    out = []
    for wj, gj in zip(w, grad, strict=True):
        g = gj + l2 * wj
        if wj != 0.0:
            out.append(g + l1 * np.sign(wj))
        else:  # the interval [g - l1, g + l1]
            out.append(0.0 if abs(g) <= l1 else g - l1 * np.sign(g))
    return np.array(out)


def test_pseudo_gradient_is_the_minimum_norm_subgradient():
    rng = np.random.default_rng(6)
    w = rng.normal(size=40)
    w[::3] = 0.0
    grad = rng.normal(size=40)
    for l1, l2 in [(0.5, 0.0), (0.3, 0.7), (0.0, 0.2)]:
        penalty = ElasticNetPenalty(l1, l2)
        expected = _min_norm_subgradient(w, grad, l1, l2)
        pg = penalty.pseudo_gradient(w, grad)
        assert_allclose(pg, expected, rtol=1e-14, atol=1e-15, err_msg=f"{l1}, {l2}")
        assert_allclose(penalty.subdiff_distance(w, grad), np.abs(expected), atol=1e-15)
        # Where it is non-zero, moving against it decreases data + penalty to
        # first order: the one-sided derivative along -sign(pg) e_j is -|pg_j|.
        h = 1e-7
        for j in np.flatnonzero(np.abs(pg) > 1e-3)[:8]:
            e = np.zeros(40)
            e[j] = -np.sign(pg[j]) * h
            slope = (grad @ e + penalty.value_change(w, e)) / h
            assert_allclose(slope, -abs(pg[j]), rtol=1e-5, atol=1e-6, err_msg=j)


def test_penalty_value_change_is_accurate_for_tiny_steps():
    rng = np.random.default_rng(7)
    w = rng.normal(size=20)
    w[::4] = 0.0
    dw = 1e-12 * rng.normal(size=20)
    penalty = ElasticNetPenalty(0.5, 0.2)
    # Closed form: no coefficient changes sign (|dw| << |w|), so
    # |w + dw| - |w| = sign(w) dw off zero and |dw| at zero.
    l1_change = np.sum(np.where(w != 0.0, np.sign(w) * dw, np.abs(dw)))
    expected = 0.5 * l1_change + 0.2 * (w @ dw + 0.5 * dw @ dw)
    assert_allclose(penalty.value_change(w, dw), expected, rtol=1e-9)
