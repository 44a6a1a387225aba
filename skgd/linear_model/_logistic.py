"""Logistic regression (binary sigmoid, multinomial softmax) by gradient methods."""

from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._sklearn_compat import (
    LinearClassifierMixin,
    StrOptions,
    compute_class_weight,
)
from ..objective import ElasticNetPenalty, L2Penalty, LogisticLoss, MultinomialLoss
from ..objective.chunked import blockwise_for_dask
from ..objective.namespace import expit, namespace, softmax
from ._base import GDModelMixin, _streams, estimator_dataclass, estimator_doc


@estimator_dataclass
class GDLogisticRegression(GDModelMixin, LinearClassifierMixin, BaseEstimator):
    __doc__ = estimator_doc(
        r"""Logistic regression fitted by gradient methods.

    Minimises, with :math:`S = \sum_i s_i` the sum of sample weights (times
    the class weights, see ``class_weight``),

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
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, which multiply ``sample_weight`` exactly as in
        :class:`~sklearn.linear_model.LogisticRegression`: a dict label -> weight (classes not in it weigh
        1; a label that is not in ``y`` is refused), or "balanced" for
        ``n_samples / (n_classes * np.bincount(y))``, the counts weighted by
        ``sample_weight`` when given. The :math:`s_i` of the formula are then
        ``sample_weight[i] * class_weight[y[i]]`` and :math:`S` their sum, and
        the minimiser is that of ``LogisticRegression(C=1/(S*alpha),
        class_weight=class_weight)``. "balanced" leaves :math:`S` unchanged (the
        sum of ``sample_weight``); a dict in general changes it. Multiplying
        every class weight by one factor changes nothing here (the weights are
        normalised by :math:`S`), while in :class:`~sklearn.linear_model.LogisticRegression` at fixed ``C``
        it strengthens the data term by that factor.
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
    class_weight: dict | str | None = None

    _parameter_constraints: ClassVar[dict] = {
        **GDModelMixin._parameter_constraints,
        "l1_ratio": GDModelMixin._l1_ratio_constraint,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def _weighted_samples(self, y, sample_weight):
        """``sample_weight`` times the weight of each sample's class (a new array),
        as ``LogisticRegression``: ``compute_class_weight`` on the validated y
        (with partial_fit, the declared classes: a chunk may miss some)."""
        if self.class_weight is None:
            return sample_weight
        check_classification_targets(y)
        streamed = getattr(self, "_partial_target", None)
        if streamed is not None:
            classes, encoded = streamed, np.searchsorted(streamed, y)
        else:
            classes, encoded = np.unique(y, return_inverse=True)
        if isinstance(self.class_weight, dict):
            # (LogisticRegression ignores a key that matches no class when every
            # class has one; a typo or a stale label would then pass unseen)
            known = [_class_weight_key(c) for c in classes]
            unknown = [key for key in self.class_weight if key not in known]
            if unknown:
                raise ValueError(
                    f"The labels {unknown} of class_weight are not classes of y; "
                    f"the classes are {known}."
                )
            negative = [key for key, w in self.class_weight.items() if not w >= 0]
            if negative:
                raise ValueError(
                    f"class_weight must be non-negative; got {self.class_weight}."
                )
        weights = compute_class_weight(
            self.class_weight, classes=classes, y=y, sample_weight=sample_weight
        )
        return sample_weight * np.asarray(weights, dtype=sample_weight.dtype)[encoded]

    def _make_loss_and_target(self, y, sample_weight):
        check_classification_targets(y)
        streamed = getattr(self, "_partial_target", None)
        if streamed is not None:  # partial_fit: the classes of the first call
            classes = streamed
            encoded = np.searchsorted(classes, y)
            return self._encoded_target(classes, encoded)
        classes, encoded = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {classes[0]!r}."
            )
        weighted = np.unique(encoded[sample_weight > 0])
        if weighted.size < 2:
            raise ValueError(
                "Only one class has a positive sample_weight (times class_weight): "
                "a classifier needs at least 2 classes with positive weight."
            )
        return self._encoded_target(classes, encoded)

    @staticmethod
    def _encoded_target(classes, encoded):
        if classes.size == 2:
            return LogisticLoss(), (encoded == 1).reshape(-1, 1), {"classes_": classes}
        one_hot = np.zeros((encoded.size, classes.size))
        one_hot[np.arange(encoded.size), encoded] = 1.0
        return MultinomialLoss(), one_hot, {"classes_": classes}

    @available_if(_streams)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One pass over the given rows, continuing the previous calls.

        As :meth:`skgd.GDLinearRegression.partial_fit`; ``classes`` (every label the
        stream will contain) is required on the first call, as for
        :class:`~sklearn.linear_model.SGDClassifier`: a chunk need not contain every class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def _check_partial_target(self, y, classes):
        known = getattr(self, "_partial_target", None)
        if known is None and hasattr(self, "classes_"):
            known = self.classes_  # partial_fit after fit continues that fit
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if known is not None and not np.array_equal(classes, known):
                raise ValueError(
                    f"classes={classes.tolist()} differs from the classes of the "
                    f"first partial_fit call, {known.tolist()}."
                )
            if classes.size < 2:
                raise ValueError("classes must hold at least 2 labels.")
        elif known is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: the "
                "labels every later chunk may contain (a chunk may miss some)."
            )
        labels = classes if classes is not None else known
        unknown = np.setdiff1d(np.unique(y), labels)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} not in classes "
                f"{labels.tolist()} (given to the first partial_fit call)."
            )
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' needs the class counts of the whole "
                "data, which partial_fit never sees: pass a dict of weights."
            )
        self._partial_target = labels

    def _make_penalty(self):
        if self.l1_ratio == 0:
            return L2Penalty(self.alpha)
        return ElasticNetPenalty(self.alpha, self.l1_ratio)

    def _shape_coefficients(self, coef, intercept):
        return coef, intercept  # (1, d) or (K, d), and (1,) or (K,), as sklearn

    @blockwise_for_dask
    def decision_function(self, X):
        """Raw scores ``X @ coef_.T + intercept_``: shape (n,) for two classes."""
        scores = self._decision(X)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    @blockwise_for_dask
    def predict(self, X):
        """Class labels (the largest score's class), shape (n_samples,)."""
        return super().predict(X)

    @blockwise_for_dask
    def predict_proba(self, X):
        """Class probabilities (sigmoid or softmax of the scores), shape (n, n_classes)."""
        check_is_fitted(self)
        scores = self.decision_function(X)
        xp = namespace(scores)  # NumPy, or X's namespace on its device
        if scores.ndim == 1:
            positive = expit(scores)
            return xp.stack([1.0 - positive, positive], axis=1)
        return softmax(scores)

    @blockwise_for_dask
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        proba = self.predict_proba(X)
        return namespace(proba).log(proba)


def _class_weight_key(label):
    """A class label as ``compute_class_weight`` looks it up in a dict: the int
    (1.0 and np.int64(1) are the key 1), else the string."""
    try:
        return int(label)
    except (TypeError, ValueError):
        return str(label)
