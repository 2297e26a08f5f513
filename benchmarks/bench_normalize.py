"""Time L1Normalizer / L2Normalizer.transform against scikit-learn and a copy.

For each problem it prints the median ``transform`` time of ours (copy=True,
and copy=False in place), of ``sklearn.preprocessing.normalize`` and of
``X.copy()`` (one read and one write of the data: the floor), measured
round-robin in one process, with the ratios, plus the peak memory each call
allocates beyond its output (tracemalloc, in a separate untimed run).

Targets (issue 2): dense ours/sklearn <= 0.6 and ours/copy <= 1.6;
sparse ours/sklearn <= 1.0.

Run::

    python benchmarks/bench_normalize.py            # the full-size problems
    python benchmarks/bench_normalize.py --scale 0.05 --repeats 3   # quick
    python benchmarks/bench_normalize.py --json out.json   # also write the table

``--json`` writes the times as data for ``benchmarks/docs_results.py``, which
collects them for the documentation's benchmarks page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import tracemalloc

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.preprocessing import normalize as sk_normalize

import sklearn_norm
from sklearn_norm import L1Normalizer, L2Normalizer
from sklearn_norm.normalize._parallel import available_threads

NORMALIZERS = {"l1": L1Normalizer, "l2": L2Normalizer}


def make_dense(n_samples: int, n_features: int, dtype, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_samples, n_features)).astype(dtype, copy=False)


def make_csr(n_samples: int, n_features: int, nnz_per_row: int, seed: int = 0):
    """CSR with exactly ``nnz_per_row`` distinct, sorted columns in every row."""
    rng = np.random.default_rng(seed)
    cols = np.sort(rng.integers(0, n_features - nnz_per_row, (n_samples, nnz_per_row)))
    cols += np.arange(nnz_per_row)  # strictly increasing: no duplicates
    data = rng.standard_normal(n_samples * nnz_per_row)
    indptr = np.arange(0, n_samples * nnz_per_row + 1, nnz_per_row)
    return sp.csr_matrix(
        (data, cols.ravel().astype(np.int32), indptr), shape=(n_samples, n_features)
    )


def medians(funcs: dict, repeats: int) -> dict:
    """Median wall time of each function, calling them round-robin."""
    times = {name: [] for name in funcs}
    for func in funcs.values():  # warm-up: page faults, imports
        func()
    for _ in range(repeats):
        for name, func in funcs.items():
            start = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def peak_extra_bytes(func, output_nbytes: int) -> int:
    """Peak bytes allocated during ``func()`` beyond its output's size."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return max(0, peak - output_nbytes)


def nbytes(X) -> int:
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def bench_problem(label: str, X, norm: str, repeats: int) -> dict:
    ours = NORMALIZERS[norm]()
    in_place = NORMALIZERS[norm](copy=False)
    scratch = X.copy()  # normalized in place again and again: stays bounded
    funcs = {
        "ours": lambda: ours.transform(X),
        "ours_inplace": lambda: in_place.transform(scratch),
        "sklearn": lambda: sk_normalize(X, norm=norm),
        "copy": lambda: X.copy(),
    }
    t = medians(funcs, repeats)
    out_bytes = nbytes(X)
    return {
        "problem": label,
        "norm": norm,
        **t,
        "ours_extra_mb": peak_extra_bytes(funcs["ours"], out_bytes) / 2**20,
        "sklearn_extra_mb": peak_extra_bytes(funcs["sklearn"], out_bytes) / 2**20,
        "data_mb": out_bytes / 2**20,
        "sparse": sp.issparse(X),
    }


def print_table(rows: list[dict]) -> bool:
    header = (
        f"{'problem':<34} {'norm':<4} {'ours ms':>8} {'inplace':>8} "
        f"{'sklearn':>8} {'copy':>7} {'ours/sk':>8} {'ours/copy':>9} "
        f"{'inpl/copy':>9} {'extra MB':>9} {'sk extra':>9} {'target':>7}"
    )
    print(header)
    print("-" * len(header))
    all_met = True
    for r in rows:
        ratio_sk = r["ours"] / r["sklearn"]
        ratio_copy = r["ours"] / r["copy"]
        if r["sparse"]:
            met = ratio_sk <= 1.0
        else:
            met = ratio_sk <= 0.6 and ratio_copy <= 1.6
        all_met &= met
        print(
            f"{r['problem']:<34} {r['norm']:<4} {1e3 * r['ours']:8.1f} "
            f"{1e3 * r['ours_inplace']:8.1f} {1e3 * r['sklearn']:8.1f} "
            f"{1e3 * r['copy']:7.1f} {ratio_sk:8.2f} {ratio_copy:9.2f} "
            f"{r['ours_inplace'] / r['copy']:9.2f} {r['ours_extra_mb']:9.1f} "
            f"{r['sklearn_extra_mb']:9.1f} {'met' if met else 'MISSED':>7}"
        )
    return all_met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the rows")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", default="", help="also write the table here")
    args = parser.parse_args(argv)
    n_rows = max(10, int(150_000 * args.scale))

    print(
        f"sklearn-norm {sklearn_norm.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, kernels use up to {available_threads()} threads; "
        f"median of {args.repeats} round-robin runs"
    )
    rows = []
    for dtype in (np.float64, np.float32):
        X = make_dense(n_rows, 300, dtype)
        for norm in ("l1", "l2"):
            label = f"dense {n_rows}x300 {np.dtype(dtype).name}"
            rows.append(bench_problem(label, X, norm, args.repeats))
        del X
    X = make_csr(n_rows, 30_000, 40)
    for norm in ("l1", "l2"):
        label = f"CSR {n_rows}x30000 40 nnz/row"
        rows.append(bench_problem(label, X, norm, args.repeats))
    met = print_table(rows)
    print(
        "\nextra MB: peak memory allocated by one call beyond the size of its "
        "output (tracemalloc)."
    )
    print("all targets met" if met else "some targets MISSED")
    if args.json:
        names = {
            "ours": "ours",
            "ours_inplace": "ours, copy=False",
            "sklearn": "sklearn normalize",
            "copy": "X.copy()",
        }
        table = {
            "ours": "ours",
            "unit": "ms",
            "criterion": (
                f"transform time, median of {args.repeats} round-robin runs; "
                "X.copy() (one read and one write of the data) is the floor"
            ),
            "command": "python benchmarks/bench_normalize.py"
            + (f" --scale {args.scale:g}" if args.scale != 1 else ""),
            "rows": [
                {
                    "problem": f"{r['problem']}, {r['norm'].upper()}",
                    "times": {names[k]: 1e3 * r[k] for k in names},
                }
                for r in rows
            ],
        }
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(table, file, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
