"""l1_normalize / l2_normalize against the seed's formulas and scikit-learn."""

import hashlib
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.preprocessing import normalize as sk_normalize

from sklearn_norm import l1_normalize, l2_normalize
from sklearn_norm.normalize import _dense, _parallel, _sparse

FUNCTIONS = {"l1": l1_normalize, "l2": l2_normalize}
RTOL = {np.float64: 1e-13, np.float32: 2e-6}


def seed_formula(x, norm, axis, epsilon=1e-10):
    """The seed's formulas, generalised to ``axis``, computed in float64."""
    x = np.asarray(x, dtype=np.float64)
    if norm == "l1":
        return x / np.maximum(np.sum(np.abs(x), axis=axis, keepdims=True), epsilon)
    return x / np.sqrt(
        np.maximum(np.sum(np.square(x), axis=axis, keepdims=True), epsilon)
    )


def checksum(x):
    if sp.issparse(x):
        parts = [x.data, x.indices, x.indptr]
    else:
        parts = [np.ascontiguousarray(x)]
    return hashlib.sha256(b"".join(p.tobytes() for p in parts)).hexdigest()


@pytest.fixture(params=["default", "tiny"])
def block_bytes(request, monkeypatch):
    """Run a test with the real block size and with blocks of a few rows.

    Tiny blocks (and threads on small arrays) exercise every block boundary,
    the wide-row and long-vector paths, and the thread split.
    """
    if request.param == "tiny":
        monkeypatch.setattr(_dense, "BLOCK_BYTES", 96)
        monkeypatch.setattr(_sparse, "BLOCK_BYTES", 96)
        monkeypatch.setattr(_parallel, "PARALLEL_MIN_BYTES", 0)
        monkeypatch.setattr(_parallel, "available_threads", lambda: 3)
    return request.param


# --------------------------------------------------------------------------
# The seed document
# --------------------------------------------------------------------------
SEED_L1 = """\
[[[0.         0.01515152 0.03030303 0.04545455]
  [0.06060606 0.07575758 0.09090909 0.10606061]
  [0.12121212 0.13636364 0.15151515 0.16666667]]]"""

SEED_L2 = """\
[[[0.         0.04445542 0.08891084 0.13336627]
  [0.17782169 0.22227711 0.26673253 0.31118796]
  [0.35564338 0.4000988  0.44455422 0.48900965]]]"""


def test_seed_example_prints_the_seed_digits():
    # The seed's example, printed with numpy's defaults, must show exactly
    # the digits the seed document shows.
    a = np.arange(12).reshape([1, 3, 4])
    assert str(l1_normalize(a)) == SEED_L1
    assert str(l2_normalize(a, (1, 2))) == SEED_L2


def test_defaults_are_the_seeds():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    # l1: whole array; l2: last axis.
    assert_allclose(l1_normalize(x), x / 21.0, rtol=1e-15)
    assert_allclose(l2_normalize(x), seed_formula(x, "l2", -1), rtol=1e-15)


