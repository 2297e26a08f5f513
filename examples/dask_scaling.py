"""Fit and tune on a Dask cluster (needs the ``dask`` extra).

1. A row-chunked Dask array goes through ``L2Normalizer`` and
   ``RegularizedLogisticRegression`` in a ``Pipeline``: the data stays on the
   workers, every solver step is a Dask computation, predictions are lazy.
2. ``GridSearchCV`` over ``lambda_`` runs its fits as tasks on the same
   cluster through joblib's Dask backend.

Run with ``python examples/dask_scaling.py``; replace the ``LocalCluster``
with ``Client("tcp://scheduler:8786")`` to use a real cluster.
"""

import dask.array as da
import joblib
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_norm import L2Normalizer, RegularizedLogisticRegression


def main() -> None:
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cl,
        Client(cl) as client,
    ):
        # 1. Data that lives on the workers: 200,000 x 20 in 10 row chunks.
        X = da.random.default_rng(0).standard_normal((200_000, 20), chunks=(20_000, 20))
        w = np.linspace(-1, 1, 20)
        y = (X @ w + da.random.default_rng(1).logistic(size=200_000, chunks=20_000)) > 0
        X, y = client.persist([X, y])

        model = make_pipeline(
            L2Normalizer(), RegularizedLogisticRegression("l1", lambda_=1e-3)
        )
        model.fit(X, y)
        clf = model[-1]
        print(
            f"Dask fit: {clf.n_iter_} Newton steps, KKT violation "
            f"{clf.optimality_:.1e}, {np.count_nonzero(clf.coef_)} non-zero "
            "coefficients"
        )
        proba = model.predict_proba(X)  # lazy: a Dask array
        print(f"predict_proba: {type(proba).__name__} of shape {proba.shape}")
        print(f"mean P(y=1): {float(proba[:, 1].mean().compute()):.3f}")

        # 2. A grid search whose fits run on the cluster (in-memory data).
        X_small, y_small = make_classification(2000, 20, random_state=0)
        search = GridSearchCV(
            make_pipeline(L2Normalizer(), RegularizedLogisticRegression("l1")),
            {"regularizedlogisticregression__lambda_": [1e-4, 1e-3, 1e-2, 1e-1]},
            cv=5,
            n_jobs=-1,
        )
        with joblib.parallel_config(backend="dask"):
            search.fit(X_small, y_small)
        print(f"GridSearchCV on the cluster chose {search.best_params_}")


if __name__ == "__main__":
    main()
