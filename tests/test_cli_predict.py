"""--save-model and ``sklearn-norm predict``: one model fitted once (text
columns, missing values imputed), loaded in Python and used from the shell."""

import csv
import io

import joblib
import numpy as np
import pytest

import sklearn_norm.cli._model as cli_model
from sklearn_norm import __version__
from sklearn_norm.cli import _main as _cli
from sklearn_norm.cli._main import main

HEADER = ["id", "island", "bill", "mass", "sex", "species"]


def penguin_rows(n, seed):
    rng = np.random.default_rng(seed)
    species = rng.choice(["Adelie", "Gentoo"], n)
    rows = []
    for i in range(n):
        gentoo = species[i] == "Gentoo"
        rows.append(
            [
                f"P{seed}{i:03d}",
                "Biscoe" if gentoo else rng.choice(["Dream", "Biscoe"]),
                f"{39 + 8 * gentoo + rng.normal(0, 3):.1f}",
                f"{3700 + 1000 * gentoo + rng.normal(0, 500):.0f}",
                rng.choice(["male", "female"]),
                species[i],
            ]
        )
    rows[3][2] = "NA"
    rows[5][4] = ""
    return rows


def write(path, header, rows, delimiter=","):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """One fit with --save-model; the in-process pipeline kept for comparison."""
    folder = tmp_path_factory.mktemp("model")
    path = write(folder / "train.csv", HEADER, penguin_rows(80, 0), ";")
    model = str(folder / "sub" / "model.joblib")
    kept = {}
    with pytest.MonkeyPatch.context() as patch:
        fit = cli_model.fit_pipeline

        def keep(data, settings):
            kept["pipeline"] = fit(data, settings)
            return kept["pipeline"]

        patch.setattr(cli_model, "fit_pipeline", keep)
        patch.setattr(_cli, "write_pictures", lambda *args: [])
        args = [path, "--target", "species", "--drop", "id", "--missing", "impute"]
        args += ["--lambdas", "10", "--folds", "3", "--quiet", "--save-model", model]
        assert main(args) == 0
    return model, kept["pipeline"], folder


def test_saved_bundle_has_what_predict_needs(fitted):
    path, _, _ = fitted
    saved = joblib.load(path)
    assert saved["columns"] == ["island", "bill", "mass", "sex"]
    assert saved["text_columns"] == ["island", "sex"]
    assert saved["target"] == "species" and saved["classes"] == ["Adelie", "Gentoo"]
    assert saved["missing"] == "impute" and saved["scale"] == "standard"
    assert saved["version"] == __version__
    assert "island=Dream" in saved["feature_names"]


def test_python_use_as_documented(fitted):
    """Raw values in a 2-D array, in the order of saved["columns"]."""
    path, pipeline, _ = fitted
    saved = joblib.load(path)
    rows = np.array(
        [["Dream", "38.5", "3600", "male"], ["Biscoe", 47.1, 5000, "NA"]],
        dtype=object,
    )
    proba = saved["pipeline"].predict_proba(rows)
    np.testing.assert_array_equal(proba, pipeline.predict_proba(rows))
    assert saved["pipeline"].predict(rows).tolist() == ["Adelie", "Gentoo"]


def read_output(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def test_predict_to_stdout_matches_the_in_process_pipeline(fitted, capsys):
    path, pipeline, folder = fitted
    rows = penguin_rows(12, 1)
    new = write(folder / "new.csv", HEADER[:-1], [r[:-1] for r in rows], "\t")
    assert main(["predict", path, new]) == 0
    captured = capsys.readouterr()
    header, body = read_output(captured.out)
    assert header == ["predicted", "proba_Adelie", "proba_Gentoo"]
    proba = np.array([[float(v) for v in row[1:]] for row in body])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    X = np.array([r[1:5] for r in rows], dtype=object)
    np.testing.assert_allclose(proba, pipeline.predict_proba(X), rtol=1e-5)
    assert [row[0] for row in body] == pipeline.predict(X).tolist()
    assert "filled 2 missing cells as in the fit" in captured.err


def test_predict_to_a_file_with_kept_columns_and_the_target(fitted, capsys):
    path, _, folder = fitted
    rows = penguin_rows(10, 2)
    header = ["extra", *HEADER]
    new = write(folder / "labelled.csv", header, [["x", *r] for r in rows])
    out = folder / "pred.csv"
    assert main(["predict", path, new, "--out", str(out), "--keep", "id"]) == 0
    printed = capsys.readouterr().out
    assert f"Wrote 10 predictions to {out}." in printed
    assert "has the target species:" in printed and "labelled rows" in printed
    header, body = read_output(out.read_text())
    assert header == ["id", "predicted", "proba_Adelie", "proba_Gentoo"]
    assert [row[0] for row in body] == [r[0] for r in rows]


@pytest.mark.parametrize(
    "change, match",
    [
        (
            lambda h, r: (h[:2] + h[3:], [x[:2] + x[3:] for x in r]),
            "lacks the column.*'bill' that the model needs; it needs: island, bill",
        ),
        (
            lambda h, r: (h, [x[:2] + ["abc"] + x[3:] for x in r]),
            r"column 'bill' holds text \('abc' on line 2\); the model was fitted "
            "on numbers",
        ),
    ],
)
def test_predict_input_errors(fitted, capsys, change, match):
    import re

    path, _, folder = fitted
    header, rows = change(HEADER, penguin_rows(6, 3))
    new = write(folder / "bad.csv", header, rows)
    assert main(["predict", path, new]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(match, err), err


def test_predict_other_errors(fitted, tmp_path, capsys):
    path, _, folder = fitted
    new = write(tmp_path / "new.csv", HEADER, penguin_rows(6, 4))
    not_model = tmp_path / "x.joblib"
    joblib.dump([1, 2], not_model)
    for args, match in [
        (["predict", str(tmp_path / "nope.joblib"), new], "no such model file"),
        (["predict", str(not_model), new], "is not a model saved by sklearn-norm"),
        (["predict", new, new], "cannot load"),
        (["predict", path, new, "--out", str(tmp_path)], "is a folder"),
        (["predict", path, new, "--keep", "zz"], "--keep: no column 'zz'"),
        (["predict", path], "the following arguments are required: CSV"),
    ]:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and match in err, err


def test_model_fitted_without_imputation_refuses_missing_cells(tmp_path, capsys):
    rows = [r for r in penguin_rows(40, 5) if "NA" not in r and "" not in r]
    train = write(tmp_path / "t.csv", HEADER, rows)
    model = str(tmp_path / "m.joblib")
    args = [train, "--target", "species", "--drop", "id", "--lambdas", "5"]
    args += ["--folds", "2", "--quiet", "--save-model", model, "--out", str(tmp_path)]
    assert main(args) == 0
    new = write(tmp_path / "n.csv", HEADER, penguin_rows(8, 6))
    capsys.readouterr()
    assert main(["predict", model, new]) == 2
    err = capsys.readouterr().err
    assert "column 'bill' has a missing value on line 5" in err
    assert "fitted with --missing error" in err and "--missing impute" in err


def test_closed_pipe_is_quiet(fitted, monkeypatch, capsys):
    """``sklearn-norm predict ... | head``: no error line when the reader stops."""
    import sklearn_norm.cli._predict as cli_predict

    def closed(*args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli_predict, "write_predictions", closed)
    path, _, folder = fitted
    new = write(folder / "pipe.csv", HEADER, penguin_rows(6, 7))
    assert main(["predict", path, new]) == 141
    assert "error" not in capsys.readouterr().err
