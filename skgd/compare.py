r"""The comparison workflow: every solver on one objective, against a reference optimum.

:func:`compare` fits one estimator with each solver on the same (standardized)
data, the same objective and the same stopping rule, computes a reference
optimum with a direct or second-order method at a much tighter tolerance, and
returns a :class:`ComparisonResult`: one record per solver (final objective,
relative suboptimality, coefficient distance, iterations, wall time), the
reference and scikit-learn's default solver as extra rows, and each solver's
convergence curve. ``skgd compare`` (:mod:`skgd.cli`) only formats it.

What makes the comparison fair:

* **same objective and data**: every solver fits a clone of one estimator
  (only ``solver`` changes) on the same array, standardized once beforehand;
* **same stopping rule**: the estimator's ``tol`` and ``max_iter`` for all (or,
  with ``budget=N``, exactly N iterations each and ``tol=0``);
* **a tighter reference**: least squares by ``np.linalg.lstsq`` (ridge by
  ``Ridge(solver="svd")``), logistic regression by scikit-learn's Newton
  solver at ``tol=1e-12``, the lasso by coordinate descent at ``tol=1e-15``;
  its optimality (the same measure the solvers stop on) is reported;
* **honest times**: the wall time of the whole ``fit`` call (input
  validation, the Lipschitz constant, every iteration), after one untimed
  warm-up fit per solver, with a fixed number of BLAS threads for everyone.
"""

import contextlib
import csv
import io
import json
import math
import os
import statistics
import textwrap
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from threadpoolctl import threadpool_limits

from .diagnostics import objective_for
from .exceptions import DivergenceError
from .linear_model import GDLinearRegression, GDLogisticRegression, ProxLasso
from .solvers import solver_names

__all__ = [
    "BUNDLED_DATASETS",
    "DEFAULT_ALPHA",
    "DEFAULT_DATASET",
    "PROBLEMS",
    "ComparisonResult",
    "Dataset",
    "Run",
    "compare",
    "load_dataset",
    "make_synthetic",
]

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
# name -> (loader in sklearn.datasets, the problems its target suits)
BUNDLED_DATASETS = {
    "diabetes": ("load_diabetes", ("linear", "lasso")),
    "breast_cancer": ("load_breast_cancer", ("logistic",)),
    "iris": ("load_iris", ("logistic",)),
    "digits": ("load_digits", ("logistic",)),
}
SYNTHETIC = "synthetic"
# A numeric target with more distinct values than this is treated as continuous.
_MAX_CLASSES = 50
# Tolerances of the reference fits: far below any contender's.
_REFERENCE_TOL = {"logistic": 1e-12, "lasso": 1e-15}
# Header and notes wrap at this width.
REPORT_WIDTH = 96
# Suboptimality below this is rounding: the plots clip there.
SUBOPTIMALITY_FLOOR = 1e-16

_TARGET_TYPES = ("binary", "multiclass")


# -- datasets ----------------------------------------------------------------------
@dataclass
class Dataset:
    """A design matrix, a target and a name for the output."""

    name: str
    X: object
    y: np.ndarray
    description: str = ""

    @property
    def shape(self):
        return self.X.shape


