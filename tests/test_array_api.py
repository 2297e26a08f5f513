"""Arrays of other array-API libraries under ``array_api_dispatch``.

Every result is compared with the NumPy result of the same call (which the
rest of the suite checks against references), and its library, device and
dtype with the input's. ``array_api_strict`` (the ``test`` extra) runs
everywhere, on its default device and on its second one ("device1", which
refuses to mix with the first); PyTorch on CPU where it is installed.
scikit-learn's own array-API checks run in ``test_common.py``.
"""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose

from sklearn_norm import (
    L1Normalizer,
    L2Normalizer,
    l1_normalize,
    l2_normalize,
    move_to_numpy,
)
from sklearn_norm._array_api import namespace_of, to_host

array_api_strict = pytest.importorskip("array_api_strict")


NAMESPACES = [
    pytest.param(("array_api_strict", "CPU_DEVICE"), id="strict"),
    pytest.param(("array_api_strict", "device1"), id="strict-device1"),
    pytest.param(("torch", "cpu"), id="torch-cpu"),
]


@pytest.fixture(params=NAMESPACES)
def space(request):
    """``(xp, device)`` of one library (skipped where it is not installed)."""
    name, device = request.param
    if name == "torch":
        torch = pytest.importorskip("torch")
        return torch, torch.device(device)
    return array_api_strict, array_api_strict.Device(device)


@pytest.fixture(autouse=True)
def dispatch():
    with sklearn.config_context(array_api_dispatch=True):
        yield


def _on(space, values, dtype="float64"):
    xp, device = space
    return xp.asarray(np.asarray(values), dtype=getattr(xp, dtype), device=device)


def _assert_placed(result, like, dtype=None):
    """``result`` is an array of ``like``'s library, on its device, of
    ``dtype`` (default: ``like``'s)."""
    got, expected = namespace_of(result), namespace_of(like)
    assert got is not None and expected is not None
    assert got.xp is expected.xp
    assert got.device == expected.device
    assert result.dtype == (like.dtype if dtype is None else dtype)


@pytest.mark.parametrize("function", [l1_normalize, l2_normalize])
@pytest.mark.parametrize(
    "shape, axis",
    [((7, 5), 1), ((7, 5), 0), ((7, 5), None), ((3, 4, 5), (0, 2)), ((6,), -1)],
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_functions_match_numpy(space, function, shape, axis, dtype):
    rng = np.random.default_rng(0)
    values = rng.standard_normal(shape).astype(dtype)
    values[0] = 0.0  # an all-zero slice stays zero
    x = _on(space, values, dtype)
    result = function(x, axis=axis)
    _assert_placed(result, x)
    rtol = 1e-6 if dtype == "float32" else 1e-13
    assert_allclose(to_host(result), function(values, axis=axis), rtol=rtol, atol=0)
    assert_allclose(to_host(x), values)  # the input is not modified


def test_integers_become_the_widest_float(space):
    xp, _ = space
    x = _on(space, [[3, 4], [0, 0]], "int64")
    result = l2_normalize(x)
    _assert_placed(result, x, xp.float64)
    assert_allclose(to_host(result), [[0.6, 0.8], [0.0, 0.0]])


@pytest.mark.parametrize("function", [l1_normalize, l2_normalize])
def test_overflowing_norms_are_rescued(space, function):
    values = np.array([[1e200, -1e200, 3e199], [1.0, 2.0, 2.0]])
    result = function(_on(space, values), axis=1)
    assert_allclose(to_host(result), function(values, axis=1), rtol=1e-14)
    assert np.isfinite(to_host(result)).all()


@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_values_are_refused(space, bad, word):
    with pytest.raises(ValueError, match=f"Input x contains {word}"):
        l2_normalize(_on(space, [[1.0, bad]]))


@pytest.mark.parametrize("transformer", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_column_norms_match_numpy_and_round_trip(space, transformer, dtype):
    rng = np.random.default_rng(1)
    values = rng.standard_normal((40, 6)).astype(dtype)
    X = _on(space, values, dtype)
    fitted = transformer(axis=0).fit(X)
    reference = transformer(axis=0).fit(values)
    xp, _ = space
    _assert_placed(fitted.norms_, X, xp.float64)
    assert_allclose(to_host(fitted.norms_), reference.norms_, rtol=1e-6)
    transformed = fitted.transform(X)
    _assert_placed(transformed, X)
    rtol = 1e-6 if dtype == "float32" else 1e-13
    assert_allclose(to_host(transformed), reference.transform(values), rtol=rtol)
    restored = fitted.inverse_transform(transformed)
    _assert_placed(restored, X)
    assert_allclose(to_host(restored), values, rtol=rtol)


@pytest.mark.parametrize("transformer", [L1Normalizer, L2Normalizer])
def test_partial_fit_in_chunks_equals_one_fit(space, transformer):
    values = np.random.default_rng(2).standard_normal((30, 4))
    chunked = transformer(axis=0)
    for start in range(0, 30, 7):
        chunked.partial_fit(_on(space, values[start : start + 7]))
    whole = transformer(axis=0).fit(_on(space, values))
    assert_allclose(to_host(chunked.norms_), to_host(whole.norms_), rtol=1e-14)
    assert chunked.n_samples_seen_ == 30


def test_copy_false_writes_into_the_input(space):
    values = np.array([[3.0, 4.0], [1.0, 0.0]])
    X = _on(space, values)
    result = L2Normalizer(copy=False).transform(X)
    assert_allclose(to_host(X), [[0.6, 0.8], [1.0, 0.0]])
    assert_allclose(to_host(result), to_host(X))
    kept = _on(space, values)
    L2Normalizer().transform(kept)
    assert_allclose(to_host(kept), values)


def test_other_namespaces_after_fit_are_refused(space):
    fitted = L1Normalizer(axis=0).fit(_on(space, [[1.0, 2.0], [3.0, 4.0]]))
    with pytest.raises(ValueError, match=r"L1Normalizer.transform\(\) must use"):
        fitted.transform(np.ones((2, 2)))
    with sklearn.config_context(array_api_dispatch=False):
        with pytest.raises(ValueError, match="move_to_numpy"):
            fitted.transform(np.ones((2, 2)))


def test_move_to_numpy_gives_a_numpy_model(space):
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    fitted = L2Normalizer(axis=0).fit(_on(space, values))
    moved = move_to_numpy(fitted)
    assert isinstance(moved.norms_, np.ndarray)
    assert namespace_of(fitted.norms_) is not None  # the original is kept
    with sklearn.config_context(array_api_dispatch=False):
        assert_allclose(
            moved.transform(values), L2Normalizer(axis=0).fit(values).transform(values)
        )
