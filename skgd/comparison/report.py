"""The comparison as text: the report table, CSV and JSON."""

import csv
import html
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
    "repeat",
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


#: What the ``status`` of a row says (the table's footnote explains those shown).
STATUS_MEANINGS = {
    "converged": "stopped by the stopping rule with rel.opt <= tol",
    "max_iter": "max_iter ended the run before it reached tol",
    "stalled": "stopped before max_iter without reaching tol (no further "
    "progress: a minibatch plateau, which ends sgd's run by its own looser "
    "rule, an exact fixed point that is not optimal, a failed line search)",
    "budget": "ran its whole budget of iterations (tol=0)",
    "fixed point": "stopped before its budget at an exact fixed point (the "
    "step no longer changes the iterate)",
    "diverged": "the objective blew up (see its note)",
    "failed": "the fit raised an error (see its note)",
    "exact": "a direct solve (no iterations)",
}
#: The statuses of a fit that did not finish (no coefficients, no curve).
FAILED = ("diverged", "failed")

#: The widest table :func:`format_table` prints unless ``wide=True``.
TABLE_WIDTH = 100


def _fmt_spread(run):
    spread = run.time_spread
    return "-" if math.isnan(spread) else f"{100 * spread:.0f}%"


def _fmt_per_iter(run):
    per_iter = run.time_per_iter * 1e3
    return "-" if math.isnan(per_iter) else f"{per_iter:.3g}"


# (header, alignment, cell, drop priority: 0 never dropped, the highest first)
_COLUMNS = (
    ("solver", "<", lambda r: r.solver, 0),
    ("objective", ">", lambda r: _fmt_objective(r.objective), 3),
    ("rel.subopt", ">", lambda r: _fmt_sci(r.rel_suboptimality), 0),
    ("coef.dist", ">", lambda r: _fmt_sci(r.coef_distance), 4),
    ("rel.opt", ">", lambda r: _fmt_sci(r.rel_optimality), 2),
    ("iter", ">", lambda r: "-" if r.n_iter is None else str(r.n_iter), 0),
    ("time", ">", lambda r: _fmt_time(r.time), 0),
    ("spread", ">", _fmt_spread, 1),
    ("ms/iter", ">", _fmt_per_iter, 5),
    ("status", "<", lambda r: r.status, 0),
)
#: The table's columns, in order (``spread`` only with repeats).
TABLE_COLUMNS = tuple((name, align) for name, align, _, _ in _COLUMNS)

_LEGEND = {
    "objective": "objective = F at the fitted coefficients",
    "rel.subopt": "rel.subopt = (F - F*)/|F*|",
    "coef.dist": "coef.dist = |theta - theta*|/|theta*| (coefficients and intercept)",
    "rel.opt": "rel.opt = the stopping measure relative to its value at zero "
    "coefficients",
    "iter": "iter = iterations (epochs for minibatch solvers)",
    "time": "time = wall time of fit()",
    "spread": "spread = (max - min)/median of the repeated fits' times",
    "ms/iter": "ms/iter = time/iter",
}


def _columns(results):
    """The columns of the tables of ``results`` (``spread`` only with repeats)."""
    repeated = any(len(run.times) > 1 for result in results for run in result.runs)
    return [c for c in _COLUMNS if repeated or c[0] != "spread"]


