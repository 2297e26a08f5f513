"""Reading CSV files for the command line: delimiters, quotes, physical line
numbers, missing cells, duplicates, column kinds (no model is fitted)."""

import numpy as np
import pytest

from sklearn_norm.cli._data import load_csv
from sklearn_norm.cli._errors import UsageError
from sklearn_norm.cli._table import (
    analyse_column,
    numbers_from_cells,
    read_table,
    separator,
    text_from_cells,
)


def write(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


SPECTOR_LIKE = "'OBS' 'GPA' 'TUCE' 'PSI' 'GRADE'\n1 2.66 20 0 0\n2 2.89 22 0 1\n"


@pytest.mark.parametrize(
    "text, delimiter",
    [
        ('"a","b","y"\n1,2,0\n3,4,1\n', ","),  # fair.csv: double-quoted names
        ("a;b;y\n1,5;2;0\n3;4;1\n", ";"),  # modechoice.csv (decimal comma)
        ("'a'\t'b'\t'y'\n1\t2\t0\n3\t4\t1\n", "\t"),  # anes96.csv
        (SPECTOR_LIKE, " "),  # spector.csv: spaces, single-quoted names
        ("a   b  y\n  1  2 0\n3\t4   1  \n", " "),  # runs of spaces and tabs
        ("sep=;\na;b;y\n1;2;0\n", ";"),  # Excel's hint line
    ],
)
def test_delimiter_and_quotes_are_detected(tmp_path, text, delimiter):
    table = read_table(write(tmp_path, text))
    assert table.delimiter == delimiter
    assert table.header[:2] in (["a", "b"], ["OBS", "GPA"])
    assert all(len(row) == len(table.header) for row in table.rows)


def test_quoted_cells_keep_delimiters_and_newlines(tmp_path):
    text = 'name,note,y\n"Smith, J","two\nlines",0\nLee,plain,1\n'
    table = read_table(write(tmp_path, text))
    assert table.rows[0] == ["Smith, J", "two\nlines", "0"]
    assert table.lines == [2, 4]  # the quoted newline counts as a line


def test_single_quoted_cells_with_spaces(tmp_path):
    table = read_table(write(tmp_path, "'first name' 'y'\n'Ann Lee' 1\n'Bo' 0\n"))
    assert table.header == ["first name", "y"]
    assert table.rows == [["Ann Lee", "1"], ["Bo", "0"]]


@pytest.mark.parametrize(
    "option, expected",
    [
        ("\\t", "\t"),
        ("tab", "\t"),
        ("TAB", "\t"),
        ("space", " "),
        ("whitespace", " "),
        (";", ";"),
        ("semicolon", ";"),
        ("|", "|"),
        (None, None),
    ],
)
def test_sep_spellings(option, expected):
    assert separator(option) == expected


def test_sep_overrides_detection_and_bad_sep_is_refused(tmp_path):
    path = write(tmp_path, "a|b,c|y\n1|2,5|0\n")
    assert read_table(path, separator("|")).header == ["a", "b,c", "y"]
    with pytest.raises(UsageError, match="give one character"):
        separator("::")


def test_line_numbers_count_blank_lines_header_and_quoted_newlines(tmp_path):
    text = 'a,b,y\n\n1,"x\ny",0\n\n\n2,,1\n'
    path = write(tmp_path, text)
    table = read_table(path)
    assert table.lines == [3, 7]
    with pytest.raises(
        UsageError, match=r"column 'b' has a missing value \(''\) on line 7"
    ):
        load_csv(path, "y")


def test_field_count_error_names_the_line_and_the_delimiter(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,0\n\n1,2\n")
    with pytest.raises(UsageError, match="line 4: 2 fields, the header.*comma"):
        read_table(path)


def test_duplicate_names_are_refused(tmp_path):
    path = write(tmp_path, "y,a,y\n0,1,0\n1,2,1\n")
    with pytest.raises(UsageError, match=r"repeats 'y' \(columns 1, 3\)"):
        read_table(path)


def test_trailing_delimiter_column_is_ignored(tmp_path):
    table = read_table(write(tmp_path, "a,y,\n1,0,\n2,1,\n"))
    assert table.header == ["a", "y"]


def test_unnamed_column_with_values_gets_a_name(tmp_path):
    table = read_table(write(tmp_path, ",a,y\n0,1,0\n1,2,1\n"))
    assert table.header == ["unnamed1", "a", "y"]


@pytest.mark.parametrize(
    "text, match",
    [
        ("", "is empty"),
        ("a,y\n", "no data rows"),
        (b"a,y\n\xff,1\n", "not UTF-8"),
    ],
)
def test_unreadable_files(tmp_path, text, match):
    path = tmp_path / "d.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(UsageError, match=match):
        read_table(str(path))


def test_missing_tokens_and_kinds(tmp_path):
    tokens = ["", "NA", "n/a", "NaN", "null", "None", "?", "#N/A"]
    rows = "".join(f"{t},x,1\n" for t in tokens) + "1.5,y,0\n"
    table = read_table(write(tmp_path, "a,b,y\n" + rows))
    a = analyse_column(table, "a")
    assert not a.is_text and a.missing.sum() == len(tokens)
    assert a.numbers[-1] == 1.5
    assert analyse_column(table, "b").is_text


def test_decimal_commas_only_without_comma_delimiter(tmp_path):
    table = read_table(write(tmp_path, "a;y\n1,5;0\n2;1\n"))
    column = analyse_column(table, "a")
    assert column.decimal_comma and column.numbers.tolist() == [1.5, 2.0]
    table = read_table(write(tmp_path, 'a,y\n"1,5",0\n2,1\n'))
    assert analyse_column(table, "a").is_text


def test_infinite_value_is_refused(tmp_path):
    table = read_table(write(tmp_path, "a,y\ninf,0\n1,1\n"))
    with pytest.raises(UsageError, match="infinite value.*line 2"):
        analyse_column(table, "a")


def test_cell_parsers_of_the_pipeline():
    cells = np.array([["1,5", " 2 ", "NA"], ["3", None, "x"]], dtype=object)
    numbers = numbers_from_cells(cells[:, :2], [True, False])
    np.testing.assert_array_equal(numbers, [[1.5, 2.0], [3.0, np.nan]])
    text = text_from_cells(cells[:, 2:])
    assert np.isnan(text[0, 0]) and text[1, 0] == "x"
    with pytest.raises(ValueError, match="'x' is not a number"):
        numbers_from_cells(cells[:, 2:])


def test_load_csv_policies(tmp_path):
    text = "id,a,b,y\n1,1,u,0\n2,,v,1\n3,3,,0\n4,4,u,\n5,5,v,1\n6,6,u,0\n"
    path = write(tmp_path, text)
    with pytest.raises(UsageError, match="target 'y' has a missing value.*line 5"):
        load_csv(path, "y")
    dropped = load_csv(path, "y", missing="drop", drop=["id"])
    assert dropped.X.shape == (3, 2) and dropped.columns == ["a", "b"]
    assert any(
        "left out 2 rows with a missing value (lines 3, 4)" in n for n in dropped.notes
    )
    assert any("1 rows without a target value (lines 5)" in n for n in dropped.notes)
    imputed = load_csv(path, "y", missing="impute", features=["b", "a"])
    assert imputed.columns == ["b", "a"] and imputed.X.shape == (5, 2)
    assert imputed.text == [True, False] and imputed.levels == {"b": 2}
    assert any("filled 2 missing cells (b 1, a 1)" in n for n in imputed.notes)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"features": ["a", "nope"]}, "--features: no column 'nope'.*columns are: "),
        ({"drop": ["zz"]}, "--drop: no column 'zz'"),
        ({"features": ["y"]}, "--features names the target 'y'"),
        ({"drop": ["a", "b"]}, "no feature column left"),
    ],
)
def test_column_options_are_checked(tmp_path, kwargs, match):
    path = write(tmp_path, "a,b,y\n1,2,0\n2,3,1\n")
    with pytest.raises(UsageError, match=match):
        load_csv(path, "y", **kwargs)


