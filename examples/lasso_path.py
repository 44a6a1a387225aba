"""The lasso path against scikit-learn
===================================

``ProxLasso`` against scikit-learn's :class:`~sklearn.linear_model.Lasso` on the diabetes data.

For 30 values of alpha from ``alpha_max = max_j |x_j . (y - mean y)| / n`` (the
smallest alpha with all coefficients zero) down to alpha_max / 1000, fit
ProxLasso (FISTA-type accelerated proximal gradient, solver="nesterov") with
warm starts along the path, and scikit-learn's Lasso (coordinate descent) at
a tight tolerance. Both minimise::

    1/(2n) ||y - X w - b||^2 + alpha ||w||_1,

so the paths must coincide: the script prints the largest coefficient
difference and objective gap along the path, and the number of non-zero
coefficients, which grows as alpha shrinks.

Run as a script, it writes ``lasso_path.png`` to the current directory.
"""

# %%

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso
from sklearn.preprocessing import StandardScaler

from skgd import ProxLasso

X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X)
n = len(y)
alpha_max = np.abs(X.T @ (y - y.mean())).max() / n
alphas = np.geomspace(alpha_max, alpha_max / 1000, 30)


def objective(w, b, alpha):
    return 0.5 * np.mean((y - X @ w - b) ** 2) + alpha * np.abs(w).sum()


model = ProxLasso(solver="nesterov", tol=1e-8, max_iter=5000, warm_start=True)
ours, theirs, gaps, iterations = [], [], [], []
seconds = {"ProxLasso": 0.0, "Lasso": 0.0}
for alpha in alphas:
    start = time.perf_counter()
    model.set_params(alpha=alpha).fit(X, y)
    seconds["ProxLasso"] += time.perf_counter() - start
    start = time.perf_counter()
    reference = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    seconds["Lasso"] += time.perf_counter() - start
    ours.append(model.coef_.copy())
    theirs.append(reference.coef_.copy())
    iterations.append(model.n_iter_)
    F, F_star = (
        objective(model.coef_, model.intercept_, alpha),
        objective(reference.coef_, reference.intercept_, alpha),
    )
    gaps.append((F - F_star) / F_star)
ours, theirs = np.array(ours), np.array(theirs)

print(
    f"lasso path on diabetes (442 x 10, standardized), {len(alphas)} alphas from "
    f"{alpha_max:.3g} to {alphas[-1]:.3g}"
)
print(f"{'alpha':>10}{'nonzero':>9}{'iter':>7}{'rel. gap':>11}{'max |dw|':>11}")
for k in range(0, len(alphas), 3):
    print(
        f"{alphas[k]:>10.4g}{np.count_nonzero(ours[k]):>9d}{iterations[k]:>7d}"
        f"{gaps[k]:>11.1e}{np.abs(ours[k] - theirs[k]).max():>11.1e}"
    )
difference = np.abs(ours - theirs).max()
print(
    f"largest coefficient difference along the path: {difference:.1e} "
    f"(coefficients up to {np.abs(theirs).max():.0f}); largest relative objective "
    f"gap {max(gaps):.1e}"
)
print(
    f"time for the whole path: ProxLasso {seconds['ProxLasso']:.2f} s, "
    f"Lasso {seconds['Lasso']:.2f} s"
)
assert difference < 1e-3 * np.abs(theirs).max()
assert max(gaps) < 1e-8

# %%
# The figure
# ----------

fig = plt.figure(figsize=(8, 5), layout="constrained")
ax = fig.subplots()
names = load_diabetes().feature_names
for j in range(X.shape[1]):
    ax.plot(alphas, theirs[:, j], color=f"C{j}", linewidth=1.5, label=names[j])
    ax.plot(alphas, ours[:, j], "o", color=f"C{j}", markersize=4, fillstyle="none")
ax.set_xscale("log")
ax.invert_xaxis()
ax.set(
    xlabel="alpha (log scale, decreasing)",
    ylabel="coefficient",
    title="lasso path: Lasso (lines) and ProxLasso nesterov (circles)",
)
ax.legend(fontsize=7, ncol=2, loc="upper left")
ax.grid(True, alpha=0.3)
if "__file__" in globals():  # run as a script, not in the docs gallery
    fig.savefig("lasso_path.png", dpi=100)
    print("wrote lasso_path.png")
