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

import functools
import math

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackError, LinearOperator, eigsh
from sklearn.utils.extmath import safe_sparse_dot

from ._kernels import row_kernels

# Row blocks of about this many bytes when a weighted Gram matrix is formed,
# so that forming it never allocates a second copy of X.
_GRAM_BLOCK_BYTES = 1 << 21
# L from the Gram matrix (not Lanczos) up to this many features, while the d x d
# matrix stays within this share of X's entries (or below the small size):
# measured at one thread, the Gram costs about d/40 passes over X, Lanczos ~30.
_GRAM_MAX_FEATURES = 1024
_GRAM_MEMORY_SHARE = 0.1
_GRAM_SMALL_ENTRIES = 1 << 16


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
    centring : tuple or None
        ``(x_mean, intercept_scale, target_offset)`` of another objective (its
        ``centring``): use its coordinates instead of this data's, so that
        parameters and solver states carry over between chunks (partial_fit).
        The change of variables stays exact; only the decoupling of the
        intercept is approximate when the chunks' means differ.
    """

    def __init__(
        self, X, Y, loss, penalty, sample_weight, fit_intercept, centring=None
    ):
        self.X = X
        self.loss = loss
        self.penalty = penalty
        self.fit_intercept = bool(fit_intercept)
        self.dtype = X.dtype
        self.n_samples, self.n_features = X.shape
        Y = np.asarray(Y)
        self.n_outputs = Y.shape[1]
        self.sample_weight = np.asarray(sample_weight, dtype=self.dtype)
        # Normalised weights: every data-dependent quantity is weighted by s_i / S,
        # so integer weights and repeated rows give the same iterates. Computed in
        # float64: a 1e20 spread of float32 weights must not overflow their sum.
        weights = np.asarray(sample_weight, dtype=np.float64)
        self.weight_sum = float(weights.sum())
        self.sw = (weights / self.weight_sum).astype(self.dtype)
        # minibatches are drawn from these rows only (see ``_rows``)
        self.weighted_rows = np.flatnonzero(weights > 0)
        # A loss that is a function of y - z (least squares) is unchanged by
        # shifting y and the intercept together: the targets are centred in
        # float64 *before* the cast to X's dtype, so y = 1e8 + signal keeps its
        # signal in float32 (the offset returns in the reported intercept).
        self.target_offset = np.zeros(self.n_outputs)
        if centring is not None:
            self.target_offset = np.asarray(centring[2], dtype=np.float64)
            if np.any(self.target_offset):
                Y = Y - self.target_offset
        elif self.fit_intercept and loss.translation_equivariant:
            self.target_offset = (weights / self.weight_sum) @ Y.astype(np.float64)
            Y = Y - self.target_offset
        self.Y = Y.astype(self.dtype, copy=False)
        self._row_norms = None
        # [theta, raw prediction, gradient or None] of the last two full-batch
        # points evaluated, most recent first
        self._raw_cache = []
        self.x_mean = self._column_mean() if self.fit_intercept else None
        self.feature_variance, self.constant_features = self._feature_variance()
        if self.fit_intercept:
            spread = float(self.feature_variance.sum()) / max(self.n_features, 1)
            # zero spread (one sample, constant columns): any positive scale works
            self.intercept_scale = float(np.sqrt(spread)) if spread > 0 else 1.0
        else:
            self.intercept_scale = 1.0
        if centring is not None and self.fit_intercept:
            own_mean = self.x_mean
            self.x_mean = np.asarray(centring[0], dtype=own_mean.dtype)
            self.intercept_scale = float(centring[1])
            # a column constant in this chunk but not at the frozen mean carries
            # a real gradient: mask only the columns exactly at that mean
            self.constant_features = self.constant_features & (own_mean == self.x_mean)
        self.centring = (self.x_mean, self.intercept_scale, self.target_offset)
        # x_mean is the plain mean of this data's rows (uniform weights, not
        # partial_fit's frozen one): sums of rows follow from it
        # (float64 only: a float32 mean's rounding, scaled by n, would move the
        # Hessian's centring off the gradient's, which stalls newton in float32)
        self._x_mean_is_own = (
            self.fit_intercept
            and centring is None
            and self.dtype == np.float64
            and bool(np.all(self.sw == self.sw[0]))
        )
        self._any_constant = bool(np.any(self.constant_features))
        self.shape = (self.n_features + self.fit_intercept, self.n_outputs)
        self.size = self.shape[0] * self.shape[1]
        self._lipschitz = None
        self._coordinate_curvature = None
        self._rounding_optimality = None

    def _column_mean(self):
        r""":math:`\bar x = \sum_i \tfrac{s_i}{S} x_i`, in X's dtype."""
        return np.asarray(safe_sparse_dot(self.sw, self.X)).ravel()

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
            c = np.asarray(intercept).reshape(-1) - self.target_offset + self.x_mean @ W
            M[self.n_features] = c / self.intercept_scale
        return M.ravel()

    def unpack(self, theta):
        """``(coef, intercept)`` of shapes (K, d) and (K,) from ``theta``.

        For a loss that declares ``shift_invariant`` (the multinomial), the
        parameters are reported in the zero-sum gauge of scikit-learn: F is
        unchanged by adding one constant to every output's intercept (and,
        without penalty, one vector to every output's coefficients), so those
        shifts are removed. Other losses with K > 1 outputs (multi-target least
        squares) have no such invariance: their outputs are reported as fitted.
        """
        W, c = self.split(theta)
        if self.fit_intercept:
            c = c * self.intercept_scale
        if self.n_outputs > 1 and self.loss.shift_invariant:
            if self.fit_intercept:
                c = c - c.mean()
            if self.penalty.curvature == 0 and self.penalty.smooth:
                W = W - W.mean(axis=1, keepdims=True)
        if self.fit_intercept:
            intercept = (c - self.x_mean @ W + self.target_offset).astype(self.dtype)
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
        r"""Data and weights of a minibatch (all rows when ``rows`` is None).

        A batch ``B`` drawn uniformly at random among the :math:`n_+` rows of
        positive weight is weighted by :math:`\frac{n_+}{|B|} \frac{s_i}{S}`:
        the global weight sum, not the batch's, so the batch value and gradient
        are unbiased estimates of the full weighted ones whatever the batch
        size, and rows of weight zero are never drawn.
        """
        if rows is None:
            return self.X, self.Y, self.sw
        n_weighted = self.weighted_rows.size
        sw = self.sw[rows] * self.dtype.type(n_weighted / len(rows))
        return self.X[rows], self.Y[rows], sw

    def minibatches(self, batch_size, rng):
        """One epoch of shuffled minibatches (row indices) over the rows of
        positive weight (see :meth:`_rows`)."""
        order = rng.permutation(self.weighted_rows)
        for start in range(0, order.size, batch_size):
            yield order[start : start + batch_size]

    def raw_prediction(self, theta, X=None):
        """:math:`X W + \\sigma c - \\bar x W`, of shape (n, K)."""
        # a float64 W would make numpy upcast (copy) a float32 X: cast W instead
        W, c = self.split(np.asarray(theta, dtype=self.dtype))
        X = self.X if X is None else X
        # X is dense or a scipy sparse matrix and W dense: ``@`` is the product
        # either way (safe_sparse_dot's dispatch costs more than a small gemv)
        if not W.any():  # the null model's coefficients: no pass over X
            raw = np.zeros((X.shape[0], W.shape[1]), dtype=self.dtype)
        elif W.shape[1] == 1:  # matrix-vector products: BLAS gemv beats gemm here
            raw = np.asarray(X @ W[:, 0]).reshape(-1, 1)
        else:
            raw = np.asarray(X @ W)
        if self.fit_intercept:
            raw += self.intercept_scale * c - self.x_mean @ W
        return raw

    def _cached(self, theta):
        """The cache entry ``[theta, raw, grad]`` of ``theta`` (full batch), or None."""
        for entry in self._raw_cache:
            if np.array_equal(entry[0], theta):
                return entry
        return None

    def _raw(self, theta, rows, X):
        """Raw predictions; on full batches the last two points' are reused, so
        a line search's accepted point costs no second ``X @ W`` (and
        :meth:`extrapolated_gradient` none at all)."""
        if rows is not None:
            return self.raw_prediction(theta, X)
        entry = self._cached(theta)
        if entry is not None:
            return entry[1]
        raw = self.raw_prediction(theta)
        self._raw_cache = [[np.array(theta, copy=True), raw, None]] + self._raw_cache[
            :1
        ]
        return raw

    def extrapolated_gradient(self, theta, previous, beta):
        r"""The smooth gradient at :math:`y = \theta + \beta(\theta - \theta')`
        (Nesterov's look-ahead), full batch.

        Raw predictions are linear in the parameters, so when both points were
        evaluated last, :math:`Xy = (1+\beta)X\theta - \beta X\theta'` costs no pass
        over X; for a loss with a constant Hessian the gradient is affine too,
        :math:`\nabla f(y) = (1+\beta)\nabla f(\theta) - \beta\nabla f(\theta')`,
        and costs none. (The same values up to rounding.)
        """
        y = theta + beta * (theta - previous)
        now, before = self._cached(theta), self._cached(previous)
        if now is None or before is None:
            return self.gradient(y)
        if self.loss.constant_hessian and now[2] is not None and before[2] is not None:
            return (1.0 + beta) * now[2] - beta * before[2]
        raw = (1.0 + beta) * now[1] - beta * before[1]
        loss_grad = self.loss.gradient(self.Y, raw)
        return self._gradient(y, self.X, self.sw, loss_grad)

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
        grad = self._gradient(theta, X, sw, loss_grad)
        entry = self._cached(theta) if rows is None else None
        if entry is not None:  # kept for extrapolated_gradient (a copy: rules
            entry[2] = grad.copy()  # may write to the one they get); a NaN
            # theta equals no entry, and is never extrapolated from
        return value, grad

    @functools.cached_property
    def _row_kernels(self):
        """Compiled minibatch products (numba), or None: NumPy gathers the rows.
        Built at the first minibatch gradient (full-batch fits never import
        numba)."""
        return row_kernels(self.X)

    def gradient(self, theta, rows=None):
        """Gradient only (minibatch steps need no objective value)."""
        if rows is not None and self._row_kernels is not None:
            return self._kernel_gradient(theta, rows)
        X, Y, sw = self._rows(rows)
        loss_grad = self.loss.gradient(Y, self.raw_prediction(theta, X))
        return self._gradient(theta, X, sw, loss_grad)

    def _kernel_gradient(self, theta, rows):
        """A minibatch gradient from the compiled row kernels: the same sums as
        :meth:`gradient`, without the copy ``X[rows]`` (:mod:`._kernels`)."""
        W, c = self.split(np.asarray(theta, dtype=self.dtype))
        if self.fit_intercept:
            offset = (self.intercept_scale * c - self.x_mean @ W).astype(self.dtype)
        else:
            offset = np.zeros(self.n_outputs, dtype=self.dtype)
        rows = np.asarray(rows)
        raw = self._row_kernels.products(rows, W, offset)
        scale = self.dtype.type(self.weighted_rows.size / len(rows))
        loss_grad = self.loss.gradient(self.Y[rows], raw)
        return self._gradient(theta, None, self.sw[rows] * scale, loss_grad, rows=rows)

    def _gradient(self, theta, X, sw, loss_grad, rows=None):
        loss_grad *= sw[:, None]
        if X is None:  # the compiled kernel reads X's rows in place
            products = self._row_kernels.transpose(rows, loss_grad)
        elif self.n_outputs == 1:  # gemv, not gemm
            products = (X.T @ loss_grad[:, 0])[:, None]
        else:
            products = X.T @ loss_grad
        if not self.fit_intercept:
            total = None
        elif self.n_outputs == 1:
            total = np.array([loss_grad[:, 0].sum()])
        else:
            total = loss_grad.sum(axis=0)
        return self._finish_gradient(theta, products, total)

    def _finish_gradient(self, theta, products, total):
        r"""The gradient from the data sums :math:`X^\top r` (``products``, (d, K))
        and :math:`1^\top r` (``total``, (K,); None without intercept): the
        centring, the intercept's row, the constant columns and the penalty."""
        W, _ = self.split(theta)
        d = self.n_features
        grad = np.empty(self.shape, dtype=self.dtype)
        grad[:d] = products
        if self.fit_intercept:
            if self.n_outputs == 1:
                grad[:d, 0] -= self.x_mean * total[0]
            else:
                grad[:d] -= np.outer(self.x_mean, total)
            grad[d] = self.intercept_scale * total
            if self._any_constant:
                # x_ij - xbar_j is zero for a constant column: X^T r - xbar 1^T r
                # leaves rounding noise there, which must not move its coefficient
                grad[:d][self.constant_features] = 0.0
        self.penalty.add_gradient(W, grad[:d])
        return grad.ravel()

    # -- second order --------------------------------------------------------------
    def hessp(self, theta):
        """Return ``v -> H(theta) v`` (Hessian of the smooth part)."""
        raw = self.raw_prediction(theta)

        def product(v):
            z = self.raw_prediction(v)
            q = self.loss.hessian_product(self.Y, raw, z) * self.sw[:, None]
            return self._finish_hessp(v, safe_sparse_dot(self.X.T, q), q.sum(axis=0))

        return product

    def _finish_hessp(self, v, products, total):
        r""":math:`H v` from the data sums :math:`X^\top q` (``products``) and
        :math:`1^\top q` (``total``), :math:`q_i = (s_i/S)\,\ell''(z_i) (Zv)_i`:
        the centring, the intercept's row, the constant columns and the penalty."""
        d = self.n_features
        out = np.empty(self.shape, dtype=np.result_type(self.dtype, v.dtype))
        out[:d] = products
        if self.fit_intercept:
            out[:d] -= np.outer(self.x_mean, total)
            out[d] = self.intercept_scale * total
        out[:d][self.constant_features] = 0.0
        out[:d] += self.penalty.curvature * v.reshape(self.shape)[:d]
        return out.ravel()

    def weighted_gram(self, h, features=None):
        r"""``Z^T diag(h) Z`` with ``Z = [X - 1 \bar x^T, \sigma 1]`` (no intercept
        column without intercept), formed in row blocks: no copy of X.

        ``features`` restricts X to those columns (a working set).
        """
        if sp.issparse(self.X):
            X = self.X if features is None else self.X[:, features]
            G = np.asarray((X.T @ sp.diags(h) @ X).todense())
            u = np.asarray(X.T @ h).ravel()
        elif features is None and h.size and np.all(h == h[0]):
            # uniform weights (squared loss, no sample_weight): one symmetric
            # rank-k update on X itself, no copy at all
            G = (self.X.T @ self.X) * float(h[0])
            if self._x_mean_is_own:
                # h @ X = h0 * sum_i x_i = h0 * n * xbar (uniform weights: xbar
                # is the plain mean): no second pass over X
                u = float(h[0]) * self.n_samples * self.x_mean.astype(np.float64)
            else:
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
        return self._centre_gram(G, u, float(h.sum()), features)

    def _centre_gram(self, G, u, hsum, features=None):
        r"""``Z^T diag(h) Z`` from the raw sums :math:`G = X^\top \operatorname{diag}(h) X`,
        :math:`u = h^\top X` and :math:`\sum_i h_i` (see :meth:`weighted_gram`)."""
        if not self.fit_intercept:
            return G
        m = self.x_mean if features is None else self.x_mean[features]
        d = G.shape[0]
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
        blocks = [
            (k, l, self.weighted_gram(h * self.sw, features))
            for k, l, h in self.loss.hessian_blocks(self.Y, raw)
        ]
        return self._assemble_hessian(blocks, features)

    def _assemble_hessian(self, blocks, features=None):
        """The flat Hessian from its ``(k, l, weighted Gram)`` output blocks."""
        K = self.n_outputs
        p = (
            self.n_features if features is None else len(features)
        ) + self.fit_intercept
        H = np.zeros((p, K, p, K))
        for k, l, block in blocks:
            H[:, k, :, l] = block
            H[:, l, :, k] = block.T
        H = H.reshape(p * K, p * K)
        if self.fit_intercept and self.constant_features.any():
            # a constant column's entries are rounding noise (see _gradient)
            constant = self.constant_features
            if features is not None:
                constant = constant[np.asarray(features, dtype=np.intp)]
            noise = np.flatnonzero(np.repeat(constant, K))
            H[noise, :] = 0.0
            H[:, noise] = 0.0
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

        A ``shift_invariant`` loss (the softmax) is invariant to adding the same
        constant to every output's intercept, so with an intercept and K > 1
        classes F is flat along ``(0, ..., 0, 1, ..., 1) / sqrt(K)``. Gradients
        are orthogonal to it. Other losses (multi-target least squares) have none.
        """
        shift_invariant = self.loss.shift_invariant
        if not (self.fit_intercept and self.n_outputs > 1 and shift_invariant):
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
        eigenvalue comes from the Gram matrix up to ``d = 1024`` while it stays
        small next to X (one BLAS-3 pass, exact), else from a few Lanczos steps
        on ``v -> X^T S X v`` (X is never squared densely).
        """
        if self._lipschitz is None:
            curvature = self.loss.curvature
            L = curvature * self._gram_lambda_max() + self.penalty.curvature
            if self.fit_intercept:
                L = max(L, curvature * self.intercept_scale**2)
            self._lipschitz = _flat_is_one(L)
        return self._lipschitz

    def _gram_lambda_max(self):
        d = self.n_features
        if d <= _GRAM_MAX_FEATURES and d * d <= max(
            _GRAM_MEMORY_SHARE * self.n_samples * d, _GRAM_SMALL_ENTRIES
        ):
            # one symmetric rank-k update (BLAS-3, ~d/40 floors: 2.8 at d=100,
            # 13 at d=500) beats ~15 Lanczos matvec pairs (memory-bound, ~30
            # floors), and its eigenvalue is exact
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
                sq = np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
                if self.fit_intercept:
                    sq -= 2 * np.asarray(X @ self.x_mean, dtype=np.float64).ravel()
                    sq += float(self.x_mean @ self.x_mean)
            else:
                sq = np.empty(self.n_samples)
                for start, block in self._row_blocks():
                    if self.fit_intercept:  # centred exactly: no cancellation
                        block = block - self.x_mean
                    sq[start : start + len(block)] = np.einsum("ij,ij->i", block, block)
            self._row_norms = np.maximum(sq, 0.0)
        return self._row_norms

    def _row_blocks(self, dtype=None):
        """``(start, X[start:stop])`` over dense row blocks of bounded size."""
        step = max(1, _GRAM_BLOCK_BYTES // max(1, self.X.itemsize * self.n_features))
        for start in range(0, self.n_samples, step):
            block = self.X[start : start + step]
            yield start, block if dtype is None else block.astype(dtype)

    def row_lipschitz(self):
        r"""Lipschitz bound of every minibatch gradient,
        :math:`c_\ell\, n_+ \max_i \tfrac{s_i}{S}(\lVert x_i - \bar x\rVert^2 + \sigma^2) + \alpha`.

        A batch ``B`` weights row ``i`` by :math:`\frac{n_+}{|B|}\frac{s_i}{S}`
        (see ``_rows``), so this bounds the batch Hessian for every batch size;
        with uniform weights it is the largest single-sample constant, the safe
        step of SAG.
        """
        norms = self.centered_row_norms()
        if self.fit_intercept:
            norms = norms + self.intercept_scale**2
        weighted = self.sw.astype(np.float64) * norms
        largest = self.weighted_rows.size * float(np.max(weighted))
        return _flat_is_one(self.loss.curvature * largest + self.penalty.curvature)

    # -- proximal operator and optimality --------------------------------------------
    def prox(self, theta, step):
        """Penalty prox on the W block (``step`` scalar or shaped like ``theta``:
        then the prox in the metric ``diag(1 / step)``, see
        :meth:`skgd.objective.Penalty.prox`); constraints included."""
        if self.penalty.smooth:
            return theta
        out = theta.copy()
        W, _ = self.split(out)
        if np.ndim(step):
            step = np.reshape(step, self.shape)[: self.n_features]
        W[...] = self.penalty.prox(W, step)
        return out

    # -- scale-invariant optimality --------------------------------------------------
    def _feature_variance(self):
        r"""Per feature, :math:`v_j = \sum_i \tfrac{s_i}{S}(x_{ij} - \bar x_j)^2`
        (:math:`\sum_i \tfrac{s_i}{S} x_{ij}^2` without intercept), and the mask of
        columns that are constant up to rounding (with an intercept only).

        Computed in float64 from the centred values (no :math:`E[x^2] - \bar x^2`
        cancellation, so a column offset by 1e8 keeps its spread), in row blocks:
        no copy of X.
        """
        d = self.n_features
        sw = self.sw.astype(np.float64)
        mean = np.zeros(d) if self.x_mean is None else self.x_mean.astype(np.float64)
        X = self.X
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            second, variance = self._column_moments(X, sw, mean, d)
        self.feature_second_moment = second
        if not self.fit_intercept:
            return second, np.zeros(d, dtype=bool)
        # centring a constant column leaves rounding noise of order eps * |x|
        eps = np.finfo(self.dtype).eps
        constant = np.isfinite(second) & (variance <= (16 * eps) ** 2 * second)
        variance[constant] = 0.0
        return variance, constant

    def _column_moments(self, X, sw, mean, d):
        if sp.issparse(X):
            coo = X.tocoo()
            coo.sum_duplicates()
            rows, cols = coo.row, coo.col
            data = coo.data.astype(np.float64)
            w = sw[rows]

            def column_sums(values):  # float64 even with no stored values
                return np.bincount(cols, values, minlength=d).astype(np.float64)

            second = column_sums(w * data * data)
            centred = data - mean[cols]
            variance = column_sums(w * centred * centred)
            # the implicit zeros of each column, at distance xbar_j from its mean
            stored = column_sums(w)
            variance += np.maximum(1.0 - stored, 0.0) * mean * mean
        else:
            second = np.zeros(d)
            variance = np.zeros(d)
            for start, block in self._row_blocks(np.float64):
                w = sw[start : start + len(block)]
                second += w @ (block * block)
                centred = block - mean
                variance += w @ (centred * centred)
        return second, variance

    def coordinate_curvature(self):
        r"""Curvature bound of F along each coordinate of ``theta``: :math:`h_k`.

        :math:`h = c_\ell v_j + \lambda` for a coefficient of feature ``j``
        (:math:`c_\ell` the loss curvature, :math:`v_j` the feature's weighted
        variance, :math:`\lambda` the penalty's curvature) and
        :math:`c_\ell \sigma^2` for the intercept. Rescaling feature ``j`` by
        ``a`` multiplies :math:`h_j` by :math:`a^2` and its gradient by ``a``.
        """
        if self._coordinate_curvature is None:
            h = np.empty(self.shape)
            c = self.loss.reference_curvature(self.Y, self.sw)
            h[: self.n_features] = (c * self.feature_variance + self.penalty.curvature)[
                :, None
            ]
            if self.fit_intercept:
                h[self.n_features] = c * self.intercept_scale**2
            self._coordinate_curvature = h.ravel()
        return self._coordinate_curvature

    def local_coordinate_curvature(self, theta):
        r"""The diagonal of the smooth part's Hessian at ``theta``, :math:`h_k(\theta)`.

        :meth:`coordinate_curvature` uses the loss's largest curvature; where
        the loss flattens (logistic regression near separable classes) the true
        curvature is far smaller, and a gradient that looks small against the
        bound is not. One pass over X (centred row blocks, no copy of a dense X).
        """
        raw = self.raw_prediction(theta)
        diagonal = np.zeros((self.n_samples, self.n_outputs))
        for k, l, h in self.loss.hessian_blocks(self.Y, raw):
            if k == l:
                diagonal[:, k] = h
        weights = diagonal * self.sw.astype(np.float64)[:, None]
        d = self.n_features
        mean = np.zeros(d) if self.x_mean is None else self.x_mean.astype(np.float64)
        if sp.issparse(self.X):
            squares = self.X.multiply(self.X)
            variance = np.asarray(squares.T @ weights)
            if self.fit_intercept:
                first = np.asarray(self.X.T @ weights)
                variance += (
                    mean[:, None] ** 2 * weights.sum(axis=0) - 2 * mean[:, None] * first
                )
            variance = np.maximum(variance, 0.0)
        else:
            variance = np.zeros((d, self.n_outputs))
            for start, block in self._row_blocks(np.float64):
                centred = block - mean
                variance += (centred * centred).T @ weights[start : start + len(block)]
        variance[self.constant_features] = 0.0
        h = np.empty(self.shape)
        h[:d] = variance + self.penalty.curvature
        if self.fit_intercept:
            h[d] = self.intercept_scale**2 * weights.sum(axis=0)
        return h.ravel()

    def optimality(self, theta, grad, curvature=None):
        r"""Scale-invariant stopping measure :math:`M(\theta) = \max_k \sqrt{2 \Delta_k}`,
        :math:`\Delta_k` the decrease of F's coordinate model
        :math:`g_k D + \tfrac{h_k}{2} D^2 + N_k(\theta_k + D) - N_k(\theta_k)` at its
        prox step :math:`D = \operatorname{prox}_{N_k / h_k}(\theta_k - g_k / h_k) - \theta_k`.

        ``g`` is the gradient of the smooth part and :math:`h_k` the coordinate
        curvature (:meth:`coordinate_curvature`). For smooth objectives it is
        :math:`\max_k \lvert g_k\rvert / \sqrt{h_k}`: :math:`M^2/2` is the largest
        decrease of F that one exact coordinate step could still make (exact for
        least squares), in units of the objective. It is zero exactly at a
        minimiser and unchanged when any column of X is rescaled (or, with an
        intercept, shifted), so one raw column cannot make the test pass early.
        Coordinates with no curvature (an all-zero column without penalty) have
        a zero gradient and count as optimal. ``curvature`` replaces :math:`h`
        (e.g. :meth:`local_coordinate_curvature`).

        A non-separable :math:`N` (a norm-ball constraint) has no coordinate
        models: :math:`M = \sqrt{2\Delta}`, :math:`\Delta` the decrease of the
        whole model :math:`g^\top D + \tfrac12 D^\top \operatorname{diag}(h) D +
        N(\theta + D) - N(\theta)` at its step
        :math:`D = \operatorname{prox}^{h}_{N}(\theta - g/h) - \theta` (the prox
        in the metric :math:`\operatorname{diag}(h)`): the norm of the scaled
        gradient mapping, zero exactly at a constrained minimiser (where the
        gradient itself is not zero but normal to the ball).
        """
        h = self.coordinate_curvature() if curvature is None else curvature
        curved = h > 0
        coupled = not self.penalty.smooth and not self.penalty.separable
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            inverse = np.where(curved, 1.0 / np.where(curved, h, 1.0), 0.0)
            grad = np.asarray(grad, dtype=np.float64)
            if self.penalty.smooth:
                # |g| / sqrt(h), not |g| sqrt(1/h): 1/h overflows for subnormal h
                measure = np.abs(grad) / np.sqrt(np.where(curved, h, 1.0))
                flat_violation = np.abs(grad)
            elif coupled:
                measure, flat_violation = self._coupled_optimality(
                    theta, grad, h, inverse, curved
                )
            else:
                # the decrease of the coordinate's model g D + h D^2 / 2 + N
                # at its prox step D: with a small curvature the L1 pull gains
                # alpha |D| (linear), which sqrt(h) |D| would hide
                theta = np.asarray(theta, dtype=np.float64)
                step = self.prox(theta - grad * inverse, inverse) - theta
                change = self._nonsmooth_terms(theta + step) - self._nonsmooth_terms(
                    theta
                )
                decrease = -(grad * step + 0.5 * h * step * step + change)
                # (the prox step's optimality makes decrease >= h D^2 / 2: the
                # first term only guards that bound against rounding)
                measure = np.maximum(
                    np.sqrt(h) * np.abs(step), np.sqrt(2.0 * np.maximum(decrease, 0.0))
                )
                flat_violation = np.abs(theta - self.prox(theta - grad, 1.0))
        # a coordinate without curvature is optimal only where nothing moves it
        # (an all-zero column; where the loss is flat, a non-zero gradient or
        # L1 pull is an unbounded gain)
        if np.any(flat_violation[~curved] > 0):
            return math.inf
        if not coupled:
            measure = measure[curved]
        if not np.all(np.isfinite(measure)):
            return math.inf
        return float(np.max(measure, initial=0.0))

    def _coupled_optimality(self, theta, grad, h, inverse, curved):
        """``(M, flat_violation)`` for a non-separable N (see :meth:`optimality`)."""
        theta = np.asarray(theta, dtype=np.float64)
        step = self.prox(theta - grad * inverse, inverse) - theta
        change = float(
            np.sum(self._nonsmooth_terms(theta + step))
            - np.sum(self._nonsmooth_terms(theta))
        )
        quadratic = float(np.sum(np.where(curved, h * step * step, 0.0)))
        decrease = -(float(grad @ step) + 0.5 * quadratic + change)
        decrease -= self._rounding_slack_gain(theta, grad)
        # (the prox step's optimality makes decrease >= |D|_h^2 / 2; the first
        # term only guards that bound against rounding)
        measure = np.array([max(math.sqrt(quadratic), math.sqrt(2 * max(decrease, 0)))])
        flat = ~curved
        if not np.any(flat):
            return measure, np.zeros_like(theta)
        # the flat coordinates alone take a unit step (the others' metric
        # weight is infinite: they stay): any move is an unbounded gain
        unit = flat.astype(np.float64)
        return measure, np.abs(theta - self.prox(theta - grad * unit, unit))

    def _rounding_slack_gain(self, theta, grad):
        r"""The first-order gain of moving W radially onto the sphere
        :math:`\lVert W\rVert = r` when rounding alone leaves it inside (a
        projection rounded to X's dtype): :math:`\max(0, -\partial_u F)\,\delta`,
        :math:`\delta = r - \lVert W\rVert \le 4\epsilon r` the slack and
        :math:`u = W / \lVert W\rVert`. Real but of order :math:`\epsilon`: its
        square root would floor :math:`M` at :math:`\sqrt\epsilon` instead of
        :math:`\epsilon`, so :meth:`optimality` leaves it out. 0 without a ball
        or for an iterate truly inside it."""
        radius = self.penalty.max_norm
        if radius is None:
            return 0.0
        W, _ = self.split(np.asarray(theta, dtype=np.float64))
        norm = float(np.linalg.norm(W))
        slack = radius - norm
        if not (0 < slack <= 4 * float(np.finfo(self.dtype).eps) * radius):
            return 0.0
        g_W, _ = self.split(grad)
        c = 2.0**-20  # N's directional derivative along W (exact for a norm)
        nonsmooth = self.penalty.nonsmooth_value
        radial = float(np.sum(g_W * W)) + (nonsmooth((1 + c) * W) - nonsmooth(W)) / c
        return max(-radial, 0.0) * slack / norm

    def _nonsmooth_terms(self, theta):
        """The penalty's non-smooth part per coordinate of ``theta`` (0 on the
        intercept)."""
        terms = np.zeros(self.shape)
        W, _ = self.split(np.asarray(theta))
        terms[: self.n_features] = self.penalty.nonsmooth_terms(W)
        return terms.ravel()

    def suboptimality_estimate(self, theta, grad, dense_limit=2000):
        r"""Estimated :math:`F(\theta) - \min F`: the (proximal) Newton decrement
        :math:`\tfrac12 G^\top H_{\mathcal F}^{+} G` (exact for least squares
        once the support is right).

        ``G`` is the coordinate gradient mapping :math:`h \odot (\theta -
        \operatorname{prox}_{R/h}(\theta - g/h))` (the gradient for smooth
        objectives, the minimal-norm subgradient for L1) and :math:`H_{\mathcal F}`
        the Hessian of the smooth part on the free coordinates (non-zero, or
        with a non-zero ``G``). Beyond ``dense_limit`` parameters, the diagonal
        version :math:`\tfrac12 \sum_k G_k^2 / h_k` (exact for uncorrelated
        features).

        With an active norm-ball constraint, :math:`H` is the Lagrangian's,
        :math:`\nabla^2 f + \mu I` on the coefficients, :math:`\mu` the
        multiplier of the prox step (:meth:`~skgd.objective.Penalty.prox_multiplier`):
        the sphere's curvature, which bounds the decrease still available along
        it even where :math:`\nabla^2 f` is singular. Inside the ball the gain
        of reaching the sphere is linear in the distance, which a quadratic
        estimate misses: the estimate is then at least the model decrease
        :math:`M^2/2` of :meth:`optimality`.
        """
        if not self.penalty.smooth and not self.penalty.separable:
            model = 0.5 * self.optimality(theta, grad) ** 2
            return max(self._decrement(theta, grad, dense_limit), model)
        return self._decrement(theta, grad, dense_limit)

    def _decrement(self, theta, grad, dense_limit):
        """The (proximal) Newton decrement of :meth:`suboptimality_estimate`."""
        h = self.coordinate_curvature()
        curved = h > 0
        multiplier = 0.0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            inverse = np.where(curved, 1.0 / np.where(curved, h, 1.0), 0.0)
            theta = np.asarray(theta, dtype=np.float64)
            grad = np.asarray(grad, dtype=np.float64)
            if self.penalty.smooth:
                mapping = np.where(curved, grad, 0.0)
            else:
                point = theta - grad * inverse
                mapping = h * (theta - self.prox(point, inverse))
                if not self.penalty.separable:
                    W, _ = self.split(point)
                    W_step, _ = self.split(inverse)
                    multiplier = float(self.penalty.prox_multiplier(W, W_step))
        coefficient = np.zeros(self.shape, dtype=bool)
        coefficient[: self.n_features] = True
        coefficient = coefficient.ravel()
        lagrangian = h + multiplier * coefficient
        if multiplier:
            # the ball's prox divides the step by 1 + mu / h: undone, the
            # mapping is the Lagrangian's gradient g + s + mu theta (s in dN)
            mapping = mapping * np.where(coefficient, 1.0 + multiplier * inverse, 1.0)
        free = curved & ((mapping != 0) | (theta != 0))
        if not np.any(free):
            return 0.0
        if self.size > dense_limit:
            return 0.5 * float(np.sum(mapping[free] ** 2 / lagrangian[free]))
        H = self.hessian(theta)
        for direction in self.invariant_directions():
            H += np.outer(direction, direction)
        if multiplier:
            H[np.diag_indices_from(H)] += multiplier * coefficient.ravel()
        H = H[np.ix_(free, free)]
        G = mapping[free]
        # equilibrate, then a least-squares solve: a singular H (collinear
        # columns) has G in its range
        D = 1.0 / np.sqrt(lagrangian[free])
        scaled, rhs = H * np.outer(D, D), D * G
        solution = scipy.linalg.lstsq(scaled, rhs, cond=1e-12, check_finite=False)[0]
        # G outside the Hessian's range (a flat loss, e.g. saturated classes):
        # the quadratic model has no minimum along it, so no finite estimate
        residual = np.linalg.norm(scaled @ solution - rhs)
        if not residual <= 1e-6 * np.linalg.norm(rhs):
            return math.inf
        return 0.5 * max(float(rhs @ solution), 0.0)

    def rounding_optimality(self):
        r"""The optimality measure's rounding level in X's dtype,
        :math:`4\,\epsilon \sqrt{2 F_0}`, with :math:`F_0` the data term at zero
        raw predictions: residuals :math:`z - y` carry a rounding error of order
        :math:`\epsilon |y|`, and so does every gradient coordinate in its own
        units. (A run that stalls above it is judged by its Newton decrement,
        see :meth:`skgd.fit_loop.Monitor.stalled`.)"""
        if self._rounding_optimality is None:
            zero = np.zeros_like(self.Y[:1]).repeat(self.n_samples, axis=0)
            data_scale = float(self.sw @ self.loss.value(self.Y, zero).sum(axis=1))
            eps = float(np.finfo(self.dtype).eps)
            self._rounding_optimality = (
                4.0 * eps * float(np.sqrt(2.0 * max(data_scale, 0.0)))
            )
        return self._rounding_optimality

    def has_no_minimiser(self, theta):
        """Whether F provably has no minimiser: unpenalised classification whose
        iterate ``theta`` already separates the (weighted) classes, so F keeps
        decreasing along it and the coefficients grow without bound (also under
        ``W >= 0``, a cone; never under a norm ball, which bounds them)."""
        if not self.penalty.invariant_along_rays:  # a penalty, L1, or a ball
            return False
        rows = self.weighted_rows
        raw = self._raw(theta, None, self.X)[rows]  # the last iterate's: cached
        return self.loss.separates(self.Y[rows], raw)

    def stopping_threshold(self, tol, null_optimality):
        """``max(tol * M(theta_null), rounding level)``: the full-batch stopping test."""
        return max(tol * null_optimality, self.rounding_optimality())

    def feature_scales(self):
        """Each feature's spread ``sqrt(v_j)`` (its RMS without an intercept)."""
        return np.sqrt(self.feature_variance)


def _flat_is_one(L):
    """A Lipschitz bound of 0 means F does not depend on theta (all-zero X, no
    intercept, no penalty): the gradient is zero and every step is safe, so 1."""
    return L if L > 0 else 1.0
