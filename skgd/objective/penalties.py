"""Penalties on the coefficient block ``W`` (never on the intercept)."""

import numpy as np


class L2Penalty:
    r"""Ridge penalty :math:`R(W) = \tfrac{\alpha}{2} \lVert W \rVert_2^2`."""

    smooth = True

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def value(self, W):
        return 0.5 * self.alpha * float(np.vdot(W, W))

    def add_gradient(self, W, grad):
        """Add the penalty gradient :math:`\\alpha W` to ``grad`` in place."""
        if self.alpha:
            grad += self.alpha * W

    def prox(self, W, step):
        return W

    @property
    def curvature(self):
        return self.alpha


class L1Penalty:
    r"""Lasso penalty :math:`R(W) = \alpha \lVert W \rVert_1`.

    Its proximal operator is the soft-threshold
    :math:`\operatorname{prox}_{t R}(z) = \operatorname{sign}(z)\max(|z| - t\alpha, 0)`,
    with ``t`` a scalar or one step per coordinate (scaled proximal steps).
    """

    smooth = False
    curvature = 0.0

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def value(self, W):
        return self.alpha * float(np.abs(W).sum())

    def add_gradient(self, W, grad):
        """The smooth part of an L1 penalty is zero: nothing to add."""

    def prox(self, W, step):
        threshold = self.alpha * step
        return np.sign(W) * np.maximum(np.abs(W) - threshold, 0.0)
