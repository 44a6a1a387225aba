"""L1-penalised least squares trained by proximal gradient methods."""

from typing import ClassVar

from ..objective import ElasticNetPenalty, L1Penalty
from ._base import GDModelMixin, estimator_dataclass, estimator_doc
from ._regression import (
    _COEF_DOC,
    _INTERCEPT_DOC,
    MULTI_OUTPUT_DOC,
    GDLinearRegression,
)


@estimator_dataclass
class ProxLasso(GDLinearRegression):
    __doc__ = estimator_doc(
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
"""
        + MULTI_OUTPUT_DOC
        + r"""
    Parameters
    ----------
    alpha : float, default=1.0
        L1 penalty strength (as :class:`~sklearn.linear_model.Lasso`'s ``alpha``).
""",
        attributes=_COEF_DOC
        + "        Exact zeros where the soft-threshold cut the coefficient.\n"
        + _INTERCEPT_DOC,
        examples=r"""    >>> import numpy as np
    >>> from skgd import ProxLasso
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> y = 2 * X[:, 0]
    >>> ProxLasso(alpha=0.1, tol=1e-8).fit(X, y).coef_.round(3)
    array([1.92, 0.  ])
    """,
    )

    alpha: float = 1.0

    def _make_penalty(self):
        return L1Penalty(self.alpha)


@estimator_dataclass
class GDElasticNet(GDLinearRegression):
    __doc__ = estimator_doc(
        r"""Elastic net fitted by (proximal) gradient methods.

    Minimises, with :math:`S = \sum_i s_i` the sum of sample weights,

    .. math::

        \frac{1}{2S} \sum_{i=1}^n s_i (y_i - x_i \cdot w - b)^2
        + \alpha\rho \lVert w \rVert_1 + \frac{\alpha(1-\rho)}{2} \lVert w \rVert_2^2,

    :math:`\rho` = ``l1_ratio``: the objective of
    ``sklearn.linear_model.ElasticNet(alpha=alpha, l1_ratio=l1_ratio)``. The
    L2 part is smooth (every solver takes it through the gradient), the L1 part
    is reached through its soft-threshold prox (``ElasticNetPenalty``).
"""
        + MULTI_OUTPUT_DOC
        + r"""
    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (as :class:`~sklearn.linear_model.ElasticNet`'s ``alpha``).
    l1_ratio : float, default=0.5
        The L1 share :math:`\rho` of the penalty, in [0, 1]: 1 is the lasso, 0
        ridge (``Ridge(alpha=S * alpha)``).
""",
        attributes=_COEF_DOC + _INTERCEPT_DOC,
        examples=r"""    >>> import numpy as np
    >>> from skgd import GDElasticNet
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> y = 2 * X[:, 0]
    >>> GDElasticNet(alpha=0.1, l1_ratio=0.5, tol=1e-8).fit(X, y).coef_.round(3)
    array([1.827, 0.   ])
    """,
    )

    alpha: float = 1.0
    l1_ratio: float = 0.5

    _parameter_constraints: ClassVar[dict] = {
        **GDModelMixin._parameter_constraints,
        "l1_ratio": GDModelMixin._l1_ratio_constraint,
    }

    def _make_penalty(self):
        return ElasticNetPenalty(self.alpha, self.l1_ratio)
