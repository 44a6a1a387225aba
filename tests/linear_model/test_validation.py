"""Bad input gets a clear ValueError, and a failed fit leaves no partial state.

Every error here is a ``ValueError``: scikit-learn's ``InvalidParameterError``
(bad constructor parameters) and skgd's ``DivergenceError`` both subclass it.
"""

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
from _registry import BUILTIN_SOLVERS as SOLVERS
from _registry import ESTIMATORS, refuses_by_default, regression_target, target_kind
from sklearn.base import is_classifier, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import check_param_validation

from skgd import DivergenceError, GDLinearRegression, GDLogisticRegression, ProxLasso


def _data(Estimator, n_samples=30, n_features=3, seed=0):
    """Standardized, noisy, well-posed data of the estimator's kind."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = X @ np.linspace(1.0, -1.0, n_features) + 0.5 + 0.3 * rng.normal(size=n_samples)
    if is_classifier(Estimator()):
        return X, (y + rng.normal(size=n_samples) > 0.5).astype(int)
    return X, regression_target(Estimator, y)


def _snapshot(estimator):
    """Copies of the estimator's attributes (containers deep-copied, so that an
    in-place change of ``coef_`` or ``loss_curve_`` would show)."""
    return {
        name: copy.deepcopy(value) if isinstance(value, (np.ndarray, list)) else value
        for name, value in estimator.__dict__.items()
    }


def _assert_state_is(estimator, snapshot):
    """The estimator's attributes are exactly those of ``snapshot``: same names,
    equal values (arrays bit for bit), nothing added nor removed."""
    assert sorted(estimator.__dict__) == sorted(snapshot)
    for name, expected in snapshot.items():
        actual = estimator.__dict__[name]
        if actual is expected:
            continue
        if isinstance(expected, np.ndarray) or isinstance(actual, np.ndarray):
            assert type(actual) is type(expected), name
            assert actual.dtype == expected.dtype, name
        np.testing.assert_equal(actual, expected, err_msg=name)


def _fit_quietly(estimator, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


# -- bad data -------------------------------------------------------------------------


def _with_value(array, value, index):
    array = np.array(array, dtype=float)
    array[index] = value
    return array


BAD_DATA = {
    "nan-in-X": (lambda X, y: (_with_value(X, np.nan, (3, 1)), y), "NaN"),
    "inf-in-X": (lambda X, y: (_with_value(X, np.inf, (3, 1)), y), "infinity"),
    "-inf-in-X": (lambda X, y: (_with_value(X, -np.inf, (0, 0)), y), "infinity"),
    "nan-in-y": (lambda X, y: (X, _with_value(y, np.nan, 2)), "y contains NaN"),
    "inf-in-y": (lambda X, y: (X, _with_value(y, np.inf, 2)), "y contains infinity"),
    "y-too-short": (
        lambda X, y: (X, y[:-1]),
        "inconsistent numbers of samples",
    ),
    "X-too-short": (
        lambda X, y: (X[:-2], y),
        "inconsistent numbers of samples",
    ),
    "1d-X": (lambda X, y: (X[:, 0], y), "Expected 2D array"),
    "3d-X": (lambda X, y: (X[:, :, None], y), "dim"),
    "no-samples": (lambda X, y: (X[:0], y[:0]), "0 sample"),
    "no-features": (lambda X, y: (X[:, :0], y), "0 feature"),
    "string-X": (
        lambda X, y: (np.full(X.shape, "a"), y),
        "could not convert string to float",
    ),
}


@pytest.mark.parametrize("case", BAD_DATA)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_data_raises_value_error_and_sets_nothing(Estimator, case):
    make_bad, message = BAD_DATA[case]
    X, y = make_bad(*_data(Estimator))
    estimator = Estimator()
    before = _snapshot(estimator)
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y)
    _assert_state_is(estimator, before)


# the least-squares regressors fit a 2-D y (tests/test_multioutput.py); the others refuse it
SINGLE_OUTPUT_REGRESSORS = [
    E
    for E in ESTIMATORS
    if is_regressor(E()) and not get_tags(E()).target_tags.multi_output
]


@pytest.mark.parametrize("Estimator", SINGLE_OUTPUT_REGRESSORS)
def test_single_output_regressor_rejects_2d_y(Estimator):
    X, y = _data(Estimator)
    with pytest.raises(ValueError, match="1d array"):
        Estimator().fit(X, np.column_stack([y, y]))


def test_classifier_rejects_a_single_class():
    X, _ = _data(GDLogisticRegression)
    estimator = GDLogisticRegression()
    with pytest.raises(ValueError, match="only one class"):
        estimator.fit(X, np.full(len(X), "spam"))
    assert not hasattr(estimator, "classes_")
    assert not hasattr(estimator, "coef_")


def test_classifier_rejects_continuous_targets():
    X, y = _data(GDLinearRegression)
    with pytest.raises(ValueError, match="Unknown label type"):
        GDLogisticRegression().fit(X, y)


def test_classifier_rejects_a_single_class_with_positive_weight():
    X, y = _data(GDLogisticRegression)
    sample_weight = np.where(y == 1, 2.0, 0.0)
    estimator = GDLogisticRegression()
    with pytest.raises(ValueError, match="Only one class has a positive sample_weight"):
        estimator.fit(X, y, sample_weight=sample_weight)
    assert not hasattr(estimator, "coef_")
    # the same data is fine once the other class has some weight
    sample_weight[np.flatnonzero(y == 0)[0]] = 1.0
    estimator.fit(X, y, sample_weight=sample_weight)
    np.testing.assert_array_equal(estimator.classes_, [0, 1])


BAD_WEIGHTS = {
    "one-negative": (lambda n: _with_value(np.ones(n), -1.0, 0), "Negative values"),
    "all-negative": (lambda n: -np.ones(n), "Negative values"),
    "all-zero": (lambda n: np.zeros(n), "non-zero|positive sum"),
    "nan": (lambda n: _with_value(np.ones(n), np.nan, 1), "NaN"),
    "inf": (lambda n: _with_value(np.ones(n), np.inf, 1), "infinity"),
    "too-short": (lambda n: np.ones(n - 1), "sample_weight"),
    "2d": (lambda n: np.ones((n, 2)), "sample_weight|1D"),
}


@pytest.mark.parametrize("case", BAD_WEIGHTS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_sample_weight(Estimator, case):
    make_weights, message = BAD_WEIGHTS[case]
    X, y = _data(Estimator)
    estimator = Estimator()
    before = _snapshot(estimator)
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y, sample_weight=make_weights(len(y)))
    _assert_state_is(estimator, before)


# -- bad parameters -------------------------------------------------------------------

BAD_PARAMS = [
    ("solver", "newtonian"),
    ("solver", "GD"),
    ("solver", None),
    ("solver", 3),
    ("solver", object()),
    ("learning_rate", 0),
    ("learning_rate", 0.0),
    ("learning_rate", -0.1),
    ("learning_rate", np.nan),
    ("learning_rate", np.inf),
    ("learning_rate", "fast"),
    ("learning_rate", "Auto"),
    ("learning_rate", None),
    ("max_iter", 0),
    ("max_iter", -5),
    ("max_iter", 10.5),
    ("max_iter", None),
    ("tol", -1e-4),
    ("tol", "small"),
    ("alpha", -0.1),
    ("fit_intercept", "yes"),
    ("batch_size", 0),
    ("batch_size", 2.5),
    ("momentum", 1.0),
    ("momentum", -0.1),
    ("beta1", 1.0),
    ("beta2", 1.5),
    ("rho", 1.0),
    ("epsilon", 0.0),
    ("weight_decay", -1.0),
    ("n_iter_no_change", 0),
    ("random_state", "seed"),
    ("verbose", -1),
    ("warm_start", "no"),
]


def _param_id(name, value):
    shown = "object()" if type(value) is object else repr(value)
    return f"{name}={shown}"


@pytest.mark.parametrize(
    "name, value", BAD_PARAMS, ids=[_param_id(n, v) for n, v in BAD_PARAMS]
)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_parameter_raises_value_error_naming_it(Estimator, name, value):
    X, y = _data(Estimator)
    estimator = Estimator(**{name: value})
    before = _snapshot(estimator)
    with pytest.raises(ValueError, match=f"'{name}' parameter") as info:
        estimator.fit(X, y)
    assert isinstance(info.value, InvalidParameterError)
    _assert_state_is(estimator, before)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_unknown_solver_lists_the_valid_names(Estimator, builtin_solvers):
    X, y = _data(Estimator)
    with pytest.raises(ValueError, match="solver") as info:
        Estimator(solver="steepest").fit(X, y)
    message = str(info.value)
    assert "'steepest'" in message
    for name in builtin_solvers:
        assert repr(name) in message, name


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("solver", ["gd", "sgd", "lbfgs"])
def test_check_param_validation(Estimator, solver):
    check_param_validation(Estimator.__name__, Estimator(solver=solver))


# -- a failed fit leaves a fitted estimator exactly as it was ---------------------------


@pytest.fixture(params=ESTIMATORS, ids=lambda E: E.__name__)
def fitted(request):
    Estimator = request.param
    X, y = _data(Estimator)
    params = {"solver": "gd"}
    if refuses_by_default(Estimator, "gd"):  # no L for "auto": a fixed step
        params["learning_rate"] = 0.01
    estimator = _fit_quietly(Estimator(**params), X, y)
    return estimator, X, y


def test_failed_refit_with_new_feature_count_and_nan(fitted):
    estimator, X, y = fitted
    before = _snapshot(estimator)
    X_new, y_new = _data(type(estimator), n_samples=25, n_features=5, seed=1)
    X_new[4, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        estimator.fit(X_new, y_new)
    _assert_state_is(estimator, before)
    assert estimator.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(
        estimator.predict(X), _predict_from(before, X, type(estimator))
    )


def _predict_from(snapshot, X, Estimator):
    """Predictions of the snapshot's fitted state, rebuilt from its attributes."""
    scores = X @ np.asarray(snapshot["coef_"]).T + snapshot["intercept_"]
    if "classes_" not in snapshot:
        return np.exp(scores) if target_kind(Estimator) == "counts" else scores
    return snapshot["classes_"][(np.ravel(scores) > 0).astype(int)]


