r"""One fit loop for every solver: batches, steps, schedule, stopping, divergence.

Every solver gets the same bookkeeping through :class:`Monitor`, whether it is
an :class:`~skgd.solvers.base.UpdateRule` stepped by :func:`run` or a whole
algorithm (``rule.minimize``) that reports its iterations to the monitor.

Stopping
--------
*Full batch*: the ``"adaptive"`` schedule divides the step by 5 when the
objective has not reached a new minimum (beyond rounding) for
``n_iter_no_change`` iterations while visibly rising in that window (a cycle:
Adam or RMSProp at a constant rate, a step that is too long). The run has
converged when the scale-invariant optimality
:math:`M(\theta)` (:meth:`skgd.objective.Objective.optimality`) falls to
:math:`\max(\mathrm{tol}\cdot M(\theta_0), \text{rounding level})`, with
:math:`\theta_0` the null model. Rescaling or shifting one column of X changes
neither side, so one raw column cannot make the test pass early. For a loss
whose curvature varies, a pass is confirmed against the Hessian's diagonal at
the iterate (:meth:`Monitor._confirm`).

*Minibatches*: the full-data objective and gradient are computed once an
epoch; the run has converged as soon as the full-batch test above passes.
Otherwise an epoch "improves" when the full-data objective falls below
``best - tol * |best|``. After ``n_iter_no_change`` epochs without improvement
the ``"adaptive"`` schedule divides the step by 5 (at most three times); at the
next plateau (or at the first with ``schedule="constant"``) the run ends and the
distance to the minimum is estimated once on the full data,
:math:`\hat\Delta = \tfrac12 g^\top H^{-1} g` (the Newton decrement,
:meth:`skgd.objective.Objective.suboptimality_estimate`): the run has
converged only if :math:`\hat\Delta \le \sqrt{\mathrm{tol}}\,\lvert F(\theta)\rvert`
(minibatch noise makes the full-batch bar unreachable), otherwise it *stalled*.

``tol=0`` is a fixed budget: ``max_iter`` iterations, no plateau handling.
The ``"constant"`` plateau rule above applies to every non-adaptive schedule
(:mod:`skgd.schedules`): their factors multiply the step, the plateau decays
are the adaptive schedule's own.

Training controls
-----------------
Early stopping (a held-out score, :meth:`Monitor._early_stop`), callbacks
(``on_iteration``), Armijo backtracking (:func:`_armijo_step`) and gradient
clipping (:meth:`StepContext.clip`) are all here, so every solver gets them the
same way. A run can be resumed exactly (:class:`LoopState`): the rule's state,
the schedule's step, the plateau detector and the shuffling generator carry
over, which is what ``warm_start`` and ``partial_fit`` use.
"""

import copy
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .exceptions import DivergenceError
from .schedules import Constant, schedule_factor
from .solvers.base import Algorithm

# The objective may exceed the null model's by this factor before the run is
# declared divergent: far above what a converging solver (even a noisy
# stochastic one) reaches, far below overflow.
_DIVERGENCE_FACTOR = 1e4
# The "adaptive" schedule divides the step by this factor when the objective
# stops improving (as scikit-learn's MLP and SGD with learning_rate="adaptive").
_PLATEAU_DECAY = 5.0
# Minibatch runs decay at most this many times before they end at a plateau;
# full-batch runs decay as often as needed (their stop is the optimality test).
_MINIBATCH_DECAYS = 3
# Verbose output prints at most one line per this many seconds (plus the first
# ten iterations and the last one).
_VERBOSE_INTERVAL = 0.5

# Armijo backtracking (the course notes' appendix): shrink factor rho and the
# first trial step alpha_0 of the first iteration; later iterations start from
# the last accepted step times the rule's armijo_growth. The sufficient-decrease
# constant c is the rule's armijo_c (the notes' 1e-4 by default).
ARMIJO_RHO = 0.5
ARMIJO_INITIAL = 1.0
_ARMIJO_MAX_HALVINGS = 60


