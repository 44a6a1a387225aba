"""Logistic regression (binary sigmoid, multinomial softmax) by gradient methods."""

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._sklearn_compat import _fit_context
from ..objective import L2Penalty, LogisticLoss, MultinomialLoss
from ._base import _COMMON_PARAMETERS_DOC, GDModelMixin, init_with_defaults


class GDLogisticRegression(GDModelMixin, LinearClassifierMixin, BaseEstimator):
    __doc__ = (
        r"""Logistic regression fitted by gradient methods.

    Minimises, with :math:`S = \sum_i s_i` the sum of sample weights,

    .. math::

        \frac{1}{S} \sum_{i=1}^n s_i \operatorname{logloss}_i + \frac{\alpha}{2} \lVert W \rVert_2^2,

    with the sigmoid link for two classes (``coef_`` of shape (1, d)) and the
    softmax (multinomial) link for three or more (``coef_`` of shape (K, d)).
    The minimiser is that of ``LogisticRegression(C=1 / (S * alpha))``: same
    ``coef_``, ``intercept_`` and ``predict_proba``. The intercept is never
    penalised. Labels may be of any type (strings, integers).

    Parameters
    ----------
    alpha : float, default=1e-4
        L2 penalty strength. ``alpha=0`` is unpenalised (no minimiser exists on
        separable data: the coefficients then grow until ``max_iter``).
"""
        + _COMMON_PARAMETERS_DOC
        + r"""
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int
    loss_curve_ : list of float
        The objective above after each iteration (or epoch).
    learning_rate_ : float
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skgd import GDLogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), GDLogisticRegression(solver="newton"))
    >>> round(clf.fit(X, y).score(X, y), 2)
    0.97
    """
    )

    __init__ = init_with_defaults(GDModelMixin.__init__, alpha=1e-4)

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
        return L2Penalty(self.alpha)

    def _store_coefficients(self, coef, intercept):
        self.coef_ = coef
        self.intercept_ = intercept

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight)

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
