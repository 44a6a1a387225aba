"""Momentum, Nesterov and Adam on an ill-conditioned quadratic
===========================================================

The solvers of the course notes' §7.

Part 1 runs the real solvers on a 2-D quadratic f(w) = 1/2 (w - w*)^T A (w - w*)
whose Hessian has eigenvalues 1 and 50 (condition number 50), rotated by 30
degrees, and draws their paths from ``history_`` (``record_coef=True``). The
quadratic is the least-squares objective ``1/(2n) |y - X w|^2`` of a 2-sample
dataset with X^T X / n = A and y = X w*, so GDLinearRegression(fit_intercept=False)
minimises exactly f, from the null model w = 0 to w* = (4, -2.5). Gradient
descent with the safe step 1/L (``learning_rate="auto"``) drops into the valley
and then crawls along its flat direction (factor 1 - 1/50 per step). Heavy-ball
momentum (beta = 0.9, the same effective step) moves faster along the valley
but swings across it: in the stiff direction its two-step recursion has
complex roots of modulus sqrt(beta) = 0.95, a slowly damped oscillation.
Nesterov's look-ahead gradient damps that swing and gets closest. Adam rescales
every coordinate by its gradient's RMS, which helps only as far as the valley
is aligned with the axes; with a constant rate it ends up hovering around the
minimum.

Part 2 runs the same solvers with skgd.compare on a 20-feature least-squares
problem with condition number about 1e4 and gives each the same budget of
300 iterations. Theory for gd: the error shrinks by (k - 1)/(k + 1) per
step, (sqrt(k) - 1)/(sqrt(k) + 1) for the accelerated methods.

Run as a script, it writes ``momentum_nesterov_adam_paths.png`` and
``momentum_nesterov_adam.png`` to the current directory.
"""

# %%

import matplotlib.pyplot as plt
import numpy as np

from skgd import GDLinearRegression, compare
from skgd.comparison import make_synthetic

# %%
# Part 1: the real solvers' paths in 2-D
# --------------------------------------
angle = np.pi / 6
R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
A = R @ np.diag([1.0, 50.0]) @ R.T
w_star = np.array([4.0, -2.5])
steps = 60

# f as least squares: X^T X / n = A and y = X w*, so 1/(2n) |y - X w|^2 = f(w)
n = 2
X2 = np.sqrt(n) * np.linalg.cholesky(A).T
y2 = X2 @ w_star


def f(w):
    """The quadratic at points of shape (..., 2)."""
    e = np.asarray(w) - w_star
    return 0.5 * np.einsum("...i,ij,...j->...", e, A, e)


# a fixed budget of `steps` iterations (tol=0) at a constant rate, from w = 0
runs = {
    "gd (1/L)": {"solver": "gd"},
    "momentum": {"solver": "momentum", "momentum": 0.9},
    "nesterov": {"solver": "nesterov", "momentum": 0.9},
    "adam (lr 0.3)": {"solver": "adam", "learning_rate": 0.3},
}
paths = {}
print(
    f"2-D quadratic, condition number 50, {steps} steps from (0, 0) to w* = {w_star}:"
)
for name, params in runs.items():
    model = GDLinearRegression(
        fit_intercept=False,
        schedule="constant",
        max_iter=steps,
        tol=0,
        record_coef=True,
        **params,
    ).fit(X2, y2)
    paths[name] = path = model.history_.trajectory()  # (steps + 1, 2), from w = 0
    assert np.isclose(
        model.history_["objective"][-1], f(path[-1]), rtol=1e-9, atol=1e-15
    )
    print(
        f"  {name:<14} f = {f(path[-1]):.3e}   |w - w*| = "
        f"{np.linalg.norm(path[-1] - w_star):.3e}   (learning_rate {model.learning_rate_:.3g})"
    )

# %%
# Part 2: the real solvers on the same budget
# -------------------------------------------
X, y = make_synthetic("linear", n_samples=1000, n_features=20, condition=1e4)
result = compare(
    "linear",
    X,
    y,
    solvers=["gd", "momentum", "nesterov", "adam"],
    budget=300,
    dataset="synthetic, condition 1e4",
)
print()
print(result.format(sort="suboptimality"))
kappa = result.settings["condition_number"]
print(
    f"\ncondition number k = {kappa:.3g}: per-step contraction gd {(kappa - 1) / (kappa + 1):.5f}, "
    f"accelerated {(np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1):.5f}"
)
by_name = {run.solver: run for run in result.runs}
assert by_name["nesterov"].rel_suboptimality < by_name["gd"].rel_suboptimality
assert by_name["momentum"].rel_suboptimality < by_name["gd"].rel_suboptimality

# %%
# The figure
# ----------

fig = plt.figure(figsize=(7, 5.5), layout="constrained")
ax = fig.subplots()
U, V = np.meshgrid(np.linspace(-1, 8, 300), np.linspace(-6.5, 1.5, 300))
Z = f(np.stack([U, V], axis=-1))
ax.contour(
    U, V, Z, levels=np.geomspace(0.01, Z.max(), 18), cmap="viridis", linewidths=0.7
)
styles = {
    "gd (1/L)": ("o-", 6, 3),
    "momentum": ("s-", 3, 1),
    "nesterov": ("^-", 3, 2),
    "adam (lr 0.3)": ("D-", 3, 2),
}
for name, path in paths.items():
    style, size, order = styles[name]
    ax.plot(
        path[:, 0],
        path[:, 1],
        style,
        markersize=size,
        linewidth=1.2,
        label=name,
        zorder=order,
        alpha=0.85,
    )
ax.plot(*w_star, "*", color="black", markersize=14, label="minimum $w^*$")
ax.set_aspect("equal")
ax.set(
    xlabel="$w_1$",
    ylabel="$w_2$",
    title=f"{steps} steps on a quadratic with condition number 50",
)
ax.legend(fontsize=8, loc="lower right")

# %%
# The convergence curves of the 20-feature problem: relative suboptimality
# against iterations and against the measured time.

curves, axes = plt.subplots(
    1, 2, figsize=(14, 4.5), layout="constrained", squeeze=False
)
result.plot(axes=axes)
if "__file__" in globals():  # run as a script, not in the docs gallery
    fig.savefig("momentum_nesterov_adam_paths.png", dpi=100)
    curves.savefig("momentum_nesterov_adam.png", dpi=100)
    print("wrote momentum_nesterov_adam_paths.png and momentum_nesterov_adam.png")
