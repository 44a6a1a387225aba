"""check_gradient (finite differences, notes §10.2) and lr_find (the LR range test, §12)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import (
    GDLinearRegression,
    GDLogisticRegression,
    ProxLasso,
    check_gradient,
    lr_find,
)
from skgd.diagnostics import LRFinderResult, objective_for

rng = np.random.default_rng(0)
X_SMALL = rng.standard_normal((60, 5)) * [1.0, 3.0, 0.5, 10.0, 1.0] + [0, 5, 0, -2, 1]
Y_REGRESSION = X_SMALL @ rng.standard_normal(5) + rng.standard_normal(60)
Y_BINARY = np.greater(Y_REGRESSION, np.median(Y_REGRESSION)).astype(int)
Y_MULTICLASS = np.digitize(Y_REGRESSION, np.quantile(Y_REGRESSION, [0.33, 0.66]))
WEIGHTS = rng.uniform(0.0, 3.0, size=60)

ESTIMATORS = {
    "least squares": (GDLinearRegression(), Y_REGRESSION),
    "ridge": (GDLinearRegression(alpha=0.3), Y_REGRESSION),
    "lasso": (ProxLasso(alpha=0.5), Y_REGRESSION),
    "logistic": (GDLogisticRegression(alpha=1e-3), Y_BINARY),
    "multinomial": (GDLogisticRegression(alpha=1e-2), Y_MULTICLASS),
    "multinomial unpenalised": (GDLogisticRegression(alpha=0.0), Y_MULTICLASS),
}


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "fit_intercept", [True, False], ids=["intercept", "no-intercept"]
)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_every_objective_has_a_correct_gradient(name, fit_intercept, weighted, sparse):
    estimator, y = ESTIMATORS[name]
    estimator = estimator.set_params(fit_intercept=fit_intercept)
    X = sp.csr_matrix(X_SMALL) if sparse else X_SMALL
    weights = WEIGHTS if weighted else None
    for seed in range(3):  # three generic points
        error = check_gradient(
            estimator, X, y, sample_weight=weights, random_state=seed
        )
        assert error < 1e-6, (name, seed, error)


def test_on_bundled_data_the_error_is_at_rounding_level():
    X, y = load_breast_cancer(return_X_y=True)
    assert check_gradient(GDLogisticRegression(), X, y) < 1e-6
    X, y = load_diabetes(return_X_y=True)
    assert check_gradient(ProxLasso(alpha=2.0), X, y) < 1e-6


def test_an_objective_object_and_random_directions():
    objective = objective_for(GDLogisticRegression(), X_SMALL, Y_MULTICLASS)
    assert check_gradient(objective) < 1e-6
    assert check_gradient(objective, n_directions=7) < 1e-6
    theta = objective.initial_theta() + 0.3
    assert check_gradient(objective, theta=theta) < 1e-6


def test_the_notes_quadratic_as_a_pair_of_functions():
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    b = np.array([-1.0, 2.0])

    def f(w):
        return 0.5 * w @ A @ w + b @ w

    theta = np.array([2.0, -3.0])
    assert check_gradient((f, lambda w: A @ w + b), theta=theta) < 1e-9
    assert check_gradient((f, lambda w: A @ w), theta=theta) > 0.1  # forgot b
    with pytest.raises(ValueError, match="theta is required"):
        check_gradient((f, lambda w: A @ w + b))


class _Wrong:
    """An objective whose gradient has a deliberate mistake."""

    def __init__(self, objective, mistake):
        self.objective, self.mistake, self.size = objective, mistake, objective.size

    def value(self, theta):
        return self.objective.value(theta)

    def gradient(self, theta):
        grad = self.objective.gradient(theta)
        if self.mistake == "factor 2":  # the MSE's 2/n where 1/(2n) is minimised
            return 2 * grad
        if self.mistake == "sign":
            return -grad
        if self.mistake == "no intercept centring":  # drop the -xbar (1^T r) term
            grad = grad.copy()
            W, c = self.objective.split(grad)
            W += np.outer(self.objective.x_mean, c)
            return grad
        if self.mistake == "one coordinate":
            grad = grad.copy()
            grad[1] += 1e-2 * np.abs(grad).max()
            return grad
        raise AssertionError(self.mistake)


@pytest.mark.parametrize(
    "mistake", ["factor 2", "sign", "no intercept centring", "one coordinate"]
)
def test_a_wrong_gradient_gives_a_large_error(mistake):
    objective = objective_for(GDLinearRegression(), X_SMALL, Y_REGRESSION)
    wrong = _Wrong(objective, mistake)
    error = check_gradient(wrong, theta=objective.initial_theta() + 0.1)
    assert error > 1e-3, (mistake, error)
    assert check_gradient(objective, theta=objective.initial_theta() + 0.1) < 1e-8


def test_check_gradient_rejects_what_it_cannot_check():
    with pytest.raises(TypeError, match="check_gradient expects"):
        check_gradient(42)
    with pytest.raises(ValueError, match="X and y are needed"):
        check_gradient(GDLinearRegression())


@pytest.mark.parametrize("name", ["least squares", "lasso", "logistic", "multinomial"])
def test_objective_for_is_what_fit_minimises(name):
    estimator, y = ESTIMATORS[name]
    model = estimator.set_params(fit_intercept=True, solver="newton")
    model.fit(X_SMALL, y, sample_weight=WEIGHTS)
    objective = objective_for(model, X_SMALL, y, WEIGHTS)
    value = objective.value(objective.pack(model.coef_, model.intercept_))
    assert value == pytest.approx(model.loss_curve_[-1], rel=1e-10)


# -- lr_find --------------------------------------------------------------------------------
def _standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize(
    ("loader", "make", "exact"),
    [
        (
            load_diabetes,
            lambda: GDLinearRegression(solver="sgd", random_state=0),
            lambda: GDLinearRegression(solver="newton"),
        ),
        (
            load_breast_cancer,
            lambda: GDLogisticRegression(solver="sgd", alpha=1e-2, random_state=0),
            lambda: GDLogisticRegression(solver="newton", alpha=1e-2, tol=1e-12),
        ),
    ],
    ids=["diabetes", "breast_cancer"],
)
def test_lr_find_suggests_a_rate_at_which_sgd_converges(loader, make, exact):
    X, y = _standardized(loader)
    result = lr_find(make(), X, y)
    assert isinstance(result, LRFinderResult)
    assert result.diverged  # the range reached the blow-up
    assert result.settings["stochastic"] and result.settings["batch_size"] == 32
    assert result.suggestion == pytest.approx(result.lr_min_loss / 10)
    # the loss fell from the start to its minimum, and the suggestion is below it
    assert result.smoothed.min() < 0.8 * result.initial_loss
    assert result.suggestion < result.lr_min_loss < result.learning_rates[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = make().set_params(learning_rate=result.suggestion).fit(X, y)
    assert np.all(np.isfinite(model.coef_))
    reference = exact().fit(X, y)
    objective = objective_for(model, X, y)
    F = objective.value(objective.pack(model.coef_, model.intercept_))
    F_star = objective.value(objective.pack(reference.coef_, reference.intercept_))
    assert 0 <= (F - F_star) / F_star < 1e-2


def test_lr_find_accepts_a_pipeline_and_stateful_rules():
    X, y = load_diabetes(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), GDLinearRegression(solver="adam"))
    result = lr_find(pipe, X, y, num_steps=40, max_lr=100.0)
    assert not result.settings["stochastic"]  # adam runs full batch here
    assert len(result.losses) <= 40 and np.isfinite(result.suggestion)
    assert result.smoothed.min() < result.initial_loss
    minibatch = lr_find(pipe, X, y, num_steps=30, batch_size=64)
    assert minibatch.settings["batch_size"] == 64


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_lr_find_refuses_line_search_solvers(solver):
    with pytest.raises(ValueError, match="chooses its own step"):
        lr_find(GDLinearRegression(solver=solver), X_SMALL, Y_REGRESSION)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_lr": 1.0, "max_lr": 0.1}, "min_lr < max_lr"),
        ({"num_steps": 1}, "num_steps"),
    ],
)
def test_lr_find_validates_its_range(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lr_find(GDLinearRegression(solver="sgd"), X_SMALL, Y_REGRESSION, **kwargs)


def test_lr_find_plot(tmp_path):
    pytest.importorskip("matplotlib")
    X, y = _standardized(load_diabetes)
    path = tmp_path / "lr.png"
    result = lr_find(GDLinearRegression(solver="sgd", random_state=0), X, y, plot=path)
    assert path.read_bytes()[:4] == b"\x89PNG"
    ax = result.plot()
    assert ax.get_xscale() == "log"
    assert any("suggestion" in line.get_label() for line in ax.get_lines())
