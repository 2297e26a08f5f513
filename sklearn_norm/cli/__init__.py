"""The ``sklearn-norm`` command line (``python -m sklearn_norm``).

- ``_main``: argument parsing, the report, the pictures and exit codes;
- ``_table``, ``_data``: reading a CSV file people have (delimiter detection,
  duplicate names, text and missing cells) into numbers;
- ``_model``: the fitted pipeline, its metrics and the saved bundle;
- ``_predict``: ``sklearn-norm predict MODEL data.csv``;
- ``_errors``: usage errors and how names are quoted in messages.

Importing this package imports neither numpy nor scikit-learn: ``--help``
and ``--version`` answer at once.
"""

from ._main import main

__all__ = ["main"]
