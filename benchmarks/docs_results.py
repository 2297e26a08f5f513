"""Run the benchmarks of the documentation's benchmarks page and save their tables.

Runs each benchmark script below in a new process, with the default BLAS
threads and again with ``OMP_NUM_THREADS=1`` (the CV benchmark times both
itself), reads the tables it writes with
``--json``, and saves them all with the machine, the library versions and the
date in ``docs/benchmarks/results.json``. The page (``docs/benchmarks.rst``)
renders that file at each documentation build, every time normalized to
ours: a peer's column is its time over ours, so above 1 means ours is faster.

Run it on a quiet machine (nothing else running), with the ``bench`` extra
installed for the peers (glum, skglm, celer)::

    python -m pip install -e ".[bench]"
    python benchmarks/docs_results.py                 # every table, ~55 minutes
    python benchmarks/docs_results.py --scale 0.05 --quick --out /tmp/quick.json
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "benchmarks" / "results.json"

# (id, title, script, arguments, thread settings): the tables of the page, in
# its order. A script run with no thread setting times both settings itself.
BOTH = {"default": None, "1": "1"}
TABLES = [
    (
        "logistic",
        "Logistic regression at equal precision",
        "bench_logistic.py",
        # A peer not precise after 5 s on a rung or 20 s in all is shown as
        # such: that keeps the whole page to about an hour.
        ["--budget", "5", "--ladder-budget", "20"],
        BOTH,
    ),
    (
        "cv_quality",
        "Cross-validation on real data: the model chosen, and the time",
        "bench_cv_quality.py",
        [],
        {"both": None},
    ),
    (
        "normalize",
        "Normalizers",
        "bench_normalize.py",
        [],
        BOTH,
    ),
]
PACKAGES = [
    "sklearn-norm",
    "scikit-learn",
    "numpy",
    "scipy",
    "glum",
    "skglm",
    "celer",
    "threadpoolctl",
]


def cpu_model() -> str:
    """The processor's model name (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def blas() -> str:
    """NumPy's BLAS library and version, as threadpoolctl reports them."""
    import numpy  # noqa: F401  (loads the BLAS threadpoolctl inspects)
    from threadpoolctl import threadpool_info

    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return f"{pool.get('internal_api')} {pool.get('version')}"
    return "unknown"


def environment() -> dict:
    versions = {"Python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib(),
        "os": platform.platform(terse=True),
        "blas": blas(),
        "versions": versions,
    }


def run_table(script: str, arguments: list[str], threads: str | None) -> list:
    """The tables ``script`` writes with ``--json``, run in a new process."""
    env = dict(os.environ)
    if threads is not None:
        env["OMP_NUM_THREADS"] = threads
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "table.json"
        command = [
            sys.executable,
            str(ROOT / "benchmarks" / script),
            *arguments,
            "--json",
            str(out),
        ]
        setting = f"OMP_NUM_THREADS={threads} " if threads is not None else ""
        print("$", setting + " ".join(command[1:]))
        subprocess.run(command, env=env, check=True)
        tables = json.loads(out.read_text(encoding="utf-8"))
        return tables if isinstance(tables, list) else [tables]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(RESULTS), help="where to save")
    parser.add_argument("--scale", type=float, default=1.0, help="size factor")
    parser.add_argument("--only", default="", help="comma-separated table ids")
    parser.add_argument(
        "--quick", action="store_true", help="one small data set for the CV table"
    )
    args = parser.parse_args(argv)
    wanted = set(filter(None, args.only.split(",")))
    tables = []
    for table_id, title, script, arguments, settings in TABLES:
        if wanted and table_id not in wanted:
            continue
        if args.scale != 1 and script != "bench_cv_quality.py":  # real data only
            arguments = [*arguments, "--scale", f"{args.scale:g}"]
        if args.quick and script == "bench_cv_quality.py":
            arguments = [*arguments, "--data", "wine", "--repeats", "1"]
        for threads, value in settings.items():
            for table in run_table(script, arguments, value):
                table.update(id=table_id, title=title)
                table.setdefault("threads", threads)
                if value is not None:
                    table["command"] = f"OMP_NUM_THREADS={value} {table['command']}"
                tables.append(table)
    results = {
        "generated_by": "python benchmarks/docs_results.py"
        + (f" --scale {args.scale:g}" if args.scale != 1 else ""),
        "environment": environment(),
        "tables": tables,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
