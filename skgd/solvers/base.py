"""The solver layer's contract and its one registry.

An update rule answers *which direction to move*. The contract, all that
:func:`skgd.fit_loop.run` relies on:

``init(theta, objective) -> state``
    The rule's state before the first step (any object; a dict of arrays is
    usual). ``theta`` is the starting point (a copy: the rule may keep it).
``step(theta, value, grad, state, ctx) -> (new_theta, state)``
    The next iterate. ``theta`` is a private copy of the current iterate (the
    rule may modify it in place), ``value`` the full objective at ``theta`` on
    full batches (None on minibatches), ``grad`` the full or minibatch gradient
    at ``theta``, ``ctx`` a :class:`~skgd.fit_loop.StepContext` with
    ``objective``, ``learning_rate`` (the step of this iteration, after the
    schedule), ``stochastic``, ``rows`` and ``gradient(point)``.

That is the whole minimal object: anything with ``init`` and ``step`` is a
solver. The optional hooks, with their defaults in :class:`UpdateRule`:

``name`` (the rule's class name), ``stochastic`` (False: runs on minibatches by
default, as ``sgd``), ``full_batch_only`` (False: never runs on minibatches,
as ``newton``), ``default_schedule`` (``"adaptive"``: the schedule used when the
estimator's ``schedule="auto"``), ``requires`` (``{"prox"}``) and
``auto_learning_rate(objective, stochastic)`` (``1/L``, or ``1/L_row`` on
minibatches).

What a rule may assume: ``theta`` is a flat float array in X's dtype (the
:class:`~skgd.objective.Objective`'s packing; ``objective.split`` gives the
coefficient and intercept views); ``grad`` has the same shape and is already
the gradient of the smooth part (the non-smooth part of the penalty is reached
only through ``ctx.objective.prox``); ``state`` is whatever ``init`` or the
previous ``step`` returned, and is never touched by the loop.

A whole algorithm (scipy's L-BFGS-B) derives from :class:`Algorithm` and
implements ``minimize(objective, theta0, monitor, ctx, max_iter=, state=)``
instead, reporting every iteration to ``monitor.record`` and returning the
final iterate and its resumable state.

A rule whose step is a (scaled, proximal) gradient step, and so a descent
step for a small enough learning rate, declares ``line_search = True``: it then
accepts ``learning_rate="armijo"`` (backtracking in the fit loop). A rule whose
gradient step starts elsewhere than ``theta`` (Nesterov's look-ahead) sets
``ctx.base = (point, value, gradient)`` when ``ctx.line_search`` is True.

Every solver declares the capabilities it needs from the loss and the penalty
(``requires``, see :mod:`skgd.objective.base`); the estimators check them
before fitting.

Register a new solver with :func:`register_solver`; its name then works as
``solver="name"`` on every estimator, and the estimator's parameters whose names
match the rule's dataclass fields (``momentum``, ``beta1``, ...) are passed to it.
"""

import dataclasses
import functools
import inspect
from typing import ClassVar

SOLVERS = {}
# The names registered by skgd itself: register_solver never replaces them.
_BUILTIN_NAMES = set()