def test_target_kinds(tmp_path):
    path = write(tmp_path, "a,y\n1,1.0\n2,0\n3,1\n")
    assert load_csv(path, "y").y.tolist() == [1, 0, 1]  # integer codes
    path = write(tmp_path, "a,y\n1,0.5\n2,1\n3,2\n")
    with pytest.raises(UsageError, match="non-integer numbers.*needs class labels"):
        load_csv(path, "y")
    rows = "".join(f"{i},{i % 25}\n" for i in range(50))
    many = load_csv(write(tmp_path, "a,y\n" + rows), "y")
    assert any("25 distinct integer values" in w for w in many.warnings)


@pytest.mark.parametrize(
    "values",
    [["0", "1"], ["1.0", "2", "-3"], ["0.5", "1"], ["1", "2.000001"], ["1e3", "5"]],
)
def test_continuous_target_as_type_of_target_says(tmp_path, values):
    from sklearn.utils.multiclass import type_of_target

    rows = "".join(f"{i},{v}\n" for i, v in enumerate(values))
    path = write(tmp_path, "a,y\n" + rows)
    continuous = type_of_target(np.array(values, dtype=float)) == "continuous"
    if continuous:
        with pytest.raises(UsageError, match="non-integer numbers"):
            load_csv(path, "y")
    else:
        assert load_csv(path, "y").y.dtype.kind == "i"


def test_identifier_and_stray_text_warnings(tmp_path):
    rows = "".join(
        f"{i + 1},P{i},{i % 3 if i != 7 else 'oops'},{i % 2}\n" for i in range(40)
    )
    data = load_csv(write(tmp_path, "n,code,a,y\n" + rows), "y")
    text = " ".join(data.warnings)
    assert "'n' has a different value on every row" in text
    assert "--drop code" in text
    assert "'a' is read as text because of 'oops' on line 9" in text
