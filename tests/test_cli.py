"""sklearn-norm fit, in-process through ``main``: the report, scaling and
coefficients on the input columns' scale, options, pictures, one-line errors."""

import csv
import re

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from sklearn_norm import RegularizedLogisticRegression
from sklearn_norm.cli._main import main
from sklearn_norm.cli._model import Settings, original_scale, preprocessing

DRAW = ["--lambdas", "10", "--folds", "3", "--quiet"]
FAST = [*DRAW, "--no-pictures"]


def write_csv(path, header, rows, delimiter=","):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def numbers_data(n=150, seed=0):
    """Three columns of different offsets and spreads; y from two of them."""
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.normal(50, 10, n),  # a
            rng.normal(-3, 0.5, n),  # b
            rng.normal(1000, 200, n),  # c, no effect
        ]
    )
    logit = 0.15 * (X[:, 0] - 50) - 2.0 * (X[:, 1] + 3)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return np.round(X, 4), y


@pytest.fixture
def numbers_csv(tmp_path):
    X, y = numbers_data()
    rows = [[*map(str, x), str(t)] for x, t in zip(X, y, strict=True)]
    return write_csv(tmp_path / "numbers.csv", ["a", "b", "c", "y"], rows)


def run(capsys, args):
    code = main(args)
    captured = capsys.readouterr()
    assert "np." not in captured.out + captured.err  # no numpy reprs
    return code, captured.out, captured.err


def test_report_on_a_csv(numbers_csv, tmp_path, capsys):
    code, out, _ = run(capsys, [numbers_csv, "--target", "y", *FAST])
    assert code == 0
    assert "numbers.csv: 150 rows, 4 columns (comma-separated)." in out
    assert "Fitting on 150 rows: 3 number and 0 text columns; target y" in out
    assert "L1 penalty, 3-fold cross-validation over " in out
    assert "Cross-validated at the selected lambda (mean over 3 folds" in out
    assert "log-loss 0." in out and "ROC AUC" in out
    assert "Coefficients on the log-odds of y = 1 (against 0)" in out
    table = out.split("per SD\n", 2)[-1]
    assert table.splitlines()[0].split()[0] == "a"  # largest |per SD| first
    assert "intercept" in table


def test_progress_lines(numbers_csv, capsys):
    main(
        [
            numbers_csv,
            "--target",
            "y",
            "--lambdas",
            "5",
            "--folds",
            "3",
            "--no-pictures",
        ]
    )
    assert capsys.readouterr().out.count("fold ") >= 3


def saved_pipeline(tmp_path, csv_path, *options):
    import joblib

    model = str(tmp_path / "m.joblib")
    assert (
        main([csv_path, "--target", "y", *FAST, "--save-model", model, *options]) == 0
    )
    return joblib.load(model)


