"""RegularizedLogisticRegression: API, scikit-learn tooling, bad input, extremes."""

import pickle
import re
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from _peers import SKLEARN_VERSION
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import (
    FixedThresholdClassifier,
    GridSearchCV,
    KFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from sklearn_norm import L2Normalizer, RegularizedLogisticRegression

REGULARIZATIONS = ["l2", "l1", "elasticnet", None]


def make_data(n_classes=2, n_samples=200, n_features=5, seed=0):
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        flip_y=0.1,
        random_state=seed,
    )
    return StandardScaler().fit_transform(X), y


def checksum(*arrays):
    return [
        a.data.tobytes() if sp.issparse(a) else np.asarray(a).tobytes() for a in arrays
    ]


# ---------------------------------------------------------------- interface


def test_unfitted_estimator_is_not_fitted():
    model = RegularizedLogisticRegression()
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    with pytest.raises(NotFittedError):
        model.predict(np.zeros((2, 3)))
    check_is_fitted(model.fit(*make_data()))


@pytest.mark.parametrize(
    "labels", [["no", "yes"], [-1, 1], [False, True], [3.0, 7.0]], ids=repr
)
def test_binary_labels_of_any_type(labels):
    X, y01 = make_data()
    y = np.asarray(labels, dtype=object if isinstance(labels[0], str) else None)[y01]
    model = RegularizedLogisticRegression().fit(X, y)
    np.testing.assert_array_equal(model.classes_, np.unique(y))
    assert model.coef_.shape == (1, X.shape[1])
    assert model.intercept_.shape == (1,)
    scores = model.decision_function(X)
    assert scores.shape == (len(y),)
    np.testing.assert_array_equal(model.predict(X), model.classes_[(scores > 0) * 1])
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores)), rtol=1e-12)
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba), rtol=1e-10)
    assert model.score(X, y) == np.mean(model.predict(X) == y)


def test_multiclass_shapes_and_probabilities():
    X, y = make_data(n_classes=4, n_features=6)
    labels = np.array(["a", "b", "c", "d"])[y]
    model = RegularizedLogisticRegression().fit(X, labels)
    assert model.coef_.shape == (4, 6)
    assert model.intercept_.shape == (4,)
    np.testing.assert_allclose(model.intercept_.sum(), 0.0, atol=1e-12)
    scores = model.decision_function(X)
    assert scores.shape == (len(y), 4)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), model.classes_[scores.argmax(1)])
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba), rtol=1e-10)


def test_fit_intercept_false_gives_zero_intercepts():
    X, y = make_data(n_classes=3)
    model = RegularizedLogisticRegression(fit_intercept=False).fit(X, y)
    np.testing.assert_array_equal(model.intercept_, np.zeros(3))


@pytest.mark.parametrize(
    "regularization, solver",
    [
        ("l2", "newton-cg"),
        ("l2", "lbfgs"),
        ("l1", "lbfgs"),
        ("l1", "orthant-newton"),
        ("elasticnet", "orthant-newton"),
        (None, "orthant-newton"),
        ("l2", "gd"),
    ],
)
def test_auto_solver_choice_and_fitted_attributes(regularization, solver):
    X, y = make_data()
    auto = RegularizedLogisticRegression(regularization).fit(X, y)
    smooth = regularization in ("l2", None)
    # make_data's model is small: prox-newton for an L1 part (orthant-newton
    # above ACTIVE_SET_SIZE parameters, test_active_set.py).
    assert auto.solver_ == ("newton-cg" if smooth else "prox-newton")
    model = RegularizedLogisticRegression(regularization, solver=solver, lr=1.0)
    model.fit(X, y)
    assert model.solver_ == solver
    assert isinstance(model.n_iter_, int) and 1 <= model.n_iter_ <= 1000
    assert 0.0 <= model.optimality_ <= 1e-6
    assert model.n_features_in_ == X.shape[1]


def test_feature_names_in():
    pd = pytest.importorskip("pandas")
    X, y = make_data()
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = RegularizedLogisticRegression().fit(frame, y)
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)


