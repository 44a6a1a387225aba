"""The ``skgd`` command line: ``skgd compare`` formats :func:`skgd.compare`.

``skgd`` with no command, and ``python -m skgd``, run ``skgd compare``. Every
error the user can cause (a bad argument, a missing file, a missing column)
ends in one line on stderr and a non-zero exit code, never a traceback.
"""

import argparse
import contextlib
import os
import re
import sys
import textwrap
import warnings

from . import __version__
from .comparison import (
    BUNDLED_DATASETS,
    CURVE_COLUMNS,
    DEFAULT_ALPHA,
    DEFAULT_DATASET,
    PROBLEM_TABLE,
    PROBLEMS,
    SORT_KEYS,
    SVMLIGHT_SUFFIXES,
    SYNTHETIC,
    all_solvers,
    check_solvers,
    check_target,
    compare,
    format_report,
    load_dataset,
    records_to_csv,
    results_to_json,
    solver_grid,
    target_warning,
    tidy_rows,
    unused_grid_parameters,
    write_parquet,
)
from .comparison.contenders import GRID_PARAMETERS

COMMANDS = ("compare",)
#: What ``--csv`` can print: the summary rows or the per-iteration curves.
CSV_TABLES = ("summary", "curves")
EXIT_USAGE = 2
EXIT_ERROR = 1

_EXAMPLES = """\
examples:
  skgd compare                                   # the three problems, default datasets
  skgd compare --problem logistic --dataset breast_cancer --plot curves.png
  skgd compare --problem linear --dataset synthetic --n-samples 2000 --condition 1e4
  skgd compare --problem lasso --dataset data.csv --target price --solvers gd nesterov
  skgd compare --problem logistic --budget 100 --csv > results.csv
  skgd compare --problem logistic --csv curves > curves.csv   # one row per iteration
  skgd compare --problem lasso --json > comparison.json       # summary and curves
  skgd compare --problem logistic --repeat 3 --plot c.png --json c.json
  skgd compare --problem linear --solvers gd --learning-rate 0.01,0.1,0.5
  skgd compare --problem linear --solvers momentum nesterov --momentum 0.5,0.9
  skgd compare --problem logistic --dataset rcv1.svm --solvers gd,lbfgs -q
  skgd compare --list-solvers
"""


class UsageError(Exception):
    """A bad command line (argparse's errors, raised instead of exiting)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


def _number(kind, minimum, name):
    """An argparse type: ``kind`` (int or float), finite, at least ``minimum``."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {name}") from None
        if not minimum <= value < float("inf"):
            raise argparse.ArgumentTypeError(
                f"{text!r} must be a finite number >= {minimum}"
            )
        return value

    return parse


_positive_int = _number(int, 1, "an integer")
_nonnegative_int = _number(int, 0, "an integer")
_nonnegative_float = _number(float, 0.0, "a number")
_condition = _number(float, 1.0, "a number")
_positive_float = _number(float, 0.0, "a number")


def _values(parse):
    """An argparse type: a comma-separated list of values, each through ``parse``."""

    def values(text):
        out = []
        for item in (t.strip() for t in text.split(",")):
            if not item:
                continue
            try:
                out.append(parse(item))
            except (argparse.ArgumentTypeError, ValueError) as error:
                raise argparse.ArgumentTypeError(str(error)) from None
        if not out:
            raise argparse.ArgumentTypeError(f"no value in {text!r}")
        return out

    return values


def _learning_rate(text):
    if text in ("auto", "armijo"):
        return text
    value = _positive_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be > 0, 'auto' or 'armijo'")
    return value


def _momentum(text):
    value = _nonnegative_float(text)
    if not value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be in [0, 1)")
    return value


