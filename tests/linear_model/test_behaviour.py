"""What a fit promises: history, monotonicity, warm starts, warnings, output, dtypes."""

import dataclasses
import re
import warnings

import numpy as np
import pytest
from _registry import BUILTIN_SOLVERS as SOLVERS
from scipy.special import log_expit, logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import check_param_validation

import skgd
from skgd import GDLinearRegression, GDLogisticRegression, ProxLasso, UpdateRule
from skgd.solvers import SOLVERS as REGISTRY

# The course notes' worked example: an exact fit y = x . (1, 2) + 3.
NOTES_X = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 3.0]])
NOTES_Y = NOTES_X @ np.array([1.0, 2.0]) + 3.0


def _quietly(estimator, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


def _regression(n_samples=40, n_features=4, seed=0, shift=1.0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features)) + shift
    coef = np.linspace(2.0, -1.0, n_features)
    y = X @ coef + 2.0 + 0.5 * rng.normal(size=n_samples)
    return X, y


def _classification(n_classes, n_samples=60, n_features=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features)) + 0.5
    scores = X @ rng.normal(size=(n_features, n_classes))
    scores += rng.gumbel(size=scores.shape)  # noisy: never separable
    return X, np.argmax(scores, axis=1)


def _weights(n_samples, seed=1):
    return np.random.RandomState(seed).uniform(0.2, 3.0, size=n_samples)


# -- the documented objectives, computed directly ----------------------------------


def objective(estimator, X, y, sample_weight=None):
    """The objective of ``estimator.coef_`` / ``intercept_`` from the docstrings'
    formulas, with plain numpy (nothing from skgd but the fitted attributes)."""
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
    S = s.sum()
    coef = np.asarray(estimator.coef_, dtype=float)
    intercept = np.asarray(estimator.intercept_, dtype=float)
    if isinstance(estimator, GDLogisticRegression):
        scores = X @ coef.T + intercept  # (n, 1) or (n, K)
        classes = estimator.classes_
        if len(classes) == 2:
            t = (y == classes[1]).astype(float)
            z = scores[:, 0]
            logloss = -log_expit(z) * t - log_expit(-z) * (1.0 - t)
        else:
            k = np.searchsorted(classes, y)
            logloss = logsumexp(scores, axis=1) - scores[np.arange(len(y)), k]
        return s @ logloss / S + estimator.alpha / 2 * np.sum(coef**2)
    residual = y - X @ coef - intercept
    data = s @ residual**2 / (2 * S)
    if isinstance(estimator, ProxLasso):
        return data + estimator.alpha * np.sum(np.abs(coef))
    return data + estimator.alpha / 2 * np.sum(coef**2)


CASES = {
    "ridge": (GDLinearRegression, {"alpha": 0.1}, _regression),
    "ols": (GDLinearRegression, {"alpha": 0.0}, _regression),
    "lasso": (ProxLasso, {"alpha": 0.2}, _regression),
    "binary": (GDLogisticRegression, {"alpha": 1e-3}, lambda: _classification(2)),
    "multinomial": (
        GDLogisticRegression,
        {"alpha": 1e-2},
        lambda: _classification(3),
    ),
    "multinomial-unpenalised": (
        GDLogisticRegression,
        {"alpha": 0.0},
        lambda: _classification(3),
    ),
}


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", CASES)
def test_loss_curve_ends_at_the_objective_of_the_returned_coefficients(
    case, solver, fit_intercept
):
    Estimator, params, make_data = CASES[case]
    X, y = make_data()
    sample_weight = _weights(len(y))
    estimator = Estimator(
        solver=solver,
        fit_intercept=fit_intercept,
        max_iter=150,
        random_state=0,
        **params,
    )
    _quietly(estimator, X, y, sample_weight=sample_weight)
    assert 1 <= estimator.n_iter_ <= 150
    assert len(estimator.loss_curve_) == estimator.n_iter_
    assert np.all(np.isfinite(estimator.loss_curve_))
    expected = objective(estimator, X, y, sample_weight)
    np.testing.assert_allclose(estimator.loss_curve_[-1], expected, rtol=1e-10)


