"""The command line's data: the columns of a CSV file (or of the demo) that
the model uses, its target labels, the missing-value policy applied, and the
notes and warnings the report prints about them.

scikit-learn is imported only to load the demo data, so that input errors
are reported fast. A numeric target is refused when
``sklearn.utils.multiclass.type_of_target`` would call it "continuous" (a
value that is not an integer), tested against that function.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ._errors import UsageError, quoted
from ._table import (
    MISSING_HELP,
    Column,
    Table,
    analyse_column,
    read_table,
    separator,
)

MANY_CLASSES = 20  # an integer target with more distinct values is warned about
MISSING_POLICIES = ("error", "drop", "impute")


@dataclass
class Dataset:
    """What the model is fitted on and what the report says about it."""

    X: np.ndarray  # (n_samples, n_columns): raw cells (object) or floats
    y: np.ndarray  # labels: int64 or str
    columns: list[str]
    text: list[bool]
    decimal_comma: list[bool]
    target: str
    levels: dict[str, int] = field(default_factory=dict)  # text column: levels
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_demo() -> Dataset:
    """scikit-learn's breast cancer data."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    columns = [str(name) for name in data.feature_names]
    labels = np.array([str(name) for name in data.target_names])[data.target]
    notes = [
        "No CSV given: the breast cancer data (569 rows, 30 number columns, "
        "target diagnosis: malignant or benign)."
    ]
    k = len(columns)
    return Dataset(
        data.data,
        labels,
        columns,
        [False] * k,
        [False] * k,
        "diagnosis",
        notes=notes,
    )


def load_csv(
    path: str,
    target: str,
    *,
    sep: str | None = None,
    features: Sequence[str] | None = None,
    drop: Sequence[str] = (),
    missing: str = "error",
) -> Dataset:
    """The columns of ``path`` used to predict ``target``, after the
    ``missing`` policy ("error", "drop" or "impute")."""
    table = read_table(path, separator(sep))
    names = _used_columns(table, target, features, drop)
    columns = [analyse_column(table, name) for name in names]
    label = analyse_column(table, target)
    for column in columns:
        if column.missing.all():
            raise UsageError(f"column {quoted(column.name)} has no values; --drop it")
    notes = [
        f"{path}: {len(table.rows)} rows, {len(table.header)} columns "
        f"({table.format}-separated)."
    ]
    keep = _apply_missing(table, columns, label, missing, notes)
    rows = np.flatnonzero(keep)
    y = _labels(table, label, rows)
    data = _assemble(columns, rows, target, notes)
    data.y = y
    data.warnings += _target_warnings(target, y) + _id_warnings(table, columns)
    data.warnings += _stray_text_warnings(table, columns)
    data.notes.insert(1, _summary(data))
    return data


def _used_columns(
    table: Table,
    target: str,
    features: Sequence[str] | None,
    drop: Sequence[str],
) -> list[str]:
    table.check_columns([target], "--target")
    table.check_columns(features or [], "--features")
    table.check_columns(drop, "--drop")
    if target in (features or []) or target in drop:
        option = "--features" if target in (features or []) else "--drop"
        raise UsageError(
            f"{option} names the target {quoted(target)}; the target is never a feature"
        )
    chosen = list(dict.fromkeys(features)) if features else table.header
    names = [n for n in chosen if n != target and n not in set(drop)]
    if not names:
        raise UsageError(
            f"no feature column left in {table.path} besides the target "
            f"{quoted(target)}"
        )
    return names


def _apply_missing(
    table: Table,
    columns: Sequence[Column],
    label: Column,
    policy: str,
    notes: list[str],
) -> np.ndarray:
    """Rows kept (bool); raises under "error" at the first missing cell."""
    if policy not in MISSING_POLICIES:
        raise UsageError(f"--missing must be one of {', '.join(MISSING_POLICIES)}")
    cells = np.column_stack([c.missing for c in columns])
    if policy == "error":
        _refuse_missing(table, columns, label, cells)
    keep = ~label.missing
    if label.missing.any():
        notes.append(
            f"Left out {int(label.missing.sum())} rows without a target value "
            f"(lines {_lines(table, np.flatnonzero(label.missing))})."
        )
    incomplete = cells.any(axis=1) & keep
    if policy == "drop" and incomplete.any():
        keep = keep & ~incomplete
        notes.append(
            f"--missing drop: left out {int(incomplete.sum())} rows with a missing "
            f"value (lines {_lines(table, np.flatnonzero(incomplete))})."
        )
    if policy == "impute" and cells[keep].any():
        counts = cells[keep].sum(axis=0)
        which = ", ".join(
            f"{c.name} {int(n)}" for c, n in zip(columns, counts, strict=True) if n
        )
        notes.append(
            f"--missing impute: filled {int(counts.sum())} missing cells ({which}) "
            "with the column's median (numbers) or most frequent value (text)."
        )
    if keep.sum() < 2:
        raise UsageError(f"{table.path}: fewer than 2 rows left with every value")
    return keep


