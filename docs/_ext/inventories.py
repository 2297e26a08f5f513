"""Intersphinx inventories written from the installed packages.

Intersphinx reads each project's ``objects.inv`` to link a name such as
``sklearn.pipeline.Pipeline`` to its page. The build must not need the
network, so this module writes those inventories itself: it lists the public
names of the installed scikit-learn, NumPy and SciPy modules below and gives
each the address its project's documentation publishes it at (their API
pages follow one pattern per project). A name missing from the installed
version is simply not linked.
"""

from __future__ import annotations

import importlib
import inspect
import zlib
from pathlib import Path

SKLEARN_URL = "https://scikit-learn.org/stable/"
NUMPY_URL = "https://numpy.org/doc/stable/"
SCIPY_URL = "https://docs.scipy.org/doc/scipy/"

# scikit-learn's modules whose ``__all__`` the pages may name.
SKLEARN_MODULES = [
    "sklearn",
    "sklearn.base",
    "sklearn.compose",
    "sklearn.datasets",
    "sklearn.exceptions",
    "sklearn.feature_extraction.text",
    "sklearn.frozen",
    "sklearn.linear_model",
    "sklearn.metrics",
    "sklearn.model_selection",
    "sklearn.pipeline",
    "sklearn.preprocessing",
    "sklearn.utils",
]
# The user-guide labels and glossary terms that the docstrings of methods our
# estimators inherit from scikit-learn refer to (get_metadata_routing,
# set_fit_request, set_output, ...): (name, role, relative uri).
SKLEARN_LABELS = [
    ("metadata_routing", "std:label", "metadata_routing.html#metadata-routing"),
    ("meta-estimator", "std:term", "glossary.html#term-meta-estimator"),
    (
        "sphx_glr_auto_examples_miscellaneous_plot_set_output.py",
        "std:label",
        "auto_examples/miscellaneous/plot_set_output.html",
    ),
]
NUMPY_NAMES = ["ndarray", "float32", "float64"]
SCIPY_MODULES = ["scipy.sparse"]


def _role(obj) -> str:
    if inspect.isclass(obj):
        return "py:exception" if issubclass(obj, BaseException) else "py:class"
    return "py:function"


def _public(module_name: str):
    """(full name, role) of the public names of a module."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return []
    names = getattr(module, "__all__", None) or [
        n for n in dir(module) if not n.startswith("_")
    ]
    out = []
    for name in names:
        try:
            obj = getattr(module, name, None)
        except ImportError:  # experimental names that need an enabling import
            continue
        if obj is None or inspect.ismodule(obj) or not callable(obj):
            continue
        out.append((f"{module_name}.{name}", _role(obj)))
    return out


def _write(path: Path, project: str, entries) -> Path:
    """An objects.inv (version 2) of ``entries``: (name, role, relative uri)."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        "# Version: \n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in entries)
    path.write_bytes(header.encode() + zlib.compress(body.encode()))
    return path


def write_inventories(folder: Path) -> dict[str, tuple[str, Path]]:
    """Write the inventories into ``folder``: {project: (url, path)}."""
    sklearn = list(SKLEARN_LABELS)
    for module in SKLEARN_MODULES:
        for name, role in _public(module):
            sklearn.append((name, role, f"modules/generated/{name}.html#$"))
    numpy = [
        (f"numpy.{name}", "py:class", f"reference/generated/numpy.{name}.html#$")
        for name in NUMPY_NAMES
    ]
    scipy = [
        (name, role, f"reference/generated/{name}.html#$")
        for module in SCIPY_MODULES
        for name, role in _public(module)
    ]
    return {
        "sklearn": (SKLEARN_URL, _write(folder / "sklearn.inv", "sklearn", sklearn)),
        "numpy": (NUMPY_URL, _write(folder / "numpy.inv", "numpy", numpy)),
        "scipy": (SCIPY_URL, _write(folder / "scipy.inv", "scipy", scipy)),
    }
