"""The elastic-net penalty and the optimality measure every solver reports.

    P(w) = l1 * ||w||_1 + l2 / 2 * ||w||_2^2,   l1 = lambda_ * rho,
                                                 l2 = lambda_ * (1 - rho)

covers all of the estimator's regularizations: ``"l1"`` (rho = 1), ``"l2"``
(rho = 0), ``"elasticnet"`` (rho = l1_ratio) and ``None`` (lambda_ = 0). It
acts on the coefficients only; intercepts are never penalized.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ElasticNetPenalty:
    """``l1 * ||w||_1 + l2 / 2 * ||w||_2^2`` with ``l1, l2 >= 0``."""

    l1: float
    l2: float

    @classmethod
    def from_params(
        cls, regularization: str | None, lambda_: float, l1_ratio: float
    ) -> ElasticNetPenalty:
        """The penalty of ``RegularizedLogisticRegression``'s parameters."""
        rho = l1_share(regularization, l1_ratio)
        strength = 0.0 if regularization is None else float(lambda_)
        return cls(l1=strength * rho, l2=strength * (1.0 - rho))

    @property
    def is_smooth(self) -> bool:
        """Whether the penalty is differentiable (no L1 part)."""
        return self.l1 == 0.0

    def value(self, w: np.ndarray) -> float:
        return float(self.l1 * np.sum(np.abs(w)) + 0.5 * self.l2 * (w @ w))

    def value_change(self, w: np.ndarray, dw: np.ndarray) -> float:
        """``value(w + dw) - value(w)``, accurate for a tiny ``dw``."""
        moved = w + dw
        # Where the sign does not change, |w + dw| - |w| is sign(w) dw exactly:
        # the difference of the rounded |w + dw| would carry an error of an
        # ulp of w, as large as the whole change for a step of 1e-12. (At
        # w = 0 the sign changes unless dw = 0, and |dw| - 0 is exact.)
        same = np.sign(moved) == np.sign(w)
        l1_change = np.sum(np.where(same, np.sign(w) * dw, np.abs(moved) - np.abs(w)))
        return float(self.l1 * l1_change + self.l2 * (w @ dw + 0.5 * (dw @ dw)))

    def prox(self, w: np.ndarray, step: float) -> np.ndarray:
        """``argmin_u ||u - w||^2 / (2 step) + P(u)``: soft-thresholding, then
        shrinkage. Coefficients below the threshold become exactly 0.0."""
        shrunk = np.sign(w) * np.maximum(np.abs(w) - step * self.l1, 0.0)
        return shrunk / (1.0 + step * self.l2)

    def pseudo_gradient(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The minimum-norm element of ``grad + dP(w)``: per coordinate, the
        signed distance from ``-grad`` to the subdifferential of ``P`` at
        ``w``; ``grad`` is the gradient of the data term. All zeros exactly at
        a minimizer of data term + penalty."""
        g = grad + self.l2 * w
        shrunk = np.sign(g) * np.maximum(np.abs(g) - self.l1, 0.0)
        return np.where(w == 0.0, shrunk, g + self.l1 * np.sign(w))

    def subdiff_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """``|pseudo_gradient(w, grad)|``, per coordinate."""
        return np.abs(self.pseudo_gradient(w, grad))

    def lambda_max(self, grad: np.ndarray) -> float:
        """The smallest ``t`` for which zero coefficients minimize data term
        + ``t`` * this penalty, from the data term's coefficient gradient
        ``grad`` at the best model with zero coefficients: ``max|grad| /
        l1`` (the L2 part has no effect at zero; infinite without L1)."""
        largest = float(np.max(np.abs(grad), initial=0.0))
        if self.l1 == 0.0:
            return np.inf
        return largest / self.l1


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
