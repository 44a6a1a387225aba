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

from .base import UpdateRule, register_solver


@register_solver
@dataclass
class LBFGS(UpdateRule):
    name = "lbfgs"
    full_batch_only = True
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

        def fun(z):
            theta = to_theta(z)
            value, grad = objective.value_and_grad(theta)
            cache.update(z=z.copy(), theta=theta, value=value, grad=grad)
            if not split:
                return value, grad.astype(np.float64)
            W, _ = objective.split(theta)
            alpha = objective.penalty.alpha
            smooth = value - objective.penalty.value(W) + alpha * z[: 2 * n_coef].sum()
            gW = grad[:n_coef].astype(np.float64)
            split_grad = np.concatenate([gW + alpha, alpha - gW, grad[n_coef:]])
            return smooth, split_grad

        def record(z):
            if "z" not in cache or not np.array_equal(cache["z"], z):
                fun(z)
            recorded["z"] = cache["z"]
            return monitor.record(cache["theta"], cache["value"], cache["grad"])

        def callback(intermediate_result):
            if record(intermediate_result.x):
                raise StopIteration

        if split:
            W0 = theta0[:n_coef]
            z0 = np.concatenate(
                [np.maximum(W0, 0), np.maximum(-W0, 0), theta0[n_coef:]]
            )
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
                "gtol": monitor.threshold,
                "ftol": 64 * np.finfo(float).eps,
                "maxfun": max(15000, 50 * max_iter),
            },
        )
        if "z" not in recorded or not np.array_equal(recorded["z"], result.x):
            record(result.x)
        if result.success and result.nit < max_iter:
            # L-BFGS-B's own tests (projected gradient, relative f change) hold
            monitor.converged = True
        return cache["theta"], {}
