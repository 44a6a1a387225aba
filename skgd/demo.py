"""The main job in one command: every solver against the exact answer.

``python -m skgd`` fits the three estimators with several solvers on bundled
scikit-learn datasets (standardized) and prints, per solver, the final
objective, its relative gap to the reference optimum, the coefficient error
against the reference (pinv for least squares, scikit-learn's
LogisticRegression and Lasso otherwise), the iterations and the wall time.
"""

import time
import warnings

import numpy as np
from scipy.special import log_expit
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.preprocessing import StandardScaler

from . import GDLinearRegression, GDLogisticRegression, ProxLasso

SOLVERS = ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
           "newton", "lbfgs"]  # fmt: skip


def least_squares_objective(X, y, coef, intercept, alpha=0.0, l1=False):
    """1/(2n) |y - X w - b|^2 + alpha/2 |w|^2 (or alpha |w|_1)."""
    residual = y - X @ coef - intercept
    penalty = alpha * np.abs(coef).sum() if l1 else 0.5 * alpha * coef @ coef
    return 0.5 * np.mean(residual**2) + penalty


def logistic_objective(X, y, coef, intercept, alpha):
    """1/n sum logloss + alpha/2 |w|^2 for labels y in {0, 1}."""
    z = X @ coef.ravel() + intercept[0]
    loss = -(y * log_expit(z) + (1 - y) * log_expit(-z))
    return np.mean(loss) + 0.5 * alpha * coef.ravel() @ coef.ravel()


def _rows(make, X, y, objective, reference_coef, reference_value):
    rows = []
    for solver in SOLVERS:
        est = make(solver)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            est.fit(X, y)
        seconds = time.perf_counter() - start
        value = objective(est)
        error = np.linalg.norm(np.ravel(est.coef_) - np.ravel(reference_coef))
        rows.append((
            solver, value, (value - reference_value) / abs(reference_value),
            error / np.linalg.norm(reference_coef), est.n_iter_, seconds,
            "no" if caught else "yes",
        ))  # fmt: skip
    return rows


def _print_table(title, reference_name, reference_value, rows):
    print(f"\n{title}")
    print(f"reference: {reference_name}, objective {reference_value:.10f}")
    header = ("solver", "objective", "rel. gap", "coef error", "iter", "time", "conv.")
    print(f"{header[0]:<10}{header[1]:>16}{header[2]:>11}{header[3]:>12}"
          f"{header[4]:>7}{header[5]:>10}{header[6]:>7}")  # fmt: skip
    for solver, value, gap, error, n_iter, seconds, converged in rows:
        print(f"{solver:<10}{value:>16.10f}{gap:>11.1e}{error:>12.1e}"
              f"{n_iter:>7d}{seconds * 1e3:>8.1f}ms{converged:>7}")  # fmt: skip


def main():
    diabetes_X, diabetes_y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(diabetes_X)
    y = diabetes_y
    n = len(y)
    print("skgd demo: every solver against the exact optimum (standardized data,")
    print("relative objective gap and coefficient error, default settings)")

    # least squares against the pseudo-inverse
    beta = np.linalg.pinv(np.column_stack([X, np.ones(n)])) @ y
    ref_value = least_squares_objective(X, y, beta[:-1], beta[-1])
    rows = _rows(
        lambda s: GDLinearRegression(solver=s, random_state=0),
        X, y, lambda e: least_squares_objective(X, y, e.coef_, e.intercept_),
        beta[:-1], ref_value,
    )  # fmt: skip
    _print_table("GDLinearRegression on diabetes (442 x 10)",
                 "np.linalg.pinv", ref_value, rows)  # fmt: skip

    # lasso against scikit-learn's coordinate descent
    alpha = 1.0
    lasso = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    ref_value = least_squares_objective(
        X, y, lasso.coef_, lasso.intercept_, alpha, True
    )
    rows = _rows(
        lambda s: ProxLasso(solver=s, alpha=alpha, random_state=0),
        X, y,
        lambda e: least_squares_objective(X, y, e.coef_, e.intercept_, alpha, True),
        lasso.coef_, ref_value,
    )  # fmt: skip
    _print_table(f"ProxLasso(alpha={alpha}) on diabetes",
                 f"sklearn Lasso(alpha={alpha})", ref_value, rows)  # fmt: skip

    # logistic regression against scikit-learn
    cancer_X, cancer_y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(cancer_X)
    y = cancer_y
    alpha = 1e-2
    C = 1.0 / (len(y) * alpha)
    logistic = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
    ref_value = logistic_objective(X, y, logistic.coef_, logistic.intercept_, alpha)
    rows = _rows(
        lambda s: GDLogisticRegression(solver=s, alpha=alpha, random_state=0),
        X, y, lambda e: logistic_objective(X, y, e.coef_, e.intercept_, alpha),
        logistic.coef_, ref_value,
    )  # fmt: skip
    _print_table(f"GDLogisticRegression(alpha={alpha}) on breast_cancer (569 x 30)",
                 f"sklearn LogisticRegression(C=1/(n*alpha)={C:.4g})", ref_value,
                 rows)  # fmt: skip


if __name__ == "__main__":
    main()
