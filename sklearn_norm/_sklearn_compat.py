"""The private scikit-learn names this package uses, imported in one place.

scikit-learn does not promise these across releases (``pyproject.toml``
requires ``scikit-learn>=1.7``): when one moves or changes, this module is
the one to adapt, and a failing import here names what changed.

- ``_fit_context``: runs parameter validation once per ``fit`` and skips the
  nested validation of inner estimators, as scikit-learn's own estimators do.
- ``Interval``, ``Options``, ``StrOptions``, ``validate_params``: the
  declarative parameter constraints of ``_parameter_constraints`` and of the
  public functions.
- ``_check_sample_weight``: scikit-learn's sample-weight validation (scalars,
  shapes, negative values), so the messages match scikit-learn's.
- ``_safe_indexing``: row selection of arrays, sparse matrices and DataFrames
  alike (CV folds).
"""

from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "Interval",
    "Options",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "_safe_indexing",
    "validate_params",
]
