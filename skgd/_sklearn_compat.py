"""The only module of skgd that imports private scikit-learn names.

scikit-learn does not promise these names across releases; keeping them in one
place means a rename upstream is a one-line fix here.
"""

import inspect

from sklearn.base import _fit_context
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.utils._array_api import move_to
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.class_weight import compute_class_weight as _compute_class_weight
from sklearn.utils.validation import (
    _check_feature_names,
    _check_sample_weight,
    _check_y,
    validate_data,
)

if "sample_weight" in inspect.signature(_compute_class_weight).parameters:
    compute_class_weight = _compute_class_weight
else:  # older scikit-learn: "balanced" counts samples, not their weights

    def compute_class_weight(class_weight, *, classes, y, sample_weight=None):
        """scikit-learn's, ignoring ``sample_weight`` as this version does."""
        return _compute_class_weight(class_weight, classes=classes, y=y)


try:  # scikit-learn >= 1.9: the callback API (sklearn.callback)
    from sklearn.callback import CallbackSupportMixin

    HAS_CALLBACK_API = True
except ImportError:  # scikit-learn 1.6 - 1.8: no callbacks, nothing to support

    class CallbackSupportMixin:
        """Stand-in for scikit-learn < 1.9, which has no callback API."""

    HAS_CALLBACK_API = False

__all__ = [
    "HAS_CALLBACK_API",
    "CallbackSupportMixin",
    "HasMethods",
    "LinearClassifierMixin",
    "Interval",
    "StrOptions",
    "_check_feature_names",
    "_check_sample_weight",
    "_check_y",
    "_fit_context",
    "compute_class_weight",
    "move_to",
    "validate_data",
    "validate_params",
]
