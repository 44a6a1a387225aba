"""The comparison as text: the report table, CSV and JSON."""

import csv
import io
import json
import math
import textwrap

import numpy as np

from .._version import __version__

# Header and notes wrap at this width.
REPORT_WIDTH = 96

#: The columns of the per-iteration curve rows
#: (:attr:`~skgd.comparison.ComparisonResult.curve_records`), in order;
#: ``validation_score`` follows when the estimator stops early.
CURVE_COLUMNS = (
    "problem",
    "dataset",
    "solver",
    "iteration",
    "time",
    "objective",
    "suboptimality",
    "optimality",
    "learning_rate",
    "grad_norm",
)


def _json_safe(record):
    def clean(value):
        if isinstance(value, (float, np.floating)):
            value = float(value)
            return value if math.isfinite(value) else None
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.bool_):
            return bool(value)
        return value

    return {key: clean(value) for key, value in record.items()}


def _suboptimality(values, optimum):
    values = np.asarray(values, dtype=float)
    return (values - optimum) / (abs(optimum) if optimum != 0 else 1.0)


def _fmt_sci(value, digits=1):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value == 0:
        return "0"
    return f"{value:.{digits}e}"


def _fmt_time(seconds):
    if seconds is None or math.isnan(seconds):
        return "-"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def _fmt_objective(value):
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.12g}"


def _converged_text(run):
    if run.status != "ok":
        return run.status
    if run.converged is None:
        return "-"
    return "yes" if run.converged else "no"


TABLE_COLUMNS = (
    ("solver", "<"),
    ("objective", ">"),
    ("rel.subopt", ">"),
    ("coef.dist", ">"),
    ("rel.opt", ">"),
    ("iter", ">"),
    ("time", ">"),
    ("ms/iter", ">"),
    ("conv.", ">"),
)


def format_table(result, sort="time"):
    """The table alone: reference rows, a rule, then the solvers."""

    def cells(run):
        per_iter = run.time_per_iter * 1e3
        return [
            run.solver,
            _fmt_objective(run.objective),
            _fmt_sci(run.rel_suboptimality),
            _fmt_sci(run.coef_distance),
            _fmt_sci(run.rel_optimality),
            "-" if run.n_iter is None else str(run.n_iter),
            _fmt_time(run.time),
            "-" if math.isnan(per_iter) else f"{per_iter:.3g}",
            _converged_text(run),
        ]

    fixed = [result.reference, *result.baselines]
    body = [cells(r) for r in fixed], [cells(r) for r in result.sorted_runs(sort)]
    header = [name for name, _ in TABLE_COLUMNS]
    widths = [
        max(len(row[i]) for row in [header, *body[0], *body[1]])
        for i in range(len(header))
    ]

    def line(row):
        return "  ".join(
            f"{text:{align}{width}}"
            for text, width, (_, align) in zip(row, widths, TABLE_COLUMNS, strict=True)
        ).rstrip()

    rule = "-" * len(line(header))
    return "\n".join(
        [line(header), rule, *map(line, body[0]), rule, *map(line, body[1])]
    )


def format_report(result, sort="time"):
    """The header lines (what was compared, how) followed by the table."""
    s = result.settings
    title = (
        f"{result.problem} on {result.dataset} ({result.n_samples} samples x "
        f"{result.n_features} features"
        + (f", {s['n_classes']} classes" if s.get("n_classes") else "")
        + ")"
    )
    if s["budget"] is not None:
        stopping = (
            f"same budget for every solver: exactly {s['budget']} iterations "
            "(epochs for minibatch solvers), tol=0"
        )
    else:
        stopping = (
            f"same for every solver: tol={s['tol']:g}, max_iter={s['max_iter']} "
            "(full batch: stop when the scale-invariant optimality, each "
            "gradient coordinate over the root of its curvature, falls below "
            "tol x its value at the null model; minibatch: when the epoch "
            "objective stops improving by tol and is within sqrt(tol) of its "
            "minimum)"
        )
    threads = s["n_threads"] if s["n_threads"] is not None else "library default"
    data = (
        "features standardized (StandardScaler, fitted once on all rows, before "
        "and outside every timing)"
        if s["standardize"]
        else "features used as given (not standardized)"
    )
    if s.get("condition_number") is not None:
        data += (
            f"; condition number of the centred Gram matrix X^T X: "
            f"{s['condition_number']:.3g}"
        )
    median = f"median of {s['repeat']}"
    if s["repeat"] % 2 == 0:
        median += " (the faster middle fit)"
    timing = (
        "wall time of the whole fit() (input validation, Lipschitz constant, all "
        f"iterations), {median} after one untimed warm-up fit; the curves' "
        "times are that fit's, measured at the end of each iteration; "
        f"BLAS threads: {threads}"
    )
    fields = [
        ("objective", result.objective_text),
        ("estimator", f"{result.estimator}, one clone per solver"),
        ("data", data),
        ("stopping", stopping),
        ("reference", result.reference_text),
        ("timing", timing),
    ]
    lines = [title]
    for name, text in fields:
        lines.append(
            textwrap.fill(
                text,
                width=REPORT_WIDTH,
                initial_indent=f"  {name:<10} ",
                subsequent_indent=" " * 13,
                break_on_hyphens=False,
            )
        )
    lines += ["", format_table(result, sort=sort)]
    notes = [
        "rel.subopt = (F - F*)/|F*|; coef.dist = |theta - theta*|/|theta*| "
        "(coefficients and intercept); rel.opt = the stopping measure relative "
        "to its value at zero coefficients; iter = iterations (epochs for sgd); "
        "conv. = stopped by its stopping rule before max_iter.",
        *result.notes,
    ]
    lines.append("")
    lines += [
        textwrap.fill(
            n,
            width=REPORT_WIDTH,
            initial_indent="  note: ",
            subsequent_indent=" " * 8,
            break_on_hyphens=False,
        )
        for n in notes
    ]
    return "\n".join(lines)


def records_to_csv(records, columns=()):
    """CSV text of a list of records: the summary :attr:`records
    <skgd.comparison.ComparisonResult.records>` or the per-iteration
    :attr:`curve_records <skgd.comparison.ComparisonResult.curve_records>`.

    The header is ``columns`` (e.g. :data:`CURVE_COLUMNS`, so that no rows
    still give a header), then the other keys of the records in order of
    appearance. None and non-finite numbers are written as empty fields.
    """
    keys = list(dict.fromkeys([*columns, *(k for record in records for k in record)]))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {k: ("" if v is None else v) for k, v in _json_safe(record).items()}
        )
    return buffer.getvalue()


def results_to_json(results):
    """JSON text of several comparisons: each one's :meth:`to_dict
    <skgd.comparison.ComparisonResult.to_dict>` (settings, records and the
    per-iteration ``"curves"`` rows; non-finite numbers become null)."""
    payload = {
        "skgd_version": __version__,
        "comparisons": [result.to_dict() for result in results],
    }
    return json.dumps(payload, indent=2, allow_nan=False)
