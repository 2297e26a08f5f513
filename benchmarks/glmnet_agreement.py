"""How closely ``RegularizedLogisticRegression`` agrees with R's glmnet on the
glmnet features it shares: penalty factors, standardization inside the fit,
offsets, bounds on the coefficients, the grouped multinomial penalty
(``type.multinomial = "grouped"``) and the relaxed lasso, on real data
(breast cancer and wine from scikit-learn, the ``fair`` affairs data from
statsmodels when it is installed).

For each data set and feature it prints the largest coefficient difference
(for standardized fits, of the coefficients times the column deviations:
the scale glmnet's convergence threshold refers to), whether the zero
patterns (and, with bounds, the coefficients at a finite bound) are
identical, and the number of non-zero coefficients. glmnet runs
at ``thresh=1e-20`` through ``Rscript`` (see ``tests/_glmnet.py``); ours at
``tol=1e-12``.

Needs R and its glmnet package (Debian: ``apt-get install r-base-core
r-cran-glmnet``). Run::

    python benchmarks/glmnet_agreement.py
"""

import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_wine, make_classification
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _glmnet import glmnet_available, glmnet_fit  # noqa: E402

from sklearn_norm import (  # noqa: E402
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
)


def data_sets():
    """``(name, raw X, y, lambda_)`` of the real data sets at hand."""
    for name, loader, lambda_ in [
        ("breast cancer 569x30", load_breast_cancer, 0.01),
        ("wine 178x13, 3 classes", load_wine, 0.02),
    ]:
        X, y = loader(return_X_y=True)
        yield name, X, y, lambda_
    try:
        import statsmodels.api as sm
    except ImportError:
        return
    fair = sm.datasets.fair.load_pandas().data
    y = (fair.pop("affairs") > 0).to_numpy(dtype=int)
    yield "fair 6366x8 (statsmodels)", fair.to_numpy(dtype=float), y, 0.002


def features(n_features, y):
    """``(label, glmnet options, our options)`` of each compared feature
    (``offset`` in ours goes to ``fit``)."""
    rng = np.random.default_rng(0)
    factor = rng.uniform(0.2, 3.0, n_features)
    factor[0], factor[1] = 0.0, np.inf
    n_classes = np.unique(y).size
    offset = rng.normal(size=y.shape if n_classes == 2 else (y.size, n_classes))
    lower, upper = np.full(n_features, -np.inf), np.full(n_features, np.inf)
    lower[::2], upper[1::3] = 0.0, 0.0
    lower[5], upper[4] = -0.3, 0.2
    yield "none (standardized X)", {}, {}
    yield "offset", {"offset": offset}, {"offset": offset}
    yield (
        "lower/upper bounds",
        {"lower": lower, "upper": upper},
        {"lower_bounds": lower, "upper_bounds": upper},
    )
    yield "penalty_factor", {"penalty_factor": factor}, {"penalty_factor": factor}
    yield "standardize (raw X)", {"standardize": True}, {"standardize": True}
    yield (
        "standardize, no intercept",
        {"standardize": True, "fit_intercept": False},
        {"standardize": True, "fit_intercept": False},
    )
    yield (
        "standardize + penalty_factor",
        {"standardize": True, "penalty_factor": factor},
        {"standardize": True, "penalty_factor": factor},
    )
    if n_classes > 2:
        grouped = {"multinomial_penalty": "grouped"}
        yield "grouped multinomial", {"grouped": True}, grouped
        yield (
            "grouped + penalty_factor",
            {"grouped": True, "penalty_factor": factor},
            {**grouped, "penalty_factor": factor},
        )
        yield (
            "grouped + standardize",
            {"grouped": True, "standardize": True},
            {**grouped, "standardize": True},
        )


def main() -> None:
    if not glmnet_available():
        print("R's glmnet is not installed: apt-get install r-base-core r-cran-glmnet")
        return
    head = (
        f"{'data':27s} {'feature':30s} {'penalty':11s} "
        f"{'max|dcoef|':>10s} {'zeros agree':>11s} {'non-zero':>8s}"
    )
    print(head)
    print("-" * len(head))
    for name, raw, y, lambda_ in data_sets():
        scale = raw.std(axis=0)
        scaled = StandardScaler().fit_transform(raw)
        for label, theirs, ours in features(raw.shape[1], y):
            ours = dict(ours)
            offset = ours.pop("offset", None)
            X = raw if ours.get("standardize") else scaled
            unit = scale if ours.get("standardize") else np.ones_like(scale)
            for regularization, alpha in [("l1", 1.0), ("elasticnet", 0.5)]:
                coef, _ = glmnet_fit(X, y, lambda_, alpha, **theirs)
                model = RegularizedLogisticRegression(
                    regularization,
                    lambda_,
                    l1_ratio=alpha,
                    tol=1e-12,
                    num_iter=5000,
                    **ours,
                ).fit(X, y, offset=offset)
                gap = np.max(np.abs(model.coef_ - coef) * unit)
                same = np.array_equal(model.coef_ == 0.0, coef == 0.0)
                if "lower_bounds" in ours:  # bound hits agree too
                    same &= np.array_equal(
                        np.isin(model.coef_, [-0.3, 0.2]), np.isin(coef, [-0.3, 0.2])
                    )
                print(
                    f"{name:27s} {label:30s} {regularization:11s} {gap:10.1e} "
                    f"{'yes' if same else 'NO':>11s} {int(np.sum(model.coef_ != 0)):8d}"
                )
    relaxed_rows()


def relaxed_rows() -> None:
    """The relaxed lasso (``relax=True`` of the CV estimator, at one lambda)
    against glmnet's ``relax = TRUE`` blended by gamma, on data whose kept
    features do not separate the classes (the refit has a minimizer).
    Multinomial refits are compared as zero-mean representatives, and
    "zeros agree" compares the kept features."""
    cancer, diagnosis = load_breast_cancer(return_X_y=True)
    noisy, labels = make_classification(
        300,
        6,
        n_informative=4,
        n_redundant=0,
        n_classes=3,
        flip_y=0.15,
        class_sep=0.8,
        random_state=0,
    )
    for name, X, y, lambda_ in [
        (
            "breast cancer 569x30",
            StandardScaler().fit_transform(cancer),
            diagnosis,
            0.03,
        ),
        ("noisy 300x6, 3 classes", StandardScaler().fit_transform(noisy), labels, 0.05),
    ]:
        for gamma in (0.0, 0.5):
            coef, _ = glmnet_fit(X, y, lambda_, 1.0, gamma=gamma)
            model = RegularizedLogisticRegressionCV(
                "l1", [lambda_], relax=True, gammas=[gamma], cv=3, tol=1e-10
            ).fit(X, y)
            ours = model.coef_
            same = np.array_equal(ours.any(axis=0), coef.any(axis=0))
            if ours.shape[0] > 1:
                ours, coef = ours - ours.mean(axis=0), coef - coef.mean(axis=0)
            gap = np.max(np.abs(ours - coef))
            label = f"relaxed lasso, gamma {gamma}"
            print(
                f"{name:27s} {label:30s} {'l1':11s} {gap:10.1e} "
                f"{'yes' if same else 'NO':>11s} {int(np.sum(model.coef_ != 0)):8d}"
            )


if __name__ == "__main__":
    main()
