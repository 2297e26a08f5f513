"""``sklearn-norm predict MODEL CSV``: the class and class probabilities of
every row of a CSV file, from a model saved by ``sklearn-norm --save-model``
(see ``sklearn_norm.cli._model`` for what the file holds, and
``sklearn_norm.cli._main`` for using it from Python)."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Sequence

import numpy as np

from ._errors import UsageError, quoted
from ._main import (
    PROG,
    OneLineWarnings,
    check_file,
    count_cells,
    note,
    package_version,
    warn,
)
from ._table import Column, Table, analyse_column, is_missing, read_table, separator


def run_predict(args: argparse.Namespace) -> int:
    if not os.path.isfile(args.model):
        raise UsageError(f"no such model file: {args.model}")
    if args.out:
        check_file(args.out, "--out")
    table = read_table(args.csv, separator(args.sep))
    table.check_columns(args.keep, "--keep")
    saved = load_model(args.model)
    X = predictor_input(table, saved)
    with OneLineWarnings():
        proba = saved["pipeline"].predict_proba(X)
    classes = saved["classes"]
    labels = [classes[k] for k in np.argmax(proba, axis=1)]
    write_predictions(args, table, classes, labels, proba)
    _accuracy_note(table, saved, labels, args.out is not None)
    return 0


def load_model(path: str) -> dict:
    import joblib

    try:
        with OneLineWarnings():
            saved = joblib.load(path)
    except Exception as error:  # any unpickling failure: not our file
        raise UsageError(
            f"cannot load {path} ({type(error).__name__}): not a model saved by "
            f"{PROG} --save-model"
        ) from None
    if not isinstance(saved, dict) or "pipeline" not in saved:
        raise UsageError(f"{path} is not a model saved by {PROG} --save-model")
    if saved.get("version") != package_version():
        warn(
            f"{path} was saved by sklearn-norm {saved.get('version')}, this is "
            f"{package_version()}"
        )
    return saved


def predictor_input(table: Table, saved: dict) -> np.ndarray:
    """The model's input columns of ``table`` as raw cells, checked."""
    needed = saved["columns"]
    absent = [name for name in needed if name not in table.header]
    if absent:
        raise UsageError(
            f"{table.path} lacks the column(s) {', '.join(map(quoted, absent))} "
            f"that the model needs; it needs: {', '.join(needed)}"
        )
    X = np.empty((len(table.rows), len(needed)), dtype=object)
    filled = 0
    for j, name in enumerate(needed):
        column = analyse_column(table, name)
        _check_predict_column(table, column, saved)
        filled += int(column.missing.sum())
        X[:, j] = column.cells
    if filled:
        note(f"filled {count_cells(filled)} as in the fit (--missing impute)")
    for name, n in _unknown(saved, X).items():
        warn(
            f"column {quoted(name)}: {n} rows hold a value the fit never saw; "
            "none of its levels counts for them"
        )
    return X


def _check_predict_column(table: Table, column: Column, saved: dict) -> None:
    if column.missing.any() and saved["missing"] != "impute":
        i = int(np.flatnonzero(column.missing)[0])
        raise UsageError(
            f"column {quoted(column.name)} has a missing value on line "
            f"{table.lines[i]}; the model was fitted with --missing "
            f"{saved['missing']}, so it predicts complete rows only (fit with "
            "--missing impute to fill them in)"
        )
    if column.is_text and column.name not in saved["text_columns"]:
        i = _first_text(column)
        raise UsageError(
            f"column {quoted(column.name)} holds text ({quoted(column.cells[i])} "
            f"on line {table.lines[i]}); the model was fitted on numbers there"
        )


def _first_text(column: Column) -> int:
    for i, cell in enumerate(column.cells):
        if not column.missing[i]:
            try:
                float(cell.replace(",", "."))
            except ValueError:
                return i
    return 0


def _unknown(saved: dict, X: np.ndarray) -> dict[str, int]:
    from ._model import unknown_levels

    return unknown_levels(saved, X)


def write_predictions(
    args: argparse.Namespace,
    table: Table,
    classes: Sequence[object],
    labels: Sequence[object],
    proba: np.ndarray,
) -> None:
    header = [*args.keep, "predicted", *(f"proba_{c}" for c in classes)]
    kept = [table.header.index(name) for name in args.keep]
    handle = open(args.out, "w", newline="") if args.out else sys.stdout
    try:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row, label, p in zip(table.rows, labels, proba, strict=True):
            writer.writerow(
                [*(row[j] for j in kept), str(label), *(f"{v:.6g}" for v in p)]
            )
    finally:
        if args.out:
            handle.close()
    if args.out:
        print(f"Wrote {len(labels)} predictions to {args.out}.")


def _accuracy_note(
    table: Table, saved: dict, labels: Sequence[object], to_stdout: bool
) -> None:
    """With the target column in the file: the accuracy on its labelled rows."""

    if saved["target"] not in table.header:
        return
    truth = table.cells(saved["target"])
    pairs = [
        (t, str(p)) for t, p in zip(truth, labels, strict=True) if not is_missing(t)
    ]
    if not pairs:
        return
    right = sum(_same_label(t, p) for t, p in pairs)
    text = (
        f"{table.path} has the target {saved['target']}: {right} of {len(pairs)} "
        f"labelled rows predicted right ({right / len(pairs):.3f})."
    )
    print(text, file=sys.stdout if to_stdout else sys.stderr)


def _same_label(truth: str, predicted: str) -> bool:
    if truth == predicted:
        return True
    try:
        return float(truth) == float(predicted)
    except ValueError:
        return False
