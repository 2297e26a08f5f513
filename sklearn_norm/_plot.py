"""Pictures of a regularization path and of a cross-validation curve, after
glmnet's ``plot(fit)`` and ``plot(cv.glmnet(...))``. matplotlib (the ``plot``
extra) is imported only when one is drawn.

Both pictures put log10(lambda_) on the x-axis, the penalty decreasing to the
right. A grid that contains ``lambda_ = 0`` (whose logarithm is -inf) has
those points drawn one grid step (at least a tenth of the grid's width) past
the smallest positive ``lambda_``, at a tick labelled "λ=0".
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .linear_model._cv_curve import cv_standard_errors
from .linear_model._logistic_cv import RegularizedLogisticRegressionCV

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

# Colours of the named lines: tab10 with black in place of its grey (the
# unnamed lines are grey). Each colour is used with each line style in turn,
# so the first 40 named lines have distinct (colour, style) pairs.
_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#000000",
    "#bcbd22",
    "#17becf",
)
_STYLES = ("-", "--", "-.", ":")
_GREY = "#c8c8c8"
_MARKER_COLOUR = "0.3"
_LABEL_SIZE = 8.0  # points, the names at the line ends
_LABEL_GAP = 1.35  # line height of stacked names, in font sizes
_ZERO_TICK = "λ=0"
# The y-range of a CV estimator's path covers the lambdas down to this
# fraction of the smaller of lambda_min_ and lambda_ (half a decade past).
_Y_RANGE_PAST = 10**-0.5
_ACCEPTS = "a fitted RegularizedLogisticRegressionCV or a fitted Pipeline ending in one"
_OR_TUPLE = ", or the (lambdas, coefs, intercepts) tuple of logistic_path"


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ImportError(
            "Plotting needs matplotlib: python -m pip install 'sklearn-norm[plot]'."
        ) from error
    return plt


# --------------------------------------------------------------------------
# What is drawn: the estimator (or path), its feature and class names.
# --------------------------------------------------------------------------


def _fitted_model(obj: Any, caller: str) -> tuple[Any, list[str] | None]:
    """``(model, feature names of the Pipeline's output or None)`` of a fitted
    ``RegularizedLogisticRegressionCV`` or a Pipeline ending in one; a
    TypeError naming what is wrong otherwise."""
    from sklearn.pipeline import Pipeline

    names = None
    if isinstance(obj, Pipeline):
        last = obj.steps[-1][1] if obj.steps else None
        if not isinstance(last, RegularizedLogisticRegressionCV):
            what = repr(last) if isinstance(last, str) or last is None else None
            raise TypeError(
                f"{caller}: the last step of the Pipeline is "
                f"{what or type(last).__name__}, not a "
                "RegularizedLogisticRegressionCV."
            )
        if not hasattr(last, "coefs_path_"):
            raise TypeError(f"{caller}: the Pipeline is not fitted; call fit first.")
        names = _pipeline_feature_names(obj)
        obj = last
    elif not isinstance(obj, RegularizedLogisticRegressionCV):
        accepts = _ACCEPTS + (_OR_TUPLE if caller == "plot_path" else "")
        raise TypeError(f"{caller} takes {accepts}; got {type(obj).__name__}.")
    if not hasattr(obj, "coefs_path_"):
        raise TypeError(
            f"{caller}: this RegularizedLogisticRegressionCV is not fitted; "
            "call fit first."
        )
    if getattr(obj, "_fitted_on", None) is not None:
        # Fitted on a GPU (array API): its paths and scores come to NumPy.
        from ._array_api import move_to_numpy

        obj = move_to_numpy(obj)
    return obj, names


def _pipeline_feature_names(pipeline) -> list[str] | None:
    """The names of the columns that reach the Pipeline's last step, or None
    where its other steps cannot say."""
    try:
        return [str(name) for name in pipeline[:-1].get_feature_names_out()]
    except Exception:  # noqa: BLE001 - any step may lack or refuse the method
        return None


@dataclass
class _Path:
    """A path to draw: ``coefs`` has shape (n_lambdas, n_outputs, n_features);
    ``model`` is the CV estimator (None for a bare path); ``classes`` are the
    class labels of the outputs (for two classes: the positive one)."""

    lambdas: np.ndarray
    coefs: np.ndarray
    model: Any
    feature_names: list[str]
    classes: list


def _read_path(path: Any, feature_names: Sequence[str] | None) -> _Path:
    """A ``_Path`` from what ``plot_path`` accepts."""
    if isinstance(path, tuple):
        lambdas, coefs = _path_tuple(path)
        model = pipeline_names = None
        labels = list(range(max(coefs.shape[1], 2)))
    else:
        model, pipeline_names = _fitted_model(path, "plot_path")
        lambdas, coefs = np.asarray(model.lambdas_), np.asarray(model.coefs_path_)
        labels = np.asarray(model.classes_).tolist()
    n_features = coefs.shape[2]
    names = _feature_names(feature_names, pipeline_names, model, n_features)
    classes = labels if coefs.shape[1] > 1 else labels[-1:]
    return _Path(lambdas, coefs, model, names, classes)


def _path_tuple(path: tuple) -> tuple[np.ndarray, np.ndarray]:
    """``(lambdas, coefs)`` of a ``logistic_path`` tuple, coefs 3-D."""
    if len(path) != 3:
        raise TypeError(
            f"plot_path takes {_ACCEPTS}{_OR_TUPLE}; got a tuple of {len(path)} items."
        )
    lambdas = np.asarray(path[0], dtype=np.float64).ravel()
    coefs = np.asarray(path[1])
    if coefs.ndim == 2:
        coefs = coefs[:, None, :]
    if coefs.ndim != 3 or coefs.shape[0] != lambdas.size:
        raise ValueError(
            "plot_path: coefs must have shape (n_lambdas, n_outputs, n_features) "
            f"with n_lambdas = {lambdas.size}; got shape {coefs.shape}."
        )
    return lambdas, coefs


def _feature_names(given, pipeline_names, model, n_features: int) -> list[str]:
    """``given``, else the Pipeline's, else the estimator's
    ``feature_names_in_``, else ``x0, x1, ...``."""
    if given is not None:
        given = [str(name) for name in given]
        if len(given) != n_features:
            raise ValueError(
                f"feature_names has {len(given)} names but the path has "
                f"{n_features} features."
            )
        return given
    for names in (pipeline_names, getattr(model, "feature_names_in_", None)):
        if names is not None and len(names) == n_features:
            return [str(name) for name in names]
    return [f"x{j}" for j in range(n_features)]


def _outputs(class_: Any, classes: list, n_outputs: int) -> list[int]:
    """The outputs (panels) to draw: all of them for ``class_=None``."""
    if n_outputs == 1:
        if class_ is None or _same(class_, classes[0]):
            return [0]
        raise ValueError(
            f"class_={class_!r}: a two-class path has one set of coefficients, "
            f"those of the class {classes[0]!r}; pass class_=None."
        )
    if class_ is None:
        return list(range(n_outputs))
    for k, label in enumerate(classes):
        if _same(class_, label):
            return [k]
    raise ValueError(f"class_={class_!r} is not one of the classes {classes!r}.")


def _same(a: Any, b: Any) -> bool:
    """Whether two class labels are equal, whatever their types."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------
# The x-axis: log10(lambda_), with lambda_ = 0 placed past the smallest one.
# --------------------------------------------------------------------------


@dataclass
class _LambdaAxis:
    """x coordinates of a grid of lambdas; ``zero_x`` is where lambda_ = 0
    is drawn (None when the grid has no zero)."""

    x: np.ndarray
    zero_x: float | None
    step: float

    @classmethod
    def of(cls, lambdas: np.ndarray) -> _LambdaAxis:
        lambdas = np.asarray(lambdas, dtype=np.float64)
        positive = lambdas > 0
        logs = np.log10(lambdas[positive])
        distinct = np.unique(logs)
        step = float(np.median(np.diff(distinct))) if distinct.size > 1 else 1.0
        x = np.zeros(lambdas.shape)
        x[positive] = logs
        if positive.all():
            return cls(x, None, step)
        if distinct.size:
            width = distinct[-1] - distinct[0]
            zero_x = float(distinct[0] - max(step, 0.1 * width))
        else:
            zero_x = 0.0
        x[~positive] = zero_x
        return cls(x, zero_x, step)

    def at(self, lambda_: float) -> float:
        """The x coordinate of one lambda_."""
        if lambda_ > 0:
            return float(np.log10(lambda_))
        return 0.0 if self.zero_x is None else self.zero_x

    def draw(self, ax: Axes) -> None:
        """x limits (decreasing penalty to the right), label, and the
        ``λ=0`` tick."""
        high, low = float(self.x.max()), float(self.x.min())
        pad = 0.02 * (high - low) if high > low else 0.5
        ax.set_xlim(high + pad, low - pad)
        ax.set_xlabel("log10(lambda_)")
        if self.zero_x is not None:
            self._zero_tick(ax, high, low)

    def _zero_tick(self, ax: Axes, high: float, low: float) -> None:
        ticks = ax.xaxis.get_major_locator().tick_values(low, high)
        room = 0.5 * max(self.step, 0.04 * (high - low))
        kept = [t for t in ticks if self.zero_x + room < t <= high + 1e-9]
        labels = list(ax.xaxis.get_major_formatter().format_ticks(kept))
        ax.set_xticks([*kept, self.zero_x], [*labels, _ZERO_TICK])


def _mark_selection(ax: Axes, axis: _LambdaAxis, model) -> None:
    """Vertical lines at ``lambda_min_`` and ``lambda_1se_``, named at the
    top."""
    marks = {"lambda_min": model.lambda_min_, "lambda_1se": model.lambda_1se_}
    if model.lambda_min_ == model.lambda_1se_:
        marks = {"lambda_min = lambda_1se": model.lambda_min_}
    for (name, value), style in zip(marks.items(), ("--", ":"), strict=False):
        x = axis.at(value)
        ax.axvline(x, color=_MARKER_COLOUR, linestyle=style, linewidth=1.0, zorder=3)
        ax.text(
            x,
            0.98,
            f" {name} ",
            transform=ax.get_xaxis_transform(),
            rotation=90,
            ha="right",
            va="top",
            fontsize=_LABEL_SIZE - 0.5,
            color=_MARKER_COLOUR,
            zorder=4,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5},
        )


