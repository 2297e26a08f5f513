"""
Multinomial models with string class names
==========================================

With more than two classes :class:`~sklearn_norm.RegularizedLogisticRegression`
and :class:`~sklearn_norm.RegularizedLogisticRegressionCV` fit one
multinomial (softmax) model with a row of coefficients per class. The labels
may be strings: ``classes_`` holds them (sorted), ``predict`` returns them,
and the columns of ``predict_proba`` and the rows of ``coef_`` follow the
order of ``classes_``.

On the iris data, labelled by species name, this example cross-validates an
L1 path, inspects the fitted model, draws the held-out confusion matrix and
shows which measurements the L1 penalty keeps for each species.
"""

# %%
# The data, labelled by name
# --------------------------
# ``target_names[target]`` turns the integer targets into the species names.
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_iris
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_norm import RegularizedLogisticRegressionCV, plot_path

iris = load_iris()
X = pd.DataFrame(iris.data, columns=[name[:-5] for name in iris.feature_names])
y = iris.target_names[iris.target]  # strings: "setosa", "versicolor", ...
print("labels:", y[:3], "...", y[-3:])
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

# %%
# Fit
# ---
# The measurements are standardized; the L1 path is cross-validated on five
# shuffled stratified folds and ``lambda_`` set to ``lambda_1se``, the
# sparsest model within one standard error of the best held-out log-loss.
folds = StratifiedKFold(5, shuffle=True, random_state=0)
pipe = make_pipeline(
    StandardScaler(), RegularizedLogisticRegressionCV("l1", cv=folds, selection="1se")
).fit(X_train, y_train)
model = pipe[-1]
print("classes_:", model.classes_)
print(f"lambda_ = {model.lambda_:.3g}, coef_ has shape {model.coef_.shape}")

# %%
# Predictions are names; the probabilities have one column per class, in the
# order of ``classes_``.
print("predict:", pipe.predict(X_test[:4]))
proba = pd.DataFrame(pipe.predict_proba(X_test[:4]), columns=model.classes_)
print(proba.round(3).to_string())

# %%
# The confusion matrix on the held-out rows
# -----------------------------------------
# ``ConfusionMatrixDisplay`` takes the names as they come.
print(f"held-out accuracy {pipe.score(X_test, y_test):.3f}")
fig, ax = plt.subplots(figsize=(5, 4.2), layout="constrained")
ConfusionMatrixDisplay.from_estimator(pipe, X_test, y_test, ax=ax, colorbar=False)
ax.set_title("Iris, held-out rows: L1 multinomial model")
plt.show()

# %%
# Which measurements each species uses
# ------------------------------------
# One row of ``coef_`` per species (per standard deviation of each
# measurement). The L1 penalty sets some coefficients to exactly zero, and
# not the same ones for every class: a measurement may matter for one
# species and not another (``multinomial_penalty="grouped"`` would keep or
# drop a measurement for all species together). Only the differences between
# the rows change the probabilities, so one species can serve as the
# reference with a row of zeros: here the penalty makes it versicolor, the
# species between the other two, and "sepal length" is used by none.
coef = pd.DataFrame(model.coef_, index=model.classes_, columns=X.columns)
print(coef.round(3).to_string())
for species, row in coef.iterrows():
    print(f"{species:10s} uses {', '.join(row.index[row != 0]) or 'nothing'}")

# %%
# The path of every class, one panel per species: where each measurement
# enters as ``lambda_`` decreases, with ``lambda_min`` and ``lambda_1se``
# marked. :func:`~sklearn_norm.plot_path` takes the fitted Pipeline and
# names the lines after the DataFrame's columns; here it draws into three
# panels stacked in one figure.
fig, axes = plt.subplots(3, 1, figsize=(7, 8), sharex=True, layout="constrained")
plot_path(pipe, ax=axes)
for ax in axes:
    ax.label_outer()
plt.show()
