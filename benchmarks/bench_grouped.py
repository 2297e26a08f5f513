"""The grouped multinomial lasso path against R's glmnet
(``type.multinomial = "grouped"``), side by side on the same grid.

For each data set (standardized; wine and digits from scikit-learn, and
``make_classification`` with 10 classes) both fit the same 100-lambda grid
(ours: ``logistic_path(multinomial_penalty="grouped")``'s default grid,
``lambda_max`` down to 1e-4 of it) with ``standardize = FALSE`` and glmnet's
``fdev = 0`` (so it does not stop the path early). Times are medians of
``--repeats`` runs, glmnet's measured inside R (``system.time`` around
``glmnet()``, no start-up or file reading). For the precision reached, each
point's objective is evaluated here for both fits: "glmnet above ours" is the
largest relative excess of glmnet's objective over ours along the path (ours
stops on a KKT violation of at most ``tol``), and "points" how many of the
100 points glmnet returned (it stops a path at a point whose iterations
reach ``maxit``).

Needs R and its glmnet package (Debian: ``apt-get install r-base-core
r-cran-glmnet``). Run with one BLAS thread and with the default::

    OMP_NUM_THREADS=1 python benchmarks/bench_grouped.py
    python benchmarks/bench_grouped.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.special import logsumexp
from sklearn.datasets import load_digits, load_wine, make_classification
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _glmnet import glmnet_available  # noqa: E402

from sklearn_norm import logistic_path  # noqa: E402

_R = r"""
suppressMessages(library(glmnet))
dir <- commandArgs(trailingOnly = TRUE)[1]
x <- as.matrix(read.csv(file.path(dir, "x.csv"), header = FALSE))
y <- factor(read.csv(file.path(dir, "y.csv"), header = FALSE)[, 1])
lambdas <- read.csv(file.path(dir, "lambdas.csv"), header = FALSE)[, 1]
spec <- read.csv(file.path(dir, "spec.csv"))
glmnet.control(fdev = 0, devmax = 1)
times <- c()
for (r in seq_len(spec$repeats)) {
  times <- c(times, system.time(fit <- suppressWarnings(glmnet(
    x, y, family = "multinomial", type.multinomial = "grouped",
    lambda = lambdas, alpha = spec$alpha, standardize = FALSE,
    thresh = spec$thresh
  )))["elapsed"])
}
beta <- coef(fit)
rows <- do.call(cbind, lapply(beta, function(b) as.matrix(b)))
write.table(t(rows), file.path(dir, "coef.csv"), sep = ",", row.names = FALSE,
            col.names = FALSE)
writeLines(as.character(c(median(times), length(fit$lambda))),
           file.path(dir, "time.txt"))
"""


def data_sets():
    """``(name, X, y)``: standardized, constant columns dropped."""
    wine = load_wine(return_X_y=True)
    digits = load_digits(return_X_y=True)
    synthetic = make_classification(
        5000, 100, n_informative=30, n_classes=10, random_state=0
    )
    for name, (X, y) in [
        ("wine 178x13, 3 classes", wine),
        ("digits 1797x61, 10 classes", digits),
        ("synthetic 5000x100, 10 classes", synthetic),
    ]:
        X = X[:, X.std(axis=0) > 0]
        yield name, StandardScaler().fit_transform(X), y


def objective(X, y, coef, intercept, lambda_, alpha):
    """The grouped objective: mean multinomial log-loss + lambda (alpha
    sum_j ||W[:, j]|| + (1 - alpha) / 2 ||W||^2)."""
    z = X @ coef.T + intercept
    loss = np.mean(logsumexp(z, axis=1) - z[np.arange(y.size), y])
    norms = np.linalg.norm(coef, axis=0)
    return loss + lambda_ * (alpha * norms.sum() + 0.5 * (1 - alpha) * norms @ norms)


def glmnet_path(X, y, lambdas, alpha, thresh, repeats):
    """glmnet's seconds (median), coefficients ``(L, K, p)`` and intercepts
    ``(L, K)`` of the points it returned."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        np.savetxt(folder / "x.csv", X, delimiter=",", fmt="%.17g")
        np.savetxt(folder / "y.csv", y, fmt="%d")
        np.savetxt(folder / "lambdas.csv", lambdas, fmt="%.17g")
        (folder / "spec.csv").write_text(
            f"alpha,thresh,repeats\n{alpha!r},{thresh!r},{repeats}\n"
        )
        (folder / "fit.R").write_text(_R)
        subprocess.run(["Rscript", str(folder / "fit.R"), str(folder)], check=True)
        seconds, points = (float(v) for v in (folder / "time.txt").read_text().split())
        rows = np.loadtxt(folder / "coef.csv", delimiter=",", ndmin=2)
    K, p = np.unique(y).size, X.shape[1]
    # rows: one per (class, point), class-major blocks of ``points`` rows
    rows = rows.reshape(K, int(points), p + 1).transpose(1, 0, 2)
    return seconds, rows[:, :, 1:], rows[:, :, 0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--alpha", type=float, default=1.0)
    args = parser.parse_args()
    if not glmnet_available():
        print("R's glmnet is not installed: apt-get install r-base-core r-cran-glmnet")
        return
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    print(f"grouped multinomial path, alpha={args.alpha}, BLAS threads: {threads}")
    head = (
        f"{'data':31s} {'ours tol':>8s} {'ours s':>7s} {'glmnet thresh':>13s} "
        f"{'glmnet s':>8s} {'ratio':>6s} {'points':>6s} {'glmnet above ours':>17s}"
    )
    print(head)
    print("-" * len(head))
    regularization = "l1" if args.alpha == 1.0 else "elasticnet"
    for name, X, y in data_sets():
        for tol, thresh in [(1e-6, 1e-7), (1e-8, 1e-10)]:
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                lambdas, coefs, intercepts = logistic_path(
                    X,
                    y,
                    regularization=regularization,
                    l1_ratio=args.alpha,
                    multinomial_penalty="grouped",
                    tol=tol,
                )
                times.append(time.perf_counter() - start)
            ours = float(np.median(times))
            theirs, g_coefs, g_intercepts = glmnet_path(
                X, y, lambdas, args.alpha, thresh, args.repeats
            )
            gaps = []
            for i in range(g_coefs.shape[0]):
                mine = objective(X, y, coefs[i], intercepts[i], lambdas[i], args.alpha)
                other = objective(
                    X, y, g_coefs[i], g_intercepts[i], lambdas[i], args.alpha
                )
                gaps.append((other - mine) / mine)
            print(
                f"{name:31s} {tol:8.0e} {ours:7.2f} {thresh:13.0e} {theirs:8.2f} "
                f"{ours / theirs:6.2f} {g_coefs.shape[0]:6d} {max(gaps):17.1e}"
            )


if __name__ == "__main__":
    main()
