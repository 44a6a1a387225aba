r"""Adaptive rules: AdaGrad, RMSProp, Adam, AdamW (the course notes' §7.3).

Each is its textbook recurrence, iterate for iterate (``torch.optim``'s
Adagrad, RMSprop, Adam and AdamW with the same hyper-parameters): each scales
the step per coordinate by :math:`D = \sqrt{\cdot} + \epsilon`. With a
non-smooth penalty the step is a *scaled* proximal step: coordinate ``j`` is
soft-thresholded by :math:`\alpha\,\eta / D_j`, the step it was moved by, so the
fixed points are exactly the minimisers.

With a constant rate RMSProp and Adam do not converge: near a minimiser their
step tends to :math:`\eta\,\operatorname{sign}(g)`, a cycle of size
:math:`\eta`. What makes a fit converge is visible and optional: the
estimators' default ``schedule="auto"`` is ``"adaptive"`` for these rules (the
step is divided by 5 whenever the objective stops improving), and
``amsgrad=True`` divides by the running maximum of the second moment
(Reddi et al. 2018, as ``torch.optim.Adam(amsgrad=True)``).

Their steps are in units of the parameters (about ``learning_rate`` per
coordinate at the start), so ``learning_rate="auto"`` is tied to the length of
the first gradient step, :math:`\ell_0 = \lVert\nabla F(\theta_0)\rVert_\infty / L`
(scale-free in X and y): :math:`\ell_0` for Adam and AdamW, :math:`0.3\,\ell_0` for
RMSProp, a tenth of these on minibatches; :math:`\ell_0` for AdaGrad, whose
accumulated denominator already shrinks the step.
"""

from dataclasses import dataclass

import numpy as np

from .base import UpdateRule, _register_builtin


def first_step_length(objective):
    r"""``max_j |grad_j F(theta_0)| / L``: how far a ``1/L`` gradient step moves
    the steepest coordinate from the null model ``theta_0``.

    Adaptive steps are in units of the parameters; this length carries the
    scale of the problem (of y, of X), which makes the rate scale-free.
    """
    _, grad = objective.value_and_grad(objective.initial_theta())
    length = float(np.max(np.abs(grad), initial=0.0)) / objective.lipschitz()
    return length if length > 0 and np.isfinite(length) else 1.0


@dataclass
class AdaptiveState:
    """Moment estimates of the adaptive rules (AdaGrad's sum of squares is
    ``second``; RMSProp has no ``first``), the step count ``t`` and AMSGrad's
    running maximum of the second moment."""

    second: np.ndarray
    first: np.ndarray = None
    t: int = 0
    max_second: np.ndarray = None


def _amsgrad(second_moment, state):
    """The running maximum of ``second_moment`` (AMSGrad), kept in ``state``."""
    if state.max_second is None:
        state.max_second = second_moment.copy()
    return np.maximum(state.max_second, second_moment, out=state.max_second)


class _Adaptive(UpdateRule):
    # learning_rate="auto" is auto_factor * first_step_length on full batches and
    # a tenth of it on minibatches (against gradient noise); the factors are the
    # largest of {0.1, 0.3, 1} that converged on every problem of the test suite.
    auto_factor = 1.0
    normalized_step = True

    def auto_learning_rate(self, objective, stochastic):
        return (
            first_step_length(objective)
            * self.auto_factor
            * (0.1 if stochastic else 1.0)
        )

    def _scaled_step(self, theta, direction, denominator, ctx):
        step = ctx.learning_rate / denominator
        return ctx.objective.prox(theta - step * direction, step)


@_register_builtin
@dataclass
class AdaGrad(_Adaptive):
    r""":math:`G \leftarrow G + g \odot g`, :math:`\theta \leftarrow \theta - \eta\, g / (\sqrt{G} + \epsilon)`."""

    name = "adagrad"
    line_search = True  # -eta g / D is a descent direction
    epsilon: float = 1e-8

    def auto_learning_rate(self, objective, stochastic):
        # the accumulated G already shrinks the step on minibatches
        return first_step_length(objective)

    def init(self, theta, objective):
        return AdaptiveState(second=np.zeros_like(theta))

    def step(self, theta, value, grad, state, ctx):
        G = state.second
        G += grad * grad
        return self._scaled_step(theta, grad, np.sqrt(G) + self.epsilon, ctx), state


@_register_builtin
@dataclass
class RMSProp(_Adaptive):
    r""":math:`E \leftarrow \rho E + (1-\rho) g^2`, :math:`\theta \leftarrow \theta - \eta\, g / (\sqrt{E} + \epsilon)`.

    ``torch.optim.RMSprop(lr=eta, alpha=rho, eps=epsilon)``. With
    ``amsgrad=True`` the denominator uses the running maximum of :math:`E`.
    """

    name = "rmsprop"
    line_search = True  # -eta g / D is a descent direction
    auto_factor = 0.3
    rho: float = 0.9
    epsilon: float = 1e-8
    amsgrad: bool = False

    def init(self, theta, objective):
        return AdaptiveState(second=np.zeros_like(theta))

    def step(self, theta, value, grad, state, ctx):
        E = state.second
        E *= self.rho
        E += (1.0 - self.rho) * grad * grad
        scale = _amsgrad(E, state) if self.amsgrad else E
        return self._scaled_step(theta, grad, np.sqrt(scale) + self.epsilon, ctx), state


@_register_builtin
@dataclass
class Adam(_Adaptive):
    r"""Adam with bias correction (Kingma & Ba 2015), the notes' §7.3 formula.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \theta_t = \theta_{t-1} - \eta\,\frac{m_t / (1-\beta_1^t)}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon},

    ``torch.optim.Adam(lr=eta, betas=(beta1, beta2), eps=epsilon)``. With
    ``amsgrad=True``, :math:`\sqrt{\cdot}` is taken of the running maximum of
    :math:`v_t / (1-\beta_2^t)` (torch's ``amsgrad=True``).
    """

    name = "adam"
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    amsgrad: bool = False

    def init(self, theta, objective):
        return AdaptiveState(second=np.zeros_like(theta), first=np.zeros_like(theta))

    def step(self, theta, value, grad, state, ctx):
        m, v = state.first, state.second
        state.t += 1
        t = state.t
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * grad * grad
        m_hat = m / (1.0 - self.beta1**t)
        v_hat = v / (1.0 - self.beta2**t)
        if self.amsgrad:
            v_hat = _amsgrad(v_hat, state)
        denominator = np.sqrt(v_hat) + self.epsilon
        theta = self._decay(theta, ctx)
        return self._scaled_step(theta, m_hat, denominator, ctx), state

    def _decay(self, theta, ctx):
        return theta


@_register_builtin
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
