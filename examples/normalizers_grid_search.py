"""
Choose the normalizer with GridSearchCV
=======================================

:class:`~sklearn_norm.L1Normalizer` and :class:`~sklearn_norm.L2Normalizer`
are scikit-learn transformers, so a ``Pipeline`` step can hold any of them
and ``GridSearchCV`` can treat the step itself as a parameter: here the
choice between rows scaled to unit L1 norm, rows scaled to unit L2 norm,
columns scaled to unit L2 norm (``axis=0``) and no normalization
(``"passthrough"``), crossed with the ``lambda_`` of
:class:`~sklearn_norm.RegularizedLogisticRegression`.

The normalizer changes the scale of the features, and with it the scale of
a good ``lambda_``: the two must be tuned together.
"""

# %%
# The breast cancer data (569 tumours, 30 measurements), with a quarter of
# the rows held out for the end.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_norm import L1Normalizer, L2Normalizer, RegularizedLogisticRegression

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# %%
# The Pipeline and the grid
# -------------------------
# The measurements come in different units, so every candidate first
# standardizes them. The ``"normalize"`` step is then one of four
# transformers, the classifier an L2-penalized logistic regression; the
# grid crosses the four with 15 values of ``lambda_``, ``GridSearchCV``
# scores each pair by its held-out log-loss (and accuracy) on the same five
# folds, and refits the pair with the best log-loss.
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("normalize", "passthrough"),
        ("classify", RegularizedLogisticRegression("l2")),
    ]
)
grid = {
    "normalize": [L1Normalizer(), L2Normalizer(), L2Normalizer(axis=0), "passthrough"],
    "classify__lambda_": np.logspace(-7, 0, 15),
}
folds = StratifiedKFold(5, shuffle=True, random_state=0)
search = GridSearchCV(
    pipe,
    grid,
    cv=folds,
    scoring={"log_loss": "neg_log_loss", "accuracy": "accuracy"},
    refit="log_loss",
).fit(X_train, y_train)

# %%
# The results as a table
# ----------------------
# ``cv_results_`` has one row per pair. The best ``lambda_`` of each
# normalizer, sorted by held-out log-loss:
results = pd.DataFrame(search.cv_results_)
results["normalizer"] = results["param_normalize"].map(repr)
results["lambda_"] = results["param_classify__lambda_"].astype(float)
results["log-loss"] = -results["mean_test_log_loss"]
results["accuracy"] = results["mean_test_accuracy"]
best_per_normalizer = (
    results.sort_values("log-loss")
    .groupby("normalizer", sort=False)
    .head(1)[["normalizer", "lambda_", "log-loss", "accuracy", "rank_test_log_loss"]]
)
print(best_per_normalizer.to_string(index=False, float_format="{:.4g}".format))

# %%
# The chosen pair, refitted on all the training rows, on the held-out rows:
best = search.best_params_
print(f"best: normalize={best['normalize']!r}, lambda_={best['classify__lambda_']:.3g}")
proba = search.predict_proba(X_test)
print(
    f"held-out log-loss {log_loss(y_test, proba):.4f}, "
    f"accuracy {accuracy_score(y_test, search.predict(X_test)):.3f}"
)

# %%
# Score against ``lambda_`` for each normalizer
# ---------------------------------------------
# Each normalizer has its own range of good ``lambda_``. After
# standardizing, a row here has an L2 norm of about 4 and an L1 norm of about
# 20 (medians); divided by it, the row needs coefficients that many times
# larger for the same predictions, so the L2 penalty must be about the
# square of that smaller. Columns of unit L2 norm instead of unit variance
# are the standardized columns divided by ``sqrt(n_samples)``: the same
# models as ``"passthrough"`` at a ``lambda_`` ``n_samples`` (about 340
# training rows per fold) times smaller, the same curve shifted by two and a
# half decades.
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for name, rows in results.groupby("normalizer", sort=False):
    rows = rows.sort_values("lambda_")
    (line,) = ax.plot(rows["lambda_"], rows["log-loss"], marker="o", ms=3, label=name)
    at = rows["log-loss"].idxmin()
    ax.plot(
        rows.loc[at, "lambda_"],
        rows.loc[at, "log-loss"],
        "o",
        ms=9,
        mfc="none",
        color=line.get_color(),
    )
ax.set_xscale("log")
ax.set_ylim(0, 0.4)
ax.set_xlabel("lambda_")
ax.set_ylabel("mean held-out log-loss (lower is better)")
ax.set_title("Breast cancer, 5-fold CV: each normalizer's best lambda_ circled")
fig.legend(loc="outside lower center", ncols=2, title="normalize step")
plt.show()
