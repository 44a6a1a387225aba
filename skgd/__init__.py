"""skgd: scikit-learn linear models trained by a pluggable family of gradient solvers."""

# .compare (the old module, an alias of .comparison) first, then the function
# over it: ``skgd.compare`` is the function, ``from skgd.compare import ...``
# still works.
from .compare import compare
from .diagnostics import check_gradient, lr_find
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
    "check_gradient",
    "compare",
    "get_solver",
    "lr_find",
    "register_solver",
]