def _penalty(model) -> str:
    """The penalty's name: L1, L2 or elastic-net (l1_ratio = 0.5), "grouped"
    before it for the grouped multinomial penalty."""
    if model.regularization == "elasticnet":
        name = f"elastic-net (l1_ratio = {model.l1_ratio:g})"
    else:
        name = model.regularization.upper()
    grouped = getattr(model, "multinomial_penalty", "ungrouped") == "grouped"
    if grouped and model.regularization != "l2" and len(model.classes_) > 2:
        return f"grouped {name}"
    return name


def _selection_text(model) -> str:
    """The selection, as in lambda_min = 0.0012, lambda_1se = 0.0054
    (selected)."""
    low, high = model.lambda_min_, model.lambda_1se_
    if low == high:
        return f"lambda_min = lambda_1se = {low:.2g} (selected)"
    parts = [f"lambda_min = {low:.2g}", f"lambda_1se = {high:.2g}"]
    k = 0 if model.selection == "min" else 1
    parts[k] += " (selected)"
    return ", ".join(parts) + _relaxed_text(model)


def _relaxed_text(model) -> str:
    """``, relaxed: gamma_ = 0.5`` for a relaxed lasso's CV, else ''."""
    if getattr(model, "cv_scores_relaxed_", None) is None:
        return ""
    return f", relaxed: gamma_ = {model.gamma_:g}"


