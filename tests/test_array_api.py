"""Array-API inputs: scikit-learn's own array-API estimator check, with
array-api-strict (and torch on the CPU when installed), for every solver of
every estimator.

scikit-learn runs its array-API checks only when SciPy was imported with
``SCIPY_ARRAY_API=1``; setting that for the whole suite would change SciPy's
input checks everywhere, so the checks run in one subprocess that sets it, and
each (namespace, estimator, solver) reports its own result here.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from _registry import BUILTIN_SOLVERS, ESTIMATORS, refuses_by_default

from skgd.solvers import SOLVERS

pytest.importorskip("array_api_strict")


def _has_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


# torch (CPU here; CUDA where present) when installed: this machine's package
# index has no torch wheel, so it runs only where torch is installed
NAMESPACES = ["array_api_strict"] + (["torch"] if _has_torch() else [])

SCRIPT = textwrap.dedent(
    """
    import json, sys, traceback, warnings
    import skgd.linear_model
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.estimator_checks import check_array_api_input

    results = {}
    for namespace, estimator, solver, check_values in json.loads(sys.argv[1]):
        Estimator = getattr(skgd.linear_model, estimator)
        key = f"{namespace}|{estimator}|{solver}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                check_array_api_input(
                    estimator, Estimator(solver=solver), namespace,
                    check_values=check_values, check_sample_weight=True,
                )
            results[key] = "ok"
        except Exception as error:  # reported to the test, with its traceback
            if type(error).__name__ == "SkipTest":
                results[key] = "skip: " + str(error)
            else:
                results[key] = "".join(traceback.format_exception(error))[-3000:]
    print(json.dumps(results))
    """
)


def _cases():
    cases = []
    for namespace in NAMESPACES:
        for Estimator in ESTIMATORS:
            for solver in BUILTIN_SOLVERS:
                if refuses_by_default(Estimator, solver):
                    continue  # the clear refusal is tested in test_combinations
                cases.append((namespace, Estimator.__name__, solver))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def results():
    payload = [
        # Adaptive rules normalize each coordinate by its own gradient's size:
        # the intercept's gradient is rounding noise at the null model, and
        # two runs whose sums differ in the order of additions part at ~1e-5
        # (measured: rmsprop on the check's 30 x 10 logistic data). Their
        # namespaces, devices, shapes and dtypes are still checked.
        (namespace, estimator, solver, not SOLVERS[solver].normalized_step)
        for namespace, estimator, solver in CASES
    ]
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(payload)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize(("namespace", "estimator", "solver"), CASES)
def test_sklearn_array_api_check(results, namespace, estimator, solver):
    outcome = results[f"{namespace}|{estimator}|{solver}"]
    assert outcome == "ok", outcome


def test_estimators_declare_array_api_support():
    from sklearn.utils import get_tags

    for Estimator in ESTIMATORS:
        assert get_tags(Estimator()).array_api_support


INPUT_NAMESPACE_SCRIPT = textwrap.dedent(
    """
    import array_api_strict as xp
    import numpy as np
    from numpy.testing import assert_allclose
    from sklearn import config_context
    from sklearn.datasets import load_diabetes

    from skgd import GDLinearRegression

    X, y = load_diabetes(return_X_y=True)
    reference = GDLinearRegression(solver="newton").fit(X, y)
    with config_context(array_api_dispatch=True):
        fit = GDLinearRegression(solver="newton").fit(xp.asarray(X), xp.asarray(y))
        predicted = fit.predict(xp.asarray(X))
    assert type(fit.coef_).__module__.startswith("array_api_strict")
    assert type(predicted).__module__.startswith("array_api_strict")
    assert_allclose(np.from_dlpack(fit.coef_), reference.coef_, rtol=1e-10)
    assert_allclose(np.from_dlpack(predicted), reference.predict(X), rtol=1e-10)
    print("ok")
    """
)


def test_coefficients_come_back_in_the_input_namespace():
    """A fit on array-api-strict arrays (which refuse any conversion to NumPy:
    X stays in its namespace) returns its coefficients and predictions there,
    equal to the NumPy fit's. (scikit-learn's dispatch needs SciPy imported
    with SCIPY_ARRAY_API=1: a subprocess.)"""
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    completed = subprocess.run(
        [sys.executable, "-c", INPUT_NAMESPACE_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert completed.stdout.strip() == "ok", completed.stderr[-3000:]
