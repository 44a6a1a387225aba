"""The reference optimum and the direct or scikit-learn baselines of a comparison."""

import statistics
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge

# Tolerances of the reference fits: far below any contender's.
_REFERENCE_TOL = {"logistic": 1e-12, "lasso": 1e-15}


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
