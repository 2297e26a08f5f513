"""``sklearn-norm`` / ``python -m sklearn_norm``: cross-validated regularized
logistic regression on a CSV file, from the shell.

``sklearn-norm data.csv --target COLUMN`` reads the file (delimiter and
quotes detected; text columns one-hot encoded; missing values refused,
dropped or imputed with ``--missing``), standardizes the columns, fits
``RegularizedLogisticRegressionCV`` (L1 penalty, one-standard-error rule by
default), prints a report (the selected ``lambda_``, cross-validated
log-loss, accuracy and ROC AUC, the coefficients per unit of each input
column and per standard deviation) and draws ``path.png`` and ``cv.png``.
Without a file it runs on scikit-learn's breast cancer data.

``--save-model model.joblib`` keeps the fitted model;
``sklearn-norm predict model.joblib new.csv --out predictions.csv`` writes
the predicted class and one ``proba_<class>`` column per class. In Python::

    import joblib
    import numpy as np

    saved = joblib.load("model.joblib")
    saved["columns"]  # the input columns the model needs, in this order
    rows = np.array([["3.1", "yes", 12]], dtype=object)  # raw values
    saved["pipeline"].predict(rows)  # labels, among saved["classes"]
    saved["pipeline"].predict_proba(rows)  # one column per class

(see ``sklearn_norm.cli._model`` for the other keys; missing cells are
filled only in a model fitted with ``--missing impute``). Errors are one line
on stderr; the exit status is 2 for a usage or input problem, 1 for others.
numpy is imported when a file is read, scikit-learn once the input has
been checked, matplotlib when the pictures are drawn.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import textwrap
import time
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._errors import UsageError, quoted

if TYPE_CHECKING:
    from ._data import Dataset
    from ._model import Settings

PROG = "sklearn-norm"
SHOWN_COEFFICIENTS = 20
DEFAULT_OUT = "sklearn-norm-output"

DESCRIPTION = """\
Fit a logistic regression with a penalty chosen by cross-validation to a CSV
file and print a report: the chosen penalty, cross-validated log-loss,
accuracy and ROC AUC, and the coefficients of the columns it keeps. Draws
the regularization path and the CV curve (path.png, cv.png). Without a CSV
file: a demo on scikit-learn's breast cancer data.

The file needs a header row. The delimiter (comma, semicolon, tab, spaces)
and quotes are detected; text columns are one-hot encoded; cells that are
empty, NA, N/A, nan, null, none or ? are missing values."""

EPILOG = """\
Defaults: RegularizedLogisticRegressionCV itself defaults to an L2 penalty
and selection="min" (the best CV score). This command picks a sparse model it
can explain instead: an L1 penalty, which sets the coefficients of unhelpful
columns to exactly zero, with the one-standard-error rule (the largest
penalty whose CV log-loss is within one standard error of the best), unless
--regularization and --selection say otherwise. Columns are standardized
first, so that one penalty treats them alike; coefficients are reported per
unit of each input column and per standard deviation.

Keep the model with --save-model model.joblib, then predict new rows with
  sklearn-norm predict model.joblib new.csv --out predictions.csv
