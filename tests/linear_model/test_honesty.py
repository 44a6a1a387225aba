"""Never silently wrong: one regression test per finding of the honesty issue.

Each test reproduces a case where skgd 0.1 returned a wrong answer without a
word (or crashed, or hung), and checks that the fit is now either right or
says why not.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

import skgd
from skgd import GDLinearRegression, GDLogisticRegression, ProxLasso, UpdateRule
from skgd.diagnostics import objective_for
from skgd.solvers import SOLVERS

ESTIMATORS = [GDLinearRegression, GDLogisticRegression, ProxLasso]
BUILTIN = sorted(n for n, c in SOLVERS.items() if c.__module__.startswith("skgd."))
FIRST_ORDER = [n for n in BUILTIN if not SOLVERS[n].full_batch_only]


def fit_recording(estimator, X, y, **fit_params):
    """Fit; return the ConvergenceWarning messages."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", ConvergenceWarning)
        estimator.fit(X, y, **fit_params)
    return [str(w.message) for w in record if w.category is ConvergenceWarning]


def relative_gap(estimator, X, y, reference, sample_weight=None):
    """(F(fit) - F(reference)) / |F(reference)| on the objective fit minimises."""
    objective = objective_for(estimator, X, y, sample_weight)
    F = objective.value(objective.pack(estimator.coef_, estimator.intercept_))
    F_ref = objective.value(objective.pack(reference.coef_, reference.intercept_))
    return (F - F_ref) / abs(F_ref)


# -- zero-weight rows and minibatch weighting -------------------------------------------
def _zero_weight_outliers():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(1000, 3))
    y = X @ np.array([1.0, 2.0, 3.0])
    y[50:] = 1000.0
    weights = np.r_[np.ones(50), np.zeros(950)]
    return X, y, weights


@pytest.mark.parametrize("solver", ["adam", "sgd", "momentum", "adagrad"])
def test_zero_weight_rows_never_steer_a_minibatch_fit(solver):
    X, y, weights = _zero_weight_outliers()
    model = GDLinearRegression(solver=solver, batch_size=32, random_state=0)
    fit_recording(model, X, y, sample_weight=weights)
    np.testing.assert_allclose(model.coef_, [1.0, 2.0, 3.0], atol=1e-2)


def test_batch_size_one_gives_the_weighted_optimum():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 1))
    first = np.arange(200) < 100
    y = np.where(first, X[:, 0] + 1, -X[:, 0] + 3) + 0.1 * rng.normal(size=200)
    weights = np.where(first, 100.0, 1.0)
    exact = LinearRegression().fit(X, y, sample_weight=weights)
    unweighted = LinearRegression().fit(X, y)
    model = GDLinearRegression(solver="sgd", batch_size=1, random_state=0)
    warned = fit_recording(model, X, y, sample_weight=weights)
    assert not warned
    # the weighted optimum (0.98), far from the unweighted one (-0.1)
    np.testing.assert_allclose(model.coef_, exact.coef_, atol=2e-2)
    assert abs(model.coef_[0] - unweighted.coef_[0]) > 0.5


def test_minibatch_gradient_is_unbiased():
    """The mean of the batch gradients over all batches of one size is the full
    weighted gradient (rows of zero weight never drawn)."""
    rng = np.random.RandomState(1)
    X, y = rng.normal(size=(12, 2)), rng.normal(size=12)
    weights = rng.uniform(0.1, 5.0, size=12)
    weights[[2, 7]] = 0.0
    objective = objective_for(GDLinearRegression(), X, y, weights)
    theta = rng.normal(size=objective.size)
    full = objective.gradient(theta)
    rows = objective.weighted_rows
    assert 2 not in rows and 7 not in rows
    singles = np.mean([objective.gradient(theta, np.array([i])) for i in rows], axis=0)
    np.testing.assert_allclose(singles, full, rtol=1e-12, atol=1e-12)


