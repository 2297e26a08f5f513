"""Time RegularizedLogisticRegressionCV against grid searches over the same
lambda grid and folds.

Data: ``make_classification(20000, 500, n_informative=50)`` standardized (as
in ``bench_logistic.py``), 5 stratified folds (shuffled, seed 0), 20 lambdas:
for L1 log-spaced from lambda_max down to 1e-3 of it, for L2 from 1e-1 down
to 1e-5. Every fit uses tol=1e-6 (our default); scoring is the log-loss.

Competitors, each on the same folds and grid:

- ``GridSearchCV(RegularizedLogisticRegression(...), {"lambda_": grid})``:
  one cold fit per lambda and fold, then a refit;
- for L2, scikit-learn's ``LogisticRegressionCV(Cs=1 / (grid * n_train))``
  (lbfgs, warm-started along its path, ``tol=1e-6``), which refits at its
  choice too;
- for L1, ``GridSearchCV(LogisticRegression(solver="liblinear", l1_ratio=1,
  C=...))``, as the issue measured it (liblinear penalizes its intercept, so
  its choice may differ); it takes minutes, ``--skip-liblinear`` leaves it
  out.

Printed: seconds (one run each: these are long), the ratio to ours, the
selected lambda (``C`` converted back), and whether it equals ours.

Run::

    python benchmarks/bench_cv.py                 # full size, about 10 min
    python benchmarks/bench_cv.py --scale 0.1 --skip-liblinear   # quick
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

import sklearn_norm
from sklearn_norm import (
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    lambda_max,
)


def data(scale: float):
    n, p = max(int(20000 * scale), 200), max(int(500 * scale), 20)
    X, y = make_classification(n, p, n_informative=max(p // 10, 2), random_state=0)
    return StandardScaler().fit_transform(X), y


def timed(function):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # peers' convergence warnings
        result = function()
    return time.perf_counter() - start, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--skip-liblinear", action="store_true")
    args = parser.parse_args(argv)
    print(
        f"sklearn-norm {sklearn_norm.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, scale {args.scale}"
    )
    X, y = data(args.scale)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    n_train = X.shape[0] * 4 // 5  # every training part has 4/5 of the rows
    grids = {
        "l1": lambda_max(X, y) * np.logspace(0, -3, 20),
        "l2": np.logspace(-1, -5, 20),
    }
    print(
        f"{'penalty':8} {'method':46} {'seconds':>8} {'ours/it':>8} "
        f"{'lambda chosen':>14} {'same':>5}"
    )
    for regularization, grid in grids.items():
        rows = []
        seconds, ours = timed(
            lambda reg=regularization, g=grid: RegularizedLogisticRegressionCV(
                reg, lambdas=g, cv=folds
            ).fit(X, y)
        )
        rows.append(("RegularizedLogisticRegressionCV", seconds, ours.lambda_min_))
        seconds, search = timed(
            lambda reg=regularization, g=grid: GridSearchCV(
                RegularizedLogisticRegression(reg),
                {"lambda_": g},
                cv=folds,
                scoring="neg_log_loss",
            ).fit(X, y)
        )
        rows.append(
            (
                "GridSearchCV(RegularizedLogisticRegression)",
                seconds,
                float(search.best_params_["lambda_"]),
            )
        )
        if regularization == "l2":
            seconds, peer = timed(
                lambda g=grid: LogisticRegressionCV(
                    Cs=1.0 / (g * n_train),
                    cv=folds,
                    scoring="neg_log_loss",
                    tol=1e-6,
                    max_iter=10_000,
                    l1_ratios=(0.0,),
                ).fit(X, y)
            )
            rows.append(
                (
                    "sklearn LogisticRegressionCV (lbfgs)",
                    seconds,
                    1 / (peer.C_[0] * n_train),
                )
            )
        elif not args.skip_liblinear:
            seconds, peer = timed(
                lambda g=grid: GridSearchCV(
                    LogisticRegression(solver="liblinear", l1_ratio=1.0, tol=1e-6),
                    {"C": 1.0 / (g * n_train)},
                    cv=folds,
                    scoring="neg_log_loss",
                ).fit(X, y)
            )
            rows.append(
                (
                    "GridSearchCV(sklearn liblinear)",
                    seconds,
                    1 / (peer.best_params_["C"] * n_train),
                )
            )
        ours_seconds, ours_lambda = rows[0][1], rows[0][2]
        for name, seconds, chosen in rows:
            same = "yes" if np.isclose(chosen, ours_lambda, rtol=1e-9) else "no"
            print(
                f"{regularization:8} {name:46} {seconds:8.2f} "
                f"{ours_seconds / seconds:8.3f} {chosen:14.4g} {same:>5}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
