"""The relaxed lasso (glmnet's ``relax=TRUE``): at each ``lambda_`` of a path,
the model refitted without penalty on the features the penalized fit keeps,
blended with the penalized one,

    coef(lambda_, gamma) = gamma * coef_penalized + (1 - gamma) * coef_refit,

and the same for the intercepts: ``gamma = 1`` is the penalized fit, ``gamma =
0`` the unpenalized refit on its support. Where the unpenalized refit does
not reach ``tol`` (the kept features separate the classes: no minimizer),
it is finished with a tiny ridge term (``_RIDGE``, in the units of the mean
log-loss), which has one. Bounds on the coefficients bound the refit too.
"""

from __future__ import annotations

import numpy as np

from ._penalties import ElasticNetPenalty
from ._solvers import make_solver

_RIDGE = 1e-8
_MAX_ITER = 200


def relaxed_params(datafit, penalty: ElasticNetPenalty, params: np.ndarray, tol):
    """The refit of ``params`` (a penalized solution of ``datafit``) on its
    support without the penalty (but its box), as flat params of
    ``datafit``. The support is the features with a non-zero coefficient
    (for any class, as in glmnet's relaxed multinomial fit: all of a kept
    feature's classes are refitted); the coefficients of a feature free in
    every class are returned with zero mean (softmax ignores their common
    shift)."""
    coef, _ = datafit.split(params)
    support = np.flatnonzero(np.any(coef != 0.0, axis=0))
    if support.size == 0:
        return params.copy()
    sub = datafit.restrict(support)
    box = penalty.restrict(datafit, support)
    start = datafit.restrict_params(params, support)
    for ridge in (0.0, _RIDGE):
        unpenalized = ElasticNetPenalty(0.0, ridge, None, box.lower, box.upper)
        solver = make_solver("auto", unpenalized, tol=tol, max_iter=_MAX_ITER)
        result = solver.solve(sub, unpenalized, start)
        if result.converged:
            break
        start = result.params
    refit = datafit.expand_params(params, result.params, support)
    coef, intercept = datafit.split(refit)
    coef, intercept = coef.copy(), intercept.copy()
    if datafit.n_outputs > 1:
        intercept -= intercept.mean()
        free = support
        if box.lower is not None:  # a bounded coefficient fixes the shift
            limits = np.isfinite(box.lower) | np.isfinite(box.upper)
            free = support[~np.any(np.reshape(limits, (-1, support.size)), axis=0)]
        coef[:, free] -= coef[:, free].mean(axis=0)
    return np.concatenate(
        [coef.ravel(), intercept[: datafit.n_params - datafit.n_coef]]
    )


def relaxed_path(datafit, penalty: ElasticNetPenalty, coefs, intercepts, tol):
    """``relaxed_params`` at every point ``(coefs[i], intercepts[i])`` of a
    path on ``datafit`` (any of its penalties: only its box matters), as
    coefficients ``(L, n_outputs, n_features)`` and intercepts ``(L,
    n_outputs)``."""
    relaxed_coefs = np.empty(coefs.shape)
    relaxed_intercepts = np.empty(intercepts.shape)
    for i in range(coefs.shape[0]):
        params = np.concatenate([coefs[i].ravel(), intercepts[i]])
        refit = relaxed_params(datafit, penalty, params[: datafit.n_params], tol)
        relaxed_coefs[i], relaxed_intercepts[i] = datafit.split(refit)
    return relaxed_coefs, relaxed_intercepts


def blended(gammas: np.ndarray, penalized, relaxed):
    """``gamma * penalized + (1 - gamma) * relaxed`` for every ``gamma``: an
    array with a leading axis of ``len(gammas)``."""
    shape = (-1,) + (1,) * np.ndim(penalized)
    g = np.reshape(gammas, shape)
    return g * penalized + (1.0 - g) * relaxed


def check_gammas(gammas) -> np.ndarray:
    """The relaxation weights as a float array in [0, 1], or a ValueError."""
    try:
        values = np.asarray(gammas, dtype=np.float64).ravel()
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"gammas must be numbers in [0, 1]; got {gammas!r}."
        ) from error
    if values.size == 0 or not np.all((values >= 0.0) & (values <= 1.0)):
        raise ValueError(
            f"gammas must be a non-empty list of numbers in [0, 1] (1: the "
            f"penalized fit, 0: the unpenalized refit); got {values.tolist()}."
        )
    return np.unique(values)
