"""scikit-learn peers built alike on every supported scikit-learn (>= 1.7).

scikit-learn 1.8 deprecated ``LogisticRegression(penalty=...)`` in favour of
``l1_ratio`` (0: L2, 1: L1, in between: elastic-net) and ``C=np.inf`` (no
penalty), and warns (``FutureWarning``) when ``penalty`` is given; 1.7 needs
``penalty`` and ignores ``l1_ratio`` unless ``penalty="elasticnet"``. Tests
build their references here rather than checking versions themselves.
"""

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

SKLEARN_VERSION = tuple(int(part) for part in sklearn.__version__.split(".")[:2])


def logistic_regression(C=1.0, l1_ratio=0.0, **params):
    """scikit-learn's ``LogisticRegression`` penalized by ``1 / C`` times
    ``l1_ratio * |w|_1 + (1 - l1_ratio) / 2 * |w|_2^2`` (none at ``C=np.inf``);
    ``params`` (``solver``, ``tol``, ...) are passed on."""
    if SKLEARN_VERSION >= (1, 8):
        return LogisticRegression(C=C, l1_ratio=l1_ratio, **params)
    if C == np.inf:
        return LogisticRegression(penalty=None, **params)
    if l1_ratio in (0.0, 1.0):
        penalty = "l1" if l1_ratio == 1.0 else "l2"
        return LogisticRegression(penalty=penalty, C=C, **params)
    return LogisticRegression(penalty="elasticnet", C=C, l1_ratio=l1_ratio, **params)