@pytest.mark.parametrize("scale", ["standard", "l2", "none"])
def test_original_scale_matches_an_unpenalized_fit_on_raw_data(scale):
    """The back-transformation, against an independent fit: without a
    penalty the model on scaled columns is the model on raw columns."""
    X, y = numbers_data()
    data = load_csv_like(X, y)
    settings = Settings(scale=scale)
    model = RegularizedLogisticRegression(None, tol=1e-10)
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([*preprocessing(data, settings), ("model", model)])
    pipeline.fit(data.X, data.y)
    coef, intercept = original_scale(pipeline)
    raw = RegularizedLogisticRegression(None, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(coef, raw.coef_, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(intercept, raw.intercept_, rtol=1e-5)
    np.testing.assert_allclose(
        _sigmoid(X @ coef.T + intercept), raw.predict_proba(X)[:, 1:], atol=1e-8
    )


def load_csv_like(X, y):
    from sklearn_norm.cli._data import Dataset

    k = X.shape[1]
    return Dataset(X, y, [f"x{j}" for j in range(k)], [False] * k, [False] * k, "y")


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_reported_coefficients_match_a_fit_on_standardized_data(
    numbers_csv, tmp_path, capsys
):
    """The printed per-unit coefficients and intercept predict what an
    independent fit on standardized columns, at the selected lambda,
    predicts."""
    saved = saved_pipeline(tmp_path, numbers_csv, "--selection", "min")
    out = capsys.readouterr().out
    X, y = numbers_data()
    lambda_ = saved["pipeline"].named_steps["model"].lambda_
    scaler = StandardScaler().fit(X)
    fit = RegularizedLogisticRegression("l1", lambda_=lambda_, tol=1e-10)
    fit.fit(scaler.transform(X), y)
    expected = fit.predict_proba(scaler.transform(X))[:, 1]
    coef, intercept = original_scale(saved["pipeline"])
    np.testing.assert_allclose(coef[0], fit.coef_[0] / scaler.scale_, rtol=1e-4)
    np.testing.assert_allclose(
        _sigmoid(X @ coef[0] + intercept[0]), expected, atol=1e-5
    )
    np.testing.assert_allclose(
        saved["pipeline"].predict_proba(X)[:, 1], expected, atol=1e-5
    )
    printed = dict(_printed_coefficients(out))
    for name, value in zip(["a", "b", "c"], coef[0], strict=True):
        if value != 0:
            assert printed[name] == pytest.approx(value, rel=1e-3)
    assert printed["intercept"] == pytest.approx(intercept[0], rel=1e-3)


def _printed_coefficients(out):
    table = out.split("per SD\n", 2)[-1]
    for line in table.splitlines():
        parts = line.split()
        if len(parts) >= 2 and line.startswith("  "):
            yield parts[0], float(parts[1])


def test_offsets_do_not_change_the_model_and_units_scale_it(tmp_path, capsys):
    """With standardization, which columns are kept and their per-SD
    coefficients do not depend on a column's offset or unit."""
    X, y = numbers_data()
    reports = []
    for shift, factor in [(0.0, 1.0), (1e4, 1.0), (0.0, 100.0)]:
        Z = X.copy()
        Z[:, 0] = Z[:, 0] * factor + shift
        rows = [[*map(repr, z), str(t)] for z, t in zip(Z, y, strict=True)]
        path = write_csv(tmp_path / "s.csv", ["a", "b", "c", "y"], rows)
        assert main([path, "--target", "y", *FAST]) == 0
        out = capsys.readouterr().out
        reports.append(out.split("per SD\n", 2)[-1].split("intercept")[0])
    assert reports[1] == reports[0]
    first, scaled = (dict(_printed_sd(r)) for r in (reports[0], reports[2]))
    assert first == pytest.approx(scaled, rel=1e-3)


def _printed_sd(table):
    for line in table.splitlines():
        parts = line.split()
        if len(parts) == 3:
            yield parts[0], float(parts[2])


@pytest.mark.parametrize(
    "scale, text",
    [("l2", "divided by its L2 norm"), ("none", "--scale none")],
)
def test_scale_option(numbers_csv, capsys, scale, text):
    code, out, _ = run(capsys, [numbers_csv, "--target", "y", "--scale", scale, *FAST])
    assert code == 0 and text in out and "per unit" in out


def penguins(tmp_path, n=60, delimiter=";"):
    """Penguin-like data: a text target, text columns, missing values and an
    identifier."""
    rng = np.random.default_rng(1)
    species = rng.choice(["Adelie", "Gentoo", "Chinstrap"], n)
    island = np.where(species == "Gentoo", "Biscoe", rng.choice(["Dream", "Biscoe"], n))
    bill = 39 + 9 * (species != "Adelie") + rng.normal(0, 2.5, n)
    mass = 3700 + 1400 * (species == "Gentoo") + rng.normal(0, 400, n)
    rows = []
    for i in range(n):
        rows.append(
            [
                f"P{i:03d}",
                species[i],
                island[i],
                "NA" if i in (4, 30) else f"{bill[i]:.1f}".replace(".", ","),
                f"{mass[i]:.0f}",
                "" if i == 11 else rng.choice(["male", "female"]),
            ]
        )
    header = ["id", "species", "island", "bill_length_mm", "body_mass_g", "sex"]
    return write_csv(tmp_path / "penguins.csv", header, rows, delimiter)


def test_text_columns_missing_values_and_multiclass(tmp_path, capsys):
    path = penguins(tmp_path)
    args = [path, "--target", "species", "--drop", "id", *FAST]
    code, _, err = run(capsys, [*args, "--out", str(tmp_path)])
    assert code == 2
    assert "column 'bill_length_mm' has a missing value ('NA') on line 6" in err
    assert "--missing drop" in err and "--missing impute" in err
    args[-1:] = ["--out", str(tmp_path)]  # with pictures
    code, out, err = run(capsys, [*args, "--missing", "impute"])
    assert code == 0, err
    assert "(semicolon-separated)" in out and "Read decimal commas" in out
    assert "Text columns one-hot encoded: island (2 levels), sex (2 levels)." in out
    assert "filled 3 missing cells (bill_length_mm 2, sex 1)" in out
    assert "target species with 3 classes (Adelie: " in out
    assert "ROC AUC" not in out and "accuracy" in out
    assert "Coefficients of each class of species (multinomial" in out
    assert re.search(r"\n  \S+\s+(Adelie|Chinstrap|Gentoo)\s+[+-]", out)
    assert (tmp_path / "path.png").exists() and (tmp_path / "cv.png").exists()
    code, out, _ = run(capsys, [*args, "--missing", "drop", "--no-pictures"])
    assert "--missing drop: left out 3 rows with a missing value" in out


def test_sparse_one_hot_scales_without_centring(tmp_path, monkeypatch, capsys):
    import sklearn_norm.cli._model as model_module

    monkeypatch.setattr(model_module, "DENSE_LIMIT", 0)
    path = penguins(tmp_path, delimiter=",")
    saved = saved_pipeline_for(tmp_path, path, "species", "--missing", "drop")
    out = capsys.readouterr().out
    assert "not centred" in out
    pipeline = saved["pipeline"]
    coef, intercept = original_scale(pipeline)
    encoded = pipeline.named_steps["columns"].transform(
        np.array([["Dream", "40,1", "3500", "male"]], dtype=object)
    )
    scores = encoded @ coef.T + intercept
    expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    got = pipeline.predict_proba(
        np.array([["Dream", "40,1", "3500", "male"]], dtype=object)
    )
    np.testing.assert_allclose(got, expected, atol=1e-10)


def saved_pipeline_for(tmp_path, path, target, *options):
    import joblib

    model = str(tmp_path / "m.joblib")
    args = [path, "--target", target, "--drop", "id", *FAST, "--save-model", model]
    assert main([*args, *options]) == 0
    return joblib.load(model)


def test_model_options_reach_the_estimator(numbers_csv, monkeypatch, capsys):
    import sklearn_norm.cli._model as model_module

    seen = {}
    fit = model_module.fit_pipeline

    def spy(data, settings):
        pipeline = fit(data, settings)
        seen["model"] = pipeline.named_steps["model"]
        return pipeline

    monkeypatch.setattr(model_module, "fit_pipeline", spy)
    args = [numbers_csv, "--target", "y", *FAST, "--regularization", "elasticnet"]
    args += ["--l1-ratio", "0.3", "--selection", "min", "--class-weight", "balanced"]
    assert main([*args, "--jobs", "1"]) == 0
    model = seen["model"]
    assert (model.regularization, model.l1_ratio, model.selection) == (
        "elasticnet",
        0.3,
        "min",
    )
    assert model.class_weight == "balanced" and model.n_jobs == 1
    assert model.n_lambdas == 10 and model.cv.n_splits == 3 and model.cv.shuffle
    assert "elastic-net (l1_ratio 0.3) penalty" in capsys.readouterr().out


def test_pictures_skipped_without_matplotlib(
    numbers_csv, tmp_path, monkeypatch, capsys
):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    args = [numbers_csv, "--target", "y", *DRAW, "--out", str(tmp_path)]
    code, out, err = run(capsys, args)
    assert code == 0 and "Coefficients" in out
    assert err.strip() == (
        "pictures skipped: matplotlib is not installed "
        "(python -m pip install 'sklearn-norm[plot]')"
    )


def test_output_paths_are_checked_before_the_fit(
    numbers_csv, tmp_path, monkeypatch, capsys
):
    def no_fit(*args):
        raise AssertionError("fitted")

    monkeypatch.setattr("sklearn_norm.cli._model.fit_pipeline", no_fit)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for option, path, match in [
        ("--out", str(a_file), "--out .*file: a file of that name exists"),
        ("--out", str(a_file / "sub"), "is a file, not a folder"),
        ("--save-model", str(tmp_path), "is a folder; give a file name"),
        ("--save-model", str(a_file / "m.joblib"), "is a file, not a folder"),
    ]:
        code, _, err = run(capsys, [numbers_csv, "--target", "y", option, path])
        assert code == 2 and re.search(match, err) and err.count("\n") == 1


def test_no_pictures_skips_the_out_folder(numbers_csv, tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, out, _ = run(
        capsys, [numbers_csv, "--target", "y", *FAST, "--out", str(a_file)]
    )
    assert code == 0 and "Wrote" not in out and a_file.read_text() == "x"


def test_help_shows_every_default_and_why(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for default in [
        "(default: l1)",
        "(default: 1se)",
        "(default: 100; 40 with --regularization l2",
        "(default: 5)",
        "(default: 0.5)",
        "(default: standard)",
        "(default: error)",
        "(default: detected)",
        "(default: sklearn-norm-output)",
    ]:
        assert default in " ".join(text.split()), default
    flat = " ".join(text.split())
    assert 'defaults to an L2 penalty and selection="min"' in flat
    assert "one-standard-error rule" in flat and "sklearn-norm predict" in flat


def test_version(capsys):
    from sklearn_norm import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"sklearn-norm {__version__}\n"


def test_warnings_are_one_line(tmp_path, capsys):
    X, y = numbers_data(60)
    rows = [
        [str(i + 1), *map(str, x), str(t)]
        for i, (x, t) in enumerate(zip(X, y, strict=True))
    ]
    path = write_csv(tmp_path / "ids.csv", ["n", "a", "b", "c", "y"], rows)
    code, _, err = run(capsys, [path, "--target", "y", *FAST])
    assert code == 0
    assert err == (
        "sklearn-norm: warning: column 'n' has a different value on every row "
        "(an identifier?); --drop n leaves it out\n"
    )


@pytest.mark.parametrize(
    "header, rows, args, match",
    [
        (None, None, ["missing.csv", "--target", "y"], "no such file: missing.csv"),
        (["a", "y"], [["1", "0"], ["2", "1"]], ["--target", "z"], "no column 'z'"),
        (
            ["a", "y"],
            [["1", "0"], ["2", "1"]],
            ["--target", "y", "--drop", "q"],
            "--drop: no column 'q' in .*; the columns are: a, y",
        ),
        (
            ["y", "a", "y"],
            [["0", "1", "0"], ["1", "2", "1"]],
            ["--target", "y"],
            r"the header repeats 'y' \(columns 1, 3\)",
        ),
        (
            ["a", "y"],
            [["1", "0.5"], ["2", "1"]],
            ["--target", "y"],
            "non-integer numbers.*needs class labels",
        ),
        (
            ["a", "y"],
            [["", "0"], ["2", "1"]],
            ["--target", "y"],
            r"column 'a' has a missing value \(''\) on line 2; use --missing drop",
        ),
        (
            ["a", "y"],
            [["1", "NA"], ["2", "1"]],
            ["--target", "y"],
            "target 'y' has a missing value .* line 2",
        ),
        (["a", "y"], [["1", "0"], ["2", "0"]], ["--target", "y"], "only one class"),
        (["a", "y"], [["1", "0", "5"]], ["--target", "y"], "line 2: 3 fields"),
        (["a", "y"], [], ["--target", "y"], "no data rows"),
        (["a", "y"], [["1", "0"], ["2", "1"]], [], "--target COLUMN is required"),
        (
            ["a", "y"],
            [["1", "0"], ["2", "1"]],
            ["--target", "y"],
            "class '0' of y has 1 rows, fewer than --folds 5",
        ),
        (
            ["a", "y"],
            [["1", "0"], ["2", "1"]],
            ["--target", "y", "--sep", "ab"],
            "--sep 'ab': give one character",
        ),
        (
            ["a", "y"],
            [["1", "0"], ["2", "1"]],
            ["--target", "y", "--folds", "x"],
            "argument --folds: 'x' is not an integer",
        ),
        (
            ["a", "y"],
            [["1", "0"], ["2", "1"]],
            ["--target", "y", "--folds", "1"],
            "--folds must be at least 2",
        ),
        (["a", "y"], [["inf", "0"], ["2", "1"]], ["--target", "y"], "infinite value"),
        (
            ["a", "y"],
            [["1", "0"], ["2", "1"]],
            ["--features", "a"],
            "need a CSV file; give the file before",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, header, rows, args, match):
    if header is not None:
        path = write_csv(tmp_path / "d.csv", header, rows)
        args = [*args, path] if args[:1] == ["--features"] else [path, *args]
    code, _, err = run(capsys, [*args, "--out", str(tmp_path)])
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("sklearn-norm: error: ")
    assert re.search(match, err), err
    assert "Traceback" not in err


def test_console_script_is_declared():
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("sklearn-norm") == "sklearn_norm.cli:main"


@pytest.mark.parametrize("regularization, size", [("l1", 100), ("l2", 40)])
def test_default_grid_size_is_the_estimators(numbers_csv, regularization, size, capsys):
    args = [numbers_csv, "--target", "y", "--folds", "3", "--no-pictures"]
    assert main([*args, "--regularization", regularization]) == 0
    out = capsys.readouterr().out
    match = re.search(r"cross-validation over (\d+) lambdas( \((\d+) asked)?", out)
    assert match, out
    assert int(match.group(3) or match.group(1)) == size
