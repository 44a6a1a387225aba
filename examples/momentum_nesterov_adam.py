"""Momentum, Nesterov and Adam on an ill-conditioned quadratic (course notes §7).

Part 1 draws the notes' update rules on a 2-D quadratic f(w) = 1/2 w^T A w
whose Hessian has eigenvalues 1 and 50 (condition number 50), rotated by 30
degrees. Gradient descent with the safe step 1/L drops into the valley and then
crawls along its flat direction (factor 1 - 1/50 per step). Heavy-ball momentum
(beta = 0.9, the same effective step) moves faster along the valley but swings
across it: in the stiff direction its two-step recursion has complex roots of
modulus sqrt(beta) = 0.95, a slowly damped oscillation. Nesterov's look-ahead
gradient damps that swing and gets closest. Adam rescales every coordinate by
its gradient's RMS, which helps only as far as the valley is aligned with the
axes; with a constant rate it ends up hovering around the minimum.

Part 2 runs the real solvers with skgd.compare on a 20-feature least-squares
problem with condition number about 1e4 and gives each the same budget of
300 iterations. Theory for gd: the error shrinks by (k - 1)/(k + 1) per
step, (sqrt(k) - 1)/(sqrt(k) + 1) for the accelerated methods.

Writes momentum_nesterov_adam_paths.png and momentum_nesterov_adam.png
(needs matplotlib).
"""

import numpy as np

from skgd import compare
from skgd.comparison import make_synthetic

# -- part 1: the notes' update rules in 2-D ------------------------------------------------
angle = np.pi / 6
R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
A = R @ np.diag([1.0, 50.0]) @ R.T
L = 50.0
start = np.array([-4.0, 2.5])
steps = 60


def grad(w):
    return A @ w


def run_gd(lr=1 / L):
    w, path = start.copy(), [start]
    for _ in range(steps):
        w = w - lr * grad(w)
        path.append(w)
    return np.array(path)


def run_momentum(beta=0.9, lr=1 / ((1 - 0.9) * L), nesterov=False):
    """v <- beta v + (1 - beta) grad(w [- lr beta v]), w <- w - lr v (§7.1, §7.2)."""
    w, v, path = start.copy(), np.zeros(2), [start]
    for _ in range(steps):
        g = grad(w - lr * beta * v) if nesterov else grad(w)
        v = beta * v + (1 - beta) * g
        w = w - lr * v
        path.append(w)
    return np.array(path)


def run_adam(lr=0.3, b1=0.9, b2=0.999, eps=1e-8):
    """Adam with bias correction (§7.3)."""
    w, m, s, path = start.copy(), np.zeros(2), np.zeros(2), [start]
    for t in range(1, steps + 1):
        g = grad(w)
        m = b1 * m + (1 - b1) * g
        s = b2 * s + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(s / (1 - b2**t)) + eps)
        path.append(w)
    return np.array(path)


paths = {
    "gd (1/L)": run_gd(),
    "momentum": run_momentum(),
    "nesterov": run_momentum(nesterov=True),
    "adam (lr 0.3)": run_adam(),
}
print(f"2-D quadratic, condition number 50, {steps} steps from {start}:")
for name, path in paths.items():
    value = 0.5 * path[-1] @ A @ path[-1]
    print(f"  {name:<14} f = {value:.3e}   |w| = {np.linalg.norm(path[-1]):.3e}")

# -- part 2: the real solvers on the same budget ----------------------------------------------
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

try:
    from matplotlib.figure import Figure
except ImportError:
    print("matplotlib is not installed: pip install 'skgd[plot]' to draw the paths")
else:
    fig = Figure(figsize=(7, 5.5), layout="constrained")
    ax = fig.subplots()
    u = np.linspace(-5, 4, 300)
    U, V = np.meshgrid(u, np.linspace(-4, 4, 300))
    W = np.stack([U, V], axis=-1)
    Z = 0.5 * np.einsum("...i,ij,...j->...", W, A, W)
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
    ax.plot(0, 0, "*", color="black", markersize=14, label="minimum")
    ax.set_aspect("equal")
    ax.set(
        xlabel="$w_1$",
        ylabel="$w_2$",
        title=f"{steps} steps on a quadratic with condition number 50",
    )
    ax.legend(fontsize=8, loc="lower right")
    fig.savefig("momentum_nesterov_adam_paths.png", dpi=100)
    result.plot("momentum_nesterov_adam.png")
    print("wrote momentum_nesterov_adam_paths.png and momentum_nesterov_adam.png")
