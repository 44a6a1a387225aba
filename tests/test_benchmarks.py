"""Smoke test of the benchmark script: it runs and reports, never times anything."""

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from skgd.comparison import PROBLEM_TABLE

pytestmark = pytest.mark.slow

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
TARGETS = BENCHMARK.with_name("targets.py")


def test_quick_benchmark_runs_every_table_problem(tmp_path, monkeypatch, capsys):
    out = tmp_path / "rows.json"
    monkeypatch.setattr(sys, "argv", ["run.py", "--quick", "--json", str(out)])
    try:
        runpy.run_path(str(BENCHMARK), run_name="__main__")
    except SystemExit as exit_:
        assert exit_.code == 0
    printed = capsys.readouterr().out
    result = json.loads(out.read_text())
    rows = result["rows"]
    # every entry of the problem table is benchmarked by default, under its name
    # and with no list of problems in the script: a new entry shows up here
    benchmarked = {r["problem"] for r in rows}
    for problem in PROBLEM_TABLE:
        assert problem.name in benchmarked, problem.name
        assert f"### {problem.name} (" in printed
        own = [r for r in rows if r["problem"] == problem.name]
        assert {r["library"] for r in own} >= {"skgd"}
        # scikit-learn's rows come from the table's baselines
        assert any(r["library"] != "skgd" and not r["error"] for r in own)
    # data variants apply to table entries, named by a suffix
    assert {"linear-no-intercept", "logistic-sparse"} <= benchmarked
    solvers = {(r["problem"], r["library"], r["solver"]) for r in rows}
    assert ("linear", "skgd", "newton") in solvers
    assert ("lasso", "sklearn", "Lasso") in solvers
    for row in rows:
        assert row["floor"] > 0 and row["f_star"] is not None
        # every skgd row measured its iteration cost and its memory, or says why not
        if row["library"] == "skgd" and not row["error"]:
            assert row["per_iteration"] is not None and row["peak_memory"] >= 0
    # a solver the problem refuses is a row saying so, not a crash (today:
    # learning_rate="auto" needs a finite Lipschitz constant, which Poisson lacks)
    for row in rows:
        if row["error"]:
            assert row["seconds"] is None and row["error"] in printed
    poisson_gd = next(
        r for r in rows if r["problem"] == "poisson" and r["solver"] == "gd"
    )
    assert not poisson_gd["error"] or "lipschitz" in poisson_gd["error"]
    # newton reaches the target on least squares in one step
    newton = next(
        r for r in rows if r["problem"] == "linear" and r["solver"] == "newton"
    )
    assert newton["seconds"] is not None and newton["gap"] <= 1e-6
    assert result["machine"]["threads"] == 1
    assert result["scaling"]


def test_benchmark_problem_names_come_from_the_table(capsys):
    benchmark = runpy.run_path(str(BENCHMARK))  # not __main__: nothing runs
    assert benchmark["main"](["--list"]) == 0
    listed = capsys.readouterr().out.split()
    for problem in PROBLEM_TABLE:
        assert problem.name in listed
    with pytest.raises(SystemExit) as exit_:
        benchmark["main"](["--problems", "no-such-problem"])
    assert exit_.value.code == 2
    assert "no-such-problem" in capsys.readouterr().err


def test_quick_targets_print_every_target(tmp_path):
    def targets(*args):
        result = subprocess.run(
            [sys.executable, str(TARGETS), *args],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout

    ids = [line.split()[0] for line in targets("--list").splitlines()]
    # the numbering: six groups of targets
    assert {target_id[0] for target_id in ids} == set("123456")
    out = tmp_path / "targets.json"
    printed = targets("--quick", "--json", str(out))
    rows = {
        line.split("|")[1].strip(): line
        for line in printed.splitlines()
        if line.startswith("| ") and not line.startswith("| id ")
    }
    for target_id in ids:
        assert target_id in rows, target_id
        # a ratio against its goal, met or not; never an error
        assert "| MET |" in rows[target_id] or "| NOT MET |" in rows[target_id]
    result = json.loads(out.read_text())
    assert [row["id"] for row in result["targets"]] == ids
    assert result["machine"]["threads"] == 1
