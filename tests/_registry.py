"""The solvers and estimators that tests of "every solver" or "every estimator" run over.

Read from skgd's registries, so that a new built-in solver or a new public
estimator is tested without editing any list. ``pytest.mark.parametrize`` needs
its values when a test module is collected, before fixtures exist, so they are
plain module constants here; ``conftest.py`` serves the same lists as fixtures.
Tests that target a particular subset of solvers keep writing it out.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

import skgd.linear_model
from skgd.comparison import all_solvers
from skgd.solvers import SOLVERS


def is_builtin(solver):
    """Whether a registry entry is one of skgd's own (not registered by a test or user)."""
    return getattr(solver, "__module__", "").startswith("skgd.")


# Every built-in solver name, in the README's order (then registration order).
BUILTIN_SOLVERS = [name for name in all_solvers() if is_builtin(SOLVERS[name])]

# The built-in solvers that use every row at every iteration (all but sgd).
FULL_BATCH_SOLVERS = [name for name in BUILTIN_SOLVERS if not SOLVERS[name].stochastic]

# Every public estimator class of skgd.linear_model, in the order of its __all__.
ESTIMATORS = [
    obj
    for obj in (getattr(skgd.linear_model, name) for name in skgd.linear_model.__all__)
    if isinstance(obj, type) and issubclass(obj, BaseEstimator)
]


def target_kind(Estimator):
    """What ``y`` the estimator fits, from the problem table: "continuous",
    "classes" or "counts"."""
    from skgd.comparison import PROBLEM_TABLE

    for problem in PROBLEM_TABLE:
        if problem.estimator is Estimator:
            return problem.target
    return "classes" if issubclass(Estimator, ClassifierMixin) else "continuous"


def regression_target(Estimator, scores):
    """``scores`` as the estimator's continuous target: themselves, or for a
    count model deterministic counts of mean ``exp(1 + scores / 2)`` (standardized)."""
    if target_kind(Estimator) != "counts":
        return scores
    z = (scores - scores.mean()) / max(scores.std(), 1e-12)
    return np.round(np.exp(1.0 + 0.5 * z))


def refuses_by_default(Estimator, solver):
    """Whether ``Estimator(solver=solver)`` refuses its own loss and penalty with
    the default ``learning_rate="auto"`` (first-order solvers on the Poisson
    loss: no Lipschitz constant); such combinations are tested for the clear
    refusal in tests/test_combinations.py."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(6, 2))
    y = np.array([0, 1, 0, 1, 0, 1])
    if target_kind(Estimator) != "classes":
        y = regression_target(Estimator, X[:, 0] + 1.0)
    try:
        Estimator(solver=solver, max_iter=1, tol=0.0).fit(X, y)
    except ValueError as error:
        if "cannot minimise" in str(error):
            return True
        raise
    return False
