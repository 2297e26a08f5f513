"""Regularized logistic regression: datafits, penalties, solvers and the
estimators built on them.

- ``_contract``: what a datafit, a penalty and a solver must offer each other;
- ``_datafits``: the binary and multinomial logistic losses in memory
  (dense or sparse ``X``), ``_dask_datafit`` the same on Dask arrays and
  ``_dask`` its set-up and the Dask predictions;
- ``_penalties``: the elastic-net penalty (L1, L2 and their mix);
- ``_solvers``: the solvers (Newton-CG, orthant-wise Newton, L-BFGS, gradient
  descent), and which one ``solver="auto"`` runs;
- ``_fit``: one fit's set-up shared by the estimator, the path and the CV
  (labels, weights, the datafit, the start point, reported coefficients);
- ``_logistic``: ``RegularizedLogisticRegression``; ``_path``:
  ``logistic_path`` and ``lambda_max``; ``_logistic_cv`` and ``_cv_curve``:
  ``RegularizedLogisticRegressionCV``; ``_threads``: BLAS threads by size.
"""

from ._logistic import RegularizedLogisticRegression
from ._logistic_cv import RegularizedLogisticRegressionCV
from ._path import lambda_max, logistic_path

__all__ = [
    "RegularizedLogisticRegression",
    "RegularizedLogisticRegressionCV",
    "lambda_max",
    "logistic_path",
]
