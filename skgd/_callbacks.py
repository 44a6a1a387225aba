"""The bridge between the fit loop and the two kinds of callback: the
``callback`` parameter (a function of a :class:`~skgd.history.TrainingState`)
and scikit-learn 1.9's callback API (``set_callbacks(ProgressBar())``), which
sees one task per iteration (epoch), as ``LogisticRegression`` reports its
L-BFGS iterations."""

import numpy as np

from ._sklearn_compat import HAS_CALLBACK_API
from .history import TrainingState


def _read_only(array):
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


class IterationCallbacks:
    """``on_iteration(theta, monitor) -> stop`` for :func:`skgd.fit_loop.run`.

    Parameters
    ----------
    estimator : GDModelMixin
    objective : Objective
    shape : callable ``(coef, intercept) -> (coef_, intercept_)``
        The estimator's shapes of the unpacked parameters.
    fitted : dict
        Fitted attributes known before the run (``classes_``): what a copy of
        the estimator needs to predict at an intermediate iterate.
    X, y, metadata
        The training data, as scikit-learn's callbacks receive them.
    unit : str
        The task name of one iteration (``"iteration"`` or ``"epoch"``).
    max_iter : int
        The most iterations this run takes (one task each).
    """

    def __init__(
        self, estimator, objective, shape, fitted, X, y, metadata, unit, max_iter
    ):
        self.estimator = estimator
        self.objective = objective
        self.shape = shape
        self.fitted = fitted
        self.X, self.y, self.metadata = X, y, metadata
        self.unit = unit
        self.function = estimator.callback
        self.context = None
        if HAS_CALLBACK_API and getattr(estimator, "_skl_callbacks", None):
            self.context = estimator._init_callback_context(max_subtasks=max_iter)
            self.context.call_on_fit_task_begin(
                estimator=estimator, X=X, y=y, metadata=metadata
            )
        self.history = None  # set by the estimator: the history built so far

    @property
    def active(self):
        return self.function is not None or self.context is not None

    def attributes(self, theta):
        """The fitted attributes of ``theta``, in the estimator's shapes."""
        coef, intercept = self.shape(*self.objective.unpack(theta))
        return {**self.fitted, "coef_": coef, "intercept_": intercept}

    def __call__(self, theta, monitor):
        stop = False
        if self.context is not None:
            task = self.context.subcontext(task_name=self.unit)
            task.call_on_fit_task_begin(
                estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata
            )
            stop |= bool(
                task.call_on_fit_task_end(
                    estimator=self.estimator,
                    X=self.X,
                    y=self.y,
                    metadata=self.metadata,
                    # evaluated only if a callback asks for a fitted estimator
                    reconstruction_attributes=lambda: self.attributes(theta),
                )
            )
        if self.function is not None:
            attributes = self.attributes(theta)
            records = monitor.records
            state = TrainingState(
                iteration=monitor.n_iter,
                objective=monitor.loss_curve[-1],
                optimality=records["optimality"][-1],
                grad_norm=records["grad_norm"][-1],
                learning_rate=monitor.learning_rates[-1],
                time=records["time"][-1],
                coef=_read_only(attributes["coef_"]),
                intercept=_read_only(attributes["intercept_"]),
                estimator=self.estimator,
                _history=(lambda: self.history(monitor)) if self.history else None,
            )
            stop |= bool(self.function(state))
        return stop

    def finish(self):
        """End the fit task (the estimator's fitted attributes are set)."""
        if self.context is not None:
            self.context.call_on_fit_task_end(
                estimator=self.estimator,
                X=self.X,
                y=self.y,
                metadata=self.metadata,
                reconstruction_attributes={},
            )
