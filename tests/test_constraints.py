"""Constraints by projection: ``positive=True`` and ``max_coef_norm`` (notes §9.2).

A constraint :math:`W \\in C` is the indicator of C added to the penalty's
non-smooth part, so every proximal solver takes the projected step
:math:`\\theta \\leftarrow \\Pi_C(\\theta - \\eta\\nabla F)` (through ``prox``).
Each fit is compared with an independent reference: ``scipy.optimize.nnls``,
scikit-learn's ``positive=True`` estimators, L-BFGS-B with bounds written from
the formula, the exact ridge path for the ball (its secular equation) and the
KKT conditions. Which solvers must support a constraint comes from the
capabilities (solvers that lack one must refuse it clearly), never from a list.
"""

import warnings

import numpy as np
import pytest
from _registry import FULL_BATCH_SOLVERS
from scipy.optimize import brentq, minimize, nnls
from scipy.special import expit, logsumexp, softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LinearRegression

from skgd import GDLinearRegression, GDLogisticRegression, ProxLasso
from skgd.diagnostics import objective_for
from skgd.objective import (
    CAPABILITIES,
    ElasticNetPenalty,
    L1Penalty,
    L2Penalty,
    LogisticLoss,
    MultinomialLoss,
    Objective,
    SquaredLoss,
    constrain,
)
from skgd.solvers import SOLVERS

N, D = 60, 5
# Measured at tol=1e-8: every supporting full-batch solver matches the
# references below to 1e-8 (least squares, lasso, ball) and 3e-8 (logistic,
# where scipy's bounded L-BFGS-B reference is itself good to ~1e-8); ATOL
# leaves a margin of 30.
TOL = 1e-8
ATOL = 1e-6


def _regression(seed=0, offset=1.0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(N, D))
    y = X @ np.array([1.0, -2.0, 0.5, -0.3, 0.8]) + 0.3 * rng.normal(size=N) + offset
    return X, y


def _classes(kind, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(80, 4))
    z = X @ np.array([0.8, -0.5, 0.0, 0.3])
    if kind == "binary":
        return X, (z + rng.logistic(size=80) > 0).astype(int)
    scores = np.c_[z, -z, 0.5 * X[:, 2]] + rng.gumbel(size=(80, 3))
    return X, scores.argmax(axis=1)


def _supports(solver, loss, penalty):
    """Whether the registry's ``solver`` accepts ``loss`` + ``penalty`` (with
    learning_rate="auto"): what the capabilities promise."""
    cls = SOLVERS[solver]
    needs = set(cls.requires) | set(cls.auto_rate_requires)
    return needs <= loss.capabilities | penalty.capabilities


