"""The estimators: thin layers over the objective, solver and fit-loop layers."""

from ._base import DEFAULT_SGD_BATCH_SIZE, estimator_dataclass
from ._glm import GDPoissonRegressor
from ._lasso import GDElasticNet, ProxLasso
from ._logistic import GDLogisticRegression
from ._regression import GDLinearRegression

__all__ = [
    "DEFAULT_SGD_BATCH_SIZE",
    "GDElasticNet",
    "GDLinearRegression",
    "GDLogisticRegression",
    "GDPoissonRegressor",
    "ProxLasso",
    "estimator_dataclass",
]
