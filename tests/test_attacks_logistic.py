"""Inputs from an outside attack on the logistic models: weights that are
negative or not finite, folds given as masks or not at all, held-out parts
that weigh nothing, a step size too large for gradient descent, missing
labels and datetime columns.

Each case asserts the exact outcome (values, or the exception type and a
message), with warnings turned into errors, and checks that no input was
modified.
"""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

from sklearn_norm import (
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    lambda_max,
    logistic_path,
)

RNG = np.random.default_rng(0)
X0 = RNG.standard_normal((60, 4))
Y0 = (X0[:, 0] - X0[:, 1] + RNG.standard_normal(60) > 0).astype(np.int64)
FOLDS = list(KFold(3).split(X0))


def _masks(folds, n_samples=60):
    """The folds as boolean masks."""
    out = []
    for train, test in folds:
        train_mask = np.zeros(n_samples, bool)
        test_mask = np.zeros(n_samples, bool)
        train_mask[train] = True
        test_mask[test] = True
        out.append((train_mask, test_mask))
    return out


def _call(function, *args, **kwargs):
    """``function(*args, **kwargs)`` with warnings as errors and the array
    arguments checked for modification."""
    arrays = [a for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray)]
    # pickle: object arrays may hold NaN or pd.NA, which compare unequal or
    # not at all.
    before = [pickle.dumps(a) for a in arrays]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return function(*args, **kwargs)
    finally:
        after = [pickle.dumps(a) for a in arrays]
        assert before == after, "an input was modified"


# ------------------------------------------------------------------ weights
# Every entry point that combines sample and class weights.


def _fit(X, y, sample_weight=None, class_weight=None):
    model = RegularizedLogisticRegression(class_weight=class_weight)
    return model.fit(X, y, sample_weight=sample_weight).coef_


def _fit_cv(X, y, sample_weight=None, class_weight=None):
    model = RegularizedLogisticRegressionCV(
        "l1", n_lambdas=3, class_weight=class_weight
    )
    return model.fit(X, y, sample_weight=sample_weight).coef_


def _path(X, y, sample_weight=None, class_weight=None):
    return logistic_path(
        X, y, n_lambdas=3, sample_weight=sample_weight, class_weight=class_weight
    )[1]


def _lambda_max(X, y, sample_weight=None, class_weight=None):
    return np.array(
        [lambda_max(X, y, sample_weight=sample_weight, class_weight=class_weight)]
    )


ENTRIES = {"fit": _fit, "fit_cv": _fit_cv, "path": _path, "lambda_max": _lambda_max}

BAD_CLASS_WEIGHTS = {
    "negative": (
        {0: -0.1, 1: 1.0},
        r"class_weight\[0\] is -0\.1: class weights must be",
    ),
    "nan": ({0: np.nan, 1: 1.0}, r"class_weight\[0\] is nan: class weights must be"),
    "inf": ({0: 1.0, 1: np.inf}, r"class_weight\[1\] is inf: class weights must be"),
}


@pytest.mark.parametrize("entry", sorted(ENTRIES))
@pytest.mark.parametrize("case", sorted(BAD_CLASS_WEIGHTS))
def test_bad_class_weight_is_named(entry, case):
    class_weight, message = BAD_CLASS_WEIGHTS[case]
    with pytest.raises(ValueError, match=message):
        _call(ENTRIES[entry], X0, Y0, class_weight=class_weight)


@pytest.mark.parametrize("case", sorted(BAD_CLASS_WEIGHTS))
def test_bad_class_weight_is_named_for_dask_input(case):
    da = pytest.importorskip("dask.array")
    class_weight, message = BAD_CLASS_WEIGHTS[case]
    X, y = da.from_array(X0, chunks=20), da.from_array(Y0, chunks=20)
    with pytest.raises(ValueError, match=message):
        _call(_fit, X, y, class_weight=class_weight)


