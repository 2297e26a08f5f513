"""Arrays of other array-API libraries under ``array_api_dispatch``.

Every result is compared with the NumPy result of the same call (which the
rest of the suite checks against references), and its library, device and
dtype with the input's. ``array_api_strict`` (the ``test`` extra) runs
everywhere, on its default device and on its second one ("device1", which
refuses to mix with the first); PyTorch on CPU where it is installed.
scikit-learn's own array-API checks run in ``test_common.py``.
"""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_norm import (
    L1Normalizer,
    L2Normalizer,
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    l1_normalize,
    l2_normalize,
    lambda_max,
    logistic_path,
    move_to_numpy,
)
from sklearn_norm._array_api import namespace_of, to_host

array_api_strict = pytest.importorskip("array_api_strict")


NAMESPACES = [
    pytest.param(("array_api_strict", "CPU_DEVICE"), id="strict"),
    pytest.param(("array_api_strict", "device1"), id="strict-device1"),
    pytest.param(("torch", "cpu"), id="torch-cpu"),
]


@pytest.fixture(params=NAMESPACES)
def space(request):
    """``(xp, device)`` of one library (skipped where it is not installed)."""
    name, device = request.param
    if name == "torch":
        torch = pytest.importorskip("torch")
        return torch, torch.device(device)
    return array_api_strict, array_api_strict.Device(device)


@pytest.fixture(autouse=True)
def dispatch():
    with sklearn.config_context(array_api_dispatch=True):
        yield


def _on(space, values, dtype="float64"):
    xp, device = space
    return xp.asarray(np.asarray(values), dtype=getattr(xp, dtype), device=device)


def _assert_placed(result, like, dtype=None):
    """``result`` is an array of ``like``'s library, on its device, of
    ``dtype`` (default: ``like``'s)."""
    got, expected = namespace_of(result), namespace_of(like)
    assert got is not None and expected is not None
    assert got.xp is expected.xp
    assert got.device == expected.device
    assert result.dtype == (like.dtype if dtype is None else dtype)


def _assert_same_arrays(model, reference, names, like, rtol, atol):
    """The attributes ``names`` of ``model`` are arrays placed as ``like``
    (library, device, dtype) equal to ``reference``'s NumPy ones."""
    for name in names:
        _assert_placed(getattr(model, name), like)
        assert_allclose(
            to_host(getattr(model, name)),
            getattr(reference, name),
            rtol=rtol,
            atol=atol,
            err_msg=name,
        )


