"""The documented ``learning_rate="auto"`` rules are the rates the estimators compute.

The ``learning_rate`` entry of the estimators' docstring states one rule per
solver, full batch and on minibatches. Each rule is written here once, as the
phrase the docstring must contain and the rate it means, and checked against
``learning_rate_`` after a fit on standardized diabetes (least squares) and
breast_cancer (logistic regression).
"""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skgd import GDLinearRegression, GDLogisticRegression
from skgd.diagnostics import objective_for

# (solver, minibatch): (the docstring's phrase, the rate from L, L_row, l0, beta)
RULES = {
    ("gd", False): ("``1/L`` for gd", lambda L, Lr, l0, b: 1 / L),
    ("momentum", False): (
        "``1/((1-momentum) L)`` for momentum and nesterov",
        lambda L, Lr, l0, b: 1 / ((1 - b) * L),
    ),
    ("nesterov", False): (
        "``1/((1-momentum) L)`` for momentum and nesterov",
        lambda L, Lr, l0, b: 1 / ((1 - b) * L),
    ),
    ("adagrad", False): ("``l0`` for adagrad, adam and adamw", lambda *a: a[2]),
    ("adam", False): ("``l0`` for adagrad, adam and adamw", lambda *a: a[2]),
    ("adamw", False): ("``l0`` for adagrad, adam and adamw", lambda *a: a[2]),
    ("rmsprop", False): ("``0.3 l0`` for rmsprop", lambda *a: 0.3 * a[2]),
    ("newton", False): ("newton: 1", lambda *a: 1.0),
    ("lbfgs", False): ("(``learning_rate_`` is 1)", lambda *a: 1.0),
    ("sgd", True): (
        "``1/L_row`` for sgd, gd, momentum and nesterov",
        lambda *a: 1 / a[1],
    ),
    ("gd", True): (
        "``1/L_row`` for sgd, gd, momentum and nesterov",
        lambda *a: 1 / a[1],
    ),
    ("momentum", True): (
        "``1/L_row`` for sgd, gd, momentum and nesterov",
        lambda *a: 1 / a[1],
    ),
    ("nesterov", True): (
        "``1/L_row`` for sgd, gd, momentum and nesterov",
        lambda *a: 1 / a[1],
    ),
    ("adagrad", True): ("``l0`` for adagrad (its growing", lambda *a: a[2]),
    ("adam", True): ("``0.1 l0`` for adam and adamw", lambda *a: 0.1 * a[2]),
    ("adamw", True): ("``0.1 l0`` for adam and adamw", lambda *a: 0.1 * a[2]),
    ("rmsprop", True): ("``0.03 l0`` for rmsprop", lambda *a: 0.03 * a[2]),
}


def _learning_rate_doc():
    doc = GDLinearRegression.__doc__
    start = doc.index("    learning_rate : ")
    end = doc.index("\n    schedule : ", start)
    return " ".join(doc[start:end].split())  # line breaks are the formatter's


def _problems():
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", GDLinearRegression, StandardScaler().fit_transform(X), y, {}
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    yield "breast_cancer", GDLogisticRegression, X, y, {"alpha": 1e-2}


PROBLEMS = {name: rest for name, *rest in _problems()}


def test_every_rule_is_in_the_docstring():
    doc = _learning_rate_doc()
    for key, (phrase, _) in RULES.items():
        assert " ".join(phrase.split()) in doc, (key, phrase)
    # the whole sentence for each regime is there, not a stale variant
    assert "a tenth of these" not in doc
    assert re.search(r"Full batch:.*Minibatches", doc, re.S)


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize(
    "solver, minibatch",
    list(RULES),
    ids=[f"{s}-{'mb' if m else 'full'}" for s, m in RULES],
)
def test_documented_rate_is_the_computed_rate(problem, solver, minibatch):
    Estimator, X, y, params = PROBLEMS[problem]
    model = Estimator(solver=solver, max_iter=1, random_state=0, **params)
    if minibatch and solver != "sgd":
        model.set_params(batch_size=32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)

    objective = objective_for(model, X, y)
    L, L_row = objective.lipschitz(), objective.row_lipschitz()
    _, grad = objective.value_and_grad(objective.initial_theta())
    l0 = np.abs(grad).max() / L
    expected = RULES[solver, minibatch][1](L, L_row, l0, model.momentum)
    np.testing.assert_allclose(model.learning_rate_, expected, rtol=1e-9)
    assert model.learning_rate_curve_[0] > 0


def test_the_quantities_are_what_the_docstring_says():
    """L, L_row and l0 of standardized diabetes, computed with NumPy alone."""
    _, X, y, _ = PROBLEMS["diabetes"]
    n = len(y)
    Xc = X - X.mean(axis=0)
    objective = objective_for(GDLinearRegression(), X, y)
    L = np.linalg.eigvalsh(Xc.T @ Xc / n).max()  # the Gram's top eigenvalue
    np.testing.assert_allclose(objective.lipschitz(), L, rtol=1e-8)
    # the first gradient step from the null model (intercept = mean of y)
    l0 = np.abs(Xc.T @ (y - y.mean()) / n).max() / L
    assert 11.2 < l0 < 11.3  # the adaptive solvers' rate on diabetes
    model = GDLinearRegression(solver="adam", max_iter=1, tol=0).fit(X, y)
    np.testing.assert_allclose(model.learning_rate_, l0, rtol=1e-9)
