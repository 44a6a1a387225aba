"""Every performance target of the performance issue, measured side by side.

Usage (after ``pip install -e ".[bench]"``)::

    python benchmarks/targets.py                   # every target, about 10 minutes
    python benchmarks/targets.py --quick           # tiny data, ~30 s: the smoke test
    python benchmarks/targets.py --list            # the target ids
    python benchmarks/targets.py --only 1 3e cold-start --json targets.json
    python benchmarks/targets.py --only 2e 5 --profile   # + where skgd's time goes

``--only`` takes group numbers (``1`` ... ``6``), group names (``minibatch``,
``small``, ``to-target``, ``lipschitz``, ``iteration``, ``cold-start``) or target
ids (``3e``). ``--profile`` prints, after the table, the top 10 functions by
``tottime`` (cProfile) of the skgd side of every target NOT MET (tracemalloc's
top allocations for the memory targets, ``-X importtime`` for the import time).

It prints one table: target id, what is compared, the measured ratio, the
target ratio and MET / NOT MET. A ratio ``< r`` (``> r``) is an upper (lower)
bound: one side did not reach the target within its budget; a bound that cannot
decide the target counts as NOT MET. Everything runs in one process on one
BLAS thread (threadpoolctl, as ``run.py``); subprocesses get one thread through
the environment. Times are medians of ``--repeat`` runs after an untimed
warm-up; every ratio is of two measurements taken one after the other in the
same run. The floor, as in ``run.py``, is one ``X @ w`` plus one ``X.T @ r`` on
the same X (median; measured before and after the measurement, the lower kept).

How each ratio is measured (data shapes of the full run; ``--quick`` divides
them):

1. Minibatches. ``1a``/``1b``: time per epoch of ``GDLinearRegression(solver=
   "sgd" | "adam", batch_size=256, tol=0)`` on dense 200 000 x 100 float64,
   ``(t(2m) - t(m)) / m`` (m = 2 epochs, set-up costs cancel) over the floor;
   ``1c``: the same for sgd on CSR 100 000 x 10 000 (0.1 % non-zeros) over the
   CSR floor. ``1d``-``1g``: time for sgd with its defaults (batch 32,
   ``learning_rate="auto"``, tol 1e-6; ``random_state=0``) to reach a relative
   suboptimality ``(F - F*) / F* <= 1e-3`` over the time SGDRegressor /
   SGDClassifier(loss="log_loss") (defaults, ``random_state=0``) need, on
   standardized dense 100 000 x 100 and on the CSR data, regression and binary
   classification, alpha = 1e-4 (SGD's default) on both sides. F* comes from a
   tight skgd fit (newton for dense least squares, else lbfgs). skgd: one run
   with a callback that stops at the target (or the budget) gives the first
   epoch below it; then a run cut at that many epochs is timed. scikit-learn:
   ``tol=None`` and a ladder of ``max_iter`` (1, 2, 4, ... epochs, then
   bisection: a run of k epochs is the first k epochs of a longer one), the
   smallest ``max_iter`` reaching the target is timed. Budgets: skgd 10 s,
   scikit-learn's ladder 10 s or 1.5 x skgd's time, whichever is longer.
2. Small data (standardized breast_cancer, diabetes). ``2a``/``2b``: the fastest
   skgd solver (every registered one, defaults, alpha = 1/n, which is C=1 /
   Ridge's alpha=1; only fits that converged count) over LogisticRegression() /
   Ridge(). ``2c``/``2d``: gd's time per iteration (``tol=0``, ``(t(2m) -
   t(m)) / m``) over that of a bare NumPy gradient-descent loop on the same
   arrays (same m, same step). ``2e``: GridSearchCV(cv=5) over 5 learning rates
   of GDLogisticRegression(solver="sgd") over the same grid of SGDClassifier's
   ``eta0`` (``learning_rate="constant"``), alpha = 1e-4 on both. ``2f``: wall
   time of ``python -c "import skgd"`` over that of ``python -c "import
   sklearn.linear_model"``, each minus ``python -c "pass"`` (fresh processes,
   interleaved, medians).
3. Best skgd solver to ``(F - F*) / F* <= 1e-6`` over the best scikit-learn
   solver (every value of its ``solver`` parameter): OLS and ridge (alpha=1e-3)
   200 000 x 100, binary logistic 100 000 x 100, 10-class multinomial 50 000 x
   100 (alpha = 1/n, C=1), Lasso 50 000 x 500 (20 true non-zeros, alpha = 0.1
   alpha_max), text-like sparse logistic 5 000 x 3 000 (0.5 % non-zeros, Zipf
   word frequencies, tf-idf rows) and wide logistic 200 x 500. F* is
   ``run.py``'s (the lower F of the table's reference fit and a tight skgd
   newton or lbfgs fit; lbfgs on both sides for 10 classes); scikit-learn runs
   ``run.py``'s tol ladder (1e-2, 1e-3, ...; the loosest tol reaching the target
   is timed), an exact solve (LinearRegression) is timed as it is; every skgd
   solver (and sgd, adam on minibatches of 256) runs as in ``1d`` with
   ``tol=1e-14``. A contender is given up after 10 s, or once one of its fits
   is slower than 1.5 x the best of its side so far: it cannot win.
4. ``learning_rate="auto"``: time of ``Objective.lipschitz()`` on an objective
   built as the estimators build it (fresh each repeat) over the floor, at
   d = 100 (200 000 x 100) and d = 500 (50 000 x 500).
5. Full-batch iterations on dense 200 000 x 100 least squares: time per iteration
   (``tol=0``, ``(t(2m) - t(m)) / m``, m = 10) of every first-order and adaptive
   solver over the floor; float32 gd over float64 gd (the same data, measured
   alternately); the peak extra memory of ``fit`` (tracemalloc, 2 iterations)
   over ``X.nbytes``: the worst solver but newton, and newton.
6. Cold start: wall time of a fresh process that loads and standardizes
   breast_cancer, imports skgd and fits GDLogisticRegression (its default
   solver, alpha = 1/n) over the same process with LogisticRegression() (C=1, the
   same objective), interleaved, median of at least 5 runs.

Objectives (the alpha mappings): skgd's GDLinearRegression minimises
``1/(2n) |y - Xw - b|^2 + alpha/2 |w|^2``, Ridge ``|y - Xw - b|^2 + alpha_R |w|^2``
(alpha_R = n alpha), SGDRegressor(alpha=a, penalty="l2") ``1/n sum 1/2 (y_i - x_i w
- b)^2 + a/2 |w|^2`` (half squared error, L2 term ``a * 0.5 |w|^2``; a = alpha);
GDLogisticRegression ``1/n sum logloss_i + alpha/2 |w|^2``, LogisticRegression
``C sum logloss_i + 1/2 |w|^2`` (C = 1/(n alpha)), SGDClassifier(loss="log_loss",
alpha=a) ``1/n sum logloss_i + a/2 |w|^2`` (a = alpha); ProxLasso and Lasso both
``1/(2n) |y - Xw - b|^2 + alpha |w|_1``.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import (
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler, normalize
from threadpoolctl import threadpool_limits

from skgd import GDLinearRegression, GDLogisticRegression
from skgd.comparison import all_solvers
from skgd.comparison.problems import PROBLEMS_BY_NAME
from skgd.diagnostics import objective_for

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (run.py, next to this file)

SGD_TARGET = 1e-3  # relative suboptimality of the minibatch comparison (1d-1g)
SGD_ALPHA = 1e-4  # scikit-learn's SGD default, used on both sides
MINIBATCH = 256
FULL_BATCH = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
GRID_RATES = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
# the scikit-learn solvers most likely to win go first: the budget of the others
# is then a multiple of the best time so far
PREFERRED = ("cholesky", "auto", "sparse_cg", "lsqr", "lbfgs", "newton-cg")
PRUNE = 1.5  # a contender slower than PRUNE x the best so far is given up


# -- results ----------------------------------------------------------------------------
@dataclass
class Measure:
    """A measured ratio: ``bound`` is "=", or "<" / ">" for an upper / lower
    bound; ``skgd`` (a callable) is the skgd side, for ``--profile``."""

    ratio: float | None
    detail: str
    bound: str = "="
    skgd: Callable | None = None
    profile: str = "time"  # or "memory", "import", "process"
    data: dict = field(default_factory=dict)


@dataclass
class Target:
    id: str
    compared: str
    goal: float
    measure: Callable  # (Settings) -> Measure


def met(measure, goal):
    if measure.ratio is None:
        return False
    return measure.bound in "=<" and measure.ratio <= goal


@dataclass
class Settings:
    quick: bool
    repeat: int
    budget: float  # seconds one contender may run before it is given up
    runs: int  # fresh processes per command (import time, cold start)


# -- timing helpers ---------------------------------------------------------------------
def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def median_time(fn, repeat, min_total=0.0, max_total=5.0, warmup=None):
    """Median seconds of ``fn()`` after an untimed warm-up (``warmup`` or ``fn``):
    at least ``repeat`` calls, more until ``min_total`` seconds (fast calls),
    fewer once ``max_total`` seconds are spent (slow ones)."""
    value = _quiet(warmup or fn)
    times = []
    while len(times) < repeat or (sum(times) < min_total and len(times) < 500):
        start = time.perf_counter()
        value = _quiet(fn)
        times.append(time.perf_counter() - start)
        if sum(times) >= max_total:
            break
    return statistics.median(times), value


def fit_seconds(est, X, y):
    start = time.perf_counter()
    _quiet(lambda: est.fit(X, y))
    return time.perf_counter() - start


def timed_fits(factory, X, y, repeat):
    """``(median seconds, estimator)`` of ``factory().fit(X, y)`` (the caller has
    warmed up): ``repeat`` fits, more for fast ones (until 0.2 s per repeat),
    one for a slow one (over 2 s)."""
    times, est = [], None
    while len(times) < repeat or (sum(times) < 0.2 * repeat and len(times) < 100):
        est = factory()
        times.append(fit_seconds(est, X, y))
        if times[0] > 2.0:
            break
    return statistics.median(times), est


def per_iteration(make, X, y, m, repeat):
    """``(t(2m) - t(m)) / m`` of ``make(max_iter).fit``, median over repeats."""
    fit_seconds(make(1), X, y)  # warm-up
    costs = []
    for _ in range(repeat):
        t1 = fit_seconds(make(m), X, y)
        t2 = fit_seconds(make(2 * m), X, y)
        # at least a nanosecond: on tiny (--quick) data the difference can
        # vanish in the noise, and the ratios must stay defined
        costs.append(max(t2 - t1, 1e-9) / m)
    return statistics.median(costs)


def with_floor(X, settings, fn):
    """``(fn(), floor)``: the floor measured before and after, the lower kept."""
    repeat = 5 * settings.repeat
    before = bench.floor_time(X, repeat)
    value = fn()
    return value, min(before, bench.floor_time(X, repeat))


def ms(seconds):
    if seconds is None:
        return "—"
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


# -- data -------------------------------------------------------------------------------
VARIANTS = {v.suffix: v for v in bench.VARIANTS}


class ArrayCase(bench.Case):
    """A ``run.py`` case on given arrays (run.py's cases make their own)."""

    def __init__(self, name, problem, X, y, alpha, fit_intercept=True):
        self.name, self.variant = name, VARIANTS[""]
        self.problem = PROBLEMS_BY_NAME[problem]
        self.X, self.y, self.n = X, y, X.shape[0]
        self.fit_intercept, self.alpha = fit_intercept, alpha
        classes = self.problem.target == "classes"
        self.n_classes = int(np.unique(y).size) if classes else None
        self._objective = None


@cache
def run_case(name, quick, n_samples=None):
    """A case of run.py by its name (``linear``, ``logistic-sparse``, ...)."""
    problem, variant, _ = bench.all_cases()[name]
    return bench.Case(name, problem, variant, quick, n_samples)


@cache
def standardized(name, quick, n_samples, alpha):
    """The first rows of a run.py case, standardized (as SGD wants), at alpha."""
    case = run_case(name, quick)
    n = n_samples // 100 if quick else n_samples
    X = StandardScaler().fit_transform(case.X[:n])
    return ArrayCase(f"{name}-standardized", case.problem.name, X, case.y[:n], alpha)


@cache
def text_like(quick):
    """Binary logistic on a tf-idf-like CSR matrix: Zipf word frequencies,
    0.5 % non-zeros, L2-normalized rows; alpha = 1/n (C = 1)."""
    n, d, density = (500, 300, 0.05) if quick else (5_000, 3_000, 0.005)
    rng = np.random.default_rng(3)
    words = 1.0 / np.arange(1, d + 1) ** 1.1
    lengths = np.maximum(rng.poisson(density * d, n), 1)
    rows = np.repeat(np.arange(n), lengths)
    cols = rng.choice(d, size=rows.size, p=words / words.sum())
    counts = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, d))
    counts.sum_duplicates()
    document_frequency = np.bincount(counts.indices, minlength=d)
    idf = np.log((1.0 + n) / (1.0 + document_frequency)) + 1.0
    counts.data = np.log1p(counts.data) * idf[counts.indices]
    X = normalize(counts)
    z = np.asarray(X @ rng.standard_normal(d))
    z = 2.0 * (z - z.mean()) / max(z.std(), 1e-12)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(int)
    return ArrayCase("sparse-logistic-text", "logistic", X, y, 1.0 / n)


