"""The honesty property itself: a fit is right, or it says it is not.

For random data (dense or sparse, float32 or float64, sample weights with
zeros, with or without an intercept, one column rescaled by up to 1e6 either
way), every built-in solver's fit either reaches the objective of an
independent scikit-learn reference within a relative 1e-4 (1e-2 for minibatch
solvers), or emits a ConvergenceWarning. The normal suite runs a bounded number
of examples; ``SKGD_PROPERTY_EXAMPLES=2000`` runs a larger search.
"""

import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge

from skgd import DivergenceError, GDLinearRegression, GDLogisticRegression, ProxLasso
from skgd.diagnostics import objective_for
from skgd.solvers import SOLVERS

EXAMPLES = int(os.environ.get("SKGD_PROPERTY_EXAMPLES", "20"))
BUILTIN = sorted(n for n, c in SOLVERS.items() if c.__module__.startswith("skgd."))
# every built-in on its default batches, plus first-order rules on minibatches
CONFIGS = [(solver, None) for solver in BUILTIN] + [
    (solver, 8) for solver in BUILTIN if not SOLVERS[solver].full_batch_only
]
FULL_BATCH_BAR, MINIBATCH_BAR = 1e-4, 1e-2


def reference(Estimator, alpha, fit_intercept, X, y, weights):
    """The optimum from scikit-learn, in float64, run to a tight tolerance."""
    S = weights.sum()
    if Estimator is GDLinearRegression:
        if alpha == 0:
            model = LinearRegression(fit_intercept=fit_intercept)
        else:
            model = Ridge(alpha=S * alpha, fit_intercept=fit_intercept, solver="svd")
        if sp.issparse(X):
            X = X.toarray()
    elif Estimator is ProxLasso:
        model = Lasso(
            alpha=alpha, fit_intercept=fit_intercept, tol=1e-14, max_iter=200_000
        )
    else:
        model = LogisticRegression(
            C=1.0 / (S * alpha),
            fit_intercept=fit_intercept,
            solver="newton-cholesky",
            tol=1e-12,
            max_iter=1000,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, sample_weight=weights)


@st.composite
def problems(draw):
    Estimator = draw(
        st.sampled_from([GDLinearRegression, GDLogisticRegression, ProxLasso])
    )
    n = draw(st.integers(8, 40))
    d = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d)) + draw(st.sampled_from([0.0, 3.0]))
    if draw(st.booleans()):  # one badly scaled column
        X[:, draw(st.integers(0, d - 1))] *= 10.0 ** draw(st.integers(-6, 6))
    scores = X @ rng.normal(size=d) / np.maximum(X.std(axis=0), 1e-300).mean()
    if Estimator is GDLogisticRegression:
        y = (scores + rng.logistic(size=n) > np.median(scores)).astype(int)
        if np.unique(y).size < 2:
            y[:2] = [0, 1]
    else:
        y = scores + 0.5 * rng.normal(size=n)
    weights = rng.uniform(0.2, 3.0, size=n)
    if draw(st.booleans()):  # some rows of weight zero
        weights[rng.uniform(size=n) < 0.25] = 0.0
        weights[:2] = 1.0  # two weighted rows (of both classes) remain
    alpha = draw(
        st.sampled_from(
            [1e-3, 1e-1] if Estimator is not GDLinearRegression else [0.0, 1e-2]
        )
    )
    fit_intercept = draw(st.booleans())
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    sparse = draw(st.booleans())
    return Estimator, X, y, weights, alpha, fit_intercept, dtype, sparse


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 100,  # the normal suite: the same examples every run
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problem=problems())
def test_every_fit_is_right_or_warns(problem):
    Estimator, X, y, weights, alpha, fit_intercept, dtype, sparse = problem
    exact = reference(Estimator, alpha, fit_intercept, X, y, weights)
    data = X.astype(dtype)
    if sparse:
        data = sp.csr_matrix(data)
    for solver, batch_size in CONFIGS:
        model = Estimator(
            solver=solver,
            batch_size=batch_size,
            alpha=alpha,
            fit_intercept=fit_intercept,
            random_state=0,
        )
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always", ConvergenceWarning)
            try:
                model.fit(data, y, sample_weight=weights)
            except DivergenceError:
                continue  # loud, and the estimator stays unfitted
        warned = any(w.category is ConvergenceWarning for w in record)
        assert np.all(np.isfinite(model.coef_)) and np.all(
            np.isfinite(model.intercept_)
        )
        objective = objective_for(model, X, y, weights)  # float64, the same data
        F = objective.value(
            objective.pack(
                np.asarray(model.coef_, float), np.asarray(model.intercept_, float)
            )
        )
        F_star = objective.value(objective.pack(exact.coef_, exact.intercept_))
        # relative to F*, or to 1e-8 of the decrease from the null model when
        # the data are interpolated (F* ~ 0: a relative gap would divide by 0)
        F_null = objective.value(objective.initial_theta())
        gap = (F - F_star) / max(abs(F_star), 1e-8 * (F_null - F_star))
        stochastic = SOLVERS[solver].stochastic or batch_size is not None
        bar = MINIBATCH_BAR if stochastic else FULL_BATCH_BAR
        assert gap <= bar or warned, (
            f"{Estimator.__name__}(solver={solver!r}) is {gap:.3g} above the "
            "optimum without a ConvergenceWarning"
        )
