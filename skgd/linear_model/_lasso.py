"""L1-penalised least squares trained by proximal gradient methods."""

from ..objective import L1Penalty
from ._base import _COMMON_PARAMETERS_DOC, GDModelMixin, init_with_defaults
from ._regression import GDLinearRegression


class ProxLasso(GDLinearRegression):
    __doc__ = (
        r"""Lasso fitted by proximal gradient methods (ISTA, FISTA, prox-Newton, ...).

    Minimises, with :math:`S = \sum_i s_i` the sum of sample weights,

    .. math::

        \frac{1}{2S} \sum_{i=1}^n s_i (y_i - x_i \cdot w - b)^2 + \alpha \lVert w \rVert_1,

    the objective of ``sklearn.linear_model.Lasso(alpha=alpha)``. Every solver
    handles the non-smooth term through the soft-threshold proximal operator
    :math:`\operatorname{prox}_{t\alpha\lVert\cdot\rVert_1}(z) = \operatorname{sign}(z)\max(|z| - t\alpha, 0)`:
    gd is ISTA, sgd proximal SGD, nesterov FISTA-type accelerated
    prox-gradient, the adaptive solvers scaled proximal steps, newton proximal
    Newton, and lbfgs L-BFGS-B on the split :math:`w = w^+ - w^-,\ w^\pm \ge 0`.
    The intercept ``b`` is never penalised.

    Parameters
    ----------
    alpha : float, default=1.0
        L1 penalty strength (as ``Lasso``'s ``alpha``).
"""
        + _COMMON_PARAMETERS_DOC
        + r"""
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Exact zeros where the soft-threshold cut the coefficient.
    intercept_ : float
    n_iter_ : int
    loss_curve_ : list of float
        The objective above after each iteration (or epoch).
    learning_rate_ : float
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Examples
    --------
    >>> import numpy as np
    >>> from skgd import ProxLasso
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> y = 2 * X[:, 0]
    >>> ProxLasso(alpha=0.1, tol=1e-8).fit(X, y).coef_.round(3)
    array([1.92, 0.  ])
    """
    )

    __init__ = init_with_defaults(GDModelMixin.__init__, alpha=1.0)

    def _make_penalty(self):
        return L1Penalty(self.alpha)