def build_parser():
    """The argument parser of ``skgd`` and its ``compare`` command."""
    parser = _Parser(
        prog="skgd",
        description="Compare skgd's solvers on one objective against a reference "
        "optimum. Without a command, runs 'compare'.",
    )
    parser.add_argument("--version", action="version", version=f"skgd {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser
    )
    c = commands.add_parser(
        "compare",
        help="every solver against the reference optimum (the default command)",
        description=(
            "Fit every solver on the same objective, the same (standardized) data "
            "and the same stopping rule, and print: final objective, relative "
            "suboptimality and coefficient distance to a reference optimum "
            "(lstsq / Ridge / LogisticRegression / Lasso / ElasticNet / "
            "PoissonRegressor at a much tighter tolerance), iterations and wall "
            "time. Without --problem, runs every problem on its default dataset ("
            + ", ".join(f"{p} -> {d}" for p, d in DEFAULT_DATASET.items())
            + ")."
        ),
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument(
        "--problem",
        "-p",
        choices=PROBLEMS,
        help="what to minimise (default: all three)",
    )
    c.add_argument(
        "--dataset",
        "-d",
        metavar="NAME|FILE",
        help=f"{', '.join(BUNDLED_DATASETS)}, {SYNTHETIC}, a .csv/.parquet "
        "file with a header, or an svmlight/libsvm file ("
        + "/".join(SVMLIGHT_SUFFIXES)
        + ", optionally .gz/.bz2; the LIBSVM datasets' format) (default: the "
        "problem's bundled dataset)",
    )
    c.add_argument(
        "--target",
        "-t",
        default="target",
        metavar="COLUMN",
        help="target column of a data file (default: target)",
    )
    c.add_argument(
        "--solvers",
        "-s",
        nargs="+",
        metavar="SOLVER",
        help=f"solvers to compare, space- or comma-separated (default: all: "
        f"{' '.join(all_solvers())})",
    )
    c.add_argument(
        "--list-solvers",
        action="store_true",
        help="list the registered solvers and what they use, then exit",
    )
    c.add_argument(
        "--alpha",
        type=_nonnegative_float,
        help="penalty strength (default: "
        + ", ".join(f"{p} {a:g}" for p, a in DEFAULT_ALPHA.items())
        + ")",
    )
    stop = c.add_argument_group("stopping (the same for every solver)")
    stop.add_argument(
        "--tol",
        type=_nonnegative_float,
        help="stopping tolerance (default: the estimators' 1e-6)",
    )
    stop.add_argument(
        "--max-iter", type=_positive_int, help="iteration (epoch) limit (default: 1000)"
    )
    stop.add_argument(
        "--budget",
        type=_positive_int,
        metavar="N",
        help="instead: N iterations for every solver (tol=0; fewer only at an "
        "exact fixed point)",
    )
    grid = c.add_argument_group(
        "solver settings (a grid: one row and one curve per solver and setting; "
        "values comma-separated)"
    )
    grid.add_argument(
        "--learning-rate",
        "--lr",
        type=_values(_learning_rate),
        action="extend",
        metavar="LR[,LR...]",
        help="step sizes, numbers or auto/armijo (not used by newton and lbfgs, "
        "which search their steps)",
    )
    grid.add_argument(
        "--momentum",
        type=_values(_momentum),
        action="extend",
        metavar="BETA[,BETA...]",
        help="momentum beta in [0, 1) of momentum and nesterov",
    )
    grid.add_argument(
        "--batch-size",
        type=_values(_positive_int),
        action="extend",
        metavar="N[,N...]",
        help="minibatch sizes (not used by newton and lbfgs)",
    )
    syn = c.add_argument_group("synthetic dataset (--dataset synthetic)")
    syn.add_argument("--n-samples", type=_positive_int, help="rows (default 500)")
    syn.add_argument("--n-features", type=_positive_int, help="columns (default 20)")
    syn.add_argument(
        "--condition",
        type=_condition,
        help="condition number of the feature covariance (default 100)",
    )
    run = c.add_argument_group("running")
    run.add_argument(
        "--no-standardize",
        action="store_true",
        help="use the features as given (default: StandardScaler)",
    )
    run.add_argument(
        "--repeat",
        type=_positive_int,
        default=1,
        help="timed fits per solver, median reported (default 1)",
    )
    run.add_argument(
        "--threads",
        type=_nonnegative_int,
        default=1,
        help="BLAS threads for every fit; 0 = library default (default 1)",
    )
    run.add_argument(
        "--seed",
        type=_nonnegative_int,
        default=0,
        help="seed of minibatch shuffles and synthetic data (default 0)",
    )
    out = c.add_argument_group("output")
    talk = out.add_mutually_exclusive_group()
    talk.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the tables: no settings, notes or progress",
    )
    talk.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more progress on stderr (the reference and baselines too)",
    )
    out.add_argument(
        "--wide",
        action="store_true",
        help="every column of the table, even beyond 100 characters",
    )
    out.add_argument(
        "--sort",
        choices=SORT_KEYS,
        default="time",
        help="order of the solver rows (default: time to converge)",
    )
    out.add_argument(
        "--plot",
        metavar="FILE.png",
        help="write convergence curves (needs matplotlib: pip install 'skgd[plot]')",
    )
    out.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="FILE",
        help="write JSON to FILE (stdout, instead of the tables, without FILE): "
        "per comparison the settings, machine, versions, timestamp, the summary "
        "records and the per-iteration curves ("
        + ", ".join(CURVE_COLUMNS)
        + "; time = seconds since the fit started, measured per iteration)",
    )
    out.add_argument(
        "--parquet",
        metavar="FILE",
        help="write the per-iteration curves, one row per contender x repeat x "
        "iteration with the machine, versions and timestamp, to a Parquet file "
        "(needs pandas and pyarrow: pip install 'skgd[parquet]')",
    )
    out.add_argument(
        "--csv",
        nargs="?",
        const="summary",
        choices=CSV_TABLES,
        help="print CSV instead of tables: 'summary' (the default) has one row "
        "per solver, reference and baseline; 'curves' one row per iteration "
        "(epoch) per repeat per solver, with the columns of the JSON curves; "
        "both end with the machine, versions and timestamp columns",
    )
    c.set_defaults(handler=run_compare)
    return parser