@pytest.mark.parametrize("regularization", REGULARIZATIONS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_warm_start_refit_converges_at_once(regularization, n_classes):
    X, y = make_data(n_classes)
    model = RegularizedLogisticRegression(regularization, 0.01, warm_start=True)
    cold = model.fit(X, y).n_iter_
    coef = model.coef_.copy()
    warm = model.fit(X, y).n_iter_
    assert warm <= 2 < cold, (warm, cold)
    np.testing.assert_allclose(model.coef_, coef, atol=1e-6)
    # Without warm_start the same refit starts over.
    model.set_params(warm_start=False)
    assert model.fit(X, y).n_iter_ == cold


def test_warm_start_ignores_a_previous_fit_of_another_shape():
    X, y = make_data(n_classes=3)
    model = RegularizedLogisticRegression(warm_start=True).fit(X, y)
    model.fit(X[:, :3], y == 0)
    assert model.coef_.shape == (1, 3)


def test_num_iter_reached_warns_with_advice():
    X, y = make_data()
    model = RegularizedLogisticRegression("l1", 0.01, num_iter=2, tol=1e-12)
    with pytest.warns(ConvergenceWarning, match="increase num_iter"):
        model.fit(X, y)
    assert model.n_iter_ == 2
    assert model.optimality_ > 1e-12
    gd = RegularizedLogisticRegression(solver="gd", lr=1e-3, num_iter=5)
    with pytest.warns(ConvergenceWarning, match=r"solver='gd'.*increase lr"):
        gd.fit(X, y)
    assert gd.n_iter_ == 5


@pytest.mark.parametrize("solver", ["gd", "lbfgs", "newton-cg", "orthant-newton"])
def test_verbose_prints_progress(solver, capsys):
    X, y = make_data()
    RegularizedLogisticRegression(solver=solver, verbose=1).fit(X, y)
    assert re.search(rf"{solver} iter.*objective", capsys.readouterr().out)


def test_fixed_threshold_classifier_replaces_the_seed_threshold():
    X, y = make_data()
    model = RegularizedLogisticRegression().fit(X, y)
    tuned = FixedThresholdClassifier(
        RegularizedLogisticRegression(), threshold=0.3, response_method="predict_proba"
    ).fit(X, y)
    expected = model.classes_[(model.predict_proba(X)[:, 1] >= 0.3) * 1]
    np.testing.assert_array_equal(tuned.predict(X), expected)
    assert np.any(tuned.predict(X) != model.predict(X))


# ------------------------------------------------------- sparse, extremes


def test_sparse_input_is_never_densified(monkeypatch):
    rng = np.random.default_rng(0)
    X = sp.random_array((3000, 4000), density=0.002, random_state=0, format="csr")
    y = (X @ rng.normal(size=4000) + 0.1 * rng.normal(size=3000) > 0).astype(int)

    def refuse_large(method):
        # Small products (a Hessian of a few selected columns) may be dense.
        def densify(self, *args, **kwargs):
            if self.shape[0] * self.shape[1] >= X.shape[0] * X.shape[1] / 100:
                raise AssertionError(f"a {self.shape} sparse matrix was densified")
            return method(self, *args, **kwargs)

        return densify

    for cls in (sp.csr_array, sp.csc_array, sp.csr_matrix, sp.csc_matrix):
        for name in ("toarray", "todense"):
            monkeypatch.setattr(cls, name, refuse_large(getattr(cls, name)))
    dense_bytes = X.shape[0] * X.shape[1] * 8
    for regularization, solver in [
        ("l2", "newton-cg"),
        ("l1", "orthant-newton"),
        ("l1", "lbfgs"),
    ]:
        model = RegularizedLogisticRegression(regularization, 1e-3, solver=solver)
        tracemalloc.start()
        model.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # L-BFGS memory is O(n_features * 20), orthant-newton's O(n_samples *
        # working set); a dense copy would be 96 MB.
        assert peak < dense_bytes / 10, f"peak {peak} bytes during a sparse fit"
        model.predict_proba(X)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "regularization, solver",
    [("l1", "orthant-newton"), ("elasticnet", "orthant-newton"), ("l2", "newton-cg")],
)
def test_dense_fit_memory_is_work_arrays_not_copies(regularization, solver, n_classes):
    # Peak memory of a fit beyond X: O(n_samples + n_features) work arrays
    # plus the working-set budget of 64 such vectors; a copy of X (or of half
    # of its columns, as an unbounded working set would make) is far more.
    X, y = make_classification(
        4000, 500, n_informative=50, n_classes=n_classes, random_state=0
    )
    X = StandardScaler().fit_transform(X)  # 16 MB
    vector_bytes = 8 * sum(X.shape)
    model = RegularizedLogisticRegression(regularization, 2e-3, solver=solver)
    tracemalloc.start()
    model.fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert np.count_nonzero(model.coef_) > 50  # a working set well beyond 50 columns
    assert peak < 100 * vector_bytes < X.nbytes / 4, (
        f"peak {peak / vector_bytes:.0f} vectors of n_samples + n_features"
    )


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "orthant-newton", "gd"])
def test_separable_huge_features_no_penalty_stay_finite(solver, n_classes):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3)) * 1e6
    y = np.argmax(X @ rng.normal(size=(3, n_classes)), axis=1)  # separable
    model = RegularizedLogisticRegression(None, solver=solver, num_iter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # no minimizer exists
        model.fit(X, y)
        proba = model.predict_proba(X)
        log_proba = model.predict_log_proba(X)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    assert np.all(np.isfinite(proba)) and np.all((proba >= 0) & (proba <= 1))
    assert not np.any(np.isnan(log_proba))
    assert model.score(X, y) == 1.0


def test_inputs_are_not_modified():
    X, y = make_data(n_classes=3)
    sw = np.linspace(0.5, 2.0, len(y))
    for container in [np.asarray, sp.csr_array]:
        Xc = container(X)
        before = checksum(Xc, y, sw)
        RegularizedLogisticRegression("l1", 0.01).fit(Xc, y, sample_weight=sw)
        assert checksum(Xc, y, sw) == before


# ------------------------------------------------------ scikit-learn tools


def test_pipeline_grid_search_over_lambda_and_regularization():
    X, y = make_data(n_samples=300)
    pipe = make_pipeline(L2Normalizer(), RegularizedLogisticRegression())
    grid = {
        "regularizedlogisticregression__lambda_": [1e-4, 1e-2, 1.0],
        "regularizedlogisticregression__regularization": ["l1", "l2"],
    }
    search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
    serial = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert search.best_score_ == np.max(serial.cv_results_["mean_test_score"])
    best = search.best_estimator_[-1]
    assert best.lambda_ == search.best_params_["regularizedlogisticregression__lambda_"]
    np.testing.assert_array_equal(search.predict(X), search.best_estimator_.predict(X))


def test_cross_val_score_clone_and_pickle():
    X, y = make_data(n_classes=3)
    model = RegularizedLogisticRegression("elasticnet", 0.01, l1_ratio=0.3)
    scores = cross_val_score(model, X, y, cv=KFold(4))
    assert scores.shape == (4,) and np.all(scores > 0.5)
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert not hasattr(twin, "coef_")
    fitted = model.fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))


