r"""Damped Newton and proximal Newton.

Smooth objectives: solve :math:`H d = -\nabla F` (Cholesky of the dense Hessian,
formed in row blocks, when the parameter count is at most ``dense_limit``;
conjugate gradient on Hessian-vector products otherwise), then take an Armijo
step starting at ``learning_rate`` (``"auto"``: 1). For least squares the first
full step lands on the minimiser.

L1 (``ProxLasso``): the proximal Newton step minimises the local model
:math:`q(z) = \nabla f^\top (z-\theta) + \tfrac12 (z-\theta)^\top H (z-\theta) + R(z)`
by accelerated proximal gradient (restarted FISTA on the small ``p x p`` model),
then a proximal Armijo step.
"""

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import LinearOperator, cg

from .base import UpdateRule, _register_builtin
from .line_search import armijo


@dataclass
class NewtonState:
    """The last dense Hessian, reused while it is constant (least squares)."""

    hessian: np.ndarray = None


@_register_builtin
@dataclass
class Newton(UpdateRule):
    name = "newton"
    full_batch_only = True
    default_schedule = "constant"  # the Armijo line search sets every step
    # second derivatives; an L1 part through the working set's threshold, which
    # knows no constraint (positive, max_coef_norm)
    requires = frozenset({"hessian", "l1_split", "unconstrained"})
    auto_rate_requires = frozenset()
    steps_with_learning_rate = False
    dense_limit: int = 2000

    def auto_learning_rate(self, objective, stochastic):
        return 1.0

    def init(self, theta, objective):
        return NewtonState()

    def _hessian(self, theta, state, objective):
        if objective.loss.constant_hessian and state.hessian is not None:
            return state.hessian
        H = objective.hessian(theta)
        for direction in objective.invariant_directions():
            # F is constant along these directions (softmax intercept shifts) and
            # the gradient is orthogonal to them: adding u u^T makes H invertible
            # without changing the step, which stays orthogonal to u.
            H += np.outer(direction, direction)
        state.hessian = H
        return H

    def step(self, theta, value, grad, state, ctx):
        objective = ctx.objective
        if not objective.penalty.smooth:
            return self._proximal_step(theta, value, grad, state, ctx)
        if objective.size <= self.dense_limit:
            direction = _solve_dense(self._hessian(theta, state, objective), -grad)
        else:
            direction = _solve_cg(objective.hessp(theta), grad)
        decrease = float(grad @ direction)
        if decrease >= 0:  # not a descent direction (numerically singular H)
            direction, decrease = -grad, -float(grad @ grad)
        return _line_search(
            objective, theta, value, grad, decrease, direction, ctx
        ), state

    def _proximal_step(self, theta, value, grad, state, ctx):
        """One proximal Newton step on a working set of features.

        The model is minimised over the features that are non-zero or violate
        the optimality condition most (plus the intercept), so only a small
        block of the Hessian is formed; the loop's optimality test still reads
        the full gradient, so the run stops only at a minimiser of the whole
        problem. Lasso solutions are sparse, so the block stays small.
        """
        objective = ctx.objective
        features = _working_set(objective, theta, grad)
        active = objective.flat_indices(features)
        H = objective.hessian(theta, features)

        def prox(sub, step):
            full = theta.copy()
            full[active] = sub
            steps = np.ones_like(theta)
            steps[active] = step
            return objective.prox(full, steps)[active]

        target = theta.copy()
        target[active] = _prox_newton_subproblem(
            theta[active], grad[active], H, prox, objective.optimality(theta, grad)
        )
        direction = target - theta
        W, _ = objective.split(theta)
        W_target, _ = objective.split(target)
        decrease = (
            float(grad @ direction)
            + objective.penalty.nonsmooth_value(W_target)
            - objective.penalty.nonsmooth_value(W)
        )
        return _line_search(
            objective, theta, value, grad, decrease, direction, ctx
        ), state


def _line_search(objective, theta, value, grad, decrease, direction, ctx):
    """Armijo from ``learning_rate``; at the objective's precision floor, the full
    step if it lowers the optimality.

    Near a minimiser Newton's predicted decrease (~ M^2) falls below the
    rounding of F itself (eps |F|): the sufficient-decrease test then sees
    noise, while the step still divides the optimality measure by orders of
    magnitude. Such a step is taken when F is unchanged to rounding.
    """
    step = 0.0
    if decrease < 0:  # (at rounding level the predicted decrease may be >= 0)
        step, _ = armijo(
            objective, theta, value, decrease, direction, initial_step=ctx.learning_rate
        )
    if step == 0.0 and np.any(direction):
        candidate = theta + direction
        new_value, new_grad = objective.value_and_grad(candidate)
        rounding = 8 * np.finfo(objective.dtype).eps * abs(value)
        if abs(new_value - value) <= rounding and objective.optimality(
            candidate, new_grad
        ) < objective.optimality(theta, grad):
            return candidate
    return theta + step * direction


