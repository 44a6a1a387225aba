"""Linear and logistic regression against pinv and scikit-learn
============================================================

The linear and logistic regressions of the course notes' §6.

§6.1 fits y = X w + noise (200 x 3, w = [1, -2, 0.5], noise 0.3) by minimising
the MSE ``L(w) = 1/n |y - X w|^2``, gradient ``2/n X^T (X w - y)``. skgd minimises
``F = 1/(2n) |y - X w - b|^2`` (half the MSE: the same minimiser), and every solver
lands on the pseudo-inverse's answer.

§6.2 fits a logistic model (300 x 2, w = [2, -1.5]) with the L2 term of the
notes' loop, ``grad + l2 * w``: the gradient of ``1/n sum logloss + l2/2 |w|^2``,
which is skgd's objective with alpha = l2 and scikit-learn's
LogisticRegression with C = 1 / (n * l2). The notes' model has no intercept,
hence fit_intercept=False everywhere.

Run as a script, it writes ``regression_vs_references.png`` to the current directory.
"""

# %%

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error

from skgd import GDLinearRegression, GDLogisticRegression

SOLVERS = ["gd", "momentum", "nesterov", "adam", "newton", "lbfgs"]

# %%
# Linear regression
# -----------------
# The data and the loop of the course notes' §6.1.
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 3))
w_true = np.array([1.0, -2.0, 0.5])
y = X @ w_true + rng.normal(0, 0.3, size=200)


def linreg_gd(X, y, lr=0.1, iters=200):
    """The notes' loop."""
    w = np.zeros(X.shape[1])
    for _ in range(iters):
        w -= lr * (2.0 / len(y)) * X.T @ (X @ w - y)
    return w


w_pinv = np.linalg.pinv(X) @ y
w_loop = linreg_gd(X, y, lr=0.2, iters=300)
sk = LinearRegression(fit_intercept=False).fit(X, y)
print("6.1 linear regression, 200 x 3 (no intercept)")
print(f"  {'method':<26}{'MSE':>10}{'|w - w_pinv|':>15}{'|w - w_true|':>15}")
rows = [
    ("pinv (reference)", w_pinv),
    ("notes' loop (lr 0.2)", w_loop),
    ("LinearRegression", sk.coef_),
]
for solver in SOLVERS:
    # (adam needs about 1300 iterations for tol=1e-10 here; the others far fewer)
    model = GDLinearRegression(
        solver=solver, fit_intercept=False, tol=1e-10, max_iter=3000
    ).fit(X, y)
    rows.append((f"skgd {solver}", model.coef_))
linear_errors = {}
for name, w in rows:
    mse = mean_squared_error(y, X @ w)
    linear_errors[name] = np.linalg.norm(w - w_pinv)
    print(
        f"  {name:<26}{mse:>10.5f}{linear_errors[name]:>15.2e}"
        f"{np.linalg.norm(w - w_true):>15.4f}"
    )
    assert linear_errors[name] < 1e-5, name

# %%
# Logistic regression
# -------------------
# The data and the loop of the course notes' §6.2.
rng = np.random.default_rng(1)
X = rng.normal(size=(300, 2))
true_w = np.array([2.0, -1.5])
y = (rng.random(300) < 1 / (1 + np.exp(-X @ true_w))).astype(float)
l2 = 0.01


def logreg_gd(X, y, lr=0.5, iters=1000, l2=0.0):
    """The notes' loop (standard L2 in the gradient)."""
    w = np.zeros(X.shape[1])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-X @ w))
        w -= lr * ((1.0 / len(y)) * X.T @ (p - y) + l2 * w)
    return w


ref = LogisticRegression(
    C=1 / (len(y) * l2), fit_intercept=False, tol=1e-12, solver="newton-cholesky"
).fit(X, y)
w_ref = ref.coef_.ravel()
print(
    f"\n6.2 logistic regression, 300 x 2, l2 = {l2} (= alpha; C = 1/(n l2) = "
    f"{1 / (len(y) * l2):.4g})"
)
print(f"  {'method':<26}{'logloss':>10}{'acc':>7}{'|w - w_sklearn|':>18}")
rows = [
    ("LogisticRegression (ref.)", w_ref),
    ("notes' loop (lr 0.5)", logreg_gd(X, y, l2=l2)),
]
for solver in SOLVERS:
    model = GDLogisticRegression(
        solver=solver, alpha=l2, fit_intercept=False, tol=1e-10
    ).fit(X, y)
    rows.append((f"skgd {solver}", model.coef_.ravel()))
logistic_errors = {}
for name, w in rows:
    p = 1 / (1 + np.exp(-X @ w))
    logistic_errors[name] = np.linalg.norm(w - w_ref)
    print(
        f"  {name:<26}{log_loss(y, p):>10.5f}"
        f"{accuracy_score(y, p >= 0.5):>7.3f}{logistic_errors[name]:>18.2e}"
    )
    assert logistic_errors[name] < 1e-4, name

# %%
# The figure
# ----------

fig = plt.figure(figsize=(10, 4), layout="constrained")
for ax, errors, title in zip(
    fig.subplots(1, 2),
    (linear_errors, logistic_errors),
    ("6.1 linear: |w - w_pinv|", "6.2 logistic: |w - w_LogisticRegression|"),
    strict=True,
):
    names = list(errors)
    ax.barh(names, [max(errors[k], 1e-17) for k in names], color="C0")
    ax.set_xscale("log")
    ax.set_xlim(1e-17, 1)
    ax.invert_yaxis()
    ax.set_title(title)
    ax.grid(True, axis="x", alpha=0.3)
if "__file__" in globals():  # run as a script, not in the docs gallery
    fig.savefig("regression_vs_references.png", dpi=100)
    print("wrote regression_vs_references.png")
