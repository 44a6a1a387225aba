"""Grid search over the learning rate
==================================

A ``Pipeline`` + ``GridSearchCV`` over the learning rate, with the validation curve.

A StandardScaler + GDLogisticRegression(solver="gd") pipeline on breast_cancer
is given a fixed budget of 30 iterations (tol=0), and GridSearchCV picks the
learning rate by 5-fold cross-validated log-loss. Too small a rate underfits
within the budget; too large a rate overshoots and oscillates; the curve of
validation log-loss against the rate shows the window in between, and where
learning_rate="auto" (1/L, computed on each training fold) falls in it. 1/L is
the safe step for the worst case (the logistic curvature bound 1/4 at every
sample); near the solution most samples are confidently classified and the
curvature is much smaller, so within this short budget a rate several times
1/L does better.

Run as a script, it writes ``grid_search_learning_rate.png`` to the current directory.
"""

# %%

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GDLogisticRegression

X, y = load_breast_cancer(return_X_y=True)
pipe = make_pipeline(
    StandardScaler(),
    GDLogisticRegression(solver="gd", alpha=1e-3, max_iter=30, tol=0),
)
rates = np.geomspace(1e-3, 1e2, 11)
search = GridSearchCV(
    pipe,
    {"gdlogisticregression__learning_rate": rates},
    scoring="neg_log_loss",
    cv=5,
    return_train_score=True,
    error_score=np.nan,  # a diverging rate scores NaN instead of stopping the search
)
with warnings.catch_warnings():
    # a fixed budget of 30 iterations is the experiment: no convergence expected
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)
    auto = pipe.fit(X, y)[-1].learning_rate_

test = -search.cv_results_["mean_test_score"]
test_std = search.cv_results_["std_test_score"]
train = -search.cv_results_["mean_train_score"]
best = search.best_params_["gdlogisticregression__learning_rate"]
print("validation log-loss after 30 gd iterations, 5-fold CV")
print(f"{'learning_rate':>14}{'train':>10}{'validation':>12}")
for rate, tr, te in zip(rates, train, test, strict=True):
    mark = "  <- best" if rate == best else ""
    print(f"{rate:>14.4g}{tr:>10.4f}{te:>12.4f}{mark}")
print(
    f"best learning_rate {best:.4g} (validation log-loss {-search.best_score_:.4f}); "
    f"learning_rate='auto' = 1/L = {auto:.4g} on the full data"
)
assert rates[0] < best < rates[-1]

# %%
# The figure
# ----------

fig = plt.figure(figsize=(7.5, 4.5), layout="constrained")
ax = fig.subplots()
ax.plot(rates, train, "o-", label="train")
ax.plot(rates, test, "s-", label="validation (mean of 5 folds)")
ax.fill_between(rates, test - test_std, test + test_std, alpha=0.2, color="C1")
ax.axvline(best, color="C2", linestyle="--", label=f"best {best:.3g}")
ax.axvline(auto, color="0.4", linestyle=":", label=f"'auto' = 1/L = {auto:.3g}")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set(
    xlabel="learning_rate",
    ylabel="log-loss",
    title="GridSearchCV over learning_rate: gd, 30 iterations, breast_cancer",
)
ax.legend(fontsize=8)
ax.grid(True, which="both", alpha=0.3)
if "__file__" in globals():  # run as a script, not in the docs gallery
    fig.savefig("grid_search_learning_rate.png", dpi=100)
    print("wrote grid_search_learning_rate.png")
