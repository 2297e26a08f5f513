"""scikit-learn's estimator checks, with no expected failures."""

import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_global_output_transform_pandas,
    check_global_set_output_transform_polars,
    check_param_validation,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

from sklearn_norm import (
    L1Normalizer,
    L2Normalizer,
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
)

TRANSFORMERS = [
    L1Normalizer(),
    L1Normalizer(axis=0),
    L2Normalizer(),
    L2Normalizer(axis=0),
]

CLASSIFIERS = [
    RegularizedLogisticRegression("l2"),
    RegularizedLogisticRegression("l1"),
    RegularizedLogisticRegression("elasticnet"),
    # Sparse columns are scaled, not centred (here by 3 to 4 deviations):
    # the sample-weight checks' 1e-7 agreement needs a tighter tol.
    RegularizedLogisticRegression("l1", standardize=True, tol=1e-8),
    RegularizedLogisticRegression("elasticnet", lower_bounds=-1.0, upper_bounds=0.5),
    RegularizedLogisticRegression("l1", multinomial_penalty="grouped"),
    # Without a penalty the checks' data (15 samples, 30 features, three
    # classes) is separable: no minimizer exists and the fitted predictions
    # depend on where the solver stops. At its defaults (newton-cg, tol=1e-6)
    # the weighted and the repeated fits stop at the same place, to the
    # sample-weight checks' 1e-7; at tol=1e-8 and below they drift apart by
    # up to 1e-2 (L-BFGS-B, which agreed at 1e-10 with older scipy, misses
    # by 8e-9 with scipy 1.17).
    RegularizedLogisticRegression(None),
    # At its defaults: the sample-weight checks compare predictions to 1e-7
    # (and 1e-9 absolute), which the final fit's tighter tolerance gives.
    RegularizedLogisticRegressionCV(),
    # For L1 the grid stops at 0.03: below it the checks' separable data
    # leaves directions so flat (no L2 part) that KKT 1e-10 moves the scores
    # by 1e-5, and the default grid extends to such lambdas.
    RegularizedLogisticRegressionCV(
        "l1", lambdas=[0.3, 0.1, 0.03], cv=3, selection="1se", tol=1e-12
    ),
]

ESTIMATORS = TRANSFORMERS + CLASSIFIERS


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# Checks that parametrize_with_checks leaves out of its default run.
EXTRA_TRANSFORMER_CHECKS = [
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
    check_global_output_transform_pandas,
    check_global_set_output_transform_polars,
    check_dataframe_column_names_consistency,
    check_param_validation,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
]


# The set_output checks fit on a DataFrame and transform an ndarray, which makes
# scikit-learn's own transformers warn as well.
@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.filterwarnings("ignore:X has feature names, but")
@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=repr)
@pytest.mark.parametrize("check", EXTRA_TRANSFORMER_CHECKS, ids=lambda c: c.__name__)
def test_extra_transformer_checks(estimator, check):
    check(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=repr)
@pytest.mark.parametrize(
    "check",
    [check_param_validation, check_dataframe_column_names_consistency],
    ids=lambda c: c.__name__,
)
def test_extra_classifier_checks(estimator, check):
    check(type(estimator).__name__, estimator)