@pytest.mark.filterwarnings("error")
def test_metadata_routing_of_sample_weight():
    X, y = make_data()
    sw = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        model = RegularizedLogisticRegression().set_fit_request(sample_weight=True)
        scaler = StandardScaler().set_fit_request(sample_weight=False)
        pipe = make_pipeline(scaler, model)
        pipe.fit(X, y, sample_weight=sw)
    direct = RegularizedLogisticRegression().fit(
        StandardScaler().fit_transform(X), y, sample_weight=sw
    )
    unweighted = RegularizedLogisticRegression().fit(
        StandardScaler().fit_transform(X), y
    )
    np.testing.assert_allclose(pipe[-1].coef_, direct.coef_, rtol=1e-12)
    assert not np.allclose(direct.coef_, unweighted.coef_)


@pytest.mark.skipif(
    SKLEARN_VERSION < (1, 8),
    reason="scikit-learn < 1.8: GridSearchCV cannot route sample_weight to a "
    "Pipeline's score (scikit-learn#30937, fixed in 1.8)",
)
def test_metadata_routing_of_sample_weight_through_a_searched_pipeline():
    X, y = make_data()
    sw = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        routed = (
            RegularizedLogisticRegression()
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True)
        )
        search = GridSearchCV(
            make_pipeline(routed),
            {"regularizedlogisticregression__lambda_": [0.1]},
            cv=2,
        ).fit(X, y, sample_weight=sw)
    direct = RegularizedLogisticRegression().fit(
        StandardScaler().fit_transform(X), y, sample_weight=sw
    )
    np.testing.assert_allclose(
        search.best_estimator_[-1].coef_, direct.coef_, atol=1e-6
    )


