"""Regularization path and cross-validated lambda_, glmnet style.

Fits the L1 path of the breast cancer data, cross-validates it with
RegularizedLogisticRegressionCV (lambda_min and the sparser lambda_1se), checks
that the choice equals GridSearchCV's over single fits on the same folds,
cross-validates again with one feature unpenalized and one excluded
(``penalty_factor``), then on the raw features standardized inside every
fold's fit (``standardize=True``, coefficients per original unit), once more
with every coefficient held to the sign of its feature's correlation with
the label (``lower_bounds``/``upper_bounds``), compares the relaxed lasso
(``relax=True``: lambda_ and the blend gamma cross-validated together), and
saves the two pictures in a new temporary folder (with matplotlib, the
``plot`` extra).

Run::

    python examples/path_and_cv.py
"""

import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklearn_norm import (
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    logistic_path,
)

data = load_breast_cancer()
X = StandardScaler().fit_transform(data.data)
y = data.target

# The whole L1 path: how many features each lambda_ keeps.
lambdas, coefs, intercepts = logistic_path(X, y, n_lambdas=30)
print("lambda_      non-zero coefficients")
for lambda_, coef in list(zip(lambdas, coefs, strict=True))[::5]:
    print(f"{lambda_:10.4g}   {int((coef != 0).sum()):3d}")

# Cross-validate the path; compare with a grid search over single fits.
folds = StratifiedKFold(5, shuffle=True, random_state=0)
start = time.perf_counter()
model = RegularizedLogisticRegressionCV("l1", n_lambdas=30, cv=folds).fit(X, y)
cv_seconds = time.perf_counter() - start
start = time.perf_counter()
search = GridSearchCV(
    RegularizedLogisticRegression("l1"),
    {"lambda_": model.lambdas_},
    cv=folds,
    scoring="neg_log_loss",
).fit(X, y)
search_seconds = time.perf_counter() - start
print(
    f"lambda_min {model.lambda_min_:.4g} (GridSearchCV: "
    f"{search.best_params_['lambda_']:.4g}), lambda_1se {model.lambda_1se_:.4g}"
)
print(f"path CV {cv_seconds:.2f} s, GridSearchCV {search_seconds:.2f} s")
kept = [data.feature_names[j] for j in (model.coef_[0] != 0).nonzero()[0]]
print(f"{len(kept)} features kept at lambda_min: {', '.join(kept)}")

# Penalty factors: "mean radius" unpenalized (in the model at every lambda_),
# "worst radius" excluded; the CV selects lambda_ with them.
factor = np.ones(X.shape[1])
factor[data.feature_names == "mean radius"] = 0.0
factor[data.feature_names == "worst radius"] = np.inf
adjusted = RegularizedLogisticRegressionCV(
    "l1", n_lambdas=30, cv=folds, penalty_factor=factor
).fit(X, y)
kept = [data.feature_names[j] for j in (adjusted.coef_[0] != 0).nonzero()[0]]
print(f"with penalty factors, {len(kept)} features kept: {', '.join(kept)}")

# The raw features, standardized inside each fold's fit (as cv.glmnet does):
# the coefficients come back per original unit.
raw = RegularizedLogisticRegressionCV(
    "l1", n_lambdas=30, cv=folds, standardize=True
).fit(data.data, y)
print(f"raw features, standardize=True: lambda_min {raw.lambda_min_:.4g}")
for j in np.flatnonzero(raw.coef_[0])[:4]:
    print(f"  {data.feature_names[j]:24s} {raw.coef_[0, j]:+10.4g} per unit")

# Sign constraints: no coefficient against its feature's own association
# with the label (multicollinearity can flip signs in an unconstrained fit).
correlation = X.T @ (y - y.mean()) / y.size
signed = RegularizedLogisticRegressionCV(
    "l1",
    n_lambdas=30,
    cv=folds,
    lower_bounds=np.where(correlation > 0, 0.0, -np.inf),
    upper_bounds=np.where(correlation < 0, 0.0, np.inf),
).fit(X, y)
flipped = int(np.sum(model.coef_[0] * correlation < 0))
print(
    f"sign-constrained: lambda_min {signed.lambda_min_:.4g}, "
    f"{int(np.sum(signed.coef_ != 0))} features (unconstrained: {flipped} of "
    f"{int(np.sum(model.coef_ != 0))} against their correlation)"
)

# The relaxed lasso: the unpenalized refit on each support, blended back.
relaxed = RegularizedLogisticRegressionCV("l1", n_lambdas=30, cv=folds, relax=True)
relaxed.fit(X, y)
best = relaxed.cv_scores_relaxed_.mean(axis=0).max()
print(
    f"relaxed lasso: lambda_ {relaxed.lambda_:.4g}, gamma_ {relaxed.gamma_}, "
    f"{int(np.sum(relaxed.coef_ != 0))} features, held-out log-loss {-best:.4f} "
    f"(lasso: {-model.cv_scores_.mean(axis=0).max():.4f})"
)

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_norm import plot_cv, plot_path
except ImportError:
    print("matplotlib is not installed: no pictures (pip install 'sklearn-norm[plot]')")
else:
    out = Path(tempfile.mkdtemp(prefix="sklearn-norm-"))
    for name, draw in [("path.png", plot_path), ("cv.png", plot_cv)]:
        ax = draw(model)
        ax.figure.savefig(out / name, dpi=100)
        plt.close(ax.figure)
    print(f"pictures in {out}")
