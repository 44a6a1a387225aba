"""What a comparison measured: one :class:`Run` per fit and the :class:`ComparisonResult`."""

import math
from dataclasses import dataclass, field

import numpy as np

from .problems import all_solvers
from .report import (
    CURVE_COLUMNS,
    FAILED,
    _json_safe,
    _suboptimality,
    format_report,
    html_table,
    write_parquet,
)


@dataclass
class Run:
    """One row of a comparison: a contender's fit, or a reference / baseline fit.

    Attributes
    ----------
    solver : str
        The row's label: the solver name (``"gd"``), the name and the settings
        that differ from the shared estimator (``"gd lr=0.1"``), the label
        given with the contender, or a label such as ``"lstsq (reference)"``.
    kind : {"solver", "reference", "baseline"}
    objective : float
        F at the fitted coefficients, computed by the same
        :class:`~skgd.objective.Objective` for every row.
    rel_suboptimality : float
        ``(F - F*) / |F*|`` (``F - F*`` when ``F* == 0``).
    coef_distance : float
        ``||theta - theta*|| / ||theta*||`` over coefficients and intercept.
    rel_optimality : float
        The stopping measure (the scale-invariant optimality
        :meth:`skgd.objective.Objective.optimality`) relative to its value at
        the null model.
    n_iter : int or None
        Iterations (epochs for minibatch solvers).
    time : float
        Wall time of the whole ``fit`` call in seconds: the median over the
        timed fits (the faster middle one for an even number), the fit whose
        ``history`` and coefficients are reported.
    converged : bool or None
        Whether ``status`` is ``"converged"`` (None for a direct solve).
    status : str
        What ended the run, judged by the comparison from the fit (its
        ``converged_``, ``n_iter_``) and the measured accuracy: one of
        :data:`~skgd.comparison.STATUS_MEANINGS` (``"converged"``, ``"max_iter"``,
        ``"stalled"``, ``"budget"``, ``"fixed point"``, ``"diverged"``,
        ``"failed"``, ``"exact"``).
    message : str
        The error message of a failed fit, or why the status is what it is.
    learning_rate : float or None
        The step size the solver used (``learning_rate_``).
    curve : ndarray or None
        The objective at iterations 0 (start), 1, ..., n_iter.
    history : skgd.history.History or None
        The reported fit's ``history_`` (its per-iteration columns and
        ``start``; no coefficients): one row per iteration, with the measured
        ``time`` since the fit started. Empty when the fit made no iteration.
    times : list of float
        The wall time of every timed fit, in order (``repeat`` of them).
    histories : list of History
        The ``history_`` of every timed fit, in order: the spread of the curves.
    params : dict
        The estimator parameters this contender sets on top of the shared
        estimator (``{"solver": "gd", "learning_rate": 0.1}``).
    solver_name : str
        The solver's registered name (``"gd"``), or its class name.
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
    status: str = "converged"
    message: str = ""
    learning_rate: float | None = None
    curve: np.ndarray | None = field(default=None, repr=False)
    history: dict | None = field(default=None, repr=False)
    times: list = field(default_factory=list, repr=False)
    histories: list = field(default_factory=list, repr=False)
    params: dict = field(default_factory=dict, repr=False)
    solver_name: str = ""

    @property
    def failed(self):
        """Whether the fit diverged or raised (no coefficients, no curve)."""
        return self.status in FAILED

    @property
    def time_per_iter(self):
        return self.time / self.n_iter if self.n_iter else math.nan

    @property
    def time_spread(self):
        """``(max - min) / median`` of the timed fits' wall times (NaN for one)."""
        if len(self.times) < 2 or not self.time > 0:
            return math.nan
        return (max(self.times) - min(self.times)) / self.time

    @property
    def settings_text(self):
        """The contender's own parameters as ``name=value`` text (no solver)."""
        return ", ".join(
            f"{k}={_param_text(v)}" for k, v in self.params.items() if k != "solver"
        )

    def record(self):
        """The table row as a plain dict (no curve)."""
        return {
            "solver": self.solver,
            "kind": self.kind,
            "solver_name": self.solver_name,
            "params": self.settings_text,
            "objective": self.objective,
            "rel_suboptimality": self.rel_suboptimality,
            "coef_distance": self.coef_distance,
            "rel_optimality": self.rel_optimality,
            "n_iter": self.n_iter,
            "time_s": self.time,
            "time_min_s": min(self.times) if self.times else self.time,
            "time_max_s": max(self.times) if self.times else self.time,
            "n_repeats": len(self.times) or None,
            "time_per_iter_s": self.time_per_iter,
            "converged": self.converged,
            "status": self.status,
            "learning_rate": self.learning_rate,
            "message": self.message,
        }


def _param_text(value):
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


SORT_KEYS = ("time", "suboptimality", "iterations", "name")

