"""One fit loop for every solver: batches, steps, history, stopping, divergence.

Every solver gets the same bookkeeping through :class:`Monitor`, whether it is
an :class:`~skgd.solvers.base.UpdateRule` stepped by :func:`run` or a whole
algorithm (``rule.minimize``) that reports its iterations to the monitor.
"""

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .exceptions import DivergenceError

# The objective may exceed the null model's by this factor before the run is
# declared divergent: far above what a converging solver (even a noisy
# stochastic one) reaches, far below overflow.
_DIVERGENCE_FACTOR = 1e4
# Minibatch runs divide the step by this factor when the epoch objective stops
# improving, at most this many times, before they stop (as scikit-learn's MLP
# with learning_rate="adaptive"): the noise floor of SGD shrinks with the step.
_PLATEAU_DECAY = 5.0
_PLATEAU_DECAYS = 3
# Verbose output prints at most one line per this many seconds (plus the first
# ten iterations and the last one).
_VERBOSE_INTERVAL = 0.5


@dataclass
class FitResult:
    """What a run returns: the final iterate and its history."""

    theta: np.ndarray
    n_iter: int
    loss_curve: list
    converged: bool
    optimality: float
    threshold: float
    state: dict = field(default_factory=dict)
    n_steps: int = 0


class StepContext:
    """What an update rule may read or call during one step."""

    def __init__(self, objective, learning_rate, stochastic):
        self.objective = objective
        self.base_learning_rate = learning_rate
        self.learning_rate = learning_rate
        self.stochastic = stochastic
        self.rows = None
        self.t = 0

    def gradient(self, point):
        """Gradient at ``point`` on the current batch (full data if none)."""
        return self.objective.gradient(point, self.rows)


class Monitor:
    """Per-iteration bookkeeping shared by every solver.

    ``record`` appends the objective to the history, checks for divergence,
    prints progress and decides whether to stop:

    * full batch: stop when ``optimality(theta) <= tol * scale``, ``scale`` the
      optimality of the null model (zero coefficients), so the test is relative
      and invariant to the scale of X and y;
    * minibatches: when the epoch objective has not decreased by more than
      ``tol * |best|`` for ``n_iter_no_change`` consecutive epochs, divide the
      step by 5; stop at the fourth such plateau.
    """

    def __init__(
        self,
        objective,
        *,
        tol,
        scale,
        reference_value,
        stochastic,
        n_iter_no_change=10,
        verbose=0,
        callback=None,
        solver_name="",
        learning_rate=None,
    ):
        self.objective = objective
        self.tol = tol
        self.threshold = tol * scale
        self.reference_value = reference_value
        self.stochastic = stochastic
        self.n_iter_no_change = n_iter_no_change
        self.verbose = verbose
        self.callback = callback
        self.solver_name = solver_name
        self.learning_rate = learning_rate
        self.loss_curve = []
        self.n_iter = 0
        self.converged = False
        self.optimality = math.inf
        self.best = math.inf
        self.no_improvement = 0
        self.rate_factor = 1.0
        self.decays_left = _PLATEAU_DECAYS
        self._last_print = -math.inf
        self._last_printed = 0

    def check_finite(self, theta, value):
        limit = _DIVERGENCE_FACTOR * max(abs(self.reference_value), 1.0)
        if np.isfinite(value) and value <= limit and np.all(np.isfinite(theta)):
            return
        raise DivergenceError(self._divergence_message(value))

    def _divergence_message(self, value):
        lr = self.learning_rate
        lr_text = f"learning_rate={lr:.4g}" if lr is not None else "its step size"
        start = f"{self.reference_value:.4g}"
        smaller = f" such as {lr / 10:.3g}" if lr is not None else ""
        try:
            safe = (
                f"; 1/L = {1.0 / self.objective.lipschitz():.3g} is safe for this data"
            )
        except Exception:  # the suggestion is a courtesy; never mask the real error
            safe = ""
        return (
            f"Solver {self.solver_name!r} diverged at iteration {self.n_iter + 1}: "
            f"the objective went from {start} to {value:.4g} with {lr_text}. "
            f"Use a smaller learning_rate{smaller}, or learning_rate='auto'{safe}."
        )

    def record(self, theta, value, grad=None):
        """Log one iteration; return True when the run should stop."""
        self.check_finite(theta, value)
        self.n_iter += 1
        self.loss_curve.append(value)
        if self.stochastic:
            if value > self.best - self.tol * max(abs(self.best), 1e-300):
                self.no_improvement += 1
            else:
                self.no_improvement = 0
            self.best = min(self.best, value)
            plateau = self.tol > 0 and self.no_improvement >= self.n_iter_no_change
            if plateau and self.decays_left:
                self.decays_left -= 1
                self.rate_factor /= _PLATEAU_DECAY
                self.no_improvement = 0
                plateau = False
            stop = plateau
        else:
            self.optimality = self.objective.optimality(theta, grad)
            stop = self.optimality <= self.threshold
        self.converged = stop
        if self.verbose:
            self._print(value)
        if self.callback is not None and self.callback(self.n_iter, theta, value):
            stop = True
        return stop

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
        if self.stochastic:
            opt = ""
        else:  # the max-norm of the gradient (of the prox-gradient step for L1)
            label = "grad_norm" if self.objective.penalty.smooth else "prox_grad_norm"
            opt = f"  {label} {self.optimality:.3e}"
        print(
            f"[{self.solver_name}] {unit} {self.n_iter:5d}  objective {value:.8e}{opt}",
            file=sys.stdout,
            flush=True,
        )

    def finish(self):
        if self.verbose and self.loss_curve and self._last_printed != self.n_iter:
            self._print(self.loss_curve[-1], final=True)


