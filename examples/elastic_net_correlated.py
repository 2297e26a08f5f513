"""
Elastic net on groups of correlated features
============================================

When several features carry nearly the same information, the L1 penalty
(the lasso) tends to keep one or two of them and set the others to zero,
and which ones it keeps can change with the sample. The elastic net adds an
L2 part to the penalty (``regularization="elasticnet"``, here
``l1_ratio=0.5``), which spreads the weight over such a group; its L1 part
still sets coefficients to exactly zero.

The design: four measurements of the breast cancer data, each recorded four
times with a small independent error (as if four instruments read the same
quantity), give 16 features in four groups whose members correlate at
about 0.997.
"""

# %%
# The data
# --------
# The four measurements are standardized; each copy adds Gaussian noise of
# 0.05 standard deviations.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_norm import RegularizedLogisticRegression, RegularizedLogisticRegressionCV

data = load_breast_cancer()
measurements = [
    "mean texture",
    "worst concave points",
    "worst area",
    "worst smoothness",
]
columns = [list(data.feature_names).index(name) for name in measurements]
Z = StandardScaler().fit_transform(data.data[:, columns])
copies = 4
rng = np.random.default_rng(0)
noise = rng.standard_normal((Z.shape[0], Z.shape[1] * copies))
X = np.repeat(Z, copies, axis=1) + 0.05 * noise
y = data.target
names = [f"{name} ({c + 1})" for name in measurements for c in range(copies)]
group = np.repeat(np.arange(len(measurements)), copies)
within = np.corrcoef(X.T)[(group[:, None] == group) & ~np.eye(group.size, dtype=bool)]
print(
    f"{X.shape[1]} features; correlation within a group {within.min():.4f} "
    f"to {within.max():.4f}"
)

X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# %%
# Lasso and elastic net, each cross-validated
# -------------------------------------------
# Each penalty's path is cross-validated on the same five folds and fitted
# at its ``lambda_min``. Per group, how many of the four copies each keeps,
# and the held-out scores:
folds = StratifiedKFold(5, shuffle=True, random_state=0)
models = {
    "L1": RegularizedLogisticRegressionCV("l1", cv=folds),
    "elastic net": RegularizedLogisticRegressionCV(
        "elasticnet", l1_ratio=0.5, cv=folds
    ),
}
for label, model in models.items():
    model.fit(X_train, y_train)
    coef = model.coef_[0]
    kept = [int(np.count_nonzero(coef[group == g])) for g in range(len(measurements))]
    print(
        f"{label:11s}: lambda_ {model.lambda_:.3g}, copies kept per group {kept}, "
        f"held-out log-loss {log_loss(y_test, model.predict_proba(X_test)):.4f}, "
        f"accuracy {accuracy_score(y_test, model.predict(X_test)):.3f}"
    )

# %%
# Both predict about equally well: the copies are interchangeable, so a
# model that uses one of them and a model that averages all four see the
# same signal. They differ in what they say about the features.
#
# The coefficients side by side, coloured by group: the lasso puts the
# weight of a group on one or two copies, the elastic net spreads it over
# all four (over three of the weakest group's).
colours = plt.get_cmap("tab10")(group)
fig, axes = plt.subplots(
    1, 2, figsize=(7, 5), sharex=True, sharey=True, layout="constrained"
)
for ax, (label, model) in zip(axes, models.items(), strict=True):
    ax.barh(np.arange(len(names)), model.coef_[0], color=colours)
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_title(f"{label}, lambda_ = {model.lambda_:.2g}", fontsize="medium")
    ax.set_xlabel("coefficient")
axes[0].set_yticks(np.arange(len(names)), names, fontsize="small")
axes[0].invert_yaxis()
fig.suptitle("Four groups of four near-copies: coefficients at lambda_min")
plt.show()

# %%
# Which copies the lasso picks is arbitrary
# -----------------------------------------
# Refitted at the same ``lambda_`` on the training rows of each of the five
# folds, the lasso keeps different copies of a group each time (the copy
# numbers kept, per group); the elastic net keeps all or nearly all of them.
print("copies kept, groups: " + " | ".join(measurements))
for label, model in models.items():
    print(label)
    for train, _ in folds.split(X_train, y_train):
        fit = RegularizedLogisticRegression(
            model.regularization, lambda_=model.lambda_, l1_ratio=0.5
        ).fit(X_train[train], y_train[train])
        kept = [
            ",".join(str(c + 1) for c in np.flatnonzero(fit.coef_[0, group == g]))
            for g in range(len(measurements))
        ]
        print(("  " + " | ".join(f"{k or '-':7s}" for k in kept)).rstrip())

# %%
# The paths
# ---------
# The coefficients of the fits on all the training rows along each grid of
# ``lambda_`` down to a tenth of ``lambda_min``, coloured by group, the
# penalty decreasing to the right. The lasso's copies of a group leave zero
# one at a time and follow different curves; the elastic net's enter
# together and share the weight, and separate only as the penalty fades and
# the small differences between the copies start to count.
fig, axes = plt.subplots(1, 2, figsize=(7, 3.8), sharey=True, layout="constrained")
for ax, (label, model) in zip(axes, models.items(), strict=True):
    shown = model.lambdas_ >= model.lambda_ / 10
    x = np.log10(model.lambdas_[shown])
    path = model.coefs_path_[shown, 0, :]
    for j in range(path.shape[1]):
        ax.plot(x, path[:, j], color=colours[j], linewidth=1)
    ax.axvline(np.log10(model.lambda_), color="0.3", linestyle="--", linewidth=1)
    ax.set_xlim(x.max(), x.min())
    ax.set_xlabel("log10(lambda_)")
    ax.set_title(label, fontsize="medium")
axes[0].set_ylabel("coefficient")
handles = [
    plt.Line2D([], [], color=plt.get_cmap("tab10")(g), label=name)
    for g, name in enumerate(measurements)
]
fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize="small")
fig.suptitle("Coefficient paths (dashed: lambda_min)")
plt.show()
