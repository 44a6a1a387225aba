"""Link every "§N" of the docs and docstrings to its summary on the course-notes page.

The docs cite the (unpublished, Korean) course notes by section, "the course
notes' §9.2"; ``course-notes.rst`` summarises each cited passage under a label
``notes-9-2`` (or ``notes-9`` for a whole section). This extension rewrites
each citation into a reference to that label, in the ``.rst`` sources
(``source-read``) and in the docstrings (``autodoc-process-docstring``); a
section without a summary is a broken reference, an error under ``-n -W``.
"""

import re

_CITATION = re.compile(r"(?<![\w`<])§(\d+)(?:\.(\d+))?")
# the subsections that have their own label; others link to their section
SUBSECTIONS = {"7.1", "7.2", "7.3", "9.2", "9.3", "10.2"}


def _link(match):
    section, sub = match.group(1), match.group(2)
    number = f"{section}.{sub}" if sub else section
    label = (
        f"notes-{number.replace('.', '-')}"
        if number in SUBSECTIONS
        else f"notes-{section}"
    )
    return f":ref:`§{number} <{label}>`"


def link_citations(text):
    """``text`` with every "§N" or "§N.M" a reference to the course notes."""
    return _CITATION.sub(_link, text)


def _source(app, docname, source):
    if docname != "course-notes":  # the page the references point to
        source[0] = link_citations(source[0])


def _docstring(app, what, name, obj, options, lines):
    lines[:] = [link_citations(line) for line in lines]


def setup(app):
    app.connect("source-read", _source)
    app.connect("autodoc-process-docstring", _docstring)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