class Solver:
    """What every solver declares: its name, how it runs, what it needs.

    Two kinds derive from it: :class:`UpdateRule` (stepped by the fit loop:
    ``init`` and ``step``) and :class:`Algorithm` (a whole algorithm:
    ``minimize``). The fit loop dispatches on the kind, never on attributes.

    Class attributes
    ----------------
    name : str
        The ``solver`` string.
    stochastic : bool
        Runs on minibatches by default (``sgd``).
    full_batch_only : bool
        Never runs on minibatches (``newton``, ``lbfgs``); ``batch_size`` is ignored.
    default_schedule : str
        The step schedule of ``schedule="auto"`` on full batches: ``"adaptive"``
        (divide the step by 5 when the objective stops improving while rising)
        or ``"constant"``.
    requires : frozenset of str
        The capabilities (:data:`skgd.objective.CAPABILITIES`) the solver needs
        from the loss and penalty; a fit with a combination that lacks one
        raises a ValueError naming both sides.
    auto_rate_requires : frozenset of str
        Further capabilities needed by ``learning_rate="auto"``.
    steps_with_learning_rate : bool
        ``learning_rate`` sets the step lengths (False when a line search does:
        newton, lbfgs), which decides what a non-converged fit is told to change.
    line_search : bool
        ``learning_rate="armijo"`` may choose the steps by backtracking: each
        step is a descent step for a small enough rate.
    normalized_step : bool
        Whether the step divides each coordinate's gradient by its own running
        magnitude (the adaptive rules): a coordinate whose gradient is only
        rounding noise then still moves by up to ``learning_rate``, so two
        runs whose sums differ in the order of additions part at that level.
    armijo_c, armijo_growth : float
        The sufficient-decrease constant (the notes' ``c = 1e-4``) and the
        factor by which each iteration's first trial step exceeds the last
        accepted one (2: the step can grow back; 1: steps only shrink).

    Hyper-parameters are the arguments of ``__init__`` (dataclass fields for
    the built-in rules); :meth:`get_params` / :meth:`set_params` expose them,
    so ``GridSearchCV`` can search ``solver__beta1`` on ``solver=Adam()``.
    """

    name: ClassVar[str] = ""
    stochastic: ClassVar[bool] = False
    full_batch_only: ClassVar[bool] = False
    default_schedule: ClassVar[str] = "adaptive"
    requires: ClassVar[frozenset] = frozenset({"prox"})
    # whether learning_rate sets the steps (False: a line search does)
    steps_with_learning_rate: ClassVar[bool] = True
    auto_rate_requires: ClassVar[frozenset] = frozenset({"lipschitz"})
    # learning_rate="armijo" applies: every step is a descent step for a small
    # enough rate (gd, nesterov from its look-ahead, adagrad, rmsprop)
    line_search: ClassVar[bool] = False
    normalized_step: ClassVar[bool] = False
    # the sufficient-decrease constant c of learning_rate="armijo" and the factor
    # by which each iteration's first trial exceeds the last accepted step
    armijo_c: ClassVar[float] = 1e-4
    armijo_growth: ClassVar[float] = 2.0

    def auto_learning_rate(self, objective, stochastic):
        """The step used for ``learning_rate="auto"``: ``1/L`` (full batch) or
        ``1/L_row`` (minibatches), ``L`` the gradient's Lipschitz constant."""
        if stochastic:
            return 1.0 / objective.row_lipschitz()
        return 1.0 / objective.lipschitz()

    @classmethod
    @functools.cache
    def _param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        parameters = inspect.signature(init).parameters.values()
        return [
            p.name
            for p in parameters
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self, deep=True):
        """The solver's hyper-parameters (its ``__init__`` arguments)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set hyper-parameters; unknown names raise ValueError."""
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"{type(self).__name__} has no hyper-parameter {key!r}; "
                    f"valid: {', '.join(valid) or '(none)'}."
                )
            setattr(self, key, value)
        return self


class UpdateRule(Solver):
    """A stepped solver: the fit loop calls ``init`` once and ``step`` per batch."""

    def init(self, theta, objective):
        """Initial solver state."""
        return None

    def step(self, theta, value, grad, state, ctx):
        """Next iterate and state; see the module docstring."""
        raise NotImplementedError(
            f"{type(self).__name__} defines no step(theta, value, grad, state, ctx)."
        )


class Algorithm(Solver):
    """A whole algorithm: ``minimize(objective, theta0, monitor, ctx, max_iter=,
    state=)`` runs it, reports every iteration to ``monitor.record`` and returns
    ``(theta, state)``: the final iterate and whatever a warm start needs to
    continue the same run (``state`` is that object from the previous fit, or
    None on a fresh start)."""

    full_batch_only: ClassVar[bool] = True

    def minimize(self, objective, theta0, monitor, ctx, *, max_iter, state=None):
        raise NotImplementedError(f"{type(self).__name__} defines no minimize.")


