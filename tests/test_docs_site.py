"""The documentation site's sources: complete, linked, and its benchmark page's
numbers computed from the benchmark scripts' tables.

Building the site needs the ``docs`` extra (``.ci/run`` builds it with
warnings as errors); these tests need only the package.
"""

import json
import re
import runpy
import sys
from pathlib import Path

import pytest

import sklearn_norm

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def benchmark_tables():
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        import benchmark_tables

        yield benchmark_tables
    finally:
        sys.path.remove(str(DOCS / "_ext"))
        sys.modules.pop("benchmark_tables", None)


def directive_entries(text: str, directive: str) -> list[str]:
    """The entries of every ``.. directive::`` of an rst page (``autosummary``,
    ``toctree``): its indented lines that are not options."""
    entries, inside = [], False
    for line in text.splitlines():
        if line.startswith(f".. {directive}::"):
            inside = True
        elif inside and line.strip() and not line.startswith(" "):
            inside = False
        elif inside and line.strip() and not line.strip().startswith(":"):
            entries.append(line.strip())
    return entries


def test_api_page_documents_every_public_name():
    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    documented = directive_entries(text, "autosummary")
    assert len(documented) == len(set(documented))
    assert set(documented) == set(sklearn_norm.__all__) - {"__version__"}
    assert ".. data:: __version__" in text


def test_every_page_is_reachable_from_a_toctree():
    guide = directive_entries(
        (DOCS / "user_guide" / "index.rst").read_text(), "toctree"
    )
    assert sorted(guide) == sorted(
        p.stem for p in (DOCS / "user_guide").glob("*.rst") if p.stem != "index"
    )
    top = directive_entries((DOCS / "index.rst").read_text(encoding="utf-8"), "toctree")
    # sg_execution_times.rst: written by a build (sphinx-gallery), an orphan
    generated = {"index", "sg_execution_times"}
    pages = {p.stem for p in DOCS.glob("*.rst") if p.stem not in generated}
    assert {"user_guide/index", "auto_examples/index"} <= set(top)
    assert pages <= set(top)


def test_every_example_has_a_gallery_title():
    """sphinx-gallery takes each example's title from its docstring's heading."""
    for script in sorted((ROOT / "examples").glob("*.py")):
        lines = script.read_text(encoding="utf-8").split('"""')[1].strip().splitlines()
        assert len(lines) >= 2, script.name
        title, underline = lines[0], lines[1]
        assert set(underline) == {"="} and len(underline) >= len(title), script.name


def test_benchmark_page_divides_each_peer_by_ours(benchmark_tables):
    table = {
        "id": "logistic",
        "title": "A race",
        "threads": "1",
        "ours": "ours (auto)",
        "unit": "s",
        "criterion": "seconds to 1e-08 relative suboptimality",
        "command": "OMP_NUM_THREADS=1 python benchmarks/bench_logistic.py",
        "rows": [
            {
                "problem": "dense L1",
                "shape": "20000 x 500",
                "times": {"ours (auto)": 2.0, "sklearn saga": 5.0},
                "imprecise": {"skglm prox-newton": 3.2e-4},
                "left_out": ["glum irls-cd"],
            },
            {
                "problem": "multinomial L2",
                "shape": "20000 x 100, 5 classes",
                "times": {"ours (auto)": 0.5, "sklearn lbfgs": 0.25},
            },
        ],
    }
    results = {
        "generated_by": "python benchmarks/docs_results.py",
        "environment": {
            "date": "2026-12-08",
            "cpu": "Some CPU",
            "cores": 2,
            "memory_gib": 24.0,
            "os": "Linux",
            "blas": "openblas 0.3",
            "versions": {"scikit-learn": "1.9.1"},
        },
        "tables": [table],
    }
    text = benchmark_tables.render(results)
    rows = re.findall(r"   \* - (.*)\n((?:     - .*\n)+)", text + "\n")
    cells = {
        first: [cell.strip() for cell in re.findall(r"     - (.*)", rest)]
        for first, rest in rows
    }
    assert cells["problem"] == [
        "size",
        "ours (auto) (s)",
        "sklearn saga",
        "skglm prox-newton",
        "glum irls-cd",
        "sklearn lbfgs",
    ]
    # 5.0 / 2.0; an imprecise peer shows its gap; no entry: not a peer there.
    assert cells["dense L1"] == [
        "20000 x 500",
        "2.00",
        "2.50",
        "not precise: 3e-04",
        "left out",
        "",
    ]
    assert cells["multinomial L2"][1:] == ["0.500", "", "", "", "0.500"]
    assert "One BLAS thread" in text and "Some CPU, 2 cores, 24.0 GiB" in text


def test_benchmark_page_data_renders_every_table(benchmark_tables):
    results = json.loads((DOCS / "benchmarks" / "results.json").read_text())
    text = benchmark_tables.render(results)
    for table in results["tables"]:
        assert table["title"] in text and table["command"] in text
        for row in table["rows"]:
            assert row["problem"] in text
    assert {t["threads"] for t in results["tables"]} == {"default", "1"}
    assert results["generated_by"].startswith("python benchmarks/docs_results.py")


def test_benchmark_scripts_write_the_page_tables(tmp_path, capsys):
    out = tmp_path / "normalize.json"
    module = runpy.run_path(str(ROOT / "benchmarks" / "bench_normalize.py"))
    argv = ["--scale", "0.002", "--repeats", "1", "--json", str(out)]
    assert module["main"](argv) == 0
    table = json.loads(out.read_text())
    assert table["ours"] == "ours" and len(table["rows"]) == 6
    assert all(set(r["times"]) >= {"ours", "sklearn normalize"} for r in table["rows"])

    out = tmp_path / "logistic.json"
    module = runpy.run_path(str(ROOT / "benchmarks" / "bench_logistic.py"))
    argv = ["--scale", "0.02", "--repeats", "1", "--only", "dense L2 1e-3"]
    argv += ["--skip", "glum,skglm,celer,saga,liblinear,newton"]
    assert module["main"]([*argv, "--json", str(out)]) == 0
    rows = {r["problem"]: r for r in json.loads(out.read_text())["rows"]}
    assert set(rows) == {"dense L2 1e-3", "no-intercept dense L2 1e-3"}
    row = rows["dense L2 1e-3"]
    assert row["shape"] == "400 x 20" and "ours (auto)" in row["times"]
    assert "sklearn lbfgs" in {*row["times"], *row["imprecise"]}
    capsys.readouterr()


def test_readme_links_to_pages_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert any(link.startswith("docs/user_guide/") for link in links)
    for link in links:
        assert (ROOT / link).exists(), link
