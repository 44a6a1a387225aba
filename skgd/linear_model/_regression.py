"""Least squares (and ridge) trained by any registered solver."""

from sklearn.base import BaseEstimator, RegressorMixin

from .._sklearn_compat import _fit_context
from ..objective import L2Penalty, SquaredLoss
from ._base import _COMMON_PARAMETERS_DOC, GDModelMixin


class GDLinearRegression(GDModelMixin, RegressorMixin, BaseEstimator):
    __doc__ = (
        r"""Linear least squares, optionally ridge-penalised, fitted by gradient methods.

    Minimises, with :math:`S = \sum_i s_i` the sum of sample weights (``n`` by
    default),

    .. math::

        \frac{1}{2S} \sum_{i=1}^n s_i (y_i - x_i \cdot w - b)^2 + \frac{\alpha}{2} \lVert w \rVert_2^2.

    With ``alpha=0`` the minimiser is the least-squares solution of
    ``np.linalg.pinv`` / ``np.linalg.lstsq`` and ``LinearRegression``; with
    ``alpha > 0`` it is ``Ridge(alpha=S * alpha)``. The intercept ``b`` is never
    penalised. With collinear columns and ``alpha=0`` there are many
    least-squares solutions: gd, momentum, nesterov, lbfgs and newton (started
    from zero) return the minimum-norm one, as ``pinv`` (of the centred X with
    an intercept); the adaptive solvers and sgd return one of them.

    Parameters
    ----------
    alpha : float, default=0.0
        L2 penalty strength (per unit of sample weight, see the formula).
"""
        + _COMMON_PARAMETERS_DOC
        + r"""
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Iterations (full batch) or epochs (minibatches) run.
    loss_curve_ : list of float
        The objective above at the iterate reached after each iteration (or
        epoch): ``len(loss_curve_) == n_iter_``, and the last entry is the
        objective of ``coef_`` and ``intercept_``.
    learning_rate_ : float
        The step size used (``learning_rate="auto"`` resolved).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string feature names.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd import GDLinearRegression
    >>> X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]])
    >>> y = X @ np.array([1, 2]) + 3
    >>> reg = GDLinearRegression(solver="gd", tol=1e-10).fit(X, y)
    >>> np.round(reg.coef_, 6), round(reg.intercept_, 6)
    (array([1., 2.]), 3.0)
    """
    )

    def _make_loss_and_target(self, y, sample_weight):
        return SquaredLoss(), y.reshape(-1, 1), {}

    def _make_penalty(self):
        return L2Penalty(self.alpha)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight)

    def predict(self, X):
        """Predict ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return self._decision(X)
