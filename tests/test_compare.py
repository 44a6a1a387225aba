"""The comparison workflow: skgd.compare, its result object, datasets and plots."""

import csv
import functools
import importlib.util
import io
import json
import math
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import StandardScaler

from skgd import GDLinearRegression, GDLogisticRegression, ProxLasso, compare
from skgd.comparison import (
    CURVE_COLUMNS,
    DEFAULT_DATASET,
    PROBLEMS,
    ComparisonResult,
    all_solvers,
    load_dataset,
    make_synthetic,
    records_to_csv,
    results_to_json,
)
from skgd.diagnostics import objective_for

FAST = ["gd", "nesterov", "newton", "lbfgs"]


@functools.cache
def default_result(problem):
    """A default comparison, every solver (what `skgd compare` runs), computed
    once per test process and only for the problems a test asks for."""
    return compare(problem)


@pytest.mark.parametrize("problem", PROBLEMS)
def test_default_comparison_has_every_solver_and_an_exact_reference(problem):
    result = default_result(problem)
    assert isinstance(result, ComparisonResult)
    assert result.dataset == DEFAULT_DATASET[problem]
    assert [run.solver for run in result.runs] == all_solvers()
    assert result.reference.kind == "reference"
    assert result.reference.rel_suboptimality == 0
    # the reference is far tighter than the solvers' stopping accuracy (saga,
    # scikit-learn's one L1 logistic solver, stalls at ~2e-9: 500x, and the
    # report says so in a note)
    margin = 2e-3 if problem == "logistic-l1" else 1e-3
    assert result.reference.rel_optimality < margin * result.settings["tol"]
    assert result.reference.converged
    by_name = {run.solver: run for run in result.runs}
    for run in list(result.runs):
        if run.failed:  # only a solver that refuses the objective may fail
            assert "cannot minimise" in run.message, run.message
            del by_name[run.solver]
            continue
        assert run.time > 0 and run.n_iter >= 1
        # no solver beats the reference beyond rounding
        assert run.rel_suboptimality > -1e-12, run.solver
        if run.converged and run.solver != "sgd":
            # full-batch solvers stop on the same measure the table reports
            assert run.rel_optimality <= result.settings["tol"] * 1.0001, run.solver
    for solver in ("newton", "lbfgs", "nesterov"):
        if solver not in by_name or (solver == "nesterov" and problem == "logistic-l1"):
            continue  # (nesterov needs more than max_iter=1000 on the L1 logistic)
        assert by_name[solver].converged
        assert by_name[solver].rel_suboptimality < 1e-8
        assert by_name[solver].coef_distance < 1e-3
    # the only notes: the solvers that refused the objective (and saga's margin),
    # a minibatch plateau above tol, and rows whose iterates coincide
    allowed = (
        "cannot minimise",
        "the reference's relative optimality",
        " stalled: stopped after",
        "have identical iterates",
    )
    assert all(any(a in note for a in allowed) for note in result.notes), result.notes


@pytest.mark.parametrize("problem", PROBLEMS)
def test_curves_start_at_the_common_point_and_end_at_the_reported_objective(problem):
    result = default_result(problem)
    curves = result.curve_arrays()
    fitted = [run for run in result.runs if not run.failed]
    assert set(curves) == {run.solver for run in fitted}
    for run in fitted:
        curve = curves[run.solver]
        assert curve["objective"][0] == result.initial_objective
        assert len(curve["objective"]) == run.n_iter + 1
        # the estimator's loss_curve_ and the shared objective agree: same F
        assert curve["objective"][-1] == pytest.approx(run.objective, rel=1e-9)
        # the time axis is the fit's own clock: its history, not an interpolation
        assert len(run.history) == run.n_iter
        np.testing.assert_array_equal(curve["time"][1:], run.history["time"])
        np.testing.assert_array_equal(curve["objective"][1:], run.history["objective"])
        assert curve["time"][0] == 0 and curve["time"][1] > 0
        assert np.all(np.diff(curve["time"]) >= 0)
        assert curve["time"][-1] <= run.time
        assert curve["suboptimality"][-1] == pytest.approx(
            run.rel_suboptimality, rel=1e-6, abs=1e-15
        )


def test_records_are_table_ready():
    result = default_result("logistic")
    records = result.records
    kinds = [r["kind"] for r in records]
    assert kinds[0] == "reference" and kinds[1] == "baseline"
    assert kinds.count("solver") == len(all_solvers())
    assert {r["problem"] for r in records} == {"logistic"}
    assert {r["dataset"] for r in records} == {"breast_cancer"}
    frame = result.to_frame()
    assert list(frame["solver"]) == [r["solver"] for r in records]
    assert frame.shape == (len(records), len(records[0]))
    # default order: the converged solvers by time, then the others
    solvers = [r for r in records if r["kind"] == "solver"]
    flags = [r["converged"] for r in solvers]
    assert flags == sorted(flags, reverse=True)
    converged_times = [r["time_s"] for r in solvers if r["converged"]]
    assert converged_times == sorted(converged_times)


