"""Least squares (and ridge) trained by any registered solver."""

from typing import ClassVar

from sklearn.base import BaseEstimator, RegressorMixin

from ..objective import L2Penalty, SquaredLoss
from ..objective.chunked import blockwise_for_dask
from ._base import GDModelMixin, estimator_dataclass, estimator_doc

# The fitted attributes of the least-squares estimators (ProxLasso and
# GDElasticNet add a line to the first).
_COEF_DOC = """    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        (n_targets, n_features) when ``y`` is 2-D, even with one column (as
        :class:`~sklearn.linear_model.LinearRegression`; :class:`~sklearn.linear_model.Ridge` and :class:`~sklearn.linear_model.Lasso` ravel that case to
        (n_features,)).
"""
_INTERCEPT_DOC = """    intercept_ : float or ndarray of shape (n_targets,)
        An array when ``y`` is 2-D (zeros when ``fit_intercept=False``).
"""

# How the objective reads with a 2-D ``y``, shared by the least-squares docstrings.
MULTI_OUTPUT_DOC = r"""
    A 2-D ``y`` of shape (n_samples, n_targets) fits every target at once: the
    objective is the sum over targets of the one above, so each target's
    coefficients are those of its own single-target fit (as :class:`~sklearn.linear_model.Ridge`,
    :class:`~sklearn.linear_model.Lasso` and :class:`~sklearn.linear_model.ElasticNet` with a 2-D ``y``), except that
    ``max_coef_norm`` bounds the norm of all targets' coefficients together
    (``positive`` applies to each coefficient). The stopping test reads
    the largest optimality over all targets' coefficients against the null
    model's, so a target of far smaller scale than the others is fitted to a
    correspondingly looser relative precision: standardize the targets (or
    lower ``tol``) when their scales differ widely.
"""


@estimator_dataclass
class GDLinearRegression(GDModelMixin, RegressorMixin, BaseEstimator):
    __doc__ = estimator_doc(
        r"""Linear least squares, optionally ridge-penalised, fitted by gradient methods.

    Minimises, with :math:`S = \sum_i s_i` the sum of sample weights (``n`` by
    default),

    .. math::

        \frac{1}{2S} \sum_{i=1}^n s_i (y_i - x_i \cdot w - b)^2 + \frac{\alpha}{2} \lVert w \rVert_2^2.

    With ``alpha=0`` the minimiser is the least-squares solution of
    :func:`np.linalg.pinv <numpy.linalg.pinv>` / :func:`np.linalg.lstsq <numpy.linalg.lstsq>` and :class:`~sklearn.linear_model.LinearRegression`; with
    ``alpha > 0`` it is ``Ridge(alpha=S * alpha)``. The intercept ``b`` is never
    penalised. With collinear columns and ``alpha=0`` there are many
    least-squares solutions: gd, momentum, nesterov, lbfgs and newton (started
    from zero) return the minimum-norm one, as ``pinv`` (of the centred X with
    an intercept); the adaptive solvers and sgd return one of them.
"""
        + MULTI_OUTPUT_DOC
        + r"""
    Parameters
    ----------
    alpha : float, default=0.0
        L2 penalty strength (per unit of sample weight, see the formula).
""",
        attributes=_COEF_DOC + _INTERCEPT_DOC,
        examples=r"""    >>> import numpy as np
    >>> from skgd import GDLinearRegression
    >>> X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]])
    >>> y = X @ np.array([1, 2]) + 3
    >>> reg = GDLinearRegression(solver="gd", tol=1e-10).fit(X, y)
    >>> np.round(reg.coef_, 6), round(reg.intercept_, 6)
    (array([1., 2.]), 3.0)
    """,
    )

    def _check_partial_target(self, y, classes):
        """partial_fit: the number of targets (and y's dimensionality) is fixed
        by the first call."""
        if not hasattr(self, "_partial_state"):
            return
        coef, _ = self._host_coefficients()
        before = "a 1-D y" if coef.ndim == 1 else f"a 2-D y of {coef.shape[0]} columns"
        now = "a 1-D y" if y.ndim == 1 else f"a 2-D y of {y.shape[1]} columns"
        if before != now:
            raise ValueError(
                f"partial_fit got {now}, but the first call had {before}: the "
                "targets cannot change between calls."
            )

    def _make_loss_and_target(self, y, sample_weight):
        # one column of Y per target: (n, 1) for a 1-D y
        return SquaredLoss(), y.reshape(len(y), -1), {}

    def _make_penalty(self):
        return L2Penalty(self.alpha)

    # a 2-D y is one fit per column (GDModelMixin's validation reads this)
    _multi_output: ClassVar[bool] = True

    def _shape_coefficients(self, coef, intercept):
        """1-D y: ``coef_`` (d,) and a float ``intercept_``; 2-D y, even of one
        column: ``coef_`` (n_targets, d) and ``intercept_`` (n_targets,), as
        ``Ridge`` (zeros without intercept, from ``Objective.unpack``)."""
        if self._single_target:
            return super()._shape_coefficients(coef, intercept)
        return coef, intercept

    @blockwise_for_dask
    def predict(self, X):
        """Predict ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            2-D when the model was fitted on a 2-D ``y``; a lazy dask array
            for a dask ``X`` (computed chunk by chunk).
        """
        return self._decision(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # a 2-D y: one fit per column
        return tags