# -- a stopping rule that one raw column cannot fool --------------------------------------
def _timestamp_data(classification=False):
    rng = np.random.RandomState(0)
    n = 300
    Z = rng.normal(size=(n, 3))
    stamp = 1.7e9 + 1e7 * rng.normal(size=n)  # a unix time column, raw
    X = pd.DataFrame(Z, columns=["a", "b", "c"]).assign(timestamp=stamp)
    signal = Z @ np.array([1.0, 2.0, 3.0]) + 1e-7 * (stamp - 1.7e9)
    if classification:
        return X, (signal + rng.normal(size=n) > 0).astype(int)
    return X, signal + 0.1 * rng.normal(size=n)


@pytest.mark.parametrize("classification", [False, True])
@pytest.mark.parametrize("solver", ["gd", "nesterov", "lbfgs", "adam", "sgd"])
def test_one_raw_column_cannot_make_the_fit_stop_early(solver, classification):
    X, y = _timestamp_data(classification)
    Estimator = GDLogisticRegression if classification else GDLinearRegression
    reference = Estimator(solver="newton", tol=1e-10).fit(X, y)
    model = Estimator(solver=solver, random_state=0)
    warned = fit_recording(model, X, y)
    gap = relative_gap(model, X, y, reference)
    bar = 1e-2 if solver == "sgd" else 1e-4
    if gap > bar:  # wrong: it must say so, naming the culprit
        assert warned, f"{solver}: {gap:.3g} from the optimum, silently"
        assert "'timestamp'" in warned[0] and "StandardScaler" in warned[0]
    assert model.n_iter_ > 1 or not warned


def test_optimality_is_invariant_to_rescaling_and_shifting_a_column():
    """The same model in two parametrisations (one column rescaled by 1e7 and
    shifted by 1.7e9, another scaled by 1e-5) has the same optimality: one raw
    column cannot make the stopping test pass early. (Unpenalised: an L2 or L1
    penalty is itself not invariant to rescaling a column.)"""
    rng = np.random.RandomState(2)
    X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    scale, shift = np.array([1.0, 1e7, 1e-5]), np.array([0.0, 1.7e9, -3.0])
    for Estimator in (GDLinearRegression, GDLogisticRegression):
        target = (y > 0).astype(int) if Estimator is GDLogisticRegression else y
        a = objective_for(Estimator(alpha=0.0), X, target)
        b = objective_for(Estimator(alpha=0.0), X * scale + shift, target)
        coef = rng.normal(size=(a.n_outputs, 3))
        theta_a = a.pack(coef, np.full(a.n_outputs, 0.3))
        theta_b = b.pack(coef / scale, 0.3 - (coef / scale) @ shift)
        np.testing.assert_allclose(
            a.raw_prediction(theta_a), b.raw_prediction(theta_b), rtol=1e-6, atol=1e-6
        )
        Ma = a.optimality(theta_a, a.value_and_grad(theta_a)[1])
        Mb = b.optimality(theta_b, b.value_and_grad(theta_b)[1])
        assert Mb == pytest.approx(Ma, rel=1e-5)


# -- a stall is not convergence -----------------------------------------------------------
def _standardized_diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize(
    "solver, learning_rate, batch_size",
    [("adam", 1e-6, 32), ("adagrad", 1e-6, 32), ("sgd", 1e-12, None)],
)
def test_a_tiny_learning_rate_is_reported_not_converged(
    solver, learning_rate, batch_size
):
    X, y = _standardized_diabetes()
    model = GDLinearRegression(
        solver=solver, learning_rate=learning_rate, batch_size=batch_size,
        random_state=0,
    )  # fmt: skip
    warned = fit_recording(model, X, y)
    assert model.converged_ is False
    assert len(warned) == 1
    assert "barely moved" in warned[0] and "too small" in warned[0]


