"""Time RegularizedLogisticRegression.fit against scikit-learn at equal precision.

For each problem it computes the optimum ``F*`` of the objective of the class
docstring (our fit at ``tol=1e-10``), then, for each solver, runs a ladder of
the solver's own tolerances and reports the median time of the first rung
whose objective is within ``--precision`` (relative) of ``F*``. The objective
is evaluated the same way for every solver (``objective`` below). Ours runs at
its default ``tol`` first; if that is not precise enough, its ladder goes on.

Peers: scikit-learn's ``LogisticRegression`` with ``C = 1 / (lambda_ * n)``
(the same minimizer): lbfgs, newton-cg, newton-cholesky for L2; saga for L1
(liblinear penalizes the intercept: a different problem). A peer that never
reaches the precision is reported with its best gap.

Speed floor (issue 3): with the defaults (L2) and with L1 at 0.01 * lambda_max
on ``make_classification(20000, 500)`` standardized, ours <= 2 x the fastest
scikit-learn solver.

Run::

    python benchmarks/bench_logistic.py             # the full-size problems
    python benchmarks/bench_logistic.py --scale 0.05 --repeats 1   # quick
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
import sklearn
from scipy.special import logsumexp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import sklearn_norm
from sklearn_norm import RegularizedLogisticRegression, lambda_max

LADDER = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10, 1e-12]


def objective(X, y, coef, intercept, l1, l2) -> float:
    """Mean log-loss + l1 * ||w||_1 + l2 / 2 * ||w||^2 (unit sample weights)."""
    coef = np.asarray(coef, dtype=np.float64)
    z = X @ coef.T + intercept
    if coef.shape[0] == 1:
        z = z[:, 0]
        loss = np.logaddexp(0.0, np.where(y == 1, -z, z))
    else:
        loss = logsumexp(z, axis=1) - z[np.arange(y.size), y]
    return float(loss.mean() + l1 * np.abs(coef).sum() + 0.5 * l2 * (coef**2).sum())


def make_problem(scale: float):
    n, p = max(int(20000 * scale), 200), max(int(500 * scale), 20)
    X, y = make_classification(n, p, n_informative=max(p // 10, 2), random_state=0)
    return StandardScaler().fit_transform(X), y


def ours(regularization, lam):
    def fit(X, y, tol):
        kwargs = {} if tol is None else {"tol": tol, "num_iter": 100_000}
        model = RegularizedLogisticRegression(regularization, lam, **kwargs)
        return model.fit(X, y)

    return fit


def sklearn_solver(solver, regularization, lam):
    def fit(X, y, tol):
        model = LogisticRegression(
            C=1.0 / (lam * len(y)),
            l1_ratio=1.0 if regularization == "l1" else 0.0,
            solver=solver,
            tol=tol,
            max_iter=100_000 if solver != "saga" else 2_000,
        )
        return model.fit(X, y)

    return fit


def time_fit(fit, X, y, tol, repeats):
    times = []
    model = None
    for _ in range(repeats):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = fit(X, y, tol)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), model


def first_precise_rung(fit, ladder, X, y, f_star, penalty, precision, repeats):
    """(tol, median seconds, relative gap) of the first precise enough rung,
    else of the most precise rung tried."""
    best = None
    for tol in ladder:
        seconds, model = time_fit(fit, X, y, tol, repeats)
        gap = (objective(X, y, model.coef_, model.intercept_, *penalty) - f_star) / abs(
            f_star
        )
        best = (tol, seconds, gap)
        if gap <= precision:
            return best
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="problem size factor")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per rung")
    parser.add_argument(
        "--precision", type=float, default=1e-6, help="relative objective gap"
    )
    args = parser.parse_args(argv)

    X, y = make_problem(args.scale)
    lam_max = lambda_max(X, y)
    problems = [
        (
            "L2 defaults (lambda_=0.1)",
            "l2",
            0.1,
            ["lbfgs", "newton-cg", "newton-cholesky"],
        ),
        ("L1 0.01*lambda_max", "l1", 0.01 * lam_max, ["saga"]),
    ]
    print(
        f"sklearn-norm {sklearn_norm.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs; X {X.shape[0]} x {X.shape[1]} standardized; "
        f"precision {args.precision:g} relative; median of {args.repeats}"
    )
    header = f"{'problem':28} {'solver':24} {'tol':>7} {'seconds':>8} {'rel gap':>9}"
    print(header)
    print("-" * len(header))
    ok = True
    for title, regularization, lam, peers in problems:
        penalty = (lam, 0.0) if regularization == "l1" else (0.0, lam)
        exact = RegularizedLogisticRegression(
            regularization, lam, tol=1e-10, num_iter=100_000
        ).fit(X, y)
        f_star = objective(X, y, exact.coef_, exact.intercept_, *penalty)
        rows = {}
        rows["ours (default tol)"] = first_precise_rung(
            ours(regularization, lam),
            [None, *LADDER[4:]],
            X,
            y,
            f_star,
            penalty,
            args.precision,
            args.repeats,
        )
        for solver in peers:
            rows[f"sklearn {solver}"] = first_precise_rung(
                sklearn_solver(solver, regularization, lam),
                LADDER,
                X,
                y,
                f_star,
                penalty,
                args.precision,
                args.repeats,
            )
        for name, (tol, seconds, gap) in rows.items():
            tol_text = "default" if tol is None else f"{tol:.0e}"
            flag = "" if gap <= args.precision else "  (never precise enough)"
            print(f"{title:28} {name:24} {tol_text:>7} {seconds:8.3f} {gap:9.1e}{flag}")
        peer_times = [
            seconds
            for name, (_, seconds, gap) in rows.items()
            if name.startswith("sklearn") and gap <= args.precision
        ]
        our_seconds = rows["ours (default tol)"][1]
        if peer_times:
            ratio = our_seconds / min(peer_times)
            print(
                f"{title:28} ours / fastest precise sklearn = {ratio:.2f}  (floor <= 2)"
            )
            ok &= ratio <= 2.0
        else:
            slowest = max(s for n, (_, s, _) in rows.items() if n.startswith("sklearn"))
            print(
                f"{title:28} no sklearn solver reached the precision; ours / its "
                f"longest run = {our_seconds / slowest:.2f}"
            )
        print()
    return 0 if ok or args.scale < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