# --------------------------------------------------------------------------
# Dense input: every axis combination and memory layout
# --------------------------------------------------------------------------
def _axes_3d():
    axes = [None, (), 0, 1, 2, -1, -3]
    for k in (1, 2, 3):
        axes.extend(itertools.combinations(range(3), k))
    return axes


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("axis", _axes_3d(), ids=repr)
def test_dense_matches_seed_formula(norm, dtype, layout, axis, block_bytes):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((5, 7, 9)).astype(dtype)
    base[1, :, 2] = 0.0  # all-zero slices stay zero
    x = {"C": base, "F": np.asfortranarray(base), "strided": base[:, ::2, 1:]}[layout]
    before = checksum(x)
    result = FUNCTIONS[norm](x, axis=axis)
    assert result.dtype == dtype and result.shape == x.shape
    assert_allclose(
        result,
        seed_formula(x, norm, axis),
        rtol=RTOL[dtype],
        atol=1e-300,
        err_msg=f"{norm} axis={axis} layout={layout}",
    )
    assert checksum(x) == before, "the input was modified"
    assert not np.shares_memory(result, x)


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize(
    "shape, axis",
    [((3, 1000), 1), ((1000, 3), 0), ((2000,), 0), ((2000,), None), ((4, 500), None)],
)
def test_long_vectors_and_wide_rows(norm, shape, axis, block_bytes):
    # With tiny blocks these slices are longer than a block.
    x = np.random.default_rng(1).standard_normal(shape)
    assert_allclose(
        FUNCTIONS[norm](x, axis=axis), seed_formula(x, norm, axis), rtol=1e-13
    )


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_zero_dim_and_empty(norm):
    f = FUNCTIONS[norm]
    assert_allclose(f(np.float64(-4.0), axis=None), -1.0, rtol=0)
    for shape in [(0,), (0, 3), (3, 0), (2, 0, 4)]:
        out = f(np.zeros(shape), axis=None)
        assert out.shape == shape and out.dtype == np.float64
    assert f(np.zeros((0, 3)), axis=1).shape == (0, 3)


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize(
    "dtype, expected",
    [
        (np.int8, np.float64),
        (np.uint8, np.float64),
        (np.int64, np.float64),
        (np.bool_, np.float64),
        (np.float16, np.float64),
        (np.float32, np.float32),
        (np.float64, np.float64),
    ],
)
def test_output_dtype(norm, dtype, expected):
    x = np.array([[1, 0, 1], [0, 1, 1]], dtype=dtype)
    out = FUNCTIONS[norm](x, axis=1)
    assert out.dtype == expected
    assert_allclose(out, seed_formula(x, norm, 1), rtol=RTOL[expected])


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_lists_and_read_only_input(norm):
    x = np.arange(6.0).reshape(2, 3)
    x.setflags(write=False)
    expected = seed_formula(x, norm, 1)
    assert_allclose(FUNCTIONS[norm](x, axis=1), expected, rtol=1e-15)
    assert_allclose(FUNCTIONS[norm](x.tolist(), axis=1), expected, rtol=1e-15)
    obj = np.array(x.tolist(), dtype=object)
    assert_allclose(FUNCTIONS[norm](obj, axis=1), expected, rtol=1e-15)


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_epsilon_floor(norm, dtype):
    x = np.array([[0.0, 0.0], [1e-12, 0.0], [3.0, 4.0]], dtype=dtype)
    out = FUNCTIONS[norm](x, axis=1, epsilon=1e-6)
    floor = 1e-6 if norm == "l1" else 1e-3
    assert_allclose(out[:2], x[:2] / floor, rtol=1e-6)
    assert_allclose(out[2], seed_formula(x[2], norm, 0), rtol=RTOL[dtype])
    # An epsilon below float32's range must not turn zero rows into NaN.
    tiny = FUNCTIONS[norm](x, axis=1, epsilon=1e-60)
    assert np.isfinite(tiny).all()
    assert_array_equal(tiny[0], 0.0)


# --------------------------------------------------------------------------
# Agreement with scikit-learn
# --------------------------------------------------------------------------
@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_sklearn_normalize(norm, axis, fmt, dtype, block_bytes):
    rng = np.random.default_rng(2)
    dense = rng.standard_normal((40, 30)).astype(dtype)
    dense[rng.random(dense.shape) < 0.7] = 0.0  # no norm below the floor
    x = dense if fmt == "dense" else sp.csr_matrix(dense).asformat(fmt)
    ours = FUNCTIONS[norm](x, axis=axis)
    theirs = sk_normalize(x, norm=norm, axis=axis)
    if fmt != "dense":
        assert ours.format == fmt
        ours, theirs = ours.toarray(), theirs.toarray()
    assert_allclose(ours, theirs, rtol=RTOL[dtype], atol=0)


