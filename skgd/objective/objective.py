r"""The objective layer: one place for packing, sample weights and the intercept.

An :class:`Objective` is

.. math::

    F(W, b) = \frac{1}{S} \sum_{i=1}^n s_i \, \ell\big(y_i, x_i W + b\big) + R(W),
    \qquad S = \sum_i s_i,

with ``W`` of shape ``(d, K)`` and ``b`` of shape ``(K,)`` (``K = 1`` except for
the multinomial loss). The intercept is never penalised.

Solvers see a flat parameter vector ``theta`` of length ``(d + 1) K`` (``d K``
without intercept): the rows of ``W`` first, the intercept row last. With an
intercept the objective is written in *centred coordinates*,

.. math::

    x_i W + b = (x_i - \bar x) W + \sigma c, \qquad
    \bar x = \tfrac1S \textstyle\sum_i s_i x_i, \quad c = (b + \bar x W) / \sigma,

a linear change of variables that leaves every value and minimiser unchanged
but decouples the intercept from the coefficients (the weighted cross term
:math:`\sum_i s_i (x_i - \bar x)` vanishes). The intercept's column has the
scale :math:`\sigma` of the features (the root mean weighted variance), so its
curvature matches theirs. Gradient methods then converge as fast on raw data as
on centred data, and sparse ``X`` is never densified: the centring is an offset
``- \bar x W`` on the raw prediction, never a copy of X.
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackError, LinearOperator, eigsh
from sklearn.utils.extmath import safe_sparse_dot

# Row blocks of about this many bytes when a weighted Gram matrix is formed,
# so that forming it never allocates a second copy of X.
_GRAM_BLOCK_BYTES = 1 << 21


class Objective:
    """Weighted empirical risk plus penalty, with value, gradient and curvature.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Read only: never copied nor written to.
    Y : ndarray of shape (n_samples, K)
        Targets in the loss's encoding (one-hot for the multinomial loss).
    loss : Loss
        Pointwise loss on raw predictions.
    penalty : Penalty
        Penalty on the coefficient block.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights with a positive sum.
    fit_intercept : bool
        Whether an (unpenalised) intercept is fitted.
    """

    def __init__(self, X, Y, loss, penalty, sample_weight, fit_intercept):
        self.X = X
        self.Y = Y
        self.loss = loss
        self.penalty = penalty
        self.fit_intercept = bool(fit_intercept)
        self.dtype = X.dtype
        self.n_samples, self.n_features = X.shape
        self.n_outputs = Y.shape[1]
        self.sample_weight = np.asarray(sample_weight, dtype=self.dtype)
        self.weight_sum = float(self.sample_weight.sum())
        # Normalised weights: every data-dependent quantity is weighted by s_i / S,
        # so integer weights and repeated rows give the same iterates.
        self.sw = self.sample_weight / self.sample_weight.sum()
        self._row_norms = None
        self._raw_cache = None
        if self.fit_intercept:
            self.x_mean = np.asarray(safe_sparse_dot(self.sw, X)).ravel()
            d = max(self.n_features, 1)
            spread = float(self.sw @ self.centered_row_norms()) / d
            # zero spread (one sample, constant columns) is rounding noise here
            noise = 1e-10 * (float(self.x_mean @ self.x_mean) / d + spread)
            self.intercept_scale = float(np.sqrt(spread)) if spread > noise else 1.0
        else:
            self.x_mean = None
            self.intercept_scale = 1.0
        self.shape = (self.n_features + self.fit_intercept, self.n_outputs)
        self.size = self.shape[0] * self.shape[1]
        self._lipschitz = None

    # -- packing ---------------------------------------------------------------
    def split(self, theta):
        """Views ``(W, c)`` of a flat parameter vector (``c`` is None without intercept)."""
        M = theta.reshape(self.shape)
        W = M[: self.n_features]
        c = M[self.n_features] if self.fit_intercept else None
        return W, c

    def pack(self, coef, intercept):
        """Flat ``theta`` from ``coef`` of shape (K, d) and ``intercept`` of shape (K,)."""
        M = np.zeros(self.shape, dtype=self.dtype)
        W = np.asarray(coef, dtype=self.dtype).reshape(self.n_outputs, -1).T
        M[: self.n_features] = W
        if self.fit_intercept:
            c = np.asarray(intercept).reshape(-1) + self.x_mean @ W
            M[self.n_features] = c / self.intercept_scale
        return M.ravel()

    def unpack(self, theta):
        """``(coef, intercept)`` of shapes (K, d) and (K,) from ``theta``.

        Multinomial parameters are reported in the zero-sum gauge of
        scikit-learn: F is unchanged by adding one constant to every class's
        intercept (and, without penalty, one vector to every class's
        coefficients), so those shifts are removed.
        """
        W, c = self.split(theta)
        if self.fit_intercept:
            c = c * self.intercept_scale
        if self.n_outputs > 1:
            if self.fit_intercept:
                c = c - c.mean()
            if self.penalty.curvature == 0 and self.penalty.smooth:
                W = W - W.mean(axis=1, keepdims=True)
        if self.fit_intercept:
            intercept = c - self.x_mean @ W
        else:
            intercept = np.zeros(self.n_outputs, dtype=self.dtype)
        return W.T.copy(), intercept

    def initial_theta(self):
        """Zero coefficients; the intercept that is optimal for them (the null model)."""
        theta = np.zeros(self.size, dtype=self.dtype)
        if self.fit_intercept:
            _, c = self.split(theta)
            c[:] = self.loss.null_raw(self.Y, self.sw) / self.intercept_scale
        return theta

    # -- zeroth and first order ---------------------------------------------------
    def _rows(self, rows):
        if rows is None:
            return self.X, self.Y, self.sw
        sw = self.sample_weight[rows]
        total = sw.sum()
        # A batch whose weights are all zero carries no information: uniform
        # weights keep the step finite (the batch gradient is then 0-weighted data).
        sw = sw / total if total > 0 else np.full_like(sw, 1.0 / len(sw))
        return self.X[rows], self.Y[rows], sw

    def raw_prediction(self, theta, X=None):
        """:math:`X W + \\sigma c - \\bar x W`, of shape (n, K)."""
        # a float64 W would make numpy upcast (copy) a float32 X: cast W instead
        W, c = self.split(np.asarray(theta, dtype=self.dtype))
        X = self.X if X is None else X
        if W.shape[1] == 1:  # matrix-vector products: BLAS gemv beats gemm here
            raw = np.asarray(safe_sparse_dot(X, W[:, 0])).reshape(-1, 1)
        else:
            raw = np.asarray(safe_sparse_dot(X, W))
        if self.fit_intercept:
            raw += self.intercept_scale * c - self.x_mean @ W
        return raw

    def _raw(self, theta, rows, X):
        """Raw predictions; on full batches the last point's are reused, so a
        line search's accepted point costs no second ``X @ W``."""
        if rows is not None:
            return self.raw_prediction(theta, X)
        cached = self._raw_cache
        if cached is not None and np.array_equal(cached[0], theta):
            return cached[1]
        raw = self.raw_prediction(theta)
        self._raw_cache = (np.array(theta, copy=True), raw)
        return raw

    def value(self, theta, rows=None):
        """Objective value :math:`F(\\theta)` (on a minibatch when ``rows`` is given)."""
        X, Y, sw = self._rows(rows)
        raw = self._raw(theta, rows, X)
        W, _ = self.split(theta)
        return float(sw @ self.loss.value(Y, raw).sum(axis=1)) + self.penalty.value(W)

    def value_and_grad(self, theta, rows=None):
        r"""Value and gradient, from one ``X @ W`` and one ``X.T @ r``.

        :math:`\nabla_W F = X^\top r - \bar x \, (1^\top r) + \nabla R(W)`,
        :math:`\nabla_c F = 1^\top r`, with :math:`r_i = (s_i/S)\,\ell'(y_i, z_i)`.
        """
        X, Y, sw = self._rows(rows)
        raw = self._raw(theta, rows, X)
        loss_value, loss_grad = self.loss.value_and_gradient(Y, raw)
        W, _ = self.split(theta)
        value = float(sw @ loss_value.sum(axis=1)) + self.penalty.value(W)
        return value, self._gradient(theta, X, sw, loss_grad)

    def gradient(self, theta, rows=None):
        """Gradient only (minibatch steps need no objective value)."""
        X, Y, sw = self._rows(rows)
        loss_grad = self.loss.gradient(Y, self.raw_prediction(theta, X))
        return self._gradient(theta, X, sw, loss_grad)

    def _gradient(self, theta, X, sw, loss_grad):
        loss_grad *= sw[:, None]
        W, _ = self.split(theta)
        grad = np.empty(self.shape, dtype=self.dtype)
        if self.n_outputs == 1:
            grad[: self.n_features, 0] = safe_sparse_dot(X.T, loss_grad[:, 0])
        else:
            grad[: self.n_features] = safe_sparse_dot(X.T, loss_grad)
        if self.fit_intercept:
            total = loss_grad.sum(axis=0)
            grad[: self.n_features] -= np.outer(self.x_mean, total)
            grad[self.n_features] = self.intercept_scale * total
        self.penalty.add_gradient(W, grad[: self.n_features])
        return grad.ravel()

    # -- second order --------------------------------------------------------------
    def hessp(self, theta):
        """Return ``v -> H(theta) v`` (Hessian of the smooth part)."""
        raw = self.raw_prediction(theta)

        def product(v):
            V = v.reshape(self.shape)
            VW = V[: self.n_features]
            z = self.raw_prediction(v)
            q = self.loss.hessian_product(self.Y, raw, z) * self.sw[:, None]
            out = np.empty(self.shape, dtype=np.result_type(self.dtype, v.dtype))
            out[: self.n_features] = safe_sparse_dot(self.X.T, q)
            if self.fit_intercept:
                total = q.sum(axis=0)
                out[: self.n_features] -= np.outer(self.x_mean, total)
                out[self.n_features] = self.intercept_scale * total
            out[: self.n_features] += self.penalty.curvature * VW
            return out.ravel()

        return product

    def weighted_gram(self, h, features=None):
        r"""``Z^T diag(h) Z`` with ``Z = [X - 1 \bar x^T, \sigma 1]`` (no intercept
        column without intercept), formed in row blocks: no copy of X.

        ``features`` restricts X to those columns (a working set).
        """
        m = self.x_mean
        if features is not None and m is not None:
            m = m[features]
        if sp.issparse(self.X):
            X = self.X if features is None else self.X[:, features]
            G = np.asarray((X.T @ sp.diags(h) @ X).todense())
            u = np.asarray(X.T @ h).ravel()
        elif features is None and h.size and np.all(h == h[0]):
            # uniform weights (squared loss, no sample_weight): one symmetric
            # rank-k update on X itself, no copy at all
            G = (self.X.T @ self.X) * float(h[0])
            u = np.asarray(h @ self.X).ravel()
        else:
            d = self.n_features if features is None else len(features)
            G = np.zeros((d, d))
            u = np.zeros(d)
            symmetric = bool(np.all(h >= 0))
            root = np.sqrt(h) if symmetric else None
            step = max(1, _GRAM_BLOCK_BYTES // max(1, self.X.itemsize * d))
            for start in range(0, self.n_samples, step):
                block = self.X[start : start + step]
                if features is not None:
                    block = block[:, features]
                if symmetric:
                    # B^T B is a symmetric rank-k update: half the flops of B^T C
                    scaled = root[start : start + step, None] * block
                    G += scaled.T @ scaled
                    u += root[start : start + step] @ scaled
                else:
                    weighted = h[start : start + step, None] * block
                    G += block.T @ weighted
                    u += weighted.sum(axis=0)
        if not self.fit_intercept:
            return G
        d = G.shape[0]
        hsum = float(h.sum())
        full = np.empty((d + 1, d + 1))
        full[:d, :d] = G - np.outer(m, u) - np.outer(u, m) + hsum * np.outer(m, m)
        sigma = self.intercept_scale
        full[:d, d] = full[d, :d] = sigma * (u - hsum * m)
        full[d, d] = sigma * sigma * hsum
        return full

    def hessian(self, theta, features=None):
        """Dense Hessian of the smooth part, in the flat ``theta`` ordering.

        With ``features``, only the rows of those features (and the intercept):
        the Hessian restricted to ``self.flat_indices(features)``.
        """
        raw = self.raw_prediction(theta)
        K = self.n_outputs
        p = (
            self.n_features if features is None else len(features)
        ) + self.fit_intercept
        H = np.zeros((p, K, p, K))
        for k, l, h in self.loss.hessian_blocks(self.Y, raw):
            block = self.weighted_gram(h * self.sw, features)
            H[:, k, :, l] = block
            H[:, l, :, k] = block.T
        H = H.reshape(p * K, p * K)
        if self.penalty.curvature:
            idx = np.arange((p - self.fit_intercept) * K)
            H[idx, idx] += self.penalty.curvature
        return H

    def flat_indices(self, features):
        """Positions in ``theta`` of the given features' coefficients and the intercept."""
        K = self.n_outputs
        rows = np.asarray(features, dtype=np.intp)
        if self.fit_intercept:
            rows = np.append(rows, self.n_features)
        return (rows[:, None] * K + np.arange(K)).ravel()

    def invariant_directions(self):
        """Unit directions along which F is constant whatever the data.

        The softmax is invariant to adding the same constant to every class's
        intercept, so with an intercept and K > 1 classes F is flat along
        ``(0, ..., 0, 1, ..., 1) / sqrt(K)``. Gradients are orthogonal to it.
        """
        if not (self.fit_intercept and self.n_outputs > 1):
            return []
        direction = np.zeros(self.size)
        direction[-self.n_outputs :] = 1.0 / np.sqrt(self.n_outputs)
        return [direction]

    def lipschitz(self):
        r"""Upper bound on the Lipschitz constant of the smooth gradient.

        :math:`L = \max(c_\ell \lambda_{\max}(\tilde X^\top S \tilde X / S) + \alpha,
        c_\ell \sigma^2)`, with :math:`c_\ell` the loss curvature, :math:`\tilde X`
        the weighted-centred data and :math:`c_\ell \sigma^2` the intercept's
        curvature (the centred coordinates make the Hessian bound block diagonal). The
        eigenvalue comes from the Gram matrix when ``d`` is small, else from a
        few Lanczos steps on ``v -> X^T S X v`` (X is never squared densely).
        """
        if self._lipschitz is None:
            curvature = self.loss.curvature
            L = curvature * self._gram_lambda_max() + self.penalty.curvature
            if self.fit_intercept:
                L = max(L, curvature * self.intercept_scale**2)
            self._lipschitz = L
        return self._lipschitz

    def _gram_lambda_max(self):
        d = self.n_features
        if d <= 64:
            G = self._centered_gram()
            return float(scipy.linalg.eigvalsh(G, subset_by_index=[d - 1, d - 1])[0])
        X, sw, m = self.X, self.sw, self.x_mean

        def matvec(v):
            v = np.ravel(v).astype(self.dtype, copy=False)  # never upcast X
            z = np.asarray(safe_sparse_dot(X, v)).ravel()
            if m is not None:
                z -= m @ v
            out = np.asarray(safe_sparse_dot(X.T, sw * z)).ravel()
            if m is not None:
                out -= m * float(sw @ z)
            return out

        op = LinearOperator((d, d), matvec=matvec, dtype=np.float64)
        # A fixed pseudo-random start: deterministic (weighted and repeated data
        # give the same L) and never in the null space, as ones(d) is for one-hot
        # rows with an intercept.
        v0 = np.random.default_rng(0).standard_normal(d)
        try:
            lam = eigsh(op, k=1, which="LA", v0=v0, tol=1e-3,
                        return_eigenvectors=False)[0]  # fmt: skip
        except ArpackError:  # a zero operator (one sample, constant rows)
            lam = float(np.linalg.norm(matvec(v0)) / np.linalg.norm(v0))
        # Lanczos converges from below; the margin covers the loose tolerance.
        return float(lam) * (1.0 + 1e-2)

    def _centered_gram(self):
        G = self.weighted_gram(self.sw)
        if self.fit_intercept:
            G = G[:-1, :-1]
        return G

    def centered_row_norms(self):
        """``|x_i - xbar|^2`` per row (``|x_i|^2`` without intercept), one pass, cached."""
        if self._row_norms is None:
            X = self.X
            if sp.issparse(X):
                sq = np.asarray(X.multiply(X).sum(axis=1)).ravel()
            else:
                sq = np.einsum("ij,ij->i", X, X)  # no n x d temporary
            if self.fit_intercept:
                sq = sq - 2 * np.asarray(X @ self.x_mean).ravel()
                sq += self.x_mean @ self.x_mean
            self._row_norms = np.maximum(sq, 0.0)
        return self._row_norms

    def row_lipschitz(self):
        """Lipschitz bound of one sample's gradient, ``c_l (max_i |x_i - xbar|^2 + sigma^2) + alpha``.

        The safe step for stochastic updates with tiny batches (as in SAG).
        """
        support = self.sample_weight > 0
        largest = float(self.centered_row_norms()[support].max())
        if self.fit_intercept:
            largest += self.intercept_scale**2
        return self.loss.curvature * largest + self.penalty.curvature

    # -- proximal operator and optimality --------------------------------------------
    def prox(self, theta, step):
        """Penalty prox on the W block (``step`` scalar or shaped like ``theta``)."""
        if self.penalty.smooth:
            return theta
        out = theta.copy()
        W, _ = self.split(out)
        if np.ndim(step):
            step = np.reshape(step, self.shape)[: self.n_features]
        W[...] = self.penalty.prox(W, step)
        return out

    def optimality(self, theta, grad):
        r"""Stopping measure :math:`\lVert \theta - \operatorname{prox}(\theta - \nabla f(\theta), 1) \rVert_\infty`.

        It is the gradient's max-norm for smooth objectives and the distance of the
        prox-gradient step for L1, zero exactly at a minimiser.
        """
        if self.penalty.smooth:
            return float(np.max(np.abs(grad)))
        return float(np.max(np.abs(theta - self.prox(theta - grad, 1.0))))
