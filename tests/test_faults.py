"""Faults and concurrency: pickles across versions, threads and processes,
and a fit interrupted by KeyboardInterrupt."""

from __future__ import annotations

import pickle
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.validation import check_is_fitted

import sklearn_norm
from sklearn_norm import (
    L1Normalizer,
    L2Normalizer,
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    _state,
)
from sklearn_norm.linear_model._datafits import _LinearDatafit

X, Y = make_classification(300, 8, n_informative=4, random_state=0)
X3, Y3 = make_classification(
    300, 8, n_informative=5, n_classes=3, n_clusters_per_class=1, random_state=1
)

ESTIMATORS = {
    "L1Normalizer": L1Normalizer(),
    "L2Normalizer(axis=0)": L2Normalizer(axis=0),
    "l2": RegularizedLogisticRegression("l2", 0.01),
    "l1": RegularizedLogisticRegression("l1", 0.01),
    "elasticnet, 3 classes": RegularizedLogisticRegression("elasticnet", 0.01),
    "CV l1": RegularizedLogisticRegressionCV("l1", n_lambdas=6, cv=3),
}


def data_for(name, seed=0):
    X_, y_ = (X3, Y3) if "3 classes" in name else (X, Y)
    if seed:
        rows = np.random.default_rng(seed).permutation(X_.shape[0])[:200]
        X_, y_ = X_[rows], y_[rows]
    return X_, y_


def outputs(estimator, X_):
    if hasattr(estimator, "transform"):
        return [estimator.transform(X_)]
    return [
        estimator.predict(X_),
        estimator.predict_proba(X_),
        estimator.decision_function(X_),
        estimator.coef_,
        estimator.intercept_,
    ]


def fitted(name, seed=0):
    X_, y_ = data_for(name, seed)
    return clone(ESTIMATORS[name]).fit(X_, y_)


def assert_identical(a, b):
    assert len(a) == len(b)
    for left, right in zip(a, b, strict=True):
        assert_array_equal(left, right)


# ------------------------------------------------------------------ pickle


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_pickle_and_joblib_round_trips_predict_identically(name, tmp_path):
    model = fitted(name)
    X_, _ = data_for(name)
    expected = outputs(model, X_)
    loaded = pickle.loads(pickle.dumps(model))
    assert_identical(outputs(loaded, X_), expected)
    joblib.dump(model, tmp_path / "model.joblib")
    assert_identical(outputs(joblib.load(tmp_path / "model.joblib"), X_), expected)
    assert "_sklearn_norm_version" not in vars(loaded)
    assert model.__getstate__()["_sklearn_norm_version"] == sklearn_norm.__version__


@pytest.mark.parametrize("name", ["L2Normalizer(axis=0)", "l1", "CV l1"])
def test_pickle_from_another_version_with_the_same_state_format_works(
    name, monkeypatch
):
    model = fitted(name)
    X_, _ = data_for(name)
    monkeypatch.setattr(sklearn_norm, "__version__", "0.0.9")
    blob = pickle.dumps(model)
    monkeypatch.undo()
    assert b"0.0.9" in blob
    assert_identical(outputs(pickle.loads(blob), X_), outputs(model, X_))


@pytest.mark.parametrize("name", ["L1Normalizer", "l2", "CV l1"])
def test_pickle_with_another_state_format_is_refused(name, monkeypatch):
    model = fitted(name)
    monkeypatch.setattr(sklearn_norm, "__version__", "9.0.0")
    monkeypatch.setattr(_state, "STATE_FORMAT", 7)
    blob = pickle.dumps(model)
    monkeypatch.undo()
    match = (
        r"pickled by sklearn-norm 9\.0\.0 \(state format 7\), and sklearn-norm "
        r"\S+ reads state format 1, so its fitted attributes could be misread"
    )
    with pytest.raises(ValueError, match=match):
        pickle.loads(blob)


# Where version 0.1.0 defined what its pickles name.
OLD_MODULES = {
    "sklearn_norm.linear_model._logistic": "sklearn_norm._logistic",
    "sklearn_norm.linear_model._logistic_cv": "sklearn_norm._logistic_cv",
    "sklearn_norm.normalize._transformers": "sklearn_norm._normalizers",
    "sklearn_norm.cli._table": "sklearn_norm._table",
}


@pytest.mark.parametrize(
    "name", ["L1Normalizer", "L2Normalizer(axis=0)", "l2", "CV l1"]
)
def test_pickle_naming_the_modules_of_version_0_1_0_loads(name):
    """Pickles of 0.1.0 name ``sklearn_norm._logistic`` etc.: they load, and
    predict as the model they were made from."""
    model = fitted(name)
    X_, _ = data_for(name)
    # Protocol 0 names a class as "c<module>\n<name>\n", in text.
    blob = pickle.dumps(model, protocol=0)
    module = type(model).__module__
    assert f"c{module}\n".encode() in blob
    old = blob.replace(f"c{module}\n".encode(), f"c{OLD_MODULES[module]}\n".encode())
    loaded = pickle.loads(old)
    assert type(loaded) is type(model)
    assert_identical(outputs(loaded, X_), outputs(model, X_))


