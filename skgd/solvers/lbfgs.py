r"""L-BFGS through scipy's L-BFGS-B, reporting every iteration to the fit loop.

Smooth objectives are minimised as they are. For the L1 penalty the
coefficients are split, :math:`W = W^+ - W^-` with :math:`W^\pm \ge 0`, which
turns :math:`\alpha\lVert W\rVert_1` into the linear (smooth) term
:math:`\alpha\,\mathbf 1^\top (W^+ + W^-)` under bound constraints that L-BFGS-B
handles natively. ``learning_rate`` is not used: L-BFGS-B chooses its steps by
a Wolfe line search.
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
    # smooth objectives as they are; an L1 part through the split W = W+ - W-
    requires = frozenset({"l1_split"})
    auto_rate_requires = frozenset()
    steps_with_learning_rate = False
    memory: int = 10

    def auto_learning_rate(self, objective, stochastic):
        return 1.0

    def minimize(self, objective, theta0, monitor, ctx, *, max_iter):
        split = not objective.penalty.smooth
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
            if not split:
                cache["result"] = value, grad.astype(np.float64)
                return cache["result"]
            # F minus the L1 part of the penalty, plus its split (linear) form
            W, _ = objective.split(theta)
            alpha = objective.penalty.l1_weight
            l1 = objective.penalty.nonsmooth_value(W)
            smooth = value - l1 + alpha * z[: 2 * n_coef].sum()
            gW = grad[:n_coef].astype(np.float64)
            split_grad = np.concatenate([gW + alpha, alpha - gW, grad[n_coef:]])
            cache["result"] = smooth, split_grad
            return cache["result"]

        start_value, _ = evaluate(_split(theta0, n_coef) if split else theta0)
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

        def callback(intermediate_result):
            if record(intermediate_result.x):
                raise StopIteration

        if split:
            z0 = _split(theta0, n_coef)
            bounds = [(0, None)] * (2 * n_coef) + [(None, None)] * (
                z0.size - 2 * n_coef
            )
        else:
            z0, bounds = theta0, None
        result = scipy.optimize.minimize(
            fun,
            z0.astype(np.float64),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            callback=callback,
            options={
                "maxiter": max_iter,
                "maxcor": self.memory,
                # the fit loop's scale-invariant test decides convergence; L-BFGS-B
                # otherwise stops only when its line search fails (at precision)
                "gtol": 0.0,
                "ftol": 0.0,
                "maxfun": max(15000, 50 * max_iter),
            },
        )
        unrecorded = "z" not in recorded or not np.array_equal(recorded["z"], result.x)
        if unrecorded and (monitor.n_iter < max_iter or "z" not in recorded):
            record(result.x)
        if monitor.status not in ("converged",) and result.nit < max_iter:
            message = str(result.message)
            monitor.stalled(
                f"L-BFGS-B stopped before max_iter ({message}): it cannot decrease "
                f"the objective further at the precision of {dtype}"
            )
        # the last recorded iterate: the loss curve ends at its objective
        return recorded["theta"]


def _split(theta, n_coef):
    """``theta`` as ``(W+, W-, intercept)`` with ``W = W+ - W-``, ``W+-`` >= 0."""
    W = theta[:n_coef]
    return np.concatenate([np.maximum(W, 0), np.maximum(-W, 0), theta[n_coef:]])
