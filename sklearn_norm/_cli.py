"""``python -m sklearn_norm`` / ``sklearn-norm``: cross-validated regularized
logistic regression on a CSV file (or, with no file, on scikit-learn's breast
cancer data), a short report and two pictures."""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Sequence

import numpy as np
from sklearn.pipeline import make_pipeline

from ._cv_curve import cv_standard_errors
from ._logistic_cv import RegularizedLogisticRegressionCV
from ._normalizers import L2Normalizer

# Cells that spreadsheets and pandas write for a missing value.
_MISSING = {"", "na", "n/a", "nan", "null", "none"}


class UsageError(Exception):
    """A problem with the user's input, reported in one line."""


def read_csv(path: str, target: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features (float64), labels (strings) and feature names of a CSV file
    with a header row; every column but ``target`` must be numeric."""
    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise UsageError(f"cannot read {path} as CSV: {error}") from None
    if not rows or not any(rows[0]):
        raise UsageError(f"{path} is empty: a header row and data rows are needed")
    header, body = [name.strip() for name in rows[0]], rows[1:]
    if target not in header:
        raise UsageError(
            f"no column {target!r} in {path}; the columns are: {', '.join(header)}"
        )
    body = [row for row in body if any(cell.strip() for cell in row)]
    if not body:
        raise UsageError(f"{path} has a header but no data rows")
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise UsageError(
                f"{path}, line {number}: {len(row)} fields, the header has "
                f"{len(header)}"
            )
    t = header.index(target)
    names = [name for j, name in enumerate(header) if j != t]
    if not names:
        raise UsageError(f"{path} has no feature column besides {target!r}")
    X = np.empty((len(body), len(names)))
    for j, name in enumerate(names):
        column = header.index(name)
        for i, row in enumerate(body):
            cell = row[column].strip()
            try:
                X[i, j] = float(cell) if cell.lower() not in _MISSING else np.nan
            except ValueError:
                raise UsageError(
                    f"column {name!r} is not numeric (line {i + 2}: {cell!r}); "
                    "encode or drop it before fitting"
                ) from None
            if not np.isfinite(X[i, j]):
                raise UsageError(
                    f"column {name!r} has a missing or infinite value on line "
                    f"{i + 2} ({cell!r}); impute or drop it before fitting"
                )
    y = np.array([row[t].strip() for row in body])
    if np.unique(y).size < 2:
        raise UsageError(
            f"column {target!r} has only one class ({y[0]!r}): nothing to classify"
        )
    return X, y, names


def breast_cancer() -> tuple[np.ndarray, np.ndarray, list[str]]:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    labels = data.target_names[data.target]
    return data.data, labels, [str(name) for name in data.feature_names]


def report(model, names: Sequence[str], seconds: float) -> str:
    """The lines printed after a fit."""
    scores = model.cv_scores_
    chosen = int(np.flatnonzero(model.lambdas_ == model.lambda_)[0])
    mean = scores[:, chosen].mean()
    error = cv_standard_errors(scores)[chosen]
    scoring = model.scoring or "neg_log_loss"
    lines = [
        f"{scores.shape[0]}-fold CV over {model.lambdas_.size} lambdas in "
        f"{seconds:.1f} s",
        f"lambda_min = {model.lambda_min_:.4g}, lambda_1se = {model.lambda_1se_:.4g}"
        f" (selected: {model.lambda_:.4g}, selection={model.selection!r})",
        f"CV {scoring} at the selected lambda: {mean:.4f} +/- {error:.4f}",
    ]
    coef = model.coef_
    weight = np.max(np.abs(coef), axis=0)
    nonzero = np.flatnonzero(weight)
    classes = [str(c) for c in model.classes_]
    which = (
        f"positive for class {classes[1]!r}, negative for {classes[0]!r}"
        if coef.shape[0] == 1
        else f"one column per class: {', '.join(classes)}"
    )
    lines.append(
        f"non-zero coefficients: {nonzero.size} of {coef.shape[1]} ({which}; "
        "features scaled to unit column norm)"
    )
    for j in nonzero[np.argsort(-weight[nonzero])][:15]:
        values = ", ".join(f"{v:+.4f}" for v in coef[:, j])
        lines.append(f"  {names[j]:30} {values}")
    if nonzero.size > 15:
        lines.append(f"  ... and {nonzero.size - 15} more")
    return "\n".join(lines)


def save_pictures(model, out: str, names: Sequence[str]) -> list[str]:
    """Write path.png and cv.png into ``out``; the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ._plot import plot_cv, plot_path

    os.makedirs(out, exist_ok=True)
    written = []
    pictures = [
        ("path.png", lambda ax: plot_path(model, ax=ax, feature_names=names)),
        ("cv.png", lambda ax: plot_cv(model, ax=ax)),
    ]
    for name, draw in pictures:
        figure, ax = plt.subplots(figsize=(7, 4.5))
        draw(ax)
        figure.tight_layout()
        path = os.path.join(out, name)
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return written


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sklearn-norm",
        description=(
            "Cross-validated regularized logistic regression: a report and "
            "pictures of the path and of the CV curve. Without a CSV file, a "
            "demo on scikit-learn's breast cancer data."
        ),
    )
    p.add_argument("csv", nargs="?", help="CSV file with a header row")
    p.add_argument("--target", help="column with the class labels (with a CSV)")
    p.add_argument("--regularization", choices=["l1", "l2", "elasticnet"], default="l1")
    p.add_argument("--l1-ratio", type=float, default=0.5, help="for elasticnet")
    p.add_argument("--lambdas", type=int, default=50, help="grid size (default 50)")
    p.add_argument("--folds", type=int, default=5, help="CV folds (default 5)")
    p.add_argument(
        "--selection", choices=["min", "1se"], default="1se", help="default 1se"
    )
    p.add_argument(
        "--out", default="sklearn-norm-output", help="folder for path.png, cv.png"
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def run(args: argparse.Namespace) -> int:
    if args.csv is None:
        if args.target is not None:
            raise UsageError("--target needs a CSV file")
        X, y, names = breast_cancer()
        print("No CSV given: the breast cancer data (569 samples, 30 features).")
    else:
        if args.target is None:
            raise UsageError("--target COLUMN is required with a CSV file")
        X, y, names = read_csv(args.csv, args.target)
        print(f"{args.csv}: {X.shape[0]} samples, {X.shape[1]} features.")
    if args.folds < 2 or args.lambdas < 1 or not 0.0 <= args.l1_ratio <= 1.0:
        raise UsageError(
            "--folds must be >= 2, --lambdas >= 1 and --l1-ratio in [0, 1]"
        )
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() < args.folds:
        raise UsageError(
            f"class {classes[np.argmin(counts)]!r} has {counts.min()} samples, "
            f"fewer than --folds={args.folds}"
        )
    model = RegularizedLogisticRegressionCV(
        args.regularization,
        n_lambdas=args.lambdas,
        l1_ratio=args.l1_ratio,
        cv=args.folds,
        selection=args.selection,
        verbose=0 if args.quiet else 1,
    )
    # Column L2 normalization (norms learned in fit) puts features of any
    # scale on one footing, so one penalty treats them alike.
    pipeline = make_pipeline(L2Normalizer(axis=0), model)
    start = time.perf_counter()
    pipeline.fit(X, y)
    print(report(model, names, time.perf_counter() - start))
    try:
        written = save_pictures(model, args.out, names)
    except ImportError:
        print(
            "pictures skipped: matplotlib is not installed "
            "(python -m pip install 'sklearn-norm[plot]')",
            file=sys.stderr,
        )
        return 0
    print("wrote " + " and ".join(written))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except UsageError as error:
        print(f"sklearn-norm: error: {error}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"sklearn-norm: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("sklearn-norm: interrupted", file=sys.stderr)
        return 130
