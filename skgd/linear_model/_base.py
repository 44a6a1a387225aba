"""Shared parameters and the one fit path of the skgd estimators.

An estimator validates its input, builds an :class:`~skgd.objective.Objective`
and an update rule, calls :func:`skgd.fit_loop.run` and stores the result. All
solver logic lives in :mod:`skgd.solvers`; all objective logic in
:mod:`skgd.objective`.
"""

import warnings
from dataclasses import dataclass, fields
from numbers import Integral, Real
from collections.abc import Callable
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted

from .._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    validate_data,
)
from ..fit_loop import SCHEDULES, run
from ..objective import Objective, check_capabilities, constrain
from ..solvers import Solver, get_solver, solver_names

# Minibatch size of ``sgd`` when ``batch_size=None``.
DEFAULT_SGD_BATCH_SIZE = 32

_COMMON_PARAMETERS_DOC = """
    solver : str or UpdateRule, default="gd"
        The optimisation algorithm: one of "gd", "sgd", "momentum", "nesterov",
        "adagrad", "rmsprop", "adam", "adamw", "newton", "lbfgs" (or any name
        added with :func:`skgd.register_solver`), or an update-rule object.
    learning_rate : float or "auto", default="auto"
        Base step size (the schedule multiplies it). "auto" is ``1/L`` for gd
        (and ``1/((1-momentum) L)`` for momentum and nesterov), ``L`` the
        Lipschitz constant of the gradient; ``1/L_row`` (the largest weighted
        single-sample Lipschitz constant) on minibatches; ``l0 = max|grad F(theta0)| / L``
        (the length of the first gradient step) for adam, adamw and adagrad,
        ``0.3 l0`` for rmsprop, a tenth of these on minibatches; the first
        trial step 1 for newton's line search. lbfgs chooses its own steps.
    schedule : {"auto", "constant", "adaptive"}, default="auto"
        How the step changes during the fit. "constant": never. "adaptive":
        divided by 5 whenever the objective has not improved for
        ``n_iter_no_change`` iterations (epochs), as scikit-learn's
        ``learning_rate="adaptive"``; on minibatches at most three times, then
        the run ends. "auto" is "adaptive" for every solver with a step size and
        "constant" for newton and lbfgs (their line searches set the steps).
        The steps used are in ``learning_rate_curve_``.
    max_iter : int, default=1000
        Iterations (full batch) or epochs (minibatches).
    tol : float, default=1e-6
        Full batch: converged when the scale-invariant optimality
        ``M = max_k sqrt(h_k) |theta_k - prox(theta_k - g_k / h_k)|`` (``h_k``
        the curvature of coordinate k: ``max_k |g_k| / sqrt(h_k)`` for smooth
        objectives) falls to ``tol`` times its value at the null model (or to
        the rounding level of X's dtype). Minibatches: an epoch improves when
        the objective falls by more than ``tol`` (relative); at a plateau that
        the schedule does not decay, the run ends, and it has converged only if
        the full-data ``M`` is at most ``sqrt(tol)`` times the null model's.
        Otherwise a ConvergenceWarning says what went wrong. ``tol=0`` is a
        fixed budget: ``max_iter`` iterations, no plateau handling, no warning.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    batch_size : int or None, default=None
        Minibatch size. None: full batch, except ``sgd`` which uses
        ``min(32, n_samples)``. Ignored by newton and lbfgs.
    momentum : float, default=0.9
        ``beta`` of momentum and nesterov.
    restart : bool, default=False
        Momentum and nesterov: drop the momentum when the full-batch objective
        rises (momentum) or the step opposes the gradient mapping (nesterov),
        O'Donoghue & Candès' adaptive restart.
    beta1 : float, default=0.9
        Adam's and AdamW's first-moment decay rate.
    beta2 : float, default=0.999
        Adam's and AdamW's second-moment decay rate.
    rho : float, default=0.9
        RMSProp's decay rate.
    epsilon : float, default=1e-8
        Adaptive solvers' denominator guard.
    amsgrad : bool, default=False
        Adam, AdamW and RMSProp divide by the running maximum of the second
        moment (AMSGrad, Reddi et al. 2018).
    weight_decay : float, default=0.0
        AdamW's decoupled weight decay.
    n_iter_no_change : int, default=10
        Iterations (epochs) without improvement of the objective before the
        adaptive schedule divides the step by 5, or a minibatch run ends.
    random_state : int, RandomState instance or None, default=None
        Seeds the minibatch shuffles.
    verbose : int, default=0
        Print progress (iteration, objective, optimality) at most twice a second.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_``.
"""


