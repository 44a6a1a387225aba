"""What is minimised: losses, penalties and the objective that combines them."""

from .base import CAPABILITIES, Loss, Penalty, check_capabilities
from .losses import LogisticLoss, MultinomialLoss, PoissonLoss, SquaredLoss
from .objective import Objective
from .penalties import (
    ConstrainedPenalty,
    ElasticNetPenalty,
    L1Penalty,
    L2Penalty,
    constrain,
)

__all__ = [
    "CAPABILITIES",
    "ConstrainedPenalty",
    "ElasticNetPenalty",
    "L1Penalty",
    "L2Penalty",
    "LogisticLoss",
    "Loss",
    "MultinomialLoss",
    "Objective",
    "Penalty",
    "PoissonLoss",
    "SquaredLoss",
    "check_capabilities",
    "constrain",
]
