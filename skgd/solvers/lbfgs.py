r"""L-BFGS through scipy's L-BFGS-B, reporting every iteration to the fit loop.

Smooth objectives are minimised as they are. For the L1 penalty the
coefficients are split, :math:`W = W^+ - W^-` with :math:`W^\pm \ge 0`, which
turns :math:`\alpha\lVert W\rVert_1` into the linear (smooth) term
:math:`\alpha\,\mathbf 1^\top (W^+ + W^-)` under bound constraints that L-BFGS-B
handles natively. With ``positive=True`` (a ``nonnegative`` penalty) the
bounds are :math:`W \ge 0` themselves, on which :math:`\alpha\lVert W\rVert_1
= \alpha\,\mathbf 1^\top W` is linear: no split (it is the split with
:math:`W^- = 0` fixed). The intercept is never bounded. A norm ball
(``max_coef_norm``) is no box: such a penalty lacks the ``l1_split``
capability and lbfgs refuses it at fit. ``learning_rate`` is not used:
L-BFGS-B chooses its steps by a Wolfe line search.
"""

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from .base import Algorithm, _register_builtin


@_register_builtin
@dataclass
class LBFGS(Algorithm):
    """scipy's L-BFGS-B with ``memory`` correction pairs.

    It stops when the fit loop's optimality test passes (``tol``); when
    L-BFGS-B itself gives up first (a line search that cannot decrease the
    objective further, usually at the precision of float32 data) the run ends
    as *stalled* unless the test passes there. L-BFGS-B's own tests (``gtol``,
    ``ftol``) are off: its projected-gradient test is not scale-invariant, and
    its relative-decrease test has an absolute floor that stops fits whose
    objective is tiny. The objective is divided by its value at the start.
    """

    name = "lbfgs"
    default_schedule = "constant"  # L-BFGS-B's Wolfe line search sets every step
    # smooth objectives as they are; an L1 part through the split W = W+ - W-;
    # W >= 0 through bounds (l1_split covers both: one L1 weight on a box)
    requires = frozenset({"l1_split"})
    auto_rate_requires = frozenset()
    steps_with_learning_rate = False
    memory: int = 10

    def auto_learning_rate(self, objective, stochastic):
        return 1.0

    def minimize(self, objective, theta0, monitor, ctx, *, max_iter, state=None):
        penalty = objective.penalty
        # W >= 0: bounds on W itself, where the L1 part is linear
        orthant = penalty.nonnegative
        split = not penalty.smooth and not orthant
        alpha = penalty.l1_weight or 0.0
        n_coef = objective.n_features * objective.n_outputs
        dtype = objective.dtype
        cache = {}
        recorded = {}

        def to_theta(z):
            # scipy works in float64; evaluate in X's dtype so X is never upcast
            if not split:
                return z.astype(dtype, copy=False)
            theta = np.empty(objective.size, dtype=dtype)
            theta[:n_coef] = z[:n_coef] - z[n_coef : 2 * n_coef]
            theta[n_coef:] = z[2 * n_coef :]
            return theta

        def evaluate(z):
            # L-BFGS-B's first call repeats the start's evaluation: reuse it
            if "z" in cache and np.array_equal(cache["z"], z):
                return cache["result"]
            theta = to_theta(z)
            value, grad = objective.value_and_grad(theta)
            cache.update(z=z.copy(), theta=theta, value=value, grad=grad)
            if orthant:
                # on W >= 0 the L1 part is alpha * sum(W): F is smooth there
                W, _ = objective.split(theta)
                smooth = value - penalty.nonsmooth_value(W) + alpha * float(W.sum())
                orthant_grad = grad.astype(np.float64)
                orthant_grad[:n_coef] += alpha
                cache["result"] = smooth, orthant_grad
                return cache["result"]
            if not split:
                cache["result"] = value, grad.astype(np.float64)
                return cache["result"]
            # F minus the L1 part of the penalty, plus its split (linear) form
            W, _ = objective.split(theta)
            l1 = penalty.nonsmooth_value(W)
            smooth = value - l1 + alpha * z[: 2 * n_coef].sum()
            gW = grad[:n_coef].astype(np.float64)
            split_grad = np.concatenate([gW + alpha, alpha - gW, grad[n_coef:]])
            cache["result"] = smooth, split_grad
            return cache["result"]

        # A warm start continues the same run: L-BFGS-B keeps its curvature
        # pairs internal, so the run is replayed from its start (the same
        # evaluations give the same iterates, bit for bit) and only the new
        # iterations are reported. On other data, or from an edited iterate,
        # it starts afresh from theta0 with an empty memory.
        replayed = 0
        layout = (split, orthant, self.memory)
        if (
            isinstance(state, LBFGSState)
            and state.layout == layout
            and np.array_equal(state.last, theta0)
            and objective.value(theta0) == state.last_value
        ):
            replayed = state.n_iter
        if orthant:  # a warm start from outside W >= 0 (bounds change)
            theta0 = theta0.copy()
            theta0[:n_coef] = np.maximum(theta0[:n_coef], 0)
        if replayed:
            z0 = state.start
        else:
            z0 = (_split(theta0, n_coef) if split else theta0).astype(np.float64)
        start_value, _ = evaluate(z0)
        unit = abs(start_value) if np.isfinite(start_value) and start_value else 1.0

        def fun(z):
            value, grad = evaluate(z)
            if not np.isfinite(value):
                # an overflowing trial point (exp in the Poisson loss): a huge
                # finite value makes the line search backtrack instead of stop
                return np.finfo(np.float64).max / 4, np.zeros_like(z)
            return value / unit, grad / unit

        def record(z):
            if "z" not in cache or not np.array_equal(cache["z"], z):
                evaluate(z)
            recorded.update(z=cache["z"], theta=cache["theta"])
            return monitor.record(cache["theta"], cache["value"], cache["grad"])

        calls = [0]

        def callback(intermediate_result):
            calls[0] += 1
            if calls[0] > replayed and record(intermediate_result.x):
                raise StopIteration

        if split:
            bounds = [(0, None)] * (2 * n_coef) + [(None, None)] * (
                z0.size - 2 * n_coef
            )
        elif orthant:
            bounds = [(0, None)] * n_coef + [(None, None)] * (z0.size - n_coef)
        else:
            bounds = None
        total = replayed + max_iter
        result = scipy.optimize.minimize(
            fun,
            z0,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            callback=callback,
            options={
                "maxiter": total,
                "maxcor": self.memory,
                # the fit loop's scale-invariant test decides convergence; L-BFGS-B
                # otherwise stops only when its line search fails (at precision)
                "gtol": 0.0,
                "ftol": 0.0,
                "maxfun": max(15000, 50 * total),
            },
        )
        unrecorded = "z" not in recorded or not np.array_equal(recorded["z"], result.x)
        if unrecorded and (monitor.n_iter < max_iter or "z" not in recorded):
            record(result.x)
        # stopped early by L-BFGS-B itself (not by the test, a callback or
        # early stopping): a failed line search
        if monitor.status in ("max_iter", "budget") and result.nit < total:
            message = str(result.message)
            monitor.stalled(
                f"L-BFGS-B stopped before max_iter ({message}): it cannot decrease "
                f"the objective further at the precision of {dtype}"
            )
        # the last recorded iterate: the loss curve ends at its objective
        theta = recorded["theta"]
        state = LBFGSState(
            start=z0,
            n_iter=max(replayed + monitor.n_iter, result.nit),
            last=np.array(theta, copy=True),
            last_value=objective.value(theta),
            layout=layout,
        )
        return theta, state


@dataclass
class LBFGSState:
    """What a warm start needs to continue an L-BFGS-B run: its starting point
    (in L-BFGS-B's variables), the iterations done, and the last iterate and
    its objective (to recognise the same run on the same data)."""

    start: np.ndarray
    n_iter: int
    last: np.ndarray
    last_value: float
    layout: tuple


def _split(theta, n_coef):
    """``theta`` as ``(W+, W-, intercept)`` with ``W = W+ - W-``, ``W+-`` >= 0."""
    W = theta[:n_coef]
    return np.concatenate([np.maximum(W, 0), np.maximum(-W, 0), theta[n_coef:]])
