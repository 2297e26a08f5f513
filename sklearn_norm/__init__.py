"""sklearn-norm: L1/L2 normalizers and regularized linear models for scikit-learn.

The public API:

- :func:`l1_normalize`, :func:`l2_normalize`: divide an array (dense of any
  dimension, or sparse CSR/CSC) by its L1 or L2 norm along some axes;
- :class:`L1Normalizer`, :class:`L2Normalizer`: the same as scikit-learn
  transformers, normalizing rows (``axis=1``) or columns by norms learned in
  ``fit`` (``axis=0``);
- :class:`RegularizedLogisticRegression`: logistic regression with an L1, L2
  or elastic-net penalty, solved to a KKT tolerance; :func:`lambda_max`, the
  smallest L1 penalty with all-zero coefficients; :func:`logistic_path`, the
  warm-started fits along a grid of penalties;
- :class:`RegularizedLogisticRegressionCV`: ``lambda_`` chosen by
  cross-validating that path (``lambda_min_``, ``lambda_1se_``);
  :func:`plot_path` and :func:`plot_cv` draw it (matplotlib, the ``plot``
  extra).

``python -m sklearn_norm`` (or ``sklearn-norm``) runs it on a CSV file or a
demo dataset and writes a report and the two pictures.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._logistic import RegularizedLogisticRegression
    from ._logistic_cv import RegularizedLogisticRegressionCV
    from ._normalize import l1_normalize, l2_normalize
    from ._normalizers import L1Normalizer, L2Normalizer
    from ._path import lambda_max, logistic_path
    from ._plot import plot_cv, plot_path

# Each public name and the module that defines it. They are imported on first
# use (PEP 562), so that ``import sklearn_norm`` and the command line's
# ``--help``, ``--version`` and input errors do not wait for scikit-learn.
_MODULES = {
    "L1Normalizer": "._normalizers",
    "L2Normalizer": "._normalizers",
    "RegularizedLogisticRegression": "._logistic",
    "RegularizedLogisticRegressionCV": "._logistic_cv",
    "l1_normalize": "._normalize",
    "l2_normalize": "._normalize",
    "lambda_max": "._path",
    "logistic_path": "._path",
    "plot_cv": "._plot",
    "plot_path": "._plot",
}


def __getattr__(name: str):
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULES[name], __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})


__version__ = "0.1.0"

__all__ = [
    "L1Normalizer",
    "L2Normalizer",
    "RegularizedLogisticRegression",
    "RegularizedLogisticRegressionCV",
    "__version__",
    "l1_normalize",
    "l2_normalize",
    "lambda_max",
    "logistic_path",
    "plot_cv",
    "plot_path",
]