def make_synthetic(
    problem="linear",
    n_samples=500,
    n_features=20,
    condition=100.0,
    noise=0.5,
    random_state=0,
):
    r"""A seeded synthetic dataset whose features have a chosen conditioning.

    Rows are drawn from :math:`\mathcal N(0, \Sigma)` with
    :math:`\Sigma = Q \operatorname{diag}(\lambda) Q^\top`, ``Q`` a random
    rotation and :math:`\lambda` geometric from 1 to ``1/condition``, so that
    the features are correlated (standardizing them does not undo it).
    Targets: ``X w + noise * N(0, 1)`` for ``linear``; the same with a sparse
    ``w`` (a quarter of the coefficients non-zero) for ``lasso``; Bernoulli
    labels with probability :math:`\sigma(X w)` for ``logistic``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    """
    if problem not in PROBLEMS:
        raise ValueError(f"unknown problem {problem!r}; choose from {PROBLEMS}.")
    if n_samples < 2 or n_features < 1:
        raise ValueError("synthetic data needs n_samples >= 2 and n_features >= 1.")
    if not condition >= 1:
        raise ValueError(f"condition must be >= 1, got {condition}.")
    rng = check_random_state(random_state)
    Q, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    scales = np.sqrt(np.geomspace(1.0, 1.0 / condition, n_features))
    X = (rng.standard_normal((n_samples, n_features)) * scales) @ Q.T
    w = rng.standard_normal(n_features)
    if problem == "lasso":
        w[rng.permutation(n_features)[max(1, n_features // 4) :]] = 0.0
    z = X @ w
    if problem == "logistic":
        z *= 2.0 / max(z.std(), 1e-12)  # logits of spread 2: not separable
        y = (rng.random(n_samples) < 1.0 / (1.0 + np.exp(-z))).astype(int)
        if np.unique(y).size < 2:  # tiny samples: keep two classes
            y[: n_samples // 2] = 1 - y[0]
        return X, y
    return X, z + noise * rng.standard_normal(n_samples)


def _parse_number(text):
    try:
        return float(text)
    except ValueError:
        return None


def _read_csv(path, target):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ValueError(f"{path} is empty.")
    header, body = [name.strip() for name in rows[0]], rows[1:]
    if target not in header:
        raise ValueError(
            f"column {target!r} not found in {path} "
            f"(columns: {', '.join(header) or 'none'}); choose one with --target."
        )
    if not body:
        raise ValueError(f"{path} has a header but no rows.")
    j = header.index(target)
    features = [k for k in range(len(header)) if k != j]
    if not features:
        raise ValueError(f"{path} has no feature column besides {target!r}.")
    X = np.empty((len(body), len(features)))
    for i, row in enumerate(body):
        if len(row) != len(header):
            raise ValueError(
                f"{path}, line {i + 2}: {len(row)} fields, expected {len(header)}."
            )
        for col, k in enumerate(features):
            value = _parse_number(row[k])
            if value is None or not math.isfinite(value):
                raise ValueError(
                    f"{path}, line {i + 2}: column {header[k]!r} has {row[k]!r}; "
                    "features must be finite numbers (encode or impute them first)."
                )
            X[i, col] = value
    labels = [row[j].strip() for row in body]
    numbers = [_parse_number(text) for text in labels]
    if all(v is not None and math.isfinite(v) for v in numbers):
        y = np.array(numbers)
    elif any(text == "" for text in labels):
        raise ValueError(f"{path}: the target column {target!r} has missing values.")
    else:
        y = np.array(labels)
    return X, y


def _read_parquet(path, target):
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "reading Parquet needs pandas and pyarrow: pip install pandas pyarrow"
        ) from None
    try:
        frame = pd.read_parquet(path)
    except ImportError as error:
        raise ImportError(
            f"reading Parquet needs pyarrow: pip install pyarrow ({error})"
        ) from None
    if target not in frame.columns:
        raise ValueError(
            f"column {target!r} not found in {path} (columns: "
            f"{', '.join(map(str, frame.columns))}); choose one with --target."
        )
    features = frame.drop(columns=[target])
    bad = [str(c) for c in features.columns if features[c].dtype.kind not in "biuf"]
    if bad:
        raise ValueError(
            f"{path}: non-numeric feature columns {', '.join(bad)}; encode them first."
        )
    X = features.to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{path}: the features have missing or infinite values.")
    y = frame[target]
    if y.isna().any():
        raise ValueError(f"{path}: the target column {target!r} has missing values.")
    y = y.to_numpy()
    return X, (y.astype(np.float64) if y.dtype.kind in "biuf" else y.astype(str))


def load_dataset(
    name,
    problem=None,
    *,
    target="target",
    n_samples=500,
    n_features=20,
    condition=100.0,
    random_state=0,
):
    """Load a dataset by name: bundled, synthetic or a CSV/Parquet file.

    Parameters
    ----------
    name : str
        ``"diabetes"``, ``"breast_cancer"``, ``"iris"``, ``"digits"``
        (scikit-learn's bundled datasets), ``"synthetic"`` (see
        :func:`make_synthetic`), or the path of a ``.csv`` or ``.parquet`` file
        with a header.
    problem : {"linear", "logistic", "lasso"}, optional
        Shapes the synthetic target (default ``"linear"``).
    target : str, default="target"
        The target column of a file; every other column is a feature.
    n_samples, n_features, condition, random_state
        Options of the synthetic dataset.

    Returns
    -------
    Dataset
    """
    if name in BUNDLED_DATASETS:
        import sklearn.datasets  # imported on use: it is slow to import

        loader = getattr(sklearn.datasets, BUNDLED_DATASETS[name][0])
        X, y = loader(return_X_y=True)
        return Dataset(name, X.astype(np.float64), y, f"scikit-learn's {name}")
    if name == SYNTHETIC:
        problem = problem or "linear"
        X, y = make_synthetic(
            problem, n_samples, n_features, condition, random_state=random_state
        )
        return Dataset(
            SYNTHETIC,
            X,
            y,
            f"synthetic {problem} data, feature covariance condition number "
            f"{condition:g}, seed {random_state}",
        )
    suffix = os.path.splitext(str(name))[1].lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        choices = ", ".join([*BUNDLED_DATASETS, SYNTHETIC])
        raise ValueError(
            f"unknown dataset {name!r}: use one of {choices}, or a .csv or "
            ".parquet file."
        )
    if not os.path.isfile(name):
        raise FileNotFoundError(f"no such file: {name}")
    reader = _read_csv if suffix == ".csv" else _read_parquet
    X, y = reader(name, target)
    return Dataset(os.path.basename(str(name)), X, y, f"{name}, target {target!r}")


# -- the result ----------------------------------------------------------------------------
@dataclass
class Run:
    """One row of a comparison: a solver's fit, or a reference / baseline fit.

    Attributes
    ----------
    solver : str
        The solver name, or a label such as ``"lstsq (reference)"``.
    kind : {"solver", "reference", "baseline"}
    objective : float
        F at the fitted coefficients, computed by the same
        :class:`~skgd.objective.Objective` for every row.
    rel_suboptimality : float
        ``(F - F*) / |F*|`` (``F - F*`` when ``F* == 0``).
    coef_distance : float
        ``||theta - theta*|| / ||theta*||`` over coefficients and intercept.
    rel_optimality : float
        The stopping measure (max-norm of the gradient, or of the prox-gradient
        step for L1) relative to its value at zero coefficients.
    n_iter : int or None
        Iterations (epochs for minibatch solvers).
    time : float
        Median wall time of ``fit`` in seconds.
    converged : bool or None
        False when ``fit`` warned that ``max_iter`` ended the run.
    status : {"ok", "diverged", "failed"}
    message : str
        The error message of a failed fit.
    learning_rate : float or None
        The step size the solver used (``learning_rate_``).
    curve : ndarray or None
        The objective at iterations 0 (start), 1, ..., n_iter.
    """

    solver: str
    kind: str
    objective: float = math.nan
    rel_suboptimality: float = math.nan
    coef_distance: float = math.nan
    rel_optimality: float = math.nan
    n_iter: int | None = None
    time: float = math.nan
    converged: bool | None = None
    status: str = "ok"
    message: str = ""
    learning_rate: float | None = None
    curve: np.ndarray | None = field(default=None, repr=False)

    @property
    def time_per_iter(self):
        return self.time / self.n_iter if self.n_iter else math.nan

    def record(self):
        """The table row as a plain dict (no curve)."""
        return {
            "solver": self.solver,
            "kind": self.kind,
            "objective": self.objective,
            "rel_suboptimality": self.rel_suboptimality,
            "coef_distance": self.coef_distance,
            "rel_optimality": self.rel_optimality,
            "n_iter": self.n_iter,
            "time_s": self.time,
            "time_per_iter_s": self.time_per_iter,
            "converged": self.converged,
            "status": self.status,
            "learning_rate": self.learning_rate,
            "message": self.message,
        }


SORT_KEYS = ("time", "suboptimality", "iterations", "name")


@dataclass
class ComparisonResult:
    """Everything :func:`compare` measured, ready to print, plot or tabulate.

    Attributes
    ----------
    problem : str
        ``"linear"``, ``"logistic"`` or ``"lasso"``.
    dataset : str
    n_samples, n_features : int
    estimator : str
        The repr of the estimator every solver was cloned from.
    objective_text : str
        The objective, written out.
    reference : Run
        The reference optimum (``rel_suboptimality`` 0 by definition).
    reference_text : str
        How the reference was computed.
    baselines : list of Run
        Other direct or scikit-learn solvers at their default settings.
    runs : list of Run
        One per skgd solver, in the order asked.
    initial_objective : float
        F at the common starting point (the null model).
    settings : dict
        Stopping rule, standardization, repeats, threads.
    notes : list of str
        Caveats found while comparing (a reference that warned, a failed fit).
    """

    problem: str
    dataset: str
    n_samples: int
    n_features: int
    estimator: str
    objective_text: str
    reference: Run
    reference_text: str
    baselines: list
    runs: list
    initial_objective: float
    settings: dict
    notes: list = field(default_factory=list)

    def sorted_runs(self, sort="time"):
        """The solver runs in display order.

        ``"time"``: converged runs by wall time, then the others by
        suboptimality, failures last; ``"suboptimality"``; ``"iterations"``;
        ``"name"`` (the order asked).
        """
        if sort not in SORT_KEYS:
            raise ValueError(f"sort must be one of {SORT_KEYS}, got {sort!r}.")
        if sort == "name":
            return list(self.runs)

        def nan_last(value):
            return math.inf if value is None or math.isnan(value) else value

        def key(run):
            failed = run.status != "ok"
            if sort == "time":
                return (
                    failed,
                    not run.converged,
                    run.time if run.converged else nan_last(run.rel_suboptimality),
                )
            if sort == "suboptimality":
                return (failed, nan_last(run.rel_suboptimality), run.time)
            return (failed, nan_last(run.n_iter), run.time)

        return sorted(self.runs, key=key)

    def rows(self, sort="time"):
        """Reference, baselines, then the solvers in ``sort`` order."""
        return [self.reference, *self.baselines, *self.sorted_runs(sort)]

    @property
    def records(self):
        """One dict per row (reference and baselines first), with the problem
        and dataset: ready for ``pandas.DataFrame(records)`` or ``csv``."""
        context = {"problem": self.problem, "dataset": self.dataset}
        return [{**context, **run.record()} for run in self.rows()]

    def to_frame(self):
        """The records as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_frame needs pandas: pip install pandas") from None
        return pd.DataFrame(self.records)

    def to_dict(self):
        """JSON-ready summary: the settings and the records (no curves)."""
        return {
            "problem": self.problem,
            "dataset": self.dataset,
            "n_samples": self.n_samples,
            "n_features": self.n_features,
            "estimator": self.estimator,
            "objective": self.objective_text,
            "reference": self.reference_text,
            "initial_objective": self.initial_objective,
            "settings": self.settings,
            "notes": self.notes,
            "records": [_json_safe(r) for r in self.records],
        }

    def curves(self):
        """Per solver: ``{"iteration", "time", "objective", "suboptimality"}`` arrays.

        Iteration 0 is the common starting point. The time of iteration ``k`` is
        ``k / n_iter`` times the measured fit time: the estimators expose the
        objective per iteration but not a clock, so the per-iteration time is
        taken as uniform (set-up included).
        """
        out = {}
        for run in self.runs:
            if run.curve is None:
                continue
            k = np.arange(run.curve.size)
            out[run.solver] = {
                "iteration": k,
                "time": run.time * k / max(run.n_iter, 1),
                "objective": run.curve,
                "suboptimality": _suboptimality(run.curve, self.reference.objective),
            }
        return out

    def format(self, sort="time"):
        """The human-readable report: a header stating the settings, then the table."""
        return format_report(self, sort=sort)

    def plot(self, filename=None, axes=None):
        """Convergence curves (needs matplotlib); see :func:`skgd.plotting.plot_comparison`."""
        from .plotting import plot_comparison

        return plot_comparison([self], filename=filename, axes=axes)

    def __str__(self):
        return self.format()


def _json_safe(record):
    def clean(value):
        if isinstance(value, (float, np.floating)):
            value = float(value)
            return value if math.isfinite(value) else None
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.bool_):
            return bool(value)
        return value

    return {key: clean(value) for key, value in record.items()}


def _suboptimality(values, optimum):
    values = np.asarray(values, dtype=float)
    return (values - optimum) / (abs(optimum) if optimum != 0 else 1.0)


# -- formatting --------------------------------------------------------------------------------
def _fmt_sci(value, digits=1):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value == 0:
        return "0"
    return f"{value:.{digits}e}"


def _fmt_time(seconds):
    if seconds is None or math.isnan(seconds):
        return "-"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def _fmt_objective(value):
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.12g}"


def _converged_text(run):
    if run.status != "ok":
        return run.status
    if run.converged is None:
        return "-"
    return "yes" if run.converged else "no"


TABLE_COLUMNS = (
    ("solver", "<"),
    ("objective", ">"),
    ("rel.subopt", ">"),
    ("coef.dist", ">"),
    ("rel.opt", ">"),
    ("iter", ">"),
    ("time", ">"),
    ("ms/iter", ">"),
    ("conv.", ">"),
)


def format_table(result, sort="time"):
    """The table alone: reference rows, a rule, then the solvers."""

    def cells(run):
        per_iter = run.time_per_iter * 1e3
        return [
            run.solver,
            _fmt_objective(run.objective),
            _fmt_sci(run.rel_suboptimality),
            _fmt_sci(run.coef_distance),
            _fmt_sci(run.rel_optimality),
            "-" if run.n_iter is None else str(run.n_iter),
            _fmt_time(run.time),
            "-" if math.isnan(per_iter) else f"{per_iter:.3g}",
            _converged_text(run),
        ]

    fixed = [result.reference, *result.baselines]
    body = [cells(r) for r in fixed], [cells(r) for r in result.sorted_runs(sort)]
    header = [name for name, _ in TABLE_COLUMNS]
    widths = [
        max(len(row[i]) for row in [header, *body[0], *body[1]])
        for i in range(len(header))
    ]

    def line(row):
        return "  ".join(
            f"{text:{align}{width}}"
            for text, width, (_, align) in zip(row, widths, TABLE_COLUMNS, strict=True)
        ).rstrip()

    rule = "-" * len(line(header))
    return "\n".join(
        [line(header), rule, *map(line, body[0]), rule, *map(line, body[1])]
    )


def format_report(result, sort="time"):
    """The header lines (what was compared, how) followed by the table."""
    s = result.settings
    title = (
        f"{result.problem} on {result.dataset} ({result.n_samples} samples x "
        f"{result.n_features} features"
        + (f", {s['n_classes']} classes" if s.get("n_classes") else "")
        + ")"
    )
    if s["budget"] is not None:
        stopping = (
            f"same budget for every solver: exactly {s['budget']} iterations "
            "(epochs for minibatch solvers), tol=0"
        )
    else:
        stopping = (
            f"same for every solver: tol={s['tol']:g}, max_iter={s['max_iter']} "
            "(full batch: stop when the gradient's max-norm, or the prox-gradient "
            "step's for L1, falls below tol x its value at zero coefficients; "
            "minibatch: when the epoch objective stops improving by tol)"
        )
    threads = s["n_threads"] if s["n_threads"] is not None else "library default"
    data = (
        "features standardized (StandardScaler, fitted once on all rows, before "
        "and outside every timing)"
        if s["standardize"]
        else "features used as given (not standardized)"
    )
    if s.get("condition_number") is not None:
        data += (
            f"; condition number of the centred Gram matrix X^T X: "
            f"{s['condition_number']:.3g}"
        )
    timing = (
        "wall time of the whole fit() (input validation, Lipschitz constant, all "
        f"iterations), median of {s['repeat']} after one untimed warm-up fit; "
        f"BLAS threads: {threads}"
    )
    fields = [
        ("objective", result.objective_text),
        ("estimator", f"{result.estimator}, one clone per solver"),
        ("data", data),
        ("stopping", stopping),
        ("reference", result.reference_text),
        ("timing", timing),
    ]
    lines = [title]
    for name, text in fields:
        lines.append(
            textwrap.fill(
                text,
                width=REPORT_WIDTH,
                initial_indent=f"  {name:<10} ",
                subsequent_indent=" " * 13,
                break_on_hyphens=False,
            )
        )
    lines += ["", format_table(result, sort=sort)]
    notes = [
        "rel.subopt = (F - F*)/|F*|; coef.dist = |theta - theta*|/|theta*| "
        "(coefficients and intercept); rel.opt = the stopping measure relative "
        "to its value at zero coefficients; iter = iterations (epochs for sgd); "
        "conv. = stopped by its stopping rule before max_iter.",
        *result.notes,
    ]
    lines.append("")
    lines += [
        textwrap.fill(
            n,
            width=REPORT_WIDTH,
            initial_indent="  note: ",
            subsequent_indent=" " * 8,
            break_on_hyphens=False,
        )
        for n in notes
    ]
    return "\n".join(lines)


def records_to_csv(records):
    """CSV text of a list of records (the union of their keys as the header)."""
    keys = list(dict.fromkeys(k for record in records for k in record))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {k: ("" if v is None else v) for k, v in _json_safe(record).items()}
        )
    return buffer.getvalue()


def results_to_json(results):
    """JSON text of several comparisons."""
    from . import __version__

    payload = {
        "skgd_version": __version__,
        "comparisons": [result.to_dict() for result in results],
    }
    return json.dumps(payload, indent=2, allow_nan=False)


# -- references ------------------------------------------------------------------------------------
def _timed(function, repeat):
    """``(value, median seconds)`` of ``repeat`` calls after one untimed warm-up."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        function()
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return value, statistics.median(times)


def _fit_sklearn(model, X, y, sample_weight):
    """Fit, recording whether scikit-learn warned about convergence."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y, sample_weight=sample_weight)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    n_iter = getattr(model, "n_iter_", None)
    if n_iter is not None:
        n_iter = int(np.max(n_iter))
    return model, converged, n_iter


def _direct_least_squares(X, y, sample_weight, fit_intercept, method):
    """OLS by ``lstsq`` or ``pinv`` on sqrt-weighted rows (intercept column last)."""
    A = X
    if fit_intercept:
        A = np.column_stack([A, np.ones(A.shape[0])])
    root = np.sqrt(sample_weight)
    A, b = A * root[:, None], y * root
    if method == "lstsq":
        beta = np.linalg.lstsq(A, b, rcond=None)[0]
    else:
        beta = np.linalg.pinv(A) @ b
    if fit_intercept:
        return beta[:-1], beta[-1]
    return beta, 0.0


def _references(problem, estimator, X, y, sample_weight, repeat):
    """``[(label, kind, coef, intercept, seconds, n_iter, converged), ...]`` and text.

    The first entry is the reference optimum, the others are baselines. The
    direct least-squares references work on a dense copy of a sparse X.
    """
    if problem == "linear" and sp.issparse(X):
        X = X.toarray()
    S = float(sample_weight.sum())
    alpha = float(estimator.alpha)
    fit_intercept = estimator.fit_intercept
    out = []

    def add_sklearn(label, kind, make):
        (model, converged, n_iter), seconds = _timed(
            lambda: _fit_sklearn(make(), X, y, sample_weight), repeat
        )
        out.append(
            (label, kind, model.coef_, model.intercept_, seconds, n_iter, converged)
        )

    if problem == "linear" and alpha == 0:
        for method, kind in (("lstsq", "reference"), ("pinv", "baseline")):
            (coef, intercept), seconds = _timed(
                lambda m=method: _direct_least_squares(
                    X, y, sample_weight, fit_intercept, m
                ),
                repeat,
            )
            label = f"{method} (reference)" if kind == "reference" else method
            out.append((label, kind, coef, intercept, seconds, None, True))
        add_sklearn(
            "LinearRegression",
            "baseline",
            lambda: LinearRegression(fit_intercept=fit_intercept),
        )
        text = "np.linalg.lstsq on [X, 1] (exact least squares, SVD)"
    elif problem == "linear":
        add_sklearn(
            "Ridge svd (reference)",
            "reference",
            lambda: Ridge(alpha=S * alpha, solver="svd", fit_intercept=fit_intercept),
        )
        add_sklearn(
            "Ridge (default)",
            "baseline",
            lambda: Ridge(alpha=S * alpha, fit_intercept=fit_intercept),
        )
        text = f"Ridge(alpha=S*alpha={S * alpha:.6g}, solver='svd') (exact, SVD)"
    elif problem == "logistic":
        C = 1.0 / (S * alpha) if alpha > 0 else np.inf
        tol = _REFERENCE_TOL["logistic"]
        add_sklearn(
            "LogisticRegression (reference)",
            "reference",
            lambda: LogisticRegression(
                C=C,
                solver="newton-cholesky",
                tol=tol,
                max_iter=1000,
                fit_intercept=fit_intercept,
            ),
        )
        add_sklearn(
            "LogisticRegression (default)",
            "baseline",
            lambda: LogisticRegression(C=C, fit_intercept=fit_intercept),
        )
        text = (
            f"LogisticRegression(C=1/(S*alpha)={C:.6g}, solver='newton-cholesky', "
            f"tol={tol:g})"
        )
    else:
        tol = _REFERENCE_TOL["lasso"]
        add_sklearn(
            "Lasso (reference)",
            "reference",
            lambda: Lasso(
                alpha=alpha, tol=tol, max_iter=1_000_000, fit_intercept=fit_intercept
            ),
        )
        add_sklearn(
            "Lasso (default)",
            "baseline",
            lambda: Lasso(alpha=alpha, fit_intercept=fit_intercept),
        )
        text = f"Lasso(alpha={alpha:g}, tol={tol:g}) (coordinate descent)"
    return out, text


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


# -- compare -------------------------------------------------------------------------------
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
        # the fit loop's stopping scale: the optimality of the null model
        self.scale = max(objective.optimality(null, grad), np.sqrt(np.finfo(float).eps))
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
    estimator_or_problem : {"linear", "logistic", "lasso"} or estimator, default="linear"
        A problem name (then the estimator is built with ``alpha`` and
        :data:`DEFAULT_ALPHA`) or a :class:`GDLinearRegression`,
        :class:`GDLogisticRegression` or :class:`ProxLasso` whose parameters
        every solver shares (only ``solver`` changes).
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
        Timed fits per solver (the median is reported), after one warm-up.
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
        "time_axis": "uniform: iteration k at k/n_iter of the fit time",
    }
    return ComparisonResult(
        problem=problem,
        dataset=dataset,
        n_samples=X.shape[0],
        n_features=X.shape[1],
        estimator=repr(estimator),
        objective_text=_objective_text(problem, float(estimator.alpha), n_classes),
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
    """Time ``repeat`` fits of a clone with ``solver`` after one warm-up; score it."""
    model = clone(estimator).set_params(solver=solver)
    warm = clone(model).set_params(max_iter=min(2, model.max_iter))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(DivergenceError, ValueError, FloatingPointError):
            warm.fit(X, y, sample_weight=sample_weight)  # its errors recur below
    times = []
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
            times.append(time.perf_counter() - start)
        if run.status != "ok":
            run.time = statistics.median(times)
            return run
    run.time = statistics.median(times)
    run.converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    run.n_iter = int(fitted.n_iter_)
    run.learning_rate = float(fitted.learning_rate_)
    run.curve = np.concatenate([[F0], np.asarray(fitted.loss_curve_, dtype=float)])
    return scorer(run, fitted.coef_, fitted.intercept_)
