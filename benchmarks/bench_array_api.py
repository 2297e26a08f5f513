"""Time the estimators on array-API input (PyTorch, CuPy) against scikit-learn's
array-API LogisticRegression and, where installed, cuML, on the same data.

Logistic regression: for every problem and every array backend, each fit runs
a ladder of its own tolerances (1e-3 ... 1e-12) and is credited with the time
of the first rung whose objective is within ``--precision * max(1, |f*|)`` of
``f*`` (``--precision32`` for float32 data), as in ``bench_logistic.py``:
``f*`` is our float64 NumPy fit at tol=1e-10 on the same values, and every
objective is evaluated in float64 on the host from the returned coefficients

    mean log-loss + lambda_ * (rho * ||w||_1 + (1 - rho) / 2 * ||w||_2^2)

(unpenalized intercept; multinomial for 10 classes). The chosen rung is
timed ``--repeats`` times (median), wall clock, with a device
synchronization after each fit. The backends:

- ``numpy``: NumPy arrays, ``array_api_dispatch`` off (the baseline);
- ``torch-cpu``: PyTorch tensors on the CPU, dispatch on;
- ``torch-cuda``, ``cupy``: on the GPU, when PyTorch sees CUDA / CuPy is
  installed.

Peers: scikit-learn's ``LogisticRegression`` (``C = 1 / (lambda_ *
n_samples)``; lbfgs and newton-cg, the solvers that take array-API input, for
the L2 rows), and cuML's ``LogisticRegression`` (qn, on CuPy arrays) when
installed. An L1 row has no scikit-learn array-API peer.

Normalizers: ``l2_normalize`` of the rows and ``L2Normalizer(axis=0)``'s
``fit_transform`` on the device against scikit-learn's ``Normalizer`` under
dispatch and against the route a user without array-API support takes: copy
to NumPy, normalize there, copy back (the "device copy" column).

Run::

    python benchmarks/bench_array_api.py                 # every backend here
    python benchmarks/bench_array_api.py --scale 0.2 --repeats 1   # quick
    python benchmarks/bench_array_api.py --backends torch-cuda,cupy --scale 5
    python benchmarks/bench_array_api.py --only "10 classes"   # some problems
    OMP_NUM_THREADS=1 python benchmarks/bench_array_api.py
"""

from __future__ import annotations

import os

# scikit-learn's array_api_dispatch needs SciPy's array API support, which
# is read when SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib.util  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from scipy.special import logsumexp  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import Normalizer, StandardScaler  # noqa: E402

import sklearn_norm  # noqa: E402
from sklearn_norm import (  # noqa: E402
    L2Normalizer,
    RegularizedLogisticRegression,
    l2_normalize,
    lambda_max,
)
from sklearn_norm._array_api import to_host  # noqa: E402

LADDER = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12]
RHO = {"l1": 1.0, "l2": 0.0}
SKLEARN_1_8 = tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 8)


# ----------------------------------------------------------------- backends


@dataclass
class Backend:
    """How arrays of one library and device are made and waited for."""

    name: str
    dispatch: bool
    to_backend: object  # numpy array -> backend array
    synchronize: object  # () -> None


def backends(requested: list[str] | None) -> list[Backend]:
    found = [Backend("numpy", False, np.asarray, lambda: None)]
    if importlib.util.find_spec("torch") is not None:
        import torch

        found.append(
            Backend("torch-cpu", True, lambda a: torch.asarray(a), lambda: None)
        )
        if torch.cuda.is_available():
            found.append(
                Backend(
                    "torch-cuda",
                    True,
                    lambda a: torch.asarray(a, device="cuda"),
                    torch.cuda.synchronize,
                )
            )
    if importlib.util.find_spec("cupy") is not None:
        import cupy

        try:
            cupy.cuda.runtime.getDeviceCount()
            found.append(
                Backend(
                    "cupy",
                    True,
                    cupy.asarray,
                    lambda: cupy.cuda.Stream.null.synchronize(),
                )
            )
        except cupy.cuda.runtime.CUDARuntimeError:
            pass
    if requested:
        found = [b for b in found if b.name in requested or b.name == "numpy"]
    return found


# ----------------------------------------------------------------- problems


@dataclass
class Problem:
    name: str
    X: np.ndarray
    y: np.ndarray
    regularization: str
    lam: float


