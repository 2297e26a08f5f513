"""What a datafit, a penalty and a solver offer each other.

Every fit minimizes, over a flat parameter vector ``params = [W.ravel(), b]``
(``W`` of shape ``(n_outputs, n_features)``, then ``n_outputs`` intercepts
when ``fit_intercept``),

    F(params) + P(W)

where ``F`` is a **datafit** (the weighted mean log-loss: ``_datafits`` in
memory, dense or sparse; ``_dask_datafit`` on Dask arrays) and ``P`` a
**penalty** (``_penalties``). A **solver** (``_solvers``) minimizes the sum
through these two protocols only: it never sees ``X``, the labels or the
estimator, so the same solver runs on dense, sparse, float32 and Dask data.

Scores ``z = decision(params)`` (``X @ W.T + b``) are the datafit's own
currency: a solver gets them from ``decision``, combines them linearly
(``z + t * dz``: they are linear in the parameters) and hands them back to
``value``, ``gradient``, ``hessp``...; it never looks inside them (a Dask
datafit's scores are not an array of ``n_samples`` numbers).

Every datafit implements the whole protocol; ``tests/test_contract.py``
checks each implementation against finite differences, explicitly formed
matrices and the full datafit.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

#: ``v -> H @ v`` for a Hessian ``H``; its ``.scores`` attribute holds the
#: scores ``decision(v)`` of the last ``v`` (one product gives both).
HessianProduct = Callable[[np.ndarray], np.ndarray]

#: The scores of a datafit: an ndarray of shape ``(n_samples, n_outputs)`` in
#: memory; an object with ``+``, ``*`` and ``copy`` on Dask.
Scores = Any


@runtime_checkable
class Datafit(Protocol):
    """The data term ``F`` and what solvers need of it.

    Layout: ``n_samples``, ``n_features``, ``n_outputs`` (1 for two classes,
    else the number of classes), ``fit_intercept``, ``n_coef = n_outputs *
    n_features`` penalized coefficients first, ``n_params`` in all;
    ``dtype``: the dtype of the products with ``X`` (float32 or float64;
    everything returned is float64).
    """

    n_samples: int
    n_features: int
    n_outputs: int
    fit_intercept: bool
    n_coef: int
    n_params: int
    dtype: np.dtype

    # -- the parameter layout --------------------------------------------
    def split(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Views of ``params`` as ``W`` and ``b`` (zeros without intercept)."""

    def restrict_params(self, params: np.ndarray, features: np.ndarray) -> np.ndarray:
        """``params`` of this datafit -> params of ``restrict(features)``."""

    def expand_params(
        self, params: np.ndarray, restricted: np.ndarray, features: np.ndarray
    ) -> np.ndarray:
        """Params of ``restrict(features)`` written back into a copy of
        ``params``; coefficients outside ``features`` become zero."""

    # -- values and derivatives ------------------------------------------
    def decision(self, params: np.ndarray) -> Scores:
        """The scores of ``params`` (one pass over ``X``)."""

    def value(self, z: Scores) -> float:
        """``F`` at scores ``z``."""

    def value_change(self, z: Scores, dz: Scores) -> float:
        """``value(z + dz) - value(z)``, accurate to rounding of the change
        (line searches compare changes of 1e-20 on values of about 1)."""

    def gradient(self, z: Scores) -> np.ndarray:
        """The flat gradient of ``F`` at scores ``z`` (one pass)."""

    def value_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """``value`` and ``gradient`` at ``params``."""

    def hessp(self, z: Scores) -> HessianProduct:
        """The Hessian of ``F`` at scores ``z`` as a product function."""

    def explicit_hessian(self, z: Scores) -> np.ndarray | None:
        """The Hessian in all parameters, when forming it is cheaper than
        products (few parameters); None otherwise."""

    def working_hessian(self, z: Scores, max_values: int) -> np.ndarray | None:
        """The Hessian in all parameters, dense or sparse ``X`` (a working
        set's copy is small), or None when it would hold more than
        ``max_values`` values (or cannot reach the caller)."""

    def partial_hessian(
        self, z: Scores, features: np.ndarray, max_values: int
    ) -> tuple[np.ndarray, Callable[[np.ndarray], Scores]] | None:
        """The Hessian in the coefficients of ``features`` (one output) and
        the intercept, and a function from a step in those parameters to
        the change of the scores; None when products are cheaper or it
        would take more than ``max_values`` values."""

    # -- summaries of the data -------------------------------------------
    def class_totals(self) -> np.ndarray:
        """The normalized weight of each class (they sum to 1)."""

    def class_curvature(self, z: Scores) -> np.ndarray:
        """The weighted mean over samples of the ``(n_outputs, n_outputs)``
        curvature of the loss in the scores."""

    def weighted_gram(self, max_values: int) -> tuple[np.ndarray, np.ndarray, float]:
        """``X.T S X``, ``X.T S 1`` and ``sum(S)`` for the normalized sample
        weights ``S`` (a preconditioner's ingredients), formed over blocks
        of at most ``max_values`` values."""

    def column_moments(
        self, centred: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The weighted mean (0 if not ``centred``) and standard deviation
        (root mean square if not ``centred``) of every column; ``centred``
        defaults to ``fit_intercept``. A constant column's deviation and
        mean are 0."""

    def with_data(self, X) -> Datafit:
        """The same labels and weights with another ``X`` of the same rows
        (standardized columns)."""

    # -- working sets ----------------------------------------------------
    def restrict(self, features: np.ndarray) -> Datafit:
        """The same datafit on the columns ``features`` of ``X`` only."""

    def stored_values(self, features: np.ndarray | None = None) -> int:
        """How many values ``restrict(features)`` copies (all columns for
        None): what a solver weighs against its memory budget."""


@runtime_checkable
class Penalty(Protocol):
    """A separable penalty on the coefficients, ``sum_k f_k (l1 |w_k| + l2 /
    2 w_k^2)`` with weights ``f_k`` (``weights``; None: all 1), restricted
    to the box ``lower <= w <= upper`` (None: no box): Newton solvers fold
    the L2 strengths into their Hessian and treat the L1 ones by orthants
    or a proximal step; only solvers that declare ``handles_box`` take a
    box."""

    l1: float
    l2: float
    weights: np.ndarray | None
    lower: np.ndarray | None
    upper: np.ndarray | None
    #: True for ``GroupedElasticNetPenalty``: the L1 part is the norm of
    #: each feature's coefficients of all classes (only solvers that declare
    #: ``handles_groups`` take it).
    grouped: bool

    @property
    def has_box(self) -> bool:
        """Whether ``lower <= w <= upper`` bounds some coefficient."""

    @property
    def is_smooth(self) -> bool:
        """Whether the penalty is differentiable (no L1 part)."""

    @property
    def l1_coef(self) -> float | np.ndarray:
        """The L1 strength of every coefficient (a number if all equal)."""

    @property
    def l2_coef(self) -> float | np.ndarray:
        """The L2 strength of every coefficient (a number if all equal)."""

    @property
    def l2_typical(self) -> float:
        """One number for the L2 strengths (their mean)."""

    def restrict(self, datafit: Datafit, features: np.ndarray) -> Penalty:
        """The penalty of the coefficients of ``datafit.restrict(features)``."""

    def value(self, w: np.ndarray) -> float:
        """``P(w)``."""

    def value_change(self, w: np.ndarray, dw: np.ndarray) -> float:
        """``value(w + dw) - value(w)``, accurate for a tiny ``dw``."""

    def prox(self, w: np.ndarray, step: float) -> np.ndarray:
        """``argmin_u ||u - w||^2 / (2 step) + P(u)``."""

    def pseudo_gradient(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The minimum-norm element of ``grad + dP(w)``."""

    def subdiff_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Per coordinate, the distance from ``-grad`` to ``dP(w)``: the KKT
        measure every solver stops on."""

    def lambda_max(self, grad: np.ndarray) -> float:
        """The smallest ``t`` for which zero coefficients minimize ``F + t *
        P``, from the coefficient gradient ``grad`` of ``F`` at the best
        model with zero coefficients (infinite when ``P`` has no L1 part)."""


@dataclass
class SolverResult:
    """The outcome of one solver run.

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        Coefficients then intercepts, in the datafit's flat layout.
    objective : float
        Data term + penalty at ``params``.
    optimality : float
        KKT violation at ``params`` (``_penalties.optimality``).
    n_iter : int
        Iterations the solver ran.
    converged : bool
        Whether ``optimality <= tol``.
    scores : object or None
        ``datafit.decision(params)`` when the solver has it at hand (a path
        reuses it), else None.
    """

    params: np.ndarray
    objective: float
    optimality: float
    n_iter: int
    converged: bool
    scores: Scores | None = None


@dataclass(frozen=True)
class Solver(ABC):
    """A minimizer of datafit + penalty, configured by its options.

    Every solver is called the same way, ``solver.solve(datafit, penalty,
    params0, scores0)``, and stops when the KKT violation
    (``_penalties.optimality``) is at most ``tol``, after ``max_iter``
    iterations, or when it can no longer make progress. ``scores0`` are the
    scores of ``params0`` if the caller has them (a path extrapolates them),
    saving a pass over ``X``. A subclass declares its ``name`` and whether it
    handles a penalty with an L1 part (``handles_l1``) and one with bounds on
    the coefficients (``handles_box``), and one whose L1 part groups each
    feature's coefficients (``handles_groups``), which ``solve`` checks.
    """

    tol: float
    max_iter: int
    verbose: int = 0

    name: ClassVar[str]
    handles_l1: ClassVar[bool]
    handles_box: ClassVar[bool] = False
    handles_groups: ClassVar[bool] = False

    def solve(
        self,
        datafit: Datafit,
        penalty: Penalty,
        params0: np.ndarray,
        scores0: Scores | None = None,
    ) -> SolverResult:
        """Minimize ``datafit + penalty`` from ``params0`` (not modified)."""
        if not (penalty.is_smooth or self.handles_l1):
            raise ValueError(
                f"The {self.name} solver needs a smooth penalty, got an L1 "
                f"part of {penalty.l1:.3g}."
            )
        if penalty.grouped and not (penalty.is_smooth or self.handles_groups):
            raise ValueError(
                f"The {self.name} solver does not handle the grouped "
                "multinomial penalty; prox-newton and gd do."
            )
        if penalty.has_box and not self.handles_box:
            raise ValueError(
                f"The {self.name} solver does not handle bounds on the "
                "coefficients; lbfgs and gd do."
            )
        return self._solve(datafit, penalty, params0, scores0)

    @abstractmethod
    def _solve(
        self,
        datafit: Datafit,
        penalty: Penalty,
        params0: np.ndarray,
        scores0: Scores | None,
    ) -> SolverResult:
        """The solver's own algorithm (the penalty already checked)."""