@dataclass
class FitResult:
    """What a run returns.

    Attributes
    ----------
    theta : ndarray
        The final iterate.
    n_iter : int
        Iterations (full batch) or epochs (minibatches).
    loss_curve : list of float
        Full-data objective after each iteration / epoch.
    learning_rates : list of float
        The step size used in each iteration / epoch (after the schedule).
    status : str
        ``"converged"``, ``"max_iter"`` (the budget ran out first), ``"stalled"``
        (no progress possible: an exact fixed point that is not optimal, a
        minibatch plateau that is not an optimum, a failed line search) or
        ``"budget"`` (``tol=0``: a fixed number of iterations was asked for),
        ``"early_stopped"`` (the validation score stopped improving) or
        ``"callback"`` (a callback asked to stop).
    optimality, threshold, null_optimality : float
        :math:`M(\theta)` at the end, the bar it had to pass, and
        :math:`M(\theta_0)` of the null model.
    reason : str
        Why a run stalled (empty otherwise).
    """

    theta: np.ndarray
    n_iter: int
    loss_curve: list
    learning_rates: list
    status: str
    optimality: float
    threshold: float
    null_optimality: float
    start_value: float
    start_grad_norm: float = math.nan
    reason: str = ""
    stochastic: bool = False
    n_decays: int = 0
    # per-iteration columns of history_ (see skgd.history.History)
    records: dict = field(default_factory=dict)
    thetas: list = None  # the iterates, when asked for (record_coef)
    # what a warm start resumes from (None when early stopping went back)
    loop_state: "LoopState" = None
    validation_scores: list = None
    best_iteration: int = None  # early stopping: the restored iterate's index

    @property
    def converged(self):
        return self.status == "converged"


@dataclass
class LoopState:
    """Everything a warm start needs to continue a run exactly where it ended
    (so that k fits of one iteration are one fit of k iterations).

    Attributes
    ----------
    theta : ndarray
        The last iterate, in the objective's coordinates.
    rule_state : object
        The update rule's state (momentum buffer, Adam's moments and step count,
        an Algorithm's own state).
    step : int
        Iterations (epochs) done so far: the schedule's ``t``.
    rate_factor, n_decays : float, int
        The adaptive schedule's decays.
    best, no_improvement, recent : float, int, list
        The plateau detector (best objective, iterations without improvement,
        the last ``n_iter_no_change`` objectives).
    armijo_step : float or None
        The last step accepted by the Armijo line search.
    rng : numpy RandomState or None
        The minibatch shuffles' generator, continued by the next fit.
    """

    theta: np.ndarray
    rule_state: object
    step: int
    rate_factor: float
    n_decays: int
    best: float
    no_improvement: int
    recent: list
    armijo_step: float = None
    rng: object = None


class StepContext:
    """What an update rule may read or call during one step.

    Attributes
    ----------
    objective : Objective
    learning_rate : float
        The step size of this step (the base rate times the schedule's factor).
    stochastic : bool
        Whether the run is on minibatches.
    rows : ndarray or None
        The current minibatch's rows (None on full batches).
    clip_grad_norm : float or None
        Gradients reach the rule rescaled to at most this Euclidean norm.
    line_search : bool
        The step is being chosen by the Armijo line search: a rule whose
        gradient step does not start at ``theta`` (Nesterov's look-ahead) sets
        ``base`` to ``(point, value, gradient)`` of the point it starts from.
    """

    def __init__(self, objective, learning_rate, stochastic, clip_grad_norm=None):
        self.objective = objective
        self.learning_rate = learning_rate
        self.stochastic = stochastic
        self.clip_grad_norm = clip_grad_norm
        self.rows = None
        self.line_search = False
        self.base = None

    def gradient(self, point):
        """Gradient at ``point`` on the current batch (full data if none)."""
        return self.clip(self.objective.gradient(point, self.rows))

    def extrapolated_gradient(self, theta, previous, beta):
        """Gradient at ``theta + beta (theta - previous)`` on the current batch;
        on full batches from the cached predictions of both points
        (:meth:`skgd.objective.Objective.extrapolated_gradient`)."""
        if self.rows is not None:
            return self.gradient(theta + beta * (theta - previous))
        return self.clip(self.objective.extrapolated_gradient(theta, previous, beta))

    def clip(self, grad):
        r""":math:`g \min(1, c / \lVert g\rVert_2)` with ``c = clip_grad_norm``
        (``torch.nn.utils.clip_grad_norm_``): the direction is kept, the length
        bounded. Fixed points are unchanged (``g = 0`` iff the clipped ``g = 0``)."""
        if self.clip_grad_norm is None:
            return grad
        norm = float(np.linalg.norm(grad))
        if norm > self.clip_grad_norm:
            return grad * (self.clip_grad_norm / norm)
        return grad