def test_balanced_class_weight_of_a_weightless_class_is_refused_for_dask():
    da = pytest.importorskip("dask.array")
    sample_weight = da.from_array(np.where(Y0 == 0, 0.0, 1.0), chunks=20)
    X, y = da.from_array(X0, chunks=20), da.from_array(Y0, chunks=20)
    with pytest.raises(ValueError, match=r"class\(es\) \[0\] weigh nothing"):
        _call(_fit, X, y, sample_weight=sample_weight, class_weight="balanced")


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_masked_X_is_refused(entry):
    X = np.ma.array(X0, mask=np.zeros_like(X0, dtype=bool))
    X.mask[3, 1] = True
    with pytest.raises(TypeError, match=r"X is a masked array \(np\.ma\)"):
        _call(ENTRIES[entry], X, Y0)


BAD_SCALAR_WEIGHTS = {
    "nan": (np.nan, "sample_weight contains NaN"),
    "inf": (np.inf, "sample_weight contains infinity"),
    "negative": (-1.0, "Negative values in data passed to `sample_weight`"),
}


@pytest.mark.parametrize("entry", sorted(ENTRIES))
@pytest.mark.parametrize("case", sorted(BAD_SCALAR_WEIGHTS))
def test_bad_scalar_sample_weight_is_named(entry, case):
    weight, message = BAD_SCALAR_WEIGHTS[case]
    with pytest.raises(ValueError, match=message):
        _call(ENTRIES[entry], X0, Y0, sample_weight=weight)


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_scalar_sample_weight_is_accepted_everywhere(entry):
    # A constant weight is no weight: the weighted mean does not change.
    expected = _call(ENTRIES[entry], X0, Y0)
    got = _call(ENTRIES[entry], X0, Y0, sample_weight=2.5)
    assert_allclose(got, expected, rtol=1e-7, atol=1e-9, err_msg=entry)


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_balanced_class_weight_of_a_weightless_class_is_refused(entry):
    sample_weight = np.where(Y0 == 0, 0.0, 1.0)
    with pytest.raises(
        ValueError,
        match=r"class_weight='balanced' needs a positive total sample_weight in "
        r"every class; class\(es\) \[0\] weigh nothing",
    ):
        _call(
            ENTRIES[entry], X0, Y0, sample_weight=sample_weight, class_weight="balanced"
        )


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_product_of_huge_weights_is_rescaled(entry):
    # Only the ratios of the weights matter: 1e300 * 1e300 overflows, but
    # the same ratios in small numbers give the same model.
    expected = _call(
        ENTRIES[entry], X0, Y0, sample_weight=np.ones(60), class_weight={0: 1.0, 1: 3.0}
    )
    got = _call(
        ENTRIES[entry],
        X0,
        Y0,
        sample_weight=np.full(60, 1e300),
        class_weight={0: 1e300, 1: 3e300},
    )
    assert_allclose(got, expected, rtol=1e-6, atol=1e-9, err_msg=entry)


# -------------------------------------------------------------------- folds


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("regularization", ["l1", "l2"])
@pytest.mark.parametrize("sparse", [False, True])
def test_boolean_masks_and_indices_give_the_same_cv(regularization, sparse, weighted):
    # Unweighted ridge with masks failed with "operands could not be
    # broadcast together with shapes (20,4) (60,1)" (the Gram path built
    # np.ones(test.size) from a mask) until 653f05b.
    X = sp.csr_matrix(X0) if sparse else X0
    weights = np.linspace(0.5, 2.0, 60) if weighted else None
    by_index = _call(
        RegularizedLogisticRegressionCV(regularization, n_lambdas=4, cv=FOLDS).fit,
        X,
        Y0,
        sample_weight=weights,
    )
    by_mask = _call(
        RegularizedLogisticRegressionCV(
            regularization, n_lambdas=4, cv=_masks(FOLDS)
        ).fit,
        X,
        Y0,
        sample_weight=weights,
    )
    assert_allclose(by_mask.cv_scores_, by_index.cv_scores_, rtol=1e-10, atol=0)
    assert_allclose(by_mask.coef_, by_index.coef_, rtol=1e-10, atol=0)


