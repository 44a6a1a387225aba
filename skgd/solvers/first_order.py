r"""First-order rules: gradient descent, SGD, heavy-ball momentum, Nesterov.

With a non-smooth penalty (``ProxLasso``) every rule takes a proximal step:
the point a smooth rule would move to is passed through
:math:`\operatorname{prox}_{\eta R}`, with :math:`\eta` the step applied to the
gradient, so that the fixed points are exactly the minimisers.
"""

from dataclasses import dataclass

import numpy as np

from .base import UpdateRule, _register_builtin


@_register_builtin
@dataclass
class GradientDescent(UpdateRule):
    r"""Gradient descent / ISTA: :math:`\theta \leftarrow \operatorname{prox}_{\eta R}(\theta - \eta \nabla f(\theta))`.

    ``learning_rate="auto"`` is :math:`\eta = 1/L`, for which every step
    decreases the objective; ``learning_rate="armijo"`` backtracks from
    :math:`\eta_0 = 1` until :math:`F(\theta^+) \le F(\theta) + c\,\big(g^\top(\theta^+-\theta) + N(\theta^+) - N(\theta)\big)`.
    """

    name = "gd"
    line_search = True

    def step(self, theta, value, grad, state, ctx):
        lr = ctx.learning_rate
        return ctx.objective.prox(theta - lr * grad, lr), state


@_register_builtin
@dataclass
class StochasticGradientDescent(GradientDescent):
    r"""Minibatch SGD: the same step on the gradient of a shuffled batch.

    ``learning_rate="auto"`` is :math:`1/L_{\text{row}}`, with
    :math:`L_{\text{row}} = c_\ell \max_i \lVert x_i - \bar x \rVert^2 + 1 + \alpha`
    the largest single-sample Lipschitz constant (the step SAG uses), a step
    that is stable for any batch size.
    """

    name = "sgd"
    stochastic = True


@dataclass
class _MomentumRule(UpdateRule):
    """What momentum and nesterov share: beta, the optional restart, the
    automatic rate and the state (the previous iterate)."""

    # the heavy ball's objective oscillates on its way down: not a plateau
    default_schedule = "constant"
    momentum: float = 0.9
    restart: bool = False

    def auto_learning_rate(self, objective, stochastic):
        """``1/((1-beta) L)`` on full batches (a ``1/L`` step on the gradient);
        ``1/L_row`` on minibatches, where momentum would amplify the noise."""
        if stochastic:
            return 1.0 / objective.row_lipschitz()
        return 1.0 / ((1.0 - self.momentum) * objective.lipschitz())

    def init(self, theta, objective):
        return MomentumState(previous=theta.copy())


@dataclass
class MomentumState:
    """The previous iterate (``theta_{t-1}``; ``v_t = (theta_{t-1} - theta_t) / eta``)
    and, for ``restart``, the previous objective."""

    previous: np.ndarray
    previous_value: float = np.inf


@_register_builtin
@dataclass
class Momentum(_MomentumRule):
    r"""Heavy ball in the course notes' form (§7.1).

    .. math::
        v_{t+1} = \beta v_t + (1 - \beta) \nabla f(\theta_t), \qquad
        \theta_{t+1} = \theta_t - \eta v_{t+1}, \qquad v_0 = 0,

    which is ``torch.optim.SGD(lr=eta, momentum=beta, dampening=beta)`` except
    for torch's first step (its buffer starts at :math:`g_1`, not
    :math:`(1-\beta) g_1`). Computed as the equivalent two-step form
    :math:`\theta_{t+1} = \theta_t - \tau \nabla f(\theta_t) + \beta(\theta_t - \theta_{t-1})`,
    :math:`\tau = (1-\beta)\eta`, whose proximal version
    :math:`\theta_{t+1} = \operatorname{prox}_{\tau R}(\theta_t - \tau \nabla f(\theta_t) + \beta(\theta_t - \theta_{t-1}))`
    (iPiano, Ochs et al. 2014) serves ``ProxLasso``.

    ``learning_rate="auto"`` is :math:`\eta = 1 / ((1 - \beta) L)`, i.e.
    :math:`\tau = 1/L`. ``restart=True`` (off by default) drops the momentum
    whenever the full-batch objective rises (function-value restart,
    O'Donoghue & Candès 2015).
    """

    name = "momentum"

    def step(self, theta, value, grad, state, ctx):
        previous = state.previous
        if self.restart and not ctx.stochastic:
            if value > state.previous_value:
                previous = theta  # restart: no momentum this step
            state.previous_value = value
        tau = (1.0 - self.momentum) * ctx.learning_rate
        moved = theta - tau * grad + self.momentum * (theta - previous)
        state.previous = theta
        return ctx.objective.prox(moved, tau), state


