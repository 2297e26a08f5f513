"""Building a fit, shared by the estimator, the path and the CV: labels
encoded and sample times class weights combined (``encode_and_weigh``), the
binary or multinomial datafit (``build_datafit``, ``datafit_of``), the start
point (``constant_model``), the tolerance float32 can reach
(``effective_tol``) and the coefficients as the estimator reports them
(``reported_coef``)."""

from __future__ import annotations

import numpy as np

from .._array_api import namespace_of
from .._validation import (
    check_class_labels,
    check_class_weight,
    check_classes,
    check_weight_total,
    check_weights,
)
from ._array_api_datafit import ArrayApiLogisticLoss
from ._datafits import BinaryLogisticLoss, MultinomialLoss
from ._factors import PenaltyFactors
from ._offset import check_offset
from ._penalties import ElasticNetPenalty
from ._solvers import NewtonCG, make_solver
from ._standardize import Standardization

# What float32 products with X can resolve: a float32 gradient carries
# relative rounding errors of about 1e-6, so asking for less is asking for noise.
_FLOAT32_TOL_FLOOR = 1e-5


def build_datafit(X, y, sample_weight, class_weight, fit_intercept: bool, offset=None):
    """Encode ``y``, combine sample and class weights, check ``offset`` and
    build the datafit.

    Returns the sorted class labels and a binary or multinomial datafit whose
    weights are ``s_i / S``.
    """
    classes, encoded, weights = encode_and_weigh(X, y, sample_weight, class_weight)
    offset = check_offset(offset, X.shape[0], classes.size)
    return classes, datafit_of(X, encoded, weights, classes.size, fit_intercept, offset)


def encode_and_weigh(X, y, sample_weight, class_weight):
    """The sorted class labels, ``y`` encoded as indices into them, and the
    weights ``s_i = sample_weight[i] * class_weight[y_i]`` (not normalized)."""
    check_class_labels(y)
    classes, encoded = np.unique(y, return_inverse=True)
    check_classes(classes)
    weights = check_weights(sample_weight, X)
    if class_weight is not None:
        per_class = check_class_weight(class_weight, classes, encoded, weights)
        weights = combine_weights(weights, per_class[encoded])
    return classes, encoded, weights


def combine_weights(sample: np.ndarray, per_sample_class: np.ndarray) -> np.ndarray:
    """``sample * per_sample_class``: finite, non-negative weights, each
    factor scaled to a largest value of 1 first when the plain product
    overflows (or underflows to all zeros). Only the ratios of the weights
    matter (the loss is their weighted mean), and huge or tiny factors must
    not turn into infinite or zero weights."""
    with np.errstate(over="ignore", under="ignore"):
        weights = sample * per_sample_class
    positive = (sample > 0.0) & (per_sample_class > 0.0)
    if np.all(np.isfinite(weights)) and (weights > 0.0).sum() == positive.sum():
        return weights
    with np.errstate(under="ignore"):
        return (sample / sample.max()) * (per_sample_class / per_sample_class.max())


def datafit_of(X, encoded, weights, n_classes: int, fit_intercept: bool, offset=None):
    """The binary or multinomial datafit of validated inputs: labels encoded
    as 0..n_classes-1, non-negative weights ``s_i`` (normalized here to
    ``s_i / S``) and an offset as ``check_offset`` returns it."""
    with np.errstate(over="ignore"):
        total = float(np.sum(weights))
    if np.isinf(total):  # huge weights: only their ratios matter
        weights = weights / weights.max()
        total = float(np.sum(weights))
    check_weight_total(total)
    weights = weights / total
    if namespace_of(X) is not None:  # on X's device, another array library
        return ArrayApiLogisticLoss(
            X, encoded, weights, fit_intercept, n_classes, offset
        )
    if n_classes == 2:
        return BinaryLogisticLoss(X, encoded == 1, weights, fit_intercept, offset)
    return MultinomialLoss(X, encoded, weights, fit_intercept, n_classes, offset)


def effective_tol(tol: float, dtype) -> float:
    """``tol``, raised to what float32 gradients resolve for float32 ``X``."""
    return tol if dtype == np.float64 else max(tol, _FLOAT32_TOL_FLOOR)


