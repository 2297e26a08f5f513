"""Time fits with the default BLAS threads against one thread, on small data.

A fit of a small problem gains nothing from several BLAS threads, and on a
machine whose cores are busy (other jobs, ``GridSearchCV(n_jobs=-1)``) each
product waits for every thread to be scheduled. The target (issue 17): a fit
is never slower with the default threads than with one, on a quiet or a
loaded machine.

For each problem (standardized real data and two larger synthetic sets,
above the size where fits stop limiting themselves to one thread and go by
the idle cores instead; single fits and a path) it prints
the median seconds of ``--repeats`` fits with the default threads and with
a one-thread BLAS limit (``threadpoolctl``) around the fit, for ours and for
scikit-learn's ``LogisticRegression`` (lbfgs, ``C = 1 / (lambda_ * n)``), and
the ratio default / one. ``--load N`` keeps N busy processes running during
the measurements, as on a loaded machine; the measurements start after
``--settle`` seconds (default 60 with a load), once the one-minute load
average, which the larger fits read, has taken the load in.

Run::

    python benchmarks/bench_threads.py              # quiet machine
    python benchmarks/bench_threads.py --load 2     # 2 busy processes
    python benchmarks/bench_threads.py --only digits --repeats 3
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import statistics
import time
import warnings

from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController, threadpool_info

from sklearn_norm import RegularizedLogisticRegression, logistic_path


def standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def problems():
    breast, digits = standardized(load_breast_cancer), standardized(load_digits)
    for name, (X, y) in [("breast cancer", breast), ("digits", digits)]:
        for regularization, lambda_ in [("l2", 1e-2), ("l2", 1e-4), ("l1", 1e-3)]:
            yield f"{name} {regularization} {lambda_:g}", X, y, regularization, lambda_
    yield "digits l1 path (100 lambdas)", *digits, "l1 path", None
    for (n, p, k), lambdas in [
        ((16000, 250, 2), [("l2", 1e-3), ("l1", 1e-3)]),
        ((8000, 200, 10), [("l2", 1e-3)]),
    ]:
        X, y = make_classification(
            n, p, n_informative=p // 5, n_classes=k, random_state=0
        )
        X = StandardScaler().fit_transform(X)
        label = f"{n}x{p}" + (f" {k} classes" if k > 2 else "")
        for regularization, lambda_ in lambdas:
            yield f"{label} {regularization} {lambda_:g}", X, y, regularization, lambda_


def fit_ours(X, y, regularization, lambda_):
    if regularization == "l1 path":
        return logistic_path(X, y, regularization="l1")
    return RegularizedLogisticRegression(regularization, lambda_).fit(X, y)


def fit_sklearn(X, y, regularization, lambda_):
    if regularization != "l2":
        return None
    C = 1.0 / (lambda_ * X.shape[0])
    return LogisticRegression(C=C, max_iter=10_000).fit(X, y)


def median_seconds(fit, args, repeats: int, one_thread: bool) -> float:
    # A controller made once: making one inspects the loaded libraries
    # (about 1 ms), which would be timed with a small fit.
    controller = ThreadpoolController()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        if one_thread:
            with controller.limit(limits=1, user_api="blas"):
                fit(*args)
        else:
            fit(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def busy() -> None:
    while True:
        pass


@contextlib.contextmanager
def busy_processes(n: int):
    """``n`` busy processes running for the duration of the block."""
    workers = [multiprocessing.Process(target=busy, daemon=True) for _ in range(n)]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        for worker in workers:
            worker.terminate()


def measure(args) -> float:
    """Print the table; return the worst ratio of ours, default / one thread."""
    threads = {
        info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
    }
    print(
        f"default BLAS threads {sorted(threads)}, {multiprocessing.cpu_count()} CPUs, "
        f"{args.load} busy processes, load average {os.getloadavg()[0]:.2f}; "
        f"median of {args.repeats}"
    )
    print(
        f"{'problem':30} {'ours default':>12} {'ours 1 thr':>10} {'ratio':>6}"
        f" {'sk default':>10} {'sk 1 thr':>9} {'ratio':>6}"
    )
    worst = 0.0
    for name, X, y, regularization, lambda_ in problems():
        if args.only not in name:
            continue
        row = f"{name:30}"
        for fit in (fit_ours, fit_sklearn):
            fit_args = (X, y, regularization, lambda_)
            if fit(*fit_args) is None and fit is fit_sklearn:
                row += f" {'':>10} {'':>9} {'':>6}"
                continue
            default = median_seconds(fit, fit_args, args.repeats, False)
            one = median_seconds(fit, fit_args, args.repeats, True)
            row += f" {default:12.4f} {one:10.4f} {default / one:6.2f}"
            if fit is fit_ours:
                worst = max(worst, default / one)
        print(row)
    return worst


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--load", type=int, default=0, help="busy processes")
    parser.add_argument("--only", default="", help="substring of problem names")
    parser.add_argument(
        "--settle",
        type=float,
        default=None,
        help="seconds to wait after starting the load (default: 60 with --load)",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    settle = args.settle if args.settle is not None else (60.0 if args.load else 0.0)
    with busy_processes(args.load):
        time.sleep(settle)
        worst = measure(args)
    print(f"worst ours default / one thread: {worst:.2f} (target <= 1.0 within noise)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
