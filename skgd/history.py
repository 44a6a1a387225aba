"""What a fit records per iteration: :class:`History` (``history_``) and the
read-only :class:`TrainingState` a ``callback`` receives."""

from dataclasses import dataclass, field

import numpy as np

#: The columns every history has, in order (``validation_score`` is added with
#: ``early_stopping=True``).
COLUMNS = (
    "iteration",
    "objective",
    "optimality",
    "grad_norm",
    "learning_rate",
    "time",
)


class History(dict):
    """Per-iteration (per-epoch on minibatches) record of a fit: ``history_``.

    A ``dict`` of equal-length 1-D arrays, one entry per iteration:

    ``iteration``
        1, 2, ..., ``n_iter_``.
    ``objective``
        The full-data objective at the iterate reached (``loss_curve_``).
    ``optimality``
        The scale-invariant optimality :math:`M(\\theta)` the stopping test
        compares with ``tol`` (NaN where it was not computed).
    ``grad_norm``
        The Euclidean norm of the full-data gradient of the smooth part at the
        iterate (before any clipping; NaN where not computed).
    ``learning_rate``
        The step actually used in the iteration (after schedule, warm-up and
        line search; the initial trial for newton's line search).
    ``time``
        Wall-clock seconds since the fit started, measured when the iteration
        ended (``time.perf_counter``), including the bookkeeping.
    ``validation_score``
        With ``early_stopping=True``: the score on the held-out split.

    Because it is a dict of columns, ``pandas.DataFrame(history_)`` is a table
    of it (:meth:`to_frame`), and :meth:`plot` draws any column. ``len`` is
    the number of iterations (rows), as for the table.

    Attributes
    ----------
    coef, intercept : ndarray or None
        With ``record_coef=True``: the coefficients and intercept after each
        iteration, of shapes ``(n_iter_,) + coef_.shape`` and
        ``(n_iter_,) + intercept_.shape``; None otherwise.
    start : dict
        The starting point: ``objective``, ``grad_norm`` and, with
        ``record_coef=True``, ``coef`` and ``intercept`` (the null model, or
        the warm start).
    """

    def __init__(self, columns=None, *, coef=None, intercept=None, start=None):
        super().__init__(columns or {})
        self.coef = coef
        self.intercept = intercept
        self.start = start or {}

    def __reduce__(self):  # pickle the attributes with the columns
        return (
            type(self),
            (dict(self),),
            {"coef": self.coef, "intercept": self.intercept, "start": self.start},
        )

    def __len__(self):
        return len(self.get("iteration", ()))

    def __repr__(self):
        return f"History({len(self)} iterations; columns {', '.join(self)})"

    def to_frame(self):
        """The columns as a ``pandas.DataFrame`` indexed by iteration."""
        import pandas as pd

        return pd.DataFrame(dict(self)).set_index("iteration")

    def trajectory(self):
        """``(n_iter_ + 1, ...)`` coefficients from the start to the end
        (``record_coef=True`` only): what a path plot draws."""
        if self.coef is None:
            raise ValueError(
                "No coefficients were recorded: fit with record_coef=True."
            )
        return np.concatenate([self.start["coef"][None], self.coef])

    def plot(self, y="objective", x="iteration", ax=None, logy=None, **kwargs):
        """Draw column ``y`` against column ``x`` with matplotlib.

        ``logy`` defaults to True for ``objective``-like positive columns
        (``optimality``, ``grad_norm``, ``learning_rate``). Returns the axes.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        values = np.asarray(self[y], dtype=float)
        if logy is None:
            logy = y in ("optimality", "grad_norm", "learning_rate")
        ax.plot(self[x], values, **kwargs)
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        return ax


@dataclass(frozen=True)
class TrainingState:
    """What a ``callback`` sees after each iteration (epoch): a read-only view.

    Attributes
    ----------
    iteration : int
        Iterations (epochs) done in this fit, from 1.
    objective, optimality, grad_norm, learning_rate, time : float
        As in :class:`History` (this iteration's row).
    coef, intercept : ndarray
        The current coefficients, in the shapes of ``coef_`` and ``intercept_``
        (read-only copies).
    estimator : object
        The skgd estimator being fitted (its fitted attributes are not set yet).
    history : History
        The history so far, including this iteration (built when read).
    """

    iteration: int
    objective: float
    optimality: float
    grad_norm: float
    learning_rate: float
    time: float
    coef: np.ndarray = field(repr=False)
    intercept: np.ndarray = field(repr=False)
    estimator: object = field(repr=False)
    # builds the history on demand: a callback that never reads it costs nothing
    _history: object = field(repr=False, default=None)

    @property
    def history(self):
        return self._history() if callable(self._history) else self._history
