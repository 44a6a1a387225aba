r"""The objective on an array-API X (torch, CuPy, array-api-strict), on its device.

:class:`DeviceObjective` is :class:`~skgd.objective.Objective` with every pass
over X computed in X's own namespace, on X's device: raw predictions
:math:`XW`, the loss and its derivatives (``n``-vectors), :math:`X^\top r`,
newton's :math:`X^\top D X`, the column moments. Only the results of size
``d`` (or ``d x d``) cross to the host, where the solvers keep their state in
NumPy: the step logic, SciPy's L-BFGS-B and newton's Cholesky solve act on
``d``-sized arrays and need no generic version. X, y and the weights are never
copied to the host. Used when scikit-learn's ``array_api_dispatch`` is on and
X is not a NumPy array (see :func:`is_device_array`).
"""

import math

import numpy as np

from .namespace import namespace
from .objective import Objective, _flat_is_one

# Row blocks of about this many bytes for elementwise work on the device
_DEVICE_BLOCK_BYTES = 1 << 26


def is_device_array(X):
    """Whether X is an array-API array other than NumPy's and scikit-learn's
    ``array_api_dispatch`` is on (as for scikit-learn's own estimators)."""
    if isinstance(X, np.ndarray) or not hasattr(X, "__array_namespace__"):
        return False
    from sklearn import get_config

    return bool(get_config().get("array_api_dispatch", False))


def to_numpy(array):
    """A host NumPy copy of an array of any namespace and device."""
    if isinstance(array, np.ndarray):
        return array
    from .._sklearn_compat import move_to

    return np.asarray(move_to(array, xp=np, device="cpu"))


def host_dtype(X):
    """The NumPy dtype of an array-API array's elements."""
    return to_numpy(X[:1, :1] if X.ndim == 2 else X[:1]).dtype


def like(array, reference):
    """``array`` (NumPy) in the namespace and on the device of ``reference``."""
    xp = namespace(reference)
    if xp is np:
        return array
    from sklearn.externals.array_api_compat import device

    return xp.asarray(np.ascontiguousarray(array), device=device(reference))


