"""What is minimised: losses, penalties and the objective that combines them."""

from .losses import LogisticLoss, MultinomialLoss, SquaredLoss
from .objective import Objective
from .penalties import L1Penalty, L2Penalty

__all__ = [
    "L1Penalty",
    "L2Penalty",
    "LogisticLoss",
    "MultinomialLoss",
    "Objective",
    "SquaredLoss",
]