@cache
def wide(quick):
    """Dense binary logistic with more features than rows (n=200, d=500)."""
    rng = np.random.default_rng(4)
    n, d = 200, 500
    X = bench._conditioned(rng, n, d)
    y = bench._target("classes", X, rng.standard_normal(d), rng, 2)
    return ArrayCase("wide-logistic", "logistic", X, y, 1.0 / n)


@cache
def small(name):
    """(X standardized, y) of breast_cancer or diabetes."""
    load = load_breast_cancer if name == "breast_cancer" else load_diabetes
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# -- time to a relative suboptimality ---------------------------------------------------
@dataclass
class Reach:
    """A time to target (``seconds``), or None with the time spent (``spent``)."""

    seconds: float | None
    gap: float
    n_iter: int | None
    spent: float = 0.0
    label: str = ""


def tight_optimum(case):
    """F* of a case without a dense reference: a tight skgd fit (newton for dense
    least squares, lbfgs otherwise)."""
    dense_squares = case.problem.name == "linear" and not sp.issparse(case.X)
    solver = "newton" if dense_squares else "lbfgs"
    est = _quiet(
        lambda: case.skgd(solver, tol=1e-13, max_iter=20_000).fit(case.X, case.y)
    )
    return case.value(est.coef_, est.intercept_)