def test_failed_refit_with_a_diverging_learning_rate(fitted):
    estimator, X, y = fitted
    before = _snapshot(estimator)
    estimator.set_params(learning_rate=1e8)
    with pytest.raises(DivergenceError):
        estimator.fit(X, y)
    estimator.set_params(learning_rate=before["learning_rate"])
    _assert_state_is(estimator, before)


def test_failed_warm_start_refit(fitted):
    estimator, X, y = fitted
    estimator.set_params(warm_start=True)
    before = _snapshot(estimator)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        estimator.fit(X, y[:-1])
    _assert_state_is(estimator, before)
    estimator.set_params(learning_rate=1e8)
    # (a warm start already at the optimum takes no step: reweight the rows so
    # that the first step is taken, and diverges)
    reweighted = np.linspace(0.2, 3.0, len(y))
    with pytest.raises(DivergenceError):
        estimator.fit(X, y, sample_weight=reweighted)
    estimator.set_params(learning_rate=before["learning_rate"])
    _assert_state_is(estimator, before)


def test_failed_refit_with_bad_sample_weight(fitted):
    estimator, X, y = fitted
    before = _snapshot(estimator)
    with pytest.raises(ValueError, match="Negative values"):
        estimator.fit(X, y, sample_weight=-np.ones(len(y)))
    _assert_state_is(estimator, before)