@_register_builtin
@dataclass
class Nesterov(_MomentumRule):
    r"""Nesterov's accelerated gradient in the course notes' form (§7.2).

    .. math::
        v_{t+1} = \beta v_t + (1-\beta)\nabla f(\theta_t - \eta\beta v_t), \qquad
        \theta_{t+1} = \theta_t - \eta v_{t+1}, \qquad v_0 = 0,

    computed as the equivalent look-ahead form (FISTA with constant momentum)

    .. math::
        y = \theta_t + \beta(\theta_t - \theta_{t-1}), \qquad
        \theta_{t+1} = \operatorname{prox}_{\tau R}\big(y - \tau \nabla f(y)\big),
        \quad \tau = (1 - \beta)\eta,

    which is also the proximal (FISTA-type) variant for ``ProxLasso``.
    ``learning_rate="auto"`` is :math:`\eta = 1/((1-\beta)L)`, i.e. :math:`\tau = 1/L`.
    ``restart=True`` (off by default) drops the momentum whenever the
    full-batch step points against the gradient mapping (adaptive gradient
    restart, O'Donoghue & Candès 2015). ``learning_rate="armijo"`` backtracks
    :math:`\tau` on the gradient step from the look-ahead :math:`y`:
    :math:`F(\theta^+) \le F(y) + c\,\big(\nabla f(y)^\top(\theta^+ - y) + N(\theta^+) - N(y)\big)`
    with :math:`c = 1/2` (for a gradient step, Beck & Teboulle's condition
    :math:`F(y - \tau g) \le F(y) - \tfrac\tau2\lVert g\rVert^2`), never growing
    the step back.
    """

    name = "nesterov"
    line_search = True  # Armijo on the gradient step from the look-ahead
    # c = 1/2 is Beck & Teboulle's (2009) backtracking for FISTA (the descent
    # lemma at the look-ahead, tau <= 1/L); a smaller c accepts steps up to
    # 2/L, at which constant momentum diverges. Steps only shrink, as theirs.
    armijo_c = 0.5
    armijo_growth = 1.0

    def step(self, theta, value, grad, state, ctx):
        previous = state.previous
        tau = (1.0 - self.momentum) * ctx.learning_rate
        lookahead = theta + self.momentum * (theta - previous)
        if ctx.line_search and not np.array_equal(
            ctx.objective.prox(lookahead, 0.0), lookahead
        ):
            # outside the constraint set N is +inf: no Armijo test can start
            # there, so this step takes no momentum
            lookahead = theta
        if ctx.line_search:  # the step starts at the look-ahead: its value too
            lookahead_value, lookahead_grad = ctx.objective.value_and_grad(lookahead)
            ctx.base = (lookahead, lookahead_value, lookahead_grad)
            lookahead_grad = ctx.clip(lookahead_grad)
        else:  # full batch: from the two iterates' cached predictions
            lookahead_grad = ctx.extrapolated_gradient(theta, previous, self.momentum)
        new_theta = ctx.objective.prox(lookahead - tau * lookahead_grad, tau)
        restart = (
            self.restart
            and not ctx.stochastic
            and np.dot(lookahead - new_theta, new_theta - theta) > 0
        )
        # on a restart the next look-ahead starts from new_theta without momentum
        state.previous = new_theta if restart else theta
        return new_theta, state