def test_full_batch_tiny_learning_rate_says_too_small():
    X, y = _standardized_diabetes()
    model = GDLinearRegression(solver="gd", learning_rate=1e-12, max_iter=50)
    warned = fit_recording(model, X, y)
    assert warned and "too small" in warned[0]


def test_default_sgd_on_diabetes_is_close_or_says_so():
    X, y = _standardized_diabetes()
    exact = LinearRegression().fit(X, y)
    model = GDLinearRegression(solver="sgd", random_state=0)
    warned = fit_recording(model, X, y)
    gap = relative_gap(model, X, y, exact)
    assert gap < 1e-2 or warned
    if not warned:
        assert model.converged_


# -- minimum-norm least squares -----------------------------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", ["gd", "momentum", "nesterov", "lbfgs", "newton"])
def test_collinear_columns_give_the_pinv_solution(solver, fit_intercept):
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(60, 2))
    X = np.c_[Z, Z[:, 0] + Z[:, 1]]  # rank 2
    y = Z @ np.array([1.0, 2.0]) + 1.0 + 0.1 * rng.normal(size=60)
    if fit_intercept:
        pinv = np.linalg.pinv(X - X.mean(axis=0)) @ (y - y.mean())
    else:
        pinv = np.linalg.pinv(X) @ y
    # (tol=1e-7: lbfgs's line search cannot resolve F much further in float64)
    model = GDLinearRegression(
        solver=solver, fit_intercept=fit_intercept, tol=1e-7, max_iter=20_000
    )
    assert not fit_recording(model, X, y)
    np.testing.assert_allclose(model.coef_, pinv, atol=1e-5)


# -- crashes and hangs --------------------------------------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("container", ["dense", "csr-no-stored-values"])
@pytest.mark.parametrize("solver", BUILTIN)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_all_zero_X_fits_the_null_model(Estimator, solver, container, fit_intercept):
    X = np.zeros((20, 3)) if container == "dense" else sp.csr_matrix((20, 3))
    y = np.arange(20.0)
    if Estimator is GDLogisticRegression:
        y = (y % 3 == 0).astype(int)
    model = Estimator(solver=solver, fit_intercept=fit_intercept, random_state=0)
    assert not fit_recording(model, X, y)
    np.testing.assert_array_equal(model.coef_, 0.0)
    if not fit_intercept:
        np.testing.assert_array_equal(model.intercept_, 0.0)
    elif Estimator is GDLogisticRegression:
        np.testing.assert_allclose(model.intercept_, [np.log(7 / 13)], rtol=1e-6)
    else:
        assert model.intercept_ == pytest.approx(y.mean())


def test_newton_on_wide_float32_logistic_data_returns_promptly():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 300)).astype(np.float32)
    y = (rng.uniform(size=200) < 0.5).astype(int)
    model = GDLogisticRegression(solver="newton", alpha=1.0)
    fit_recording(model, X, y)
    assert model.n_iter_ <= 20 and np.all(np.isfinite(model.coef_))
    exact = GDLogisticRegression(solver="newton", alpha=1.0, tol=1e-10)
    exact.fit(X.astype(np.float64), y)
    np.testing.assert_allclose(model.coef_, exact.coef_, atol=1e-4)


def test_prox_newton_on_wide_float32_lasso_data_returns_promptly():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 300)).astype(np.float32)
    y = rng.normal(size=20)
    model = ProxLasso(solver="newton", alpha=1e-6)
    fit_recording(model, X, y)
    assert model.n_iter_ <= 100 and np.all(np.isfinite(model.coef_))


# -- the update-rule contract -------------------------------------------------------------
class InPlaceDescent:
    """The README's minimal rule: only init and step, and it writes theta in place."""

    def init(self, theta, objective):
        return None

    def step(self, theta, value, grad, state, ctx):
        theta -= ctx.learning_rate * grad
        return theta, state