class _DuckRule(UpdateRule):
    """A user object with ``init`` and ``step``, given the optional hooks'
    defaults wherever it does not define them."""

    def __init__(self, rule):
        self.rule = rule
        for hook in (
            "stochastic",
            "full_batch_only",
            "default_schedule",
            "requires",
            "line_search",
        ):
            value = getattr(rule, hook, None)
            if value is not None:
                setattr(self, hook, value)
        self.name = getattr(rule, "name", "") or type(rule).__name__

    def auto_learning_rate(self, objective, stochastic):
        own = getattr(self.rule, "auto_learning_rate", None)
        if own is None:
            return super().auto_learning_rate(objective, stochastic)
        return own(objective, stochastic)

    def init(self, theta, objective):
        return self.rule.init(theta, objective)

    def step(self, theta, value, grad, state, ctx):
        return self.rule.step(theta, value, grad, state, ctx)


def as_solver(rule):
    """``rule`` as a :class:`Solver`: subclasses as they are, any other object
    with ``init`` and ``step`` wrapped with the default hooks."""
    if isinstance(rule, Solver):
        return rule
    missing = [m for m in ("init", "step") if not callable(getattr(rule, m, None))]
    if missing:
        raise TypeError(
            f"solver={rule!r} is not an update rule: it lacks "
            f"{' and '.join(missing)}. Pass a registered name or an object with "
            "init(theta, objective) and step(theta, value, grad, state, ctx)."
        )
    return _DuckRule(rule)


# the name of 0.1
as_update_rule = as_solver


def register_solver(cls=None, name=None, *, overwrite=False):
    """Add an update-rule class to the registry (usable as a decorator).

    Parameters
    ----------
    cls : type
        A :class:`UpdateRule` or :class:`Algorithm` subclass, or any class whose
        instances have ``init`` and ``step``.
    name : str, optional
        The ``solver`` string (default: ``cls.name``).
    overwrite : bool, default=False
        Replace a user-registered solver of the same name. skgd's built-in
        names can never be replaced; a name already taken raises ValueError
        unless ``overwrite=True``.
    """
    if cls is None:  # @register_solver(name=..., overwrite=...)
        return lambda klass: register_solver(klass, name, overwrite=overwrite)
    key = name or getattr(cls, "name", "")
    if not key:
        raise ValueError(f"{cls.__name__} has no `name`; pass one to register_solver.")
    current = SOLVERS.get(key)
    if current is not None and current is not cls:
        if key in _BUILTIN_NAMES:
            raise ValueError(
                f"{key!r} is a built-in skgd solver and cannot be replaced; "
                f"register {cls.__name__} under another name."
            )
        if not overwrite:
            raise ValueError(
                f"A solver named {key!r} is already registered "
                f"({current.__name__}); pass overwrite=True to replace it."
            )
    SOLVERS[key] = cls
    return cls


def _register_builtin(cls):
    register_solver(cls)
    _BUILTIN_NAMES.add(cls.name)
    return cls


def solvers_supporting(offered):
    """The registered solvers whose needs (with ``learning_rate="auto"``) are all
    in the capability set ``offered``: the alternatives a refusal names."""
    return [
        name
        for name, cls in SOLVERS.items()
        if set(getattr(cls, "requires", UpdateRule.requires))
        | set(getattr(cls, "auto_rate_requires", UpdateRule.auto_rate_requires))
        <= offered
    ]


def solver_names():
    """A live view of the registered solver strings (used in parameter validation)."""
    return SOLVERS.keys()


def get_solver(solver, params=None):
    """Resolve ``solver`` (a registered string or an update-rule object) to a rule.

    For a string, the fields of the rule's dataclass are filled from ``params``
    (the estimator's parameters) where the names match. The result always has
    every optional hook (see :func:`as_solver`).
    """
    if isinstance(solver, type):
        raise ValueError(
            f"solver={solver.__name__} is a class; pass an instance, "
            f"solver={solver.__name__}(), or a registered name."
        )
    if not isinstance(solver, str):
        return as_solver(solver)
    try:
        cls = SOLVERS[solver]
    except KeyError:
        valid = ", ".join(sorted(SOLVERS))
        raise ValueError(
            f"Unknown solver {solver!r}; valid solvers: {valid}."
        ) from None
    params = params or {}
    if dataclasses.is_dataclass(cls):
        kwargs = {
            f.name: params[f.name]
            for f in dataclasses.fields(cls)
            if f.init and f.name in params
        }
        rule = cls(**kwargs)
    else:
        rule = cls()
    return as_solver(rule)
