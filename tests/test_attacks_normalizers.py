"""Regressions found by an outside attack on the normalizers and functions.

Each test pins one outcome that must be the same for every input kind
(dense, CSR, CSC, Dask): overflow of the learned column scaling, masked
arrays, float32 with tiny floors, read-only sparse input with ``copy=False``,
NaN/infinity in Dask fits, and values or floors beyond float64's range.
Numpy's RuntimeWarnings are errors here (also set in pyproject.toml).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_norm import L1Normalizer, L2Normalizer, l1_normalize, l2_normalize

da = pytest.importorskip("dask.array")

pytestmark = pytest.mark.filterwarnings("error")

NORMALIZERS = [L1Normalizer, L2Normalizer]
FUNCTIONS = [l1_normalize, l2_normalize]
KINDS = ["dense", "csr", "csc", "dask"]


def as_kind(X, kind):
    X = np.asarray(X)
    if kind == "dense":
        return X
    if kind == "dask":
        return da.from_array(X, chunks=(1, -1))
    return sp.csr_matrix(X).asformat(kind)


def evaluate(result):
    """An ndarray of a transform's result of any kind (Dask computed)."""
    if hasattr(result, "compute"):
        result = result.compute()
    return result.toarray() if sp.issparse(result) else np.asarray(result)


