"""The Objective layer: derivatives, curvature bounds, weights, packing and prox.

Finite differences are central with step ``FD_STEP = 1e-5``. Measured norm-wise
relative errors of the gradient and of the Hessian (n=20, d=5, random weights,
every loss, with and without intercept) against the step h:

    h        1e-3    1e-4    1e-5    1e-6    1e-7
    error    4e-8    4e-10   6e-11   7e-10   6e-9

(truncation error above 1e-5, round-off below; the squared loss is quadratic
so only round-off remains, ~1e-11 at 1e-5). The asserted 1e-6 therefore leaves
four orders of magnitude of margin.

Every "from scratch" quantity (values, per-sample Hessians, the weighted mean
used for centring) is recomputed here in plain numpy from the documented
formulas, never through the methods under test.
"""

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp
from sklearn.linear_model import Lasso
from threadpoolctl import threadpool_limits

from skgd.objective import (
    L1Penalty,
    L2Penalty,
    LogisticLoss,
    MultinomialLoss,
    Objective,
    SquaredLoss,
)

FD_STEP = 1e-5
FD_RTOL = 1e-6
# Lanczos (eigsh tol 1e-3) converges from below and lipschitz() multiplies by
# 1 + 1e-2: the squared-loss bound must be tight to within this.
LANCZOS_RTOL = 0.02

CASES = {
    "squared-l2": (SquaredLoss, L2Penalty),
    "logistic-l2": (LogisticLoss, L2Penalty),
    "multinomial-l2": (MultinomialLoss, L2Penalty),
    "squared-l1": (SquaredLoss, L1Penalty),
}
CONTAINERS = ["dense", "csr_matrix", "csr_array"]

seeds = st.integers(0, 2**32 - 1)
alphas = st.floats(0.0, 2.0)
containers = st.sampled_from(CONTAINERS)

# The shared hypothesis space of the objective's property tests: small dense or
# sparse problems with any penalty strength (and, below, either intercept).
_SMALL_PROBLEMS = dict(
    n=st.integers(1, 30),
    d=st.integers(1, 6),
    seed=seeds,
    alpha=alphas,
    container=containers,
)
small_problems = given(**_SMALL_PROBLEMS)
small_problems_with_intercept = given(**_SMALL_PROBLEMS, fit_intercept=st.booleans())


@pytest.fixture(autouse=True, scope="module")
def _single_blas_thread():
    """The matrices here are at most 243 x 243: BLAS threads only add contention
    (a 243 x 243 eigvalsh takes 5 ms on one thread, up to 0.6 s on two busy cores)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# -- helpers -----------------------------------------------------------------------
def as_container(X, kind):
    return X if kind == "dense" else getattr(sp, kind)(X)


def make_data(case, n, d, seed, scale=1.0):
    """Uncentred, partly zero features; targets in the loss's encoding; weights > 0."""
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n, d)) + rng.normal(size=d)) * scale
    X[rng.uniform(size=(n, d)) < 0.3] = 0.0
    loss_cls = CASES[case][0]
    if loss_cls is MultinomialLoss:
        Y = np.eye(3)[rng.integers(0, 3, n)]
    elif loss_cls is LogisticLoss:
        Y = rng.integers(0, 2, size=(n, 1)).astype(float)
    else:
        Y = rng.normal(size=(n, 1)) + 1.0
    sw = rng.uniform(0.1, 3.0, size=n)
    return X, Y, sw, rng


def make_objective(case, X, Y, sw, alpha, fit_intercept, container="dense"):
    loss_cls, penalty_cls = CASES[case]
    X = as_container(X, container)
    return Objective(X, Y, loss_cls(), penalty_cls(alpha), sw, fit_intercept)


def central_differences(f, theta, h=FD_STEP):
    """Gradient of a scalar ``f`` (shape (p,)) or Jacobian of a vector ``f`` (m, p)."""
    columns = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        columns.append((f(theta + e) - f(theta - e)) / (2 * h))
    return np.stack(columns, axis=-1)


def smooth_value(obj, theta, rows=None):
    """F minus the non-smooth penalty: the function whose gradient is returned."""
    value = obj.value(theta, rows=rows)
    if not obj.penalty.smooth:
        value -= obj.penalty.value(obj.split(theta)[0])
    return value


def assert_fd_close(approx, exact, floor):
    """Norm-wise relative error below FD_RTOL; ``floor`` is an absolute allowance
    for round-off (~1e-11 |F| at FD_STEP) when the exact derivative is ~0."""
    error = np.linalg.norm(approx - exact)
    assert error <= FD_RTOL * np.linalg.norm(exact) + floor