# --------------------------------------------------------------------------
# plot_path
# --------------------------------------------------------------------------


def plot_path(
    path: Any,
    ax: Axes | Sequence[Axes] | None = None,
    *,
    feature_names: Sequence[str] | None = None,
    class_: Any = None,
    max_labels: int = 10,
) -> Axes | np.ndarray:
    """Plot each coefficient of a regularization path against ``log10(lambda_)``.

    The ``max_labels`` most important coefficients (largest absolute value
    at the selected ``lambda_`` of a CV estimator, at the smallest lambda of
    a bare path; ties go to the one that enters the path first) are drawn
    in distinct colour and line-style pairs and named at the right edge of
    the axes, next to where their lines end (names spread vertically so they
    do not overlap, each joined to its line end by a short stroke in the
    line's colour and style). The other non-zero coefficients are thin grey
    lines (one ``LineCollection``), counted in a note under the names;
    coefficients that are zero along the whole path are not drawn.

    For a CV estimator the y-range shows the part of the path from the
    largest lambda to half a decade past ``min(lambda_min_, lambda_)`` (plus a
    margin): lines that grow larger further along, towards the unpenalized
    end, are clipped. For a bare path the y-range is that of the whole path.

    Parameters
    ----------
    path : RegularizedLogisticRegressionCV, Pipeline or tuple
        A fitted ``RegularizedLogisticRegressionCV`` (its full-data path,
        ``lambda_min_`` and ``lambda_1se_`` marked), a fitted ``Pipeline``
        whose last step is one, or the ``(lambdas, coefs, intercepts)`` that
        ``logistic_path`` returns.

    ax : matplotlib Axes or sequence of Axes, default=None
        Where to draw; ``None`` makes a new figure. A multinomial path with
        ``class_=None`` needs one Axes per class.

    feature_names : sequence of str, default=None
        Names of the features. ``None``: the names of the columns out of the
        Pipeline's other steps (``get_feature_names_out``) when they can be
        had, else the estimator's ``feature_names_in_``, else
        ``x0, x1, ...``.

    class_ : class label, default=None
        For a multinomial path (three or more classes): the class whose
        coefficients are drawn, in one Axes; ``None`` draws one panel per
        class. A bare path's classes are ``0, 1, ...``. A two-class path has
        the coefficients of ``classes_[1]`` only: ``class_`` must be
        ``None`` or that label.

    max_labels : int, default=10
        How many lines (per panel) are named; 0 draws all in grey.

    Returns
    -------
    ax : matplotlib Axes or ndarray of Axes
        One Axes, or for a multinomial path with ``class_=None`` a 1-D array
        of one Axes per class, in the order of ``classes_``.

    Raises
    ------
    TypeError
        ``path`` is not one of the above, or is not fitted.
    ValueError
        ``feature_names`` of the wrong length, an unknown ``class_``, or
        ``ax`` not one Axes per class.

    See Also
    --------
    plot_cv : The cross-validation curve.

    Notes
    -----
    The names are placed for the axes' size and y-limits when drawn: set
    the figure size before calling.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.datasets import load_breast_cancer, load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_norm import RegularizedLogisticRegressionCV, plot_path
    >>> grid = np.geomspace(0.2, 0.002, 12)
    >>> data = load_breast_cancer(as_frame=True)
    >>> model = make_pipeline(
    ...     StandardScaler(), RegularizedLogisticRegressionCV("l1", lambdas=grid)
    ... ).fit(data.data, data.target)
    >>> ax = plot_path(model, max_labels=3)
    >>> ax.get_title().split(":")[0]
    'L1 path'
    >>> [line.get_label() for line in ax.get_lines()[:3]]
    ['worst radius', 'radius error', 'worst texture']
    >>> ax.figure.savefig("path.png")  # doctest: +SKIP

    Three classes: one panel per class, named by the class labels.

    >>> iris = load_iris()
    >>> grid = np.geomspace(0.2, 0.0002, 12)
    >>> model = RegularizedLogisticRegressionCV("l1", lambdas=grid).fit(
    ...     StandardScaler().fit_transform(iris.data), iris.target_names[iris.target]
    ... )
    >>> axes = plot_path(model, feature_names=iris.feature_names)
    >>> [ax.get_title() for ax in axes]
    ['class setosa', 'class versicolor', 'class virginica']
    """
    drawn = _read_path(path, feature_names)
    outputs = _outputs(class_, drawn.classes, drawn.coefs.shape[1])
    max_labels = _check_max_labels(max_labels)
    axes = _target_axes(ax, drawn, outputs)
    axis = _LambdaAxis.of(drawn.lambdas)
    title = _path_title(drawn.model)
    several = len(outputs) > 1
    for target, k in zip(axes, outputs, strict=True):
        _draw_panel(target, drawn, axis, drawn.coefs[:, k, :], max_labels)
        panel_title = title
        if several:
            panel_title = f"class {drawn.classes[k]}"
        elif drawn.coefs.shape[1] > 1:
            panel_title = f"{title}\nclass {drawn.classes[k]}"
        target.set_title(panel_title, fontsize="medium")
    if several:
        if ax is None:
            _label_outer(axes)
        axes[0].figure.suptitle(title)
        return axes
    return axes[0]