def test_report_states_the_settings_and_aligns_the_table():
    result = default_result("lasso")
    text = result.format()
    assert "standardized" in text
    assert "tol=1e-06" in text and "max_iter=1000" in text
    assert "Lasso(" in text and "tol=1e-15" in text
    assert "BLAS threads: 1" in text
    table = text[text.index("solver ") :].split("\n\n")[0].splitlines()
    header, rule = table[0], table[1]
    assert set(rule) == {"-"} and len(rule) == len(header)
    for solver in all_solvers():
        assert any(line.startswith(solver + " ") for line in table)
    # right-aligned numeric columns end, and the status starts, at the same
    # place on every row
    rows = [line for line in table if not set(line) <= {"-"}]
    status = header.index("status")
    assert all(line[status - 1] == " " and line[status] != " " for line in rows)
    assert all(line[:status].endswith("  ") for line in rows)
    ordered = [line.split()[0] for line in table[2:] if not set(line) <= {"-"}]
    assert ordered[:2] == ["Lasso", "Lasso"]


def test_sort_orders():
    result = compare("linear", solvers=["gd", "newton", "momentum"])
    assert [r.solver for r in result.sorted_runs("name")] == [
        "gd",
        "newton",
        "momentum",
    ]
    assert [r.solver for r in result.sorted_runs("iterations")][0] == "newton"
    subopts = [r.rel_suboptimality for r in result.sorted_runs("suboptimality")]
    assert subopts == sorted(subopts)
    with pytest.raises(ValueError, match="sort must be one of"):
        result.sorted_runs("speed")


def test_json_and_csv_round_trip():
    results = [compare("lasso", solvers=["gd", "newton"])]
    payload = json.loads(results_to_json(results))
    (summary,) = payload["comparisons"]
    assert summary["problem"] == "lasso"
    assert [r["solver"] for r in summary["records"]][-2:] == ["newton", "gd"]
    assert summary["settings"]["standardize"] is True
    rows = list(csv.DictReader(io.StringIO(records_to_csv(results[0].records))))
    assert [r["solver"] for r in rows] == [r["solver"] for r in results[0].records]
    assert float(rows[0]["rel_suboptimality"]) == 0.0
    assert summary["settings"]["time_axis"].startswith("measured")
    assert len(summary["curves"]) == sum(run.n_iter for run in results[0].runs)


@pytest.fixture
def fitted_histories(monkeypatch):
    """The ``history_`` of every fit an estimator class makes, with its solver."""
    seen = []

    def spy(cls):
        original = cls.fit

        def fit(self, *args, **kwargs):
            out = original(self, *args, **kwargs)
            seen.append((self.solver, self.history_))
            return out

        monkeypatch.setattr(cls, "fit", fit)
        return seen

    return spy


def test_the_time_axis_is_the_timed_fits_history(fitted_histories):
    seen = fitted_histories(GDLogisticRegression)
    result = compare("logistic", solvers=["gd", "lbfgs"], max_iter=60)
    curves = result.curve_arrays()
    for run in result.runs:
        # per solver: the untimed warm-up fit, then the timed one
        (_, warm_up), (_, timed) = [(s, h) for s, h in seen if s == run.solver]
        assert len(warm_up) <= 2 and len(timed) == run.n_iter
        time_axis = curves[run.solver]["time"]
        np.testing.assert_array_equal(time_axis, np.r_[0.0, timed["time"]])
        assert np.all(np.diff(time_axis) >= 0) and time_axis[-1] <= run.time
        # the whole fit is timed, so it also counts the work outside iterations
        assert run.time - time_axis[-1] < 0.5 * run.time
        # the first iteration's time includes the set-up: not time / n_iter
        assert time_axis[1] == timed["time"][0]
    assert "measured" in result.settings["time_axis"]


def test_repeats_report_the_median_fit_with_its_own_history(fitted_histories):
    seen = fitted_histories(GDLinearRegression)
    result = compare("linear", solvers=["lbfgs"], repeat=3)
    (run,) = result.runs
    timed = [h for _, h in seen[1:]]  # after the warm-up fit
    assert len(timed) == 3
    # the reported history is one of the timed fits' (their clocks differ)
    matches = [h for h in timed if np.array_equal(h["time"], run.history["time"])]
    assert len(matches) == 1
    assert run.history["time"][-1] <= run.time
    assert "median of 3" in result.format()
    even = compare("linear", solvers=["newton"], repeat=2)
    assert even.runs[0].history["time"][-1] <= even.runs[0].time
    assert "median of 2 (the faster middle fit)" in even.format()


