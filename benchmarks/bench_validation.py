"""Time the input validation of the logistic models against scikit-learn's.

``validate_logistic`` (dtype and format conversion, then one chunked min/max
pass that checks finiteness and measures max|X|) against scikit-learn's
``validate_data`` with its default finiteness check (a sum over X), on the
same estimator and data, measured round-robin in one process.

Run::

    python benchmarks/bench_validation.py                 # 20000 x 500
    python benchmarks/bench_validation.py --scale 0.05    # quick
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.utils.validation import validate_data

from sklearn_norm import RegularizedLogisticRegression, __version__
from sklearn_norm._validation import FLOAT_DTYPES, SPARSE_FORMATS, validate_logistic


def problems(scale: float) -> dict:
    rng = np.random.default_rng(0)
    n, p = max(20, int(20000 * scale)), 500
    X = rng.standard_normal((n, p))
    y = (X[:, 0] > 0).astype(int)
    sparse = sp.random_array((n * 5, p * 20), density=0.01, format="csr", rng=rng)
    return {
        "dense C": (X, y),
        "dense Fortran": (np.asfortranarray(X), y),
        "dense float32": (X.astype(np.float32), y),
        "sparse CSR 1%": (sparse, np.arange(n * 5) % 2),
    }


def sklearn_check(model, X, y):
    validate_data(model, X, y, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES)


def ours(model, X, y):
    validate_logistic(model, X, y)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args(argv)
    print(
        f"sklearn-norm {__version__}, scikit-learn {sklearn.__version__}, numpy "
        f"{np.__version__}; {platform.machine()}; scale {args.scale}, median of "
        f"{args.repeats}"
    )
    print(f"{'problem':<16}{'sklearn ms':>12}{'ours ms':>10}{'ours/sk':>9}")
    model = RegularizedLogisticRegression()
    for name, (X, y) in problems(args.scale).items():
        times = {sklearn_check: [], ours: []}
        for _ in range(args.repeats):
            for check, samples in times.items():
                start = time.perf_counter()
                check(model, X, y)
                samples.append(time.perf_counter() - start)
        sk, us = (np.median(times[f]) * 1e3 for f in (sklearn_check, ours))
        print(f"{name:<16}{sk:>12.2f}{us:>10.2f}{us / sk:>9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
