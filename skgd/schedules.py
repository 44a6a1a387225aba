r"""Learning-rate schedules: the factor that multiplies the base ``learning_rate``.

The step of iteration :math:`t` (``t = 0, 1, ...``, counting iterations on full
batches and epochs on minibatches) is

.. math::

    \eta_t = \eta \cdot w(t) \cdot s(t - T_w) \cdot d_t, \qquad
    w(t) = \min\Big(1, \frac{t + 1}{T_w + 1}\Big),

with :math:`\eta` the base ``learning_rate``, :math:`w` the linear warm-up of
``warmup_iter`` :math:`= T_w` iterations (:math:`s` is 1 during the warm-up and
starts counting after it), :math:`s` the schedule below and :math:`d_t` the
plateau decays of the ``"adaptive"`` schedule (a factor 1/5 per plateau, see
:mod:`skgd.fit_loop`; 1 for the other schedules). Because every schedule is a
*factor*, a grid search over ``learning_rate`` works with any of them.

.. list-table::
   :header-rows: 1

   * - name
     - :math:`s(t)`
     - class
   * - ``constant``
     - :math:`1`
     - :class:`Constant`
   * - ``invscaling``
     - :math:`(1 + \text{decay}\cdot t)^{-\text{power}}`
     - :class:`InvScaling`
   * - ``step``
     - :math:`\gamma^{\lfloor t / \text{step\_size}\rfloor}`
     - :class:`StepDecay`
   * - ``cosine``
     - :math:`m + (1-m)\,\tfrac12\big(1 + \cos(\pi \min(t, T) / T)\big)`
     - :class:`Cosine`
   * - ``adaptive``
     - :math:`1` (and the plateau decays :math:`d_t`)
     - :class:`Adaptive`
   * - a function ``f``
     - :math:`f(t)`
     - any ``f(step) -> factor``

``T`` is the horizon: ``Cosine(T=...)`` and ``StepDecay(step_size=...)`` when
given, else ``max_iter - warmup_iter`` of the fit. ``partial_fit`` has no
horizon (each call is one epoch): there ``cosine`` and ``step`` need theirs
given explicitly, and a warm-started fit should give them too if its
schedule is to continue across fits. A schedule given by name uses the class
defaults; pass an instance (``schedule=InvScaling(power=0.25)``) for other
values -- its parameters are then searchable as ``schedule__power``.
"""

import math
import numbers

from .solvers.base import Solver


