"""sklearn-norm: L1/L2 normalizers and regularized linear models for scikit-learn.

The public API:

- :func:`l1_normalize`, :func:`l2_normalize`: divide an array (dense of any
  dimension, or sparse CSR/CSC) by its L1 or L2 norm along some axes.
"""

from ._normalize import l1_normalize, l2_normalize

__version__ = "0.1.0"

__all__ = ["__version__", "l1_normalize", "l2_normalize"]
