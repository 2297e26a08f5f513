"""
Fit and tune on a Dask cluster
==============================

This example needs the ``dask`` extra (``dask`` and ``distributed``).

1. A row-chunked Dask array goes through :class:`~sklearn_norm.L2Normalizer`
   and :class:`~sklearn_norm.RegularizedLogisticRegression` in a
   ``Pipeline``: the data stays on the workers, every solver step is a Dask
   computation, predictions are lazy.
2. ``GridSearchCV`` over ``lambda_`` runs its fits as tasks on the same
   cluster through joblib's Dask backend.

Run it with ``python examples/dask_scaling.py``.
"""

# %%
# A local cluster
# ---------------
# Two workers with one thread each. ``processes=False`` keeps the workers
# inside this Python process, so the script needs no
# ``if __name__ == "__main__":`` guard and also runs when the documentation
# is built; the Dask code is the same as on a cluster of worker processes.
# On a real cluster, connect with ``Client("tcp://scheduler:8786")`` instead.
import dask.array as da
import joblib
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_norm import L2Normalizer, RegularizedLogisticRegression

cluster = LocalCluster(
    n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
)
client = Client(cluster)

# %%
# Data that lives on the workers
# ------------------------------
# 200,000 rows and 20 features in 10 row chunks, with labels from a logistic
# model. ``persist`` computes them on the workers and keeps them there.
X = da.random.default_rng(0).standard_normal((200_000, 20), chunks=(20_000, 20))
w = np.linspace(-1, 1, 20)
y = (X @ w + da.random.default_rng(1).logistic(size=200_000, chunks=20_000)) > 0
X, y = client.persist([X, y])

# %%
# Fit a Pipeline on the Dask array
# --------------------------------
# ``L2Normalizer`` scales each row lazily, chunk by chunk; every Newton step
# of the solver is a map over the chunks and a tree sum, and only vectors of
# the features reach this process. ``predict_proba`` returns a lazy Dask
# array.
model = make_pipeline(L2Normalizer(), RegularizedLogisticRegression("l1", lambda_=1e-3))
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

# %%
# A grid search whose fits run on the cluster
# -------------------------------------------
# Here the data is small and in memory; joblib's Dask backend sends each of
# ``GridSearchCV``'s fits to the workers as a task.
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

# %%
# Shut the cluster down.
client.close()
cluster.close()
