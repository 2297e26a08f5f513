"""L1Normalizer and L2Normalizer: behaviour beyond scikit-learn's common checks."""

import hashlib
import pickle

import numpy as np
import pandas as pd
import polars as pl
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import normalize as sk_normalize

from sklearn_norm import L1Normalizer, L2Normalizer, l1_normalize, l2_normalize

SKLEARN_VERSION = tuple(int(part) for part in sklearn.__version__.split(".")[:2])

NORMALIZERS = {"l1": L1Normalizer, "l2": L2Normalizer}
FUNCTIONS = {"l1": l1_normalize, "l2": l2_normalize}
FORMATS = ["dense", "csr", "csc"]


def make_data(fmt="dense", dtype=np.float64, shape=(60, 8), seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape).astype(dtype)
    X[rng.random(shape) < 0.5] = 0.0
    X[3] = 0.0  # an all-zero row
    return X if fmt == "dense" else sp.csr_matrix(X).asformat(fmt)


def to_dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def checksum(X):
    parts = (
        [X.data, X.indices, X.indptr] if sp.issparse(X) else [np.ascontiguousarray(X)]
    )
    return hashlib.sha256(b"".join(p.tobytes() for p in parts)).hexdigest()


def column_norms(X, norm):
    X = to_dense(X).astype(np.float64)
    return np.abs(X).sum(axis=0) if norm == "l1" else np.sqrt((X**2).sum(axis=0))


# --------------------------------------------------------------------------
# Row normalization (axis=1)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_match_function_and_sklearn(norm, fmt, dtype):
    X = make_data(fmt, dtype)
    before = checksum(X)
    out = NORMALIZERS[norm]().fit_transform(X)
    assert out.dtype == dtype
    assert sp.issparse(out) == (fmt != "dense")
    if fmt != "dense":
        assert out.format == fmt
    rtol = 1e-13 if dtype == np.float64 else 2e-6
    assert_allclose(to_dense(out), to_dense(FUNCTIONS[norm](X, axis=1)), rtol=rtol)
    assert_allclose(to_dense(out), to_dense(sk_normalize(X, norm=norm)), rtol=rtol)
    assert checksum(X) == before, "copy=True modified the input"


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_rows_are_stateless(norm):
    X = make_data()
    fresh = NORMALIZERS[norm]()
    assert_allclose(fresh.transform(X), FUNCTIONS[norm](X, axis=1), rtol=1e-15)
    assert not hasattr(fresh, "n_features_in_")
    assert not hasattr(fresh, "inverse_transform")


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_rows_unit_norm_and_epsilon(norm):
    X = make_data()
    out = NORMALIZERS[norm](epsilon=1e-4).fit_transform(X)
    row_norms = np.abs(out).sum(1) if norm == "l1" else np.sqrt((out**2).sum(1))
    nonzero = np.abs(X).sum(1) > 0
    assert_allclose(row_norms[nonzero], 1.0, rtol=1e-14)
    assert_array_equal(out[~nonzero], 0.0)


# --------------------------------------------------------------------------
# Column normalization (axis=0)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_columns_learn_norms(norm, fmt, dtype):
    X = make_data(fmt, dtype)
    est = NORMALIZERS[norm](axis=0).fit(X)
    assert est.norms_.shape == (X.shape[1],) and est.norms_.dtype == np.float64
    rtol = 1e-13 if dtype == np.float64 else 1e-6
    assert_allclose(est.norms_, column_norms(X, norm), rtol=rtol)
    assert est.n_samples_seen_ == X.shape[0]
    # transform divides by the learned norms, also on new data
    X_new = make_data(fmt, dtype, seed=1)
    out = est.transform(X_new)
    assert out.dtype == dtype
    assert_allclose(to_dense(out), to_dense(X_new) / est.norms_, rtol=rtol)
    # on the training data it equals the function with axis=0 and sklearn
    assert_allclose(
        to_dense(est.transform(X)), to_dense(FUNCTIONS[norm](X, axis=0)), rtol=rtol
    )
    assert_allclose(
        to_dense(est.transform(X)),
        to_dense(sk_normalize(X, norm=norm, axis=0)),
        rtol=rtol,
    )


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_inverse_transform_round_trip(norm, fmt):
    X = make_data(fmt)
    est = NORMALIZERS[norm](axis=0).fit(X)
    back = est.inverse_transform(est.transform(X))
    assert sp.issparse(back) == (fmt != "dense")
    assert_allclose(to_dense(back), to_dense(X), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_zero_column_uses_the_floor(norm):
    X = np.array([[0.0, 1.0], [0.0, 2.0]])
    est = NORMALIZERS[norm](axis=0, epsilon=1e-6).fit(X)
    assert est.norms_[0] == 0.0
    floor = 1e-6 if norm == "l1" else 1e-3
    out = est.transform(np.array([[1e-7, 1.0]]))
    assert_allclose(out[0, 0], 1e-7 / floor, rtol=1e-15)
    assert_allclose(est.inverse_transform(out), [[1e-7, 1.0]], rtol=1e-15)


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(3))
def test_partial_fit_equals_fit(norm, fmt, dtype, seed):
    X = make_data(fmt, dtype, shape=(200, 6), seed=seed)
    full = NORMALIZERS[norm](axis=0).fit(X)
    rng = np.random.default_rng(seed)
    cuts = np.sort(
        rng.choice(np.arange(1, 200), size=rng.integers(1, 8), replace=False)
    )
    chunked = NORMALIZERS[norm](axis=0)
    for rows in np.split(np.arange(200), cuts):
        chunked.partial_fit(X[rows])
    assert_allclose(chunked.norms_, full.norms_, rtol=1e-12, atol=0)
    assert chunked.n_samples_seen_ == 200


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_fit_resets_partial_fit_state(norm):
    X = make_data()
    est = NORMALIZERS[norm](axis=0).partial_fit(X).partial_fit(X)
    est.fit(X)
    assert est.n_samples_seen_ == X.shape[0]
    assert_allclose(est.norms_, column_norms(X, norm), rtol=1e-13)