def _batches(n_samples, batch_size, rng):
    order = rng.permutation(n_samples)
    for start in range(0, n_samples, batch_size):
        yield order[start : start + batch_size]


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
    scale=None,
    reference_value=None,
    n_iter_no_change=10,
    verbose=0,
    callback=None,
):
    """Minimise ``objective`` with ``rule`` from ``theta0``.

    Parameters
    ----------
    objective : Objective
    rule : UpdateRule
    learning_rate : float
        Step size (the rule decides what it scales).
    max_iter : int
        Iterations (full batch) or epochs (minibatches).
    tol : float
        See :class:`Monitor`.
    stochastic : bool
        Run on shuffled minibatches of ``batch_size`` rows, one epoch per iteration.
    random_state : numpy Generator or RandomState
        Source of the shuffles.
    theta0 : ndarray
        Starting point (not modified).
    scale, reference_value : float
        Optimality and objective of the null model (stopping scale and
        divergence reference); computed here when not given.
    callback : callable, optional
        ``callback(n_iter, theta, value)``; a true return value stops the run.

    Returns
    -------
    FitResult
    """
    theta = (objective.initial_theta() if theta0 is None else theta0).copy()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        start = None
        if scale is None or reference_value is None:
            null = objective.initial_theta()
            ref_value, ref_grad = objective.value_and_grad(null)
            scale = objective.optimality(null, ref_grad)
            reference_value = ref_value
            if theta0 is None:  # a fresh start is the null model: reuse it
                start = (ref_value, ref_grad)
        # A floor keeps the relative test meaningful when the null model is
        # already optimal (its optimality is then rounding noise).
        scale = max(scale, np.sqrt(np.finfo(objective.dtype).eps))
        monitor = Monitor(
            objective,
            tol=tol,
            scale=scale,
            reference_value=reference_value,
            stochastic=stochastic,
            n_iter_no_change=n_iter_no_change,
            verbose=verbose,
            callback=callback,
            solver_name=getattr(rule, "name", "") or type(rule).__name__,
            learning_rate=learning_rate,
        )
        ctx = StepContext(objective, learning_rate, stochastic)
        if hasattr(rule, "minimize"):
            theta, state = rule.minimize(
                objective, theta, monitor, ctx, max_iter=max_iter
            )
        elif stochastic:
            theta, state = _run_minibatch(
                objective, rule, theta, monitor, ctx, max_iter, batch_size, random_state
            )
        else:
            theta, state = _run_full_batch(
                objective, rule, theta, monitor, ctx, max_iter, start
            )
        monitor.finish()
    return FitResult(
        theta=theta,
        n_iter=monitor.n_iter,
        loss_curve=monitor.loss_curve,
        converged=monitor.converged,
        optimality=monitor.optimality,
        threshold=monitor.threshold,
        state=state,
        n_steps=ctx.t,
    )


def _run_full_batch(objective, rule, theta, monitor, ctx, max_iter, start=None):
    state = rule.init(theta, objective)
    value, grad = start if start is not None else objective.value_and_grad(theta)
    monitor.check_finite(theta, value)
    for _ in range(max_iter):
        ctx.t += 1
        new_theta, state = rule.step(theta, value, grad, state, ctx)
        # iterates keep X's dtype, so X @ W never upcasts (copies) X
        new_theta = np.asarray(new_theta, dtype=objective.dtype)
        stalled = np.array_equal(new_theta, theta)
        theta = new_theta
        value, grad = objective.value_and_grad(theta)
        if monitor.record(theta, value, grad):
            break
        if stalled:
            # an exact fixed point in floating point: more iterations cannot
            # change anything, so the run has converged as far as it can
            monitor.converged = True
            break
    return theta, state


def _run_minibatch(objective, rule, theta, monitor, ctx, max_iter, batch_size, rng):
    state = rule.init(theta, objective)
    n = objective.n_samples
    for _ in range(max_iter):
        for rows in _batches(n, batch_size, rng):
            ctx.t += 1
            ctx.rows = rows
            # minibatch rules never read the batch objective: skip computing it
            grad = objective.gradient(theta, rows)
            theta, state = rule.step(theta, None, grad, state, ctx)
            theta = np.asarray(theta, dtype=objective.dtype)
        ctx.rows = None
        if monitor.record(theta, objective.value(theta)):
            break
        ctx.learning_rate = ctx.base_learning_rate * monitor.rate_factor
    return theta, state
