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


@pytest.mark.parametrize("regularization", ["l1", "l2"])
def test_penalty_factors_on_dask(client, regularization):
    X, y = _data(n_classes=3)
    factor = np.ones(X.shape[1])
    factor[[0, 1, 2]] = 0.0, np.inf, 3.0
    params = dict(
        regularization=regularization, lambda_=0.05, penalty_factor=factor, tol=1e-9
    )
    local = RegularizedLogisticRegression(**params).fit(X, y)
    model = RegularizedLogisticRegression(**params).fit(_dask(X), _dask(y))
    assert np.all(model.coef_[:, 1] == 0.0) and np.all(model.coef_[:, 0] != 0.0)
    assert_allclose(model.coef_, local.coef_, rtol=0, atol=1e-6)
    assert_allclose(model.intercept_, local.intercept_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_standardize_on_dask(client, fit_intercept):
    X, y = _data(n_classes=3)
    # Columns of many units; offsets only with an intercept to absorb them.
    X = X * np.linspace(0.01, 100.0, X.shape[1]) + (3.0 if fit_intercept else 0.0)
    factor = np.ones(X.shape[1])
    factor[1] = np.inf
    params = dict(
        regularization="l1",
        lambda_=0.02,
        standardize=True,
        penalty_factor=factor,
        fit_intercept=fit_intercept,
        tol=1e-9,
    )
    local = RegularizedLogisticRegression(**params).fit(X, y)
    model = RegularizedLogisticRegression(**params).fit(_dask(X), _dask(y))
    scale = X.std(axis=0)
    assert_allclose(model.coef_ * scale, local.coef_ * scale, rtol=0, atol=1e-6)
    assert_allclose(model.intercept_, local.intercept_, rtol=0, atol=1e-5)


def test_bounds_on_dask(client):
    X, y = _data(n_classes=3)
    params = dict(
        regularization="l1", lambda_=0.02, lower_bounds=0.0, upper_bounds=0.5, tol=1e-9
    )
    local = RegularizedLogisticRegression(**params).fit(X, y)
    model = RegularizedLogisticRegression(**params).fit(_dask(X), _dask(y))
    assert model.solver_ == "lbfgs" and np.all(model.coef_ >= 0.0)
    assert_allclose(model.coef_, local.coef_, rtol=0, atol=1e-6)


def test_offset_on_dask_is_refused_by_name(client):
    X, y = _data()
    with pytest.raises(ValueError, match="offset is not supported for Dask"):
        RegularizedLogisticRegression().fit(_dask(X), _dask(y), offset=np.zeros(len(y)))
    model = RegularizedLogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="offset is not supported for Dask"):
        model.predict_proba(_dask(X), offset=np.zeros(len(y)))


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


def test_dask_arrays_of_sparse_chunks_are_refused(client):
    """Their chunks would reach NumPy kernels; name the two ways out."""
    import scipy.sparse as sp

    X, y = _data()
    chunked = da.from_array(sp.csr_matrix(X), chunks=(20, X.shape[1]))
    message = "Dask array of scipy.sparse chunks.*toarray"
    for call in [
        lambda: RegularizedLogisticRegression().fit(chunked, y),
        lambda: L2Normalizer(axis=0).fit(chunked),
        lambda: L1Normalizer().transform(chunked),
        lambda: l2_normalize(chunked, axis=1),
    ]:
        with pytest.raises(TypeError, match=message):
            call()


# -- the Dask datafit: the whole contract, typed requests, no order effects ---
@pytest.fixture
def synchronous():
    """Dask in this process, one task at a time: for tests of what a pass
    computes rather than of how the cluster runs it (fast)."""
    import dask

    with dask.config.set(scheduler="synchronous"):
        yield


def _datafits(n_classes, fit_intercept, dtype=np.float64, seed=0):
    """The in-memory and the Dask datafit of the same data (non-uniform
    weights, uneven row chunks)."""
    from sklearn_norm.linear_model._dask import logistic_datafit
    from sklearn_norm.linear_model._fit import datafit_of

    X, y = _data(n=300, p=6, n_classes=n_classes, seed=seed, dtype=dtype)
    weights = np.random.default_rng(seed + 1).uniform(0.2, 3.0, size=y.size)
    memory = datafit_of(X, y, weights, n_classes, fit_intercept)
    _, _, distributed, _ = logistic_datafit(
        _dask(X), _dask(y), _dask(weights), None, fit_intercept
    )
    return memory, distributed


def _protocol_members(protocol) -> list[str]:
    """The attributes and methods a ``typing.Protocol`` lists."""
    names = set(getattr(protocol, "__annotations__", {}))
    names |= {name for name in vars(protocol) if callable(vars(protocol)[name])}
    return sorted(name for name in names if not name.startswith("_"))


