"""The estimators inside scikit-learn: pipelines, grid search, clone, pickle,
pandas, sparse and read-only input."""

import inspect
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _registry import BUILTIN_SOLVERS as SOLVERS
from _registry import ESTIMATORS, refuses_by_default, regression_target
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GDLinearRegression, GDLogisticRegression, ProxLasso

ignore_convergence = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


def _data(Estimator, n_samples=50, n_features=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features)) + 1.0
    y = X @ np.linspace(1.5, -1.0, n_features) + 0.5 + 0.3 * rng.normal(size=n_samples)
    if is_classifier(Estimator()):
        y = np.where(y + rng.normal(size=n_samples) > np.median(y), "yes", "no")
    return X, regression_target(Estimator, y) if not is_classifier(Estimator()) else y


# -- pipelines and model selection ----------------------------------------------------


@pytest.fixture(scope="module")
def breast_cancer():
    return load_breast_cancer(return_X_y=True)


@ignore_convergence
def test_pipeline_on_breast_cancer(breast_cancer):
    X, y = breast_cancer
    pipeline = make_pipeline(StandardScaler(), GDLogisticRegression(solver="adam"))
    pipeline.fit(X, y)
    assert pipeline.score(X, y) > 0.97
    proba = pipeline.predict_proba(X)
    assert proba.shape == (len(y), 2)
    assert np.all(np.isfinite(pipeline[-1].coef_))


@ignore_convergence
def test_grid_search_over_a_pipeline(breast_cancer):
    X, y = breast_cancer
    pipeline = make_pipeline(StandardScaler(), GDLogisticRegression(solver="adam"))
    search = GridSearchCV(
        pipeline, {"gdlogisticregression__learning_rate": [0.01, 0.1]}, cv=3
    )
    search.fit(X, y)
    assert search.best_params_["gdlogisticregression__learning_rate"] in (0.01, 0.1)
    assert search.best_score_ > 0.95
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_[-1]
    assert (
        best.learning_rate == search.best_params_["gdlogisticregression__learning_rate"]
    )
    assert best.learning_rate_ == best.learning_rate
    assert search.score(X, y) > 0.95


@ignore_convergence
def test_grid_search_over_learning_rate_on_diabetes():
    X, y = load_diabetes(return_X_y=True)
    search = GridSearchCV(
        GDLinearRegression(solver="gd"), {"learning_rate": [0.1, 1.0]}, cv=3
    )
    search.fit(X, y)
    # 1.0 is 1/L here (L = 1: the intercept's curvature): within the same
    # iteration budget the larger stable step gets further
    assert search.best_params_ == {"learning_rate": 1.0}
    assert search.best_score_ > 0.4
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert scores[1] > scores[0]


