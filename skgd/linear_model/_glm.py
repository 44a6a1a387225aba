"""Poisson regression (log link) trained by any registered solver."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import d2_tweedie_score

from ..objective import L2Penalty, PoissonLoss
from ..objective.array_api import to_numpy
from ..objective.chunked import blockwise_for_dask
from ..objective.namespace import namespace
from ._base import GDModelMixin, estimator_dataclass, estimator_doc


@estimator_dataclass
class GDPoissonRegressor(GDModelMixin, RegressorMixin, BaseEstimator):
    __doc__ = estimator_doc(
        r"""Poisson regression with a log link, fitted by gradient methods.

    Minimises, with :math:`S = \sum_i s_i` the sum of sample weights,

    .. math::

        \frac{1}{S} \sum_{i=1}^n s_i \big(e^{x_i \cdot w + b} - y_i (x_i \cdot w + b)\big)
        + \frac{\alpha}{2} \lVert w \rVert_2^2,

    half the mean Poisson deviance up to a constant: the objective of
    ``sklearn.linear_model.PoissonRegressor(alpha=alpha)``. Predictions are
    :math:`e^{x \cdot w + b}`; ``y`` must be non-negative with a positive
    weighted sum.

    The loss's curvature :math:`e^z` is unbounded, so there is no global
    Lipschitz constant: ``learning_rate="auto"`` is refused by the solvers
    that derive their step from it (gd, sgd, momentum, nesterov, the adaptive
    rules) -- pass a numeric ``learning_rate``, or use ``newton`` or ``lbfgs``.

    Parameters
    ----------
    alpha : float, default=1.0
        L2 penalty strength (as :class:`~sklearn.linear_model.PoissonRegressor`'s ``alpha``).
""",
        attributes=r"""    coef_ : ndarray of shape (n_features,)
    intercept_ : float
""",
        examples=r"""    >>> import numpy as np
    >>> from skgd import GDPoissonRegressor
    >>> X = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [4.0, 3.0]])
    >>> y = np.array([12, 17, 22, 21])
    >>> reg = GDPoissonRegressor(solver="newton", alpha=1.0).fit(X, y)
    >>> reg.predict([[1, 1], [3, 4]]).round(2)
    array([10.68, 21.88])
    """,
    )

    solver: str = "lbfgs"
    alpha: float = 1.0

    def _make_loss_and_target(self, y, sample_weight):
        y = np.asarray(y, dtype=np.float64)
        if np.any(y < 0) or not (sample_weight @ y) > 0:
            raise ValueError(
                "Poisson regression needs non-negative targets with a positive "
                "(weighted) sum; got "
                + ("negative values." if np.any(y < 0) else "all zeros.")
            )
        return PoissonLoss(), y.reshape(-1, 1), {}

    def _make_penalty(self):
        return L2Penalty(self.alpha)

    @blockwise_for_dask
    def predict(self, X):
        """Predicted means :math:`e^{X w + b}`, shape (n_samples,)."""
        scores = self._decision(X)
        return namespace(scores).exp(scores)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True  # counts: y >= 0
        return tags

    def score(self, X, y, sample_weight=None):
        """D², the fraction of Poisson deviance explained (as ``PoissonRegressor``).

        Constant ``y`` leaves nothing to explain: the score is then 1.0 for
        perfect predictions and 0.0 otherwise (``r2_score``'s ``force_finite``),
        never a division by zero.
        """
        predicted = to_numpy(self.predict(X))  # X may live on a device
        y = np.asarray(to_numpy(y), dtype=np.float64)
        weights = np.ones_like(y) if sample_weight is None else to_numpy(sample_weight)
        observed = y[np.asarray(weights) > 0]
        if observed.size and np.all(observed == observed[0]):
            return float(np.allclose(predicted[np.asarray(weights) > 0], observed))
        return float(d2_tweedie_score(y, predicted, sample_weight=weights, power=1))