def test_a_minimal_rule_works_with_every_default():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 4))
    y = X @ np.array([1.0, -2.0, 3.0, 0.5]) + 0.1 * rng.normal(size=100)
    model = GDLinearRegression(solver=InPlaceDescent())  # learning_rate="auto"
    assert not fit_recording(model, X, y)
    exact = LinearRegression().fit(X, y)
    np.testing.assert_allclose(model.coef_, exact.coef_, rtol=1e-4, atol=1e-3)
    assert model.n_iter_ > 1  # not a false fixed point after one step
    assert model.learning_rate_ > 0


def test_a_rule_without_step_is_refused_clearly():
    class NoStep:
        def init(self, theta, objective):
            return None

    with pytest.raises((TypeError, ValueError), match="step"):
        GDLinearRegression(solver=NoStep()).fit(*_standardized_diabetes())


def test_register_solver_never_replaces_a_builtin():
    class Other(UpdateRule):
        def step(self, theta, value, grad, state, ctx):
            return theta - ctx.learning_rate * grad, state

    with pytest.raises(ValueError, match="built-in"):
        skgd.register_solver(Other, name="adam")
    assert SOLVERS["adam"].__module__.startswith("skgd.")
    skgd.register_solver(Other, name="test-honesty-other")
    try:
        with pytest.raises(ValueError, match="overwrite=True"):
            skgd.register_solver(InPlaceDescent, name="test-honesty-other")
        skgd.register_solver(InPlaceDescent, name="test-honesty-other", overwrite=True)
        assert SOLVERS["test-honesty-other"] is InPlaceDescent
    finally:
        SOLVERS.pop("test-honesty-other", None)


# -- honest messages ----------------------------------------------------------------------
def test_lbfgs_stall_does_not_advise_max_iter():
    X, y = _timestamp_data()
    model = GDLinearRegression(solver="lbfgs")
    warned = fit_recording(model, X.astype(np.float32), y)
    if warned:
        assert "L-BFGS-B stopped" in warned[0]
        assert "Increase max_iter" not in warned[0]
        assert "float32" in warned[0] or "StandardScaler" in warned[0]


def test_float32_targets_offset_by_1e8_keep_their_signal():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 3)).astype(np.float32)
    y = X.astype(np.float64) @ np.array([1.0, 2.0, 3.0]) + 1e8
    for solver in ["lbfgs", "gd", "newton"]:
        model = GDLinearRegression(solver=solver)
        assert not fit_recording(model, X, y)
        np.testing.assert_allclose(model.coef_, [1.0, 2.0, 3.0], rtol=1e-3)
        assert model.intercept_ == pytest.approx(1e8, rel=1e-7)


def test_divergence_advice_does_not_repeat_the_current_setting():
    X, y = _standardized_diabetes()
    with pytest.raises(skgd.DivergenceError) as info:
        GDLinearRegression(solver="gd", learning_rate=100.0).fit(X, y)
    assert "learning_rate='auto'" in str(info.value)
    # with the automatic rate already in use, it is not suggested again
    with pytest.raises(skgd.DivergenceError) as info:
        GDLinearRegression(solver="gd", learning_rate=100.0).fit(X * 1e3, y)
    message = str(info.value)
    assert re.search(r"learning_rate=100\b", message)


def test_readme_usage_example_runs_without_warnings():
    with open(__file__.split("/tests/")[0] + "/README.md") as file:
        readme = file.read()
    code = re.search(r"## Use\n\n```python\n(.*?)```", readme, re.S).group(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(compile(code, "README.md", "exec"), {})


def test_breast_cancer_adam_defaults_converge_or_warn():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    exact = GDLogisticRegression(solver="newton", tol=1e-10).fit(X, y)
    for solver in FIRST_ORDER:
        model = GDLogisticRegression(solver=solver, random_state=0)
        warned = fit_recording(model, X, y)
        bar = 1e-2 if SOLVERS[solver].stochastic else 1e-4
        assert relative_gap(model, X, y, exact) < bar or warned, solver
