r"""The contracts of the objective layer: what a loss and a penalty promise.

The objective is :math:`F(W, b) = \frac1S \sum_i s_i\, \ell(y_i, z_i) + R(W)`
with raw predictions :math:`z_i = x_i W + b`. A :class:`Loss` is the pointwise
:math:`\ell`; a :class:`Penalty` is :math:`R = S + N`, a smooth part :math:`S`
(value, gradient and constant curvature) plus a separable non-smooth part
:math:`N` reached only through its proximal operator. Each declares its
*capabilities* (:data:`CAPABILITIES`), and each solver declares the ones it
needs (``requires``); :func:`check_capabilities` refuses an unsupported
combination at fit, naming both sides, so no solver ever computes a wrong
answer for a loss or penalty it does not understand.

A new loss or penalty is one subclass (and, for an estimator, one preset):
nothing in the solvers, the fit loop or the comparison changes.
"""

from abc import ABC, abstractmethod

import numpy as np

#: What losses and penalties can offer, and what solvers may require.
CAPABILITIES = {
    "lipschitz": "a finite bound on the loss's second derivative (curvature): "
    "needed to compute learning_rate='auto' from the Lipschitz constant L",
    "hessian": "second derivatives of the loss (hessian_product, hessian_blocks)",
    "smooth_penalty": "a penalty with no non-smooth part",
    "prox": "the proximal operator of the penalty's non-smooth part",
    "l1_split": "a non-smooth part that is l1_weight * |W|_1, which a "
    "bound-constrained split W = W+ - W- (W+- >= 0) or a working set can use",
}


class Loss(ABC):
    r"""Pointwise loss :math:`\ell(y, z)` on raw predictions.

    Every method works on 2-D arrays ``raw`` of shape ``(n, K)`` and targets
    ``y`` of the same shape (one-hot for the multinomial loss), row by row.

    Attributes
    ----------
    curvature : float
        :math:`\sup \ell''` (the largest eigenvalue of the per-sample Hessian in
        ``z``); ``inf`` when unbounded (Poisson), which removes ``"lipschitz"``.
    constant_hessian : bool
        :math:`\ell''` does not depend on ``z`` (least squares).
    translation_equivariant : bool
        :math:`\ell(y, z)` depends on ``y - z`` only: the objective may centre
        the targets (in float64) and return their mean in the intercept.
    """

    curvature: float = np.inf
    constant_hessian: bool = False
    translation_equivariant: bool = False

    @property
    def capabilities(self):
        caps = {"hessian"}
        if np.isfinite(self.curvature):
            caps.add("lipschitz")
        return frozenset(caps)

    @abstractmethod
    def value(self, y, raw):
        """:math:`\\ell(y_i, z_i)`, shape ``(n, K)`` or ``(n, 1)`` (summed over columns)."""

    @abstractmethod
    def gradient(self, y, raw):
        """:math:`\\partial\\ell/\\partial z`, shape ``(n, K)``."""

    def value_and_gradient(self, y, raw):
        """Both at once (override when they share work)."""
        return self.value(y, raw), self.gradient(y, raw)

    @abstractmethod
    def hessian_product(self, y, raw, direction):
        """:math:`\\nabla^2_z \\ell \\cdot d` per row, shape ``(n, K)``."""

    @abstractmethod
    def hessian_blocks(self, y, raw):
        """Yield ``(k, l, h)``, ``k <= l``: the ``(k, l)`` entries of the per-row
        Hessian in ``z``, each of shape ``(n,)``."""

    @abstractmethod
    def null_raw(self, y, sw):
        """The optimal constant raw prediction (shape ``(K,)``) under weights ``sw``
        summing to 1: the null model's intercept."""

    @abstractmethod
    def inverse_link(self, raw):
        """The prediction (mean, probability) from the raw prediction."""

    def separates(self, y, raw):
        """Whether ``raw`` proves that the unpenalised loss has no minimiser
        (separable classes); False for losses that always have one."""
        return False

    def reference_curvature(self, y, sw):
        """The curvature that scales the stopping measure (:math:`h_k`):
        ``curvature`` when finite, else the loss's curvature at the null model."""
        return self.curvature


class Penalty(ABC):
    r"""Penalty :math:`R(W) = S(W) + N(W)` on the coefficient block (never the intercept).

    Attributes
    ----------
    smooth : bool
        :math:`N = 0`.
    curvature : float
        The (constant) curvature of :math:`S`: :math:`\nabla^2 S = ` ``curvature`` I.
    l1_weight : float or None
        :math:`N = ` ``l1_weight`` :math:`\lVert W\rVert_1` when the non-smooth
        part is a weighted L1 norm (0 for smooth penalties); None for any other
        non-smooth part.
    """

    smooth: bool = True
    curvature: float = 0.0
    l1_weight = 0.0

    @property
    def capabilities(self):
        caps = {"prox"}
        if self.smooth:
            caps.add("smooth_penalty")
        if self.l1_weight is not None:
            caps.add("l1_split")
        return frozenset(caps)

    @abstractmethod
    def value(self, W):
        """:math:`R(W) = S(W) + N(W)`, the whole penalty."""

    def nonsmooth_terms(self, W):
        """:math:`N(W)` coordinate by coordinate (``N`` is separable): an array
        shaped like ``W`` (zeros for smooth penalties)."""
        return np.zeros_like(W, dtype=np.float64)

    def nonsmooth_value(self, W):
        """:math:`N(W)`, the non-smooth part alone (0 for smooth penalties): what a
        proximal method's model adds to the smooth part's linearisation."""
        return float(np.sum(self.nonsmooth_terms(W)))

    def add_gradient(self, W, grad):
        """Add :math:`\\nabla S(W)` (the smooth part only) to ``grad`` in place."""
        if self.curvature:
            grad += self.curvature * W

    def prox(self, W, step):
        """:math:`\\operatorname{prox}_{t N}(W)` of the non-smooth part only (``step``
        scalar or one per coordinate); the identity for smooth penalties. The
        smooth part is never included: solvers take it through the gradient."""
        return W


def check_capabilities(solver_name, requires, loss, penalty):
    """ValueError unless ``loss`` and ``penalty`` offer what a solver ``requires``."""
    offered = loss.capabilities | penalty.capabilities
    missing = sorted(set(requires) - offered)
    if missing:
        details = "; ".join(f"{name}: {CAPABILITIES[name]}" for name in missing)
        raise ValueError(
            f"solver {solver_name!r} cannot minimise {type(loss).__name__} + "
            f"{type(penalty).__name__}: it needs {', '.join(missing)} ({details}), "
            f"which they do not offer. Use another solver"
            + (", or a numeric learning_rate" if missing == ["lipschitz"] else "")
            + "."
        )