def _check_curve_rows(rows, result):
    """``rows`` (read back or not) are ``result``'s runs' histories, row by row."""
    assert list(rows[0]) == list(CURVE_COLUMNS)
    for run in result.runs:
        mine = [r for r in rows if r["solver"] == run.solver]
        assert len(mine) == run.n_iter == len(run.history)
        sub = result.curve_arrays()[run.solver]["suboptimality"][1:]
        for name in ("iteration", "time", "objective"):
            np.testing.assert_array_equal(
                [float(r[name]) for r in mine], run.history[name]
            )
        for name in ("optimality", "learning_rate", "grad_norm"):
            got = [math.nan if r[name] in ("", None) else float(r[name]) for r in mine]
            np.testing.assert_array_equal(got, run.history[name])
        np.testing.assert_array_equal([float(r["suboptimality"]) for r in mine], sub)
        assert {(r["problem"], r["dataset"]) for r in mine} == {
            (result.problem, result.dataset)
        }


def test_curve_records_have_one_row_per_iteration_per_solver():
    result = compare("lasso", solvers=["gd", "newton", "sgd"], max_iter=50)
    rows = result.curve_records
    assert len(rows) == sum(run.n_iter for run in result.runs)
    assert [r["solver"] for r in rows] == [
        run.solver for run in result.runs for _ in range(run.n_iter)
    ]
    _check_curve_rows(rows, result)
    first = {r["solver"]: r for r in reversed(rows)}
    assert all(first[s]["iteration"] == 1 for s in ("gd", "newton", "sgd"))
    pd = pytest.importorskip("pandas")
    frame = result.to_frame(curves=True)
    assert list(frame.columns) == list(CURVE_COLUMNS) and len(frame) == len(rows)
    assert isinstance(frame, pd.DataFrame)


def test_curves_round_trip_through_json_and_csv_files(tmp_path):
    result = compare("logistic", solvers=["newton", "nesterov"], max_iter=40)
    json_file = tmp_path / "comparison.json"
    json_file.write_text(results_to_json([result]))
    (saved,) = json.loads(json_file.read_text())["comparisons"]
    assert len(saved["curves"]) == sum(run.n_iter for run in result.runs)
    _check_curve_rows(saved["curves"], result)
    csv_file = tmp_path / "curves.csv"
    csv_file.write_text(records_to_csv(result.curve_records, columns=CURVE_COLUMNS))
    with csv_file.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    _check_curve_rows(rows, result)
    pd = pytest.importorskip("pandas")
    read = pd.read_csv(csv_file)
    expected = result.to_frame(curves=True)
    pd.testing.assert_frame_equal(read, expected, check_exact=True)


def test_a_fit_without_iterations_does_not_break_the_curves(monkeypatch, tmp_path):
    """A warm start at the optimum: the fit records zero iterations."""
    original = GDLinearRegression.fit

    def fit_twice(self, X, y, sample_weight=None):
        if self.solver == "newton":
            original(self, X, y, sample_weight)
            self.set_params(warm_start=True)  # the second fit starts at the optimum
        return original(self, X, y, sample_weight)

    monkeypatch.setattr(GDLinearRegression, "fit", fit_twice)
    result = compare("linear", solvers=["newton", "lbfgs"], repeat=2)
    newton, lbfgs = result.runs
    assert not newton.failed and newton.n_iter == 0 and len(newton.history) == 0
    curve = result.curve_arrays()["newton"]
    np.testing.assert_array_equal(curve["iteration"], [0])
    np.testing.assert_array_equal(curve["time"], [0.0])
    assert curve["objective"][0] == pytest.approx(newton.objective, rel=1e-12)
    assert newton.rel_suboptimality < 1e-10
    assert lbfgs.n_iter > 0
    assert [r["solver"] for r in result.curve_records] == ["lbfgs"] * 2 * lbfgs.n_iter
    assert not any("differs from F" in note for note in result.notes)
    text = result.format()
    assert any(line.startswith("newton ") for line in text.splitlines())
    (saved,) = json.loads(results_to_json([result]))["comparisons"]
    assert {r["solver"] for r in saved["curves"]} == {"lbfgs"}
    only_newton = compare("linear", solvers=["newton"])
    header = records_to_csv(only_newton.curve_records, columns=CURVE_COLUMNS)
    assert header == ",".join(CURVE_COLUMNS) + "\n"
    if importlib.util.find_spec("matplotlib") is not None:
        figure = result.plot(tmp_path / "curves.png")
        ax_time = figure.axes[1]
        assert "measured per iteration" in ax_time.get_xlabel()


