"""The ``skgd`` command line: ``skgd compare`` formats :func:`skgd.compare`.

``skgd`` with no command, and ``python -m skgd``, run ``skgd compare``. Every
error the user can cause (a bad argument, a missing file, a missing column)
ends in one line on stderr and a non-zero exit code, never a traceback.
"""

import argparse
import os
import sys

from . import __version__
from .comparison import (
    BUNDLED_DATASETS,
    CURVE_COLUMNS,
    DEFAULT_ALPHA,
    DEFAULT_DATASET,
    PROBLEM_TABLE,
    PROBLEMS,
    SORT_KEYS,
    SYNTHETIC,
    all_solvers,
    check_solvers,
    check_target,
    compare,
    load_dataset,
    records_to_csv,
    results_to_json,
)

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
        help=f"{', '.join(BUNDLED_DATASETS)}, {SYNTHETIC}, or a .csv/.parquet "
        "file with a header (default: the problem's bundled dataset)",
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
        help="instead: exactly N iterations for every solver (tol=0)",
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
    fmt = out.add_mutually_exclusive_group()
    fmt.add_argument(
        "--json",
        action="store_true",
        help="print JSON instead of tables: per comparison the settings, the "
        "summary records and the per-iteration curves ("
        + ", ".join(CURVE_COLUMNS)
        + "; time = seconds since the fit started, measured per iteration)",
    )
    fmt.add_argument(
        "--csv",
        nargs="?",
        const="summary",
        choices=CSV_TABLES,
        help="print CSV instead of tables: 'summary' (the default) has one row "
        "per solver, reference and baseline; 'curves' one row per iteration "
        "(epoch) per solver, with the columns of the JSON curves",
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


def run_compare(args):
    jobs = _problems_and_datasets(args)
    solvers = None
    if args.solvers:
        solvers = [s for item in args.solvers for s in item.split(",") if s]
    if args.plot:
        from .plotting import require_matplotlib

        require_matplotlib("--plot")
        folder = os.path.dirname(os.path.abspath(args.plot))
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"--plot: no such directory: {folder}")
    solvers = check_solvers(solvers)
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
    machine = args.json or args.csv
    if not machine:
        print(
            "skgd compare: every solver on the same objective, data and stopping "
            "rule, against a reference optimum\n",
            flush=True,
        )
    results = []
    for (problem, _), data in zip(jobs, datasets, strict=True):
        result = compare(
            problem,
            data.X,
            data.y,
            solvers=solvers,
            alpha=args.alpha,
            tol=args.tol,
            max_iter=args.max_iter,
            budget=args.budget,
            standardize=not args.no_standardize,
            repeat=args.repeat,
            n_threads=args.threads or None,
            random_state=args.seed,
            dataset=data.name,
        )
        results.append(result)
        if not machine:
            print(result.format(sort=args.sort) + "\n", flush=True)
    if args.json:
        print(results_to_json(results))
    elif args.csv == "curves":
        rows = [row for result in results for row in result.curve_records]
        sys.stdout.write(records_to_csv(rows, columns=CURVE_COLUMNS))
    elif args.csv:
        records = [record for result in results for record in result.records]
        sys.stdout.write(records_to_csv(records))
    if args.plot:
        from .plotting import plot_comparison

        plot_comparison(results, filename=args.plot)
        print(
            f"convergence plot written to {args.plot}",
            file=sys.stderr if machine else sys.stdout,
        )
    return 0


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
