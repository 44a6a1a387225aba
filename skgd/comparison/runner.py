"""Fitting and timing every solver against the reference: :func:`compare`."""

import contextlib
import math
import statistics
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from ..diagnostics import objective_for
from ..exceptions import DivergenceError
from ..history import History
from .datasets import load_dataset
from .problems import (
    DEFAULT_DATASET,
    _objective_text,
    _resolve_estimator,
    check_solvers,
    check_target,
)
from .references import _references
from .report import _suboptimality
from .result import ComparisonResult, Run


def _condition_number(X, sample_weight, max_features=1000):
    """Condition number of the weighted, centred Gram matrix (dense, d <= 1000)."""
    if sp.issparse(X) or X.shape[1] > max_features:
        return None
    w = sample_weight / sample_weight.sum()
    centred = X - w @ X
    eigenvalues = np.linalg.eigvalsh(centred.T @ (w[:, None] * centred))
    smallest = eigenvalues[0]
    return float(eigenvalues[-1] / smallest) if smallest > 0 else math.inf


def _prepare_data(problem, X, y, sample_weight, standardize, dataset):
    """float64 X (standardized once if asked), y, weights and the class count."""
    X = X.astype(np.float64) if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X must be 2-D and y 1-D with as many rows; got {X.shape} and {y.shape}."
        )
    n_classes = check_target(problem, y, dataset)
    if sample_weight is None:
        sw = np.ones(X.shape[0])
    else:
        sw = np.asarray(sample_weight, dtype=np.float64)
    if standardize:
        scaler = StandardScaler(with_mean=not sp.issparse(X))
        X = scaler.fit_transform(X, sample_weight=sw)
    return X, y, sw, n_classes


class _Scorer:
    """Scores a fit against the reference, with one Objective for every row."""

    def __init__(self, objective, coef, intercept):
        self.objective = objective
        null = objective.initial_theta()
        _, grad = objective.value_and_grad(null)
        # the fit loop's stopping scale: the optimality of the null model (and
        # its rounding floor, so that rel_optimality <= tol means converged)
        self.scale = objective.stopping_threshold(1.0, objective.optimality(null, grad))
        self.F_star, self.flat_star = self._measure(objective.pack(coef, intercept))
        self.norm_star = max(np.linalg.norm(self.flat_star), np.finfo(float).tiny)

    def _measure(self, theta):
        coef, intercept = self.objective.unpack(theta)
        return self.objective.value(theta), np.concatenate([coef.ravel(), intercept])

    def __call__(self, run, coef, intercept):
        theta = self.objective.pack(coef, intercept)
        run.objective, flat = self._measure(theta)
        run.rel_suboptimality = float(_suboptimality(run.objective, self.F_star))
        run.coef_distance = float(
            np.linalg.norm(flat - self.flat_star) / self.norm_star
        )
        _, grad = self.objective.value_and_grad(theta)
        run.rel_optimality = self.objective.optimality(theta, grad) / self.scale
        return run


def _notes(reference, runs, estimator):
    """Caveats worth printing under the table."""
    notes = []
    if not reference.converged:
        notes.append("the reference fit warned that it did not converge.")
    target = estimator.tol if estimator.tol > 0 else 1e-9
    if reference.rel_optimality > 1e-3 * target:
        notes.append(
            f"the reference's relative optimality {reference.rel_optimality:.1e} "
            f"is not 1000 times below the solvers' tol={estimator.tol:g}."
        )
    for run in runs:
        if run.status != "ok":
            notes.append(f"{run.solver} {run.status}: {run.message}")
        elif not np.isclose(run.curve[-1], run.objective, rtol=1e-9, atol=0):
            notes.append(
                f"{run.solver}: loss_curve_[-1]={run.curve[-1]!r} differs from F at "
                f"its coefficients {run.objective!r}."
            )
    if any(run.solver == "adamw" for run in runs) and estimator.weight_decay:
        notes.append(
            "adamw's decoupled weight decay changes its minimiser: its "
            "suboptimality is measured against the shared objective."
        )
    return notes


