r"""The objective over a row-chunked X: a dask array, on one machine or a cluster.

:class:`ChunkedObjective` is :class:`~skgd.objective.Objective` with every pass
over X written as one map-reduce over X's row chunks: a task per chunk
computes its share of the sums (for a gradient :math:`X_c W`, the loss
derivative and :math:`X_c^\top r_c`; for newton :math:`X_c^\top D_c X_c`), and
only those ``(d, K)`` or ``(d, d)`` sums come back to the client, which adds
them up. X is never gathered: with a ``dask.distributed`` client every chunk
is read (or recomputed, if X is not persisted) where it lives. The targets and
weights (``n`` numbers each) are kept on the client, and copied once to the
workers in X's chunking.

Minibatch solvers visit the chunks in a shuffled order, load one chunk at a
time to the client and draw their shuffled minibatches within it: an epoch
still sees every row of positive weight exactly once.
"""

import functools
import math

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackError, LinearOperator, eigsh

from .objective import _GRAM_MAX_FEATURES, Objective, _flat_is_one


def is_dask_collection(data):
    """Whether ``data`` is a dask collection (without importing dask)."""
    module = type(data).__module__
    if not (module == "dask" or module.startswith("dask.")):
        return False
    import dask

    return dask.is_dask_collection(data)


def as_dask_matrix(X):
    """A 2-D dask array with known row chunks and all columns in one chunk.

    A dask DataFrame (or Series) becomes its array (chunk lengths computed,
    one pass over its partitions' lengths); an integer array becomes float64,
    as scikit-learn's validation does for NumPy input.
    """
    import dask.array as da

    if not isinstance(X, da.Array):
        if hasattr(X, "to_dask_array"):  # a dask DataFrame or Series
            X = X.to_dask_array(lengths=True)
        else:
            raise TypeError(
                f"Expected a dask array or DataFrame, got {type(X).__name__}. "
                "Convert it with dask.array.from_array or dask.dataframe."
            )
    if X.ndim == 1:
        raise ValueError(
            "Expected a 2-D array, got a 1-D dask array: reshape it with "
            "X.reshape(-1, 1) for a single feature."
        )
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D array, got {X.ndim} dimensions.")
    if any(math.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    if X.dtype not in (np.float32, np.float64):
        if X.dtype.kind not in "biuf":
            raise ValueError(
                f"X has dtype {X.dtype}: skgd fits numeric features only. "
                "Encode the columns first (e.g. with dask_ml.preprocessing)."
            )
        X = X.astype(np.float64)
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})  # a task sees whole rows
    return X


def blockwise_for_dask(method):
    """Make a prediction method lazy on dask input, as ``dask_ml``'s
    ``ParallelPostFit``: the method runs on every row chunk (a NumPy block, or
    a pandas one with the fitted feature names) and a dask array comes back."""

    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        if not is_dask_collection(X):
            return method(self, X, *args, **kwargs)
        names = getattr(self, "feature_names_in_", None)
        given = dask_feature_names(X)
        if names is not None and given is not None and list(given) != list(names):
            raise ValueError(
                "The feature names should match those that were passed during "
                f"fit: got {list(given)}, fitted on {list(names)}."
            )
        X = as_dask_matrix(X)

        def on_block(block):
            if names is not None:
                import pandas as pd

                block = pd.DataFrame(block, columns=names)
            return method(self, block, *args, **kwargs)

        # the output's dtype and trailing shape, from one zero row
        sample = np.asarray(on_block(np.zeros((1, X.shape[1]), dtype=X.dtype)))
        # meta given: dask need not call the method on an empty probe
        if sample.ndim == 1:
            return X.map_blocks(
                on_block, drop_axis=1, meta=np.empty((0,), dtype=sample.dtype)
            )
        return X.map_blocks(
            on_block,
            chunks=(X.chunks[0], sample.shape[1:]),
            meta=np.empty((0, 0), dtype=sample.dtype),
        )

    return wrapper


def dask_feature_names(X):
    """The column names of a dask DataFrame as ``feature_names_in_`` holds them
    (scikit-learn reads only eager frames' names), or None."""
    columns = getattr(X, "columns", None)
    if columns is None or not len(columns):
        return None
    names = np.asarray(list(columns), dtype=object)
    if not all(isinstance(name, str) for name in names):
        return None  # scikit-learn keeps string names only
    return names


# -- the per-chunk tasks (module-level functions: they travel to the workers) ----
def _dense(block):
    """A chunk as a dense array (a scipy.sparse chunk is densified, one chunk
    at a time, where a task forms squares or Gram blocks)."""
    return block.toarray() if sp.issparse(block) else block