# --------------------------------------------------------------------------
# Sparse input
# --------------------------------------------------------------------------
SPARSE_CLASSES = [sp.csr_matrix, sp.csc_matrix, sp.csr_array, sp.csc_array]


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("cls", SPARSE_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("axis", [0, 1, -1, -2, None, (0, 1)], ids=repr)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_matches_dense(norm, cls, axis, dtype, block_bytes):
    dense = sp.random(50, 20, density=0.2, random_state=4, dtype=dtype).toarray()
    dense[7] = 0.0
    dense[:, 3] = 0.0
    x = cls(dense)
    before = checksum(x)
    out = FUNCTIONS[norm](x, axis=axis)
    assert type(out) is cls and out.dtype == dtype
    assert_array_equal(out.indices, x.indices)
    assert_array_equal(out.indptr, x.indptr)
    assert_allclose(
        out.toarray(), seed_formula(dense, norm, axis), rtol=RTOL[dtype], atol=0
    )
    assert checksum(x) == before, "the sparse input was modified"
    assert not np.shares_memory(out.data, x.data)


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_sparse_structure_edge_cases(norm):
    f = FUNCTIONS[norm]
    dense = np.array([[1.0, 0.0, -2.0], [0.0, 0.0, 0.0], [0.0, 3.0, 4.0]])
    expected = seed_formula(dense, norm, 1)
    # explicit zeros are kept as stored entries
    with_zero = sp.csr_matrix(
        (np.array([1.0, 0.0, -2.0, 3.0, 4.0]), [0, 1, 2, 1, 2], [0, 3, 3, 5]),
        shape=(3, 3),
    )
    out = f(with_zero, axis=1)
    assert out.nnz == 5
    assert_allclose(out.toarray(), expected, rtol=1e-15)
    # unsorted indices
    unsorted = sp.csr_matrix(
        (np.array([-2.0, 1.0, 4.0, 3.0]), [2, 0, 2, 1], [0, 2, 2, 4]), shape=(3, 3)
    )
    assert_allclose(f(unsorted, axis=1).toarray(), expected, rtol=1e-15)
    # duplicate entries are summed before the norm is taken
    duplicated = sp.csr_matrix(
        (np.array([3.0, -2.0, -2.0, 3.0, 4.0]), [0, 0, 2, 1, 2], [0, 3, 3, 5]),
        shape=(3, 3),
    )
    before = checksum(duplicated)
    assert_allclose(f(duplicated, axis=1).toarray(), expected, rtol=1e-15)
    assert checksum(duplicated) == before
    # int64 index arrays are kept
    big = sp.csr_matrix(dense)
    big.indices = big.indices.astype(np.int64)
    big.indptr = big.indptr.astype(np.int64)
    out = f(big, axis=0)
    assert out.indices.dtype == np.int64 and out.indptr.dtype == np.int64
    assert_allclose(out.toarray(), seed_formula(dense, norm, 0), rtol=1e-15)
    # integer sparse data becomes float64
    assert f(sp.csr_matrix(dense.astype(np.int32)), axis=1).dtype == np.float64


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("fmt", ["coo", "lil", "dok", "bsr", "dia"])
def test_other_sparse_formats_keep_their_format(norm, fmt):
    dense = np.array([[1.0, 0.0, -2.0], [0.0, 0.0, 0.0], [0.0, 3.0, 4.0]])
    x = sp.csr_matrix(dense).asformat(fmt)
    out = FUNCTIONS[norm](x, axis=1)
    assert out.format == fmt
    assert_allclose(out.toarray(), seed_formula(dense, norm, 1), rtol=1e-15)


# --------------------------------------------------------------------------
# Values at the edge of the floating-point range
# --------------------------------------------------------------------------
def scaled_reference(x, norm, axis):
    """The exact normalization of slices whose norm overflows, in float64."""
    x = np.asarray(x, dtype=np.float64)
    scale = np.max(np.abs(x), axis=axis, keepdims=True)
    scale[scale == 0] = 1
    return seed_formula(x / scale, norm, axis, epsilon=1e-300)


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("axis", [0, 1, None, (0, 1)], ids=repr)
def test_huge_values_do_not_overflow(norm, layout, axis, block_bytes):
    x = np.full((6, 8), 1.5e308)
    x[::2] *= -0.5
    x[:, 1] = 1.0
    x = {"C": x, "F": np.asfortranarray(x), "strided": x[:, ::2]}[layout]
    out = FUNCTIONS[norm](x, axis=axis)
    assert np.isfinite(out).all()
    assert_allclose(out, scaled_reference(x, norm, axis), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("axis", [0, 1, None])
def test_sparse_huge_values_do_not_overflow(norm, fmt, axis, block_bytes):
    dense = np.zeros((5, 4))
    dense[1:4, 1:3] = 1e308
    dense[0, 0] = 1.0
    x = sp.csr_matrix(dense).asformat(fmt)
    out = FUNCTIONS[norm](x, axis=axis).toarray()
    assert np.isfinite(out).all()
    expected = scaled_reference(dense, norm, axis)
    assert_allclose(out, np.nan_to_num(expected), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_float32_huge_values(norm):
    x = np.full((3, 50), 3e38, dtype=np.float32)  # every norm overflows float32
    out = FUNCTIONS[norm](x, axis=1)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    assert_allclose(out, seed_formula(x.astype(np.float64), norm, 1), rtol=1e-6)


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_tiny_values(norm):
    x = np.array([[1e-300, 2e-300], [3.0, 0.0]])
    out = FUNCTIONS[norm](x, axis=1)
    # the first row's norm is below the floor: divided by the floor
    assert_allclose(out, seed_formula(x, norm, 1), rtol=1e-15, atol=0)


# --------------------------------------------------------------------------
# Threads and determinism
# --------------------------------------------------------------------------
@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("axis", [0, 1])
def test_threads_give_bitwise_identical_results(norm, axis, monkeypatch):
    x = np.random.default_rng(5).standard_normal((3000, 60))
    monkeypatch.setattr(_parallel, "PARALLEL_MIN_BYTES", 1 << 60)
    serial = FUNCTIONS[norm](x, axis=axis)
    monkeypatch.setattr(_parallel, "PARALLEL_MIN_BYTES", 0)
    for n_threads in (2, 3, 7):
        monkeypatch.setattr(_parallel, "available_threads", lambda n=n_threads: n)
        assert_array_equal(FUNCTIONS[norm](x, axis=axis), serial)


def test_available_threads_respects_omp_num_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert _parallel.available_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "not a number")
    assert 1 <= _parallel.available_threads() <= _parallel.MAX_THREADS


def test_errors_in_threads_propagate(monkeypatch):
    monkeypatch.setattr(_parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(_parallel, "available_threads", lambda: 4)
    x = np.ones((100, 10))
    x[97, 3] = np.nan
    with pytest.raises(ValueError, match="Input x contains NaN"):
        l2_normalize(x, axis=1)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------
@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize(
    "axis, error, match",
    [
        (2, ValueError, "axis 2 is out of bounds for an array of dimension 2"),
        (-3, ValueError, "axis -3 is out of bounds"),
        ((0, 0), ValueError, r"axis \(0, 0\) repeats an axis"),
        ((1, -1), ValueError, "repeats an axis"),
        (1.0, TypeError, "axis must be None, an int or a tuple of ints, got 1.0"),
        (
            [0, 1],
            TypeError,
            r"axis must be None, an int or a tuple of ints, got \[0, 1\]",
        ),
        (True, TypeError, "axis must be None, an int or a tuple of ints, got True"),
        ("1", TypeError, "axis must be None"),
    ],
)
def test_invalid_axis(norm, axis, error, match):
    with pytest.raises(error, match=match):
        FUNCTIONS[norm](np.ones((2, 3)), axis=axis)


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize(
    "epsilon, error, match",
    [
        (0, ValueError, "epsilon must be positive and finite, got 0"),
        (-1e-3, ValueError, "epsilon must be positive and finite, got -0.001"),
        (np.inf, ValueError, "epsilon must be positive and finite, got inf"),
        (np.nan, ValueError, "epsilon must be positive and finite, got nan"),
        ("1e-10", TypeError, "epsilon must be a positive real number, got '1e-10'"),
        (None, TypeError, "epsilon must be a positive real number, got None"),
        (True, TypeError, "epsilon must be a positive real number, got True"),
    ],
)
def test_invalid_epsilon(norm, epsilon, error, match):
    with pytest.raises(error, match=match):
        FUNCTIONS[norm](np.ones((2, 3)), epsilon=epsilon)


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize(
    "x, error, match",
    [
        (None, TypeError, "x must be an array-like or a sparse matrix, got None"),
        (np.array([1 + 2j, 3]), ValueError, "Complex data not supported"),
        (np.array(["a", "b"]), ValueError, "x must hold numbers"),
        (np.array([1, "a"], dtype=object), ValueError, "x must hold numbers"),
        (
            np.array(["2020-01-01"], dtype="datetime64[D]"),
            ValueError,
            "must be numeric",
        ),
        ([[1, 2], [3]], ValueError, "x could not be converted to an array"),
        (sp.csr_matrix(np.array([[1 + 1j]])), ValueError, "Complex data not supported"),
    ],
    ids=[
        "None",
        "complex",
        "strings",
        "object",
        "datetime",
        "ragged",
        "sparse-complex",
    ],
)
def test_invalid_data(norm, x, error, match):
    with pytest.raises(error, match=match):
        FUNCTIONS[norm](x)


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(
    "layout, axis",
    [
        ("C", 1),
        ("C", 0),
        ("F", 1),
        ("C", None),
        ("strided", 1),
        ("C", (0, 1)),
        ("C", ()),
    ],
)
def test_non_finite_dense(norm, bad, layout, axis, block_bytes):
    x = np.ones((6, 5))
    x[4, 2] = bad
    x = {"C": x, "F": np.asfortranarray(x), "strided": x[:, ::2]}[layout]
    before = checksum(x)
    word = "NaN" if np.isnan(bad) else "infinity"
    with pytest.raises(ValueError, match=f"Input x contains {word}"):
        FUNCTIONS[norm](x, axis=axis)
    assert checksum(x) == before


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("axis", [0, 1, None])
def test_non_finite_sparse(norm, bad, fmt, axis, block_bytes):
    dense = np.eye(5)
    dense[3, 1] = bad
    x = sp.csr_matrix(dense).asformat(fmt)
    word = "NaN" if np.isnan(bad) else "infinity"
    with pytest.raises(ValueError, match=f"Input x contains {word}"):
        FUNCTIONS[norm](x, axis=axis)


def test_sparse_axis_errors():
    x = sp.csr_matrix(np.eye(3))
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        l1_normalize(x, axis=2)
    with pytest.raises(ValueError, match=r"axis=\(\) is not supported for sparse"):
        l1_normalize(x, axis=())
    with pytest.raises(ValueError, match="sparse x must be 2-D, got 1-D"):
        l1_normalize(sp.coo_array(np.ones(3)))
