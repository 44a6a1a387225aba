"""Each solver name is its textbook algorithm, iterate for iterate.

With a constant learning rate, full batch and no intercept, the k-th iterate
of every stepped rule equals the course notes' recurrence (torch.optim's
SGD(momentum, dampening=momentum) but for torch's first momentum step,
Adagrad, RMSprop, Adam and AdamW), written here with plain numpy from the
notes' formulas (shared/seeds 000, §7). Nothing from skgd but the fitted
``coef_`` is used.
"""

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

from skgd import GDLinearRegression, GDLogisticRegression

N_ITERATES = 15
ALPHA = 0.05


def _least_squares_gradient(X, y):
    n = len(y)
    return lambda w: X.T @ (X @ w - y) / n + ALPHA * w


def _logistic_gradient(X, y):
    n = len(y)
    return lambda w: X.T @ (expit(X @ w) - y) / n + ALPHA * w


def gd(grad, w, lr, k):
    for _ in range(k):
        w = w - lr * grad(w)
    return w


def momentum(grad, w, lr, k, beta=0.9):
    v = np.zeros_like(w)
    for _ in range(k):
        v = beta * v + (1 - beta) * grad(w)
        w = w - lr * v
    return w


def nesterov(grad, w, lr, k, beta=0.9):
    v = np.zeros_like(w)
    for _ in range(k):
        v = beta * v + (1 - beta) * grad(w - lr * beta * v)
        w = w - lr * v
    return w


def adagrad(grad, w, lr, k, eps=1e-8):
    G = np.zeros_like(w)
    for _ in range(k):
        g = grad(w)
        G = G + g * g
        w = w - lr * g / (np.sqrt(G) + eps)
    return w


def rmsprop(grad, w, lr, k, rho=0.9, eps=1e-8):
    E = np.zeros_like(w)
    for _ in range(k):
        g = grad(w)
        E = rho * E + (1 - rho) * g * g
        w = w - lr * g / (np.sqrt(E) + eps)
    return w


def adam(grad, w, lr, k, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0):
    """The notes' ``adam_step`` skeleton (decoupled decay first, as AdamW)."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, k + 1):
        g = grad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat, vhat = m / (1 - b1**t), v / (1 - b2**t)
        if weight_decay > 0:
            w = w - lr * weight_decay * w
        w = w - lr * (mhat / (np.sqrt(vhat) + eps))
    return w


def adamw(grad, w, lr, k):
    return adam(grad, w, lr, k, weight_decay=0.3)


RECURRENCES = {
    "gd": (gd, {}),
    "momentum": (momentum, {}),
    "nesterov": (nesterov, {}),
    "adagrad": (adagrad, {}),
    "rmsprop": (rmsprop, {}),
    "adam": (adam, {}),
    "adamw": (adamw, {"weight_decay": 0.3}),
}


def _problem(kind):
    rng = np.random.RandomState(3)
    X = rng.normal(size=(40, 3)) * np.array([1.0, 2.0, 0.5])
    if kind == "least_squares":
        y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=40)
        return GDLinearRegression, X, y, _least_squares_gradient(X, y)
    y = (X @ np.array([1.0, -1.0, 2.0]) + rng.normal(size=40) > 0).astype(float)
    return GDLogisticRegression, X, y, _logistic_gradient(X, y)


@pytest.mark.parametrize("kind", ["least_squares", "logistic"])
@pytest.mark.parametrize("solver", sorted(RECURRENCES))
@pytest.mark.parametrize("learning_rate", [0.01, 0.2])
def test_first_iterates_are_the_notes_recurrence(kind, solver, learning_rate):
    Estimator, X, y, grad = _problem(kind)
    recurrence, params = RECURRENCES[solver]
    for k in range(1, N_ITERATES + 1):
        estimator = Estimator(
            solver=solver,
            learning_rate=learning_rate,
            max_iter=k,
            tol=0.0,  # a fixed budget: exactly k iterations
            alpha=ALPHA,
            fit_intercept=False,
            **params,
        ).fit(X, y)
        expected = recurrence(grad, np.zeros(X.shape[1]), learning_rate, k)
        np.testing.assert_allclose(
            np.ravel(estimator.coef_), expected, rtol=1e-9, atol=1e-12
        )
        assert estimator.n_iter_ == k


@pytest.mark.parametrize("solver", ["adam", "adamw", "rmsprop", "momentum", "nesterov"])
def test_safeguards_are_off_by_default(solver):
    """AMSGrad and restarts are named options, never hidden in the name."""
    params = GDLinearRegression(solver=solver).get_params()
    assert params["amsgrad"] is False
    assert params["restart"] is False


def test_amsgrad_is_the_running_maximum_of_the_second_moment():
    Estimator, X, y, grad = _problem("least_squares")
    lr, b1, b2, eps = 0.2, 0.9, 0.999, 1e-8
    w = np.zeros(3)
    m, v, v_max = np.zeros(3), np.zeros(3), np.zeros(3)
    for t in range(1, N_ITERATES + 1):
        g = grad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = np.maximum(v_max, v / (1 - b2**t))  # torch's amsgrad=True
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v_max) + eps)
    fitted = Estimator(
        solver="adam",
        amsgrad=True,
        learning_rate=lr,
        max_iter=N_ITERATES,
        tol=0.0,
        alpha=ALPHA,
        fit_intercept=False,
    ).fit(X, y)
    np.testing.assert_allclose(fitted.coef_, w, rtol=1e-9)
    plain = Estimator(
        solver="adam",
        learning_rate=lr,
        max_iter=N_ITERATES,
        tol=0.0,
        alpha=ALPHA,
        fit_intercept=False,
    ).fit(X, y)
    assert not np.allclose(plain.coef_, w, rtol=1e-6)


def test_the_schedule_is_visible_and_can_be_turned_off():
    """RMSProp at a constant rate cycles around the minimiser (its step tends to
    lr * sign(g)): with the default adaptive schedule the decays that make it
    converge show in learning_rate_curve_; with "constant" the textbook step is
    kept and the fit says it did not converge."""
    Estimator, X, y, _ = _problem("logistic")
    adaptive = Estimator(solver="rmsprop", learning_rate=1.0, max_iter=300)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        adaptive.fit(X, y)
    assert adaptive.schedule_ == "adaptive" and adaptive.converged_
    assert len(adaptive.learning_rate_curve_) == adaptive.n_iter_
    decays = sorted(set(adaptive.learning_rate_curve_), reverse=True)
    assert decays[0] == 1.0 and len(decays) >= 2
    for a, b in zip(decays, decays[1:], strict=False):
        assert b == pytest.approx(a / 5)
    constant = Estimator(
        solver="rmsprop", learning_rate=1.0, max_iter=300, schedule="constant"
    )
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        constant.fit(X, y)
    assert constant.schedule_ == "constant" and not constant.converged_
    assert set(constant.learning_rate_curve_) == {1.0}