def _problems_and_datasets(args):
    """``[(problem, dataset_name), ...]`` to run, from --problem and --dataset."""
    synthetic_options = [args.n_samples, args.n_features, args.condition]
    if args.dataset != SYNTHETIC and any(v is not None for v in synthetic_options):
        raise UsageError(
            "skgd compare: --n-samples, --n-features and --condition apply to "
            "--dataset synthetic only"
        )
    if args.budget is not None and (args.tol is not None or args.max_iter is not None):
        raise UsageError("skgd compare: --budget replaces --tol and --max-iter")
    if args.problem:
        return [(args.problem, args.dataset or DEFAULT_DATASET[args.problem])]
    if args.dataset is None:
        return list(DEFAULT_DATASET.items())
    if args.dataset == SYNTHETIC:
        return [(p, SYNTHETIC) for p in PROBLEMS]
    if args.dataset in BUNDLED_DATASETS:
        kind = BUNDLED_DATASETS[args.dataset][1]
        return [(p.name, args.dataset) for p in PROBLEM_TABLE if p.target == kind]
    raise UsageError(
        "skgd compare: with a data file, choose the problem with --problem "
        f"({', '.join(PROBLEMS)})"
    )


def _list_solvers():
    """The ``--list-solvers`` text: every registered solver and what it uses."""
    from .comparison.contenders import _uses
    from .solvers import SOLVERS

    lines = ["registered solvers (--solvers NAME ...), and the grids that apply:"]
    for name in all_solvers():
        cls = SOLVERS[name]
        doc = (cls.__doc__ or "").strip().splitlines()
        summary = doc[0].rstrip(".") if doc else ""
        if summary.startswith(f"{cls.__name__}("):  # a dataclass's own signature
            summary = ""
        if ":math:" in summary:  # the formula is for the docs: keep the words
            summary = summary.split(":math:")[0].rstrip(": ")
        summary = re.sub(r":\w+:`~?([^`]*)`", r"\1", summary).replace("``", "")
        runs = (
            "full batch only"
            if getattr(cls, "full_batch_only", False)
            else ("minibatches" if getattr(cls, "stochastic", False) else "full batch")
        )
        used = ["--" + p.replace("_", "-") for p in GRID_PARAMETERS if _uses(name, p)]
        title = f"{cls.__name__}: {summary}" if summary else cls.__name__
        title = textwrap.shorten(title, width=86, placeholder="...")
        lines.append(f"  {name:<10} {title}")
        lines.append(f"  {'':<10} {runs}; grid settings: {', '.join(used) or 'none'}")
    return "\n".join(lines)


def _contenders(args):
    """The --solvers names, or the grid of --learning-rate/--momentum/--batch-size."""
    names = None
    if args.solvers:
        names = [s for item in args.solvers for s in item.split(",") if s]
    names = check_solvers(names)
    grid = {p: getattr(args, p) for p in GRID_PARAMETERS if getattr(args, p)}
    if not grid:
        return names, []
    ignored = unused_grid_parameters(names, **grid)
    for parameter in grid:
        if set(names) <= set(ignored.get(parameter, ())):
            raise UsageError(
                f"skgd compare: --{parameter.replace('_', '-')} applies to none of "
                f"{', '.join(names)}; choose solvers that use it (see --list-solvers)"
            )
    notes = [
        f"--{p.replace('_', '-')} does not apply to {', '.join(s)} (one row each)."
        for p, s in ignored.items()
    ]
    return solver_grid(names, **grid), notes


