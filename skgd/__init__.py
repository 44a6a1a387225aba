"""skgd: scikit-learn linear models trained by a pluggable family of gradient solvers."""

from .exceptions import DivergenceError
from .linear_model import GDLinearRegression, GDLogisticRegression, ProxLasso
from .solvers import SOLVERS, UpdateRule, get_solver, register_solver

__version__ = "0.1.0"

__all__ = [
    "SOLVERS",
    "DivergenceError",
    "GDLinearRegression",
    "GDLogisticRegression",
    "ProxLasso",
    "UpdateRule",
    "get_solver",
    "register_solver",
]
