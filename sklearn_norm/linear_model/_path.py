"""Regularization paths: where they start (``lambda_max``) and the warm-started
sequence of fits down a grid of ``lambda_`` (``logistic_path``)."""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from sklearn.exceptions import ConvergenceWarning

from .._array_api import namespace_of
from .._sklearn_compat import Interval, StrOptions, validate_params
from .._validation import resolution_note, validate_logistic
from ._bounds import CoefficientBounds, bounds_box, check_bounds, fitted_bounds
from ._cv_curve import _DEVIANCE_CHANGE_MIN, _DEVIANCE_RATIO_MAX
from ._factors import PenaltyFactors, check_penalty_factor, coef_weights
from ._fit import (
    build_datafit,
    effective_tol,
    null_loss,
    null_model,
    reported_coef,
)
from ._penalties import ElasticNetPenalty, l1_share, penalty_groups
from ._solvers import GramPreconditioner, HessianCache, make_solver, memory_budget
from ._standardize import standardized
from ._threads import blas_threads_for

# glmnet's convention for a ridge path, which has no all-zero point: start
# where an elastic net with this l1_ratio would have all zeros.
_RIDGE_L1_RATIO = 1e-3


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "l1_ratio": [Interval(Real, 0, 1, closed="right")],
        "fit_intercept": ["boolean"],
        "sample_weight": ["array-like", Real, None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "penalty_factor": ["array-like", None],
        "standardize": ["boolean"],
        "offset": ["array-like", None],
        "lower_bounds": ["array-like", Real, None],
        "upper_bounds": ["array-like", Real, None],
        "multinomial_penalty": [StrOptions({"ungrouped", "grouped"})],
    },
    prefer_skip_nested_validation=True,
)
def lambda_max(
    X: ArrayLike,
    y: ArrayLike,
    *,
    l1_ratio: float = 1.0,
    fit_intercept: bool = True,
    sample_weight: ArrayLike | None = None,
    class_weight: dict | str | None = None,
    penalty_factor: ArrayLike | None = None,
    standardize: bool = False,
    offset: ArrayLike | None = None,
    lower_bounds: ArrayLike | float | None = None,
    upper_bounds: ArrayLike | float | None = None,
    multinomial_penalty: str = "ungrouped",
) -> float:
    """The smallest ``lambda_`` at which every coefficient of the L1 (or
    elastic-net) fit is exactly zero.

    For two classes with labels in {0, 1} and unit weights this is
    ``||X.T @ (y - mean(y))||_inf / (n_samples * l1_ratio)``; in general it is
    the largest absolute partial derivative of the weighted mean log-loss at
    the best constant model, divided by ``l1_ratio``. With penalty factors
    each derivative is divided by its feature's factor too, at the best
    model of the constant and the unpenalized (factor 0) features, which
    stay non-zero at any ``lambda_``. With
    ``multinomial_penalty="grouped"`` (three or more classes) a feature's
    partial derivatives for all classes count together, by their Euclidean
    norm. Regularization paths start here.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data; an array of another array-API library is read on its
        device under ``array_api_dispatch``.

    y : array-like of shape (n_samples,)
        Class labels.

    l1_ratio : float, default=1.0
        ``rho`` of the penalty, in (0, 1]: 1 for ``"l1"``.

    fit_intercept : bool, default=True
        Whether the model fits an intercept.

    sample_weight : float or array-like of shape (n_samples,), default=None
        Non-negative sample weights; a number weighs all samples equally.

    class_weight : dict, "balanced" or None, default=None
        Class weights, as in ``RegularizedLogisticRegression``.

    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of the penalty, as in
        ``RegularizedLogisticRegression``.

    standardize : bool, default=False
        The threshold of the fit on standardized columns, as in
        ``RegularizedLogisticRegression``.

    offset : array-like of shape (n_samples,) or (n_samples, n_classes), \
            default=None
        Fixed terms of the linear predictor, as in
        ``RegularizedLogisticRegression.fit``: the threshold is then taken
        at the best intercept given them.

    lower_bounds, upper_bounds : float or array-like, default=None
        Bounds on the coefficients, as in ``RegularizedLogisticRegression``:
        a coefficient held at 0 by a bound of 0 only counts the partial
        derivative that pushes it into its box.

    multinomial_penalty : {"ungrouped", "grouped"}, default="ungrouped"
        The threshold of the grouped multinomial penalty, as in
        ``RegularizedLogisticRegression``.

    Returns
    -------
    lambda_max : float
        The threshold; any ``lambda_ >= lambda_max`` gives ``coef_ == 0``
        (but for the unpenalized features).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_norm import RegularizedLogisticRegression, lambda_max
    >>> X = np.array([[1.0, 2.0], [2.0, 0.0], [0.0, 1.0], [3.0, 1.0]])
    >>> y = np.array([0, 1, 0, 1])
    >>> float(lambda_max(X, y))
    0.5
    >>> model = RegularizedLogisticRegression("l1", lambda_=0.5).fit(X, y)
    >>> model.coef_
    array([[0., 0.]])
    """
    _, datafit, factors, _, bounds = _fitted_problem(
        X,
        y,
        sample_weight=sample_weight,
        class_weight=class_weight,
        fit_intercept=fit_intercept,
        offset=offset,
        penalty_factor=penalty_factor,
        standardize=standardize,
        lower_bounds=lower_bounds,
        upper_bounds=upper_bounds,
    )
    groups = penalty_groups(multinomial_penalty, datafit.n_outputs)
    return datafit_lambda_max(datafit, l1_ratio, factors, bounds, groups)


