"""``python -m sklearn_norm`` in its own process: the demo, a space-separated
file with a quoted header, a semicolon file with a text column and missing
values, predict, --version, --help and two input errors. The processes run
at the same time (started by one fixture) to keep the suite short."""

import csv
import io
import re
import subprocess
import sys

import numpy as np
import pytest

from sklearn_norm import __version__
from sklearn_norm.cli._main import main

FAST = ["--lambdas", "10", "--folds", "3", "--quiet", "--no-pictures"]


def spector_like(path, n=40):
    """Like statsmodels' spector.csv: spaces, single-quoted header names."""
    rng = np.random.default_rng(0)
    lines = ["'OBS' 'GPA' 'TUCE' 'PSI' 'GRADE'"]
    for i in range(n):
        gpa, tuce, psi = rng.normal(3.1, 0.45), rng.integers(12, 30), i % 2
        grade = int(rng.random() < 1 / (1 + np.exp(-(3 * (gpa - 3.1) + 1.5 * psi - 1))))
        lines.append(f"{i + 1} {gpa:.2f} {tuce} {psi} {grade}")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def semicolon_with_text(path, n=60):
    rng = np.random.default_rng(1)
    rows = []
    for i in range(n):
        kind = rng.choice(["car", "bus", "train"])
        cost = rng.normal(20, 5) + 8 * (kind == "car")
        late = "NA" if i % 17 == 5 else f"{rng.normal(5, 2):.2f}".replace(".", ",")
        chose = int(rng.random() < (0.8 if kind == "car" else 0.3))
        rows.append([kind if i % 13 else "", f"{cost:.1f}", late, chose])
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["mode", "cost", "delay", "chose"])
        writer.writerows(rows)
    return str(path)


def start(*args):
    return subprocess.Popen(
        [sys.executable, "-m", "sklearn_norm", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every command started at once; each test waits for its own."""
    folder = tmp_path_factory.mktemp("runs")
    spector = spector_like(folder / "spector.csv")
    semicolon = semicolon_with_text(folder / "modes.csv")
    model = str(folder / "model.joblib")
    fit = [semicolon, "--target", "chose", "--missing", "impute", *FAST]
    assert main([*fit, "--save-model", model]) == 0
    (folder / "dup.csv").write_text("y,a,y\n0,1,0\n1,2,1\n")
    (folder / "cont.csv").write_text("a,y\n1,0.25\n2,1.5\n3,2.75\n")
    processes = {
        "demo": start("--out", str(folder / "demo"), *FAST[:-1]),
        "spector": start(spector, "--target", "GRADE", "--drop", "OBS", *FAST),
        "semicolon": start(*fit),
        "predict": start("predict", model, semicolon),
        "version": start("--version"),
        "help": start("--help"),
        "duplicate": start(str(folder / "dup.csv"), "--target", "y"),
        "continuous": start(str(folder / "cont.csv"), "--target", "y"),
    }
    results = {}
    yield lambda name: results.setdefault(name, _finish(processes[name])), folder
    for process in processes.values():
        process.kill()
        process.communicate()


def _finish(process):
    stdout, stderr = process.communicate(timeout=120)
    return process.returncode, stdout, stderr


def test_demo(runs):
    result, folder = runs
    code, out, err = result("demo")
    assert code == 0, err
    assert "breast cancer" in out and "lambda_min =" in out and "lambda_1se =" in out
    assert "Scaling before the fit: each column centred and divided by its " in out
    assert re.search(r"accuracy 0\.9\d\d \+/- 0\.\d{3}, ROC AUC 0\.9", out)
    assert re.search(r"Columns kept: \d+ of 30 \(non-zero coefficients\)", out)
    assert "worst" in out and "per unit" in out and "per SD" in out
    assert (folder / "demo" / "path.png").read_bytes()[:4] == b"\x89PNG"
    assert (folder / "demo" / "cv.png").read_bytes()[:4] == b"\x89PNG"


def test_space_separated_file_with_quoted_header(runs):
    code, out, err = runs[0]("spector")
    assert code == 0, err
    assert "40 rows, 5 columns (space-separated)" in out
    assert "3 number and 0 text columns; target GRADE with 2 classes" in out
    assert "Coefficients on the log-odds of GRADE = 1 (against 0)" in out
    assert err == ""  # OBS dropped: no identifier warning


def test_semicolon_file_with_text_and_imputation(runs):
    code, out, err = runs[0]("semicolon")
    assert code == 0, err
    assert "(semicolon-separated)" in out and "Read decimal commas" in out
    assert "Text columns one-hot encoded: mode (3 levels)." in out
    assert "--missing impute: filled " in out and "(mode 5, delay 4)" in out


def test_predict(runs):
    code, out, err = runs[0]("predict")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["predicted", "proba_0", "proba_1"] and len(rows) == 61
    proba = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert "has the target chose" in err and "filled 9 missing cells" in err


def test_version(runs):
    assert runs[0]("version") == (0, f"sklearn-norm {__version__}\n", "")


def test_help_shows_defaults(runs):
    code, out, _ = runs[0]("help")
    flat = " ".join(out.split())
    assert code == 0 and "(default: l1)" in flat and "(default: 1se)" in flat
    assert "(default: 100; 40 with --regularization l2" in flat
    assert "(default: standard)" in flat
    assert 'defaults to an L2 penalty and selection="min"' in flat


@pytest.mark.parametrize(
    "name, message",
    [
        ("duplicate", "the header repeats 'y' (columns 1, 3)"),
        ("continuous", "the target 'y' holds non-integer numbers"),
    ],
)
def test_input_errors(runs, name, message):
    code, out, err = runs[0](name)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("sklearn-norm: error: ")
    assert message in err
