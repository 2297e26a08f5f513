"""Reading the delimited text files people have, for the command line.

:func:`read_table` reads a file with a header row: the delimiter (comma,
semicolon, tab or runs of spaces) and the quote character (double or single
quotes) are detected from its first lines, cells are kept as text, and the
physical line of every row is kept for messages (the header, blank lines and
newlines inside quoted cells all count, as ``csv.reader``'s ``line_num``).
:func:`analyse_column` decides whether a column holds numbers or text and
where its missing values are. :func:`numbers_from_cells` and
:func:`text_from_cells` turn raw cells into what the fitted pipeline encodes;
they are its first steps, so a saved model parses new rows the same way.

Only the standard library and numpy are used, so that the command line's
input errors are reported without importing scikit-learn.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ._errors import UsageError, quoted

# Cells that spreadsheets, R and pandas write for a missing value (compared
# after stripping spaces, ignoring case).
MISSING = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "?"})
MISSING_HELP = "empty, NA, N/A, nan, null, none or ?"

# --sep spellings; " " stands for runs of spaces and tabs.
SEPARATOR_NAMES = {
    ",": ",",
    "comma": ",",
    ";": ";",
    "semicolon": ";",
    "\\t": "\t",
    "\t": "\t",
    "tab": "\t",
    " ": " ",
    "space": " ",
    "whitespace": " ",
}
_DESCRIPTIONS = {",": "comma", ";": "semicolon", "\t": "tab", " ": "space"}
_CANDIDATES = (",", ";", "\t", " ")
_SNIFF_LINES = 50
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,?\d+")


@dataclass
class Table:
    """The cells of a file with a header row, and where they came from."""

    path: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # physical line (1-based) where each row starts
    delimiter: str

    @property
    def format(self) -> str:
        """The delimiter in words, for the report."""
        return _DESCRIPTIONS.get(self.delimiter, quoted(self.delimiter))

    def cells(self, name: str) -> list[str]:
        """The cells of column ``name``."""
        j = self.header.index(name)
        return [row[j] for row in self.rows]

    def check_columns(self, names: Iterable[str], what: str) -> None:
        """Refuse names that are not columns, listing the columns."""
        unknown = [name for name in names if name not in self.header]
        if unknown:
            raise UsageError(
                f"{what}: no column {', '.join(map(quoted, unknown))} in "
                f"{self.path}{self._suggestion(unknown[0])}; the columns are: "
                f"{', '.join(self.header)}"
            )

    def _suggestion(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.header, n=1, cutoff=0.6)
        folded = [h for h in self.header if h.casefold() == name.casefold()]
        match = (folded or close or [None])[0]
        return f" (did you mean {quoted(match)}?)" if match else ""


def separator(option: str | None) -> str | None:
    """The delimiter that ``--sep`` names (None: detect it)."""
    if option is None:
        return None
    key = option if option.strip() == "" else option.strip().lower()
    if key in SEPARATOR_NAMES:
        return SEPARATOR_NAMES[key]
    if len(option) == 1 and option not in "\"'\r\n":
        return option
    raise UsageError(
        f"--sep {quoted(option)}: give one character, or one of "
        "comma, semicolon, tab (or \\t), space (or whitespace)"
    )


def read_table(path: str, sep: str | None = None) -> Table:
    """The header and rows of ``path``; ``sep`` (from :func:`separator`)
    overrides the detected delimiter."""
    text = _read_text(path)
    lines = io.StringIO(text, newline="").readlines()
    skip = 0
    if lines and re.fullmatch(r"sep=.\r?\n?", lines[0]):  # Excel's hint line
        sep, skip = sep or lines[0][4], 1
    body = lines[skip:]
    quotechar = _quotechar(body)
    delimiter = sep or _sniff_delimiter(body, quotechar)
    records = _parse(body, delimiter, quotechar, path, first_line=skip + 1)
    if not records:
        raise UsageError(f"{path} is empty: a header row and data rows are needed")
    (line, header), rows = records[0], records[1:]
    if not rows:
        raise UsageError(f"{path} has a header but no data rows")
    names = _names(header)
    for number, row in rows:
        if len(row) != len(names):
            raise UsageError(
                f"{path}, line {number}: {len(row)} fields, the header (line "
                f"{line}) has {len(names)}; is the delimiter "
                f"{_DESCRIPTIONS.get(delimiter, quoted(delimiter))}? "
                "(--sep sets it)"
            )
    table = Table(path, names, [r for _, r in rows], [n for n, _ in rows], delimiter)
    _check_duplicates(table)
    return _without_empty_unnamed(table)


def _read_text(path: str) -> str:
    if not os.path.exists(path):
        raise UsageError(f"no such file: {path}")
    if os.path.isdir(path):
        raise UsageError(f"{path} is a folder, not a CSV file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return handle.read()
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{path} is not UTF-8 text (byte 0x{error.object[error.start]:02x} "
            f"at offset {error.start}); save it as UTF-8 CSV"
        ) from None
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None


def _quotechar(lines: Sequence[str]) -> str:
    """Single quotes when the header starts with one, else double quotes."""
    for line in lines:
        if line.strip():
            return "'" if line.lstrip().startswith("'") else '"'
    return '"'


def _reader(lines: Iterable[str], delimiter: str, quotechar: str) -> Iterator:
    if delimiter == " ":
        # Runs of spaces and tabs: one space between fields, none around.
        lines = (line.strip(" \t\r\n").replace("\t", " ") + "\n" for line in lines)
        return csv.reader(
            lines, delimiter=" ", quotechar=quotechar, skipinitialspace=True
        )
    return csv.reader(lines, delimiter=delimiter, quotechar=quotechar)


def _sniff_delimiter(lines: Sequence[str], quotechar: str) -> str:
    """The first candidate that splits the first lines into one number (> 1)
    of fields; else the one giving the header the most fields."""
    sample = lines[:_SNIFF_LINES]
    widths = {}
    for delimiter in _CANDIDATES:
        try:
            records = [r for r in _reader(sample, delimiter, quotechar) if _filled(r)]
        except csv.Error:
            continue
        if len(lines) > len(sample):
            records = records[:-1]  # may stop inside a quoted cell
        if not records:
            continue
        counts = {len(record) for record in records}
        if len(counts) == 1 and len(records[0]) > 1:
            return delimiter
        widths[delimiter] = len(records[0])
    return max(widths, key=widths.get, default=",") if widths else ","


def _filled(record: Sequence[str]) -> bool:
    return any(cell.strip() for cell in record)


def _parse(
    lines: Sequence[str], delimiter: str, quotechar: str, path: str, first_line: int
) -> list[tuple[int, list[str]]]:
    """``(physical line where it starts, cells)`` of every non-blank record."""
    reader = _reader(lines, delimiter, quotechar)
    records, end = [], 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if _filled(record):
                records.append((start + first_line - 1, [_clean(c) for c in record]))
    except csv.Error as error:
        raise UsageError(
            f"{path}, line {reader.line_num + first_line - 1}: {error}"
        ) from None
    return records


def _clean(cell: str) -> str:
    """A cell without surrounding spaces or a leftover pair of quotes."""
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "'\"":
        cell = cell[1:-1].strip()
    return cell


def _names(header: Sequence[str]) -> list[str]:
    return [name or f"unnamed{j + 1}" for j, name in enumerate(header)]


def _check_duplicates(table: Table) -> None:
    seen: dict[str, list[int]] = {}
    for j, name in enumerate(table.header):
        seen.setdefault(name, []).append(j + 1)
    repeated = {name: at for name, at in seen.items() if len(at) > 1}
    if repeated:
        which = "; ".join(
            f"{quoted(name)} (columns {', '.join(map(str, at))})"
            for name, at in repeated.items()
        )
        raise UsageError(
            f"{table.path}: the header repeats {which}; give every column its own name"
        )


def _without_empty_unnamed(table: Table) -> Table:
    """Drop columns with neither a name nor a value (a trailing delimiter)."""
    keep = [
        j
        for j, name in enumerate(table.header)
        if not name.startswith("unnamed") or any(row[j] for row in table.rows)
    ]
    if len(keep) == len(table.header):
        return table
    table.header = [table.header[j] for j in keep]
    table.rows = [[row[j] for j in keep] for row in table.rows]
    return table


def is_missing(cell: object) -> bool:
    """Whether a raw cell stands for a missing value."""
    if cell is None:
        return True
    if isinstance(cell, str):
        return cell.strip().lower() in MISSING
    try:
        return bool(np.isnan(cell))
    except TypeError:
        return False


@dataclass
class Column:
    """A column's kind (numbers or text) and its missing cells."""

    name: str
    cells: list[str]
    missing: np.ndarray  # bool per row
    numbers: np.ndarray | None  # float64 per row (nan where missing), or None
    decimal_comma: bool = False

    @property
    def is_text(self) -> bool:
        return self.numbers is None