def _fitted_problem(
    X,
    y,
    *,
    sample_weight,
    class_weight,
    fit_intercept,
    offset,
    penalty_factor,
    standardize,
    lower_bounds,
    upper_bounds,
):
    """What ``lambda_max`` and ``logistic_path`` fit: the validated ``X`` of
    the kept features, its datafit (standardized columns with
    ``standardize``), the penalty factors, the ``Standardization`` (or
    None) and the bounds on the fitted columns' scale."""
    X, y = validate_logistic(None, X, y)
    n_features = X.shape[1]
    factors = check_penalty_factor(penalty_factor, n_features)
    X = X if factors is None else factors.select(X)
    _, datafit = build_datafit(X, y, sample_weight, class_weight, fit_intercept, offset)
    bounds = check_bounds(lower_bounds, upper_bounds, datafit.n_outputs, n_features)
    datafit, standardization = standardized(datafit, standardize)
    bounds = fitted_bounds(bounds, factors, standardization)
    return X, datafit, factors, standardization, bounds


def datafit_lambda_max(
    datafit,
    l1_ratio: float,
    factors: PenaltyFactors | None = None,
    bounds: CoefficientBounds | None = None,
    groups: int = 1,
) -> float:
    """The largest partial derivative of the data term at the best model
    with zero penalized coefficients (``null_model``), over ``l1_ratio``
    (and each feature's factor; with ``bounds``, only the part that pushes a
    coefficient with a bound at 0 into its box; with ``groups`` > 1, the
    norm of each feature's derivatives); ``datafit`` is on the fitted
    features."""
    unit = ElasticNetPenalty.from_params(
        "elasticnet",
        1.0,
        l1_ratio,
        coef_weights(factors, datafit.n_outputs),
        bounds_box(bounds),
        groups,
    )
    _, grad = datafit.value_grad(null_model(datafit, unit))
    return unit.lambda_max(grad[: datafit.n_coef])


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "regularization": [StrOptions({"l1", "l2", "elasticnet"})],
        "lambdas": ["array-like", None],
        "n_lambdas": [Interval(Integral, 1, None, closed="left")],
        "lambda_min_ratio": [Interval(Real, 0, 1, closed="neither"), None],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "sample_weight": ["array-like", Real, None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "penalty_factor": ["array-like", None],
        "standardize": ["boolean"],
        "offset": ["array-like", None],
        "lower_bounds": ["array-like", Real, None],
        "upper_bounds": ["array-like", Real, None],
        "multinomial_penalty": [StrOptions({"ungrouped", "grouped"})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "num_iter": [Interval(Integral, 1, None, closed="left")],
        "stop_early": ["boolean"],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def logistic_path(
    X: ArrayLike,
    y: ArrayLike,
    *,
    regularization: str = "l1",
    lambdas: ArrayLike | None = None,
    n_lambdas: int = 100,
    lambda_min_ratio: float | None = None,
    l1_ratio: float = 0.5,
    fit_intercept: bool = True,
    sample_weight: ArrayLike | None = None,
    class_weight: dict | str | None = None,
    penalty_factor: ArrayLike | None = None,
    standardize: bool = False,
    offset: ArrayLike | None = None,
    lower_bounds: ArrayLike | float | None = None,
    upper_bounds: ArrayLike | float | None = None,
    multinomial_penalty: str = "ungrouped",
    tol: float = 1e-6,
    num_iter: int = 1000,
    stop_early: bool = False,
    verbose: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit ``RegularizedLogisticRegression`` along a decreasing grid of
    ``lambda_``, each fit warm-started from the previous one.

    Every point minimizes the objective of ``RegularizedLogisticRegression``
    to the same ``tol`` as a single fit would. Warm starts make the whole
    path cost a few single fits. For L1 and elastic-net the solver only
    iterates on the features that are non-zero or violate the optimality
    conditions at the previous point (a working set, checked on all
    features before a point is accepted), so wide data costs about as much
    as the supports along the path: ``"prox-newton"`` for small models (at
    most 400 coefficients and intercepts: multinomial ones, and binary ones
    with at most 20 rows per parameter), ``"orthant-newton"`` otherwise.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data (CSR/CSC used as is, float32 kept float32). Under
        ``array_api_dispatch`` an array of another array-API library is
        fitted on its device, and ``coefs`` and ``intercepts`` are arrays of
        it there.

    y : array-like of shape (n_samples,)
        Class labels; three or more classes give multinomial fits.

    regularization : {"l1", "l2", "elasticnet"}, default="l1"
        The penalty, as in ``RegularizedLogisticRegression``.

    lambdas : array-like of shape (n_lambdas,), default=None
        The grid (non-negative, finite), fitted and returned in decreasing
        order. ``None`` builds ``n_lambdas`` log-spaced values from the
        smallest ``lambda_`` with all-zero coefficients (``lambda_max``; for
        ``"l2"``, which has none, that of an elastic net with
        ``l1_ratio=1e-3``, as glmnet does) down to ``lambda_min_ratio`` times
        it.

    n_lambdas : int, default=100
        Size of the default grid.

    lambda_min_ratio : float, default=None
        Smallest over largest ``lambda_`` of the default grid, in (0, 1).
        ``None``: 1e-4 if ``n_samples >= n_features``, else 1e-2 (glmnet's
        defaults).

    l1_ratio : float, default=0.5
        ``rho`` for ``"elasticnet"``.

    fit_intercept : bool, default=True
        Whether to fit an (unpenalized) intercept.

    sample_weight : float or array-like of shape (n_samples,), default=None
        Non-negative sample weights; a number weighs all samples equally.

    class_weight : dict, "balanced" or None, default=None
        Class weights, as in ``RegularizedLogisticRegression``.

    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of the penalty, as in
        ``RegularizedLogisticRegression`` (the default grid starts at the
        ``lambda_max`` they give).

    standardize : bool, default=False
        Fit on standardized columns and report the coefficients on the
        original scale, as in ``RegularizedLogisticRegression`` (the
        default grid starts at the standardized fit's ``lambda_max``).

    offset : array-like of shape (n_samples,) or (n_samples, n_classes), \
            default=None
        Fixed terms of the linear predictor, as in
        ``RegularizedLogisticRegression.fit``.

    lower_bounds, upper_bounds : float or array-like, default=None
        Bounds on the coefficients, as in ``RegularizedLogisticRegression``
        (every point is fitted by ``"lbfgs"``, which keeps them exactly).

    multinomial_penalty : {"ungrouped", "grouped"}, default="ungrouped"
        ``"grouped"``: for three or more classes, the L1 part takes each
        feature's coefficients of all classes together, as in
        ``RegularizedLogisticRegression`` (every point is fitted by
        ``"prox-newton"``; the default grid starts at the grouped
        ``lambda_max``).

    tol : float, default=1e-6
        KKT tolerance of every point (raised to 1e-5 for float32 ``X``).

    num_iter : int, default=1000
        Maximum solver iterations per point; a point that reaches it raises
        one ``ConvergenceWarning`` for the path.

    stop_early : bool, default=False
        Stop the path where it stops being informative, as glmnet does on
        its default grid: from the fifth point on, after the first point
        whose model explains at least 99.9% of the null deviance (the
        training data are nearly separated) or whose explained fraction
        grew by less than 1e-5 from the previous point (the fit no longer
        depends on ``lambda_``). The arrays returned then hold only the
        points fitted. ``False`` fits every point of the grid.

    verbose : int, default=0
        Solver progress output.

    Returns
    -------
    lambdas : ndarray of shape (n_lambdas,)
        The grid, decreasing (with ``stop_early``, the points fitted).

    coefs : ndarray of shape (n_lambdas, n_outputs, n_features)
        ``coef_`` at each ``lambda_``; ``n_outputs`` is 1 for two classes,
        else the number of classes. Same dtype as ``X``.

    intercepts : ndarray of shape (n_lambdas, n_outputs)
        ``intercept_`` at each ``lambda_`` (zeros without an intercept).

    See Also
    --------
    RegularizedLogisticRegressionCV : Picks ``lambda_`` by cross-validating
        this path.
    lambda_max : The start of the default grid.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_norm import logistic_path
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> lambdas, coefs, intercepts = logistic_path(X, y, n_lambdas=20)
    >>> lambdas.shape, coefs.shape, intercepts.shape
    ((20,), (20, 1, 30), (20, 1))
    >>> [int((c != 0).sum()) for c in coefs[::4]]
    [0, 4, 10, 16, 24]
    """
    X, datafit, factors, standardization, bounds = _fitted_problem(
        X,
        y,
        sample_weight=sample_weight,
        class_weight=class_weight,
        fit_intercept=fit_intercept,
        offset=offset,
        penalty_factor=penalty_factor,
        standardize=standardize,
        lower_bounds=lower_bounds,
        upper_bounds=upper_bounds,
    )
    groups = penalty_groups(multinomial_penalty, datafit.n_outputs)
    with blas_threads_for(datafit.n_samples, datafit.n_features, datafit.n_outputs):
        if lambdas is None:
            grid = default_lambdas(
                datafit,
                regularization,
                l1_ratio,
                n_lambdas,
                lambda_min_ratio,
                factors=factors,
                bounds=bounds,
                groups=groups,
            )
        else:
            grid = check_lambdas(lambdas)
        coefs, intercepts, not_converged, _, _ = fit_path(
            datafit,
            regularization,
            grid,
            l1_ratio,
            tol,
            num_iter,
            verbose,
            factors=factors,
            bounds=bounds,
            groups=groups,
            stop_early=stop_early,
        )
        grid = grid[: coefs.shape[0]]
    if standardization is not None:
        coefs, intercepts = standardization.to_original(coefs, intercepts)
        dtype = datafit.dtype
        coefs, intercepts = coefs.astype(dtype), intercepts.astype(dtype)
    if factors is not None:
        coefs = factors.expand(coefs)
    if not_converged:
        warnings.warn(
            f"logistic_path did not reach tol={tol:.3g} within "
            f"num_iter={num_iter} at {len(not_converged)} of {grid.size} lambdas "
            f"(the largest: {max(not_converged):.3g}). Increase num_iter, loosen "
            "tol, or scale the features." + resolution_note(X, tol),
            ConvergenceWarning,
            stacklevel=3,  # past validate_params' wrapper, to the caller
        )
    namespace = namespace_of(X)
    if namespace is not None:  # the models live where the data does
        coefs, intercepts = (
            namespace.asarray_like(coefs),
            namespace.asarray_like(intercepts),
        )
    return grid, coefs, intercepts


def default_lambdas(
    datafit,
    regularization: str,
    l1_ratio: float,
    n_lambdas: int,
    lambda_min_ratio: float | None,
    ridge_l1_ratio: float = _RIDGE_L1_RATIO,
    factors: PenaltyFactors | None = None,
    bounds: CoefficientBounds | None = None,
    groups: int = 1,
) -> np.ndarray:
    """glmnet's grid: ``n_lambdas`` log-spaced values from ``lambda_max``
    (for a ridge, that of an ``l1_ratio=ridge_l1_ratio`` elastic net,
    glmnet's 1e-3 by default) down to ``lambda_min_ratio`` times it (1e-4
    if n_samples >= n_features, else 1e-2)."""
    rho = l1_share(regularization, l1_ratio)
    if lambda_min_ratio is None:
        wide = datafit.n_samples < datafit.n_features
        lambda_min_ratio = 1e-2 if wide else 1e-4
    top = datafit_lambda_max(datafit, max(rho, ridge_l1_ratio), factors, bounds, groups)
    return top * np.logspace(0.0, np.log10(lambda_min_ratio), n_lambdas)


# Each point starts at most from the parabola (in log lambda_) through the
# last three solutions (see _extrapolate), at a loose tol from a lower order
# when that predicted the last point better (see _best_order). Measured on
# 16000 x 500 dense data, 20 points: 20-30% faster than a line through two,
# a cubic gains 5% more.
_ORDER = 3

# See _small_model_params.
_PROX_ROWS_PER_PARAM = 20

# glmnet's stopping rule (stop_early, _ends_after) takes at least this many
# points (its mnlam), with the CV's thresholds (its devmax and fdev).
_STOP_MIN_POINTS = 5


class PathState(NamedTuple):
    """The last points of a path (at most ``_ORDER``) and the order of the
    extrapolation its next point uses (``_best_order``): what continuing it
    below its smallest ``lambda_`` needs to start the next point as an
    uninterrupted path would."""

    lambdas: tuple[float, ...]
    solutions: tuple[np.ndarray, ...]
    scores: tuple[np.ndarray, ...]
    order: int = _ORDER
    # prox-newton's last working-set Hessian, which the next point may reuse
    hessians: HessianCache | None = None


class PathFit(NamedTuple):
    """What ``fit_path`` returns."""

    coefs: np.ndarray  # (L, n_outputs, n_features), X's dtype
    intercepts: np.ndarray  # (L, n_outputs)
    not_converged: list[float]  # the lambdas where num_iter was reached
    losses: np.ndarray  # (L,) the data term (weighted mean log-loss)
    state: PathState  # continues the path below grid[-1]


def fit_path(
    datafit,
    regularization,
    grid,
    l1_ratio,
    tol,
    num_iter,
    verbose=0,
    preconditioner=None,
    state: PathState | None = None,
    factors: PenaltyFactors | None = None,
    bounds: CoefficientBounds | None = None,
    groups: int = 1,
    stop_early: bool = False,
) -> PathFit:
    """Warm-started fits at each ``lambda_`` of the decreasing ``grid``.

    ``preconditioner``: a ``GramPreconditioner`` of this datafit for a ridge
    path, if the caller has one (else it is made here when it fits the
    budget). ``state``: the ``PathState`` of an earlier call on the same
    datafit whose grid ended above ``grid[0]``, to continue that path;
    ``None`` starts from the best model with zero penalized coefficients
    (``null_model``). ``factors``: the penalty factors of the datafit's
    features (already selected: ``datafit`` holds the fitted ones);
    ``bounds``: the bounds of its coefficients, on its columns' scale;
    ``groups``: as in ``ElasticNetPenalty.from_params``; ``stop_early``:
    as in ``logistic_path`` (the returned arrays then hold the points
    fitted)."""
    dtype = datafit.dtype
    tol = effective_tol(tol, dtype)
    shape = (grid.size, datafit.n_outputs)
    coefs = np.empty(shape + (datafit.n_features,), dtype=dtype)
    intercepts = np.empty(shape, dtype=dtype)
    losses = np.empty(grid.size)
    weights = coef_weights(factors, datafit.n_outputs)
    # Every point's penalty has the same smoothness: one solver for all.
    box = bounds_box(bounds)
    shape_of_penalty = ElasticNetPenalty.from_params(
        regularization, 1.0, l1_ratio, weights, box, groups
    )
    budget = memory_budget(datafit)
    if (
        shape_of_penalty.is_smooth
        and not shape_of_penalty.has_box
        and preconditioner is None
        and GramPreconditioner.fits(datafit, budget)
    ):
        # One Gram matrix preconditions every point's conjugate gradients;
        # p x p within the working-set budget of orthant-newton.
        preconditioner = GramPreconditioner.of(datafit, budget)
    hessians = HessianCache()
    if state is not None and state.hessians is not None:  # a copy: state stays
        hessians.store(state.hessians.features, state.hessians.hessian)
    solver = make_solver(
        "auto",
        shape_of_penalty,
        tol=tol,
        max_iter=num_iter,
        verbose=verbose,
        n_params=_small_model_params(datafit),
        preconditioner=preconditioner,
        # prox-newton reuses a working set's Hessian from point to point.
        hessians=hessians,
        # orthant-newton bounds the steps after a cut one (warm starts only).
        trust_radius=True,
    )
    if state is None:
        state = PathState((), (null_model(datafit, shape_of_penalty, tol),), ())
    lambdas, solutions, scores = (list(part) for part in state[:3])
    solutions = solutions[-len(lambdas) :] if lambdas else solutions
    order = state.order  # of the extrapolation (see _candidate_starts)
    not_converged = []
    null = null_loss(datafit) if stop_early else None
    # Small products run on one BLAS thread (see _threads), here too: a CV's
    # fold paths may run in worker processes, which do not inherit the limit
    # the caller set.
    with blas_threads_for(datafit.n_samples, datafit.n_features, datafit.n_outputs):
        for i, lambda_ in enumerate(grid):
            penalty = ElasticNetPenalty.from_params(
                regularization, lambda_, l1_ratio, weights, box, groups
            )
            candidates = _candidate_starts(
                datafit, penalty, lambdas, solutions, scores, lambda_
            )
            start, start_scores = candidates[min(order, len(candidates))]
            result = solver.solve(datafit, penalty, start, start_scores)
            params = result.params
            order = _best_order(candidates, params)
            lambdas = (lambdas + [float(lambda_)])[-_ORDER:]
            solutions = (solutions + [params])[-len(lambdas) :]
            if result.scores is not None:
                scores = (scores + [result.scores])[-len(lambdas) :]
            coefs[i], intercepts[i] = reported_coef(datafit, penalty, params)
            losses[i] = result.objective - penalty.value(params[: datafit.n_coef])
            if not result.converged:
                not_converged.append(float(lambda_))
            if stop_early and _ends_after(losses, i, null):
                coefs, intercepts, losses = (
                    coefs[: i + 1].copy(),
                    intercepts[: i + 1].copy(),
                    losses[: i + 1].copy(),
                )
                break
    state = PathState(tuple(lambdas), tuple(solutions), tuple(scores), order, hessians)
    return PathFit(coefs, intercepts, not_converged, losses, state)


def _ends_after(losses: np.ndarray, index: int, null: float) -> bool:
    """glmnet's rule for the end of an informative path (``stop_early``):
    from the ``_STOP_MIN_POINTS``-th point on, a point whose model explains
    at least ``_DEVIANCE_RATIO_MAX`` of the null deviance (training loss
    ``null``), or whose explained fraction grew by less than
    ``_DEVIANCE_CHANGE_MIN`` since the previous point, is the last."""
    if index + 1 < _STOP_MIN_POINTS:
        return False
    if not null > 0.0:
        return True
    before, explained = 1.0 - losses[index - 1 : index + 1] / null
    return explained >= _DEVIANCE_RATIO_MAX or explained - before < (
        _DEVIANCE_CHANGE_MIN
    )


def _small_model_params(datafit) -> int | None:
    """The ``n_params`` a path passes to ``make_solver``: the model's, so
    that small multinomial models and small binary ones with at most
    ``_PROX_ROWS_PER_PARAM`` rows per parameter are fitted by
    ``"prox-newton"`` as a single fit is; None (``"orthant-newton"``) for
    binary models with more rows per parameter, whose warm-started points
    take a few Hessian products, cheaper than forming a working set's
    Hessian of ``n_samples`` rows. Measured on 100-point paths (one BLAS
    thread, tol 1e-4 and 1e-6; prox-newton / orthant-newton): breast cancer
    L1 0.26 and 0.42, wine L1 0.7-0.9, ``make_classification`` 1000 x 50
    0.68 and 0.85, 1000 x 200 0.31 and 0.79, 3000 x 30 with 5 classes 0.35
    and 0.51, but 4000 x 50 1.63 and 1.30 and 4000 x 100 1.98 and 0.97."""
    if datafit.n_outputs > 1:
        return datafit.n_params
    if datafit.n_samples <= _PROX_ROWS_PER_PARAM * datafit.n_params:
        return datafit.n_params
    return None


def _candidate_starts(datafit, penalty, lambdas, solutions, scores, lambda_):
    """The starts of the next point, ``{order: (params, scores or None)}``:
    order 1 is the last solution (a plain warm start), order ``m`` the
    polynomial through the last ``m`` solutions (``_extrapolate``), up to
    as many as there are. A smooth path extrapolates the scores ``X w + b``
    the same way (they are linear in the parameters): no pass over ``X``
    to start a point."""
    aligned = len(scores) == len(solutions)  # the scores of every solution
    candidates = {1: (solutions[-1], scores[-1] if aligned else None)}
    for m in range(2, len(lambdas) + 1):
        weights = _lagrange_weights(np.array([*lambdas[-m:], lambda_]))
        if weights is None:
            break
        start = _extrapolate(datafit, penalty, weights, solutions[-m:])
        start_scores = None
        if penalty.is_smooth and not penalty.has_box and aligned:
            start_scores = sum(w * z for w, z in zip(weights, scores[-m:], strict=True))
        candidates[m] = (start, start_scores)
    return candidates


def _best_order(candidates, solution) -> int:
    """The order whose start was nearest to ``solution``: the one the next
    point uses.

    Each solution is exact only to ``tol``, and extrapolation amplifies
    those errors (the parabola through three points by up to 7 times): at a
    tight ``tol`` the parabola is the best start by far, at a loose one a
    lower order or the plain warm start can be much nearer, and a looser
    ``tol`` then cost more passes than a tighter one (a breast cancer L1
    path: 11232 passes at 1e-4 against 6973 at 1e-5). Judging each order
    by how well it predicted the point just solved costs no pass over
    ``X``, and adapts along the path."""
    distances = {
        m: float(np.linalg.norm(start - solution))
        for m, (start, _) in candidates.items()
    }
    return min(distances, key=lambda m: (distances[m], -m))


def _lagrange_weights(lambdas: np.ndarray) -> np.ndarray | None:
    """Weights of the solutions at ``lambdas[:-1]`` in the polynomial (in
    log lambda_) through them, evaluated at ``lambdas[-1]`` (Lagrange); None
    unless the lambdas are positive and strictly decreasing."""
    values = [float(value) for value in lambdas]
    if min(values) <= 0.0 or any(
        b >= a for a, b in zip(values, values[1:], strict=False)
    ):
        return None
    # Plain floats: two or three nodes, evaluated at every point of a path.
    t = [math.log(value) for value in values]
    nodes, target = t[:-1], t[-1]
    weights = np.ones(len(nodes))
    for j, node in enumerate(nodes):
        for k, other in enumerate(nodes):
            if k != j:
                weights[j] *= (target - other) / (node - other)
    return weights


def _extrapolate(datafit, penalty, weights, solutions) -> np.ndarray:
    """The start of the next point: the solutions combined with the Lagrange
    ``weights``. A plain warm start is first-order accurate, a line through
    two points second-order, a parabola through three third-order: Newton
    then needs fewer steps per point. With an L1 part only non-zero
    coefficients that keep their sign move (the solver, not a guess, changes
    a support). Bounded coefficients are clipped into their box."""
    start = sum(w * solution for w, solution in zip(weights, solutions, strict=True))
    n_coef = datafit.n_coef
    if not penalty.is_smooth:
        w, guess = solutions[-1][:n_coef], start[:n_coef]
        keep = (w != 0.0) & (np.sign(guess) == np.sign(w))
        start[:n_coef] = np.where(keep, guess, w)
    if penalty.has_box:
        start[:n_coef] = np.clip(start[:n_coef], penalty.lower, penalty.upper)
    return start


def check_lambdas(lambdas) -> np.ndarray:
    """A user's grid as a decreasing float64 array, or a ValueError."""
    try:
        grid = np.asarray(lambdas, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"lambdas must be numbers; got {lambdas!r}.") from error
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(
            f"lambdas must be a non-empty 1-D array; got shape {grid.shape}."
        )
    if not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise ValueError(
            f"lambdas must be finite and non-negative; got {grid.tolist()!r}."
        )
    return np.sort(grid)[::-1].copy()