@pytest.mark.parametrize("function", [l1_normalize, l2_normalize])
@pytest.mark.parametrize(
    "shape, axis",
    [((7, 5), 1), ((7, 5), 0), ((7, 5), None), ((3, 4, 5), (0, 2)), ((6,), -1)],
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_functions_match_numpy(space, function, shape, axis, dtype):
    rng = np.random.default_rng(0)
    values = rng.standard_normal(shape).astype(dtype)
    values[0] = 0.0  # an all-zero slice stays zero
    x = _on(space, values, dtype)
    result = function(x, axis=axis)
    _assert_placed(result, x)
    rtol = 1e-6 if dtype == "float32" else 1e-13
    assert_allclose(to_host(result), function(values, axis=axis), rtol=rtol, atol=0)
    assert_allclose(to_host(x), values)  # the input is not modified


def test_integers_become_the_widest_float(space):
    xp, _ = space
    x = _on(space, [[3, 4], [0, 0]], "int64")
    result = l2_normalize(x)
    _assert_placed(result, x, xp.float64)
    assert_allclose(to_host(result), [[0.6, 0.8], [0.0, 0.0]])


@pytest.mark.parametrize("function", [l1_normalize, l2_normalize])
def test_overflowing_norms_are_rescued(space, function):
    values = np.array([[1e200, -1e200, 3e199], [1.0, 2.0, 2.0]])
    result = function(_on(space, values), axis=1)
    assert_allclose(to_host(result), function(values, axis=1), rtol=1e-14)
    assert np.isfinite(to_host(result)).all()


@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_values_are_refused(space, bad, word):
    with pytest.raises(ValueError, match=f"Input x contains {word}"):
        l2_normalize(_on(space, [[1.0, bad]]))


@pytest.mark.parametrize("transformer", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_column_norms_match_numpy_and_round_trip(space, transformer, dtype):
    rng = np.random.default_rng(1)
    values = rng.standard_normal((40, 6)).astype(dtype)
    X = _on(space, values, dtype)
    fitted = transformer(axis=0).fit(X)
    reference = transformer(axis=0).fit(values)
    xp, _ = space
    _assert_placed(fitted.norms_, X, xp.float64)
    assert_allclose(to_host(fitted.norms_), reference.norms_, rtol=1e-6)
    transformed = fitted.transform(X)
    _assert_placed(transformed, X)
    rtol = 1e-6 if dtype == "float32" else 1e-13
    assert_allclose(to_host(transformed), reference.transform(values), rtol=rtol)
    restored = fitted.inverse_transform(transformed)
    _assert_placed(restored, X)
    assert_allclose(to_host(restored), values, rtol=rtol)


@pytest.mark.parametrize("transformer", [L1Normalizer, L2Normalizer])
def test_partial_fit_in_chunks_equals_one_fit(space, transformer):
    values = np.random.default_rng(2).standard_normal((30, 4))
    chunked = transformer(axis=0)
    for start in range(0, 30, 7):
        chunked.partial_fit(_on(space, values[start : start + 7]))
    whole = transformer(axis=0).fit(_on(space, values))
    assert_allclose(to_host(chunked.norms_), to_host(whole.norms_), rtol=1e-14)
    assert chunked.n_samples_seen_ == 30


def test_copy_false_writes_into_the_input(space):
    values = np.array([[3.0, 4.0], [1.0, 0.0]])
    X = _on(space, values)
    result = L2Normalizer(copy=False).transform(X)
    assert_allclose(to_host(X), [[0.6, 0.8], [1.0, 0.0]])
    assert_allclose(to_host(result), to_host(X))
    kept = _on(space, values)
    L2Normalizer().transform(kept)
    assert_allclose(to_host(kept), values)


def test_other_namespaces_after_fit_are_refused(space):
    fitted = L1Normalizer(axis=0).fit(_on(space, [[1.0, 2.0], [3.0, 4.0]]))
    with pytest.raises(ValueError, match=r"L1Normalizer.transform\(\) must use"):
        fitted.transform(np.ones((2, 2)))
    with sklearn.config_context(array_api_dispatch=False):
        with pytest.raises(ValueError, match="move_to_numpy"):
            fitted.transform(np.ones((2, 2)))


def test_move_to_numpy_gives_a_numpy_model(space):
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    fitted = L2Normalizer(axis=0).fit(_on(space, values))
    moved = move_to_numpy(fitted)
    assert isinstance(moved.norms_, np.ndarray)
    assert namespace_of(fitted.norms_) is not None  # the original is kept
    with sklearn.config_context(array_api_dispatch=False):
        assert_allclose(
            moved.transform(values), L2Normalizer(axis=0).fit(values).transform(values)
        )


# -- the logistic models -------------------------------------------------------
def _scaled(loader, n_rows=None):
    from sklearn.preprocessing import StandardScaler

    X, y = loader(return_X_y=True)
    if n_rows is not None:
        X, y = X[:n_rows], y[:n_rows]
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def binary():
    from sklearn.datasets import load_breast_cancer

    return _scaled(load_breast_cancer, 300)


@pytest.fixture(scope="module")
def three_classes():
    from sklearn.datasets import load_wine

    return _scaled(load_wine)


MODELS = [
    pytest.param(dict(regularization="l2", lambda_=0.01), id="l2"),
    pytest.param(dict(regularization="l1", lambda_=0.01), id="l1"),
    pytest.param(dict(regularization="elasticnet", lambda_=0.01), id="en"),
    pytest.param(
        dict(regularization="l1", lambda_=0.01, solver="orthant-newton"), id="l1-owl"
    ),
    pytest.param(dict(regularization="l2", lambda_=0.01, solver="lbfgs"), id="lbfgs"),
    pytest.param(
        dict(regularization="l1", lambda_=0.01, standardize=True), id="l1-standardize"
    ),
    pytest.param(
        dict(regularization="elasticnet", lambda_=0.01, lower_bounds=-0.5),
        id="en-bounded",
    ),
    pytest.param(
        dict(regularization="l1", lambda_=0.01, multinomial_penalty="grouped"),
        id="l1-grouped",
    ),
]


@pytest.mark.parametrize("params", MODELS)
@pytest.mark.parametrize("data", ["binary", "three_classes"])
def test_logistic_fits_the_numpy_model_on_the_device(space, params, data, request):
    """Every solver, on the device, takes the NumPy fit's iterates: the
    same coefficients to rounding, and the same predictions."""
    X, y = request.getfixturevalue(data)
    weights = np.random.default_rng(3).uniform(0.5, 2.0, size=y.size)
    reference = RegularizedLogisticRegression(tol=1e-8, **params)
    with sklearn.config_context(array_api_dispatch=False):
        reference.fit(X, y, sample_weight=weights)
    X_xp = _on(space, X)
    model = RegularizedLogisticRegression(tol=1e-8, **params)
    model.fit(X_xp, _on(space, y, "int64"), sample_weight=_on(space, weights))
    _assert_same_arrays(model, reference, ("coef_", "intercept_"), X_xp, 1e-7, 1e-9)
    assert model.solver_ == reference.solver_
    assert model.optimality_ <= 1e-8
    proba = model.predict_proba(X_xp)
    _assert_placed(proba, X_xp)
    assert_allclose(to_host(proba), reference.predict_proba(X), rtol=1e-7, atol=1e-10)
    log_proba = model.predict_log_proba(X_xp)
    _assert_placed(log_proba, X_xp)
    assert_allclose(
        to_host(log_proba), reference.predict_log_proba(X), rtol=1e-7, atol=1e-10
    )
    labels = model.predict(X_xp)
    assert namespace_of(labels) is not None
    assert_array_equal(to_host(labels), reference.predict(X))
    assert model.score(X_xp, _on(space, y, "int64")) == reference.score(X, y)


def test_float32_stops_at_what_float32_resolves(space, three_classes):
    """float32 on a device: products in float32, the default tol raised to
    1e-5 (what float32 gradients resolve), reached in a few steps, without
    a warning; the model is float32 and close to the float64 one."""
    X, y = three_classes
    X_xp = _on(space, X, "float32")
    model = RegularizedLogisticRegression("l1", 0.01).fit(X_xp, _on(space, y, "int64"))
    xp, _ = space
    _assert_placed(model.coef_, X_xp, xp.float32)
    assert model.optimality_ <= 1e-5
    assert model.n_iter_ < 100
    with sklearn.config_context(array_api_dispatch=False):
        exact = RegularizedLogisticRegression("l1", 0.01, tol=1e-10).fit(X, y)
    assert_allclose(to_host(model.coef_), exact.coef_, atol=2e-3)


def test_string_labels_give_numpy_labels(space, binary):
    X, y = binary
    names = np.array(["benign", "malignant"])[y]
    X_xp = _on(space, X)
    model = RegularizedLogisticRegression("l2", 0.1).fit(X_xp, names)
    predicted = model.predict(X_xp)
    assert isinstance(predicted, np.ndarray)  # arrays of numbers only
    assert set(predicted) <= set(names)
    assert model.score(X_xp, names) > 0.9


def test_offset_on_the_device(space, three_classes):
    X, y = three_classes
    offset = np.random.default_rng(4).normal(size=(y.size, 3))
    with sklearn.config_context(array_api_dispatch=False):
        reference = RegularizedLogisticRegression("l1", 0.02, tol=1e-9)
        reference.fit(X, y, offset=offset)
    X_xp = _on(space, X)
    model = RegularizedLogisticRegression("l1", 0.02, tol=1e-9)
    model.fit(X_xp, y, offset=_on(space, offset))
    assert_allclose(to_host(model.coef_), reference.coef_, rtol=1e-7, atol=1e-9)
    assert_allclose(
        to_host(model.decision_function(X_xp, offset=_on(space, offset))),
        reference.decision_function(X, offset=offset),
        rtol=1e-9,
    )


def test_warm_start_continues_from_device_coefficients(space, binary):
    X, y = binary
    X_xp = _on(space, X)
    model = RegularizedLogisticRegression("l1", 0.05, warm_start=True, tol=1e-9)
    model.fit(X_xp, y)
    first = to_host(model.coef_)
    model.set_params(lambda_=0.04).fit(X_xp, y)
    with sklearn.config_context(array_api_dispatch=False):
        reference = RegularizedLogisticRegression("l1", 0.04, tol=1e-9).fit(X, y)
    assert not np.allclose(first, reference.coef_)
    assert_allclose(to_host(model.coef_), reference.coef_, rtol=1e-6, atol=1e-8)


def test_no_array_of_the_data_s_size_reaches_the_host(space, monkeypatch):
    """Every transfer to the host during a fit has at most ``n_params``
    squared values (an explicit Hessian), and none has ``n_samples``: the
    work on the rows stays on the device."""
    from sklearn_norm._array_api import Namespace

    rng = np.random.default_rng(5)
    X = rng.normal(size=(3000, 8))
    y = (X[:, 0] + rng.normal(size=3000) > 0).astype(np.int64)
    sizes = []
    original = Namespace.to_numpy

    def recording(self, array):
        values = original(self, array)
        sizes.append(values.size)
        return values

    monkeypatch.setattr(Namespace, "to_numpy", recording)
    X_xp, y_xp = _on(space, X), _on(space, y, "int64")
    sizes.clear()
    for regularization in ("l2", "l1"):
        RegularizedLogisticRegression(regularization, 0.01).fit(X_xp, y_xp)
    y_transfers = [size for size in sizes if size == y.size]
    assert len(y_transfers) == 2  # the labels, once per fit
    assert max(size for size in sizes if size != y.size) <= 9**2


def test_logistic_path_and_lambda_max_on_the_device(space, three_classes):
    X, y = three_classes
    X_xp = _on(space, X)
    with sklearn.config_context(array_api_dispatch=False):
        top = lambda_max(X, y)
        grid, coefs, intercepts = logistic_path(X, y, n_lambdas=8, tol=1e-9)
    assert lambda_max(X_xp, y) == pytest.approx(top, rel=1e-12)
    grid_xp, coefs_xp, intercepts_xp = logistic_path(X_xp, y, n_lambdas=8, tol=1e-9)
    assert_allclose(grid_xp, grid, rtol=1e-12)
    _assert_placed(coefs_xp, X_xp)
    _assert_placed(intercepts_xp, X_xp)
    assert_allclose(to_host(coefs_xp), coefs, rtol=1e-6, atol=1e-8)
    assert_allclose(to_host(intercepts_xp), intercepts, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(dict(), id="default"),
        pytest.param(dict(regularization="l2", scoring="accuracy"), id="l2-accuracy"),
        pytest.param(dict(regularization="l1", standardize=True), id="l1-standardize"),
    ],
)
def test_cv_selects_the_numpy_lambda_on_the_device(space, three_classes, params):
    X, y = three_classes
    settings = dict(n_lambdas=10, cv=3, **params)
    with sklearn.config_context(array_api_dispatch=False):
        reference = RegularizedLogisticRegressionCV(**settings).fit(X, y)
    X_xp = _on(space, X)
    model = RegularizedLogisticRegressionCV(**settings).fit(
        X_xp, _on(space, y, "int64")
    )
    assert model.lambda_ == pytest.approx(reference.lambda_, rel=1e-12)
    names = ("coef_", "intercept_", "lambdas_", "cv_scores_", "coefs_path_")
    _assert_same_arrays(model, reference, names, X_xp, 1e-6, 1e-8)
    assert_array_equal(to_host(model.predict(X_xp)), reference.predict(X))


def test_move_to_numpy_gives_a_numpy_classifier(space, binary):
    X, y = binary
    X_xp = _on(space, X)
    model = RegularizedLogisticRegression("l1", 0.02).fit(X_xp, y)
    on_device = to_host(model.predict_proba(X_xp))
    moved = move_to_numpy(model)
    assert isinstance(moved.coef_, np.ndarray)
    assert isinstance(moved.intercept_, np.ndarray)
    with sklearn.config_context(array_api_dispatch=False):
        assert_allclose(moved.predict_proba(X), on_device, rtol=1e-12)


def test_plots_of_a_model_fitted_on_the_device(space, three_classes):
    """plot_path and plot_cv draw a model fitted on the device as the same
    model fitted on NumPy."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from sklearn_norm import plot_cv, plot_path

    X, y = three_classes
    settings = dict(n_lambdas=8, cv=3, tol=1e-9)
    model = RegularizedLogisticRegressionCV(**settings).fit(_on(space, X), y)
    with sklearn.config_context(array_api_dispatch=False):
        reference = RegularizedLogisticRegressionCV(**settings).fit(X, y)
    for drawn, expected in (
        (plot_cv(model), plot_cv(reference)),
        (plot_path(model, class_=0), plot_path(reference, class_=0)),
    ):
        lines, reference_lines = drawn.get_lines(), expected.get_lines()
        assert len(lines) == len(reference_lines) > 0
        for line, reference_line in zip(lines, reference_lines, strict=True):
            assert_allclose(
                line.get_ydata(), reference_line.get_ydata(), rtol=1e-6, atol=1e-8
            )
    plt.close("all")


def test_sparse_tensors_are_refused_with_the_way_out():
    torch = pytest.importorskip("torch")
    X = torch.eye(4, dtype=torch.float64).to_sparse()
    with pytest.raises(TypeError, match=r"X is a sparse Tensor .*to_dense\(\)"):
        RegularizedLogisticRegression().fit(X, [0, 1, 0, 1])
    with pytest.raises(TypeError, match=r"x is a sparse Tensor"):
        l2_normalize(X)
    with pytest.raises(TypeError, match=r"X is a sparse Tensor"):
        L1Normalizer(axis=0).fit(X)


def test_float32_gradients_do_not_lose_precision_with_the_rows(space):
    """The gradient of a float32 X on a device sums its rows in blocks whose
    partial sums are added in float64: on 50003 rows of positive values it
    is within 1e-7 (relative) of the float64 gradient, where one float32
    product over all rows is off by 5e-7 (NumPy) to 1.2e-6 (PyTorch CPU)."""
    from sklearn_norm.linear_model._fit import datafit_of

    rng = np.random.default_rng(0)
    n_samples = 50_003  # not a multiple of the block
    X = rng.uniform(size=(n_samples, 4)).astype(np.float32)
    y = (rng.uniform(size=n_samples) < 0.3).astype(np.int64)
    weights = np.ones(n_samples)
    exact = datafit_of(X.astype(np.float64), y, weights.copy(), 2, True)
    params = np.array([0.3, -0.2, 0.1, 0.5, -1.0])
    expected = exact.gradient(exact.decision(params))
    datafit = datafit_of(_on(space, X, "float32"), y, weights.copy(), 2, True)
    gradient = datafit.gradient(datafit.decision(params))
    assert_allclose(gradient, expected, rtol=0, atol=1e-7 * np.abs(expected).max())