def skgd_time_to(case, solver, params, f_star, target, budget, repeat):
    """skgd: one run stopped by a callback at the target (or after ``budget``
    seconds) finds the first iteration below it; a run with the same settings
    cut at that many iterations is then timed (median of ``repeat``)."""
    threshold = f_star + target * abs(f_star)

    def stop(state):
        return state.objective <= threshold or state.time > budget

    spent, est = bench.timed_fit(
        lambda: case.skgd(solver, callback=stop, random_state=0, **params),
        case.X,
        case.y,
    )
    gaps = (np.asarray(est.loss_curve_) - f_star) / abs(f_star)
    reached = np.flatnonzero(gaps <= target)
    if reached.size == 0:
        return Reach(None, float(gaps.min()), len(gaps), spent)
    n_iter = int(reached[0]) + 1
    cut = {**params, "max_iter": n_iter}
    seconds, est = timed_fits(
        lambda: case.skgd(solver, random_state=0, **cut), case.X, case.y, repeat
    )
    gap = (est.loss_curve_[-1] - f_star) / abs(f_star)
    return Reach(seconds if gap <= target else None, gap, n_iter, seconds)


def sklearn_epochs_to(make, case, f_star, target, budget, repeat):
    """scikit-learn's SGD: the smallest ``max_iter`` (``tol=None``) whose fit
    reaches the target, by doubling then bisection (k epochs are the first k of
    a longer run), then timed; None once the ladder has spent ``budget``
    seconds (``spent``: the longest fit that did not reach it)."""
    ladder_spent, longest_miss, lo, hi, best_gap = 0.0, 0.0, 0, None, np.inf
    k = 1
    while hi is None:
        seconds, est = bench.timed_fit(lambda k=k: make(k), case.X, case.y)
        ladder_spent += seconds
        gap = bench._gap(case, est, f_star)
        best_gap = min(best_gap, gap)
        if gap <= target:
            hi = k
        else:
            lo, longest_miss = k, seconds
            if ladder_spent > budget:
                return Reach(None, best_gap, lo, longest_miss)
            k *= 2
    while hi - lo > max(1, hi // 8):
        mid = (lo + hi) // 2
        _, est = bench.timed_fit(lambda mid=mid: make(mid), case.X, case.y)
        if bench._gap(case, est, f_star) <= target:
            hi = mid
        else:
            lo = mid
    seconds, est = timed_fits(lambda: make(hi), case.X, case.y, repeat)
    return Reach(seconds, bench._gap(case, est, f_star), hi, seconds)


def compare_reaches(mine, theirs):
    """``(ratio, bound)`` of ``mine.seconds / theirs.seconds``, or a bound from
    the time spent by a side that did not reach the target."""
    if mine.seconds is not None and theirs.seconds is not None:
        return mine.seconds / theirs.seconds, "="
    if mine.seconds is not None and theirs.spent > 0:
        return mine.seconds / theirs.spent, "<"
    if theirs.seconds is not None and mine.spent > 0:
        return mine.spent / theirs.seconds, ">"
    return None, "="


def reach_text(label, reach):
    if reach.seconds is None:
        return (
            f"{label} not reached in {ms(reach.spent)} "
            f"(best {reach.gap:.1e}, {reach.n_iter} it)"
        )
    return f"{label} {ms(reach.seconds)} ({reach.n_iter} it)"


# -- 1. minibatches ---------------------------------------------------------------------
def epoch_target(solver, sparse):
    def measure(s):
        case = run_case("linear-sparse" if sparse else "linear", s.quick)

        def make(k):
            return case.skgd(
                solver, batch_size=MINIBATCH, max_iter=k, tol=0.0, random_state=0
            )

        m = 2
        cost, floor = with_floor(
            case.X, s, lambda: per_iteration(make, case.X, case.y, m, s.repeat)
        )
        return Measure(
            cost / floor,
            f"epoch {ms(cost)}, floor {ms(floor)} ({_shape(case.X)})",
            skgd=lambda: make(2 * m).fit(case.X, case.y),
            data=dict(epoch=cost, floor=floor),
        )

    return measure


def sgd_target(kind, sparse):
    def measure(s):
        if sparse:
            base = run_case(
                "linear-sparse" if kind == "regression" else "logistic-sparse", s.quick
            )
            case = ArrayCase(base.name, base.problem.name, base.X, base.y, SGD_ALPHA)
        else:
            name = "linear" if kind == "regression" else "logistic"
            case = standardized(name, s.quick, 100_000, SGD_ALPHA)
        f_star = tight_optimum(case)
        mine = skgd_time_to(case, "sgd", {}, f_star, SGD_TARGET, s.budget, s.repeat)
        if kind == "regression":
            label = "SGDRegressor"

            def make(k):
                return SGDRegressor(
                    alpha=SGD_ALPHA, max_iter=k, tol=None, random_state=0
                )
        else:
            label = "SGDClassifier"

            def make(k):
                return SGDClassifier(
                    loss="log_loss",
                    alpha=SGD_ALPHA,
                    max_iter=k,
                    tol=None,
                    random_state=0,
                )

        # scikit-learn runs at least as long as skgd took, to decide the target
        budget = max(s.budget, 1.5 * (mine.seconds or 0.0))
        theirs = sklearn_epochs_to(make, case, f_star, SGD_TARGET, budget, s.repeat)
        ratio, bound = compare_reaches(mine, theirs)
        n_iter = mine.n_iter
        return Measure(
            ratio,
            f"{reach_text('sgd', mine)} vs {reach_text(label, theirs)} "
            f"({_shape(case.X)})",
            bound,
            skgd=lambda: case.skgd("sgd", random_state=0, max_iter=n_iter).fit(
                case.X, case.y
            ),
            data=dict(skgd=vars(mine), sklearn=vars(theirs), f_star=f_star),
        )

    return measure


def _label(solver, batch):
    return solver if batch is None else f"{solver}(batch={batch})"


def _batch(batch):
    return {} if batch is None else {"batch_size": batch}


def _shape(X):
    kind = "CSR" if sp.issparse(X) else str(X.dtype)
    return f"{X.shape[0]} x {X.shape[1]} {kind}"


# -- 2. small data ----------------------------------------------------------------------
def best_solver_target(dataset):
    def measure(s):
        X, y = small(dataset)
        n = X.shape[0]
        if dataset == "breast_cancer":
            Estimator, reference = GDLogisticRegression, LogisticRegression()
        else:
            Estimator, reference = GDLinearRegression, Ridge()
        sk_time, _ = median_time(
            lambda: clone(reference).fit(X, y), s.repeat, min_total=0.3 * s.repeat
        )
        timings, not_converged = {}, []
        for solver in all_solvers():
            est = Estimator(solver=solver, alpha=1.0 / n)
            seconds, fitted = median_time(
                lambda est=est: est.fit(X, y), s.repeat, min_total=0.3 * s.repeat
            )
            if fitted.converged_:
                timings[solver] = seconds
            else:
                not_converged.append(solver)
        if not timings:
            return Measure(None, f"no solver converged ({', '.join(not_converged)})")
        best = min(timings, key=timings.get)
        return Measure(
            timings[best] / sk_time,
            f"{best} {ms(timings[best])} vs {type(reference).__name__}() "
            f"{ms(sk_time)}; not converged: {', '.join(not_converged) or 'none'}",
            skgd=lambda: Estimator(solver=best, alpha=1.0 / n).fit(X, y),
            data=dict(skgd=timings, sklearn=sk_time, not_converged=not_converged),
        )

    return measure


def numpy_gd(X, y, lr, alpha, n_iter, logistic):
    """Bare gradient descent on the same objective as skgd's gd."""
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for _ in range(n_iter):
        z = X @ w + b
        r = (1.0 / (1.0 + np.exp(-z)) if logistic else z) - y
        w -= lr * ((X.T @ r) / n + alpha * w)
        b -= lr * r.mean()
    return w, b


def gd_loop_target(dataset):
    def measure(s):
        X, y = small(dataset)
        n = X.shape[0]
        logistic = dataset == "breast_cancer"
        Estimator = GDLogisticRegression if logistic else GDLinearRegression
        m = 50 if s.quick else 200

        def make(k):
            return Estimator(solver="gd", alpha=1.0 / n, max_iter=k, tol=0.0)

        lr = _quiet(lambda: make(1).fit(X, y)).learning_rate_
        y_float = y.astype(float)

        def loop_seconds(k):
            start = time.perf_counter()
            numpy_gd(X, y_float, lr, 1.0 / n, k, logistic)
            return time.perf_counter() - start

        mine = per_iteration(make, X, y, m, s.repeat)
        loop_seconds(1)  # warm-up
        bare = statistics.median(
            max(loop_seconds(2 * m) - loop_seconds(m), 0.0) / m for _ in range(s.repeat)
        )
        return Measure(
            mine / max(bare, 1e-12),
            f"{ms(mine)} vs {ms(bare)} per iteration ({dataset}, m={m})",
            skgd=lambda: make(2 * m).fit(X, y),
            data=dict(skgd=mine, numpy=bare),
        )

    return measure


def grid_target(s):
    X, y = small("breast_cancer")
    cv, max_iter = (2, 3) if s.quick else (5, 1000)
    rates = list(GRID_RATES)
    mine = GridSearchCV(
        GDLogisticRegression(
            solver="sgd", alpha=SGD_ALPHA, max_iter=max_iter, random_state=0
        ),
        {"learning_rate": rates},
        cv=cv,
    )
    theirs = GridSearchCV(
        SGDClassifier(
            loss="log_loss",
            learning_rate="constant",
            alpha=SGD_ALPHA,
            max_iter=max_iter,
            random_state=0,
        ),
        {"eta0": rates},
        cv=cv,
    )

    def warmup():  # first-call costs of both, without a whole grid
        clone(mine.estimator).set_params(max_iter=1).fit(X, y)
        clone(theirs.estimator).set_params(eta0=0.01, max_iter=1).fit(X, y)

    t_mine, _ = median_time(lambda: clone(mine).fit(X, y), s.repeat, warmup=warmup)
    t_theirs, _ = median_time(lambda: clone(theirs).fit(X, y), s.repeat, warmup=warmup)
    return Measure(
        t_mine / t_theirs,
        f"{ms(t_mine)} vs {ms(t_theirs)} (cv={cv}, {len(rates)} rates)",
        skgd=lambda: clone(mine).fit(X, y),
        data=dict(skgd=t_mine, sklearn=t_theirs),
    )


def _child_env():
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def process_times(codes, runs):
    """Median wall time of ``python -c code`` per code, runs interleaved (the
    order rotates every run)."""
    times = {code: [] for code in codes}
    for i in range(runs):
        for code in codes[i % len(codes) :] + codes[: i % len(codes)]:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", code],
                check=True,
                capture_output=True,
                env=_child_env(),
            )
            times[code].append(time.perf_counter() - start)
    return {code: statistics.median(t) for code, t in times.items()}


