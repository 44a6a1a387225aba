"""Every solver reaches the optimum of pinv/lstsq, Ridge, LogisticRegression, Lasso.

Parameter mapping (S = sum of sample weights):
GDLinearRegression(alpha=a) == Ridge(alpha=S * a), alpha=0 == lstsq;
GDLogisticRegression(alpha=a) == LogisticRegression(C=1 / (S * a));
ProxLasso(alpha=a) == Lasso(alpha=a).

Tolerances: the issue asks 1e-6 (OLS) and 1e-5 (others) relative on coef_;
measured errors at tol=1e-10 are below 1e-8 for every full-batch solver
(newton ~1e-15 on least squares, lbfgs ~6e-8 on the lasso split), so the
asserted tolerances leave two orders of margin.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from _registry import (
    ESTIMATORS,
    FULL_BATCH_SOLVERS,
    refuses_by_default,
    regression_target,
)
from sklearn.base import is_classifier
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

from skgd import GDLinearRegression, GDLogisticRegression, ProxLasso

ALPHA = 0.05
TIGHT = {"tol": 1e-10, "max_iter": 100_000}

VARIANTS = {
    "intercept": {"fit_intercept": True, "weighted": False, "sparse": False},
    "no-intercept": {"fit_intercept": False, "weighted": False, "sparse": False},
    "weighted": {"fit_intercept": True, "weighted": True, "sparse": False},
    "sparse": {"fit_intercept": True, "weighted": False, "sparse": True},
    "sparse-weighted-no-intercept": {
        "fit_intercept": False,
        "weighted": True,
        "sparse": True,
    },
}


def _regression_data():
    X, y = make_regression(n_samples=120, n_features=6, noise=5.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    # keep a non-zero mean in y so the intercept matters
    return X, y / y.std() + 1.0


def _classification_data(n_classes):
    X, y = make_classification(
        n_samples=150, n_features=5, n_informative=3, n_redundant=0,
        n_classes=n_classes, n_clusters_per_class=1, random_state=0,
    )  # fmt: skip
    return StandardScaler().fit_transform(X) + 0.5, y


def _weights(n, weighted):
    if not weighted:
        return None
    return np.random.RandomState(1).uniform(0.2, 3.0, size=n)


def _prepare(X, variant):
    return sp.csr_matrix(X) if variant["sparse"] else X


def _relative_error(a, b):
    return np.linalg.norm(np.ravel(a) - np.ravel(b)) / np.linalg.norm(np.ravel(b))


def _lstsq(X, y, sw, fit_intercept):
    sw = np.ones(len(y)) if sw is None else sw
    A = np.column_stack([X, np.ones(len(y))]) if fit_intercept else X
    root = np.sqrt(sw)
    solution = np.linalg.lstsq(A * root[:, None], y * root, rcond=None)[0]
    return (solution[:-1], solution[-1]) if fit_intercept else (solution, 0.0)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_ols_matches_lstsq(solver, variant):
    v = VARIANTS[variant]
    X, y = _regression_data()
    sw = _weights(len(y), v["weighted"])
    coef, intercept = _lstsq(X, y, sw, v["fit_intercept"])
    est = GDLinearRegression(
        solver=solver, alpha=0.0, fit_intercept=v["fit_intercept"], **TIGHT
    ).fit(_prepare(X, v), y, sample_weight=sw)
    assert _relative_error(est.coef_, coef) < 1e-6
    assert est.intercept_ == pytest.approx(intercept, abs=1e-6)


def test_ols_matches_pinv_on_the_course_example():
    X = np.array([[1.0, 1], [1, 2], [2, 2], [2, 3]])
    y = X @ np.array([1.0, 2.0]) + 3
    beta = np.linalg.pinv(np.column_stack([X, np.ones(4)])) @ y
    for solver in FULL_BATCH_SOLVERS:
        est = GDLinearRegression(solver=solver, **TIGHT).fit(X, y)
        assert _relative_error(est.coef_, beta[:2]) < 1e-6, solver
        assert est.intercept_ == pytest.approx(beta[2], rel=1e-6), solver


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_ridge_matches_sklearn(solver, variant):
    v = VARIANTS[variant]
    X, y = _regression_data()
    sw = _weights(len(y), v["weighted"])
    S = len(y) if sw is None else sw.sum()
    ref = Ridge(alpha=S * ALPHA, fit_intercept=v["fit_intercept"], tol=1e-14)
    ref.fit(X, y, sample_weight=sw)
    est = GDLinearRegression(
        solver=solver, alpha=ALPHA, fit_intercept=v["fit_intercept"], **TIGHT
    ).fit(_prepare(X, v), y, sample_weight=sw)
    assert _relative_error(est.coef_, ref.coef_) < 1e-5
    assert est.intercept_ == pytest.approx(ref.intercept_, abs=1e-5)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_lasso_matches_sklearn(solver, variant):
    v = VARIANTS[variant]
    X, y = _regression_data()
    sw = _weights(len(y), v["weighted"])
    ref = Lasso(alpha=ALPHA, fit_intercept=v["fit_intercept"], tol=1e-14,
                max_iter=100_000).fit(X, y, sample_weight=sw)  # fmt: skip
    est = ProxLasso(
        solver=solver, alpha=ALPHA, fit_intercept=v["fit_intercept"], **TIGHT
    ).fit(_prepare(X, v), y, sample_weight=sw)
    assert _relative_error(est.coef_, ref.coef_) < 1e-5
    assert est.intercept_ == pytest.approx(ref.intercept_, abs=1e-5)


def test_lasso_sets_exact_zeros_where_sklearn_does():
    X, y = _regression_data()
    alpha = 0.5  # strong enough to zero some coefficients
    ref = Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, y)
    assert np.any(ref.coef_ == 0)
    for solver in ("gd", "nesterov", "newton"):
        est = ProxLasso(solver=solver, alpha=alpha, **TIGHT).fit(X, y)
        np.testing.assert_array_equal(est.coef_ == 0, ref.coef_ == 0)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_logistic_matches_sklearn(solver, variant, n_classes):
    v = VARIANTS[variant]
    X, y = _classification_data(n_classes)
    sw = _weights(len(y), v["weighted"])
    S = len(y) if sw is None else sw.sum()
    ref = LogisticRegression(C=1.0 / (S * ALPHA), fit_intercept=v["fit_intercept"],
                             tol=1e-14, max_iter=100_000).fit(X, y, sample_weight=sw)  # fmt: skip
    est = GDLogisticRegression(
        solver=solver, alpha=ALPHA, fit_intercept=v["fit_intercept"], **TIGHT
    ).fit(_prepare(X, v), y, sample_weight=sw)
    assert est.coef_.shape == ref.coef_.shape
    assert _relative_error(est.coef_, ref.coef_) < 1e-5
    np.testing.assert_allclose(est.intercept_, ref.intercept_, atol=1e-5)
    np.testing.assert_allclose(
        est.predict_proba(_prepare(X, v)), ref.predict_proba(X), atol=1e-6
    )


def _objective_gap(est, reference_value):
    return (est.loss_curve_[-1] - reference_value) / reference_value


STOCHASTIC = [
    ("sgd", {}),
    ("sgd", {"batch_size": 64}),
    ("momentum", {"batch_size": 32}),
    ("nesterov", {"batch_size": 32}),
    ("adagrad", {"batch_size": 32}),
    ("rmsprop", {"batch_size": 32}),
    ("adam", {"batch_size": 32}),
]


@pytest.mark.parametrize(
    "solver, extra", STOCHASTIC, ids=[f"{s}-{e}" for s, e in STOCHASTIC]
)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_stochastic_solvers_reach_the_reference_objective(Estimator, solver, extra):
    if is_classifier(Estimator()):
        X, y = _classification_data(3)
    else:
        X, y = _regression_data()
        y = regression_target(Estimator, y)
    X, y = np.tile(X, (3, 1)), np.tile(y, 3)  # a few batches per epoch
    if refuses_by_default(Estimator, solver):  # a clear refusal, never a fit
        with pytest.raises(ValueError, match="cannot minimise"):
            Estimator(solver=solver, **extra).fit(X, y)
        return
    reference = Estimator(solver="newton", alpha=ALPHA, tol=1e-12).fit(X, y)
    est = Estimator(solver=solver, alpha=ALPHA, tol=1e-6, max_iter=1000,
                    random_state=0, **extra).fit(X, y)  # fmt: skip
    assert 0 <= _objective_gap(est, reference.loss_curve_[-1]) + 1e-12 < 1e-3
