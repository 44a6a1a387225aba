"""The estimators: thin layers over the objective, solver and fit-loop layers."""

from ._lasso import ProxLasso
from ._logistic import GDLogisticRegression
from ._regression import GDLinearRegression

__all__ = ["GDLinearRegression", "GDLogisticRegression", "ProxLasso"]