def test_budget_gives_every_solver_the_same_iterations():
    result = compare("logistic", solvers=["gd", "momentum", "adam", "sgd"], budget=15)
    assert result.settings["budget"] == 15 and result.settings["tol"] == 0
    assert [run.n_iter for run in result.runs] == [15, 15, 15, 15]
    assert {run.status for run in result.runs} == {"budget"}
    assert "15 iterations" in result.format()


def test_estimator_parameters_are_shared_and_only_the_solver_changes():
    X, y = load_dataset("iris").X, load_dataset("iris").y
    base = GDLogisticRegression(alpha=0.05, fit_intercept=False, max_iter=300)
    result = compare(base, X, y, solvers=["newton", "gd"], dataset="iris")
    assert (
        "alpha=0.05" in result.estimator and "fit_intercept=False" in result.estimator
    )
    assert result.settings["n_classes"] == 3 and result.settings["max_iter"] == 300
    newton = result.runs[0]
    assert newton.rel_suboptimality < 1e-10 and newton.coef_distance < 1e-5
    assert base.get_params()["solver"] == "gd"  # the caller's estimator is untouched


def test_ridge_weights_and_sparse_input_match_their_references():
    X, y = make_synthetic("linear", n_samples=120, n_features=6, random_state=3)
    weights = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    ridge = compare(
        GDLinearRegression(alpha=0.1),
        X,
        y,
        solvers=["newton", "gd"],
        sample_weight=weights,
    )
    assert "Ridge(" in ridge.reference_text and "'svd'" in ridge.reference_text
    assert ridge.runs[0].rel_suboptimality < 1e-12
    lasso = compare(
        ProxLasso(alpha=0.05), X, y, solvers=["newton"], sample_weight=weights
    )
    assert lasso.runs[0].rel_suboptimality < 1e-9
    logistic_y = (y > np.median(y)).astype(int)
    logistic = compare(
        "logistic", X, logistic_y, solvers=["newton"], sample_weight=weights
    )
    assert logistic.runs[0].rel_suboptimality < 1e-10
    sparse = compare("linear", sp.csr_matrix(X), y, solvers=["gd", "newton"])
    assert sparse.settings["condition_number"] is None
    assert sparse.runs[1].rel_suboptimality < 1e-10
    sparse_ridge = compare(
        GDLinearRegression(alpha=0.1), sp.csr_matrix(X), y, solvers=["newton"]
    )
    assert sparse_ridge.runs[0].rel_suboptimality < 1e-12


def test_references_use_the_objective_the_estimators_minimise():
    X, y = load_dataset("breast_cancer").X, load_dataset("breast_cancer").y
    X = StandardScaler().fit_transform(X)
    model = GDLogisticRegression(alpha=1e-2, solver="newton").fit(X, y)
    objective = objective_for(model, X, y)
    value = objective.value(objective.pack(model.coef_, model.intercept_))
    assert value == pytest.approx(model.loss_curve_[-1], rel=1e-12)


def test_no_standardization_is_stated():
    result = compare("linear", solvers=["newton"], standardize=False)
    assert "not standardized" in result.format()
    assert result.settings["condition_number"] > 1


def test_a_diverging_solver_is_reported_not_raised():
    X, y = load_dataset("diabetes").X, load_dataset("diabetes").y
    result = compare(
        GDLinearRegression(learning_rate=50.0), X, y, solvers=["gd", "newton"]
    )
    gd = result.runs[0]
    assert gd.status == "diverged" and "learning_rate" in gd.message
    assert math.isnan(gd.objective) and gd.curve is None
    assert any(note.startswith("gd diverged") for note in result.notes)
    assert "diverged" in result.format()
    assert result.sorted_runs()[-1].solver == "gd"
    json.loads(results_to_json([result]))  # NaN become null: still valid JSON


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"estimator_or_problem": "ridge"}, ValueError, "unknown problem 'ridge'"),
        (
            {"estimator_or_problem": "linear", "solvers": ["gd", "bfgs"]},
            ValueError,
            "unknown solver",
        ),
        (
            {"estimator_or_problem": "logistic", "X": "diabetes"},
            ValueError,
            "needs class labels",
        ),
        (
            {"estimator_or_problem": "linear", "X": "iris_data"},
            ValueError,
            "unknown dataset",
        ),
        (
            {"estimator_or_problem": "linear", "X": np.ones((3, 2))},
            ValueError,
            "y is required",
        ),
        ({"estimator_or_problem": "linear", "budget": 0}, ValueError, "budget"),
        ({"estimator_or_problem": "linear", "repeat": 0}, ValueError, "repeat"),
        ({"estimator_or_problem": object()}, TypeError, "skgd estimator"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        compare(**kwargs)


def test_a_pipeline_is_refused_with_a_hint():
    from sklearn.pipeline import make_pipeline

    with pytest.raises(TypeError, match="not a Pipeline"):
        compare(make_pipeline(StandardScaler(), GDLinearRegression()))


# -- datasets -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("diabetes", (442, 10)),
        ("breast_cancer", (569, 30)),
        ("iris", (150, 4)),
        ("digits", (1797, 64)),
    ],
)
def test_bundled_datasets(name, shape):
    data = load_dataset(name)
    assert data.X.shape == shape and data.y.shape == (shape[0],)
    assert data.X.dtype == np.float64


