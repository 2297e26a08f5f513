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

from dataclasses import dataclass, replace

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

    #: Whether the L1 part is taken over each feature's coefficients of all
    #: classes together (``GroupedElasticNetPenalty``).
    grouped = False

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
        groups: int = 1,
    ) -> ElasticNetPenalty:
        """The penalty of ``RegularizedLogisticRegression``'s parameters;
        ``weights``: the coefficients' penalty factors (``coef_weights``);
        ``box``: their flat lower and upper bounds, or None; ``groups``: the
        number of classes whose coefficients of a feature the L1 part takes
        together (``multinomial_penalty="grouped"``; 1: each alone). A
        grouped penalty without L1 part is the plain one."""
        rho = l1_share(regularization, l1_ratio)
        strength = 0.0 if regularization is None else float(lambda_)
        lower, upper = (None, None) if box is None else box
        l1, l2 = strength * rho, strength * (1.0 - rho)
        if groups > 1 and rho > 0.0:
            if box is not None:
                raise ValueError(
                    "lower_bounds and upper_bounds cannot be combined with "
                    "multinomial_penalty='grouped'; use the ungrouped penalty "
                    "to bound the coefficients."
                )
            return GroupedElasticNetPenalty(l1, l2, weights, n_classes=groups)
        return cls(l1, l2, weights, lower, upper)

    def scaled(self, l1: float, l2: float) -> ElasticNetPenalty:
        """The same weights and box (and grouping) with strengths ``l1`` and
        ``l2``."""
        return replace(self, l1=l1, l2=l2)

    @property
    def is_smooth(self) -> bool:
        """Whether the penalty is differentiable (no L1 part)."""
        return self.l1 == 0.0 or (self.weights is not None and not self.weights.any())

    def feature_factors(self, n_features: int) -> np.ndarray:
        """``f_j``, one per feature (the weights repeat them for every
        class: the first ``n_features`` are class 0's)."""
        if self.weights is None:
            return np.ones(n_features)
        return self.weights[:n_features]

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

        return replace(
            self,
            weights=part(self.weights),
            lower=part(self.lower),
            upper=part(self.upper),
        )

    def value(self, w: np.ndarray) -> float:
        if self.weights is None:
            return float(self.l1 * np.sum(np.abs(w)) + 0.5 * self.l2 * (w @ w))
        f = self.weights
        return float(self.l1 * (f @ np.abs(w)) + 0.5 * self.l2 * (f @ (w * w)))

    def value_change(self, w: np.ndarray, dw: np.ndarray) -> float:
        """``value(w + dw) - value(w)``, accurate for a tiny ``dw``."""
        if self.l1 == 0.0:  # smooth: the L2 part alone (a Newton line search)
            if self.weights is None:
                return float(self.l2 * (w @ dw + 0.5 * (dw @ dw)))
            return float(self.l2 * (self.weights @ (w * dw + 0.5 * (dw * dw))))
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