def _format_tables(results, sort, wide, width):
    """Aligned tables of ``results`` (one layout for all), the columns shown and
    those left out to fit ``width``."""
    columns = _columns(results)

    def cells(run):
        return [cell(run) for _, _, cell, _ in columns]

    bodies = [
        (
            [cells(r) for r in [result.reference, *result.baselines]],
            [cells(r) for r in result.sorted_runs(sort)],
        )
        for result in results
    ]
    rows = [[c[0] for c in columns]]
    rows += [row for fixed, ran in bodies for row in (*fixed, *ran)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    shown = list(range(len(columns)))

    def total():
        return sum(widths[i] for i in shown) + 2 * (len(shown) - 1)

    dropped = []
    if not wide:
        for i in sorted(shown, key=lambda i: -columns[i][3]):
            if total() <= width or columns[i][3] == 0:
                break
            shown.remove(i)
            dropped.append(columns[i][0])

    def line(row):
        return "  ".join(f"{row[i]:{columns[i][1]}{widths[i]}}" for i in shown).rstrip()

    header = line([c[0] for c in columns])
    rule = "-" * len(header)
    tables = [
        "\n".join([header, rule, *map(line, fixed), rule, *map(line, ran)])
        for fixed, ran in bodies
    ]
    return tables, [columns[i][0] for i in shown], dropped


def format_table(result, sort="time", wide=False, width=TABLE_WIDTH):
    """The table alone: reference rows, a rule, then the contenders.

    Columns are left out, the least telling first (``ms/iter``, ``coef.dist``,
    ``objective``, ``rel.opt``, ``spread``), until the table fits ``width``
    characters; ``wide=True`` keeps them all.
    """
    return _format_tables([result], sort, wide, width)[0][0]


def _title(result):
    s = result.settings
    return (
        f"{result.problem} on {result.dataset} ({result.n_samples} samples x "
        f"{result.n_features} features"
        + (f", {s['n_classes']} classes" if s.get("n_classes") else "")
        + ")"
    )


def _stopping_text(s):
    if s["budget"] is not None:
        return (
            f"the same budget for every solver: {s['budget']} iterations (epochs "
            "for minibatch solvers) with tol=0; a solver stops earlier only at an "
            "exact fixed point (status 'fixed point')"
        )
    return (
        f"the same for every solver: tol={s['tol']:g}, max_iter={s['max_iter']} "
        "(full batch: stop when the scale-invariant optimality, each gradient "
        "coordinate over the root of its curvature, falls below tol x its value "
        "at the null model; minibatch: when the epoch objective stops improving "
        "by tol and is within sqrt(tol) of its minimum)"
    )


def _timing_text(s):
    threads = s["n_threads"] if s["n_threads"] is not None else "library default"
    if s["repeat"] == 1:
        median = "one timed fit"
    else:
        median = f"median of {s['repeat']}"
        if s["repeat"] % 2 == 0:
            median += " (the faster middle fit)"
    return (
        "wall time of the whole fit() (input validation, Lipschitz constant, all "
        f"iterations), {median} after one untimed warm-up fit; the curves' "
        "times are measured by the fit itself at the end of each iteration, and "
        "the comparison's own objective evaluations happen after the timed fit; "
        f"BLAS threads: {threads}"
    )


def _machine_text(result):
    m, v = result.machine, result.versions
    if not m:
        return ""
    blas = ", ".join(
        " ".join(
            str(part) for part in (lib.get("internal_api"), lib.get("version")) if part
        )
        + _threads_text(lib.get("num_threads"))
        for lib in sorted(
            m.get("blas", []),
            key=lambda lib: (str(lib.get("internal_api")), str(lib.get("version"))),
        )
        if lib.get("user_api") == "blas"
    )
    versions = ", ".join(f"{name} {version}" for name, version in v.items())
    return (
        f"{m.get('cpu') or 'unknown CPU'}, {m.get('n_cores')} cores, "
        f"{m.get('platform')}; BLAS: {blas or 'unknown'}; {versions}"
    )


def _fields(result):
    """``[(name, text, shareable), ...]``: the lines under a comparison's title."""
    s = result.settings
    data = (
        "features standardized (StandardScaler, fitted once on all rows, before "
        "and outside every timing)"
        if s["standardize"]
        else "features used as given (not standardized)"
    )
    fields = [
        ("objective", result.objective_text, False),
        ("estimator", f"{result.estimator}, one clone per contender", False),
        ("data", data, True),
    ]
    if s.get("condition_number") is not None:
        fields.append(
            (
                "condition",
                f"condition number of the centred Gram matrix X^T X: "
                f"{s['condition_number']:.3g}",
                False,
            )
        )
    fields += [
        ("stopping", _stopping_text(s), True),
        ("reference", result.reference_text, False),
        ("timing", _timing_text(s), True),
    ]
    machine = _machine_text(result)
    if machine:
        fields.append(("machine", machine, True))
    return fields


def _fill(name, text):
    return textwrap.fill(
        text,
        width=REPORT_WIDTH,
        initial_indent=f"  {name:<10} ",
        subsequent_indent=" " * 13,
        break_on_hyphens=False,
    )


def _note(text):
    return textwrap.fill(
        text,
        width=REPORT_WIDTH,
        initial_indent="  note: ",
        subsequent_indent=" " * 8,
        break_on_hyphens=False,
    )


def format_report(results, sort="time", wide=False, quiet=False, width=TABLE_WIDTH):
    """The report of one or several comparisons, as ``skgd compare`` prints it.

    One header (the settings every comparison shares: data, stopping rule,
    timing, machine), then per comparison its title, its own settings and its
    table, then one footnote (the columns, the statuses shown, every note).

    Parameters
    ----------
    results : ComparisonResult or list of ComparisonResult
    sort : {"time", "suboptimality", "iterations", "name"}
        The order of the contenders' rows.
    wide : bool, default=False
        Every column, however wide the table; otherwise columns are left out,
        the least telling first, until it fits ``width`` characters.
    quiet : bool, default=False
        Only the tables, each under its title line.
    width : int, default=100

    Returns
    -------
    str
    """
    if not isinstance(results, (list, tuple)):
        results = [results]
    tables, shown, dropped = _format_tables(results, sort, wide, width)
    if quiet:
        return "\n\n".join(
            f"{_title(result)}\n{table}"
            for result, table in zip(results, tables, strict=True)
        )
    all_fields = [_fields(result) for result in results]
    shared = set()
    if len(results) > 1:
        texts = [{name: text for name, text, _ in f} for f in all_fields]
        shared = {
            name
            for name, text, shareable in all_fields[0]
            if shareable and all(t.get(name) == text for t in texts)
        }
    started = [r.timestamp for r in results if r.timestamp]
    if started:  # when the first comparison started: once, with the shared fields
        all_fields[0].append(("started", started[0], True))
        if len(results) > 1:
            shared.add("started")
    lines = [_fill(name, text) for name, text, _ in all_fields[0] if name in shared]
    for result, fields, table in zip(results, all_fields, tables, strict=True):
        if lines:
            lines.append("")
        lines.append(_title(result))
        lines += [_fill(name, text) for name, text, _ in fields if name not in shared]
        lines += ["", table]
    statuses = dict.fromkeys(run.status for r in results for run in r.rows())
    legend = "; ".join(_LEGEND[name] for name in shown if name in _LEGEND)
    meanings = "; ".join(
        f"{status} = {STATUS_MEANINGS[status]}"
        for status in statuses
        if status in STATUS_MEANINGS
    )
    notes = [f"{legend}.", f"status: {meanings}."]
    if dropped:
        notes.append(
            f"left out to fit {width} columns: {', '.join(dropped)} (--wide, or "
            "format(wide=True), shows every column)."
        )
    for result in results:
        prefix = f"{result.problem} on {result.dataset}: " if len(results) > 1 else ""
        notes += [prefix + note for note in result.notes]
    lines.append("")
    lines += [_note(note) for note in notes]
    return "\n".join(lines)


def html_table(result):
    """The comparison as an HTML table (every column) under a caption, with its
    notes: what a notebook displays (``ComparisonResult._repr_html_``)."""
    columns = _columns([result])

    def align(a):
        return "left" if a == "<" else "right"

    head = "".join(
        f'<th style="text-align:{align(a)}">{html.escape(name)}</th>'
        for name, a, _, _ in columns
    )

    def row(run, style=""):
        cells = "".join(
            f'<td style="text-align:{align(a)}">{html.escape(cell(run))}</td>'
            for _, a, cell, _ in columns
        )
        return f"<tr{style}>{cells}</tr>"

    fixed = [
        row(r, ' style="color:#777"') for r in [result.reference, *result.baselines]
    ]
    ran = [row(r) for r in result.sorted_runs()]
    s = result.settings
    stopping = (
        f"budget {s['budget']} iterations"
        if s["budget"] is not None
        else f"tol={s['tol']:g}, max_iter={s['max_iter']}"
    )
    caption = html.escape(f"{_title(result)}; {stopping}; {result.objective_text}")
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in result.notes)
    return (
        f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(fixed + ran)}</tbody></table>"
        + (f"<ul>{notes}</ul>" if notes else "")
    )


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


