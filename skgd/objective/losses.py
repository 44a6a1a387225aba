"""Pointwise losses on raw predictions.

Every loss works on 2-D arrays ``raw`` of shape ``(n, K)`` (``K = 1`` for
single-target regression and binary classification, the number of targets for
multi-output least squares) and a target array ``y`` of the same shape (the
one-hot encoding for the multinomial loss). ``curvature`` is the
supremum of the second derivative, so ``curvature * lambda_max(X^T S X / S)``
bounds the Lipschitz constant of the data term.
"""

import numpy as np

from .base import Loss
from .namespace import expit, log_expit, logsumexp, namespace, row_dot, softmax


class SquaredLoss(Loss):
    r"""Half squared error, :math:`\ell(y, z) = \tfrac12 (y - z)^2`."""

    curvature = 1.0
    constant_hessian = True
    # a function of y - z: shifting y and the intercept together changes nothing
    translation_equivariant = True

    def value(self, y, raw):
        return 0.5 * (raw - y) ** 2

    def gradient(self, y, raw):
        return raw - y

    def value_and_gradient(self, y, raw):
        residual = raw - y
        return 0.5 * residual * residual, residual

    def hessian(self, y, raw):
        """Second derivative :math:`\\partial^2 \\ell / \\partial z^2`, per sample."""
        return namespace(raw).ones_like(raw)

    def hessian_product(self, y, raw, direction):
        return direction

    def hessian_blocks(self, y, raw):
        # one independent target per column (multi-output regression): the
        # per-row Hessian is the identity, no cross-target blocks
        ones = namespace(raw).ones_like(raw[:, 0])
        for k in range(raw.shape[1]):
            yield k, k, ones

    def null_raw(self, y, sw):
        """Optimal constant prediction: the weighted mean."""
        return sw @ y

    def inverse_link(self, raw):
        return raw


class LogisticLoss(Loss):
    r"""Binary cross-entropy with a sigmoid link, :math:`y \in \{0, 1\}`.

    :math:`\ell(y, z) = \log(1 + e^{z}) - y z`, :math:`\ell' = \sigma(z) - y`,
    :math:`\ell'' = \sigma(z)(1 - \sigma(z)) \le 1/4`.
    """

    curvature = 0.25
    constant_hessian = False

    def value(self, y, raw):
        # log(1 + e^z) - y z == -log_expit(-z) - y z, stable for large |z|
        return -log_expit(-raw) - y * raw

    def gradient(self, y, raw):
        return expit(raw) - y

    def value_and_gradient(self, y, raw):
        return self.value(y, raw), self.gradient(y, raw)

    def hessian(self, y, raw):
        p = expit(raw)
        return p * (1.0 - p)

    def hessian_product(self, y, raw, direction):
        return self.hessian(y, raw) * direction

    def hessian_blocks(self, y, raw):
        yield 0, 0, self.hessian(y, raw)[:, 0]

    def separates(self, y, raw):
        """Whether ``raw`` classifies every row correctly with a positive margin:
        then the data are linearly separable and, unpenalised, the loss has no
        minimiser (it decreases forever along ``raw``'s direction)."""
        return bool(np.all((raw[:, 0] > 0) == (y[:, 0] > 0.5)))

    def null_raw(self, y, sw):
        """Optimal constant prediction: the log-odds of the weighted mean."""
        p = np.clip(sw @ y, 1e-12, 1 - 1e-12)
        return np.log(p) - np.log1p(-p)

    def inverse_link(self, raw):
        return expit(raw)


class MultinomialLoss(Loss):
    r"""Softmax cross-entropy with one-hot targets ``y`` of shape ``(n, K)``.

    :math:`\ell(y, z) = \operatorname{logsumexp}(z) - y \cdot z`,
    :math:`\nabla \ell = \operatorname{softmax}(z) - y`, and the Hessian
    :math:`\operatorname{diag}(p) - p p^\top` has norm at most 1/2.
    """

    curvature = 0.5
    constant_hessian = False
    # softmax(z + t 1) == softmax(z): shifting every class's score changes nothing
    shift_invariant = True

    def value(self, y, raw):
        return (logsumexp(raw) - row_dot(y, raw))[:, None]

    def gradient(self, y, raw):
        return softmax(raw) - y

    def value_and_gradient(self, y, raw):
        lse = logsumexp(raw, keepdims=True)
        proba = namespace(raw).exp(raw - lse)
        value = lse[:, 0] - row_dot(y, raw)
        return value[:, None], proba - y

    def hessian_product(self, y, raw, direction):
        proba = softmax(raw)
        weighted = proba * direction
        return weighted - proba * namespace(raw).sum(weighted, axis=1, keepdims=True)

    def hessian_blocks(self, y, raw):
        """Blocks ``(k, l, h)`` of the per-sample Hessian ``diag(p) - p p^T``, k <= l."""
        proba = softmax(raw)
        K = proba.shape[1]
        for k in range(K):
            yield k, k, proba[:, k] * (1.0 - proba[:, k])
            for l in range(k + 1, K):
                yield k, l, -proba[:, k] * proba[:, l]

    def separates(self, y, raw):
        """Whether the largest score is every row's class, strictly (see
        :meth:`LogisticLoss.separates`)."""
        scores = np.where(y > 0.5, -np.inf, raw).max(axis=1)
        return bool(np.all((raw * y).sum(axis=1) > scores))

    def null_raw(self, y, sw):
        """Optimal constant prediction: centred log class frequencies."""
        logp = np.log(np.clip(sw @ y, 1e-12, None))
        return logp - logp.mean()

    def inverse_link(self, raw):
        return softmax(raw)


class PoissonLoss(Loss):
    r"""Poisson deviance with a log link, :math:`\ell(y, z) = e^{z} - y z` (half
    the Poisson deviance up to a constant), :math:`y \ge 0`.

    :math:`\ell' = e^z - y`, :math:`\ell'' = e^z`: unbounded, so there is no
    global Lipschitz constant (``curvature = inf``: no ``learning_rate="auto"``
    for first-order solvers); the stopping measure is scaled by the curvature
    at the null model, the weighted mean of ``y``.
    """

    curvature = np.inf

    def value(self, y, raw):
        return namespace(raw).exp(raw) - y * raw

    def gradient(self, y, raw):
        return namespace(raw).exp(raw) - y

    def value_and_gradient(self, y, raw):
        mean = namespace(raw).exp(raw)
        return mean - y * raw, mean - y

    def hessian_product(self, y, raw, direction):
        return namespace(raw).exp(raw) * direction

    def hessian_blocks(self, y, raw):
        yield 0, 0, namespace(raw).exp(raw[:, 0])

    def null_raw(self, y, sw):
        """Optimal constant prediction: the log of the weighted mean."""
        return np.log(np.maximum(sw @ y, np.finfo(float).tiny))

    def inverse_link(self, raw):
        return namespace(raw).exp(raw)

    def reference_curvature(self, y, sw):
        return float(np.maximum(sw @ y, np.finfo(float).tiny).max())
