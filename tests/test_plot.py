"""plot_path and plot_cv: the figures are made and saved."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.preprocessing import scale  # noqa: E402

from sklearn_norm import (  # noqa: E402
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    logistic_path,
    plot_cv,
    plot_path,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(120, 6, n_informative=3, random_state=0)
    return scale(X), y


@pytest.fixture(scope="module")
def fitted(data):
    return RegularizedLogisticRegressionCV("l1", n_lambdas=15, cv=3).fit(*data)


def saved_png(ax, path):
    ax.figure.savefig(path)
    return path.read_bytes()[:8] == PNG_SIGNATURE


def test_plot_path_of_a_cv_estimator(fitted, tmp_path):
    ax = plot_path(fitted)
    lines = ax.get_lines()
    # 6 coefficients, the lambda_min and lambda_1se markers, the zero line.
    assert len(lines) == 6 + 2 + 1
    x = lines[0].get_xdata()
    np.testing.assert_allclose(x, np.log10(fitted.lambdas_))
    np.testing.assert_allclose(lines[0].get_ydata(), fitted.coefs_path_[:, 0, 0])
    markers = {tuple(line.get_xdata()) for line in lines[6:8]}
    assert markers == {
        (np.log10(fitted.lambda_min_),) * 2,
        (np.log10(fitted.lambda_1se_),) * 2,
    }
    assert ax.get_xlabel() == "log10(lambda_)" and ax.get_ylabel() == "coefficient"
    assert ax.get_xlim()[0] > ax.get_xlim()[1], "penalty decreases to the right"
    assert saved_png(ax, tmp_path / "path.png")


def test_plot_path_of_a_logistic_path_tuple_multinomial(data, tmp_path):
    X, _ = data
    y = np.arange(X.shape[0]) % 3
    ax = plot_path(logistic_path(X, y, n_lambdas=8), feature_names=list("abcdef"))
    assert len(ax.get_lines()) == 3 * 6 + 1
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert len(labels) == 10 and all("(class " in label for label in labels)
    assert saved_png(ax, tmp_path / "path3.png")


def test_plot_cv(fitted, tmp_path):
    _, ax = plt.subplots()
    assert plot_cv(fitted, ax=ax) is ax
    assert ax.get_ylabel() == "mean held-out score (neg_log_loss)"
    assert ax.get_title() == "3-fold cross-validation"
    data_line = ax.get_lines()[0]
    np.testing.assert_allclose(data_line.get_ydata(), fitted.cv_scores_.mean(axis=0))
    assert len(ax.collections) == 1, "one set of error bars"
    assert saved_png(ax, tmp_path / "cv.png")


def test_bad_arguments_are_named(data):
    unfitted = RegularizedLogisticRegressionCV()
    with pytest.raises(TypeError, match="fitted RegularizedLogisticRegressionCV"):
        plot_path(unfitted)
    with pytest.raises(TypeError, match="tuple of 2 items"):
        plot_path((1, 2))
    with pytest.raises(TypeError, match="plot_cv takes a fitted"):
        plot_cv(RegularizedLogisticRegression().fit(*data))