def environment_columns(result):
    """Where and when ``result`` was measured, as flat columns (the timestamp,
    the machine, its BLAS and threads, the library versions): appended to
    every CSV and Parquet row, so that a table of rows from several runs still
    says where each came from."""
    machine = result.machine
    blas = [lib for lib in machine.get("blas", []) if lib.get("user_api") == "blas"]
    columns = {
        "timestamp": result.timestamp,
        "platform": machine.get("platform"),
        "cpu": machine.get("cpu"),
        "n_cores": machine.get("n_cores"),
        "blas": "; ".join(
            " ".join(str(p) for p in (lib.get("internal_api"), lib.get("version")) if p)
            for lib in blas
        ),
        "blas_threads": max(
            (lib.get("num_threads") or 0 for lib in blas), default=None
        ),
        "python_version": machine.get("python"),
    }
    columns.update(
        {f"{name.replace('-', '_')}_version": v for name, v in result.versions.items()}
    )
    return columns


def tidy_rows(results, curves=True):
    """The rows of every comparison with its :func:`environment_columns`: the
    :attr:`curve_records <skgd.comparison.ComparisonResult.curve_records>`
    (``curves=True``) or the summary :attr:`records
    <skgd.comparison.ComparisonResult.records>`."""
    rows = []
    for result in results:
        context = environment_columns(result)
        table = result.curve_records if curves else result.records
        rows += [{**row, **context} for row in table]
    return rows


def write_parquet(results, path, curves=True):
    """Write :func:`tidy_rows` to a Parquet file (needs pandas and pyarrow).

    Raises an ImportError naming ``pip install 'skgd[parquet]'`` without them.
    """
    hint = "pip install 'skgd[parquet]' (or pip install pandas pyarrow)"
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(f"writing Parquet needs pandas and pyarrow: {hint}") from None
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError(f"writing Parquet needs pyarrow: {hint}") from None
    rows = tidy_rows(results, curves=curves)
    first = list(CURVE_COLUMNS) if curves else []
    keys = list(dict.fromkeys([*first, *(k for row in rows for k in row)]))
    frame = pd.DataFrame([_json_safe(row) for row in rows], columns=keys)
    frame.to_parquet(path, index=False)
    return frame


def _threads_text(n):
    return f" ({n} thread{'' if n == 1 else 's'})"
