"""Penalty factors: one multiplier of the penalty per feature (glmnet's
``penalty.factor``).

With factors ``f_j`` the penalty of every estimator, path and CV is

    lambda_ * sum_j f_j * (rho * |w_j| + (1 - rho) / 2 * w_j^2)

summed over the classes' coefficients of feature ``j``. A factor of 0 leaves a
feature unpenalized (never set to zero by the penalty; ``lambda_max`` is taken
at the best model that fits it); an infinite factor excludes a feature (its
coefficients are exactly 0 and its column is never read by the solver).
As glmnet does, the factors are rescaled to sum to ``n_features``, counting an
excluded feature as 1, so that ``lambda_`` keeps its meaning: factors all
equal are the same as no factors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .._array_api import namespace_of


@dataclass(frozen=True, eq=False)
class PenaltyFactors:
    """Validated, rescaled factors of the features that are fitted.

    ``weights``: the rescaled factors of the ``included`` features (finite,
    >= 0), in their order; ``n_features``: the number of all features.
    """

    weights: np.ndarray
    included: np.ndarray
    n_features: int

    @property
    def excludes(self) -> bool:
        """Whether some feature has an infinite factor."""
        return self.included.size < self.n_features

    def select(self, X):
        """The columns of ``X`` that are fitted (``X`` itself if all are)."""
        if not self.excludes:
            return X
        namespace = namespace_of(X)
        if namespace is not None:  # another array library, on its device
            return namespace.take(X, self.included, axis=1)
        return X[:, self.included]

    def expand(self, coef: np.ndarray) -> np.ndarray:
        """Coefficients over the fitted features, ``(..., n_included)``, as
        ``(..., n_features)`` with zeros at the excluded ones."""
        if not self.excludes:
            return coef
        full = np.zeros(coef.shape[:-1] + (self.n_features,), dtype=coef.dtype)
        full[..., self.included] = coef
        return full


def check_penalty_factor(
    penalty_factor: ArrayLike | None, n_features: int
) -> PenaltyFactors | None:
    """``penalty_factor`` validated and rescaled (None stays None); a
    ValueError names what is wrong with it."""
    if penalty_factor is None:
        return None
    try:
        factor = np.asarray(penalty_factor, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"penalty_factor must be numbers, one per feature; got {penalty_factor!r}."
        ) from error
    if factor.ndim != 1 or factor.size != n_features:
        raise ValueError(
            f"penalty_factor must have one entry per feature: shape "
            f"({n_features},), got shape {factor.shape}."
        )
    bad = np.flatnonzero(~(factor >= 0.0))  # NaN or negative
    if bad.size:
        raise ValueError(
            "penalty_factor must be >= 0 (0 leaves a feature unpenalized, inf "
            f"excludes it); got {factor[bad[:5]].tolist()} at feature(s) "
            f"{bad[:5].tolist()}."
        )
    excluded = np.isinf(factor)
    if excluded.all():
        raise ValueError(
            "penalty_factor is inf for every feature: every feature is "
            "excluded and there is nothing to fit."
        )
    counted = np.where(excluded, 1.0, factor)
    if not np.any(counted[~excluded] > 0.0):
        raise ValueError(
            "penalty_factor is 0 for every fitted feature: nothing is "
            "penalized. Use regularization=None for an unpenalized model."
        )
    weights = counted * (n_features / counted.sum())
    included = np.flatnonzero(~excluded)
    return PenaltyFactors(weights[included], included, n_features)


def coef_weights(factors: PenaltyFactors | None, n_outputs: int) -> np.ndarray | None:
    """The weight of every flat coefficient (the factors repeated for each
    of the ``n_outputs`` rows of ``W``), or None without factors."""
    return None if factors is None else np.tile(factors.weights, n_outputs)
