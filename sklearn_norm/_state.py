"""What a fitted estimator's state may be: all or nothing, and only read by
the version that understands it.

- ``transactional``: a ``fit`` works on a private copy of the instance and
  publishes the whole fitted state in one assignment when it returns. One
  that raises (a bad input found late, a ``KeyboardInterrupt`` in the
  middle of a long solve, ``MemoryError``) leaves the estimator exactly as
  it was; fits of one estimator in several threads at once each leave a
  consistent state (the last to finish wins), never one fit's
  ``n_features_in_`` with another's ``coef_``.
- ``VersionedStateMixin``: pickles record the package version and the
  format of the fitted state; loading a pickle whose format this version
  does not read raises instead of predicting with misread coefficients.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

# Bump whenever the meaning or layout of a fitted attribute changes, so that
# older pickles are refused rather than misread.
STATE_FORMAT = 1

_VERSION_KEY = "_sklearn_norm_version"
_FORMAT_KEY = "_sklearn_norm_state_format"


def transactional(method: Callable) -> Callable:
    """``method`` (a ``fit``) run on a private shallow copy of the instance,
    whose attributes replace the instance's in one assignment if it returns;
    on any exception, ``KeyboardInterrupt`` included, the instance is left
    untouched."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        # Not copy.copy: that would go through __getstate__/__setstate__.
        work = object.__new__(type(self))
        # Attributes are replaced by a fit, never mutated in place, so a
        # shallow copy keeps the published arrays intact until the swap.
        work.__dict__ = self.__dict__.copy()
        result = method(work, *args, **kwargs)
        # One assignment: another thread (or a signal handler, between
        # bytecodes) sees the old state or the new one, never a mixture.
        self.__dict__ = work.__dict__
        return self if result is work else result

    return wrapper


class VersionedStateMixin:
    """Pickle the package version and state format with the estimator."""

    def __getstate__(self):
        from . import __version__

        state = super().__getstate__()
        state[_VERSION_KEY] = __version__
        state[_FORMAT_KEY] = STATE_FORMAT
        return state

    def __setstate__(self, state):
        from . import __version__

        state = dict(state)
        version = state.pop(_VERSION_KEY, None)
        state_format = state.pop(_FORMAT_KEY, None)
        if state_format != STATE_FORMAT:
            origin = (
                f"sklearn-norm {version} (state format {state_format})"
                if version is not None
                else "an unknown version of sklearn-norm (no version recorded)"
            )
            raise ValueError(
                f"Cannot load this {type(self).__name__}: it was pickled by "
                f"{origin}, and sklearn-norm {__version__} reads state format "
                f"{STATE_FORMAT}, so its fitted attributes could be misread. "
                "Refit the estimator, or load it with the version that "
                "pickled it."
            )
        super().__setstate__(state)