def _check_max_labels(max_labels: Any) -> int:
    if isinstance(max_labels, bool) or not isinstance(max_labels, int | np.integer):
        raise TypeError(f"max_labels must be an int; got {max_labels!r}.")
    if max_labels < 0:
        raise ValueError(f"max_labels must be >= 0; got {max_labels}.")
    return int(max_labels)


def _path_title(model) -> str:
    if model is None:
        return "Regularization path"
    return f"{_penalty(model)} path: {_selection_text(model)}"


def _target_axes(ax, drawn: _Path, outputs: list[int]) -> np.ndarray:
    """One Axes per output to draw: ``ax``'s or those of a new figure."""
    if ax is None:
        return _new_axes(len(outputs), _label_width(drawn.feature_names))
    if len(outputs) == 1:
        if not hasattr(ax, "plot"):
            raise ValueError(
                "plot_path: ax must be one matplotlib Axes when one class is drawn."
            )
        return _object_array([ax])
    given = [] if hasattr(ax, "plot") else list(np.ravel(np.asarray(ax, dtype=object)))
    if len(given) != len(outputs) or not all(hasattr(a, "plot") for a in given):
        raise ValueError(
            f"plot_path: this path has {len(outputs)} classes "
            f"{drawn.classes!r}; pass class_=<one of them> to draw one class in "
            f"ax, or a sequence of {len(outputs)} Axes (or ax=None)."
        )
    return _object_array(given)


