"""Penalties on the coefficient block ``W`` (never on the intercept).

Each is a :class:`~skgd.objective.base.Penalty`: a smooth part (value, gradient,
constant curvature) plus a separable non-smooth part reached through ``prox``.
"""

import numpy as np

from .base import Penalty


def soft_threshold(W, threshold):
    r""":math:`\operatorname{sign}(w)\max(|w| - t, 0)`, elementwise."""
    return np.sign(W) * np.maximum(np.abs(W) - threshold, 0.0)


class L2Penalty(Penalty):
    r"""Ridge penalty :math:`R(W) = \tfrac{\alpha}{2} \lVert W \rVert_2^2` (smooth)."""

    smooth = True

    def __init__(self, alpha):
        self.alpha = float(alpha)
        self.curvature = self.alpha

    def value(self, W):
        return 0.5 * self.alpha * float(np.vdot(W, W))


class L1Penalty(Penalty):
    r"""Lasso penalty :math:`R(W) = \alpha \lVert W \rVert_1` (no smooth part).

    Its proximal operator is the soft-threshold
    :math:`\operatorname{prox}_{t R}(z) = \operatorname{sign}(z)\max(|z| - t\alpha, 0)`,
    with ``t`` a scalar or one step per coordinate (scaled proximal steps).
    """

    smooth = False
    curvature = 0.0

    def __init__(self, alpha):
        self.alpha = float(alpha)
        self.l1_weight = self.alpha

    def value(self, W):
        return self.alpha * float(np.abs(W).sum())

    def nonsmooth_terms(self, W):
        return self.alpha * np.abs(W)

    def prox(self, W, step):
        return soft_threshold(W, self.alpha * step)


class ElasticNetPenalty(Penalty):
    r"""Elastic net, :math:`R(W) = \alpha\rho \lVert W\rVert_1 + \tfrac{\alpha(1-\rho)}{2}\lVert W\rVert_2^2`
    with :math:`\rho` = ``l1_ratio`` (scikit-learn's ``ElasticNet`` penalty).

    Smooth part: the L2 term (curvature :math:`\alpha(1-\rho)`); non-smooth
    part: the L1 term, whose prox is the soft-threshold by :math:`t\alpha\rho`.
    """

    def __init__(self, alpha, l1_ratio):
        self.alpha = float(alpha)
        self.l1_ratio = float(l1_ratio)
        self.l1_weight = self.alpha * self.l1_ratio
        self.curvature = self.alpha * (1.0 - self.l1_ratio)
        self.smooth = self.l1_weight == 0

    def value(self, W):
        return self.nonsmooth_value(W) + 0.5 * self.curvature * float(np.vdot(W, W))

    def nonsmooth_terms(self, W):
        return self.l1_weight * np.abs(W)

    def prox(self, W, step):
        return soft_threshold(W, self.l1_weight * step) if self.l1_weight else W


def constrain(penalty, *, positive=False, max_norm=None):
    """``penalty`` restricted to ``W >= 0`` and/or ``|W|_2 <= max_norm``."""
    if not positive and max_norm is None:
        return penalty
    raise NotImplementedError("constraints are being built")  # filled in next