def reported_coef(datafit, penalty, params: np.ndarray):
    """Coefficients ``(n_outputs, n_features)`` and intercepts ``(n_outputs,)``
    of ``params`` as the estimator reports them: softmax ignores a shift
    common to all classes, so multinomial intercepts (and, without a
    penalty, coefficients) are returned as their zero-mean representative
    (bounded coefficients as fitted: a shift could leave their box)."""
    coef, intercept = datafit.split(params)
    if datafit.n_outputs > 1:
        intercept = intercept - intercept.mean()
    if datafit.n_outputs > 1 and not penalty.has_box:
        if penalty.l1 == 0.0 and penalty.l2 == 0.0:
            coef = coef - coef.mean(axis=0)
        elif penalty.weights is not None:
            # Features of penalty factor 0: unpenalized, the same shift.
            free = _unpenalized_features(datafit, penalty)
            coef = coef.copy()
            coef[:, free] -= coef[:, free].mean(axis=0)
    return coef, intercept


def _unpenalized_features(datafit, penalty) -> np.ndarray:
    """The features whose coefficients have penalty weight 0."""
    weights = penalty.weights.reshape(datafit.n_outputs, datafit.n_features)
    return np.flatnonzero(weights[0] == 0.0)


def constant_model(datafit) -> np.ndarray:
    """Zero coefficients and, with an intercept, the intercepts of the best
    constant model (log-odds of the weighted class frequencies): the exact
    minimizer when every coefficient is zero. With an offset, the
    intercepts are fitted by Newton's method from there."""
    params = np.zeros(datafit.n_params)
    if not datafit.fit_intercept:
        return params
    params = _frequency_intercepts(datafit, params)
    if getattr(datafit, "offset", None) is None:
        return params
    none = np.zeros(0, dtype=np.intp)
    result = NewtonCG(tol=1e-10, max_iter=100).solve(
        datafit.restrict(none),
        ElasticNetPenalty(0.0, 0.0),
        datafit.restrict_params(params, none),
    )
    return datafit.expand_params(params, result.params, none)


def _frequency_intercepts(datafit, params: np.ndarray) -> np.ndarray:
    """``params`` with the intercepts of the best constant model without
    an offset: the log-odds of the weighted class frequencies."""
    counts = datafit.class_totals()
    if datafit.n_outputs == 1:
        frequency = np.clip(counts[1:], 1e-12, 1.0 - 1e-12)
        params[datafit.n_coef :] = np.log(frequency) - np.log1p(-frequency)
    else:
        log_frequency = np.log(np.maximum(counts, 1e-12))
        params[datafit.n_coef :] = log_frequency - log_frequency.mean()
    return params


def null_loss(datafit) -> float:
    """The training loss of the best constant model (glmnet's null
    deviance, with penalty factors too)."""
    return float(datafit.value(datafit.decision(constant_model(datafit))))


def null_model(datafit, penalty: ElasticNetPenalty, tol: float = 1e-8) -> np.ndarray:
    """The best model whose penalized coefficients are all zero: the
    constant model, and the coefficients of penalty weight 0 fitted too
    (unpenalized, within the penalty's box, to ``tol``). Paths start here;
    ``lambda_max`` is the penalty's threshold at its gradient."""
    params = constant_model(datafit)
    if penalty.weights is None or penalty.weights.all():
        return params
    free = _unpenalized_features(datafit, penalty)
    sub = datafit.restrict(free)
    unpenalized = penalty.restrict(datafit, free).scaled(0.0, 0.0)
    # Newton-CG, or L-BFGS-B (more, cheaper iterations) for bounded ones.
    max_iter = 1000 if unpenalized.has_box else 100
    solver = make_solver("auto", unpenalized, tol=tol, max_iter=max_iter)
    result = solver.solve(sub, unpenalized, datafit.restrict_params(params, free))
    return datafit.expand_params(params, result.params, free)


def publish_result(
    estimator,
    datafit,
    penalty,
    result,
    solver_name: str,
    factors: PenaltyFactors | None = None,
    standardization: Standardization | None = None,
) -> None:
    """Set a fitted estimator's model attributes from a solver's ``result``:
    ``coef_`` and ``intercept_`` (as ``reported_coef`` gives them, on the
    original scale of standardized columns, in ``X``'s dtype; with zeros at
    the features ``factors`` excludes), ``n_iter_``, ``optimality_``,
    ``objective_`` and ``solver_``."""
    coef, intercept = reported_coef(datafit, penalty, result.params)
    if standardization is not None:
        coef, intercept = standardization.to_original(coef, intercept)
    if factors is not None:
        coef = factors.expand(coef)
    estimator.coef_ = np.array(coef, dtype=datafit.dtype)
    estimator.intercept_ = np.array(intercept, dtype=datafit.dtype)
    estimator.n_iter_ = result.n_iter
    estimator.optimality_ = result.optimality
    estimator.objective_ = result.objective
    estimator.solver_ = solver_name
