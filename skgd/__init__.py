"""skgd: scikit-learn linear models trained by a pluggable family of gradient solvers."""

from ._version import __version__ as __version__

# .compare (the old module, an alias of .comparison) first, then the function
# over it: ``skgd.compare`` is the function, ``from skgd.compare import ...``
# still works.
from .compare import compare
from .diagnostics import check_gradient, lr_find
from .exceptions import DivergenceError
from .linear_model import (
    GDElasticNet,
    GDLinearRegression,
    GDLogisticRegression,
    GDPoissonRegressor,
    ProxLasso,
)
from .solvers import SOLVERS, UpdateRule, get_solver, register_solver

__all__ = [
    "SOLVERS",
    "DivergenceError",
    "GDElasticNet",
    "GDLinearRegression",
    "GDLogisticRegression",
    "GDPoissonRegressor",
    "ProxLasso",
    "UpdateRule",
    "check_gradient",
    "compare",
    "get_solver",
    "lr_find",
    "register_solver",
]
