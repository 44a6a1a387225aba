r"""Diagnostics: a finite-difference gradient check and a learning-rate range test.

:func:`check_gradient` compares an analytic gradient with central finite
differences (course notes §10.2),

.. math::

    \frac{\partial F}{\partial \theta_j} \approx
    \frac{F(\theta + h e_j) - F(\theta - h e_j)}{2h},

and returns the relative error :math:`\lVert g_{\text{num}} - g \rVert /
\max(\lVert g_{\text{num}} \rVert, \lVert g \rVert)`.

:func:`lr_find` is the learning-rate range test of §12: one run whose learning
rate grows exponentially at every step, with the objective recorded after each
step; the loss first falls, then blows up, and a rate well before the blow-up
is suggested.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.validation import check_X_y

from .fit_loop import StepContext
from .linear_model import (
    DEFAULT_SGD_BATCH_SIZE,
    GDLinearRegression,
    GDLogisticRegression,
)
from .objective import Objective
from .solvers import Algorithm, get_solver

__all__ = ["LRFinderResult", "check_gradient", "lr_find", "objective_for"]

# Minibatch size of ``sgd`` when the estimator's ``batch_size`` is None (as in fit).
_SGD_BATCH_SIZE = DEFAULT_SGD_BATCH_SIZE


# -- the objective an estimator minimises ----------------------------------------------
def objective_for(estimator, X, y, sample_weight=None):
    """The :class:`~skgd.objective.Objective` that ``estimator.fit(X, y)`` minimises.

    Built from the public objective classes with the estimator's ``alpha`` and
    ``fit_intercept``, in float64: squared loss for :class:`GDLinearRegression`
    (L2 penalty) and :class:`ProxLasso` (L1 penalty), the sigmoid or softmax
    loss for :class:`GDLogisticRegression` (L2 penalty). Its ``value`` at the
    fitted coefficients is the last entry of the estimator's ``loss_curve_``.

    Parameters
    ----------
    estimator : GDLinearRegression, GDLogisticRegression or ProxLasso
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        2-D for the multi-output regressors only.
    sample_weight : array-like of shape (n_samples,), default=None
        Multiplied by the classifier's ``class_weight``, as in fit.

    Returns
    -------
    objective : Objective
    """
    X, y = check_X_y(
        X,
        y,
        accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32],  # as fit: float32 stays float32
        y_numeric=not isinstance(estimator, GDLogisticRegression),
        # a 2-D y for the multi-output regressors, as their fit
        multi_output=get_tags(estimator).target_tags.multi_output,
    )
    n = X.shape[0]
    if sample_weight is None:
        sample_weight = np.ones(n)
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    if sample_weight.shape != (n,) or np.any(sample_weight < 0):
        raise ValueError("sample_weight must be non-negative, of shape (n_samples,).")
    if not hasattr(estimator, "_make_loss_and_target"):
        raise TypeError(
            "expected a GDLinearRegression, GDLogisticRegression or ProxLasso, "
            f"got {type(estimator).__name__}."
        )
    # as fit: the classifier multiplies in its class_weight
    sample_weight = estimator._weighted_samples(y, sample_weight)
    # the estimator's own hooks: the same loss, target encoding and penalty as fit
    loss, Y, _ = estimator._make_loss_and_target(y, sample_weight)
    penalty = estimator._penalty()
    return Objective(X, Y, loss, penalty, sample_weight, estimator.fit_intercept)


# -- gradient check --------------------------------------------------------------------
def _function_and_gradient(target, X, y, sample_weight):
    """``(f, grad, size, default_theta)`` for any accepted ``target``."""
    if isinstance(target, tuple) and len(target) == 2 and all(map(callable, target)):
        return target[0], target[1], None, None
    if isinstance(target, (GDLinearRegression, GDLogisticRegression)):
        if X is None or y is None:
            raise ValueError("check_gradient(estimator, X, y): X and y are needed.")
        target = objective_for(target, X, y, sample_weight)
    if isinstance(target, Objective):
        objective = target
        if objective.penalty.smooth:
            f = objective.value
        else:  # check the gradient of the smooth part: F minus the L1 term

            def f(theta):
                W, _ = objective.split(theta)
                return objective.value(theta) - objective.penalty.nonsmooth_value(W)

        return f, objective.gradient, objective.size, objective.initial_theta()
    value = getattr(target, "value", None)
    gradient = getattr(target, "gradient", None)
    if callable(value) and callable(gradient):
        return value, gradient, getattr(target, "size", None), None
    raise TypeError(
        "check_gradient expects an Objective, a skgd estimator with X and y, an "
        "object with value(theta) and gradient(theta), or a pair (f, grad)."
    )


def check_gradient(
    objective_or_estimator,
    X=None,
    y=None,
    *,
    theta=None,
    sample_weight=None,
    step=None,
    n_directions=None,
    random_state=0,
):
    r"""Relative error of a gradient against central finite differences (§10.2).

    Parameters
    ----------
    objective_or_estimator : Objective, estimator, object or (f, grad) pair
        What to check: an :class:`~skgd.objective.Objective`; a skgd estimator
        together with ``X`` and ``y`` (its objective, see :func:`objective_for`);
        any object with ``value(theta)`` and ``gradient(theta)``; or a pair of
        callables ``(f, grad)`` (then ``theta`` is required). With an L1
        penalty the gradient of the smooth part is checked.
    X, y : array-like, optional
        Data, when an estimator is given.
    theta : ndarray, optional
        Where to check. Default: the null model plus a seeded Gaussian
        perturbation of scale ``1/sqrt(size)``, a generic point.
    sample_weight : array-like, optional
        With an estimator.
    step : float, optional
        Finite-difference step ``h``. Default
        :math:`\epsilon^{1/3} \max(1, \lVert\theta\rVert_\infty)`, which balances
        the truncation error :math:`O(h^2)` against rounding :math:`O(\epsilon/h)`.
    n_directions : int, optional
        Check this many random unit directions (directional derivatives)
        instead of every coordinate. Default: every coordinate when
        ``theta`` has at most 500 entries, else 50 directions.
    random_state : int or RandomState, default=0
        Seeds the default ``theta`` and the directions.

    Returns
    -------
    error : float
        :math:`\lVert g_{\text{num}} - g \rVert_2 / \max(\lVert g_{\text{num}}
        \rVert_2, \lVert g \rVert_2)` (0 when both vanish). A correct float64
        gradient gives about 1e-9; a wrong one, order 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd import check_gradient
    >>> f = lambda w: (w[0] + 1) ** 2 + 3 * w[1] ** 2
    >>> grad = lambda w: np.array([2 * (w[0] + 1), 6 * w[1]])
    >>> check_gradient((f, grad), theta=np.array([5.0, -1.0])) < 1e-8
    True
    >>> check_gradient((f, lambda w: 2 * w), theta=np.array([5.0, -1.0])) > 0.1
    True
    """
    f, grad, size, default = _function_and_gradient(
        objective_or_estimator, X, y, sample_weight
    )
    rng = check_random_state(random_state)
    if theta is None:
        if size is None:
            raise ValueError("theta is required to check a pair (f, grad).")
        base = np.zeros(size) if default is None else np.asarray(default, float)
        theta = base + rng.standard_normal(size) / math.sqrt(size)
    theta = np.asarray(theta, dtype=np.float64).ravel()
    if step is None:
        step = np.finfo(np.float64).eps ** (1 / 3) * max(1.0, np.abs(theta).max())
    analytic = np.asarray(grad(theta), dtype=np.float64).ravel()
    if n_directions is None and theta.size > 500:
        n_directions = 50
    if n_directions is None:
        directions = np.eye(theta.size)
    else:
        directions = rng.standard_normal((n_directions, theta.size))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    numeric = np.array(
        [(f(theta + step * v) - f(theta - step * v)) / (2 * step) for v in directions]
    )
    projected = directions @ analytic
    scale = max(np.linalg.norm(numeric), np.linalg.norm(projected))
    if scale == 0:
        return 0.0
    return float(np.linalg.norm(numeric - projected) / scale)


# -- learning-rate range test -------------------------------------------------------------
@dataclass
class LRFinderResult:
    """What :func:`lr_find` measured.

    Attributes
    ----------
    learning_rates : ndarray
        The learning rate of each step.
    losses : ndarray
        The full-data objective after each step.
    smoothed : ndarray
        ``losses`` smoothed by an exponential moving average (bias-corrected).
    suggestion : float
        The suggested learning rate: the rate at the smallest smoothed loss,
        divided by 10 (Smith 2017's rule of thumb: an order of magnitude below
        the point where the loss stops falling).
    lr_min_loss : float
        The rate at the smallest smoothed loss.
    lr_steepest : float
        The rate where the smoothed loss falls fastest per decade of rate.
    initial_loss : float
        The objective at the start (the null model).
    diverged : bool
        Whether the run stopped because the loss exceeded ``stop_factor`` times
        its minimum (or became non-finite) before the last rate.
    solver : str
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float
    lr_min_loss: float
    lr_steepest: float
    initial_loss: float
    diverged: bool
    solver: str = ""
    settings: dict = field(default_factory=dict)

    def plot(self, ax=None, filename=None):
        """Loss against learning rate (log axis) with the suggestion marked.

        Needs matplotlib (``pip install 'skgd[plot]'``). Draws on ``ax`` if
        given, else on a new figure; saves it to ``filename`` if given.
        Returns the axes.
        """
        from .plotting import plot_lr_find

        return plot_lr_find(self, ax=ax, filename=filename)

    def _summary(self):
        """``[(name, text), ...]``: what the reprs show."""
        rates = self.learning_rates
        span = (
            f"{len(rates)} steps, rates {rates[0]:.3g} to {rates[-1]:.3g}"
            if len(rates)
            else "no steps"
        )
        return [
            ("solver", self.solver or "-"),
            ("range", span + (", stopped: the loss diverged" if self.diverged else "")),
            ("suggestion", f"{self.suggestion:.3g}"),
            ("minimum loss at", f"{self.lr_min_loss:.3g}"),
            ("steepest descent at", f"{self.lr_steepest:.3g}"),
            ("initial loss", f"{self.initial_loss:.6g}"),
        ]

    def __repr__(self):
        summary = dict(self._summary())
        return (
            f"LRFinderResult(solver={summary['solver']}, {summary['range']})\n"
            f"  suggestion {summary['suggestion']} (minimum loss at "
            f"{summary['minimum loss at']}, steepest descent at "
            f"{summary['steepest descent at']})\n"
            "  .plot() draws the loss against the rate; .learning_rates, .losses "
            "and .smoothed hold the arrays"
        )

    def _repr_html_(self):
        import html

        rows = "".join(
            f'<tr><th style="text-align:left">{html.escape(name)}</th>'
            f'<td style="text-align:left">{html.escape(text)}</td></tr>'
            for name, text in self._summary()
        )
        return (
            "<table><caption>learning-rate range test (LRFinderResult)</caption>"
            f"<tbody>{rows}</tbody></table>"
        )


