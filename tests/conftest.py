"""Fixtures shared by the test files.

The lists behind ``builtin_solvers`` and ``estimators`` live in ``_registry.py``
(importable at collection time, for ``pytest.mark.parametrize``).
"""

import pytest
from _registry import BUILTIN_SOLVERS, ESTIMATORS

import skgd
from skgd.solvers import SOLVERS


@pytest.fixture
def builtin_solvers():
    """Every built-in solver name (registry entries defined in skgd), README order."""
    return list(BUILTIN_SOLVERS)


@pytest.fixture
def estimators():
    """Every public estimator class of :mod:`skgd.linear_model`."""
    return list(ESTIMATORS)


@pytest.fixture
def registered():
    """Register solvers under test names; remove them afterwards."""
    names = []

    def register(cls, name):
        skgd.register_solver(cls, name=name)
        names.append(name)
        return name

    yield register
    for name in names:
        SOLVERS.pop(name, None)


def pytest_collection_modifyitems(config, items):
    """Deselect scikit-learn's array-API checks (check_array_api_input and
    check_array_api_mixed_inputs) from the per-estimator check lists
    (test_common.py): they need SciPy imported with SCIPY_ARRAY_API=1,
    which the rest of the suite must not set, so each would only skip (one per
    namespace, device and dtype). tests/test_array_api.py runs the input check
    for every solver in a subprocess that sets it (the mixed-input check needs
    a second namespace: torch, not installable here)."""
    deselected = [item for item in items if "check_array_api" in item.name]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if "check_array_api" not in item.name]