def test_ridge_folds_that_overlap_get_their_own_training_rows():
    # The held-out rows are not the complement of the training rows: the
    # training part's curvature is not "all rows minus the held-out ones".
    # Each fold's path must be that of its own training rows.
    folds = [
        (np.arange(0, 60), np.arange(0, 20)),
        (np.arange(20, 40), np.tile(np.arange(20), 5)),
    ]
    grid = np.array([0.1, 0.01])
    model = RegularizedLogisticRegressionCV("l2", grid, cv=folds, tol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # The best score is at an end of this short grid: not the point here.
        warnings.filterwarnings("ignore", "RegularizedLogisticRegressionCV: the best")
        model.fit(X0, Y0)
    for k, (train, test) in enumerate(folds):
        _, coefs, intercepts = logistic_path(
            X0[train], Y0[train], regularization="l2", lambdas=grid, tol=1e-10
        )
        z = X0[test] @ coefs[:, 0, :].T + intercepts[:, 0]
        p = 1.0 / (1.0 + np.exp(-z))
        loss = -np.mean(np.where(Y0[test, None] == 1, np.log(p), np.log1p(-p)), axis=0)
        assert_allclose(model.cv_scores_[k], -loss, rtol=1e-7, err_msg=f"fold {k}")


BAD_FOLDS = {
    "no folds": ([], r"cv gave no folds"),
    "short mask": (
        [(np.ones(50, bool), np.zeros(50, bool))],
        r"fold 0: the training part is a boolean mask of 50 values; it must have "
        r"one per sample \(60\)",
    ),
    "out of range": (
        [(np.arange(20, 60), np.arange(50, 70))],
        r"fold 0: the held-out part has indices outside \[-60, 60\)",
    ),
    "float indices": (
        [(np.arange(20.0, 60.0), np.arange(20.0))],
        r"fold 0: the training part must be integer indices or a boolean mask; "
        r"got dtype float64",
    ),
    "empty test": (
        [(np.arange(60), np.array([], dtype=int))] + FOLDS,
        r"fold 0: the held-out part is empty",
    ),
    "empty train": (
        [(np.array([], dtype=int), np.arange(60))],
        r"fold 0: the training part is empty",
    ),
}


@pytest.mark.parametrize("regularization", ["l1", "l2"])
@pytest.mark.parametrize("case", sorted(BAD_FOLDS))
def test_bad_folds_are_named(regularization, case):
    folds, message = BAD_FOLDS[case]
    model = RegularizedLogisticRegressionCV(regularization, n_lambdas=3, cv=folds)
    with pytest.raises(ValueError, match=message):
        _call(model.fit, X0, Y0)


def test_used_up_generator_of_folds_is_named():
    model = RegularizedLogisticRegressionCV(
        "l1", n_lambdas=3, cv=(fold for fold in FOLDS)
    )
    _call(model.fit, X0, Y0)
    with pytest.raises(ValueError, match=r"cv gave no folds.*generator"):
        _call(model.fit, X0, Y0)


@pytest.mark.parametrize("scoring", [None, "neg_log_loss", "accuracy"])
@pytest.mark.parametrize("regularization", ["l1", "l2"])
def test_weightless_held_out_fold_is_named(scoring, regularization):
    sample_weight = np.ones(60)
    sample_weight[FOLDS[1][1]] = 0.0
    model = RegularizedLogisticRegressionCV(
        regularization, n_lambdas=3, cv=FOLDS, scoring=scoring
    )
    with pytest.raises(
        ValueError,
        match=r"fold 1: the held-out samples all have sample_weight 0, so their "
        r"score is undefined",
    ):
        _call(model.fit, X0, Y0, sample_weight=sample_weight)


def test_weightless_training_fold_is_named():
    sample_weight = np.ones(60)
    sample_weight[:10] = 0.0
    folds = FOLDS + [(np.arange(10), np.arange(10, 60))]
    model = RegularizedLogisticRegressionCV("l1", n_lambdas=3, cv=folds)
    with pytest.raises(
        ValueError, match=r"fold 3: the training samples all have weight 0"
    ):
        _call(model.fit, X0, Y0, sample_weight=sample_weight)


# ---------------------------------------------------------- gd's step size


def test_gd_with_too_large_a_step_says_decrease_lr():
    X = 10.0 * X0
    model = RegularizedLogisticRegression(solver="gd", lr=50.0, num_iter=200)
    with pytest.warns(ConvergenceWarning) as record:
        model.fit(X, Y0)
    message = str(record[0].message)
    match = re.search(r"decrease lr to at most ([0-9.e+-]+)", message)
    assert match, message
    assert "increase lr" not in message, message
    # The advice works: at the bound gd converges.
    bound = float(match.group(1))
    good = RegularizedLogisticRegression(solver="gd", lr=bound, num_iter=20000)
    _call(good.fit, X, Y0)
    reference = _call(RegularizedLogisticRegression(tol=1e-10).fit, X, Y0)
    assert_allclose(good.objective_, reference.objective_, rtol=1e-8)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gd_with_a_small_step_says_increase_lr_up_to_the_bound(n_classes):
    y = Y0 if n_classes == 2 else np.arange(60) % 3
    model = RegularizedLogisticRegression(solver="gd", lr=1e-3, num_iter=5)
    with pytest.warns(ConvergenceWarning) as record:
        model.fit(X0, y)
    message = str(record[0].message)
    match = re.search(r"increase lr up to ([0-9.e+-]+)", message)
    assert match, message
    bound = float(match.group(1))
    good = RegularizedLogisticRegression(solver="gd", lr=bound, num_iter=20000)
    _call(good.fit, X0, y)
    reference = _call(RegularizedLogisticRegression(tol=1e-10).fit, X0, y)
    assert_allclose(good.objective_, reference.objective_, rtol=1e-8)


@pytest.mark.parametrize(
    "n_samples, n_features, n_classes", [(1000, 30, 4), (500, 100, 3)]
)
def test_gd_step_bound_of_sparse_multinomial_data(n_samples, n_features, n_classes):
    # The Lanczos start was the vector of ones, a null vector of a
    # multinomial Hessian (a shift common to all classes): on these sparse
    # matrices ARPACK stopped with "starting vector is zero" (the first), or
    # stayed in the null space and advised lr up to 7e16 (the second).
    from sklearn_norm.linear_model._datafits import MultinomialLoss
    from sklearn_norm.linear_model._solvers import step_bound

    rng = np.random.default_rng(0)
    X = sp.random(n_samples, n_features, density=0.02, format="csr", random_state=0)
    X.data = rng.standard_normal(X.data.size)
    y = rng.integers(0, n_classes, n_samples)
    weights = np.full(n_samples, 1.0 / n_samples)
    datafit = MultinomialLoss(X, y, weights, True, n_classes)
    hessp = datafit.hessp(datafit.decision(np.zeros(datafit.n_params)))
    hessian = np.column_stack([hessp(unit) for unit in np.eye(datafit.n_params)])
    largest = np.linalg.eigvalsh((hessian + hessian.T) / 2)[-1] * n_classes / 2
    assert_allclose(step_bound(datafit), 1.0 / largest, rtol=1e-5)
    model = RegularizedLogisticRegression(solver="gd", lr=1e-3, num_iter=3)
    with pytest.warns(ConvergenceWarning) as record:
        model.fit(X, y)
    match = re.search(r"increase lr up to ([0-9.e+-]+)", str(record[0].message))
    assert match, str(record[0].message)
    # Rounded down to three digits in the message.
    assert 0.99 / largest <= float(match.group(1)) <= 1.0 / largest


# ------------------------------------------------------ labels and columns


def _labels(missing):
    y = np.array(["a", "b"] * 30, dtype=object)
    y[3] = missing
    return y


@pytest.mark.parametrize("entry", sorted(ENTRIES))
@pytest.mark.parametrize("missing", [None, pd.NA, np.nan], ids=["None", "NA", "nan"])
def test_missing_labels_are_named(entry, missing):
    with pytest.raises(
        ValueError, match=r"y has missing labels \(None, NaN or NA\) at 1 position"
    ):
        _call(ENTRIES[entry], X0, _labels(missing))


def test_missing_label_in_a_pandas_string_series_is_named():
    y = pd.Series(["a", "b"] * 30, dtype="string")
    y[3] = pd.NA
    with pytest.raises(ValueError, match=r"y has missing labels"):
        _call(_fit, X0, y)


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_datetime_column_is_named(entry):
    X = pd.DataFrame(X0, columns=list("abcd"))
    X["d"] = pd.date_range("2020-01-01", periods=60)
    with pytest.raises(
        ValueError,
        match=r"column\(s\) 'd' \(datetime64\[.*\]\) hold dates or times; convert "
        r"them to numbers",
    ):
        _call(ENTRIES[entry], X, Y0)
