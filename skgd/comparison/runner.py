"""Fitting and timing every solver against the reference: :func:`compare`."""

import contextlib
import dataclasses
import datetime
import itertools
import math
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from ..diagnostics import objective_for
from ..exceptions import DivergenceError
from ..history import History
from ..solvers import get_solver
from .contenders import resolve_contenders
from .datasets import load_dataset
from .problems import (
    DEFAULT_DATASET,
    _objective_text,
    _resolve_estimator,
    check_target,
    target_warning,
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


def _notes(reference, runs, estimator, rules):
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
    failures = {}  # one note for the contenders that failed with the same message
    for run in runs:
        if run.failed:
            generic = run.message.replace(f"'{run.solver_name}'", "'{}'")
            failures.setdefault((run.status, generic), []).append(run)
            continue
        if run.message:
            notes.append(f"{run.solver} {run.status}: {run.message}.")
        if not np.isclose(run.curve[-1], run.objective, rtol=1e-9, atol=0):
            notes.append(
                f"{run.solver}: loss_curve_[-1]={run.curve[-1]!r} differs from F at "
                f"its coefficients {run.objective!r}."
            )
    for (status, _), failed in failures.items():
        names = ", ".join(run.solver for run in failed)
        if len(failed) > 1:
            names += f" (the same error for each; {failed[0].solver}'s)"
        notes.append(f"{names} {status}: {failed[0].message}")
    if any(run.solver_name == "adamw" for run in runs) and estimator.weight_decay:
        notes.append(
            "adamw's decoupled weight decay changes its minimiser: its "
            "suboptimality is measured against the shared objective."
        )
    notes += _identical_notes(runs, rules)
    return notes


def _identical_notes(runs, rules):
    """A note per pair of contenders whose iterates coincide, and why."""
    notes, done = [], set()
    finished = [(run, rule) for run, rule in zip(runs, rules, strict=True)]
    finished = [(run, rule) for run, rule in finished if run.curve is not None]
    for (a, rule_a), (b, rule_b) in itertools.combinations(finished, 2):
        if b.solver in done or not np.array_equal(a.curve, b.curve):
            continue
        done.add(b.solver)
        notes.append(
            f"{a.solver} and {b.solver} have identical iterates and objective "
            f"values: {_why_identical(a, rule_a, b, rule_b)}."
        )
    return notes


def _why_identical(a, rule_a, b, rule_b):
    A, B = type(rule_a), type(rule_b)
    if A is not B and (issubclass(A, B) or issubclass(B, A)):
        (sub, rule), base = ((a, rule_a), b) if issubclass(A, B) else ((b, rule_b), a)
        if dataclasses.is_dataclass(rule):
            own = {f.name for f in dataclasses.fields(rule)} - {
                f.name for f in dataclasses.fields(type(rule).__mro__[1])
            }
            values = {name: getattr(rule, name) for name in sorted(own)}
            if values and not any(values.values()):
                settings = ", ".join(f"{k}={v!r}" for k, v in values.items())
                return (
                    f"{sub.solver} with {settings} is {base.solver} "
                    f"({', '.join(values)} is the only difference, and it is "
                    "zero here)"
                )
    return (
        "the settings that differ between them do not change the iterates on "
        "this problem"
    )


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
    verbose=0,
):
    """Fit every contender on the same objective and compare it with a reference optimum.

    Parameters
    ----------
    estimator_or_problem : str or estimator, default="linear"
        A problem name of :data:`PROBLEMS` (``"linear"``, ``"logistic"``,
        ``"lasso"``, ``"elasticnet"``, ``"logistic-l1"``, ``"poisson"``; the
        estimator is then built with ``alpha`` and :data:`DEFAULT_ALPHA`) or a
        skgd estimator of one of them, whose parameters every contender shares.
    X : array-like, sparse matrix or str, optional
        The features, or a dataset name for :func:`load_dataset`. Default: the
        problem's bundled dataset (:data:`DEFAULT_DATASET`).
    y : array-like, optional
        The target (with an array ``X``).
    solvers : list or str, optional
        The contenders, one row and one curve each; default every registered
        solver. A list of solver names (or a comma- or space-separated string),
        solver objects (``skgd.solvers.Momentum(momentum=0.5)``), dicts of
        estimator parameters (``{"solver": "gd", "learning_rate": 0.1}``) or
        ``(label, spec)`` pairs, ``spec`` any of these or an estimator of the
        same class. Rows are labelled by their settings (``"gd lr=0.1"``) or
        by the label given; see :func:`~skgd.comparison.resolve_contenders`.
    alpha : float, optional
        Penalty strength; overrides the estimator's.
    tol, max_iter : optional
        Stopping rule shared by every contender; default the estimator's.
    budget : int, optional
        Instead of a stopping accuracy, give every contender this many
        iterations (epochs for minibatch solvers): ``tol=0, max_iter=budget``.
        A contender stops earlier only at an exact fixed point.
    standardize : bool, default=True
        Standardize the features once (``StandardScaler``; without centring for
        sparse X) before anything is fitted or timed.
    sample_weight : array-like, optional
    repeat : int, default=1
        Timed fits per contender, after one warm-up. The median fit by wall
        time (the faster middle one for an even ``repeat``) is reported: its
        time, its per-iteration history and its coefficients; every fit's time
        and history are kept (the spread in the table, the curves' band).
    n_threads : int or None, default=1
        BLAS threads for every fit (``threadpoolctl``); None leaves the default.
    random_state : int, default=0
        Seeds minibatch shuffles when a problem name is given.
    dataset : str, optional
        Name shown in the output (default: from ``X`` if it is a name, else "data").
    verbose : int, default=0
        1: one line on stderr per finished contender; 2: also the reference.

    Returns
    -------
    ComparisonResult

    Examples
    --------
    >>> from skgd import compare
    >>> from skgd.solvers import Momentum
    >>> result = compare("logistic", "breast_cancer", solvers=["newton", "lbfgs"])
    >>> [r["solver"] for r in result.records][:2]
    ['LogisticRegression (reference)', 'LogisticRegression (default)']
    >>> all(r.rel_suboptimality < 1e-8 for r in result.runs)
    True
    >>> grid = compare("linear", solvers=[Momentum(momentum=0.5), "momentum"])
    >>> [run.solver for run in grid.runs]
    ['momentum beta=0.5', 'momentum']
    """
    timestamp = datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"
    )
    problem, estimator = _resolve_estimator(estimator_or_problem, alpha, random_state)
    if X is None or isinstance(X, str):
        name = X if isinstance(X, str) else DEFAULT_DATASET[problem]
        data = load_dataset(name, problem, random_state=random_state)
        X, y = data.X, data.y
        dataset = dataset or data.name
    elif y is None:
        raise ValueError("compare(estimator, X, y): y is required with an array X.")
    dataset = dataset or "data"
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
    contenders = resolve_contenders(solvers, estimator)

    X, y, sw, n_classes = _prepare_data(
        problem, X, y, sample_weight, standardize, dataset
    )
    notes = [w for w in [target_warning(problem, y, dataset)] if w]
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    objective = objective_for(estimator, X, y, sw)
    models = [contender.model(estimator) for contender in contenders]
    for contender, model in zip(contenders, models, strict=True):
        if contender.estimator is not None or set(contender.params) - {"solver"}:
            _check_same_objective(contender, model, estimator, objective, X, y, sw)
    rules = [_rule(model) for model in models]
    F0 = objective.value(objective.initial_theta())
    name = f"{problem} on {dataset}"

    limits = threadpool_limits(limits=n_threads) if n_threads else None
    try:
        machine = _machine()
        rows, reference_text = _references(problem, estimator, X, y, sw, repeat)
        label, _, coef, intercept, seconds, n_iter, converged = rows[0]
        scorer = _Scorer(objective, coef, intercept)
        reference = scorer(
            _reference_run(label, "reference", n_iter, seconds, converged),
            coef,
            intercept,
        )
        reference.rel_suboptimality, reference.coef_distance = 0.0, 0.0
        baselines = [
            scorer(_reference_run(label, kind, n_iter, seconds, conv), c, b)
            for label, kind, c, b, seconds, n_iter, conv in rows[1:]
        ]
        if verbose >= 2:
            for run in [reference, *baselines]:
                print(f"[{name}] {run.solver}: {_fmt_ms(run.time)}", file=sys.stderr)
        runs = []
        for i, (contender, model) in enumerate(zip(contenders, models, strict=True)):
            run = _run_solver(model, contender, X, y, sw, repeat, scorer, F0, budget)
            runs.append(run)
            if verbose:
                print(
                    _progress_line(name, i + 1, len(contenders), run, verbose),
                    file=sys.stderr,
                    flush=True,
                )
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
        notes=notes + _notes(reference, runs, estimator, rules),
        machine=machine,
        versions=_versions(),
        timestamp=timestamp,
    )