class Monitor:
    """Per-iteration bookkeeping shared by every solver: history, divergence,
    schedule, stopping, early stopping, callbacks and verbose output (see the
    module docstring)."""

    def __init__(
        self,
        objective,
        *,
        tol,
        null_value,
        null_optimality,
        stochastic,
        learning_rate,
        learning_rate_is_auto=False,
        schedule=None,
        warmup_iter=0,
        max_iter=1,
        n_iter_no_change=10,
        verbose=0,
        solver_name="",
        start_time=None,
        record_theta=False,
        on_iteration=None,
        validation=None,
        resume=None,
    ):
        self.objective = objective
        self.tol = tol
        self.null_value = null_value
        self.null_optimality = null_optimality
        self.threshold = objective.stopping_threshold(tol, null_optimality)
        self.stochastic = stochastic
        self.base_learning_rate = learning_rate
        self.learning_rate_is_auto = learning_rate_is_auto
        self.schedule = schedule if schedule is not None else Constant()
        self.warmup_iter = warmup_iter
        self.max_iter = max_iter
        self.n_iter_no_change = n_iter_no_change
        self.verbose = verbose
        self.solver_name = solver_name
        self.start_time = time.perf_counter() if start_time is None else start_time
        self.record_theta = record_theta
        self.on_iteration = on_iteration
        self.validation = validation
        self.start_value = None  # the starting point's objective, once known
        self.loss_curve = []
        self.learning_rates = []
        self.records = {name: [] for name in ("optimality", "grad_norm", "time")}
        self.thetas = [] if record_theta else None
        self.n_iter = 0
        self.status = "max_iter" if tol > 0 else "budget"
        self.reason = ""
        self.optimality = math.inf
        self.best = math.inf
        self.no_improvement = 0
        self.rate_factor = 1.0
        self.n_decays = 0
        self.step_offset = 0
        self.recent = []
        self.armijo_step = None
        if resume is not None:  # continue the schedule and plateau detector
            self.step_offset = resume.step
            self.rate_factor = resume.rate_factor
            self.n_decays = resume.n_decays
            self.best = resume.best
            self.no_improvement = resume.no_improvement
            self.recent = list(resume.recent)
            self.armijo_step = resume.armijo_step
        # the step of the iteration being taken (a line search overrides it)
        self.step_used = None
        self.validation_scores = [] if validation is not None else None
        self.best_score = -math.inf
        self.best_iteration = None
        self.best_theta = None
        self.no_score_improvement = 0
        self._last = (None, None)  # the last recorded iterate and gradient
        self._last_print = -math.inf
        self._last_printed = 0

    @property
    def step(self):
        """The schedule's ``t`` of the iteration being taken (0-based; counts
        the iterations of earlier warm-started fits too)."""
        return self.step_offset + self.n_iter

    @property
    def learning_rate(self):
        """The current step size: the base rate times the warm-up, the
        schedule's factor and the plateau decays."""
        factor = schedule_factor(
            self.schedule, self.step, self.warmup_iter, self.max_iter
        )
        return self.base_learning_rate * factor * self.rate_factor

    def loop_state(self, theta, rule_state, rng=None):
        """What a warm start needs to resume this run (see :class:`LoopState`)."""
        return LoopState(
            theta=np.array(theta, copy=True),
            rule_state=rule_state,
            step=self.step,
            rate_factor=self.rate_factor,
            n_decays=self.n_decays,
            best=self.best,
            no_improvement=self.no_improvement,
            recent=list(self.recent),
            armijo_step=self.armijo_step,
            rng=rng,
        )

    def check_finite(self, theta, value):
        limit = _DIVERGENCE_FACTOR * max(abs(self.null_value), 1.0)
        if np.isfinite(value) and value <= limit and np.all(np.isfinite(theta)):
            return
        raise DivergenceError(self._divergence_message(value))

    def _divergence_message(self, value):
        lr = self.learning_rate
        try:
            safe = f"{1.0 / self.objective.lipschitz():.3g}"
        except Exception:  # the suggestion is a courtesy; never mask the real error
            safe = "1/L"
        if self.learning_rate_is_auto:
            advice = (
                f"learning_rate='auto' chose this step; pass a smaller "
                f"learning_rate, such as {lr / 10:.3g}"
            )
        else:
            advice = (
                f"Pass a smaller learning_rate, such as {lr / 10:.3g}, or "
                f"learning_rate='auto' (for gd, 1/L = {safe} is safe on this data)"
            )
        start = self.start_value if self.start_value is not None else self.null_value
        return (
            f"Solver {self.solver_name!r} diverged at iteration {self.n_iter + 1}: "
            f"the objective went from {start:.4g} to {value:.4g} with "
            f"learning_rate={lr:.4g}. {advice}."
        )

    def _improved(self, value):
        """Minibatches: the epoch objective fell by more than tol (relative; it is
        noisy). Full batch: it fell below the best so far by more than rounding."""
        if self.stochastic:
            return value < self.best - self.tol * abs(self.best)
        return value < self.best - self._rounding(self.best)

    def _rounding(self, value):
        return 16 * np.finfo(self.objective.dtype).eps * abs(value)

    def record(self, theta, value, grad=None):
        """Log one iteration (its iterate, full-data objective and, on full batches,
        gradient); return True when the run should stop."""
        self.check_finite(theta, value)
        learning_rate = (
            self.step_used if self.step_used is not None else (self.learning_rate)
        )
        self.step_used = None
        self.n_iter += 1
        self.loss_curve.append(value)
        self._last = (theta, grad)
        self.learning_rates.append(learning_rate)
        stop = False
        if grad is not None:  # every full-batch iteration; every epoch
            self.optimality = self.objective.optimality(theta, grad)
            if self.tol > 0 and self.optimality <= self.threshold:
                stop = self._confirm(theta, grad)
                if stop:
                    self.status = "converged"
        if not stop and self.tol > 0:
            if self._improved(value):
                self.no_improvement = 0
            else:
                self.no_improvement += 1
            self.best = min(self.best, value)
            self.recent = (self.recent + [value])[-self.n_iter_no_change :]
            if self.no_improvement >= self.n_iter_no_change:
                self.no_improvement = 0
                stop = self._plateau(theta, value, grad)
        records = self.records
        records["optimality"].append(self.optimality if grad is not None else math.nan)
        records["grad_norm"].append(
            float(np.linalg.norm(grad)) if grad is not None else math.nan
        )
        if self.thetas is not None:
            self.thetas.append(np.array(theta, copy=True))
        if self.validation is not None and self._early_stop(theta):
            stop = True
        records["time"].append(time.perf_counter() - self.start_time)
        if self.verbose:
            self._print(value)
        if self.on_iteration is not None and self.on_iteration(theta, self):
            if not stop:  # the run's own verdict, if any, stands
                self.status = "callback"
                self.reason = "a callback asked to stop"
            stop = True
        return stop

    def _early_stop(self, theta):
        """Early stopping (scikit-learn's SGD / MLP rule): stop when the
        validation score has not exceeded its best by ``tol`` for
        ``n_iter_no_change`` iterations; the best iterate is restored at the end."""
        score = float(self.validation(theta))
        self.validation_scores.append(score)
        if score > self.best_score:
            self.best_iteration = self.n_iter - 1
            self.best_theta = np.array(theta, copy=True)
        if score > self.best_score + self.tol:
            self.no_score_improvement = 0
        else:
            self.no_score_improvement += 1
        self.best_score = max(self.best_score, score)
        if self.no_score_improvement >= self.n_iter_no_change:
            if self.status not in ("converged",):
                self.status = "early_stopped"
            return True
        return False

    def _confirm(self, theta, grad):
        """The test passed against the loss's largest curvature; confirm it
        against the curvature at ``theta`` (the Hessian's diagonal: one pass
        over X), which is smaller where the loss flattens -- near separable
        classes a small gradient can still leave much to gain."""
        if self.objective.loss.constant_hessian:
            return True
        local = self.objective.local_coordinate_curvature(theta)
        self.optimality = max(
            self.optimality, self.objective.optimality(theta, grad, local)
        )
        return self.optimality <= self.threshold

    def _plateau(self, theta, value, grad):
        """The objective stopped improving: decay the step, or end a minibatch run."""
        if self.stochastic:
            can_decay = self.n_decays < _MINIBATCH_DECAYS
        else:
            # a full-batch plateau is a cycle (Adam, RMSProp, too long a step)
            # only if the objective visibly rose in it; flat to rounding, it is
            # slow progress that the optimality test still follows
            can_decay = max(self.recent) > self.best + self._rounding(self.best)
        can_decay = can_decay and self.schedule.adaptive
        if can_decay:
            self.n_decays += 1
            self.rate_factor /= _PLATEAU_DECAY
            # progress is judged afresh from here: the best value may date from
            # before a long excursion, which the smaller step need not undo first
            self.best = math.inf
            return False
        if not self.stochastic:
            return False  # a constant step keeps going: max_iter decides
        # a minibatch plateau: estimate the full-data suboptimality once
        if grad is None:
            value, grad = self.objective.value_and_grad(theta)
            self.optimality = self.objective.optimality(theta, grad)
        gap = self.objective.suboptimality_estimate(theta, grad)
        bar = math.sqrt(self.tol) * max(abs(value), self.tol * abs(self.null_value))
        if gap <= bar or self.optimality <= self.threshold:
            self.status = "converged"
        else:
            self.status = "stalled"
            self.reason = (
                f"the epoch objective stopped improving by tol={self.tol:g} for "
                f"{self.n_iter_no_change} epochs (n_iter_no_change)"
                + (f" after {self.n_decays} step decays" if self.n_decays else "")
                + f", but the objective is still about {gap / abs(value):.2g} "
                f"(relative) above its minimum, more than sqrt(tol) = "
                f"{math.sqrt(self.tol):.2g}"
            )
        return True

    def stalled(self, reason):
        r"""End the run: no further progress is possible (an exact fixed point, a
        failed line search). It has converged if the test passes, or if the
        estimated distance to the minimum (the Newton decrement,
        :meth:`~skgd.objective.Objective.suboptimality_estimate`) is within
        the objective's own precision, :math:`16\,\epsilon\,|F|`: no method
        that compares objective values (line searches, L-BFGS-B) can resolve
        less, and the estimate accounts for correlated features, which the
        coordinate-wise optimality does not."""
        if self.tol <= 0:
            return
        if self.optimality <= self.threshold:
            self.status = "converged"
            return
        value = self.loss_curve[-1] if self.loss_curve else self.null_value
        eps = np.finfo(self.objective.dtype).eps
        theta, grad = self._last
        if grad is None and theta is not None:
            _, grad = self.objective.value_and_grad(theta)
        gap = (
            self.objective.suboptimality_estimate(theta, grad)
            if theta is not None
            else math.inf
        )
        # M^2 / 2 (the decrease one coordinate step under the curvature bound
        # still makes) is a lower bound on what is left: it must be within the
        # precision too (a flat, near-singular Hessian can make the decrement
        # estimate vanish in rounding)
        gap = max(gap, 0.5 * self.optimality**2)
        if gap <= 16 * eps * abs(value):
            self.status = "converged"
        else:
            self.status = "stalled"
            self.reason = reason

    def _print(self, value, final=False):
        now = time.perf_counter()
        if (
            not final
            and self.n_iter > 10
            and now - self._last_print < _VERBOSE_INTERVAL
        ):
            return
        self._last_print = now
        self._last_printed = self.n_iter
        unit = "epoch" if self.stochastic else "iter"
        opt = f"  optimality {self.optimality:.3e}"
        print(
            f"[{self.solver_name}] {unit} {self.n_iter:5d}  objective {value:.8e}"
            f"{opt}  lr {self.learning_rate:.3g}",
            file=sys.stdout,
            flush=True,
        )

    def finish(self):
        if self.verbose and self.loss_curve and self._last_printed != self.n_iter:
            self._print(self.loss_curve[-1], final=True)