def import_target(s):
    codes = ["pass", "import skgd", "import sklearn.linear_model"]
    t = process_times(codes, s.runs)
    mine, theirs = t[codes[1]] - t[codes[0]], t[codes[2]] - t[codes[0]]
    return Measure(
        mine / theirs,
        f"{ms(mine)} vs {ms(theirs)} (python startup {ms(t[codes[0]])} "
        f"subtracted, {s.runs} runs)",
        skgd=codes[1],
        profile="import",
        data=dict(times=t),
    )


# -- 3. best solver to 1e-6 -------------------------------------------------------------
def sklearn_baselines(case):
    """(label, kind, make) of scikit-learn's solvers of the case's objective:
    ``make(tol)`` for the tol ladder (kind "ladder"), ``fit(X, y)`` for an exact
    solve (kind "exact")."""
    n, alpha, fi = case.n, case.alpha, case.fit_intercept
    name = case.problem.name
    if name == "linear":
        exact = [
            (
                "LinearRegression",
                "exact",
                lambda X, y: LinearRegression(fit_intercept=fi).fit(X, y),
            )
        ]
        model = Ridge(alpha=n * alpha, fit_intercept=fi, max_iter=1000)
        skip = {"lbfgs"}  # Ridge's lbfgs is for positive=True only
    elif name == "logistic":
        exact = []
        model = LogisticRegression(
            C=1.0 / (n * alpha), fit_intercept=fi, max_iter=1000, random_state=0
        )
        skip = set()
    elif name == "lasso":
        exact, skip = [], set()
        model = Lasso(alpha=alpha, fit_intercept=fi, max_iter=100_000)
    else:
        raise ValueError(f"no scikit-learn baselines for {name}")
    solvers = [s for s in bench._solver_options(model) if s not in skip]
    solvers.sort(key=lambda s: PREFERRED.index(s) if s in PREFERRED else 99)
    ladder = []
    for solver in solvers:
        settings = {} if solver is None else {"solver": solver}
        label = type(model).__name__ + ("" if solver is None else f"({solver})")
        ladder.append(
            (
                label,
                "ladder",
                lambda tol, st=settings: clone(model).set_params(tol=tol, **st),
            )
        )
    return ladder[:2] + exact + ladder[2:]


