"""Offsets: a fixed, known term added to the linear predictor of every
sample (glmnet's and statsmodels' ``offset``), as in

    logloss(y_i, x_i @ w + b + offset_i)

For two classes the offset is one number per sample, added to the log-odds
of ``classes_[1]``; for K > 2 classes it is one number per sample and
class, added to each class's score (columns in ``classes_`` order; a
per-sample offset common to all classes would cancel in the softmax). The
same offset enters ``fit`` and the prediction methods.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._array_api import to_host


def check_offset(
    offset: ArrayLike | None, n_samples: int, n_classes: int
) -> np.ndarray | None:
    """``offset`` as float64 scores: shape ``(n_samples,)`` for two classes,
    ``(n_samples, n_classes)`` in class-major memory order (that of the
    multinomial scores) otherwise; None stays None. A ValueError names
    what is wrong."""
    if offset is None:
        return None
    try:
        values = np.asarray(to_host(offset), dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"offset must hold numbers; converting it to float failed: {error}"
        ) from error
    if n_classes == 2:
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        expected = f"({n_samples},)"
        fits = values.shape == (n_samples,)
    else:
        expected = f"({n_samples}, {n_classes}): one column per class"
        fits = values.shape == (n_samples, n_classes)
        if values.shape == (n_samples,):
            raise ValueError(
                f"offset has one value per sample, but with {n_classes} classes "
                "the same value added to every class's score cancels in the "
                f"softmax; give shape {expected}, in classes_ order."
            )
    if not fits:
        raise ValueError(f"offset has shape {values.shape}; expected shape {expected}.")
    if not np.all(np.isfinite(values)):
        what = "NaN" if np.isnan(values).any() else "infinity"
        raise ValueError(f"offset contains {what}: every value must be finite.")
    # Class-major (Fortran) order: elementwise sums with the scores keep it.
    return np.asfortranarray(values)


def offset_rows(offset: np.ndarray | None, rows) -> np.ndarray | None:
    """The offsets of ``rows`` (None stays None), in class-major order."""
    return None if offset is None else np.asfortranarray(offset[rows])
