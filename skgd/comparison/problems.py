"""The one problem table: every comparable problem, its estimator, defaults,
objective text and references; and the solver list.

A :class:`Problem` is all that the comparison, the command line, the benchmark
and the tests need to know about an objective. A new loss or penalty appears
everywhere by adding one entry to :data:`PROBLEM_TABLE`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    PoissonRegressor,
    Ridge,
)
from sklearn.pipeline import Pipeline
from sklearn.utils.multiclass import type_of_target

from ..linear_model import (
    GDElasticNet,
    GDLinearRegression,
    GDLogisticRegression,
    GDPoissonRegressor,
    ProxLasso,
)
from ..plotting import SUBOPTIMALITY_FLOOR  # noqa: F401  (re-exported)
from ..solvers import solver_names

# A numeric target with more distinct values than this is treated as continuous.
_MAX_CLASSES = 50
_TARGET_TYPES = ("binary", "multiclass")


@dataclass(frozen=True)
class Reference:
    """One reference or baseline fit: ``fit(X, y, sample_weight)`` returns a
    fitted object with ``coef_`` and ``intercept_`` (scikit-learn's or a
    direct solve's)."""

    label: str
    kind: str  # "reference" (the optimum every row is scored against) or "baseline"
    fit: Callable


def _sklearn(label, kind, make):
    def fit(X, y, sample_weight):
        return make().fit(X, y, sample_weight=sample_weight)

    return Reference(label, kind, fit)


class _DirectLeastSquares:
    """OLS by ``lstsq`` or ``pinv`` on sqrt-weighted rows, as an estimator."""

    def __init__(self, method, fit_intercept):
        self.method, self.fit_intercept = method, fit_intercept

    def __repr__(self):
        return f"np.linalg.{self.method} on sqrt(s)-weighted [X, 1] (exact)"

    def fit(self, X, y, sample_weight):
        A = X.toarray() if hasattr(X, "toarray") else X
        if self.fit_intercept:
            A = np.column_stack([A, np.ones(A.shape[0])])
        root = np.sqrt(sample_weight)
        A, b = A * root[:, None], y * root
        if self.method == "lstsq":
            beta = np.linalg.lstsq(A, b, rcond=None)[0]
        else:
            beta = np.linalg.pinv(A) @ b
        self.coef_ = beta[:-1] if self.fit_intercept else beta
        self.intercept_ = beta[-1] if self.fit_intercept else 0.0
        return self


def _dense(make):
    """A scikit-learn fit on a dense copy (Ridge's SVD solver needs one)."""

    def fit(X, y, sample_weight):
        X = X.toarray() if hasattr(X, "toarray") else X
        return make().fit(X, y, sample_weight=sample_weight)

    return fit


# -- the references of each problem: (estimator, S) -> [Reference, ...] ---------------
def _least_squares_references(estimator, S):
    alpha, fi = float(estimator.alpha), estimator.fit_intercept
    if alpha == 0:
        return [
            Reference("lstsq (reference)", "reference",
                      _DirectLeastSquares("lstsq", fi).fit),
            Reference("pinv", "baseline", _DirectLeastSquares("pinv", fi).fit),
            _sklearn("LinearRegression", "baseline",
                     lambda: LinearRegression(fit_intercept=fi)),
        ]  # fmt: skip
    return [
        Reference("Ridge svd (reference)", "reference",
                  _dense(lambda: Ridge(alpha=S * alpha, solver="svd",
                                       fit_intercept=fi))),
        _sklearn("Ridge (default)", "baseline",
                 lambda: Ridge(alpha=S * alpha, fit_intercept=fi)),
    ]  # fmt: skip


def _logistic_references(estimator, S):
    alpha, fi = float(estimator.alpha), estimator.fit_intercept
    C = 1.0 / (S * alpha) if alpha > 0 else np.inf
    ratio = float(getattr(estimator, "l1_ratio", 0.0))
    if ratio > 0:  # an L1 share: saga, scikit-learn's one solver for it
        # (saga shuffles the rows: a fixed seed makes the reference repeatable)
        exact = dict(
            solver="saga", l1_ratio=ratio, tol=1e-12, max_iter=100_000, random_state=0
        )
        default = dict(solver="saga", l1_ratio=ratio, random_state=0)
    else:
        exact = dict(solver="newton-cholesky", tol=1e-12, max_iter=1000)
        default = {}
    return [
        _sklearn("LogisticRegression (reference)", "reference",
                 lambda: LogisticRegression(C=C, fit_intercept=fi, **exact)),
        _sklearn("LogisticRegression (default)", "baseline",
                 lambda: LogisticRegression(C=C, fit_intercept=fi, **default)),
    ]  # fmt: skip


def _lasso_references(estimator, S):
    alpha, fi = float(estimator.alpha), estimator.fit_intercept
    return [
        _sklearn("Lasso (reference)", "reference",
                 lambda: Lasso(alpha=alpha, tol=1e-15, max_iter=1_000_000,
                               fit_intercept=fi)),
        _sklearn("Lasso (default)", "baseline",
                 lambda: Lasso(alpha=alpha, fit_intercept=fi)),
    ]  # fmt: skip


def _elastic_net_references(estimator, S):
    alpha, ratio, fi = (
        float(estimator.alpha),
        estimator.l1_ratio,
        estimator.fit_intercept,
    )
    return [
        _sklearn("ElasticNet (reference)", "reference",
                 lambda: ElasticNet(alpha=alpha, l1_ratio=ratio, tol=1e-15,
                                    max_iter=1_000_000, fit_intercept=fi)),
        _sklearn("ElasticNet (default)", "baseline",
                 lambda: ElasticNet(alpha=alpha, l1_ratio=ratio, fit_intercept=fi)),
    ]  # fmt: skip


def _poisson_references(estimator, S):
    alpha, fi = float(estimator.alpha), estimator.fit_intercept
    return [
        _sklearn("PoissonRegressor (reference)", "reference",
                 lambda: PoissonRegressor(alpha=alpha, solver="newton-cholesky",
                                          tol=1e-12, max_iter=1000,
                                          fit_intercept=fi)),
        _sklearn("PoissonRegressor (default)", "baseline",
                 lambda: PoissonRegressor(alpha=alpha, fit_intercept=fi)),
    ]  # fmt: skip


# -- the objective of each problem, as text ---------------------------------------------
_SQUARES = "F(w, b) = 1/(2S) sum_i s_i (y_i - x_i.w - b)^2"


def _penalty_text(estimator):
    alpha, ratio = float(estimator.alpha), float(getattr(estimator, "l1_ratio", 0.0))
    if alpha == 0:
        return ""
    if ratio == 0:
        return f" + alpha/2 |w|^2, alpha={alpha:g}"
    if ratio == 1:
        return f" + alpha |w|_1, alpha={alpha:g}"
    return f" + alpha (r |w|_1 + (1-r)/2 |w|^2), alpha={alpha:g}, r=l1_ratio={ratio:g}"


def _squares_text(estimator, n_classes):
    return _SQUARES + _penalty_text(estimator)


def _lasso_text(estimator, n_classes):
    return f"{_SQUARES} + alpha |w|_1, alpha={float(estimator.alpha):g}"


def _logistic_text(estimator, n_classes):
    link = "sigmoid" if n_classes == 2 else f"softmax over {n_classes} classes"
    return f"F(W, b) = 1/S sum_i s_i logloss_i ({link})" + _penalty_text(estimator)


def _poisson_text(estimator, n_classes):
    return (
        "F(w, b) = 1/S sum_i s_i (exp(z_i) - y_i z_i)"
        + _penalty_text(estimator)
        + " (z_i = x_i.w + b)"
    )


@dataclass(frozen=True)
class Problem:
    """A comparable problem, with the fields:

    * ``name``: the ``--problem`` name;
    * ``estimator``: the skgd estimator class, built with ``params`` and ``alpha``;
    * ``alpha``: the penalty of a comparison started from the name;
    * ``default_dataset``: its dataset in ``skgd compare`` (bundled or
      ``"synthetic"``);
    * ``target``: ``"continuous"``, ``"classes"`` or ``"counts"``, what ``y``
      must be (it shapes the synthetic data too);
    * ``references``: ``(estimator, S) -> [Reference, ...]``, the reference
      optimum first, then scikit-learn's baselines;
    * ``describe``: ``(estimator, n_classes) -> str``, the objective as text;
    * ``params``: further estimator parameters (``l1_ratio``);
    * ``sparse_truth``: synthetic coefficients are sparse (a quarter non-zero).
    """

    name: str
    estimator: type
    alpha: float
    default_dataset: str
    target: str
    references: Callable
    describe: Callable
    params: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    sparse_truth: bool = False

    def make_estimator(self, alpha=None, random_state=None):
        return self.estimator(
            alpha=self.alpha if alpha is None else alpha,
            random_state=random_state,
            **self.params,
        )

    def matches(self, estimator):
        """Whether ``estimator`` is this problem's (same class and presets)."""
        return type(estimator) is self.estimator and all(
            getattr(estimator, key) == value for key, value in self.params.items()
        )


# Logistic regression uses alpha=1e-2 rather than the estimator's 1e-4:
# breast_cancer is nearly separable, and at 1e-4 only newton and lbfgs reach tol
# within max_iter, which says less about the first-order solvers than a
# well-posed problem does.
PROBLEM_TABLE = (
    Problem("linear", GDLinearRegression, 0.0, "diabetes", "continuous",
            _least_squares_references, _squares_text),
    Problem("logistic", GDLogisticRegression, 1e-2, "breast_cancer", "classes",
            _logistic_references, _logistic_text,
            MappingProxyType({"l1_ratio": 0.0})),
    Problem("lasso", ProxLasso, 1.0, "diabetes", "continuous",
            _lasso_references, _lasso_text, sparse_truth=True),
    Problem("elasticnet", GDElasticNet, 1.0, "diabetes", "continuous",
            _elastic_net_references, _squares_text,
            MappingProxyType({"l1_ratio": 0.5}), sparse_truth=True),
    Problem("logistic-l1", GDLogisticRegression, 1e-2, "breast_cancer", "classes",
            _logistic_references, _logistic_text,
            MappingProxyType({"l1_ratio": 1.0})),
    Problem("poisson", GDPoissonRegressor, 1e-2, "synthetic", "counts",
            _poisson_references, _poisson_text),
)  # fmt: skip
PROBLEMS_BY_NAME = MappingProxyType({p.name: p for p in PROBLEM_TABLE})

# Views of the table, for the command line and the docs.
PROBLEMS = tuple(PROBLEMS_BY_NAME)
ESTIMATORS = MappingProxyType({p.name: p.estimator for p in PROBLEM_TABLE})
DEFAULT_DATASET = MappingProxyType({p.name: p.default_dataset for p in PROBLEM_TABLE})
DEFAULT_ALPHA = MappingProxyType({p.name: p.alpha for p in PROBLEM_TABLE})


def get_problem(name):
    """The :class:`Problem` called ``name``; ValueError naming the valid ones."""
    try:
        return PROBLEMS_BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"unknown problem {name!r}; choose from {', '.join(PROBLEMS)}."
        ) from None