(see sklearn-norm predict --help)."""

PREDICT_DESCRIPTION = """\
Predict the class of every row of a CSV file with a model saved by
sklearn-norm --save-model. The file needs the model's input columns (by
name; other columns, the target among them, are ignored). Writes CSV: the
predicted class, then one proba_<class> column per class."""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's paragraphs; never breaks a line at a hyphen
    (option and file names have them)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{PROG}: error: {message} (see {self.prog} --help)\n")


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not >= 1")
    return value


def _ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not in [0, 1]")
    return value


def _jobs(text: str) -> int:
    value = _integer(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 jobs: give 1 or more, or -1 for all")
    return value


def fit_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        usage=f"{PROG} [CSV --target COLUMN] [options]\n       "
        f"{PROG} predict MODEL CSV [--out FILE]",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    _input_options(p.add_argument_group("input"))
    _model_options(p.add_argument_group("model"))
    _output_options(p.add_argument_group("output"))
    p.add_argument("--version", action="version", version=f"{PROG} {package_version()}")
    return p


def _input_options(g: argparse._ArgumentGroup) -> None:
    g.add_argument("csv", nargs="?", metavar="CSV", help="the data, a header row first")
    g.add_argument("--target", metavar="COLUMN", help="the column with the classes")
    g.add_argument(
        "--features",
        nargs="+",
        action="extend",
        metavar="COLUMN",
        help="use only these columns (default: every column but the target)",
    )
    g.add_argument(
        "--drop",
        nargs="+",
        action="extend",
        default=[],
        metavar="COLUMN",
        help="leave these columns out, e.g. an identifier",
    )
    g.add_argument(
        "--sep",
        metavar="SEP",
        help="the delimiter: a character, or comma, semicolon, tab (\\t), "
        "space (runs of spaces) (default: detected)",
    )
    g.add_argument(
        "--missing",
        choices=["error", "drop", "impute"],
        default="error",
        help="missing values: stop with an error, drop the rows, or impute the "
        "median (numbers) or most frequent value (text) inside the model; rows "
        "without a target are never imputed (default: error)",
    )


def _model_options(g: argparse._ArgumentGroup) -> None:
    g.add_argument(
        "--regularization",
        choices=["l1", "l2", "elasticnet"],
        default="l1",
        help="the penalty (default: l1)",
    )
    g.add_argument(
        "--l1-ratio",
        type=_ratio,
        metavar="R",
        default=0.5,
        help="L1 share of the elasticnet penalty, in [0, 1] (default: 0.5)",
    )
    g.add_argument(
        "--lambdas",
        type=_positive,
        default=None,
        metavar="N",
        help="number of penalties tried (default: 100; 40 with --regularization l2, "
        "whose CV curve is smooth)",
    )
    g.add_argument(
        "--folds",
        type=_positive,
        default=5,
        metavar="K",
        help="CV folds, >= 2 (default: 5)",
    )
    g.add_argument(
        "--selection",
        choices=["min", "1se"],
        default="1se",
        help="min: the penalty with the best CV log-loss; 1se: the largest "
        "within one standard error of it (default: 1se)",
    )
    g.add_argument(
        "--class-weight",
        choices=["balanced"],
        help="weigh the classes inversely to their frequency (default: none)",
    )
    g.add_argument(
        "--scale",
        choices=["standard", "l2", "none"],
        default="standard",
        help="standard: centre each column and divide by its standard deviation; "
        "l2: divide by its norm; none (default: standard)",
    )
    g.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help="folds fitted in parallel, -1: all processors (default: 1)",
    )


def _output_options(g: argparse._ArgumentGroup) -> None:
    g.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"folder for path.png and cv.png (default: {DEFAULT_OUT})",
    )
    g.add_argument(
        "--save-model",
        metavar="PATH",
        help="write the fitted model there, for sklearn-norm predict "
        "(default: not saved)",
    )
    g.add_argument(
        "--no-pictures", action="store_true", help="do not draw path.png and cv.png"
    )
    g.add_argument("--quiet", action="store_true", help="no progress lines")


def predict_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=f"{PROG} predict",
        description=PREDICT_DESCRIPTION,
        formatter_class=_Formatter,
    )
    p.add_argument("model", metavar="MODEL", help="a file written by --save-model")
    p.add_argument("csv", metavar="CSV", help="the rows to predict, a header first")
    p.add_argument(
        "--out", metavar="FILE", help="write the CSV there (default: standard output)"
    )
    p.add_argument(
        "--keep",
        nargs="+",
        action="extend",
        default=[],
        metavar="COLUMN",
        help="copy these input columns (e.g. an identifier) into the output",
    )
    p.add_argument("--sep", metavar="SEP", help="the delimiter (default: detected)")
    return p


def package_version() -> str:
    from .. import __version__

    return __version__


# --- checks before the fit -------------------------------------------------


def _check_settings(args: argparse.Namespace) -> None:
    if args.csv is None and (args.target or args.features or args.drop):
        raise UsageError(
            "--target, --features and --drop need a CSV file; give the file "
            "before --features and --drop, which take every following word"
        )
    if args.csv is not None and args.target is None:
        raise UsageError("--target COLUMN is required with a CSV file")
    if args.folds < 2:
        raise UsageError("--folds must be at least 2")


def check_folder(path: str, option: str) -> None:
    """``path`` is a folder, or one can be created there."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f"{option} {path}: a file of that name exists")
    _check_creatable(path, option)


