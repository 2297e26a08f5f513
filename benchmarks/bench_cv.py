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

Printed: the median seconds of ``--repeats`` interleaved runs (liblinear's
grid search, minutes long, runs once), the ratio ours / it, the selected
lambda (``C`` converted back), and whether it equals ours.

Run::

    python benchmarks/bench_cv.py                 # full size, about 13 min
    python benchmarks/bench_cv.py --scale 0.1 --skip-liblinear   # quick
    python benchmarks/bench_cv.py --penalties l2                 # L2 only
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


# scikit-learn 1.8 deprecated LogisticRegression's ``penalty`` for ``l1_ratio``;
# 1.7, the oldest supported, needs it (and ignores ``l1_ratio`` without it).
SKLEARN_1_8 = tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 8)
L1 = {"l1_ratio": 1.0} if SKLEARN_1_8 else {"penalty": "l1"}


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
    parser.add_argument(
        "--penalties", default="l1,l2", help="comma-separated: l1, l2 or both"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="median of (liblinear: once)"
    )
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
        if regularization not in args.penalties.split(","):
            continue
        # name -> (fit function, chosen lambda from its fitted object)
        methods = {
            "RegularizedLogisticRegressionCV": (
                lambda reg=regularization, g=grid: RegularizedLogisticRegressionCV(
                    reg, lambdas=g, cv=folds
                ).fit(X, y),
                lambda model: model.lambda_min_,
            ),
            "GridSearchCV(RegularizedLogisticRegression)": (
                lambda reg=regularization, g=grid: GridSearchCV(
                    RegularizedLogisticRegression(reg),
                    {"lambda_": g},
                    cv=folds,
                    scoring="neg_log_loss",
                ).fit(X, y),
                lambda search: float(search.best_params_["lambda_"]),
            ),
        }
        if regularization == "l2":
            methods["sklearn LogisticRegressionCV (lbfgs)"] = (
                lambda g=grid: LogisticRegressionCV(
                    Cs=1.0 / (g * n_train),
                    cv=folds,
                    scoring="neg_log_loss",
                    tol=1e-6,
                    max_iter=10_000,
                    l1_ratios=(0.0,),
                ).fit(X, y),
                lambda model: 1 / (model.C_[0] * n_train),
            )
        elif not args.skip_liblinear:
            methods["GridSearchCV(sklearn liblinear)"] = (
                lambda g=grid: GridSearchCV(
                    LogisticRegression(solver="liblinear", tol=1e-6, **L1),
                    {"C": 1.0 / (g * n_train)},
                    cv=folds,
                    scoring="neg_log_loss",
                ).fit(X, y),
                lambda search: 1 / (search.best_params_["C"] * n_train),
            )
        times = {name: [] for name in methods}
        chosen = {}
        # Interleaved repeats: a slow spell of the shared machine hits every
        # method alike. liblinear (minutes) runs once.
        for repeat in range(args.repeats):
            for name, (fit, selected) in methods.items():
                if repeat and "liblinear" in name:
                    continue
                seconds, fitted = timed(fit)
                times[name].append(seconds)
                chosen[name] = float(selected(fitted))
        median = {name: float(np.median(t)) for name, t in times.items()}
        ours = "RegularizedLogisticRegressionCV"
        for name in methods:
            same = "yes" if np.isclose(chosen[name], chosen[ours], rtol=1e-9) else "no"
            print(
                f"{regularization:8} {name:46} {median[name]:8.2f} "
                f"{median[ours] / median[name]:8.3f} {chosen[name]:14.4g} {same:>5}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