def _object_array(items: list) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _label_width(names: Sequence[str]) -> float:
    """Inches of figure width for the names at the line ends."""
    longest = max((len(name) for name in names), default=0)
    return min(0.45 + 0.075 * longest, 3.5)


def _new_axes(n_panels: int, label_width: float) -> np.ndarray:
    """A new figure (constrained layout) with one panel, or a grid of
    panels with a shared x-axis; its Axes in a 1-D array."""
    plt = _pyplot()
    if n_panels == 1:
        figure = plt.figure(figsize=(6.4 + label_width, 4.8), layout="constrained")
        return _object_array([figure.add_subplot()])
    ncols = 2 if n_panels <= 4 else 3
    nrows = -(-n_panels // ncols)
    figure = plt.figure(
        figsize=(ncols * (3.4 + label_width), 0.6 + nrows * 2.7),
        layout="constrained",
    )
    grid = figure.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    for extra in grid[n_panels:]:
        extra.remove()
    return _object_array(list(grid[:n_panels]))


def _label_outer(axes: np.ndarray) -> None:
    """In a grid of panels, x tick labels and label only under the lowest
    panel of each column, the y label only in the first column."""
    specs = [target.get_subplotspec() for target in axes]
    for target, spec in zip(axes, specs, strict=True):
        below = any(
            other.colspan.start == spec.colspan.start
            and other.rowspan.start > spec.rowspan.start
            for other in specs
        )
        target.tick_params(labelbottom=not below)
        if below:
            target.set_xlabel("")
        if spec.colspan.start > 0:
            target.set_ylabel("")


def _draw_panel(
    ax: Axes, drawn: _Path, axis: _LambdaAxis, coefs: np.ndarray, max_labels: int
) -> None:
    """The path of one output, coefs of shape (n_lambdas, n_features)."""
    model, x = drawn.model, axis.x
    at = len(x) - 1 if model is None else _index_of(drawn.lambdas, model.lambda_)
    nonzero = np.flatnonzero(np.any(coefs != 0, axis=0))
    order = _ranking(coefs, at, nonzero)
    named, grey = order[:max_labels], np.sort(order[max_labels:])
    _draw_grey(ax, x, coefs[:, grey])
    lines = _draw_named(ax, x, coefs[:, named], [drawn.feature_names[j] for j in named])
    ax.axhline(0.0, color="0.5", linewidth=0.6, zorder=1.5)
    axis.draw(ax)
    ax.set_ylabel("coefficient")
    ax.set_ylim(_y_limits(drawn.lambdas, coefs[:, nonzero], model))
    if model is not None:
        _mark_selection(ax, axis, model)
    note = _grey_note(grey.size, coefs.shape[1] - nonzero.size)
    _name_line_ends(ax, lines, note)
    if nonzero.size == 0:
        ax.text(
            0.5,
            0.53,
            "all coefficients are zero on this path",
            color="0.3",
            transform=ax.transAxes,
            ha="center",
            va="bottom",
        )


def _draw_named(
    ax: Axes, x: np.ndarray, coefs: np.ndarray, names: list[str]
) -> list[Line2D]:
    """One line per column of ``coefs``, each its own colour and style."""
    pairs = _line_styles(len(names))
    return [
        ax.plot(x, y, color=colour, linestyle=style, linewidth=1.5, label=name)[0]
        for y, name, (colour, style) in zip(coefs.T, names, pairs, strict=True)
    ]


def _index_of(lambdas: np.ndarray, value: float) -> int:
    """The index of the grid point nearest ``value``."""
    return int(np.argmin(np.abs(np.asarray(lambdas, dtype=np.float64) - value)))


def _ranking(coefs: np.ndarray, at: int, candidates: np.ndarray) -> np.ndarray:
    """``candidates`` by decreasing |coef| at row ``at``; ties by the row
    where they first differ from zero, then by column."""
    values = np.abs(coefs[at, candidates])
    entry = np.argmax(coefs[:, candidates] != 0, axis=0)
    return candidates[np.lexsort((candidates, entry, -values))]


def _line_styles(n: int) -> list[tuple[Any, str]]:
    """``n`` distinct (colour, line style) pairs: the 10 colours solid, then
    dashed, dash-dotted and dotted; past 40, colours of their own."""
    pairs = []
    for i in range(n):
        style = _STYLES[(i // len(_COLOURS)) % len(_STYLES)]
        if i < len(_COLOURS) * len(_STYLES):
            pairs.append((_COLOURS[i % len(_COLOURS)], style))
        else:
            hue = (0.6180339887 * i) % 1.0
            pairs.append((colorsys.hsv_to_rgb(hue, 0.85, 0.7), style))
    return pairs


def _draw_grey(ax: Axes, x: np.ndarray, coefs: np.ndarray) -> None:
    """The unnamed lines as one thin light-grey ``LineCollection``."""
    if coefs.shape[1] == 0:
        return
    from matplotlib.collections import LineCollection

    segments = np.empty((coefs.shape[1], x.size, 2))
    segments[:, :, 0] = x
    segments[:, :, 1] = coefs.T
    ax.add_collection(
        LineCollection(segments, colors=_GREY, linewidths=0.6, zorder=1),
        autolim=False,
    )


def _y_limits(lambdas: np.ndarray, coefs: np.ndarray, model) -> tuple[float, float]:
    """The coefficients' range (with 0) over the rows shown, plus 6 %; for a
    CV estimator the rows down to half a decade past ``min(lambda_min_,
    lambda_)``. (-1, 1) when all are zero."""
    if model is not None:
        cutoff = _Y_RANGE_PAST * min(model.lambda_min_, model.lambda_)
        coefs = coefs[np.asarray(lambdas) >= cutoff]
    values = coefs[np.isfinite(coefs)]
    low = float(values.min(initial=0.0))
    high = float(values.max(initial=0.0))
    if high == low:
        return -1.0, 1.0
    margin = 0.06 * (high - low)
    return float(low - margin), float(high + margin)


def _grey_note(n_grey: int, n_zero: int) -> str:
    """The note under the names: (+N others in grey), and how many are zero
    along the whole path."""
    parts = [f"(+{n_grey} others in grey)"] if n_grey else []
    if n_zero:
        parts.append(f"({n_zero} zero throughout)")
    return "\n".join(parts)


def _name_line_ends(ax: Axes, lines: list[Line2D], note: str) -> None:
    """Name each line at the right edge of the axes, at the height where it
    ends (clipped to the y-limits), names spread so they do not overlap;
    ``note`` under them, at the bottom."""
    from matplotlib.transforms import offset_copy

    low, high = ax.get_ylim()
    ends = np.array([line.get_ydata()[-1] for line in lines], dtype=np.float64)
    targets = np.clip((np.nan_to_num(ends) - low) / (high - low), 0.0, 1.0)
    height = ax.get_window_extent().height * 72.0 / ax.figure.dpi
    gap = _LABEL_GAP * _LABEL_SIZE / max(height, 1.0)
    bottom = gap * (note.count("\n") + 1.5) if note else 0.0
    heights = _spread(targets, gap, bottom, 1.0 - gap / 2)
    text_at = offset_copy(ax.transAxes, fig=ax.figure, x=16, units="points")
    for line, target, y in zip(lines, targets, heights, strict=True):
        ax.annotate(
            line.get_label(),
            xy=(1.0, target),
            xycoords=ax.transAxes,
            xytext=(1.0, y),
            textcoords=text_at,
            ha="left",
            va="center",
            fontsize=_LABEL_SIZE,
            color=line.get_color(),
            annotation_clip=False,
            arrowprops={
                "arrowstyle": "-",
                "color": line.get_color(),
                "linestyle": line.get_linestyle(),
                "linewidth": 1.2,
                "shrinkA": 1.0,
                "shrinkB": 0.0,
                "relpos": (0.0, 0.5),
            },
        )
    if note:
        ax.text(
            1.0,
            0.0,
            note,
            transform=offset_copy(ax.transAxes, fig=ax.figure, x=4, units="points"),
            ha="left",
            va="bottom",
            fontsize=_LABEL_SIZE,
            color="0.45",
        )


def _spread(targets: np.ndarray, gap: float, low: float, high: float) -> np.ndarray:
    """Heights as near ``targets`` as can be (least squares) with ``gap``
    between neighbours, within [low, high]: an isotonic regression of the
    sorted targets less their rank times ``gap``."""
    from sklearn.isotonic import isotonic_regression

    n = targets.size
    if n == 0:
        return targets
    gap = min(gap, (high - low) / max(n - 1, 1))
    order = np.argsort(targets, kind="stable")
    steps = gap * np.arange(n)
    fitted = isotonic_regression(
        targets[order] - steps, y_min=low, y_max=high - steps[-1]
    )
    heights = np.empty(n)
    heights[order] = fitted + steps
    return heights


# --------------------------------------------------------------------------
# plot_cv
# --------------------------------------------------------------------------


def plot_cv(model: Any, ax: Axes | None = None) -> Axes:
    """Plot the mean held-out score against ``log10(lambda_)``, with error bars
    of one standard error, ``lambda_min_`` and ``lambda_1se_`` marked and
    the selected point circled. For a relaxed lasso (``relax=True``) the
    curve is that of the selected ``gamma_``, with the penalized fits'
    curve in grey.

    The default scoring (``scoring=None``, the negated log-loss) and the
    other ``neg_...`` scorers are drawn as the positive loss, lower is
    better.

    Parameters
    ----------
    model : RegularizedLogisticRegressionCV or Pipeline
        A fitted ``RegularizedLogisticRegressionCV``, or a fitted Pipeline
        whose last step is one.

    ax : matplotlib Axes, default=None
        Where to draw; ``None`` makes a new figure.

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    TypeError
        ``model`` is not one of the above, or is not fitted.

    See Also
    --------
    plot_path : The regularization path.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_norm import RegularizedLogisticRegressionCV, plot_cv
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> grid = np.geomspace(0.2, 0.0002, 16)
    >>> model = RegularizedLogisticRegressionCV("l1", lambdas=grid, selection="1se")
    >>> ax = plot_cv(model.fit(scale(X), y))
    >>> ax.get_ylabel()
    'mean held-out log-loss (lower is better)'
    >>> ax.get_title()
    '5-fold cross-validation, L1: lambda_1se = 0.005 selected'
    >>> ax.figure.savefig("cv.png")  # doctest: +SKIP
    """
    model, _ = _fitted_model(model, "plot_cv")
    if ax is None:
        ax = _pyplot().figure(figsize=(7.0, 4.8), layout="constrained").add_subplot()
    axis = _LambdaAxis.of(model.lambdas_)
    sign, name, better = _score_kind(model.scoring)
    raw = np.asarray(model.cv_scores_, dtype=np.float64)
    relaxed = getattr(model, "cv_scores_relaxed_", None)
    if relaxed is not None:
        # The curve of the selected blend; the penalized one (gamma = 1)
        # thin, for comparison.
        g = int(np.flatnonzero(model.gammas_ == model.gamma_)[0])
        if model.gamma_ != 1.0:
            ax.plot(
                axis.x,
                sign * raw.mean(axis=0),
                "-",
                color="#999999",
                linewidth=1.0,
                label="penalized fits (gamma = 1)",
            )
        raw = np.asarray(relaxed[:, g, :], dtype=np.float64)
    scores = sign * raw
    mean, error = scores.mean(axis=0), cv_standard_errors(scores)
    ax.errorbar(
        axis.x,
        mean,
        yerr=error,
        fmt="o-",
        color="#1f77b4",
        ecolor="#8fbbd9",
        markersize=3.5 if axis.x.size <= 60 else 2.0,
        linewidth=1.2,
        capsize=2,
        label="mean ± 1 standard error",
    )
    chosen = _index_of(model.lambdas_, model.lambda_)
    ax.plot(
        axis.x[chosen],
        mean[chosen],
        "o",
        markersize=10,
        markerfacecolor="none",
        markeredgecolor="#d62728",
        markeredgewidth=2,
        label="selected",
        zorder=5,
    )
    axis.draw(ax)
    ax.set_ylim(_cv_limits(mean, error))
    _mark_selection(ax, axis, model)
    ax.set_ylabel(f"mean held-out {name} ({better} is better)")
    n_folds = scores.shape[0]
    ax.set_title(
        f"{n_folds}-fold cross-validation, {_penalty(model)}: "
        f"lambda_{model.selection} = {model.lambda_:.2g} selected"
        + _relaxed_text(model),
        fontsize="medium",
    )
    if relaxed is not None and model.gamma_ != 1.0:
        ax.legend(
            [ax.lines[0], ax.containers[0]],
            ["penalized fits (gamma = 1)", f"relaxed, gamma = {model.gamma_:g}"],
            fontsize="small",
            loc="upper right",
        )
    return ax


def _cv_limits(mean: np.ndarray, error: np.ndarray) -> tuple[float, float]:
    """The range of the error bars (finite ones), plus 5 %."""
    ends = np.concatenate([mean - error, mean + error])
    ends = ends[np.isfinite(ends)]
    if ends.size == 0:
        return -1.0, 1.0
    low, high = float(ends.min()), float(ends.max())
    margin = 0.05 * (high - low) if high > low else 0.5 * max(abs(high), 1.0)
    return low - margin, high + margin


def _score_kind(scoring: Any) -> tuple[float, str, str]:
    """``(sign, name, "lower" or "higher")``: losses (``neg_...`` scorers,
    the default one) are drawn positive."""
    if scoring is None:
        return -1.0, "log-loss", "lower"
    if isinstance(scoring, str):
        if scoring.startswith("neg_"):
            name = scoring[4:]
            return -1.0, "log-loss" if name == "log_loss" else name, "lower"
        return 1.0, scoring, "higher"
    return 1.0, "score", "higher"
