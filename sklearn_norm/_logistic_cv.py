"""``RegularizedLogisticRegressionCV``: choose ``lambda_`` by cross-validating
warm-started paths, as glmnet's ``cv.glmnet`` does.

``fit`` builds one grid on all of the data, runs ``fit_path`` on the training
part of every fold (folds in parallel with joblib) and on all of the data,
scores each fold's path on its held-out part, selects ``lambda_min_`` (best
mean score) or ``lambda_1se_`` (the largest ``lambda_`` within one standard
error of it), and takes the full-data path's point there as ``coef_``.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed

from ._logistic import (
    RegularizedLogisticRegression,
    build_datafit,
)
from ._path import check_lambdas, default_lambdas, fit_path
from ._solvers._newton_cg import GramPreconditioner, weighted_gram
from ._solvers._orthant_newton import memory_budget
from ._state import transactional
from ._validation import check_weights, resolution_note, validate_logistic

if TYPE_CHECKING:
    from typing_extensions import Self


class RegularizedLogisticRegressionCV(RegularizedLogisticRegression):
    """Regularized logistic regression with ``lambda_`` chosen by
    cross-validation along a warm-started regularization path.

    The objective is the one of :class:`RegularizedLogisticRegression`. For
    each fold the whole grid of ``lambda_`` is fitted as one path (each point
    warm-started from the previous, larger ``lambda_``; working sets for L1),
    which costs a few single fits instead of one per value as with
    ``GridSearchCV``. ``lambda_min_`` has the best mean held-out score,
    ``lambda_1se_`` is the largest (most regularized) ``lambda_`` whose mean
    score is within one standard error of that best (glmnet's rule), and
    ``selection`` picks which becomes ``lambda_``. The final model is the
    path fitted on all of the data, at ``lambda_``.

    Parameters
    ----------
    regularization : {"l2", "l1", "elasticnet"}, default="l2"
        The penalty.

    lambdas : int or array-like of shape (n_lambdas,), default=100
        An int: that many log-spaced values from ``lambda_max`` (all
        coefficients zero; for ``"l2"`` that of an ``l1_ratio=1e-3`` elastic
        net, as glmnet does) down to 1e-4 times it (1e-2 when
        ``n_samples < n_features``), computed on all of the data. An array:
        those values (non-negative), used in decreasing order.

    l1_ratio : float, default=0.5
        ``rho`` for ``"elasticnet"``.

    cv : int, cross-validation generator or iterable, default=5
        Folds, as in scikit-learn: an int gives ``StratifiedKFold``.

    scoring : str or callable, default=None
        Score of a fold's held-out part (higher is better); ``None`` is
        ``"neg_log_loss"``. Any scikit-learn scorer name or callable
        ``scorer(estimator, X, y)``.

    selection : {"min", "1se"}, default="min"
        ``lambda_`` is ``lambda_min_`` or ``lambda_1se_``.

    fit_intercept : bool, default=True
        Whether to fit an (unpenalized) intercept.

    tol : float, default=1e-6
        KKT tolerance of every fit on the path.

    num_iter : int, default=1000
        Maximum solver iterations per point of a path.

    n_jobs : int, default=None
        Folds fitted in parallel by joblib (``None``: 1, ``-1``: all CPUs).

    verbose : int, default=0
        ``> 0`` prints a line per fold and the selection.

    Attributes
    ----------
    lambdas_ : ndarray of shape (n_lambdas,)
        The grid, decreasing.

    cv_scores_ : ndarray of shape (n_folds, n_lambdas)
        Held-out score of each fold at each ``lambda_``.

    lambda_min_ : float
        The ``lambda_`` with the best mean score (the largest one on ties).

    lambda_1se_ : float
        The largest ``lambda_`` whose mean score is at least the best mean
        minus its standard error (standard deviation over folds /
        sqrt(n_folds)).

    lambda_ : float
        The selected value, ``lambda_min_`` or ``lambda_1se_``.

    coefs_path_ : ndarray of shape (n_lambdas, n_outputs, n_features)
        Coefficients of the path fitted on all of the data (``n_outputs`` is
        1 for two classes).

    intercepts_path_ : ndarray of shape (n_lambdas, n_outputs)
        Its intercepts.

    classes_, coef_, intercept_, n_features_in_, feature_names_in_
        As in :class:`RegularizedLogisticRegression`, at ``lambda_``.

    See Also
    --------
    logistic_path : The path of one fit.
    RegularizedLogisticRegression : One ``lambda_``.
    plot_cv, plot_path : Pictures of ``cv_scores_`` and ``coefs_path_``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_norm import RegularizedLogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> pipe = make_pipeline(
    ...     StandardScaler(), RegularizedLogisticRegressionCV("l1", lambdas=20)
    ... ).fit(X, y)
    >>> model = pipe[-1]
    >>> model.cv_scores_.shape
    (5, 20)
    >>> bool(model.lambda_1se_ >= model.lambda_min_)
    True
    >>> round(pipe.score(X, y), 3)
    0.986
    """

    _parameter_constraints: dict = {
        "regularization": [StrOptions({"l1", "l2", "elasticnet"})],
        "lambdas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "selection": [StrOptions({"min", "1se"})],
        "fit_intercept": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "num_iter": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        regularization: str = "l2",
        lambdas: int | ArrayLike = 100,
        *,
        l1_ratio: float = 0.5,
        cv=5,
        scoring=None,
        selection: str = "min",
        fit_intercept: bool = True,
        tol: float = 1e-6,
        num_iter: int = 1000,
        n_jobs: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.regularization = regularization
        self.lambdas = lambdas
        self.l1_ratio = l1_ratio
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.num_iter = num_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

    @transactional
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> Self:
        """Cross-validate the path, select ``lambda_`` and fit all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (CSR/CSC used as is, float32 kept float32).

        y : array-like of shape (n_samples,)
            Class labels, at least two classes.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, used by the fits and by the
            held-out scores.

        Returns
        -------
        self : RegularizedLogisticRegressionCV
            The fitted estimator.
        """
        X, y = validate_logistic(self, X, y)
        check_classification_targets(y)
        if sample_weight is not None:
            sample_weight = check_weights(sample_weight, X)
        classes, datafit = build_datafit(X, y, sample_weight, None, self.fit_intercept)
        if isinstance(self.lambdas, Integral):
            grid = default_lambdas(
                datafit, self.regularization, self.l1_ratio, int(self.lambdas), None
            )
        else:
            grid = check_lambdas(self.lambdas)
        folds = list(check_cv(self.cv, y, classifier=True).split(X, y))
        scorer = check_scoring(self, scoring=self.scoring or "neg_log_loss")
        # A ridge path preconditions with X.T W X; the folds' matrices are
        # the full one minus their held-out rows' (a fifth of the work).
        gram = None
        budget = memory_budget(datafit)
        if self.regularization == "l2" and GramPreconditioner.fits(datafit, budget):
            raw = np.ones(y.size) if sample_weight is None else sample_weight
            gram = weighted_gram(X, raw, budget)
        full = _preconditioner(gram, None, self.fit_intercept)
        jobs = [delayed(self._path)(datafit, grid, full)]
        jobs += [
            delayed(self._fold_scores)(
                X, y, sample_weight, train, test, grid, classes, scorer, k, gram
            )
            for k, (train, test) in enumerate(folds)
        ]
        results = Parallel(n_jobs=self.n_jobs)(jobs)
        (coefs, intercepts, not_converged), fold_scores = results[0], results[1:]
        for _, missed in fold_scores:
            not_converged += missed
        if not_converged:
            warnings.warn(
                f"RegularizedLogisticRegressionCV: the path did not reach "
                f"tol={self.tol:.3g} within num_iter={self.num_iter} at "
                f"{len(not_converged)} of {grid.size * (len(folds) + 1)} fits "
                f"(the largest lambda: {max(not_converged):.3g}). Increase "
                "num_iter, loosen tol, or scale the features."
                + resolution_note(X, self.tol),
                ConvergenceWarning,
                stacklevel=2,
            )
        self.lambdas_ = grid
        self.cv_scores_ = np.array([scores for scores, _ in fold_scores])
        mean = self.cv_scores_.mean(axis=0)
        # nan-aware: a scorer may return nan at some lambda of some fold.
        best = int(np.nanargmax(mean)) if np.any(np.isfinite(mean)) else 0
        error = cv_standard_errors(self.cv_scores_)[best]
        within = np.flatnonzero(mean >= mean[best] - error)
        within = within[within <= best]
        one_se = int(within[0]) if within.size else best
        chosen = best if self.selection == "min" else one_se
        self.lambda_min_ = float(grid[best])
        self.lambda_1se_ = float(grid[one_se])
        self.lambda_ = float(grid[chosen])
        self.coefs_path_ = coefs
        self.intercepts_path_ = intercepts
        self.classes_ = classes
        self.coef_ = coefs[chosen].copy()
        self.intercept_ = intercepts[chosen].copy()
        if self.verbose:
            print(
                f"RegularizedLogisticRegressionCV: lambda_min {self.lambda_min_:.4g}, "
                f"lambda_1se {self.lambda_1se_:.4g}, selected {self.lambda_:.4g} "
                f"(mean score {mean[chosen]:.6g})"
            )
        return self

    def _path(self, datafit, grid, preconditioner):
        """``fit_path`` with this estimator's settings."""
        return fit_path(
            datafit,
            self.regularization,
            grid,
            self.l1_ratio,
            self.tol,
            self.num_iter,
            preconditioner=preconditioner,
        )

    def _fold_scores(
        self, X, y, sample_weight, train, test, grid, classes, scorer, fold, gram
    ):
        """Fit the path on ``train``; score every point on ``test``."""
        y_train = y[train]
        missing = np.setdiff1d(classes, y_train)
        if missing.size:
            raise ValueError(
                f"The training part of fold {fold} has no sample of class(es) "
                f"{missing.tolist()}; use fewer folds or stratified folds "
                "(cv=StratifiedKFold(...))."
            )
        weights = None if sample_weight is None else sample_weight[train]
        _, datafit = build_datafit(
            _safe_indexing(X, train), y_train, weights, None, self.fit_intercept
        )
        X_test, y_test = _safe_indexing(X, test), y[test]
        held_out = None
        if gram is not None:
            raw = np.ones(test.size) if sample_weight is None else sample_weight[test]
            held_out = weighted_gram(X_test, raw, memory_budget(datafit))
        coefs, intercepts, not_converged = self._path(
            datafit, grid, _preconditioner(gram, held_out, self.fit_intercept)
        )
        weights = None if sample_weight is None else sample_weight[test]
        kwargs = {} if weights is None else {"sample_weight": weights}
        encoded = np.searchsorted(classes, y_test)
        scores = np.empty(grid.size)
        for i in range(grid.size):
            model = _fixed_model(self, classes, coefs[i], intercepts[i], grid[i])
            if self.scoring is None:
                # The default scorer, without its per-call label validation
                # (most of the time of a path's scoring).
                scores[i] = _neg_log_loss(model.predict_proba(X_test), encoded, weights)
            else:
                scores[i] = scorer(model, X_test, y_test, **kwargs)
        if self.verbose:
            print(
                f"fold {fold}: {grid.size} lambdas, best held-out score "
                f"{np.nanmax(scores):.6g}"
            )
        return scores, not_converged


def _preconditioner(gram, held_out, fit_intercept):
    """The ``GramPreconditioner`` of the rows of ``gram`` (the parts
    ``weighted_gram`` returns, for raw sample weights) minus those of
    ``held_out``, normalized as a datafit's weights are; None without
    ``gram``."""
    if gram is None:
        return None
    matrix, moment, total = gram
    if held_out is not None:
        matrix, moment, total = (
            matrix - held_out[0],
            moment - held_out[1],
            total - held_out[2],
        )
    return GramPreconditioner(matrix / total, moment / total, 1.0, fit_intercept)


def _fixed_model(cv_model, classes, coef, intercept, lambda_):
    """A fitted ``RegularizedLogisticRegression`` with given coefficients."""
    model = RegularizedLogisticRegression(
        cv_model.regularization,
        float(lambda_),
        l1_ratio=cv_model.l1_ratio,
        fit_intercept=cv_model.fit_intercept,
    )
    model.classes_ = classes
    model.coef_ = coef
    model.intercept_ = intercept
    model.n_features_in_ = coef.shape[1]
    return model


def _neg_log_loss(proba: np.ndarray, encoded: np.ndarray, weights) -> float:
    """scikit-learn's ``neg_log_loss`` scorer from class probabilities and
    encoded labels: two classes use ``1 - p`` for the first, as the scorer
    does; probabilities are clipped to ``[eps, 1 - eps]`` as ``log_loss``
    does."""
    if proba.shape[1] == 2:
        positive = proba[:, 1]
        true_class = np.where(encoded == 1, positive, 1 - positive)
    else:
        true_class = proba[np.arange(encoded.size), encoded]
    eps = np.finfo(proba.dtype).eps
    loss = -np.log(np.clip(true_class, eps, 1 - eps))
    return -float(np.average(loss, weights=weights))


def cv_standard_errors(cv_scores: np.ndarray) -> np.ndarray:
    """Standard error of the mean score at each lambda: the standard
    deviation over folds / sqrt(n_folds) (0 for one fold)."""
    n_folds = cv_scores.shape[0]
    if n_folds < 2:
        return np.zeros(cv_scores.shape[1])
    return np.std(cv_scores, axis=0, ddof=1) / np.sqrt(n_folds)
