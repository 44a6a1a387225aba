"""skgd's benchmark: every solver next to scikit-learn and the hardware floor.

Usage (after ``pip install -e ".[bench]"``)::

    python benchmarks/run.py                  # the default cases, one BLAS thread
    python benchmarks/run.py --quick          # tiny data, the suite's smoke test
    python benchmarks/run.py --list           # every case name
    python benchmarks/run.py --threads 2 --json results.json --problems linear logistic

The cases come from skgd's one problem table, :data:`skgd.comparison.PROBLEM_TABLE`:
every entry is a case under its own name (``linear``, ``logistic``, ``lasso``,
...), so a new loss or penalty is benchmarked without editing this file. Data
variants apply to any entry and are named by a suffix: ``-no-intercept``,
``-float32``, ``-sparse`` (CSR X), ``-multinomial-10`` (class targets only) and
``-penalized`` (alpha = 1e-3 on an entry the table leaves unpenalized). By
default each variant runs on the first table entry of the target kinds it is
meant for (``--list`` marks them); ``--problems all`` runs every combination,
``--problems scaling`` the scaling rows.

For each case, in one process and one run, it measures

* the floor: the median time of one ``X @ w`` plus one ``X.T @ r`` on the same X
  (at the start and at the end of the case; their ratio shows the noise);
* per skgd solver (every registered one), the time per iteration (epoch for
  minibatch solvers) with ``tol=0``: ``(t(2m) - t(m)) / m`` so set-up costs
  cancel, as a multiple of the floor; a solver the problem refuses (say a
  first-order solver with ``learning_rate="auto"`` on a loss without a finite
  Lipschitz constant) is a row saying why;
* the time to reach a relative suboptimality ``(F - F*) / |F*| <= 1e-6``, for
  every skgd solver and every scikit-learn baseline of the table entry, each
  baseline once per value of its ``solver`` parameter: ``tol`` is tightened from
  1e-2 by factors of 10 until the target is reached, then that setting is timed
  (median of ``--repeat`` fits); baselines without ``tol`` (direct solves) are
  timed as they are. F* is the lower of the table's reference fit and a tight
  skgd fit (``newton`` at ``tol=1e-12``, ``lbfgs`` for wide data);
* the peak extra memory of ``fit`` (tracemalloc) as a multiple of ``X.nbytes``.

It prints one markdown table per case and the machine, and writes the same rows
as JSON. Absolute times are noisy on shared machines; ratios within one run are
what count.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.base import clone
from threadpoolctl import threadpool_info, threadpool_limits

import skgd
from skgd.comparison import PROBLEM_TABLE, all_solvers, make_synthetic
from skgd.diagnostics import objective_for
from skgd.solvers import get_solver

TARGET = 1e-6
TOLERANCES = [10.0**-k for k in range(2, 15)]
# Minibatch runs: solvers that are stochastic by default, plus these first-order
# solvers a second time on minibatches (if registered).
MINIBATCH = 256
MINIBATCH_EXTRAS = ("adam",)
# max_iter of scikit-learn baselines in the tol ladder (at least their default)
LADDER_MAX_ITER = 1000
# The tight skgd fit behind F* uses newton up to this many features, lbfgs above.
NEWTON_MAX_FEATURES = 2000


# -- cases: a table entry and a data variant ---------------------------------------
@dataclass(frozen=True)
class Variant:
    """A change of data or settings applied to any table entry.

    ``default_targets``: the target kinds on whose first table entry the variant
    runs by default (None: every entry).
    """

    suffix: str
    text: str
    default_targets: tuple | None = ()
    applies: Callable = lambda problem: True
    fit_intercept: bool = True
    dtype: type = np.float64
    sparse: bool = False
    n_classes: int = 2
    alpha: float | None = None


VARIANTS = (
    Variant("", "the table entry", default_targets=None),
    Variant("no-intercept", "fit_intercept=False", ("continuous",),
            fit_intercept=False),
    Variant("float32", "float32 X", ("continuous", "classes"), dtype=np.float32),
    Variant("sparse", "CSR X, 0.1 % non-zeros", ("classes",), sparse=True),
    Variant("multinomial-10", "10 classes", ("classes",),
            applies=lambda p: p.target == "classes", n_classes=10),
    Variant("penalized", "alpha=1e-3 on an unpenalized entry", ("continuous",),
            applies=lambda p: p.alpha == 0, alpha=1e-3),
)  # fmt: skip


def case_name(problem, variant):
    return problem.name + (f"-{variant.suffix}" if variant.suffix else "")


def all_cases():
    """``{name: (problem, variant, runs_by_default)}`` over the whole table."""
    cases = {}
    for variant in VARIANTS:
        first_of_target = {}
        for problem in PROBLEM_TABLE:
            if variant.applies(problem):
                first_of_target.setdefault(problem.target, problem)
        for problem in PROBLEM_TABLE:
            if not variant.applies(problem):
                continue
            default = variant.default_targets is None or (
                problem.target in variant.default_targets
                and first_of_target[problem.target] is problem
            )
            # a table name wins over a variant name that spells the same
            cases.setdefault(case_name(problem, variant), (problem, variant, default))
    return cases


def select_cases(names):
    """The case names to run: the defaults, ``all``, or the given ones."""
    cases = all_cases()
    if not names:
        return [name for name, (_, _, default) in cases.items() if default]
    if "all" in names:
        return list(cases)
    unknown = [n for n in names if n not in cases and n != "scaling"]
    if unknown:
        raise ValueError(
            f"unknown problem(s) {', '.join(unknown)}; choose from "
            f"{', '.join([*cases, 'scaling', 'all'])}."
        )
    return [name for name in cases if name in names]


# -- data, keyed by the table entry's target kind -----------------------------------
ROWS = {"continuous": 200_000}  # rows of a dense case, 100 000 for other targets
DENSE_FEATURES, SPARSE_TRUTH_SHAPE = 100, (50_000, 500)
SPARSE_SHAPE, SPARSE_DENSITY = (100_000, 10_000), 0.001


def _conditioned(rng, n, d, kappa=32.0):
    # columns scaled so that kappa(X^T X) is about kappa
    X = rng.standard_normal((n, d))
    X *= np.sqrt(np.logspace(0, np.log10(kappa), d))
    return X


def _target(kind, X, w, rng, n_classes):
    """y of the target kind from the linear predictor of X (and W for classes)."""
    n = X.shape[0]
    if kind == "classes":
        W = np.column_stack([w] + [rng.permutation(w) for _ in range(n_classes - 1)])
        raw = np.asarray(X @ W)
        raw *= 2.0 / max(raw.std(), 1e-12)  # logits of spread 2: not separable
        if n_classes == 2:
            return (rng.random(n) < 1 / (1 + np.exp(-raw[:, 0]))).astype(int)
        return np.argmax(raw + rng.gumbel(size=raw.shape), axis=1)
    z = np.asarray(X @ w)
    if kind == "counts":
        z *= 0.5 / max(z.std(), 1e-12)
        return rng.poisson(np.exp(1.0 + z)).astype(np.float64)
    if kind == "continuous":
        return z + rng.standard_normal(n) + 3.0
    raise ValueError(f"no benchmark data for target kind {kind!r}")


def make_data(problem, variant, quick, n_samples=None):
    """X and y of a case; the variants of one entry share the entry's seed."""
    seed = zlib.crc32(problem.name.encode())
    rng = np.random.default_rng(seed)
    if variant.sparse:
        (n, d), density = SPARSE_SHAPE, SPARSE_DENSITY
        if quick:
            n, d, density = n // 100, d // 20, density * 20
    else:
        n, d = (
            SPARSE_TRUTH_SHAPE
            if problem.sparse_truth
            else (ROWS.get(problem.target, 100_000), DENSE_FEATURES)
        )
        if quick:
            n, d = n // 100, min(d, 50)
    n = n_samples or n
    w = rng.standard_normal(d)
    if problem.sparse_truth:  # 4 % true non-zeros
        w[rng.permutation(d)[max(1, d // 25) :]] = 0.0
    if variant.sparse:
        X = sp.random(n, d, density=density, format="csr", random_state=rng,
                      data_rvs=rng.standard_normal)  # fmt: skip
    else:
        X = _conditioned(rng, n, d)
    if problem.target in ("continuous", "classes", "counts"):
        y = _target(problem.target, X, w, rng, variant.n_classes)
    elif not (variant.sparse or variant.n_classes != 2):
        # a target kind this script does not know: the comparison's own data
        X, y = make_synthetic(problem.name, n, d, 32.0, 1.0, seed % 2**31)
    else:
        raise ValueError(f"no {variant.text} data for target kind {problem.target!r}")
    X = X.astype(variant.dtype)
    if y.dtype.kind == "f":
        y = y.astype(variant.dtype)
    return X, y


def case_alpha(problem, variant, X, y):
    """The penalty of a case: the variant's; 0 where the table has none; 0.1
    alpha_max with an L1 part; else 1/n (C = 1 in scikit-learn's terms)."""
    if variant.alpha is not None:
        return variant.alpha
    if problem.alpha == 0:
        return 0.0
    estimator = problem.make_estimator(alpha=1.0)
    estimator.set_params(fit_intercept=variant.fit_intercept)
    objective = objective_for(estimator, X, y)
    l1_share = objective.penalty.l1_weight or 0.0
    if l1_share > 0:
        # alpha_max: the smallest alpha at which zero coefficients are optimal
        theta = objective.initial_theta()
        grad_W, _ = objective.split(objective.gradient(theta))
        return 0.1 * float(np.max(np.abs(grad_W))) / l1_share
    return 1.0 / X.shape[0]


class Case:
    """One benchmark case: a table entry on a variant's data."""

    def __init__(self, name, problem, variant, quick, n_samples=None):
        self.name, self.problem, self.variant = name, problem, variant
        self.X, self.y = make_data(problem, variant, quick, n_samples)
        self.n = self.X.shape[0]
        self.fit_intercept = variant.fit_intercept
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.alpha = case_alpha(problem, variant, self.X, self.y)
        self.n_classes = (
            int(np.unique(self.y).size) if problem.target == "classes" else None
        )
        self._objective = None

    def skgd(self, solver, **params):
        est = self.problem.make_estimator(alpha=self.alpha)
        return est.set_params(solver=solver, fit_intercept=self.fit_intercept, **params)

    def objective(self):
        """The skgd objective on this data (for F at any coefficients)."""
        if self._objective is None:
            self._objective = objective_for(self.skgd("gd"), self.X, self.y)
        return self._objective

    def value(self, coef, intercept):
        obj = self.objective()
        intercept = np.atleast_1d(np.asarray(intercept, dtype=float))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return obj.value(obj.pack(np.atleast_2d(coef), intercept))

    def references(self):
        """The table's references on this case (the reference optimum first)."""
        return self.problem.references(self.skgd("gd"), float(self.n))

    def describe(self):
        return self.problem.describe(self.skgd("gd"), self.n_classes)


# -- measurements ----------------------------------------------------------------------
def floor_time(X, repeat):
    w = np.ones(X.shape[1], dtype=X.dtype)
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        r = X @ w
        X.T @ r
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])  # warm-up excluded


def timed_fit(factory, X, y, repeat=1):
    """Median time of ``factory().fit(X, y)``; ``factory`` may also return a
    callable ``fit(X, y)`` (a table reference) instead of an estimator."""
    times, est = [], None
    for _ in range(repeat):
        if times and times[0] > 2.0:  # slow fits: one timing is precise enough
            break
        est = factory()
        fit = est.fit if hasattr(est, "fit") else est
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            fitted = fit(X, y)
            times.append(time.perf_counter() - start)
        est = fitted if fitted is not None else est
    return statistics.median(times), est


def peak_memory(factory, X, y):
    est = factory()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tracemalloc.start()
        try:
            est.fit(X, y)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    nbytes = X.data.nbytes if sp.issparse(X) else X.nbytes
    return peak / nbytes


def iteration_time(case, solver, batch_size, m, **extra):
    """``(t(2m) - t(m)) / m`` and ``t(2m) / 2m`` (set-up included) of ``tol=0`` fits."""
    params = {"tol": 0.0, "random_state": 0, **extra}
    if batch_size:
        params["batch_size"] = batch_size
    # warm-up (first-call costs: imports, allocations), excluded; a refusal raises here
    timed_fit(lambda: case.skgd(solver, max_iter=1, **params), case.X, case.y)
    t1, _ = timed_fit(lambda: case.skgd(solver, max_iter=m, **params), case.X, case.y)
    t2, _ = timed_fit(
        lambda: case.skgd(solver, max_iter=2 * m, **params), case.X, case.y
    )
    return max(t2 - t1, 0.0) / m, t2 / (2 * m)


def _n_iter(est):
    n_iter = getattr(est, "n_iter_", None)
    return 1 if n_iter is None else int(np.max(n_iter))


def _gap(case, est, f_star):
    return (case.value(est.coef_, est.intercept_) - f_star) / abs(f_star)


def time_to_target(make, case, f_star, repeat, budget):
    """scikit-learn: loosest tol reaching the target, then its median time."""
    gap, n_iter, tol = np.inf, 0, None
    for tol in TOLERANCES:
        seconds, est = timed_fit(lambda tol=tol: make(tol), case.X, case.y)
        gap, n_iter = _gap(case, est, f_star), _n_iter(est)
        if gap <= TARGET:
            seconds, _ = timed_fit(lambda tol=tol: make(tol), case.X, case.y, repeat)
            return seconds, gap, n_iter, tol
        if seconds > budget:
            break
    return None, gap, n_iter, tol


def exact_time(fit, case, f_star, repeat):
    """A baseline without ``tol`` (a direct solve): its time and gap as it is."""
    seconds, est = timed_fit(lambda: fit, case.X, case.y, repeat)
    gap = _gap(case, est, f_star)
    return (seconds if gap <= TARGET else None), gap, _n_iter(est), None


def skgd_time_to_target(case, solver, extra, per_iteration, f_star, repeat, budget):
    """skgd: the first iteration whose objective (``loss_curve_``) reaches the
    target, from one long run of about ``budget`` seconds; then the median time
    of a run with the same settings cut at that many iterations, everything a
    user pays included. ``per_iteration`` is ``(cost, mean cost)``: half the
    mean bounds a cost that timing noise made look free."""
    cost, mean = per_iteration
    cap = int(min(100_000, max(10, budget / max(cost, mean / 2, 1e-9))))
    _, est = timed_fit(
        lambda: case.skgd(solver, tol=1e-14, max_iter=cap, random_state=0, **extra),
        case.X,
        case.y,
    )
    gaps = (np.asarray(est.loss_curve_) - f_star) / abs(f_star)
    reached = np.flatnonzero(gaps <= TARGET)
    if reached.size == 0:
        return None, float(gaps.min()), est.n_iter_, None
    n_iter = int(reached[0]) + 1
    # the same settings, cut at n_iter: tol=0 would switch off the adaptive
    # schedule's step decays and so change the iterates
    seconds, est = timed_fit(
        lambda: case.skgd(solver, tol=1e-14, max_iter=n_iter, random_state=0, **extra),
        case.X,
        case.y,
        repeat,
    )
    gap = (est.loss_curve_[-1] - f_star) / abs(f_star)
    return (seconds if gap <= TARGET else None), gap, n_iter, 1e-14


def _uniform_fit(reference, n):
    """A table reference as ``fit(X, y)`` with unit weights."""
    weights = np.ones(n)
    return lambda X, y: reference.fit(X, y, weights)


def reference_optimum(case):
    """F*: the lower F of the table's reference fit and a tight skgd fit
    (newton, or lbfgs for wide data or where newton fails)."""
    reference = next(r for r in case.references() if r.kind == "reference")
    candidates, failures = [], []

    def attempt(label, factory):
        try:
            _, est = timed_fit(factory, case.X, case.y)
        except Exception as error:  # noqa: BLE001 - reported, never fatal
            failures.append(f"{label}: {type(error).__name__}: {error}")
            return False
        candidates.append((case.value(est.coef_, est.intercept_), label))
        return True

    attempt(reference.label, lambda: _uniform_fit(reference, case.n))
    newton = case.X.shape[1] <= NEWTON_MAX_FEATURES and attempt(
        "skgd newton", lambda: case.skgd("newton", tol=1e-12, max_iter=200)
    )
    if not newton:
        attempt("skgd lbfgs", lambda: case.skgd("lbfgs", tol=1e-13, max_iter=20_000))
    if not candidates:
        raise RuntimeError(f"no reference optimum for {case.name}: {failures}")
    return min(candidates)


def solver_contenders():
    """(solver, batch_size) of every registered skgd solver, in the README's order."""
    contenders = []
    for name in all_solvers():
        rule = get_solver(name)
        if rule.stochastic:
            contenders.append((name, MINIBATCH))
            continue
        contenders.append((name, None))
        if name in MINIBATCH_EXTRAS and not rule.full_batch_only:
            contenders.append((name, MINIBATCH))
    return contenders


def _solver_options(model):
    """The values of a scikit-learn model's ``solver`` parameter (from its
    parameter constraints), or ``[None]`` without one."""
    if "solver" not in model.get_params():
        return [None]
    constraints = getattr(type(model), "_parameter_constraints", {}).get("solver", [])
    options = set()
    for constraint in constraints:
        options |= set(getattr(constraint, "options", ())) - set(
            getattr(constraint, "deprecated", ())
        )
    return sorted(options) or [model.get_params()["solver"]]


def sklearn_contenders(case):
    """(library, label, kind, make) of the table's baselines on this case.

    A scikit-learn baseline with ``tol`` becomes one tol-ladder contender per
    value of its ``solver`` parameter (``make(tol)``); any other baseline (a
    direct solve) is timed as it is (``make`` is its ``fit(X, y)``). A baseline
    that refuses the data is a contender with ``make`` an exception.
    """
    out = []
    for reference in case.references():
        if reference.kind == "reference":
            continue
        fit = _uniform_fit(reference, case.n)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = fit(case.X, case.y)  # also the warm-up
        except Exception as error:  # noqa: BLE001 - reported as a row
            out.append(("sklearn", reference.label, "error", error))
            continue
        library = (
            "sklearn" if type(model).__module__.startswith("sklearn") else "direct"
        )
        params = model.get_params() if hasattr(model, "get_params") else {}
        if "tol" not in params:
            out.append((library, reference.label.split(" (")[0], "exact", fit))
            continue
        fixed = {}
        if "max_iter" in params:
            fixed["max_iter"] = max(params["max_iter"] or 0, LADDER_MAX_ITER)
        if "random_state" in params:
            fixed["random_state"] = 0
        name = type(model).__name__
        for solver in _solver_options(model):
            settings = dict(fixed, **({} if solver is None else {"solver": solver}))
            label = name if solver is None else f"{name}({solver})"
            out.append(
                (library, label, "ladder",
                 lambda tol, m=model, s=settings: clone(m).set_params(tol=tol, **s))
            )  # fmt: skip
    return out


def _row(case, library, solver, result, per_iteration=None, memory=None, error=None):
    seconds, gap, n_iter, tol = result
    return dict(
        problem=case.name,
        table_problem=case.problem.name,
        variant=case.variant.suffix,
        library=library,
        solver=solver,
        per_iteration=per_iteration,
        seconds=seconds,
        gap=gap,
        n_iter=None if n_iter is None else int(n_iter),
        tol=tol,
        peak_memory=memory,
        error=error,
    )


def _error_row(case, library, solver, error):
    kind = "refused" if isinstance(error, ValueError) else type(error).__name__
    message = str(error).split(" (")[0].split("\n")[0]
    return _row(case, library, solver, (None, None, None, None),
                error=f"{kind}: {message}")  # fmt: skip


def run_case(case, args):
    rows = []
    floor_start = floor_time(case.X, args.repeat * 5)
    f_star, f_star_source = reference_optimum(case)
    m = 10
    budget = args.budget or (0.05 if args.quick else 20.0)
    for solver, batch in solver_contenders():
        label = solver if batch is None else f"{solver}(batch={batch})"
        extra = {"batch_size": batch} if batch else {}
        try:
            per_iter, mean = iteration_time(case, solver, batch, m)
        except Exception as error:  # noqa: BLE001 - a refusal is a row
            rows.append(_error_row(case, "skgd", label, error))
            continue
        result = skgd_time_to_target(
            case, solver, extra, (per_iter, mean), f_star, args.repeat, budget
        )
        memory = peak_memory(
            lambda s=solver, e=extra: case.skgd(
                s, tol=0.0, max_iter=2, random_state=0, **e
            ),
            case.X,
            case.y,
        )
        rows.append(_row(case, "skgd", label, result, per_iter, memory))
    for library, label, kind, make in sklearn_contenders(case):
        if kind == "error":
            rows.append(_error_row(case, library, label, make))
            continue
        try:
            if kind == "exact":
                result = exact_time(make, case, f_star, args.repeat)
            else:
                result = time_to_target(make, case, f_star, args.repeat, budget)
        except Exception as error:  # noqa: BLE001 - a refusal is a row
            rows.append(_error_row(case, library, label, error))
            continue
        rows.append(_row(case, library, label, result))
    floor_end = floor_time(case.X, args.repeat * 5)
    floor = min(floor_start, floor_end)
    best_sklearn = min((r["seconds"] for r in rows if r["library"] == "sklearn"
                        and r["seconds"] is not None), default=None)  # fmt: skip
    for r in rows:
        r["floor"] = floor
        r["floor_start"], r["floor_end"] = floor_start, floor_end
        r["f_star"], r["f_star_source"] = f_star, f_star_source
        r["per_iteration_x_floor"] = (
            None if r["per_iteration"] is None else r["per_iteration"] / floor
        )
        r["x_floor"] = None if r["seconds"] is None else r["seconds"] / floor
        r["x_best_sklearn"] = (
            None
            if r["seconds"] is None or not best_sklearn
            else r["seconds"] / best_sklearn
        )
    return rows


def lipschitz_time(case, args):
    """Time of learning_rate='auto' (computing L) as a multiple of the floor;
    None when the loss has no finite L."""
    floor = floor_time(case.X, args.repeat * 5)
    times = []
    for _ in range(args.repeat):
        obj = objective_for(case.skgd("gd"), case.X, case.y)
        start = time.perf_counter()
        L = obj.lipschitz()
        times.append(time.perf_counter() - start)
        if not np.isfinite(L):
            return None
    return statistics.median(times) / floor


def scaling_rows(args):
    """gd iteration time vs n on the first table entry's data (d = 100)."""
    problem, variant = PROBLEM_TABLE[0], VARIANTS[0]
    sizes = [10_000, 50_000] if args.quick else [10_000, 100_000, 1_000_000]
    rows = []
    for n in sizes:
        case = Case(f"scaling-{n}", problem, variant, False, n_samples=n)
        # a small fixed step: the run must not reach a fixed point within 2m steps
        per_iter, _ = iteration_time(case, "gd", None, 20, learning_rate=1e-4)
        rows.append(dict(n=n, per_iteration=per_iter, floor=floor_time(case.X, 5)))
    return problem.name, rows


# -- output ---------------------------------------------------------------------------
def fmt(value, spec):
    return "—" if value is None else format(value, spec)


def print_table(case, rows, lipschitz_x_floor):
    X = case.X
    shape = f"{X.shape[0]} x {X.shape[1]}, {X.dtype}" + (
        ", CSR" if sp.issparse(X) else ""
    )
    first = rows[0]
    lipschitz = (
        "no finite L"
        if lipschitz_x_floor is None
        else f"{lipschitz_x_floor:.2f} x floor"
    )
    print(f"\n### {case.name} ({shape}, alpha={case.alpha:.3g}, "
          f"fit_intercept={case.fit_intercept})")  # fmt: skip
    print(f"{case.describe()}")
    print(f"floor (X@w + X.T@r): {first['floor'] * 1e3:.2f} ms "
          f"(start {first['floor_start'] * 1e3:.2f}, end {first['floor_end'] * 1e3:.2f}); "
          f"F* = {first['f_star']:.12g} ({first['f_star_source']}); "
          f"learning_rate='auto' (L) = {lipschitz}\n")  # fmt: skip
    print(
        "| library | solver | per iter (x floor) | time to 1e-6 | x floor | x best sklearn "
        "| rel. subopt. | iter | peak mem / X |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["error"]:
            seconds = r["error"]
        elif r["seconds"] is None:
            seconds = "not reached"
        else:
            seconds = f"{r['seconds'] * 1e3:.1f} ms"
        print(
            f"| {r['library']} | {r['solver']} | {fmt(r['per_iteration_x_floor'], '.2f')} "
            f"| {seconds} | {fmt(r['x_floor'], '.1f')} | {fmt(r['x_best_sklearn'], '.2f')} "
            f"| {fmt(r['gap'], '.1e')} | {fmt(r['n_iter'], 'd')} "
            f"| {fmt(r['peak_memory'], '.3f')} |"
        )


def machine_info(threads):
    blas = [
        f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)"
        for i in threadpool_info()
    ]
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "skgd": skgd.__version__,
        "blas": blas,
        "threads": threads,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny data, seconds")
    parser.add_argument(
        "--threads", type=int, default=1, help="BLAS threads (default 1)"
    )
    parser.add_argument("--json", metavar="PATH", help="write all rows as JSON")
    parser.add_argument("--repeat", type=int, default=3, help="timed repeats (median)")
    parser.add_argument(
        "--problems",
        nargs="*",
        metavar="NAME",
        help="cases to run: table names with variant suffixes, 'scaling', 'all' "
        "(see --list; default: the cases --list marks)",
    )
    parser.add_argument("--list", action="store_true", help="list the case names")
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds one fit may take before a solver is given up",
    )
    args = parser.parse_args(argv)
    if args.list:
        for name, (_, variant, default) in all_cases().items():
            print(f"{name:32} {'default ' if default else '        '}{variant.text}")
        print(f"{'scaling':32} default gd iteration time vs n")
        return 0
    try:
        names = select_cases(args.problems)
    except ValueError as error:
        parser.error(str(error))
    if args.quick:
        args.repeat = 1
    cases = all_cases()
    with threadpool_limits(limits=args.threads):
        info = machine_info(args.threads)
        print("## skgd benchmark\n")
        print("machine: " + json.dumps(info))
        output = {"machine": info, "rows": [], "scaling": []}
        for name in names:
            problem, variant, _ = cases[name]
            case = Case(name, problem, variant, args.quick)
            rows = run_case(case, args)
            lip = lipschitz_time(case, args)
            for r in rows:
                r["lipschitz_x_floor"] = lip
            print_table(case, rows, lip)
            output["rows"].extend(rows)
            sys.stdout.flush()
        if not args.problems or "scaling" in args.problems or "all" in args.problems:
            problem_name, scaling = scaling_rows(args)
            print(f"\n### scaling: gd iteration time vs n ({problem_name}, d = 100)\n")
            print("| n | per iteration | x floor | per-row time vs n=10^4 |")
            print("|---|---|---|---|")
            base = max(scaling[0]["per_iteration"], 1e-12) / scaling[0]["n"]
            for r in scaling:
                print(
                    f"| {r['n']} | {r['per_iteration'] * 1e3:.2f} ms | "
                    f"{r['per_iteration'] / r['floor']:.2f} | "
                    f"{r['per_iteration'] / r['n'] / base:.2f} |"
                )
            output["scaling"] = scaling
    if args.json:
        with open(args.json, "w") as f:
            json.dump(output, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