def test_cell_parsers_of_a_saved_command_line_model_load_by_their_old_names():
    from sklearn_norm.cli._table import numbers_from_cells, text_from_cells

    for function in (numbers_from_cells, text_from_cells):
        blob = pickle.dumps(function, protocol=0)
        old = blob.replace(b"csklearn_norm.cli._table\n", b"csklearn_norm._table\n")
        assert old != blob
        assert pickle.loads(old) is function


def test_pickle_without_a_recorded_version_is_refused():
    model = fitted("l2")
    state = model.__getstate__()
    del state["_sklearn_norm_version"], state["_sklearn_norm_state_format"]
    with pytest.raises(ValueError, match="an unknown version of sklearn-norm"):
        RegularizedLogisticRegression().__setstate__(state)


# ------------------------------------------------------------- concurrency


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_repeated_fits_are_bitwise_deterministic(name):
    X_, _ = data_for(name)
    first = outputs(fitted(name), X_)
    for _ in range(2):
        assert_identical(outputs(fitted(name), X_), first)


def test_concurrent_fits_in_threads_equal_serial_fits():
    tasks = [(name, seed) for name in ESTIMATORS for seed in (0, 1, 2)]

    def task(name_seed):
        name, seed = name_seed
        model = fitted(name, seed)
        return outputs(model, data_for(name)[0])

    serial = [task(t) for t in tasks]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(task, tasks))
    for a, b in zip(serial, threaded, strict=True):
        assert_identical(a, b)


def _fit_while_another_fit_pauses(monkeypatch, estimator, owner, name, first, second):
    """Fit ``estimator`` on ``first`` in a thread that stops inside ``fit``
    (in ``owner.name``, after the input was validated), fit the same
    estimator on ``second`` meanwhile, then let the first fit finish: the
    interleaving that left one fit's ``n_features_in_`` with another's
    coefficients, made deterministic."""
    paused, resume = threading.Event(), threading.Event()
    original = getattr(owner, name)

    def pausing(*args, **kwargs):
        if threading.current_thread().name == "first fit":
            paused.set()
            assert resume.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, pausing)
    errors = []

    def first_fit():
        try:
            estimator.fit(*first)
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)

    thread = threading.Thread(target=first_fit, name="first fit")
    thread.start()
    assert paused.wait(30)
    estimator.fit(*second)
    resume.set()
    thread.join(30)
    assert not thread.is_alive() and not errors


@pytest.mark.parametrize(
    "make, owner, name",
    [
        (
            lambda: RegularizedLogisticRegression("l1", lambda_=1e-2),
            RegularizedLogisticRegression,
            "_start",
        ),
        (
            lambda: RegularizedLogisticRegressionCV("l2", n_lambdas=5, cv=3),
            RegularizedLogisticRegressionCV,
            "_fit",
        ),
    ],
    ids=["single fit", "cv"],
)
def test_fits_from_two_threads_publish_one_whole_state(monkeypatch, make, owner, name):
    wide, wide_y = make_classification(60, 20, n_informative=5, random_state=1)
    narrow, narrow_y = X3[:, :7], Y3
    model = make()
    _fit_while_another_fit_pauses(
        monkeypatch, model, owner, name, (wide, wide_y), (narrow, narrow_y)
    )
    # The fit that finished last (on the wide data) owns the whole state.
    monkeypatch.undo()
    assert model.n_features_in_ == 20
    assert model.coef_.shape == (1, 20)
    assert_array_equal(model.classes_, [0, 1])
    serial = make().fit(wide, wide_y)
    assert_identical(outputs(model, wide), outputs(serial, wide))


def test_normalizer_fits_from_two_threads_publish_one_whole_state(monkeypatch):
    import sklearn_norm.normalize._transformers as normalizers

    wide = np.abs(make_classification(60, 20, random_state=1)[0])
    narrow = X3[:, :7]
    model = L2Normalizer(axis=0)
    _fit_while_another_fit_pauses(
        monkeypatch, model, normalizers, "column_norms", (wide,), (narrow,)
    )
    monkeypatch.undo()
    assert model.n_features_in_ == 20 and model.norms_.shape == (20,)
    assert model.n_samples_seen_ == 60
    assert_array_equal(model.norms_, L2Normalizer(axis=0).fit(wide).norms_)


def test_concurrent_predictions_on_one_model_equal_serial_ones():
    model = fitted("elasticnet, 3 classes")
    chunks = np.array_split(X3, 12)
    serial = [outputs(model, chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda chunk: outputs(model, chunk), chunks))
    for a, b in zip(serial, threaded, strict=True):
        assert_identical(a, b)


