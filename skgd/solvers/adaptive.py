r"""Adaptive rules: AdaGrad, RMSProp, Adam, AdamW (the course notes' §7.3).

Each scales the step per coordinate by :math:`D = \sqrt{\cdot} + \epsilon`. With a
non-smooth penalty the step is a *scaled* proximal step: coordinate ``j`` is
soft-thresholded by :math:`\alpha\,\eta / D_j`, the step it was moved by, so the
fixed points are exactly the minimisers.

Their steps are in units of the parameters (about ``learning_rate`` per
coordinate at the start), so ``learning_rate="auto"`` is tied to the length of
the first gradient step, :math:`\ell_0 = \lVert\nabla F(\theta_0)\rVert_\infty / L`
(scale-free in X and y): :math:`\ell_0` for Adam and AdamW, :math:`0.3\,\ell_0` for
RMSProp, a tenth of these on minibatches; :math:`\ell_0` for AdaGrad, whose
accumulated denominator already shrinks the step.
"""

from dataclasses import dataclass

import numpy as np

from .base import UpdateRule, register_solver


def first_step_length(objective):
    r"""``max_j |grad_j F(theta_0)| / L``: how far a ``1/L`` gradient step moves
    the steepest coordinate from the null model ``theta_0``.

    Adaptive steps are in units of the parameters; this length carries the
    scale of the problem (of y, of X), which makes the rate scale-free.
    """
    _, grad = objective.value_and_grad(objective.initial_theta())
    length = float(np.max(np.abs(grad))) / objective.lipschitz()
    return length if length > 0 else 1.0


def _running_max(second_moment, state, key, ctx):
    """The second moment a full-batch step divides by: its running maximum.

    Near a minimiser the second moment tracks g^2 and the step tends to
    ``eta * sign(g)``: a limit cycle of size eta, so RMSProp and Adam with a
    constant rate need not converge. On full batches the denominator uses the
    running maximum (the AMSGrad fix, Reddi et al. 2018): per-coordinate steps
    never grow again, and the iterates converge to the minimiser. Minibatch
    runs keep the plain rule (their step decays on plateaus instead).
    """
    if ctx.stochastic:
        return second_moment
    if state.get(key) is None:
        state[key] = second_moment.copy()
    return np.maximum(state[key], second_moment, out=state[key])


class _Adaptive(UpdateRule):
    # learning_rate="auto" is auto_factor * first_step_length on full batches and
    # a tenth of it on minibatches (against gradient noise); the factors are the
    # largest of {0.1, 0.3, 1} that converged on every problem of the test suite.
    auto_factor = 1.0

    def auto_learning_rate(self, objective, stochastic):
        return (
            first_step_length(objective)
            * self.auto_factor
            * (0.1 if stochastic else 1.0)
        )

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
        # the accumulated G already shrinks the step on minibatches
        return first_step_length(objective)

    def init(self, theta, objective):
        return {"sum_squares": np.zeros_like(theta)}

    def step(self, theta, value, grad, state, ctx):
        G = state["sum_squares"]
        G += grad * grad
        return self._scaled_step(theta, grad, np.sqrt(G) + self.epsilon, ctx), state


@register_solver
@dataclass
class RMSProp(_Adaptive):
    r""":math:`E \leftarrow \rho E + (1-\rho) g^2`, :math:`\theta \leftarrow \theta - \eta\, g / (\sqrt{E} + \epsilon)`.

    On full batches :math:`E` in the denominator is its running maximum
    (AMSGrad; see ``_running_max``).
    """

    name = "rmsprop"
    auto_factor = 0.3
    rho: float = 0.9
    epsilon: float = 1e-8

    def init(self, theta, objective):
        return {
            "mean_square": np.zeros_like(theta),
            "max_mean_square": None,
            "previous_value": np.inf,
            "rate_factor": 1.0,
        }

    def step(self, theta, value, grad, state, ctx):
        if not ctx.stochastic:
            # Without momentum a rise of the objective means the step was too
            # long for the curvature: halve it (the running maximum alone can
            # lock in a too-small denominator and oscillate forever).
            # (the slack ignores rounding noise at the optimum)
            if value > state["previous_value"] + 1e-12 * abs(value):
                state["rate_factor"] *= 0.5
            state["previous_value"] = value
        E = state["mean_square"]
        E *= self.rho
        E += (1.0 - self.rho) * grad * grad
        scale = _running_max(E, state, "max_mean_square", ctx)
        denominator = (np.sqrt(scale) + self.epsilon) / state["rate_factor"]
        return self._scaled_step(theta, grad, denominator, ctx), state


@register_solver
@dataclass
class Adam(_Adaptive):
    r"""Adam with bias correction (Kingma & Ba 2015).

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
        \theta \leftarrow \theta - \eta\,\frac{m / (1-\beta_1^t)}{\sqrt{\hat v} + \epsilon},

    with :math:`\hat v = v / (1-\beta_2^t)` on minibatches and its running
    maximum on full batches (AMSGrad; see ``_running_max``).
    """

    name = "adam"
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8

    def init(self, theta, objective):
        return {
            "m": np.zeros_like(theta),
            "v": np.zeros_like(theta),
            "t": 0,
            "max_v_hat": None,
        }

    def step(self, theta, value, grad, state, ctx):
        m, v = state["m"], state["v"]
        state["t"] += 1
        t = state["t"]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * grad * grad
        m_hat = m / (1.0 - self.beta1**t)
        v_hat = _running_max(v / (1.0 - self.beta2**t), state, "max_v_hat", ctx)
        denominator = np.sqrt(v_hat) + self.epsilon
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
