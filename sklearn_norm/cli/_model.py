"""The command line's model: a scikit-learn Pipeline that parses raw cells,
imputes (``--missing impute``), one-hot encodes text columns, scales and
fits ``RegularizedLogisticRegressionCV``; its coefficients on the scale of
the input columns; its cross-validated accuracy at the selected ``lambda_``;
and the saved bundle that ``sklearn-norm predict`` (or Python) loads.

A saved model is a dict written with ``joblib.dump``::

    import joblib
    import numpy as np

    saved = joblib.load("model.joblib")
    saved["columns"]  # the input columns the model needs, in this order
    rows = np.array([["3.1", "yes", 12]], dtype=object)  # raw cells, or numbers
    saved["pipeline"].predict(rows)  # class labels, as in saved["classes"]
    saved["pipeline"].predict_proba(rows)  # one column per class

Its keys: ``pipeline`` (the fitted Pipeline: it takes a 2-D array of raw
values, text or numbers, one column per name in ``columns``), ``columns``,
``text_columns`` (those one-hot encoded), ``target``, ``classes``,
``missing`` (the ``--missing`` policy of the fit: only ``"impute"`` fills
missing cells when predicting), ``scale``, ``feature_names`` (the encoded
columns the coefficients belong to) and ``version`` (of sklearn-norm).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from ..linear_model._logistic import RegularizedLogisticRegression
from ..linear_model._logistic_cv import RegularizedLogisticRegressionCV
from ..normalize._transformers import L2Normalizer
from ._data import Dataset
from ._table import numbers_from_cells, text_from_cells

# Above this many cells (rows x encoded columns) one-hot data stays sparse,
# and standardization then scales without centring.
DENSE_LIMIT = 20_000_000
SCALES = ("standard", "l2", "none")


@dataclass
class Settings:
    """The model options of the command line."""

    regularization: str = "l1"
    l1_ratio: float = 0.5
    n_lambdas: int | None = None  # the estimator's default
    folds: int = 5
    selection: str = "1se"
    class_weight: str | None = None
    scale: str = "standard"
    missing: str = "error"
    n_jobs: int | None = None
    verbose: int = 0

    def folds_splitter(self) -> StratifiedKFold:
        return StratifiedKFold(self.folds, shuffle=True, random_state=0)


def is_sparse(data: Dataset) -> bool:
    """Whether the encoded data would be kept sparse (many one-hot columns)."""
    width = len(data.columns) - sum(data.text) + sum(data.levels.values())
    return data.X.shape[0] * width > DENSE_LIMIT and any(data.text)


def preprocessing(data: Dataset, settings: Settings) -> list[tuple[str, object]]:
    """The Pipeline steps before the model: columns, then scaling."""
    sparse_output = is_sparse(data)
    numeric = [j for j, text in enumerate(data.text) if not text]
    text = [j for j, is_text in enumerate(data.text) if is_text]
    impute = settings.missing == "impute"
    parts = []
    if numeric:
        commas = [data.decimal_comma[j] for j in numeric]
        steps = [
            FunctionTransformer(numbers_from_cells, kw_args={"decimal_comma": commas})
        ]
        if impute:
            steps.append(SimpleImputer(strategy="median", keep_empty_features=True))
        parts.append(("numbers", make_pipeline(*steps), numeric))
    if text:
        steps = [FunctionTransformer(text_from_cells)]
        if impute:
            steps.append(SimpleImputer(strategy="most_frequent"))
        steps.append(
            OneHotEncoder(handle_unknown="ignore", sparse_output=sparse_output)
        )
        parts.append(("text", make_pipeline(*steps), text))
    columns = ColumnTransformer(parts, sparse_threshold=1.0 if sparse_output else 0.0)
    return [("columns", columns), ("scale", _scaler(settings.scale, sparse_output))]


def _scaler(scale: str, sparse_output: bool) -> object:
    if scale == "standard":
        return StandardScaler(with_mean=not sparse_output)
    if scale == "l2":
        return L2Normalizer(axis=0)
    return "passthrough"


def cv_estimator(settings: Settings) -> RegularizedLogisticRegressionCV:
    return RegularizedLogisticRegressionCV(
        settings.regularization,
        n_lambdas=settings.n_lambdas,
        l1_ratio=settings.l1_ratio,
        cv=settings.folds_splitter(),
        selection=settings.selection,
        class_weight=settings.class_weight,
        n_jobs=settings.n_jobs,
        verbose=settings.verbose,
    )


def fit_pipeline(data: Dataset, settings: Settings) -> Pipeline:
    """The fitted Pipeline: preprocessing and the CV estimator."""
    steps = [*preprocessing(data, settings), ("model", cv_estimator(settings))]
    return Pipeline(steps).fit(data.X, data.y)


def feature_names(pipeline: Pipeline, data: Dataset) -> list[str]:
    """Names of the encoded columns: number columns, then ``column=level``."""
    names = [c for c, text in zip(data.columns, data.text, strict=True) if not text]
    columns = pipeline.named_steps["columns"]
    if "text" in columns.named_transformers_:
        encoder = columns.named_transformers_["text"][-1]
        text = [
            c for c, is_text in zip(data.columns, data.text, strict=True) if is_text
        ]
        for name, levels in zip(text, encoder.categories_, strict=True):
            names += [f"{name}={level}" for level in levels]
    return names


def original_scale(pipeline: Pipeline) -> tuple[np.ndarray, np.ndarray]:
    """``(coef, intercept)`` on the encoded columns before scaling: the
    scaling maps column ``j`` to ``a_j x_j + c_j`` (standardization,
    column norms or nothing), so the model's ``w @ (a x + c) + b`` is
    ``(w a) @ x + (w @ c + b)``."""
    model = pipeline.named_steps["model"]
    scale = pipeline.named_steps["scale"]
    p = model.coef_.shape[1]
    if scale == "passthrough":
        slope, offset = np.ones(p), np.zeros(p)
    else:
        offset = np.asarray(scale.transform(np.zeros((1, p))))[0]
        slope = np.asarray(scale.transform(np.ones((1, p))))[0] - offset
    coef = model.coef_ * slope
    intercept = model.intercept_ + model.coef_ @ offset
    return coef, intercept


def column_spread(encoded: object) -> np.ndarray:
    """Standard deviation (ddof=0) of each encoded column, dense or sparse."""
    if sparse.issparse(encoded):
        mean = np.asarray(encoded.mean(axis=0)).ravel()
        square = np.asarray(encoded.multiply(encoded).mean(axis=0)).ravel()
        return np.sqrt(np.maximum(square - mean**2, 0.0))
    return np.asarray(encoded).std(axis=0)


@dataclass
class Metric:
    """Mean over folds and its standard error."""

    mean: float
    error: float

    def __str__(self) -> str:
        return f"{self.mean:.3f} +/- {self.error:.3f}"


def cv_metrics(data: Dataset, settings: Settings, lambda_: float) -> dict[str, Metric]:
    """Out-of-fold accuracy (and ROC AUC for two classes) at ``lambda_``, with
    the folds of the fit; preprocessing is fitted within each fold."""
    model = RegularizedLogisticRegression(
        settings.regularization,
        lambda_=lambda_,
        l1_ratio=settings.l1_ratio,
        class_weight=settings.class_weight,
    )
    pipeline = Pipeline([*preprocessing(data, settings), ("model", model)])
    scoring = {"accuracy": "accuracy"}
    if np.unique(data.y).size == 2:
        scoring["ROC AUC"] = "roc_auc"
    scores = cross_validate(
        pipeline,
        data.X,
        data.y,
        cv=settings.folds_splitter(),
        scoring=scoring,
        n_jobs=settings.n_jobs,
    )
    return {name: _metric(scores[f"test_{name}"]) for name in scoring}


def _metric(values: np.ndarray) -> Metric:
    error = values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else 0.0
    return Metric(float(values.mean()), float(error))


def bundle(pipeline: Pipeline, data: Dataset, settings: Settings, version: str) -> dict:
    """What ``--save-model`` writes (see the module docstring)."""
    return {
        "pipeline": pipeline,
        "columns": list(data.columns),
        "text_columns": [c for c, t in zip(data.columns, data.text, strict=True) if t],
        "target": data.target,
        "classes": pipeline.classes_.tolist(),
        "missing": settings.missing,
        "scale": settings.scale,
        "feature_names": feature_names(pipeline, data),
        "version": version,
    }


def unknown_levels(saved: dict, X: np.ndarray) -> dict[str, int]:
    """Per text column, how many rows hold a value the fit never saw."""
    columns = saved["pipeline"].named_steps["columns"]
    if "text" not in columns.named_transformers_:
        return {}
    encoder = columns.named_transformers_["text"][-1]
    counts = {}
    for name, levels in zip(saved["text_columns"], encoder.categories_, strict=True):
        j = saved["columns"].index(name)
        cells = text_from_cells(X[:, [j]])[:, 0]
        known = set(levels.tolist())
        n = sum(1 for c in cells if isinstance(c, str) and c not in known)
        if n:
            counts[name] = n
    return counts


def class_names(classes: Sequence[object]) -> list[str]:
    """Plain-text class labels."""
    return [str(c) for c in classes]
