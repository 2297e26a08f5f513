"""RegularizedLogisticRegression against independent references.

- scikit-learn's ``LogisticRegression(C=1 / (lambda_ * S), l1_ratio=rho)`` at
  very tight tolerance (lbfgs for smooth penalties, saga for L1/elastic-net);
- the KKT conditions, computed here from scratch with numpy;
- the objective written out here from the formula in the class docstring.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _peers import logistic_regression
from scipy.special import expit, logsumexp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

from sklearn_norm import RegularizedLogisticRegression, lambda_max

RHO = {"l2": 0.0, "l1": 1.0, "elasticnet": 0.5, None: 0.0}
SOLVERS = {
    "l2": ["lbfgs", "newton-cg", "orthant-newton"],
    None: ["lbfgs", "newton-cg", "orthant-newton"],
    "l1": ["lbfgs", "orthant-newton"],
    "elasticnet": ["lbfgs", "orthant-newton"],
}
SOLVER_PAIRS = [(r, s) for r, solvers in SOLVERS.items() for s in solvers]


def make_data(n_classes=2, n_samples=150, n_features=6, seed=0):
    """Standardized, noisy (non-separable) classification data."""
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        flip_y=0.15,
        class_sep=0.8,
        random_state=seed,
    )
    return StandardScaler().fit_transform(X), y


def sample_and_class_weights(y, weighting, seed=0):
    """(sample_weight, class_weight) for a weighting scenario."""
    rng = np.random.default_rng(seed)
    if weighting == "sample_weight":
        return rng.uniform(0.2, 3.0, size=y.shape[0]), None
    if weighting == "balanced":
        return None, "balanced"
    if weighting == "dict":
        return None, {k: 1.0 + k for k in np.unique(y)}
    return None, None


def total_weight(y, sample_weight, class_weight):
    sw = np.ones(y.shape[0]) if sample_weight is None else sample_weight
    if class_weight is None:
        return sw.sum()
    classes = np.unique(y)
    per_class = compute_class_weight(
        class_weight, classes=classes, y=y, sample_weight=sample_weight
    )
    return (sw * per_class[np.searchsorted(classes, y)]).sum()


def sklearn_reference(X, y, regularization, lambda_, fit_intercept, sw, cw):
    """scikit-learn's solution of the same objective, converged tightly."""
    S = total_weight(y, sw, cw)
    rho = RHO[regularization]
    C = np.inf if regularization is None else 1.0 / (lambda_ * S)
    smooth = rho == 0.0
    reference = logistic_regression(
        C=C,
        l1_ratio=rho,
        solver="lbfgs" if smooth else "saga",
        tol=1e-12 if smooth else 1e-13,
        max_iter=100_000,
        fit_intercept=fit_intercept,
        class_weight=cw,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return reference.fit(X, y, sample_weight=sw)


def objective(X, y, coef, intercept, regularization, lambda_, weights):
    """F(w, b) of the class docstring, with ``weights`` = s_i (unnormalized)."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    coef = np.asarray(coef, dtype=np.float64)
    z = X @ coef.T + intercept
    classes = np.unique(y)
    encoded = np.searchsorted(classes, y)
    if classes.size == 2:
        z = z[:, 0]
        loss = np.logaddexp(0.0, np.where(encoded == 1, -z, z))
    else:
        loss = logsumexp(z, axis=1) - z[np.arange(y.size), encoded]
    rho = RHO[regularization]
    lam = 0.0 if regularization is None else lambda_
    penalty = lam * (rho * np.abs(coef).sum() + (1 - rho) / 2 * (coef**2).sum())
    return weights @ loss / weights.sum() + penalty


def data_gradient(X, y, coef, intercept, weights, offset=None):
    """Gradient of the weighted mean log-loss in (coef, intercept), at the
    scores plus ``offset`` ((n,) for two classes, (n, K) otherwise)."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    classes = np.unique(y)
    encoded = np.searchsorted(classes, y)
    z = X @ np.asarray(coef, dtype=np.float64).T + intercept
    if offset is not None:
        z = z + np.reshape(offset, (y.size, -1))
    w = weights / weights.sum()
    if classes.size == 2:
        r = w * (expit(z[:, 0]) - (encoded == 1))
        return (X.T @ r)[None, :], np.array([r.sum()])
    p = np.exp(z - logsumexp(z, axis=1, keepdims=True))
    p[np.arange(y.size), encoded] -= 1.0
    r = w[:, None] * p
    return r.T @ X, r.sum(axis=0)


def s_weights(y, sw, cw):
    s = np.ones(y.shape[0]) if sw is None else np.asarray(sw, dtype=np.float64)
    if cw is not None:
        classes = np.unique(y)
        per_class = compute_class_weight(cw, classes=classes, y=y, sample_weight=sw)
        s = s * per_class[np.searchsorted(classes, y)]
    return s


def fit_tight(regularization, solver, lambda_=0.05, **params):
    return RegularizedLogisticRegression(
        regularization,
        lambda_,
        solver=solver,
        tol=1e-10,
        num_iter=100_000,
        **params,
    )


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("container", ["dense", "csr"])
@pytest.mark.parametrize("weighting", ["none", "sample_weight", "balanced", "dict"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("regularization, solver", SOLVER_PAIRS)
def test_matches_sklearn_at_tight_tolerance(
    regularization, solver, n_classes, fit_intercept, weighting, container
):
    X, y = make_data(n_classes)
    sw, cw = sample_and_class_weights(y, weighting)
    X_fit = sp.csr_array(X) if container == "csr" else X
    lam = 0.05
    ours = fit_tight(
        regularization, solver, lam, fit_intercept=fit_intercept, class_weight=cw
    ).fit(X_fit, y, sample_weight=sw)
    reference = sklearn_reference(X, y, regularization, lam, fit_intercept, sw, cw)

    assert ours.coef_.shape == reference.coef_.shape
    np.testing.assert_allclose(
        ours.coef_, reference.coef_, rtol=0, atol=1e-6, err_msg="coef_"
    )
    # scikit-learn leaves the (unidentified) common shift of multinomial
    # intercepts where its solver puts it; compare after centering.
    ref_intercept = reference.intercept_
    if n_classes > 2:
        ref_intercept = ref_intercept - ref_intercept.mean()
    np.testing.assert_allclose(
        ours.intercept_, ref_intercept, rtol=0, atol=1e-6, err_msg="intercept_"
    )
    assert ours.optimality_ <= 1e-10


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("regularization", ["l2", "l1", "elasticnet", None])
def test_gd_matches_sklearn(regularization, n_classes):
    """The seed's algorithm (proximal, fixed step 1/L) reaches the same point."""
    X, y = make_data(n_classes)
    X1 = np.column_stack([X, np.ones(len(y))])
    lipschitz = (0.25 if n_classes == 2 else 0.5) * np.linalg.norm(X1, 2) ** 2
    lipschitz /= len(y)
    ours = fit_tight(regularization, "gd", lr=1.0 / lipschitz).fit(X, y)
    reference = sklearn_reference(X, y, regularization, 0.05, True, None, None)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("regularization", ["l1", "elasticnet"])
@pytest.mark.parametrize("solver", ["lbfgs", "orthant-newton", "gd", "auto"])
def test_l1_zeros_are_exact_and_kkt_holds(regularization, solver, n_classes):
    X, y = make_data(n_classes, n_features=12, seed=3)
    lam = 0.2 * lambda_max(X, y, l1_ratio=RHO[regularization])
    model = fit_tight(regularization, solver, lam, lr=1.0).fit(X, y)
    coef, intercept = model.coef_, model.intercept_
    n_zero = np.count_nonzero(coef == 0.0)
    assert 0 < n_zero < coef.size, f"expected some exact zeros, got {n_zero}"

    rho = RHO[regularization]
    g_coef, g_intercept = data_gradient(X, y, coef, intercept, np.ones(len(y)))
    g = g_coef + lam * (1 - rho) * coef
    zero = coef == 0.0
    assert np.all(np.abs(g[zero]) <= lam * rho + 1e-9), "zero coefficients: |g| <= l1"
    np.testing.assert_allclose(
        g[~zero] + lam * rho * np.sign(coef[~zero]),
        0.0,
        atol=1e-9,
        err_msg="non-zero coefficients: g + l1 * sign(w) = 0",
    )
    np.testing.assert_allclose(g_intercept, 0.0, atol=1e-9, err_msg="intercepts")


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("regularization, solver", [*SOLVER_PAIRS, ("l2", "auto")])
def test_default_tol_is_within_1e6_of_the_optimum(regularization, solver, n_classes):
    X, y = make_data(n_classes, n_samples=400, n_features=20, seed=1)
    for lam in [1e-3, 0.05]:
        weights = np.ones(len(y))
        default = RegularizedLogisticRegression(regularization, lam, solver=solver)
        default.fit(X, y)
        best = fit_tight(regularization, solver, lam).fit(X, y)
        f_default = objective(
            X, y, default.coef_, default.intercept_, regularization, lam, weights
        )
        f_best = objective(
            X, y, best.coef_, best.intercept_, regularization, lam, weights
        )
        assert f_best <= f_default + 1e-15
        assert (f_default - f_best) <= 1e-6 * abs(f_best), (f_default, f_best)
        np.testing.assert_allclose(default.objective_, f_default, rtol=1e-12)


@pytest.mark.parametrize("container", ["dense", "csr"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("regularization, solver", SOLVER_PAIRS)
def test_float32_gives_float32_close_to_float64(
    regularization, solver, n_classes, container
):
    X, y = make_data(n_classes, n_samples=300, n_features=8)
    convert = sp.csr_array if container == "csr" else np.asarray
    model64 = fit_tight(regularization, solver).fit(convert(X), y)
    model32 = RegularizedLogisticRegression(regularization, 0.05, solver=solver)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model32.fit(convert(X.astype(np.float32)), y)
    assert model32.coef_.dtype == np.float32
    assert model32.intercept_.dtype == np.float32
    np.testing.assert_allclose(model32.coef_, model64.coef_, rtol=0, atol=1e-3)
    np.testing.assert_allclose(model32.intercept_, model64.intercept_, atol=1e-3)
    assert model32.predict_proba(X.astype(np.float32)).dtype == np.float32


def test_objective_attribute_matches_the_formula():
    X, y = make_data(3)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    model = RegularizedLogisticRegression("elasticnet", 0.03, class_weight="balanced")
    model.fit(X, y, sample_weight=sw)
    expected = objective(
        X,
        y,
        model.coef_,
        model.intercept_,
        "elasticnet",
        0.03,
        s_weights(y, sw, "balanced"),
    )
    np.testing.assert_allclose(model.objective_, expected, rtol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lambda_max_is_the_all_zero_threshold(n_classes):
    X, y = make_data(n_classes, n_features=10)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y))
    lam = lambda_max(X, y, sample_weight=sw)
    above = fit_tight("l1", "lbfgs", lam * 1.0001).fit(X, y, sample_weight=sw)
    below = fit_tight("l1", "lbfgs", lam * 0.99).fit(X, y, sample_weight=sw)
    assert np.all(above.coef_ == 0.0)
    assert np.count_nonzero(below.coef_) >= 1
    if n_classes == 2:
        # The closed form for unit weights: ||X.T (y - mean(y))||_inf / n.
        expected = np.max(np.abs(X.T @ (y - y.mean()))) / len(y)
        np.testing.assert_allclose(lambda_max(X, y), expected, rtol=1e-12)
    np.testing.assert_allclose(
        lambda_max(X, y, l1_ratio=0.5), 2 * lambda_max(X, y), rtol=1e-12
    )


def test_lambda_max_rejects_l1_ratio_zero():
    X, y = make_data()
    with pytest.raises(ValueError, match=r"'l1_ratio' parameter of lambda_max must be"):
        lambda_max(X, y, l1_ratio=0.0)
