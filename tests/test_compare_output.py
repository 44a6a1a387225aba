"""What a comparison reports: status, notes, layout, repeats, machine, outputs."""

import datetime
import functools
import json
import os
import sys
from html.parser import HTMLParser

import numpy as np
import pytest
import scipy.sparse as sp
from _registry import BUILTIN_SOLVERS
from sklearn.datasets import dump_svmlight_file

from skgd import compare
from skgd.cli import main
from skgd.comparison import (
    CURVE_COLUMNS,
    STATUS_MEANINGS,
    load_dataset,
    make_synthetic,
    write_parquet,
)
from skgd.diagnostics import lr_find

X, Y = make_synthetic("linear", n_samples=150, n_features=5, random_state=1)
TOL = 1e-6


@functools.cache
def small(repeat=1, **kwargs):
    """Every built-in solver on a small least-squares problem, 60 iterations."""
    return compare(
        "linear", X, Y, solvers=BUILTIN_SOLVERS, max_iter=60, repeat=repeat, **kwargs
    )


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# -- status ---------------------------------------------------------------------------
def test_the_status_says_what_ended_the_run():
    result = small()
    assert result.settings["tol"] == TOL
    for run in result.runs:
        assert run.status in STATUS_MEANINGS, run.status
        assert run.converged == (run.status == "converged")
        if run.status == "converged":
            # converged means: at the stopping accuracy, as the table measures it
            assert (
                run.rel_optimality <= TOL * (1 + 1e-6) or run.rel_suboptimality < 1e-14
            )
        if run.status == "max_iter":
            assert run.n_iter == 60
        if run.status == "stalled":
            assert run.n_iter < 60 and run.rel_optimality > TOL and run.message
    assert {run.status for run in result.runs} >= {"converged", "max_iter"}


def test_a_minibatch_plateau_far_from_the_optimum_is_not_converged():
    """The issue's example: sgd stops by its own rule at 6.8e-4 relative
    suboptimality on diabetes; the row must not say converged."""
    (sgd,) = compare("linear", solvers=["sgd"]).runs
    assert sgd.rel_suboptimality > 1e-5
    assert sgd.n_iter < 1000 and sgd.status == "stalled" and not sgd.converged
    assert "its own stopping rule called it converged" in sgd.message


def test_budget_rows_say_budget_not_converged():
    result = compare("linear", X, Y, solvers=["gd", "newton"], budget=7)
    assert [run.status for run in result.runs] == ["budget", "budget"]
    assert "budget = ran its whole budget" in result.format()


# -- notes ------------------------------------------------------------------------------
def test_identical_rows_are_explained():
    result = small()
    curves = result.curve_arrays()
    same = np.array_equal(curves["adam"]["objective"], curves["adamw"]["objective"])
    explained = [n for n in result.notes if "adam and adamw have identical" in n]
    assert same and len(explained) == 1
    assert "weight_decay=0.0 is adam" in explained[0]
    # settings a solver ignores give identical rows too, with a general reason
    ignored = compare(
        "linear",
        X,
        Y,
        solvers=[("a", {"solver": "gd", "beta1": 0.5}), ("b", {"solver": "gd"})],
        max_iter=10,
    )
    (note,) = [n for n in ignored.notes if "identical" in n]
    assert note.startswith("a and b") and "do not change the iterates" in note
    different = compare("linear", X, Y, solvers=["gd", "nesterov"], max_iter=10)
    assert not any("identical" in n for n in different.notes)


def test_least_squares_on_class_labels_warns(capsys):
    with pytest.warns(UserWarning, match="looks like class labels"):
        result = compare("linear", "breast_cancer", solvers=["newton"])
    assert any("--problem logistic" in note for note in result.notes)
    code, _, err = _run(capsys, ["-p", "linear", "-d", "breast_cancer", "-s", "newton"])
    assert code == 0
    assert "skgd: warning: linear fits a continuous target" in err
    with_counts = compare("linear", "diabetes", solvers=["newton"])  # no warning
    assert not any("class labels" in note for note in with_counts.notes)


# -- layout -----------------------------------------------------------------------------
@pytest.mark.slow  # (every problem: about 4 s)
def test_default_output_fits_100_columns_with_one_header_and_footnote(capsys):
    code, out, err = _run(capsys, ["--max-iter", "15"])
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 100
    # one header for every problem, one footnote at the end
    assert out.count("\n  stopping   ") == 1 and out.count("\n  timing   ") == 1
    assert out.count("rel.subopt = (F - F*)") == 1
    assert out.count("  reference ") == out.count(" samples x ") > 1
    assert out.rindex("note:") > out.rindex("\nsolver ")
    assert "left out to fit 100 columns" in out
    # progress: one line per contender and problem on stderr
    assert len(err.strip().splitlines()) == out.count(" samples x ") * len(
        BUILTIN_SOLVERS
    )


