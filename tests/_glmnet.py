"""R's glmnet as an oracle: fits through ``Rscript`` on data written to a
temporary directory, at thresholds far below glmnet's defaults.

glmnet minimises, for ``family="binomial"`` or ``"multinomial"`` with
``standardize=FALSE``, the objective of ``RegularizedLogisticRegression``
with ``lambda_ = lambda`` and ``l1_ratio = alpha`` (the sample weights
normalized to sum to one). Tests that use it skip when R or its glmnet
package is absent (Debian: ``apt-get install r-base-core r-cran-glmnet``).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

_SCRIPT = r"""
suppressMessages(library(glmnet))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
read <- function(name) as.matrix(read.csv(file.path(dir, name), header = FALSE))
spec <- read.csv(file.path(dir, "spec.csv"))
x <- read("x.csv")
y <- read("y.csv")[, 1]
fam <- if (spec$n_classes > 2) "multinomial" else "binomial"
optional <- function(name) {
  if (file.exists(file.path(dir, name))) read(name) else NULL
}
pf <- optional("pf.csv")
pf <- if (is.null(pf)) rep(1, ncol(x)) else pf[, 1]
offset <- optional("offset.csv")
if (!is.null(offset) && fam == "binomial") offset <- offset[, 1]
lower <- optional("lower.csv")
lower <- if (is.null(lower)) -Inf else lower[, 1]
upper <- optional("upper.csv")
upper <- if (is.null(upper)) Inf else upper[, 1]
# A path from 50 lambda down to lambda: glmnet's warm starts, as it is
# meant to be run; the answer is the last point.
lambdas <- spec$lambda * exp(seq(log(50), 0, length.out = 30))
glmnet.control(fdev = 0, devmax = 1, epsnr = 1e-14, mxitnr = 10000)
fit <- glmnet(
  x, factor(y), family = fam, lambda = lambdas, alpha = spec$alpha,
  standardize = as.logical(spec$standardize), intercept = as.logical(spec$intercept),
  penalty.factor = pf, offset = offset, lower.limits = lower, upper.limits = upper,
  type.multinomial = spec$type_multinomial, thresh = 1e-20, maxit = 1e7,
  relax = !is.na(spec$gamma)
)
beta <- if (is.na(spec$gamma)) {
  coef(fit, s = spec$lambda, exact = FALSE)
} else {
  coef(fit, s = spec$lambda, gamma = spec$gamma, exact = FALSE)
}
if (!is.list(beta)) beta <- list(beta)
rows <- t(sapply(beta, function(b) as.numeric(b[, ncol(b)])))
write.table(rows, file.path(dir, "coef.csv"), sep = ",", row.names = FALSE,
            col.names = FALSE)
"""


_PATH_LENGTH_SCRIPT = r"""
suppressMessages(library(glmnet))
dir <- commandArgs(trailingOnly = TRUE)[1]
x <- as.matrix(read.csv(file.path(dir, "x.csv"), header = FALSE))
y <- read.csv(file.path(dir, "y.csv"), header = FALSE)[, 1]
alpha <- as.numeric(readLines(file.path(dir, "alpha.txt")))
fam <- if (length(unique(y)) > 2) "multinomial" else "binomial"
# glmnet's defaults but for standardize: its own grid and stopping rule.
fit <- glmnet(x, factor(y), family = fam, alpha = alpha, standardize = FALSE)
writeLines(as.character(length(fit$lambda)), file.path(dir, "length.txt"))
"""


@functools.cache
def glmnet_available() -> bool:
    """Whether ``Rscript`` runs and loads glmnet."""
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(
        ["Rscript", "-e", "library(glmnet)"], capture_output=True, check=False
    )
    return probe.returncode == 0


needs_glmnet = pytest.mark.skipif(
    not glmnet_available(),
    reason="R's glmnet is not installed (apt-get install r-base-core r-cran-glmnet)",
)


def _write(path: Path, values) -> None:
    values = np.asarray(values, dtype=np.float64)
    # R reads "Inf"; numpy's repr of 1e309 is inf, which R does not parse.
    text = np.char.mod("%.17g", values.reshape(values.shape[0], -1))
    text = np.where(np.isposinf(values.reshape(text.shape)), "Inf", text)
    text = np.where(np.isneginf(values.reshape(text.shape)), "-Inf", text)
    path.write_text("\n".join(",".join(row) for row in text) + "\n")


def glmnet_fit(
    X,
    y,
    lambda_: float,
    alpha: float,
    *,
    penalty_factor=None,
    standardize: bool = False,
    fit_intercept: bool = True,
    offset=None,
    lower=None,
    upper=None,
    grouped: bool = False,
    gamma: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """glmnet's ``(coef, intercept)`` at ``lambda_`` for labels ``y`` in
    ``0 .. K-1``, shaped as ``RegularizedLogisticRegression``'s: ``(1, p)``
    and ``(1,)`` for two classes, ``(K, p)`` and ``(K,)`` otherwise. With
    ``gamma``, the relaxed fit (``relax = TRUE``) blended by ``gamma``."""
    n_classes = int(np.max(y)) + 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write(folder / "x.csv", X)
        _write(folder / "y.csv", y)
        for name, values in [
            ("pf.csv", penalty_factor),
            ("offset.csv", offset),
            ("lower.csv", lower),
            ("upper.csv", upper),
        ]:
            if values is not None:
                _write(folder / name, values)
        (folder / "spec.csv").write_text(
            "lambda,alpha,n_classes,standardize,intercept,type_multinomial,gamma\n"
            f"{lambda_!r},{alpha!r},{n_classes},{standardize},{fit_intercept},"
            f"{'grouped' if grouped else 'ungrouped'},"
            f"{'NA' if gamma is None else repr(float(gamma))}\n"
        )
        (folder / "fit.R").write_text(_SCRIPT)
        subprocess.run(
            ["Rscript", str(folder / "fit.R"), str(folder)],
            check=True,
            capture_output=True,
        )
        rows = np.loadtxt(folder / "coef.csv", delimiter=",", ndmin=2)
    if n_classes == 2:
        # glmnet's binomial model is the log-odds of the second level.
        rows = rows[-1:]
    return rows[:, 1:], rows[:, 0]


def glmnet_path_length(X, y, alpha: float) -> int:
    """How many points glmnet's default path has (its own grid, which
    stops early where the fit stops changing), with ``standardize=FALSE``."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write(folder / "x.csv", X)
        _write(folder / "y.csv", y)
        (folder / "alpha.txt").write_text(f"{alpha!r}\n")
        (folder / "fit.R").write_text(_PATH_LENGTH_SCRIPT)
        subprocess.run(
            ["Rscript", str(folder / "fit.R"), str(folder)],
            check=True,
            capture_output=True,
        )
        return int((folder / "length.txt").read_text())