def _fit(model, X, y):
    """Fit; a ConvergenceWarning fails the test (every fit here must converge)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return model.fit(X, y)


def _assert_refused(model, X, y, *names):
    with pytest.raises(ValueError, match="cannot minimise") as info:
        model.fit(X, y)
    message = str(info.value)
    assert all(name in message for name in names), message
    assert "Use another solver (" in message  # the solvers that can, named
    assert not hasattr(model, "coef_")


# -- the proximal operators, against brute force ------------------------------------


def _brute_force_prox(z, t, l1, positive, radius):
    r""":math:`\arg\min_v \sum (v - z)^2 / (2t) + l1 |v|_1` under the constraints,
    by SLSQP on the split v = p - m (p, m >= 0; m = 0 when positive)."""
    d = z.size

    def objective(u):
        v = u[:d] - u[d:]
        return np.sum((v - z) ** 2 / (2 * t)) + l1 * u.sum()

    bounds = [(0, None)] * d + [(0, 0) if positive else (0, None)] * d
    constraints = []
    if radius is not None:
        constraints = [
            {"type": "ineq", "fun": lambda u: radius**2 - np.sum((u[:d] - u[d:]) ** 2)}
        ]
    u0 = np.zeros(2 * d)
    result = minimize(
        objective, u0, method="SLSQP", bounds=bounds, constraints=constraints,
        options={"ftol": 1e-15, "maxiter": 1000},
    )  # fmt: skip
    v = result.x[:d] - result.x[d:]
    if radius is not None and np.linalg.norm(v) > radius:
        v *= radius / np.linalg.norm(v)  # SLSQP may leave the ball by ~1e-8
    return v


def _prox_objective(v, z, t, l1):
    return float(np.sum((v - z) ** 2 / (2 * t)) + l1 * np.abs(v).sum())


@pytest.mark.parametrize("per_coordinate", [False, True], ids=["scalar", "scaled"])
@pytest.mark.parametrize(
    "l1, positive, radius",
    [(0.3, False, 1.0), (0.3, True, 1.0), (0.0, True, 0.7), (0.0, False, 0.7),
     (0.3, True, None)],
    ids=["l1+ball", "l1+positive+ball", "positive+ball", "ball", "l1+positive"],
)  # fmt: skip
def test_the_prox_is_the_minimiser_of_the_prox_objective(
    l1, positive, radius, per_coordinate
):
    """The prox of N + indicator(C) minimises its defining objective (brute force
    over small vectors); with one step per coordinate, in the metric diag(1/t)."""
    rng = np.random.RandomState(0)
    penalty = constrain(
        L1Penalty(l1) if l1 else L2Penalty(0.0), positive=positive, max_norm=radius
    )
    worst = 0.0
    for _ in range(12):
        d = rng.randint(1, 5)
        z = rng.normal(size=(d, 1)) * 1.5
        t = np.exp(rng.uniform(-2, 1.5, size=(d, 1))) if per_coordinate else 0.6
        v = penalty.prox(z, t)
        tt = np.broadcast_to(t, z.shape)
        brute = _brute_force_prox(z.ravel(), tt.ravel(), l1, positive, radius)
        # feasible, and no worse than the (feasible) brute-force minimiser
        assert np.all(v >= 0) or not positive
        assert radius is None or np.linalg.norm(v) <= radius * (1 + 1e-14)
        ours = _prox_objective(v.ravel(), z.ravel(), tt.ravel(), l1)
        theirs = _prox_objective(brute, z.ravel(), tt.ravel(), l1)
        assert ours <= theirs + 1e-14 * max(1.0, theirs)
        worst = max(worst, float(np.max(np.abs(v.ravel() - brute))))
    # measured: 3e-8 (SLSQP's own accuracy)
    assert worst < 1e-6


def test_the_closed_forms():
    """Positivity after the soft-threshold is max(z - t alpha, 0); the ball after
    it, with one step, the Euclidean projection of the soft-threshold."""
    z = np.array([[2.0], [-1.0], [0.05], [0.7]])
    positive = constrain(L1Penalty(0.2), positive=True)
    np.testing.assert_array_equal(positive.prox(z, 0.5), np.maximum(z - 0.1, 0))
    ball = constrain(L1Penalty(0.2), max_norm=1.0)
    soft = np.sign(z) * np.maximum(np.abs(z) - 0.1, 0)
    np.testing.assert_allclose(ball.prox(z, 0.5), soft / np.linalg.norm(soft))
    both = constrain(L1Penalty(0.2), positive=True, max_norm=1.0)
    clipped = np.maximum(z - 0.1, 0)
    np.testing.assert_allclose(both.prox(z, 0.5), clipped / np.linalg.norm(clipped))
    # inside the ball, the prox is the inner one
    np.testing.assert_array_equal(
        ball.prox(0.1 * z, 0.5), L1Penalty(0.2).prox(0.1 * z, 0.5)
    )
    # the whole block: the Frobenius norm of a multinomial W
    Z = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(
        constrain(L2Penalty(0.0), max_norm=2.0).prox(Z, 1.0), 2 * Z / np.linalg.norm(Z)
    )


def test_capabilities():
    inner = ElasticNetPenalty(0.1, 0.5)
    assert constrain(inner) is inner
    positive = constrain(inner, positive=True)
    ball = constrain(inner, max_norm=1.0)
    for penalty in (positive, ball):
        assert not penalty.smooth and penalty.curvature == inner.curvature
        assert penalty.capabilities <= set(CAPABILITIES)
        assert "unconstrained" not in penalty.capabilities  # newton
        W = np.array([[0.5], [0.25]])
        assert penalty.value(W) == inner.value(W)  # the indicator is 0 on C
        assert penalty.nonsmooth_value(W) == inner.nonsmooth_value(W)
    # W >= 0 is separable and a box (L-BFGS-B's bounds); a ball is neither
    assert {"separable", "l1_split"} <= positive.capabilities
    assert positive.l1_weight == inner.l1_weight
    assert not {"separable", "l1_split"} & ball.capabilities
    assert ball.l1_weight is None
    assert "unconstrained" in inner.capabilities


# -- positivity -----------------------------------------------------------------------


@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_positive_least_squares_is_nnls(solver):
    X, y = _regression()
    model = GDLinearRegression(
        positive=True, fit_intercept=False, solver=solver, tol=TOL, max_iter=20_000
    )
    if not _supports(solver, SquaredLoss(), constrain(L2Penalty(0), positive=True)):
        _assert_refused(model, X, y, "unconstrained")
        return
    _fit(model, X, y)
    reference = nnls(X, y)[0]
    assert reference.min() == 0.0  # the constraint is active
    assert model.coef_.min() >= 0.0
    np.testing.assert_allclose(model.coef_, reference, atol=ATOL)


@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_positive_least_squares_with_intercept_matches_scikit_learn(solver):
    """The intercept is never constrained: here it is negative."""
    X, y = _regression(offset=-3.0)
    model = GDLinearRegression(positive=True, solver=solver, tol=TOL, max_iter=20_000)
    if not _supports(solver, SquaredLoss(), constrain(L2Penalty(0), positive=True)):
        _assert_refused(model, X, y, "unconstrained")
        return
    _fit(model, X, y)
    reference = LinearRegression(positive=True).fit(X, y)
    assert model.coef_.min() >= 0.0 and model.intercept_ < 0
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=ATOL)
    assert model.intercept_ == pytest.approx(reference.intercept_, abs=ATOL)


@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_positive_lasso_matches_scikit_learn(solver):
    X, y = _regression()
    model = ProxLasso(
        alpha=0.05, positive=True, solver=solver, tol=TOL, max_iter=20_000
    )
    if not _supports(solver, SquaredLoss(), constrain(L1Penalty(1), positive=True)):
        _assert_refused(model, X, y, "unconstrained")
        return
    _fit(model, X, y)
    reference = Lasso(alpha=0.05, positive=True, tol=1e-14, max_iter=100_000).fit(X, y)
    assert model.coef_.min() >= 0.0
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=ATOL)
    assert model.intercept_ == pytest.approx(reference.intercept_, abs=ATOL)


def _logistic_positive_optimum(X, Y, alpha):
    """L-BFGS-B with bounds W >= 0 on the (sigmoid or softmax) objective, written
    from the formula: W of shape (d, K), one intercept per output."""
    n, d = X.shape
    K = Y.shape[1]

    def fun(z):
        W, b = z[: d * K].reshape(d, K), z[d * K :]
        S = X @ W + b
        if K == 1:
            value = np.mean(np.logaddexp(0, S) - Y * S)
            R = (expit(S) - Y) / n
        else:
            value = np.mean(logsumexp(S, axis=1) - np.sum(Y * S, axis=1))
            R = (softmax(S, axis=1) - Y) / n
        value += 0.5 * alpha * np.sum(W * W)
        return value, np.concatenate([(X.T @ R + alpha * W).ravel(), R.sum(axis=0)])

    bounds = [(0, None)] * (d * K) + [(None, None)] * K
    result = minimize(
        fun, np.zeros(d * K + K), jac=True, method="L-BFGS-B", bounds=bounds,
        options={"gtol": 1e-14, "ftol": 1e-16, "maxiter": 100_000},
    )  # fmt: skip
    return result.x[: d * K].reshape(d, K).T, result.x[d * K :]


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_positive_logistic_regression_is_feasible_and_optimal(solver, kind):
    X, y = _classes(kind)
    alpha = 0.01
    model = GDLogisticRegression(
        alpha=alpha, positive=True, solver=solver, tol=TOL, max_iter=20_000
    )
    loss = LogisticLoss() if kind == "binary" else MultinomialLoss()
    if not _supports(solver, loss, constrain(L2Penalty(alpha), positive=True)):
        _assert_refused(model, X, y, "unconstrained")
        return
    _fit(model, X, y)
    Y = (y[:, None] == 1) if kind == "binary" else np.eye(3)[y]
    coef, intercept = _logistic_positive_optimum(X, Y.astype(float), alpha)
    assert np.min(model.coef_) >= 0.0 and np.min(coef) == 0.0  # active
    np.testing.assert_allclose(np.atleast_2d(model.coef_), coef, atol=ATOL)
    fitted = np.ravel(model.intercept_)
    if kind == "multinomial":  # softmax intercepts are defined up to one shift
        fitted, intercept = fitted - fitted.mean(), intercept - intercept.mean()
    np.testing.assert_allclose(fitted, intercept, atol=ATOL)


# -- the ball -------------------------------------------------------------------------


def _ridge_path_on_the_sphere(X, y, radius):
    """The least-squares minimiser on ||w|| <= radius (with intercept): the ridge
    solution whose norm is radius (the KKT multiplier solves the secular equation)."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    G, c = Xc.T @ Xc / len(y), Xc.T @ yc / len(y)

    def w(mu):
        return np.linalg.solve(G + mu * np.eye(len(c)), c)

    mu = brentq(lambda mu: np.linalg.norm(w(mu)) - radius, 0.0, 1e3, xtol=1e-15)
    coef = w(mu)
    return coef, y.mean() - X.mean(axis=0) @ coef


