"""Small fits run their products on one BLAS thread, larger ones on at most
the idle cores (``_threads``)."""

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from sklearn_norm import RegularizedLogisticRegression, logistic_path
from sklearn_norm.linear_model import _datafits, _threads


def _blas_threads() -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


@pytest.fixture
def threads_seen(monkeypatch):
    """The BLAS thread counts in effect whenever a gradient is computed."""
    seen = []
    gradient = _datafits.MultinomialLoss.gradient

    def recording(self, z):
        seen.append(_blas_threads())
        return gradient(self, z)

    monkeypatch.setattr(_datafits.MultinomialLoss, "gradient", recording)
    return seen


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    return X, rng.integers(0, 3, size=200)


@pytest.mark.parametrize(
    "fit",
    [
        lambda X, y: RegularizedLogisticRegression("l2", 0.01).fit(X, y),
        lambda X, y: logistic_path(X, y, regularization="l1", n_lambdas=5),
    ],
    ids=["estimator", "path"],
)
def test_small_fits_use_one_blas_thread_and_large_ones_keep_the_default(
    fit, threads_seen, monkeypatch
):
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # quiet
    default = _blas_threads()
    X, y = _data()
    fit(X, y)
    assert threads_seen and all(seen == {1} for seen in threads_seen)
    assert _blas_threads() == default  # restored after the fit
    threads_seen.clear()
    monkeypatch.setattr(_threads, "SINGLE_THREAD_WORK", 0)  # every fit is "large"
    fit(X, y)
    assert threads_seen and all(seen == default for seen in threads_seen)


def _fit_large(monkeypatch):
    monkeypatch.setattr(_threads, "SINGLE_THREAD_WORK", 0)  # every fit is "large"
    X, y = _data()
    RegularizedLogisticRegression("l2", 0.01).fit(X, y)


def test_large_fits_on_a_loaded_machine_use_its_idle_cores(threads_seen, monkeypatch):
    default = max(_blas_threads())
    cpus = os.cpu_count() or 1
    # Every core busy with other work: one thread.
    monkeypatch.setattr(os, "getloadavg", lambda: (cpus + 3.0, 0.0, 0.0))
    _fit_large(monkeypatch)
    assert threads_seen and all(seen == {1} for seen in threads_seen)
    # One other busy process: one core fewer than the machine has (and
    # never more threads than BLAS already had).
    threads_seen.clear()
    monkeypatch.setattr(os, "getloadavg", lambda: (2.0, 0.0, 0.0))
    _fit_large(monkeypatch)
    expected = min(default, max(1, cpus - 1))
    assert threads_seen and all(max(seen) == expected for seen in threads_seen)
    assert max(_blas_threads()) == default  # restored after the fit


def test_without_a_load_average_large_fits_keep_the_default(threads_seen, monkeypatch):
    def no_load_average():
        raise OSError("no load average")

    default = _blas_threads()
    monkeypatch.setattr(os, "getloadavg", no_load_average)
    assert _threads.idle_threads() is None
    _fit_large(monkeypatch)
    assert threads_seen and all(seen == default for seen in threads_seen)
