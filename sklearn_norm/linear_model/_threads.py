"""How many BLAS threads a fit's products get.

Products with a small ``X`` gain little from several BLAS threads and, on a
machine whose cores are busy (``GridSearchCV(n_jobs=-1)``, other jobs), lose
a lot: each product waits for every thread to be scheduled. Measured with
``benchmarks/bench_threads.py`` on a 2-core machine (digits, 1797 x 64, 10
classes): two threads were up to 1.2x faster than one on a quiet machine,
and 2-3.5x slower with two busy processes beside the fit (an L1 path: 21 s
against 6 s). A fit of at most ``SINGLE_THREAD_WORK`` multiply-adds per
product runs on one thread: never slower with the default threads than with
one, quiet or loaded.
"""

from __future__ import annotations

import contextlib

from threadpoolctl import ThreadpoolController

# Products of at most this many multiply-adds (n_samples * n_features *
# n_outputs) run on one BLAS thread.
SINGLE_THREAD_WORK = 2_000_000

_controller: ThreadpoolController | None = None


def _blas():
    """The BLAS libraries' thread pools, inspected once: inspecting them
    takes about 1 ms, as long as a small fit."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


def blas_threads_for(n_samples: int, n_features: int, n_outputs: int):
    """A context in which BLAS runs on one thread if the products with an
    ``n_samples x n_features`` matrix and ``n_outputs`` columns are small,
    else unchanged."""
    if n_samples * n_features * n_outputs <= SINGLE_THREAD_WORK:
        return _blas().limit(limits=1, user_api="blas")
    return contextlib.nullcontext()