@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_an_active_ball_puts_the_coefficients_on_the_sphere(solver):
    X, y = _regression()
    radius = 1.0  # the unconstrained solution has norm ~2.4
    model = GDLinearRegression(
        max_coef_norm=radius, solver=solver, tol=TOL, max_iter=20_000
    )
    if not _supports(solver, SquaredLoss(), constrain(L2Penalty(0), max_norm=1.0)):
        _assert_refused(model, X, y, "max_coef_norm")
        return
    _fit(model, X, y)
    coef, intercept = _ridge_path_on_the_sphere(X, y, radius)
    assert np.linalg.norm(model.coef_) == pytest.approx(radius, rel=1e-14)
    np.testing.assert_allclose(model.coef_, coef, atol=ATOL)
    assert model.intercept_ == pytest.approx(intercept, abs=ATOL)
    # an inactive ball changes nothing
    loose = _fit(model.set_params(max_coef_norm=10.0), X, y)
    np.testing.assert_allclose(
        loose.coef_, LinearRegression().fit(X, y).coef_, atol=ATOL
    )


def _assert_kkt_on_the_sphere(model, X, y, radius):
    """At a minimiser on the sphere, -grad_W F = mu W with mu >= 0 (the gradient
    is *not* zero), and the intercept's gradient is zero."""
    objective = objective_for(model, X, y)
    theta = objective.pack(model.coef_, model.intercept_)
    _, grad = objective.value_and_grad(theta)
    g_W, g_c = objective.split(grad)
    W, _ = objective.split(theta)
    assert np.linalg.norm(W) == pytest.approx(radius, rel=1e-14)
    mu = -float(np.sum(g_W * W)) / radius**2
    assert mu > 0.1 * np.linalg.norm(g_W) / radius  # far from a zero gradient
    assert np.linalg.norm(g_W + mu * W) <= 1e-7 * np.linalg.norm(g_W)
    if g_c is not None:
        assert np.max(np.abs(g_c)) <= 1e-7 * np.linalg.norm(g_W)


