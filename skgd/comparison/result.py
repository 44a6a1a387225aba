"""What a comparison measured: one :class:`Run` per fit and the :class:`ComparisonResult`."""

import math
from dataclasses import dataclass, field

import numpy as np

from .problems import all_solvers
from .report import _json_safe, _suboptimality, format_report


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
        from ..plotting import plot_comparison

        return plot_comparison([self], filename=filename, axes=axes)

    def __str__(self):
        return self.format()