def test_inverse_transform_only_for_axis_0():
    assert hasattr(L2Normalizer(axis=0), "inverse_transform")
    with pytest.raises(
        AttributeError, match="has no attribute 'inverse_transform'"
    ) as info:
        _ = L2Normalizer(axis=1).inverse_transform
    assert "only available with axis=0" in str(info.value.__cause__)


def test_l2_column_norms_do_not_overflow():
    X = np.array([[1e200, 1.0], [1e200, 1.0]])
    est = L2Normalizer(axis=0).fit(X)
    assert_allclose(est.norms_, [np.sqrt(2) * 1e200, np.sqrt(2)], rtol=1e-15)
    assert_allclose(est.transform(X), np.full((2, 2), 1 / np.sqrt(2)), rtol=1e-15)
    Xs = sp.csr_matrix(X)
    assert_allclose(L2Normalizer(axis=0).fit(Xs).norms_, est.norms_, rtol=1e-15)


def test_l1_column_norm_overflow_is_an_error():
    X = np.full((3, 2), 1e308)
    with pytest.raises(ValueError, match=r"L1 norm of feature\(s\) \[0, 1\] overflows"):
        L1Normalizer(axis=0).fit(X)


def test_column_transform_overflow_is_an_error():
    est = L1Normalizer(axis=0).fit([[1e-3, 1.0]])
    with pytest.raises(ValueError, match="transform overflows"):
        est.transform([[1e306, 1.0]])
    with pytest.raises(ValueError, match="inverse_transform overflows"):
        L1Normalizer(axis=0).fit([[1e3, 1.0]]).inverse_transform([[1e306, 1.0]])


