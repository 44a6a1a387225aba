"""Shared parameters and the one fit path of the skgd estimators.

An estimator validates its input, builds an :class:`~skgd.objective.Objective`
and an update rule, calls :func:`skgd.fit_loop.run` and stores the result. All
solver logic lives in :mod:`skgd.solvers`; all objective logic in
:mod:`skgd.objective`.
"""

import copy
import functools
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._callbacks import IterationCallbacks
from .._sklearn_compat import (
    CallbackSupportMixin,
    HasMethods,
    Interval,
    StrOptions,
    _check_feature_names,
    _check_sample_weight,
    _check_y,
    _fit_context,
    validate_data,
)
from .._version import __version__
from ..fit_loop import ARMIJO_INITIAL, run
from ..history import History
from ..objective import Objective, check_capabilities, constrain
from ..objective.array_api import (
    DeviceObjective,
    host_dtype,
    is_device_array,
    like,
    to_numpy,
)
from ..objective.chunked import (
    ChunkedObjective,
    as_dask_matrix,
    dask_feature_names,
    is_dask_collection,
)
from ..objective.namespace import namespace
from ..schedules import SCHEDULES, Adaptive, Constant, Schedule, get_schedule
from ..solvers import Solver, get_solver, solver_names, solvers_supporting

# Minibatch size of ``sgd`` when ``batch_size=None``.
DEFAULT_SGD_BATCH_SIZE = 32