def compare(
    estimator_or_problem="linear",
    X=None,
    y=None,
    *,
    solvers=None,
    alpha=None,
    tol=None,
    max_iter=None,
    budget=None,
    standardize=True,
    sample_weight=None,
    repeat=1,
    n_threads=1,
    random_state=0,
    dataset=None,
):
    """Fit every solver on the same objective and compare it with a reference optimum.

    Parameters
    ----------
    estimator_or_problem : str or estimator, default="linear"
        A problem name of :data:`PROBLEMS` (``"linear"``, ``"logistic"``,
        ``"lasso"``, ``"elasticnet"``, ``"logistic-l1"``, ``"poisson"``; the
        estimator is then built with ``alpha`` and :data:`DEFAULT_ALPHA`) or a
        skgd estimator of one of them, whose parameters every solver shares
        (only ``solver`` changes).
    X : array-like, sparse matrix or str, optional
        The features, or a dataset name for :func:`load_dataset`. Default: the
        problem's bundled dataset (:data:`DEFAULT_DATASET`).
    y : array-like, optional
        The target (with an array ``X``).
    solvers : list of str or str, optional
        Solver names (a list, or a comma- or space-separated string); default
        every registered solver.
    alpha : float, optional
        Penalty strength; overrides the estimator's.
    tol, max_iter : optional
        Stopping rule shared by every solver; default the estimator's.
    budget : int, optional
        Instead of a stopping accuracy, give every solver exactly this many
        iterations (epochs for minibatch solvers): ``tol=0, max_iter=budget``.
    standardize : bool, default=True
        Standardize the features once (``StandardScaler``; without centring for
        sparse X) before anything is fitted or timed.
    sample_weight : array-like, optional
    repeat : int, default=1
        Timed fits per solver, after one warm-up. The median fit by wall time
        (the faster middle one for an even ``repeat``) is reported: its time,
        its per-iteration history and its coefficients.
    n_threads : int or None, default=1
        BLAS threads for every fit (``threadpoolctl``); None leaves the default.
    random_state : int, default=0
        Seeds minibatch shuffles when a problem name is given.
    dataset : str, optional
        Name shown in the output (default: from ``X`` if it is a name, else "data").

    Returns
    -------
    ComparisonResult

    Examples
    --------
    >>> from skgd import compare
    >>> result = compare("logistic", "breast_cancer", solvers=["newton", "lbfgs"])
    >>> [r["solver"] for r in result.records][:2]
    ['LogisticRegression (reference)', 'LogisticRegression (default)']
    >>> all(r.rel_suboptimality < 1e-8 for r in result.runs)
    True
    """
    problem, estimator = _resolve_estimator(estimator_or_problem, alpha, random_state)
    if X is None or isinstance(X, str):
        name = X if isinstance(X, str) else DEFAULT_DATASET[problem]
        data = load_dataset(name, problem, random_state=random_state)
        X, y = data.X, data.y
        dataset = dataset or data.name
    elif y is None:
        raise ValueError("compare(estimator, X, y): y is required with an array X.")
    dataset = dataset or "data"
    solvers = check_solvers(solvers)
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}.")
    if budget is not None:
        if budget < 1:
            raise ValueError(f"budget must be at least 1 iteration, got {budget}.")
        tol, max_iter = 0.0, int(budget)
    params = {}
    if tol is not None:
        params["tol"] = tol
    if max_iter is not None:
        params["max_iter"] = max_iter
    estimator.set_params(**params)

    X, y, sw, n_classes = _prepare_data(
        problem, X, y, sample_weight, standardize, dataset
    )
    objective = objective_for(estimator, X, y, sw)
    F0 = objective.value(objective.initial_theta())

    limits = threadpool_limits(limits=n_threads) if n_threads else None
    try:
        rows, reference_text = _references(problem, estimator, X, y, sw, repeat)
        label, _, coef, intercept, seconds, n_iter, converged = rows[0]
        scorer = _Scorer(objective, coef, intercept)
        reference = scorer(
            Run(label, "reference", n_iter=n_iter, time=seconds, converged=converged),
            coef,
            intercept,
        )
        reference.rel_suboptimality, reference.coef_distance = 0.0, 0.0
        baselines = [
            scorer(Run(label, kind, n_iter=n_iter, time=seconds, converged=conv), c, b)
            for label, kind, c, b, seconds, n_iter, conv in rows[1:]
        ]
        runs = [
            _run_solver(estimator, solver, X, y, sw, repeat, scorer, F0)
            for solver in solvers
        ]
    finally:
        if limits is not None:
            limits.unregister()

    settings = {
        "tol": float(estimator.tol),
        "max_iter": int(estimator.max_iter),
        "budget": budget,
        "standardize": bool(standardize),
        "repeat": int(repeat),
        "n_threads": n_threads,
        "alpha": float(estimator.alpha),
        "n_classes": n_classes,
        "condition_number": _condition_number(X, sw),
        "time_axis": (
            "measured: the reported fit's history_['time'], seconds since the fit "
            "started at the end of each iteration"
        ),
    }
    return ComparisonResult(
        problem=problem,
        dataset=dataset,
        n_samples=X.shape[0],
        n_features=X.shape[1],
        estimator=repr(estimator),
        objective_text=_objective_text(problem, estimator, n_classes),
        reference=reference,
        reference_text=(
            f"{reference_text}: F* = {scorer.F_star:.12g}, relative optimality "
            f"{reference.rel_optimality:.1e}"
        ),
        baselines=baselines,
        runs=runs,
        initial_objective=float(F0),
        settings=settings,
        notes=_notes(reference, runs, estimator),
    )


def _run_solver(estimator, solver, X, y, sample_weight, repeat, scorer, F0):
    """Time ``repeat`` fits of a clone with ``solver`` after one warm-up; score it.

    The reported fit is the median one by wall time (the faster middle one for
    an even ``repeat``): its total time, its ``history_`` (whose per-iteration
    times the curves use) and its coefficients are reported together.
    """
    model = clone(estimator).set_params(solver=solver)
    warm = clone(model).set_params(max_iter=min(2, model.max_iter))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(DivergenceError, ValueError, FloatingPointError):
            warm.fit(X, y, sample_weight=sample_weight)  # its errors recur below
    fits = []  # (seconds, fitted estimator, caught warnings) per timed fit
    run = Run(solver, "solver")
    for _ in range(repeat):
        fitted = clone(model)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            start = time.perf_counter()
            try:
                fitted.fit(X, y, sample_weight=sample_weight)
            except DivergenceError as error:
                run.status, run.message = "diverged", str(error)
            except (ValueError, FloatingPointError) as error:
                run.status, run.message = "failed", str(error)
            seconds = time.perf_counter() - start
        if run.status != "ok":
            run.time = statistics.median_low([*(f[0] for f in fits), seconds])
            return run
        fits.append((seconds, fitted, caught))
    run.time, fitted, caught = sorted(fits, key=lambda f: f[0])[(len(fits) - 1) // 2]
    run.converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    run.n_iter = int(fitted.n_iter_)
    run.learning_rate = float(fitted.learning_rate_)
    history = fitted.history_
    run.history = History(
        {name: np.array(column) for name, column in history.items()},
        start={
            k: v for k, v in history.start.items() if k in ("objective", "grad_norm")
        },
    )
    start_objective = history.start.get("objective", F0)
    run.curve = np.concatenate([[start_objective], run.history["objective"]])
    return scorer(run, fitted.coef_, fitted.intercept_)