def ladder_to(make, case, f_star, repeat, budget, tolerances=bench.TOLERANCES):
    """run.py's tol ladder (``make(tol)``, tol from 1e-2 down by factors of 10,
    the loosest reaching the target timed), given up once a fit takes longer
    than ``budget``; a fit slower than ``budget`` is not timed again."""
    for tol in tolerances:
        seconds, est = bench.timed_fit(lambda tol=tol: make(tol), case.X, case.y)
        gap, n_iter = bench._gap(case, est, f_star), bench._n_iter(est)
        if gap <= bench.TARGET:
            if seconds <= budget:
                seconds, _ = timed_fits(
                    lambda tol=tol: _Fitter(make(tol)), case.X, case.y, repeat
                )
            return Reach(seconds, gap, n_iter, seconds)
        if seconds > budget:
            break
    return Reach(None, gap, n_iter, seconds)


class _Fitter:
    """A ``fit(X, y)`` function (an exact baseline) or an estimator, as an
    object with ``fit``."""

    def __init__(self, fit):
        self.fit = getattr(fit, "fit", fit)


def exact_to(fit, case, f_star, repeat, budget):
    """An exact solve (``fit(X, y)``, no tol): a one-rung ladder."""
    return ladder_to(lambda tol: fit, case, f_star, repeat, budget, (None,))


def optimum(case):
    """F* and its source: run.py's (the lower F of the table's reference fit and
    a tight skgd newton or lbfgs fit), but lbfgs on both sides for more than two
    classes, where newton's Hessian grows with the square of the classes."""
    if (case.n_classes or 2) <= 2:
        return bench.reference_optimum(case)
    C = 1.0 / (case.n * case.alpha)
    fits = {
        "LogisticRegression(lbfgs, tol=1e-12)": lambda: LogisticRegression(
            C=C, tol=1e-12, max_iter=100_000, fit_intercept=case.fit_intercept
        ),
        "skgd lbfgs": lambda: case.skgd("lbfgs", tol=1e-13, max_iter=100_000),
    }
    values = []
    for label, make in fits.items():
        est = _quiet(lambda make=make: make().fit(case.X, case.y))
        values.append((case.value(est.coef_, est.intercept_), label))
    return min(values)


def skgd_contenders():
    first = ("lbfgs", "newton")
    contenders = bench.solver_contenders()
    return sorted(contenders, key=lambda c: first.index(c[0]) if c[0] in first else 9)


