"""Least squares (and ridge) trained by any registered solver."""

from sklearn.base import BaseEstimator, RegressorMixin

from ..objective import L2Penalty, SquaredLoss
from ._base import GDModelMixin, estimator_dataclass, estimator_doc


@estimator_dataclass
class GDLinearRegression(GDModelMixin, RegressorMixin, BaseEstimator):
    __doc__ = estimator_doc(
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
""",
        attributes=r"""    coef_ : ndarray of shape (n_features,)
    intercept_ : float
""",
        examples=r"""    >>> import numpy as np
    >>> from skgd import GDLinearRegression
    >>> X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]])
    >>> y = X @ np.array([1, 2]) + 3
    >>> reg = GDLinearRegression(solver="gd", tol=1e-10).fit(X, y)
    >>> np.round(reg.coef_, 6), round(reg.intercept_, 6)
    (array([1., 2.]), 3.0)
    """,
    )

    def _make_loss_and_target(self, y, sample_weight):
        return SquaredLoss(), y.reshape(-1, 1), {}

    def _make_penalty(self):
        return L2Penalty(self.alpha)

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
