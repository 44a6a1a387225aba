"""Solver settings as contenders: solver objects, (label, spec) pairs and grids."""

import json
import warnings

import numpy as np
import pytest
from _registry import BUILTIN_SOLVERS
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skgd import GDLinearRegression, compare
from skgd.cli import main
from skgd.comparison import (
    make_synthetic,
    resolve_contenders,
    solver_grid,
)
from skgd.solvers import SOLVERS, Momentum, UpdateRule

X, Y = make_synthetic("linear", n_samples=150, n_features=5, random_state=1)


def _direct_loss_curve(**params):
    """The oracle: the same estimator fitted directly on the standardized data."""
    model = GDLinearRegression(random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(StandardScaler().fit_transform(X), Y)
    return np.array(model.loss_curve_)


def test_solver_objects_and_labelled_pairs_are_contenders():
    result = compare(
        "linear",
        X,
        Y,
        solvers=[
            Momentum(momentum=0.5),
            ("heavy ball 0.5", {"solver": "momentum", "momentum": 0.5}),
            ("my gd", GDLinearRegression(solver="gd", learning_rate=0.05)),
            {"solver": "gd", "learning_rate": 0.05},
        ],
        max_iter=40,
    )
    labels = [run.solver for run in result.runs]
    assert labels == ["momentum beta=0.5", "heavy ball 0.5", "my gd", "gd lr=0.05"]
    expected_momentum = _direct_loss_curve(solver="momentum", momentum=0.5, max_iter=40)
    expected_gd = _direct_loss_curve(solver="gd", learning_rate=0.05, max_iter=40)
    for run, expected in zip(
        result.runs,
        [expected_momentum, expected_momentum, expected_gd, expected_gd],
        strict=True,
    ):
        np.testing.assert_allclose(run.history["objective"], expected, rtol=1e-12)
    # a labelled estimator keeps its parameters but takes the shared stopping rule
    assert result.runs[2].n_iter == 40 and result.runs[2].learning_rate == 0.05
    assert result.records[-1]["params"] == "learning_rate=0.05"


def test_a_solver_object_alone_is_not_unhashable():
    (run,) = compare("linear", X, Y, solvers=[Momentum()], max_iter=5).runs
    assert run.solver == "momentum" and run.solver_name == "momentum"


def test_an_unregistered_update_rule_is_a_contender_under_its_name():
    class Still(UpdateRule):
        name = "still"

        def init(self, theta, objective):
            return None

        def step(self, theta, value, grad, state, ctx):
            return theta, state

    (run,) = compare("linear", X, Y, solvers=[Still()], budget=10).runs
    # it never moves: the fit ends at once, at an exact fixed point
    assert run.solver == "still" and run.status == "fixed point"
    assert run.n_iter < 10 and "fixed point" in run.message


@pytest.mark.parametrize(
    ("solvers", "error", "match"),
    [
        ([Momentum(momentum=0.5), ("momentum beta=0.5", "gd")], ValueError, "labelled"),
        ([("x", GDLinearRegression(alpha=1.0))], ValueError, "another objective"),
        ([{"solver": "gd", "bogus": 1}], ValueError, "no parameter"),
        ([Momentum], TypeError, "is a class"),
        ([GDLinearRegression()], TypeError, "give an estimator contender a label"),
        (["gd", "sdg"], ValueError, r"unknown solver\(s\) sdg"),
        ([("label", "gd", "extra")], TypeError, r"\(label, spec\)"),
    ],
)
def test_bad_contenders_are_refused_with_what_to_do(solvers, error, match):
    with pytest.raises(error, match=match):
        compare("linear", X, Y, solvers=solvers, max_iter=3)


def test_a_grid_gives_each_solver_one_row_per_setting_it_uses():
    rates = [0.02, 0.2]
    specs = solver_grid(BUILTIN_SOLVERS, learning_rate=rates)
    contenders = resolve_contenders(specs, GDLinearRegression())
    assert len({c.label for c in contenders}) == len(contenders)
    for name in BUILTIN_SOLVERS:
        mine = [c for c in contenders if c.solver_name == name]
        if SOLVERS[name].steps_with_learning_rate:
            assert [c.params["learning_rate"] for c in mine] == rates
            assert [c.label for c in mine] == [f"{name} lr={r:g}" for r in rates]
        else:  # newton and lbfgs search their steps: one row, unlabelled
            assert [c.label for c in mine] == [name]


def test_cli_learning_rate_grid(capsys):
    code = main(
        ["-p", "linear", "-s", "gd", "--learning-rate", "0.01,0.1,0.5", "--json"]
        + ["--max-iter", "30"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    (comparison,) = json.loads(out)["comparisons"]
    solvers = [r for r in comparison["records"] if r["kind"] == "solver"]
    # the step each fit used is the one its label names
    assert {r["solver"]: r["learning_rate"] for r in solvers} == {
        "gd lr=0.01": 0.01,
        "gd lr=0.1": 0.1,
        "gd lr=0.5": 0.5,
    }
    curves = {r["solver"] for r in comparison["curves"]}
    assert curves == {"gd lr=0.01", "gd lr=0.1", "gd lr=0.5"}
    # progress: one line per finished contender on stderr
    assert sum("gd lr=" in line for line in err.splitlines()) == 3


def test_cli_momentum_grid_leaves_other_solvers_alone(capsys):
    code = main(
        ["-p", "linear", "-s", "momentum,gd", "--momentum", "0.5,0.9", "-q"]
        + ["--max-iter", "20"]
    )
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    rows = [line.split("  ")[0].strip() for line in out.splitlines()]
    assert {"momentum beta=0.5", "momentum beta=0.9", "gd"} <= set(rows)
    assert "gd beta=0.5" not in rows


def test_cli_grid_of_a_setting_no_chosen_solver_uses(capsys):
    code = main(["-p", "linear", "-s", "gd", "--momentum", "0.5"])
    _, err = capsys.readouterr()
    assert code == 2 and "--momentum applies to none of gd" in err