def run(
    objective,
    rule,
    *,
    learning_rate,
    max_iter,
    tol,
    stochastic=False,
    batch_size=None,
    random_state=None,
    theta0=None,
    schedule=None,
    warmup_iter=0,
    line_search=False,
    clip_grad_norm=None,
    learning_rate_is_auto=False,
    n_iter_no_change=10,
    verbose=0,
    start_time=None,
    record_theta=False,
    on_iteration=None,
    validation=None,
    resume=None,
):
    """Minimise ``objective`` with ``rule`` from ``theta0``.

    Parameters
    ----------
    objective : Objective
    rule : UpdateRule or Algorithm
        A solver with every optional hook (see :func:`skgd.solvers.as_solver`).
    learning_rate : float
        Base step size (the rule decides what it scales; the schedule multiplies
        it; with ``line_search`` the first trial step).
    max_iter : int
        Iterations (full batch) or epochs (minibatches).
    tol : float
        See the module docstring.
    stochastic : bool
        Run on shuffled minibatches of ``batch_size`` rows, one epoch per iteration.
    random_state : numpy RandomState
        Source of the shuffles.
    theta0 : ndarray
        Starting point (not modified); the null model when None.
    schedule : Schedule
        :mod:`skgd.schedules`; with ``warmup_iter`` iterations of linear warm-up.
    line_search : bool
        Choose each step by Armijo backtracking (full batch only).
    clip_grad_norm : float or None
        Rescale the gradients the rule sees to at most this norm.
    learning_rate_is_auto : bool
        For the messages: the rate came from ``learning_rate="auto"``.
    start_time : float
        ``time.perf_counter()`` at the start of the fit (the history's origin).
    record_theta : bool
        Keep every iterate (``FitResult.thetas``).
    on_iteration : callable ``(theta, monitor) -> bool`` or None
        Called after each iteration (epoch); True stops the run.
    validation : callable ``theta -> score`` or None
        Early stopping on a held-out score; the best iterate is returned.
    resume : LoopState or None
        Continue a previous run: its iterate (``theta0``), rule state, schedule
        step, plateau detector and shuffling generator.

    Returns
    -------
    FitResult
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        null = objective.initial_theta()
        null_value, null_grad = objective.value_and_grad(null)
        if not (np.isfinite(null_value) and np.all(np.isfinite(null_grad))):
            raise ValueError(
                f"The objective overflows {objective.dtype} at the null model: "
                "the targets or features are too large. Rescale y (and X) "
                "before fitting."
            )
        null_optimality = objective.optimality(null, null_grad)
        if resume is not None:
            theta0 = resume.theta
            if resume.rng is not None:
                random_state = resume.rng
        if theta0 is None:  # a fresh start is the null model: reuse its evaluation
            theta, start = null, (null_value, null_grad)
        else:
            theta, start = np.array(theta0, dtype=objective.dtype), None
        monitor = Monitor(
            objective,
            tol=tol,
            null_value=null_value,
            null_optimality=null_optimality,
            stochastic=stochastic,
            learning_rate=learning_rate,
            learning_rate_is_auto=learning_rate_is_auto,
            schedule=schedule,
            warmup_iter=warmup_iter,
            max_iter=max_iter,
            n_iter_no_change=n_iter_no_change,
            verbose=verbose,
            solver_name=rule.name or type(rule).__name__,
            start_time=start_time,
            record_theta=record_theta,
            on_iteration=on_iteration,
            validation=validation,
            resume=resume,
        )
        ctx = StepContext(objective, learning_rate, stochastic, clip_grad_norm)
        rule_state = resume.rule_state if resume is not None else None
        if start is None and tol > 0:
            # a warm start at a point that already passes the test takes no
            # step (as scipy's minimisers): k warm fits equal one fit of k
            start = objective.value_and_grad(theta)
            monitor.check_finite(theta, start[0])
            monitor.optimality = objective.optimality(theta, *start[1:])
            if monitor.optimality <= monitor.threshold and monitor._confirm(
                theta, start[1]
            ):
                monitor.status = "converged"
                monitor._last = (theta, start[1])
                max_iter = 0
        start_grad_norm = (
            float(np.linalg.norm(start[1])) if start is not None else math.nan
        )
        monitor.start_value = start[0] if start is not None else None
        if max_iter == 0:  # nothing to do: the warm start is optimal
            start_value = start[0]
        elif isinstance(rule, Algorithm):
            start_value = start[0] if start is not None else objective.value(theta)
            theta, rule_state = rule.minimize(
                objective, theta, monitor, ctx, max_iter=max_iter, state=rule_state
            )
        elif stochastic:
            start_value = start[0] if start is not None else objective.value(theta)
            theta, rule_state = _run_minibatch(
                objective,
                rule,
                theta,
                rule_state,
                monitor,
                ctx,
                max_iter,
                batch_size,
                random_state,
            )
        else:
            start = start if start is not None else objective.value_and_grad(theta)
            start_value = start[0]
            theta, rule_state = _run_full_batch(
                objective,
                rule,
                theta,
                rule_state,
                monitor,
                ctx,
                max_iter,
                start,
                line_search,
            )
        if monitor.status == "converged" and objective.has_no_minimiser(theta):
            monitor.status = "stalled"
            monitor.reason = (
                "the classes are linearly separable and alpha=0, so the objective "
                "has no minimiser: it decreases forever as the coefficients grow "
                "(these are where tol stopped them). Set alpha > 0 (or "
                "max_coef_norm) for a finite solution"
            )
        monitor.finish()
    loop_state = monitor.loop_state(
        theta, rule_state, random_state if stochastic else None
    )
    if monitor.best_theta is not None and not np.array_equal(monitor.best_theta, theta):
        # early stopping returns the best iterate; the run's state is that of
        # the last one, so there is nothing to resume from the best
        theta, loop_state = monitor.best_theta, None
    return FitResult(
        theta=theta,
        n_iter=monitor.n_iter,
        loss_curve=monitor.loss_curve,
        learning_rates=monitor.learning_rates,
        status=monitor.status,
        optimality=monitor.optimality,
        threshold=monitor.threshold,
        null_optimality=null_optimality,
        start_value=float(start_value),
        start_grad_norm=start_grad_norm,
        reason=monitor.reason,
        stochastic=stochastic,
        n_decays=monitor.n_decays,
        records=monitor.records,
        thetas=monitor.thetas,
        loop_state=loop_state,
        validation_scores=monitor.validation_scores,
        best_iteration=monitor.best_iteration,
    )


def _step(rule, theta, value, grad, state, ctx):
    """One rule step on a private copy of ``theta``: a rule that updates its
    argument in place cannot alias the loop's iterate (nor fake a fixed point)."""
    new_theta, state = rule.step(theta.copy(), value, ctx.clip(grad), state, ctx)
    # iterates keep X's dtype, so X @ W never upcasts (copies) X
    return np.array(new_theta, dtype=ctx.objective.dtype, copy=True), state


