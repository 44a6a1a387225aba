"""Multi-output y for the least-squares estimators, as Ridge, Lasso and ElasticNet.

A 2-D y of shape (n, K) is K independent problems summed into one objective:
each target's coefficients are those of its own single-target fit, so every
full-batch solver must match ``Ridge(alpha=S * alpha)`` / ``Lasso(alpha)`` /
``ElasticNet`` column by column.

Measured (largest relative coef error of any target, 60 x 5 data): least
squares at ``tol=1e-10`` is within 2e-10 of Ridge for every full-batch solver
but lbfgs (2.4e-9; newton 1e-15); the lasso and the elastic net at
``tol=1e-8`` within 2.4e-8 (newton 6e-11). The L1 problems run at 1e-8, not
1e-10, because the L1 optimality measure has a rounding floor near 1e-9 of the
null model's: sqrt(2 decrease), where the decrease of the soft-threshold step
is ~alpha * ulp(w) ~ 1e-18 even at the exact minimiser. Below that floor gd,
nesterov and rmsprop ran to max_iter on coefficients that already matched
Lasso to 1e-16. Asserted: 1e-6, over an order above every measurement.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from _registry import ESTIMATORS, FULL_BATCH_SOLVERS
from sklearn.datasets import make_regression
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags

from skgd import GDElasticNet, GDLinearRegression, ProxLasso
from skgd.diagnostics import objective_for
from skgd.objective import L2Penalty, Objective, SquaredLoss

ALPHA = 0.05
N_SAMPLES = 60
RIDGE_TIGHT = {"tol": 1e-10, "max_iter": 20_000}
# above the L1 optimality measure's rounding floor (see the module docstring)
LASSO_TIGHT = {"tol": 1e-8, "max_iter": 20_000}
MULTI_OUTPUT = (GDLinearRegression, ProxLasso, GDElasticNet)


def _data(n_targets=3, seed=0):
    X, Y = make_regression(
        n_samples=N_SAMPLES, n_features=5, n_targets=n_targets, noise=5.0,
        random_state=seed,
    )  # fmt: skip
    X = StandardScaler().fit_transform(X)
    # targets of different means and scales, so no target mirrors another
    Y = Y / Y.std(axis=0) * np.linspace(1.0, 2.0, n_targets)
    return X, Y + np.linspace(1.0, -2.0, n_targets)


def _weights(weighted):
    if not weighted:
        return None
    return np.random.RandomState(1).uniform(0.2, 3.0, size=N_SAMPLES)


def _relative_error(a, b):
    return np.linalg.norm(np.ravel(a) - np.ravel(b)) / np.linalg.norm(np.ravel(b))


def _assert_matches(est, ref, n_targets):
    assert est.coef_.shape == ref.coef_.shape == (n_targets, 5)
    assert np.shape(est.intercept_) == (n_targets,)
    for k in range(n_targets):  # every target, not only the largest
        assert _relative_error(est.coef_[k], ref.coef_[k]) < 1e-6, k
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "fit_intercept", [True, False], ids=["intercept", "no-intercept"]
)
@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_least_squares_matches_ridge_per_target(solver, fit_intercept, weighted):
    X, Y = _data(n_targets=3)
    sw = _weights(weighted)
    S = N_SAMPLES if sw is None else sw.sum()
    ref = Ridge(alpha=S * ALPHA, fit_intercept=fit_intercept, solver="cholesky")
    ref.fit(X, Y, sample_weight=sw)
    est = GDLinearRegression(
        solver=solver, alpha=ALPHA, fit_intercept=fit_intercept, **RIDGE_TIGHT
    ).fit(X, Y, sample_weight=sw)
    assert est.converged_
    if not fit_intercept:
        # Ridge reports 0.0; skgd keeps the (n_targets,) shape of a 2-D fit
        ref.intercept_ = np.zeros(3)
    _assert_matches(est, ref, 3)


@pytest.mark.parametrize(
    "fit_intercept", [True, False], ids=["intercept", "no-intercept"]
)
@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_lasso_matches_sklearn_per_target(solver, fit_intercept):
    X, Y = _data(n_targets=3)
    ref = Lasso(alpha=ALPHA, fit_intercept=fit_intercept, tol=1e-14, max_iter=100_000)
    ref.fit(X, Y)
    assert np.any(ref.coef_ == 0)  # the soft-threshold is active somewhere
    est = ProxLasso(
        solver=solver, alpha=ALPHA, fit_intercept=fit_intercept, **LASSO_TIGHT
    ).fit(X, Y)
    assert est.converged_
    if not fit_intercept:
        ref.intercept_ = np.zeros(3)
    _assert_matches(est, ref, 3)


@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_weighted_elastic_net_matches_sklearn_per_target(solver):
    X, Y = _data(n_targets=2)
    sw = _weights(True)
    ref = ElasticNet(alpha=ALPHA, l1_ratio=0.5, tol=1e-14, max_iter=100_000)
    ref.fit(X, Y, sample_weight=sw)
    est = GDElasticNet(solver=solver, alpha=ALPHA, l1_ratio=0.5, **LASSO_TIGHT)
    est.fit(X, Y, sample_weight=sw)
    assert est.converged_
    _assert_matches(est, ref, 2)


def _single_target_fits(Estimator, solver, X, Y, tight):
    return [
        Estimator(solver=solver, **tight).fit(X, Y[:, k]) for k in range(Y.shape[1])
    ]


@pytest.mark.parametrize("Estimator", MULTI_OUTPUT)
@pytest.mark.parametrize("solver", ["gd", "newton", "lbfgs"])
def test_each_target_equals_its_single_target_fit(Estimator, solver):
    X, Y = _data(n_targets=3)
    tight = RIDGE_TIGHT if Estimator is GDLinearRegression else LASSO_TIGHT
    tight = {**tight, "alpha": ALPHA}
    joint = Estimator(solver=solver, **tight).fit(X, Y)
    for k, single in enumerate(_single_target_fits(Estimator, solver, X, Y, tight)):
        assert single.coef_.shape == (5,)
        assert _relative_error(joint.coef_[k], single.coef_) < 1e-6, k
        assert joint.intercept_[k] == pytest.approx(single.intercept_, abs=1e-6)
        np.testing.assert_array_equal(joint.coef_[k] == 0, single.coef_ == 0)


@pytest.mark.parametrize("Estimator", MULTI_OUTPUT)
def test_shapes_follow_y(Estimator):
    X, Y = _data(n_targets=2)
    newton = {"solver": "newton", "tol": 1e-10}
    one_d = Estimator(**newton).fit(X, Y[:, 0])
    assert one_d.coef_.shape == (5,)
    assert np.ndim(one_d.intercept_) == 0
    assert one_d.predict(X).shape == (N_SAMPLES,)

    # (n, 1): the 2-D shapes of LinearRegression. (Ridge, Lasso and ElasticNet
    # 1.9 mix them: coef_ (n_features,), intercept_ (1,), predict (n,).)
    column = Estimator(**newton).fit(X, Y[:, :1])
    reference = LinearRegression().fit(X, Y[:, :1])
    assert column.coef_.shape == reference.coef_.shape == (1, 5)
    assert column.intercept_.shape == reference.intercept_.shape == (1,)
    assert column.predict(X).shape == reference.predict(X).shape == (N_SAMPLES, 1)
    np.testing.assert_allclose(column.coef_[0], one_d.coef_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(column.predict(X)[:, 0], one_d.predict(X), rtol=1e-12)

    two = Estimator(**newton).fit(X, Y)
    assert two.coef_.shape == (2, 5) and two.intercept_.shape == (2,)
    prediction = two.predict(X)
    assert prediction.shape == (N_SAMPLES, 2)
    np.testing.assert_allclose(prediction, X @ two.coef_.T + two.intercept_)
    assert two.score(X, Y) <= 1.0

    no_intercept = Estimator(fit_intercept=False, **newton).fit(X, Y)
    np.testing.assert_array_equal(no_intercept.intercept_, np.zeros(2))
    # refitting on a 1-D y returns to the 1-D shapes
    assert Estimator(**newton).fit(X, Y).fit(X, Y[:, 1]).coef_.shape == (5,)


def test_sparse_and_zero_weights_match_dense_and_dropped_rows():
    X, Y = _data(n_targets=3)
    sw = _weights(True)
    sw[:10] = 0.0
    dense = GDLinearRegression(solver="gd", alpha=ALPHA, **RIDGE_TIGHT)
    dense.fit(X, Y, sample_weight=sw)
    sparse = GDLinearRegression(solver="gd", alpha=ALPHA, **RIDGE_TIGHT)
    sparse.fit(sp.csr_matrix(X), Y, sample_weight=sw)
    dropped = GDLinearRegression(solver="newton", alpha=ALPHA, tol=1e-10)
    dropped.fit(X[10:], Y[10:], sample_weight=sw[10:])
    for est in (dense, sparse):
        assert _relative_error(est.coef_, dropped.coef_) < 1e-7
        np.testing.assert_allclose(est.intercept_, dropped.intercept_, atol=1e-7)


def test_warm_start_continues_from_the_2d_fit():
    X, Y = _data(n_targets=3)
    est = GDLinearRegression(solver="gd", alpha=ALPHA, warm_start=True, **RIDGE_TIGHT)
    coef = est.fit(X, Y).coef_.copy()
    est.set_params(tol=1e-6)
    est.fit(X, Y)  # already converged: no iteration moves it
    assert est.n_iter_ <= 1
    np.testing.assert_allclose(est.coef_, coef, rtol=1e-9)


def test_partial_fit_keeps_the_targets_of_its_first_call():
    X, Y = _data(n_targets=2)
    est = GDLinearRegression(solver="sgd", random_state=0)
    for _ in range(3):
        est.partial_fit(X, Y)
    assert est.coef_.shape == (2, 5) and est.intercept_.shape == (2,)
    coef = est.coef_.copy()
    for other in (Y[:, 0], Y[:, :1], np.c_[Y, Y[:, 0]]):
        with pytest.raises(ValueError, match="the first call had a 2-D y of 2"):
            est.partial_fit(X, other)
        np.testing.assert_array_equal(est.coef_, coef)


def test_recorded_coefficients_have_the_2d_shapes():
    X, Y = _data(n_targets=3)
    est = GDLinearRegression(solver="gd", record_coef=True, max_iter=4, tol=0.0)
    est.fit(X, Y)
    assert est.history_.coef.shape == (4, 3, 5)
    assert est.history_.intercept.shape == (4, 3)
    np.testing.assert_array_equal(est.history_.coef[-1], est.coef_)


def test_positive_is_per_coefficient_and_the_ball_bounds_all_targets():
    X, Y = _data(n_targets=2)
    Y = Y * np.array([1.0, -1.0])  # the second target wants negative coefficients
    est = GDLinearRegression(solver="gd", positive=True, **RIDGE_TIGHT).fit(X, Y)
    single = GDLinearRegression(solver="gd", positive=True, **RIDGE_TIGHT)
    np.testing.assert_allclose(est.coef_[1], single.fit(X, Y[:, 1]).coef_, atol=1e-8)
    assert np.all(est.coef_ >= 0)
    ball = GDLinearRegression(solver="gd", max_coef_norm=0.5, tol=1e-8).fit(X, Y)
    assert np.linalg.norm(ball.coef_) == pytest.approx(0.5, rel=1e-6)


def test_objective_for_a_2d_y_is_what_fit_minimised():
    X, Y = _data(n_targets=3)
    est = ProxLasso(solver="newton", alpha=ALPHA, tol=1e-10).fit(X, Y)
    objective = objective_for(est, X, Y)
    assert objective.n_outputs == 3
    theta = objective.pack(est.coef_, est.intercept_)
    assert objective.value(theta) == pytest.approx(est.loss_curve_[-1], rel=1e-12)


def test_multi_output_tag_only_on_the_least_squares_estimators():
    for Estimator in ESTIMATORS:
        expected = issubclass(Estimator, GDLinearRegression)
        assert get_tags(Estimator()).target_tags.multi_output is expected, Estimator


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_squared_objective_with_k_targets_is_k_separate_objectives(fit_intercept):
    # no softmax gauge (nothing removed by unpack, no flat direction) and a
    # block-diagonal Hessian: K copies of the single-target one
    X, Y = _data(n_targets=3)
    sw = _weights(True)
    joint = Objective(X, Y, SquaredLoss(), L2Penalty(ALPHA), sw, fit_intercept)
    assert list(joint.invariant_directions()) == []
    rng = np.random.RandomState(0)
    coef, intercept = rng.normal(size=(3, 5)), rng.normal(size=3)
    back = joint.unpack(joint.pack(coef, intercept))
    np.testing.assert_allclose(back[0], coef, rtol=1e-12)
    np.testing.assert_allclose(
        back[1], intercept if fit_intercept else np.zeros(3), rtol=1e-12, atol=1e-14
    )

    theta = joint.pack(coef, intercept)
    H = joint.hessian(theta)
    p = 5 + fit_intercept
    blocks = H.reshape(p, 3, p, 3)
    total = 0.0
    for k in range(3):
        single = Objective(
            X, Y[:, [k]], SquaredLoss(), L2Penalty(ALPHA), sw, fit_intercept
        )
        part = single.pack(coef[k], intercept[k : k + 1])
        total += single.value(part)
        np.testing.assert_allclose(blocks[:, k, :, k], single.hessian(part), rtol=1e-12)
        for j in range(3):
            if j != k:
                np.testing.assert_array_equal(blocks[:, k, :, j], 0.0)
    assert joint.value(theta) == pytest.approx(total, rel=1e-12)
    # the Hessian is the derivative of the gradient (central differences)
    direction = rng.normal(size=theta.size)
    step = 1e-5
    fd = (joint.gradient(theta + step * direction) - joint.gradient(theta - step * direction)) / (2 * step)  # fmt: skip
    np.testing.assert_allclose(H @ direction, fd, rtol=1e-6, atol=1e-8)
