"""
What new features add to an established score: offsets
=======================================================

A known score (here the log-odds of a model of the ten "mean" features of
the breast cancer data, fitted on a first half of the rows) enters every fit
as an ``offset``: a fixed term of the linear predictor, not fitted. An L1
model of the other twenty features on the second half then says which of
them add to that score. Shown three ways: the CV estimator (held-out
log-loss with the held-out rows' offsets), a Pipeline tuned by
``GridSearchCV`` with scikit-learn's metadata routing carrying the offsets,
and the held-out accuracy of both against the baseline alone.
"""

# %%
# The established score
# ---------------------
# A ridge model of the ten "mean" features, fitted on the first half of the
# rows only. Its decision function (the log-odds) on every row is the
# offset.
import matplotlib.pyplot as plt
import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_norm import RegularizedLogisticRegression, RegularizedLogisticRegressionCV

data = load_breast_cancer()
X, y = data.data, data.target
first, second = train_test_split(np.arange(y.size), test_size=0.5, random_state=0)
mean_features, other = np.arange(10), np.arange(10, 30)

baseline = make_pipeline(StandardScaler(), RegularizedLogisticRegression("l2", 0.01))
baseline.fit(X[np.ix_(first, mean_features)], y[first])
offset = baseline.decision_function(X[:, mean_features])

# %%
# What the other features add
# ---------------------------
# On the second half, split again into training and test rows, an L1 path of
# the twenty other features is cross-validated with the offset in every fit
# and every held-out score.
train, test = train_test_split(
    second, test_size=0.4, random_state=0, stratify=y[second]
)
scaler = StandardScaler().fit(X[np.ix_(train, other)])
Z_train = scaler.transform(X[np.ix_(train, other)])
Z_test = scaler.transform(X[np.ix_(test, other)])
folds = StratifiedKFold(5, shuffle=True, random_state=0)
added = RegularizedLogisticRegressionCV("l1", cv=folds).fit(
    Z_train, y[train], offset=offset[train]
)
kept = data.feature_names[other][added.coef_[0] != 0]
print(f"lambda_ {added.lambda_:.4g}: {len(kept)} features add to the baseline:")
print("  " + ", ".join(kept))

# %%
# The coefficients of the features kept (standardized units): what each adds
# to the baseline's log-odds of "benign" per standard deviation.
coef = added.coef_[0][added.coef_[0] != 0]
order = np.argsort(coef)
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.barh(
    kept[order], coef[order], color=np.where(coef[order] > 0, "tab:blue", "tab:red")
)
ax.axvline(0, color="0.3", linewidth=0.8)
ax.set_xlabel("coefficient on top of the offset (per standard deviation)")
ax.set_title(f"Added to the baseline: L1 at lambda_ = {added.lambda_:.2g}")
plt.show()

# %%
# The same through GridSearchCV
# -----------------------------
# With metadata routing enabled, ``set_fit_request`` and
# ``set_score_request`` ask for the offsets, and ``GridSearchCV`` passes each
# split's rows of them to every fit and score (accuracy, the estimator's
# score).
with sklearn.config_context(enable_metadata_routing=True):
    model = (
        RegularizedLogisticRegression("l1")
        .set_fit_request(offset=True)
        .set_score_request(offset=True)
    )
    pipe = make_pipeline(StandardScaler(), model)
    grid = {"regularizedlogisticregression__lambda_": np.geomspace(0.3, 1e-3, 8)}
    search = GridSearchCV(pipe, grid, cv=folds)
    search.fit(X[np.ix_(train, other)], y[train], offset=offset[train])
best = search.best_params_["regularizedlogisticregression__lambda_"]
print(f"GridSearchCV (accuracy) picks lambda_ {best:.4g}")

# %%
# Held-out accuracy
# -----------------
# The baseline alone predicts "benign" where its log-odds are positive; the
# CV model adds the kept features to it.
alone = np.mean((offset[test] > 0) == y[test])
with_added = added.score(Z_test, y[test], offset=offset[test])
print(f"held-out accuracy: baseline {alone:.3f}, baseline + L1 model {with_added:.3f}")
