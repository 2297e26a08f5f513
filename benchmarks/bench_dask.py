"""Fit logistic regression on a Dask array: ours against dask-ml (dask-glm)
and against our in-memory fit of the same data.

Data: ``n x p`` standard normal ``X`` (default 2,000,000 x 100, float64,
1.6 GB) in ``--chunks`` row chunks, generated and persisted on a
``distributed.LocalCluster`` of ``--workers`` worker processes (one thread
each); labels drawn from a logistic model with 20 non-zero coefficients.
No intercept anywhere: dask-glm penalizes the intercept column it adds, we
never do, so only ``fit_intercept=False`` gives both the same objective

    F(w) = mean_i logloss(y_i, x_i @ w) + lambda * penalty(w)

(dask-ml's ``LogisticRegression(C=1 / (lambda * n))`` minimizes ``n * F``).
L2: ``lambda = 1e-4``; L1: ``lambda = lambda_max / 20``.

Every fit's objective is evaluated by one Dask computation and compared with
a reference ``F*`` (ours at ``tol=1e-10``): the ``gap`` column is
``(F - F*) / F*``. A peer runs at the settings listed in its row (chosen to
reach our gap where it can); a row marked "not precise" stopped short of it (its time is
then a lower bound on what our precision would cost it).

Printed: median seconds of ``--repeats`` runs of ours (``--peer-repeats``
of each dask-ml solver, default 1: they take minutes), the ratio ours / it,
the gap, and the peak memory of the driver process during the fit (resident
set size sampled every 5 ms; the in-memory row has ``X`` on the driver).

Run::

    python benchmarks/bench_dask.py        # full size, ~17 min (admm ~5 min a penalty)
    python benchmarks/bench_dask.py --peers lbfgs proximal_grad     # ~7 min
    python benchmarks/bench_dask.py --n-samples 200000 --repeats 1   # quick
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
import warnings

import dask
import dask.array as da
import numpy as np
import psutil
from distributed import Client, LocalCluster
from scipy.special import expit

import sklearn_norm
from sklearn_norm import RegularizedLogisticRegression


def make_data(n: int, p: int, chunks: int, seed: int = 0):
    """Persisted row-chunked ``X`` and labels, generated on the workers."""
    rng = np.random.default_rng(seed)
    w = np.zeros(p)
    w[: min(20, p)] = rng.standard_normal(min(20, p))
    rows = -(-n // chunks)
    X = da.random.default_rng(seed).standard_normal((n, p), chunks=(rows, p))
    u = da.random.default_rng(seed + 1).random(n, chunks=(rows,))
    proba = X.map_blocks(lambda b: expit(b @ w), drop_axis=1, dtype=np.float64)
    y = (u < proba).astype(np.float64)
    return dask.persist(X, y)


def objective(X, y, w, regularization: str, lambda_: float) -> float:
    """``F(w)`` evaluated on the workers (one Dask computation)."""
    z = X @ w
    loss = float(da.logaddexp(0.0, z).mean().compute() - (y * z).mean().compute())
    penalty = 0.5 * w @ w if regularization == "l2" else np.abs(w).sum()
    return loss + lambda_ * float(penalty)


class PeakMemory:
    """Peak resident set size of the driver process within a block
    (``peak_mb``), and what the block added to the size at its start
    (``added_mb``)."""

    def __enter__(self):
        self._process = psutil.Process(os.getpid())
        self._base = self._peak = self._process.memory_info().rss
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self._peak = max(self._peak, self._process.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()
        self._peak = max(self._peak, self._process.memory_info().rss)
        self.added_mb = (self._peak - self._base) / 2**20
        self.peak_mb = self._peak / 2**20


def timed(fit, repeats: int):
    """Median seconds, peak driver memory (MB) and the last result."""
    times, peaks = [], []
    for _ in range(repeats):
        with PeakMemory() as memory:
            start = time.perf_counter()
            coef = fit()
            times.append(time.perf_counter() - start)
        peaks.append(memory.peak_mb)
    return float(np.median(times)), max(peaks), coef


def ours(X, y, regularization, lambda_, tol):
    def fit():
        model = RegularizedLogisticRegression(
            regularization, lambda_, fit_intercept=False, tol=tol
        )
        return model.fit(X, y).coef_.ravel()

    return fit


def dask_ml_fit(X, y, regularization, lambda_, solver, options):
    from dask_ml.linear_model import LogisticRegression

    n = X.shape[0]

    def fit():
        model = LogisticRegression(
            penalty=regularization,
            C=1.0 / (lambda_ * n),
            fit_intercept=False,
            solver=solver,
            **options,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(model.fit(X, y).coef_).ravel()

    return fit


#: dask-ml solver -> (penalties it handles, options that reach our precision
#: where it can: dask-glm's tol is on the gradient of the *summed* loss, so
#: 1e-4 is about 1e-10 on our mean loss for 2e6 samples)
PEERS = {
    "lbfgs": (("l2",), {"tol": 1e-4, "max_iter": 500}),
    "proximal_grad": (("l1", "l2"), {"tol": 1e-8, "max_iter": 500}),
    "admm": (("l1", "l2"), {"max_iter": 100}),  # dask-ml's default solver
}


def run_problem(X, y, regularization: str, args, peers) -> list[dict]:
    """Time every method on one penalty; print and return its rows."""
    n = X.shape[0]
    if regularization == "l2":
        lambda_ = 1e-4
    else:  # lambda_max without intercept: max |X.T (y - 1/2)| / n
        lambda_ = float(abs(X.T @ (y - 0.5)).max().compute()) / n / 20
    reference = ours(X, y, regularization, lambda_, 1e-10)()
    best = objective(X, y, reference, regularization, lambda_)

    methods = [(f"ours (dask, tol={args.tol:g})", X, y, args.repeats, None)]
    for solver in peers:
        handles, options = PEERS[solver]
        if regularization in handles:
            settings = ", ".join(f"{k}={v:g}" for k, v in options.items())
            name = f"dask-ml {solver} ({settings})"
            methods.append((name, X, y, args.peer_repeats, (solver, options)))
    if not args.skip_in_memory:  # last: X on the driver raises its memory
        methods.append(("ours (in memory, numpy X)", None, None, args.repeats, None))

    rows = []
    for name, X_fit, y_fit, repeats, peer in methods:
        if peer is not None:
            fit = dask_ml_fit(X, y, regularization, lambda_, *peer)
        elif X_fit is None:  # the in-memory fit: X gathered on the driver
            X_fit, y_fit = dask.compute(X, y)
            fit = ours(X_fit, y_fit, regularization, lambda_, args.tol)
        else:
            fit = ours(X_fit, y_fit, regularization, lambda_, args.tol)
        seconds, memory, coef = timed(fit, repeats)
        del X_fit, y_fit, fit
        gap = (objective(X, y, coef, regularization, lambda_) - best) / abs(best)
        rows.append(
            dict(
                problem=regularization,
                method=name,
                seconds=seconds,
                gap=gap,
                memory=memory,
                label=f"{regularization} {lambda_:.2g}",
            )
        )
    base = rows[0]
    for row in rows:
        flag = "" if row["gap"] <= max(10 * base["gap"], 1e-9) else "  not precise"
        print(
            f"{row['label']:<10} {row['method']:<40} {row['seconds']:8.2f} "
            f"{base['seconds'] / row['seconds']:8.2f} {row['gap']:9.1e} "
            f"{row['memory']:15.0f}{flag}"
        )
    print()
    return rows


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=2_000_000)
    parser.add_argument("--n-features", type=int, default=100)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="runs of ours")
    parser.add_argument(
        "--peer-repeats", type=int, default=1, help="runs of each dask-ml solver"
    )
    parser.add_argument(
        "--peers",
        nargs="*",
        default=["lbfgs", "proximal_grad", "admm"],
        choices=sorted(PEERS),
        help="dask-ml solvers to run (admm takes many minutes)",
    )
    parser.add_argument("--tol", type=float, default=1e-6, help="our tol")
    parser.add_argument(
        "--penalties", nargs="+", default=["l2", "l1"], choices=["l2", "l1"]
    )
    parser.add_argument("--skip-in-memory", action="store_true")
    args = parser.parse_args(argv)

    peers = args.peers
    try:
        import dask_ml

        peer_version = f"dask-ml {dask_ml.__version__}"
    except ImportError:  # the bench extra is not installed
        peers, peer_version = [], "dask-ml not installed"
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, dask "
        f"{dask.__version__}, {peer_version}, sklearn_norm "
        f"{sklearn_norm.__version__}; {os.cpu_count()} cores"
    )
    rows = []
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster),
    ):
        n, p = args.n_samples, args.n_features
        X, y = make_data(n, p, args.chunks)
        print(
            f"X: {n} x {p} float64 ({X.nbytes / 1e9:.2f} GB) in {X.numblocks[0]} "
            f"chunks on {args.workers} worker processes; fit_intercept=False\n"
        )
        header = (
            f"{'problem':<10} {'method':<40} {'seconds':>8} {'ours/it':>8} "
            f"{'gap':>9} {'driver peak MB':>15}"
        )
        print(header)
        print("-" * len(header))
        for regularization in args.penalties:
            rows += run_problem(X, y, regularization, args, peers)
    return rows


if __name__ == "__main__":
    main()
