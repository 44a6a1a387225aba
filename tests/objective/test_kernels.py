"""The compiled minibatch kernels compute the NumPy path's gradients."""

import numpy as np
import pytest
import scipy.sparse as sp

from skgd.objective import (
    L1Penalty,
    L2Penalty,
    LogisticLoss,
    MultinomialLoss,
    Objective,
    SquaredLoss,
    _kernels,
)

pytestmark = pytest.mark.skipif(
    not _kernels.AVAILABLE, reason="numba is not installed (pip install skgd[fast])"
)

LOSSES = {
    "squared": (SquaredLoss, lambda rng, n: rng.standard_normal((n, 1))),
    "logistic": (LogisticLoss, lambda rng, n: (rng.random((n, 1)) > 0.5) * 1.0),
    "multinomial": (MultinomialLoss, lambda rng, n: np.eye(3)[rng.integers(0, 3, n)]),
}


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("container", ["dense", "csr"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_kernel_gradient_is_the_numpy_gradient(loss, dtype, container, fit_intercept):
    rng = np.random.default_rng(0)
    n, d = 300, 17
    Loss, target = LOSSES[loss]
    if container == "csr":
        X = sp.random(n, d, density=0.2, format="csr", random_state=0, dtype=dtype)
    else:
        X = rng.standard_normal((n, d)).astype(dtype)
    weights = rng.random(n) + 0.5
    weights[::7] = 0.0  # rows of zero weight are never drawn
    for penalty in (L2Penalty(0.3), L1Penalty(0.1)):
        objective = Objective(
            X, target(rng, n), Loss(), penalty, weights, fit_intercept
        )
        assert objective._row_kernels is not None
        theta = rng.standard_normal(objective.size).astype(dtype)
        rows = rng.permutation(objective.weighted_rows)[:40]
        compiled = objective.gradient(theta, rows)
        kernels, objective._row_kernels = objective._row_kernels, None
        gathered = objective.gradient(theta, rows)
        objective._row_kernels = kernels
        assert compiled.dtype == gathered.dtype == dtype
        tolerance = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(
            compiled, gathered, rtol=tolerance, atol=tolerance * np.abs(gathered).max()
        )


def test_inputs_the_kernels_do_not_cover_fall_back_to_numpy():
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((50, 4)))
    assert _kernels.row_kernels(X) is None  # not C-contiguous
    assert _kernels.row_kernels(sp.csc_matrix(X)) is None
    assert _kernels.row_kernels(X.astype(np.float16)) is None
    assert _kernels.row_kernels(np.ascontiguousarray(X)) is not None