@dataclass(frozen=True, eq=False)
class GroupedElasticNetPenalty(ElasticNetPenalty):
    """``sum_j f_j (l1 ||W[:, j]||_2 + l2 / 2 ||W[:, j]||_2^2)``: the L1
    part taken over the ``n_classes`` coefficients of each feature together
    (the group lasso of glmnet's ``type.multinomial = "grouped"``), so a
    feature is in the model for every class or for none. ``weights`` are
    flat as in ``ElasticNetPenalty`` (the same ``f_j`` for every class); no
    box. With a single class it is ``ElasticNetPenalty``.

    ``pseudo_gradient`` is the minimum-norm subgradient; ``subdiff_distance``
    gives every coefficient of feature ``j`` the Euclidean norm of feature
    ``j``'s part of it, so the optimality measure is the largest distance of
    a feature's negative gradient from its subdifferential."""

    n_classes: int = 1
    grouped = True

    def _columns(self, flat: np.ndarray) -> np.ndarray:
        """A flat ``(n_classes * n_features,)`` array as ``(n_classes,
        n_features)``: column ``j`` is feature ``j``'s group."""
        return flat.reshape(self.n_classes, -1)

    def _norms(self, w: np.ndarray) -> np.ndarray:
        """``||W[:, j]||_2`` per feature."""
        return np.sqrt(np.einsum("kj,kj->j", w, w))

    def value(self, w: np.ndarray) -> float:
        W = self._columns(w)
        f = self.feature_factors(W.shape[1])
        return float(
            self.l1 * (f @ self._norms(W)) + 0.5 * self.l2 * (f @ (W * W).sum(0))
        )

    def value_change(self, w: np.ndarray, dw: np.ndarray) -> float:
        """``value(w + dw) - value(w)``, accurate for a tiny ``dw``:
        ``||w + dw|| - ||w|| = (2 w.dw + dw.dw) / (||w + dw|| + ||w||)``
        has no cancellation."""
        W, D = self._columns(w), self._columns(dw)
        f = self.feature_factors(W.shape[1])
        inner = np.einsum("kj,kj->j", W, D)
        square = np.einsum("kj,kj->j", D, D)
        total = self._norms(W + D) + self._norms(W)
        with np.errstate(invalid="ignore", divide="ignore"):
            norm_change = np.where(total > 0.0, (2.0 * inner + square) / total, 0.0)
        return float(
            self.l1 * (f @ norm_change) + self.l2 * (f @ (inner + 0.5 * square))
        )

    def prox(self, w: np.ndarray, step: float) -> np.ndarray:
        """Group soft-thresholding, then shrinkage: a feature whose
        coefficients have a norm below ``step * l1 * f_j`` becomes exactly
        0.0 for every class."""
        W = self._columns(w)
        f = self.feature_factors(W.shape[1])
        norms = self._norms(W)
        with np.errstate(invalid="ignore", divide="ignore"):
            keep = np.where(norms > 0.0, 1.0 - step * self.l1 * f / norms, 0.0)
        keep = np.maximum(keep, 0.0) / (1.0 + step * self.l2 * f)
        return (W * keep).ravel()

    def pseudo_gradient(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The minimum-norm element of ``grad + dP(w)``, per feature: at a
        zero feature, its gradient shortened by ``l1 f_j`` (0 within that
        ball); elsewhere ``g + l1 f_j W[:, j] / ||W[:, j]||``."""
        W = self._columns(w)
        f = self.feature_factors(W.shape[1])
        G = self._columns(grad) + self.l2 * f * W
        norms, g_norms = self._norms(W), self._norms(G)
        with np.errstate(invalid="ignore", divide="ignore"):
            at_zero = G * np.maximum(1.0 - self.l1 * f / g_norms, 0.0)
            at_zero = np.where(g_norms > 0.0, at_zero, 0.0)
            moving = G + self.l1 * f * np.where(norms > 0.0, W / norms, 0.0)
        return np.where(norms == 0.0, at_zero, moving).ravel()

    def subdiff_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The norm of each feature's part of ``pseudo_gradient``, for each
        of its coefficients."""
        pg = self._columns(self.pseudo_gradient(w, grad))
        return np.broadcast_to(self._norms(pg), pg.shape).ravel()

    def lambda_max(self, grad: np.ndarray) -> float:
        """``max_j ||grad[:, j]||_2 / (l1 f_j)`` over the penalized features
        (infinite without L1)."""
        if self.is_smooth:
            return np.inf
        G = self._columns(grad)
        magnitude = self._norms(G)
        f = self.feature_factors(G.shape[1])
        penalized = f > 0.0
        magnitude = magnitude[penalized] / f[penalized]
        return float(np.max(magnitude, initial=0.0)) / self.l1


def penalty_groups(multinomial_penalty: str, n_outputs: int) -> int:
    """``from_params``' ``groups`` for the estimators' ``multinomial_penalty``
    and a datafit's ``n_outputs``: the number of classes when grouped and
    multinomial, else 1 (two classes have one coefficient per feature)."""
    return n_outputs if multinomial_penalty == "grouped" else 1


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