def _objective_text(problem, estimator, n_classes):
    return get_problem(problem).describe(estimator, n_classes)


def _resolve_estimator(estimator_or_problem, alpha, random_state):
    if isinstance(estimator_or_problem, str):
        problem = get_problem(estimator_or_problem)
        return problem.name, problem.make_estimator(alpha, random_state)
    if isinstance(estimator_or_problem, Pipeline):
        raise TypeError(
            "compare takes the estimator itself, not a Pipeline: transform X "
            "first (standardize=True already scales the features)."
        )
    candidates = [p for p in PROBLEM_TABLE if type(estimator_or_problem) is p.estimator]
    if not candidates:
        raise TypeError(
            f"compare expects one of {', '.join(PROBLEMS)} or a skgd estimator, "
            f"got {type(estimator_or_problem).__name__}."
        )
    exact = [p for p in candidates if p.matches(estimator_or_problem)]
    problem = (exact or candidates)[0]
    estimator = clone(estimator_or_problem)
    if alpha is not None:
        estimator.set_params(alpha=alpha)
    return problem.name, estimator


def check_target(problem, y, dataset):
    """ValueError unless ``y`` suits ``problem``; the number of classes for classes."""
    kind = get_problem(problem).target
    if kind == "classes":
        n_classes = np.unique(y).size
        if type_of_target(y) not in _TARGET_TYPES or n_classes > _MAX_CLASSES:
            raise ValueError(
                f"{problem} needs class labels, but the target of {dataset} looks "
                f"continuous ({n_classes} distinct values); use a regression "
                "problem."
            )
        return n_classes
    if np.asarray(y).dtype.kind not in "biuf":
        raise ValueError(
            f"{problem} regression needs a numeric target; the target of {dataset} "
            "holds labels: use a classification problem."
        )
    if kind == "counts" and (np.any(np.asarray(y) < 0) or not np.sum(y) > 0):
        raise ValueError(
            f"{problem} regression needs non-negative counts with a positive sum; "
            f"the target of {dataset} has negative values or is all zero."
        )
    return None


def target_warning(problem, y, dataset):
    """A warning text when ``y`` does not suit ``problem`` though it can be fitted
    (least squares on class labels), else None."""
    if get_problem(problem).target != "continuous":
        return None
    values = np.unique(np.asarray(y))
    if values.size > 10 or not np.all(np.mod(values, 1) == 0):
        return None
    return (
        f"{problem} fits a continuous target by least squares, but the target of "
        f"{dataset} has only {values.size} distinct integer values "
        f"({', '.join(f'{v:g}' for v in values[:10])}): it looks like class "
        "labels. Use --problem logistic (or logistic-l1) for classification."
    )


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
