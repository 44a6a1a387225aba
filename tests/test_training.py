"""Train and watch: schedules, Armijo, clipping, early stopping, history,
callbacks and the stateful warm start, each checked against its definition."""

import math
import pickle
import warnings

import numpy as np
import pytest
from _registry import BUILTIN_SOLVERS, ESTIMATORS, FULL_BATCH_SOLVERS, target_kind
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GDLinearRegression, GDLogisticRegression, ProxLasso
from skgd.schedules import Cosine, InvScaling, StepDecay
from skgd.solvers import SOLVERS


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(300, 6, noise=5.0, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(300, 6, random_state=0)
    return StandardScaler().fit_transform(X), y


def _data(Estimator):
    if target_kind(Estimator) == "classes":
        X, y = make_classification(200, 5, random_state=0)
        return StandardScaler().fit_transform(X), y
    X, y = make_regression(200, 5, noise=2.0, random_state=0)
    if target_kind(Estimator) == "counts":
        rng = np.random.default_rng(0)
        X = StandardScaler().fit_transform(X) * 0.3
        y = rng.poisson(np.exp(X @ np.full(5, 0.3) + 1.0))
    return X, y


# -- schedules --------------------------------------------------------------------
FORMULAS = {
    "constant": lambda t, T: 1.0,
    "invscaling": lambda t, T: (1.0 + t) ** -0.5,
    "step": lambda t, T: 0.5 ** (t // max(1, T // 10)),
    "cosine": lambda t, T: 0.5 * (1.0 + math.cos(math.pi * min(t, T) / T)),
    "halving every 7": lambda t, T: 0.5 ** (t // 7),
}


@pytest.mark.parametrize("name", list(FORMULAS))
@pytest.mark.parametrize("warmup", [0, 5])
def test_schedule_sequence_is_its_formula(regression, name, warmup):
    X, y = regression
    schedule = (
        name
        if name in ("constant", "invscaling", "step", "cosine")
        else (lambda t: 0.5 ** (t // 7))
    )
    max_iter, lr = 40, 0.01
    reg = GDLinearRegression(
        solver="gd",
        learning_rate=lr,
        schedule=schedule,
        warmup_iter=warmup,
        max_iter=max_iter,
        tol=0,
    ).fit(X, y)
    formula = FORMULAS[name]
    expected = [
        lr * (t + 1) / (warmup + 1)
        if t < warmup
        else lr * formula(t - warmup, max_iter - warmup)
        for t in range(max_iter)
    ]
    np.testing.assert_allclose(reg.history_["learning_rate"], expected, rtol=1e-14)
    assert reg.learning_rate_curve_ == list(reg.history_["learning_rate"])


def test_schedule_objects_are_searchable_parameters(regression):
    X, y = regression
    reg = GDLinearRegression(schedule=InvScaling(decay=0.1, power=1.0), tol=0)
    reg.set_params(schedule__power=0.25, max_iter=5, learning_rate=0.01)
    reg.fit(X, y)
    t = np.arange(5)
    np.testing.assert_allclose(
        reg.history_["learning_rate"], 0.01 * (1 + 0.1 * t) ** -0.25, rtol=1e-14
    )
    assert clone(reg).schedule == reg.schedule
    assert clone(reg).schedule is not reg.schedule
    assert reg.schedule_ == "invscaling"
    for schedule in (StepDecay(step_size=3, gamma=0.1), Cosine(min_factor=0.1)):
        rates = GDLinearRegression(
            schedule=schedule, max_iter=9, tol=0, learning_rate=1e-3
        ).fit(X, y)
        assert len(rates.history_["learning_rate"]) == 9
    assert pickle.loads(pickle.dumps(reg)).schedule == reg.schedule


def test_decaying_schedule_beats_constant_for_sgd(regression):
    X, y = regression
    objectives = {}
    for schedule in ("constant", "invscaling", "cosine", "step"):
        reg = GDLinearRegression(
            solver="sgd", schedule=schedule, max_iter=200, tol=0, random_state=0
        ).fit(X, y)
        objectives[schedule] = reg.loss_curve_[-1]
    best = GDLinearRegression(solver="newton").fit(X, y).loss_curve_[-1]
    gap = {k: v - best for k, v in objectives.items()}
    # measured: constant 1.1e-2 above the optimum; invscaling 1.9e-4, cosine
    # 4.6e-4, step 3.3e-4 (the constant step's noise floor is what decays)
    for schedule in ("invscaling", "cosine", "step"):
        assert 0 <= gap[schedule] < 0.2 * gap["constant"], gap


def test_bad_callable_schedule_is_a_clear_error(regression):
    X, y = regression
    with pytest.raises(ValueError, match="finite, non-negative factor"):
        GDLinearRegression(schedule=lambda t: float("nan")).fit(X, y)


# -- Armijo --------------------------------------------------------------------------
def test_armijo_converges_where_step_one_diverges(regression):
    X, y = regression
    X = X * 10.0  # L ~ 100: a fixed step of 1 diverges
    with pytest.raises(ValueError, match="diverged"):
        GDLinearRegression(solver="gd", learning_rate=1.0).fit(X, y)
    reg = GDLinearRegression(solver="gd", learning_rate="armijo", tol=1e-10)
    reg.fit(X, y)
    assert reg.converged_
    reference = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), y, rcond=None)[0]
    np.testing.assert_allclose(reg.coef_, reference[:-1], rtol=1e-6)
    # every accepted step satisfies F(theta - eta g) <= F(theta) - c eta |g|^2
    h = reg.history_
    values = np.concatenate([[h.start["objective"]], h["objective"]])
    norms = np.concatenate([[h.start["grad_norm"]], h["grad_norm"]])
    eta = h["learning_rate"]
    bound = values[:-1] - 1e-4 * eta * norms[:-1] ** 2
    assert np.all(values[1:] <= bound + 1e-12 * np.abs(values[:-1]))
    assert eta[0] <= 1.0 and np.all(eta > 0)


@pytest.mark.parametrize(
    "solver", [s for s in BUILTIN_SOLVERS if SOLVERS[s].line_search]
)
def test_armijo_every_line_search_solver(regression, solver):
    X, y = regression
    for Estimator in (GDLinearRegression, ProxLasso):
        est = Estimator(solver=solver, learning_rate="armijo", tol=1e-8)
        if SOLVERS[solver].stochastic:
            est.set_params(batch_size=None)
            with pytest.raises(ValueError, match="full batches"):
                est.fit(X * 10, y)
            continue
        est.fit(X * 10, y)
        reference = Estimator(solver="newton", tol=1e-10).fit(X * 10, y)
        np.testing.assert_allclose(est.coef_, reference.coef_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "solver",
    [
        s
        for s in BUILTIN_SOLVERS
        if not SOLVERS[s].line_search and SOLVERS[s].steps_with_learning_rate
    ],
)
def test_armijo_refused_where_it_does_not_apply(regression, solver):
    X, y = regression
    with pytest.raises(ValueError, match="armijo"):
        GDLinearRegression(solver=solver, learning_rate="armijo").fit(X, y)


# -- clipping ---------------------------------------------------------------------------
def test_clip_grad_norm_bounds_every_step_and_keeps_the_optimum(regression):
    X, y = regression
    clip = 0.5
    reg = GDLinearRegression(
        solver="gd",
        learning_rate=0.1,
        clip_grad_norm=clip,
        record_coef=True,
        max_iter=5000,
        tol=1e-8,
    ).fit(X, y)
    path = reg.history_.trajectory()
    assert np.all(np.linalg.norm(np.diff(path, axis=0), axis=1) <= 0.1 * clip * 1.001)
    # clipping changes the path, not the fixed point
    reference = GDLinearRegression(solver="newton").fit(X, y)
    np.testing.assert_allclose(reg.coef_, reference.coef_, rtol=1e-6)


@pytest.mark.parametrize(
    "solver", [s for s in BUILTIN_SOLVERS if not SOLVERS[s].steps_with_learning_rate]
)
def test_step_controls_refused_by_line_search_solvers(regression, solver):
    X, y = regression
    for params in ({"clip_grad_norm": 1.0}, {"warmup_iter": 3}, {"schedule": "cosine"}):
        with pytest.raises(ValueError, match="cannot be used with solver"):
            GDLinearRegression(solver=solver, **params).fit(X, y)


# -- early stopping -------------------------------------------------------------------------
def test_early_stopping_restores_the_best_validation_iterate():
    # more features than the training rows can pin down: the fit overfits
    X, y = make_regression(80, 60, n_informative=5, noise=30.0, random_state=0)
    reg = GDLinearRegression(
        solver="gd",
        early_stopping=True,
        record_coef=True,
        random_state=0,
        max_iter=2000,
    ).fit(X, y)
    assert reg.n_iter_ < 2000
    scores = reg.validation_scores_
    best = int(np.argmax(scores))
    assert reg.best_validation_score_ == scores[best]
    assert best < reg.n_iter_ - 1
    np.testing.assert_array_equal(reg.coef_, reg.history_.coef[best])
    assert reg.score(*_validation_part(reg, X, y)) == pytest.approx(scores[best])
    np.testing.assert_array_equal(reg.history_["validation_score"], scores)


def _validation_part(reg, X, y):
    from sklearn.model_selection import train_test_split

    n_val = int(np.ceil(reg.validation_fraction * len(X)))
    _, val = train_test_split(
        np.arange(len(X)), test_size=n_val, random_state=reg.random_state
    )
    return X[val], y[val]


def test_early_stopping_classifier_split_is_stratified(classification):
    X, y = classification
    y = np.where(np.arange(len(y)) < 30, 2, y)  # a small third class
    clf = GDLogisticRegression(
        solver="gd", early_stopping=True, validation_fraction=0.2, random_state=0
    ).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert 0.0 <= clf.best_validation_score_ <= 1.0


def test_early_stopping_with_too_few_samples_is_a_clear_error():
    with pytest.raises(ValueError, match="validation_fraction"):
        GDLinearRegression(early_stopping=True).fit([[0.0]], [1.0])


# -- history -----------------------------------------------------------------------------------
@pytest.mark.parametrize("solver", BUILTIN_SOLVERS)
def test_history_columns(regression, solver):
    X, y = regression
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = GDLinearRegression(solver=solver, record_coef=True, random_state=0)
        reg.fit(X, y)
    h = reg.history_
    assert len(h) == reg.n_iter_ == len(reg.loss_curve_)
    for column in ("objective", "optimality", "grad_norm", "learning_rate", "time"):
        assert h[column].shape == (reg.n_iter_,)
    np.testing.assert_array_equal(h["objective"], reg.loss_curve_)
    assert np.all(np.diff(h["time"]) >= 0) and h["time"][0] > 0
    assert h.coef.shape == (reg.n_iter_, X.shape[1])
    np.testing.assert_array_equal(h.coef[-1], reg.coef_)
    assert h.intercept[-1] == reg.intercept_
    frame = h.to_frame()
    assert list(frame.index) == list(range(1, reg.n_iter_ + 1))
    assert pickle.loads(pickle.dumps(h)).coef.shape == h.coef.shape


def test_history_plots_without_glue(regression):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    X, y = regression
    reg = GDLinearRegression(solver="adam", record_coef=True).fit(X, y)
    ax = reg.history_.plot("objective")
    assert ax.get_lines()[0].get_xdata().size == reg.n_iter_
    assert reg.history_.trajectory().shape == (reg.n_iter_ + 1, X.shape[1])


# -- callbacks -----------------------------------------------------------------------------
@pytest.mark.parametrize("solver", BUILTIN_SOLVERS)
def test_callback_returning_true_stops_cleanly(regression, solver):
    X, y = regression
    seen = []

    def callback(state):
        seen.append(state.iteration)
        assert not state.coef.flags.writeable
        return state.iteration == 5

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a stop that was asked for
        reg = GDLinearRegression(solver=solver, callback=callback, tol=1e-12)
        reg.fit(X, y)
    if reg.n_iter_ < 5:  # newton: converged (and the run ended) before
        assert reg.converged_
        return
    assert reg.n_iter_ == 5 == len(reg.loss_curve_) == len(reg.history_)
    assert seen == [1, 2, 3, 4, 5]
    assert not reg.converged_


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_sklearn_callbacks(Estimator):
    callback = pytest.importorskip("sklearn.callback")
    X, y = _data(Estimator)
    scoring = "accuracy" if target_kind(Estimator) == "classes" else "r2"
    solver = "lbfgs" if target_kind(Estimator) == "counts" else "gd"

    def monitor():
        return callback.ScoringMonitor(scoring=scoring)

    # a bare estimator: one task per iteration, plus the fit itself
    scores = monitor()
    est = Estimator(solver=solver).set_callbacks(callback.ProgressBar(), scores)
    est.fit(X, y)
    rows = scores.get_logs().data
    iterations = [r for r in rows if r["task_name"] == "iteration"]
    assert len(iterations) == est.n_iter_
    assert len(rows) == est.n_iter_ + 1
    # inside a Pipeline and inside GridSearchCV
    scores = monitor()
    pipe = make_pipeline(
        StandardScaler(), Estimator(solver=solver).set_callbacks(scores)
    )
    pipe.set_callbacks(callback.ProgressBar()).fit(X, y)
    assert len(scores.get_logs().data) == pipe[-1].n_iter_ + 1
    scores = monitor()
    search = GridSearchCV(
        Estimator(solver=solver, max_iter=20).set_callbacks(scores),
        {"tol": [1e-3, 1e-6]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.set_callbacks(callback.ProgressBar()).fit(X, y)
    assert scores.get_logs()


def test_a_failing_fit_tears_the_callbacks_down(regression):
    callback = pytest.importorskip("sklearn.callback")
    X, y = regression
    est = GDLinearRegression(learning_rate=1e3).set_callbacks(callback.ProgressBar())
    with pytest.raises(ValueError, match="diverged"):
        est.fit(X * 10, y)
    assert not hasattr(est, "_callback_fit_ctx")
    est.set_params(learning_rate="auto").fit(X, y)


# -- stateful warm start ------------------------------------------------------------------------
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_k_warm_fits_of_one_iteration_are_one_fit_of_k(Estimator, solver):
    X, y = _data(Estimator)
    params = {"solver": solver, "random_state": 0}
    if target_kind(Estimator) == "counts" and SOLVERS[solver].steps_with_learning_rate:
        params["learning_rate"] = 0.05
    k = 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one = Estimator(max_iter=k, **params).fit(X, y)
        warm = Estimator(max_iter=1, warm_start=True, **params)
        for _ in range(k):
            warm.fit(X, y)
    np.testing.assert_allclose(warm.coef_, one.coef_, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(warm.intercept_, one.intercept_, rtol=1e-10, atol=1e-14)


def test_minibatch_warm_start_continues_the_shuffles(regression):
    X, y = regression
    one = GDLinearRegression(solver="sgd", max_iter=6, tol=0, random_state=3).fit(X, y)
    warm = GDLinearRegression(
        solver="sgd", max_iter=2, tol=0, random_state=3, warm_start=True
    )
    for _ in range(3):
        warm.fit(X, y)
    np.testing.assert_allclose(warm.coef_, one.coef_, rtol=1e-12)


def test_warm_start_from_edited_coefficients_restarts_the_state(regression):
    X, y = regression
    reg = GDLinearRegression(solver="adam", max_iter=3, warm_start=True, tol=0)
    reg.fit(X, y)
    reg.coef_ = np.zeros_like(reg.coef_)
    reg.fit(X, y)  # from the edited coef_, with fresh moments
    fresh = GDLinearRegression(solver="adam", max_iter=3, tol=0).fit(X, y)
    assert reg.history_.start["objective"] != fresh.history_.start["objective"]
    # edited in place, too: from the edited values, with fresh moments
    reg.coef_[:] = 0.0
    reg.intercept_ = 0.0
    reg.fit(X, y)
    assert reg.history_.start["objective"] == pytest.approx(0.5 * np.mean(y**2))


def test_a_schedule_with_its_horizon_continues_across_warm_starts(regression):
    X, y = regression
    for schedule in (Cosine(T=12), StepDecay(step_size=4), "invscaling"):
        params = dict(solver="adam", schedule=schedule, tol=0, warmup_iter=2)
        one = GDLinearRegression(max_iter=12, **params).fit(X, y)
        warm = GDLinearRegression(max_iter=1, warm_start=True, **params)
        rates = []
        for _ in range(12):
            rates.extend(warm.fit(X, y).history_["learning_rate"])
        np.testing.assert_allclose(rates, one.history_["learning_rate"], rtol=1e-14)
        np.testing.assert_allclose(warm.coef_, one.coef_, rtol=1e-10)


def test_schedules_that_cannot_apply_are_refused(regression):
    X, y = regression
    for name in ("cosine", "step", "adaptive"):
        with pytest.raises(ValueError, match="partial_fit"):
            GDLinearRegression(solver="sgd", schedule=name).partial_fit(X, y)
    GDLinearRegression(solver="sgd", schedule=Cosine(T=5)).partial_fit(X, y)
    for params in ({"schedule": "cosine"}, {"warmup_iter": 2}):
        with pytest.raises(ValueError, match="armijo"):
            GDLinearRegression(learning_rate="armijo", **params).fit(X, y)


def test_a_failed_warm_start_leaves_the_stored_state_as_it_was(regression):
    X, y = regression
    params = dict(solver="adam", tol=0, warm_start=True, random_state=0)
    reference = GDLinearRegression(max_iter=4, **params).fit(X, y)
    reference.fit(X, y)  # 4 + 4 iterations

    def interrupt(state):
        if state.iteration == 2:
            raise KeyboardInterrupt

    est = GDLinearRegression(max_iter=4, **params).fit(X, y)
    est.set_params(callback=interrupt)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)  # advanced the moments twice, then failed
    est.set_params(callback=None).fit(X, y)
    np.testing.assert_array_equal(est.coef_, reference.coef_)


def test_early_stopping_then_warm_start_continues_from_the_best_iterate():
    X, y = make_regression(80, 60, n_informative=5, noise=30.0, random_state=0)
    est = GDLinearRegression(
        solver="gd", early_stopping=True, random_state=0, warm_start=True
    ).fit(X, y)
    best = est.coef_.copy()
    est.set_params(early_stopping=False, max_iter=1, tol=0, record_coef=True)
    est.fit(X, y)
    np.testing.assert_allclose(est.history_.start["coef"], best, rtol=1e-12)


def test_adaptive_schedule_sequence_is_its_rule(regression):
    X, y = regression
    # Adam at a constant rate cycles around the minimum: the plateau rule fires
    n_iter_no_change, lr = 6, 20.0  # measured: three decays in 300 iterations
    reg = GDLinearRegression(
        solver="adam",
        learning_rate=lr,
        schedule="adaptive",
        n_iter_no_change=n_iter_no_change,
        max_iter=300,
        tol=1e-9,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    rates = reg.history_["learning_rate"]
    decays = np.round(np.log(lr / rates) / np.log(5.0))
    np.testing.assert_allclose(rates, lr * 5.0**-decays, rtol=1e-14)  # lr / 5^k
    assert np.all(np.diff(decays) >= 0) and decays[-1] >= 1
    # a decay needs n_iter_no_change iterations without a new best before it
    changes = np.flatnonzero(np.diff(decays)) + 1
    assert changes[0] >= n_iter_no_change
    assert np.all(np.diff(changes) >= n_iter_no_change)
