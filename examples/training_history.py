"""Train and watch: the solvers' paths in the training history
==============================================================

The real solvers' paths on the course notes' 2-D quadratic, read from
``history_`` (no update rule is written here).

f(w) = 1/2 w^T A w + b^T w with A = [[3, .5], [.5, 1]], b = [-1, 2], from
(2, -3), as in examples/quadratic_paths.py: it is the least-squares objective
``1/(2n) |y - X w|^2`` of a 2-sample dataset with X^T X / n = A and X^T y / n = -b
(up to the constant ``|y|^2 / (2n)``), so GDLinearRegression(fit_intercept=False)
minimises exactly f. Each fit starts at (2, -3) (warm_start from a set
``coef_``) with ``record_coef=True``; ``history_.trajectory()`` is then the path
from the start to the last iterate and ``history_`` holds the objective and the
measured time of every iteration.

The runs: gd, momentum, nesterov and adam with their defaults
(``learning_rate="auto"``, ``schedule="auto"``), adam with a cosine schedule
after a 10-iteration linear warm-up (a fixed budget of 200 iterations:
``tol=0``), and gd with ``learning_rate="armijo"`` (backtracking from a first
trial step of 1). The quadratic is well conditioned (eigenvalues 3.12 and
0.88): heavy-ball momentum with beta = 0.9, made for long valleys, swings
around the minimum with a modulus sqrt(0.9) = 0.95 per step and is the
slowest; Nesterov's look-ahead damps the swing.

Prints a table (iterations, final f, f - f*, measured time of the whole fit) and
writes ``training_history.png`` when run as a script.
"""

# %%

import matplotlib.pyplot as plt
import numpy as np

from skgd import GDLinearRegression

A = np.array([[3.0, 0.5], [0.5, 1.0]])
b = np.array([-1.0, 2.0])
start = np.array([2.0, -3.0])
w_star = np.linalg.solve(A, -b)


def f(w):
    """The notes' quadratic, for any array of points of shape (..., 2)."""
    w = np.asarray(w)
    return 0.5 * np.einsum("...i,ij,...j->...", w, A, w) + w @ b


f_star = f(w_star)

# %%
# The quadratic as least squares: ``X^T X / n = A`` and ``X^T y / n = -b``.
n = 2
X = np.sqrt(n) * np.linalg.cholesky(A).T
y = np.linalg.solve(X.T, -n * b)
constant = y @ y / (2 * n)  # the least-squares objective is f + constant

RUNS = {
    "gd": {"solver": "gd"},
    "momentum": {"solver": "momentum"},
    "nesterov": {"solver": "nesterov"},
    "adam": {"solver": "adam"},
    "adam, cosine + warm-up": {
        "solver": "adam",
        "learning_rate": 0.5,
        "schedule": "cosine",
        "warmup_iter": 10,
        "max_iter": 200,
        "tol": 0,
    },
    "gd, armijo": {"solver": "gd", "learning_rate": "armijo"},
}


def fit_from_start(params):
    model = GDLinearRegression(
        fit_intercept=False, record_coef=True, warm_start=True, **params
    )
    model.coef_, model.intercept_ = start.copy(), 0.0  # the warm start: (2, -3)
    return model.fit(X, y)


fit_from_start(RUNS["gd"])  # a first fit loads what every fit uses: not timed
models = {name: fit_from_start(params) for name, params in RUNS.items()}

print(f"f(w) = 1/2 w^T A w + b^T w from {start}; f* = f(-A^-1 b) = {f_star:.6f}")
print(f"{'run':<24} {'iterations':>10} {'final f':>11} {'f - f*':>9} {'time':>9}")
for name, model in models.items():
    history = model.history_
    final = history["objective"][-1] - constant  # the least-squares constant off
    print(
        f"{name:<24} {model.n_iter_:>10d} {final:>11.6f} "
        f"{max(final - f_star, 0.0):>9.1e} {history['time'][-1] * 1e3:>7.2f} ms"
    )
    # the recorded path ends at the fitted coefficients, and its objective is f
    assert np.array_equal(history.trajectory()[-1], model.coef_)
    assert abs(f(model.coef_) - final) < 1e-12
    assert final - f_star < 1e-6

# %%
# The figure
# ----------

fig = plt.figure(figsize=(12, 6), layout="constrained")
ax1, ax2 = fig.subplots(1, 2)
paths = {name: m.history_.trajectory() for name, m in models.items()}
every = np.concatenate(list(paths.values()))
low, high = every.min(axis=0) - 0.3, every.max(axis=0) + 0.3
U, V = np.meshgrid(np.linspace(low[0], high[0], 300), np.linspace(low[1], high[1], 300))
Z = f(np.stack([U, V], axis=-1)) - f_star
ax1.contour(
    U, V, Z, levels=np.geomspace(1e-2, Z.max(), 16), cmap="viridis", linewidths=0.6
)
for k, (name, path) in enumerate(paths.items()):
    ax1.plot(
        path[:, 0],
        path[:, 1],
        "o-",
        color=f"C{k}",
        markersize=2.5,
        linewidth=1,
        alpha=0.85,
        label=f"{name} ({len(path) - 1} steps)",
    )
ax1.plot(*start, "s", color="black", markersize=7, label="start (2, -3)")
ax1.plot(*w_star, "*", color="black", markersize=14, label="minimiser $-A^{-1}b$")
ax1.set(
    title="history_.trajectory() over the contours of f",
    xlabel="$w_1$",
    ylabel="$w_2$",
)
ax1.set_aspect("equal")
ax1.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
for k, (name, model) in enumerate(models.items()):
    history = model.history_
    # the start (time 0) and every iteration, as measured during the fit
    times = np.concatenate([[0.0], history["time"]]) * 1e3
    values = np.concatenate([[history.start["objective"]], history["objective"]])
    gap = np.maximum(values - constant - f_star, 1e-17)  # rounding: keep > 0
    ax2.plot(times, gap, color=f"C{k}", linewidth=1.2, label=name)
ax2.set_yscale("log")
ax2.set(
    title="f - f* against the measured time (history_['time'])",
    xlabel="milliseconds since the fit started",
    ylabel="f(w) - f*",
)
ax2.legend(fontsize=8)
if "__file__" in globals():  # run as a script, not in the docs gallery
    fig.savefig("training_history.png", dpi=100)
    print("wrote training_history.png")
