"""skgd's benchmark: every solver next to scikit-learn and the hardware floor.

Usage (after ``pip install -e ".[bench]"``)::

    python benchmarks/run.py                  # all problems, one BLAS thread
    python benchmarks/run.py --quick          # small problems, about a minute
    python benchmarks/run.py --threads 2 --json results.json --problems ols logistic

For each problem, in one process and one run, it measures

* the floor: the median time of one ``X @ w`` plus one ``X.T @ r`` on the same X
  (at the start and at the end of the problem; their ratio shows the noise);
* per skgd solver, the time per iteration (epoch for minibatch solvers) with
  ``tol=0``: ``(t(2m) - t(m)) / m`` so set-up costs cancel, as a multiple of the floor;
* the time to reach a relative suboptimality ``(F - F*) / F* <= 1e-6``, for every
  skgd solver and every scikit-learn solver of the same objective: ``tol`` is
  tightened from 1e-2 by factors of 10 until the target is reached, then that
  setting is timed (median of ``--repeat`` fits). F* comes from a Newton fit with
  ``tol=1e-12`` checked against scikit-learn's tightest fit (the lower one wins);
* the peak extra memory of ``fit`` (tracemalloc) as a multiple of ``X.nbytes``.

It prints one markdown table per problem and the machine, and writes the same
rows as JSON. Absolute times are noisy on shared machines; ratios within one run
are what count.
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

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn import linear_model as sklm
from threadpoolctl import threadpool_info, threadpool_limits

import skgd
from skgd.diagnostics import objective_for

TARGET = 1e-6
TOLERANCES = [10.0**-k for k in range(2, 15)]
FULL_BATCH = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton",
              "lbfgs"]  # fmt: skip
STOCHASTIC = [("sgd", 256), ("adam", 256)]


# -- problems -----------------------------------------------------------------------
class Problem:
    def __init__(self, name, kind, X, y, alpha, fit_intercept=True):
        self.name, self.kind, self.X, self.y = name, kind, X, y
        self.alpha, self.fit_intercept = alpha, fit_intercept
        self.n = X.shape[0]

    @property
    def estimator(self):
        return {"ls": skgd.GDLinearRegression, "lasso": skgd.ProxLasso,
                "logistic": skgd.GDLogisticRegression}[self.kind]  # fmt: skip

    def objective(self):
        """The skgd objective on this data (for F at any coefficients)."""
        return objective_for(self.skgd("gd"), self.X, self.y)

    def value(self, coef, intercept):
        obj = self.objective()
        intercept = np.atleast_1d(np.asarray(intercept, dtype=float))
        return obj.value(obj.pack(np.atleast_2d(coef), intercept))

    def skgd(self, solver, **params):
        return self.estimator(solver=solver, alpha=self.alpha,
                              fit_intercept=self.fit_intercept, **params)  # fmt: skip

    def sklearn_models(self):
        """(name, factory(tol) -> estimator) of scikit-learn models of the same F."""
        n, a, fi = self.n, self.alpha, self.fit_intercept
        models = []
        if self.kind == "ls":
            ridge_solvers = ["auto", "cholesky", "lsqr", "sparse_cg", "sag"]
            if not sp.issparse(self.X):
                ridge_solvers.append("svd")
            for s in ridge_solvers:
                models.append(
                    (
                        f"Ridge({s})",
                        lambda tol, s=s: sklm.Ridge(
                            alpha=max(n * a, 1e-12), solver=s, tol=tol, fit_intercept=fi
                        ),
                    )
                )
            if a == 0:
                models.append(("LinearRegression", None))
            models.append(
                (
                    "SGDRegressor",
                    lambda tol: sklm.SGDRegressor(
                        alpha=a,
                        penalty="l2",
                        tol=tol,
                        max_iter=100,
                        fit_intercept=fi,
                        random_state=0,
                    ),
                )
            )
        elif self.kind == "lasso":
            models.append(
                (
                    "Lasso",
                    lambda tol: sklm.Lasso(
                        alpha=a, tol=tol, max_iter=100_000, fit_intercept=fi
                    ),
                )
            )
        else:
            C = 1.0 / (n * a)
            solvers = ["lbfgs", "newton-cg", "newton-cholesky", "sag", "saga"]
            for s in solvers:
                models.append(
                    (
                        f"LogisticRegression({s})",
                        lambda tol, s=s: sklm.LogisticRegression(
                            C=C,
                            solver=s,
                            tol=tol,
                            max_iter=300 if s in ("sag", "saga") else 10_000,
                            fit_intercept=fi,
                        ),
                    )
                )
            if len(np.unique(self.y)) == 2:
                models.append(
                    (
                        "SGDClassifier",
                        lambda tol: sklm.SGDClassifier(
                            loss="log_loss",
                            alpha=a,
                            tol=tol,
                            max_iter=100,
                            fit_intercept=fi,
                            random_state=0,
                        ),
                    )
                )
        return models


def make_problems(quick, dtype_variants=True):
    rng = np.random.default_rng(0)
    scale = 0.02 if quick else 1.0

    def conditioned(n, d, kappa):
        # columns scaled so that kappa(X^T X) is about kappa
        X = rng.standard_normal((n, d))
        X *= np.sqrt(np.logspace(0, np.log10(kappa), d))
        return X

    problems = []
    n = int(200_000 * scale)
    X = conditioned(n, 100, 32)
    y = X @ rng.standard_normal(100) + rng.standard_normal(n) + 3.0
    problems.append(Problem("ols", "ls", X, y, 0.0))
    problems.append(Problem("ols-no-intercept", "ls", X, y, 0.0, fit_intercept=False))
    problems.append(Problem("ridge", "ls", X, y, 1e-3))
    n = int(100_000 * scale)
    X = conditioned(n, 100, 32)
    logits = X @ rng.standard_normal(100) * 0.3
    y = (rng.random(n) < 1 / (1 + np.exp(-logits))).astype(int)
    problems.append(Problem("logistic", "logistic", X, y, 1.0 / n))
    W = rng.standard_normal((100, 10)) * 0.3
    y10 = np.argmax(X @ W + rng.gumbel(size=(n, 10)), axis=1)
    problems.append(Problem("multinomial-10", "logistic", X, y10, 1.0 / n))
    if dtype_variants:
        problems.append(Problem("logistic-float32", "logistic", X.astype(np.float32),
                                y, 1.0 / n))  # fmt: skip
        Xo = problems[0].X.astype(np.float32)
        problems.append(Problem("ols-float32", "ls", Xo, problems[0].y.astype(np.float32),
                                0.0))  # fmt: skip
    n = int(50_000 * scale)
    X = rng.standard_normal((n, 500))
    w = np.zeros(500)
    w[rng.choice(500, 20, replace=False)] = rng.standard_normal(20) * 2
    y = X @ w + rng.standard_normal(n)
    alpha_max = np.max(np.abs(X.T @ (y - y.mean()))) / n
    problems.append(Problem("lasso", "lasso", X, y, 0.1 * alpha_max))
    n, d = int(100_000 * scale), int(10_000 * scale)
    Xs = sp.random(n, d, density=0.001, format="csr", random_state=1,
                   data_rvs=lambda k: rng.standard_normal(k))  # fmt: skip
    logits = Xs @ rng.standard_normal(d)
    y = (rng.random(n) < 1 / (1 + np.exp(-logits))).astype(int)
    problems.append(Problem("sparse-logistic", "logistic", Xs, y, 1.0 / n))
    return problems


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
    times, est = [], None
    for _ in range(repeat):
        if times and times[0] > 2.0:  # slow fits: one timing is precise enough
            break
        est = factory()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            est.fit(X, y)
            times.append(time.perf_counter() - start)
    return statistics.median(times), est


def peak_memory(factory, X, y):
    est = factory()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tracemalloc.start()
        est.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    nbytes = X.data.nbytes if sp.issparse(X) else X.nbytes
    return peak / nbytes


def iteration_time(problem, solver, batch_size, m, **extra):
    params = {"tol": 0.0, "random_state": 0, **extra}
    if batch_size:
        params["batch_size"] = batch_size
    # warm-up (first-call costs: imports, allocations), excluded
    timed_fit(lambda: problem.skgd(solver, max_iter=1, **params), problem.X, problem.y)
    t1, _ = timed_fit(lambda: problem.skgd(solver, max_iter=m, **params), problem.X,
                      problem.y)  # fmt: skip
    t2, _ = timed_fit(lambda: problem.skgd(solver, max_iter=2 * m, **params), problem.X,
                      problem.y)  # fmt: skip
    return max(t2 - t1, 0.0) / m


def time_to_target(make, problem, f_star, repeat, budget):
    """scikit-learn: loosest tol reaching the target, then its median time."""
    gap, n_iter, tol = np.inf, 0, None
    for tol in TOLERANCES:
        seconds, est = timed_fit(lambda tol=tol: make(tol), problem.X, problem.y)
        coef = np.atleast_2d(est.coef_)
        gap = (problem.value(coef, est.intercept_) - f_star) / abs(f_star)
        n_iter = int(np.max(getattr(est, "n_iter_", 1) or 1))
        if gap <= TARGET:
            seconds, _ = timed_fit(
                lambda tol=tol: make(tol), problem.X, problem.y, repeat
            )
            return seconds, gap, n_iter, tol
        if seconds > budget:
            break
    return None, gap, n_iter, tol


def skgd_time_to_target(problem, solver, extra, per_iteration, f_star, repeat, budget):
    """skgd: the first iteration whose objective (``loss_curve_``) reaches the
    target, from one long run; then the median time of a run of exactly that
    many iterations (``tol=0``), everything a user pays included."""
    cap = int(min(100_000, max(10, budget / max(per_iteration, 1e-9))))
    _, est = timed_fit(lambda: problem.skgd(solver, tol=1e-14, max_iter=cap,
                                            random_state=0, **extra),
                       problem.X, problem.y)  # fmt: skip
    gaps = (np.asarray(est.loss_curve_) - f_star) / abs(f_star)
    reached = np.flatnonzero(gaps <= TARGET)
    if reached.size == 0:
        return None, float(gaps.min()), est.n_iter_, None
    n_iter = int(reached[0]) + 1
    seconds, est = timed_fit(lambda: problem.skgd(solver, tol=0.0, max_iter=n_iter,
                                                  random_state=0, **extra),
                             problem.X, problem.y, repeat)  # fmt: skip
    gap = (est.loss_curve_[-1] - f_star) / abs(f_star)
    return seconds, gap, n_iter, 0.0


def reference_optimum(problem):
    est = problem.skgd("newton", tol=1e-12, max_iter=200)
    if problem.kind == "lasso" or sp.issparse(problem.X) and problem.kind != "ls":
        est = problem.skgd("lbfgs" if problem.kind != "lasso" else "newton",
                           tol=1e-13, max_iter=20_000)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(problem.X, problem.y)
    f_star = problem.value(np.atleast_2d(est.coef_), est.intercept_)
    return f_star


def _row(problem, library, solver, result, per_iteration=None, peak_memory=None):
    seconds, gap, n_iter, tol = result
    return dict(problem=problem.name, library=library, solver=solver,
                per_iteration=per_iteration, seconds=seconds, gap=gap,
                n_iter=int(n_iter), tol=tol, peak_memory=peak_memory)  # fmt: skip


def run_problem(problem, args):
    rows = []
    floor_start = floor_time(problem.X, args.repeat * 5)
    f_star = reference_optimum(problem)
    m = 10
    budget = args.budget or (1.0 if args.quick else 20.0)
    contenders = [(s, None) for s in FULL_BATCH] + list(STOCHASTIC)
    if problem.kind == "lasso":
        contenders = [c for c in contenders if c[0] != "adagrad"]
    for solver, batch in contenders:
        label = solver if batch is None else f"{solver}(batch={batch})"
        extra = {"batch_size": batch} if batch else {}
        per_iter = iteration_time(problem, solver, batch, m)
        result = skgd_time_to_target(problem, solver, extra, per_iter, f_star,
                                     args.repeat, budget)  # fmt: skip
        memory = peak_memory(
            lambda s=solver, e=extra: problem.skgd(
                s, tol=0.0, max_iter=2, random_state=0, **e
            ),
            problem.X,
            problem.y,
        )
        rows.append(_row(problem, "skgd", label, result, per_iter, memory))
    for name, factory in problem.sklearn_models():
        if factory is None:  # LinearRegression: exact, no tol
            seconds, est = timed_fit(
                lambda: sklm.LinearRegression(fit_intercept=problem.fit_intercept),
                problem.X,
                problem.y,
                args.repeat,
            )
            gap = (
                problem.value(np.atleast_2d(est.coef_), est.intercept_) - f_star
            ) / abs(f_star)
            result = (seconds if gap <= TARGET else None, gap, 1, None)
        else:
            result = time_to_target(factory, problem, f_star, args.repeat, budget)
        rows.append(_row(problem, "sklearn", name, result))
    floor_end = floor_time(problem.X, args.repeat * 5)
    floor = min(floor_start, floor_end)
    best_sklearn = min((r["seconds"] for r in rows if r["library"] == "sklearn"
                        and r["seconds"] is not None), default=None)  # fmt: skip
    for r in rows:
        r["floor"] = floor
        r["floor_start"], r["floor_end"] = floor_start, floor_end
        r["per_iteration_x_floor"] = (
            None if r["per_iteration"] is None else r["per_iteration"] / floor
        )
        r["x_floor"] = None if r["seconds"] is None else r["seconds"] / floor
        r["x_best_sklearn"] = (
            None
            if r["seconds"] is None or not best_sklearn
            else r["seconds"] / best_sklearn
        )
    return rows, f_star


def lipschitz_row(problem, args):
    """Time of learning_rate='auto' (computing L) as a multiple of the floor."""
    floor = floor_time(problem.X, args.repeat * 5)
    times = []
    for _ in range(args.repeat):
        obj = problem.objective()
        start = time.perf_counter()
        obj.lipschitz()
        times.append(time.perf_counter() - start)
    return statistics.median(times) / floor


def scaling_rows(args):
    rng = np.random.default_rng(1)
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    rows = []
    for n in sizes:
        X = rng.standard_normal((n, 100))
        # noisy targets: an exact fit would let gd stop at a fixed point early
        y = X @ rng.standard_normal(100) + rng.standard_normal(n)
        problem = Problem(f"scaling-{n}", "ls", X, y, 0.0)
        # a small fixed step: the run must not reach a fixed point within 2m steps
        per_iter = iteration_time(problem, "gd", None, 20, learning_rate=1e-4)
        rows.append(dict(n=n, per_iteration=per_iter, floor=floor_time(X, 5)))
    return rows


# -- output ---------------------------------------------------------------------------
def fmt(value, spec):
    return "—" if value is None else format(value, spec)


def print_table(problem, rows, f_star, lipschitz_x_floor):
    X = problem.X
    shape = f"{X.shape[0]} x {X.shape[1]}, {X.dtype}" + (
        ", CSR" if sp.issparse(X) else ""
    )
    floor = rows[0]["floor"]
    print(f"\n### {problem.name} ({shape}, alpha={problem.alpha:.3g}, "
          f"fit_intercept={problem.fit_intercept})")  # fmt: skip
    print(f"floor (X@w + X.T@r): {floor * 1e3:.2f} ms (start {rows[0]['floor_start'] * 1e3:.2f}, "
          f"end {rows[0]['floor_end'] * 1e3:.2f}); F* = {f_star:.12g}; "
          f"learning_rate='auto' (L) = {lipschitz_x_floor:.2f} x floor\n")  # fmt: skip
    print(
        "| library | solver | per iter (x floor) | time to 1e-6 | x floor | x best sklearn "
        "| rel. subopt. | iter | peak mem / X |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        seconds = (
            "not reached" if r["seconds"] is None else f"{r['seconds'] * 1e3:.1f} ms"
        )
        print(
            f"| {r['library']} | {r['solver']} | {fmt(r['per_iteration_x_floor'], '.2f')} "
            f"| {seconds} | {fmt(r['x_floor'], '.1f')} | {fmt(r['x_best_sklearn'], '.2f')} "
            f"| {r['gap']:.1e} | {r['n_iter']} | {fmt(r['peak_memory'], '.3f')} |"
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
    parser.add_argument(
        "--quick", action="store_true", help="small problems, ~1 minute"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="BLAS threads (default 1)"
    )
    parser.add_argument("--json", metavar="PATH", help="write all rows as JSON")
    parser.add_argument("--repeat", type=int, default=3, help="timed repeats (median)")
    parser.add_argument("--problems", nargs="*", help="subset of problem names")
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds one fit may take before a solver is given up",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1
    with threadpool_limits(limits=args.threads):
        info = machine_info(args.threads)
        print("## skgd benchmark\n")
        print("machine: " + json.dumps(info))
        output = {"machine": info, "rows": [], "scaling": []}
        for problem in make_problems(args.quick):
            if args.problems and problem.name not in args.problems:
                continue
            rows, f_star = run_problem(problem, args)
            lip = lipschitz_row(problem, args)
            for r in rows:
                r["lipschitz_x_floor"] = lip
            print_table(problem, rows, f_star, lip)
            output["rows"].extend(rows)
            sys.stdout.flush()
        if not args.problems or "scaling" in args.problems:
            scaling = scaling_rows(args)
            print("\n### scaling: gd iteration time vs n (d = 100)\n")
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
