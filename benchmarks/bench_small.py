"""Time RegularizedLogisticRegression against scikit-learn on small data, where
GridSearchCV users live: ratio tables ours / the fastest scikit-learn solver.

Problems, standardized (``StandardScaler`` on all rows): scikit-learn's
breast cancer (569 x 30, 2 classes), wine (178 x 13, 3), iris (150 x 4, 3),
digits (1797 x 64, 10) and ``make_classification(random_state=0)`` at 1000 x
20 (2 classes, 10 informative), 5000 x 100 (2 classes, 20 informative) and
5000 x 100 with 10 classes (20 informative). Both libraries minimize

    mean log-loss + lambda_ * (rho * ||w||_1 + (1 - rho) / 2 * ||w||_2^2),

unpenalized intercept, multinomial for K > 2 (``rho`` 0 for L2, 1 for L1,
0.5 for the elastic net); scikit-learn's ``LogisticRegression(C=1 /
(lambda_ * n), l1_ratio=rho)`` has the same minimizer. liblinear penalizes
its intercept, so it is left out.

Part 1, single fits at equal precision (as ``bench_logistic.py``): for each
problem and penalty at ``lambda_ = --lam``, every solver climbs a ladder of
its own tolerances (ours 1e-6 ... 1e-12, scikit-learn's 1e-3 ... 1e-12) and
is credited with the median time of the first rung whose objective is within
1e-8 * max(1, |f*|) of f*, the best objective any run reached (our fit at
tol=1e-10 included). A ladder stops at that rung, after a rung longer than
``--budget`` seconds (twice: such a rung runs again) or once its rungs took
5 * ``--budget`` in all. A solver not precise by then shows ``>X`` seconds
(its longest rung) and is named in the row's note ``not precise within
budget``; a ratio against it is an upper bound (``<r``). Peers: lbfgs,
newton-cg, newton-cholesky and saga for L2, saga for L1 and the elastic net.
Ladders run once, under the first thread setting; the chosen rungs are then
timed under each setting, ``--repeats`` runs (up to 15, about 0.5 s of them,
for fits under 0.1 s), Python's garbage collector off as in ``timeit``.
Peers whose rung took over twice the fastest precise peer's are not re-timed.

Part 2, ``GridSearchCV(estimator, {param: grid}, cv=5)`` at default
tolerances, default scoring (accuracy), ``n_jobs=None``: 20 lambdas
``np.logspace(-1, -4, 20)``; ours ``RegularizedLogisticRegression(pen)``
over ``lambda_``, scikit-learn's ``LogisticRegression`` over ``C = 1 /
(lambda_ * n_train)`` with ``n_train = round(n * 4 / 5)`` (the stratified
folds' training parts have that many rows, give or take one). scikit-learn
runs its default tol and max_iter: for L2 lbfgs (the default) and
newton-cholesky, credited with the faster (a probe fit of each at both ends
of the grid first: one over 3x slower than the other, and over 0.5 s, is not
timed); for L1 and the elastic net (``--grid-elasticnet``) saga, whose
ConvergenceWarnings are silenced but counted (the most of one grid search's
101 fits that warned is printed, as are any warnings of ours). Reported: the
median of ``--repeats`` interleaved grid searches (one over 30 s runs once,
marked ``*``), the ratio, and the best CV score and lambda each found (they
should be close).

Each table is measured with the default BLAS threads and under
``threadpool_limits(1, user_api="blas")`` (``--threads``), in two column
groups; ``--load N`` keeps N busy processes running meanwhile, as on a loaded
machine (as ``bench_threads.py``). Each table ends with how many rows meet the
target ratio <= 0.5.

Run::

    python benchmarks/bench_small.py                    # 15-30 min on 2 cores
    python benchmarks/bench_small.py --only iris,wine --repeats 1   # quick
    python benchmarks/bench_small.py --threads one --load 2 --skip-single
    python benchmarks/bench_small.py --penalties l1 --grid-elasticnet
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import time
import warnings
from collections.abc import Callable

import numpy as np
import scipy
import sklearn
import threadpoolctl

# The objective, the tolerance ladder and scikit-learn's penalty arguments are
# bench_logistic.py's, the busy processes bench_threads.py's (this script runs
# from benchmarks/, which is then on the path).
from bench_logistic import LADDER, RHO, SKLEARN_1_8, objective
from bench_threads import busy_processes
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController

import sklearn_norm
from sklearn_norm import RegularizedLogisticRegression

PRECISION = 1e-8
GRID = np.logspace(-1, -4, 20)
TARGET = 0.5  # ours / scikit-learn
LONG = 30.0  # seconds: a grid search this long runs once

PROBLEMS: dict[str, Callable] = {
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "iris": lambda: load_iris(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "synth_1000x20": lambda: make_classification(
        1000, 20, n_informative=10, random_state=0
    ),
    "synth_5000x100": lambda: make_classification(
        5000, 100, n_informative=20, random_state=0
    ),
    "synth_5000x100_k10": lambda: make_classification(
        5000, 100, n_informative=20, n_classes=10, random_state=0
    ),
}


def standardized(name: str):
    X, y = PROBLEMS[name]()
    return StandardScaler().fit_transform(X), y


def penalty_options(regularization: str) -> dict:
    options = {"l1_ratio": RHO[regularization]}
    if not SKLEARN_1_8:
        options["penalty"] = regularization
    return options


# ----------------------------------------------------------- threads, load


class Threads:
    """Thread settings by name: the default BLAS threads, or one."""

    def __init__(self):
        # Made once: making a controller inspects the loaded libraries (about
        # 1 ms, as long as a small fit).
        self.controller = ThreadpoolController()

    def __call__(self, setting: str):
        if setting == "one":
            return self.controller.limit(limits=1, user_api="blas")
        return contextlib.nullcontext()


THREAD_LABELS = {"default": "default BLAS threads", "one": "1 BLAS thread"}


def blas_description() -> str:
    pools = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    return "; ".join(
        f"{p['internal_api']} {p.get('version')} ({p.get('architecture')}), "
        f"{p['num_threads']} threads"
        for p in pools
    )


# ----------------------------------------------------------------- timing


def timed(fit, *args):
    """Seconds, result and recorded warnings of ``fit(*args)``, with Python's
    cyclic garbage collector off inside the timed region (as ``timeit``)."""
    gc.collect()
    gc.disable()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            result = fit(*args)
            seconds = time.perf_counter() - start
        return seconds, result, caught
    finally:
        gc.enable()


# ------------------------------------------------------ part 1: single fits


def fit_ours(X, y, regularization, lam, tol):
    model = RegularizedLogisticRegression(
        regularization, lam, l1_ratio=0.5, tol=tol, num_iter=100_000
    ).fit(X, y)
    return model.coef_, model.intercept_


def sklearn_fit(solver):
    def fit(X, y, regularization, lam, tol):
        model = LogisticRegression(
            C=1.0 / (lam * X.shape[0]),
            **penalty_options(regularization),
            solver=solver,
            tol=tol,
            max_iter=100_000 if solver != "saga" else 1_000,
        ).fit(X, y)
        return model.coef_, model.intercept_

    return fit


def single_solvers(regularization: str) -> dict:
    solvers = {"ours": fit_ours}
    if regularization == "l2":
        for solver in ("lbfgs", "newton-cg", "newton-cholesky"):
            solvers[solver] = sklearn_fit(solver)
    solvers["saga"] = sklearn_fit("saga")
    return solvers


def run_ladder(fit, ladder, X, y, regularization, lam, budget, target):
    """[(tol, seconds, objective)] of the rungs run, up to the first whose
    objective is at most ``target``; and the warnings of its fits."""
    rungs, caught = [], []
    for tol in ladder:
        arguments = (X, y, regularization, lam, tol)
        try:
            seconds, (coef, intercept), w = timed(fit, *arguments)
        except Exception as error:  # a solver failing is a result, not a crash
            print(f"    {type(error).__name__}: {str(error)[:80]}")
            break
        caught += w
        value = objective(X, y, coef, intercept, regularization, lam)
        if value > target and seconds > budget:
            # A slow spell of a shared machine must not end a ladder: run a
            # rung over the budget again (seen: newton-cg on digits, 0.04 s
            # a fit, once over 2 s).
            seconds = min(seconds, timed(fit, *arguments)[0])
        rungs.append((tol, seconds, value))
        if value <= target or seconds > budget or sum(r[1] for r in rungs) > 5 * budget:
            break
    return rungs, caught


def median_time(fit, args, first: float, repeats: int) -> float:
    # Fits of a few ms vary most: repeat them to about 0.5 s (15 runs at most).
    if first < 0.1:
        repeats = min(15, max(repeats, int(0.5 / max(first, 1e-3))))
    return float(np.median([timed(fit, *args)[0] for _ in range(repeats)]))


def single_row(X, y, regularization, args, settings, threads):
    """{setting: (ours seconds or None, (solver, seconds, precise) or None)}
    and a note."""
    lam = args.lam
    solvers = single_solvers(regularization)
    with threads(settings[0]):
        _, (coef, intercept), caught = timed(fit_ours, X, y, regularization, lam, 1e-10)
        f_ref = objective(X, y, coef, intercept, regularization, lam)
        target = f_ref + PRECISION * max(1.0, abs(f_ref))
        ladders = {}
        for name, fit in solvers.items():
            # Untimed warm-up on about 100 rows (every class: some data sets
            # are sorted by class): first calls pay imports and caches.
            step = max(1, X.shape[0] // 100)
            timed(fit, X[::step], y[::step], regularization, lam, 1e-3)
            ladder = LADDER[3:] if name == "ours" else LADDER
            ladders[name], w = run_ladder(
                fit, ladder, X, y, regularization, lam, args.budget, target
            )
            if name == "ours":
                caught += w
    f_star = min([f_ref] + [f for rungs in ladders.values() for _, _, f in rungs])
    threshold = PRECISION * max(1.0, abs(f_star))
    chosen, imprecise = {}, {}
    for name, rungs in ladders.items():
        rung = next(((t, s) for t, s, f in rungs if f - f_star <= threshold), None)
        if rung is not None:
            chosen[name] = rung
        elif rungs:
            imprecise[name] = max(s for _, s, _ in rungs)
    peers = {name: rung for name, rung in chosen.items() if name != "ours"}
    if peers:
        fastest = min(rung[1] for rung in peers.values())
        peers = {n: rung for n, rung in peers.items() if rung[1] <= 2 * fastest}
    out = {}
    for setting in settings:
        with threads(setting):
            ours = None
            if "ours" in chosen:
                tol, first = chosen["ours"]
                ours = median_time(
                    fit_ours, (X, y, regularization, lam, tol), first, args.repeats
                )
            times = {
                name: median_time(
                    solvers[name], (X, y, regularization, lam, tol), first, args.repeats
                )
                for name, (tol, first) in peers.items()
            }
        best = None
        if times:
            name = min(times, key=times.get)
            best = (name, times[name], True)
        elif any(n != "ours" for n in imprecise):
            name = min((n for n in imprecise if n != "ours"), key=imprecise.get)
            best = (name, imprecise[name], False)
        out[setting] = (ours, best)
    notes = []
    if "ours" not in chosen:
        notes.append("ours not precise")
    slow = sorted(n for n in imprecise if n != "ours")
    if slow:
        notes.append(f"not precise within budget: {', '.join(slow)}")
    if caught:
        kinds = sorted({w.category.__name__ for w in caught})
        notes.append(f"ours warned {len(caught)}x ({', '.join(kinds)})")
    return out, "; ".join(notes)


def ratio_text(ours, best):
    """Ratio text and whether it meets the target."""
    if ours is None or best is None:
        return "n/a", False
    _, seconds, precise = best
    ratio = ours / seconds
    if precise:
        return f"{ratio:.2f}", ratio <= TARGET
    return f"<{ratio:.2f}", ratio <= TARGET  # scikit-learn's time is a bound


def part_single(data, penalties, args, settings, threads) -> None:
    print(
        f"\nPart 1: single fits, lambda_ = {args.lam:g}, time to {PRECISION:g} "
        f"relative suboptimality (seconds; ratio ours / fastest scikit-learn)"
    )
    group = f"{'ours':>8} {'sklearn best':>16} {'seconds':>8} {'ratio':>6}"
    print_head(group, settings)
    met = dict.fromkeys(settings, 0)
    rows = 0
    for name, (X, y) in data.items():
        for regularization in penalties:
            result, note = single_row(X, y, regularization, args, settings, threads)
            line = f"{name:19} {regularization:10}"
            for setting in settings:
                ours, best = result[setting]
                text, ok = ratio_text(ours, best)
                met[setting] += ok
                ours_text = f"{ours:8.4f}" if ours is not None else f"{'n/a':>8}"
                if best is None:
                    sk = f"{'none':>16} {'':>8}"
                else:
                    seconds = f"{best[1]:.4f}" if best[2] else f">{best[1]:.2f}"
                    sk = f"{best[0]:>16} {seconds:>8}"
                line += f" | {ours_text} {sk} {text:>6}"
            print(line + (f"  ({note})" if note else ""), flush=True)
            rows += 1
    print(target_line(met, rows, settings))


def print_head(group: str, settings, tail: str = "") -> None:
    """Print a table's head: one column ``group`` per thread setting, under
    its label, then ``tail``."""
    head = f"{'problem':19} {'penalty':10}"
    labels = f"{'':30}"
    for setting in settings:
        head += " | " + group
        labels += " | " + f"{THREAD_LABELS[setting]:^{len(group)}}"
    head += tail
    print(labels)
    print(head)
    print("-" * len(head))


def target_line(met, rows, settings) -> str:
    counts = "; ".join(f"{THREAD_LABELS[s]}: {met[s]} of {rows} rows" for s in settings)
    return f"target <= {TARGET}x: {counts}"


# ------------------------------------------------------ part 2: grid search


def grid_ours(regularization):
    return GridSearchCV(
        RegularizedLogisticRegression(regularization, l1_ratio=0.5),
        {"lambda_": GRID},
        cv=5,
    )


def grid_sklearn(regularization, solver, n_train):
    return GridSearchCV(
        LogisticRegression(solver=solver, **penalty_options(regularization)),
        {"C": 1.0 / (GRID * n_train)},
        cv=5,
    )


def probe(solver, X, y, regularization, n_train) -> float:
    """Seconds of one fit at each end of the grid at default tolerances, after
    an untimed one (first calls pay caches)."""
    seconds = []
    for lam in (GRID[0], GRID[0], GRID[-1]):
        model = LogisticRegression(
            C=1.0 / (lam * n_train), solver=solver, **penalty_options(regularization)
        )
        seconds.append(timed(model.fit, X, y)[0])
    return seconds[1] + seconds[2]


def grid_row(X, y, regularization, args, settings, threads):
    n_train = round(X.shape[0] * 4 / 5)
    notes = []
    solvers = ["lbfgs", "newton-cholesky"] if regularization == "l2" else ["saga"]
    if len(solvers) > 1:
        with threads(settings[0]):
            probes = {s: probe(s, X, y, regularization, n_train) for s in solvers}
        fastest = min(probes.values())
        for solver, seconds in probes.items():
            # Only where it saves time: 2 fits over 0.5 s, 101 over 25 s.
            if seconds > 3 * fastest and seconds > 0.5:
                solvers.remove(solver)
                notes.append(f"{solver} not timed: probe {seconds / fastest:.0f}x")
    methods = {"ours": lambda: grid_ours(regularization).fit(X, y)}
    for solver in solvers:
        methods[solver] = lambda s=solver: grid_sklearn(regularization, s, n_train).fit(
            X, y
        )
    times = {(m, s): [] for m in methods for s in settings}
    found, warned = {}, dict.fromkeys(methods, 0)
    for repeat in range(args.repeats):  # interleaved: noise hits all alike
        for setting in settings:
            for method, fit in methods.items():
                if repeat and times[method, setting][0] > LONG:
                    continue
                with threads(setting):
                    seconds, search, caught = timed(fit)
                times[method, setting].append(seconds)
                if method != "ours":
                    caught = [w for w in caught if w.category is ConvergenceWarning]
                warned[method] = max(warned[method], len(caught))
                param = search.best_params_
                lam = (
                    param["lambda_"]
                    if "lambda_" in param
                    else 1 / (param["C"] * n_train)
                )
                found[method] = (search.best_score_, float(lam))
    out = {}
    for setting in settings:
        median = {m: float(np.median(times[m, setting])) for m in methods}
        long = {m: len(times[m, setting]) < args.repeats for m in methods}
        best = min(solvers, key=median.get)
        out[setting] = (median["ours"], long["ours"], best, median[best], long[best])
    peer = min(solvers, key=lambda s: np.median(times[s, settings[0]]))
    warn = f"{warned['ours']}/{max(warned[s] for s in solvers)}"
    return out, found["ours"], found[peer], warn, "; ".join(notes)


def part_grid(data, penalties, args, settings, threads) -> None:
    print(
        f"\nPart 2: GridSearchCV(cv=5), 20 lambdas {GRID[0]:g} ... {GRID[-1]:g}, "
        f"default tolerances and scoring; median seconds of {args.repeats} "
        f"(* ran once: over {LONG:g} s)"
    )
    group = f"{'ours':>8} {'sklearn':>8} {'solver':>15} {'ratio':>6}"
    tail = (
        f" | {'score ours':>10} {'sklearn':>7} {'lambda ours':>11} {'sklearn':>8}"
        f" {'warned':>7}"
    )
    print_head(group, settings, tail)
    met = dict.fromkeys(settings, 0)
    rows = 0
    for name, (X, y) in data.items():
        for regularization in penalties:
            out, ours, peer, warn, note = grid_row(
                X, y, regularization, args, settings, threads
            )
            line = f"{name:19} {regularization:10}"
            for setting in settings:
                seconds, long, solver, sk_seconds, sk_long = out[setting]
                ratio = seconds / sk_seconds
                met[setting] += ratio <= TARGET
                ours_text = f"{seconds:.2f}{'*' if long else ''}"
                sk_text = f"{sk_seconds:.2f}{'*' if sk_long else ''}"
                line += f" | {ours_text:>8} {sk_text:>8} {solver:>15} {ratio:6.2f}"
            line += (
                f" | {ours[0]:10.4f} {peer[0]:7.4f} {ours[1]:11.3g} {peer[1]:8.3g}"
                f" {warn:>7}"
            )
            print(line + (f"  ({note})" if note else ""), flush=True)
            rows += 1
    print(
        "warned: fits that warned in one grid search of 101, ours (any warning) / "
        "scikit-learn (ConvergenceWarning), the most over the runs"
    )
    print(target_line(met, rows, settings))


# ------------------------------------------------------------------- main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated problem names")
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing")
    parser.add_argument("--lam", type=float, default=1e-2, help="part 1 lambda_")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds/rung")
    parser.add_argument("--threads", choices=("default", "one", "both"), default="both")
    parser.add_argument("--load", type=int, default=0, help="busy processes")
    parser.add_argument("--skip-single", action="store_true", help="no part 1")
    parser.add_argument("--skip-grid", action="store_true", help="no part 2")
    parser.add_argument(
        "--penalties", default="l2,l1,elasticnet", help="comma-separated"
    )
    parser.add_argument(
        "--grid-elasticnet", action="store_true", help="elastic net in part 2 too"
    )
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(PROBLEMS)
    unknown = [n for n in names if n not in PROBLEMS]
    if unknown:
        parser.error(f"unknown problems {unknown}; known: {', '.join(PROBLEMS)}")
    penalties = [p for p in args.penalties.split(",") if p]
    if any(p not in RHO for p in penalties):
        parser.error(f"penalties are among {', '.join(RHO)}")
    settings = ["default", "one"] if args.threads == "both" else [args.threads]

    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}"
        f", {os.cpu_count()} CPUs"
    )
    print(
        f"sklearn-norm {sklearn_norm.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, threadpoolctl "
        f"{threadpoolctl.__version__}, Python {platform.python_version()}"
    )
    print(f"BLAS: {blas_description()}")
    print(
        f"settings: threads {args.threads}, {args.load} busy processes, repeats "
        f"{args.repeats}, lambda_ {args.lam:g}, budget {args.budget:g} s/rung, "
        f"penalties {','.join(penalties)}"
        f"{' (+elasticnet grid)' if args.grid_elasticnet else ''}"
    )
    data = {name: standardized(name) for name in names}
    threads = Threads()
    start = time.perf_counter()
    with busy_processes(args.load):
        if not args.skip_single:
            part_single(data, penalties, args, settings, threads)
        if not args.skip_grid:
            grid_penalties = [
                p for p in penalties if p != "elasticnet" or args.grid_elasticnet
            ]
            part_grid(data, grid_penalties, args, settings, threads)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