def analyse_column(table: Table, name: str) -> Column:
    """Numbers when every non-missing cell is one (with decimal commas when
    the delimiter is not a comma and every such cell has the form 1,5)."""
    cells = table.cells(name)
    missing = np.array([is_missing(c) for c in cells], dtype=bool)
    present = [c for c, m in zip(cells, missing, strict=True) if not m]
    comma = table.delimiter != "," and _decimal_commas(present)
    numbers = _to_floats(cells, missing, comma)
    if numbers is not None:
        bad = np.flatnonzero(np.isinf(numbers))
        if bad.size:
            i = int(bad[0])
            raise UsageError(
                f"column {quoted(name)} has an infinite value "
                f"({quoted(cells[i])}) on line {table.lines[i]}; "
                "replace or --drop it"
            )
    return Column(name, cells, missing, numbers, comma)


def _decimal_commas(present: Sequence[str]) -> bool:
    return any("," in c for c in present) and all(
        _DECIMAL_COMMA.fullmatch(c) for c in present
    )


def _to_floats(
    cells: Sequence[str], missing: np.ndarray, comma: bool
) -> np.ndarray | None:
    out = np.full(len(cells), np.nan)
    for i, cell in enumerate(cells):
        if missing[i]:
            continue
        try:
            out[i] = float(cell.replace(",", ".") if comma else cell)
        except ValueError:
            return None
    return out


