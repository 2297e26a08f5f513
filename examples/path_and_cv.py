"""
Regularization path and cross-validated ``lambda_``, glmnet style
=================================================================

This example fits the L1 path of the breast cancer data and cross-validates
it with :class:`~sklearn_norm.RegularizedLogisticRegressionCV`
(``lambda_min`` and the sparser ``lambda_1se``), checks that the choice
equals ``GridSearchCV``'s over single fits on the same folds, and draws the
path and the cross-validation curve with :func:`~sklearn_norm.plot_path` and
:func:`~sklearn_norm.plot_cv`. It then cross-validates again with one
feature unpenalized and one excluded (``penalty_factor``), on the raw
features standardized inside every fold's fit (``standardize=True``), with
every coefficient held to the sign of its feature's correlation with the
label (``lower_bounds``/``upper_bounds``), and compares the relaxed lasso
(``relax=True``: ``lambda_`` and the blend ``gamma`` cross-validated
together).

The pictures need matplotlib (the ``plot`` extra).
"""

# %%
# The breast cancer data: 569 tumours, 30 features, standardized.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklearn_norm import (
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    logistic_path,
    plot_cv,
    plot_path,
)

data = load_breast_cancer()
X = StandardScaler().fit_transform(data.data)
y = data.target
names = data.feature_names

# %%
# The L1 path
# -----------
# :func:`~sklearn_norm.logistic_path` fits a grid of ``lambda_`` from
# ``lambda_max`` (every coefficient zero) down, each fit warm-started from the
# previous one. Every fifth point, with how many features it keeps:
lambdas, coefs, intercepts = logistic_path(X, y, n_lambdas=30)
print("lambda_      non-zero coefficients")
for lambda_, coef in list(zip(lambdas, coefs, strict=True))[::5]:
    print(f"{lambda_:10.4g}   {int((coef != 0).sum()):3d}")

# %%
# Cross-validating the path
# -------------------------
# ``RegularizedLogisticRegressionCV`` fits that path on every fold and scores
# each ``lambda_`` on the held-out part (log-loss). ``lambda_min`` has the
# best mean score, ``lambda_1se`` is the largest ``lambda_`` within one
# standard error of it. A ``GridSearchCV`` over single fits on the same folds
# and grid picks the same ``lambda_min``, more slowly.
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
kept = names[model.coef_[0] != 0]
print(f"{len(kept)} features kept at lambda_min: {', '.join(kept)}")

# %%
# :func:`~sklearn_norm.plot_path` draws the coefficients of the fits on all
# the data against ``log10(lambda_)``, the penalty decreasing to the right,
# with ``lambda_min`` and ``lambda_1se`` marked. The ten largest coefficients
# at the selected ``lambda_`` are named at their line ends, the others are
# grey.
ax = plot_path(model, feature_names=names)
plt.show()

# %%
# :func:`~sklearn_norm.plot_cv` draws the mean held-out log-loss with error
# bars of one standard error; the selected point is circled.
ax = plot_cv(model)
plt.show()

# %%
# Penalty factors
# ---------------
# ``penalty_factor`` multiplies each feature's penalty: 0 leaves "mean
# radius" unpenalized (in the model at every ``lambda_``), ``inf`` excludes
# "worst radius"; the cross-validation selects ``lambda_`` with them.
factor = np.ones(X.shape[1])
factor[names == "mean radius"] = 0.0
factor[names == "worst radius"] = np.inf
adjusted = RegularizedLogisticRegressionCV(
    "l1", n_lambdas=30, cv=folds, penalty_factor=factor
).fit(X, y)
kept = names[adjusted.coef_[0] != 0]
print(f"with penalty factors, {len(kept)} features kept: {', '.join(kept)}")

# %%
# Standardizing inside the fit
# ----------------------------
# With ``standardize=True`` the raw features are standardized inside each
# fold's fit (as ``cv.glmnet`` does), and the coefficients come back per
# original unit.
raw = RegularizedLogisticRegressionCV(
    "l1", n_lambdas=30, cv=folds, standardize=True
).fit(data.data, y)
print(f"raw features, standardize=True: lambda_min {raw.lambda_min_:.4g}")
for j in np.flatnonzero(raw.coef_[0])[:4]:
    print(f"  {names[j]:24s} {raw.coef_[0, j]:+10.4g} per unit")

# %%
# Sign constraints
# ----------------
# No coefficient may go against its feature's own association with the
# label (correlated features can flip signs in an unconstrained fit): a
# feature positively correlated with ``y`` gets ``lower_bounds=0``, a
# negatively correlated one ``upper_bounds=0``.
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

# %%
# The relaxed lasso
# -----------------
# ``relax=True`` also refits every point of every path without the penalty
# on the features it keeps and blends the two, ``gamma * penalized + (1 -
# gamma) * refit``; the cross-validation picks ``lambda_`` and ``gamma``
# together.
relaxed = RegularizedLogisticRegressionCV("l1", n_lambdas=30, cv=folds, relax=True)
relaxed.fit(X, y)
best = relaxed.cv_scores_relaxed_.mean(axis=0).max()
print(
    f"relaxed lasso: lambda_ {relaxed.lambda_:.4g}, gamma_ {relaxed.gamma_}, "
    f"{int(np.sum(relaxed.coef_ != 0))} features, held-out log-loss {-best:.4f} "
    f"(lasso: {-model.cv_scores_.mean(axis=0).max():.4f})"
)
