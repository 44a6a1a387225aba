"""The solver layer's contract and its one registry.

An :class:`UpdateRule` answers *which direction to move*: ``init`` builds its
state, ``step`` maps the current iterate (with its value and gradient) to the
next one. It knows nothing about estimators; :func:`skgd.fit_loop.run` drives it
and does the bookkeeping (history, stopping, divergence, verbose output).

A rule that is a whole algorithm (scipy's L-BFGS-B) implements ``minimize``
instead and reports every iteration to the same monitor.

Register a new solver with :func:`register_solver`; its name then works as
``solver="name"`` on every estimator, and the estimator's parameters whose names
match the rule's dataclass fields (``momentum``, ``beta1``, ...) are passed to it.
"""

import dataclasses
from typing import ClassVar

SOLVERS = {}


class UpdateRule:
    """Base class of the update rules.

    Class attributes
    ----------------
    name : str
        The ``solver`` string.
    stochastic : bool
        Runs on minibatches by default (``sgd``).
    full_batch_only : bool
        Never runs on minibatches (``newton``, ``lbfgs``); ``batch_size`` is ignored.
    """

    name: ClassVar[str] = ""
    stochastic: ClassVar[bool] = False
    full_batch_only: ClassVar[bool] = False

    def auto_learning_rate(self, objective, stochastic):
        """The step used for ``learning_rate="auto"``: ``1/L`` (full batch) or
        ``1/L_row`` (minibatches), ``L`` the gradient's Lipschitz constant."""
        if stochastic:
            return 1.0 / objective.row_lipschitz()
        return 1.0 / objective.lipschitz()

    def init(self, theta, objective):
        """Initial solver state (a dict of arrays and scalars)."""
        return {}

    def step(self, theta, value, grad, state, ctx):
        """Next iterate. ``value`` is the objective at ``theta`` on full batches
        (None on minibatches), ``grad`` the (batch) gradient. ``ctx`` has
        ``objective``, ``learning_rate``, ``t`` (1-based step count),
        ``stochastic`` and ``gradient(point)`` (on the current batch). Returns
        ``(theta_new, state)``; never modifies ``theta`` in place."""
        raise NotImplementedError


def register_solver(cls, name=None):
    """Add an :class:`UpdateRule` subclass to the registry (usable as a decorator)."""
    key = name or cls.name
    if not key:
        raise ValueError(f"{cls.__name__} has no `name`; pass one to register_solver.")
    SOLVERS[key] = cls
    return cls


def solver_names():
    """A live view of the registered solver strings (used in parameter validation)."""
    return SOLVERS.keys()


def get_solver(solver, params=None):
    """Resolve ``solver`` (a registered string or an update-rule object) to a rule.

    For a string, the fields of the rule's dataclass are filled from ``params``
    (the estimator's parameters) where the names match.
    """
    if isinstance(solver, type):
        raise ValueError(
            f"solver={solver.__name__} is a class; pass an instance, "
            f"solver={solver.__name__}(), or a registered name."
        )
    if not isinstance(solver, str):
        return solver
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
        return cls(**kwargs)
    return cls()