@pytest.mark.parametrize("problem", PROBLEMS)
def test_synthetic_data_is_seeded_and_conditioned(problem):
    X, y = make_synthetic(problem, n_samples=2000, n_features=8, condition=1e3)
    X2, y2 = make_synthetic(problem, n_samples=2000, n_features=8, condition=1e3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    eigenvalues = np.linalg.eigvalsh(np.cov(X.T))
    assert 300 < eigenvalues[-1] / eigenvalues[0] < 3000
    if problem == "logistic":
        assert set(np.unique(y)) == {0, 1}
    with pytest.raises(ValueError, match="condition"):
        make_synthetic(problem, condition=0.5)


def test_synthetic_comparison_states_its_condition_number():
    result = compare("linear", "synthetic", solvers=["newton"])
    assert result.dataset == "synthetic" and result.n_samples == 500
    assert 50 < result.settings["condition_number"] < 200
    assert "condition number" in result.format()


def test_csv_files(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b,label\n1,2,yes\n3,4.5,no\n5,6,yes\n-1,0,no\n")
    data = load_dataset(str(path), target="label")
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4.5], [5, 6], [-1, 0]])
    assert list(data.y) == ["yes", "no", "yes", "no"]
    with pytest.raises(ValueError, match="column 'label' has 'yes'"):
        load_dataset(str(path), target="a")
    (tmp_path / "numbers.csv").write_text("a,target\n1,2.5\n3,-4\n")
    numeric = load_dataset(str(tmp_path / "numbers.csv"))
    assert numeric.y.dtype == np.float64 and list(numeric.y) == [2.5, -4.0]
    with pytest.raises(ValueError, match="column 'target' not found"):
        load_dataset(str(path))
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_dataset(str(tmp_path / "missing.csv"))
    (tmp_path / "ragged.csv").write_text("a,target\n1,2\n3\n")
    with pytest.raises(ValueError, match="line 3: 1 fields"):
        load_dataset(str(tmp_path / "ragged.csv"))
    (tmp_path / "data.txt").write_text("a,target\n1,2\n")
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset(str(tmp_path / "data.txt"))


def test_parquet_files(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    X, y = make_synthetic("logistic", n_samples=60, n_features=3)
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2"]).assign(
        kind=np.where(y, "a", "b")
    )
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    data = load_dataset(str(path), target="kind")
    np.testing.assert_allclose(data.X, X)
    result = compare("logistic", data.X, data.y, solvers=["newton"], dataset=data.name)
    assert result.runs[0].rel_suboptimality < 1e-10
    with pytest.raises(ValueError, match="column 'target' not found"):
        load_dataset(str(path))
    frame.assign(x1=frame["x1"].astype(str)).to_parquet(path)
    with pytest.raises(ValueError, match="non-numeric feature columns x1"):
        load_dataset(str(path), target="kind")


# -- plots -------------------------------------------------------------------------
def test_plot_writes_a_png_with_a_line_per_solver(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    result = compare("logistic", budget=25)  # every solver, 25 iterations each
    figure = result.plot(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ax_iter, ax_time = figure.axes[:2]
    for ax in (ax_iter, ax_time):
        labels = [line.get_label() for line in ax.get_lines()]
        assert set(all_solvers()) <= set(labels)
    assert ax_iter.get_yscale() == "log" and ax_time.get_xscale() == "log"
    legend = [text.get_text() for text in ax_time.get_legend().get_texts()]
    assert "LogisticRegression (default), final" in legend


def test_plot_without_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'skgd\[plot\]'"):
        compare("lasso", solvers=["newton"]).plot("never.png")
