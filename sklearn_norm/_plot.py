"""Pictures of a regularization path and of a cross-validation curve, after
glmnet's ``plot(fit)`` and ``plot(cv.glmnet(...))``. matplotlib (the ``plot``
extra) is imported only when one is drawn."""

from __future__ import annotations

import numpy as np

from ._cv_curve import cv_standard_errors


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ImportError(
            "Plotting needs matplotlib: python -m pip install 'sklearn-norm[plot]'."
        ) from error
    return plt


def _axes(ax):
    return _pyplot().subplots()[1] if ax is None else ax


def _path_arrays(path):
    """``(lambdas, coefs, cv_model or None)`` from a fitted CV estimator or a
    ``logistic_path`` tuple."""
    if isinstance(path, tuple):
        if len(path) != 3:
            raise TypeError(
                "plot_path takes a fitted RegularizedLogisticRegressionCV or the "
                f"(lambdas, coefs, intercepts) tuple of logistic_path; got a "
                f"tuple of {len(path)} items."
            )
        lambdas, coefs, _ = path
        return np.asarray(lambdas), np.asarray(coefs), None
    if not hasattr(path, "coefs_path_"):
        raise TypeError(
            "plot_path takes a fitted RegularizedLogisticRegressionCV or the "
            f"(lambdas, coefs, intercepts) tuple of logistic_path; got "
            f"{type(path).__name__}{' (not fitted)' if hasattr(path, 'fit') else ''}."
        )
    return path.lambdas_, path.coefs_path_, path


def _mark_selection(ax, model) -> None:
    ax.axvline(
        np.log10(model.lambda_min_), color="k", linestyle="--", label="lambda_min"
    )
    ax.axvline(
        np.log10(model.lambda_1se_), color="k", linestyle=":", label="lambda_1se"
    )


def plot_path(path, ax=None, *, feature_names=None):
    """Plot each coefficient against log10(lambda_).

    Parameters
    ----------
    path : RegularizedLogisticRegressionCV or tuple
        A fitted ``RegularizedLogisticRegressionCV`` (its full-data path,
        with ``lambda_min_`` and ``lambda_1se_`` marked) or the
        ``(lambdas, coefs, intercepts)`` that ``logistic_path`` returns.

    ax : matplotlib Axes, default=None
        Where to draw; ``None`` makes a new figure.

    feature_names : sequence of str, default=None
        Legend labels of the (at most 10) features with the largest
        coefficients at ``lambda_`` (at the smallest lambda of a bare path);
        ``None`` uses ``feature_names_in_`` when the estimator has it, else
        ``x0, x1, ...``.

    Returns
    -------
    ax : matplotlib Axes
        One line per coefficient (per class and feature for multinomial
        fits); x is log10(lambda_), decreasing penalty to the right.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_norm import logistic_path, plot_path
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> ax = plot_path(logistic_path(scale(X), y, n_lambdas=20))
    >>> len(ax.get_lines())  # 30 coefficients and the zero line
    31
    """
    lambdas, coefs, model = _path_arrays(path)
    ax = _axes(ax)
    x = np.log10(lambdas)
    flat = coefs.reshape(coefs.shape[0], -1)
    n_features = coefs.shape[-1]
    if feature_names is None and model is not None:
        feature_names = getattr(model, "feature_names_in_", None)
    if feature_names is None:
        feature_names = [f"x{j}" for j in range(n_features)]
    # The legend names the 10 largest coefficients at the selected lambda_
    # (at the smallest one for a bare path).
    at = -1 if model is None else int(np.argmin(np.abs(lambdas - model.lambda_)))
    largest = set(np.argsort(-np.abs(flat[at]))[: min(10, flat.shape[1])])
    for j in range(flat.shape[1]):
        name = str(feature_names[j % n_features])
        if coefs.shape[1] > 1:
            name = f"{name} (class {j // n_features})"
        ax.plot(x, flat[:, j], label=name if j in largest else None)
    if model is not None:
        _mark_selection(ax, model)
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.set_xlim(x.max(), x.min())
    ax.set_xlabel("log10(lambda_)")
    ax.set_ylabel("coefficient")
    ax.set_title("Regularization path")
    ax.legend(fontsize="small", loc="best")
    return ax


def plot_cv(model, ax=None):
    """Plot the mean cross-validation score against log10(lambda_), with
    one-standard-error bars, ``lambda_min_`` and ``lambda_1se_`` marked.

    Parameters
    ----------
    model : RegularizedLogisticRegressionCV
        A fitted estimator.

    ax : matplotlib Axes, default=None
        Where to draw; ``None`` makes a new figure.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_norm import RegularizedLogisticRegressionCV, plot_cv
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = RegularizedLogisticRegressionCV("l1", n_lambdas=20).fit(scale(X), y)
    >>> ax = plot_cv(model)
    >>> ax.get_ylabel()
    'mean held-out score (neg_log_loss)'
    """
    if not hasattr(model, "cv_scores_"):
        raise TypeError(
            "plot_cv takes a fitted RegularizedLogisticRegressionCV; got "
            f"{type(model).__name__}."
        )
    ax = _axes(ax)
    scores = model.cv_scores_
    mean = scores.mean(axis=0)
    error = cv_standard_errors(scores)
    x = np.log10(model.lambdas_)
    ax.errorbar(x, mean, yerr=error, fmt="o-", markersize=3, capsize=2)
    _mark_selection(ax, model)
    ax.set_xlim(x.max(), x.min())
    scoring = model.scoring if isinstance(model.scoring, str) else None
    ax.set_xlabel("log10(lambda_)")
    ax.set_ylabel(f"mean held-out score ({scoring or 'neg_log_loss'})")
    ax.set_title(f"{scores.shape[0]}-fold cross-validation")
    ax.legend(fontsize="small", loc="best")
    return ax
