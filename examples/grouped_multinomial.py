"""
A feature in or out for every class: the grouped multinomial penalty
====================================================================

With three or more classes the lasso penalizes each class's coefficient of a
feature on its own, so a feature may serve one class and not another.
``multinomial_penalty="grouped"`` penalizes the Euclidean norm of a
feature's coefficients of all classes instead (glmnet's ``type.multinomial =
"grouped"``): the model uses a feature for every class or for none, which is
what a question like "which measurements matter?" asks.

On scikit-learn's wine data (13 chemical measurements, 3 cultivars) this
example cross-validates both penalties on the same folds, prints which
measurements each keeps at its one-standard-error choice with its held-out
log-loss, draws the two coefficient matrices, and shows where each
measurement enters the grouped path.
"""

# %%
# The data: the 13 measurements standardized, and five shuffled stratified
# folds shared by both cross-validations.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklearn_norm import RegularizedLogisticRegressionCV, lambda_max, logistic_path

data = load_wine()
X, y = StandardScaler().fit_transform(data.data), data.target
names = np.array(data.feature_names)
folds = StratifiedKFold(5, shuffle=True, random_state=0)

# %%
# Ungrouped against grouped
# -------------------------
# Each penalty's L1 path is cross-validated and ``lambda_`` set to
# ``lambda_1se`` (the sparsest model within one standard error of the best
# held-out log-loss). Ungrouped, most measurements serve only some of the
# classes; grouped, every measurement in the model has a coefficient for all
# three.
models = {}
for grouping in ("ungrouped", "grouped"):
    model = RegularizedLogisticRegressionCV(
        "l1", cv=folds, selection="1se", multinomial_penalty=grouping
    ).fit(X, y)
    models[grouping] = model
    chosen = np.flatnonzero(model.lambdas_ == model.lambda_)[0]
    log_loss = -model.cv_scores_[:, chosen].mean()
    per_feature = (model.coef_ != 0).sum(axis=0)  # classes using each feature
    print(
        f"{grouping:9s}: lambda_1se {model.lambda_:.4g}, held-out log-loss "
        f"{log_loss:.4f}, {int((per_feature > 0).sum())} measurements, "
        f"{int(per_feature.sum())} coefficients"
    )
    partial = names[(per_feature > 0) & (per_feature < y.max() + 1)]
    print(f"           used for some classes only: {partial.tolist()}")

# %%
# The two coefficient matrices, one row per cultivar and one column per
# measurement; grey cells are exact zeros. The grouped penalty zeroes whole
# columns.
fig, axes = plt.subplots(2, 1, figsize=(7, 5.6), sharex=True, layout="constrained")
bound = max(np.abs(m.coef_).max() for m in models.values())
for ax, (grouping, model) in zip(axes, models.items(), strict=True):
    shown = np.ma.masked_equal(model.coef_, 0.0)
    image = ax.imshow(shown, cmap="RdBu_r", vmin=-bound, vmax=bound, aspect="auto")
    ax.set_yticks(range(3), [f"class {k}" for k in model.classes_])
    ax.set_title(f"{grouping}: {int((model.coef_ != 0).sum())} non-zero coefficients")
    ax.set_facecolor("0.8")  # the masked cells: exact zeros
axes[-1].set_xticks(range(names.size), names, rotation=60, ha="right")
axes[-1].set_xlabel("measurement")
fig.colorbar(image, ax=axes, label="coefficient (standardized units)")
fig.suptitle("Wine, L1 at lambda_1se: coefficients per class")
plt.show()

# %%
# Where the measurements enter the grouped path
# ---------------------------------------------
# The path from ``lambda_max`` (all coefficients zero) down a decade: all of
# a measurement's class coefficients become non-zero together. The first
# five to enter, with ``lambda`` as a fraction of ``lambda_max``:
top = lambda_max(X, y, multinomial_penalty="grouped")
lambdas, coefs, _ = logistic_path(
    X, y, lambdas=top * np.logspace(0, -1, 60), multinomial_penalty="grouped"
)
used = coefs.any(axis=1)  # (n_lambdas, n_features): in the model there
entered = np.where(used.any(axis=0), np.argmax(used, axis=0), lambdas.size)
for j in np.argsort(entered, kind="stable")[:5]:
    at = entered[j]
    print(
        f"  {names[j]:30s} enters at lambda/lambda_max = "
        f"{lambdas[at] / lambdas[0]:.3f}, non-zero for "
        f"{int(np.count_nonzero(coefs[at, :, j]))} of 3 classes"
    )
