"""The command line's one-line errors (standard library only, so that
``sklearn-norm --help`` and ``--version`` import nothing heavy)."""

from __future__ import annotations


class UsageError(Exception):
    """A problem with the user's input, reported in one line (exit status 2)."""


def quoted(value: object) -> str:
    """``value`` in quotes, as plain text (never a numpy repr)."""
    return repr(str(value))