def _fmt_ms(seconds):
    return f"{seconds * 1e3:.1f} ms"


def _reference_run(label, kind, n_iter, seconds, converged):
    """A reference or baseline row: ``exact`` for a direct solve."""
    status = "exact" if n_iter is None else ("converged" if converged else "max_iter")
    return Run(
        label,
        kind,
        n_iter=n_iter,
        time=seconds,
        converged=converged,
        status=status,
        times=[seconds],
    )


def _rule(model):
    """The update rule ``model`` runs (its dataclass fields filled), or None."""
    try:
        return get_solver(model.solver, model.get_params())
    except (TypeError, ValueError):
        return None


def _check_same_objective(contender, model, base, objective, X, y, sw):
    """ValueError unless ``model`` minimises ``objective`` (checked at two points)."""
    own = objective_for(model, X, y, sw)
    rng = np.random.default_rng(0)
    points = [objective.initial_theta(), rng.standard_normal(objective.size)]
    same = own.size == objective.size and all(
        np.isclose(objective.value(theta), own.value(theta), rtol=1e-12, atol=0)
        for theta in points
    )
    if same:
        return
    differ = [
        f"{k}={v!r}"
        for k, v in model.get_params(deep=False).items()
        if k in base.get_params() and repr(v) != repr(base.get_params()[k])
    ]
    raise ValueError(
        f"contender {contender.label!r} minimises another objective than "
        f"the comparison's {type(base).__name__} ({', '.join(differ)}): "
        "every row is scored against one reference, so give it the same "
        "objective parameters (alpha, l1_ratio, fit_intercept, "
        "class_weight, ...) or compare it separately."
    )


