r"""The contracts of the objective layer: what a loss and a penalty promise.

The objective is :math:`F(W, b) = \frac1S \sum_i s_i\, \ell(y_i, z_i) + R(W)`
with raw predictions :math:`z_i = x_i W + b`. A :class:`Loss` is the pointwise
:math:`\ell`; a :class:`Penalty` is :math:`R = S + N`, a smooth part :math:`S`
(value, gradient and constant curvature) plus a non-smooth part :math:`N`
(separable unless a constraint couples the coordinates) reached only through
its proximal operator. A constraint :math:`W \in C` is part of :math:`N`, as
its indicator (0 on :math:`C`, :math:`+\infty` outside). Each declares its
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
    "l1_split": "a non-smooth part that is l1_weight * |W|_1 (on W >= 0 when the "
    "penalty is nonnegative), which a bound-constrained split W = W+ - W- "
    "(W+- >= 0), bounds W >= 0, or a working set can use; a norm ball "
    "(max_coef_norm) is no box, so a penalty with one does not offer it",
    "separable": "a non-smooth part that is a sum of one term per coordinate "
    "(nonsmooth_terms): its prox with one step per coordinate acts coordinate by "
    "coordinate, and the optimality measure is taken per coordinate",
    "unconstrained": "a penalty that accepts every coefficient block W: no "
    "constraint (positive, max_coef_norm) in its non-smooth part",
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
    shift_invariant : bool, default=False
        :math:`\ell(y, z + t\mathbf 1) = \ell(y, z)` for every ``t``: adding
        one constant to all K outputs' scores changes nothing (the softmax).
        The objective then reports the zero-sum gauge of the outputs and treats
        the intercept shift as a flat direction (``Objective.unpack``,
        ``Objective.invariant_directions``). False for losses whose K outputs
        are independent (multi-output least squares); read with ``getattr``,
        so a loss may omit it.
    """

    curvature: float = np.inf
    constant_hessian: bool = False
    translation_equivariant: bool = False
    shift_invariant: bool = False

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
        part is a weighted L1 norm (0 for smooth penalties), plus the indicator
        of :math:`W \ge 0` when ``nonnegative``; None for any other non-smooth
        part (a norm ball included).
    nonnegative : bool
        :math:`N` includes the constraint :math:`W \ge 0` (elementwise).
    max_norm : float or None
        :math:`N` includes the constraint :math:`\lVert W\rVert_F \le`
        ``max_norm`` (the whole block: every output's coefficients).
    separable : bool
        :math:`N(W) = \sum_k N_k(W_k)` (``nonsmooth_terms``), so its prox with
        one step per coordinate is coordinate-wise. A norm ball is not.
    invariant_along_rays : bool
        :math:`R(cW) = R(W)` for every :math:`c \ge 1` on its domain (no
        penalty, or only the cone constraint :math:`W \ge 0`): a direction along
        which the data term keeps decreasing then proves F has no minimiser.
    """

    smooth: bool = True
    curvature: float = 0.0
    l1_weight = 0.0
    nonnegative: bool = False
    max_norm = None
    separable: bool = True

    @property
    def invariant_along_rays(self):
        return self.smooth and self.curvature == 0

    @property
    def capabilities(self):
        caps = {"prox"}
        if self.smooth:
            caps.add("smooth_penalty")
        if self.l1_weight is not None:
            caps.add("l1_split")
        if self.separable:
            caps.add("separable")
        if not self.nonnegative and self.max_norm is None:
            caps.add("unconstrained")
        return frozenset(caps)

    @abstractmethod
    def value(self, W):
        """:math:`R(W) = S(W) + N(W)`, the whole penalty."""

    def nonsmooth_terms(self, W):
        """:math:`N(W)` coordinate by coordinate: an array shaped like ``W`` (zeros
        for smooth penalties). A constraint's indicator counts as 0: it is only
        ever evaluated at feasible points."""
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
        smooth part is never included: solvers take it through the gradient.

        With one step :math:`t_k` per coordinate it is the prox in the metric
        :math:`\\operatorname{diag}(1/t)`,
        :math:`\\arg\\min_V \\sum_k (V_k - W_k)^2 / (2 t_k) + N(V)` (coordinate by
        coordinate when ``separable``): the fixed points of scaled proximal
        steps are then exactly the minimisers."""
        return W

    def prox_multiplier(self, W, step):
        """The Lagrange multiplier :math:`\\mu \\ge 0` of a norm-ball constraint in
        :meth:`prox` at ``(W, step)``: 0 when it is inactive or absent. The
        constraint adds :math:`\\mu I` to the Lagrangian's curvature (used by
        :meth:`skgd.objective.Objective.suboptimality_estimate`)."""
        return 0.0


def check_capabilities(solver_name, requires, loss, penalty, alternatives=None):
    """ValueError unless ``loss`` and ``penalty`` offer what a solver ``requires``.

    ``alternatives``, a function of the offered capabilities returning solver
    names (the solver layer's :func:`skgd.solvers.solvers_supporting`), names
    the solvers that would work in the message; the objective layer itself
    knows no solver.
    """
    offered = loss.capabilities | penalty.capabilities
    missing = sorted(set(requires) - offered)
    if missing:
        details = "; ".join(f"{name}: {CAPABILITIES[name]}" for name in missing)
        others = [
            name
            for name in (alternatives(offered) if alternatives else [])
            if name != solver_name
        ]
        raise ValueError(
            f"solver {solver_name!r} cannot minimise {type(loss).__name__} + "
            f"{type(penalty).__name__}: it needs {', '.join(missing)} ({details}), "
            f"which they do not offer. Use another solver"
            + (f" ({', '.join(others)} can)" if others else "")
            + (", or a numeric learning_rate" if missing == ["lipschitz"] else "")
            + "."
        )
