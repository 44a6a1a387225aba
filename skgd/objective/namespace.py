"""Array-namespace helpers: the losses' special functions on any array API array.

NumPy arrays keep SciPy's implementations (the reference path, unchanged);
other arrays (torch, CuPy, array-api-strict) get the same formulas written with
their own namespace's operations, so a loss evaluated on a GPU stays there.
"""

import numpy as np
import scipy.special


def namespace(*arrays):
    """NumPy for NumPy arrays, else the arrays' array-API namespace
    (``array_api_compat.array_namespace``, scikit-learn's vendored copy)."""
    if all(isinstance(a, (np.ndarray, np.generic)) for a in arrays):
        return np
    from sklearn.externals.array_api_compat import array_namespace

    return array_namespace(*arrays)


def expit(z):
    """The logistic sigmoid :math:`1 / (1 + e^{-z})`, stable for large ``|z|``."""
    xp = namespace(z)
    if xp is np:
        return scipy.special.expit(z)
    e = xp.exp(-xp.abs(z))  # in (0, 1]: never overflows
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_expit(z):
    r""":math:`\log \sigma(z) = -\log(1 + e^{-z})`, stable for large ``|z|``."""
    xp = namespace(z)
    if xp is np:
        return scipy.special.log_expit(z)
    return xp.minimum(z, 0.0) - xp.log1p(xp.exp(-xp.abs(z)))


def logsumexp(z, keepdims=False):
    """Row-wise :math:`\\log \\sum_k e^{z_k}` of a 2-D array (axis 1)."""
    xp = namespace(z)
    if xp is np:
        return scipy.special.logsumexp(z, axis=1, keepdims=keepdims)
    top = xp.max(z, axis=1, keepdims=True)
    out = top + xp.log(xp.sum(xp.exp(z - top), axis=1, keepdims=True))
    return out if keepdims else out[:, 0]


def softmax(z):
    """Row-wise softmax of a 2-D array (axis 1)."""
    xp = namespace(z)
    if xp is np:
        return scipy.special.softmax(z, axis=1)
    e = xp.exp(z - xp.max(z, axis=1, keepdims=True))
    return e / xp.sum(e, axis=1, keepdims=True)


def row_dot(a, b):
    """Per row :math:`\\sum_k a_{ik} b_{ik}`."""
    xp = namespace(a, b)
    if xp is np:
        return np.einsum("ik,ik->i", a, b)
    return xp.sum(a * b, axis=1)
