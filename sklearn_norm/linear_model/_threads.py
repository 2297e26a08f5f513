"""How many BLAS threads a fit's products get.

Products with a small ``X`` gain little from several BLAS threads and, on a
machine whose cores are busy (``GridSearchCV(n_jobs=-1)``, other jobs), lose
a lot: each product waits for every thread to be scheduled. Measured with
``benchmarks/bench_threads.py`` on a 2-core machine (digits, 1797 x 64, 10
classes): two threads were up to 1.2x faster than one on a quiet machine,
and 2-3.5x slower with two busy processes beside the fit (an L1 path: 21 s
against 6 s). A fit of at most ``SINGLE_THREAD_WORK`` multiply-adds per
product runs on one BLAS thread.

Larger fits gain from threads only while cores are idle. Measured on the
same machine (``make_classification``, 4000 x 100 with 10 classes up to
16000 x 500): two threads were 10-28% faster than one on a quiet machine
and 1.3-3.5x slower with two busy processes beside the fit. A larger fit
therefore gets at most as many threads as the machine has idle cores, one
counting its own: the CPUs minus the one-minute load average, plus one
(``os.getloadavg``; where the system has no load average, the default
threads). A fit is then never much slower with the default threads than
with one, on a quiet or a loaded machine.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar

from threadpoolctl import ThreadpoolController

# Products of at most this many multiply-adds (n_samples * n_features *
# n_outputs) run on one BLAS thread.
SINGLE_THREAD_WORK = 2_000_000

_controller: ThreadpoolController | None = None
# Whether this thread is inside ``_one_thread`` already: a nested limit to one
# thread changes nothing, and setting one costs about 0.1 ms (a tenth of a
# small L1 fit's outer iteration).
_ONE_THREAD: ContextVar[bool] = ContextVar("one_blas_thread", default=False)


def _blas():
    """The BLAS libraries' thread pools, inspected once: inspecting them
    takes about 1 ms, as long as a small fit."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


def idle_threads() -> int | None:
    """The threads a fit can run without waiting for other processes: the
    CPUs minus the one-minute load average, plus one for the fit itself
    (its own process counts in the load), at least 1; None where the system
    has no load average."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        return None
    return max(1, round((os.cpu_count() or 1) - load + 1.0))


def blas_threads_for(n_samples: int, n_features: int, n_outputs: int):
    """A context in which BLAS runs on one thread if the products with an
    ``n_samples x n_features`` matrix and ``n_outputs`` columns are small,
    else on at most ``idle_threads()`` (never more than it already may)."""
    if n_samples * n_features * n_outputs <= SINGLE_THREAD_WORK:
        return _one_thread()
    idle = idle_threads()
    blas = [lib for lib in _blas().lib_controllers if lib.user_api == "blas"]
    current = max((lib.num_threads for lib in blas), default=1)
    if idle is None or idle >= current:
        return contextlib.nullcontext()
    return _blas().limit(limits=idle, user_api="blas")


def single_blas_thread():
    """A context in which BLAS runs on one thread: for loops of many tiny
    products (a coordinate descent's K x (K m) updates), which threads only
    slow down, whatever the size of ``X``."""
    return _one_thread()


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """BLAS on one thread within the block; nothing to do when an enclosing
    block of this thread set that already."""
    if _ONE_THREAD.get():
        yield
        return
    token = _ONE_THREAD.set(True)
    try:
        with _blas().limit(limits=1, user_api="blas"):
            yield
    finally:
        _ONE_THREAD.reset(token)