# --------------------------------------------------------------------------
# 1. axis=0 scaling that overflows is refused for every input kind
# --------------------------------------------------------------------------
@pytest.mark.parametrize("Est", NORMALIZERS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_column_transform_overflow_is_refused_for_every_kind(Est, kind, dtype):
    est = Est(axis=0).fit(np.array([[1e-3, 1.0], [0.0, 1.0]], dtype=dtype))
    big = np.finfo(dtype).max / 10
    X = np.array([[big, 1.0], [1.0, 1.0]], dtype=dtype)
    with pytest.raises(ValueError, match=r"^transform overflows: X holds values"):
        evaluate(est.transform(as_kind(X, kind)))


@pytest.mark.parametrize("Est", NORMALIZERS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_column_inverse_transform_overflow_is_refused_for_every_kind(Est, kind, dtype):
    est = Est(axis=0).fit(np.array([[1e3, 1.0], [0.0, 1.0]], dtype=dtype))
    big = np.finfo(dtype).max / 10
    X = np.array([[big, 1.0], [1.0, 1.0]], dtype=dtype)
    with pytest.raises(ValueError, match=r"^inverse_transform overflows: X holds"):
        evaluate(est.inverse_transform(as_kind(X, kind)))


@pytest.mark.parametrize("Est", NORMALIZERS)
@pytest.mark.parametrize("kind", ["dense", "csr", "csc"])
@pytest.mark.parametrize("method", ["transform", "inverse_transform"])
def test_refused_in_place_scaling_leaves_x_untouched(Est, kind, method):
    # copy=False asks for X to be overwritten with the result, not with a
    # half-written one: the overflow is detected before anything is written.
    fitted_on = [[1e-3, 1.0]] if method == "transform" else [[1e3, 1.0]]
    est = Est(axis=0, copy=False).fit(np.array(fitted_on))
    X = as_kind(np.array([[1e306, 1.0], [2.0, 3.0]]), kind)
    before = evaluate(X).copy()
    with pytest.raises(ValueError, match=f"^{method} overflows"):
        getattr(est, method)(X)
    assert_array_equal(evaluate(X), before, err_msg=f"{kind} X was modified")


# --------------------------------------------------------------------------
# 5. masked arrays are refused, not silently unmasked
# --------------------------------------------------------------------------
MASKED = np.ma.array([[3.0, 4.0, 100.0], [1.0, 2.0, 2.0]], mask=[[0, 0, 1], [0, 0, 0]])
MASK_MESSAGE = r"masked array \(np\.ma\).*\.filled\("


@pytest.mark.parametrize("func", FUNCTIONS)
def test_functions_refuse_masked_arrays(func):
    with pytest.raises(TypeError, match=MASK_MESSAGE):
        func(MASKED)


@pytest.mark.parametrize("func", FUNCTIONS)
def test_functions_refuse_dask_arrays_of_masked_chunks(func):
    with pytest.raises(TypeError, match=MASK_MESSAGE):
        func(da.from_array(MASKED, chunks=(1, -1), asarray=False))


@pytest.mark.parametrize("Est", NORMALIZERS)
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize(
    "method", ["fit", "partial_fit", "fit_transform", "transform", "inverse_transform"]
)
def test_normalizers_refuse_masked_arrays(Est, axis, method):
    est = Est(axis=axis).fit(MASKED.filled(0.0))
    if method == "inverse_transform" and axis == 1:
        pytest.skip("inverse_transform only exists with axis=0")
    with pytest.raises(TypeError, match=MASK_MESSAGE):
        getattr(est, method)(MASKED)


# --------------------------------------------------------------------------
# 6. float32 with an all-zero column and a floor below float32's range
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "Est, func, epsilon",
    [(L1Normalizer, l1_normalize, 1e-50), (L2Normalizer, l2_normalize, 1e-100)],
)
@pytest.mark.parametrize("kind", KINDS)
def test_float32_zero_column_with_tiny_epsilon(Est, func, epsilon, kind):
    X = np.array([[0.0, 1.0], [0.0, 2.0]], dtype=np.float32)
    expected = func(X.astype(np.float64), axis=0)
    est = Est(axis=0, epsilon=epsilon).fit(as_kind(X, kind))
    out = evaluate(est.transform(as_kind(X, kind)))
    assert out.dtype == np.float32
    assert_allclose(out, expected, rtol=1e-6, atol=0, err_msg=kind)
    back = evaluate(est.inverse_transform(as_kind(out, kind)))
    assert_allclose(back, X, rtol=1e-6, atol=0, err_msg=kind)


# --------------------------------------------------------------------------
# 7. copy=False on read-only sparse input
# --------------------------------------------------------------------------
def read_only_sparse(fmt):
    X = sp.csr_matrix(np.array([[3.0, 4.0], [0.0, 2.0]])).asformat(fmt)
    for array in (X.data, X.indices, X.indptr):
        array.flags.writeable = False
    return X


@pytest.mark.parametrize("Est", NORMALIZERS)
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("axis", [0, 1])
def test_copy_false_on_read_only_sparse_returns_a_new_matrix(Est, fmt, axis):
    X = read_only_sparse(fmt)
    expected = Est(axis=axis).fit(X.toarray()).transform(X.toarray())
    est = Est(axis=axis, copy=False).fit(X)
    out = est.transform(X)
    assert out is not X and out.format == fmt
    assert_allclose(out.toarray(), expected, rtol=1e-15, atol=0)
    assert_array_equal(X.toarray(), [[3.0, 4.0], [0.0, 2.0]])
    if axis == 0:
        back = est.inverse_transform(X)
        assert back is not X
        assert_allclose(back.toarray(), X.toarray() * est.norms_, rtol=1e-15)


# --------------------------------------------------------------------------
# 11. NaN and infinity in a Dask fit are named as such
# --------------------------------------------------------------------------
@pytest.mark.parametrize("Est", NORMALIZERS)
@pytest.mark.parametrize(
    "bad, message", [(np.nan, "Input X contains NaN"), (np.inf, "Input X contains inf")]
)
@pytest.mark.parametrize("kind", KINDS)
def test_fit_on_non_finite_data_names_it_for_every_kind(Est, bad, message, kind):
    X = np.array([[1.0, bad], [1.0, 2.0], [1e300, 1.0]])
    with pytest.raises(ValueError, match=message):
        Est(axis=0).fit(as_kind(X, kind))


@pytest.mark.parametrize("func", FUNCTIONS)
@pytest.mark.parametrize(
    "bad, message", [(np.nan, "Input x contains NaN"), (np.inf, "Input x contains inf")]
)
def test_dask_normalize_across_chunks_names_non_finite_values(func, bad, message):
    x = da.from_array(np.array([[1.0, bad], [1e300, 2.0]]), chunks=1)
    with pytest.raises(ValueError, match=message):
        func(x, axis=0).compute()


# --------------------------------------------------------------------------
# Floors and values beyond float64's range
# --------------------------------------------------------------------------
HUGE_EPSILONS = [10**400, np.longdouble("1e400")]


@pytest.mark.parametrize("func", FUNCTIONS)
@pytest.mark.parametrize("epsilon", HUGE_EPSILONS, ids=["int", "longdouble"])
def test_functions_refuse_epsilon_beyond_float64(func, epsilon):
    with pytest.raises(ValueError, match=r"^epsilon=.* is too large for float64"):
        func(np.ones((2, 2)), epsilon=epsilon)


@pytest.mark.parametrize("Est", NORMALIZERS)
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("epsilon", HUGE_EPSILONS, ids=["int", "longdouble"])
def test_normalizers_refuse_epsilon_beyond_float64(Est, axis, epsilon):
    with pytest.raises(ValueError, match=r"^epsilon=.* is too large for float64"):
        Est(axis=axis, epsilon=epsilon).fit_transform(np.ones((2, 2)))


LONG = np.array([[np.longdouble("1e400"), 1.0], [1.0, 1.0]], dtype=np.longdouble)
LONG_MESSAGE = r"beyond float64's range \(np\.longdouble input\).*divide"


@pytest.mark.parametrize("func", FUNCTIONS)
@pytest.mark.parametrize("kind", ["dense", "csr", "dask"])
def test_functions_refuse_long_double_beyond_float64(func, kind):
    x = LONG if kind == "dense" else as_kind(LONG, kind)
    if kind == "csr":
        x = sp.csr_matrix(LONG)
    with pytest.raises(ValueError, match=LONG_MESSAGE):
        evaluate(func(x, axis=0))


@pytest.mark.parametrize("Est", NORMALIZERS)
@pytest.mark.parametrize("axis", [0, 1])
def test_normalizers_refuse_long_double_beyond_float64(Est, axis):
    with pytest.raises(ValueError, match=LONG_MESSAGE):
        Est(axis=axis).fit_transform(LONG)
    # Long doubles within float64's range are converted as before.
    inside = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.longdouble)
    expected = Est(axis=axis).fit_transform(inside.astype(np.float64))
    assert_allclose(Est(axis=axis).fit_transform(inside), expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("func", FUNCTIONS)
def test_functions_refuse_epsilon_below_float64(func):
    # Positive, but 0 once in float64: the message must not say "not positive".
    with pytest.raises(ValueError, match=r"^epsilon=.* is too small for float64"):
        func(np.ones((2, 2)), epsilon=np.longdouble("1e-400"))


@pytest.mark.parametrize("Est", NORMALIZERS)
def test_normalizers_refuse_epsilon_below_float64(Est):
    with pytest.raises(ValueError, match=r"^epsilon=.* is too small for float64"):
        Est(epsilon=np.longdouble("1e-400")).fit_transform(np.ones((2, 2)))


@pytest.mark.parametrize("Est", NORMALIZERS)
@pytest.mark.parametrize("kind", KINDS)
def test_fit_on_nan_beside_huge_values_names_nan(Est, kind):
    # The NaN column's other values would overflow a plain sum: no numpy
    # warning, and NaN is what gets reported.
    X = np.array([[1.7e308, 1.0], [1.7e308, 2.0], [np.nan, 1.0]])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Est(axis=0).fit(as_kind(X, kind))


@pytest.mark.parametrize("function", [l1_normalize, l2_normalize])
@pytest.mark.parametrize("axis", [(0, 1), (0, 2), (1, 2), 0, 1])
def test_strided_overflow_next_to_an_all_zero_slice_is_silent(function, axis):
    """A slice whose norm overflows, rescaled, beside slices of zeros: no
    0/0 warning from the zero slices (an error under ``-W error``), and the
    same result as the contiguous copy's kernels give."""
    x = np.zeros((4, 6, 3))
    x[1, :, 0] = 1e300
    x[2, 0, 1] = 3.0
    strided = x[:, ::2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = function(strided, axis=axis)
    expected = function(np.ascontiguousarray(strided), axis=axis)
    np.testing.assert_allclose(out, expected, rtol=1e-15, atol=0)
    assert np.all(np.isfinite(out)) and np.any(out != 0)
