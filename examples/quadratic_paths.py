"""Gradient-descent paths on quadratics
====================================

The 1-D and 2-D quadratics of the course notes' §5.

1-D: f(w) = w^2 + 2w + 1 = (w + 1)^2 from w = 5 with step 0.2: every step
multiplies the distance to the minimum -1 by ``|1 - 2 * 0.2| = 0.6``.

2-D: f(w) = 1/2 w^T A w + b^T w with A = [[3, .5], [.5, 1]], b = [-1, 2], from
(2, -3) with step 0.4. The minimiser solves A w = -b. Along each eigenvector of
A (eigenvalues 3.12 and 0.88) the error is multiplied by 1 - step * eigenvalue
per step: -0.25 and 0.65 for step 0.4, so the stiff direction is overshot and
flips sign; with step 0.6 (-0.87) the path zig-zags across the ellipses, and
past 2/3.12 = 0.64 it diverges. The same quadratic is then handed to skgd: it is
the least-squares objective of a 2-feature dataset, so GDLinearRegression with
solver="gd", started at (2, -3) (warm_start) with record_coef=True, retraces the
path: ``history_.trajectory()`` holds its iterates.

Run as a script, it writes ``quadratic_paths.png`` to the current directory.
"""

# %%

import matplotlib.pyplot as plt
import numpy as np

from skgd import GDLinearRegression


def f1(w):
    return w**2 + 2 * w + 1


def g1(w):
    return 2 * w + 2


w, lr = 5.0, 0.2
print("1-D: f(w) = (w + 1)^2, w0 = 5, step 0.2")
path_1d = [w]
for i in range(10):
    w = w - lr * g1(w)
    path_1d.append(w)
    print(f"  step {i + 1:2d}  w = {w: .6f}  f(w) = {f1(w):.3e}")

A = np.array([[3.0, 0.5], [0.5, 1.0]])
b = np.array([-1.0, 2.0])


def f2(w):
    return 0.5 * w @ A @ w + b @ w


def g2(w):
    return A @ w + b


w = np.array([2.0, -3.0])
lr = 0.4
path_2d = [w]
for _ in range(20):
    w = w - lr * g2(w)
    path_2d.append(w)
path_2d = np.array(path_2d)
zigzag = [np.array([2.0, -3.0])]
for _ in range(20):
    zigzag.append(zigzag[-1] - 0.6 * g2(zigzag[-1]))
zigzag = np.array(zigzag)
w_star = np.linalg.solve(A, -b)
print(f"2-D: final w = {w.round(6)}, f(w) = {f2(w):.6f}")
print(f"     exact minimiser A^-1 (-b) = {w_star.round(6)}, f = {f2(w_star):.6f}")

# %%
# The same quadratic as least squares
# -----------------------------------
# With ``X^T X / n = A`` and ``X^T y / n = -b``,
# ``1/(2n) |y - X w|^2 = 1/2 w^T A w + b^T w + const``, so skgd's gd (without
# intercept, step 0.4) must take exactly the steps above.
n = 2
X = np.sqrt(n) * np.linalg.cholesky(A).T  # X^T X / n = A
y = np.linalg.solve(X.T, -n * b)  # X^T y / n = -b
model = GDLinearRegression(
    solver="gd",
    learning_rate=lr,
    schedule="constant",
    max_iter=20,
    tol=0,  # a fixed budget of 20 iterations
    fit_intercept=False,
    record_coef=True,  # history_ keeps every iterate
    warm_start=True,
)
model.coef_, model.intercept_ = np.array([2.0, -3.0]), 0.0  # warm start: (2, -3)
model.fit(X, y)
skgd_path = model.history_.trajectory()  # the start, then the 20 iterates
gap = np.abs(skgd_path - path_2d).max()
print(f"     skgd gd retraces the path: max difference {gap:.1e}")
assert gap < 1e-12

# %%
# The figure
# ----------

fig = plt.figure(figsize=(11, 4.5), layout="constrained")
ax1, ax2 = fig.subplots(1, 2)
grid = np.linspace(-5.5, 5.5, 200)
ax1.plot(grid, f1(grid), color="0.5")
p = np.array(path_1d)
ax1.plot(p, f1(p), "o-", color="C3", markersize=4, label="gd, step 0.2")
ax1.set(title="f(w) = (w + 1)^2", xlabel="w", ylabel="f(w)")
ax1.legend()
u = np.linspace(-0.6, 2.6, 200)
v = np.linspace(-3.8, -1.0, 200)
U, V = np.meshgrid(u, v)
Z = 0.5 * (A[0, 0] * U**2 + 2 * A[0, 1] * U * V + A[1, 1] * V**2) + b[0] * U + b[1] * V
ax2.contour(U, V, Z, levels=25, cmap="viridis", linewidths=0.7)
ax2.plot(
    path_2d[:, 0],
    path_2d[:, 1],
    "o-",
    color="C3",
    markersize=4,
    label="gd, step 0.4 (20 steps)",
)
ax2.plot(
    zigzag[:, 0],
    zigzag[:, 1],
    "s--",
    color="C1",
    markersize=3,
    linewidth=1,
    label="gd, step 0.6: zig-zag",
)
ax2.plot(*w_star, "*", color="black", markersize=14, label="minimiser $-A^{-1}b$")
ax2.set(title="f(w) = 1/2 w^T A w + b^T w", xlabel="$w_1$", ylabel="$w_2$")
ax2.set_aspect("equal")
ax2.legend(loc="lower right", fontsize=8)
if "__file__" in globals():  # run as a script, not in the docs gallery
    fig.savefig("quadratic_paths.png", dpi=100)
    print("wrote quadratic_paths.png")