def _working_set(objective, theta, grad, min_size=10):
    """Features in the support, then the worst violators of ``|g_j| <= alpha``.

    The set holds the support plus as many violators as the support has
    features (at least ``min_size``), the doubling rule of working-set lasso
    solvers (skglm, celer).
    """
    d, K = objective.n_features, objective.n_outputs
    W = theta[: d * K].reshape(d, K)
    G = grad[: d * K].reshape(d, K)
    support = np.flatnonzero(np.any(W != 0, axis=1))
    violation = np.max(np.abs(G), axis=1) - objective.penalty.l1_weight
    violation[support] = -np.inf
    budget = max(min_size, support.size)
    candidates = np.flatnonzero(violation > 0)
    if candidates.size > budget:
        candidates = candidates[
            np.argpartition(-violation[candidates], budget)[:budget]
        ]
    return np.union1d(support, candidates)


# Eigenvalues below this fraction of the largest are treated as zero: far above
# rounding noise (~1e-16), far below the curvature of any problem worth solving.
_SINGULAR_RCOND = 1e-10


def _solve_dense(H, rhs):
    """Newton step ``H^+ rhs``: Cholesky, or the minimum-norm solution if H is singular.

    H is first equilibrated, ``D H D`` with ``D = diag(H)^(-1/2)``, so the
    singularity test sees curvature relative to each coordinate's own scale:
    rescaling a feature by 1e6 changes nothing (Newton's step is invariant to
    it), while a truly null direction still shows as a tiny pivot. On a
    singular H (collinear features without penalty) the step is the solution of
    least norm *in the original coordinates*, as ``pinv(H) @ rhs``: from zero
    coefficients, least squares then lands on the pinv solution.
    """
    diagonal = np.diag(H).copy()
    diagonal[~(diagonal > 0)] = 1.0
    D = 1.0 / np.sqrt(diagonal)
    equilibrated = H * np.outer(D, D)
    scaled_rhs = D * rhs
    try:
        factor, lower = scipy.linalg.cho_factor(equilibrated, check_finite=False)
        pivots = np.abs(np.diag(factor))
        # Cholesky of a singular PSD matrix can succeed on rounding noise; its
        # pivots (square roots of the eigenvalue scale) then betray it.
        if np.all(np.isfinite(factor)) and (
            pivots.min() > np.sqrt(_SINGULAR_RCOND) * pivots.max()
        ):
            return D * scipy.linalg.cho_solve((factor, lower), scaled_rhs)
    except (np.linalg.LinAlgError, ValueError):
        pass
    eigenvalues, vectors = scipy.linalg.eigh(equilibrated, check_finite=False)
    keep = eigenvalues > _SINGULAR_RCOND * max(eigenvalues[-1], np.finfo(float).tiny)
    kept = vectors[:, keep]
    step = D * (kept @ ((kept.T @ scaled_rhs) / eigenvalues[keep]))
    # null(H) = D null(D H D): remove the step's component there
    null = D[:, None] * vectors[:, ~keep]
    if null.size:
        step -= null @ np.linalg.lstsq(null, step, rcond=None)[0]
    return step


def _solve_cg(hessp, grad):
    n = grad.size
    op = LinearOperator((n, n), matvec=hessp, dtype=grad.dtype)
    # inexact Newton: forcing term min(0.5, sqrt(|g|)) (Nocedal & Wright, 7.1)
    rtol = min(0.5, float(np.sqrt(np.linalg.norm(grad))))
    direction, _ = cg(op, -grad, rtol=rtol, maxiter=max(50, 2 * n))
    return direction


def _prox_newton_subproblem(theta, grad, H, prox, outer_optimality, max_inner=5000):
    r"""Minimise :math:`g^\top (z - \theta) + \tfrac12 (z-\theta)^\top H (z-\theta) + R(z)`
    by FISTA with adaptive restart, on the (small) working-set block.

    The steps are diagonally preconditioned, :math:`t D^2` per coordinate with
    :math:`D = \operatorname{diag}(H)^{-1/2}` and :math:`t = 1/\lambda_{\max}(DHD)`
    (a proximal step in the metric :math:`D^{-2}`, valid for a separable
    penalty), so the inner iteration count does not grow with the features'
    scales: columns of scale 1e-8 and 1e8 side by side cost what standardized
    ones do.
    """
    p = H.shape[0]
    diagonal = np.diag(H).copy()
    diagonal[~(diagonal > 0)] = 1.0
    D2 = 1.0 / diagonal
    D = np.sqrt(D2)
    if p:
        top = scipy.linalg.eigvalsh(H * np.outer(D, D), subset_by_index=[p - 1, p - 1])
        top = float(top[0])
    else:
        top = 0.0
    step = D2 / max(top, np.finfo(float).tiny)
    z = theta.copy()
    previous = z
    t = 1.0
    inner_tol = max(1e-3 * outer_optimality, 1e-15)
    for _ in range(max_inner):
        t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        y = z + ((t - 1.0) / t_next) * (z - previous)
        z_new = prox(y - step * (grad + H @ (y - theta)), step)
        # the step's length in the scale-free units of the outer optimality
        gap = float(np.max(np.abs(z_new - y) / np.sqrt(step), initial=0.0)) * np.sqrt(
            top
        )
        if np.dot(y - z_new, z_new - z) > 0:
            t_next = 1.0
        previous, z, t = z, z_new, t_next
        if gap <= inner_tol:
            break
    return z
