"""L1/L2 normalization: functions, transformers and their kernels.

- ``_functions``: ``l1_normalize``/``l2_normalize``, and ``kind_of``, which
  dispatches them and the transformers to the kind of input;
- ``_transformers``: ``L1Normalizer``/``L2Normalizer`` (rows, or columns by
  norms learned in ``fit``/``partial_fit``);
- ``_dense``, ``_sparse``: the in-memory kernels (blocked, overflow-safe,
  in place when asked) and their kinds, ``_parallel`` their threads;
- ``_dask``: the same on Dask arrays (the ``dask`` extra).
"""

from ._functions import l1_normalize, l2_normalize
from ._transformers import L1Normalizer, L2Normalizer

__all__ = ["L1Normalizer", "L2Normalizer", "l1_normalize", "l2_normalize"]
