"""The elastic-net penalty and the optimality measure every solver reports.

    P(w) = sum_k f_k * (l1 * |w_k| + l2 / 2 * w_k^2),   l1 = lambda_ * rho,
                                                        l2 = lambda_ * (1 - rho)

covers all of the estimator's regularizations: ``"l1"`` (rho = 1), ``"l2"``
(rho = 0), ``"elasticnet"`` (rho = l1_ratio) and ``None`` (lambda_ = 0). The
weights ``f_k`` of the coefficients (``weights``; all 1 when None) are the
users' penalty factors, one per feature, repeated for every class; a weight
of 0 leaves a coefficient unpenalized. Bounds ``lower_k <= w_k <= upper_k``
(``lower``, ``upper``; None: none), with ``lower_k <= 0 <= upper_k`` as in
glmnet, add the indicator of that box: 0 inside, so the value is unchanged
at feasible points, and its normal cone to the optimality measure. It acts
on the coefficients only; intercepts are never penalized.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class ElasticNetPenalty:
    """``sum_k f_k (l1 |w_k| + l2 / 2 w_k^2)`` with ``l1, l2 >= 0`` and the
    finite weights ``f_k >= 0`` of the flat coefficients (``weights``;
    None: all 1), restricted to the box ``lower <= w <= upper`` (flat
    arrays with ``lower <= 0 <= upper``; None: no box)."""

    l1: float
    l2: float
    weights: np.ndarray | None = None
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None

    @property
    def has_box(self) -> bool:
        """Whether some coefficient is bounded."""
        return self.lower is not None

    @classmethod
    def from_params(
        cls,
        regularization: str | None,
        lambda_: float,
        l1_ratio: float,
        weights: np.ndarray | None = None,
        box: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> ElasticNetPenalty:
        """The penalty of ``RegularizedLogisticRegression``'s parameters;
        ``weights``: the coefficients' penalty factors (``coef_weights``);
        ``box``: their flat lower and upper bounds, or None."""
        rho = l1_share(regularization, l1_ratio)
        strength = 0.0 if regularization is None else float(lambda_)
        lower, upper = (None, None) if box is None else box
        return cls(strength * rho, strength * (1.0 - rho), weights, lower, upper)

    def scaled(self, l1: float, l2: float) -> ElasticNetPenalty:
        """The same weights and box with strengths ``l1`` and ``l2``."""
        return ElasticNetPenalty(l1, l2, self.weights, self.lower, self.upper)

    @property
    def is_smooth(self) -> bool:
        """Whether the penalty is differentiable (no L1 part)."""
        return self.l1 == 0.0 or (self.weights is not None and not self.weights.any())

    @property
    def l1_coef(self) -> float | np.ndarray:
        """The L1 strength of each coefficient: ``l1``, or ``l1 * f``."""
        return self.l1 if self.weights is None else self.l1 * self.weights

    @property
    def l2_coef(self) -> float | np.ndarray:
        """The L2 strength of each coefficient: ``l2``, or ``l2 * f``."""
        return self.l2 if self.weights is None else self.l2 * self.weights

    @property
    def l2_typical(self) -> float:
        """One number for the L2 strengths: ``l2`` times the mean weight
        (what a preconditioner that needs a multiple of the identity uses)."""
        if self.weights is None or self.weights.size == 0:
            return self.l2
        return self.l2 * float(np.mean(self.weights))

    def restrict(self, datafit, features: np.ndarray) -> ElasticNetPenalty:
        """The penalty of ``datafit.restrict(features)``'s coefficients."""
        if self.weights is None and self.lower is None:
            return self
        n_coef = datafit.n_outputs * len(features)

        def part(flat):
            if flat is None:
                return None
            padded = np.zeros(datafit.n_params)
            padded[: datafit.n_coef] = flat
            return datafit.restrict_params(padded, features)[:n_coef].copy()

        return ElasticNetPenalty(
            self.l1,
            self.l2,
            part(self.weights),
            part(self.lower),
            part(self.upper),
        )

    def value(self, w: np.ndarray) -> float:
        if self.weights is None:
            return float(self.l1 * np.sum(np.abs(w)) + 0.5 * self.l2 * (w @ w))
        f = self.weights
        return float(self.l1 * (f @ np.abs(w)) + 0.5 * self.l2 * (f @ (w * w)))

    def value_change(self, w: np.ndarray, dw: np.ndarray) -> float:
        """``value(w + dw) - value(w)``, accurate for a tiny ``dw``."""
        moved = w + dw
        # Where the sign does not change, |w + dw| - |w| is sign(w) dw exactly:
        # the difference of the rounded |w + dw| would carry an error of an
        # ulp of w, as large as the whole change for a step of 1e-12. (At
        # w = 0 the sign changes unless dw = 0, and |dw| - 0 is exact.)
        same = np.sign(moved) == np.sign(w)
        l1_change = np.where(same, np.sign(w) * dw, np.abs(moved) - np.abs(w))
        if self.weights is None:
            l1_part, l2_part = np.sum(l1_change), w @ dw + 0.5 * (dw @ dw)
        else:
            f = self.weights
            l1_part, l2_part = f @ l1_change, f @ (w * dw + 0.5 * (dw * dw))
        return float(self.l1 * l1_part + self.l2 * l2_part)

    def prox(self, w: np.ndarray, step: float) -> np.ndarray:
        """``argmin_u ||u - w||^2 / (2 step) + P(u)``: soft-thresholding, then
        shrinkage. Coefficients below the threshold become exactly 0.0."""
        shrunk = np.sign(w) * np.maximum(np.abs(w) - step * self.l1_coef, 0.0)
        shrunk /= 1.0 + step * self.l2_coef
        if self.lower is None:
            return shrunk
        # In one dimension the prox of a convex function plus a box is the
        # clipped prox.
        return np.clip(shrunk, self.lower, self.upper)

    def pseudo_gradient(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The minimum-norm element of ``grad + dP(w)``: per coordinate, the
        signed distance from ``-grad`` to the subdifferential of ``P`` at
        ``w``; ``grad`` is the gradient of the data term. All zeros exactly at
        a minimizer of data term + penalty."""
        l1 = self.l1_coef
        g = grad + self.l2_coef * w
        shrunk = np.sign(g) * np.maximum(np.abs(g) - l1, 0.0)
        measure = np.where(w == 0.0, shrunk, g + l1 * np.sign(w))
        if self.lower is None:
            return measure
        # At a bound the normal cone of the box joins the subdifferential:
        # only a descent direction into the box counts (a coefficient at its
        # lower bound may only grow, at its upper bound only shrink).
        at_lower, at_upper = w <= self.lower, w >= self.upper
        measure = np.where(at_lower, np.minimum(measure, 0.0), measure)
        measure = np.where(at_upper, np.maximum(measure, 0.0), measure)
        return np.where(at_lower & at_upper, 0.0, measure)

    def subdiff_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """``|pseudo_gradient(w, grad)|``, per coordinate."""
        return np.abs(self.pseudo_gradient(w, grad))

    def lambda_max(self, grad: np.ndarray) -> float:
        """The smallest ``t`` for which zero coefficients minimize data term
        + ``t`` * this penalty, from the data term's coefficient gradient
        ``grad`` at the best model with zero coefficients: ``max_k |grad_k|
        / (l1 f_k)`` (the L2 part has no effect at zero; infinite without
        L1). Coefficients of weight 0 are not held at zero: that model has
        fitted them (their ``grad`` is 0), and they do not count. A
        coefficient with a bound at 0 only counts the part of ``grad`` that
        pushes it into its box (0 at both bounds: it is always zero)."""
        if self.is_smooth:
            return np.inf
        magnitude = np.abs(grad)
        if self.lower is not None:
            # At a lower bound of 0, w may only grow: a positive gradient
            # holds it at zero at any strength; at an upper bound of 0 the
            # reverse.
            magnitude = np.where(self.lower == 0.0, np.maximum(-grad, 0.0), magnitude)
            magnitude = np.where(self.upper == 0.0, np.maximum(grad, 0.0), magnitude)
            magnitude = np.where(
                (self.lower == 0.0) & (self.upper == 0.0), 0.0, magnitude
            )
        if self.weights is not None:
            penalized = self.weights > 0.0
            magnitude = magnitude[penalized] / self.weights[penalized]
        return float(np.max(magnitude, initial=0.0)) / self.l1


def l1_share(regularization: str | None, l1_ratio: float) -> float:
    """``rho``, the L1 part of the estimators' ``regularization`` (``"l1"``:
    1, ``"l2"`` and None: 0, ``"elasticnet"``: ``l1_ratio``)."""
    return {"l1": 1.0, "l2": 0.0, "elasticnet": l1_ratio, None: 0.0}[regularization]


def optimality(
    n_coef: int, penalty: ElasticNetPenalty, params: np.ndarray, grad: np.ndarray
) -> float:
    """The KKT violation ``max_j dist(-grad_j, d P_j(params_j))``.

    ``grad`` is the data term's gradient at ``params``; the first ``n_coef``
    entries are penalized, the rest (intercepts) are not. Zero exactly at the
    minimizer; every solver stops when it drops to ``tol``.
    """
    measure = penalty.subdiff_distance(params[:n_coef], grad[:n_coef])
    worst = float(np.max(measure, initial=0.0))
    return max(worst, float(np.max(np.abs(grad[n_coef:]), initial=0.0)))
