"""Every documented parameter has its own entry, and its documented default is the
signature's: ``beta1 : float, default=0.9`` and ``beta2 : float, default=0.999``,
never one ``beta1, beta2 : float, default=0.9, 0.999`` entry (which the API page
renders as two parameters with the same, wrong, default).
"""

import ast
import inspect
import re

import pytest

import skgd
from skgd import diagnostics

DOCUMENTED = [
    skgd.GDLinearRegression,
    skgd.GDLogisticRegression,
    skgd.ProxLasso,
    skgd.GDElasticNet,
    skgd.GDPoissonRegressor,
    skgd.lr_find,
    skgd.check_gradient,
    skgd.compare,
    diagnostics.objective_for,
]
ENTRY = re.compile(r"^    (?P<names>[*\w][\w, *]*) : (?P<spec>.+)$", re.M)


def _parameters_section(doc):
    match = re.search(
        r"\n    Parameters\n    -+\n(.*?)(?:\n    [A-Z]\w+( \w+)*\n    -+\n|$)",
        doc,
        re.S,
    )
    assert match, "no Parameters section"
    return match.group(1)


@pytest.mark.parametrize("obj", DOCUMENTED, ids=lambda o: o.__name__)
def test_each_parameter_shows_its_own_default(obj):
    doc = obj.__doc__
    signature = inspect.signature(obj)
    for entry in ENTRY.finditer(_parameters_section(doc)):
        names, spec = entry["names"], entry["spec"]
        default = re.search(r"\bdefault[= ](?P<value>.+)$", spec)
        if default is None:
            continue
        assert "," not in names, f"{obj.__name__}: {names!r} share one default"
        parameter = signature.parameters.get(names.strip())
        assert parameter is not None, f"{obj.__name__}: {names} is not a parameter"
        value = default["value"].strip().rstrip("\\").strip()
        assert "," not in value, f"{obj.__name__}.{names}: several defaults {value!r}"
        try:
            documented = ast.literal_eval(value)
        except (ValueError, SyntaxError):  # a default per estimator, or a phrase
            own = re.search(rf'"(\w+)" for {obj.__name__}\b', value)
            if own:
                assert own.group(1) == parameter.default, (obj.__name__, names)
            continue
        assert documented == parameter.default, (
            f"{obj.__name__}.{names}: documented default {value}, "
            f"signature {parameter.default!r}"
        )


def test_beta1_and_beta2_have_their_own_entries():
    doc = skgd.GDLinearRegression.__doc__
    assert "    beta1 : float, default=0.9\n" in doc
    assert "    beta2 : float, default=0.999\n" in doc
