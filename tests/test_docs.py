"""The README's code, the examples and the benchmark scripts run as written."""

import contextlib
import importlib.util
import io
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language):
    """The contents of the README's fenced blocks opened with ```language."""
    blocks, lines, inside, wanted = [], [], False, False
    for line in README.splitlines(keepends=True):
        if line.startswith("```"):
            if inside and wanted:
                blocks.append("".join(lines))
            inside, wanted, lines = not inside, line.strip() == "```" + language, []
        elif inside:
            lines.append(line)
    return blocks


def has_dask() -> bool:
    """Whether the ``dask`` extra is installed."""
    return all(
        importlib.util.find_spec(name) is not None for name in ("dask", "distributed")
    )


def test_readme_python_blocks_run_and_print_what_readme_shows():
    blocks = code_blocks("python")
    assert blocks, "README has no python example"
    if not has_dask():  # the "Scaling out" example needs the dask extra
        blocks = [block for block in blocks if "import dask" not in block]
    if importlib.util.find_spec("torch") is None:  # "Arrays on a GPU"
        blocks = [block for block in blocks if "import torch" not in block]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in blocks:
            exec(compile(block, "README.md", "exec"), {})
    # The first output block shown in the README is what the first example prints.
    shown = code_blocks("")[0]
    assert printed.getvalue().startswith(shown)


def test_readme_test_command_is_the_ci_command():
    command = 'python -m pip install -e ".[test,dask]" && python -m pytest'
    assert command in README
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "script", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.name
)
def test_examples_run(script, capsys):
    if "dask" in script.name and not has_dask():
        pytest.skip("the dask extra is not installed")
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out


def test_benchmark_script_runs_at_small_scale(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    module = runpy.run_path(str(ROOT / "benchmarks" / "bench_normalize.py"))
    assert module["main"](["--scale", "0.002", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    for problem in ("float64", "float32", "CSR"):
        assert problem in out
    assert "ours/sk" in out
    sys.modules.pop("bench_normalize", None)


def test_logistic_benchmark_runs_at_small_scale(capsys):
    module = runpy.run_path(str(ROOT / "benchmarks" / "bench_logistic.py"))
    argv = ["--scale", "0.02", "--repeats", "1", "--only", "L1 0.1 lmax"]
    assert module["main"](argv) == 0
    out = capsys.readouterr().out
    for row in ("dense L1 0.1 lmax", "ours (auto)", "sklearn saga", "passes over X"):
        assert row in out
    assert "worst ours / fastest precise peer" in out


def test_cv_benchmark_runs_at_small_scale(capsys):
    module = runpy.run_path(str(ROOT / "benchmarks" / "bench_cv.py"))
    argv = ["--scale", "0.02", "--skip-liblinear", "--repeats", "1"]
    assert module["main"](argv) == 0
    out = capsys.readouterr().out
    for row in (
        "RegularizedLogisticRegressionCV",
        "GridSearchCV(RegularizedLogisticRegression)",
        "sklearn LogisticRegressionCV",
    ):
        assert row in out


def test_array_api_benchmark_runs_at_small_scale(capsys):
    module = runpy.run_path(str(ROOT / "benchmarks" / "bench_array_api.py"))
    argv = ["--scale", "0.01", "--repeats", "1", "--only", "float64, L1"]
    assert module["main"](argv) == 0
    out = capsys.readouterr().out
    for row in ("## Normalizers", "| numpy | rows", "binary 400x200 float64, L1"):
        assert row in out
    assert "ours at the default tol" in out


def test_threads_benchmark_runs_on_one_problem(capsys):
    module = runpy.run_path(str(ROOT / "benchmarks" / "bench_threads.py"))
    args = ["--only", "breast cancer l2 0.01", "--repeats", "1"]
    assert module["main"](args) == 0
    out = capsys.readouterr().out
    assert "breast cancer l2 0.01" in out and "worst ours default / one thread" in out


def test_validation_benchmark_runs_at_small_scale(capsys):
    module = runpy.run_path(str(ROOT / "benchmarks" / "bench_validation.py"))
    assert module["main"](["--scale", "0.01", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    for row in ("dense C", "dense Fortran", "dense float32", "sparse CSR 1%"):
        assert row in out


def test_dask_benchmark_runs_at_small_scale(capsys):
    if not has_dask():
        pytest.skip("the dask extra is not installed")
    module = runpy.run_path(str(ROOT / "benchmarks" / "bench_dask.py"))
    argv = ["--n-samples", "4000", "--n-features", "10", "--repeats", "1"]
    argv += ["--workers", "1", "--chunks", "2"]
    rows = module["main"](argv + ["--peers"])  # no dask-ml solver
    out = capsys.readouterr().out
    for row in (
        "ours (dask, tol=1e-06)",
        "ours (in memory, numpy X)",
        "driver peak MB",
    ):
        assert row in out
    assert {row["problem"] for row in rows} == {"l2", "l1"}
    assert all(row["gap"] < 1e-9 for row in rows)


def test_cv_quality_benchmark_runs_at_small_scale(capsys):
    module = runpy.run_path(str(ROOT / "benchmarks" / "bench_cv_quality.py"))
    argv = ["--data", "wine", "--penalties", "l2", "--repeats", "1"]
    assert module["main"](argv) == 0
    out = capsys.readouterr().out
    for row in ("wine", "ours", "sklearn", "worst: ours - sklearn log-loss"):
        assert row in out


def test_path_glmnet_benchmark_runs_on_wine(capsys):
    """Ours alone when R's glmnet is absent, both otherwise."""
    module = runpy.run_path(str(ROOT / "benchmarks" / "bench_path_glmnet.py"))
    assert module["main"](["--only", "wine", "--penalties", "l1"]) == 0
    out = capsys.readouterr().out
    for row in ("wine 178x13, 3 classes, l1", "worst gap", "default BLAS threads"):
        assert row in out
    glmnet_rows = [line for line in out.splitlines() if line.startswith("glmnet ")]
    assert len(glmnet_rows) == (6 if module["glmnet_available"]() else 0)