def check_file(path: str, option: str) -> None:
    """A file can be written at ``path``."""
    if os.path.isdir(path):
        raise UsageError(f"{option} {path} is a folder; give a file name")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise UsageError(f"{option} {path}: the file is not writable")
    _check_creatable(os.path.dirname(os.path.abspath(path)), option)


def _check_creatable(folder: str, option: str) -> None:
    existing = os.path.abspath(folder)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise UsageError(f"{option} {folder}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {folder}: cannot write in {existing}")


def _check_classes(data: Dataset, folds: int) -> None:
    import numpy as np

    classes, counts = np.unique(data.y, return_counts=True)
    rare = int(np.argmin(counts))
    if counts[rare] < folds:
        raise UsageError(
            f"class {quoted(classes[rare])} of {data.target} has {counts[rare]} "
            f"rows, fewer than --folds {folds}: use fewer folds, or more rows"
        )


# --- the fit -----------------------------------------------------------------


def settings_from(args: argparse.Namespace) -> Settings:
    from ._model import Settings

    return Settings(
        regularization=args.regularization,
        l1_ratio=args.l1_ratio,
        n_lambdas=args.lambdas,
        folds=args.folds,
        selection=args.selection,
        class_weight=args.class_weight,
        scale=args.scale,
        missing=args.missing,
        n_jobs=args.jobs,
        verbose=0 if args.quiet else 1,
    )


def load_data(args: argparse.Namespace) -> Dataset:
    from ._data import load_csv, load_demo

    if args.csv is None:
        return load_demo()
    return load_csv(
        args.csv,
        args.target,
        sep=args.sep,
        features=args.features,
        drop=args.drop,
        missing=args.missing,
    )


def run_fit(args: argparse.Namespace) -> int:
    _check_settings(args)
    if not args.no_pictures:
        check_folder(args.out, "--out")
    if args.save_model:
        check_file(args.save_model, "--save-model")
    data = load_data(args)
    print("\n".join(data.notes))
    for line in data.warnings:
        warn(line)
    _check_classes(data, args.folds)
    settings = settings_from(args)
    from ._model import cv_metrics, fit_pipeline

    start = time.perf_counter()
    with OneLineWarnings():
        pipeline = fit_pipeline(data, settings)
        seconds = time.perf_counter() - start
        lambda_ = pipeline.named_steps["model"].lambda_
        metrics = cv_metrics(data, settings, lambda_)
    print("\n".join(report(pipeline, data, settings, seconds, metrics)))
    if args.save_model:
        save_model(pipeline, data, settings, args.save_model)
    if not args.no_pictures:
        write_pictures(pipeline, data, args.out)
    return 0


class OneLineWarnings(warnings.catch_warnings):
    """Warnings raised inside, printed once each as one line on stderr."""

    def __init__(self) -> None:
        super().__init__(record=True)

    def __enter__(self) -> Any:
        self._caught = super().__enter__()
        warnings.simplefilter("always")
        return self._caught

    def __exit__(self, *exc_info: object) -> None:
        super().__exit__(*exc_info)
        seen = set()
        for caught in self._caught:
            text = " ".join(str(caught.message).split())
            if text not in seen:
                seen.add(text)
                warn(text)


def warn(text: str) -> None:
    print(f"{PROG}: warning: {text}", file=sys.stderr)


def note(text: str) -> None:
    print(f"{PROG}: {text}", file=sys.stderr)


def count_cells(n: int) -> str:
    return f"{n} missing cell{'s' if n != 1 else ''}"