SUMMARY_CASES = [
    pytest.param(k, fi, dtype, id=f"{k}classes-intercept{fi}-{dtype.__name__}")
    for k in (2, 3)
    for fi in (True, False)
    for dtype in (np.float64, np.float32)
]


@pytest.mark.parametrize("n_classes, fit_intercept, dtype", SUMMARY_CASES)
def test_dask_datafit_offers_the_whole_contract(
    synchronous, n_classes, fit_intercept, dtype
):
    from sklearn_norm.linear_model._contract import Datafit

    memory, distributed = _datafits(n_classes, fit_intercept, dtype)
    features = np.array([0, 2, 5])
    members = _protocol_members(Datafit)
    assert {"weighted_gram", "column_moments", "class_curvature"} <= set(members)
    for datafit in (distributed, distributed.restrict(features)):
        assert isinstance(datafit, Datafit)
        missing = [name for name in members if not hasattr(datafit, name)]
        assert missing == []
        assert datafit.n_samples == memory.n_samples == 300
        assert isinstance(datafit.n_samples, int)
        assert datafit.dtype == memory.dtype == dtype
        # restrict copies nothing: the chunk tasks select the columns.
        assert datafit.stored_values() == 0
        assert datafit.stored_values(features[:2]) == 0
        z = datafit.decision(np.zeros(datafit.n_params))
        assert datafit.partial_hessian(z, np.arange(2), 10**6) is None


@pytest.mark.parametrize("restricted", [False, True], ids=["all", "restricted"])
@pytest.mark.parametrize("n_classes, fit_intercept, dtype", SUMMARY_CASES)
def test_dask_summaries_equal_in_memory(
    synchronous, n_classes, fit_intercept, dtype, restricted
):
    """``weighted_gram``, ``column_moments`` and ``class_curvature`` of the
    Dask datafit (one Dask computation each) equal the in-memory datafit's
    on the same data, over a restricted datafit's columns too."""
    memory, distributed = _datafits(n_classes, fit_intercept, dtype)
    if restricted:
        features = np.array([0, 2, 5])
        memory, distributed = memory.restrict(features), distributed.restrict(features)
    # float32 products (the Gram matrix) round differently over other blocks.
    rtol, atol = (1e-5, 1e-7) if dtype == np.float32 else (1e-12, 1e-15)
    for max_values in (5, 10**6):  # one row per block, or whole chunks
        expected = memory.weighted_gram(max_values)
        gram, moment, total = distributed.weighted_gram(max_values)
        assert gram.dtype == moment.dtype == np.float64
        assert gram.shape == (distributed.n_features, distributed.n_features)
        assert_allclose(gram, expected[0], rtol=rtol, atol=atol)
        assert_allclose(moment, expected[1], rtol=rtol, atol=atol)
        assert_allclose(total, expected[2], rtol=1e-13)
        assert_allclose(total, 1.0, rtol=1e-13)
    mean, deviation = distributed.column_moments()
    expected_mean, expected_deviation = memory.column_moments()
    assert mean.dtype == deviation.dtype == np.float64
    # In float64 from X's own values, in memory and on Dask alike.
    assert_allclose(mean, expected_mean, rtol=1e-12, atol=1e-15)
    assert_allclose(deviation, expected_deviation, rtol=1e-12, atol=1e-15)
    if not fit_intercept:
        assert not mean.any()
    params = 0.5 * np.random.default_rng(3).normal(size=distributed.n_params)
    curvature = distributed.class_curvature(distributed.decision(params))
    expected = memory.class_curvature(memory.decision(params))
    assert curvature.shape == (distributed.n_outputs, distributed.n_outputs)
    assert curvature.dtype == np.float64
    # float32 scores differ from the in-memory datafit's by their rounding.
    assert_allclose(
        curvature, expected, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-15
    )
    assert_array_equal(curvature, curvature.T)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_dask_column_moments_of_constant_and_zero_columns(synchronous, fit_intercept):
    """A constant column's deviation is exactly 0 with an intercept (the
    chunks' centred squares merge pairwise; no difference of two large
    sums), its root mean square without; a zero column's is 0."""
    from sklearn_norm.linear_model._dask import logistic_datafit

    X, y = _data(n=500)
    X[:, 1] = -93.75496
    X[:, 3] = 0.0
    weights = np.random.default_rng(4).uniform(0.2, 3.0, size=y.size)
    _, _, datafit, _ = logistic_datafit(
        _dask(X), _dask(y), _dask(weights), None, fit_intercept
    )
    mean, deviation = datafit.column_moments()
    assert deviation[3] == 0.0 and mean[3] == 0.0
    if fit_intercept:
        assert deviation[1] == 0.0 and mean[1] == 0.0
    else:
        assert_allclose(deviation[1], 93.75496, rtol=1e-14)
    assert np.all(deviation[[0, 2, 4, 5, 6, 7]] > 0.5)
    sub_mean, sub_deviation = datafit.restrict(np.array([1, 2])).column_moments()
    assert_allclose(sub_mean, mean[[1, 2]], rtol=1e-13, atol=0)
    assert_allclose(sub_deviation, deviation[[1, 2]], rtol=1e-13, atol=0)


