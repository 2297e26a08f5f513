"""Sphinx configuration of the sklearn-norm documentation.

Build (the ``docs`` extra)::

    python -m pip install -e ".[docs]"
    python -m sphinx -W -b html docs docs/_build/html

Warnings are errors. The gallery runs every script of ``examples/`` at each
build; nothing is cached between builds.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# The array-API example needs SciPy's array-API mode, set before SciPy loads.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
# Figures are drawn off screen.
os.environ.setdefault("MPLBACKEND", "Agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

from inventories import write_inventories  # noqa: E402

import sklearn_norm  # noqa: E402

project = "sklearn-norm"
author = "sklearn-norm developers"
copyright = "2026, sklearn-norm developers"
version = release = sklearn_norm.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "benchmark_tables",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_templates", "auto_examples/*.ipynb"]
templates_path = ["_templates"]
default_role = "literal"

# --------------------------------------------------------------- autodoc

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"  # numpydoc renders the types of the docstrings
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = {"GL08"}  # every public object has a docstring

# ------------------------------------------------------------ intersphinx
# The inventories of the projects the pages link to are written from the
# installed packages at each build (the build needs no network access), with
# the addresses of their published documentation.
_inventories = write_inventories(Path(tempfile.mkdtemp(prefix="sklearn-norm-inv-")))
intersphinx_mapping = {
    name: (url, str(path)) for name, (url, path) in _inventories.items()
}


def _unlinked_sklearn_label(app, env, node, contnode):
    """The text alone for a scikit-learn guide label no inventory here names.

    ``set_output``'s docstring, which the transformers inherit, refers to a
    section of scikit-learn's user guide by a label.
    """
    if node.get("reftarget") in {"df_output_transform"}:
        return contnode
    return None


def setup(app):
    app.connect("missing-reference", _unlinked_sklearn_label)


# --------------------------------------------------------------- gallery

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py$",  # run every example, not only plot_*
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "reference_url": {"sklearn_norm": None},
    "doc_module": ("sklearn_norm",),
    "backreferences_dir": "generated/backreferences",
    "matplotlib_animations": False,
    "abort_on_example_error": True,
    "min_reported_time": 1,
}

# ------------------------------------------------------------------ html

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-norm {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}
# Pages without subpages give the primary sidebar's width to their content
# (the benchmark tables are wide).
html_sidebars = {page: [] for page in ("index", "api", "benchmarks", "changelog")}
