"""Test-session setup shared by the doctests and the test suite."""

import os

# scikit-learn's check_array_api_input runs only with SciPy's array API support
# switched on; it must be set before SciPy is first imported.
if not os.environ.get("SCIPY_ARRAY_API"):
    os.environ["SCIPY_ARRAY_API"] = "1"

# docs/: only the pages' doctests are tests. The Sphinx configuration and its
# extensions import Sphinx (the docs extra), and the build writes pages there.
collect_ignore_glob = [
    "docs/conf.py",
    "docs/_ext/*",
    "docs/_build/*",
    "docs/auto_examples/*",
    "docs/generated/*",
]


def pytest_report_header(config):
    """Name the scikit-learn the suite runs against (CI runs the oldest
    supported and the newest)."""
    import sklearn

    return f"scikit-learn {sklearn.__version__}"