def _batches_forever(objective, batch_size, rng):
    while True:
        yield from objective.minibatches(batch_size, rng)


def lr_find(
    estimator,
    X,
    y,
    *,
    sample_weight=None,
    min_lr=1e-6,
    max_lr=10.0,
    num_steps=100,
    batch_size=None,
    smoothing=0.5,
    stop_factor=4.0,
    random_state=0,
    plot=None,
):
    r"""Learning-rate range test (§12): grow the rate exponentially, watch the loss.

    Starting from the null model (as ``fit`` does), the estimator's update rule
    takes ``num_steps`` steps with learning rates spaced geometrically from
    ``min_lr`` to ``max_lr``, its state (momentum, Adam moments) carried from
    step to step; after every step the full-data objective is recorded. The run
    stops early once the smoothed loss exceeds ``stop_factor`` times its
    minimum. Each step is one minibatch for stochastic solvers (``sgd``, or a
    ``batch_size``), one full-batch iteration otherwise.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A skgd estimator whose ``solver`` is a first-order rule (not newton or
        lbfgs, which choose their own steps), or a Pipeline ending in one: the
        preceding steps (e.g. ``StandardScaler``) are fitted on X first.
    X, y : array-like
    sample_weight : array-like, optional
    min_lr : float, default=1e-6
        The first (smallest) rate.
    max_lr : float, default=10.0
        The last (largest) rate.
    num_steps : int, default=100
        Number of steps (rates).
    batch_size : int, optional
        Minibatch size; default the estimator's ``batch_size``, or 32 for sgd.
    smoothing : float, default=0.5
        Weight of the past in the exponential moving average of the loss.
    stop_factor : float, default=4.0
        Stop when the smoothed loss exceeds this multiple of its minimum.
    random_state : int or RandomState, default=0
        Seeds the minibatch shuffles.
    plot : str, path, True or None, default=None
        Draw the curve (needs matplotlib): True on a new figure, a file name to
        save it there.

    Returns
    -------
    LRFinderResult
        ``suggestion`` is the learning rate to use.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skgd import GDLogisticRegression, lr_find
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> pipe = make_pipeline(StandardScaler(), GDLogisticRegression(solver="sgd"))
    >>> result = lr_find(pipe, X, y)
    >>> 1e-4 < result.suggestion < 10
    True
    """
    if not (0 < min_lr < max_lr):
        raise ValueError(f"need 0 < min_lr < max_lr, got {min_lr} and {max_lr}.")
    if num_steps < 2:
        raise ValueError(f"num_steps must be at least 2, got {num_steps}.")
    if isinstance(estimator, Pipeline):
        X = clone(estimator[:-1]).fit_transform(X, y)
        estimator = estimator[-1]
    objective = objective_for(estimator, X, y, sample_weight)
    rule = get_solver(estimator.solver, estimator.get_params())
    name = (
        estimator.solver if isinstance(estimator.solver, str) else type(rule).__name__
    )
    if isinstance(rule, Algorithm) or rule.full_batch_only:
        raise ValueError(
            f"solver {name!r} chooses its own step lengths (line search); the "
            "learning-rate range test applies to first-order solvers."
        )
    n = objective.n_samples
    batch_size = batch_size or estimator.batch_size
    stochastic = rule.stochastic or (batch_size is not None and batch_size < n)
    batch_size = min(batch_size or _SGD_BATCH_SIZE, n)
    rng = check_random_state(random_state)
    batches = _batches_forever(objective, batch_size, rng)

    rates = np.geomspace(min_lr, max_lr, num_steps)
    theta = objective.initial_theta()
    state = rule.init(theta, objective)
    ctx = StepContext(objective, rates[0], stochastic)
    initial = objective.value(theta)
    losses, smoothed = [], []
    average, best, diverged = 0.0, math.inf, False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k, rate in enumerate(rates):
            ctx.learning_rate = float(rate)
            if stochastic:
                ctx.rows = next(batches)
                value, grad = None, objective.gradient(theta, ctx.rows)
            else:
                value, grad = objective.value_and_grad(theta)
            theta, state = rule.step(theta.copy(), value, grad, state, ctx)
            ctx.rows = None
            loss = objective.value(theta) if np.all(np.isfinite(theta)) else math.inf
            average = smoothing * average + (1 - smoothing) * loss
            smooth = average / (1 - smoothing ** (k + 1))
            losses.append(loss)
            smoothed.append(smooth)
            if not np.isfinite(smooth) or smooth > stop_factor * best:
                diverged = True
                break
            best = min(best, smooth)
    losses, smoothed = np.array(losses), np.array(smoothed)
    rates = rates[: len(losses)]
    finite = np.where(np.isfinite(smoothed), smoothed, np.inf)
    i_min = int(np.argmin(finite))
    lr_min_loss = float(rates[i_min])
    if i_min >= 1:
        slope = np.diff(finite[: i_min + 1]) / np.diff(np.log10(rates[: i_min + 1]))
        lr_steepest = float(rates[1 + int(np.argmin(slope))])
    else:
        lr_steepest = lr_min_loss
    result = LRFinderResult(
        learning_rates=rates,
        losses=losses,
        smoothed=smoothed,
        suggestion=lr_min_loss / 10,
        lr_min_loss=lr_min_loss,
        lr_steepest=lr_steepest,
        initial_loss=float(initial),
        diverged=diverged,
        solver=name,
        settings={
            "stochastic": stochastic,
            "batch_size": batch_size if stochastic else None,
            "min_lr": min_lr,
            "max_lr": max_lr,
            "num_steps": num_steps,
        },
    )
    if plot is not None and plot is not False:
        result.plot(filename=None if plot is True else plot)
    return result
