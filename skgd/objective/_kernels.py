"""Compiled minibatch kernels (optional: numba, ``pip install skgd[fast]``).

A minibatch gradient needs ``X_B @ W`` and ``X_B.T @ r`` on a random set ``B``
of rows. NumPy must first gather ``X[B]`` (a copy: about 1.2 passes over X per
epoch, on top of the products); these kernels read the rows where they are,
once for the predictions and once more, from cache, for the gradient. The
arithmetic is the same as NumPy's (only the summation order differs), so the
gradients are the same unbiased weighted estimates.

Without numba (or for inputs they do not cover) :data:`AVAILABLE` is False and
:class:`~skgd.objective.Objective` gathers the rows with NumPy. The kernels are
compiled on first use and cached on disk (``cache=True``: numba's cache next
to this file, or in ``NUMBA_CACHE_DIR``), so only the first minibatch fit on a
machine pays the compilation (a few seconds); ``SKGD_DISABLE_NUMBA=1`` turns
them off.
"""

import importlib.util
import os

import numpy as np
import scipy.sparse as sp

_ENABLED = os.environ.get("SKGD_DISABLE_NUMBA", "") in ("", "0")
try:  # numba is imported (and the kernels compiled) at the first minibatch fit
    AVAILABLE = _ENABLED and importlib.util.find_spec("numba") is not None
except ValueError:  # a half-imported numba
    AVAILABLE = False

_compiled = {}


def _kernels():
    """The compiled kernels (built once, on first use: importing numba costs
    ~0.2 s, which ``import skgd`` must not pay)."""
    if _compiled:
        return _compiled
    import numba

    # fastmath lets the row dot products use SIMD (it reassociates the sums:
    # a different rounding order, as BLAS's own)
    @numba.njit(cache=True, nogil=True, fastmath=True)
    def dense_products(X, rows, W, offset):  # pragma: no cover - compiled
        """``raw[b] = X[rows[b]] @ W + offset``, shape (len(rows), K)."""
        B = rows.shape[0]
        d, K = W.shape
        raw = np.empty((B, K), dtype=W.dtype)
        for b in range(B):
            row = X[rows[b]]
            for k in range(K):
                total = offset[k]
                for j in range(d):
                    total += row[j] * W[j, k]
                raw[b, k] = total
        return raw

    @numba.njit(cache=True, nogil=True, fastmath=True)
    def dense_transpose(X, rows, residual, d):  # pragma: no cover - compiled
        """``X[rows].T @ residual``, shape (d, K)."""
        B, K = residual.shape
        out = np.zeros((d, K), dtype=residual.dtype)
        for b in range(B):
            row = X[rows[b]]
            for k in range(K):
                r = residual[b, k]
                if r != 0:
                    for j in range(d):
                        out[j, k] += row[j] * r
        return out

    @numba.njit(cache=True, nogil=True)
    def csr_products(data, indices, indptr, rows, W, offset):  # pragma: no cover
        B = rows.shape[0]
        K = W.shape[1]
        raw = np.empty((B, K), dtype=W.dtype)
        for b in range(B):
            i = rows[b]
            for k in range(K):
                total = offset[k]
                for p in range(indptr[i], indptr[i + 1]):
                    total += data[p] * W[indices[p], k]
                raw[b, k] = total
        return raw

    @numba.njit(cache=True, nogil=True)
    def csr_transpose(data, indices, indptr, rows, residual, d):  # pragma: no cover
        B, K = residual.shape
        out = np.zeros((d, K), dtype=residual.dtype)
        for b in range(B):
            i = rows[b]
            for k in range(K):
                r = residual[b, k]
                if r != 0:
                    for p in range(indptr[i], indptr[i + 1]):
                        out[indices[p], k] += data[p] * r
        return out

    _compiled.update(
        dense_products=dense_products,
        dense_transpose=dense_transpose,
        csr_products=csr_products,
        csr_transpose=csr_transpose,
    )
    return _compiled


class RowKernels:
    """``X[rows] @ W + offset`` and ``X[rows].T @ r`` without gathering the rows.

    Built by :func:`row_kernels` for a C-contiguous dense X or a CSR matrix of
    float64 or float32 values; None otherwise (the caller gathers with NumPy).
    """

    def __init__(self, X):
        self.kernels = _kernels()
        self.sparse = sp.issparse(X)
        if self.sparse:
            self.parts = (X.data, X.indices, X.indptr)
        else:
            self.X = X
        self.n_features = X.shape[1]

    def products(self, rows, W, offset):
        if self.sparse:
            return self.kernels["csr_products"](*self.parts, rows, W, offset)
        return self.kernels["dense_products"](self.X, rows, W, offset)

    def transpose(self, rows, residual):
        residual = np.ascontiguousarray(residual)
        if self.sparse:
            return self.kernels["csr_transpose"](
                *self.parts, rows, residual, self.n_features
            )
        return self.kernels["dense_transpose"](self.X, rows, residual, self.n_features)


def row_kernels(X):
    """:class:`RowKernels` for ``X``, or None when numba is missing or X is
    neither C-contiguous dense nor CSR (of float32 / float64)."""
    if not AVAILABLE or X.dtype not in (np.float64, np.float32):
        return None
    if sp.issparse(X):
        if X.format != "csr":
            return None
        return RowKernels(X)
    if isinstance(X, np.ndarray) and X.flags.c_contiguous:
        return RowKernels(X)
    return None