# --------------------------------------------------------------------------
# dtypes, copy and in-place behaviour
# --------------------------------------------------------------------------
@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_, np.float16])
def test_other_dtypes_become_float64(Est, axis, dtype):
    X = np.array([[1, 0], [1, 1], [0, 1]], dtype=dtype)
    out = Est(axis=axis).fit_transform(X)
    assert out.dtype == np.float64
    expected = Est(axis=axis).fit_transform(X.astype(np.float64))
    assert_allclose(out, expected, rtol=1e-15)


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("kind", ["C", "F", "csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_copy_false_works_in_place(Est, axis, kind, dtype):
    X = make_data("dense" if kind in "CF" else kind, dtype)
    if kind == "F":
        X = np.asfortranarray(X)
    expected = to_dense(Est(axis=axis).fit(X).transform(X))
    est = Est(axis=axis, copy=False).fit(X)
    out = est.transform(X)
    assert out is X
    assert_allclose(to_dense(X), expected, rtol=1e-15)
    if axis == 0:
        assert est.inverse_transform(X) is X


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("axis", [0, 1])
def test_copy_false_leaves_unconvertible_input_alone(Est, axis, tmp_path):
    # Integer arrays are converted; read-only memmaps cannot be written.
    X_int = np.array([[1, 2], [3, 4]])
    before = X_int.copy()
    Est(axis=axis, copy=False).fit(X_int).transform(X_int)
    assert_array_equal(X_int, before)
    path = tmp_path / "X.npy"
    np.save(path, np.array([[1.0, 2.0], [3.0, 4.0]]))
    X_ro = np.load(path, mmap_mode="r")
    out = Est(axis=axis, copy=False).fit(X_ro).transform(X_ro)
    assert_array_equal(X_ro, [[1.0, 2.0], [3.0, 4.0]])
    assert not np.shares_memory(out, X_ro)


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("axis", [0, 1])
def test_transform_copy_argument_overrides(Est, axis):
    X = make_data()
    est = Est(axis=axis).fit(X)
    before = checksum(X)
    assert est.transform(X, copy=True) is not X
    assert checksum(X) == before
    assert est.transform(X, copy=False) is X


# --------------------------------------------------------------------------
# DataFrames and feature names
# --------------------------------------------------------------------------
@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_dataframes_keep_column_names(Est, axis, library):
    if library == "polars" and SKLEARN_VERSION < (1, 9):
        pytest.skip("scikit-learn reads polars column names from 1.9 on")
    X = make_data(shape=(10, 3))
    columns = ["height", "width", "depth"]
    df = (
        pd.DataFrame(X, columns=columns)
        if library == "pandas"
        else pl.DataFrame(X, schema=columns)
    )
    est = Est(axis=axis).set_output(transform=library).fit(df)
    assert_array_equal(est.feature_names_in_, columns)
    assert_array_equal(est.get_feature_names_out(), columns)
    out = est.transform(df)
    expected_type = pd.DataFrame if library == "pandas" else pl.DataFrame
    assert isinstance(out, expected_type)
    assert list(out.columns) == columns
    assert_allclose(out.to_numpy(), Est(axis=axis).fit_transform(X), rtol=1e-15)


def test_feature_names_mismatch_is_an_error():
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    est = L2Normalizer(axis=0).fit(df)
    with pytest.raises(ValueError, match="feature names"):
        est.transform(df[["b", "a"]])


# --------------------------------------------------------------------------
# Composition
# --------------------------------------------------------------------------
@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("axis", [0, 1])
def test_pipeline_column_transformer_clone_pickle(Est, axis):
    X = make_data(shape=(80, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    pipe = make_pipeline(Est(axis=axis), LogisticRegression()).fit(X, y)
    expected = LogisticRegression().fit(Est(axis=axis).fit_transform(X), y)
    assert_allclose(pipe[-1].coef_, expected.coef_, rtol=1e-10)

    ct = ColumnTransformer(
        [("norm", Est(axis=axis), [0, 1]), ("rest", "passthrough", [2, 3])]
    )
    out = ct.fit_transform(X)
    assert_allclose(out[:, :2], Est(axis=axis).fit_transform(X[:, :2]), rtol=1e-15)
    assert_array_equal(out[:, 2:], X[:, 2:])

    est = Est(axis=axis, epsilon=1e-5).fit(X)
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    assert not hasattr(cloned, "n_features_in_")
    restored = pickle.loads(pickle.dumps(est))
    assert_array_equal(restored.transform(X), est.transform(X))


# --------------------------------------------------------------------------
# Bad input and parameters
# --------------------------------------------------------------------------
@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_input(Est, axis, fmt, bad, word):
    X = make_data()
    est = Est(axis=axis).fit(X)
    X_bad = X.copy()
    X_bad[5, 2] = bad
    X_bad = X_bad if fmt == "dense" else sp.csr_matrix(X_bad).asformat(fmt)
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        est.transform(X_bad)
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        Est(axis=axis).fit(X_bad)


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("axis", [0, 1])
def test_wrong_number_of_features(Est, axis):
    est = Est(axis=axis).fit(np.ones((3, 4)))
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 4"):
        est.transform(np.ones((3, 3)))


def test_unfitted_column_normalizer():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted yet"):
        L2Normalizer(axis=0).transform(np.ones((2, 2)))
    with pytest.raises(NotFittedError, match="not fitted yet"):
        L2Normalizer(axis=0).inverse_transform(np.ones((2, 2)))


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
def test_invalid_parameters(Est):
    X = np.ones((2, 2))
    with pytest.raises(ValueError, match="'axis' parameter .* must be a int among"):
        Est(axis=2).fit(X)
    with pytest.raises(ValueError, match="'axis' parameter"):
        Est(axis=-1).transform(X)  # checked without fit too
    with pytest.raises(ValueError, match="'epsilon' parameter"):
        Est(epsilon=0).fit(X)
    with pytest.raises(ValueError, match=r"'epsilon' parameter .* Got inf instead"):
        Est(epsilon=np.inf).fit(X)
    with pytest.raises(ValueError, match=r"'epsilon' parameter .* Got nan instead"):
        Est(epsilon=np.nan).transform(X)
    with pytest.raises(ValueError, match="'copy' parameter"):
        Est(copy="yes").fit(X)