def problems(scale: float) -> list[Problem]:
    out = []
    n = max(200, int(40000 * scale))
    X, y = make_classification(
        n_samples=n, n_features=200, n_informative=40, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    X32 = X.astype(np.float32)
    top = lambda_max(X, y)
    out.append(Problem(f"binary {n}x200 float64, L2", X, y, "l2", 1e-3))
    out.append(Problem(f"binary {n}x200 float64, L1", X, y, "l1", 0.05 * top))
    out.append(Problem(f"binary {n}x200 float32, L2", X32, y, "l2", 1e-3))
    m = max(200, int(20000 * scale))
    X, y = make_classification(
        n_samples=m,
        n_features=100,
        n_informative=30,
        n_classes=10,
        random_state=1,
    )
    X = StandardScaler().fit_transform(X)
    top = lambda_max(X, y)
    out.append(Problem(f"10 classes {m}x100 float64, L2", X, y, "l2", 1e-3))
    out.append(Problem(f"10 classes {m}x100 float64, L1", X, y, "l1", 0.05 * top))
    return out


def objective(X, y, coef, intercept, regularization, lam) -> float:
    """The objective of RegularizedLogisticRegression, in float64 on the host."""
    coef = np.asarray(to_host(coef), dtype=np.float64).reshape(-1, X.shape[1])
    intercept = np.asarray(to_host(intercept), dtype=np.float64).reshape(-1)
    z = np.asarray(X, dtype=np.float64) @ coef.T + intercept
    classes = np.unique(y)
    encoded = np.searchsorted(classes, y)
    if coef.shape[0] == 1:
        loss = np.logaddexp(0.0, np.where(encoded == 1, -z[:, 0], z[:, 0]))
    else:
        loss = logsumexp(z, axis=1) - z[np.arange(y.size), encoded]
    rho = RHO[regularization]
    penalty = rho * np.abs(coef).sum() + (1 - rho) / 2 * (coef**2).sum()
    return float(loss.mean() + lam * penalty)


# ------------------------------------------------------------------- fits


def fit_ours(X, y, problem, tol):
    model = RegularizedLogisticRegression(
        problem.regularization, problem.lam, tol=tol, num_iter=100_000
    ).fit(X, y)
    return model.coef_, model.intercept_


def fit_sklearn(solver):
    def fit(X, y, problem, tol):
        penalty = {} if SKLEARN_1_8 else {"penalty": problem.regularization}
        model = LogisticRegression(
            C=1.0 / (problem.lam * X.shape[0]),
            l1_ratio=RHO[problem.regularization],
            **penalty,
            solver=solver,
            tol=tol,
            max_iter=100_000,
        ).fit(X, y)
        return model.coef_, model.intercept_

    return fit


def fit_cuml(X, y, problem, tol):
    from cuml.linear_model import LogisticRegression as CumlLogistic

    model = CumlLogistic(
        penalty=problem.regularization,
        C=1.0 / (problem.lam * X.shape[0]),
        tol=tol,
        max_iter=100_000,
    ).fit(X, y)
    return model.coef_, model.intercept_


def timed(backend: Backend, function, *args):
    # The cyclic garbage collector is off inside the timed region, as in
    # timeit; the callers collect once per row (with PyTorch imported a full
    # collection takes 0.1 s).
    gc.disable()
    try:
        with (
            warnings.catch_warnings(),
            sklearn.config_context(array_api_dispatch=backend.dispatch),
        ):
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            result = function(*args)
            backend.synchronize()
            return time.perf_counter() - start, result
    finally:
        gc.enable()


def time_to_target(backend, fit, X, y, problem, target, repeats, budget):
    """(seconds, tol) of the first rung within ``target``, None, or an
    error's description."""
    gc.collect()
    spent = 0.0
    for tol in LADDER:
        try:
            seconds, (coef, intercept) = timed(backend, fit, X, y, problem, tol)
        except Exception as error:  # a peer failing is a result, not a crash
            print(f"      {type(error).__name__}: {str(error)[:100]}")
            return f"error ({type(error).__name__})"
        spent += seconds
        value = objective(
            problem.X, problem.y, coef, intercept, problem.regularization, problem.lam
        )
        if value <= target:
            times = [seconds] + [
                timed(backend, fit, X, y, problem, tol)[0] for _ in range(repeats - 1)
            ]
            return statistics.median(times), tol
        if seconds > budget or spent > 3 * budget:
            return None
    return None


def default_fit(backend, X, y, problem, f_star) -> tuple[float, float]:
    """Seconds and relative objective gap of our fit at the default tol."""

    def fit():
        return RegularizedLogisticRegression(problem.regularization, problem.lam).fit(
            X, y
        )

    seconds, model = timed(backend, fit)
    value = objective(
        problem.X,
        problem.y,
        model.coef_,
        model.intercept_,
        problem.regularization,
        problem.lam,
    )
    return seconds, (value - f_star) / max(1.0, abs(f_star))


def logistic_table(args, found) -> None:
    print("\n## Logistic regression: seconds to the target (median), ratio to ours")
    for problem in problems(args.scale):
        if args.only not in problem.name:
            continue
        precision = (
            args.precision32 if problem.X.dtype == np.float32 else args.precision
        )
        with sklearn.config_context(array_api_dispatch=False):
            best = RegularizedLogisticRegression(
                problem.regularization, problem.lam, tol=1e-10
            ).fit(problem.X.astype(np.float64), problem.y)
        f_star = objective(
            problem.X,
            problem.y,
            best.coef_,
            best.intercept_,
            problem.regularization,
            problem.lam,
        )
        target = f_star + precision * max(1.0, abs(f_star))
        print(f"\n### {problem.name} (lambda {problem.lam:.3g}, target {precision:g})")
        defaults = []
        print("| backend | ours | sklearn lbfgs | sklearn newton-cg | cuML |")
        print("|---|---:|---:|---:|---:|")
        for backend in found:
            X, y = backend.to_backend(problem.X), backend.to_backend(problem.y)
            cells = {}
            fits = {"ours": fit_ours}
            if problem.regularization == "l2":
                fits["sklearn lbfgs"] = fit_sklearn("lbfgs")
                fits["sklearn newton-cg"] = fit_sklearn("newton-cg")
            if backend.name == "cupy" and importlib.util.find_spec("cuml"):
                fits["cuML"] = fit_cuml
            for name, fit in fits.items():
                cells[name] = time_to_target(
                    backend, fit, X, y, problem, target, args.repeats, args.budget
                )
            ours = cells["ours"][0] if isinstance(cells.get("ours"), tuple) else None
            row = [backend.name]
            for name in ("ours", "sklearn lbfgs", "sklearn newton-cg", "cuML"):
                if name not in cells:
                    row.append("-")
                elif cells[name] is None:
                    row.append("not reached")
                elif isinstance(cells[name], str):
                    row.append(cells[name])
                else:
                    seconds, tol = cells[name]
                    ratio = (
                        f" ({seconds / ours:.2f}x)" if ours and name != "ours" else ""
                    )
                    row.append(f"{seconds:.3f} s @ {tol:g}{ratio}")
            print("| " + " | ".join(row) + " |")
            defaults.append(
                (backend.name, *default_fit(backend, X, y, problem, f_star))
            )
        print(
            "ours at the default tol (1e-6; 1e-5 for float32): "
            + ", ".join(
                f"{name} gap {gap:.1e} in {seconds:.3f} s"
                for name, seconds, gap in defaults
            )
        )


# ------------------------------------------------------------ normalizers


def normalizer_table(args, found) -> None:
    n = max(1000, int(400_000 * args.scale))
    rng = np.random.default_rng(0)
    values = rng.normal(size=(n, 256)).astype(np.float32)
    print(f"\n## Normalizers on {n}x256 float32: median seconds, ratio to ours")
    print("| backend | operation | ours | scikit-learn Normalizer | device copy |")
    print("|---|---|---:|---:|---:|")
    for backend in found:
        X = backend.to_backend(values)

        def rows_ours(X=X):
            return l2_normalize(X)

        def rows_sklearn(X=X):
            return Normalizer().transform(X)

        def rows_copy(X=X, backend=backend):
            with sklearn.config_context(array_api_dispatch=False):
                result = l2_normalize(to_host(X))
            return backend.to_backend(result)

        def columns_ours(X=X):
            return L2Normalizer(axis=0).fit_transform(X)

        def columns_copy(X=X, backend=backend):
            with sklearn.config_context(array_api_dispatch=False):
                result = L2Normalizer(axis=0).fit_transform(to_host(X))
            return backend.to_backend(result)

        gc.collect()
        for label, ours, peer, copy in (
            ("rows (l2_normalize)", rows_ours, rows_sklearn, rows_copy),
            ("columns (L2Normalizer(axis=0))", columns_ours, None, columns_copy),
        ):
            seconds = {}
            for name, function in (("ours", ours), ("peer", peer), ("copy", copy)):
                if function is None or (backend.name == "numpy" and name == "copy"):
                    continue
                function()  # warm-up
                seconds[name] = statistics.median(
                    timed(backend, function)[0] for _ in range(max(3, args.repeats))
                )
            base = seconds["ours"]
            cells = [f"{base * 1e3:.1f} ms"]
            for name in ("peer", "copy"):
                if name in seconds:
                    cells.append(
                        f"{seconds[name] * 1e3:.1f} ms ({seconds[name] / base:.2f}x)"
                    )
                else:
                    cells.append("-")
            print(f"| {backend.name} | {label} | " + " | ".join(cells) + " |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="size factor")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precision", type=float, default=1e-8)
    parser.add_argument(
        "--precision32",
        type=float,
        default=1e-6,
        help="target for float32 data (float32 products resolve about 1e-7)",
    )
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per rung")
    parser.add_argument("--backends", default="", help="comma-separated names")
    parser.add_argument("--skip-normalizers", action="store_true")
    parser.add_argument(
        "--only", default="", help="problems whose name contains this text"
    )
    args = parser.parse_args(argv)
    found = backends([b for b in args.backends.split(",") if b] or None)
    print(
        f"sklearn-norm {sklearn_norm.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}"
    )
    if importlib.util.find_spec("torch") is not None:
        import torch

        device = (
            torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA"
        )
        print(
            f"torch {torch.__version__} ({device}), {torch.get_num_threads()} threads"
        )
    print("backends: " + ", ".join(b.name for b in found))
    if not args.skip_normalizers:
        normalizer_table(args, found)
    logistic_table(args, found)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