def _call_log(parent, sub, features, calls):
    """Run ``calls`` (names into ``_CALLS``) on a datafit and its
    restriction to ``features``; returns {name: result}."""
    results = {}
    for name in calls:
        results[name] = _CALLS[name](parent, sub, features)
    return results


def _params_of(datafit, seed, scale=0.5):
    return scale * np.random.default_rng(seed).normal(size=datafit.n_params)


_CALLS = {
    "parent.value_grad": lambda p, s, f: p.value_grad(_params_of(p, 20)),
    "parent.explicit_hessian": lambda p, s, f: p.explicit_hessian(
        p.decision(_params_of(p, 20))
    ),
    "parent.hessp": lambda p, s, f: p.hessp(p.decision(_params_of(p, 20)))(
        _params_of(p, 21)
    ),
    "parent.value_change": lambda p, s, f: p.value_change(
        p.decision(_params_of(p, 20)), p.decision(_params_of(p, 22, 0.1))
    ),
    "parent.gradient_at_trial": lambda p, s, f: p.gradient(
        p.decision(_params_of(p, 20)) + p.decision(_params_of(p, 22, 0.1))
    ),
    # The parent's parameters restricted: the same all-column point.
    "sub.value_grad": lambda p, s, f: s.value_grad(p.restrict_params(_zeroed(p, f), f)),
    "sub.explicit_hessian": lambda p, s, f: s.explicit_hessian(
        s.decision(p.restrict_params(_zeroed(p, f), f))
    ),
    "sub.value_change": lambda p, s, f: s.value_change(
        s.decision(p.restrict_params(_zeroed(p, f), f)),
        s.decision(p.restrict_params(_params_of(p, 23, 0.1), f)),
    ),
    "sub.hessian_at_trial": lambda p, s, f: s.explicit_hessian(
        s.decision(p.restrict_params(_zeroed(p, f), f))
        + s.decision(p.restrict_params(_params_of(p, 23, 0.1), f))
    ),
    "parent.gradient_at_sub_point": lambda p, s, f: p.gradient(
        p.decision(_zeroed(p, f))
    ),
    "parent.class_curvature": lambda p, s, f: p.class_curvature(
        p.decision(_params_of(p, 20))
    ),
    "sub.class_curvature": lambda p, s, f: s.class_curvature(
        s.decision(p.restrict_params(_zeroed(p, f), f))
    ),
    "parent.column_moments": lambda p, s, f: p.column_moments(),
    "sub.column_moments": lambda p, s, f: s.column_moments(),
    "sub.weighted_gram": lambda p, s, f: s.weighted_gram(10**6),
}


def _zeroed(datafit, features):
    """Parameters that are zero outside ``features`` (a working set's point
    in the parent's layout)."""
    params = _params_of(datafit, 20)
    return datafit.expand_params(
        params, datafit.restrict_params(params, features), features
    )


def _assert_identical(a, b, name):
    if isinstance(a, tuple):
        for x, y in zip(a, b, strict=True):
            _assert_identical(x, y, name)
    elif isinstance(a, np.ndarray):
        assert_array_equal(a, b, err_msg=name, strict=True)
    else:
        assert a == b and type(a) is type(b), name


# Two classes: the explicit Hessian of their small parameter vector is where
# misaligned chunks showed (the multinomial layout shares the same code).
@pytest.mark.parametrize("n_classes", [2])
def test_dask_results_do_not_depend_on_call_order(client, n_classes):
    """A datafit and its restriction share what their passes bring; every
    result is bit for bit the same whatever was evaluated before, in which
    datafit: in order, in reverse, interleaved twice, and each call on a
    fresh pair of datafits."""
    features = np.array([0, 3, 4])
    names = list(_CALLS)
    orders = [names, names[::-1], names[1::2] + names[::2] + names[1::2]]
    reference = {}
    for name in names:  # each on its own, from nothing stored
        _, parent = _datafits(n_classes, True, seed=7)
        reference.update(_call_log(parent, parent.restrict(features), features, [name]))
    for order in orders:
        _, parent = _datafits(n_classes, True, seed=7)
        results = _call_log(parent, parent.restrict(features), features, order)
        for name in names:
            _assert_identical(results[name], reference[name], f"{name} in {order}")