# --- the report ----------------------------------------------------------


def report(
    pipeline: Any,
    data: Dataset,
    settings: Settings,
    seconds: float,
    metrics: dict,
) -> list[str]:
    """The lines printed after a fit."""
    model = pipeline.named_steps["model"]
    lines = [_scaling_line(settings, data)]
    if data.levels:
        encoded = ", ".join(f"{c} ({n} levels)" for c, n in data.levels.items())
        lines.append(f"Text columns one-hot encoded: {encoded}.")
    lines += _selection_lines(model, settings, seconds)
    lines.append(_score_line(model, metrics, settings.folds))
    lines += coefficient_lines(pipeline, data)
    return lines


def _scaling_line(settings: Settings, data: Dataset) -> str:
    from ._model import is_sparse

    if settings.scale == "standard" and is_sparse(data):
        what = "each column divided by its standard deviation, not centred " + (
            "(the one-hot columns are kept sparse)"
        )
    else:
        what = {
            "standard": "each column centred and divided by its standard deviation",
            "l2": "each column divided by its L2 norm (--scale l2)",
            "none": "none (--scale none): the penalty weighs columns by their units",
        }[settings.scale]
    return f"Scaling before the fit: {what}."


def _selection_lines(model: Any, settings: Settings, seconds: float) -> list[str]:
    from ..linear_model._logistic_cv import default_grid_size

    penalty = {"l1": "L1", "l2": "L2", "elasticnet": "elastic-net"}[
        settings.regularization
    ]
    if settings.regularization == "elasticnet":
        penalty += f" (l1_ratio {settings.l1_ratio:g})"
    penalty += " penalty"
    if settings.class_weight:
        penalty += " with classes weighted inversely to their frequency"
    rule = (
        "the largest within one standard error of the best CV log-loss"
        if settings.selection == "1se"
        else "the best CV log-loss"
    )
    grid = f"{model.lambdas_.size} lambdas"
    asked = default_grid_size(settings.regularization, settings.n_lambdas)
    if model.lambdas_.size > asked:
        grid += (
            f" ({asked} asked, the grid extended where the CV "
            "score was still improving at its end)"
        )
    return [
        f"{penalty}, {settings.folds}-fold cross-validation over {grid} "
        f"in {seconds:.1f} s.",
        f"Selected lambda = {model.lambda_:.4g} ({rule}; lambda_min = "
        f"{model.lambda_min_:.4g}, lambda_1se = {model.lambda_1se_:.4g}).",
    ]


def _score_line(model: Any, metrics: dict, folds: int) -> str:
    import numpy as np

    from ..linear_model._cv_curve import cv_standard_errors
    from ._model import Metric

    at = int(np.argmin(np.abs(model.lambdas_ - model.lambda_)))
    scores = model.cv_scores_[:, at]
    loss = Metric(
        float(-scores.mean()), float(cv_standard_errors(model.cv_scores_)[at])
    )
    parts = [f"log-loss {loss}"] + [f"{name} {m}" for name, m in metrics.items()]
    return (
        f"Cross-validated at the selected lambda (mean over {folds} folds "
        f"+/- standard error): {', '.join(parts)}."
    )


def coefficient_lines(pipeline: Any, data: Dataset) -> list[str]:
    """The kept columns' coefficients, per unit and per standard deviation."""
    import numpy as np

    from ._model import column_spread, feature_names, original_scale

    names = feature_names(pipeline, data)
    coef, intercept = original_scale(pipeline)
    spread = column_spread(pipeline.named_steps["columns"].transform(data.X))
    per_sd = coef * spread
    weight = np.max(np.abs(per_sd), axis=0)
    kept = np.flatnonzero(np.any(coef != 0, axis=0))
    order = kept[np.lexsort((kept, -weight[kept]))]
    classes = [str(c) for c in pipeline.classes_]
    lines = [f"Columns kept: {kept.size} of {len(names)} (non-zero coefficients)."]
    if kept.size == 0:
        lines.append(
            "  No column is kept at this lambda: the model gives every row the "
            "same probabilities."
        )
    lines += _coefficient_header(classes, data.target)
    shown = [(names[j], coef[:, j], per_sd[:, j]) for j in order[:SHOWN_COEFFICIENTS]]
    shown.append(("intercept", intercept, None))
    lines += _coefficient_table(shown, classes if coef.shape[0] > 1 else [])
    if order.size > SHOWN_COEFFICIENTS:
        lines.append(f"  ... and {order.size - SHOWN_COEFFICIENTS} more")
    return lines