@pytest.mark.parametrize("regularization", ["l2", "l1"])
def test_grid_search_in_two_processes_equals_serial(regularization):
    pipe = make_pipeline(
        L2Normalizer(axis=0), RegularizedLogisticRegression(regularization)
    )
    grid = {"regularizedlogisticregression__lambda_": [1e-3, 1e-2, 1e-1]}
    serial = GridSearchCV(pipe, grid, cv=3, n_jobs=1).fit(X, Y)
    parallel = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, Y)
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        assert_array_equal(parallel.cv_results_[key], serial.cv_results_[key])
    assert_identical(
        outputs(parallel.best_estimator_[-1], X), outputs(serial.best_estimator_[-1], X)
    )


def test_cv_estimator_with_two_jobs_equals_one_job():
    one = RegularizedLogisticRegressionCV("l1", n_lambdas=8, cv=3, n_jobs=1).fit(X, Y)
    two = RegularizedLogisticRegressionCV("l1", n_lambdas=8, cv=3, n_jobs=2).fit(X, Y)
    assert_array_equal(two.cv_scores_, one.cv_scores_)
    assert_array_equal(two.coefs_path_, one.coefs_path_)


# -------------------------------------------------------- KeyboardInterrupt


def snapshot(model):
    return {
        key: (value.copy() if isinstance(value, np.ndarray) else value)
        for key, value in vars(model).items()
    }


def assert_state_equal(model, state):
    assert set(vars(model)) == set(state)
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            assert_array_equal(getattr(model, key), value)
        else:
            assert getattr(model, key) == value, key


def interrupt_after(calls):
    """A replacement for a method that raises KeyboardInterrupt on its
    ``calls``-th call and otherwise calls the original."""

    def patch(original):
        count = {"n": 0}

        def wrapper(*args, **kwargs):
            count["n"] += 1
            if count["n"] >= calls:
                raise KeyboardInterrupt
            return original(*args, **kwargs)

        return wrapper

    return patch


# An L2 fit of this size takes 5 gradients (Newton steps solved directly).
@pytest.mark.parametrize("calls", [1, 3, 5])
@pytest.mark.parametrize("name", ["l2", "l1", "elasticnet, 3 classes", "CV l1"])
def test_interrupted_fit_keeps_the_previous_model(name, calls, monkeypatch):
    model = fitted(name)
    X_, y_ = data_for(name)
    before, predictions = snapshot(model), outputs(model, X_)
    # X.T @ residual: every solver computes gradients with it.
    monkeypatch.setattr(
        _LinearDatafit, "_rmatvec", interrupt_after(calls)(_LinearDatafit._rmatvec)
    )
    # New data with another number of features: a half-written state would
    # mix both.
    with pytest.raises(KeyboardInterrupt):
        model.fit(np.c_[X_, X_[:, :2]], y_)
    monkeypatch.undo()
    assert_state_equal(model, before)
    assert_identical(outputs(model, X_), predictions)


@pytest.mark.parametrize("name", ["l1", "CV l1"])
def test_interrupted_first_fit_leaves_the_model_unfitted(name, monkeypatch):
    model = clone(ESTIMATORS[name])
    unfitted = snapshot(model)
    monkeypatch.setattr(
        _LinearDatafit, "_rmatvec", interrupt_after(3)(_LinearDatafit._rmatvec)
    )
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y)
    assert_state_equal(model, unfitted)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_interrupted_normalizer_fit_keeps_the_learned_norms(method, monkeypatch):
    model = L2Normalizer(axis=0).fit(X)
    before = snapshot(model)
    monkeypatch.setattr(
        sklearn_norm.normalize._transformers,
        "column_norms",
        interrupt_after(1)(sklearn_norm.normalize._transformers.column_norms),
    )
    with pytest.raises(KeyboardInterrupt):
        getattr(model, method)(sp.csr_matrix(X[:50, :5]) if method == "fit" else X[:50])
    assert_state_equal(model, before)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGALRM is POSIX only")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("delay", [1e-4, 1e-3, 3e-3, 1e-2, 3e-2])
def test_ctrl_c_at_an_arbitrary_moment(delay):
    """A real asynchronous interrupt (SIGALRM raising KeyboardInterrupt at
    whatever bytecode runs) during a slow fit: the model is afterwards
    either exactly the previous one or completely the new one."""
    Xa, ya = data_for("l1")
    Xb = np.c_[Xa, Xa[:, :3]]
    model = RegularizedLogisticRegression("l1", 1e-3, solver="gd", num_iter=2000)
    model.fit(Xa, ya)
    before = snapshot(model)

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, handler)
    interrupted = False
    try:
        signal.setitimer(signal.ITIMER_REAL, delay)
        try:
            model.fit(Xb, ya)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        signal.signal(signal.SIGALRM, previous)
    if interrupted:
        assert_state_equal(model, before)
    else:
        complete = clone(model).fit(Xb, ya)
        assert_identical(outputs(model, Xb), outputs(complete, Xb))