def test_several_problems_share_one_header_and_one_footnote(capsys):
    argv = ["-d", "diabetes", "-s", "adam,adamw", "--max-iter", "9"]
    code, out, _ = _run(capsys, argv)
    assert code == 0
    titles = [line for line in out.splitlines() if " on diabetes (" in line]
    problems = [t.split()[0] for t in titles]
    assert problems[:2] == ["linear", "lasso"]
    assert out.count("\n  stopping   ") == 1 and out.count("rel.subopt = (F - F*)") == 1
    # each problem's own notes, in the one footnote, name their problem
    notes = [line.split("note: ")[1] for line in out.splitlines() if "note: " in line]
    for problem in problems:
        assert any(
            n.startswith(f"{problem} on diabetes: adam and adamw") for n in notes
        )


def test_quiet_prints_only_the_tables_and_wide_every_column(capsys):
    argv = ["-p", "logistic", "-s", "gd,newton", "--max-iter", "10"]
    code, out, err = _run(capsys, [*argv, "-q"])
    assert code == 0 and err == ""
    assert "note:" not in out and "stopping" not in out
    lines = out.strip().splitlines()
    assert lines[0].startswith("logistic on breast_cancer") and "status" in lines[1]
    assert "ms/iter" not in out
    code, wide, _ = _run(capsys, [*argv, "-q", "--wide"])
    assert "ms/iter" in wide and "coef.dist" in wide
    assert max(len(line) for line in wide.splitlines()) > 100
    code, _, verbose = _run(capsys, [*argv, "-v"])
    assert "LogisticRegression (reference)" in verbose


def test_list_solvers(capsys):
    code, out, _ = _run(capsys, ["--list-solvers"])
    assert code == 0
    for name in BUILTIN_SOLVERS:
        assert any(line.split()[0] == name for line in out.splitlines()[1:] if line)


# -- repeats, curves and the machine ----------------------------------------------------
def test_repeats_keep_every_fit_and_report_the_spread():
    result = small(repeat=3)
    for run in result.runs:
        assert len(run.times) == 3 == len(run.histories)
        assert run.time == sorted(run.times)[1]
        assert min(run.times) <= run.time <= max(run.times)
        record = next(r for r in result.records if r["solver"] == run.solver)
        assert record["time_min_s"] == min(run.times)
        assert record["time_max_s"] == max(run.times)
        arrays = result.curve_arrays()[run.solver]
        assert np.all(arrays["time_min"] <= arrays["time"])
        assert np.all(arrays["time"] <= arrays["time_max"])
    rows = result.curve_records
    assert list(rows[0]) == list(CURVE_COLUMNS)
    assert len(rows) == sum(3 * run.n_iter for run in result.runs)
    for run in result.runs:
        for repeat, history in enumerate(run.histories, start=1):
            mine = [
                r for r in rows if r["solver"] == run.solver and r["repeat"] == repeat
            ]
            np.testing.assert_array_equal([r["time"] for r in mine], history["time"])
    assert "spread" in result.format(wide=True)


def test_curves_is_a_tidy_frame():
    pd = pytest.importorskip("pandas")
    result = small(repeat=2)
    frame = result.curves()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(CURVE_COLUMNS)
    sizes = frame.groupby(["solver", "repeat"]).size()
    for run in result.runs:
        assert list(sizes[run.solver]) == [run.n_iter, run.n_iter]


def test_curves_without_pandas_say_how_to_install(monkeypatch):
    result = small()
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'skgd\[notebook\]'"):
        result.curves()
    assert result.curve_arrays()  # the arrays need no pandas


def test_machine_versions_and_timestamp_are_recorded():
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    result = compare("linear", X, Y, solvers=["newton"], n_threads=1)
    after = datetime.datetime.now(datetime.timezone.utc)
    stamp = datetime.datetime.fromisoformat(result.timestamp)
    assert before <= stamp <= after
    assert result.machine["n_cores"] == os.cpu_count()
    blas = [lib for lib in result.machine["blas"] if lib["user_api"] == "blas"]
    assert blas and all(lib["num_threads"] == 1 for lib in blas)  # the limit
    assert result.versions["numpy"] == np.__version__
    saved = json.loads(json.dumps(result.to_dict()))
    assert saved["machine"]["n_cores"] == os.cpu_count()
    assert saved["timestamp"] == result.timestamp


def test_json_file_and_csv_carry_the_machine(capsys, tmp_path):
    path = tmp_path / "c.json"
    argv = ["-p", "linear", "-s", "gd,newton", "--max-iter", "10", "--repeat", "2"]
    code, out, err = _run(capsys, [*argv, "--json", str(path), "-q"])
    assert code == 0, err
    assert "status" in out  # the table still goes to stdout
    (comparison,) = json.loads(path.read_text())["comparisons"]
    assert {r["repeat"] for r in comparison["curves"]} == {1, 2}
    assert comparison["versions"]["numpy"] == np.__version__
    code, out, _ = _run(capsys, [*argv, "--csv", "curves"])
    header = out.splitlines()[0].split(",")
    assert header[: len(CURVE_COLUMNS)] == list(CURVE_COLUMNS)
    assert {"timestamp", "cpu", "n_cores", "blas_threads", "numpy_version"} <= set(
        header
    )
    code, _, err = _run(capsys, [*argv, "--json", "--csv"])
    assert code == 2 and "give --json a FILE" in err