# The solvers that reach the logistic ball quickly (measured at tol=1e-8: 11 to
# 390 iterations). Adam needs 1.7e4 iterations on the multinomial problem and
# more than 1e5 on the binary one, RMSProp more than 1e5 on the multinomial one
# (both warn): their second moment tracks the full gradient, whose normal part
# mu W does not vanish at the optimum, so their effective step stays small.
BALL_LOGISTIC_SOLVERS = ["gd", "momentum", "nesterov", "adagrad"]


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
@pytest.mark.parametrize("solver", BALL_LOGISTIC_SOLVERS)
def test_the_logistic_ball_satisfies_the_kkt_conditions(solver, kind):
    """The ball bounds the whole block (Frobenius norm over the classes)."""
    X, y = _classes(kind)
    model = GDLogisticRegression(
        alpha=0.0, max_coef_norm=0.3, solver=solver, tol=TOL, max_iter=20_000
    )
    _fit(model, X, y)
    _assert_kkt_on_the_sphere(model, X, y, 0.3)


def test_positive_and_ball_together_match_a_constrained_reference():
    X, y = _regression()
    model = _fit(ProxLasso(alpha=0.05, positive=True, max_coef_norm=0.5, tol=TOL), X, y)
    d = X.shape[1]

    def fun(z):
        r = X @ z[:d] + z[d] - y
        return 0.5 * np.mean(r**2) + 0.05 * z[:d].sum()

    result = minimize(
        fun, np.zeros(d + 1), method="SLSQP",
        bounds=[(0, None)] * d + [(None, None)],
        constraints=[{"type": "ineq", "fun": lambda z: 0.25 - z[:d] @ z[:d]}],
        options={"ftol": 1e-15, "maxiter": 1000},
    )  # fmt: skip
    assert model.coef_.min() >= 0 and result.x[:d].min() < 1e-9  # both active
    assert np.linalg.norm(model.coef_) == pytest.approx(0.5, rel=1e-14)
    # measured: 3e-9 (SLSQP's accuracy)
    np.testing.assert_allclose(model.coef_, result.x[:d], atol=1e-6)


