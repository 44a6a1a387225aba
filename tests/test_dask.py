"""Fitting on dask arrays: every full pass over X a map-reduce over its chunks,
on a ``dask.distributed`` LocalCluster; the coefficients are the NumPy path's.

The oracle is skgd itself on the same data as a NumPy array: the chunked
objective must compute the same sums (up to the order of the additions)."""

import warnings

import numpy as np
import pytest
from _registry import ESTIMATORS, FULL_BATCH_SOLVERS, refuses_by_default, target_kind
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from skgd.solvers import SOLVERS

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    # processes=False: the workers are threads of this process (no pickling,
    # fast start); the tasks are the same as on a remote scheduler
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def _data(Estimator, n=240, d=5, seed=0):
    """Raw (unscaled, offset) columns, uneven weights (some zero), a target of
    the estimator's kind, and the same X as a dask array of uneven row chunks."""
    rng = np.random.default_rng(seed)
    # offset columns of unit spread: the centred coordinates absorb the offsets,
    # so every solver converges in tens of iterations (each is a round trip
    # to the cluster)
    X = rng.normal(size=(n, d)) + np.arange(d)
    scores = X @ rng.normal(size=d) + 0.3 * rng.normal(size=n)
    if target_kind(Estimator) == "classes":
        y = np.digitize(scores, np.quantile(scores, [1 / 3, 2 / 3]))
    elif target_kind(Estimator) == "counts":
        z = (scores - scores.mean()) / scores.std()
        y = np.round(np.exp(1.0 + 0.5 * z))
    else:
        y = scores
    weights = rng.uniform(0.2, 3.0, size=n)
    weights[::17] = 0.0
    cut = [0, n // 4, n // 2, n - n // 8, n]  # uneven row chunks
    return X, y, weights, da.from_array(X, chunks=(tuple(np.diff(cut)), (d,)))


# The chunked sums are the NumPy path's up to the order of additions (~1e-16
# each). Measured over these fits: coefficients within 3e-13 (converged or
# not) for every solver whose step is not normalized per coordinate.
@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
@pytest.mark.parametrize("solver", FULL_BATCH_SOLVERS)
def test_full_batch_fit_equals_the_numpy_path(client, Estimator, solver):
    if refuses_by_default(Estimator, solver):
        pytest.skip(f"{solver} refuses {Estimator.__name__}'s loss (tested elsewhere)")
    X, y, weights, X_dask = _data(Estimator)
    params = dict(solver=solver, max_iter=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed budget
        numpy_fit = Estimator(**params).fit(X, y, sample_weight=weights)
        dask_fit = Estimator(**params).fit(X_dask, y, sample_weight=weights)
    assert dask_fit.converged_ == numpy_fit.converged_
    if SOLVERS[solver].normalized_step:
        # adagrad, rmsprop, adam, adamw divide every coordinate by its own
        # gradient's magnitude: the intercept's gradient is rounding noise at
        # the null model, and still moves it by up to learning_rate (measured:
        # 1e-9 after one step, 1e-2 after a few without convergence). The
        # chunked fit must be about as close to the optimum as the NumPy one
        # (measured: at most 2.75 times as far, adam on the lasso at 60
        # iterations, where Adam's constant-rate cycle is not yet damped).
        optimum = Estimator(solver="newton" if solver != "newton" else "lbfgs")
        optimum.set_params(tol=1e-10, max_iter=1000)
        optimum.fit(X, y, sample_weight=weights)
        numpy_error = np.max(np.abs(numpy_fit.coef_ - optimum.coef_))
        dask_error = np.max(np.abs(dask_fit.coef_ - optimum.coef_))
        assert dask_error <= 4 * numpy_error + 1e-8
        return
    assert dask_fit.n_iter_ == numpy_fit.n_iter_
    assert_allclose(dask_fit.coef_, numpy_fit.coef_, rtol=0, atol=1e-10)
    assert_allclose(dask_fit.intercept_, numpy_fit.intercept_, rtol=0, atol=1e-10)
    assert_allclose(dask_fit.loss_curve_, numpy_fit.loss_curve_, rtol=1e-10)
    # predictions stay lazy, chunk by chunk
    predicted = dask_fit.predict(X_dask)
    assert isinstance(predicted, da.Array)
    assert_allclose(predicted.compute(), numpy_fit.predict(X), rtol=1e-9, atol=1e-9)


def test_x_is_never_gathered(client, monkeypatch):
    """A full-batch fit reads X only through per-chunk tasks: converting the
    whole dask array to NumPy on the client would fail here."""
    from skgd import GDLogisticRegression

    X, y, weights, X_dask = _data(GDLogisticRegression)

    def gathered(*args, **kwargs):
        raise AssertionError("X was gathered on the client")

    monkeypatch.setattr(da.Array, "__array__", gathered)
    monkeypatch.setattr(da.Array, "compute", gathered)
    for solver in ("newton", "lbfgs"):
        fit = GDLogisticRegression(solver=solver).fit(X_dask, y, sample_weight=weights)
        assert fit.converged_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        GDLogisticRegression(solver="nesterov", max_iter=5).fit(X_dask, y)


def test_sgd_iterates_over_chunks_to_the_optimum(client):
    from skgd import GDLinearRegression

    X, y, weights, X_dask = _data(GDLinearRegression, n=600)
    X_dask = da.from_array(X, chunks=(150, X.shape[1]))
    reference = GDLinearRegression(solver="newton").fit(X, y, sample_weight=weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = GDLinearRegression(solver="sgd", max_iter=30, random_state=0).fit(
            X_dask, y, sample_weight=weights
        )
    # the batch noise of sgd's default step, measured: |error| <= 0.02
    assert_allclose(fit.coef_, reference.coef_, rtol=0, atol=0.05)
    # the same epochs on the same data are reproducible
    again = GDLinearRegression(solver="sgd", max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        again.fit(X_dask, y, sample_weight=weights)
    assert_allclose(again.coef_, fit.coef_, rtol=0, atol=0)


def test_dask_dataframe_keeps_feature_names(client):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    from skgd import GDLinearRegression

    X, y, weights, _ = _data(GDLinearRegression)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    ddf = dd.from_pandas(frame, npartitions=3)
    fit = GDLinearRegression(solver="lbfgs").fit(ddf, y)
    reference = GDLinearRegression(solver="lbfgs").fit(frame, y)
    assert list(fit.feature_names_in_) == list(frame.columns)
    assert_allclose(fit.coef_, reference.coef_, rtol=0, atol=1e-10)
    assert_allclose(fit.predict(ddf).compute(), reference.predict(frame), atol=1e-10)


def test_classifier_probabilities_are_lazy(client):
    from skgd import GDLogisticRegression

    X, y, weights, X_dask = _data(GDLogisticRegression)
    fit = GDLogisticRegression(solver="newton").fit(X_dask, y)
    proba = fit.predict_proba(X_dask)
    labels = fit.predict(X_dask)
    assert isinstance(proba, da.Array) and isinstance(labels, da.Array)
    assert_allclose(proba.compute(), fit.predict_proba(X), atol=1e-12)
    assert_allclose(labels.compute(), fit.predict(X))
    assert fit.score(X_dask, y) == pytest.approx(fit.score(X, y))


def test_non_finite_dask_input_is_refused_and_the_fit_kept(client):
    from skgd import GDLinearRegression

    X, y, weights, X_dask = _data(GDLinearRegression)
    fitted = GDLinearRegression(solver="lbfgs").fit(X, y)
    coef = fitted.coef_.copy()
    bad = X.copy()
    bad[100, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        fitted.fit(da.from_array(bad, chunks=(60, X.shape[1])), y)
    assert_allclose(fitted.coef_, coef, rtol=0, atol=0)


def test_mismatched_rows_are_refused():
    from skgd import GDLinearRegression

    X, y, weights, X_dask = _data(GDLinearRegression)
    with pytest.raises(ValueError, match="rows"):
        GDLinearRegression().fit(X_dask, y[:-1])


def test_early_stopping_on_a_dask_array(client):
    from skgd import GDLogisticRegression

    X, y, weights, X_dask = _data(GDLogisticRegression, n=400)
    fit = GDLogisticRegression(
        solver="lbfgs", early_stopping=True, random_state=0, max_iter=20
    )
    fit.fit(X_dask, y)
    assert fit.validation_scores_ and 0.5 < fit.best_validation_score_ <= 1.0
