"""Small fits run their products on one BLAS thread (``_threads``)."""

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
    default = _blas_threads()
    X, y = _data()
    fit(X, y)
    assert threads_seen and all(seen == {1} for seen in threads_seen)
    assert _blas_threads() == default  # restored after the fit
    threads_seen.clear()
    monkeypatch.setattr(_threads, "SINGLE_THREAD_WORK", 0)  # every fit is "large"
    fit(X, y)
    assert threads_seen and all(seen == default for seen in threads_seen)