def test_the_optimality_measure_vanishes_at_a_constrained_minimiser_only():
    X, y = _regression()
    coef, intercept = _ridge_path_on_the_sphere(X, y, 1.0)
    penalty = constrain(L2Penalty(0.0), max_norm=1.0)
    objective = Objective(X, y[:, None], SquaredLoss(), penalty, np.ones(N), True)
    theta = objective.pack(coef, np.array([intercept]))
    _, grad = objective.value_and_grad(theta)
    null = objective.initial_theta()
    null_measure = objective.optimality(null, objective.value_and_grad(null)[1])
    assert np.linalg.norm(grad) > 0.1 * null_measure  # the gradient is not zero
    assert objective.optimality(theta, grad) < 1e-12 * null_measure
    # a feasible point on the sphere next to it is not optimal
    moved = theta.copy()
    W, _ = objective.split(moved)
    W[0] += 1e-3
    W /= np.linalg.norm(W)
    assert objective.optimality(moved, objective.value_and_grad(moved)[1]) > 1e-6


@pytest.mark.parametrize("shape", [(10, 30), (60, 5)], ids=["wide", "tall"])
def test_the_suboptimality_estimate_tracks_the_gap_along_the_sphere(shape):
    """The Newton decrement of the Lagrangian (the sphere's curvature, the
    multiplier, added to the Hessian): finite even where the Hessian is singular
    (d > n), and close to the true gap at points on the sphere near the optimum."""
    n, d = shape
    rng = np.random.RandomState(1)
    X = rng.normal(size=(n, d))
    y = 10 * rng.normal(size=n)
    coef, intercept = _ridge_path_on_the_sphere(X, y, 1.0)
    penalty = constrain(L2Penalty(0.0), max_norm=1.0)
    objective = Objective(X, y[:, None], SquaredLoss(), penalty, np.ones(n), True)
    optimum = objective.pack(coef, np.array([intercept]))
    for distance in (0.1, 0.01):
        theta = optimum.copy()
        W, _ = objective.split(theta)
        tangent = rng.normal(size=W.shape)
        tangent -= np.sum(tangent * W) * W
        W += distance * tangent
        W /= np.linalg.norm(W)
        value, grad = objective.value_and_grad(theta)
        gap = value - objective.value(optimum)
        # measured: 1.00-1.03 times the gap
        assert 0.9 * gap <= objective.suboptimality_estimate(theta, grad) <= 1.5 * gap


