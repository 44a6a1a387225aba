"""Sphinx directives that put measured numbers into the docs.

The three default comparisons (``skgd compare``: linear and lasso on
diabetes, logistic on breast_cancer, every solver) are run once per build and
cached; the directives below print them, so the tables in the docs are what
the code measures today, on the machine that builds the docs.

* ``.. skgd-compare-table:: logistic`` -- the report of one comparison, as
  ``skgd compare`` prints it;
* ``.. skgd-solver-measured:: gd`` -- one solver's row in each comparison.
"""

import functools
import re

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList

from skgd import compare
from skgd.comparison import PROBLEMS


@functools.cache
def default_results():
    """``{problem: ComparisonResult}`` of the default ``skgd compare`` run."""
    return {problem: compare(problem) for problem in PROBLEMS}


class CompareTable(Directive):
    required_arguments = 1

    def run(self):
        result = default_results()[self.arguments[0]]
        text = result.format()
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def _fmt(value, spec):
    return "-" if value is None or value != value else format(value, spec)


class SolverMeasured(Directive):
    required_arguments = 1

    def run(self):
        solver = self.arguments[0]
        lines = [
            ".. list-table::",
            "   :header-rows: 1",
            "",
            "   * - problem (dataset)",
            "     - converged",
            "     - iterations",
            "     - time",
            "     - ms / iteration",
            "     - (F - F*) / F*",
        ]
        for problem, result in default_results().items():
            run = next(r for r in result.runs if r.solver == solver)
            lines += [
                f"   * - {problem} ({result.dataset})",
                f"     - {'yes' if run.converged else 'no'}",
                f"     - {run.n_iter}",
                f"     - {run.time * 1e3:.1f} ms",
                f"     - {_fmt(run.time_per_iter * 1e3, '.3g')}",
                f"     - {_fmt(run.rel_suboptimality, '.1e')}",
            ]
        container = nodes.container()
        self.state.nested_parse(StringList(lines), self.content_offset, container)
        return container.children


_SHAPE = re.compile(r"of shape \(([^()]*)\)")


def escape_shape_names(app, what, name, obj, options, lines):
    """Escape names ending in ``_`` inside ``of shape (...)`` in docstrings.

    numpydoc reads ``(n_features_in_,)`` literally, but plain reST takes a word
    ending in an underscore for a hyperlink reference, an error under ``-W``.
    """
    for i, line in enumerate(lines):
        lines[i] = _SHAPE.sub(
            lambda m: "of shape (" + re.sub(r"(\w)_\b", r"\1\\_", m.group(1)) + ")",
            line,
        )


def setup(app):
    app.connect("autodoc-process-docstring", escape_shape_names)
    app.add_directive("skgd-compare-table", CompareTable)
    app.add_directive("skgd-solver-measured", SolverMeasured)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
