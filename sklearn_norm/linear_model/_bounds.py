"""Bounds on the coefficients (glmnet's ``lower.limits`` and
``upper.limits``): ``lower_bounds <= coef_ <= upper_bounds``, elementwise.

A bound is a number (every coefficient), one per feature (every class) or
one per class and feature. As in glmnet every lower bound is ``<= 0`` and
every upper bound ``>= 0``: zero coefficients are always feasible, so the
constant model, ``lambda_max`` and the start of a path keep their meaning;
a sign constraint is a bound of 0 (``lower_bounds=0``: non-negative
coefficients). The bounds apply to the coefficients as reported (with
``standardize=True``, on the original scale; glmnet does the same). The
intercepts are never bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True, eq=False)
class CoefficientBounds:
    """``lower`` and ``upper`` bounds of shape ``(n_outputs, n_features)``,
    ``lower <= 0 <= upper``."""

    lower: np.ndarray
    upper: np.ndarray

    def select(self, features: np.ndarray) -> CoefficientBounds:
        """The bounds of the columns ``features``."""
        return CoefficientBounds(self.lower[:, features], self.upper[:, features])

    def scaled(self, scale: np.ndarray | None) -> CoefficientBounds:
        """The bounds of the coefficients of columns divided by ``scale``
        (standardized columns: their coefficients are ``coef * scale``); a
        column of scale 0 (constant, zeroed) keeps its bounds."""
        if scale is None:
            return self
        factor = np.where(scale > 0.0, scale, 1.0)
        return CoefficientBounds(self.lower * factor, self.upper * factor)

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """The bounds of the flat coefficients (class-major, as in params)."""
        return self.lower.ravel(), self.upper.ravel()


def check_bounds(
    lower_bounds: ArrayLike | None,
    upper_bounds: ArrayLike | None,
    n_outputs: int,
    n_features: int,
) -> CoefficientBounds | None:
    """The bounds broadcast to ``(n_outputs, n_features)``; None when both
    are None or no coefficient is bounded. A ValueError names a bound of
    the wrong shape or sign."""
    if lower_bounds is None and upper_bounds is None:
        return None
    lower = _broadcast(lower_bounds, -np.inf, "lower_bounds", n_outputs, n_features)
    upper = _broadcast(upper_bounds, np.inf, "upper_bounds", n_outputs, n_features)
    for name, values, bad, rule in [
        ("lower_bounds", lower, ~(lower <= 0.0), "<= 0"),
        ("upper_bounds", upper, ~(upper >= 0.0), ">= 0"),
    ]:
        if bad.any():
            where = np.argwhere(bad)[0]
            raise ValueError(
                f"{name} must be {rule} (zero coefficients must be feasible, as "
                f"in glmnet); got {float(values[tuple(where)])!r} at class row "
                f"{where[0]}, feature {where[1]}."
            )
    if np.all(np.isneginf(lower)) and np.all(np.isposinf(upper)):
        return None
    return CoefficientBounds(lower, upper)


def _broadcast(bound, default, name, n_outputs, n_features) -> np.ndarray:
    if bound is None:
        return np.full((n_outputs, n_features), default)
    try:
        values = np.asarray(bound, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numbers; got {bound!r}.") from error
    n_classes = 2 if n_outputs == 1 else n_outputs
    shapes = [(), (n_features,), (n_outputs, n_features)]
    if values.shape not in shapes:
        raise ValueError(
            f"{name} must be a number, shape ({n_features},) (one per feature) "
            f"or ({n_outputs}, {n_features}) (one per "
            f"{'coefficient row' if n_outputs == 1 else 'class'} and feature, "
            f"for {n_classes} classes); got shape {values.shape}."
        )
    if np.isnan(values).any():
        raise ValueError(f"{name} contains NaN.")
    return np.array(np.broadcast_to(values, (n_outputs, n_features)))


def bounds_box(
    bounds: CoefficientBounds | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The flat box a penalty takes, or None."""
    return None if bounds is None else bounds.flat()


def fitted_bounds(
    bounds: CoefficientBounds | None, factors, standardization
) -> CoefficientBounds | None:
    """``bounds`` (over all the features) for the coefficients a solver
    sees: those of the features ``factors`` keeps, on the scale of the
    columns ``standardization`` made (None for either: as they are)."""
    if bounds is None:
        return None
    if factors is not None and factors.excludes:
        bounds = bounds.select(factors.included)
    if standardization is not None:
        bounds = bounds.scaled(standardization.scale)
    return bounds
