"""Shared parameters and the one fit path of the skgd estimators.

An estimator validates its input, builds an :class:`~skgd.objective.Objective`
and an update rule, calls :func:`skgd.fit_loop.run` and stores the result. All
solver logic lives in :mod:`skgd.solvers`; all objective logic in
:mod:`skgd.objective`.
"""

import types
import warnings
from numbers import Integral, Real

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
    validate_data,
)
from ..fit_loop import run
from ..objective import Objective
from ..solvers import get_solver, solver_names

# Minibatch size of ``sgd`` when ``batch_size=None``.
DEFAULT_SGD_BATCH_SIZE = 32

_COMMON_PARAMETERS_DOC = """
    solver : str or UpdateRule, default="gd"
        The optimisation algorithm: one of "gd", "sgd", "momentum", "nesterov",
        "adagrad", "rmsprop", "adam", "adamw", "newton", "lbfgs" (or any name
        added with :func:`skgd.register_solver`), or an update-rule object.
    learning_rate : float or "auto", default="auto"
        Step size. "auto" is ``1/L`` for gd (and ``1/((1-momentum) L)`` for
        momentum and nesterov), ``L`` the Lipschitz constant of the gradient;
        ``1/L_row`` (largest single-sample Lipschitz constant) on minibatches;
        0.01 for the adaptive solvers; the first trial step 1 for newton's line
        search. lbfgs chooses its own steps.
    max_iter : int, default=1000
        Iterations (full batch) or epochs (minibatches).
    tol : float, default=1e-6
        Full batch: stop when the optimality measure (max-norm of the gradient,
        or of the prox-gradient step for L1) falls below ``tol`` times its value
        at zero coefficients. Minibatches: stop when the epoch objective has not
        improved by ``tol`` (relative) for ``n_iter_no_change`` epochs.
        ``tol=0`` is a fixed budget: ``max_iter`` iterations (fewer only if the
        iterate reaches an exact floating-point fixed point), no ConvergenceWarning.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    batch_size : int or None, default=None
        Minibatch size. None: full batch, except ``sgd`` which uses
        ``min(32, n_samples)``. Ignored by newton and lbfgs.
    momentum : float, default=0.9
        ``beta`` of momentum and nesterov.
    beta1, beta2 : float, default=0.9, 0.999
        Adam's and AdamW's moment decay rates.
    rho : float, default=0.9
        RMSProp's decay rate.
    epsilon : float, default=1e-8
        Adaptive solvers' denominator guard.
    weight_decay : float, default=0.0
        AdamW's decoupled weight decay.
    n_iter_no_change : int, default=10
        Epochs without improvement before a minibatch run stops.
    random_state : int, RandomState instance or None, default=None
        Seeds the minibatch shuffles.
    verbose : int, default=0
        Print progress (iteration, objective, optimality) at most twice a second.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_``.
"""


def init_with_defaults(init, **defaults):
    """A copy of ``init`` whose keyword defaults are updated with ``defaults``.

    The three estimators share one ``__init__`` and differ only in the default
    of ``alpha``; scikit-learn reads the defaults from the signature.
    """
    copy = types.FunctionType(
        init.__code__,
        init.__globals__,
        init.__name__,
        init.__defaults__,
        init.__closure__,
    )
    copy.__kwdefaults__ = {**init.__kwdefaults__, **defaults}
    copy.__qualname__ = init.__qualname__
    copy.__doc__ = init.__doc__
    return copy


class GDModelMixin:
    """Parameters, validation and the fit path shared by the three estimators."""

    _parameter_constraints: dict = {
        "solver": [
            StrOptions(solver_names()),
            HasMethods(["init", "step"]),
            HasMethods(["minimize"]),
        ],
        "learning_rate": [
            StrOptions({"auto"}),
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
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        *,
        solver="gd",
        learning_rate="auto",
        max_iter=1000,
        tol=1e-6,
        alpha=0.0,
        fit_intercept=True,
        batch_size=None,
        momentum=0.9,
        beta1=0.9,
        beta2=0.999,
        rho=0.9,
        epsilon=1e-8,
        weight_decay=0.0,
        n_iter_no_change=10,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.batch_size = batch_size
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.rho = rho
        self.epsilon = epsilon
        self.weight_decay = weight_decay
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # -- hooks for the estimators ---------------------------------------------------
    def _make_loss_and_target(self, y, sample_weight):
        """Return ``(loss, Y, fitted_attributes)``."""
        raise NotImplementedError

    def _make_penalty(self):
        raise NotImplementedError

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
        rule = get_solver(self.solver, self.get_params())
        stochastic = not getattr(rule, "full_batch_only", False) and (
            getattr(rule, "stochastic", False)
            or (self.batch_size is not None and self.batch_size < X.shape[0])
        )
        batch_size = self.batch_size or min(DEFAULT_SGD_BATCH_SIZE, X.shape[0])
        if stochastic and sp.issparse(X) and X.format == "csc":
            X = X.tocsr()  # row batches of a CSC matrix are slow to slice
        objective = Objective(
            X,
            Y.astype(X.dtype, copy=False),
            loss,
            self._make_penalty(),
            sample_weight,
            self.fit_intercept,
        )
        if self.learning_rate == "auto":
            learning_rate = float(rule.auto_learning_rate(objective, stochastic))
        else:
            learning_rate = float(self.learning_rate)

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
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
        )
        coef, intercept = objective.unpack(result.theta)
        if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
            raise FloatingPointError(  # the fit loop should have caught it first
                f"Solver {self.solver!r} produced non-finite coefficients; "
                f"use a smaller learning_rate than {learning_rate:.4g}."
            )
        for name, value in fitted.items():
            setattr(self, name, value)
        self._store_coefficients(coef, intercept)
        self.n_iter_ = result.n_iter
        self.loss_curve_ = list(result.loss_curve)
        self.learning_rate_ = learning_rate
        if not result.converged and self.tol > 0:  # tol=0 asks for a fixed budget
            self._warn_not_converged(result, learning_rate, stochastic)
        return self

    def _store_coefficients(self, coef, intercept):
        """``coef`` (K, d), ``intercept`` (K,) -> the estimator's shapes."""
        self.coef_ = coef[0] if coef.shape[0] == 1 else coef
        self.intercept_ = (
            intercept[0] if self.fit_intercept else intercept.dtype.type(0)
        )

    def _warn_not_converged(self, result, learning_rate, stochastic):
        unit = "epochs" if stochastic else "iterations"
        if stochastic:
            detail = (
                f"the objective was still improving by more than tol={self.tol:g} "
                "(relative)"
            )
        else:
            detail = (
                f"optimality {result.optimality:.3g} > tol * scale = "
                f"{result.threshold:.3g}"
            )
        warnings.warn(
            f"{type(self).__name__}(solver={self.solver!r}) did not converge in "
            f"{result.n_iter} {unit} ({detail}). Increase max_iter (now "
            f"{self.max_iter}), increase tol, standardize the features (e.g. "
            f"StandardScaler), or change learning_rate (now {learning_rate:.4g}).",
            ConvergenceWarning,
            stacklevel=6,  # the user's fit call, through _fit_context
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
