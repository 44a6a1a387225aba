"""The honesty property itself: a fit is right, or it says it is not.

For every problem of the problem table and random data (dense or sparse,
float32 or float64, sample weights with zeros, with or without an intercept,
one column rescaled by up to 1e6 either way), every built-in solver's fit
either reaches the objective of an independent scikit-learn reference within a
relative 1e-4 (1e-2 for minibatch solvers), or emits a ConvergenceWarning, or
refuses the objective with a ValueError naming the missing capability. The normal suite runs a bounded number
of examples; ``SKGD_PROPERTY_EXAMPLES=2000`` runs a larger search.
"""

import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge

from skgd import DivergenceError, GDLinearRegression, ProxLasso
from skgd.comparison import PROBLEM_TABLE
from skgd.diagnostics import objective_for
from skgd.solvers import SOLVERS

EXAMPLES = int(os.environ.get("SKGD_PROPERTY_EXAMPLES", "20"))
BUILTIN = sorted(n for n, c in SOLVERS.items() if c.__module__.startswith("skgd."))
# every built-in on its default batches, plus first-order rules on minibatches
CONFIGS = [(solver, None) for solver in BUILTIN] + [
    (solver, 8) for solver in BUILTIN if not SOLVERS[solver].full_batch_only
]
FULL_BATCH_BAR, MINIBATCH_BAR = 1e-4, 1e-2


def _sklearn_reference(Estimator, alpha, fit_intercept, X, y, weights):
    """The three original problems' optima from scikit-learn, written out here."""
    S = weights.sum()
    if Estimator is GDLinearRegression:
        if alpha == 0:
            return LinearRegression(fit_intercept=fit_intercept)
        return Ridge(alpha=S * alpha, fit_intercept=fit_intercept, solver="svd")
    if Estimator is ProxLasso:
        return Lasso(
            alpha=alpha, fit_intercept=fit_intercept, tol=1e-14, max_iter=200_000
        )
    return LogisticRegression(
        C=1.0 / (S * alpha),
        fit_intercept=fit_intercept,
        solver="newton-cholesky",
        tol=1e-12,
        max_iter=1000,
    )


def reference_objective(problem, estimator, X, y, weights):
    """F* in float64: scikit-learn's optimum for the original problems; for
    the others, the better of the problem table's reference and a tight
    newton fit (scikit-learn's saga is not scale-invariant)."""
    objective = objective_for(estimator, X, y, weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if problem.name in ("linear", "logistic", "lasso"):
            model = _sklearn_reference(
                type(estimator), estimator.alpha, estimator.fit_intercept, X, y, weights
            )
            fits = [model.fit(X.toarray() if sp.issparse(X) else X, y,
                              sample_weight=weights)]  # fmt: skip
        else:
            S = float(weights.sum())
            fits = [problem.references(estimator, S)[0].fit(X, y, weights)]
            fits.append(
                clone(estimator)
                .set_params(solver="newton", tol=1e-12)
                .fit(X, y, sample_weight=weights)
            )
    return min(
        objective.value(objective.pack(fit.coef_, fit.intercept_)) for fit in fits
    )


def _target(kind, scores, rng):
    n = scores.size
    if kind == "classes":
        y = (scores + rng.logistic(size=n) > np.median(scores)).astype(int)
        y[:2] = [0, 1]  # both classes among the rows that keep a weight
        return y
    if kind == "counts":
        z = (scores - scores.mean()) / max(scores.std(), 1e-12)
        y = rng.poisson(np.exp(0.5 * z + 1.0)).astype(float)
        y[:2] = np.maximum(y[:2], 1.0)  # a positive weighted sum
        return y
    return scores + 0.5 * rng.normal(size=n)


@st.composite
def problems(draw):
    problem = draw(st.sampled_from(PROBLEM_TABLE))
    n = draw(st.integers(8, 40))
    d = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d)) + draw(st.sampled_from([0.0, 3.0]))
    if draw(st.booleans()):  # one badly scaled column
        X[:, draw(st.integers(0, d - 1))] *= 10.0 ** draw(st.integers(-6, 6))
    scores = X @ rng.normal(size=d) / np.maximum(X.std(axis=0), 1e-300).mean()
    y = _target(problem.target, scores, rng)
    weights = rng.uniform(0.2, 3.0, size=n)
    if draw(st.booleans()):  # some rows of weight zero
        weights[rng.uniform(size=n) < 0.25] = 0.0
        weights[:2] = 1.0  # two weighted rows (of both classes) remain
    alpha = draw(st.sampled_from([0.0, 1e-2] if problem.alpha == 0 else [1e-3, 1e-1]))
    fit_intercept = draw(st.booleans())
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    sparse = draw(st.booleans())
    estimator = problem.make_estimator(alpha).set_params(fit_intercept=fit_intercept)
    return problem, estimator, X, y, weights, dtype, sparse


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 100,  # the normal suite: the same examples every run
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problem=problems())
def test_every_fit_is_right_or_warns(problem):
    problem, estimator, X, y, weights, dtype, sparse = problem
    F_star = reference_objective(problem, estimator, X, y, weights)
    data = X.astype(dtype)
    if sparse:
        data = sp.csr_matrix(data)
    for solver, batch_size in CONFIGS:
        model = clone(estimator).set_params(
            solver=solver, batch_size=batch_size, random_state=0
        )
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always", ConvergenceWarning)
            try:
                model.fit(data, y, sample_weight=weights)
            except DivergenceError:
                continue  # loud, and the estimator stays unfitted
            except ValueError as error:  # a solver refusing the objective
                assert "cannot minimise" in str(error), str(error)
                continue
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
        # relative to F*, or to 1e-8 of the decrease from the null model when
        # the data are interpolated (F* ~ 0: a relative gap would divide by 0)
        F_null = objective.value(objective.initial_theta())
        gap = (F - F_star) / max(abs(F_star), 1e-8 * (F_null - F_star))
        stochastic = SOLVERS[solver].stochastic or batch_size is not None
        bar = MINIBATCH_BAR if stochastic else FULL_BATCH_BAR
        assert gap <= bar or warned, (
            f"{problem.name}: {type(model).__name__}(solver={solver!r}) is "
            f"{gap:.3g} above the optimum without a ConvergenceWarning"
        )
