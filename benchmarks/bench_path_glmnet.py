"""Full regularization paths against R's glmnet at a ladder of precisions:
which is faster for the same worst objective gap along the path?

Problems: statsmodels' ``randhie`` (20190 x 9, "any doctor visit",
standardized; skipped when statsmodels is not installed), scikit-learn's
wine (178 x 13, 3 classes) and digits (1797 x 61 non-constant columns, 10
classes), standardized,
``make_classification(20000, 500, n_informative=50, random_state=0)``
standardized, and a random sparse 20000 x 5000 matrix with 1 % non-zeros
(labels from a logistic model on 50 of its columns). Penalties: L1 and the
elastic net (``l1_ratio = alpha = 0.5``); wine and digits L1 only.

Both fit the same 100-lambda grid (ours: ``logistic_path``'s default, from
``lambda_max`` down to 1e-4 of it, 1e-2 when p > n; glmnet: that grid passed
as ``lambda``) with glmnet's ``standardize = FALSE`` and ``fdev = 0``, so
that it does not stop the path early. They minimize the same objective,

    mean log-loss + lambda * (alpha * ||W||_1 + (1 - alpha) / 2 * ||W||_2^2)

(multinomial, unpenalized intercepts), which is evaluated here, in one
function, for every point of every run: a run's *gap* is its largest
relative excess over the path, ``(F(point) - F*) / F*``, ``F*`` the lowest
objective any run reached at that lambda (a reference path of ours at
``tol=1e-10`` included). Ours climbs a ladder of ``tol`` (1e-3 ... 1e-8,
its KKT violation), glmnet one of ``thresh`` (1e-5 ... 1e-10; its default
is 1e-7). For each precision level (worst gap 1e-4 ... 1e-9) the table
gives each side's fastest run that reached it and the ratio ours / glmnet.

Times: ours under one BLAS thread (glmnet is single-threaded Fortran), and
our default-thread time at the default ``tol=1e-6``; glmnet's measured
inside R (``system.time`` around ``glmnet()``: no start-up, no file
reading). Medians of ``--repeats`` runs. glmnet returns fewer than 100
points when a point reaches its ``maxit``: "points" says how many, and
gaps are over those.

Needs R and its glmnet package for the glmnet side (Debian: ``apt-get
install r-base-core r-cran-glmnet``); without them ours is timed alone.

Run::

    python benchmarks/bench_path_glmnet.py                      # ~15 minutes
    python benchmarks/bench_path_glmnet.py --only randhie,digits
    python benchmarks/bench_path_glmnet.py --only dense --penalties l1
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from scipy.special import logsumexp
from sklearn.datasets import load_digits, load_wine, make_classification
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _glmnet import glmnet_available  # noqa: E402

import sklearn_norm  # noqa: E402
from sklearn_norm import logistic_path  # noqa: E402

TOLS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
THRESHES = (1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)
LEVELS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)
REFERENCE_TOL = 1e-10

_R = r"""
suppressMessages({library(glmnet); library(Matrix)})
dir <- commandArgs(trailingOnly = TRUE)[1]
spec <- read.csv(file.path(dir, "spec.csv"))
rd <- function(name, what, count) {
  con <- file(file.path(dir, name), "rb")
  on.exit(close(con))
  readBin(con, what, count, size = if (what == "integer") 4 else 8)
}
n <- spec$n
p <- spec$p
if (spec$sparse) {
  x <- sparseMatrix(i = rd("i.bin", "integer", spec$nnz) + 1,
                    j = rd("j.bin", "integer", spec$nnz) + 1,
                    x = rd("x.bin", "double", spec$nnz), dims = c(n, p))
} else {
  x <- matrix(rd("x.bin", "double", n * p), nrow = n, ncol = p)
}
y <- factor(rd("y.bin", "integer", n))
lambdas <- rd("lambdas.bin", "double", spec$n_lambdas)
threshes <- rd("thresh.bin", "double", spec$n_thresh)
family <- if (spec$n_classes > 2) "multinomial" else "binomial"
glmnet.control(fdev = 0, devmax = 1)
for (k in seq_along(threshes)) {
  times <- c()
  for (r in seq_len(spec$repeats)) {
    times <- c(times, system.time(fit <- suppressWarnings(glmnet(
      x, y, family = family, lambda = lambdas, alpha = spec$alpha,
      standardize = FALSE, thresh = threshes[k]
    )))["elapsed"])
  }
  beta <- coef(fit)
  if (!is.list(beta)) beta <- list(beta)
  values <- unlist(lapply(beta, function(b) as.vector(as.matrix(b))))
  con <- file(file.path(dir, sprintf("coef%d.bin", k)), "wb")
  writeBin(values, con)
  close(con)
  writeLines(as.character(c(median(times), length(fit$lambda))),
             file.path(dir, sprintf("time%d.txt", k)))
}
"""


def problems(only):
    """``(name, X, y, penalties)``."""
    wanted = set(only.split(",")) if only else None

    def take(key):
        return wanted is None or key in wanted

    if take("randhie"):
        try:
            import statsmodels.api as sm
        except ImportError:
            print("randhie skipped: statsmodels is not installed")
        else:
            data = sm.datasets.randhie.load_pandas()
            X = StandardScaler().fit_transform(data.exog.to_numpy(dtype=float))
            y = (data.endog.to_numpy() > 0).astype(int)
            yield "randhie 20190x9", X, y, ("l1", "elasticnet")
    if take("wine"):
        X, y = load_wine(return_X_y=True)
        yield "wine 178x13, 3 classes", StandardScaler().fit_transform(X), y, ("l1",)
    if take("digits"):
        X, y = load_digits(return_X_y=True)
        X = StandardScaler().fit_transform(X[:, X.std(axis=0) > 0])
        yield "digits 1797x61, 10 classes", X, y, ("l1",)
    if take("dense"):
        X, y = make_classification(20000, 500, n_informative=50, random_state=0)
        yield (
            "dense 20000x500",
            StandardScaler().fit_transform(X),
            y,
            ("l1", "elasticnet"),
        )
    if take("sparse"):
        rng = np.random.default_rng(0)
        X = sp.random(20000, 5000, density=0.01, format="csr", random_state=0)
        X.data = rng.standard_normal(X.data.size)
        w = np.zeros(5000)
        w[rng.choice(5000, 50, replace=False)] = rng.normal(0.0, 3.0, 50)
        y = (rng.random(20000) < 1.0 / (1.0 + np.exp(-(X @ w)))).astype(int)
        yield "sparse 20000x5000 (1%)", X, y, ("l1", "elasticnet")


def objective(X, y, coef, intercept, lambda_, alpha):
    """Mean log-loss plus the elastic net, for ``coef`` shaped ``(1, p)``
    (two classes: the log-odds of class 1) or ``(K, p)``."""
    z = np.asarray(X @ coef.T) + intercept
    if coef.shape[0] == 1:
        z = z[:, 0]
        loss = np.mean(np.logaddexp(0.0, z) - y * z)
    else:
        loss = np.mean(logsumexp(z, axis=1) - z[np.arange(y.size), y])
    flat = coef.ravel()
    return loss + lambda_ * (
        alpha * np.abs(flat).sum() + 0.5 * (1 - alpha) * flat @ flat
    )


def path_objectives(X, y, lambdas, coefs, intercepts, alpha):
    return np.array(
        [
            objective(X, y, coefs[i], intercepts[i], lambdas[i], alpha)
            for i in range(len(coefs))
        ]
    )


def ours(X, y, regularization, alpha, tol, repeats, threads=1):
    """Median seconds and the path ``(lambdas, coefs, intercepts)``."""
    seconds = []
    for _ in range(repeats):
        limit = threadpool_limits(threads, user_api="blas") if threads else None
        start = time.perf_counter()
        try:
            path = logistic_path(
                X, y, regularization=regularization, l1_ratio=alpha, tol=tol
            )
        finally:
            seconds.append(time.perf_counter() - start)
            if limit is not None:
                limit.restore_original_limits()
    return float(np.median(seconds)), path


def glmnet_ladder(X, y, lambdas, alpha, repeats):
    """For each of ``THRESHES``: glmnet's median seconds, and the
    coefficients ``(L, K, p)`` and intercepts ``(L, K)`` of its points."""
    n, p = X.shape
    n_classes = int(y.max()) + 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        nnz = 0
        if sp.issparse(X):
            coo = X.tocoo()
            nnz = coo.nnz
            coo.row.astype("<i4").tofile(folder / "i.bin")
            coo.col.astype("<i4").tofile(folder / "j.bin")
            coo.data.astype("<f8").tofile(folder / "x.bin")
        else:  # column-major, as R stores a matrix
            np.asarray(X, dtype="<f8").ravel(order="F").tofile(folder / "x.bin")
        y.astype("<i4").tofile(folder / "y.bin")
        np.asarray(lambdas, dtype="<f8").tofile(folder / "lambdas.bin")
        np.asarray(THRESHES, dtype="<f8").tofile(folder / "thresh.bin")
        (folder / "spec.csv").write_text(
            "n,p,sparse,nnz,n_classes,n_lambdas,n_thresh,alpha,repeats\n"
            f"{n},{p},{'TRUE' if sp.issparse(X) else 'FALSE'},{nnz},{n_classes},"
            f"{len(lambdas)},{len(THRESHES)},{alpha!r},{repeats}\n"
        )
        (folder / "fit.R").write_text(_R)
        environment = {**os.environ, "OMP_NUM_THREADS": "1"}
        subprocess.run(
            ["Rscript", str(folder / "fit.R"), str(folder)], check=True, env=environment
        )
        runs = []
        K = 1 if n_classes == 2 else n_classes
        for k in range(1, len(THRESHES) + 1):
            seconds, points = (
                float(v) for v in (folder / f"time{k}.txt").read_text().split()
            )
            values = np.fromfile(folder / f"coef{k}.bin", dtype="<f8")
            rows = values.reshape(K, int(points), p + 1).transpose(1, 0, 2)
            runs.append((seconds, rows[:, :, 1:], rows[:, :, 0]))
    return runs


def fastest(runs, level):
    """The fastest ``(seconds, setting)`` of ``runs`` (``(setting, seconds,
    gap)``) whose gap is at most ``level``; None if none."""
    reached = [(seconds, setting) for setting, seconds, gap in runs if gap <= level]
    return min(reached) if reached else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="randhie,wine,digits,dense,sparse")
    parser.add_argument("--penalties", default="l1,elasticnet")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    with_glmnet = glmnet_available()
    print(
        f"sklearn-norm {sklearn_norm.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    if with_glmnet:
        version = subprocess.run(
            [
                "Rscript",
                "-e",
                'cat(R.version.string, "; glmnet", '
                'as.character(packageVersion("glmnet")))',
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        print(version.strip())
    else:
        print(
            "R's glmnet is not installed (apt-get install r-base-core "
            "r-cran-glmnet): ours alone"
        )
    penalties = args.penalties.split(",")
    for name, X, y, allowed in problems(args.only):
        for regularization in (r for r in allowed if r in penalties):
            alpha = 1.0 if regularization == "l1" else 0.5
            _, reference = ours(X, y, regularization, alpha, REFERENCE_TOL, 1)
            lambdas = reference[0]
            best = path_objectives(X, y, *reference, alpha)
            runs = []  # (solver, setting, seconds, objectives)
            for tol in TOLS:
                seconds, path = ours(X, y, regularization, alpha, tol, args.repeats)
                runs.append(("ours", tol, seconds, path_objectives(X, y, *path, alpha)))
            default_seconds, _ = ours(
                X, y, regularization, alpha, 1e-6, args.repeats, threads=None
            )
            if with_glmnet:
                for thresh, (seconds, coefs, intercepts) in zip(
                    THRESHES,
                    glmnet_ladder(X, y, lambdas, alpha, args.repeats),
                    strict=True,
                ):
                    values = path_objectives(
                        X, y, lambdas[: len(coefs)], coefs, intercepts, alpha
                    )
                    runs.append(("glmnet", thresh, seconds, values))
            for _, _, _, values in runs:
                best[: values.size] = np.minimum(best[: values.size], values)
            print(f"\n{name}, {regularization} (alpha {alpha:g}), 100 lambdas")
            print(
                f"{'solver':7s} {'tol/thresh':>10s} {'seconds':>8s} {'points':>6s} "
                f"{'worst gap':>9s}"
            )
            graded = {"ours": [], "glmnet": []}
            for solver, setting, seconds, values in runs:
                gap = float(
                    np.max((values - best[: values.size]) / np.abs(best[: values.size]))
                )
                graded[solver].append((setting, seconds, gap))
                print(
                    f"{solver:7s} {setting:10.0e} {seconds:8.2f} {values.size:6d} "
                    f"{gap:9.1e}"
                )
            print(f"ours, default BLAS threads, tol 1e-6: {default_seconds:.2f} s")
            print(
                f"{'worst gap <=':>12s} {'ours s':>7s} {'(tol)':>7s} "
                f"{'glmnet s':>8s} {'(thresh)':>8s} {'ratio':>6s}"
            )
            for level in LEVELS:
                mine = fastest(graded["ours"], level)
                theirs = fastest(graded["glmnet"], level) if with_glmnet else None
                ratio = (
                    f"{mine[0] / theirs[0]:6.2f}" if mine and theirs else f"{'-':>6s}"
                )
                left = (
                    f"{mine[0]:7.2f} {mine[1]:7.0e}" if mine else f"{'-':>7s} {'':7s}"
                )
                right = (
                    f"{theirs[0]:8.2f} {theirs[1]:8.0e}"
                    if theirs
                    else f"{'-':>8s} {'':8s}"
                )
                print(f"{level:12.0e} {left} {right} {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