# -- refusals, minibatches, degenerate data ------------------------------------------


def test_newton_refuses_constraints_and_lbfgs_the_ball():
    X, y = _regression()
    for params in ({"positive": True}, {"max_coef_norm": 1.0}):
        _assert_refused(
            GDLinearRegression(solver="newton", **params), X, y, "'newton'",
            "unconstrained", "positive, max_coef_norm", "gd",
        )  # fmt: skip
    _assert_refused(
        GDLinearRegression(solver="lbfgs", max_coef_norm=1.0), X, y, "'lbfgs'",
        "l1_split", "norm ball (max_coef_norm) is no box", "gd",
    )  # fmt: skip


def test_minibatch_iterates_stay_feasible():
    X, y = _regression()
    model = GDLinearRegression(
        solver="sgd", positive=True, max_iter=20, random_state=0, record_coef=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model.coef_.min() >= 0.0 and np.min(model.coef_) == 0.0
    assert np.min(model.history_.coef) >= 0.0
    ball = GDLinearRegression(
        solver="adam", batch_size=8, max_coef_norm=0.5, positive=True, max_iter=20,
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ball.fit(X, y)
    assert ball.coef_.min() >= 0 and np.linalg.norm(ball.coef_) <= 0.5 * (1 + 1e-15)


@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS + ["sgd"])
def test_all_zero_features_fit_the_null_model(solver):
    rng = np.random.RandomState(0)
    X, y = np.zeros((20, 3)), rng.normal(size=20) - 2.0
    for params in ({"positive": True}, {"max_coef_norm": 1.0}):
        model = GDLinearRegression(solver=solver, **params)
        penalty = constrain(L2Penalty(0.0), **{
            "positive": params.get("positive", False),
            "max_norm": params.get("max_coef_norm"),
        })  # fmt: skip
        if not _supports(solver, SquaredLoss(), penalty):
            _assert_refused(model, X, y)
            continue
        _fit(model, X, y)
        assert np.all(model.coef_ == 0.0)
        assert model.intercept_ == pytest.approx(y.mean(), abs=1e-12)


@pytest.mark.parametrize("solver", ["gd", "adagrad", "nesterov"])
def test_float32_fits_converge_on_the_sphere(solver):
    """Rounding leaves a float32 projection slightly inside the sphere; the
    linear gain of that slack must not floor the optimality at sqrt(eps)."""
    failures = 0
    for seed in range(6):
        X, y = _regression(seed)
        model = ProxLasso(
            alpha=0.01, positive=True, max_coef_norm=0.5, solver=solver, tol=1e-7
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(X.astype(np.float32), y.astype(np.float32))
        failures += bool(caught)
        assert np.linalg.norm(model.coef_.astype(float)) == pytest.approx(0.5, rel=1e-6)
    assert failures == 0


def test_no_minimiser_under_positivity_but_always_one_in_a_ball():
    """Separable classes without penalty: W >= 0 is a cone, so a separating
    W >= 0 still proves there is no minimiser; a ball bounds W, so there is one."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 2))
    y = (X @ np.array([1.0, 2.0]) > 0).astype(int)
    model = GDLogisticRegression(alpha=0.0, positive=True, tol=1e-6, max_iter=200)
    with pytest.warns(ConvergenceWarning, match="linearly separable"):
        model.fit(X, y)
    ball = _fit(
        GDLogisticRegression(alpha=0.0, max_coef_norm=2.0, tol=TOL, max_iter=20_000),
        X, y,
    )  # fmt: skip
    _assert_kkt_on_the_sphere(ball, X, y, 2.0)


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_a_warm_start_from_outside_the_constraint(solver):
    X, y = _regression()
    model = _fit(GDLinearRegression(solver=solver, warm_start=True, tol=TOL), X, y)
    assert model.coef_.min() < 0  # the unconstrained solution is infeasible
    _fit(model.set_params(positive=True), X, y)
    np.testing.assert_allclose(
        model.coef_, LinearRegression(positive=True).fit(X, y).coef_, atol=ATOL
    )
