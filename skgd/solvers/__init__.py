"""Which direction to move: update rules and their registry.

Importing this package registers the built-in solvers.
"""

from . import adaptive, first_order, lbfgs, newton  # noqa: F401  (registration)
from .adaptive import AdaGrad, Adam, AdamW, RMSProp
from .base import (
    SOLVERS,
    Algorithm,
    Solver,
    UpdateRule,
    as_solver,
    as_update_rule,
    get_solver,
    register_solver,
    solver_names,
    solvers_supporting,
)
from .first_order import GradientDescent, Momentum, Nesterov, StochasticGradientDescent
from .lbfgs import LBFGS
from .newton import Newton

__all__ = [
    "LBFGS",
    "SOLVERS",
    "AdaGrad",
    "Adam",
    "AdamW",
    "GradientDescent",
    "Momentum",
    "Nesterov",
    "Newton",
    "RMSProp",
    "StochasticGradientDescent",
    "Algorithm",
    "Solver",
    "UpdateRule",
    "as_solver",
    "as_update_rule",
    "get_solver",
    "register_solver",
    "solver_names",
    "solvers_supporting",
]