_COMMON_PARAMETERS_DOC = """
    solver : str or UpdateRule, default="gd" ("lbfgs" for GDPoissonRegressor)
        The optimisation algorithm: one of "gd", "sgd", "momentum", "nesterov",
        "adagrad", "rmsprop", "adam", "adamw", "newton", "lbfgs" (or any name
        added with :func:`skgd.register_solver`), or an update-rule object.
    learning_rate : float, "auto" or "armijo", default="auto"
        Base step size (the schedule multiplies it). "auto" computes it from
        the data when the fit starts (``learning_rate_`` records it), with
        ``L`` the Lipschitz constant of the objective's gradient, ``L_row``
        the largest weighted single-sample one, and
        ``l0 = max_j |grad_j F(theta0)| / L`` the length of the first ``1/L``
        gradient step from the null model ``theta0`` (1 if that is 0).
        Full batch: ``1/L`` for gd, ``1/((1-momentum) L)`` for momentum and
        nesterov, ``l0`` for adagrad, adam and adamw, ``0.3 l0`` for rmsprop.
        Minibatches (sgd, or a ``batch_size`` smaller than the rows):
        ``1/L_row`` for sgd, gd, momentum and nesterov, ``l0`` for adagrad
        (its growing sum of squares already shrinks the step), ``0.1 l0`` for
        adam and adamw, ``0.03 l0`` for rmsprop. newton: 1, the first trial
        step of its line search; lbfgs chooses its own steps
        (``learning_rate_`` is 1).
        "armijo" chooses every step by backtracking (the course notes' line
        search): trial steps ``eta, rho eta, rho^2 eta, ...`` (``rho = 1/2``,
        first ``eta = 1``, then twice the last accepted step; nesterov never
        grows it back) until
        ``F(theta+) <= F(theta) + c (g . (theta+ - theta) + N(theta+) - N(theta))``
        with ``c = 1e-4`` (``N`` the non-smooth part of the penalty): for gd,
        ``F(theta - eta g) <= F(theta) - c eta |g|^2``. For gd, adagrad and
        rmsprop (their steps are descent steps), and nesterov (from its
        look-ahead, with Beck & Teboulle's ``c = 1/2``), on full batches;
        momentum, adam and adamw refuse it (their steps can point uphill);
        newton and lbfgs always search their steps, so "armijo" is theirs.
    schedule : {"auto", "constant", "invscaling", "step", "cosine", "adaptive"}, \
            Schedule or callable, default="auto"
        The factor that multiplies ``learning_rate`` at iteration (epoch) ``t``
        (0-based, after ``warmup_iter``; ``T = max_iter - warmup_iter``):
        "constant" 1; "invscaling" ``(1 + t)^-0.5``; "step" ``0.5^floor(t / (T // 10))``;
        "cosine" ``(1 + cos(pi t / T)) / 2``; "adaptive" 1, but the step is
        divided by 5 whenever the objective has not improved for
        ``n_iter_no_change`` iterations (as scikit-learn's
        ``learning_rate="adaptive"``; on minibatches at most three times, then
        the run ends); a function ``f(t) -> factor``; or an instance of
        :mod:`skgd.schedules` (``InvScaling(decay, power)``,
        ``StepDecay(step_size, gamma)``, ``Cosine(min_factor)``) for other
        constants, searchable as ``schedule__power``. "auto" is "adaptive" for
        gd, the adaptive solvers and every minibatch run, "constant" for
        momentum, nesterov, newton and lbfgs and with "armijo", and
        "invscaling" in ``partial_fit``. The steps used are in
        ``history_["learning_rate"]``.
    warmup_iter : int, default=0
        Linear warm-up: the step of iteration ``t < warmup_iter`` is
        ``learning_rate * (t + 1) / (warmup_iter + 1)``; the schedule starts
        after it.
    clip_grad_norm : float or None, default=None
        Rescale the gradient the solver sees to at most this Euclidean norm,
        ``g * min(1, clip_grad_norm / |g|)`` (``torch.nn.utils.clip_grad_norm_``;
        on minibatches, each batch gradient). Fixed points, and so the optimum,
        are unchanged. Not for newton and lbfgs.
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
        adaptive schedule divides the step by 5, or a minibatch run ends; with
        ``early_stopping``, iterations without improvement of the validation
        score by ``tol`` before the fit stops.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (a stratified split for
        the classifier when every class can be represented, seeded by
        ``random_state``), score the iterate on them (``score``) after every
        iteration (epoch), stop when the score has not exceeded its best by
        ``tol`` for ``n_iter_no_change`` iterations, and return the iterate of
        the best score (as scikit-learn's MLP): ``coef_`` is then that
        iterate, not the last one. The objective is minimised on the remaining
        rows. ``fit`` only (``partial_fit`` ignores it, as ``SGDClassifier``).
    validation_fraction : float, default=0.1
        The held-out share of the rows for ``early_stopping``.
    positive : bool, default=False
        Constrain the coefficients to be non-negative, ``W >= 0`` elementwise
        (every class's coefficients; never the intercept), as
        ``LinearRegression(positive=True)`` and ``Lasso(positive=True)``. Fitted
        by projection after each step (the course notes' §9.2),
        ``W <- max(prox(W - eta * grad), 0)`` (with an L1 part:
        ``max(W - eta * (grad + alpha), 0)``). lbfgs uses L-BFGS-B's bounds
        ``W >= 0``; newton refuses it.
    max_coef_norm : float or None, default=None
        Constrain the coefficients to the ball ``||W||_F <= max_coef_norm`` (the
        whole coefficient block, all classes together; never the intercept).
        Fitted by projection after each step, ``W <- Pi(prox(W - eta * grad))``,
        ``Pi(Z) = Z * min(1, max_coef_norm / ||Z||)``; the adaptive solvers
        project in their own metric ``diag(D) / eta``, so that their fixed
        points are exactly the constrained minimisers. When the ball is active,
        ``||coef_|| == max_coef_norm`` and the gradient is not zero but normal
        to the sphere. lbfgs and newton refuse it. None: no ball.
    record_coef : bool, default=False
        Also record the coefficients and intercept after every iteration
        (``history_.coef``, ``history_.intercept``; ``history_.trajectory()``).
    callback : callable or None, default=None
        Called after every iteration (epoch) with a read-only
        :class:`skgd.history.TrainingState` (iteration, objective, optimality,
        grad_norm, learning_rate, time, coef, intercept, history); returning
        True stops the fit cleanly (``n_iter_`` and ``history_`` end at that
        iteration, ``converged_`` is False, no warning). scikit-learn's own
        callbacks (``set_callbacks(ProgressBar())``, ``ScoringMonitor``) are
        supported too (scikit-learn >= 1.9), one task per iteration.
    random_state : int, RandomState instance or None, default=None
        Seeds the minibatch shuffles.
    verbose : int, default=0
        Print progress (iteration, objective, optimality) at most twice a second.
    warm_start : bool, default=False
        Continue the previous fit: from its ``coef_`` and ``intercept_`` and,
        when the solver, its parameters and the data's layout are unchanged,
        with the solver's state (momentum buffer, Adam's moments and step
        count, the schedule's step, the shuffling generator, L-BFGS's memory),
        so that k fits of ``max_iter=1`` are one fit of ``max_iter=k``. A warm
        start that already passes the stopping test takes no step
        (``n_iter_ == 0``). Edited ``coef_`` restart the solver's state.
"""


