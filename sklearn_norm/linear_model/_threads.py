"""How many BLAS threads a fit's products get.

Products with a small ``X`` gain nothing from several BLAS threads and, on a
machine whose cores are busy (``GridSearchCV(n_jobs=-1)``, other jobs), lose
a lot: each product waits for every thread to be scheduled. Measured with
``benchmarks/bench_cv_quality.py``: digits (1797 x 64, 10 classes) ran its
cross-validation 2.2x slower with two threads than with one on a loaded
2-core machine, and no faster on a quiet one.
"""

from __future__ import annotations

import contextlib

from threadpoolctl import threadpool_limits

# Products of at most this many multiply-adds (n_samples * n_features *
# n_outputs) run on one BLAS thread.
SINGLE_THREAD_WORK = 2_000_000


def blas_threads_for(n_samples: int, n_features: int, n_outputs: int):
    """A context in which BLAS runs on one thread if the products with an
    ``n_samples x n_features`` matrix and ``n_outputs`` columns are small,
    else unchanged."""
    if n_samples * n_features * n_outputs <= SINGLE_THREAD_WORK:
        return threadpool_limits(1, user_api="blas")
    return contextlib.nullcontext()