# The fitted attributes every estimator sets through the one fit path.
_FITTED_ATTRIBUTES_DOC = """    n_iter_ : int
        Iterations (full batch) or epochs (minibatches) run.
    loss_curve_ : list of float
        The objective at the iterate reached after each iteration (or epoch):
        ``len(loss_curve_) == n_iter_``, and the last entry is the objective of
        ``coef_`` and ``intercept_``.
    learning_rate_ : float
        The base step size (``learning_rate="auto"`` resolved).
    learning_rate_curve_ : list of float
        The step used in each iteration (epoch), after the schedule.
    schedule_ : str
        The schedule used (``schedule="auto"`` resolved).
    converged_ : bool
        Whether the stopping test passed (otherwise a ConvergenceWarning said why).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string feature names.
"""


def estimator_doc(head, *, attributes, examples):
    """An estimator's numpydoc docstring: its summary and own parameters
    (``head``), the shared parameters, its own fitted attributes, the shared
    ones, and its examples."""
    return (
        head
        + _COMMON_PARAMETERS_DOC
        + "\n    Attributes\n    ----------\n"
        + attributes
        + _FITTED_ATTRIBUTES_DOC
        + "\n    Examples\n    --------\n"
        + examples
    )


# Every estimator is a keyword-only dataclass: its parameters are fields, so
# the signature scikit-learn, IDEs and readers see is explicit, defined once
# here, and a subclass lists only what it adds or changes (a default of alpha,
# l1_ratio). eq and repr stay scikit-learn's.
estimator_dataclass = dataclass(kw_only=True, eq=False, repr=False)

# The estimator parameters that are also hyper-parameters of a solver: with a
# solver *object* they must stay at their defaults (the object's own value is
# the one used), so one setting never has two sources.
SOLVER_PARAMETERS = (
    "momentum",
    "restart",
    "beta1",
    "beta2",
    "rho",
    "epsilon",
    "amsgrad",
    "weight_decay",
)


