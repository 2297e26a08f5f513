"""python -m sklearn_norm / sklearn-norm: the demo, a CSV, bad input."""

import csv
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from sklearn_norm._cli import main  # noqa: E402


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def good_csv(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    labels = np.where(X[:, 0] + 0.5 * rng.normal(size=80) > 0, "spam", "ham")
    rows = [[*map(str, x), label] for x, label in zip(X, labels, strict=True)]
    return write_csv(tmp_path / "data.csv", ["a", "b", "c", "kind"], rows)


def test_demo_writes_report_and_pictures(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "breast cancer" in out and "lambda_min =" in out and "lambda_1se =" in out
    assert "non-zero coefficients:" in out and "worst" in out  # feature names
    for name in ("path.png", "cv.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_csv_with_options(good_csv, tmp_path, capsys):
    code = main(
        [
            good_csv,
            "--target",
            "kind",
            "--regularization",
            "l2",
            "--out",
            str(tmp_path / "out"),
            "--folds",
            "4",
            "--lambdas",
            "10",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "80 samples, 3 features" in out and "4-fold CV over" in out
    assert (tmp_path / "out" / "cv.png").exists()


def test_progress_lines(good_csv, tmp_path, capsys):
    main([good_csv, "--target", "kind", "--out", str(tmp_path), "--folds", "3"])
    assert capsys.readouterr().out.count("fold ") >= 3


@pytest.mark.parametrize(
    "header, rows, args, match",
    [
        (None, None, ["missing.csv", "--target", "y"], "no such file: missing.csv"),
        (["a", "y"], [["1", "0"], ["2", "1"]], ["--target", "z"], "no column 'z'"),
        (["a", "y"], [["x", "0"], ["2", "1"]], ["--target", "y"], "'a' is not numeric"),
        (["a", "y"], [["", "0"], ["2", "1"]], ["--target", "y"], "missing or infinite"),
        (["a", "y"], [["1", "0"], ["2", "0"]], ["--target", "y"], "only one class"),
        (["a", "y"], [["1", "0", "5"]], ["--target", "y"], "line 2: 3 fields"),
        (["a", "y"], [], ["--target", "y"], "no data rows"),
        (["a", "y"], [["1", "0"], ["2", "1"]], [], "--target COLUMN is required"),
        (["a", "y"], [["1", "0"], ["2", "1"]], ["--target", "y"], "fewer than"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(tmp_path, capsys, header, rows, args, match):
    if header is not None:
        args = [write_csv(tmp_path / "d.csv", header, rows), *args]
    code = main([*args, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and err.startswith("sklearn-norm: error: ")
    assert match in err and "Traceback" not in err


def test_python_dash_m_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_norm", "--out", str(tmp_path), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "lambda_1se" in result.stdout and (tmp_path / "path.png").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "sklearn_norm", "nope.csv", "--target", "y"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_console_script_is_declared():
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("sklearn-norm") == "sklearn_norm._cli:main"