def _machine():
    """Where the comparison runs: the platform, CPU, cores and BLAS threads."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = [
        {k: v for k, v in lib.items() if k != "filepath"} for lib in threadpool_info()
    ]
    return {
        "platform": platform.platform(),
        "cpu": cpu or platform.machine(),
        "n_cores": os.cpu_count(),
        "python": platform.python_version(),
        "blas": blas,
    }


def _versions():
    import scipy
    import sklearn
    import threadpoolctl

    from .._version import __version__

    return {
        "skgd": __version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "threadpoolctl": threadpoolctl.__version__,
    }


def _status(run, fitted, tol, max_iter, budget):
    """What ended the run, judged from the fit and the measured accuracy.

    ``converged`` needs both the fit's word (``converged_``) and the stopping
    measure at ``tol`` (or an objective within rounding of the reference): a
    minibatch plateau that the fit calls converged at 1e-3 relative
    suboptimality is ``stalled``.
    """
    if budget is not None:
        if run.n_iter < budget:
            return "fixed point", (
                f"stopped at an exact fixed point after {run.n_iter} of "
                f"{budget} iterations"
            )
        return "budget", ""
    at_tol = run.rel_optimality <= tol * (1 + 1e-6) or (
        run.rel_suboptimality <= 64 * np.finfo(float).eps
    )
    if fitted.converged_ and at_tol:
        return "converged", ""
    if run.n_iter >= max_iter:
        return "max_iter", ""
    return "stalled", (
        f"stopped after {run.n_iter} of max_iter={max_iter} iterations at "
        f"rel.opt {run.rel_optimality:.1e}, above tol={tol:g}"
        + (" (its own stopping rule called it converged)" if fitted.converged_ else "")
    )


def _progress_line(result_name, index, total, run, verbose=1):
    """One line per finished contender, for stderr (``verbose >= 2``: with the
    time of every repeated fit)."""
    if run.failed:
        detail = run.status
    else:
        detail = (
            f"{run.status}, {run.n_iter} iter, {run.time * 1e3:.1f} ms, "
            f"rel.subopt {run.rel_suboptimality:.1e}"
        )
        if verbose >= 2 and len(run.times) > 1:
            times = ", ".join(f"{t * 1e3:.1f}" for t in run.times)
            detail += f" (fits: {times} ms)"
    return f"[{result_name} {index}/{total}] {run.solver}: {detail}"


def _run_solver(model, contender, X, y, sample_weight, repeat, scorer, F0, budget):
    """Time ``repeat`` fits of ``model`` after one warm-up; score the median one.

    The reported fit is the median one by wall time (the faster middle one for
    an even ``repeat``): its total time, its ``history_`` (whose per-iteration
    times the curves use) and its coefficients are reported together; every
    timed fit's time and history are kept (``times``, ``histories``). Only
    ``fit`` is timed: the comparison scores the fit afterwards.
    """
    warm = clone(model).set_params(max_iter=min(2, model.max_iter))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(DivergenceError, ValueError, FloatingPointError):
            warm.fit(X, y, sample_weight=sample_weight)  # its errors recur below
    fits = []  # (seconds, fitted estimator) per timed fit
    run = Run(
        contender.label,
        "solver",
        params=dict(contender.params),
        solver_name=contender.solver_name,
    )
    for _ in range(repeat):
        fitted = clone(model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            try:
                fitted.fit(X, y, sample_weight=sample_weight)
            except DivergenceError as error:
                run.status, run.message = "diverged", str(error)
            except (ValueError, FloatingPointError) as error:
                run.status, run.message = "failed", str(error)
            seconds = time.perf_counter() - start
        run.times.append(seconds)
        if run.failed:
            run.time = statistics.median_low(run.times)
            run.converged = False
            return run
        fits.append((seconds, fitted))
    run.time, fitted = sorted(fits, key=lambda f: f[0])[(len(fits) - 1) // 2]
    run.n_iter = int(fitted.n_iter_)
    run.learning_rate = float(fitted.learning_rate_)
    run.histories = [_copy_history(f.history_) for f in (f for _, f in fits)]
    run.history = run.histories[[f for _, f in fits].index(fitted)]
    start_objective = fitted.history_.start.get("objective", F0)
    run.curve = np.concatenate([[start_objective], run.history["objective"]])
    scorer(run, fitted.coef_, fitted.intercept_)
    run.status, run.message = _status(
        run, fitted, float(model.tol), int(model.max_iter), budget
    )
    run.converged = run.status == "converged"
    return run


def _copy_history(history):
    return History(
        {name: np.array(column) for name, column in history.items()},
        start={
            k: v for k, v in history.start.items() if k in ("objective", "grad_norm")
        },
    )