def test_failed_refit_with_a_single_class():
    X, y = _data(GDLogisticRegression)
    estimator = GDLogisticRegression().fit(X, y)
    before = _snapshot(estimator)
    with pytest.raises(ValueError, match="only one class"):
        estimator.fit(X[:, :2], np.zeros(len(y)))
    _assert_state_is(estimator, before)


def test_convergence_warning_as_error_rolls_the_fit_back(fitted):
    """With warnings turned into errors the fit raises; it must not half-update."""
    estimator, X, y = fitted
    before = _snapshot(estimator)
    X_new, y_new = _data(type(estimator), n_samples=40, n_features=4, seed=3)
    estimator.set_params(max_iter=1, tol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            estimator.fit(X_new, y_new)
    before.update(max_iter=1, tol=1e-12)
    _assert_state_is(estimator, before)


def test_failed_refit_keeps_feature_names():
    X, y = _data(GDLinearRegression)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    estimator = GDLinearRegression().fit(frame, y)
    before = _snapshot(estimator)
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        estimator.fit(X_bad, y)  # an ndarray: a successful fit would drop the names
    _assert_state_is(estimator, before)
    np.testing.assert_array_equal(estimator.feature_names_in_, ["a", "b", "c"])


# -- divergence -----------------------------------------------------------------------


def _standardized_regression(n_samples=60, n_features=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = X @ np.array([3.0, -2.0, 1.0, 0.5])[:n_features] + 1.0
    return X, y + 0.5 * rng.normal(size=n_samples)


def test_gd_with_a_huge_learning_rate_raises_divergence_error():
    X, y = _standardized_regression()
    estimator = GDLinearRegression(solver="gd", learning_rate=100.0)
    with pytest.raises(DivergenceError) as info:
        estimator.fit(X, y)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "learning_rate=100" in message
    assert "smaller learning_rate" in message
    assert "'gd'" in message
    assert "learning_rate='auto'" in message


def test_failed_first_fit_leaves_the_estimator_unfitted():
    X, y = _standardized_regression()
    estimator = GDLinearRegression(solver="gd", learning_rate=100.0)
    before = _snapshot(estimator)
    with pytest.raises(DivergenceError):
        estimator.fit(X, y)
    _assert_state_is(estimator, before)
    for attribute in (
        "coef_",
        "intercept_",
        "n_iter_",
        "loss_curve_",
        "n_features_in_",
    ):
        assert not hasattr(estimator, attribute)


def test_divergence_leaves_the_previous_fit_untouched():
    X, y = _standardized_regression()
    estimator = GDLinearRegression(solver="gd").fit(X, y)
    np.testing.assert_allclose(estimator.coef_, [3.0, -2.0, 1.0, 0.5], atol=0.3)
    before = _snapshot(estimator)
    estimator.set_params(learning_rate=100.0)
    with pytest.raises(DivergenceError, match="learning_rate=100"):
        estimator.fit(X, y)
    before["learning_rate"] = 100.0
    _assert_state_is(estimator, before)


@pytest.mark.parametrize(
    "solver, learning_rate",
    [("gd", 1e4), ("sgd", 1e4), ("momentum", 1e4), ("nesterov", 1e4), ("adam", 1e8)],
)
@pytest.mark.parametrize("Estimator", [GDLinearRegression, ProxLasso])
def test_huge_steps_diverge_loudly(Estimator, solver, learning_rate):
    """Far above 2/L (or, for Adam, a first step far past the data's scale)
    these solvers must blow up, and the fit must say so."""
    X, y = _standardized_regression()
    estimator = Estimator(solver=solver, learning_rate=learning_rate, random_state=0)
    with pytest.raises(DivergenceError, match="smaller learning_rate") as info:
        estimator.fit(X, y)
    assert f"learning_rate={learning_rate:.4g}" in str(info.value)
    assert not hasattr(estimator, "coef_")


@pytest.mark.parametrize("learning_rate", [30.0, 1e8])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_never_non_finite_coefficients(Estimator, solver, learning_rate):
    """Whatever the step: either a DivergenceError or finite coefficients."""
    if is_classifier(Estimator()):
        X, y = _data(Estimator, n_samples=60, n_features=4)
    else:
        X, y = _standardized_regression()
        y = regression_target(Estimator, y)
    estimator = Estimator(
        solver=solver, learning_rate=learning_rate, max_iter=200, random_state=0
    )
    try:
        _fit_quietly(estimator, X, y)
    except DivergenceError as error:
        assert "learning_rate=" in str(error)
        assert not hasattr(estimator, "coef_")
        return
    assert np.all(np.isfinite(estimator.coef_))
    assert np.all(np.isfinite(estimator.intercept_))
    assert np.all(np.isfinite(estimator.loss_curve_))
    assert np.all(np.isfinite(estimator.predict(X)))


# -- badly scaled data with default settings ---------------------------------------------


def _badly_scaled(Estimator, dtype, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(loc=100.0, scale=1e3, size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 7.0 + rng.normal(scale=10.0, size=40)
    if is_classifier(Estimator()):
        y = (X[:, 0] + rng.normal(scale=500.0, size=40) > 100.0).astype(int)
        return X.astype(dtype), y
    return X.astype(dtype), regression_target(Estimator, y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_badly_scaled_data_never_gives_non_finite_coefficients(
    Estimator, solver, dtype
):
    X, y = _badly_scaled(Estimator, dtype)
    if refuses_by_default(Estimator, solver):  # a clear refusal, never a fit
        with pytest.raises(ValueError, match="cannot minimise"):
            Estimator(solver=solver).fit(X, y)
        return
    estimator = _fit_quietly(Estimator(solver=solver, random_state=0), X, y)
    assert np.all(np.isfinite(estimator.coef_))
    assert np.all(np.isfinite(estimator.intercept_))
    assert np.all(np.isfinite(estimator.loss_curve_))
    if is_classifier(estimator):
        assert np.all(np.isfinite(estimator.predict_proba(X)))
    else:
        assert np.all(np.isfinite(estimator.predict(X)))
        # and the fit is a real fit: far better than predicting the mean --
        # or, for the Poisson loss on raw columns of scale 1e3 (exp overflows
        # at every trial step of lbfgs), a fit that says it did not converge
        # (D^2 for counts: rounding them leaves noise the model cannot explain)
        if target_kind(Estimator) == "counts":
            assert estimator.score(X, y) > 0.9 or not estimator.converged_
        else:
            assert estimator.score(X, y) > 0.99
