"""Dask input shared by the normalizers and the logistic models (the
optional ``dask`` extra): the checks that a Dask collection is an array
with known chunks, of a float dtype, with unmasked chunks, and with rows
aligned to ``X``'s row chunks.

Nothing here computes a whole array. Dask is imported only once a Dask
object is seen (``is_dask_collection``, in ``_validation``, looks at the
type's module).
"""

from __future__ import annotations

import numpy as np

from ._validation import check_float64_range, check_not_masked, is_dask_collection


def as_dask_array(x, name: str):
    """``x`` itself if it is a Dask array of dense chunks; a TypeError for
    other Dask collections, which would have to be computed to be converted,
    and for Dask arrays of scipy.sparse chunks, which the kernels do not
    take."""
    import dask.array as da
    import scipy.sparse as sp

    if not isinstance(x, da.Array):
        raise TypeError(
            f"{name} is a Dask {type(x).__name__}; sklearn_norm takes Dask "
            f"arrays (convert a Dask DataFrame with "
            f"{name}.to_dask_array(lengths=True))."
        )
    if sp.issparse(getattr(x, "_meta", None)):
        raise TypeError(
            f"{name} is a Dask array of scipy.sparse chunks, which sklearn_norm "
            "does not take: pass the scipy.sparse matrix itself (in memory), or "
            f"a Dask array of dense chunks ({name}.map_blocks(lambda block: "
            "block.toarray()))."
        )
    return x


def check_dask_not_masked(x, name: str) -> None:
    """Refuse a Dask array of masked chunks (``da.ma``), as the in-memory
    functions refuse ``np.ma`` arrays: the kernels would ignore the mask."""
    check_not_masked(getattr(x, "_meta", None), name)


def _to_float64(block, label):
    # np.longdouble values beyond float64's range would become infinity and
    # then be reported as such: say what is wrong instead.
    check_float64_range(block, label)  # map_blocks keeps ``name``
    return block.astype(np.float64)


def as_float(x, name: str):
    """A float32 or float64 version of the Dask array ``x`` (integers and
    booleans become float64, lazily); complex and non-numeric dtypes are
    refused now rather than at compute time."""
    if x.dtype in (np.float32, np.float64):
        return x
    kind = x.dtype.kind
    if kind == "f" and x.dtype.itemsize > 8:
        return x.map_blocks(_to_float64, label=name, dtype=np.float64)
    if kind in "fiub":
        return x.astype(np.float64)
    if kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {x.dtype}.")
    raise ValueError(
        f"{name} must be numeric, got a Dask array of dtype {x.dtype}; convert "
        f"it first, for example with {name}.astype(float)."
    )


def check_known_chunks(x, name: str) -> None:
    if any(np.isnan(size) for sizes in x.chunks for size in sizes):
        raise ValueError(
            f"{name} has unknown chunk sizes (shape {x.shape}); call "
            f"{name}.compute_chunk_sizes() first, or build it with known "
            "lengths (to_dask_array(lengths=True))."
        )


def check_matrix(X, name: str = "X", n_features: int | None = None):
    """A 2-D float Dask array with known chunk sizes and whole rows in each
    chunk (rechunked lazily if its columns were split), and ``n_features``
    columns when given."""
    X = as_dask_array(X, name)
    check_dask_not_masked(X, name)
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features), got "
            f"a {X.ndim}-D Dask array of shape {X.shape}."
        )
    check_known_chunks(X, name)
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(
            f"Found array with shape {X.shape}: {name} needs at least 1 sample "
            "and 1 feature."
        )
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but the estimator was fitted "
            f"with {n_features} features."
        )
    X = as_float(X, name)
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    return X


def reset_features(estimator, X) -> None:
    """What ``validate_data(reset=True)`` records about a Dask ``X``: its
    number of features, and no feature names (arrays have none)."""
    estimator.n_features_in_ = X.shape[1]
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_


def as_rows(v, name: str, X):
    """``y`` or ``sample_weight`` as a 1-D Dask array chunked as the rows of
    ``X`` (a NumPy array is split into those chunks)."""
    import dask.array as da

    if is_dask_collection(v):
        v = as_dask_array(v, name)
        check_known_chunks(v, name)
    else:
        v = np.asarray(v)
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {v.shape}.")
    if v.shape[0] != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {v.shape[0]}] (X and {name})."
        )
    if isinstance(v, np.ndarray):
        return da.from_array(v, chunks=(X.chunks[0],))
    return v.rechunk((X.chunks[0],))
