"""The written contracts between the layers, checked."""

import inspect
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

import skgd
from skgd import linear_model
from skgd.objective import (
    CAPABILITIES,
    ElasticNetPenalty,
    L1Penalty,
    L2Penalty,
    LogisticLoss,
    Loss,
    MultinomialLoss,
    Penalty,
    PoissonLoss,
    SquaredLoss,
    check_capabilities,
)
from skgd.solvers import SOLVERS, Adam, Algorithm, Solver, UpdateRule

ESTIMATORS = [
    getattr(linear_model, name)
    for name in linear_model.__all__
    if inspect.isclass(getattr(linear_model, name))
]


def _data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    return X, X @ np.array([1.0, -1.0, 0.5]) + 0.1 * rng.normal(size=60)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_signatures_are_explicit_and_match_the_validation(Estimator):
    parameters = inspect.signature(Estimator).parameters
    assert all(p.kind is p.KEYWORD_ONLY for p in parameters.values())
    assert set(parameters) == set(Estimator._parameter_constraints)
    assert set(parameters) == set(Estimator().get_params())


def test_every_registered_solver_is_one_of_the_two_kinds():
    for name, cls in SOLVERS.items():
        if cls.__module__.startswith("skgd."):
            assert issubclass(cls, (UpdateRule, Algorithm)), name
            assert issubclass(cls, Solver) and cls.requires <= set(CAPABILITIES)
    assert issubclass(SOLVERS["lbfgs"], Algorithm)
    assert not issubclass(SOLVERS["adam"], Algorithm)


def test_losses_and_penalties_declare_capabilities():
    for loss in (SquaredLoss(), LogisticLoss(), MultinomialLoss(), PoissonLoss()):
        assert isinstance(loss, Loss) and loss.capabilities <= set(CAPABILITIES)
    assert "lipschitz" not in PoissonLoss().capabilities
    for penalty in (L2Penalty(1.0), L1Penalty(1.0), ElasticNetPenalty(1.0, 0.5)):
        assert isinstance(penalty, Penalty)
        assert penalty.capabilities <= set(CAPABILITIES)
    assert "smooth_penalty" in L2Penalty(1.0).capabilities
    assert "smooth_penalty" not in ElasticNetPenalty(1.0, 0.5).capabilities


def test_prox_covers_the_nonsmooth_part_only():
    """prox of the elastic net is the L1 soft-threshold alone: the L2 part goes
    through the gradient (including it twice was 0.1's unwritten trap)."""
    penalty = ElasticNetPenalty(2.0, 0.25)
    W = np.array([[3.0], [-0.1], [0.7]])
    np.testing.assert_allclose(
        penalty.prox(W, 0.5), np.sign(W) * np.maximum(np.abs(W) - 0.5 * 0.5, 0)
    )
    grad = np.zeros_like(W)
    penalty.add_gradient(W, grad)
    np.testing.assert_allclose(grad, 2.0 * 0.75 * W)
    assert penalty.value(W) == pytest.approx(
        penalty.nonsmooth_value(W) + 0.5 * 1.5 * float(np.sum(W**2))
    )


def test_an_unsupported_combination_names_both_sides():
    class GroupPenalty(Penalty):
        smooth, l1_weight = False, None

        def value(self, W):
            return float(np.linalg.norm(W))

    with pytest.raises(ValueError) as info:
        check_capabilities(
            "lbfgs", SOLVERS["lbfgs"].requires, SquaredLoss(), GroupPenalty()
        )
    message = str(info.value)
    assert "'lbfgs'" in message and "SquaredLoss" in message
    assert "GroupPenalty" in message and "l1_split" in message


def test_a_solver_setting_has_one_source():
    X, y = _data()
    with pytest.raises(ValueError, match="beta1"):
        skgd.GDLinearRegression(solver=Adam(beta1=0.5), beta1=0.99).fit(X, y)
    # the object's own value is the one used, and the one reported
    model = skgd.GDLinearRegression(solver=Adam(beta1=0.5), max_iter=5, tol=0.0)
    assert model.fit(X, y).get_params()["solver__beta1"] == 0.5


def test_grid_search_over_a_solver_objects_hyper_parameters():
    X, y = _data()
    search = GridSearchCV(
        skgd.GDLinearRegression(solver=Adam(), learning_rate=0.1),
        {"solver__beta1": [0.5, 0.9]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_params_["solver__beta1"] in (0.5, 0.9)
    assert search.best_estimator_.solver.beta1 == search.best_params_["solver__beta1"]