class DeviceObjective(Objective):
    """:class:`~skgd.objective.Objective` computed in X's namespace (see the module).

    Parameters
    ----------
    X : array-API array of shape (n_samples, n_features)
        On any device; never copied to the host.
    Y, loss, penalty, sample_weight, fit_intercept, centring
        As for :class:`~skgd.objective.Objective` (NumPy arrays on the host).
    """

    def __init__(
        self, X, Y, loss, penalty, sample_weight, fit_intercept, centring=None
    ):
        self._xp = namespace(X)
        self._X_device = X
        super().__init__(
            _Shape(X, host_dtype(X)),
            Y,
            loss,
            penalty,
            sample_weight,
            fit_intercept,
            centring=centring,
        )
        # the targets and weights as the objective holds them, once on the device
        self._Y_device = like(self.Y, X)
        self._sw_device = like(self.sw, X)

    def _device(self, array):
        return like(np.asarray(array, dtype=self.dtype), self._X_device)

    def _model(self, theta):
        """``(W, offset)`` on the device: raw predictions are ``X W + offset``."""
        W, c = self.split(np.asarray(theta, dtype=self.dtype))
        if not self.fit_intercept:
            return self._device(W), None
        offset = self.intercept_scale * c - self.x_mean @ W
        return self._device(W), self._device(offset)

    def _raw_on_device(self, X, theta):
        W, offset = self._model(theta)
        raw = X @ W
        return raw if offset is None else raw + offset

    def _data(self, rows):
        """X, Y and the weights of a minibatch (all rows when ``rows`` is None),
        on the device (see :meth:`~skgd.objective.Objective._rows`)."""
        if rows is None:
            return self._X_device, self._Y_device, self._sw_device
        xp = self._xp
        index = like(np.asarray(rows, dtype=np.int64), self._X_device)
        scale = self.weighted_rows.size / len(rows)
        take = xp.take
        return (
            take(self._X_device, index, axis=0),
            take(self._Y_device, index, axis=0),
            take(self._sw_device, index, axis=0) * scale,
        )

    # -- statistics of X -----------------------------------------------------------
    def _column_mean(self):
        sw = like(self.sw, self._X_device)
        return to_numpy(sw @ self._X_device).astype(self.dtype)

    def _device_row_blocks(self, X=None):
        """``(start, X[start:stop])`` over row blocks of about
        ``_DEVICE_BLOCK_BYTES``: elementwise work (squares, centring, scaling
        by weights) never allocates a second X on the device."""
        X = self._X_device if X is None else X
        n, d = X.shape
        step = max(1, _DEVICE_BLOCK_BYTES // max(1, self.dtype.itemsize * d))
        for start in range(0, n, step):
            # (the array API leaves out-of-bounds slice stops unspecified)
            yield start, X[start : min(start + step, n), :]

    def _column_moments(self, X, sw, mean, d):
        xp = self._xp
        w = self._device(sw)
        centre = self._device(mean)
        second = np.zeros(d)
        variance = np.zeros(d)
        finite = True
        for start, block in self._device_row_blocks():
            w_block = w[start : start + block.shape[0]]
            centred = block - centre
            second += to_numpy(w_block @ (block * block))
            variance += to_numpy(w_block @ (centred * centred))
            finite = finite and bool(xp.all(xp.isfinite(block)))
        if not finite:
            raise ValueError("Input X contains NaN or infinity.")
        return second, variance

    def _centered_gram(self):
        G = self.weighted_gram(self.sw)
        return G[:-1, :-1] if self.fit_intercept else G

    def _gram_lambda_max(self):
        import scipy.linalg

        d = self.n_features
        G = self._centered_gram()
        return float(scipy.linalg.eigvalsh(G, subset_by_index=[d - 1, d - 1])[0])

    def row_lipschitz(self):
        xp = self._xp
        centre = self._device(self.x_mean) if self.fit_intercept else 0.0
        norms = np.concatenate(
            [
                to_numpy(xp.sum((block - centre) ** 2, axis=1))
                for _, block in self._device_row_blocks()
            ]
        ).astype(np.float64)
        if self.fit_intercept:
            norms += self.intercept_scale**2
        largest = self.weighted_rows.size * float(np.max(self.sw * norms))
        return _flat_is_one(self.loss.curvature * largest + self.penalty.curvature)

    # -- values and gradients ------------------------------------------------------
    def raw_prediction(self, theta, X=None):
        return to_numpy(self._raw_on_device(self._X_device, theta))

    def _evaluate(self, theta, rows, want_value, want_grad):
        X, Y, sw = self._data(rows)
        xp = self._xp
        raw = self._raw_on_device(X, theta)
        value = None
        W, _ = self.split(theta)
        if want_grad:
            if want_value:
                loss_value, loss_grad = self.loss.value_and_gradient(Y, raw)
                value = float(sw @ xp.sum(loss_value, axis=1))
            else:
                loss_grad = self.loss.gradient(Y, raw)
            loss_grad = loss_grad * sw[:, None]
            products = to_numpy(X.T @ loss_grad)
            total = to_numpy(xp.sum(loss_grad, axis=0)) if self.fit_intercept else None
            grad = self._finish_gradient(theta, products, total)
        else:
            value = float(sw @ xp.sum(self.loss.value(Y, raw), axis=1))
            grad = None
        if value is not None:
            value += self.penalty.value(W)
        return value, grad

    def value(self, theta, rows=None):
        return self._evaluate(theta, rows, True, False)[0]

    def value_and_grad(self, theta, rows=None):
        return self._evaluate(theta, rows, True, True)

    def gradient(self, theta, rows=None):
        return self._evaluate(theta, rows, False, True)[1]

    def extrapolated_gradient(self, theta, previous, beta):
        return self.gradient(theta + beta * (theta - previous))

    @property
    def _row_kernels(self):
        return None  # the device takes the rows (xp.take)

    # -- second order --------------------------------------------------------------
    def hessp(self, theta):
        xp = self._xp
        X, Y, sw = self._data(None)
        raw = self._raw_on_device(X, theta)

        def product(v):
            z = self._raw_on_device(X, v)
            q = self.loss.hessian_product(Y, raw, z) * sw[:, None]
            total = to_numpy(xp.sum(q, axis=0))
            return self._finish_hessp(v, to_numpy(X.T @ q), total)

        return product

    def _gram_sums(self, h, features=None):
        """``(X^T diag(h) X, h^T X, sum h)`` on the device, ``h`` a device vector."""
        xp = self._xp
        X = self._X_device
        if features is not None:
            X = xp.take(X, like(np.asarray(features, dtype=np.int64), X), axis=1)
        d = X.shape[1]
        G, u = np.zeros((d, d)), np.zeros(d)
        for start, block in self._device_row_blocks(X):
            weighted = h[start : start + block.shape[0], None] * block
            G += to_numpy(block.T @ weighted)
            u += to_numpy(xp.sum(weighted, axis=0))
        return G, u, float(xp.sum(h))

    def weighted_gram(self, h, features=None):
        G, u, hsum = self._gram_sums(self._device(h), features)
        return self._centre_gram(G, u, hsum, features)

    def hessian(self, theta, features=None):
        X, Y, sw = self._data(None)
        raw = self._raw_on_device(X, theta)
        blocks = [
            (k, l, self._centre_gram(*self._gram_sums(h * sw, features), features))
            for k, l, h in self.loss.hessian_blocks(Y, raw)
        ]
        return self._assemble_hessian(blocks, features)

    def local_coordinate_curvature(self, theta):
        xp = self._xp
        X, Y, sw = self._data(None)
        raw = self._raw_on_device(X, theta)
        centre = self._device(self.x_mean) if self.fit_intercept else 0.0
        d = self.n_features
        h = np.empty(self.shape)
        weight_sums = np.zeros(self.n_outputs)
        variance = np.zeros((d, self.n_outputs))
        for k, l, hk in self.loss.hessian_blocks(Y, raw):
            if k == l:
                weights = hk * sw
                weight_sums[k] = float(xp.sum(weights))
                for start, block in self._device_row_blocks():
                    squares = (block - centre) ** 2
                    stop = start + block.shape[0]
                    variance[:, k] += to_numpy(weights[start:stop] @ squares)
        variance[self.constant_features] = 0.0
        h[:d] = variance + self.penalty.curvature
        if self.fit_intercept:
            h[d] = self.intercept_scale**2 * weight_sums
        return h.ravel()

    def has_no_minimiser(self, theta):
        if not self.penalty.invariant_along_rays:
            return False
        rows = self.weighted_rows
        raw = self.raw_prediction(theta)[rows]
        return self.loss.separates(self.Y[rows], raw)

    def centered_row_norms(self):
        raise NotImplementedError("row norms are reduced on the device (row_lipschitz)")


class _Shape:
    """What :class:`~skgd.objective.Objective`'s constructor reads of X (its
    shape and dtype): the values stay on the device."""

    def __init__(self, X, dtype):
        self.shape = tuple(int(s) for s in X.shape)
        self.dtype = dtype
        self.ndim = 2
        self.size = math.prod(self.shape)