def test_grid_search_survives_a_diverging_candidate():
    """A candidate whose fit diverges is scored as a failure, not a crash."""
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    search = GridSearchCV(
        GDLinearRegression(solver="gd"),
        {"learning_rate": [0.1, 1e4]},
        cv=3,
        error_score=np.nan,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.filterwarnings("ignore", message="One or more of the test scores")
        search.fit(X, y)
    assert search.best_params_ == {"learning_rate": 0.1}
    assert np.isnan(search.cv_results_["mean_test_score"][1])


# -- clone, pickle, parameters ----------------------------------------------------------


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam", "newton", "lbfgs"])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pickle_round_trip(Estimator, solver):
    X, y = _data(Estimator)
    if refuses_by_default(Estimator, solver):
        return  # the refusal itself: tests/test_combinations.py
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator = Estimator(solver=solver, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(estimator))
    assert type(restored) is Estimator
    np.testing.assert_array_equal(restored.predict(X), estimator.predict(X))
    np.testing.assert_array_equal(restored.coef_, estimator.coef_)
    np.testing.assert_array_equal(restored.intercept_, estimator.intercept_)
    assert restored.n_iter_ == estimator.n_iter_
    assert restored.loss_curve_ == estimator.loss_curve_
    assert restored.get_params() == estimator.get_params()
    if is_classifier(estimator):
        np.testing.assert_array_equal(
            restored.predict_proba(X), estimator.predict_proba(X)
        )
        np.testing.assert_array_equal(restored.classes_, estimator.classes_)


NON_DEFAULT = {
    "solver": "nesterov",
    "learning_rate": 0.05,
    "schedule": "constant",
    "max_iter": 77,
    "tol": 1e-7,
    "alpha": 0.3,
    "fit_intercept": False,
    "batch_size": 8,
    "momentum": 0.5,
    "restart": True,
    "beta1": 0.8,
    "beta2": 0.99,
    "rho": 0.7,
    "epsilon": 1e-6,
    "amsgrad": True,
    "weight_decay": 0.01,
    "n_iter_no_change": 4,
    "warmup_iter": 3,
    "clip_grad_norm": 2.5,
    "early_stopping": True,
    "validation_fraction": 0.2,
    "positive": True,
    "max_coef_norm": 4.0,
    "record_coef": True,
    "callback": print,
    "random_state": 7,
    "verbose": 0,
    "warm_start": True,
}


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_get_params_set_params_round_trip(Estimator):
    estimator = Estimator()
    params = estimator.get_params()
    # the shared parameters, plus l1_ratio where the penalty has an L1 share and
    # class_weight on the classifier
    assert set(params) - {"l1_ratio", "class_weight"} == set(NON_DEFAULT)
    assert params["solver"] == inspect.signature(Estimator).parameters["solver"].default
    assert params["learning_rate"] == "auto"
    assert estimator.set_params(**NON_DEFAULT) is estimator

    def shared(params):
        return {key: value for key, value in params.items() if key in NON_DEFAULT}

    assert shared(estimator.get_params()) == NON_DEFAULT
    assert shared(Estimator(**NON_DEFAULT).get_params()) == NON_DEFAULT
    estimator.set_params(**params)
    assert estimator.get_params() == params


def test_default_alphas():
    assert GDLinearRegression().alpha == 0.0
    assert GDLogisticRegression().alpha == 1e-4
    assert ProxLasso().alpha == 1.0


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_clone(Estimator):
    X, y = _data(Estimator)
    estimator = Estimator(**{**NON_DEFAULT, "warm_start": False, "max_iter": 500})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
        copy = clone(estimator)
        assert copy.get_params() == estimator.get_params()
        assert not hasattr(copy, "coef_")
        assert not hasattr(copy, "n_iter_")
        copy.fit(X, y)
    np.testing.assert_array_equal(copy.coef_, estimator.coef_)
    np.testing.assert_array_equal(copy.predict(X), estimator.predict(X))


# -- pandas ---------------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_dataframe_sets_feature_names(Estimator):
    X, y = _data(Estimator)
    columns = ["age", "height", "weight", "income"]
    frame = pd.DataFrame(X, columns=columns)
    estimator = Estimator().fit(frame, pd.Series(y))
    np.testing.assert_array_equal(estimator.feature_names_in_, columns)
    assert estimator.n_features_in_ == 4
    ndarray_fit = Estimator().fit(X, y)
    assert not hasattr(ndarray_fit, "feature_names_in_")
    np.testing.assert_allclose(estimator.coef_, ndarray_fit.coef_, rtol=1e-12)
    predicted = estimator.predict(frame)
    if is_classifier(estimator):
        np.testing.assert_array_equal(predicted, ndarray_fit.predict(X))
    else:  # a DataFrame may reach numpy in another memory order: rounding only
        np.testing.assert_allclose(predicted, ndarray_fit.predict(X), rtol=1e-12)

    # predicting from a plain array: scikit-learn's feature-name UserWarning
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        estimator.predict(X)
    # other column names: scikit-learn (>= 1.2) refuses them
    renamed = frame.rename(columns={"income": "salary"})
    with pytest.raises(ValueError, match="feature names should match"):
        estimator.predict(renamed)
    # same names in another order are refused too, not silently permuted
    with pytest.raises(ValueError, match="feature names"):
        estimator.predict(frame[columns[::-1]])


def test_dataframe_with_mixed_dtypes_and_float32():
    X, y = _data(GDLinearRegression)
    frame = pd.DataFrame(
        {
            "a": X[:, 0].astype(np.float32),
            "b": X[:, 1].astype(np.float32),
            "c": np.round(X[:, 2] * 10).astype(np.int64),
        }
    )
    estimator = GDLinearRegression(solver="lbfgs").fit(frame, y)
    assert estimator.coef_.shape == (3,)
    assert np.all(np.isfinite(estimator.predict(frame)))


# -- sparse input ---------------------------------------------------------------------


def _sparse_data(Estimator, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(40, 6))
    X[rng.uniform(size=X.shape) < 0.6] = 0.0
    y = X @ rng.normal(size=6) + 1.0 + 0.1 * rng.normal(size=40)
    if is_classifier(Estimator()):
        y = np.digitize(X[:, 0] + X[:, 1] + 0.3 * rng.normal(size=40), [-0.3, 0.3])
        return X, y
    return X, regression_target(Estimator, y)


SPARSE_PARAMS = {
    GDLinearRegression: {"alpha": 0.01},
    ProxLasso: {"alpha": 0.05},
    GDLogisticRegression: {"alpha": 0.01},
}


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix, sp.csr_array])
@pytest.mark.parametrize("solver", ["gd", "newton", "lbfgs"])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_sparse_input_matches_dense(Estimator, solver, container, fit_intercept):
    X, y = _sparse_data(Estimator)
    if refuses_by_default(Estimator, solver):
        return  # the refusal itself: tests/test_combinations.py
    # lbfgs's line search cannot resolve the objective beyond ~1e-8 (relative
    # optimality) in float64: it would stop with a warning at tol=1e-10
    tol, rtol = (1e-8, 1e-6) if solver == "lbfgs" else (1e-10, 1e-8)
    params = {
        "solver": solver,
        "tol": tol,
        "max_iter": 100_000,
        "fit_intercept": fit_intercept,
        **SPARSE_PARAMS.get(Estimator, {"alpha": 0.05}),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        dense = Estimator(**params).fit(X, y)
        X_sparse = container(X)
        before = X_sparse.copy()
        sparse = Estimator(**params).fit(X_sparse, y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(
        sparse.intercept_, dense.intercept_, rtol=rtol, atol=1e-10
    )
    # the sparse matrix is neither densified nor modified
    assert sp.issparse(X_sparse)
    assert (X_sparse != before).nnz == 0
    np.testing.assert_allclose(
        sparse.predict(X_sparse)
        if not is_classifier(sparse)
        else sparse.decision_function(X_sparse),
        dense.predict(X) if not is_classifier(dense) else dense.decision_function(X),
        rtol=1e-8,
        atol=1e-10,
    )


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_sparse_input_with_minibatches(solver):
    """Minibatches slice rows, also of a CSC matrix: same result as dense."""
    X, y = _sparse_data(GDLinearRegression)
    params = {"solver": solver, "batch_size": 8, "random_state": 0, "max_iter": 50}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = GDLinearRegression(**params).fit(X, y)
        csc = GDLinearRegression(**params).fit(sp.csc_matrix(X), y)
    np.testing.assert_allclose(csc.coef_, dense.coef_, rtol=1e-10, atol=1e-12)


# -- read-only input --------------------------------------------------------------------


def _read_only(array):
    array = np.array(array)
    array.flags.writeable = False
    return array


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_read_only_input_is_accepted_and_untouched(Estimator, solver):
    X, y = _data(Estimator)
    if refuses_by_default(Estimator, solver):
        return  # the refusal itself: tests/test_combinations.py
    sample_weight = np.random.RandomState(2).uniform(0.5, 2.0, size=len(y))
    X_ro, y_ro, sw_ro = _read_only(X), _read_only(y), _read_only(sample_weight)
    X_copy = X_ro.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator = Estimator(solver=solver, random_state=0, max_iter=300)
        estimator.fit(X_ro, y_ro, sample_weight=sw_ro)
        reference = Estimator(solver=solver, random_state=0, max_iter=300)
        reference.fit(X, y, sample_weight=sample_weight)
    np.testing.assert_array_equal(X_ro, X_copy)
    np.testing.assert_array_equal(y_ro, y)
    np.testing.assert_array_equal(sw_ro, sample_weight)
    assert not X_ro.flags.writeable
    np.testing.assert_array_equal(estimator.coef_, reference.coef_)
    np.testing.assert_array_equal(estimator.predict(X_ro), reference.predict(X))


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam", "newton", "lbfgs"])
def test_writeable_input_is_not_modified(solver):
    X, y = _data(GDLogisticRegression)
    X_copy, y_copy = X.copy(), y.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        GDLogisticRegression(solver=solver, warm_start=True, random_state=0).fit(
            X, y
        ).fit(X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
