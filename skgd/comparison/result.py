"""What a comparison measured: one :class:`Run` per fit and the :class:`ComparisonResult`."""

import math
from dataclasses import dataclass, field

import numpy as np

from .problems import all_solvers
from .report import CURVE_COLUMNS, _json_safe, _suboptimality, format_report


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
        The stopping measure (the scale-invariant optimality
        :meth:`skgd.objective.Objective.optimality`) relative to its value at
        the null model.
    n_iter : int or None
        Iterations (epochs for minibatch solvers).
    time : float
        Wall time of the whole ``fit`` call in seconds: of the median fit when
        several were timed (the faster middle one for an even number), the fit
        whose ``history`` and coefficients are reported.
    converged : bool or None
        False when ``fit`` warned that ``max_iter`` ended the run.
    status : {"ok", "diverged", "failed"}
    message : str
        The error message of a failed fit.
    learning_rate : float or None
        The step size the solver used (``learning_rate_``).
    curve : ndarray or None
        The objective at iterations 0 (start), 1, ..., n_iter.
    history : skgd.history.History or None
        The reported fit's ``history_`` (its per-iteration columns and
        ``start``; no coefficients): one row per iteration, with the measured
        ``time`` since the fit started. Empty when the fit made no iteration.
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
    history: dict | None = field(default=None, repr=False)

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

    @property
    def solver_order(self):
        """Every registered solver name, the built-in ones in the README's order.

        The plots colour a solver by its position here (see
        :func:`~skgd.comparison.all_solvers`), so it keeps its colour across
        comparisons of different subsets.
        """
        return all_solvers()

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

    @property
    def curve_records(self):
        """One dict per iteration (epoch for minibatch solvers) per solver.

        The keys are :data:`~skgd.comparison.CURVE_COLUMNS`: ``problem``,
        ``dataset``, ``solver``, ``iteration`` (1, ..., n_iter), ``time``
        (seconds since the fit started, measured when the iteration ended:
        the fit's ``history_["time"]``), ``objective``, ``suboptimality``
        (``(F - F*)/|F*|`` against the reference; None if the reference has no
        finite objective), ``optimality``, ``learning_rate`` and ``grad_norm``
        (as in :class:`~skgd.history.History`), and ``validation_score`` when
        the estimator stops early. The solvers come in the order asked; a
        failed fit, or one that made no iteration, has no rows. The JSON
        output and ``skgd compare --csv curves`` write these rows.
        """
        optimum = self.reference.objective
        rows = []
        for run in self.runs:
            history = run.history
            if history is None or len(history) == 0:
                continue
            columns = {name: history[name] for name in CURVE_COLUMNS if name in history}
            if math.isfinite(optimum):
                columns["suboptimality"] = _suboptimality(history["objective"], optimum)
            else:
                columns["suboptimality"] = [None] * len(history)
            extra = [name for name in history if name not in CURVE_COLUMNS]
            context = {
                "problem": self.problem,
                "dataset": self.dataset,
                "solver": run.solver,
            }
            for i in range(len(history)):
                row = dict(context)
                for name in CURVE_COLUMNS[3:]:
                    row[name] = columns[name][i]
                for name in extra:
                    row[name] = history[name][i]
                rows.append(row)
        return rows

    def to_frame(self, curves=False):
        """The records, or with ``curves=True`` the :attr:`curve_records`, as a
        pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_frame needs pandas: pip install pandas") from None
        if curves:
            return pd.DataFrame(self.curve_records, columns=_curve_keys([self]))
        return pd.DataFrame(self.records)

    def to_dict(self):
        """JSON-ready: the settings, the records and the per-iteration
        :attr:`curve_records` (``"curves"``)."""
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
            "curves": [_json_safe(r) for r in self.curve_records],
        }

    def curves(self):
        """Per solver: ``{"iteration", "time", "objective", "suboptimality"}`` arrays.

        Iteration 0 is the fit's starting point (the common null model), at
        time 0, the start of ``fit``. The times of iterations 1, ..., n_iter
        are the fit's ``history_["time"]``: wall-clock seconds since the fit
        started, measured when each iteration ended, so they increase, and the
        last is at most the reported fit time (which also counts the work after
        the last iteration). A fit that made no iteration has the start alone.
        """
        out = {}
        for run in self.runs:
            if run.curve is None or run.history is None:
                continue
            out[run.solver] = {
                "iteration": np.arange(run.curve.size),
                "time": np.concatenate([[0.0], np.asarray(run.history["time"], float)]),
                "objective": run.curve,
                "suboptimality": _suboptimality(run.curve, self.reference.objective),
            }
        return out

    def format(self, sort="time"):
        """The human-readable report: a header stating the settings, then the table."""
        return format_report(self, sort=sort)

    def plot(self, filename=None, axes=None):
        """Convergence curves (needs matplotlib); see :func:`skgd.plotting.plot_comparison`."""
        from ..plotting import plot_comparison

        return plot_comparison([self], filename=filename, axes=axes)

    def __str__(self):
        return self.format()


def _curve_keys(results):
    """The header of the curve rows of ``results``: :data:`CURVE_COLUMNS`,
    then any extra history column (``validation_score``)."""
    keys = dict.fromkeys(CURVE_COLUMNS)
    for result in results:
        for run in result.runs:
            keys.update(dict.fromkeys(run.history or ()))
    return list(keys)
