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