def to_target(make_case):
    def measure(s):
        case = make_case(s.quick)
        f_star, source = optimum(case)
        mine, theirs, settings = {}, {}, {}
        best = None
        for solver, batch in skgd_contenders():
            label = _label(solver, batch)
            params = {"tol": 1e-14, "max_iter": 100_000, **_batch(batch)}
            settings[label] = solver, params
            budget = s.budget if best is None else min(s.budget, PRUNE * best)
            try:
                reach = skgd_time_to(
                    case, solver, params, f_star, bench.TARGET, budget, s.repeat
                )
            except ValueError as error:  # a solver the problem refuses
                mine[label] = Reach(None, np.inf, None, label=str(error)[:80])
                continue
            reach.label = label
            mine[label] = reach
            if reach.seconds is not None:
                best = min(best or np.inf, reach.seconds)
        best_sk = None
        for label, kind, make in sklearn_baselines(case):
            budget = s.budget if best_sk is None else min(s.budget, PRUNE * best_sk)
            try:
                reach = (exact_to if kind == "exact" else ladder_to)(
                    make, case, f_star, s.repeat, budget
                )
            except Exception as error:  # noqa: BLE001 - a solver refusing the data
                theirs[label] = Reach(None, np.inf, None, label=str(error)[:80])
                continue
            reach.label = label
            theirs[label] = reach
            if reach.seconds is not None:
                best_sk = min(best_sk or np.inf, reach.seconds)
        win = min(
            (r for r in mine.values() if r.seconds),
            key=lambda r: r.seconds,
            default=None,
        )
        win_sk = min(
            (r for r in theirs.values() if r.seconds),
            key=lambda r: r.seconds,
            default=None,
        )
        data = dict(
            f_star=f_star,
            f_star_source=source,
            skgd={k: vars(r) for k, r in mine.items()},
            sklearn={k: vars(r) for k, r in theirs.items()},
        )
        if win is None or win_sk is None:
            return Measure(
                None,
                f"{'no skgd' if win is None else 'no scikit-learn'} solver reached "
                f"1e-6 in {ms(s.budget)} ({_shape(case.X)})",
                data=data,
            )
        runner_up = sorted(r.seconds for r in mine.values() if r.seconds)[1:2]
        solver, params = settings[win.label]
        cut = {**params, "max_iter": win.n_iter, "random_state": 0}
        return Measure(
            win.seconds / win_sk.seconds,
            f"{win.label} {ms(win.seconds)} ({win.n_iter} it"
            + (f"; next skgd {ms(runner_up[0])}" if runner_up else "")
            + f") vs {win_sk.label} {ms(win_sk.seconds)} ({_shape(case.X)})",
            skgd=lambda: case.skgd(solver, **cut).fit(case.X, case.y),
            data=data,
        )

    return measure


def ols(quick):
    return run_case("linear", quick)


def ridge(quick):
    base = run_case("linear", quick)
    return ArrayCase("ridge", "linear", base.X, base.y, 1e-3)


def binary_logistic(quick):
    return run_case("logistic", quick)


def multinomial(quick):
    return run_case("logistic-multinomial-10", quick, 500 if quick else 50_000)


def lasso(quick):
    return run_case("lasso", quick)


# -- 4. learning_rate="auto" ------------------------------------------------------------
def lipschitz_target(wide_case):
    def measure(s):
        base = run_case("lasso" if wide_case else "linear", s.quick)
        est = GDLinearRegression()

        def lipschitz_seconds():
            times = []
            for _ in range(s.repeat):
                objective = _quiet(lambda: objective_for(est, base.X, base.y))
                start = time.perf_counter()
                objective.lipschitz()
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        lipschitz_seconds()  # warm-up
        seconds, floor = with_floor(base.X, s, lipschitz_seconds)

        def profile():
            objective_for(est, base.X, base.y).lipschitz()

        return Measure(
            seconds / floor,
            f"L in {ms(seconds)}, floor {ms(floor)} ({_shape(base.X)})",
            skgd=profile,
            data=dict(lipschitz=seconds, floor=floor),
        )

    return measure


# -- 5. full-batch iterations -----------------------------------------------------------
def iteration_target(solver):
    def measure(s):
        case = run_case("linear", s.quick)
        m = 5 if s.quick else 10

        def make(k):
            return case.skgd(solver, max_iter=k, tol=0.0, random_state=0)

        cost, floor = with_floor(
            case.X, s, lambda: per_iteration(make, case.X, case.y, m, s.repeat)
        )
        return Measure(
            cost / floor,
            f"{ms(cost)} per iteration, floor {ms(floor)} ({_shape(case.X)})",
            skgd=lambda: make(2 * m).fit(case.X, case.y),
            data=dict(iteration=cost, floor=floor),
        )

    return measure


def float32_target(s):
    case = run_case("linear", s.quick)
    X32, y32 = case.X.astype(np.float32), case.y.astype(np.float32)
    m = 5 if s.quick else 10

    def make(k):
        return case.skgd("gd", max_iter=k, tol=0.0)

    costs = {"float64": [], "float32": []}
    for _ in range(s.repeat):  # alternately: both see the same machine
        costs["float64"].append(per_iteration(make, case.X, case.y, m, 1))
        costs["float32"].append(per_iteration(make, X32, y32, m, 1))
    t64, t32 = (statistics.median(costs[k]) for k in ("float64", "float32"))
    return Measure(
        t32 / t64,
        f"{ms(t32)} vs {ms(t64)} per iteration ({_shape(X32)} vs float64)",
        skgd=lambda: make(2 * m).fit(X32, y32),
        data=dict(float32=t32, float64=t64),
    )


def memory_target(newton):
    def measure(s):
        case = run_case("linear", s.quick)
        contenders = [
            c for c in bench.solver_contenders() if (c[0] == "newton") == newton
        ]
        makes = {
            _label(solver, batch): lambda s=solver, b=batch: case.skgd(
                s, tol=0.0, max_iter=2, random_state=0, **_batch(b)
            )
            for solver, batch in contenders
        }
        peaks = {
            label: bench.peak_memory(make, case.X, case.y)
            for label, make in makes.items()
        }
        worst = max(peaks, key=peaks.get)
        others = ", ".join(f"{k} {v:.3f}" for k, v in peaks.items() if k != worst)
        return Measure(
            peaks[worst],
            f"{worst} {peaks[worst]:.3f} x X.nbytes"
            + (f"; {others}" if others else ""),
            skgd=lambda: makes[worst]().fit(case.X, case.y),
            profile="memory",
            data=peaks,
        )

    return measure


# -- 6. cold start ----------------------------------------------------------------------
COLD_START = """\
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
{}
"""
COLD_SKGD = COLD_START.format(
    "from skgd import GDLogisticRegression\n"
    "GDLogisticRegression(alpha=1.0 / len(y)).fit(X, y)"
)
COLD_SKLEARN = COLD_START.format(
    "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit(X, y)"
)