def _say(args, text):
    """A progress or status line on stderr, unless --quiet."""
    if not args.quiet:
        print(text, file=sys.stderr, flush=True)


def run_compare(args):
    if args.list_solvers:
        print(_list_solvers())
        return 0
    json_to_stdout = args.json == "-"
    if json_to_stdout and args.csv:
        raise UsageError(
            "skgd compare: argument --csv: not allowed with --json printing to "
            "stdout; give --json a FILE"
        )
    jobs = _problems_and_datasets(args)
    contenders, grid_notes = _contenders(args)
    for option, path in (("--plot", args.plot), ("--json", args.json),
                         ("--parquet", args.parquet)):  # fmt: skip
        if path and path != "-":
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder):
                raise FileNotFoundError(f"{option}: no such directory: {folder}")
    if args.plot:
        from .plotting import require_matplotlib

        require_matplotlib("--plot")
    if args.parquet:
        _require_parquet()
    datasets = [
        load_dataset(
            name,
            problem,
            target=args.target,
            n_samples=args.n_samples or 500,
            n_features=args.n_features or 20,
            condition=args.condition or 100.0,
            random_state=args.seed,
        )
        for problem, name in jobs
    ]
    for (problem, _), data in zip(jobs, datasets, strict=True):
        check_target(problem, data.y, data.name)
        warning = target_warning(problem, data.y, data.name)
        if warning:
            print(f"skgd: warning: {warning}", file=sys.stderr)
    machine = json_to_stdout or args.csv
    if not machine and not args.quiet:
        print(
            "skgd compare: every solver on the same objective, data and stopping "
            "rule, against\na reference optimum\n",
            flush=True,
        )
    verbose = 0 if args.quiet else 1 + args.verbose
    results = []
    for (problem, _), data in zip(jobs, datasets, strict=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # printed above
            result = compare(
                problem,
                data.X,
                data.y,
                solvers=contenders,
                alpha=args.alpha,
                tol=args.tol,
                max_iter=args.max_iter,
                budget=args.budget,
                standardize=not args.no_standardize,
                repeat=args.repeat,
                n_threads=args.threads or None,
                random_state=args.seed,
                dataset=data.name,
                verbose=verbose,
            )
        result.notes.extend(grid_notes)
        results.append(result)
    if json_to_stdout:
        print(results_to_json(results))
    elif args.csv == "curves":
        rows = tidy_rows(results, curves=True)
        sys.stdout.write(records_to_csv(rows, columns=CURVE_COLUMNS))
    elif args.csv:
        sys.stdout.write(records_to_csv(tidy_rows(results, curves=False)))
    else:
        print(format_report(results, sort=args.sort, wide=args.wide, quiet=args.quiet))
    if args.json and not json_to_stdout:
        with open(args.json, "w", encoding="utf-8") as handle:
            handle.write(results_to_json(results) + "\n")
        _say(args, f"JSON written to {args.json}")
    if args.parquet:
        write_parquet(results, args.parquet)
        _say(args, f"Parquet curves written to {args.parquet}")
    if args.plot:
        from .plotting import plot_comparison

        plot_comparison(results, filename=args.plot)
        _say(args, f"convergence plot written to {args.plot}")
    return 0


def _require_parquet():
    hint = "pip install 'skgd[parquet]' (or pip install pandas pyarrow)"
    for module in ("pandas", "pyarrow"):
        try:
            __import__(module)
        except ImportError:
            raise ImportError(f"--parquet needs pandas and pyarrow: {hint}") from None


def _one_line(error):
    text = " ".join(str(error).split())
    return text or type(error).__name__


def main(argv=None):
    """Run the command line; return the exit code (0 on success)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (
        argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")
    ):
        argv.insert(0, "compare")
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except UsageError as error:
        print(f"{_one_line(error)} (see skgd compare --help)", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader (head, less) stopped reading: not an error
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ValueError, TypeError, OSError, ImportError) as error:
        print(f"skgd: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("skgd: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exit_:  # --help and --version
        return exit_.code if isinstance(exit_.code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