def _coefficient_header(classes: list[str], target: str) -> list[str]:
    if len(classes) == 2:
        what = (
            f"Coefficients on the log-odds of {target} = {classes[1]} "
            f"(against {classes[0]}), largest |per SD| first:"
        )
    else:
        what = (
            f"Coefficients of each class of {target} (multinomial: the "
            "difference of two classes' is their log-odds; zeros left out), "
            "largest |per SD| first:"
        )
    return [
        what,
        "  per unit: change per unit of the column as it is in the file (a "
        "text level: 1 for rows with it, 0 otherwise);",
        "  per SD: change per standard deviation of the column, comparable "
        "across columns.",
    ]


def _coefficient_table(
    rows: list[tuple[str, Any, Any]], classes: list[str]
) -> list[str]:
    """One line per column (two classes) or per non-zero (column, class)."""
    width = min(40, max(12, *(len(name) for name, _, _ in rows)))
    label = max([5, *(len(c) for c in classes)]) if classes else 0
    head = "  " + "column".ljust(width)
    if classes:
        head += "  " + "class".ljust(label)
    lines = [head + "per unit".rjust(12) + "per SD".rjust(12)]
    for name, unit, sd in rows:
        shown = name if len(name) <= width else name[: width - 1] + "~"
        for k in range(len(unit)):
            if classes and unit[k] == 0 and sd is not None:
                continue
            line = "  " + shown.ljust(width)
            if classes:
                line += "  " + classes[k].ljust(label)
            line += _number(unit[k]).rjust(12)
            lines.append(line + ("" if sd is None else _number(sd[k]).rjust(12)))
            shown = ""
    return lines


def _number(value: float) -> str:
    return "0" if value == 0 else f"{value:+.4g}"


# --- saving and pictures ---------------------------------------------------


def save_model(pipeline: Any, data: Dataset, settings: Settings, path: str) -> None:
    import joblib

    from ._model import bundle

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    joblib.dump(bundle(pipeline, data, settings, package_version()), path)
    print(
        f"Saved the model to {path}; predict with: {PROG} predict "
        f"{shlex.quote(path)} NEW.csv"
    )


def write_pictures(pipeline: Any, data: Dataset, out: str) -> list[str]:
    """path.png and cv.png in ``out``; a note instead without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        print(
            "pictures skipped: matplotlib is not installed "
            "(python -m pip install 'sklearn-norm[plot]')",
            file=sys.stderr,
        )
        return []
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from .._plot import plot_cv, plot_path
    from ._model import feature_names

    model = pipeline.named_steps["model"]
    names = feature_names(pipeline, data)
    os.makedirs(out, exist_ok=True)
    written = []
    for name, draw in (
        ("path.png", lambda: plot_path(model, feature_names=names)),
        ("cv.png", lambda: plot_cv(model)),
    ):
        figure = np.atleast_1d(draw())[0].figure
        path = os.path.join(out, name)
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    print(f"Wrote {' and '.join(written)} (the path of the scaled columns).")
    return written


# --- entry point -------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    predict = bool(argv) and argv[0] == "predict"
    parser = predict_parser() if predict else fit_parser()
    try:
        args = parser.parse_args(argv[1:] if predict else argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if predict:
            from ._predict import run_predict

            return run_predict(args)
        return run_fit(args)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped early: `... | head`
        _silence_stdout()
        return 141
    except (ValueError, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """Send what is left of stdout to /dev/null, so that Python's exit does
    not complain about the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor (captured output)
        pass
