"""Tune lambda_ of RegularizedLogisticRegression in a Pipeline with GridSearchCV,
then move the decision threshold (``predict`` with a probability threshold) with
scikit-learn's FixedThresholdClassifier / TunedThresholdClassifierCV.

Run::

    python examples/logistic_grid_search.py
"""

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

# Standardize the features, put every sample on the unit sphere, classify.
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

# Predict with a probability threshold other than 0.5. Here "malignant" is class 0;
# to miss fewer malignant tumours, call a sample benign (1) only when
# P(benign) >= 0.8.
strict = FixedThresholdClassifier(
    search.best_estimator_, threshold=0.8, response_method="predict_proba"
).fit(X_train, y_train)
for name, model in [
    ("threshold 0.5", search.best_estimator_),
    ("threshold 0.8", strict),
]:
    recall = recall_score(y_test, model.predict(X_test), pos_label=0)
    print(f"{name}: recall of malignant = {recall:.3f}")

# Or let cross-validation pick the threshold that maximizes balanced accuracy.
tuned = TunedThresholdClassifierCV(
    search.best_estimator_, scoring="balanced_accuracy", cv=5
).fit(X_train, y_train)
print(
    f"tuned threshold: {tuned.best_threshold_:.2f}, balanced accuracy (CV) "
    f"{tuned.best_score_:.3f}"
)