class Schedule:
    """A learning-rate schedule: ``factor(t, horizon)`` multiplies the base rate.

    Class attributes
    ----------------
    name : str
        The ``schedule`` string.
    adaptive : bool
        The fit loop also divides the step at plateaus (``"adaptive"``).
    needs_horizon : bool
        The factor depends on the fit's ``max_iter`` (no horizon was given).
    """

    name = ""
    adaptive = False
    # the factor depends on the fit's max_iter (unknown to partial_fit)
    needs_horizon = False
    # hyper-parameters are the __init__ arguments, as for solvers
    get_params = Solver.get_params
    set_params = Solver.set_params
    _param_names = Solver.__dict__["_param_names"]  # the classmethod itself

    def factor(self, t, horizon):
        """The factor of iteration ``t`` (0-based, after the warm-up) of ``horizon``."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):  # clone's parameter check compares by value
        return type(self) is type(other) and self.get_params() == other.get_params()

    def __hash__(self):
        return hash((type(self), tuple(sorted(self.get_params().items()))))


class Constant(Schedule):
    r""":math:`s(t) = 1`."""

    name = "constant"

    def factor(self, t, horizon):
        return 1.0


class Adaptive(Constant):
    r""":math:`s(t) = 1`; the fit loop divides the step by 5 whenever the
    objective stops improving for ``n_iter_no_change`` iterations (scikit-learn's
    ``learning_rate="adaptive"``; see :mod:`skgd.fit_loop` for the exact rule)."""

    name = "adaptive"
    adaptive = True


class InvScaling(Schedule):
    r""":math:`s(t) = (1 + \text{decay}\cdot t)^{-\text{power}}`.

    ``power=0.5`` is the classic :math:`1/\sqrt t` decay of stochastic
    approximation (scikit-learn's MLP ``power_t``); ``power=1`` the
    :math:`1/t` decay of strongly convex SGD.
    """

    name = "invscaling"

    def __init__(self, decay=1.0, power=0.5):
        self.decay = decay
        self.power = power

    def factor(self, t, horizon):
        return (1.0 + self.decay * t) ** -self.power


class StepDecay(Schedule):
    r""":math:`s(t) = \gamma^{\lfloor t / \text{step\_size}\rfloor}`
    (``torch.optim.lr_scheduler.StepLR``); ``step_size=None`` is a tenth of the
    horizon."""

    name = "step"

    def __init__(self, step_size=None, gamma=0.5):
        self.step_size = step_size
        self.gamma = gamma

    @property
    def needs_horizon(self):
        return self.step_size is None

    def factor(self, t, horizon):
        size = self.step_size or max(1, horizon // 10)
        return self.gamma ** (t // size)


class Cosine(Schedule):
    r""":math:`s(t) = m + (1 - m)\,\tfrac12\big(1 + \cos(\pi \min(t, T) / T)\big)`,
    :math:`m` = ``min_factor``, :math:`T` = ``T`` (None: the fit's
    ``max_iter - warmup_iter``): cosine annealing (Loshchilov & Hutter 2017,
    ``torch.optim.lr_scheduler.CosineAnnealingLR(T_max=T, eta_min=m * lr)``)."""

    name = "cosine"

    def __init__(self, min_factor=0.0, T=None):
        self.min_factor = min_factor
        self.T = T

    @property
    def needs_horizon(self):
        return self.T is None

    def factor(self, t, horizon):
        T = max(self.T or horizon, 1)
        m = self.min_factor
        return m + (1.0 - m) * 0.5 * (1.0 + math.cos(math.pi * min(t, T) / T))


class _Callable(Schedule):
    """A user function ``f(step) -> factor``."""

    def __init__(self, function):
        self.function = function
        self.name = getattr(function, "__name__", "callable")

    def factor(self, t, horizon):
        value = self.function(t)
        if not (
            isinstance(value, numbers.Real) and math.isfinite(value) and value >= 0
        ):
            raise ValueError(
                f"schedule={self.function!r} returned {value!r} at step {t}: a "
                "schedule must return a finite, non-negative factor of the "
                "learning rate."
            )
        return float(value)


SCHEDULES = {
    cls.name: cls for cls in (Constant, Adaptive, InvScaling, StepDecay, Cosine)
}


def get_schedule(schedule):
    """A :class:`Schedule` from a name, an instance or a function ``f(step)``."""
    if isinstance(schedule, Schedule):
        return schedule
    if isinstance(schedule, str):
        try:
            return SCHEDULES[schedule]()
        except KeyError:
            raise ValueError(
                f"Unknown schedule {schedule!r}; valid: {', '.join(SCHEDULES)}, "
                "or a function f(step) -> factor."
            ) from None
    if callable(schedule):
        return _Callable(schedule)
    raise TypeError(f"schedule={schedule!r} is not a name, Schedule or callable.")


def warmup_factor(t, warmup_iter):
    r""":math:`w(t) = \min(1, (t + 1) / (T_w + 1))`: linear warm-up."""
    return min(1.0, (t + 1) / (warmup_iter + 1))


def schedule_factor(schedule, t, warmup_iter, max_iter):
    """The warm-up times the schedule's factor at iteration ``t`` (0-based)."""
    if t < warmup_iter:
        return warmup_factor(t, warmup_iter)
    return schedule.factor(t - warmup_iter, max_iter - warmup_iter)
