"""The shortcuts around scikit-learn's target checks (``check_class_labels``
and ``accuracy``): the same answers and the same errors as
``check_classification_targets`` and ``accuracy_score``."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score
from sklearn.utils.multiclass import check_classification_targets

from sklearn_norm import RegularizedLogisticRegression
from sklearn_norm._validation import accuracy, check_class_labels

LABELS = [
    np.array([0, 1, 1, 0, 2]),
    np.array([0, 1, 1, 0, 2], dtype=np.uint8),
    np.array([True, False, True, True, False]),
    np.array(["a", "b", "b", "a", "c"]),
    np.array([0.0, 1.0, 1.0, 0.0, 2.0]),
    np.array([-1.0, 1.0, 1.0, -1.0, 1.0], dtype=np.float32),
    np.array(["a", "b", "b", "a", "c"], dtype=object),
    [0, 1, 1, 0, 2],
]
OTHERS = [
    np.array([0.5, 1.0, 1.0, 0.0, 2.0]),  # continuous: refused
    np.array([[0, 1], [1, 0], [1, 1]]),  # multilabel indicator: accepted
]


def _outcome(func, *args, **kwargs):
    """The result, or the error's type and message (warnings are errors in
    this suite: scikit-learn 1.7 warns where 1.9 raises, on empty labels)."""
    try:
        return ("ok", func(*args, **kwargs))
    except (TypeError, ValueError, RuntimeWarning) as error:
        return (type(error), str(error))


@pytest.mark.parametrize("y", LABELS + OTHERS)
def test_check_class_labels_agrees_with_scikit_learn(y):
    assert (
        _outcome(check_class_labels, y)[0]
        == _outcome(check_classification_targets, y)[0]
    )


def test_check_class_labels_refuses_continuous_labels_by_name():
    with pytest.raises(ValueError, match="continuous"):
        check_class_labels(np.array([0.5, 1.0, 0.0]))


PAIRS = [
    (np.array([0, 1, 1, 0, 2]), np.array([0, 1, 0, 0, 2])),
    (np.array([0.0, 1.0, 1.0]), np.array([0, 1, 0])),
    (np.array([0, 1, 1]), np.array([0.0, 1.0, 0.0])),
    (np.array([True, False, True]), np.array([True, True, True])),
    (np.array(["a", "b", "b"]), np.array(["a", "b", "c"])),
    (np.array(["a", "b", "b"], dtype=object), np.array(["a", "b", "c"])),
    (np.array([0.5, 1.0, 1.0]), np.array([0, 1, 1])),  # continuous: refused
    (np.array([1, 2]), np.array(["1", "2"])),  # numbers against strings
    (np.array([1.0, 2.0]), np.array(["a", "b"])),
    (np.array([0, 1, 1]), np.array([0, 1])),  # lengths differ
    (np.array([], dtype=int), np.array([], dtype=int)),  # empty
    ([0, 1, 1], np.array([0, 1, 0])),
]


@pytest.mark.parametrize(("y_true", "y_pred"), PAIRS)
@pytest.mark.parametrize("weighted", [False, True])
def test_accuracy_equals_accuracy_score(y_true, y_pred, weighted):
    weights = None
    if weighted:
        weights = np.linspace(0.5, 2.0, len(y_true)) if len(y_true) else None
    ours = _outcome(accuracy, y_true, y_pred, weights)
    theirs = _outcome(accuracy_score, y_true, y_pred, sample_weight=weights)
    assert ours[0] == theirs[0]
    if ours[0] == "ok":
        assert ours[1] == pytest.approx(theirs[1], rel=1e-15, abs=0)
    else:
        assert ours[1] == theirs[1]


def test_score_is_the_accuracy_of_predict():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = np.where(X[:, 0] + 0.5 * rng.standard_normal(60) > 0, "yes", "no")
    model = RegularizedLogisticRegression(lambda_=0.05).fit(X, y)
    assert model.score(X, y) == accuracy_score(y, model.predict(X))
    assert model.score(X, list(y)) == accuracy_score(y, model.predict(X))
    numbers = (y == "yes").astype(int)  # against string classes: refused
    assert _outcome(model.score, X, numbers) == _outcome(
        accuracy_score, numbers, model.predict(X)
    )