@pytest.mark.parametrize("case", CASES)
def test_loss_curve_without_sample_weight_is_the_unweighted_objective(case):
    Estimator, params, make_data = CASES[case]
    X, y = make_data()
    estimator = _quietly(Estimator(solver="lbfgs", **params), X, y)
    np.testing.assert_allclose(
        estimator.loss_curve_[-1], objective(estimator, X, y), rtol=1e-10
    )


# -- gd with learning_rate="auto" (1/L) never goes up --------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", ["ridge", "ols", "lasso", "binary", "multinomial"])
def test_gd_with_auto_step_decreases_the_objective_monotonically(case, weighted, seed):
    Estimator, params, _ = CASES[case]
    if Estimator is GDLogisticRegression:
        X, y = _classification(3 if case == "multinomial" else 2, seed=seed)
    else:
        X, y = _regression(seed=seed, shift=3.0)
        X[:, 0] *= 10.0  # unequal feature scales: L is set by the largest
    sample_weight = _weights(len(y), seed=seed) if weighted else None
    estimator = Estimator(solver="gd", tol=0.0, max_iter=150, **params)
    _quietly(estimator, X, y, sample_weight=sample_weight)
    curve = np.asarray(estimator.loss_curve_)
    assert len(curve) > 10
    rises = np.diff(curve)
    assert np.all(rises <= 1e-12 * np.abs(curve[:-1])), rises.max()


# -- warm start and reproducibility ---------------------------------------------------

WARM_CASES = ["ridge", "lasso", "binary", "multinomial"]


