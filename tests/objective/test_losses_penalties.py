"""Pointwise losses and penalties, on their own and through the null model.

Finite differences are central with step 1e-5 (see test_objective.py for the
measured error against the step); on single raw values with |raw| <= 20 the
absolute round-off is below 1e-9, so ``atol=1e-7`` leaves two orders of margin.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skgd.objective import (
    L1Penalty,
    L2Penalty,
    LogisticLoss,
    MultinomialLoss,
    Objective,
    SquaredLoss,
)

FD_STEP = 1e-5
LOSSES = [SquaredLoss, LogisticLoss, MultinomialLoss]

seeds = st.integers(0, 2**32 - 1)
raw_values = st.floats(-20.0, 20.0)


def n_outputs(loss_cls):
    return 3 if loss_cls is MultinomialLoss else 1


def make_targets(loss_cls, n, rng):
    if loss_cls is MultinomialLoss:
        return np.eye(3)[rng.integers(0, 3, n)]
    if loss_cls is LogisticLoss:
        return rng.integers(0, 2, size=(n, 1)).astype(float)
    return 3.0 * rng.normal(size=(n, 1))


def raw_and_targets(loss_cls):
    """Strategy for ``(raw, y)`` of shape (n, K) in the loss's encoding."""
    K = n_outputs(loss_cls)
    shapes = st.integers(1, 8).map(lambda n: (n, K))
    return st.tuples(
        shapes.flatmap(lambda s: arrays(np.float64, s, elements=raw_values)), seeds
    ).map(lambda t: (t[0], make_targets(loss_cls, t[0].shape[0], _rng(t[1]))))


def _rng(seed):
    return np.random.default_rng(seed)


def loss_hessian_matrices(loss, y, raw):
    """(n, K, K) per-sample Hessians assembled from ``hessian_blocks``."""
    n, K = raw.shape
    H = np.zeros((n, K, K))
    for k, l, h in loss.hessian_blocks(y, raw):
        H[:, k, l] = h
        H[:, l, k] = h
    return H


