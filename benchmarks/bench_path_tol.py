"""Passes over X and seconds of full regularization paths at each tolerance.

A looser ``tol`` must never cost more: each point of a path is exact only to
``tol``, and a start extrapolated from such points can land farther from the
next minimizer than the plain warm start (``_path._best_order`` chooses the
order of the extrapolation for that reason). For each problem this prints,
at ``tol`` 1e-3 ... 1e-7, the passes over ``X`` (products ``X @ w`` and
``X.T @ r``; a working set's products count the fraction of the columns
they touch) and the median seconds of ``--repeats`` runs of
``logistic_path`` (glmnet's default grid of 100 lambdas) with one BLAS
thread, then whether the passes fall as ``tol`` loosens.

Problems (standardized): scikit-learn's breast cancer (L1, elastic net) and
digits (its 61 non-constant columns, as ``bench_path_glmnet.py``; L1, L2),
``make_classification(4000 * scale, 200 * scale)`` (L1, elastic net,
``l1_ratio=0.5``), ``make_classification(5000 * scale, 100 * scale)`` with
10 classes (L1) and a sparse ``5000 * scale x 1000 * scale`` matrix (2 %
non-zeros) with 4 classes from a multinomial model on 40 columns (L1). The
multinomial paths (orthant-wise Newton beyond 400 parameters) are the ones
whose passes did not always fall before the trust radius of a path's
points (``_orthant_newton._newton_loop``).

Run::

    python benchmarks/bench_path_tol.py              # about 6 minutes
    python benchmarks/bench_path_tol.py --only digits --repeats 1
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_norm import logistic_path
from sklearn_norm.linear_model._datafits import counting_passes

TOLS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7)


def problems(scale: float):
    """(name, X, y, regularization) of every path to time."""

    def standardized(X, y):
        return StandardScaler().fit_transform(X), y

    breast = standardized(*load_breast_cancer(return_X_y=True))
    X, y = load_digits(return_X_y=True)
    digits = standardized(X[:, X.std(axis=0) > 0], y)
    n, p = max(int(4000 * scale), 200), max(int(200 * scale), 20)
    synthetic = standardized(
        *make_classification(n, p, n_informative=p // 5, random_state=0)
    )
    yield "breast cancer", *breast, "l1"
    yield "breast cancer", *breast, "elasticnet"
    yield "digits", *digits, "l1"
    yield "digits", *digits, "l2"
    yield f"synthetic {n}x{p}", *synthetic, "l1"
    yield f"synthetic {n}x{p}", *synthetic, "elasticnet"
    n, p = max(int(5000 * scale), 500), max(int(100 * scale), 20)
    yield (
        f"synthetic {n}x{p}, 10 classes",
        *standardized(
            *make_classification(
                n, p, n_informative=p // 5, n_classes=10, random_state=0
            )
        ),
        "l1",
    )
    yield f"sparse {n}x{10 * p}, 4 classes", *sparse_multinomial(n, 10 * p), "l1"


def sparse_multinomial(n: int, p: int, n_classes: int = 4):
    """A CSR matrix with 2 % standard normal non-zeros and labels drawn from
    a multinomial model on 40 of its columns."""
    rng = np.random.default_rng(0)
    X = sp.random(n, p, density=0.02, format="csr", random_state=0)
    X.data = rng.standard_normal(X.data.size)
    coef = np.zeros((p, n_classes))
    coef[rng.choice(p, 40, replace=False)] = rng.normal(0.0, 3.0, (40, n_classes))
    scores = np.asarray(X @ coef)
    probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    # One uniform draw per row against the cumulative probabilities.
    draws = rng.random((n, 1))
    y = (draws > np.cumsum(probabilities, axis=1)).sum(axis=1)
    return X, np.minimum(y, n_classes - 1)


def run(X, y, regularization: str, tol: float, repeats: int) -> tuple[float, float]:
    """Passes over X of one path and the median seconds of ``repeats``."""

    def path():
        return logistic_path(X, y, regularization=regularization, l1_ratio=0.5, tol=tol)

    with counting_passes() as count:
        path()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        path()
        seconds.append(time.perf_counter() - start)
    return count.passes, statistics.median(seconds)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", default="", help="substring of problem names")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    header = " ".join(f"{f'tol {tol:g}':>16}" for tol in TOLS)
    print(f"passes over X / median seconds of {args.repeats}, one BLAS thread")
    print(f"{'problem':36} {header}  falls as tol loosens")
    failures = 0
    with threadpool_limits(1, user_api="blas"):
        for name, X, y, regularization in problems(args.scale):
            label = f"{name} {regularization}"
            if args.only not in label:
                continue
            results = [run(X, y, regularization, tol, args.repeats) for tol in TOLS]
            passes = [result[0] for result in results]
            monotone = all(a <= b for a, b in zip(passes, passes[1:], strict=False))
            failures += not monotone
            cells = " ".join(f"{p:8.0f} /{s:6.2f}s" for p, s in results)
            print(f"{label:36} {cells}  {'yes' if monotone else 'NO'}")
    print(f"paths whose passes do not fall as tol loosens: {failures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