# The fitted attributes every estimator sets through the one fit path.
_FITTED_ATTRIBUTES_DOC = """    n_iter_ : int
        Iterations (full batch) or epochs (minibatches) run.
    loss_curve_ : list of float
        The objective at the iterate reached after each iteration (or epoch):
        ``len(loss_curve_) == n_iter_``, and the last entry is the objective of
        ``coef_`` and ``intercept_`` -- except with ``early_stopping``, where
        ``coef_`` is the best-scoring iterate (its objective is
        ``loss_curve_[history_["validation_score"].argmax()]``) and the
        objective is that of the training split.
    learning_rate_ : float
        The base step size (``learning_rate="auto"`` resolved).
    learning_rate_curve_ : list of float
        The step used in each iteration (epoch), after the schedule.
    schedule_ : str
        The schedule used (``schedule="auto"`` resolved).
    converged_ : bool
        Whether the stopping test passed (otherwise a ConvergenceWarning said
        why, or early stopping or a callback ended the fit).
    history_ : skgd.history.History
        Per iteration (epoch): ``objective``, ``optimality``, ``grad_norm``,
        ``learning_rate`` (the step used), ``time`` (measured seconds since the
        fit started) and, with ``early_stopping``, ``validation_score``; a dict
        of arrays (``pandas.DataFrame(history_)``), with ``.plot()``,
        ``.start`` and, with ``record_coef``, ``.coef`` and ``.intercept``.
        ``partial_fit`` appends one row per call.
    validation_scores_ : list of float
        With ``early_stopping``: the validation score after each iteration.
    best_validation_score_ : float
        With ``early_stopping``: the best of them (that of ``coef_``).
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


@functools.cache
def _field_names(cls):
    """The sorted parameter names of an estimator dataclass (as scikit-learn's
    ``_get_param_names``)."""
    return sorted(f.name for f in fields(cls) if f.init)


def _streams(estimator):
    """partial_fit is available: the solver can run on a chunk at a time."""
    rule = get_solver(estimator.solver, estimator.get_params())
    if rule.full_batch_only:
        raise AttributeError(
            f"partial_fit cannot use solver={rule.name!r}: it needs every row at "
            "every iteration. Use sgd, gd, momentum, nesterov or an adaptive "
            "solver (adagrad, rmsprop, adam, adamw)."
        )
    return True


@estimator_dataclass
class GDModelMixin(CallbackSupportMixin):
    """Parameters, validation and the fit path shared by the estimators."""

    solver: str | Solver = "gd"
    learning_rate: float | str = "auto"
    schedule: str | Callable | Schedule = "auto"
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
        "schedule": [
            StrOptions({"auto", *SCHEDULES}),
            callable,
            HasMethods(["factor"]),
        ],
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
    # whether a 2-D y (one fit per column) is accepted
    _multi_output: ClassVar[bool] = False
    # the constraint of the estimators that add l1_ratio
    _l1_ratio_constraint: ClassVar[list] = [Interval(Real, 0, 1, closed="both")]
    # scikit-learn's HTML repr links each estimator to its entry in the API
    # reference (docs/api.rst documents it as skgd.<name>), for this version
    _doc_link_module: ClassVar[str] = "skgd"
    _doc_link_template: ClassVar[str] = (
        "https://skgd.readthedocs.io/en/"
        + ("latest" if "dev" in __version__ or "+" in __version__ else __version__)
        + "/api.html#skgd.{estimator_name}"
    )

    @classmethod
    def _get_param_names(cls):
        # scikit-learn reads the __init__ signature on every get_params (clone,
        # fit, grid search); a dataclass's fields are fixed: read them once
        return _field_names(cls)

    # -- hooks for the estimators ---------------------------------------------------
    def _make_loss_and_target(self, y, sample_weight):
        """Return ``(loss, Y, fitted_attributes)``."""
        raise NotImplementedError

    def _make_penalty(self):
        raise NotImplementedError

    def _penalty(self):
        """The penalty the fit minimises: the estimator's own, restricted by
        ``positive`` and ``max_coef_norm`` (capabilities decide which solvers
        can take the constraints)."""
        return constrain(
            self._make_penalty(), positive=self.positive, max_norm=self.max_coef_norm
        )

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
        if is_dask_collection(X):
            return self._validate_dask_fit_data(X, y, sample_weight)
        on_device = is_device_array(X)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=_float_dtypes(X) if on_device else [np.float64, np.float32],
            y_numeric=not is_classifier(self),
            multi_output=self._multi_output,
        )
        if on_device:
            # y and the weights (n numbers each) are encoded on the host; X
            # stays on its device (DeviceObjective)
            y = to_numpy(y)
            sample_weight = _check_sample_weight(
                None if sample_weight is None else to_numpy(sample_weight),
                np.empty((X.shape[0], 0)),
                dtype=host_dtype(X),
                ensure_non_negative=True,
            )
        else:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        if not sample_weight.sum() > 0:
            raise ValueError("sample_weight must have a positive sum.")
        # coef_ and intercept_ take y's dimensionality (_shape_coefficients)
        self._single_target = y.ndim == 1
        return X, y, sample_weight

    def _validate_dask_fit_data(self, X, y, sample_weight):
        """A dask X stays lazy (its values are checked in the objective's first
        pass); y and sample_weight, n numbers each, are computed and validated
        as NumPy arrays."""
        _check_feature_names(self, X, reset=True)  # forgets earlier names
        names = dask_feature_names(X)
        if names is not None:
            self.feature_names_in_ = names
        X = as_dask_matrix(X)
        if X.shape[0] < 1 or X.shape[1] < 1:
            raise ValueError(
                f"Found array with shape {X.shape}: at least one sample and one "
                "feature are required."
            )
        self.n_features_in_ = X.shape[1]
        y = _check_y(
            _computed(y),
            multi_output=self._multi_output,
            y_numeric=not is_classifier(self),
            estimator=self,
        )
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X has {X.shape[0]} rows but y has {y.shape[0]}: they must match."
            )
        sample_weight = _check_sample_weight(
            _computed(sample_weight), X, dtype=X.dtype, ensure_non_negative=True
        )
        if not sample_weight.sum() > 0:
            raise ValueError("sample_weight must have a positive sum.")
        self._single_target = y.ndim == 1
        return X, y, sample_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets (class labels of any type for the classifier; 2-D for the
            multi-output least-squares estimators).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight)

    @available_if(_streams)
    def partial_fit(self, X, y, sample_weight=None):
        """One pass over the given rows, continuing the previous calls.

        One epoch of minibatches (``sgd``, or any first-order or adaptive
        solver with ``batch_size`` smaller than the rows given) or one
        full-batch step on them, with the solver's state (momentum buffer,
        Adam's moments and step count), the schedule's step and the shuffling
        generator carried from call to call: a loop over the chunks of a
        ``numpy.memmap`` (or ``dask_ml.wrappers.Incremental`` on a dask array)
        trains on data larger than memory. The first call fixes what the data
        cannot change afterwards: the number of features, the centring of the
        intercept's coordinates and ``learning_rate="auto"`` (computed on the
        first chunk). ``schedule="auto"`` is ``"invscaling"`` here, with ``t``
        the number of calls: a constant step ends in a ball around the optimum
        of the latest chunks. newton and lbfgs need the whole data at every
        iteration: the estimator has no ``partial_fit`` with them (an
        AttributeError whose cause says so); ``learning_rate="armijo"``
        raises a ValueError; ``early_stopping`` is ignored (it applies to
        ``fit`` only, as in ``SGDClassifier``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._partial_fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def _partial_fit(self, X, y, sample_weight=None, classes=None):
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    def _fit(self, X, y, sample_weight=None, *, partial=False, classes=None):
        # Anything the fit sets stays unset if it fails: snapshot, restore on error.
        snapshot = dict(self.__dict__)
        try:
            self._fit_unsafe(X, y, sample_weight, partial=partial, classes=classes)
        except BaseException:
            # scikit-learn's callback context is torn down after fit returns
            kept = {k: v for k, v in self.__dict__.items() if k in _CALLBACK_KEYS}
            self.__dict__.clear()
            self.__dict__.update(snapshot)
            self.__dict__.update(kept)
            raise
        return self

    def _resolve_schedule(self, rule, stochastic, line_search, partial):
        """The schedule object, ``"auto"`` resolved (see the parameter doc)."""
        schedule = self.schedule
        if schedule == "auto":
            if partial:
                # each call sees another chunk: a constant step ends in a ball
                # around the optimum of the last chunks, 1/sqrt(1 + t) converges
                schedule = "invscaling"
            elif line_search:
                schedule = "constant"
            elif stochastic:  # minibatch noise floors shrink only with the step
                schedule = "adaptive"
            else:
                schedule = rule.default_schedule
        return get_schedule(schedule)

    def _check_training_controls(self, rule, stochastic, schedule, partial):
        """Clear errors for the controls that make no sense with this solver."""
        name = rule.name or type(rule).__name__
        if partial:
            if rule.full_batch_only:
                raise ValueError(
                    f"partial_fit cannot use solver={name!r}: it needs every row at "
                    "every iteration. Use sgd, gd, momentum, nesterov or an "
                    "adaptive solver (adagrad, rmsprop, adam, adamw)."
                )
            if schedule.adaptive:
                raise ValueError(
                    "schedule='adaptive' judges plateaus of the objective on "
                    "fixed data; partial_fit sees a new chunk each call. Use "
                    "'constant', 'invscaling', a function of the call count, or "
                    "Cosine(T=...) / StepDecay(step_size=...)."
                )
            if schedule.needs_horizon:
                raise ValueError(
                    f"schedule={self.schedule!r} is laid out over max_iter "
                    "iterations, but partial_fit runs one epoch per call and "
                    "cannot know how many calls will come: give the horizon, "
                    "e.g. schedule=Cosine(T=n_calls) or StepDecay(step_size=k)."
                )
        if self.learning_rate == "armijo" and rule.steps_with_learning_rate:
            if not rule.line_search:
                raise ValueError(
                    f"learning_rate='armijo' needs a solver whose step is a descent "
                    f"step for a small enough rate; {name!r}'s is not (its "
                    "momentum or moment estimate can point uphill). Use gd, "
                    "nesterov, adagrad or rmsprop with 'armijo', or a schedule."
                )
            if stochastic or partial:
                raise ValueError(
                    "learning_rate='armijo' compares full-data objective values: "
                    "it needs full batches (batch_size=None, a solver other than "
                    "sgd, and fit rather than partial_fit)."
                )
            if (
                self.warmup_iter
                or not isinstance(schedule, Constant)
                or (schedule.adaptive)
            ):
                raise ValueError(
                    "learning_rate='armijo' chooses every step itself: a "
                    f"schedule ({self.schedule!r}) or warmup_iter would only "
                    "scale its first trial. Use schedule='auto' or 'constant' "
                    "and warmup_iter=0 with it."
                )
        if not rule.steps_with_learning_rate:
            asked = []
            if self.clip_grad_norm is not None:
                asked.append("clip_grad_norm")
            if self.warmup_iter:
                asked.append("warmup_iter")
            if not isinstance(schedule, Constant) or isinstance(schedule, Adaptive):
                asked.append(f"schedule={self.schedule!r}")
            if asked:
                raise ValueError(
                    f"{', '.join(asked)} cannot be used with solver={name!r}: its "
                    "line search sets every step from the curvature. Use a "
                    "first-order or adaptive solver (gd, momentum, adam, ...)."
                )

    def _fit_unsafe(self, X, y, sample_weight, *, partial=False, classes=None):
        start_time = time.perf_counter()
        previous_features = getattr(self, "n_features_in_", None)
        resuming = partial and hasattr(self, "_partial_state")
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        if resuming and X.shape[1] != previous_features:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is "
                f"expecting {previous_features} features as input (from the "
                "first partial_fit call)."
            )
        if partial:
            self._check_partial_target(y, classes)
        else:
            self.__dict__.pop("_partial_target", None)
        sample_weight = self._weighted_samples(y, sample_weight)
        validation = None
        if self.early_stopping and not partial:  # fit only, as SGDClassifier
            # the target's own errors (one class, bad labels) come first
            self._make_loss_and_target(y, sample_weight)
            X, y, sample_weight, validation = self._validation_split(
                X, y, sample_weight
            )
        loss, Y, fitted = self._make_loss_and_target(y, sample_weight)
        rule = self._solver()
        penalty = self._penalty()
        learning_rate_is_auto = self.learning_rate == "auto"
        line_search = self.learning_rate == "armijo" and rule.steps_with_learning_rate
        requires = rule.requires
        if learning_rate_is_auto:
            requires = requires | rule.auto_rate_requires
        check_capabilities(
            rule.name or type(rule).__name__,
            requires,
            loss,
            penalty,
            alternatives=solvers_supporting,
        )
        n_weighted = int(np.count_nonzero(sample_weight))
        stochastic = not rule.full_batch_only and (
            rule.stochastic
            or (self.batch_size is not None and self.batch_size < n_weighted)
        )
        batch_size = self.batch_size or min(DEFAULT_SGD_BATCH_SIZE, n_weighted)
        if stochastic and sp.issparse(X) and X.format == "csc":
            X = X.tocsr()  # row batches of a CSC matrix are slow to slice
        schedule = self._resolve_schedule(rule, stochastic, line_search, partial)
        self._check_training_controls(rule, stochastic, schedule, partial)
        # partial_fit keeps the first chunk's coordinates: the solver's state
        # (moments, momentum) lives in them
        centring = self._partial_state["centring"] if resuming else None
        # the objective casts the targets to X's dtype itself (after centring)
        if is_dask_collection(X):
            make_objective = ChunkedObjective
        elif is_device_array(X):
            make_objective = DeviceObjective
        else:
            make_objective = Objective
        objective = make_objective(
            X, Y, loss, penalty, sample_weight, self.fit_intercept, centring=centring
        )
        _check_representable(objective)
        if resuming and learning_rate_is_auto:  # the first chunk's, kept
            learning_rate = self._partial_state["learning_rate"]
        elif learning_rate_is_auto:
            learning_rate = float(rule.auto_learning_rate(objective, stochastic))
        elif line_search:
            learning_rate = ARMIJO_INITIAL  # the first trial step (notes: alpha0)
        else:  # newton's own line search starts at 1 for "armijo" too
            learning_rate = float(
                1.0 if self.learning_rate == "armijo" else self.learning_rate
            )
        if not (np.isfinite(learning_rate) and learning_rate > 0):
            raise ValueError(  # L overflowed: X's values are too large
                f"learning_rate='auto' is {learning_rate} on this data: X's values "
                "are too large or too small for its dtype. Rescale X (e.g. with "
                "StandardScaler)."
            )

        key = _resume_key(rule, objective, stochastic)
        theta0, resume = self._starting_point(objective, key, partial, resuming)
        if stochastic:
            random_state = check_random_state(self.random_state)
            if resume is not None and resume.rng is None:
                resume.rng = random_state
        else:
            random_state = None

        callbacks = IterationCallbacks(
            self,
            objective,
            self._shape_coefficients,
            fitted,
            X,
            y,
            {"sample_weight": sample_weight},
            "epoch" if stochastic else "iteration",
            1 if partial else self.max_iter,
        )
        callbacks.history = lambda monitor: _history(
            monitor.loss_curve,
            monitor.learning_rates,
            monitor.records,
            monitor.validation_scores,
        )
        result = run(
            objective,
            rule,
            learning_rate=learning_rate,
            max_iter=1 if partial else self.max_iter,
            tol=0.0 if partial else self.tol,
            stochastic=stochastic,
            batch_size=batch_size,
            random_state=random_state,
            theta0=theta0,
            schedule=schedule,
            warmup_iter=self.warmup_iter,
            line_search=line_search,
            clip_grad_norm=self.clip_grad_norm,
            learning_rate_is_auto=learning_rate_is_auto,
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
            start_time=start_time,
            record_theta=self.record_coef,
            on_iteration=callbacks if callbacks.active else None,
            validation=validation
            and (lambda theta: validation(callbacks.attributes(theta))),
            resume=resume,
        )
        coef, intercept = objective.unpack(result.theta)
        if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
            raise FloatingPointError(  # the fit loop should have caught it first
                f"Solver {rule.name!r} produced non-finite coefficients; "
                f"use a smaller learning_rate than {learning_rate:.4g}."
            )
        start = theta0 if resume is None else resume.theta
        history = self._history(result, objective, start)
        if partial and resuming:
            history = _append_history(self.history_, history)
        for name, value in fitted.items():
            setattr(self, name, value)
        self._store_coefficients(coef, intercept)
        # copies: coef_ edited in place must not pass for the stored state's
        state = {"key": key, "loop": result.loop_state}
        state["coef"], state["intercept"] = (
            np.copy(self.coef_),
            np.copy(self.intercept_),
        )
        if partial:
            self._partial_state = {
                "loop": result.loop_state,
                "centring": objective.centring,
                "learning_rate": learning_rate,
            }
            self.__dict__.pop("_warm_state", None)
        else:
            self._warm_state = state
            self.__dict__.pop("_partial_state", None)
        self.history_ = history
        self.n_iter_ = result.loop_state.step if partial else result.n_iter
        self.loss_curve_ = list(history["objective"])
        self.learning_rate_ = learning_rate
        self.learning_rate_curve_ = list(history["learning_rate"])
        self.schedule_ = schedule.name
        self.converged_ = result.converged
        if validation is not None:
            self.validation_scores_ = list(result.validation_scores)
            self.best_validation_score_ = max(result.validation_scores)
        if is_device_array(X):  # as scikit-learn's array-API estimators
            self.coef_ = like(np.asarray(self.coef_), X)
            if isinstance(self.intercept_, np.ndarray):
                self.intercept_ = like(self.intercept_, X)
        callbacks.finish()
        if result.status in ("max_iter", "stalled"):
            warnings.warn(
                _not_converged_message(
                    self, result, objective, rule, learning_rate, stochastic
                ),
                ConvergenceWarning,
                stacklevel=6,  # the user's fit call, through _fit_context
            )
        return self

    def _starting_point(self, objective, key, partial, resuming):
        """``(theta0, resume)``: where the run starts, and the loop state it
        continues (warm start or partial_fit), or None for a fresh state."""
        # copies: a fit that fails half-way must not have advanced the stored
        # state (moments, shuffling generator) of the fit it restores
        if resuming:
            return None, copy.deepcopy(self._partial_state["loop"])
        if not ((partial or self.warm_start) and hasattr(self, "coef_")):
            return None, None
        saved = getattr(self, "_warm_state", None)
        if (
            saved is not None
            and saved["loop"] is not None
            and saved["key"] == key
            and _same(saved["coef"], saved["intercept"], *self._host_coefficients())
        ):
            return None, copy.deepcopy(saved["loop"])  # continue the run exactly
        coef, intercept = self._host_coefficients()
        if coef.size == objective.n_features * objective.n_outputs:
            # another solver, other data or edited coefficients: from coef_,
            # with a fresh solver state
            return objective.pack(coef, intercept), None
        return None, None

    def _history(self, result, objective, start):
        """``history_`` of a run that started at ``start`` (None: the null model)."""
        history = _history(
            result.loss_curve,
            result.learning_rates,
            result.records,
            result.validation_scores,
        )
        if self.record_coef:
            shaped = [
                self._shape_coefficients(*objective.unpack(t)) for t in result.thetas
            ]
            history.coef = np.array([c for c, _ in shaped])
            history.intercept = np.array([b for _, b in shaped])
            if start is None:
                start = objective.initial_theta()
            coef, intercept = self._shape_coefficients(*objective.unpack(start))
            history.start.update(coef=coef, intercept=intercept)
        history.start["objective"] = result.start_value
        history.start["grad_norm"] = result.start_grad_norm
        return history

    def _weighted_samples(self, y, sample_weight):
        """The sample weights the objective uses (the classifier multiplies in
        its ``class_weight``)."""
        return sample_weight

    def _check_partial_target(self, y, classes):
        """partial_fit: the target's kind cannot change between calls (the
        classifier overrides this to fix ``classes``)."""

    def _validation_split(self, X, y, sample_weight):
        """Hold out ``validation_fraction`` of the rows (stratified for a
        classifier) and return the training part and ``score(attributes)``."""
        n = X.shape[0]
        n_val = int(np.ceil(self.validation_fraction * n))
        if n_val < 1 or n - n_val < 1:
            raise ValueError(
                f"Splitting {n} samples into a train set and a validation set "
                f"with validation_fraction={self.validation_fraction} led to an "
                "empty set. Change validation_fraction, increase the number of "
                "samples, or set early_stopping=False."
            )
        stratify = None
        if is_classifier(self):
            check_classification_targets(y)
            _, counts = np.unique(y, return_counts=True)
            # stratified when every class can appear on both sides
            if counts.min() >= 2 and min(n_val, n - n_val) >= counts.size:
                stratify = y
        train, val = train_test_split(
            np.arange(n),
            test_size=n_val,
            stratify=stratify,
            random_state=self.random_state,
        )
        if is_dask_collection(X):  # dask takes sorted row indices well
            train, val = np.sort(train), np.sort(val)
        X_val, y_val, w_val = X[val], y[val], sample_weight[val]
        if not w_val.sum() > 0 or not sample_weight[train].sum() > 0:
            raise ValueError(
                "early_stopping=True: the validation or training split has zero "
                "total sample_weight; change random_state or validation_fraction."
            )

        def score(attributes):
            scratch = copy.copy(self)
            scratch.__dict__.update(attributes)
            return scratch.score(X_val, y_val, sample_weight=w_val)

        return X[train], y[train], sample_weight[train], score

    def _shape_coefficients(self, coef, intercept):
        """``coef`` (K, d), ``intercept`` (K,) -> the shapes of ``coef_`` and
        ``intercept_``."""
        return (
            coef[0] if coef.shape[0] == 1 else coef,
            intercept[0] if self.fit_intercept else intercept.dtype.type(0),
        )

    def _host_coefficients(self):
        """``(coef_, intercept_)`` as NumPy arrays (they may live on a device)."""
        intercept = self.intercept_
        if isinstance(intercept, (np.generic, float)):  # a scalar intercept_
            intercept = np.asarray(intercept)
        return to_numpy(self.coef_), to_numpy(intercept)

    def _store_coefficients(self, coef, intercept):
        """``coef`` (K, d), ``intercept`` (K,) -> the estimator's shapes."""
        self.coef_, self.intercept_ = self._shape_coefficients(coef, intercept)

    def _decision(self, X):
        check_is_fitted(self)
        on_device = is_device_array(X)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            reset=False,
            dtype=_float_dtypes(X) if on_device else [np.float64, np.float32],
        )
        if on_device:  # in X's namespace, on its device
            coef, intercept = self._host_coefficients()
            dtype = host_dtype(X)
            coef = like(np.asarray(coef, dtype=dtype), X)
            scores = X @ (coef.T if coef.ndim == 2 else coef)
            return scores + like(np.asarray(intercept, dtype=dtype), X)
        return safe_sparse_dot(X, np.asarray(self.coef_).T, dense_output=True) + (
            self.intercept_
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # X's passes run in its own namespace and device (DeviceObjective)
        tags.array_api_support = True
        return tags


# What scikit-learn's callback machinery keeps on the estimator during fit:
# it must survive the restore of a failed fit (teardown reads it afterwards).
_CALLBACK_KEYS = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


def _float_dtypes(X):
    """float64 and float32 of X's array namespace (validate_data's ``dtype``)."""
    xp = namespace(X)
    return [xp.float64, xp.float32]


def _computed(data):
    """A dask y or sample_weight as a NumPy array (n numbers: they fit on the
    client), gathered chunk by chunk: a worker never holds all of it (a plain
    ``compute`` concatenates on one worker)."""
    if not is_dask_collection(data):
        return data
    import dask

    if getattr(data, "ndim", 1) == 2 and hasattr(data, "rechunk"):
        data = data.rechunk({1: -1})
    blocks = data.to_delayed()
    blocks = list(np.ravel(blocks)) if isinstance(blocks, np.ndarray) else blocks
    parts = dask.compute(*blocks)
    if parts and hasattr(parts[0], "to_numpy"):  # pandas partitions
        parts = [part.to_numpy() for part in parts]
    return np.concatenate(parts)


def _resume_key(rule, objective, stochastic):
    """What must not change for a warm start to continue a run exactly: the
    solver and its hyper-parameters, the parameter layout and coordinates."""
    centring = objective.centring
    return (
        rule.name,
        type(rule),
        repr(sorted(rule.get_params().items())),
        objective.shape,
        objective.dtype,
        stochastic,
        None if centring is None else tuple(np.asarray(c).tobytes() for c in centring),
    )


def _same(coef_a, intercept_a, coef_b, intercept_b):
    """The fitted coefficients are still those the fit stored (not set by hand)."""
    return np.array_equal(coef_a, coef_b) and np.array_equal(intercept_a, intercept_b)


def _history(loss_curve, learning_rates, records, validation_scores):
    """The ``History`` of a run's records."""
    n = len(loss_curve)
    columns = {
        "iteration": np.arange(1, n + 1),
        "objective": np.asarray(loss_curve, dtype=float),
        "optimality": np.asarray(records["optimality"], dtype=float),
        "grad_norm": np.asarray(records["grad_norm"], dtype=float),
        "learning_rate": np.asarray(learning_rates, dtype=float),
        "time": np.asarray(records["time"], dtype=float),
    }
    if validation_scores is not None:
        columns["validation_score"] = np.asarray(validation_scores, dtype=float)
    return History(columns)


def _append_history(previous, new):
    """partial_fit: the new call's rows after the previous ones (iterations and
    times continue)."""
    columns = {}
    for name in new:
        old = previous.get(name, np.array([]))
        added = new[name]
        if name == "iteration":
            added = added + (old[-1] if len(old) else 0)
        elif name == "time":
            added = added + (old[-1] if len(old) else 0.0)
        columns[name] = np.concatenate([old, added])
    history = History(columns, start=previous.start)
    if previous.coef is not None and new.coef is not None:
        history.coef = np.concatenate([previous.coef, new.coef])
        history.intercept = np.concatenate([previous.intercept, new.intercept])
    return history


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
            "(the coefficients grow forever); set alpha > 0 or max_coef_norm."
        )
    if not causes and result.status == "max_iter":
        causes.append(f"Increase max_iter (now {estimator.max_iter}) or tol.")
    return " ".join([head, *causes])