@pytest.mark.parametrize("case", WARM_CASES)
def test_warm_start_continues_where_the_last_fit_stopped(case):
    Estimator, params, make_data = CASES[case]
    X, y = make_data()
    common = {"solver": "gd", "learning_rate": 0.05, "tol": 0.0, **params}
    warm = Estimator(max_iter=5, warm_start=True, **common)
    _quietly(warm, X, y)
    assert warm.n_iter_ == 5
    _quietly(warm, X, y)
    cold = _quietly(Estimator(max_iter=10, **common), X, y)
    assert warm.n_iter_ == 5  # the iterations of the last call
    np.testing.assert_allclose(warm.coef_, cold.coef_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(warm.intercept_, cold.intercept_, rtol=1e-12, atol=1e-14)
    # and the history of the second call continues the first one's
    np.testing.assert_allclose(
        warm.loss_curve_, cold.loss_curve_[5:], rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("case", WARM_CASES)
def test_without_warm_start_refits_start_from_scratch(case):
    Estimator, params, make_data = CASES[case]
    X, y = make_data()
    estimator = Estimator(solver="gd", learning_rate=0.05, max_iter=20, **params)
    first = _quietly(estimator, X, y)
    coef, intercept, curve = (
        first.coef_.copy(),
        np.copy(first.intercept_),
        first.loss_curve_,
    )
    _quietly(estimator, X, y)
    np.testing.assert_array_equal(estimator.coef_, coef)
    np.testing.assert_array_equal(estimator.intercept_, intercept)
    assert estimator.loss_curve_ == curve


def test_warm_start_with_a_new_feature_count_starts_from_scratch():
    X, y = _regression()
    estimator = GDLinearRegression(solver="gd", warm_start=True, tol=1e-8)
    estimator.fit(X, y)
    estimator.fit(X[:, :2], y)
    cold = GDLinearRegression(solver="gd", tol=1e-8).fit(X[:, :2], y)
    assert estimator.coef_.shape == (2,)
    np.testing.assert_allclose(estimator.coef_, cold.coef_, rtol=1e-12)


@pytest.mark.parametrize("Estimator", [GDLinearRegression, GDLogisticRegression])
def test_sgd_is_reproducible_with_a_seed(Estimator):
    X, y = _classification(2) if Estimator is GDLogisticRegression else _regression()
    params = {"solver": "sgd", "batch_size": 8, "max_iter": 20}
    a = _quietly(Estimator(random_state=3, **params), X, y)
    b = _quietly(Estimator(random_state=3, **params), X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    assert a.loss_curve_ == b.loss_curve_
    rng = np.random.RandomState(3)
    c = _quietly(Estimator(random_state=rng, **params), X, y)
    np.testing.assert_array_equal(a.coef_, c.coef_)
    d = _quietly(Estimator(random_state=4, **params), X, y)
    assert not np.allclose(a.coef_, d.coef_, rtol=1e-6, atol=0)


# -- convergence warnings and iteration counts ----------------------------------------


# newton solves least squares in one step: it cannot run out of iterations there
MAX_ITER_CASES = [
    (case, solver)
    for case in ["ridge", "lasso", "binary", "multinomial"]
    for solver in SOLVERS
    if not (solver == "newton" and case in ("ridge", "lasso"))
]


@pytest.mark.parametrize("case, solver", MAX_ITER_CASES)
def test_convergence_warning_when_max_iter_is_reached(case, solver):
    Estimator, params, make_data = CASES[case]
    X, y = make_data()
    estimator = Estimator(
        solver=solver, max_iter=2, tol=1e-12, random_state=0, **params
    )
    with pytest.warns(ConvergenceWarning, match="max_iter") as record:
        estimator.fit(X, y)
    assert estimator.n_iter_ == 2
    message = str(record[0].message)
    assert "Increase max_iter (now 2)" in message
    assert Estimator.__name__ in message
    assert repr(solver) in message


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", ["ridge", "ols", "lasso", "binary"])
def test_no_convergence_warning_when_converged(case, solver):
    Estimator, params, make_data = CASES[case]
    X, y = make_data()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    estimator = Estimator(solver=solver, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        estimator.fit(X, y)
    assert 1 <= estimator.n_iter_ < estimator.max_iter
    assert len(estimator.loss_curve_) == estimator.n_iter_


@pytest.mark.parametrize("solver", ["gd", "rmsprop", "adam"])
def test_convergence_warning_only_when_max_iter_was_reached(solver):
    """A warning that says "did not converge in N iterations ... Increase
    max_iter" must not be raised by a run that stopped before max_iter."""
    estimator = GDLinearRegression(solver=solver, tol=0.0, max_iter=5000)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", ConvergenceWarning)
        estimator.fit(NOTES_X, NOTES_Y)
    warned = [w for w in record if issubclass(w.category, ConvergenceWarning)]
    assert 1 <= estimator.n_iter_ <= 5000
    if warned:
        assert estimator.n_iter_ == 5000, str(warned[0].message)


# -- verbose output -------------------------------------------------------------------

LINE = re.compile(r"\[(\w+)\] (iter|epoch) +(\d+) +objective +(\S+)")


@pytest.mark.parametrize("solver", ["gd", "sgd", "newton", "lbfgs", "adam"])
def test_verbose_zero_prints_nothing(solver, capsys):
    X, y = _regression()
    _quietly(GDLinearRegression(solver=solver, verbose=0), X, y)
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ""


@pytest.mark.parametrize("solver", ["gd", "sgd", "nesterov", "newton", "lbfgs"])
def test_verbose_prints_iteration_and_objective(solver, capsys):
    X, y = _regression()
    estimator = _quietly(
        GDLinearRegression(solver=solver, verbose=1, random_state=0), X, y
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines
    parsed = [LINE.search(line) for line in lines]
    assert all(parsed), lines
    iterations = [int(m.group(3)) for m in parsed]
    assert iterations[0] == 1
    assert iterations[-1] == estimator.n_iter_
    assert all(1 <= i <= estimator.n_iter_ for i in iterations)
    for match, iteration in zip(parsed, iterations, strict=True):
        assert match.group(1) == solver
        np.testing.assert_allclose(
            float(match.group(4)), estimator.loss_curve_[iteration - 1], rtol=1e-7
        )


def test_verbose_output_is_bounded_on_long_runs(capsys):
    X, y = _regression(n_samples=30, n_features=3)
    # a small step: still moving after 5000 iterations
    estimator = GDLinearRegression(
        solver="gd", learning_rate=1e-3, tol=0.0, max_iter=5000, verbose=1
    )
    _quietly(estimator, X, y)
    assert estimator.n_iter_ == 5000
    lines = capsys.readouterr().out.splitlines()
    assert 10 <= len(lines) <= 50
    assert "5000" in lines[-1]


# -- dtypes ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", ["gd", "lbfgs", "newton"])
@pytest.mark.parametrize("case", ["ridge", "lasso", "binary", "multinomial"])
def test_coefficients_keep_the_dtype_of_X(case, solver, dtype):
    Estimator, params, make_data = CASES[case]
    X, y = make_data()
    estimator = _quietly(Estimator(solver=solver, **params), X.astype(dtype), y)
    assert estimator.coef_.dtype == dtype
    assert np.asarray(estimator.intercept_).dtype == dtype
    if Estimator is GDLogisticRegression:
        assert estimator.decision_function(X.astype(dtype)).dtype == dtype
    else:
        assert estimator.predict(X.astype(dtype)).dtype == dtype


def test_integer_X_is_fitted_in_float64():
    X = NOTES_X.astype(np.int64)
    estimator = GDLinearRegression(solver="gd").fit(X, NOTES_Y)
    assert estimator.coef_.dtype == np.float64


# -- output shapes and labels ---------------------------------------------------------


def test_regression_shapes():
    X, y = _regression(n_features=5)
    for Estimator in (GDLinearRegression, ProxLasso):
        estimator = Estimator(alpha=0.01).fit(X, y)
        assert estimator.coef_.shape == (5,)
        assert np.ndim(estimator.intercept_) == 0
        assert isinstance(estimator.intercept_, float)
        assert estimator.predict(X).shape == (len(y),)
        assert estimator.n_features_in_ == 5


def test_binary_classifier_shapes():
    X, y = _classification(2, n_features=5)
    clf = GDLogisticRegression().fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    assert clf.coef_.shape == (1, 5)
    assert clf.intercept_.shape == (1,)
    scores = clf.decision_function(X)
    assert scores.shape == (len(y),)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_array_equal(clf.predict(X), (scores > 0).astype(int))
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    assert clf.score(X, y) > 0.6


def test_multiclass_classifier_shapes():
    X, y = _classification(3, n_features=5)
    clf = GDLogisticRegression(solver="lbfgs").fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.coef_.shape == (3, 5)
    assert clf.intercept_.shape == (3,)
    scores = clf.decision_function(X)
    assert scores.shape == (len(y), 3)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(y), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), scores.argmax(axis=1))
    # scikit-learn's gauge: the intercepts sum to zero
    assert abs(clf.intercept_.sum()) < 1e-10


@pytest.mark.parametrize("n_classes", [2, 3])
def test_string_labels_round_trip(n_classes):
    X, y = _classification(n_classes)
    names = np.array(["setosa", "versicolor", "virginica"])[:n_classes]
    labels = names[y]
    clf = GDLogisticRegression(solver="newton").fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, names)
    predicted = clf.predict(X)
    assert predicted.dtype == labels.dtype
    assert set(predicted) <= set(names)
    numeric = GDLogisticRegression(solver="newton").fit(X, y)
    np.testing.assert_array_equal(predicted, names[numeric.predict(X)])
    np.testing.assert_allclose(clf.coef_, numeric.coef_)


def test_unsorted_labels_give_sorted_classes():
    X, y = _classification(3)
    labels = np.array([30, 10, 20])[y]
    clf = GDLogisticRegression(solver="lbfgs").fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, [10, 20, 30])
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


@pytest.mark.parametrize("solver", ["gd", "sgd", "nesterov", "adam", "newton", "lbfgs"])
@pytest.mark.parametrize("case", ["ridge", "lasso", "binary", "multinomial"])
def test_no_intercept_means_zero_intercept(case, solver):
    Estimator, params, make_data = CASES[case]
    X, y = make_data()
    estimator = _quietly(
        Estimator(solver=solver, fit_intercept=False, random_state=0, **params), X, y
    )
    assert np.all(np.asarray(estimator.intercept_) == 0)
    if Estimator is GDLogisticRegression:
        n_outputs = 1 if case == "binary" else 3
        assert estimator.intercept_.shape == (n_outputs,)
        np.testing.assert_allclose(
            estimator.decision_function(X), np.squeeze(X @ estimator.coef_.T)
        )
    else:
        assert np.ndim(estimator.intercept_) == 0
        np.testing.assert_allclose(estimator.predict(X), X @ estimator.coef_)


# -- user-supplied and registered solvers ---------------------------------------------


class FixedStepDescent(UpdateRule):
    """Plain (proximal) gradient descent with the estimator's learning rate."""

    def init(self, theta, objective):
        return {"steps": 0}

    def step(self, theta, value, grad, state, ctx):
        state["steps"] += 1
        lr = ctx.learning_rate
        return ctx.objective.prox(theta - lr * grad, lr), state


@dataclasses.dataclass
class DampedDescent(UpdateRule):
    """Gradient descent with step ``(1 - momentum) * learning_rate``: its
    ``momentum`` field must be filled from the estimator's parameter."""

    name = "test-damped"
    momentum: float = 0.0

    def step(self, theta, value, grad, state, ctx):
        lr = (1.0 - self.momentum) * ctx.learning_rate
        return ctx.objective.prox(theta - lr * grad, lr), state


def test_update_rule_object_as_solver():
    X, y = _regression()
    estimator = GDLinearRegression(
        solver=FixedStepDescent(), tol=1e-10, max_iter=10_000
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        estimator.fit(X, y)
    assert estimator.n_iter_ < 10_000
    A = np.column_stack([X, np.ones(len(y))])
    solution = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(estimator.coef_, solution[:-1], rtol=1e-8)
    np.testing.assert_allclose(estimator.intercept_, solution[-1], rtol=1e-8)
    # the same algorithm as the built-in gd, iterate for iterate
    builtin = GDLinearRegression(solver="gd", tol=1e-10, max_iter=10_000).fit(X, y)
    assert estimator.n_iter_ == builtin.n_iter_
    np.testing.assert_allclose(estimator.coef_, builtin.coef_, rtol=1e-12)


def test_update_rule_object_works_for_every_estimator():
    X, y = _classification(3)
    clf = _quietly(GDLogisticRegression(solver=FixedStepDescent(), max_iter=50), X, y)
    ref = _quietly(GDLogisticRegression(solver="gd", max_iter=50), X, y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-12)
    X, y = _regression()
    lasso = ProxLasso(solver=FixedStepDescent(), alpha=0.2).fit(X, y)
    ref = ProxLasso(solver="gd", alpha=0.2).fit(X, y)
    np.testing.assert_allclose(lasso.coef_, ref.coef_, rtol=1e-12)


def test_registered_solver_name_is_usable(registered):
    name = registered(FixedStepDescent, "test-fixed-step")
    X, y = _regression()
    estimator = GDLinearRegression(solver=name, tol=1e-10, max_iter=10_000).fit(X, y)
    builtin = GDLinearRegression(solver="gd", tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(estimator.coef_, builtin.coef_, rtol=1e-12)
    check_param_validation("GDLinearRegression", GDLinearRegression(solver=name))
    # once removed, the name is rejected again
    REGISTRY.pop(name)
    with pytest.raises(InvalidParameterError, match="solver"):
        GDLinearRegression(solver=name).fit(X, y)


def test_registered_dataclass_solver_receives_matching_parameters(registered):
    name = registered(DampedDescent, DampedDescent.name)
    X, y = _regression()
    damped = GDLinearRegression(
        solver=name, momentum=0.5, learning_rate=0.02, tol=0.0, max_iter=30
    )
    plain = GDLinearRegression(solver="gd", learning_rate=0.01, tol=0.0, max_iter=30)
    _quietly(damped, X, y)
    _quietly(plain, X, y)
    np.testing.assert_allclose(damped.coef_, plain.coef_, rtol=1e-12)
    np.testing.assert_allclose(damped.loss_curve_, plain.loss_curve_, rtol=1e-12)


def test_register_solver_decorator_uses_the_class_name(registered):
    assert skgd.register_solver(DampedDescent) is DampedDescent
    registered(DampedDescent, DampedDescent.name)  # for the clean-up
    assert REGISTRY[DampedDescent.name] is DampedDescent
    with pytest.raises(ValueError, match="name"):
        skgd.register_solver(FixedStepDescent)


# -- the course notes' worked example ---------------------------------------------------


def test_notes_example_with_defaults():
    estimator = GDLinearRegression(solver="gd")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        estimator.fit(NOTES_X, NOTES_Y)
    np.testing.assert_allclose(estimator.coef_, [1.0, 2.0], atol=1e-3)
    np.testing.assert_allclose(estimator.intercept_, 3.0, atol=1e-3)


def test_notes_example_with_tight_tol():
    estimator = GDLinearRegression(solver="gd", tol=1e-12).fit(NOTES_X, NOTES_Y)
    np.testing.assert_allclose(estimator.coef_, [1.0, 2.0], atol=1e-8)
    np.testing.assert_allclose(estimator.intercept_, 3.0, atol=1e-8)


def test_notes_example_constant_step_has_not_converged():
    estimator = GDLinearRegression(solver="gd", learning_rate=0.01, max_iter=100)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        estimator.fit(NOTES_X, NOTES_Y)
    assert estimator.n_iter_ == 100
    assert estimator.learning_rate_ == 0.01
    assert np.max(np.abs(estimator.coef_ - [1.0, 2.0])) > 0.3
    # but it is going the right way
    assert np.all(np.diff(estimator.loss_curve_) < 0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_notes_example_every_solver(solver):
    estimator = GDLinearRegression(
        solver=solver, tol=1e-12, max_iter=100_000, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        estimator.fit(NOTES_X, NOTES_Y)
    np.testing.assert_allclose(estimator.coef_, [1.0, 2.0], atol=1e-6)
    np.testing.assert_allclose(estimator.intercept_, 3.0, atol=1e-6)


# -- newton's method is invariant to the scale of the features ---------------------------


@pytest.mark.parametrize("Estimator", [GDLinearRegression, GDLogisticRegression])
def test_newton_is_invariant_to_feature_scaling(Estimator):
    """Newton's step is affine invariant: measuring feature 2 in units 1e6 times
    smaller must give the same model (coefficient divided by 1e6), not a
    coefficient silently left at zero."""
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(100, 2))
    y = Z @ np.array([1.0, 2.0]) + 0.5 * rng.normal(size=100)
    if Estimator is GDLogisticRegression:
        y = (y > 0).astype(int)
    scale = np.array([1.0, 1e6])
    params = {"solver": "newton", "alpha": 0.0, "tol": 1e-10, "max_iter": 100}
    reference = Estimator(**params).fit(Z, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        scaled = Estimator(**params).fit(Z * scale, y)
    np.testing.assert_allclose(scaled.coef_ * scale, reference.coef_, rtol=1e-6)
    np.testing.assert_allclose(scaled.intercept_, reference.intercept_, rtol=1e-6)
