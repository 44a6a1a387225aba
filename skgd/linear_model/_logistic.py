"""Logistic regression (binary sigmoid, multinomial softmax) by gradient methods."""

from typing import ClassVar

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._sklearn_compat import LinearClassifierMixin
from ..objective import ElasticNetPenalty, L2Penalty, LogisticLoss, MultinomialLoss
from ._base import GDModelMixin, estimator_dataclass, estimator_doc


@estimator_dataclass
class GDLogisticRegression(GDModelMixin, LinearClassifierMixin, BaseEstimator):
    __doc__ = estimator_doc(
        r"""Logistic regression fitted by gradient methods.

    Minimises, with :math:`S = \sum_i s_i` the sum of sample weights,

    .. math::

        \frac{1}{S} \sum_{i=1}^n s_i \operatorname{logloss}_i + \frac{\alpha}{2} \lVert W \rVert_2^2

    (with ``l1_ratio`` > 0 the penalty is the elastic net below),

    with the sigmoid link for two classes (``coef_`` of shape (1, d)) and the
    softmax (multinomial) link for three or more (``coef_`` of shape (K, d)).
    The minimiser is that of ``LogisticRegression(C=1 / (S * alpha))``: same
    ``coef_``, ``intercept_`` and ``predict_proba``. The intercept is never
    penalised. Labels may be of any type (strings, integers).

    Parameters
    ----------
    alpha : float, default=1e-4
        Penalty strength. ``alpha=0`` is unpenalised (no minimiser exists on
        separable data: the fit then stops with a ConvergenceWarning that says so).
    l1_ratio : float, default=0.0
        The L1 share :math:`\rho` of the penalty
        :math:`\alpha(\rho\lVert W\rVert_1 + \tfrac{1-\rho}{2}\lVert W\rVert_2^2)`:
        0 is the L2 penalty above, 1 the L1 (sparse) penalty; in between the
        elastic net of ``LogisticRegression(C=1/(S*alpha), l1_ratio=l1_ratio)``.
""",
        attributes=r"""    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
""",
        examples=r"""    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skgd import GDLogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), GDLogisticRegression(solver="newton"))
    >>> round(clf.fit(X, y).score(X, y), 2)
    0.97
    """,
    )

    alpha: float = 1e-4
    l1_ratio: float = 0.0

    _parameter_constraints: ClassVar[dict] = {
        **GDModelMixin._parameter_constraints,
        "l1_ratio": GDModelMixin._l1_ratio_constraint,
    }

    def _make_loss_and_target(self, y, sample_weight):
        check_classification_targets(y)
        classes, encoded = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {classes[0]!r}."
            )
        weighted = np.unique(encoded[sample_weight > 0])
        if weighted.size < 2:
            raise ValueError(
                "Only one class has a positive sample_weight: a classifier needs "
                "at least 2 classes with positive weight."
            )
        if classes.size == 2:
            return LogisticLoss(), (encoded == 1).reshape(-1, 1), {"classes_": classes}
        one_hot = np.zeros((encoded.size, classes.size))
        one_hot[np.arange(encoded.size), encoded] = 1.0
        return MultinomialLoss(), one_hot, {"classes_": classes}

    def _make_penalty(self):
        if self.l1_ratio == 0:
            return L2Penalty(self.alpha)
        return ElasticNetPenalty(self.alpha, self.l1_ratio)

    def _store_coefficients(self, coef, intercept):
        self.coef_ = coef
        self.intercept_ = intercept

    def decision_function(self, X):
        """Raw scores ``X @ coef_.T + intercept_``: shape (n,) for two classes."""
        scores = self._decision(X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Class probabilities (sigmoid or softmax of the scores), shape (n, n_classes)."""
        check_is_fitted(self)
        scores = self.decision_function(X)
        if scores.ndim == 1:
            positive = expit(scores)
            return np.column_stack([1.0 - positive, positive])
        return softmax(scores, axis=1)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))