def numbers_from_cells(
    cells: object, decimal_comma: Sequence[bool] | None = None
) -> np.ndarray:
    """float64 columns from raw cells (text or numbers; missing cells, as
    :func:`is_missing` says, become nan); ``decimal_comma[j]`` reads column
    ``j``'s ``1,5`` as 1.5. The pipeline's first step for number columns."""
    array = np.asarray(cells)
    if array.dtype.kind in "biuf":
        return array.astype(np.float64)
    array = np.asarray(cells, dtype=object)
    out = np.empty(array.shape, dtype=np.float64)
    for j in range(array.shape[1]):
        comma = bool(decimal_comma is not None and decimal_comma[j])
        out[:, j] = [_number(cell, comma) for cell in array[:, j]]
    return out


def _number(cell: object, comma: bool) -> float:
    if is_missing(cell):
        return np.nan
    if isinstance(cell, str):
        text = cell.strip().replace(",", ".") if comma else cell.strip()
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{quoted(cell)} is not a number") from None
    return float(cell)


def text_from_cells(cells: object) -> np.ndarray:
    """Object columns of stripped text from raw cells (missing cells become
    nan). The pipeline's first step for text columns."""
    array = np.asarray(cells, dtype=object)
    out = np.empty(array.shape, dtype=object)
    for index, cell in np.ndenumerate(array):
        out[index] = np.nan if is_missing(cell) else _clean(str(cell))
    return out
