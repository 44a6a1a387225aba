"""The chunked (dask) and device (array-API) objectives compute what the NumPy
Objective computes: every quantity a solver reads, at random points, for
every loss and with or without intercept and zero weights. The NumPy
Objective is the oracle (itself checked against finite differences and direct
formulas in test_objective.py)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skgd.objective import (
    L1Penalty,
    L2Penalty,
    LogisticLoss,
    MultinomialLoss,
    Objective,
    PoissonLoss,
    SquaredLoss,
)

CASES = {
    "squared-l2": (SquaredLoss, L2Penalty, 1),
    "logistic-l2": (LogisticLoss, L2Penalty, 1),
    "multinomial-l2": (MultinomialLoss, L2Penalty, 3),
    "poisson-l2": (PoissonLoss, L2Penalty, 1),
    "squared-l1": (SquaredLoss, L1Penalty, 1),
    "multi-target-squared": (SquaredLoss, L2Penalty, 2),
}


def _problem(case, fit_intercept, seed=0, n=57, d=4):
    loss_cls, penalty_cls, K = CASES[case]
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) + rng.normal(size=d)
    X[:, -1] = 3.0  # a constant column
    if loss_cls is MultinomialLoss:
        Y = np.eye(K)[rng.integers(0, K, n)]
    elif loss_cls is LogisticLoss:
        Y = rng.integers(0, 2, size=(n, 1)).astype(float)
    elif loss_cls is PoissonLoss:
        Y = rng.poisson(2.0, size=(n, 1)).astype(float)
    else:
        Y = rng.normal(size=(n, K)) + 1.0
    sw = rng.uniform(0.1, 3.0, size=n)
    sw[::7] = 0.0
    args = (Y, loss_cls(), penalty_cls(0.1), sw, fit_intercept)
    reference = Objective(X, *args)
    thetas = [reference.initial_theta()] + [
        0.3 * rng.normal(size=reference.size) for _ in range(2)
    ]
    return X, args, reference, thetas


@pytest.fixture(autouse=True)
def _small_device_blocks(monkeypatch):
    """Row blocks of a few rows, so the device objective's blockwise sums
    cross block boundaries (as the dask chunks do)."""
    from skgd.objective import array_api

    monkeypatch.setattr(array_api, "_DEVICE_BLOCK_BYTES", 500)


def _backend(kind, X, args):
    if kind == "dask":
        da = pytest.importorskip("dask.array")
        from skgd.objective.chunked import ChunkedObjective

        return ChunkedObjective(
            da.from_array(X, chunks=((20, 30, 7), (X.shape[1],))), *args
        )
    xp = pytest.importorskip("array_api_strict")
    from skgd.objective.array_api import DeviceObjective

    return DeviceObjective(xp.asarray(X), *args)


@pytest.mark.parametrize("kind", ["dask", "array_api_strict"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("case", list(CASES))
def test_backend_matches_the_numpy_objective(kind, case, fit_intercept):
    X, args, reference, thetas = _problem(case, fit_intercept)
    objective = _backend(kind, X, args)
    close = dict(rtol=1e-11, atol=1e-12)
    assert_allclose(
        objective.x_mean if fit_intercept else 0,
        reference.x_mean if fit_intercept else 0,
        **close,
    )
    assert_allclose(objective.feature_variance, reference.feature_variance, **close)
    assert_allclose(objective.constant_features, reference.constant_features)
    assert_allclose(objective.intercept_scale, reference.intercept_scale, **close)
    assert_allclose(objective.initial_theta(), reference.initial_theta(), **close)
    if np.isfinite(reference.loss.curvature):
        assert_allclose(objective.lipschitz(), reference.lipschitz(), rtol=1e-9)
        assert_allclose(objective.row_lipschitz(), reference.row_lipschitz(), **close)
    for theta in thetas:
        value, grad = objective.value_and_grad(theta)
        ref_value, ref_grad = reference.value_and_grad(theta)
        assert_allclose(value, ref_value, **close)
        assert_allclose(grad, ref_grad, **close)
        assert_allclose(objective.gradient(theta), ref_grad, **close)
        assert_allclose(objective.value(theta), ref_value, **close)
        H = reference.hessian(theta)
        assert_allclose(objective.hessian(theta), H, **close)
        features = [0, 2]
        assert_allclose(
            objective.hessian(theta, features),
            reference.hessian(theta, features),
            **close,
        )
        v = np.linspace(-1.0, 1.0, reference.size)
        assert_allclose(objective.hessp(theta)(v), H @ v, **close)
        assert_allclose(
            objective.local_coordinate_curvature(theta),
            reference.local_coordinate_curvature(theta),
            **close,
        )
        assert objective.has_no_minimiser(theta) == reference.has_no_minimiser(theta)
        assert_allclose(
            objective.extrapolated_gradient(theta, thetas[0], 0.5),
            reference.gradient(theta + 0.5 * (theta - thetas[0])),
            **close,
        )


@pytest.mark.parametrize("kind", ["dask", "array_api_strict"])
def test_backend_minibatches_cover_every_weighted_row_once(kind):
    X, args, reference, thetas = _problem("squared-l2", True)
    objective = _backend(kind, X, args)
    rng = np.random.default_rng(0)
    batches = list(objective.minibatches(8, rng))
    rows = np.concatenate(batches)
    assert sorted(rows) == sorted(reference.weighted_rows)
    # the batch gradients, weighted by their share of the rows, sum to the
    # full gradient (each is unbiased; together they cover every row once)
    theta = thetas[1]
    rng = np.random.default_rng(1)
    total = np.zeros(reference.size)
    for batch in objective.minibatches(8, rng):
        smooth = objective.gradient(theta, batch) - _penalty_gradient(reference, theta)
        total += smooth * len(batch) / reference.weighted_rows.size
    full = reference.gradient(theta) - _penalty_gradient(reference, theta)
    assert_allclose(total, full, rtol=1e-10, atol=1e-12)


def _penalty_gradient(objective, theta):
    out = np.zeros(objective.shape)
    W, _ = objective.split(theta)
    objective.penalty.add_gradient(W, out[: objective.n_features])
    return out.ravel()
