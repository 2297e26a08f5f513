"""plot_path and plot_cv: the pictures checked by the data they draw, and
saved as PNG files."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.text import Annotation, Text  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.datasets import load_iris, make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler, scale  # noqa: E402

from sklearn_norm import (  # noqa: E402
    RegularizedLogisticRegression,
    RegularizedLogisticRegressionCV,
    plot_cv,
    plot_path,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GRID = np.geomspace(0.3, 1e-4, 12)
FOUR = [3, 4, 7, 11]  # informative columns of `data`


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    """Noisy, 12 features for 60 samples: the CV picks a moderate lambda_
    and the nearly unpenalized end has much larger coefficients."""
    X, y = make_classification(
        60, 12, n_informative=3, n_redundant=0, flip_y=0.15, random_state=2
    )
    return scale(X), y


@pytest.fixture(scope="module")
def fitted(data):
    return RegularizedLogisticRegressionCV("l1", lambdas=GRID, cv=3).fit(*data)


@pytest.fixture(scope="module")
def iris():
    """Standardized iris with string labels, and an L1 CV fit on it."""
    bunch = load_iris()
    X, y = scale(bunch.data), bunch.target_names[bunch.target]
    grid = [0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 3e-4]
    model = RegularizedLogisticRegressionCV("l1", lambdas=grid, cv=3).fit(X, y)
    return model, list(bunch.feature_names)


def saved_png(figure, path):
    figure.savefig(path, dpi=60)
    return path.read_bytes()[:8] == PNG_SIGNATURE


def named_lines(ax):
    """The coefficient lines drawn in colour, most important first."""
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def names_at_line_ends(ax):
    return [text.get_text() for text in ax.texts if isinstance(text, Annotation)]


def grey_lines(ax):
    collections = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(collections) <= 1, "the grey lines are one LineCollection"
    return collections[0].get_segments() if collections else []


def notes(ax):
    return [t.get_text() for t in ax.texts if not isinstance(t, Annotation)]


def bare_path(coefs, lambdas=None):
    """A logistic_path-like tuple around given coefficients."""
    coefs = np.asarray(coefs, dtype=np.float64)
    if lambdas is None:
        lambdas = np.geomspace(1.0, 1e-3, coefs.shape[0])
    return np.asarray(lambdas), coefs, np.zeros(coefs.shape[:2])


# --------------------------------------------------------------- plot_path


def test_lines_are_the_path_of_the_cv_estimator(fitted, tmp_path):
    ax = plot_path(fitted, max_labels=4)
    x = np.log10(fitted.lambdas_)
    coefs = fitted.coefs_path_[:, 0, :]
    lines = named_lines(ax)
    assert len(lines) == 4
    for line in lines:
        j = int(line.get_label()[1:])
        np.testing.assert_allclose(line.get_xdata(), x)
        np.testing.assert_allclose(line.get_ydata(), coefs[:, j])
    named = {int(line.get_label()[1:]) for line in lines}
    grey = [j for j in range(coefs.shape[1]) if j not in named]
    segments = grey_lines(ax)
    assert len(segments) == len(grey) == 8
    for segment, j in zip(segments, grey, strict=True):
        np.testing.assert_allclose(segment, np.column_stack([x, coefs[:, j]]))
    assert "(+8 others in grey)" in notes(ax)
    assert saved_png(ax.figure, tmp_path / "path.png")


def test_named_lines_are_the_largest_at_the_selected_lambda(fitted):
    ax = plot_path(fitted, max_labels=5)
    at = int(np.flatnonzero(fitted.lambdas_ == fitted.lambda_)[0])
    coefs = fitted.coefs_path_[:, 0, :]
    size = np.abs(coefs[at])
    assert 0 < np.count_nonzero(size) < 5, "some names go by entry order"
    entry = [np.flatnonzero(coefs[:, j])[0] for j in range(coefs.shape[1])]
    order = sorted(range(coefs.shape[1]), key=lambda j: (-size[j], entry[j], j))
    expected = [f"x{j}" for j in order[:5]]
    assert [line.get_label() for line in named_lines(ax)] == expected
    assert names_at_line_ends(ax) == expected


def test_named_lines_have_distinct_colour_and_style_pairs():
    rng = np.random.default_rng(0)
    coefs = rng.normal(size=(6, 1, 50))
    ax = plot_path(bare_path(coefs), max_labels=45)
    pairs = [
        (matplotlib.colors.to_hex(line.get_color()), line.get_linestyle())
        for line in named_lines(ax)
    ]
    assert len(pairs) == 45 and len(set(pairs)) == 45
    # The ten most important are solid, in ten different colours.
    assert {style for _, style in pairs[:10]} == {"-"}
    assert len({colour for colour, _ in pairs[:10]}) == 10
    # Each name is drawn in its line's colour.
    colours = [text.get_color() for text in ax.texts if isinstance(text, Annotation)]
    assert [matplotlib.colors.to_hex(c) for c in colours] == [c for c, _ in pairs]


def test_a_bare_path_ranks_at_the_smallest_lambda_ties_by_entry():
    coefs = np.zeros((4, 1, 5))
    coefs[:, 0, 0] = [0, 0, 0, 1.0]  # enters last
    coefs[:, 0, 1] = [0, 0.5, 0.8, 1.0]  # enters second, ties with x0 and x3
    coefs[:, 0, 2] = [0, 0, 0.1, 0.2]
    coefs[:, 0, 3] = [0.1, 0.5, 0.9, -1.0]  # enters first
    ax = plot_path(bare_path(coefs), max_labels=3, feature_names=list("abcde"))
    assert names_at_line_ends(ax) == ["d", "b", "a"]
    # c in grey; e, zero along the whole path, is not drawn.
    assert len(grey_lines(ax)) == 1
    assert "(1 zero throughout)" in "\n".join(notes(ax))
    assert ax.get_title() == "Regularization path"
    low, high = ax.get_ylim()
    assert low < -1.0 and high > 1.0, "a bare path shows its whole range"


def test_names_do_not_overlap(tmp_path):
    # Ten lines ending at nearly the same height.
    coefs = np.linspace(0, 1, 5)[:, None, None] * (1 + 1e-3 * np.arange(10))
    ax = plot_path(bare_path(coefs))
    ax.figure.canvas.draw()
    # Text's extent: the name without its stroke to the line end.
    names = [text for text in ax.texts if isinstance(text, Annotation)]
    boxes = [Text.get_window_extent(text) for text in names]
    assert len(boxes) == 10
    for k, box in enumerate(boxes):
        for other in boxes[k + 1 :]:
            assert not box.overlaps(other)
        assert box.x0 > ax.get_window_extent().x1, "names right of the axes"
    ax.figure.savefig(tmp_path / "stacked.png")


def test_y_range_shows_the_region_around_the_selected_lambda(fitted):
    ax = plot_path(fitted)
    low, high = ax.get_ylim()
    coefs = fitted.coefs_path_[:, 0, :]
    region = fitted.lambdas_ >= 10**-0.5 * min(fitted.lambda_min_, fitted.lambda_)
    assert low <= coefs[region].min() and coefs[region].max() <= high
    assert np.abs(coefs[-1]).max() > 2 * np.abs(coefs[region]).max()
    assert not low <= coefs[-1].min() or not coefs[-1].max() <= high, (
        "the nearly unpenalized end is clipped"
    )


def test_x_axis_and_selection_markers(fitted):
    ax = plot_path(fitted)
    assert ax.get_xlabel() == "log10(lambda_)" and ax.get_ylabel() == "coefficient"
    left, right = ax.get_xlim()
    assert left > right, "penalty decreases to the right"
    x = np.log10(fitted.lambdas_)
    assert right < x.min() < x.max() < left
    vertical = {
        line.get_xdata()[0]
        for line in ax.get_lines()
        if line.get_label().startswith("_")
        and line.get_xdata()[0] == line.get_xdata()[1]
    }
    marks = {np.log10(fitted.lambda_min_), np.log10(fitted.lambda_1se_)}
    assert marks <= vertical
    if fitted.lambda_min_ == fitted.lambda_1se_:
        assert "lambda_min = lambda_1se" in [t.strip() for t in notes(ax)]
    else:
        assert {"lambda_min", "lambda_1se"} <= {t.strip() for t in notes(ax)}


def test_titles_name_the_penalty_and_the_selected_lambda(fitted):
    ax = plot_path(fitted)
    low, high = f"{fitted.lambda_min_:.2g}", f"{fitted.lambda_1se_:.2g}"
    title = ax.get_title()
    assert title.startswith("L1 path: ")
    if low == high:
        assert title == f"L1 path: lambda_min = lambda_1se = {low} (selected)"
    else:
        assert title == f"L1 path: lambda_min = {low} (selected), lambda_1se = {high}"


def test_title_of_a_one_se_elastic_net(data):
    model = RegularizedLogisticRegressionCV(
        "elasticnet", lambdas=GRID[:6], l1_ratio=0.3, cv=3, selection="1se"
    )
    model.lambdas_ = GRID[:6]
    model.lambda_min_, model.lambda_1se_ = GRID[4], GRID[2]
    model.lambda_ = GRID[2]
    model.coefs_path_ = np.linspace(0, 1, 6)[:, None, None] * np.ones((1, 1, 3))
    model.classes_ = np.array([0, 1])
    ax = plot_path(model)
    assert ax.get_title() == (
        f"elastic-net (l1_ratio = 0.3) path: lambda_min = {GRID[4]:.2g}, "
        f"lambda_1se = {GRID[2]:.2g} (selected)"
    )


def test_a_pipeline_names_the_dataframe_columns(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=[f"col_{j}" for j in range(X.shape[1])])
    pipe = make_pipeline(
        StandardScaler(), RegularizedLogisticRegressionCV("l1", lambdas=GRID[:6], cv=3)
    ).fit(frame, y)
    ax = plot_path(pipe, max_labels=3)
    assert all(name.startswith("col_") for name in names_at_line_ends(ax))
    assert ax.get_title().startswith("L1 path: ")
    assert plot_cv(pipe).get_ylabel() == "mean held-out log-loss (lower is better)"


def test_a_pipeline_names_the_columns_of_a_column_transformer(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X[:, FOUR], columns=["age", "dose", "weight", "height"])
    columns = ColumnTransformer(
        [("num", StandardScaler(), ["age", "dose"]), ("raw", "passthrough", [2, 3])]
    )
    pipe = make_pipeline(
        columns, RegularizedLogisticRegressionCV("l2", lambdas=[1.0, 0.1, 0.01], cv=3)
    ).fit(frame, y)
    ax = plot_path(pipe)
    assert sorted(names_at_line_ends(ax)) == [
        "num__age",
        "num__dose",
        "raw__height",
        "raw__weight",
    ]
    # Given names win.
    ax = plot_path(pipe, feature_names=list("abcd"))
    assert sorted(names_at_line_ends(ax)) == list("abcd")


def test_multinomial_panels_are_named_by_class(iris, tmp_path):
    model, features = iris
    axes = plot_path(model, feature_names=features)
    assert isinstance(axes, np.ndarray) and axes.shape == (3,)
    assert [ax.get_title() for ax in axes] == [
        "class setosa",
        "class versicolor",
        "class virginica",
    ]
    figure = axes[0].figure
    assert figure.get_suptitle().startswith("L1 path: lambda_min = ")
    for k, ax in enumerate(axes):
        for line in named_lines(ax):
            j = features.index(line.get_label())
            np.testing.assert_allclose(line.get_ydata(), model.coefs_path_[:, k, j])
        assert set(names_at_line_ends(ax)) <= set(features)
    # Shared x; the tick labels under the lowest panel of each column.
    assert axes[0].get_shared_x_axes().joined(axes[0], axes[2])
    assert axes[0].get_xlabel() == "" and axes[2].get_xlabel() == "log10(lambda_)"
    assert saved_png(figure, tmp_path / "iris.png")


def test_class_selects_one_panel(iris):
    model, features = iris
    ax = plot_path(model, class_="versicolor", feature_names=features)
    assert ax.get_title().endswith("\nclass versicolor")
    for line in named_lines(ax):
        j = features.index(line.get_label())
        np.testing.assert_allclose(line.get_ydata(), model.coefs_path_[:, 1, j])
    with pytest.raises(ValueError, match="'rose' is not one of the classes.*setosa"):
        plot_path(model, class_="rose")


def test_multinomial_needs_one_axes_per_class(iris):
    model, _ = iris
    _, single = plt.subplots()
    with pytest.raises(ValueError, match="pass class_=.* or a sequence of 3 Axes"):
        plot_path(model, ax=single)
    _, three = plt.subplots(1, 3)
    drawn = plot_path(model, ax=three)
    assert list(drawn) == list(three)
    assert plot_path(model, ax=single, class_="setosa") is single


def test_a_bare_multinomial_path_has_numbered_classes():
    coefs = np.linspace(0, 1, 5)[:, None, None] * np.arange(1, 13).reshape(1, 3, 4)
    axes = plot_path(bare_path(coefs), feature_names=list("abcd"))
    assert [ax.get_title() for ax in axes] == ["class 0", "class 1", "class 2"]
    ax = plot_path(bare_path(coefs), class_=2)
    assert ax.get_title() == "Regularization path\nclass 2"
    np.testing.assert_allclose(named_lines(ax)[0].get_ydata(), coefs[:, 2, 3])


def test_two_classes_draw_the_positive_class(fitted):
    _, single = plt.subplots()
    assert plot_path(fitted, ax=single, class_=fitted.classes_[1]) is single
    with pytest.raises(ValueError, match="those of the class 1; pass class_=None"):
        plot_path(fitted, class_=fitted.classes_[0])


def test_lambda_zero_is_drawn_past_the_smallest_lambda(tmp_path):
    lambdas = np.array([1.0, 0.1, 0.01, 0.0])
    coefs = np.array([0.0, 0.5, 1.0, 2.0])[:, None, None] * np.ones((1, 1, 3))
    ax = plot_path(bare_path(coefs, lambdas))
    x = named_lines(ax)[0].get_xdata()
    np.testing.assert_allclose(x[:3], [0.0, -1.0, -2.0])
    assert x[3] == -3.0, "one grid step (a decade) past 0.01"
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    assert labels[-1] == "λ=0" and ax.get_xticks()[-1] == -3.0
    assert saved_png(ax.figure, tmp_path / "zero.png")


def test_lambda_zero_in_a_cv_estimator(data, tmp_path):
    model = RegularizedLogisticRegressionCV("l2", lambdas=[1.0, 0.1, 0.01, 0.0], cv=3)
    model.fit(data[0][:, FOUR], data[1])
    assert model.lambdas_[-1] == 0.0
    ax = plot_path(model)
    assert ax.get_xticklabels()[-1].get_text() == "λ=0"
    ax = plot_cv(model)
    x = ax.get_lines()[0].get_xdata()
    assert np.all(np.isfinite(x)) and x[-1] == -3.0
    assert saved_png(ax.figure, tmp_path / "cv_zero.png")


def test_an_all_zero_path(tmp_path):
    ax = plot_path(bare_path(np.zeros((5, 1, 4))))
    assert ax.get_ylim() == (-1.0, 1.0)
    assert "all coefficients are zero on this path" in notes(ax)
    assert named_lines(ax) == [] and len(grey_lines(ax)) == 0
    assert saved_png(ax.figure, tmp_path / "zeros.png")


def test_a_wide_path_draws_one_line_collection(tmp_path):
    rng = np.random.default_rng(1)
    coefs = np.cumsum(rng.normal(size=(20, 1, 2000)), axis=0)
    ax = plot_path(bare_path(coefs))
    assert len(named_lines(ax)) == 10
    assert len(ax.collections) == 1 and len(grey_lines(ax)) == 1990
    assert "(+1990 others in grey)" in notes(ax)
    assert saved_png(ax.figure, tmp_path / "wide.png")


def test_a_new_figure_leaves_room_for_the_names(fitted):
    ax = plot_path(fitted)
    assert ax.figure.get_figwidth() > 6.4
    _, given = plt.subplots(figsize=(7, 4.5))
    assert plot_path(fitted, ax=given, feature_names=list("abcdefghijkl")) is given


# ----------------------------------------------------------------- plot_cv


def test_plot_cv_draws_the_log_loss(fitted, tmp_path):
    _, ax = plt.subplots()
    assert plot_cv(fitted, ax=ax) is ax
    assert ax.get_ylabel() == "mean held-out log-loss (lower is better)"
    mean = -fitted.cv_scores_.mean(axis=0)
    curve = ax.get_lines()[0]
    np.testing.assert_allclose(curve.get_xdata(), np.log10(fitted.lambdas_))
    np.testing.assert_allclose(curve.get_ydata(), mean)
    error = fitted.cv_scores_.std(axis=0, ddof=1) / np.sqrt(3)
    (bars,) = ax.collections
    tops = np.array([segment[:, 1].max() for segment in bars.get_segments()])
    np.testing.assert_allclose(tops, mean + error)
    selected = _selected_point(ax)
    at = np.flatnonzero(fitted.lambdas_ == fitted.lambda_)[0]
    assert selected == (np.log10(fitted.lambda_), mean[at])
    assert ax.get_title() == (
        f"3-fold cross-validation, L1: lambda_{fitted.selection} = "
        f"{fitted.lambda_:.2g} selected"
    )
    assert saved_png(ax.figure, tmp_path / "cv.png")


def _selected_point(ax):
    (point,) = [line for line in ax.get_lines() if line.get_label() == "selected"]
    return (point.get_xdata()[0], point.get_ydata()[0])


def test_plot_cv_of_another_scorer(data):
    X, y = data
    model = RegularizedLogisticRegressionCV(
        "l1", lambdas=GRID[:6], cv=3, scoring="accuracy"
    ).fit(X, y)
    ax = plot_cv(model)
    assert ax.get_ylabel() == "mean held-out accuracy (higher is better)"
    np.testing.assert_allclose(
        ax.get_lines()[0].get_ydata(), model.cv_scores_.mean(axis=0)
    )


# ------------------------------------------------------------------ errors


def test_what_is_wrong_is_named(data, fitted):
    X, y = data
    with pytest.raises(TypeError, match="is not fitted; call fit first"):
        plot_path(RegularizedLogisticRegressionCV())
    with pytest.raises(TypeError, match="is not fitted; call fit first"):
        plot_cv(make_pipeline(StandardScaler(), RegularizedLogisticRegressionCV()))
    with pytest.raises(
        TypeError,
        match="the last step of the Pipeline is LogisticRegression, not a "
        "RegularizedLogisticRegressionCV",
    ):
        plot_path(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y))
    with pytest.raises(TypeError, match="tuple of 2 items"):
        plot_path((1, 2))
    with pytest.raises(TypeError, match="got RegularizedLogisticRegression"):
        plot_cv(RegularizedLogisticRegression().fit(X, y))
    with pytest.raises(TypeError, match="plot_cv takes a fitted"):
        plot_cv((fitted.lambdas_, fitted.coefs_path_, fitted.intercepts_path_))
    with pytest.raises(ValueError, match="feature_names has 2 names but the path"):
        plot_path(fitted, feature_names=["a", "b"])
    with pytest.raises(ValueError, match="max_labels must be >= 0"):
        plot_path(fitted, max_labels=-1)


def test_title_of_a_grouped_multinomial_path():
    X, y = load_iris(return_X_y=True)
    model = RegularizedLogisticRegressionCV(
        "l1", n_lambdas=10, cv=3, multinomial_penalty="grouped"
    ).fit(scale(X), y)
    axes = np.ravel(plot_path(model))
    assert axes.size == 3
    title = axes[0].figure.get_suptitle()
    assert title.startswith("grouped L1 path: "), title