@estimator_dataclass
class GDModelMixin:
    """Parameters, validation and the fit path shared by the estimators."""

    solver: str | Solver = "gd"
    learning_rate: float | str = "auto"
    schedule: str = "auto"
    max_iter: int = 1000
    tol: float = 1e-6
    alpha: float = 0.0
    fit_intercept: bool = True
    batch_size: int | None = None
    momentum: float = 0.9
    restart: bool = False
    beta1: float = 0.9
    beta2: float = 0.999
    rho: float = 0.9
    epsilon: float = 1e-8
    amsgrad: bool = False
    weight_decay: float = 0.0
    n_iter_no_change: int = 10
    warmup_iter: int = 0
    clip_grad_norm: float | None = None
    early_stopping: bool = False
    validation_fraction: float = 0.1
    positive: bool = False
    max_coef_norm: float | None = None
    record_coef: bool = False
    callback: Callable | None = None
    random_state: int | np.random.RandomState | None = None
    verbose: int = 0
    warm_start: bool = False

    _parameter_constraints: ClassVar[dict] = {
        "solver": [
            StrOptions(solver_names()),
            HasMethods(["init", "step"]),
            HasMethods(["minimize"]),
        ],
        "learning_rate": [
            StrOptions({"auto", "armijo"}),
            Interval(Real, 0, None, closed="neither"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "beta1": [Interval(Real, 0, 1, closed="left")],
        "beta2": [Interval(Real, 0, 1, closed="left")],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "schedule": [StrOptions({"auto", *SCHEDULES}), callable],
        "warmup_iter": [Interval(Integral, 0, None, closed="left")],
        "clip_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "positive": ["boolean"],
        "max_coef_norm": [None, Interval(Real, 0, None, closed="neither")],
        "record_coef": ["boolean"],
        "callback": [None, callable],
        "restart": ["boolean"],
        "amsgrad": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }
    # the constraint of the estimators that add l1_ratio
    _l1_ratio_constraint: ClassVar[list] = [Interval(Real, 0, 1, closed="both")]

    # -- hooks for the estimators ---------------------------------------------------
    def _make_loss_and_target(self, y, sample_weight):
        """Return ``(loss, Y, fitted_attributes)``."""
        raise NotImplementedError

    def _make_penalty(self):
        raise NotImplementedError

    def _solver(self):
        """The solver, with its hyper-parameters from exactly one place."""
        if isinstance(self.solver, str):  # the estimator's parameters fill it
            return get_solver(self.solver, self.get_params())
        rule = get_solver(self.solver)
        defaults = {f.name: f.default for f in fields(self)}
        clashes = [
            name
            for name in rule.get_params()
            if name in SOLVER_PARAMETERS and getattr(self, name) != defaults[name]
        ]
        if clashes:
            raise ValueError(
                f"{', '.join(clashes)} set both on solver={self.solver!r} and on "
                f"the estimator: set {'them' if len(clashes) > 1 else 'it'} in one "
                f"place (e.g. solver__{clashes[0]} in a grid search)."
            )
        return rule

    # -- the fit path ---------------------------------------------------------------
    def _validate_fit_data(self, X, y, sample_weight):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            y_numeric=not is_classifier(self),
        )
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        if not sample_weight.sum() > 0:
            raise ValueError("sample_weight must have a positive sum.")
        return X, y, sample_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Targets (class labels of any type for the classifier).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight=None):
        # Anything the fit sets stays unset if it fails: snapshot, restore on error.
        snapshot = dict(self.__dict__)
        try:
            self._fit_unsafe(X, y, sample_weight)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(snapshot)
            raise
        return self

    def _fit_unsafe(self, X, y, sample_weight):
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        loss, Y, fitted = self._make_loss_and_target(y, sample_weight)
        rule = self._solver()
        penalty = constrain(
            self._make_penalty(), positive=self.positive, max_norm=self.max_coef_norm
        )
        learning_rate_is_auto = self.learning_rate == "auto"
        requires = rule.requires
        if learning_rate_is_auto:
            requires = requires | rule.auto_rate_requires
        check_capabilities(rule.name or type(rule).__name__, requires, loss, penalty)
        n_weighted = int(np.count_nonzero(sample_weight))
        stochastic = not rule.full_batch_only and (
            rule.stochastic
            or (self.batch_size is not None and self.batch_size < n_weighted)
        )
        batch_size = self.batch_size or min(DEFAULT_SGD_BATCH_SIZE, n_weighted)
        if stochastic and sp.issparse(X) and X.format == "csc":
            X = X.tocsr()  # row batches of a CSC matrix are slow to slice
        # the objective casts the targets to X's dtype itself (after centring)
        objective = Objective(X, Y, loss, penalty, sample_weight, self.fit_intercept)
        _check_representable(objective)
        if learning_rate_is_auto:
            learning_rate = float(rule.auto_learning_rate(objective, stochastic))
        else:
            learning_rate = float(self.learning_rate)
        if not (np.isfinite(learning_rate) and learning_rate > 0):
            raise ValueError(  # L overflowed: X's values are too large
                f"learning_rate='auto' is {learning_rate} on this data: X's values "
                "are too large or too small for its dtype. Rescale X (e.g. with "
                "StandardScaler)."
            )
        schedule = self.schedule
        if schedule == "auto":  # minibatch noise floors shrink only with the step
            schedule = "adaptive" if stochastic else rule.default_schedule

        theta0 = None
        if self.warm_start and hasattr(self, "coef_"):
            coef = np.asarray(self.coef_)
            if coef.size == objective.n_features * objective.n_outputs:
                theta0 = objective.pack(coef, self.intercept_)

        result = run(
            objective,
            rule,
            learning_rate=learning_rate,
            max_iter=self.max_iter,
            tol=self.tol,
            stochastic=stochastic,
            batch_size=batch_size,
            random_state=check_random_state(self.random_state),
            theta0=theta0,
            schedule=schedule,
            learning_rate_is_auto=learning_rate_is_auto,
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
        )
        coef, intercept = objective.unpack(result.theta)
        if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
            raise FloatingPointError(  # the fit loop should have caught it first
                f"Solver {rule.name!r} produced non-finite coefficients; "
                f"use a smaller learning_rate than {learning_rate:.4g}."
            )
        for name, value in fitted.items():
            setattr(self, name, value)
        self._store_coefficients(coef, intercept)
        self.n_iter_ = result.n_iter
        self.loss_curve_ = list(result.loss_curve)
        self.learning_rate_ = learning_rate
        self.learning_rate_curve_ = list(result.learning_rates)
        self.schedule_ = schedule
        self.converged_ = result.converged
        if result.status in ("max_iter", "stalled"):
            warnings.warn(
                _not_converged_message(
                    self, result, objective, rule, learning_rate, stochastic
                ),
                ConvergenceWarning,
                stacklevel=6,  # the user's fit call, through _fit_context
            )
        return self

    def _store_coefficients(self, coef, intercept):
        """``coef`` (K, d), ``intercept`` (K,) -> the estimator's shapes."""
        self.coef_ = coef[0] if coef.shape[0] == 1 else coef
        self.intercept_ = (
            intercept[0] if self.fit_intercept else intercept.dtype.type(0)
        )

    def _decision(self, X):
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            reset=False,
            dtype=[np.float64, np.float32],
        )
        return safe_sparse_dot(X, np.asarray(self.coef_).T, dense_output=True) + (
            self.intercept_
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _check_representable(objective):
    """A clear error for data whose squares overflow X's dtype (X * 1e200)."""
    variance = objective.feature_variance
    if not np.all(np.isfinite(variance)):
        worst = int(np.argmax(~np.isfinite(variance)))
        raise ValueError(
            f"Feature {worst} has values whose squares overflow "
            f"{objective.dtype}: no gradient method can be run on it. Rescale X "
            "(e.g. with StandardScaler) before fitting."
        )
    # squares below the smallest normal number lose every digit (X * 1e-160)
    second = objective.feature_second_moment
    dtype_info = np.finfo(objective.dtype)
    tiny = (second > 0) & (second < dtype_info.tiny / dtype_info.eps)
    if np.any(tiny):
        worst = int(np.argmax(tiny))
        raise ValueError(
            f"Feature {worst} has values so small (|x| ~ {np.sqrt(second[worst]):.1g}) "
            f"that their squares underflow {objective.dtype}: no gradient method "
            "can be run on it. Rescale X (e.g. with StandardScaler) before fitting."
        )


# A feature whose spread differs from the median feature's by more than this
# factor is named as badly scaled when a first-order fit does not converge.
_BAD_SCALE_RATIO = 100.0


def _badly_scaled(estimator, objective):
    """Names of the features whose spread is far from the median's."""
    scales = objective.feature_scales()
    varying = scales > 0
    if varying.sum() < 2:
        return [], 1.0
    median = float(np.median(scales[varying]))
    ratio = np.where(varying, scales / median, 1.0)
    bad = np.flatnonzero(
        varying & ((ratio > _BAD_SCALE_RATIO) | (ratio < 1 / _BAD_SCALE_RATIO))
    )
    names = getattr(estimator, "feature_names_in_", None)
    labels = [repr(str(names[j])) if names is not None else str(j) for j in bad]
    spread = float(scales[varying].max() / scales[varying].min())
    return labels, spread


def _not_converged_message(
    estimator, result, objective, rule, learning_rate, stochastic
):
    """What happened and what to change, for a fit that did not converge."""
    unit = "epochs" if stochastic else "iterations"
    name = f"{type(estimator).__name__}(solver={rule.name!r})"
    relative = result.optimality / max(result.null_optimality, np.finfo(float).tiny)
    if result.status == "stalled":
        head = f"{name} stopped after {result.n_iter} {unit}: {result.reason}."
    elif stochastic:
        head = (
            f"{name} did not converge in max_iter={estimator.max_iter} epochs: "
            f"the epoch objective was still improving by more than tol="
            f"{estimator.tol:g} (relative)."
        )
    else:
        head = (
            f"{name} did not converge in max_iter={estimator.max_iter} {unit}: "
            f"the optimality is {relative:.3g} of the null model's, above "
            f"tol={estimator.tol:g}."
        )
    causes = []
    start, end = result.start_value, result.loss_curve[-1]
    progress = start - end
    available = 0.5 * result.null_optimality**2
    barely_moved = available > 0 and progress < 1e-2 * available and relative > 0.5
    if barely_moved and rule.steps_with_learning_rate:
        auto = rule.auto_learning_rate(objective, stochastic)
        causes.append(
            f"The fit barely moved from its start (the objective fell by "
            f"{progress:.3g}): the step {result.learning_rates[-1]:.3g} is far "
            f"too small; try learning_rate='auto' ({auto:.3g} here) or a larger one."
        )
    bad, spread = _badly_scaled(estimator, objective)
    if bad and rule.name != "newton":
        causes.append(
            f"The features differ in scale by a factor {spread:.3g}; badly scaled: "
            f"{', '.join(bad[:10])}{' ...' if len(bad) > 10 else ''}. First-order "
            "solvers cannot make progress on both: standardize X (e.g. "
            "StandardScaler in a Pipeline) or use solver='newton'."
        )
    if objective.dtype == np.float32 and result.status == "stalled":
        causes.append(
            "X is float32: the objective cannot be resolved much beyond 1e-7 "
            "(relative); pass float64 X for a tighter fit."
        )
    if stochastic and result.status == "stalled" and not causes:
        causes.append(
            f"Minibatch noise: at step {result.learning_rates[-1]:.3g} (after "
            f"{result.n_decays} decays) the iterate wanders at a noise floor. "
            "Use a larger batch_size, a full-batch solver, or a larger tol."
        )
    if result.n_decays and not stochastic:
        causes.append(
            f"The adaptive schedule divided the step {result.n_decays} times (to "
            f"{result.learning_rates[-1]:.3g}) because the objective kept "
            "oscillating: try a smaller learning_rate."
        )
    if result.status == "max_iter" and objective.has_no_minimiser(result.theta):
        causes.append(
            "The classes are linearly separable and alpha=0: no minimiser exists "
            "(the coefficients grow forever); set alpha > 0."
        )
    if not causes and result.status == "max_iter":
        causes.append(f"Increase max_iter (now {estimator.max_iter}) or tol.")
    return " ".join([head, *causes])