def _armijo_step(rule, theta, value, grad, state, ctx, monitor):
    r"""One step whose length is chosen by backtracking (the notes' appendix).

    Trial steps :math:`\eta, \rho\eta, \rho^2\eta, \dots` of the rule are taken on
    a copy of its state until

    .. math:: F(\theta^+) \le F(b) + c\,\big(\nabla f(b)^\top(\theta^+ - b) + N(\theta^+) - N(b)\big),

    :math:`b` the point the rule's gradient step starts from (``theta``, or
    Nesterov's look-ahead) and :math:`N` the penalty's non-smooth part: for gd
    on a smooth objective, :math:`F(\theta - \eta g) \le F(\theta) - c\,\eta\lVert g\rVert^2`.
    The first trial is the base ``learning_rate`` at the first iteration and
    ``rule.armijo_growth`` times the last accepted step afterwards; ``c`` is
    ``rule.armijo_c``. Where the two sides differ by less than F's rounding,
    the equivalent test on slopes decides (Hager & Zhang 2005's approximate
    Armijo condition, exact for quadratics). Returns the new iterate and
    state, or None when no trial decreases the objective (precision floor).
    """
    objective = ctx.objective
    trial = monitor.armijo_step
    trial = monitor.learning_rate if trial is None else rule.armijo_growth * trial
    nonsmooth = objective.penalty.nonsmooth_value
    ctx.line_search = True
    try:
        for _ in range(_ARMIJO_MAX_HALVINGS):
            ctx.learning_rate = trial
            ctx.base = None
            candidate, new_state = _step(
                rule, theta, value, grad, copy.deepcopy(state), ctx
            )
            point, point_value, point_grad = (
                ctx.base if ctx.base is not None else (theta, value, grad)
            )
            decrease = float(point_grad @ (candidate - point))
            decrease += nonsmooth(objective.split(candidate)[0])
            decrease -= nonsmooth(objective.split(point)[0])
            new_value = objective.value(candidate)
            bound = point_value + rule.armijo_c * decrease
            accept = decrease < 0 and new_value <= bound
            if (
                decrease < 0
                and not accept
                and new_value <= bound + (monitor._rounding(point_value))
            ):
                # F is known to its rounding only: near the minimum the test
                # compares rounding noise and would shrink the step to nothing.
                # Decide on slopes instead (Hager & Zhang's approximate Armijo,
                # exact for quadratics): phi'(1) <= (1 - 2c) |phi'(0)| along
                # the step phi(s) = F(b + s (theta+ - b)).
                slope = float(objective.gradient(candidate) @ (candidate - point))
                slope += decrease - float(point_grad @ (candidate - point))
                accept = slope <= (1.0 - 2.0 * rule.armijo_c) * -decrease
            if accept:
                monitor.armijo_step = trial
                monitor.step_used = trial
                return candidate, new_state
            trial *= ARMIJO_RHO
    finally:
        ctx.line_search = False
        ctx.base = None
    return None