def test_parquet_output(capsys, tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    path = tmp_path / "curves.parquet"
    code, _, err = _run(
        capsys,
        ["-p", "linear", "-s", "gd,newton", "--max-iter", "10", "--parquet", str(path)],
    )
    assert code == 0, err
    frame = pd.read_parquet(path)
    assert list(frame.columns[: len(CURVE_COLUMNS)]) == list(CURVE_COLUMNS)
    assert set(frame["solver"]) == {"gd", "newton"}
    assert (frame["n_cores"] == os.cpu_count()).all()
    result = compare("linear", X, Y, solvers=["gd"], max_iter=8)
    written = write_parquet([result], tmp_path / "again.parquet")
    np.testing.assert_array_equal(
        pd.read_parquet(tmp_path / "again.parquet")["time"], written["time"]
    )
    assert len(written) == 8


def test_parquet_without_pyarrow_says_how_to_install(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    code, out, err = _run(capsys, ["-p", "linear", "--parquet", str(tmp_path / "p.pq")])
    assert code == 1 and out == ""
    assert "pip install 'skgd[parquet]'" in err


def test_plot_draws_the_spread_of_repeats_as_a_band(tmp_path):
    pytest.importorskip("matplotlib")
    result = small(repeat=3)
    figure = result.plot(tmp_path / "band.png")
    ax_time = figure.axes[1]
    bands = ax_time.collections
    assert bands, "no band drawn"
    arrays = result.curve_arrays()
    low = min(a["time_min"][1:].min() for a in arrays.values() if a["time"].size > 1)
    high = max(a["time_max"].max() for a in arrays.values())
    for band in bands:
        x = band.get_paths()[0].vertices[:, 0]
        assert low * (1 - 1e-9) <= x.min() and x.max() <= high * (1 + 1e-9)
    assert "band" in ax_time.get_xlabel()


# -- datasets -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["data.svm", "data.libsvm", "data.txt", "d.svm.bz2", "rcv1.binary.bz2", "a9a"],
)
def test_svmlight_files(tmp_path, name):
    rng = np.random.default_rng(0)
    dense = np.where(rng.random((40, 6)) < 0.5, rng.normal(size=(40, 6)), 0.0)
    labels = np.where(rng.random(40) < 0.5, -1.0, 1.0)
    path = tmp_path / name
    if name.endswith(".bz2"):
        import bz2

        plain = tmp_path / "plain.svm"
        dump_svmlight_file(dense, labels, str(plain))
        path.write_bytes(bz2.compress(plain.read_bytes()))
    else:
        dump_svmlight_file(dense, labels, str(path))
    data = load_dataset(str(path))
    assert sp.issparse(data.X)
    np.testing.assert_allclose(data.X.toarray(), dense)
    np.testing.assert_array_equal(data.y, labels)
    result = compare("logistic", str(path), solvers=["newton"])
    assert result.runs[0].rel_suboptimality < 1e-9


def test_a_text_file_that_is_not_svmlight_is_refused(tmp_path):
    path = tmp_path / "table.txt"
    path.write_text("a,target\n1,2\n")
    with pytest.raises(ValueError, match="svmlight lines"):
        load_dataset(str(path))


# -- notebook ---------------------------------------------------------------------------
class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])

    def handle_data(self, data):
        if self.tags and self.tags[-1] in ("td", "th") and self.rows:
            self.rows[-1].append(data)

    def handle_endtag(self, tag):
        self.tags.pop()


def test_a_result_displays_as_a_table_in_a_notebook():
    result = small()
    text = repr(result)
    assert len(text.splitlines()) <= 4 and len(text) < 400
    assert "linear on data" in text
    parser = _Cells()
    parser.feed(result._repr_html_())
    header, *rows = parser.rows
    assert header[0] == "solver" and "status" in header
    assert [row[0] for row in rows] == [run.solver for run in result.rows()]
    status = header.index("status")
    assert [row[status] for row in rows] == [run.status for run in result.rows()]


def test_lr_finder_result_has_short_reprs():
    result = lr_find(
        __import__("skgd").GDLinearRegression(), X, Y, num_steps=30, max_lr=1.0
    )
    text = repr(result)
    assert len(text.splitlines()) <= 4 and len(text) < 400
    assert f"{result.suggestion:.3g}" in text
    parser = _Cells()
    parser.feed(result._repr_html_())
    cells = dict(parser.rows)
    assert cells["suggestion"] == f"{result.suggestion:.3g}"
    assert cells["solver"] == "gd"
