"""logistic_path: every point equals a single fit; the default grid."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklearn_norm import RegularizedLogisticRegression, lambda_max, logistic_path


def make_data(n_classes=2, n_samples=120, n_features=8, seed=0):
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=4,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=seed,
    )
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("regularization", ["l1", "l2", "elasticnet"])
def test_every_point_equals_a_single_fit(regularization, n_classes, sparse):
    X, y = make_data(n_classes)
    X = sp.csr_array(X) if sparse else X
    lambdas, coefs, intercepts = logistic_path(
        X, y, regularization=regularization, n_lambdas=8, l1_ratio=0.3, tol=1e-10
    )
    n_outputs = 1 if n_classes == 2 else n_classes
    assert coefs.shape == (8, n_outputs, 8) and intercepts.shape == (8, n_outputs)
    for lambda_, coef, intercept in zip(lambdas, coefs, intercepts, strict=True):
        single = RegularizedLogisticRegression(
            regularization, lambda_, l1_ratio=0.3, tol=1e-10
        ).fit(X, y)
        # Both satisfy KKT <= 1e-10; at the smallest lambdas the curvature is
        # about 1e-4 (nearly separable: coefficients ~20), so they agree to
        # about 1e-6 relative.
        np.testing.assert_allclose(
            coef, single.coef_, rtol=1e-6, atol=1e-6, err_msg=f"coef at {lambda_}"
        )
        np.testing.assert_allclose(
            intercept, single.intercept_, rtol=1e-6, atol=1e-6, err_msg=f"at {lambda_}"
        )
        # Exact zeros agree too (a working-set path must not leave stale ones).
        np.testing.assert_array_equal(coef == 0, single.coef_ == 0)


def test_default_tol_points_are_as_precise_as_single_fits():
    X, y = make_data(2, n_samples=300, n_features=20)
    lambdas, coefs, intercepts = logistic_path(X, y, n_lambdas=10)
    for lambda_, coef, intercept in zip(lambdas, coefs, intercepts, strict=True):
        model = RegularizedLogisticRegression("l1", lambda_, tol=1e-12).fit(X, y)
        optimum = model.objective_
        z = X @ coef[0] + intercept[0]
        value = np.mean(np.logaddexp(0.0, np.where(y == 1, -z, z)))
        value += lambda_ * np.abs(coef).sum()
        assert value - optimum <= 1e-6 * optimum, f"gap at lambda_={lambda_}"


@pytest.mark.parametrize(
    "n_samples, n_features, ratio", [(200, 10, 1e-4), (30, 60, 1e-2)]
)
def test_default_grid_is_glmnets(n_samples, n_features, ratio):
    X, y = make_data(2, n_samples, n_features)
    lambdas, coefs, _ = logistic_path(X, y, n_lambdas=25)
    top = lambda_max(X, y)
    assert lambdas.shape == (25,)
    np.testing.assert_allclose(lambdas[0], top, rtol=1e-12, err_msg="starts at max")
    np.testing.assert_allclose(lambdas[-1], ratio * top, rtol=1e-12, err_msg="end")
    np.testing.assert_allclose(
        np.diff(np.log(lambdas)), np.log(ratio) / 24, rtol=1e-10, err_msg="log grid"
    )
    assert np.all(coefs[0] == 0.0), "all zero at lambda_max"
    assert np.count_nonzero(coefs[1]) >= 1, "a feature enters just below it"


def test_default_grid_tops_for_elasticnet_and_ridge():
    X, y = make_data(2)
    lambdas, coefs, _ = logistic_path(
        X, y, regularization="elasticnet", l1_ratio=0.4, n_lambdas=5
    )
    np.testing.assert_allclose(lambdas[0], lambda_max(X, y, l1_ratio=0.4), rtol=1e-12)
    assert np.all(coefs[0] == 0.0)
    lambdas, coefs, _ = logistic_path(X, y, regularization="l2", n_lambdas=5)
    # glmnet's ridge convention: the top of an l1_ratio=1e-3 elastic net.
    np.testing.assert_allclose(lambdas[0], 1e3 * lambda_max(X, y), rtol=1e-12)
    assert 0 < np.max(np.abs(coefs[0])) < 1e-2, "ridge coefficients start tiny"


def test_user_grid_is_sorted_decreasing_and_dtype_kept():
    X, y = make_data(2)
    lambdas, coefs, intercepts = logistic_path(
        X.astype(np.float32), y, lambdas=[0.01, 0.1, 0.0, 0.05]
    )
    np.testing.assert_array_equal(lambdas, [0.1, 0.05, 0.01, 0.0])
    assert coefs.dtype == np.float32 and intercepts.dtype == np.float32
    assert lambdas.dtype == np.float64


def test_sample_weight_equals_repeated_rows():
    X, y = make_data(2, n_samples=60)
    weights = np.arange(60) % 3
    repeated = np.repeat(np.arange(60), weights)
    grid = [0.1, 0.01, 0.001]
    _, weighted, b_weighted = logistic_path(
        X, y, lambdas=grid, sample_weight=weights, tol=1e-10
    )
    _, expected, b_expected = logistic_path(
        X[repeated], y[repeated], lambdas=grid, tol=1e-10
    )
    np.testing.assert_allclose(weighted, expected, rtol=0, atol=1e-7)
    np.testing.assert_allclose(b_weighted, b_expected, rtol=0, atol=1e-7)


def test_no_intercept_gives_zero_intercepts():
    X, y = make_data(3)
    _, _, intercepts = logistic_path(X, y, n_lambdas=3, fit_intercept=False)
    np.testing.assert_array_equal(intercepts, 0.0)


def test_convergence_warning_names_the_lambdas():
    X, y = make_data(2)
    with pytest.warns(
        ConvergenceWarning, match=r"did not reach tol=.* at 4 of 5 lambdas"
    ):
        logistic_path(X, y, n_lambdas=5, num_iter=1, tol=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"regularization": None}, "'regularization' parameter"),
        ({"regularization": "l3"}, "'regularization' parameter"),
        ({"lambdas": [0.1, -1.0]}, "lambdas must be finite and non-negative"),
        ({"lambdas": [0.1, np.nan]}, "lambdas must be finite and non-negative"),
        ({"lambdas": [[0.1, 0.2]]}, r"lambdas must be a non-empty 1-D array"),
        ({"lambdas": []}, r"lambdas must be a non-empty 1-D array"),
        ({"lambdas": ["a"]}, "lambdas must be numbers"),
        ({"n_lambdas": 0}, "'n_lambdas' parameter"),
        ({"lambda_min_ratio": 1.0}, "'lambda_min_ratio' parameter"),
        ({"l1_ratio": 2.0}, "'l1_ratio' parameter"),
        ({"tol": -1.0}, "'tol' parameter"),
        ({"num_iter": 0}, "'num_iter' parameter"),
    ],
)
def test_bad_parameters_are_named(kwargs, match):
    X, y = make_data(2)
    X_before, y_before = X.copy(), y.copy()
    with pytest.raises(ValueError, match=match):
        logistic_path(X, y, **kwargs)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


@pytest.mark.parametrize("tol", [1e-8, 1e-3])
@pytest.mark.parametrize("regularization", ["l1", "l2"])
def test_a_path_continued_from_its_state_equals_one_path(regularization, tol):
    # The CV estimator extends its grid by continuing paths: the points must
    # be those of one uninterrupted path over the whole grid (at a loose tol
    # too, where the path may have lowered its extrapolation order).
    from sklearn_norm.linear_model._fit import build_datafit
    from sklearn_norm.linear_model._path import default_lambdas, fit_path

    X, y = make_data(3)
    _, datafit = build_datafit(X, y, None, None, True)
    grid = default_lambdas(datafit, regularization, 0.5, 12, None)
    whole = fit_path(datafit, regularization, grid, 0.5, tol, 1000)
    first = fit_path(datafit, regularization, grid[:7], 0.5, tol, 1000)
    rest = fit_path(
        datafit, regularization, grid[7:], 0.5, tol, 1000, state=first.state
    )
    np.testing.assert_array_equal(
        np.concatenate([first.coefs, rest.coefs]), whole.coefs
    )
    np.testing.assert_array_equal(
        np.concatenate([first.losses, rest.losses]), whole.losses
    )


@pytest.mark.parametrize(
    "shape, n_classes, expected",
    [
        ((569, 30), 2, "prox-newton"),  # 19 rows per parameter
        ((4000, 50), 2, "orthant-newton"),  # 78 rows per parameter
        ((2000, 30), 3, "prox-newton"),  # multinomial, 93 parameters
        ((500, 400), 2, "orthant-newton"),  # 401 parameters: not small
    ],
)
def test_path_solver_follows_the_model_size(shape, n_classes, expected, monkeypatch):
    # Small models take prox-newton, as single fits do, but binary ones with
    # many rows per parameter, whose warm-started points orthant-newton's
    # Hessian products solve faster than prox-newton forms its Hessians.
    from sklearn_norm.linear_model._fit import build_datafit
    from sklearn_norm.linear_model._path import fit_path
    from sklearn_norm.linear_model._solvers import SOLVERS

    X, y = make_classification(
        *shape, n_informative=5, n_classes=n_classes, random_state=0
    )
    _, datafit = build_datafit(X, y, None, None, True)
    used = set()
    for name in ("prox-newton", "orthant-newton"):
        original = SOLVERS[name]._solve

        def spy(self, *args, _name=name, _original=original):
            used.add(_name)
            return _original(self, *args)

        monkeypatch.setattr(SOLVERS[name], "_solve", spy)
    fit_path(datafit, "l1", np.array([0.1, 0.05]), 1.0, 1e-4, 100)
    assert used == {expected}


@pytest.mark.parametrize("n_classes", [2, 3])
def test_stop_early_ends_at_the_first_uninformative_point(n_classes):
    # glmnet's rule, by hand from the path's own models: from the fifth
    # point on, stop after the first that explains 99.9% of the null
    # deviance or whose explained fraction grew by less than 1e-5.
    from scipy.special import softmax
    from sklearn.metrics import log_loss

    X, y = make_classification(
        1000, 8, n_informative=3, n_redundant=0, n_classes=n_classes, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    lambdas, coefs, intercepts = logistic_path(X, y)
    null = log_loss(y, np.tile(np.bincount(y) / y.size, (y.size, 1)))
    explained = []
    for coef, intercept in zip(coefs, intercepts, strict=True):
        scores = X @ coef.T + intercept
        if n_classes == 2:
            scores = np.hstack([np.zeros_like(scores), scores])
        explained.append(1.0 - log_loss(y, softmax(scores, axis=1)) / null)
    stops = [
        i
        for i in range(4, lambdas.size)
        if explained[i] >= 0.999 or explained[i] - explained[i - 1] < 1e-5
    ]
    assert stops, "the test needs a path that stops early"
    expected = stops[0] + 1

    short, short_coefs, short_intercepts = logistic_path(X, y, stop_early=True)
    assert short.size == expected < lambdas.size
    np.testing.assert_array_equal(short, lambdas[:expected])
    np.testing.assert_array_equal(short_coefs, coefs[:expected])
    np.testing.assert_array_equal(short_intercepts, intercepts[:expected])


def test_orthant_newton_computes_no_gradient_twice_at_the_same_scores():
    # A working set of every column leaves the inner Newton loop with the
    # gradient at its final scores: the outer loop's KKT check reuses it
    # (a pass over X saved on points of a long, narrow path such as
    # randhie's). Within each point's solve, no gradient of all of X is
    # computed twice at the same scores.
    from sklearn_norm.linear_model._datafits import BinaryLogisticLoss
    from sklearn_norm.linear_model._fit import build_datafit
    from sklearn_norm.linear_model._path import default_lambdas, fit_path
    from sklearn_norm.linear_model._solvers import OrthantNewton

    X, y = make_classification(3000, 6, n_informative=4, random_state=0)
    _, datafit = build_datafit(StandardScaler().fit_transform(X), y, None, None, True)
    solves = []  # the scores of each gradient, per solve
    gradient, solve = BinaryLogisticLoss.gradient, OrthantNewton._solve

    def recording_gradient(self, z):
        if self is datafit:  # not a working set's copy of columns
            solves[-1].append(z.copy())
        return gradient(self, z)

    def recording_solve(self, *args):
        solves.append([])
        return solve(self, *args)

    grid = default_lambdas(datafit, "l1", 1.0, 30, None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BinaryLogisticLoss, "gradient", recording_gradient)
        patch.setattr(OrthantNewton, "_solve", recording_solve)
        fit_path(datafit, "l1", grid, 1.0, 1e-6, 1000)
    assert len(solves) == grid.size
    assert sum(len(scores) for scores in solves) > 2 * grid.size
    repeated = [
        sum(np.array_equal(a, b) for a, b in zip(scores, scores[1:], strict=False))
        for scores in solves
    ]
    assert sum(repeated) == 0, repeated


def test_extrapolation_order_is_the_one_that_predicted_best():
    from sklearn_norm.linear_model._path import _best_order

    solution = np.array([1.0, 2.0, 3.0])
    candidates = {
        1: (solution + 0.5, None),
        2: (solution - 0.25, None),
        3: (solution + 0.75, None),
    }
    assert _best_order(candidates, solution) == 2
    # Equally near: the higher order (the more accurate one at a tight tol).
    candidates[3] = (solution + 0.25, None)
    assert _best_order(candidates, solution) == 3
    assert _best_order({1: (solution, None)}, solution) == 1


@pytest.mark.parametrize(
    "data, regularization, cv",
    [
        ("breast_cancer", "l1", None),
        ("breast_cancer", "elasticnet", None),
        ("wine", "l1", 5),
        ("digits", "l1", None),
    ],
)
def test_a_looser_tol_costs_no_more_passes(data, regularization, cv):
    # Every point of a path is exact only to tol, and extrapolating from
    # such points amplifies their errors: with a fixed parabola, a path at
    # tol 1e-4 took 11232 passes over X against 7629 at 1e-6 (breast
    # cancer, L1), a CV at 1e-3 42563 against 17417 (wine, L1). With the
    # order chosen per point, orthant-newton's breast cancer L1 path still
    # took 6379 passes at 1e-4 against 5741 at 1e-5; its small model now
    # takes prox-newton, as a single fit does. Digits (10 classes, 620
    # parameters: orthant-newton) took 13040 passes at 1e-4 against 11283
    # at 1e-5 before the trust radius of a path's points.
    from sklearn.datasets import load_breast_cancer, load_digits, load_wine
    from sklearn.model_selection import StratifiedKFold

    from sklearn_norm import RegularizedLogisticRegressionCV
    from sklearn_norm.linear_model._datafits import counting_passes

    loader = {
        "breast_cancer": load_breast_cancer,
        "wine": load_wine,
        "digits": load_digits,
    }[data]
    X, y = loader(return_X_y=True)
    X = X[:, X.std(axis=0) > 0]  # digits: its 61 non-constant columns
    X = StandardScaler().fit_transform(X)
    passes = []
    tols = (1e-3, 1e-4, 1e-5, 1e-6)
    for tol in tols:
        with counting_passes() as count, warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)
            if cv is None:
                logistic_path(
                    X, y, regularization=regularization, l1_ratio=0.5, tol=tol
                )
            else:
                folds = StratifiedKFold(cv, shuffle=True, random_state=0)
                RegularizedLogisticRegressionCV(regularization, cv=folds, tol=tol).fit(
                    X, y
                )
        passes.append(count.passes)
    assert all(a <= b for a, b in zip(passes, passes[1:], strict=False)), (
        f"passes over X at tol {tols}: {passes}"
    )