def _raw(X, W, offset):
    raw = np.asarray(X @ W)
    return raw + offset if offset is not None else raw


def _value_grad_task(X, Y, sw, W, offset, loss, want_value, want_grad):
    raw = _raw(X, W, offset)
    value = products = total = None
    if want_grad:
        if want_value:
            loss_value, loss_grad = loss.value_and_gradient(Y, raw)
            value = float(sw @ loss_value.sum(axis=1))
        else:
            loss_grad = loss.gradient(Y, raw)
        loss_grad *= sw[:, None]
        products = np.asarray(X.T @ loss_grad)
        total = loss_grad.sum(axis=0)
    else:
        value = float(sw @ loss.value(Y, raw).sum(axis=1))
    return value, products, total


def _hessp_task(X, Y, sw, W, offset, V, v_offset, loss):
    raw = _raw(X, W, offset)
    z = _raw(X, V, v_offset)
    q = loss.hessian_product(Y, raw, z) * sw[:, None]
    return np.asarray(X.T @ q), q.sum(axis=0)


def _gram_sums(X, h):
    """``(X^T diag(h) X, h^T X, sum h)`` of one chunk, in float64."""
    X = _dense(X)
    weighted = h[:, None] * X
    return (
        np.asarray(X.T @ weighted, dtype=np.float64),
        np.asarray(weighted.sum(axis=0), dtype=np.float64),
        float(h.sum()),
    )


def _hessian_blocks_task(X, Y, sw, W, offset, loss, features):
    raw = _raw(X, W, offset)
    if features is not None:
        X = X[:, features]
    return [(k, l, _gram_sums(X, h * sw)) for k, l, h in loss.hessian_blocks(Y, raw)]


def _sw_gram_task(X, Y, sw):
    return _gram_sums(X, sw)


def _matvec_task(X, Y, sw, v, mean):
    z = np.asarray(X @ v).ravel()
    if mean is not None:
        z -= mean @ v
    out = np.asarray(X.T @ (sw * z)).ravel()
    if mean is not None:
        out -= mean * float(sw @ z)
    return out


def _mean_task(X, Y, sw):
    return np.asarray(sw @ X).ravel()


def _moments_task(X, Y, sw, mean):
    X = _dense(X)
    block = np.asarray(X, dtype=np.float64)
    w = sw.astype(np.float64)
    centred = block - mean
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        finite = bool(np.all(np.isfinite(block)))
        return w @ (block * block), w @ (centred * centred), finite


def _local_curvature_task(X, Y, sw, W, offset, loss, mean):
    raw = _raw(X, W, offset)
    weights = np.zeros(raw.shape)
    for k, l, h in loss.hessian_blocks(Y, raw):
        if k == l:
            weights[:, k] = h
    weights *= sw.astype(np.float64)[:, None]
    X = _dense(X)
    centred = np.asarray(X, dtype=np.float64) - mean
    return (centred * centred).T @ weights, weights.sum(axis=0)


def _separates_task(X, Y, sw, W, offset, loss):
    rows = sw > 0
    if not rows.any():
        return True
    raw = _raw(X, W, offset)
    return loss.separates(Y[rows], raw[rows])


def _row_lipschitz_task(X, Y, sw, mean, intercept_square):
    X = _dense(X)
    block = np.asarray(X, dtype=np.float64)
    if mean is not None:
        block = block - mean
    norms = np.maximum(np.einsum("ij,ij->i", block, block), 0.0) + intercept_square
    return float(np.max(sw.astype(np.float64) * norms, initial=0.0))


