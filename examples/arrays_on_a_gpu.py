"""
Fit on arrays that live on a GPU
================================

Under ``sklearn.config_context(array_api_dispatch=True)`` a Pipeline of
:class:`~sklearn_norm.L2Normalizer` (``axis=0``) and
:class:`~sklearn_norm.RegularizedLogisticRegressionCV` takes the breast
cancer data as a PyTorch tensor, cross-validates an L1 path and fits on the
tensor's device, and predicts tensors there. The same fit on NumPy arrays
selects the same ``lambda_``, and its coefficients agree to the precision
a float32 fit is solved to; :func:`~sklearn_norm.move_to_numpy` gives a
NumPy copy of the fitted Pipeline.

The device is CUDA when PyTorch sees one, else the CPU; without PyTorch,
``array_api_strict`` (the reference array-API library, in the ``test``
extra) stands in. Run it with ``python examples/arrays_on_a_gpu.py``.
"""

# %%
# scikit-learn's ``array_api_dispatch`` needs SciPy's array API support,
# which SciPy reads when it is first imported: set ``SCIPY_ARRAY_API=1``
# before anything imports SciPy.
import importlib.util
import os
import time

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from sklearn_norm import (  # noqa: E402
    L2Normalizer,
    RegularizedLogisticRegressionCV,
    move_to_numpy,
)

# %%
# Two helpers: one puts a NumPy array on the best device at hand (a CUDA GPU
# through PyTorch if there is one), the other brings a device array back to
# the host as NumPy.


def on_device(values: np.ndarray, dtype: str):
    """``values`` on the best device at hand, and a name for it."""
    if importlib.util.find_spec("torch") is not None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
        return torch.asarray(values, dtype=getattr(torch, dtype), device=device), (
            f"PyTorch on {device}"
        )
    import array_api_strict as xp

    return xp.asarray(values, dtype=getattr(xp, dtype)), "array_api_strict"


def to_numpy(values) -> np.ndarray:
    """A device array (or a NumPy array) as a NumPy array on the host."""
    if hasattr(values, "cpu"):  # a PyTorch tensor, maybe on a GPU
        return values.cpu().numpy()
    return np.from_dlpack(values)


def model():
    """Columns scaled to unit L2 norm, then an L1 path cross-validated."""
    return make_pipeline(
        L2Normalizer(axis=0), RegularizedLogisticRegressionCV("l1", cv=5)
    )


# %%
# The data: a stratified split of the breast cancer data, the features in
# float32 on the device.
X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
X_device, where = on_device(X_train, "float32")
y_device, _ = on_device(y_train, "int64")
X_test_device, _ = on_device(X_test, "float32")

# %%
# Fit and predict on the device
# -----------------------------
# Inside the ``config_context`` every step computes with the tensor's own
# library on its device: the column norms of ``L2Normalizer``, the path on
# each fold, the final fit. The fitted attributes are tensors there too.
with sklearn.config_context(array_api_dispatch=True):
    start = time.perf_counter()
    fitted = model().fit(X_device, y_device)
    seconds = time.perf_counter() - start
    predicted = fitted.predict(X_test_device)  # on the device
cv = fitted[-1]
print(f"{where}: fitted in {seconds:.2f} s")
print(
    f"  lambda_ = {cv.lambda_:.3g}, {int((to_numpy(cv.coef_) != 0).sum())} "
    f"non-zero coefficients, coef_ is a {type(cv.coef_).__name__} "
    f"of {cv.coef_.dtype}"
)
print(f"  held-out accuracy {np.mean(to_numpy(predicted) == y_test):.4f}")

# %%
# The same fit on NumPy
# ---------------------
# The same Pipeline on the same float32 values in NumPy selects the same
# ``lambda_``. A float32 fit stops once its optimality certificate is below
# 1e-5 (``tol``'s float32 floor), and the two libraries round differently on
# the way: the coefficients, up to about 150 on these unit-norm columns, may
# differ in their fourth or fifth digit, the objective in its eighth.
start = time.perf_counter()
reference = model().fit(X_train.astype(np.float32), y_train)
seconds = time.perf_counter() - start
print(f"NumPy: fitted in {seconds:.2f} s, lambda_ = {reference[-1].lambda_:.3g}")
difference = np.max(np.abs(to_numpy(cv.coef_) - reference[-1].coef_))
largest = np.max(np.abs(reference[-1].coef_))
print(
    f"  largest coefficient difference from the device fit: {difference:.1e} "
    f"(largest coefficient {largest:.0f}); objectives "
    f"{reference[-1].objective_:.8f} and {cv.objective_:.8f}"
)

# %%
# Back to NumPy
# -------------
# :func:`~sklearn_norm.move_to_numpy` copies the fitted Pipeline with every
# fitted array in NumPy: it predicts NumPy input without the
# ``config_context`` and pickles on a machine without a GPU.
on_host = move_to_numpy(fitted)
accuracy = on_host.score(X_test.astype(np.float32), y_test)
print(
    f"move_to_numpy: coef_ is a {type(on_host[-1].coef_).__name__}, "
    f"held-out accuracy {accuracy:.4f}"
)