def _refuse_missing(
    table: Table, columns: Sequence[Column], label: Column, cells: np.ndarray
) -> None:
    if label.missing.any():
        i = int(np.flatnonzero(label.missing)[0])
        raise UsageError(
            f"the target {quoted(label.name)} has a missing value "
            f"({quoted(label.cells[i])}) on line {table.lines[i]}; rows without "
            "a target cannot be used: --missing drop leaves them out"
        )
    if cells.any():
        i, j = (int(k) for k in np.argwhere(cells)[0])
        more = int(cells.sum()) - 1
        raise UsageError(
            f"column {quoted(columns[j].name)} has a missing value "
            f"({quoted(columns[j].cells[i])}) on line {table.lines[i]}"
            + (f" ({more} more missing cells)" if more else "")
            + "; use --missing drop to leave out rows with a missing value, or "
            f"--missing impute to fill them in (missing: {MISSING_HELP})"
        )


def _lines(table: Table, rows: np.ndarray, most: int = 5) -> str:
    shown = ", ".join(str(table.lines[i]) for i in rows[:most])
    return shown + (", ..." if rows.size > most else "")


def _labels(table: Table, label: Column, rows: np.ndarray) -> np.ndarray:
    """Class labels: integers when the target holds integer numbers, text
    otherwise; a target of non-integer numbers is refused."""
    if label.is_text:
        y = np.array([label.cells[i] for i in rows], dtype=str)
    else:
        values = label.numbers[rows]
        fractional = np.flatnonzero(values != np.round(values))
        if fractional.size:  # type_of_target(values) == "continuous"
            i = int(rows[fractional[0]])
            raise UsageError(
                f"the target {quoted(label.name)} holds non-integer numbers "
                f"(e.g. {label.cells[i]} on line {table.lines[i]}): this command "
                "fits a classifier and needs class labels (text, or integer "
                f"codes such as 0 and 1); make a label column from "
                f"{quoted(label.name)} first"
            )
        big = np.abs(values).max() >= 2**53  # not exact as int64: keep the text
        y = np.array(label.cells)[rows] if big else values.astype(np.int64)
    classes = np.unique(y)
    if classes.size < 2:
        raise UsageError(
            f"the target {quoted(label.name)} has only one class "
            f"({quoted(classes[0])}): nothing to classify"
        )
    return y


def _assemble(
    columns: Sequence[Column], rows: np.ndarray, target: str, notes: list[str]
) -> Dataset:
    X = np.empty((rows.size, len(columns)), dtype=object)
    for j, column in enumerate(columns):
        X[:, j] = [column.cells[i] for i in rows]
    data = Dataset(
        X,
        np.empty(0),
        [c.name for c in columns],
        [c.is_text for c in columns],
        [c.decimal_comma for c in columns],
        target,
        notes=notes,
    )
    for column in columns:
        if column.is_text:
            present = {column.cells[i] for i in rows if not column.missing[i]}
            data.levels[column.name] = len(present)
    commas = [c.name for c in columns if c.decimal_comma]
    if commas:
        notes.append(f"Read decimal commas (1,5 as 1.5) in: {', '.join(commas)}.")
    return data


def _summary(data: Dataset, most: int = 8) -> str:
    classes, counts = np.unique(data.y, return_counts=True)
    pairs = zip(classes.tolist(), counts.tolist(), strict=True)
    spread = ", ".join(f"{c}: {n}" for c, n in list(pairs)[:most])
    if classes.size > most:
        spread += ", ..."
    n_text = sum(data.text)
    kinds = f"{len(data.columns) - n_text} number and {n_text} text"
    return (
        f"Fitting on {data.X.shape[0]} rows: {kinds} columns; target "
        f"{data.target} with {classes.size} classes ({spread})."
    )


def _target_warnings(target: str, y: np.ndarray) -> list[str]:
    n = np.unique(y).size
    if y.dtype.kind == "i" and n > MANY_CLASSES:
        return [
            f"the target {quoted(target)} has {n} distinct integer values, each "
            "fitted as a class; if it is a count or a measurement, make a label "
            "column from it first"
        ]
    return []


def _id_warnings(table: Table, columns: Sequence[Column]) -> list[str]:
    """Columns that look like row identifiers."""
    found = []
    n = len(table.rows)
    for column in columns:
        if column.missing.any() or n < 10:
            continue
        if column.is_text:
            looks_like_id = len(set(column.cells)) == n
        else:
            steps = np.diff(column.numbers)
            looks_like_id = bool(np.all(steps == 1))
        if looks_like_id:
            found.append(
                f"column {quoted(column.name)} has a different value on every row "
                f"(an identifier?); --drop {shlex.quote(column.name)} leaves it out"
            )
    return found


def _stray_text_warnings(table: Table, columns: Sequence[Column]) -> list[str]:
    """Text columns whose cells are nearly all numbers (a typo, or a missing
    value written some other way)."""
    found = []
    for column in columns:
        if not column.is_text:
            continue
        words = [
            i
            for i, cell in enumerate(column.cells)
            if not column.missing[i] and not _is_number(cell)
        ]
        present = int((~column.missing).sum())
        if words and len(words) <= 0.05 * present:
            i = words[0]
            found.append(
                f"column {quoted(column.name)} is read as text because of "
                f"{quoted(column.cells[i])} on line {table.lines[i]}, although "
                f"{present - len(words)} of its {present} values are numbers; "
                "if such a cell means missing, write NA"
            )
    return found


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True