# -- derivatives of each loss -----------------------------------------------------
@pytest.mark.parametrize("loss_cls", LOSSES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_loss_gradient_is_derivative_of_value(loss_cls, data):
    raw, y = data.draw(raw_and_targets(loss_cls))
    loss = loss_cls()
    grad = loss.gradient(y, raw)
    assert grad.shape == raw.shape
    fd = np.zeros_like(raw)
    for idx in np.ndindex(raw.shape):
        e = np.zeros_like(raw)
        e[idx] = FD_STEP
        # the value of sample i depends on row i only
        diff = loss.value(y, raw + e) - loss.value(y, raw - e)
        fd[idx] = diff[idx[0]].sum() / (2 * FD_STEP)
    np.testing.assert_allclose(fd, grad, rtol=1e-6, atol=1e-7)

    value, grad2 = loss.value_and_gradient(y, raw)
    np.testing.assert_allclose(value, loss.value(y, raw), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(grad2, grad, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("loss_cls", LOSSES)
@settings(max_examples=25, deadline=None)
@given(data=st.data(), seed=seeds)
def test_loss_hessian_is_derivative_of_gradient(loss_cls, data, seed):
    raw, y = data.draw(raw_and_targets(loss_cls))
    loss = loss_cls()
    direction = _rng(seed).normal(size=raw.shape)
    fd = (
        loss.gradient(y, raw + FD_STEP * direction)
        - loss.gradient(y, raw - FD_STEP * direction)
    ) / (2 * FD_STEP)
    product = loss.hessian_product(y, raw, direction)
    np.testing.assert_allclose(product, fd, rtol=1e-6, atol=1e-7)
    H = loss_hessian_matrices(loss, y, raw)
    np.testing.assert_allclose(
        np.einsum("ikl,il->ik", H, direction), product, rtol=1e-12, atol=1e-15
    )
    if hasattr(loss, "hessian"):
        np.testing.assert_allclose(loss.hessian(y, raw), H[:, :, 0], rtol=1e-14)


@pytest.mark.parametrize("loss_cls", LOSSES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_loss_curvature_bounds_second_derivative(loss_cls, data):
    raw, y = data.draw(raw_and_targets(loss_cls))
    eigenvalues = np.linalg.eigvalsh(loss_hessian_matrices(loss_cls(), y, raw))
    assert np.all(eigenvalues >= -1e-15)  # convex
    assert np.all(eigenvalues <= loss_cls.curvature * (1 + 1e-12))


@pytest.mark.parametrize(
    ("loss_cls", "raw"),
    [
        (SquaredLoss, np.array([[0.3]])),
        (LogisticLoss, np.array([[0.0]])),
        # two classes at probability 1/2: diag(p) - p p^T has eigenvalue 1/2
        (MultinomialLoss, np.array([[2.0, 2.0, -800.0]])),
    ],
)
def test_loss_curvature_is_attained(loss_cls, raw):
    y = np.zeros_like(raw)
    y[0, 0] = 1.0
    top = np.linalg.eigvalsh(loss_hessian_matrices(loss_cls(), y, raw))[0, -1]
    assert top == pytest.approx(loss_cls.curvature, rel=1e-12)


# -- numerical stability --------------------------------------------------------------
def test_logistic_loss_is_finite_and_exact_at_extreme_raw():
    loss = LogisticLoss()
    raw = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0], [-40.0]])
    y = np.array([[0.0], [0.0], [1.0], [1.0], [0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = loss.value(y, raw)
        grad = loss.gradient(y, raw)
        value2, grad2 = loss.value_and_gradient(y, raw)
        hess = loss.hessian(y, raw)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    # log(1 + e^z) - y z: 1000, ~0, ~0, 1000, and log1p(e^-40) to full precision
    np.testing.assert_allclose(
        value[:, 0], [1000.0, 0.0, 0.0, 1000.0, np.exp(-40.0)], rtol=1e-13, atol=0
    )
    np.testing.assert_array_equal(grad[:, 0], [1.0, 0.0, 0.0, -1.0, np.exp(-40.0)])
    np.testing.assert_array_equal(value2, value)
    np.testing.assert_array_equal(grad2, grad)
    np.testing.assert_array_equal(hess[:4], 0.0)


def test_multinomial_loss_is_finite_at_extreme_raw():
    loss = MultinomialLoss()
    raw = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grad = loss.value_and_gradient(y, raw)
        product = loss.hessian_product(y, raw, np.ones_like(raw))
        blocks = loss_hessian_matrices(loss, y, raw)
    np.testing.assert_allclose(value[:, 0], [2000.0, np.log(3.0)], rtol=1e-13)
    np.testing.assert_allclose(loss.value(y, raw), value, rtol=1e-13)
    np.testing.assert_allclose(grad, [[1, -1, 0], [-2 / 3, 1 / 3, 1 / 3]], atol=1e-15)
    assert np.all(np.isfinite(product)) and np.all(np.isfinite(blocks))


def test_objective_with_logistic_loss_is_finite_for_huge_coefficients():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = rng.integers(0, 2, size=(20, 1)).astype(float)
    obj = Objective(X, y, LogisticLoss(), L2Penalty(0.0), np.ones(20), True)
    theta = 1e4 * rng.normal(size=obj.size)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grad = obj.value_and_grad(theta)
        H = obj.hessian(theta)
    assert np.isfinite(value) and value > 0
    assert np.all(np.isfinite(grad)) and np.all(np.isfinite(H))


# -- multinomial structure -------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(data=st.data(), seed=seeds)
def test_multinomial_gradient_and_hessian_rows_sum_to_zero(data, seed):
    raw, y = data.draw(raw_and_targets(MultinomialLoss))
    loss = MultinomialLoss()
    np.testing.assert_allclose(loss.gradient(y, raw).sum(axis=1), 0.0, atol=1e-14)
    np.testing.assert_allclose(
        loss.value_and_gradient(y, raw)[1].sum(axis=1), 0.0, atol=1e-14
    )
    direction = _rng(seed).normal(size=raw.shape)
    product = loss.hessian_product(y, raw, direction)
    np.testing.assert_allclose(product.sum(axis=1), 0.0, atol=1e-14)
    # and the shift direction (1, ..., 1) is in the Hessian's kernel
    np.testing.assert_allclose(
        loss.hessian_product(y, raw, np.ones_like(raw)), 0.0, atol=1e-14
    )
    proba = loss.inverse_link(raw)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(loss.gradient(y, raw), proba - y, atol=1e-14)


def test_inverse_links():
    raw = np.array([[-3.0], [0.0], [2.0]])
    np.testing.assert_array_equal(SquaredLoss().inverse_link(raw), raw)
    np.testing.assert_allclose(LogisticLoss().inverse_link(raw), 1 / (1 + np.exp(-raw)))


# -- null model ---------------------------------------------------------------------
@pytest.mark.parametrize("container", ["dense", "csr_matrix"])
@pytest.mark.parametrize("loss_cls", LOSSES)
@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 30), d=st.integers(1, 5), seed=seeds, alpha=st.floats(0, 2))
def test_null_raw_is_the_optimal_constant(loss_cls, container, n, d, seed, alpha):
    rng = _rng(seed)
    X = rng.normal(size=(n, d)) + 1.0
    Y = make_targets(loss_cls, n, rng)
    sw = rng.uniform(0.1, 3.0, size=n)
    if container != "dense":
        X = getattr(sp, container)(X)
    obj = Objective(X, Y, loss_cls(), L2Penalty(alpha), sw, True)
    theta = obj.initial_theta()
    W, c = obj.split(theta)
    np.testing.assert_array_equal(W, 0.0)
    # c is the centred intercept divided by the intercept column's scale sigma
    # (least squares centres y first: its mean returns as target_offset)
    c = c * obj.intercept_scale + obj.target_offset
    np.testing.assert_allclose(c, loss_cls().null_raw(Y, sw / sw.sum()))

    # the intercept gradient vanishes at the null model (up to the 1e-12 clip
    # used when a class or label is absent)
    grad = obj.value_and_grad(theta)[1].reshape(obj.shape)
    np.testing.assert_allclose(grad[-1], 0.0, atol=1e-10)

    # closed forms: the weighted mean, through the inverse link
    mean = sw @ Y / sw.sum()
    if loss_cls is not MultinomialLoss or np.all(mean > 0):
        np.testing.assert_allclose(
            loss_cls().inverse_link(c[None, :])[0], mean, rtol=1e-9, atol=1e-11
        )
    if loss_cls is MultinomialLoss:
        assert c.sum() == pytest.approx(0.0, abs=1e-12)  # centred

    # and no constant does better
    value = obj.value(theta)
    for _ in range(5):
        moved = theta.copy()
        moved[-obj.n_outputs :] += 0.1 * rng.normal(size=obj.n_outputs)
        assert obj.value(moved) >= value - 1e-12


# -- penalties --------------------------------------------------------------------
coefficient_blocks = st.integers(1, 6).flatmap(
    lambda d: st.integers(1, 3).flatmap(
        lambda K: arrays(np.float64, (d, K), elements=st.floats(-10, 10))
    )
)


@settings(max_examples=25, deadline=None)
@given(W=coefficient_blocks, alpha=st.floats(0, 5), step=st.floats(1e-3, 10))
def test_l2_penalty(W, alpha, step):
    penalty = L2Penalty(alpha)
    assert penalty.smooth
    assert penalty.curvature == alpha
    assert penalty.value(W) == pytest.approx(0.5 * alpha * np.sum(W**2), rel=1e-12)
    grad = np.ones_like(W)
    penalty.add_gradient(W, grad)  # in place
    np.testing.assert_allclose(grad, 1.0 + alpha * W, rtol=1e-15)
    fd = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        e = np.zeros_like(W)
        e[idx] = FD_STEP
        fd[idx] = (penalty.value(W + e) - penalty.value(W - e)) / (2 * FD_STEP)
    np.testing.assert_allclose(fd, alpha * W, rtol=1e-6, atol=1e-7 * (1 + alpha))
    np.testing.assert_array_equal(penalty.prox(W, step), W)


@settings(max_examples=25, deadline=None)
@given(W=coefficient_blocks, alpha=st.floats(0, 5))
def test_l1_penalty_value_and_smooth_part(W, alpha):
    penalty = L1Penalty(alpha)
    assert not penalty.smooth
    assert penalty.curvature == 0.0
    assert penalty.value(W) == pytest.approx(alpha * np.abs(W).sum(), rel=1e-12)
    grad = np.full_like(W, 0.25)
    penalty.add_gradient(W, grad)
    np.testing.assert_array_equal(grad, 0.25)


def soft_threshold(z, t):
    """Closed form, written piecewise."""
    return np.where(z > t, z - t, np.where(z < -t, z + t, 0.0))


def assert_prox_optimality(z, p, t, alpha):
    """(z - p) / t lies in alpha * subdifferential of |.| at p, coordinate-wise."""
    g = (z - p) / t
    nonzero = p != 0
    np.testing.assert_allclose(
        g[nonzero], alpha * np.sign(p[nonzero]), rtol=1e-9, atol=1e-9
    )
    assert np.all(np.abs(g[~nonzero]) <= alpha * (1 + 1e-12) + 1e-12)


@settings(max_examples=40, deadline=None)
@given(
    Z=coefficient_blocks,
    alpha=st.floats(0, 5),
    step=st.floats(1e-3, 10),
    seed=seeds,
)
def test_l1_prox_is_soft_threshold(Z, alpha, step, seed):
    penalty = L1Penalty(alpha)
    before = Z.copy()

    P = penalty.prox(Z, step)
    np.testing.assert_array_equal(Z, before)
    np.testing.assert_allclose(P, soft_threshold(Z, step * alpha), rtol=1e-15)
    assert_prox_optimality(Z, P, step, alpha)

    # one step per coordinate (scaled proximal steps)
    steps = _rng(seed).uniform(1e-3, 10, size=Z.shape)
    P = penalty.prox(Z, steps)
    np.testing.assert_allclose(P, soft_threshold(Z, steps * alpha), rtol=1e-15)
    assert_prox_optimality(Z, P, steps, alpha)

    # the prox minimises |p - z|^2 / (2 t) + alpha |p|_1 (separable, per coordinate)
    def moreau(p):
        return (p - Z) ** 2 / (2 * steps) + alpha * np.abs(p)

    for delta in (1e-3, -1e-3, 0.5, -0.5):
        assert np.all(moreau(P + delta) >= moreau(P) - 1e-12)
