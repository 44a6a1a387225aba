"""The three problems: their estimators, defaults and objectives, and the solver list."""

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils.multiclass import type_of_target

from ..linear_model import GDLinearRegression, GDLogisticRegression, ProxLasso
from ..solvers import solver_names

PROBLEMS = ("linear", "logistic", "lasso")
ESTIMATORS = {
    "linear": GDLinearRegression,
    "logistic": GDLogisticRegression,
    "lasso": ProxLasso,
}
DEFAULT_DATASET = {
    "linear": "diabetes",
    "logistic": "breast_cancer",
    "lasso": "diabetes",
}
# The penalty of a comparison started from a problem name. Logistic regression
# uses 1e-2 rather than the estimator's 1e-4: breast_cancer is nearly separable,
# and at 1e-4 only newton and lbfgs reach tol within max_iter, which says less
# about the first-order solvers than a well-posed problem does.
DEFAULT_ALPHA = {"linear": 0.0, "logistic": 1e-2, "lasso": 1.0}


# A numeric target with more distinct values than this is treated as continuous.
_MAX_CLASSES = 50


# Suboptimality below this is rounding: the plots clip there.
SUBOPTIMALITY_FLOOR = 1e-16

_TARGET_TYPES = ("binary", "multiclass")


def _objective_text(problem, alpha, n_classes):
    if problem == "linear":
        text = "F(w, b) = 1/(2S) sum_i s_i (y_i - x_i.w - b)^2"
        return text + (f" + alpha/2 |w|^2, alpha={alpha:g}" if alpha else "")
    if problem == "lasso":
        return (
            f"F(w, b) = 1/(2S) sum_i s_i (y_i - x_i.w - b)^2 + alpha |w|_1, "
            f"alpha={alpha:g}"
        )
    link = "sigmoid" if n_classes == 2 else f"softmax over {n_classes} classes"
    return (
        f"F(W, b) = 1/S sum_i s_i logloss_i ({link}) + alpha/2 |W|^2, alpha={alpha:g}"
    )


def _resolve_estimator(estimator_or_problem, alpha, random_state):
    if isinstance(estimator_or_problem, str):
        problem = estimator_or_problem
        if problem not in PROBLEMS:
            raise ValueError(
                f"unknown problem {problem!r}; choose from {', '.join(PROBLEMS)}."
            )
        estimator = ESTIMATORS[problem](
            alpha=DEFAULT_ALPHA[problem] if alpha is None else alpha,
            random_state=random_state,
        )
        return problem, estimator
    if isinstance(estimator_or_problem, Pipeline):
        raise TypeError(
            "compare takes the estimator itself, not a Pipeline: transform X "
            "first (standardize=True already scales the features)."
        )
    if isinstance(estimator_or_problem, ProxLasso):
        problem = "lasso"
    elif isinstance(estimator_or_problem, GDLinearRegression):
        problem = "linear"
    elif isinstance(estimator_or_problem, GDLogisticRegression):
        problem = "logistic"
    else:
        raise TypeError(
            "compare expects 'linear', 'logistic', 'lasso' or a skgd estimator, "
            f"got {type(estimator_or_problem).__name__}."
        )
    estimator = clone(estimator_or_problem)
    if alpha is not None:
        estimator.set_params(alpha=alpha)
    return problem, estimator


def check_target(problem, y, dataset):
    """ValueError unless ``y`` suits ``problem``; the number of classes for logistic."""
    kind = type_of_target(y)
    if problem == "logistic":
        n_classes = np.unique(y).size
        if kind not in _TARGET_TYPES or n_classes > _MAX_CLASSES:
            raise ValueError(
                f"logistic regression needs class labels, but the target of "
                f"{dataset} looks continuous ({n_classes} distinct values); use "
                "the linear or lasso problem."
            )
        return n_classes
    if np.asarray(y).dtype.kind not in "biuf":
        raise ValueError(
            f"{problem} regression needs a numeric target; the target of {dataset} "
            "holds labels: use the logistic problem."
        )
    return None


# The README's order; solvers registered later follow in registration order.
SOLVER_ORDER = (
    "gd",
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "newton",
    "lbfgs",
)


def all_solvers():
    """Every registered solver name, the built-in ones in the README's order."""
    names = list(solver_names())
    return [s for s in SOLVER_ORDER if s in names] + [
        s for s in names if s not in SOLVER_ORDER
    ]


def check_solvers(solvers):
    """The solver names to compare (all by default); ValueError on an unknown one."""
    known = all_solvers()
    if solvers is None:
        return known
    if isinstance(solvers, str):
        solvers = [s for s in solvers.replace(",", " ").split() if s]
    solvers = list(dict.fromkeys(solvers))
    unknown = [s for s in solvers if s not in known]
    if unknown or not solvers:
        raise ValueError(
            f"unknown solver(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(known)}."
        )
    return solvers
