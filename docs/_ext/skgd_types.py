"""Cross-referenced numpydoc types, so that a nitpicky build checks them.

napoleon turns ``alpha : float, default=0.0`` into ``:type alpha: float,
default=0.0``, and Sphinx makes every word of such a field a class reference:
``default=0.0``, ``shape`` and ``n_samples`` then break a nitpicky build
(``-n``), and a misspelt class would hide among them. This hook (run after
napoleon) rewrites every ``:type:`` / ``:vartype:`` field and every
attribute's ``:type:`` option with explicit markup, as numpydoc does:

* the names of types become references: builtins (``float``, ``None``), the
  aliases below (``ndarray`` -> :class:`numpy.ndarray`, ``callable`` ->
  :class:`collections.abc.Callable`, ...), dotted names and capitalised names
  (``Objective``, ``RandomState``) -- each must resolve, or the nitpicky build
  fails;
* quoted strings, numbers and the value after ``default=`` become literals;
* the descriptive words of the convention (``of``, ``or``, ``shape``,
  ``optional``, ``(n_samples, n_features)``, ``array-like``) stay text.

It also resolves a short skgd name in a docstring (``:func:`load_dataset```
written in ``skgd.comparison.runner``, documented as
``skgd.comparison.load_dataset``) to the one documented skgd object of that
name: a link, not an ignored warning (``missing-reference``).
"""

import builtins
import re

from sphinx.util.nodes import make_refnode

# Names of the numpydoc vocabulary that are types, and the target they mean.
ALIASES = {
    "ndarray": "numpy.ndarray",
    "array": "numpy.ndarray",
    "RandomState": "numpy.random.RandomState",
    "memmap": "numpy.memmap",
    "callable": "collections.abc.Callable",
    "sparse matrix": "scipy.sparse.spmatrix",
    "DataFrame": "pandas.DataFrame",
    "Figure": "matplotlib.figure.Figure",
    "Axes": "matplotlib.axes.Axes",
    "Pipeline": "sklearn.pipeline.Pipeline",
    "path": "os.PathLike",
    # skgd's own, by their documented paths
    "Objective": "skgd.objective.Objective",
    "Loss": "skgd.objective.Loss",
    "Penalty": "skgd.objective.Penalty",
    "UpdateRule": "skgd.UpdateRule",
    "Algorithm": "skgd.solvers.Algorithm",
    "Solver": "skgd.solvers.Solver",
    "Schedule": "skgd.schedules.Schedule",
    "History": "skgd.history.History",
    "TrainingState": "skgd.history.TrainingState",
    "Run": "skgd.comparison.Run",
    "ComparisonResult": "skgd.comparison.ComparisonResult",
    "Dataset": "skgd.comparison.Dataset",
    "Problem": "skgd.comparison.Problem",
    "LRFinderResult": "skgd.diagnostics.LRFinderResult",
    "GDLinearRegression": "skgd.GDLinearRegression",
    "GDLogisticRegression": "skgd.GDLogisticRegression",
    "ProxLasso": "skgd.ProxLasso",
    "GDElasticNet": "skgd.GDElasticNet",
    "GDPoissonRegressor": "skgd.GDPoissonRegressor",
}
SINGLETONS = {"None", "True", "False"}

_DEFAULT = re.compile(r",?\s*\bdefault\b\s*[= ]\s*(?P<value>.+)$")
_TOKEN = re.compile(
    r"(?P<code>``.+?``)"
    r"|(?P<quoted>\"[^\"]*\"|'[^']*')"
    r"|(?P<phrase>sparse matrix|array-like)"
    r"|(?P<name>[A-Za-z_][\w.]*)"
    r"|(?P<number>[-+]?\d[\w.+-]*)"
    r"|(?P<other>\s+|.)"
)


