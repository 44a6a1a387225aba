"""Penalties on the coefficient block ``W`` (never on the intercept).

Each is a :class:`~skgd.objective.base.Penalty`: a smooth part (value, gradient,
constant curvature) plus a separable non-smooth part reached through ``prox``.
:func:`constrain` adds constraints (``W >= 0``, a norm ball) to that
non-smooth part as indicators: :class:`ConstrainedPenalty`.
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


class ConstrainedPenalty(Penalty):
    r"""``penalty`` restricted to a closed convex set :math:`C`: :math:`R + \iota_C`.

    :math:`C = \{W \ge 0\}` (``positive``, elementwise), the ball
    :math:`\{\lVert W\rVert_F \le r\}` (``max_norm`` :math:`= r`, the whole
    block: with K outputs the Frobenius norm), or both. The indicator
    :math:`\iota_C` (0 on :math:`C`, :math:`+\infty` outside) joins the
    non-smooth part :math:`N` of ``penalty``, so every proximal solver steps
    :math:`W \leftarrow \operatorname{prox}_{t(N + \iota_C)}(W - t\nabla f)`,
    the projected (proximal) gradient step of the course notes' §9.2.

    ``value``, the smooth part, its curvature and ``nonsmooth_terms`` are
    ``penalty``'s: the indicator is 0 on :math:`C`, where every iterate lies
    (nothing evaluates it outside). The prox, with ``p`` the inner prox
    :math:`\operatorname{prox}_{tN}`:

    * positivity: :math:`\max(p(z), 0)`. For any separable convex :math:`N`
      this is the prox of :math:`N + \iota_{W \ge 0}` (a convex function of one
      variable restricted to :math:`[0, \infty)` is minimised at its
      minimiser clipped to 0); for :math:`\alpha|w|` it is
      :math:`\max(z - t\alpha, 0)`.
    * the ball, scalar step: :math:`\Pi_B(p(z)) = p(z)\min(1, r/\lVert
      p(z)\rVert)`, the prox of :math:`N + \iota_B` whenever :math:`N` is
      positively homogeneous (L1, none: the Lagrangian's extra
      :math:`\tfrac\mu2\lVert W\rVert^2` only rescales :math:`p`).
    * the ball, one step :math:`t_k` per coordinate (adaptive solvers): the
      prox *in the metric* :math:`\operatorname{diag}(1/t)`,
      :math:`V_k = p_k(z_k/(1 + \mu t_k);\ t_k/(1 + \mu t_k))` with the
      multiplier :math:`\mu \ge 0` that puts :math:`V` on the sphere (found by
      safeguarded Newton on :math:`1/\lVert V(\mu)\rVert`;
      :math:`V_k = p_k(z_k; t_k) / (1 + \mu t_k)` for homogeneous :math:`N`).
      This scaled projection, not a Euclidean projection after the scaled
      step, is what keeps the fixed points of scaled steps exactly the
      constrained minimisers (KKT: :math:`-\nabla F \in \partial N(W) + \mu W`
      with *one* :math:`\mu`; a Euclidean projection would stop wherever the
      per-coordinate steps make :math:`\mu_k = (c - 1)/t_k` differ).

    Capabilities: positivity keeps the penalty separable and its L1 part one
    weight on the orthant (``l1_split``: L-BFGS-B's bounds ``W >= 0``); the
    ball couples the coordinates (not ``separable``) and is no box (no
    ``l1_split``). Neither is ``unconstrained`` (newton's working set).
    """

    smooth = False

    def __init__(self, penalty, *, positive=False, max_norm=None):
        if not penalty.separable:
            raise ValueError(
                f"{type(penalty).__name__} has a non-separable non-smooth part: "
                "constraints (positive, max_coef_norm) need a separable one."
            )
        if penalty.nonnegative or penalty.max_norm is not None:
            raise ValueError(f"{type(penalty).__name__} is already constrained.")
        self.penalty = penalty
        self.nonnegative = bool(positive)
        self.max_norm = None if max_norm is None else float(max_norm)
        if self.max_norm is not None and not self.max_norm > 0:
            raise ValueError(f"max_norm must be positive, got {max_norm!r}.")
        self.curvature = penalty.curvature
        self.separable = self.max_norm is None
        # N = l1_weight |W|_1 on the orthant W >= 0 is what L-BFGS-B's bounds
        # express; with a ball it is no weighted L1 norm on a box
        self.l1_weight = penalty.l1_weight if self.max_norm is None else None
        # the ball's prox rescales the inner prox when N is positively
        # homogeneous (a weighted L1 norm, or none)
        self._homogeneous = penalty.l1_weight is not None

    @property
    def invariant_along_rays(self):
        # the orthant is a cone (c W >= 0 for c >= 1); a ball is bounded
        return self.max_norm is None and self.penalty.invariant_along_rays

    def __repr__(self):
        parts = [repr(self.penalty)]
        if self.nonnegative:
            parts.append("positive=True")
        if self.max_norm is not None:
            parts.append(f"max_norm={self.max_norm!r}")
        return f"ConstrainedPenalty({', '.join(parts)})"

    def value(self, W):
        return self.penalty.value(W)

    def nonsmooth_terms(self, W):
        return self.penalty.nonsmooth_terms(W)

    def add_gradient(self, W, grad):
        self.penalty.add_gradient(W, grad)

    def _separable_prox(self, W, step):
        """The prox of N + the positivity indicator: the inner prox, clipped."""
        out = self.penalty.prox(W, step)
        if self.nonnegative:
            out = np.maximum(out, 0.0)
        return out

    def prox(self, W, step):
        return self._prox(W, step)[0]

    def prox_multiplier(self, W, step):
        return self._prox(W, step)[1]

    def _prox(self, W, step):
        """``(prox, mu)``: the prox and the ball's multiplier (0 when inactive)."""
        P = self._separable_prox(W, step)
        if self.max_norm is None:
            return P, 0.0
        radius = self.max_norm
        norm = float(np.linalg.norm(P.astype(np.float64, copy=False)))
        if norm <= radius:  # the ball is inactive: mu = 0
            return P, 0.0
        t = np.broadcast_to(np.asarray(step, dtype=np.float64), np.shape(W))
        if self._homogeneous and np.ndim(step) == 0:
            # Euclidean metric: the projection of p onto the ball
            mu = (norm / radius - 1.0) / float(step) if step > 0 else np.inf
            return P * P.dtype.type(radius / norm), mu
        return _metric_ball_prox(self, W, t, P, radius)


def _metric_ball_prox(penalty, W, t, P, radius):
    r"""The prox of :math:`N + \iota_B` in the metric :math:`\operatorname{diag}(1/t)`
    when the ball is active at :math:`\mu = 0`: ``(V(mu), mu)`` with
    :math:`\lVert V(\mu)\rVert = r`.

    :math:`\lVert V(\mu)\rVert` decreases in :math:`\mu`; its reciprocal is
    nearly linear (exactly, for one common step), so Newton's method on
    :math:`\psi(\mu) = 1/\lVert V(\mu)\rVert - 1/r` converges in a few steps
    (the trust-region subproblem's secular equation), kept inside a bracket.
    Coordinates with ``t = 0`` do not move (infinite metric weight).
    """
    homogeneous = penalty._homogeneous
    P64 = P.astype(np.float64)

    def at(mu):
        scale = 1.0 / (1.0 + mu * t)
        if homogeneous:
            return P64 * scale
        return penalty._separable_prox(W * scale, t * scale).astype(np.float64)

    # bracket: with t_min the least positive step over the moving coordinates,
    # |V(mu)| <= |P_moving| / (1 + mu t_min) + |P_fixed| for homogeneous N
    moving = (t > 0) & (P64 != 0)
    if not np.any(moving):
        V = P64 * min(1.0, radius / float(np.linalg.norm(P64)))
        return V.astype(P.dtype), 0.0
    t_min = float(t[moving].min())
    lo, hi = 0.0, max((float(np.linalg.norm(P64)) / radius - 1.0) / t_min, 1e-300)
    for _ in range(200):  # a non-homogeneous N: widen until feasible
        if float(np.linalg.norm(at(hi))) <= radius or homogeneous:
            break
        lo, hi = hi, 2.0 * hi
    mu = lo
    for _ in range(100):
        V = at(mu)
        norm = float(np.linalg.norm(V))
        if abs(norm - radius) <= 1e-15 * radius or hi - lo <= 1e-15 * hi:
            break
        if norm > radius:
            lo = mu
        else:
            hi = mu
        newton = None
        if homogeneous and norm > 0:
            # psi = 1/|V|, |V|^2 = sum P^2 / (1 + mu t)^2:
            # psi' = sum P^2 t / (1 + mu t)^3 / |V|^3
            slope = float(np.sum(V * V * t / (1.0 + mu * t))) / norm**3
            if slope > 0:
                newton = mu - (1.0 / norm - 1.0 / radius) / slope
        mu = newton if newton is not None and lo < newton < hi else 0.5 * (lo + hi)
    V = at(mu)
    # onto the sphere exactly: the root's last rounding (or frozen coordinates
    # that alone leave the ball) must not leave V inside or outside it
    V *= radius / float(np.linalg.norm(V))
    return V.astype(P.dtype, copy=False), mu


def constrain(penalty, *, positive=False, max_norm=None):
    """``penalty`` restricted to ``W >= 0`` (``positive``) and/or
    ``|W|_F <= max_norm``: a :class:`ConstrainedPenalty`, or ``penalty`` itself
    when there is no constraint."""
    if not positive and max_norm is None:
        return penalty
    return ConstrainedPenalty(penalty, positive=positive, max_norm=max_norm)