def _run_full_batch(
    objective, rule, theta, state, monitor, ctx, max_iter, start, line_search
):
    if state is None:
        state = rule.init(theta.copy(), objective)
    value, grad = start
    monitor.check_finite(theta, value)
    for _ in range(max_iter):
        ctx.learning_rate = monitor.learning_rate
        if line_search:
            accepted = _armijo_step(rule, theta, value, grad, state, ctx, monitor)
            if accepted is None:
                monitor.stalled(
                    "the Armijo line search found no step that decreases the "
                    f"objective in {_ARMIJO_MAX_HALVINGS} halvings: the iterate is "
                    f"at the precision of {objective.dtype}"
                )
                break
            new_theta, state = accepted
        else:
            new_theta, state = _step(rule, theta, value, grad, state, ctx)
        stalled = np.array_equal(new_theta, theta)
        theta = new_theta
        value, grad = objective.value_and_grad(theta)
        if monitor.record(theta, value, grad):
            break
        if stalled:
            # an exact fixed point in floating point: more iterations cannot
            # change anything
            monitor.stalled(
                "the iterate stopped changing: every step is below the "
                f"precision of {objective.dtype} at this point"
            )
            break
    return theta, state


def _run_minibatch(
    objective,
    rule,
    theta,
    state,
    monitor,
    ctx,
    max_iter,
    batch_size,
    rng,
):
    if state is None:
        state = rule.init(theta.copy(), objective)
    for _ in range(max_iter):
        ctx.learning_rate = monitor.learning_rate
        for rows in objective.minibatches(batch_size, rng):
            ctx.rows = rows
            # minibatch rules never read the batch objective: skip computing it
            grad = objective.gradient(theta, rows)
            theta, state = _step(rule, theta, None, grad, state, ctx)
        ctx.rows = None
        # the full-data gradient once an epoch: the run also stops when it
        # passes the full-batch test (as SGD does on data it interpolates)
        if monitor.record(theta, *objective.value_and_grad(theta)):
            break
    return theta, state
