"""class_weight on GDLogisticRegression: the weights of LogisticRegression.

Class weights multiply the sample weights before the objective sees them, as
in scikit-learn. ``LogisticRegression`` minimises
``C * sum_i s_i loss_i + penalty`` with ``s_i = sample_weight_i *
class_weight[y_i]`` (its lbfgs / newton solvers divide by ``S = sum_i s_i``
*after* the class weighting), and skgd minimises ``sum_i s_i loss_i / S +
alpha * penalty`` over the same ``s_i``: one minimiser when
``C = 1 / (S * alpha)`` with S the sum of the *effective* weights. "balanced"
keeps S (the sum of sample_weight); a dict changes it, and the test with the
plain sum of sample_weight fails by ~0.3 in coef_.

Measured against ``newton-cholesky`` at tol=1e-12 (alpha=0.05, 150 samples):
newton within 2e-13, gd within 3e-10, lbfgs within 1.2e-8 (coef_ and
intercept_, absolute) at ``tol=1e-10``; asserted 1e-5.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_class_weight

from skgd import GDLogisticRegression
from skgd.diagnostics import objective_for

ALPHA = 0.05
N_SAMPLES = 150
TIGHT = {"tol": 1e-10, "max_iter": 20_000}
DICTS = {2: {0: 2.0, 1: 0.5}, 3: {0: 2.0, 2: 5.0}}  # class 1 of 3 keeps weight 1


def _data(n_classes):
    X, y = make_classification(
        n_samples=N_SAMPLES, n_features=5, n_informative=3, n_redundant=0,
        n_classes=n_classes, n_clusters_per_class=1, random_state=0,
        weights=[0.7, 0.3] if n_classes == 2 else [0.6, 0.3, 0.1],
    )  # fmt: skip
    return StandardScaler().fit_transform(X) + 0.5, y


def _weights(weighted):
    if not weighted:
        return None
    return np.random.RandomState(1).uniform(0.2, 3.0, size=N_SAMPLES)


def _effective_weight_sum(class_weight, y, sample_weight):
    """S = sum_i sample_weight_i * class_weight[y_i], computed by scikit-learn."""
    base = np.ones(len(y)) if sample_weight is None else sample_weight
    per_class = compute_class_weight(
        class_weight, classes=np.unique(y), y=y, sample_weight=sample_weight
    )
    return float(base @ per_class[np.searchsorted(np.unique(y), y)])


def _reference(class_weight, X, y, sample_weight):
    S = _effective_weight_sum(class_weight, y, sample_weight)
    ref = LogisticRegression(
        C=1.0 / (S * ALPHA), class_weight=class_weight, solver="newton-cholesky",
        tol=1e-12, max_iter=1000,
    )  # fmt: skip
    return ref.fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("kind", ["balanced", "dict"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["newton", "lbfgs", "gd"])
def test_matches_logistic_regression_with_the_same_class_weight(
    solver, n_classes, kind, weighted
):
    X, y = _data(n_classes)
    sw = _weights(weighted)
    class_weight = "balanced" if kind == "balanced" else DICTS[n_classes]
    ref = _reference(class_weight, X, y, sw)
    est = GDLogisticRegression(
        solver=solver, alpha=ALPHA, class_weight=class_weight, **TIGHT
    ).fit(X, y, sample_weight=sw)
    assert est.converged_
    assert est.coef_.shape == ref.coef_.shape
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=0, atol=1e-5)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=0, atol=1e-5)
    np.testing.assert_allclose(est.predict_proba(X), ref.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_the_penalty_scale_is_the_effective_weight_sum(n_classes):
    X, y = _data(n_classes)
    sw = _weights(True)
    # "balanced" keeps the sum of the sample weights; this dict does not
    S_balanced = _effective_weight_sum("balanced", y, sw)
    assert S_balanced == pytest.approx(sw.sum(), rel=1e-12)
    S_dict = _effective_weight_sum(DICTS[n_classes], y, sw)
    assert abs(S_dict - sw.sum()) > 0.2 * sw.sum()
    est = GDLogisticRegression(
        solver="newton", alpha=ALPHA, class_weight=DICTS[n_classes], **TIGHT
    ).fit(X, y, sample_weight=sw)
    wrong = LogisticRegression(
        C=1.0 / (sw.sum() * ALPHA), class_weight=DICTS[n_classes],
        solver="newton-cholesky", tol=1e-12,
    ).fit(X, y, sample_weight=sw)  # fmt: skip
    assert np.max(np.abs(est.coef_ - wrong.coef_)) > 1e-2


@pytest.mark.parametrize("class_weight", ["balanced", {0: 2.0, 1: 0.5}])
def test_equals_multiplying_the_sample_weights(class_weight):
    X, y = _data(2)
    sw = _weights(True)
    sw_before = sw.copy()
    per_class = compute_class_weight(
        class_weight, classes=np.array([0, 1]), y=y, sample_weight=sw
    )
    weighted = GDLogisticRegression(solver="newton", class_weight=class_weight, **TIGHT)
    weighted.fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(sw, sw_before)  # the caller's array is untouched
    manual = GDLogisticRegression(solver="newton", **TIGHT)
    manual.fit(X, y, sample_weight=sw * per_class[y])
    np.testing.assert_allclose(weighted.coef_, manual.coef_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(weighted.intercept_, manual.intercept_, atol=1e-13)
    # one factor on every class weight changes nothing (weights are normalised)
    if isinstance(class_weight, dict):
        doubled = {label: 2 * w for label, w in class_weight.items()}
        scaled = GDLogisticRegression(solver="newton", class_weight=doubled, **TIGHT)
        scaled.fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(scaled.coef_, weighted.coef_, rtol=1e-10)


def test_string_labels_and_a_partial_dict():
    X, y = _data(3)
    labels = np.array(["ham", "spam", "eggs"])[y]
    class_weight = {"ham": 2.0, "eggs": 5.0}  # "spam" keeps weight 1
    est = GDLogisticRegression(solver="newton", alpha=ALPHA, class_weight=class_weight)
    est.set_params(**TIGHT).fit(X, labels)
    ref = _reference(class_weight, X, labels, None)
    np.testing.assert_array_equal(est.classes_, ref.classes_)
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=1e-8)


def test_class_weight_is_a_parameter():
    est = GDLogisticRegression(class_weight="balanced")
    assert est.get_params()["class_weight"] == "balanced"
    X, y = _data(2)
    with pytest.raises(InvalidParameterError, match="class_weight"):
        GDLogisticRegression(class_weight="auto").fit(X, y)
    with pytest.raises(InvalidParameterError, match="class_weight"):
        GDLogisticRegression(class_weight=[1.0, 2.0]).fit(X, y)


@pytest.mark.parametrize(
    ("class_weight", "message"),
    [
        ({0: 1.0, 1: 2.0, 5: 3.0}, r"labels \[5\] of class_weight are not classes"),
        ({"0": 1.0}, r"labels \['0'\] of class_weight are not classes"),
        ({0: -1.0}, "class_weight must be non-negative"),
        ({0: 0.0}, "Only one class has a positive sample_weight"),
    ],
)
def test_bad_class_weight_dicts_are_refused(class_weight, message):
    X, y = _data(2)
    est = GDLogisticRegression(class_weight=class_weight)
    with pytest.raises(ValueError, match=message):
        est.fit(X, y)
    assert not hasattr(est, "coef_")


def test_a_dict_missing_a_class_with_a_wrong_label_is_refused_as_sklearn_does():
    X, y = _data(3)
    # scikit-learn's own error when some classes are missing and a key is unknown
    with pytest.raises(ValueError, match="not in class_weight"):
        LogisticRegression(class_weight={0: 2.0, 7: 1.0}).fit(X, y)
    with pytest.raises(ValueError, match="not classes of y"):
        GDLogisticRegression(class_weight={0: 2.0, 7: 1.0}).fit(X, y)


def test_objective_for_includes_the_class_weights():
    X, y = _data(3)
    sw = _weights(True)
    est = GDLogisticRegression(solver="newton", alpha=ALPHA, class_weight="balanced")
    est.set_params(**TIGHT).fit(X, y, sample_weight=sw)
    objective = objective_for(est, X, y, sw)
    theta = objective.pack(est.coef_, est.intercept_)
    assert objective.value(theta) == pytest.approx(est.loss_curve_[-1], rel=1e-12)