# --------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "params, match",
    [
        ({"lambda_": -1.0}, "'lambda_' parameter .* must be a float in the range"),
        ({"lambda_": "big"}, "'lambda_' parameter .* Got 'big'"),
        ({"regularization": "l3"}, "'regularization' parameter"),
        ({"solver": "sgd"}, "'solver' parameter"),
        ({"l1_ratio": 1.5}, r"'l1_ratio' parameter .* range \[0.0, 1.0\]"),
        ({"l1_ratio": -0.1}, "'l1_ratio' parameter"),
        ({"num_iter": 0}, "'num_iter' parameter .* range \\[1, inf\\)"),
        ({"lr": 0.0}, "'lr' parameter .* range \\(0.0, inf\\)"),
        ({"tol": -1e-3}, "'tol' parameter"),
        ({"class_weight": "auto"}, "'class_weight' parameter"),
        (
            {"solver": "newton-cg", "regularization": "l1"},
            "solver='newton-cg' does not support regularization='l1'",
        ),
        (
            {"solver": "newton-cg", "regularization": "elasticnet"},
            "solver='newton-cg' does not support regularization='elasticnet'",
        ),
    ],
)
def test_bad_parameters_are_named(params, match):
    X, y = make_data()
    before = checksum(X, y)
    with pytest.raises(ValueError, match=match):
        RegularizedLogisticRegression(**params).fit(X, y)
    assert checksum(X, y) == before


def _with(X, index, value):
    X = X.copy()
    X[index] = value
    return X


@pytest.mark.parametrize(
    "case, match",
    [
        ("one_class", r"y has only one class \(1\)"),
        ("continuous_y", "Unknown label type: continuous"),
        ("length_mismatch", "inconsistent numbers of samples"),
        ("nan_X", "Input X contains NaN"),
        ("inf_X", "Input X contains infinity"),
        ("negative_weight", "Negative values in data passed to `sample_weight`"),
        (
            "zero_weights",
            "(Sample weights must contain at least one non-zero|sums to zero)",
        ),
        ("nan_weight", "Input sample_weight contains NaN"),
        ("weight_shape", r"sample_weight.shape == \(199,\), expected \(200,\)"),
    ],
)
def test_bad_data_is_named_and_untouched(case, match):
    X, y = make_data()
    sw = np.ones(len(y))
    if case == "one_class":
        y = np.ones_like(y)
    elif case == "continuous_y":
        y = np.linspace(0, 1, len(y))
    elif case == "length_mismatch":
        y = y[:-1]
    elif case == "nan_X":
        X = _with(X, (3, 1), np.nan)
    elif case == "inf_X":
        X = _with(X, (3, 1), np.inf)
    elif case == "negative_weight":
        sw[5] = -1.0
    elif case == "zero_weights":
        sw[:] = 0.0
    elif case == "nan_weight":
        sw[5] = np.nan
    elif case == "weight_shape":
        sw = sw[:-1]
    before = checksum(X, y, sw)
    with pytest.raises(ValueError, match=match):
        RegularizedLogisticRegression().fit(X, y, sample_weight=sw)
    assert checksum(X, y, sw) == before


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "decision_function"]
)
def test_feature_count_mismatch_at_predict(method):
    X, y = make_data()
    model = RegularizedLogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features, but .* is expecting 5"):
        getattr(model, method)(X[:, :4])


def test_misaligned_X_is_copied_once_not_per_product(monkeypatch):
    """An array whose data is not 8-byte aligned (as a buffer received from
    another process can be) makes numpy copy it for every BLAS product; the
    fit makes one aligned copy instead and gives the same model."""
    import sklearn_norm.linear_model._logistic as logistic

    X, y = make_classification(300, 6, random_state=0)
    buffer = np.zeros(X.nbytes + 3, dtype=np.uint8)
    misaligned = np.frombuffer(buffer, dtype=np.float64, count=X.size, offset=3)
    misaligned = misaligned.reshape(X.shape)
    misaligned[...] = X
    assert not misaligned.flags.aligned
    seen = []
    build = logistic.build_datafit

    def spy(X, *args, **kwargs):
        seen.append(X)
        return build(X, *args, **kwargs)

    monkeypatch.setattr(logistic, "build_datafit", spy)
    model = RegularizedLogisticRegression().fit(misaligned, y)
    assert seen[0].flags.aligned and not np.shares_memory(seen[0], misaligned)
    np.testing.assert_array_equal(misaligned, X)  # the input is untouched
    reference = RegularizedLogisticRegression().fit(X, y)
    np.testing.assert_array_equal(model.coef_, reference.coef_)