class ChunkedObjective(Objective):
    """:class:`~skgd.objective.Objective` over a dask array X (see the module).

    Parameters
    ----------
    X : dask array of shape (n_samples, n_features)
        Chunked along rows only (see :func:`as_dask_matrix`). Never gathered.
    Y, loss, penalty, sample_weight, fit_intercept, centring
        As for :class:`~skgd.objective.Objective` (NumPy arrays).
    """

    def __init__(
        self, X, Y, loss, penalty, sample_weight, fit_intercept, centring=None
    ):
        bounds = np.cumsum((0,) + tuple(X.chunks[0]))
        self._bounds = list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
        self._X_blocks = list(X.to_delayed().ravel())
        self._loaded = None
        # the statistics of X in the constructor need the normalised weights
        # (the constructor's own formula) before it has set them
        weights = np.asarray(sample_weight, dtype=np.float64)
        self._sw_blocks = self._place((weights / weights.sum()).astype(X.dtype))
        self._Y_blocks = [None] * len(self._bounds)
        super().__init__(
            X, Y, loss, penalty, sample_weight, fit_intercept, centring=centring
        )
        # the targets as the objective holds them (centred, cast)
        self._Y_blocks = self._place(self.Y)

    def _place(self, array):
        """``array``'s rows cut as X's chunks, where the tasks will read them:
        sent once to the workers of a distributed client (futures, which live
        as long as this objective), or views on this machine."""
        pieces = [array[start:stop] for start, stop in self._bounds]
        client = _distributed_client()
        return pieces if client is None else client.scatter(pieces, hash=False)

    # -- the map-reduce ------------------------------------------------------------
    def _map(self, task, *args, per_chunk=()):
        """``task(X_c, Y_c, sw_c, *args, *(a_c for a in per_chunk))`` for every
        chunk ``c``, computed together (on the workers of a distributed client
        when one is active); ``per_chunk`` are client arrays of n rows, sliced."""
        import dask

        tasks = [
            dask.delayed(task, pure=False)(
                X_c, Y_c, sw_c, *args, *(a[start:stop] for a in per_chunk)
            )
            for X_c, Y_c, sw_c, (start, stop) in zip(
                self._X_blocks,
                self._Y_blocks,
                self._sw_blocks,
                self._bounds,
                strict=True,
            )
        ]
        return dask.compute(*tasks)

    def _model(self, theta):
        """``(W, offset)``: raw predictions are ``X W + offset`` (see
        :meth:`~skgd.objective.Objective.raw_prediction`)."""
        W, c = self.split(np.asarray(theta, dtype=self.dtype))
        if not self.fit_intercept:
            return W, None
        return W, (self.intercept_scale * c - self.x_mean @ W).astype(self.dtype)

    # -- statistics of X -----------------------------------------------------------
    def _column_mean(self):
        return np.sum(self._map(_mean_task), axis=0).astype(self.dtype)

    def _column_moments(self, X, sw, mean, d):
        parts = self._map(_moments_task, mean)
        second = np.sum([p[0] for p in parts], axis=0)
        variance = np.sum([p[1] for p in parts], axis=0)
        if not all(p[2] for p in parts):
            raise ValueError(
                "Input X contains NaN or infinity. Clean the dask array first "
                "(e.g. X[da.isfinite(X).all(axis=1)]) or impute the missing "
                "values (dask_ml.impute.SimpleImputer)."
            )
        return second, variance

    def _centered_gram(self):
        parts = self._map(_sw_gram_task)
        G, u, hsum = _add_gram_sums(parts)
        G = self._centre_gram(G, u, hsum)
        return G[:-1, :-1] if self.fit_intercept else G

    def _gram_lambda_max(self):
        d = self.n_features
        if d <= 4 * _GRAM_MAX_FEATURES:
            # a d x d matrix per chunk and one pass: cheaper than Lanczos's
            # ~15 passes over chunks that may be read from disk
            G = self._centered_gram()
            return float(scipy.linalg.eigvalsh(G, subset_by_index=[d - 1, d - 1])[0])
        mean = self.x_mean

        def matvec(v):
            v = np.ravel(v).astype(self.dtype, copy=False)
            return np.sum(self._map(_matvec_task, v, mean), axis=0)

        op = LinearOperator((d, d), matvec=matvec, dtype=np.float64)
        v0 = np.random.default_rng(0).standard_normal(d)
        try:
            lam = eigsh(op, k=1, which="LA", v0=v0, tol=1e-3,
                        return_eigenvectors=False)[0]  # fmt: skip
        except ArpackError:
            lam = float(np.linalg.norm(matvec(v0)) / np.linalg.norm(v0))
        return float(lam) * (1.0 + 1e-2)

    def row_lipschitz(self):
        mean = None if self.x_mean is None else self.x_mean.astype(np.float64)
        square = self.intercept_scale**2 if self.fit_intercept else 0.0
        largest = max(self._map(_row_lipschitz_task, mean, square))
        largest *= self.weighted_rows.size
        return _flat_is_one(self.loss.curvature * largest + self.penalty.curvature)

    def centered_row_norms(self):
        raise NotImplementedError(
            "Row norms of a chunked X are reduced per chunk (row_lipschitz)."
        )

    # -- values and gradients ------------------------------------------------------
    def raw_prediction(self, theta, X=None):
        if X is not None:  # a minibatch's rows, on the client
            return super().raw_prediction(theta, X)
        W, offset = self._model(theta)
        return np.concatenate(self._map(_raw_task, W, offset))

    def _full(self, theta, want_value, want_grad):
        W, offset = self._model(theta)
        parts = self._map(_value_grad_task, W, offset, self.loss, want_value, want_grad)
        value = None
        if want_value:
            value = math.fsum(p[0] for p in parts) + self.penalty.value(
                self.split(theta)[0]
            )
        grad = None
        if want_grad:
            products = np.sum([p[1] for p in parts], axis=0)
            total = (
                np.sum([p[2] for p in parts], axis=0) if self.fit_intercept else None
            )
            grad = self._finish_gradient(theta, products, total)
        return value, grad

    def value(self, theta, rows=None):
        if rows is not None:
            return super().value(theta, rows)
        return self._full(theta, True, False)[0]

    def value_and_grad(self, theta, rows=None):
        if rows is not None:
            return super().value_and_grad(theta, rows)
        return self._full(theta, True, True)

    def gradient(self, theta, rows=None):
        if rows is not None:
            return super().gradient(theta, rows)
        return self._full(theta, False, True)[1]

    def extrapolated_gradient(self, theta, previous, beta):
        return self.gradient(theta + beta * (theta - previous))

    # -- second order --------------------------------------------------------------
    def hessp(self, theta):
        W, offset = self._model(theta)

        def product(v):
            VW, v_offset = self._model(v)
            parts = self._map(_hessp_task, W, offset, VW, v_offset, self.loss)
            products = np.sum([p[0] for p in parts], axis=0)
            total = np.sum([p[1] for p in parts], axis=0)
            return self._finish_hessp(v, products, total)

        return product

    def weighted_gram(self, h, features=None):
        parts = self._map(_weighted_gram_task, features, per_chunk=(h,))
        G, u, hsum = _add_gram_sums(parts)
        return self._centre_gram(G, u, hsum, features)

    def hessian(self, theta, features=None):
        W, offset = self._model(theta)
        chunks = self._map(_hessian_blocks_task, W, offset, self.loss, features)
        blocks = []
        for index, (k, l, _) in enumerate(chunks[0]):
            G, u, hsum = _add_gram_sums([chunk[index][2] for chunk in chunks])
            blocks.append((k, l, self._centre_gram(G, u, hsum, features)))
        return self._assemble_hessian(blocks, features)

    def local_coordinate_curvature(self, theta):
        W, offset = self._model(theta)
        mean = (
            np.zeros(self.n_features)
            if self.x_mean is None
            else self.x_mean.astype(np.float64)
        )
        parts = self._map(_local_curvature_task, W, offset, self.loss, mean)
        variance = np.sum([p[0] for p in parts], axis=0)
        weight_sum = np.sum([p[1] for p in parts], axis=0)
        variance[self.constant_features] = 0.0
        h = np.empty(self.shape)
        h[: self.n_features] = variance + self.penalty.curvature
        if self.fit_intercept:
            h[self.n_features] = self.intercept_scale**2 * weight_sum
        return h.ravel()

    def has_no_minimiser(self, theta):
        if not self.penalty.invariant_along_rays:
            return False
        W, offset = self._model(theta)
        return all(self._map(_separates_task, W, offset, self.loss))

    # -- minibatches ---------------------------------------------------------------
    @property
    def _row_kernels(self):
        return None  # a minibatch's rows come from the loaded chunk

    def minibatches(self, batch_size, rng):
        """One epoch: the chunks in a shuffled order, each loaded once to the
        client, shuffled minibatches of its rows of positive weight within it."""
        weighted = self.weighted_rows
        for index in rng.permutation(len(self._bounds)):
            start, stop = self._bounds[index]
            lo, hi = np.searchsorted(weighted, [start, stop])
            if lo == hi:
                continue
            self._loaded = (start, np.asarray(self._X_blocks[index].compute()))
            order = rng.permutation(weighted[lo:hi])
            for first in range(0, order.size, batch_size):
                yield order[first : first + batch_size]
        self._loaded = None

    def _rows(self, rows):
        if rows is None:
            raise NotImplementedError("full passes over a chunked X are map-reduced")
        if self._loaded is None:
            raise RuntimeError("minibatch rows outside ChunkedObjective.minibatches")
        start, block = self._loaded
        n_weighted = self.weighted_rows.size
        sw = self.sw[rows] * self.dtype.type(n_weighted / len(rows))
        return block[rows - start], self.Y[rows], sw


def _raw_task(X, Y, sw, W, offset):
    return _raw(X, W, offset)


def _weighted_gram_task(X, Y, sw, features, h):
    return _gram_sums(X if features is None else X[:, features], h)


def _add_gram_sums(parts):
    G = np.sum([p[0] for p in parts], axis=0)
    u = np.sum([p[1] for p in parts], axis=0)
    return G, u, math.fsum(p[2] for p in parts)


def _distributed_client():
    """The active ``dask.distributed`` client, or None (threads of this process)."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:  # distributed installed, no client started
        return None