def direct_value(case, X, Y, sw, coef, intercept, alpha):
    """1/S sum_i s_i l(y_i, x_i coef^T + b) + R(coef), straight from the docstrings."""
    raw = X @ coef.T + intercept
    loss_cls, penalty_cls = CASES[case]
    if loss_cls is SquaredLoss:
        losses = 0.5 * ((Y - raw) ** 2).sum(axis=1)
    elif loss_cls is LogisticLoss:
        losses = (np.logaddexp(0.0, raw) - Y * raw).sum(axis=1)
    else:
        losses = logsumexp(raw, axis=1) - (Y * raw).sum(axis=1)
    if penalty_cls is L2Penalty:
        penalty = 0.5 * alpha * np.sum(coef**2)
    else:
        penalty = alpha * np.abs(coef).sum()
    return float(sw @ losses / sw.sum()) + penalty


def loss_second_derivatives(case, raw):
    """(n, K, K) Hessians of the pointwise loss in the raw prediction."""
    loss_cls = CASES[case][0]
    if loss_cls is SquaredLoss:
        return np.ones((raw.shape[0], 1, 1))
    if loss_cls is LogisticLoss:
        p = 1.0 / (1.0 + np.exp(-raw[:, 0]))
        return (p * (1.0 - p))[:, None, None]
    e = np.exp(raw - raw.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return np.einsum("ik,kl->ikl", p, np.eye(raw.shape[1])) - np.einsum(
        "ik,il->ikl", p, p
    )


def intercept_scale(X, sw):
    """sigma: the root mean weighted variance of the features (the documented
    scale of the intercept's column in centred coordinates)."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    w = sw / sw.sum()
    xbar = w @ X
    spread = float(w @ ((X - xbar) ** 2).sum(axis=1)) / X.shape[1]
    noise = 1e-10 * (float(xbar @ xbar) / X.shape[1] + spread)
    return np.sqrt(spread) if spread > noise else 1.0


def sample_hessians(case, X, sw, theta, fit_intercept, K):
    """Per-sample Hessians kron(z_i z_i^T, l''_i) of the unweighted data term in the
    flat theta ordering, with z_i = [x_i - xbar, sigma] (just x_i without
    intercept)."""
    n, d = X.shape
    Z = X
    if fit_intercept:
        xbar = sw @ X / sw.sum()
        Z = np.hstack([X - xbar, np.full((n, 1), intercept_scale(X, sw))])
    raw = Z @ theta.reshape(-1, K)
    lam = loss_second_derivatives(case, raw)
    p = Z.shape[1]
    return np.einsum("ia,ib,ikl->iakbl", Z, Z, lam).reshape(n, p * K, p * K)


def penalty_curvature_matrix(obj, alpha):
    diag = np.zeros(obj.size)
    if isinstance(obj.penalty, L2Penalty):
        diag[: obj.n_features * obj.n_outputs] = alpha
    return np.diag(diag)


def top_eigenvalue(H):
    return float(scipy.linalg.eigvalsh(H)[-1])


def assert_squared_lipschitz_formula(obj, bound, rtol):
    """Squared loss: the bound is max(lambda_max(Xc^T S Xc / S) + alpha, sigma^2),
    as documented (without intercept: lambda_max(X^T S X / S) + alpha).

    The Hessian is constant, [[Xc^T S Xc / S + alpha, 0], [0, sigma^2]] in centred
    coordinates, so the bound is its top eigenvalue exactly (up to the Lanczos
    margin on the d > 64 path).
    """
    H = obj.hessian(np.zeros(obj.size))
    alpha = obj.penalty.curvature
    n_coef = obj.n_features * obj.n_outputs
    lam = top_eigenvalue(H[:n_coef, :n_coef]) - alpha
    sigma2 = obj.intercept_scale**2
    expected = max(lam + alpha, sigma2) if obj.fit_intercept else lam + alpha
    if expected == 0:  # F is flat: any step is safe, lipschitz() reports 1
        assert bound == 1.0
        return
    assert expected <= bound * (1 + 1e-10)
    assert bound <= expected * (1 + rtol)
    assert bound <= top_eigenvalue(H) * (1 + rtol)


def soft_threshold(z, t):
    """Closed form, written piecewise."""
    return np.where(z > t, z - t, np.where(z < -t, z + t, 0.0))


# -- 1. gradient ------------------------------------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=15, deadline=None)
@small_problems
def test_gradient_matches_central_differences(
    case, fit_intercept, n, d, seed, alpha, container
):
    X, Y, sw, rng = make_data(case, n, d, seed)
    obj = make_objective(case, X, Y, sw, alpha, fit_intercept, container)
    theta = rng.normal(size=obj.size)
    value, grad = obj.value_and_grad(theta)
    fd = central_differences(lambda t: smooth_value(obj, t), theta)
    assert_fd_close(fd, grad, floor=1e-9 * (1 + abs(value)))
    assert value == pytest.approx(obj.value(theta), rel=1e-13)


def test_dense_and_sparse_objectives_agree():
    for case in CASES:
        for fit_intercept in (True, False):
            X, Y, sw, rng = make_data(case, 25, 5, seed=7)
            objs = [
                make_objective(case, X, Y, sw, 0.3, fit_intercept, c)
                for c in CONTAINERS
            ]
            theta = rng.normal(size=objs[0].size)
            v = rng.normal(size=objs[0].size)
            ref = objs[0]
            for obj in objs[1:]:
                np.testing.assert_allclose(
                    obj.value_and_grad(theta)[1], ref.value_and_grad(theta)[1]
                )
                assert obj.value(theta) == pytest.approx(ref.value(theta))
                H = ref.hessian(theta)
                # sparse and dense sum in different orders: rounding-level atol
                np.testing.assert_allclose(
                    obj.hessian(theta), H, atol=1e-13 * np.abs(H).max()
                )
                np.testing.assert_allclose(obj.hessp(theta)(v), ref.hessp(theta)(v))
                assert obj.lipschitz() == pytest.approx(ref.lipschitz())
                assert obj.row_lipschitz() == pytest.approx(ref.row_lipschitz())
                np.testing.assert_allclose(obj.initial_theta(), ref.initial_theta())


# -- 2. Hessian ---------------------------------------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=12, deadline=None)
@small_problems
def test_hessp_matches_gradient_differences_and_dense_hessian(
    case, fit_intercept, n, d, seed, alpha, container
):
    X, Y, sw, rng = make_data(case, n, d, seed)
    obj = make_objective(case, X, Y, sw, alpha, fit_intercept, container)
    theta = rng.normal(size=obj.size)
    H = obj.hessian(theta)
    product = obj.hessp(theta)
    columns = np.stack([product(e) for e in np.eye(obj.size)], axis=1)
    jacobian = central_differences(lambda t: obj.value_and_grad(t)[1], theta)

    scale = np.abs(H).max()
    np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-13 * scale)
    np.testing.assert_allclose(columns, H, rtol=1e-10, atol=1e-13 * scale)
    floor = 1e-9 * (1 + np.linalg.norm(obj.value_and_grad(theta)[1]))
    assert_fd_close(jacobian, H, floor)
    assert_fd_close(columns, jacobian, floor)
    v = rng.normal(size=obj.size)
    np.testing.assert_allclose(product(v), H @ v, rtol=1e-10, atol=1e-12 * scale)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 30), d=st.integers(1, 6), seed=seeds, alpha=alphas)
def test_hessian_is_weighted_sum_of_sample_hessians(
    case, fit_intercept, n, d, seed, alpha
):
    X, Y, sw, rng = make_data(case, n, d, seed)
    obj = make_objective(case, X, Y, sw, alpha, fit_intercept)
    theta = rng.normal(size=obj.size)
    per_sample = sample_hessians(case, X, sw, theta, fit_intercept, obj.n_outputs)
    expected = np.einsum("i,iab->ab", sw / sw.sum(), per_sample)
    expected += penalty_curvature_matrix(obj, alpha)
    H = obj.hessian(theta)
    np.testing.assert_allclose(H, expected, rtol=1e-10, atol=1e-13 * np.abs(H).max())


# -- 3. Lipschitz bounds ----------------------------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=10, deadline=None)
@given(
    n=st.integers(1, 30),
    d=st.integers(1, 64),
    seed=seeds,
    alpha=alphas,
    container=containers,
    scale=st.floats(0.05, 5.0),
)
def test_lipschitz_bounds_hessian_gram_path(
    case, fit_intercept, n, d, seed, alpha, container, scale
):
    X, Y, sw, rng = make_data(case, n, d, seed, scale=scale)
    obj = make_objective(case, X, Y, sw, alpha, fit_intercept, container)
    L = obj.lipschitz()
    for t in (0.0, 0.3, 1.0, 3.0):
        lam = top_eigenvalue(obj.hessian(t * rng.normal(size=obj.size)))
        assert lam <= L * (1 + 1e-10)
    if CASES[case][0] is SquaredLoss:
        # constant Hessian and an exact eigensolver
        assert_squared_lipschitz_formula(obj, L, rtol=1e-9)


@pytest.mark.parametrize("container", ["dense", "csr_matrix"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=3, deadline=None)
@given(n=st.integers(5, 120), seed=seeds, alpha=alphas, scale=st.floats(0.05, 3.0))
def test_lipschitz_bounds_hessian_lanczos_path(
    case, fit_intercept, container, n, seed, alpha, scale
):
    X, Y, sw, rng = make_data(case, n, 80, seed, scale=scale)
    obj = make_objective(case, X, Y, sw, alpha, fit_intercept, container)
    L = obj.lipschitz()
    for t in (0.0, 1.0):
        lam = top_eigenvalue(obj.hessian(t * rng.normal(size=obj.size)))
        assert lam <= L * (1 + 1e-10)
    if CASES[case][0] is SquaredLoss:
        # Lanczos from below, times the documented safety margin: tight to a few %
        assert_squared_lipschitz_formula(obj, L, rtol=LANCZOS_RTOL)


def _one_hot(n, d, seed):
    return np.eye(d)[np.random.default_rng(seed).integers(0, d, n)]


DEGENERATE_DESIGNS = {
    # OneHotEncoder output: every row sums to 1, so the centred Gram maps the
    # all-ones vector to zero.
    "one-hot-80-dense": (lambda: _one_hot(300, 80, 0), True),
    "one-hot-80-csr": (lambda: sp.csr_matrix(_one_hot(300, 80, 0)), True),
    "single-sample-80": (
        lambda: np.random.default_rng(0).normal(size=(1, 80)),
        True,
    ),
    # same design below the Gram/Lanczos threshold: the control case
    "one-hot-64-dense": (lambda: _one_hot(300, 64, 0), True),
}


@pytest.mark.parametrize("design", list(DEGENERATE_DESIGNS))
def test_lipschitz_when_centred_gram_annihilates_ones(design):
    make_X, fit_intercept = DEGENERATE_DESIGNS[design]
    X = make_X()
    n = X.shape[0]
    rng = np.random.default_rng(1)
    obj = Objective(
        X,
        rng.normal(size=(n, 1)),
        SquaredLoss(),
        L2Penalty(0.1),
        rng.uniform(0.5, 2.0, n),
        fit_intercept,
    )
    lam = top_eigenvalue(obj.hessian(np.zeros(obj.size)))
    L = obj.lipschitz()
    assert lam <= L * (1 + 1e-10)
    assert_squared_lipschitz_formula(obj, L, rtol=LANCZOS_RTOL)


@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=10, deadline=None)
@small_problems_with_intercept
def test_row_lipschitz_bounds_every_sample_hessian(
    case, n, d, seed, alpha, container, fit_intercept
):
    X, Y, sw, rng = make_data(case, n, d, seed)
    sw[rng.uniform(size=n) < 0.3] = 0.0
    sw[rng.integers(n)] = 1.0
    obj = make_objective(case, X, Y, sw, alpha, fit_intercept, container)
    L_row = obj.row_lipschitz()
    pen = penalty_curvature_matrix(obj, alpha)
    # a minibatch weights row i by n_+ s_i / S / |B| (unbiased): a single row's
    # Hessian enters a batch of one with the factor n_+ s_i / S
    factor = np.count_nonzero(sw) * sw / sw.sum()
    for t in (0.0, 1.0):
        theta = t * rng.normal(size=obj.size)
        per_sample = sample_hessians(case, X, sw, theta, fit_intercept, obj.n_outputs)
        tops = [
            top_eigenvalue(f * Hi + pen)
            for f, Hi in zip(factor[sw > 0], per_sample[sw > 0], strict=True)
        ]
        assert max(tops) <= L_row * (1 + 1e-10)
    if CASES[case][0] is SquaredLoss:
        # l'' = 1: the top eigenvalue of the data part is |z_i|^2 exactly
        data_tops = [
            top_eigenvalue(f * Hi)
            for f, Hi in zip(factor[sw > 0], per_sample[sw > 0], strict=True)
        ]
        expected = max(data_tops) + obj.penalty.curvature
        # a flat objective (zero rows, no penalty) reports the unit step's L = 1
        assert (expected if expected > 0 else 1.0) == pytest.approx(L_row)


# -- 4. sample weights ---------------------------------------------------------------
def assert_objectives_agree(a, b, theta, rng):
    close = {"rtol": 1e-10, "atol": 1e-12}
    value_a, grad_a = a.value_and_grad(theta)
    value_b, grad_b = b.value_and_grad(theta)
    assert value_a == pytest.approx(value_b, rel=1e-10)
    np.testing.assert_allclose(grad_a, grad_b, **close)
    assert a.value(theta) == pytest.approx(b.value(theta), rel=1e-10)
    np.testing.assert_allclose(a.hessian(theta), b.hessian(theta), **close)
    v = rng.normal(size=theta.size)
    np.testing.assert_allclose(a.hessp(theta)(v), b.hessp(theta)(v), **close)
    assert a.lipschitz() == pytest.approx(b.lipschitz(), rel=1e-9)
    np.testing.assert_allclose(a.initial_theta(), b.initial_theta(), **close)
    assert a.optimality(theta, grad_a) == pytest.approx(
        b.optimality(theta, grad_b), rel=1e-9, abs=1e-12
    )
    for part_a, part_b in zip(a.unpack(theta), b.unpack(theta), strict=True):
        np.testing.assert_allclose(part_a, part_b, **close)


@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=10, deadline=None)
@given(
    n=st.integers(1, 15),
    d=st.integers(1, 5),
    seed=seeds,
    alpha=alphas,
    container=containers,
    fit_intercept=st.booleans(),
)
def test_integer_weights_equal_repeated_rows(
    case, n, d, seed, alpha, container, fit_intercept
):
    X, Y, _, rng = make_data(case, n, d, seed)
    counts = rng.integers(1, 4, size=n)
    repeat = np.repeat(np.arange(n), counts)
    weighted = make_objective(
        case, X, Y, counts.astype(float), alpha, fit_intercept, container
    )
    repeated = make_objective(
        case,
        X[repeat],
        Y[repeat],
        np.ones(repeat.size),
        alpha,
        fit_intercept,
        container,
    )
    assert_objectives_agree(weighted, repeated, rng.normal(size=weighted.size), rng)


@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=10, deadline=None)
@given(
    n=st.integers(1, 15),
    d=st.integers(1, 5),
    seed=seeds,
    alpha=alphas,
    container=containers,
    fit_intercept=st.booleans(),
)
def test_zero_weights_equal_removed_rows(
    case, n, d, seed, alpha, container, fit_intercept
):
    X, Y, sw, rng = make_data(case, n, d, seed)
    keep = rng.uniform(size=n) < 0.6
    keep[rng.integers(n)] = True
    sw = np.where(keep, sw, 0.0)
    zeroed = make_objective(case, X, Y, sw, alpha, fit_intercept, container)
    removed = make_objective(
        case, X[keep], Y[keep], sw[keep], alpha, fit_intercept, container
    )
    assert_objectives_agree(zeroed, removed, rng.normal(size=zeroed.size), rng)


# -- 5. minibatches ---------------------------------------------------------------
@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=10, deadline=None)
@small_problems_with_intercept
def test_minibatch_of_all_rows_equals_full_batch(
    case, n, d, seed, alpha, container, fit_intercept
):
    X, Y, sw, rng = make_data(case, n, d, seed)
    obj = make_objective(case, X, Y, sw, alpha, fit_intercept, container)
    theta = rng.normal(size=obj.size)
    value, grad = obj.value_and_grad(theta)
    assert obj.value(theta) == pytest.approx(value, rel=1e-13)
    for rows in (np.arange(n), rng.permutation(n), list(range(n))):
        batch_value, batch_grad = obj.value_and_grad(theta, rows=rows)
        assert batch_value == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(batch_grad, grad, rtol=1e-11, atol=1e-13)
        assert obj.value(theta, rows=rows) == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(
            obj.gradient(theta, rows=rows), grad, rtol=1e-11, atol=1e-13
        )
    np.testing.assert_allclose(obj.gradient(theta), grad, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=10, deadline=None)
@small_problems_with_intercept
def test_minibatch_is_the_batch_weighted_objective(
    case, n, d, seed, alpha, container, fit_intercept
):
    X, Y, sw, rng = make_data(case, n, d, seed)
    obj = make_objective(case, X, Y, sw, alpha, fit_intercept, container)
    theta = rng.normal(size=obj.size)
    rows = rng.choice(n, size=rng.integers(1, n + 1), replace=False)
    coef, intercept = obj.unpack(theta)
    # unbiased: the batch's rows weighted by (n_+ / |B|) s_i / S, where n_+ counts
    # the rows of positive weight (the ones minibatches are drawn from)
    scaled = sw[rows] * (np.count_nonzero(sw) / rows.size) / sw.sum()
    data = 0.0
    if scaled.sum() > 0:
        data = scaled.sum() * direct_value(
            case, X[rows], Y[rows], scaled, coef, intercept, 0.0
        )
    # R(coef) from the penalty's own closed form (tested on its own elsewhere)
    expected = data + (direct_value(case, X, Y, sw, coef, intercept, alpha)
                       - direct_value(case, X, Y, sw, coef, intercept, 0.0))  # fmt: skip
    value, grad = obj.value_and_grad(theta, rows=rows)
    assert value == pytest.approx(expected, rel=1e-11, abs=1e-14)
    assert obj.value(theta, rows=rows) == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(
        obj.gradient(theta, rows=rows), grad, rtol=1e-13, atol=1e-15
    )
    fd = central_differences(lambda t: smooth_value(obj, t, rows=rows), theta)
    assert_fd_close(fd, grad, floor=1e-9 * (1 + abs(value)))


# -- 6. packing -----------------------------------------------------------------------
@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=10, deadline=None)
@given(
    n=st.integers(1, 30),
    d=st.integers(1, 6),
    seed=seeds,
    alpha=st.floats(0.01, 2.0),
    container=containers,
    fit_intercept=st.booleans(),
)
def test_pack_layout_and_unpack_roundtrip(
    case, n, d, seed, alpha, container, fit_intercept
):
    X, Y, sw, rng = make_data(case, n, d, seed)
    obj = make_objective(case, X, Y, sw, alpha, fit_intercept, container)
    K = obj.n_outputs
    coef, b = rng.normal(size=(K, d)), rng.normal(size=K)
    theta = obj.pack(coef, b)

    # layout: W = coef.T rows first, then the centred, scaled intercept
    # c = (b + xbar W) / sigma
    assert theta.shape == ((d + fit_intercept) * K,)
    M = theta.reshape(d + fit_intercept, K)
    np.testing.assert_array_equal(M[:d], coef.T)
    W, c = obj.split(theta)
    np.testing.assert_array_equal(W, coef.T)
    if fit_intercept:
        xbar = sw @ X / sw.sum()
        sigma = intercept_scale(X, sw)
        assert obj.intercept_scale == pytest.approx(sigma, rel=1e-10)
        # least squares centres y (in float64): its mean leaves the intercept
        offset = sw @ Y / sw.sum() if CASES[case][0] is SquaredLoss else 0.0
        np.testing.assert_allclose(
            M[d], (b - offset + xbar @ coef.T) / sigma, rtol=1e-10, atol=1e-12
        )
        np.testing.assert_array_equal(c, M[d])
    else:
        assert c is None

    coef_back, b_back = obj.unpack(theta)
    assert coef_back.shape == (K, d) and b_back.shape == (K,)
    np.testing.assert_allclose(coef_back, coef, rtol=1e-12, atol=1e-12)
    if not fit_intercept:
        np.testing.assert_array_equal(b_back, np.zeros(K))
    elif K == 1:
        np.testing.assert_allclose(b_back, b, rtol=1e-12, atol=1e-12)
    else:
        # softmax gauge: the intercept comes back up to one shift of every class
        shift = b_back - b
        np.testing.assert_allclose(shift, shift[0], rtol=0, atol=1e-12)
    assert obj.value(obj.pack(coef_back, b_back)) == pytest.approx(
        obj.value(theta), rel=1e-12
    )


@settings(max_examples=10, deadline=None)
@given(
    n=st.integers(1, 30),
    d=st.integers(1, 6),
    seed=seeds,
    container=containers,
    fit_intercept=st.booleans(),
)
def test_unpack_multinomial_without_penalty_uses_zero_sum_gauge(
    n, d, seed, container, fit_intercept
):
    X, Y, sw, rng = make_data("multinomial-l2", n, d, seed)
    obj = make_objective("multinomial-l2", X, Y, sw, 0.0, fit_intercept, container)
    theta = rng.normal(size=obj.size)
    coef, b = obj.unpack(theta)
    np.testing.assert_allclose(coef.sum(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(b.sum(), 0.0, atol=1e-12)
    expected = direct_value("multinomial-l2", X, Y, sw, coef, b, 0.0)
    assert obj.value(theta) == pytest.approx(expected, rel=1e-11)
    # zero-sum parameters come back unchanged
    coef0 = rng.normal(size=(3, d))
    coef0 -= coef0.mean(axis=0)
    b0 = rng.normal(size=3) if fit_intercept else np.zeros(3)
    b0 -= b0.mean()
    coef_back, b_back = obj.unpack(obj.pack(coef0, b0))
    np.testing.assert_allclose(coef_back, coef0, atol=1e-12)
    np.testing.assert_allclose(b_back, b0, atol=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=10, deadline=None)
@small_problems
def test_value_at_pack_matches_documented_formula(
    case, fit_intercept, n, d, seed, alpha, container
):
    X, Y, sw, rng = make_data(case, n, d, seed)
    obj = make_objective(case, X, Y, sw, alpha, fit_intercept, container)
    K = obj.n_outputs
    coef, b = rng.normal(size=(K, d)), rng.normal(size=K)
    theta = obj.pack(coef, b)
    expected = direct_value(
        case, X, Y, sw, coef, b if fit_intercept else np.zeros(K), alpha
    )
    assert obj.value(theta) == pytest.approx(expected, rel=1e-11)
    assert obj.value_and_grad(theta)[0] == pytest.approx(expected, rel=1e-11)


# -- 7. prox and optimality -----------------------------------------------------------
@pytest.mark.parametrize("loss_cls", [SquaredLoss, MultinomialLoss])
@settings(max_examples=15, deadline=None)
@given(
    d=st.integers(1, 6),
    seed=seeds,
    alpha=st.floats(0.0, 3.0),
    step=st.floats(1e-3, 3.0),
    fit_intercept=st.booleans(),
)
def test_objective_prox_soft_thresholds_coefficients_only(
    loss_cls, d, seed, alpha, step, fit_intercept
):
    rng = np.random.default_rng(seed)
    K = 3 if loss_cls is MultinomialLoss else 1
    n = 5
    X = rng.normal(size=(n, d))
    Y = np.eye(3)[rng.integers(0, 3, n)] if K == 3 else rng.normal(size=(n, 1))
    obj = Objective(X, Y, loss_cls(), L1Penalty(alpha), np.ones(n), fit_intercept)
    theta = 2.0 * rng.normal(size=obj.size)
    before = theta.copy()
    nW = d * K

    # scalar step
    out = obj.prox(theta, step)
    np.testing.assert_array_equal(theta, before)  # not modified in place
    np.testing.assert_allclose(out[:nW], soft_threshold(theta[:nW], step * alpha))
    np.testing.assert_array_equal(out[nW:], theta[nW:])  # intercept untouched
    # prox optimality: (z - p) / t in alpha * d|p|, coordinate-wise
    g = (theta[:nW] - out[:nW]) / step
    nz = out[:nW] != 0
    np.testing.assert_allclose(g[nz], alpha * np.sign(out[:nW][nz]), atol=1e-12)
    assert np.all(np.abs(g[~nz]) <= alpha * (1 + 1e-12) + 1e-12)

    # one step per coordinate, shaped like theta; huge steps on the intercept row
    steps = rng.uniform(1e-3, 3.0, size=obj.size)
    steps[nW:] = 1e6
    out = obj.prox(theta, steps)
    np.testing.assert_allclose(out[:nW], soft_threshold(theta[:nW], steps[:nW] * alpha))
    np.testing.assert_array_equal(out[nW:], theta[nW:])
    g = (theta[:nW] - out[:nW]) / steps[:nW]
    nz = out[:nW] != 0
    np.testing.assert_allclose(g[nz], alpha * np.sign(out[:nW][nz]), atol=1e-12)
    assert np.all(np.abs(g[~nz]) <= alpha * (1 + 1e-12) + 1e-12)


def test_objective_prox_is_identity_for_smooth_penalty():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    obj = Objective(X, Y, SquaredLoss(), L2Penalty(1.0), np.ones(6), True)
    theta = rng.normal(size=obj.size)
    np.testing.assert_array_equal(obj.prox(theta, 0.7), theta)
    np.testing.assert_array_equal(obj.prox(theta, np.full(obj.size, 2.0)), theta)


def _lasso_problem(seed, fit_intercept, n=40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6)) + rng.normal(size=6)
    w = np.array([1.5, 0.0, -2.0, 0.0, 0.5, 0.0])
    y = X @ w + 0.3 * rng.normal(size=n) + (2.0 if fit_intercept else 0.0)
    return X, y, rng


@pytest.mark.parametrize("container", ["dense", "csr_matrix"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_optimality_vanishes_at_lasso_solution(fit_intercept, weighted, container):
    X, y, rng = _lasso_problem(0, fit_intercept)
    n = X.shape[0]
    sw = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    alpha = 0.1
    obj = Objective(
        as_container(X, container),
        y[:, None],
        SquaredLoss(),
        L1Penalty(alpha),
        sw,
        fit_intercept,
    )
    lasso = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-12, max_iter=100000)
    lasso.fit(as_container(X, container), y, sample_weight=sw)
    assert np.any(lasso.coef_ == 0) and np.any(lasso.coef_ != 0)
    theta = obj.pack(lasso.coef_[None, :], np.atleast_1d(lasso.intercept_))
    assert obj.optimality(theta, obj.value_and_grad(theta)[1]) < 1e-7

    # any move away from the minimiser is detected, in every coordinate
    for j in range(obj.size):
        for delta in (1e-3, -1e-3):
            moved = theta.copy()
            moved[j] += delta
            assert obj.optimality(moved, obj.value_and_grad(moved)[1]) > 1e-5

    # beyond alpha_max the lasso solution is the null model, the initial theta
    Xc = X - sw @ X / sw.sum() if fit_intercept else X
    yc = y - sw @ y / sw.sum() if fit_intercept else y
    alpha_max = np.abs(Xc.T @ (sw * yc)).max() / sw.sum()
    big = Objective(X, y[:, None], SquaredLoss(), L1Penalty(1.01 * alpha_max), sw, fit_intercept)  # fmt: skip
    theta0 = big.initial_theta()
    assert big.optimality(theta0, big.value_and_grad(theta0)[1]) < 1e-12
    small = Objective(X, y[:, None], SquaredLoss(), L1Penalty(0.99 * alpha_max), sw, fit_intercept)  # fmt: skip
    assert small.optimality(theta0, small.value_and_grad(theta0)[1]) > 1e-4


@pytest.mark.parametrize("case", ["squared-l2", "logistic-l2", "multinomial-l2"])
@settings(max_examples=10, deadline=None)
@given(
    n=st.integers(1, 30),
    d=st.integers(1, 6),
    seed=seeds,
    alpha=alphas,
    fit_intercept=st.booleans(),
)
def test_optimality_is_the_curvature_scaled_gradient_for_smooth_penalty(
    case, n, d, seed, alpha, fit_intercept
):
    X, Y, sw, rng = make_data(case, n, d, seed)
    obj = make_objective(case, X, Y, sw, alpha, fit_intercept)
    theta = rng.normal(size=obj.size)
    grad = obj.value_and_grad(theta)[1]
    # h: loss curvature times each column's weighted (centred) second moment,
    # plus alpha; sigma^2 times the loss curvature for the intercept
    s = sw / sw.sum()
    Xc = X - s @ X if fit_intercept else X
    c = CASES[case][0].curvature
    h = np.repeat(c * (s @ Xc**2) + obj.penalty.curvature, obj.n_outputs)
    if fit_intercept:
        h = np.append(h, np.full(obj.n_outputs, c * obj.intercept_scale**2))
    curved = h > 0  # a subnormal curvature is still a curvature
    expected = np.max(np.abs(grad[curved]) / np.sqrt(h[curved]), initial=0.0)
    assert obj.optimality(theta, grad) == pytest.approx(expected, rel=1e-9, abs=1e-300)


# -- 9. invariant directions -------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 30),
    d=st.integers(1, 6),
    seed=seeds,
    alpha=alphas,
    container=containers,
    penalty_cls=st.sampled_from([L2Penalty, L1Penalty]),
)
def test_multinomial_intercept_shift_is_invariant(
    n, d, seed, alpha, container, penalty_cls
):
    X, Y, sw, rng = make_data("multinomial-l2", n, d, seed)
    obj = Objective(
        as_container(X, container), Y, MultinomialLoss(), penalty_cls(alpha), sw, True
    )
    (u,) = obj.invariant_directions()
    assert u.shape == (obj.size,)
    assert np.linalg.norm(u) == pytest.approx(1.0)
    np.testing.assert_array_equal(u[: d * 3], 0.0)
    theta = rng.normal(size=obj.size)
    value, grad = obj.value_and_grad(theta)
    for t in (-5.0, 0.3, 7.0):
        shifted_value, shifted_grad = obj.value_and_grad(theta + t * u)
        assert shifted_value == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(shifted_grad, grad, rtol=1e-10, atol=1e-13)
    assert abs(grad @ u) <= 1e-13 * max(1.0, np.linalg.norm(grad))
    np.testing.assert_allclose(obj.hessp(theta)(u), 0.0, atol=1e-13)
    np.testing.assert_allclose(obj.hessian(theta) @ u, 0.0, atol=1e-13)


@pytest.mark.parametrize(
    ("case", "fit_intercept"),
    [
        ("multinomial-l2", False),
        ("squared-l2", True),
        ("logistic-l2", True),
        ("squared-l1", False),
    ],
)
def test_no_invariant_direction_otherwise(case, fit_intercept):
    X, Y, sw, _ = make_data(case, 10, 3, seed=0)
    obj = make_objective(case, X, Y, sw, 0.1, fit_intercept)
    assert list(obj.invariant_directions()) == []
