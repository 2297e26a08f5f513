"""The cross-validation curve of ``RegularizedLogisticRegressionCV``: its
scores, where a default grid is extended so that the best score is an
interior optimum, and what a best score at an end of the grid warns.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import expit, softmax
from sklearn.utils.extmath import safe_sparse_dot

# glmnet's rules for where a path stops being informative: the model
# explains this fraction of the null deviance (the training data are nearly
# separated, so the coefficients grow without bound as lambda_ falls) ...
_DEVIANCE_RATIO_MAX = 0.999
# ... or one step of the grid changes the explained fraction by less than
# this, relative (the fit no longer depends on lambda_). Above a ridge grid,
# a model explaining less than this fraction is the constant model.
_DEVIANCE_CHANGE_MIN = 1e-5
# An extended grid ends at most this many decades past the default grid; a
# curve has turned when its end lies this far past its best point (or scores
# a standard error worse), and an extension adds this many decades.
_EXTRA_DECADES = 4
_TURN_DECADES = 0.5


class CVCurve(NamedTuple):
    """A cross-validated path: the decreasing grid, the fold scores
    ``(n_folds, L)``, the full-data path's coefficients, intercepts and
    training losses, the lambdas where a fit reached ``num_iter``, and the
    paths' states (full data first) to continue below the grid; with the
    relaxed lasso, the fold scores of every relaxation ``(n_folds,
    n_gammas, L)``."""

    lambdas: np.ndarray
    scores: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    losses: np.ndarray
    not_converged: list
    states: list
    relaxed: np.ndarray | None = None

    def joined(self, other: CVCurve, below: bool) -> CVCurve:
        """This curve with ``other``'s points appended below its grid (its
        states continue the paths) or prepended above it."""
        first, second = (self, other) if below else (other, self)
        return CVCurve(
            lambdas=np.concatenate([first.lambdas, second.lambdas]),
            scores=np.concatenate([first.scores, second.scores], axis=1),
            coefs=np.concatenate([first.coefs, second.coefs]),
            intercepts=np.concatenate([first.intercepts, second.intercepts]),
            losses=np.concatenate([first.losses, second.losses]),
            not_converged=self.not_converged + other.not_converged,
            states=other.states if below else self.states,
            relaxed=None
            if self.relaxed is None
            else np.concatenate([first.relaxed, second.relaxed], axis=2),
        )


class GridEnds:
    """Where a default grid is extended, and why an extension stopped.

    The grid's log step is kept; each extension adds about half a decade of
    points. The small end is extended while the best mean score lies there
    and the curve has not turned (the last point is neither a standard
    error below the best nor half a decade past it), unless the training
    data are nearly separated (the full-data fit explains
    ``_DEVIANCE_RATIO_MAX`` of the null deviance), the fit stopped
    changing, the grid is ``_EXTRA_DECADES`` past its default end, or a fit
    did not converge. A ridge grid (no all-zero point at its top) is
    extended upwards the same way until its top model is the constant one.
    """

    def __init__(self, lambdas: np.ndarray, regularization: str, null_loss: float):
        self.ridge = regularization == "l2"
        self.null_loss = null_loss
        self.reason = {}  # end -> why its extension stopped
        if lambdas.size < 2 or not np.all(lambdas > 0):
            self.step = None
            return
        self.step = float(lambdas[-1] / lambdas[-2])  # < 1
        per_decade = -1.0 / np.log10(self.step)
        self.block = max(1, int(np.ceil(_TURN_DECADES * per_decade)))
        reach = 10.0**_EXTRA_DECADES
        self.floor = float(lambdas[-1]) / reach
        self.ceiling = float(lambdas[0]) * reach

    def extension(self, curve: CVCurve):
        """``(below, above)``: the lambdas to add under or over the grid, at
        most one of them not None."""
        if self.step is None:
            return None, None
        mean = mean_scores(curve.scores)
        if np.all(np.isnan(mean)):
            return None, None
        best = best_index(mean)
        error = cv_standard_errors(curve.scores)
        lambdas = curve.lambdas
        last = lambdas.size - 1
        if not _turned(mean, error, lambdas, best, last):
            reason = self._stop_below(curve)
            if reason is None:
                grid = lambdas[-1] * self.step ** np.arange(1, self.block + 1)
                return grid[grid >= self.floor * (1 - 1e-9)], None
            self.reason["small"] = reason
        elif self.ridge and not _turned(mean, error, lambdas, best, 0):
            reason = self._stop_above(curve)
            if reason is None:
                grid = lambdas[0] / self.step ** np.arange(self.block, 0, -1)
                return None, grid[grid <= self.ceiling * (1 + 1e-9)]
            self.reason["large"] = reason
        return None, None

    def _explained(self, loss: float) -> float:
        """The fraction of the null deviance a training loss explains."""
        if not self.null_loss > 0.0:
            return 1.0
        return 1.0 - loss / self.null_loss

    def _stop_below(self, curve: CVCurve) -> str | None:
        """Why the grid must not grow below its end (what the warning says
        when the best score is there), or None."""
        lambdas, losses = curve.lambdas, curve.losses
        explained = self._explained(losses[-1])
        if lambdas[-1] <= self.floor * (1 + 1e-9):
            return (
                f"{_EXTRA_DECADES} decades below the default grid, the extension's "
                "limit; pass smaller values in lambdas to look further"
            )
        if explained >= _DEVIANCE_RATIO_MAX:
            return (
                f"where the fit explains {explained:.2%} of the training deviance: "
                "the training data are nearly separable, smaller lambdas only "
                "make the coefficients larger, and the held-out score keeps "
                "improving as the predictions grow more confident"
            )
        if losses.size >= 2:
            change = explained - self._explained(losses[-2])
            if change < _DEVIANCE_CHANGE_MIN * max(explained, 1e-12):
                return (
                    "where the fit no longer changes as lambda decreases: the "
                    "data need no regularization"
                )
        last_block = lambdas[-min(self.block, lambdas.size)]
        if curve.not_converged and min(curve.not_converged) <= last_block:
            return (
                "where the fits stop converging within num_iter (the "
                "coefficients grow without bound when some classes are nearly "
                "separable); raise num_iter to look further, or use "
                "selection='1se'"
            )
        return None

    def _stop_above(self, curve: CVCurve) -> str | None:
        """Why a ridge grid must not grow above its top, or None."""
        if curve.lambdas[0] >= self.ceiling * (1 - 1e-9):
            return (
                f"{_EXTRA_DECADES} decades above the default grid, the extension's "
                "limit; pass larger values in lambdas to look further"
            )
        if self._explained(curve.losses[0]) < _DEVIANCE_CHANGE_MIN:
            return (
                "where the model is the constant one: the features predict no "
                "better than the class frequencies"
            )
        return None

    def warning(self, best: int, lambdas: np.ndarray) -> str:
        """The warning for a best score at an end the extension stopped at;
        '' if there is none."""
        if best == lambdas.size - 1 and "small" in self.reason:
            return (
                "the best mean score is at the smallest lambda of the extended "
                f"grid, {lambdas[-1]:.4g}, {self.reason['small']}."
            )
        if best == 0 and "large" in self.reason:
            return (
                "the best mean score is at the largest lambda of the extended "
                f"grid, {lambdas[0]:.4g}, {self.reason['large']}."
            )
        return ""


def _turned(mean, error, lambdas, best: int, end: int) -> bool:
    """Whether the curve has turned before its ``end`` (0 or the last
    index): the best point is not the end, and the end scores at least a
    standard error worse than it or lies ``_TURN_DECADES`` or more past
    it."""
    if best == end:
        return False
    worse = mean[end] <= mean[best] - error[best]
    past = abs(np.log10(lambdas[best] / lambdas[end])) >= _TURN_DECADES * (1 - 1e-9)
    return bool(worse or past)


def user_grid_warning(best: int, lambdas: np.ndarray, top_is_closed: bool) -> str:
    """The warning for a user's grid whose best mean score is at one of its
    ends; '' if there is none."""
    if best == lambdas.size - 1 and lambdas[-1] > 0.0:
        return (
            f"the best mean score is at the smallest lambda of the given grid, "
            f"{lambdas[-1]:.4g}; a smaller lambda_ may score better. Add smaller "
            "values to lambdas, or use lambdas=None: the default grid extends "
            "itself until the curve turns."
        )
    if best == 0 and not top_is_closed:
        return (
            f"the best mean score is at the largest lambda of the given grid, "
            f"{lambdas[0]:.4g}; a larger lambda_ may score better. Add larger "
            "values to lambdas, or use lambdas=None."
        )
    return ""


def mean_scores(scores: np.ndarray) -> np.ndarray:
    """Mean score over folds at each lambda (NaN where a fold's is)."""
    return scores.mean(axis=0)


def best_and_one_se(scores: np.ndarray) -> tuple[int, int]:
    """Indices of the best mean score and of the largest lambda (the grid
    decreases) whose mean score is within one standard error of it."""
    mean = mean_scores(scores)
    best = best_index(mean)
    error = cv_standard_errors(scores)[best]
    within = np.flatnonzero(mean >= mean[best] - error)
    within = within[within <= best]
    return best, int(within[0]) if within.size else best


def best_index(mean: np.ndarray) -> int:
    """Index of the best mean score (the largest lambda on ties; 0 if all are
    NaN)."""
    return int(np.nanargmax(mean)) if np.any(np.isfinite(mean)) else 0


# Scores X @ coef.T of this many (sample, lambda, class) triples at a time.
_SCORE_BLOCK = 1 << 20


def path_neg_log_loss(
    X, encoded, weights, coefs, intercepts, offset=None
) -> np.ndarray:
    """scikit-learn's ``neg_log_loss`` of the models ``(coefs[i],
    intercepts[i])`` on ``X`` (with the samples' ``offset`` added to their
    scores) with encoded labels, for every ``i``: the
    probabilities of ``predict_proba`` (two classes use ``1 - p`` for the
    first, as the scorer does), clipped to ``[eps, 1 - eps]`` as
    ``log_loss`` does. Lambdas are taken in blocks of scores of at most
    ``_SCORE_BLOCK`` values."""
    n_lambdas, n_outputs, n_features = coefs.shape
    n_samples = X.shape[0]
    block = max(1, _SCORE_BLOCK // max(1, n_samples * n_outputs))
    eps = np.finfo(coefs.dtype).eps
    rows = np.arange(n_samples)
    losses = np.empty(n_lambdas)
    for start in range(0, n_lambdas, block):
        stop = min(start + block, n_lambdas)
        flat = coefs[start:stop].reshape(-1, n_features)
        z = safe_sparse_dot(X, flat.T, dense_output=True)
        z = z.reshape(n_samples, stop - start, n_outputs) + intercepts[start:stop]
        if offset is not None:
            z += offset.reshape(n_samples, 1, n_outputs)
        if n_outputs == 1:
            positive = expit(z[:, :, 0])
            true_class = np.where(encoded[:, None] == 1, positive, 1 - positive)
        else:
            true_class = softmax(z, axis=2)[rows, :, encoded]
        loss = -np.log(np.clip(true_class, eps, 1 - eps))
        losses[start:stop] = np.average(loss, axis=0, weights=weights)
    return -losses


def cv_standard_errors(cv_scores: np.ndarray) -> np.ndarray:
    """Standard error of the mean score at each lambda: the standard
    deviation over folds / sqrt(n_folds) (0 for one fold)."""
    n_folds = cv_scores.shape[0]
    if n_folds < 2:
        return np.zeros(cv_scores.shape[1])
    return np.std(cv_scores, axis=0, ddof=1) / np.sqrt(n_folds)
