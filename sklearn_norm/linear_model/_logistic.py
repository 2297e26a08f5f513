"""``RegularizedLogisticRegression``: penalized logistic regression, solved exactly.

``fit`` validates once, builds a datafit (``_datafits``) and a penalty
(``_penalties``), hands them to the solver ``make_solver`` chooses
(``_solvers``) and stores what it returns. No solver loop lives here.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted

from .._array_api import (
    arrays_to_device,
    check_same_namespace,
    namespace_of,
    placement,
    to_host,
)
from .._sklearn_compat import Interval, StrOptions, _fit_context
from .._state import VersionedStateMixin, transactional
from .._validation import (
    FLOAT_DTYPES,
    SPARSE_FORMATS,
    accuracy,
    is_dask_collection,
    resolution_note,
    validate,
    validate_logistic,
)
from . import _array_api_predict as _foreign
from ._bounds import bounds_box, check_bounds, fitted_bounds
from ._factors import check_penalty_factor, coef_weights
from ._fit import build_datafit, constant_model, effective_tol, publish_result
from ._offset import check_offset
from ._penalties import ElasticNetPenalty, penalty_groups
from ._solvers import SOLVERS, make_solver, step_bound
from ._standardize import standardized
from ._threads import blas_threads_for

if TYPE_CHECKING:
    from typing_extensions import Self

_NON_SMOOTH = ("l1", "elasticnet")


class RegularizedLogisticRegression(
    VersionedStateMixin, ClassifierMixin, BaseEstimator
):
    """Logistic regression with L1, L2 or elastic-net penalty, solved exactly.

    For two classes it minimizes over coefficients ``w`` and intercept ``b``

    .. code-block:: text

        F(w, b) = (1/S) * sum_i s_i * logloss(y_i, x_i @ w + b + offset_i)
                  + lambda_ * sum_j f_j * (rho * |w_j| + (1 - rho) / 2 * w_j^2)

    where ``s_i = sample_weight[i] * class_weight[y_i]``, ``S = sum_i s_i``
    (the loss is a weighted mean), ``offset_i`` is 0 unless ``fit`` is given
    an ``offset``, ``rho`` is 1 for ``"l1"``, 0 for ``"l2"`` and ``l1_ratio``
    for ``"elasticnet"``, the penalty factors ``f_j`` are 1 unless
    ``penalty_factor`` is given, and ``regularization=None`` drops the
    penalty. The intercept is never penalized. With K > 2 classes the loss is
    the multinomial (softmax) log-loss, ``w`` is a K x p matrix and the penalty
    sums over all of it; with ``multinomial_penalty="grouped"`` its L1 part
    is ``rho * sum_j f_j * ||w[:, j]||_2`` instead, the Euclidean norm of
    each feature's K coefficients (the L2 part is unchanged).

    scikit-learn's ``LogisticRegression(C=1 / (lambda_ * S), l1_ratio=rho)``
    has the same minimizer (without penalty factors), and so does glmnet's
    ``glmnet(x, y, lambda = lambda_, alpha = rho, standardize = FALSE)``
    (with them too: ``penalty.factor``; and ``offset``, ``lower.limits``,
    ``upper.limits``; ``type.multinomial = "grouped"``). With
    ``standardize=True`` the penalty acts on the coefficients of
    standardized columns, ``w_j * s_j`` with ``s_j`` the
    weighted standard deviation of column ``j``: glmnet's ``standardize =
    TRUE``. ``lower_bounds`` and ``upper_bounds`` restrict ``w`` to a box.

    Parameters
    ----------
    regularization : {"l2", "l1", "elasticnet"} or None, default="l2"
        The penalty: squared L2 norm, L1 norm (sparse coefficients, exact
        zeros), their mix weighted by ``l1_ratio``, or none.

    lambda_ : float, default=0.1
        Penalty strength, ``>= 0``. Larger values shrink the coefficients more.
        Tune it with ``GridSearchCV``.

    l1_ratio : float, default=0.5
        ``rho`` for ``regularization="elasticnet"``, in [0, 1]: 1 is the L1
        penalty, 0 the L2 penalty. Ignored by the other regularizations.

    penalty_factor : array-like of shape (n_features,), default=None
        A multiplier ``f_j >= 0`` of the penalty of each feature (glmnet's
        ``penalty.factor``): 0 leaves a feature unpenalized (it is never
        set to zero by the penalty, e.g. a covariate that must stay in the
        model), ``inf`` excludes it (its coefficients are 0 and its column
        is not used). As glmnet does, the factors are rescaled to sum to
        ``n_features`` (an excluded feature counts as 1), so factors that
        are all equal change nothing. ``None``: all 1.

    standardize : bool, default=False
        Fit on standardized columns, as glmnet does by default: each column
        ``x_j`` is replaced by ``(x_j - m_j) / s_j``, its mean and standard
        deviation weighted by the sample (times class) weights (without an
        intercept the columns are only scaled, as in glmnet), so the
        penalty acts on ``w_j * s_j`` and treats features of any unit
        alike. ``coef_`` and ``intercept_`` are reported on the original
        scale; a constant column gets coefficient 0. Sparse ``X`` is scaled,
        not centred (the intercept absorbs the centring), so it stays
        sparse. Costs a copy of ``X``. ``False`` (the default) fits ``X`` as
        given: scale it in a ``Pipeline`` (``StandardScaler``) as usual in
        scikit-learn.

    lower_bounds, upper_bounds : float or array-like of shape (n_features,) \
            or (n_classes, n_features), default=None
        Bounds on the coefficients, ``lower_bounds <= coef_ <=
        upper_bounds`` (glmnet's ``lower.limits``/``upper.limits``): a
        number for all, one per feature, or one per class and feature
        (``(1, n_features)`` for two classes). As in glmnet, lower bounds
        are ``<= 0`` and upper bounds ``>= 0`` (``lower_bounds=0``: non-
        negative coefficients). With any penalty; ``solver="auto"`` then
        uses ``"lbfgs"`` (``"gd"`` takes bounds too), which returns
        coefficients exactly at their bound, and ``optimality_`` measures
        the KKT conditions of the bounded problem. With ``standardize=True``
        they bound the coefficients on the original scale. None: no bound.

    multinomial_penalty : {"ungrouped", "grouped"}, default="ungrouped"
        How the L1 part treats a feature's coefficients of the K > 2
        classes: ``"ungrouped"`` penalizes each on its own (a feature may be
        used for some classes only); ``"grouped"`` penalizes the Euclidean
        norm of the K together (a group lasso, glmnet's ``type.multinomial
        = "grouped"``), so a feature is in the model for every class or for
        none: ``coef_[:, j]`` is zero as a whole. ``solver="auto"`` then uses
        ``"prox-newton"`` (``"gd"`` takes it too); no bounds. Two classes
        (one coefficient per feature) and ``"l2"`` are the same either way.

    fit_intercept : bool, default=True
        Whether to fit an (unpenalized) intercept.

    solver : {"auto", "orthant-newton", "prox-newton", "lbfgs", "newton-cg", \
            "gd"}, default="auto"
        The optimization method. All are deterministic.

        - ``"auto"``: ``"newton-cg"`` for ``"l2"`` and ``None``,
          ``"orthant-newton"`` for ``"l1"`` and ``"elasticnet"``, whatever
          the shape, sparsity or dtype of ``X``: both only use products with
          ``X`` (and its working-set columns), and were the fastest of these
          solvers on dense ``n >> p``, wide ``p >> n``, sparse and float32
          data alike (``benchmarks/bench_logistic.py``); ``"prox-newton"``
          for ``"l1"`` and ``"elasticnet"`` when the model is small (at most
          400 coefficients and intercepts: ``n_classes * n_features`` plus
          the intercepts, ``n_features + 1`` for two classes), where it
          needs far fewer steps on nearly separable data, and for
          ``multinomial_penalty="grouped"``; ``"lbfgs"`` with bounds.
        - ``"orthant-newton"``: orthant-wise Newton steps on a working set that
          grows from the all-zero start (only features that are, or are about
          to become, non-zero are ever iterated on), any regularization; made
          for sparse solutions, wide and sparse ``X``.
        - ``"prox-newton"``: proximal Newton steps on a growing working set,
          each minimizing the penalty plus the quadratic model of the loss on
          the working set's explicit Hessian: exactly, by feature-sign search
          (a Cholesky factorization per change of the signs), for an
          ungrouped penalty and a working set of at most 400 parameters;
          otherwise by block coordinate descent over the features (a block:
          a feature's coefficients of all classes). ``"l1"`` and
          ``"elasticnet"``, grouped or not (ungrouped, ``"orthant-newton"``
          is faster on large models).
        - ``"lbfgs"``: scipy's L-BFGS-B, any regularization (for an L1 part the
          coefficients are split into positive and negative halves with bound
          constraints, which gives exact zeros).
        - ``"newton-cg"``: truncated Newton with conjugate gradients and a line
          search; ``"l2"`` and ``None`` only.
        - ``"gd"``: plain gradient descent with the fixed step ``lr``,
          made proximal so that L1 zeros are exact; any regularization. Slow:
          for teaching and for checking the others.

    tol : float, default=1e-6
        Stop when the KKT violation of the objective (the largest distance of
        minus a partial derivative from the penalty's subdifferential; the
        largest absolute gradient entry for smooth penalties; for the
        grouped penalty, of a feature's K partial derivatives together, in
        the Euclidean norm) is at most ``tol``; its final value is
        ``optimality_``. For float32 ``X`` it is
        raised to at least 1e-5, what float32 gradients resolve.

    num_iter : int, default=1000
        Maximum number of solver iterations (``>= 1``). Reaching it before
        ``tol`` raises a ``ConvergenceWarning``.

    lr : float, default=0.1
        Step size of ``solver="gd"`` (``> 0``); ignored by the other solvers.
        ``gd`` converges for ``lr <= 1 / L``, with ``L`` the Lipschitz constant
        of the loss gradient: at most ``||[X 1]||_2^2 / (4 n)`` for two
        classes and unit weights, twice that for more classes. If ``gd`` does
        not converge, the ``ConvergenceWarning`` gives ``1 / L`` for the data
        at hand and says whether to decrease or increase ``lr``.

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into the sample weights:
        ``{label: weight}``, or ``"balanced"`` for weights inversely
        proportional to the (weighted) class frequencies.

    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_`` when refitting data
        with the same classes and features.

    verbose : int, default=0
        Print the objective at every solver iteration when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels; numbers and booleans are an array of ``X``'s
        library on its device when fitted on another array-API library.

    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients; one row for two classes (of ``classes_[1]``), one row per
        class otherwise. Same dtype as ``X`` (float32 or float64). An array
        of ``X``'s library on its device when fitted on another array-API
        library (``move_to_numpy`` gives a NumPy copy of the model).

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts (zeros when ``fit_intercept=False``). The multinomial
        intercepts are only determined up to a common constant; they are
        returned with zero mean. So are, without a penalty, the multinomial
        coefficients of each feature.

    n_iter_ : int
        Number of solver iterations run.

    optimality_ : float
        KKT violation at the returned solution (see ``tol``); 0 at the exact
        minimizer. With ``standardize=True``, of the standardized problem.

    objective_ : float
        Value of the objective ``F`` at the returned solution (with
        ``standardize=True``, the penalty is that of ``coef_ * s``).

    solver_ : str
        The solver used (what ``"auto"`` chose).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when ``X`` has string column
        names.

    Notes
    -----
    Memory: a fit holds ``X`` plus O(n_samples + n_features) work arrays.
    Products with ``X`` run in its own dtype (no float64 copy of float32
    data) and sparse ``X`` is never densified. A dense ``X`` whose data is
    not aligned (a buffer received from another process can be) is copied
    once, which spares numpy a copy for every product. ``"orthant-newton"`` copies
    working-set columns (and forms a Newton system) only within a budget of
    64 (n_samples + n_features) values (10 MB for 20000 x 500), and
    otherwise iterates on ``X`` itself; ``"lbfgs"`` keeps 20 pairs of step and gradient
    differences.

    Dask: ``fit`` takes a row-chunked Dask array (the ``dask`` extra). The
    data stays on the workers and the same solvers run: every evaluation is
    a map over the chunks and a tree sum, and only vectors of the features (a
    Hessian, for up to 256 parameters) reach the driver. Predictions on a Dask
    array are lazy Dask arrays.

    Range: ``X`` must be finite with ``|X| <= 1e50``; beyond that Newton
    steps (gradient of the order of ``|X|`` times curvature of the order of
    ``|X|**2``) overflow float64, and ``fit`` raises a ``ValueError``. From
    about ``|X| ~ 1e10`` on, float64 gradients carry rounding errors of about
    ``eps * max|X|``, which can exceed ``tol``: the ``ConvergenceWarning``
    then says so. A ``fit`` that raises (``KeyboardInterrupt`` included)
    leaves the estimator as it was before the call.

    See Also
    --------
    lambda_max : The smallest ``lambda_`` that makes every L1 coefficient zero.
    sklearn.linear_model.LogisticRegression : scikit-learn's version, with
        ``C = 1 / (lambda_ * S)``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_norm import RegularizedLogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(
    ...     StandardScaler(),
    ...     RegularizedLogisticRegression(regularization="l1", lambda_=0.05),
    ... ).fit(X, y)
    >>> model = clf[-1]
    >>> model.solver_, int((model.coef_ != 0).sum()), model.optimality_ <= 1e-6
    ('prox-newton', 4, True)
    >>> round(clf.score(X, y), 3)
    0.958
    """

    _parameter_constraints: dict = {
        "regularization": [StrOptions({"l1", "l2", "elasticnet"}), None],
        "lambda_": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "penalty_factor": ["array-like", None],
        "standardize": ["boolean"],
        "lower_bounds": ["array-like", Real, None],
        "upper_bounds": ["array-like", Real, None],
        "multinomial_penalty": [StrOptions({"ungrouped", "grouped"})],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", *SOLVERS})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "num_iter": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        regularization: str | None = "l2",
        lambda_: float = 0.1,
        *,
        l1_ratio: float = 0.5,
        penalty_factor: ArrayLike | None = None,
        standardize: bool = False,
        lower_bounds: ArrayLike | float | None = None,
        upper_bounds: ArrayLike | float | None = None,
        multinomial_penalty: str = "ungrouped",
        fit_intercept: bool = True,
        solver: str = "auto",
        tol: float = 1e-6,
        num_iter: int = 1000,
        lr: float = 0.1,
        class_weight: dict | str | None = None,
        warm_start: bool = False,
        verbose: int = 0,
    ) -> None:
        self.regularization = regularization
        self.lambda_ = lambda_
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.standardize = standardize
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.multinomial_penalty = multinomial_penalty
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.num_iter = num_iter
        self.lr = lr
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.verbose = verbose

    def __sklearn_is_fitted__(self) -> bool:
        # lambda_ ends with "_" and would fool check_is_fitted's default test.
        return hasattr(self, "coef_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags

    def _check_solver(self) -> None:
        """Refuse, before looking at the data, a solver that cannot handle
        the penalty's L1 part or bounds."""
        if self.solver == "auto":
            return
        bounded = self.lower_bounds is not None or self.upper_bounds is not None
        if bounded and not SOLVERS[self.solver].handles_box:
            raise ValueError(
                f"solver={self.solver!r} does not support lower_bounds and "
                "upper_bounds. Use solver='auto', 'lbfgs' or 'gd'."
            )
        if self.regularization not in _NON_SMOOTH:
            return
        grouped = self.multinomial_penalty == "grouped"
        if grouped and not SOLVERS[self.solver].handles_groups:
            raise ValueError(
                f"solver={self.solver!r} does not support "
                "multinomial_penalty='grouped'. Use solver='auto', "
                "'prox-newton' or 'gd'."
            )
        if not SOLVERS[self.solver].handles_l1:
            raise ValueError(
                f"solver={self.solver!r} does not support "
                f"regularization={self.regularization!r}: it needs a smooth "
                "objective. Use solver='auto', 'lbfgs' or 'gd'."
            )

    @transactional
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        offset: ArrayLike | None = None,
    ) -> Self:
        """Fit the model to ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape \
                (n_samples, n_features)
            Training data. CSR/CSC sparse input is used as is (never
            densified); float32 input is kept float32. A row-chunked Dask
            array is persisted on the workers and never gathered: each
            solver step is a Dask computation over its chunks (needs the
            ``dask`` extra). Under
            ``sklearn.config_context(array_api_dispatch=True)`` an array of
            PyTorch, CuPy or another array-API library is fitted on its
            device, and ``coef_`` and ``intercept_`` are arrays of it there.

        y : array-like of shape (n_samples,)
            Class labels (any hashable labels: ints, strings, ...), at least
            two classes; a Dask array too when ``X`` is one.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples; ``None`` weighs all equally.
            A Dask array too when ``X`` is one.

        offset : array-like of shape (n_samples,) or (n_samples, n_classes), \
                default=None
            A known term added to each sample's linear predictor (glmnet's
            ``offset``), not fitted: the loss is taken at ``X @ coef_.T +
            intercept_ + offset``. For two classes one value per sample
            (added to the log-odds of ``classes_[1]``); otherwise one per
            sample and class, columns in ``classes_`` order. Pass the new
            samples' offsets to the prediction methods too. In-memory ``X``
            only. Routed by scikit-learn's metadata routing
            (``set_fit_request(offset=True)``).

        Returns
        -------
        self : RegularizedLogisticRegression
            The fitted estimator.
        """
        self._check_solver()
        largest = None  # max|X|, when the validation has it at hand
        if is_dask_collection(X) and offset is not None:
            raise ValueError(
                "offset is not supported for Dask input: fit in-memory data, "
                "or add the offset's effect as a feature."
            )
        if is_dask_collection(X):
            from .._dask import reset_features
            from . import _dask

            X, classes, datafit, largest = _dask.logistic_datafit(
                X, y, sample_weight, self.class_weight, self.fit_intercept
            )
            reset_features(self, X)
        else:
            X, y = validate_logistic(self, X, y)
            classes, datafit = build_datafit(
                X, y, sample_weight, self.class_weight, self.fit_intercept, offset
            )
        factors = check_penalty_factor(self.penalty_factor, datafit.n_features)
        bounds = check_bounds(
            self.lower_bounds, self.upper_bounds, datafit.n_outputs, datafit.n_features
        )
        params = self._start(datafit, classes)
        if factors is not None and factors.excludes:
            # The excluded features' columns are left out of the fit.
            params = datafit.restrict_params(params, factors.included)
            datafit = datafit.restrict(factors.included)
        datafit, standardization = standardized(datafit, self.standardize)
        if standardization is not None:
            params = standardization.to_standardized(datafit, params)
        penalty = ElasticNetPenalty.from_params(
            self.regularization,
            self.lambda_,
            self.l1_ratio,
            coef_weights(factors, datafit.n_outputs),
            bounds_box(fitted_bounds(bounds, factors, standardization)),
            penalty_groups(self.multinomial_penalty, datafit.n_outputs),
        )
        tol = effective_tol(self.tol, datafit.dtype)
        solver = make_solver(
            self.solver,
            penalty,
            tol=tol,
            max_iter=self.num_iter,
            verbose=self.verbose,
            n_params=datafit.n_params,
            lr=self.lr,
        )
        with blas_threads_for(datafit.n_samples, datafit.n_features, datafit.n_outputs):
            result = solver.solve(datafit, penalty, params)
        self.classes_ = classes
        publish_result(
            self, datafit, penalty, result, solver.name, factors, standardization
        )
        self._fitted_on = placement(X)
        namespace = namespace_of(X)
        if namespace is not None:  # the model lives where its data does
            arrays_to_device(self, namespace)
        if not result.converged:
            if standardization is not None and not is_dask_collection(X):
                # The solver saw the standardized columns' magnitudes.
                X, largest = datafit.X, None
            warnings.warn(
                _convergence_message(solver.name, result, tol, datafit, self.lr)
                + resolution_note(X, tol, largest),
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _start(self, datafit, classes: np.ndarray) -> np.ndarray:
        """The previous solution under ``warm_start``, else zero coefficients
        and the intercepts of the best constant model."""
        n_coef = datafit.n_coef
        if (
            self.warm_start
            and hasattr(self, "coef_")
            and tuple(self.coef_.shape) == (datafit.n_outputs, datafit.n_features)
            and np.array_equal(to_host(self.classes_), classes)
        ):
            params = np.zeros(datafit.n_params)
            params[:n_coef] = to_host(self.coef_).ravel()
            params[n_coef:] = to_host(self.intercept_)[: params.size - n_coef]
            return params
        return constant_model(datafit)

    def decision_function(
        self, X: ArrayLike, offset: ArrayLike | None = None
    ) -> np.ndarray:
        """Scores ``X @ coef_.T + intercept_`` (``+ offset``).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape \
                (n_samples, n_features)
            Samples. For a Dask array the result is a lazy Dask array,
            computed chunk by chunk. A model fitted on another array-API
            library takes arrays of that library and device, and returns
            them.

        offset : array-like of shape (n_samples,) or (n_samples, n_classes), \
                default=None
            The samples' offsets, shaped as in ``fit``; ``None`` adds none.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the log-odds of ``classes_[1]``; otherwise one
            column per class.
        """
        if is_dask_collection(X):
            from . import _dask

            check_is_fitted(self)
            _no_dask_offset(offset)
            return _dask.predict(self, X, "decision_function")
        return self._scores(X, offset, "decision_function")

    def _scores(self, X, offset, method: str):
        """``decision_function`` for ``method``, the public method called
        (named in the error for input of another array library)."""
        check_is_fitted(self)
        check_same_namespace(X, self, getattr(self, "_fitted_on", None), method)
        namespace = namespace_of(X)
        if namespace is not None:
            X = validate(self, X, dtype=namespace.float_dtypes, reset=False)
            return _foreign.scores(
                namespace,
                X,
                self.coef_,
                self.intercept_,
                self.classes_.shape[0],
                offset,
            )
        X = validate(
            self, X, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES, reset=False
        )
        offset = check_offset(offset, X.shape[0], self.classes_.size)
        with np.errstate(over="ignore", invalid="ignore"):
            scores = safe_sparse_dot(X, self.coef_.T, dense_output=True)
            scores += self.intercept_
            if offset is not None:
                scores += offset.reshape(scores.shape)
        if not np.isfinite(scores).all():
            raise ValueError(
                "X holds values too large for the fitted coefficients: the "
                "scores X @ coef_.T + intercept_ overflow. Scale X as the "
                "training data was scaled."
            )
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X: ArrayLike, offset: ArrayLike | None = None) -> np.ndarray:
        """Most probable class of each sample (probability threshold 0.5 for
        two classes; see ``FixedThresholdClassifier`` for other thresholds).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape \
                (n_samples, n_features)
            Samples. For a Dask array the result is a lazy Dask array,
            computed chunk by chunk. A model fitted on another array-API
            library takes arrays of that library and device, and returns
            them.

        offset : array-like of shape (n_samples,) or (n_samples, n_classes), \
                default=None
            The samples' offsets, shaped as in ``fit``; ``None`` adds none.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Predicted labels, taken from ``classes_``.
        """
        if is_dask_collection(X):
            from . import _dask

            check_is_fitted(self)
            _no_dask_offset(offset)
            return _dask.predict(self, X, "predict")
        scores = self._scores(X, offset, "predict")
        namespace = namespace_of(scores)
        if namespace is not None:
            return _foreign.labels(namespace, self.classes_, scores)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]

    def predict_proba(
        self, X: ArrayLike, offset: ArrayLike | None = None
    ) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape \
                (n_samples, n_features)
            Samples. For a Dask array the result is a lazy Dask array,
            computed chunk by chunk. A model fitted on another array-API
            library takes arrays of that library and device, and returns
            them.

        offset : array-like of shape (n_samples,) or (n_samples, n_classes), \
                default=None
            The samples' offsets, shaped as in ``fit``; ``None`` adds none.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class in ``classes_`` order; rows sum to 1.
        """
        if is_dask_collection(X):
            from . import _dask

            check_is_fitted(self)
            _no_dask_offset(offset)
            return _dask.predict(self, X, "predict_proba")
        scores = self._scores(X, offset, "predict_proba")
        namespace = namespace_of(scores)
        if namespace is not None:
            return _foreign.probabilities(namespace, scores)
        if scores.ndim == 1:
            # expit(-z) rather than 1 - expit(z): no cancellation for large z.
            return np.column_stack([expit(-scores), expit(scores)])
        return softmax(scores, axis=1)

    def predict_log_proba(
        self, X: ArrayLike, offset: ArrayLike | None = None
    ) -> np.ndarray:
        """Logarithm of the class probabilities, computed without overflow.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape \
                (n_samples, n_features)
            Samples. For a Dask array the result is a lazy Dask array,
            computed chunk by chunk. A model fitted on another array-API
            library takes arrays of that library and device, and returns
            them.

        offset : array-like of shape (n_samples,) or (n_samples, n_classes), \
                default=None
            The samples' offsets, shaped as in ``fit``; ``None`` adds none.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class in ``classes_`` order.
        """
        if is_dask_collection(X):
            from . import _dask

            check_is_fitted(self)
            _no_dask_offset(offset)
            return _dask.predict(self, X, "predict_log_proba")
        scores = self._scores(X, offset, "predict_log_proba")
        namespace = namespace_of(scores)
        if namespace is not None:
            return _foreign.probabilities(namespace, scores, log=True)
        if scores.ndim == 1:
            return np.column_stack([log_expit(-scores), log_expit(scores)])
        return log_softmax(scores, axis=1)

    def score(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        offset: ArrayLike | None = None,
    ) -> float:
        """Mean accuracy of ``predict(X, offset)`` on ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        y : array-like of shape (n_samples,)
            True labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the mean.

        offset : array-like of shape (n_samples,) or (n_samples, n_classes), \
                default=None
            The samples' offsets, shaped as in ``fit``.

        Returns
        -------
        score : float
            The (weighted) fraction of correctly predicted samples.
        """
        predicted = to_host(self.predict(X, offset))
        if sample_weight is not None and hasattr(sample_weight, "shape"):
            sample_weight = to_host(sample_weight)
        return accuracy(to_host(y), predicted, sample_weight)


def _no_dask_offset(offset) -> None:
    if offset is not None:
        raise ValueError("offset is not supported for Dask input.")


def _convergence_message(solver: str, result, tol: float, datafit, lr) -> str:
    if solver == "gd":
        advice = _gd_advice(datafit, lr)
    else:
        advice = (
            "increase num_iter, loosen tol, or scale the features (for "
            "example with StandardScaler)"
        )
    return (
        f"RegularizedLogisticRegression (solver={solver!r}) did not converge: "
        f"the KKT violation is {result.optimality:.3g} > tol={tol:.3g} after "
        f"{result.n_iter} iterations. To reach tol, {advice}."
    )


def _gd_advice(datafit, lr: float) -> str:
    """What makes ``solver="gd"`` with step ``lr`` reach tol on this data.

    Steps longer than ``1 / L`` (``L`` the Lipschitz constant of the loss
    gradient) can overshoot: the objective rises or oscillates and more
    iterations do not help, so a larger ``lr`` is only advised up to the
    computed bound, and a step above it is told to shrink to it."""
    bound = _round_down(step_bound(datafit))
    if not np.isfinite(bound):
        return "increase num_iter, or use solver='auto'"
    if lr > bound:
        return (
            f"decrease lr to at most {bound:.3g}: lr={lr:.3g} exceeds 1 / L, with L "
            "an upper bound of the Lipschitz constant of the loss gradient on this "
            "data, so the steps can overshoot and the objective oscillate instead "
            "of decreasing (then increase num_iter if needed), or use solver='auto'"
        )
    if lr < bound:
        return (
            f"increase lr up to {bound:.3g} (1 / L, with L an upper bound of the "
            "Lipschitz constant of the loss gradient on this data: gd converges "
            "for any lr up to it) or num_iter, or use solver='auto'"
        )
    return "increase num_iter, or use solver='auto'"


def _round_down(value: float) -> float:
    """``value`` rounded down to 3 significant digits (as the warning prints
    it), so that the printed bound is never above the computed one."""
    if not (np.isfinite(value) and value > 0.0):
        return value
    unit = 10.0 ** (np.floor(np.log10(value)) - 2)
    rounded = float(f"{np.floor(value / unit) * unit:.3g}")
    # Parsing the printed digits can land an ulp above value: a step lower.
    return rounded if rounded <= value else float(f"{rounded - unit:.3g}")
