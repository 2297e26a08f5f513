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

from sklearn_norm import L1Normalizer, L2Normalizer

ESTIMATORS = [
    L1Normalizer(),
    L1Normalizer(axis=0),
    L2Normalizer(),
    L2Normalizer(axis=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# Checks that parametrize_with_checks leaves out of its default run.
EXTRA_CHECKS = [
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
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
@pytest.mark.parametrize("check", EXTRA_CHECKS, ids=lambda c: c.__name__)
def test_extra_sklearn_checks(estimator, check):
    check(type(estimator).__name__, estimator)