def test_dask_what_a_pass_computes_does_not_depend_on_history(synchronous, monkeypatch):
    """A call that needs a pass computes what its method states, whatever
    was asked before: a gradient pass brings a value and a gradient, not a
    Hessian because a Hessian was asked for earlier (in this datafit or in
    a restriction of it)."""
    dask = pytest.importorskip("dask")
    widths = []
    compute = dask.compute

    def recording_compute(*args, **kwargs):
        out = compute(*args, **kwargs)
        widths.append(int(np.size(out[0])))
        return out

    monkeypatch.setattr(dask, "compute", recording_compute)
    features = np.array([0, 3, 4])

    def gradient_pass_width(history):
        _, parent = _datafits(3, True, seed=7)
        sub = parent.restrict(features)
        for call in history:
            call(parent, sub)
        widths.clear()
        parent.gradient(parent.decision(_params_of(parent, 30)))
        assert len(widths) == 1  # the point is new: one pass
        return widths[0]

    def hessian_after_gradient(parent, sub):
        z = parent.decision(_params_of(parent, 31))
        parent.gradient(z)
        parent.hessp(z)

    def restricted_newton_step(parent, sub):
        z = sub.decision(_params_of(sub, 32))
        sub.gradient(z)
        sub.hessp(z)
        sub.value_change(z, sub.decision(_params_of(sub, 33, 0.1)))

    fresh = gradient_pass_width([])
    _, parent = _datafits(3, True, seed=7)
    assert fresh == 1 + parent.n_params  # the value and the gradient
    assert gradient_pass_width([hessian_after_gradient]) == fresh
    assert gradient_pass_width([restricted_newton_step]) == fresh
    assert gradient_pass_width([restricted_newton_step, hessian_after_gradient]) == (
        fresh
    )


def test_dask_requests_are_typed(synchronous):
    """What a chunk task computes is a ``Request``; one that does not exist
    cannot be built, and anything else is refused before any computation."""
    import dataclasses

    from sklearn_norm.linear_model._dask_datafit import (
        ColumnMoments,
        Evaluate,
        HessianTimes,
        Request,
        WeightedGram,
        _chunk_terms,
    )

    _, datafit = _datafits(2, True)
    params = np.zeros(datafit.n_params)
    with pytest.raises(TypeError, match="abstract"):
        Request()
    with pytest.raises(TypeError):
        Evaluate(hesian=True)  # a typo is no request
    with pytest.raises(TypeError, match="hessian must be a bool"):
        Evaluate(hessian="yes")
    with pytest.raises(TypeError, match="change must be a bool"):
        Evaluate(change=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Evaluate().hessian = True
    with pytest.raises(ValueError, match="max_values"):
        WeightedGram(0)
    with pytest.raises(TypeError, match="max_values"):
        WeightedGram(1.5)
    for task in ["value_gradient", "change_value_gradient_hessian", "hessp", None]:
        with pytest.raises(TypeError, match="Not a Request"):
            datafit._run(task, params)
    with pytest.raises(TypeError, match="Not a Request"):
        _chunk_terms(
            np.ones((3, 2)),
            np.zeros((3, 1), dtype=np.intp),
            np.ones((3, 1)),
            request="value_gradient",
            n_classes=2,
            fit_intercept=True,
            scale=1.0,
            features=None,
            vectors=(params,),
        )
    # The vectors a request takes: a change needs the point, the step and
    # the trial point; a product the point and the vector.
    with pytest.raises(TypeError, match="takes 3 vectors"):
        datafit._run(Evaluate(change=True), params)
    with pytest.raises(TypeError, match="takes 2 vectors"):
        datafit._run(HessianTimes(), params)
    with pytest.raises(TypeError, match="takes 0 vectors"):
        datafit._run(ColumnMoments(), params)
    assert Evaluate() == Evaluate(change=False, hessian=False)
    out = datafit._run(Evaluate(hessian=True), params)
    assert out.change is None and out.hessian.shape == (datafit.n_params,) * 2
    assert_allclose(out.gradient, datafit.gradient(datafit.decision(params)))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_dask_newton_steps_cost_one_pass(client, monkeypatch, n_classes):
    """An L2 fit (Newton-CG, explicit Hessian): after the first step, each
    Newton step with an accepted unit step is one Dask computation (the
    line search's pass brings the next gradient and Hessian)."""
    runs = []
    run = dask_loss.DaskLogisticLoss._run

    def counting_run(self, request, *vectors):
        runs.append(request)
        return run(self, request, *vectors)

    monkeypatch.setattr(dask_loss.DaskLogisticLoss, "_run", counting_run)
    X, y = _data(n=600, n_classes=n_classes)
    model = RegularizedLogisticRegression("l2", 0.02, tol=1e-9).fit(
        _dask(X, 150), _dask(y, 150)
    )
    assert model.solver_ == "newton-cg" and model.optimality_ <= 1e-9
    assert len(runs) <= model.n_iter_ + 3, runs
