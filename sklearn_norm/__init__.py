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
  extra);
- :func:`move_to_numpy`: a copy of an estimator fitted on PyTorch, CuPy or
  other array-API arrays (under scikit-learn's ``array_api_dispatch``) with
  its fitted arrays in NumPy.

``python -m sklearn_norm`` (or ``sklearn-norm``) runs it on a CSV file or a
demo dataset and writes a report and the two pictures.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.util
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._array_api import move_to_numpy
    from ._plot import plot_cv, plot_path
    from .linear_model import (
        RegularizedLogisticRegression,
        RegularizedLogisticRegressionCV,
        lambda_max,
        logistic_path,
    )
    from .normalize import L1Normalizer, L2Normalizer, l1_normalize, l2_normalize

# Each public name and the package that defines it. They are imported on
# first use (PEP 562), so that ``import sklearn_norm`` and the command line's
# ``--help``, ``--version`` and input errors do not wait for scikit-learn.
_MODULES = {
    "L1Normalizer": ".normalize",
    "L2Normalizer": ".normalize",
    "RegularizedLogisticRegression": ".linear_model",
    "RegularizedLogisticRegressionCV": ".linear_model",
    "l1_normalize": ".normalize",
    "l2_normalize": ".normalize",
    "lambda_max": ".linear_model",
    "logistic_path": ".linear_model",
    "move_to_numpy": "._array_api",
    "plot_cv": "._plot",
    "plot_path": "._plot",
}

# The modules where version 0.1.0 defined what its pickles name (the
# estimators, and the cell parsers of a model saved by the command line):
# importing one gives the module that defines them now, so those pickles
# load (their state format is unchanged).
_MOVED_MODULES = {
    f"{__name__}._logistic": f"{__name__}.linear_model",
    f"{__name__}._logistic_cv": f"{__name__}.linear_model",
    f"{__name__}._normalizers": f"{__name__}.normalize",
    f"{__name__}._table": f"{__name__}.cli._table",
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import ``_MOVED_MODULES``' old names as views of their new packages."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in _MOVED_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return None  # a plain module, filled by exec_module

    def exec_module(self, module) -> None:
        target = importlib.import_module(_MOVED_MODULES[module.__name__])
        module.__getattr__ = functools.partial(getattr, target)


if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModuleFinder())


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
    "move_to_numpy",
    "plot_cv",
    "plot_path",
]
