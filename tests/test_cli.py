"""The `skgd` command line: `skgd compare` (also `skgd` alone and `python -m skgd`)."""

import csv
import io
import json
import runpy
import shutil
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from skgd.cli import main
from skgd.comparison import CURVE_COLUMNS, PROBLEM_TABLE, PROBLEMS, all_solvers, compare

FAST = ["--solvers", "gd", "newton"]


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_logistic_breast_cancer_with_every_solver_and_a_plot(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "curves.png"
    code, out, err = _run(
        capsys,
        [
            "compare",
            "--problem",
            "logistic",
            "--dataset",
            "breast_cancer",
            "--plot",
            str(plot),
        ],
    )
    # (its speed is the benchmark's business, never a test assertion)
    assert code == 0, err
    lines = out.splitlines()
    for solver in all_solvers():
        assert sum(line.startswith(f"{solver} ") for line in lines) == 1, solver
    assert any(line.startswith("LogisticRegression (reference)") for line in lines)
    assert any(line.startswith("LogisticRegression (default)") for line in lines)
    assert "features standardized" in out
    assert "569 samples x 30 features, 2 classes" in out
    assert f"convergence plot written to {plot}" in err
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_no_command_means_compare(capsys):
    code, out, _ = _run(capsys, ["--problem", "lasso", *FAST])
    assert code == 0
    assert "lasso on diabetes" in out and "Lasso (reference)" in out


def test_a_bundled_dataset_without_problem_runs_its_problems(capsys):
    code, out, _ = _run(capsys, ["--dataset", "diabetes", *FAST])
    assert code == 0
    assert "linear on diabetes" in out and "lasso on diabetes" in out
    assert "logistic" not in out


def test_synthetic_dataset_options(capsys):
    code, out, _ = _run(
        capsys,
        [
            "-p",
            "linear",
            "-d",
            "synthetic",
            "--n-samples",
            "300",
            "--n-features",
            "5",
            "--condition",
            "1000",
            *FAST,
        ],
    )
    assert code == 0
    assert "linear on synthetic (300 samples x 5 features)" in out


def test_budget_sort_and_no_standardize(capsys):
    code, out, _ = _run(
        capsys,
        [
            "-p",
            "logistic",
            "--budget",
            "12",
            "--sort",
            "name",
            "--no-standardize",
            "--solvers",
            "gd,momentum",
        ],
    )
    assert code == 0
    assert "budget for every solver: 12 iterations" in out and "not standardized" in out
    rows = [
        line.split()[0]
        for line in out.splitlines()
        if line.startswith(("gd ", "momentum "))
    ]
    assert rows == ["gd", "momentum"]


def test_json_output(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "linear.png"
    code, out, err = _run(
        capsys, ["-p", "linear", "--json", *FAST, "--plot", str(plot)]
    )
    assert code == 0
    assert "convergence plot written" in err and plot.exists()
    payload = json.loads(out)  # nothing but JSON on stdout
    (comparison,) = payload["comparisons"]
    solvers = [r["solver"] for r in comparison["records"]]
    assert solvers[0] == "lstsq (reference)" and {"gd", "newton"} <= set(solvers)
    # the per-iteration curves: one row per iteration per solver
    n_iter = {r["solver"]: r["n_iter"] for r in comparison["records"]}
    for solver in ("gd", "newton"):
        rows = [r for r in comparison["curves"] if r["solver"] == solver]
        assert [r["iteration"] for r in rows] == list(range(1, n_iter[solver] + 1))
        assert all(list(r) == list(CURVE_COLUMNS) for r in rows)


def _curves_by_solver(rows):
    by_solver = {}
    for row in rows:
        by_solver.setdefault(row["solver"], []).append(row)
    return by_solver


def test_json_curves_round_trip_through_a_saved_file(capsys, tmp_path):
    code, out, _ = _run(capsys, ["-p", "logistic", "--json", "--solvers", "lbfgs,gd"])
    assert code == 0
    saved = tmp_path / "comparison.json"
    saved.write_text(out)
    (comparison,) = json.loads(saved.read_text())["comparisons"]
    records = {r["solver"]: r for r in comparison["records"]}
    curves = _curves_by_solver(comparison["curves"])
    assert set(curves) == {"lbfgs", "gd"}
    for solver, rows in curves.items():
        assert len(rows) == records[solver]["n_iter"]
        times = [r["time"] for r in rows]
        # measured per iteration: monotone, within the measured fit time
        assert times == sorted(times) and times[0] > 0
        assert times[-1] <= records[solver]["time_s"]
        assert all(r["problem"] == "logistic" for r in rows)
        assert all(r["suboptimality"] >= -1e-12 for r in rows)
        assert rows[-1]["objective"] == pytest.approx(
            records[solver]["objective"], rel=1e-9
        )


def test_csv_curves_output(capsys, tmp_path):
    code, out, err = _run(
        capsys, ["-d", "diabetes", "--csv", "curves", "--solvers", "newton", "nesterov"]
    )
    assert code == 0, err
    saved = tmp_path / "curves.csv"
    saved.write_text(out)
    with saved.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames[: len(CURVE_COLUMNS)] == list(CURVE_COLUMNS)
    problems = {r["problem"] for r in rows}
    assert {"linear", "lasso"} <= problems  # every problem of diabetes
    for problem in problems:
        curves = _curves_by_solver(r for r in rows if r["problem"] == problem)
        assert set(curves) == {"newton", "nesterov"}
        for solver_rows in curves.values():
            iterations = [int(r["iteration"]) for r in solver_rows]
            assert iterations == list(range(1, len(iterations) + 1))
            times = [float(r["time"]) for r in solver_rows]
            assert times == sorted(times)
            assert all(float(r["learning_rate"]) > 0 for r in solver_rows)
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(saved)
    assert list(frame.columns[: len(CURVE_COLUMNS)]) == list(CURVE_COLUMNS)
    assert len(frame) == len(rows)
    # --csv alone (or --csv summary) still prints the summary rows
    for argv in (["--csv"], ["--csv", "summary"]):
        code, out, _ = _run(capsys, ["-p", "linear", *argv, "--solvers", "newton"])
        summary = list(csv.DictReader(io.StringIO(out)))
        assert code == 0 and [r["kind"] for r in summary][-1] == "solver"


def test_csv_output_of_every_default_problem(capsys):
    code, out, _ = _run(capsys, ["--csv", "--solvers", "newton"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["problem"] for r in rows} == set(PROBLEMS)
    assert {r["kind"] for r in rows} == {"reference", "baseline", "solver"}


@pytest.fixture
def data_files(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("x1,x2,price\n1,2,3.5\n2,1,2.5\n3,3,6.1\n4,1,4.9\n5,2,7.2\n")
    no_target = tmp_path / "no_target.csv"
    no_target.write_text("x1,x2,y\n1,2,3\n2,1,2\n")
    return {"good": good, "no_target": no_target, "missing": tmp_path / "nope.csv"}


def test_a_user_csv(capsys, data_files):
    code, out, err = _run(
        capsys,
        ["-p", "linear", "-d", str(data_files["good"]), "--target", "price", *FAST],
    )
    assert code == 0, err
    assert "linear on good.csv (5 samples x 2 features)" in out


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--problem", "ridge"], 2, "invalid choice: 'ridge'"),
        (["-p", "linear", "-d", "{missing}"], 1, "no such file"),
        (["-p", "linear", "-d", "{no_target}"], 1, "column 'target' not found"),
        (["-p", "linear", "-d", "{good}", "--target", "x1"], 0, None),
        (["-d", "{good}"], 2, "choose the problem with --problem"),
        (["-p", "logistic", "-d", "diabetes"], 1, "needs class labels"),
        (["--solvers", "gd", "sdg"], 1, "unknown solver(s) sdg"),
        (["--max-iter", "0"], 2, "must be a finite number >= 1"),
        (["--tol", "-1"], 2, "must be a finite number >= 0"),
        (["--budget", "5", "--tol", "1e-3"], 2, "--budget replaces"),
        (["--n-samples", "10"], 2, "apply to --dataset synthetic only"),
        (["-d", "synthetic", "--n-samples", "1"], 1, "n_samples >= 2"),
        (["--json", "--csv"], 2, "not allowed with"),
        (["--csv", "frames"], 2, "invalid choice: 'frames'"),
        (["--plot", "/no/such/dir/p.png"], 1, "no such directory"),
        (["--json", "/no/such/dir/c.json"], 1, "--json: no such directory"),
        (["--parquet", "/no/such/dir/c.pq"], 1, "--parquet: no such directory"),
        (["--learning-rate", "0.1,abc"], 2, "'abc' is not a number"),
        (["--momentum", "1"], 2, "'1' must be in [0, 1)"),
        (["--batch-size", "0"], 2, "must be a finite number >= 1"),
        (["-q", "-v"], 2, "not allowed with"),
        (["frobnicate"], 2, "unrecognized arguments"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(
    capsys, data_files, argv, code, message
):
    argv = [a.format(**data_files) for a in argv]
    if code == 0:
        argv += FAST
    got, out, err = _run(capsys, argv)
    assert got == code, err
    if message is not None:
        assert len(err.strip().splitlines()) == 1, err
        assert message in err
        assert "Traceback" not in err
        assert "skgd compare:" not in out  # failed before printing anything


def test_plot_without_matplotlib(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, out, err = _run(capsys, ["--plot", str(tmp_path / "p.png")])
    assert code == 1
    assert err.strip() == (
        "skgd: error: --plot needs matplotlib: pip install 'skgd[plot]' "
        "(or pip install matplotlib)"
    )


def test_help_and_version(capsys):
    assert main(["compare", "--help"]) == 0
    assert "--dataset" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert "skgd" in capsys.readouterr().out


def test_no_arguments_run_every_default_problem(capsys, monkeypatch):
    """`skgd` alone == `skgd compare`: every problem on its default dataset with
    every solver. The full comparisons themselves are checked in test_compare."""
    import skgd.cli

    calls = []

    def fast_compare(problem, X, y, *, solvers, **kwargs):
        calls.append((problem, kwargs["dataset"], solvers))
        return compare(problem, X, y, solvers=["newton"], **kwargs)

    monkeypatch.setattr(skgd.cli, "compare", fast_compare)
    code, out, _ = _run(capsys, [])
    assert code == 0
    # every problem of the table, on its default dataset
    assert calls == [(p.name, p.default_dataset, all_solvers()) for p in PROBLEM_TABLE]
    for problem in PROBLEM_TABLE:
        assert f"{problem.name} on {problem.default_dataset}" in out


def test_python_m_skgd_is_the_cli(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["skgd", "--problem", "nope"])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("skgd", run_name="__main__")
    assert exit_.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_console_script_entry_point():
    (entry,) = [e for e in entry_points(group="console_scripts") if e.name == "skgd"]
    assert entry.value == "skgd.cli:main"


def test_a_real_process_fails_in_one_line_without_traceback(tmp_path):
    """One real run of the installed console script (or `python -m skgd`)."""
    script = shutil.which("skgd")
    command = [script] if script else [sys.executable, "-m", "skgd"]
    missing = tmp_path / "x.csv"
    done = subprocess.run(
        [*command, "--problem", "linear", "--dataset", str(missing)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"skgd: error: no such file: {missing}"]
    assert done.stdout == ""