def _text(word):
    """Plain text: escape what reST would read as markup."""
    word = word.replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`")
    return re.sub(r"(\w)_\b", r"\1\\_", word)


def _name(word):
    if word == "None":
        return ":py:obj:`None`"
    if word in SINGLETONS:
        return f"``{word}``"
    target = ALIASES.get(word)
    if target is not None:
        return f":py:class:`{word} <{target}>`"
    if isinstance(getattr(builtins, word, None), type):
        return f":py:class:`{word}`"
    camel = word[:1].isupper() and any(c.islower() for c in word)  # not K, X
    if "." in word.strip(".") or camel:  # meant as a class: must resolve
        return f":py:class:`~{word}`"
    return _text(word)  # shape, n_samples, of, or, optional, estimator


def _convert_tokens(text):
    pieces = []
    for token in _TOKEN.finditer(text):
        kind, value = token.lastgroup, token.group()
        if kind == "code":
            pieces.append(value)
        elif kind in ("quoted", "number"):
            pieces.append(f"``{value}``")
        elif kind in ("phrase", "name"):
            pieces.append(_name(value))
        else:
            pieces.append(_text(value))
    return pieces


def convert_type(spec):
    """The reST of a numpydoc type ``spec`` with its types cross-referenced."""
    spec = " ".join(spec.split()).replace("\\_", "_")  # skgd_docs escaped it
    default = None
    match = _DEFAULT.search(spec)
    if match:
        spec, default = spec[: match.start()], match["value"]
    pieces = _convert_tokens(spec)
    if default is not None and pieces:
        pieces += [", default "] + _convert_tokens(default.strip())
    text = "".join(pieces)
    if ":py:" not in text:  # a lone text node would be cross-referenced again
        text = f"*{text}*" if text.strip() else text
    return text


_FIELD = re.compile(r"^(?P<head>\s*:(?:type|vartype) [^:]+:\s*)(?P<spec>.+)$")
_ATTRIBUTE = re.compile(r"^(?P<indent>\s*)\.\. attribute:: ")
_OPTION = re.compile(r"^\s*:type:\s*(?P<spec>.+)$")


def xref_types(app, what, name, obj, options, lines):
    """Rewrite the type fields napoleon produced (``autodoc-process-docstring``)."""
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        field = _FIELD.match(line)
        attribute = _ATTRIBUTE.match(line)
        if field:
            out.append(field["head"] + convert_type(field["spec"]))
        elif attribute and i + 1 < len(lines) and _OPTION.match(lines[i + 1]):
            # an attribute's :type: option is read as a Python annotation, not
            # reST: move the type into the description's first line
            spec = _OPTION.match(lines[i + 1])["spec"]
            body = attribute["indent"] + "   "
            out += [line, "", body + convert_type(spec)]
            i += 2
            if i < len(lines) and not lines[i].strip():  # the description follows
                out.append("")
                i += 1
            continue
        elif _OPTION.match(line):  # napoleon's field after an attribute's text
            spec = _OPTION.match(line)["spec"]
            out.append(line[: line.index(":type:")] + ":type: " + convert_type(spec))
        else:
            out.append(line)
        i += 1
    lines[:] = out


def resolve_skgd_names(app, env, node, contnode):
    """Resolve a short skgd name (``load_dataset``, ``skgd.solvers.UpdateRule``)
    to the one documented object of that name (``missing-reference``).

    autodoc reads a docstring in the namespace of the name it documents
    (``skgd.compare``), while the docstring names its neighbours in the module
    it was written in (``skgd.comparison.runner``). A reference that names
    exactly one documented ``skgd`` object of a matching type links to it; an
    ambiguous or unknown one stays a nitpicky warning.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip("~.")
    if not target or ("." in target and not target.startswith("skgd.")):
        return None
    domain = env.get_domain("py")
    objtypes = set(domain.objtypes_for_role(node.get("reftype", "")) or ())
    last = target.rsplit(".", 1)[-1]
    matches = [
        (name, entry)
        for name, entry in domain.objects.items()
        if name.startswith("skgd.")
        and name.rsplit(".", 1)[-1] == last
        and entry.objtype in objtypes
        and not entry.aliased
    ]
    if len(matches) != 1:
        return None
    name, entry = matches[0]
    return make_refnode(
        app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, name
    )


def setup(app):
    # after napoleon (priority 500), which writes the fields this reads
    app.connect("autodoc-process-docstring", xref_types, priority=600)
    app.connect("missing-reference", resolve_skgd_names)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