_PANDAS_HINT = "pip install 'skgd[notebook]' (or pip install pandas)"


def _require_pandas(what):
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(f"{what} needs pandas: {_PANDAS_HINT}") from None
    return pd


@dataclass(repr=False)
class ComparisonResult:
    """Everything :func:`compare` measured, ready to print, plot or tabulate.

    In a notebook it displays as an HTML table (``_repr_html_``); its ``repr``
    is a few lines; :meth:`format` is the full text report.

    Attributes
    ----------
    problem : str
        A problem of :data:`~skgd.comparison.PROBLEMS`.
    dataset : str
    n_samples, n_features : int
    estimator : str
        The repr of the estimator every contender was cloned from.
    objective_text : str
        The objective, written out.
    reference : Run
        The reference optimum (``rel_suboptimality`` 0 by definition).
    reference_text : str
        How the reference was computed.
    baselines : list of Run
        Other direct or scikit-learn solvers at their default settings.
    runs : list of Run
        One per contender (solver, or solver setting), in the order asked.
    initial_objective : float
        F at the common starting point (the null model).
    settings : dict
        Stopping rule, standardization, repeats, threads.
    notes : list of str
        Caveats found while comparing (a reference that warned, a failed fit,
        two identical rows, a problem that does not suit the data).
    machine : dict
        Where it ran: ``platform``, ``cpu``, ``n_cores``, ``python`` and
        ``blas`` (``threadpoolctl.threadpool_info()`` during the fits: the
        BLAS libraries and their threads).
    versions : dict
        Library versions: skgd, numpy, scipy, scikit-learn, threadpoolctl.
    timestamp : str
        When the comparison started (ISO 8601, UTC).
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
    machine: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    timestamp: str = ""

    @property
    def solver_order(self):
        """Every registered solver name, the built-in ones in the README's order.

        The plots colour a solver by its position here (see
        :func:`~skgd.comparison.all_solvers`), so it keeps its colour across
        comparisons of different subsets.
        """
        return all_solvers()

    def sorted_runs(self, sort="time"):
        """The contenders' runs in display order.

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
            if sort == "time":
                return (
                    run.failed,
                    not run.converged,
                    run.time if run.converged else nan_last(run.rel_suboptimality),
                )
            if sort == "suboptimality":
                return (run.failed, nan_last(run.rel_suboptimality), run.time)
            return (run.failed, nan_last(run.n_iter), run.time)

        return sorted(self.runs, key=key)

    def rows(self, sort="time"):
        """Reference, baselines, then the contenders in ``sort`` order."""
        return [self.reference, *self.baselines, *self.sorted_runs(sort)]

    @property
    def records(self):
        """One dict per row (reference and baselines first), with the problem
        and dataset: ready for ``pandas.DataFrame(records)`` or ``csv``."""
        context = {"problem": self.problem, "dataset": self.dataset}
        return [{**context, **run.record()} for run in self.rows()]

    @property
    def curve_records(self):
        """One dict per iteration (epoch for minibatch solvers) per repeat per
        contender.

        The keys are :data:`~skgd.comparison.CURVE_COLUMNS`: ``problem``,
        ``dataset``, ``solver`` (the row's label), ``repeat`` (1, ...,
        ``repeat``: which timed fit), ``iteration`` (1, ..., n_iter), ``time``
        (seconds since the fit started, measured when the iteration ended:
        the fit's ``history_["time"]``), ``objective``, ``suboptimality``
        (``(F - F*)/|F*|`` against the reference; None if the reference has no
        finite objective), ``optimality``, ``learning_rate`` and ``grad_norm``
        (as in :class:`~skgd.history.History`), and ``validation_score`` when
        the estimator stops early. The contenders come in the order asked; a
        failed fit, or one that made no iteration, has no rows. The JSON,
        Parquet and ``skgd compare --csv curves`` outputs write these rows.
        """
        optimum = self.reference.objective
        rows = []
        for run in self.runs:
            for repeat, history in enumerate(_histories(run), start=1):
                if len(history) == 0:
                    continue
                columns = {
                    name: history[name] for name in CURVE_COLUMNS if name in history
                }
                if math.isfinite(optimum):
                    columns["suboptimality"] = _suboptimality(
                        history["objective"], optimum
                    )
                else:
                    columns["suboptimality"] = [None] * len(history)
                extra = [name for name in history if name not in CURVE_COLUMNS]
                context = {
                    "problem": self.problem,
                    "dataset": self.dataset,
                    "solver": run.solver,
                    "repeat": repeat,
                }
                for i in range(len(history)):
                    row = dict(context)
                    for name in CURVE_COLUMNS[len(context) :]:
                        row[name] = columns[name][i]
                    for name in extra:
                        row[name] = history[name][i]
                    rows.append(row)
        return rows

    def to_frame(self, curves=False):
        """The records, or with ``curves=True`` the :attr:`curve_records`, as a
        pandas DataFrame (needs pandas: ``pip install 'skgd[notebook]'``)."""
        if curves:
            return self.curves()
        pd = _require_pandas("to_frame")
        return pd.DataFrame(self.records)

    def curves(self):
        """The tidy per-iteration table: a pandas DataFrame of the
        :attr:`curve_records`, one row per contender x repeat x iteration.

        Needs pandas (``pip install 'skgd[notebook]'``); :meth:`curve_arrays`
        gives the same curves as NumPy arrays without it. For example, the
        median time of each iteration over the repeats::

            result.curves().groupby(["solver", "iteration"]).time.median()
        """
        pd = _require_pandas("curves()")
        return pd.DataFrame(self.curve_records, columns=_curve_keys([self]))

    def to_parquet(self, path):
        """Write the :meth:`curves` rows, with the machine, versions and
        timestamp columns, to a Parquet file (``pip install 'skgd[parquet]'``);
        see :func:`~skgd.comparison.write_parquet`. Returns the DataFrame."""
        return write_parquet([self], path)

    def to_dict(self):
        """JSON-ready: the settings, the machine, versions and timestamp, the
        records and the per-iteration :attr:`curve_records` (``"curves"``)."""
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
            "timestamp": self.timestamp,
            "machine": self.machine,
            "versions": self.versions,
            "notes": self.notes,
            "records": [_json_safe(r) for r in self.records],
            "curves": [_json_safe(r) for r in self.curve_records],
        }

    def curve_arrays(self):
        """Per contender: ``{"iteration", "time", "time_min", "time_max",
        "objective", "suboptimality"}`` arrays (no pandas needed).

        Iteration 0 is the fit's starting point (the common null model), at
        time 0, the start of ``fit``. The times of iterations 1, ..., n_iter
        are the reported fit's ``history_["time"]``: wall-clock seconds since
        the fit started, measured when each iteration ended, so they increase,
        and the last is at most the reported fit time (which also counts the
        work after the last iteration). ``time_min`` and ``time_max`` are the
        smallest and largest time of each iteration over the repeats (over the
        iterations every repeat made; equal to ``time`` for one repeat). A fit
        that made no iteration has the start alone.
        """
        out = {}
        for run in self.runs:
            if run.curve is None or run.history is None:
                continue
            time = np.concatenate([[0.0], np.asarray(run.history["time"], float)])
            histories = _histories(run)
            common = min(len(h) for h in histories)
            spread = np.array(
                [np.asarray(h["time"][:common], float) for h in histories]
            )
            out[run.solver] = {
                "iteration": np.arange(run.curve.size),
                "time": time,
                "time_min": np.concatenate([[0.0], spread.min(axis=0)]),
                "time_max": np.concatenate([[0.0], spread.max(axis=0)]),
                "objective": run.curve,
                "suboptimality": _suboptimality(run.curve, self.reference.objective),
            }
        return out

    def format(self, sort="time", wide=False):
        """The human-readable report: the settings, the table and its notes."""
        return format_report([self], sort=sort, wide=wide)

    def plot(self, filename=None, axes=None):
        """Convergence curves (needs matplotlib); see :func:`skgd.plotting.plot_comparison`."""
        from ..plotting import plot_comparison

        return plot_comparison([self], filename=filename, axes=axes)

    def __str__(self):
        return self.format()

    def __repr__(self):
        ok = [run for run in self.runs if run.converged]
        counts = {}
        for run in self.runs:
            counts[run.status] = counts.get(run.status, 0) + 1
        status = ", ".join(f"{n} {s}" for s, n in counts.items())
        lines = [
            f"<ComparisonResult: {self.problem} on {self.dataset} "
            f"({self.n_samples} x {self.n_features}), {len(self.runs)} contenders: "
            f"{status}>",
        ]
        if ok:
            best = min(ok, key=lambda run: run.time)
            lines.append(
                f"  fastest converged: {best.solver} in {best.time * 1e3:.3g} ms "
                f"({best.n_iter} iterations, rel.subopt {best.rel_suboptimality:.1e})"
            )
        lines.append(
            "  .format() the report, .records / .curves() the data, .plot() the curves"
        )
        return "\n".join(lines)

    def _repr_html_(self):
        return html_table(self)


def _histories(run):
    """Every timed fit's history of ``run`` (the reported one alone if only it)."""
    if run.histories:
        return run.histories
    return [run.history] if run.history is not None else []


def _curve_keys(results):
    """The header of the curve rows of ``results``: :data:`CURVE_COLUMNS`,
    then any extra history column (``validation_score``)."""
    keys = dict.fromkeys(CURVE_COLUMNS)
    for result in results:
        for run in result.runs:
            keys.update(dict.fromkeys(run.history or ()))
    return list(keys)
