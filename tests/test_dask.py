"""Dask arrays: lazy normalization, distributed logistic fits, lazy
predictions, and GridSearchCV on a Dask cluster.

Everything runs on a ``distributed.LocalCluster`` of 2 worker processes
started here. The whole module is skipped when the ``dask`` extra
(``dask[array]``, ``distributed``) is not installed.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

import sklearn_norm.linear_model._dask_datafit as dask_loss
from sklearn_norm import (
    L1Normalizer,
    L2Normalizer,
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    l1_normalize,
    l2_normalize,
    lambda_max,
    logistic_path,
)

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

ROWS_PER_CHUNK = 37  # many uneven chunks


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _nbytes(obj) -> int:
    """Bytes of the arrays in a gathered result (nested containers)."""
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if isinstance(obj, (list, tuple)):
        return max((_nbytes(o) for o in obj), default=0)
    if isinstance(obj, dict):
        return max((_nbytes(o) for o in obj.values()), default=0)
    if isinstance(obj, (numbers.Number, np.generic)):
        return 8
    return 0


@pytest.fixture
def gathered(client, monkeypatch):
    """Sizes (bytes of the largest array) of every result that ``compute``
    brings from the workers to this process."""
    sizes = []
    gather = client.gather

    def recording_gather(futures, *args, **kwargs):
        result = gather(futures, *args, **kwargs)
        sizes.append(_nbytes(result))
        return result

    monkeypatch.setattr(client, "gather", recording_gather)
    return sizes


def _data(n=600, p=8, n_classes=2, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)).astype(dtype)
    scores = X[:, :n_classes] * 2 + rng.standard_normal((n, n_classes))
    y = (scores[:, 0] > 0).astype(int) if n_classes == 2 else scores.argmax(axis=1)
    return X, y


def _dask(a, rows=ROWS_PER_CHUNK):
    return da.from_array(a, chunks=(rows,) + a.shape[1:])


# -- normalization ----------------------------------------------------------
@pytest.mark.parametrize("function", [l1_normalize, l2_normalize])
@pytest.mark.parametrize("axis", [1, -1, 0, None, (0, 1)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_normalize_functions_are_lazy_and_equal_in_memory(
    client, function, axis, dtype
):
    X, _ = _data(dtype=dtype)
    X[5] = 0.0
    X_dask = da.from_array(X, chunks=(ROWS_PER_CHUNK, 3))  # columns split too
    out = function(X_dask, axis=axis)
    assert isinstance(out, da.Array)
    assert out.dtype == X.dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert_allclose(
        out.compute(), function(X, axis=axis), rtol=rtol, atol=0, err_msg=f"{axis=}"
    )


@pytest.mark.parametrize("function", [l1_normalize, l2_normalize])
def test_normalize_n_d_and_integers(client, function):
    x = np.arange(2 * 5 * 6).reshape(2, 5, 6) - 20
    x_dask = da.from_array(x, chunks=(1, 2, 6))
    for axis in [2, (1, 2), 0, None]:
        out = function(x_dask, axis=axis)
        assert out.dtype == np.float64
        assert_allclose(out.compute(), function(x, axis=axis), rtol=1e-12, atol=0)


@pytest.mark.parametrize("function", [l1_normalize, l2_normalize])
def test_normalize_across_chunks_does_not_overflow(client, function):
    X = np.full((200, 3), 1e200)
    X[:, 1] = -3e-300
    X[:, 2] = 0.0
    out = function(_dask(X), axis=0).compute()
    assert np.isfinite(out).all()
    assert_allclose(out, function(X, axis=0), rtol=1e-12, atol=0)


def test_normalize_raises_on_nan_at_compute(client):
    X, _ = _data()
    X[100, 2] = np.nan
    for axis in [1, 0]:
        lazy = l2_normalize(_dask(X), axis=axis)  # nothing computed yet
        with pytest.raises(ValueError, match="NaN"):
            lazy.compute()


def test_normalize_refuses_what_it_cannot_convert_lazily(client):
    strings = da.from_array(np.array([["1", "2"], ["3", "4"]]), chunks=1)
    with pytest.raises(ValueError, match="must be numeric"):
        l2_normalize(strings)
    with pytest.raises(ValueError, match="Complex"):
        l1_normalize(da.ones((4, 2), dtype=complex, chunks=2))


@pytest.mark.parametrize("Normalizer", [L1Normalizer, L2Normalizer])
def test_transformers_on_dask(client, gathered, Normalizer):
    X, _ = _data()
    X_dask = da.from_array(X, chunks=(ROWS_PER_CHUNK, 5))
    rows = Normalizer().fit(X_dask)
    assert rows.n_features_in_ == X.shape[1]
    assert gathered == []  # row normalization learns nothing
    out = rows.transform(X_dask)
    assert isinstance(out, da.Array)
    assert_allclose(out.compute(), Normalizer().fit_transform(X), rtol=1e-12, atol=0)

    columns = Normalizer(axis=0).fit(X_dask)  # norms by a Dask reduction
    reference = Normalizer(axis=0).fit(X)
    assert_allclose(columns.norms_, reference.norms_, rtol=1e-12, atol=0)
    assert columns.n_samples_seen_ == X.shape[0]
    gathered.clear()
    out = columns.transform(X_dask)
    assert isinstance(out, da.Array) and gathered == []
    assert_allclose(out.compute(), reference.transform(X), rtol=1e-12, atol=0)
    back = columns.inverse_transform(out)
    assert isinstance(back, da.Array)
    assert_allclose(back.compute(), X, rtol=1e-12, atol=1e-15)

    pieces = Normalizer(axis=0)
    pieces.partial_fit(X_dask[:250]).partial_fit(X_dask[250:])
    assert_allclose(pieces.norms_, reference.norms_, rtol=1e-12, atol=0)
    with pytest.raises(ValueError, match="has 3 features, but .* 8 features"):
        columns.transform(X_dask[:, :3])


# -- logistic regression ----------------------------------------------------
CASES = [
    ("l2", 2, True, "auto"),
    ("l2", 3, True, "auto"),
    ("l2", 2, False, "lbfgs"),
    ("l1", 2, True, "auto"),
    ("l1", 3, True, "auto"),
    ("l1", 2, False, "lbfgs"),
    ("elasticnet", 3, True, "auto"),
    (None, 3, True, "newton-cg"),
]


def _fit_both(
    regularization, n_classes, fit_intercept, solver, X, y, rows=ROWS_PER_CHUNK, **fit
):
    params = dict(
        regularization=regularization,
        lambda_=0.02,
        fit_intercept=fit_intercept,
        solver=solver,
        tol=1e-9,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        local = RegularizedLogisticRegression(**params).fit(X, y, **fit)
        dask_fit = {k: _dask(v, rows) for k, v in fit.items()}
        distributed_model = RegularizedLogisticRegression(**params).fit(
            _dask(X, rows), _dask(y, rows), **dask_fit
        )
    return local, distributed_model


@pytest.mark.parametrize("regularization, n_classes, fit_intercept, solver", CASES)
def test_fit_equals_in_memory_fit(
    client, gathered, regularization, n_classes, fit_intercept, solver
):
    # 7 uneven chunks: here the solvers' arithmetic is under test; many small
    # chunks are in the other fits (each computation's cost grows with them).
    X, y = _data(n=3000, n_classes=n_classes)
    local, model = _fit_both(
        regularization, n_classes, fit_intercept, solver, X, y, rows=437
    )
    assert_allclose(model.coef_, local.coef_, rtol=0, atol=1e-6)
    assert_allclose(model.intercept_, local.intercept_, rtol=0, atol=1e-6)
    assert model.optimality_ <= 1e-9
    assert_allclose(model.objective_, local.objective_, rtol=1e-12)
    assert_array_equal(model.classes_, local.classes_)
    # What reached this process: values, gradients, Hessians (at most 27 x 27
    # float64, 5.8 KB); nothing of size n_samples (24 KB), let alone X.
    n_params = local.coef_.size + local.intercept_.size
    assert len(gathered) >= model.n_iter_
    assert max(gathered) <= 8 * (n_params**2 + n_params + 2)
    assert max(gathered) < 8 * X.shape[0]


def test_fit_with_weights_class_weight_and_labels(client):
    X, y = _data(n_classes=3)
    labels = np.array(["cat", "dog", "emu"])[y]
    weights = np.random.default_rng(1).uniform(0, 2, size=y.size)
    params = dict(regularization="l1", lambda_=0.01, class_weight="balanced", tol=1e-9)
    local = RegularizedLogisticRegression(**params).fit(X, labels, weights)
    model = RegularizedLogisticRegression(**params).fit(
        _dask(X), _dask(labels), sample_weight=_dask(weights)
    )
    assert_array_equal(model.classes_, ["cat", "dog", "emu"])
    assert_allclose(model.coef_, local.coef_, rtol=0, atol=1e-6)
    assert_allclose(model.intercept_, local.intercept_, rtol=0, atol=1e-6)
    # NumPy y and weights with a Dask X, columns split across chunks.
    X_split = da.from_array(X, chunks=(50, 3))
    again = RegularizedLogisticRegression(**params).fit(X_split, labels, weights)
    assert_allclose(again.coef_, local.coef_, rtol=0, atol=1e-6)


def test_float32_fit(client):
    X, y = _data(dtype=np.float32)
    local, model = _fit_both("l2", 2, True, "auto", X, y)
    assert model.coef_.dtype == np.float32
    assert_allclose(model.coef_, local.coef_, rtol=0, atol=1e-5)


def test_distributed_hessian_products(client, monkeypatch):
    """Beyond ``EXPLICIT_HESSIAN_MAX`` parameters each Hessian product is a
    pass over the chunks; the solution is the same."""
    monkeypatch.setattr(dask_loss, "EXPLICIT_HESSIAN_MAX", 0)
    for regularization, n_classes in [("l2", 2), ("l1", 3)]:
        X, y = _data(n_classes=n_classes)
        local, model = _fit_both(regularization, n_classes, True, "auto", X, y)
        assert_allclose(model.coef_, local.coef_, rtol=0, atol=1e-6)


def test_predictions_are_lazy_and_equal(client):
    for n_classes in (2, 3):
        X, y = _data(n_classes=n_classes)
        model = RegularizedLogisticRegression().fit(_dask(X), _dask(y))
        local = RegularizedLogisticRegression().fit(X, y)
        # At the default tol too, the same iterations give the same model.
        assert_allclose(model.coef_, local.coef_, rtol=0, atol=1e-6)
        for method in [
            "decision_function",
            "predict",
            "predict_proba",
            "predict_log_proba",
        ]:
            lazy = getattr(model, method)(_dask(X))
            assert isinstance(lazy, da.Array), method
            expected = getattr(local, method)(X)
            assert lazy.shape == expected.shape, method
            computed = lazy.compute()
            if method == "predict":
                assert_array_equal(computed, expected)
            else:
                assert_allclose(computed, expected, rtol=1e-6, atol=1e-9)
        with pytest.raises(ValueError, match="has 3 features"):
            model.predict(_dask(X[:, :3]))


def test_pipeline_on_dask(client):
    X, y = _data()
    pipe = make_pipeline(L2Normalizer(), RegularizedLogisticRegression("l1", 0.01))
    local = make_pipeline(L2Normalizer(), RegularizedLogisticRegression("l1", 0.01))
    pipe.fit(_dask(X), _dask(y))
    local.fit(X, y)
    assert_allclose(pipe[-1].coef_, local[-1].coef_, rtol=0, atol=1e-6)
    predicted = pipe.predict(_dask(X))
    assert isinstance(predicted, da.Array)
    assert_array_equal(predicted.compute(), local.predict(X))


def test_grid_search_on_the_dask_joblib_backend(client):
    X, y = _data(n=300)
    pipe = make_pipeline(L2Normalizer(), RegularizedLogisticRegression("l1"))
    grid = {"regularizedlogisticregression__lambda_": [1e-3, 1e-2, 1e-1]}
    serial = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    with (
        distributed.get_task_stream(client) as stream,
        joblib.parallel_config(backend="dask"),
    ):
        search = GridSearchCV(pipe, grid, cv=3, n_jobs=-1).fit(X, y)
    assert len(stream.data) > 0  # the fits ran as tasks on the cluster
    assert search.best_params_ == serial.best_params_
    assert_array_equal(
        search.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )

    cv = RegularizedLogisticRegressionCV(regularization="l1", cv=3, n_lambdas=5)
    cv_serial = cv.fit(X, y).coef_.copy()
    with (
        distributed.get_task_stream(client) as stream,
        joblib.parallel_config(backend="dask"),
    ):
        cv_tasks = RegularizedLogisticRegressionCV(
            regularization="l1", cv=3, n_lambdas=5, n_jobs=-1
        ).fit(X, y)
    assert len(stream.data) > 0
    assert_array_equal(cv_tasks.coef_, cv_serial)


def test_the_gather_recorder_sees_a_whole_array(client, gathered):
    """The bound in ``test_fit_equals_in_memory_fit`` can fail: computing
    ``X`` brings all of it to this process."""
    X, _ = _data()
    _dask(X).compute()
    assert max(gathered) >= X.nbytes


# -- bad input --------------------------------------------------------------
def _bad_fit(X, y, match, error=ValueError, **fit):
    model = RegularizedLogisticRegression()
    with pytest.raises(error, match=match):
        model.fit(X, y, **fit)
    assert not hasattr(model, "coef_")


def test_bad_input_is_refused_with_a_named_error(client):
    X, y = _data()
    X_dask, y_dask = _dask(X), _dask(y)
    for value, match in [(np.nan, "NaN"), (np.inf, "infinity"), (1e60, "1e\\+50")]:
        bad = X.copy()
        bad[123, 4] = value
        _bad_fit(_dask(bad), y_dask, match)
    _bad_fit(X_dask[:, 0], y_dask, "2-D array")
    _bad_fit(X_dask.astype(complex), y_dask, "Complex")
    _bad_fit(X_dask, y_dask[:-1], "inconsistent numbers of samples")
    _bad_fit(X_dask, da.zeros_like(y_dask), "only one class")
    _bad_fit(X_dask, y_dask.astype(float) + 0.5, "continuous|Unknown label type")
    _bad_fit(X_dask, y_dask, "Negative values", sample_weight=-_dask(np.ones(600)))
    _bad_fit(X_dask, y_dask, "sums to zero", sample_weight=_dask(np.zeros(600)))
    unknown = X_dask[X_dask[:, 0] > 0]  # chunk sizes unknown until computed
    _bad_fit(unknown, y_dask, "unknown chunk sizes")


def test_a_failed_fit_leaves_the_model_as_it_was(client):
    X, y = _data()
    model = RegularizedLogisticRegression().fit(_dask(X), _dask(y))
    coef = model.coef_.copy()
    bad = X.copy()
    bad[3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(_dask(bad), _dask(y))
    assert_array_equal(model.coef_, coef)


def test_in_memory_entry_points_refuse_dask_arrays(client):
    X, y = _data()
    for call in [
        lambda: RegularizedLogisticRegressionCV().fit(_dask(X), y),
        lambda: logistic_path(_dask(X), y),
        lambda: lambda_max(_dask(X), y),
    ]:
        with pytest.raises(TypeError, match="Dask Array: this function"):
            call()


def test_other_dask_collections_are_refused(client):
    dask = pytest.importorskip("dask")
    X, y = _data()
    delayed = dask.delayed(X)
    for call in [
        lambda: RegularizedLogisticRegression().fit(delayed, y),
        lambda: L1Normalizer().fit(delayed),
        lambda: l2_normalize(delayed),
    ]:
        with pytest.raises(
            TypeError, match="Dask Delayed.*; sklearn_norm takes Dask arrays"
        ):
            call()


def test_dask_dataframes_are_refused(client):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, y = _data()
    frame = dd.from_pandas(pd.DataFrame(X), npartitions=3)
    with pytest.raises(TypeError, match="to_dask_array"):
        RegularizedLogisticRegression().fit(frame, y)
    with pytest.raises(TypeError, match="to_dask_array"):
        L2Normalizer().fit(frame)
