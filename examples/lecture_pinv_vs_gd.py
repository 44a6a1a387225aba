"""The lecture example: pinv versus gradient descent
=================================================

The lecture example (Mathematics for AI, lecture 4, summarised in :ref:`notes-lecture`).

The data are four points with y = x . [1, 2] + 3. The pseudo-inverse gives the
coefficients [1, 2, 3] at once; the lecture's gradient-descent loop::

    for t in range(T):
        error = y - X_ @ beta
        grad = - X_.T @ error
        beta = beta - lr * grad

reaches them from [10.1, 15.1, -6.5] with lr = 0.01 after 5000 iterations, but
after 100 it is still at [3.41, 4.64, -6.69]: the learning rate and the number
of iterations are hyper-parameters. This script reproduces both runs, redoes
them with skgd, and tabulates the error for a grid of (lr, T), including the
rates past ``2 / lambda_max(X_^T X_)`` where the loop diverges. skgd's default
learning_rate="auto" (1/L) needs no such search.

Run as a script, it writes ``lecture_pinv_vs_gd.png`` to the current directory.
"""

# %%

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skgd import GDLinearRegression

X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]], dtype=float)
y = X @ np.array([1, 2]) + 3
X_ = np.column_stack([X, np.ones(len(X))])  # the intercept column
beta0 = np.array([10.1, 15.1, -6.5])

beta_pinv = np.linalg.pinv(X_) @ y
print(f"pinv:                 {beta_pinv.round(8)}  (the answer is [1, 2, 3])")


def lecture_gd(lr, T, beta=beta0):
    """The lecture's loop; returns every iterate (stops early if it overflows)."""
    path = [np.array(beta, dtype=float)]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(T):
            error = y - X_ @ path[-1]
            grad = -X_.T @ error
            path.append(path[-1] - lr * grad)
            if not np.all(np.isfinite(path[-1])) or np.abs(path[-1]).max() > 1e12:
                break
    return np.array(path)


for T in (5000, 100):
    print(f"lecture gd, T={T:4d}:   {lecture_gd(0.01, T)[-1].round(8)}")
assert np.allclose(lecture_gd(0.01, 100)[-1], [3.41314549, 4.63604548, -6.69249764])

# %%
# The same loop in skgd
# ---------------------
# The lecture minimises ``1/2 |y - X_ beta|^2 = n F``, with
# ``F = 1/(2n) |y - X_ beta|^2`` skgd's objective, so its step ``lr`` on the sum
# is the step ``n * lr`` on ``F``. With the ones column as a feature
# (``fit_intercept=False``) and the lecture's start, skgd's gd takes exactly
# the lecture's steps.
n = len(y)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # T=100 is the point
    for T in (5000, 100):
        model = GDLinearRegression(
            solver="gd",
            learning_rate=n * 0.01,
            max_iter=T,
            tol=0,
            fit_intercept=False,
            warm_start=True,
        )
        model.coef_, model.intercept_ = beta0.copy(), 0.0
        model.fit(X_, y)
        print(f"skgd gd,    T={T:4d}:   {model.coef_.round(8)}")
        assert np.allclose(model.coef_, lecture_gd(0.01, T)[-1], atol=1e-9)

auto = GDLinearRegression(solver="gd", tol=1e-10).fit(X, y)
print(
    f"skgd gd, learning_rate='auto' (1/L = {auto.learning_rate_:.3g}): "
    f"coef {auto.coef_.round(6)}, intercept {auto.intercept_:.6f}, "
    f"{auto.n_iter_} iterations"
)

# %%
# Sensitivity to the learning rate and the number of iterations
# -------------------------------------------------------------
lam_max = np.linalg.eigvalsh(X_.T @ X_).max()
print(
    f"\nlambda_max(X_^T X_) = {lam_max:.3f}: the loop diverges for lr > "
    f"2/lambda_max = {2 / lam_max:.4f}"
)
rates = [0.001, 0.005, 0.01, 0.03, 0.06, 0.07]
budgets = [10, 100, 1000, 5000]
print("|beta_T - beta*| for each lr (rows) and T (columns)")
print("lr      " + "".join(f"{T:>12d}" for T in budgets))
paths = {}
for lr in rates:
    path = lecture_gd(lr, max(budgets))
    paths[lr] = np.linalg.norm(path - beta_pinv, axis=1)
    cells = []
    for budget in budgets:
        reached = budget < len(path)
        cells.append(f"{paths[lr][budget]:.2e}" if reached else "diverged")
    print(f"{lr:<8g}" + "".join(f"{c:>12}" for c in cells))

# %%
# The figure
# ----------

fig = plt.figure(figsize=(7.5, 4.5), layout="constrained")
ax = fig.subplots()
for lr in rates:
    error = paths[lr]
    ax.plot(np.arange(len(error)), error, label=f"lr = {lr:g}")
ax.axvline(100, color="0.6", linestyle=":", label="T = 100 (lecture)")
ax.set_yscale("log")
ax.set_xscale("symlog", linthresh=10)
ax.set_xlim(0, max(budgets))
ax.set_ylim(1e-12, 1e6)
ax.set(
    xlabel="iteration T",
    ylabel="|beta_T - beta_pinv|",
    title="lecture gd: error against iterations for several learning rates",
)
ax.legend(fontsize=8)
ax.grid(True, alpha=0.3)
if "__file__" in globals():  # run as a script, not in the docs gallery
    fig.savefig("lecture_pinv_vs_gd.png", dpi=100)
    print("wrote lecture_pinv_vs_gd.png")
