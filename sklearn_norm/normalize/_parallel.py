"""Splitting independent row ranges of a large array over a few threads.

numpy ufuncs release the GIL, so rows that do not depend on each other can be
processed by several threads at once.  A single core cannot saturate the memory
bus of a modern machine, so for arrays much larger than the caches this brings
the normalizers close to the speed of a plain copy.  Each row is computed by
exactly the same operations whatever the number of threads, so results are
bitwise identical for any thread count.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# Arrays smaller than this are processed on the calling thread: while the data
# fits in the last-level cache one core is about as fast as several, and
# starting threads costs about 0.1 ms (measured crossover: about 32 MB).
PARALLEL_MIN_BYTES = 32 << 20
# Upper bound on threads: the memory bus is saturated long before this.
MAX_THREADS = 8


def available_threads() -> int:
    """Number of threads the kernels may use.

    The number of CPUs this process may run on, lowered by ``OMP_NUM_THREADS``
    when that is set: joblib's workers (``n_jobs`` in scikit-learn) set it to
    their share of the cores, so a parallel grid search does not oversubscribe.
    """
    try:
        n_cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not available on macOS and Windows
        n_cpus = os.cpu_count() or 1
    limit = os.environ.get("OMP_NUM_THREADS", "")
    if limit.strip().isdigit() and int(limit) > 0:
        n_cpus = min(n_cpus, int(limit))
    return max(1, min(n_cpus, MAX_THREADS))


def run_row_ranges(n_rows: int, n_bytes: int, work: Callable[[int, int], None]) -> None:
    """Call ``work(start, stop)`` over a partition of ``range(n_rows)``.

    ``work`` must only touch rows ``start:stop`` of its output.  Small inputs
    run on the calling thread; larger ones are split into one contiguous range
    per thread.  An exception raised in any range is re-raised here.
    """
    n_threads = available_threads() if n_bytes >= PARALLEL_MIN_BYTES else 1
    n_threads = min(n_threads, n_rows)
    if n_threads <= 1:
        quiet_overflow(work)(0, n_rows)
        return
    bounds = [n_rows * k // n_threads for k in range(n_threads + 1)]
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        futures = [
            pool.submit(quiet_overflow(work), start, stop)
            for start, stop in zip(bounds[:-1], bounds[1:], strict=True)
        ]
        for future in futures:
            future.result()


def quiet_overflow(func: Callable) -> Callable:
    """``func`` with numpy's overflow warnings silenced.

    The kernels detect overflow themselves, from a non-finite sum, and then
    recompute or raise; numpy's warning would only be noise.  The error state
    is per thread, so every worker thread sets it again.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with np.errstate(over="ignore"):
            return func(*args, **kwargs)

    return wrapper
