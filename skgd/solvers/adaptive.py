r"""Adaptive rules: AdaGrad, RMSProp, Adam, AdamW (the course notes' §7.3).

Each scales the step per coordinate by :math:`D = \sqrt{\cdot} + \epsilon`. With a
non-smooth penalty the step is a *scaled* proximal step: coordinate ``j`` is
soft-thresholded by :math:`\alpha\,\eta / D_j`, the step it was moved by, so the
fixed points are exactly the minimisers.

``learning_rate="auto"`` is a fixed rate for these rules, 0.1 on
full batches and 0.01 on minibatches (0.1 for AdaGrad, whose step decays): their steps are in units of the parameters (about
``learning_rate`` per coordinate at the start), so ``1/L`` has no meaning for
them. These rates suit standardized features; scale the data or set the rate.
"""

from dataclasses import dataclass

import numpy as np

from .base import UpdateRule, register_solver


class _Adaptive(UpdateRule):
    def auto_learning_rate(self, objective, stochastic):
        return 0.01 if stochastic else 0.1

    def _scaled_step(self, theta, direction, denominator, ctx):
        step = ctx.learning_rate / denominator
        return ctx.objective.prox(theta - step * direction, step)


@register_solver
@dataclass
class AdaGrad(_Adaptive):
    r""":math:`G \leftarrow G + g \odot g`, :math:`\theta \leftarrow \theta - \eta\, g / (\sqrt{G} + \epsilon)`."""

    name = "adagrad"
    epsilon: float = 1e-8

    def auto_learning_rate(self, objective, stochastic):
        return 0.1  # the accumulated G already shrinks the step on minibatches

    def init(self, theta, objective):
        return {"sum_squares": np.zeros_like(theta)}

    def step(self, theta, value, grad, state, ctx):
        G = state["sum_squares"]
        G += grad * grad
        return self._scaled_step(theta, grad, np.sqrt(G) + self.epsilon, ctx), state


@register_solver
@dataclass
class RMSProp(_Adaptive):
    r""":math:`E \leftarrow \rho E + (1-\rho) g^2`, :math:`\theta \leftarrow \theta - \eta\, g / (\sqrt{E} + \epsilon)`."""

    name = "rmsprop"
    rho: float = 0.9
    epsilon: float = 1e-8

    def init(self, theta, objective):
        return {"mean_square": np.zeros_like(theta), "max_mean_square": None}

    def step(self, theta, value, grad, state, ctx):
        E = state["mean_square"]
        E *= self.rho
        E += (1.0 - self.rho) * grad * grad
        if ctx.stochastic:
            scale = E
        else:
            # Near a minimiser E tracks g^2 and the step tends to eta * sign(g), a
            # limit cycle of size eta. On full batches the denominator uses the
            # running maximum of E (the AMSGrad fix, Reddi et al. 2018): the
            # per-coordinate step never grows, so RMSProp converges.
            if state["max_mean_square"] is None:
                state["max_mean_square"] = E.copy()
            scale = np.maximum(
                state["max_mean_square"], E, out=state["max_mean_square"]
            )
        return self._scaled_step(theta, grad, np.sqrt(scale) + self.epsilon, ctx), state


@register_solver
@dataclass
class Adam(_Adaptive):
    r"""Adam with bias correction (Kingma & Ba 2015).

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
        \theta \leftarrow \theta - \eta\,\frac{m / (1-\beta_1^t)}{\sqrt{v/(1-\beta_2^t)} + \epsilon}.
    """

    name = "adam"
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8

    def init(self, theta, objective):
        return {"m": np.zeros_like(theta), "v": np.zeros_like(theta), "t": 0}

    def step(self, theta, value, grad, state, ctx):
        m, v = state["m"], state["v"]
        state["t"] += 1
        t = state["t"]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * grad * grad
        m_hat = m / (1.0 - self.beta1**t)
        denominator = np.sqrt(v / (1.0 - self.beta2**t)) + self.epsilon
        theta = self._decay(theta, ctx)
        return self._scaled_step(theta, m_hat, denominator, ctx), state

    def _decay(self, theta, ctx):
        return theta


@register_solver
@dataclass
class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter 2019).

    Before the Adam step, :math:`W \leftarrow W - \eta \lambda W` with
    :math:`\lambda` = ``weight_decay`` (the coefficients only, never the
    intercept). The decay is not part of the objective: with ``weight_decay > 0``
    AdamW converges to a point shrunk towards zero, not to the minimiser of the
    objective. The default ``weight_decay=0`` makes it plain Adam.
    """

    name = "adamw"
    weight_decay: float = 0.0

    def _decay(self, theta, ctx):
        if not self.weight_decay:
            return theta
        theta = theta.copy()
        W, _ = ctx.objective.split(theta)
        W *= 1.0 - ctx.learning_rate * self.weight_decay
        return theta