def cold_start_target(s):
    runs = max(s.runs, 5) if not s.quick else s.runs
    t = process_times([COLD_SKGD, COLD_SKLEARN], runs)
    mine, theirs = t[COLD_SKGD], t[COLD_SKLEARN]
    return Measure(
        mine / theirs,
        f"{ms(mine)} vs {ms(theirs)} ({runs} runs)",
        skgd=COLD_SKGD,
        profile="process",
        data=dict(skgd=mine, sklearn=theirs),
    )


# -- the targets ------------------------------------------------------------------------
GROUPS = {
    "1": ("minibatch", [
        Target("1a", "sgd epoch (batch 256) / floor, dense 200k x 100", 1.5,
               epoch_target("sgd", sparse=False)),
        Target("1b", "adam epoch (batch 256) / floor, dense 200k x 100", 1.5,
               epoch_target("adam", sparse=False)),
        Target("1c", "sgd epoch (batch 256) / CSR floor, 100k x 10k", 2.0,
               epoch_target("sgd", sparse=True)),
        Target("1d", "sgd defaults to 1e-3 / SGDRegressor, dense", 1.0,
               sgd_target("regression", sparse=False)),
        Target("1e", "sgd defaults to 1e-3 / SGDClassifier, dense", 1.0,
               sgd_target("classification", sparse=False)),
        Target("1f", "sgd defaults to 1e-3 / SGDRegressor, CSR", 1.0,
               sgd_target("regression", sparse=True)),
        Target("1g", "sgd defaults to 1e-3 / SGDClassifier, CSR", 1.0,
               sgd_target("classification", sparse=True)),
    ]),
    "2": ("small", [
        Target("2a", "best skgd solver / LogisticRegression(), breast_cancer", 1.0,
               best_solver_target("breast_cancer")),
        Target("2b", "best skgd solver / Ridge(), diabetes", 1.0,
               best_solver_target("diabetes")),
        Target("2c", "gd iteration / bare NumPy loop, diabetes", 1.5,
               gd_loop_target("diabetes")),
        Target("2d", "gd iteration / bare NumPy loop, breast_cancer", 1.5,
               gd_loop_target("breast_cancer")),
        Target("2e", "GridSearchCV sgd / SGDClassifier(eta0), 5 rates", 2.0,
               grid_target),
        Target("2f", "import skgd / import sklearn.linear_model", 1.2,
               import_target),
    ]),
    "3": ("to-target", [
        Target("3a", "best skgd to 1e-6 / best sklearn, OLS 200k x 100", 0.8,
               to_target(ols)),
        Target("3b", "best skgd to 1e-6 / best sklearn, ridge 200k x 100", 0.8,
               to_target(ridge)),
        Target("3c", "best skgd to 1e-6 / best sklearn, logistic 100k x 100", 0.8,
               to_target(binary_logistic)),
        Target("3d", "best skgd to 1e-6 / best sklearn, 10 classes 50k x 100", 0.8,
               to_target(multinomial)),
        Target("3e", "best skgd to 1e-6 / Lasso, 50k x 500", 0.7, to_target(lasso)),
        Target("3f", "best skgd to 1e-6 / best sklearn, sparse text 5k x 3k", 1.0,
               to_target(text_like)),
        Target("3g", "best skgd to 1e-6 / best sklearn, wide 200 x 500", 1.0,
               to_target(wide)),
    ]),
    "4": ("lipschitz", [
        Target("4a", "learning_rate='auto' (L) / floor, d = 100", 3.0,
               lipschitz_target(wide_case=False)),
        Target("4b", "learning_rate='auto' (L) / floor, d = 500", 3.0,
               lipschitz_target(wide_case=True)),
    ]),
    "5": ("iteration", [
        *[Target(f"5{letter}", f"{solver} iteration / floor, 200k x 100", 1.3,
                 iteration_target(solver))
          for letter, solver in zip("abcdefg", FULL_BATCH, strict=True)],
        Target("5h", "float32 gd iteration / float64 gd iteration", 0.6,
               float32_target),
        Target("5i", "peak extra memory of fit / X.nbytes (worst but newton)", 0.1,
               memory_target(newton=False)),
        Target("5j", "peak extra memory of fit / X.nbytes, newton", 0.15,
               memory_target(newton=True)),
    ]),
    "6": ("cold-start", [
        Target("6a", "process: import + fit GDLogisticRegression / LogisticRegression",
               1.5, cold_start_target),
    ]),
}  # fmt: skip
TARGETS = [t for _, targets in GROUPS.values() for t in targets]


def select(names):
    """The targets named by group numbers, group names or ids (all if none)."""
    if not names:
        return list(TARGETS)
    chosen = []
    for number, (group, targets) in GROUPS.items():
        for target in targets:
            if {number, group, target.id} & set(names):
                chosen.append(target)
    known = {*GROUPS, *(g for g, _ in GROUPS.values()), *(t.id for t in TARGETS)}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(
            f"unknown target(s) {', '.join(unknown)}; choose from "
            f"{', '.join(sorted(known))}."
        )
    return chosen


# -- profiles ---------------------------------------------------------------------------
def profile(measure, top=10):
    """The top of a profile of the skgd side of a measurement, as text."""
    if measure.profile == "import":
        return import_profile(measure.skgd, top)
    if measure.profile == "process":
        wrapper = (
            "import cProfile, pstats\n"
            f"cProfile.run({measure.skgd!r}, 'prof.out')\n"
            f"pstats.Stats('prof.out').sort_stats('tottime').print_stats({top})\n"
        )
        text = subprocess.run(
            [sys.executable, "-c", wrapper],
            capture_output=True,
            text=True,
            env=_child_env(),
            check=True,
            cwd=_scratch(),
        ).stdout.strip()
        return text[text.find("ncalls") :]
    if measure.profile == "memory":
        return memory_profile(measure.skgd, top)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    calls = 0
    while calls == 0 or (time.perf_counter() - start < 1.0 and calls < 200):
        _quiet(measure.skgd)  # a fast call is repeated for resolution
        calls += 1
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    text = out.getvalue().strip()
    return f"({calls} call{'s' if calls > 1 else ''})\n" + text[text.find("ncalls") :]


