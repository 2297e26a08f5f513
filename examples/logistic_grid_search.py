"""
Tune ``lambda_`` with GridSearchCV, then the decision threshold
===============================================================

:class:`~sklearn_norm.RegularizedLogisticRegression` is a scikit-learn
classifier: ``GridSearchCV`` tunes its ``regularization`` and ``lambda_``
inside a ``Pipeline``. Its ``predict`` calls a sample positive when the
predicted probability is at least 0.5; scikit-learn's
``FixedThresholdClassifier`` moves that threshold, and
``TunedThresholdClassifierCV`` chooses it by cross-validation.
"""

# %%
# The breast cancer data, split into a training and a test set.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import recall_score
from sklearn.model_selection import (
    FixedThresholdClassifier,
    GridSearchCV,
    TunedThresholdClassifierCV,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_norm import L2Normalizer, RegularizedLogisticRegression

data = load_breast_cancer()
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, stratify=data.target, random_state=0
)

# %%
# Tune the penalty
# ----------------
# The Pipeline standardizes the features, puts every sample on the unit
# sphere (:class:`~sklearn_norm.L2Normalizer`) and classifies. The grid
# crosses the two penalties with nine values of ``lambda_``.
pipe = make_pipeline(StandardScaler(), L2Normalizer(), RegularizedLogisticRegression())
grid = {
    "regularizedlogisticregression__regularization": ["l1", "l2"],
    "regularizedlogisticregression__lambda_": np.logspace(-4, 0, 9),
}
search = GridSearchCV(pipe, grid, cv=5, n_jobs=2).fit(X_train, y_train)
best = search.best_estimator_[-1]
params = search.best_params_
print(
    "best: regularization="
    f"{params['regularizedlogisticregression__regularization']!r}, "
    f"lambda_={params['regularizedlogisticregression__lambda_']:.3g}"
)
print(f"cross-validated accuracy: {search.best_score_:.3f}")
print(f"test accuracy:            {search.score(X_test, y_test):.3f}")
print(f"non-zero coefficients:    {np.count_nonzero(best.coef_)} of {best.coef_.size}")
print(f"solver {best.solver_!r}: {best.n_iter_} iterations, KKT {best.optimality_:.1e}")

# %%
# A fixed probability threshold
# -----------------------------
# Here "malignant" is class 0. To miss fewer malignant tumours, call a sample
# benign (1) only when P(benign) >= 0.8: the recall of the malignant class
# goes up.
strict = FixedThresholdClassifier(
    search.best_estimator_, threshold=0.8, response_method="predict_proba"
).fit(X_train, y_train)
for name, model in [
    ("threshold 0.5", search.best_estimator_),
    ("threshold 0.8", strict),
]:
    recall = recall_score(y_test, model.predict(X_test), pos_label=0)
    print(f"{name}: recall of malignant = {recall:.3f}")

# %%
# A threshold chosen by cross-validation
# --------------------------------------
# ``TunedThresholdClassifierCV`` refits the Pipeline on each fold and picks
# the threshold with the best mean balanced accuracy on the held-out parts.
tuned = TunedThresholdClassifierCV(
    search.best_estimator_, scoring="balanced_accuracy", cv=5, store_cv_results=True
).fit(X_train, y_train)
print(
    f"tuned threshold: {tuned.best_threshold_:.2f}, balanced accuracy (CV) "
    f"{tuned.best_score_:.3f}"
)

# %%
# The cross-validated balanced accuracy at every threshold tried. The curve
# is flat near its top: on these data the default 0.5 is nearly as good as
# the tuned threshold, and thresholds near 0 or 1 call every sample benign or
# malignant (balanced accuracy 0.5).
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.plot(tuned.cv_results_["thresholds"], tuned.cv_results_["scores"])
ax.axvline(0.5, color="0.5", linestyle=":", label="default threshold 0.5")
ax.axvline(
    tuned.best_threshold_,
    color="tab:red",
    linestyle="--",
    label=f"tuned threshold {tuned.best_threshold_:.2f}",
)
ax.set_xlabel("threshold on P(benign)")
ax.set_ylabel("balanced accuracy (5-fold CV)")
ax.set_title("Breast cancer: balanced accuracy against the decision threshold")
ax.legend(loc="lower center")
plt.show()
