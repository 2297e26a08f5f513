"""Does the cross-validated estimator pick good models on real data, and how
fast? RegularizedLogisticRegressionCV at its defaults against scikit-learn's
LogisticRegressionCV on a wide grid.

Data: scikit-learn's breast cancer (569 x 30, 2 classes), wine (178 x 13, 3
classes) and digits (1797 x 64, 10 classes), standardized; the same
``StratifiedKFold(5, shuffle=True, random_state=0)`` folds for every method.

Methods, for the L2 and the L1 penalty:

- ``ours``: ``RegularizedLogisticRegressionCV(regularization, cv=folds)``,
  everything else at its defaults (the default grid, extended until the CV
  curve turns; ``tol=1e-6``);
- ``sklearn``: ``LogisticRegressionCV(Cs=np.logspace(-4, 6, 41),
  scoring="neg_log_loss")`` with lbfgs (L2) or saga (L1), at its defaults
  (``tol=1e-4``, ``max_iter=100``: saga, and lbfgs at large ``C``, stop
  before convergence, so its points are not the minimizers of the objective);
- ``sklearn precise``: the same with ``tol=1e-8``, ``max_iter=10000``
  (``--precise`` to include it; saga then takes minutes on digits);
- ``best lambda``: the lowest mean held-out log-loss any lambda of the same
  objective reaches, on a grid four times finer than ours (400 points over
  the same range, ``tol=1e-9``; ``--best`` to include it). A method whose
  log-loss is below it did not minimize the objective it was given (an
  early stop is extra regularization of its own), and no choice of lambda
  by an exact solver can match it.

Printed per row: the mean held-out log-loss at the selected lambda (lower
is better) and its difference to scikit-learn's, the selected lambda
(scikit-learn's ``C`` converted: ``lambda = 1 / (C * n_train)``), whether it
is interior to the grid, and the median seconds of ``--repeats`` interleaved
runs with one BLAS thread and with the default threads, with the ratio ours
/ scikit-learn.

Run::

    python benchmarks/bench_cv_quality.py                # about 8 minutes
    python benchmarks/bench_cv_quality.py --data breast_cancer --repeats 1
    python benchmarks/bench_cv_quality.py --precise      # adds converged peers
    python benchmarks/bench_cv_quality.py --best         # adds the best lambda
    python benchmarks/bench_cv_quality.py --json out.json   # also write the tables

``--json`` writes the log-losses and times as data (a table per thread
setting) for ``benchmarks/docs_results.py``, which collects them for the
documentation's benchmarks page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

import sklearn_norm
from sklearn_norm import RegularizedLogisticRegressionCV

DATA = {
    "breast_cancer": load_breast_cancer,
    "wine": load_wine,
    "digits": load_digits,
}
CS = np.logspace(-4, 6, 41)
# scikit-learn 1.8 replaced LogisticRegressionCV's ``penalty`` by ``l1_ratios``
# and added ``use_legacy_attributes`` (``scores_`` one array rather than a dict
# by class); 1.7, the oldest supported, has neither.
SKLEARN_1_8 = tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 8)


def standardized(name: str):
    X, y = DATA[name](return_X_y=True)
    return StandardScaler().fit_transform(X), y


def ours(regularization, folds):
    def fit(X, y):
        model = RegularizedLogisticRegressionCV(regularization, cv=folds).fit(X, y)
        chosen = int(np.flatnonzero(model.lambdas_ == model.lambda_)[0])
        loss = -float(model.cv_scores_[:, chosen].mean())
        interior = 0 < chosen < model.lambdas_.size - 1
        return loss, model.lambda_, interior

    return fit


def best_lambda(regularization, folds):
    """The exact objective's lowest mean held-out log-loss over a fine grid:
    400 lambdas over the default range (extended by the default model's)."""

    def fit(X, y):
        default = RegularizedLogisticRegressionCV(regularization, cv=folds).fit(X, y)
        lambdas = np.geomspace(default.lambdas_[0], default.lambdas_[-1], 400)
        model = RegularizedLogisticRegressionCV(
            regularization, cv=folds, lambdas=lambdas, tol=1e-9
        ).fit(X, y)
        mean = -model.cv_scores_.mean(axis=0)
        best = int(np.argmin(mean))
        return float(mean[best]), float(model.lambdas_[best]), 0 < best < mean.size - 1

    return fit


def sklearn_cv(regularization, folds, precise):
    solver = "lbfgs" if regularization == "l2" else "saga"
    options = {"tol": 1e-8, "max_iter": 10_000} if precise else {}
    if SKLEARN_1_8:
        options["l1_ratios"] = (0.0 if regularization == "l2" else 1.0,)
        options["use_legacy_attributes"] = False
    else:
        options["penalty"] = regularization

    def fit(X, y):
        model = LogisticRegressionCV(
            Cs=CS,
            cv=folds,
            scoring="neg_log_loss",
            solver=solver,
            **options,
        ).fit(X, y)
        scores = model.scores_
        if isinstance(scores, dict):  # scikit-learn 1.7: the same for every class
            scores = next(iter(scores.values()))
        scores = np.asarray(scores).reshape(len(folds), -1)
        mean = scores.mean(axis=0)
        best = int(np.argmax(mean))
        n_train = X.shape[0] - len(folds[0][1])
        return -float(mean[best]), 1.0 / (CS[best] * n_train), 0 < best < CS.size - 1

    return fit


def timed(fit, X, y, threads):
    """Seconds and result of ``fit(X, y)`` with ``threads`` BLAS threads
    (None: the default)."""
    limit = threadpool_limits(threads, user_api="blas") if threads else None
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # peers' convergence warnings
            result = fit(X, y)
    finally:
        if limit is not None:
            limit.restore_original_limits()
    return time.perf_counter() - start, result


def blas_threads() -> str:
    pools = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    return ", ".join(f"{p['internal_api']} {p['num_threads']} threads" for p in pools)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=",".join(DATA), help="comma-separated")
    parser.add_argument("--penalties", default="l2,l1", help="comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precise", action="store_true")
    parser.add_argument("--best", action="store_true")
    parser.add_argument("--json", default="", help="also write the tables here")
    args = parser.parse_args(argv)
    records = {1: [], None: []}
    print(
        f"sklearn-norm {sklearn_norm.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"BLAS: {blas_threads()}; medians of {args.repeats}"
    )
    header = (
        f"{'data':14} {'pen':3} {'method':16} {'log-loss':>8} {'- sk':>7} "
        f"{'lambda':>9} {'inner':>5} {'s 1 thr':>8} {'ours/sk':>7} "
        f"{'s default':>9} {'ours/sk':>7}"
    )
    print(header)
    worst_gap, worst_ratio = -np.inf, 0.0
    for name in args.data.split(","):
        X, y = standardized(name)
        folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
        for regularization in args.penalties.split(","):
            methods = {
                "ours": ours(regularization, folds),
                "sklearn": sklearn_cv(regularization, folds, precise=False),
            }
            if args.precise:
                methods["sklearn precise"] = sklearn_cv(
                    regularization, folds, precise=True
                )
            if args.best:
                methods["best lambda"] = best_lambda(regularization, folds)
            times = {(m, t): [] for m in methods for t in (1, None)}
            results = {}
            for _ in range(args.repeats):  # interleaved: noise hits all alike
                for method, fit in methods.items():
                    for threads in (1, None):
                        seconds, results[method] = timed(fit, X, y, threads)
                        times[method, threads].append(seconds)
            median = {key: float(np.median(t)) for key, t in times.items()}
            reference = results["sklearn"][0]
            for method in methods:
                loss, lambda_, interior = results[method]
                ratio_1 = median["ours", 1] / median[method, 1]
                ratio_d = median["ours", None] / median[method, None]
                print(
                    f"{name:14} {regularization:3} {method:16} {loss:8.4f} "
                    f"{loss - reference:+7.4f} {lambda_:9.3g} "
                    f"{'yes' if interior else 'no':>5} {median[method, 1]:8.2f} "
                    f"{ratio_1:7.2f} {median[method, None]:9.2f} {ratio_d:7.2f}"
                )
            for threads, rows in records.items():
                rows.append(
                    {
                        "problem": f"{name.replace('_', ' ')}, "
                        f"{regularization.upper()}",
                        "shape": "{} x {}".format(*X.shape)
                        + (f", {np.unique(y).size} classes" if y.max() > 1 else ""),
                        "values": {
                            f"{method} log-loss": f"{results[method][0]:.4f}"
                            for method in methods
                        },
                        "times": {
                            "ours"
                            if m == "ours"
                            else f"{m} LogisticRegressionCV": median[m, threads]
                            for m in methods
                            if m != "best lambda"
                        },
                    }
                )
            gap = results["ours"][0] - reference
            worst_gap = max(worst_gap, gap)
            worst_ratio = max(
                worst_ratio,
                median["ours", 1] / median["sklearn", 1],
                median["ours", None] / median["sklearn", None],
            )
    print(
        f"worst: ours - sklearn log-loss {worst_gap:+.4f}, "
        f"ours / sklearn seconds {worst_ratio:.2f}"
    )
    if args.json:
        criterion = (
            "seconds of the whole cross-validation on the same 5 stratified "
            "folds of the standardized data, each method at its defaults "
            "(scikit-learn on Cs=np.logspace(-4, 6, 41), lbfgs for L2 and saga "
            f"for L1), median of {args.repeats} interleaved runs; log-loss: the "
            "mean held-out log-loss at the selected penalty (lower is better)"
        )
        tables = [
            {
                "ours": "ours",
                "unit": "s",
                "criterion": criterion,
                "threads": "1" if threads == 1 else "default",
                "command": "python benchmarks/bench_cv_quality.py",
                "rows": rows,
            }
            for threads, rows in records.items()
        ]
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(tables, file, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
