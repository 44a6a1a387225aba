"""Fitting and timing the reference optimum and the baselines of a comparison
(defined per problem in :mod:`skgd.comparison.problems`)."""

import statistics
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .problems import get_problem


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


def _fit_sklearn(reference, X, y, sample_weight):
    """Fit, recording whether scikit-learn warned about convergence."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model = reference.fit(X, y, sample_weight)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    n_iter = getattr(model, "n_iter_", None)
    if n_iter is not None:
        n_iter = int(np.max(n_iter))
    return model, converged, n_iter


def _references(problem, estimator, X, y, sample_weight, repeat):
    """``[(label, kind, coef, intercept, seconds, n_iter, converged), ...]`` and text.

    The first entry is the reference optimum, the others are baselines, all
    from the problem's entry in the problem table.
    """
    S = float(sample_weight.sum())
    out, first_model = [], []
    for reference in get_problem(problem).references(estimator, S):
        (model, converged, n_iter), seconds = _timed(
            lambda r=reference: _fit_sklearn(r, X, y, sample_weight), repeat
        )
        first_model = first_model or [model]
        out.append(
            (reference.label, reference.kind, model.coef_, model.intercept_,
             seconds, n_iter, converged)
        )  # fmt: skip
    return out, _describe(first_model[0])


def _describe(model):
    """The reference as its repr: the scikit-learn estimator with its settings."""
    return repr(model)
