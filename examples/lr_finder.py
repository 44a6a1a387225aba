"""The learning-rate range test
============================

The learning-rate range test (course notes §12) for sgd, then a fit with its suggestion.

skgd.lr_find runs the estimator's update rule from the null model with a
learning rate that grows geometrically from 1e-6 to 10 over 100 minibatch
steps, records the full-data objective after every step, and stops when it
blows up. It suggests the rate at the lowest (smoothed) loss divided by 10.
The script fits sgd with that rate on standardized data and measures how close
it gets to the exact optimum (lstsq for least squares, a Newton solve for the
logistic loss).

Run as a script, it writes ``lr_finder.png`` to the current directory.
"""

# %%

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skgd import GDLinearRegression, GDLogisticRegression, lr_find
from skgd.diagnostics import objective_for

problems = []
X, y = load_diabetes(return_X_y=True)
problems.append(
    (
        "least squares, diabetes",
        StandardScaler().fit_transform(X),
        y,
        GDLinearRegression(solver="sgd", random_state=0),
    )
)
X, y = load_breast_cancer(return_X_y=True)
problems.append(
    (
        "logistic, breast_cancer",
        StandardScaler().fit_transform(X),
        y,
        GDLogisticRegression(solver="sgd", alpha=1e-2, random_state=0),
    )
)

results = []
for name, X, y, model in problems:
    found = lr_find(model, X, y)
    results.append((name, found))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.set_params(learning_rate=found.suggestion).fit(X, y)
    # newton with its own first trial step (not sgd's suggested rate)
    exact = model.__class__(
        **{
            **model.get_params(),
            "solver": "newton",
            "learning_rate": "auto",
            "tol": 1e-12,
        }
    )
    exact.fit(X, y)
    objective = objective_for(model, X, y)
    F = objective.value(objective.pack(model.coef_, model.intercept_))
    F_star = objective.value(objective.pack(exact.coef_, exact.intercept_))
    print(
        f"{name}: lr_find over {len(found.losses)} steps "
        f"(stopped by blow-up: {found.diverged}), loss minimum at {found.lr_min_loss:.3g}"
    )
    print(
        f"  suggestion {found.suggestion:.3g}; sgd with it: {model.n_iter_} epochs, "
        f"converged: {not caught}, (F - F*)/F* = {(F - F_star) / F_star:.1e}"
    )
    assert not caught and (F - F_star) / F_star < 1e-2

# %%
# The figure
# ----------

fig = plt.figure(figsize=(12, 4.2), layout="constrained")
for ax, (name, found) in zip(fig.subplots(1, 2), results, strict=True):
    found.plot(ax=ax)
    ax.set_title(f"lr_find, sgd: {name}", fontsize=10)
if "__file__" in globals():  # run as a script, not in the docs gallery
    fig.savefig("lr_finder.png", dpi=100)
    print("wrote lr_finder.png")
