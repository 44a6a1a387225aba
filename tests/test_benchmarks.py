"""Smoke test of the benchmark script: it runs and reports, never times anything."""

import json
import runpy
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_quick_benchmark_runs_and_writes_json(tmp_path, monkeypatch, capsys):
    out = tmp_path / "rows.json"
    monkeypatch.setattr(
        sys, "argv",
        ["run.py", "--quick", "--problems", "ols", "lasso", "--json", str(out)],
    )  # fmt: skip
    try:
        runpy.run_path(str(BENCHMARK), run_name="__main__")
    except SystemExit as exit_:
        assert exit_.code == 0
    printed = capsys.readouterr().out
    assert "### ols" in printed and "### lasso" in printed
    result = json.loads(out.read_text())
    rows = result["rows"]
    solvers = {(r["problem"], r["library"], r["solver"]) for r in rows}
    assert ("ols", "skgd", "newton") in solvers
    assert ("lasso", "sklearn", "Lasso") in solvers
    for row in rows:
        assert row["floor"] > 0
        # every skgd row measured its iteration cost and its memory
        if row["library"] == "skgd":
            assert row["per_iteration"] is not None and row["peak_memory"] >= 0
    # newton reaches the target on least squares in one step
    newton = next(r for r in rows if r["problem"] == "ols" and r["solver"] == "newton")
    assert newton["seconds"] is not None and newton["gap"] <= 1e-6
    assert result["machine"]["threads"] == 1