def _import_times(code):
    """``{module: (self us, cumulative us)}`` of ``python -X importtime -c code``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=_child_env(),
        check=True,
    )
    times = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|", 2)
        times[name.strip()] = (int(own), int(cumulative))
    return times


def import_profile(code, top):
    """The modules ``code`` imports that ``import sklearn.linear_model`` does
    not: by cumulative import time (nested imports included: who pulls them
    in) and by own time (what they cost)."""
    base = _import_times("import sklearn.linear_model")
    extra = {k: v for k, v in _import_times(code).items() if k not in base}
    total = sum(own for own, _ in extra.values())
    lines = [
        f"{len(extra)} modules beyond sklearn.linear_model's, "
        f"{total / 1e3:.0f} ms of own import time"
    ]
    for title, column in (("cumulative", 1), ("own", 0)):
        rows = sorted(extra.items(), key=lambda kv: kv[1][column], reverse=True)
        lines += [f"by {title} time:", "self [us] | cumulative [us] | module"]
        lines += [f"{own:9d} | {cum:15d} | {name}" for name, (own, cum) in rows[:top]]
    return "\n".join(lines)


def memory_profile(fn, top):
    """Where traced memory peaks during ``fn()``: the call stack at the peak and
    the largest live allocations then (a snapshot within 2 % of the peak)."""
    state = {"high": 0, "stack": None, "snapshot": None, "at": 0}

    def watch(frame, event, arg):
        current = tracemalloc.get_traced_memory()[0]
        if current > state["high"]:
            state["high"] = current
            stack, f = [], frame
            while f is not None and len(stack) < 8:
                name = os.path.basename(f.f_code.co_filename)
                stack.append(f"{name}:{f.f_lineno} {f.f_code.co_name}")
                f = f.f_back
            if event == "c_return":
                stack.insert(0, f"(returned from {getattr(arg, '__qualname__', arg)})")
            state["stack"] = stack
            if current > 1.02 * state["at"]:
                state["snapshot"], state["at"] = tracemalloc.take_snapshot(), current
        return None

    tracemalloc.start()
    sys.setprofile(watch)
    try:
        _quiet(fn)
    finally:
        sys.setprofile(None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    lines = [f"peak {peak / 2**20:.1f} MiB; call stack at the peak (innermost first):"]
    lines += ["  " + line for line in state["stack"] or []]
    lines.append(f"largest allocations live at {state['at'] / 2**20:.1f} MiB:")
    if state["snapshot"] is not None:
        mine = tracemalloc.Filter(False, __file__)  # the watcher's own strings
        snapshot = state["snapshot"].filter_traces([mine])
        stats = snapshot.statistics("lineno")[:top]
        lines += ["  " + str(stat) for stat in stats]
    return "\n".join(lines)


def _scratch():
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "skgd-targets-profile"
    path.mkdir(exist_ok=True)
    return path


def code_version():
    """The commit measured, and whether skgd/ had uncommitted changes."""
    repo = Path(__file__).resolve().parent.parent

    def git(*args):
        command = ["git", "-C", str(repo), *args]
        return subprocess.run(
            command, capture_output=True, text=True, check=True
        ).stdout

    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        dirty = git("status", "--porcelain", "--", "skgd").strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" + uncommitted changes in skgd/" if dirty else "")


# -- output -----------------------------------------------------------------------------
def format_ratio(measure):
    if measure.ratio is None:
        return "—"
    prefix = "" if measure.bound == "=" else measure.bound + " "
    return f"{prefix}{measure.ratio:.4g}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny data, ~30 s")
    parser.add_argument("--json", metavar="PATH", help="write every result as JSON")
    parser.add_argument("--repeat", type=int, default=3, help="timed repeats (median)")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="group numbers, group names or target ids",
    )
    parser.add_argument("--list", action="store_true", help="list the target ids")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the skgd side of every target NOT MET",
    )
    args = parser.parse_args(argv)
    if args.list:
        for number, (group, targets) in GROUPS.items():
            for target in targets:
                print(f"{target.id:4} {number} {group:11} {target.compared}")
        return 0
    try:
        chosen = select(args.only)
    except ValueError as error:
        parser.error(str(error))
    quick = args.quick
    settings = Settings(
        quick=quick,
        repeat=1 if quick else args.repeat,
        budget=0.2 if quick else 10.0,
        runs=1 if quick else max(5, 2 * args.repeat - 1),
    )
    results, failed = [], False
    with threadpool_limits(limits=1):
        info = {**bench.machine_info(1), "code": code_version()}
        print("## skgd performance targets\n")
        print("machine: " + json.dumps(info))
        print(
            f"settings: quick={quick}, repeat={settings.repeat}, "
            f"budget={settings.budget} s, processes={settings.runs}\n"
        )
        print("| id | compared | measured | target | status | details |")
        print("|---|---|---|---|---|---|")
        for target in chosen:
            start = time.perf_counter()
            try:
                measure = target.measure(settings)
                status = "MET" if met(measure, target.goal) else "NOT MET"
            except Exception as error:  # noqa: BLE001 - a row, and exit status 1
                measure = Measure(None, f"{type(error).__name__}: {error}")
                status, failed = "ERROR", True
            seconds = time.perf_counter() - start
            print(
                f"| {target.id} | {target.compared} | {format_ratio(measure)} "
                f"| ≤ {target.goal:g} | {status} | {measure.detail} "
                f"[{seconds:.0f} s] |",
                flush=True,
            )
            results.append((target, measure, status, seconds))
        if args.profile:
            for target, measure, status, _ in results:
                if status == "NOT MET" and measure.skgd is not None:
                    print(f"\n### profile of {target.id}: {target.compared}\n")
                    print("```\n" + profile(measure) + "\n```", flush=True)
    if args.json:
        rows = [
            dict(
                id=t.id,
                compared=t.compared,
                goal=t.goal,
                ratio=m.ratio,
                bound=m.bound,
                status=status,
                detail=m.detail,
                seconds=seconds,
                data=m.data,
            )
            for t, m, status, seconds in results
        ]
        with open(args.json, "w") as f:
            json.dump({"machine": info, "targets": rows}, f, indent=1, default=float)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
