"""Quick checks of the documentation's wiring, without building it.

* the estimators' HTML repr links to their entry of the API reference
  (``_doc_link_template``);
* every "§N" citation of the course notes has a summary to link to;
* intersphinx: the documentation roots, and the offline fallback that leaves
  only references into the other libraries unchecked, never skgd's own.
"""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

import skgd

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
ESTIMATORS = [
    skgd.GDLinearRegression,
    skgd.GDLogisticRegression,
    skgd.ProxLasso,
    skgd.GDElasticNet,
    skgd.GDPoissonRegressor,
]


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_html_repr_links_to_the_api_page(Estimator):
    link = Estimator()._get_doc_link()
    version = "latest" if "dev" in skgd.__version__ else skgd.__version__
    assert link == (
        f"https://skgd.readthedocs.io/en/{version}/api.html#skgd.{Estimator.__name__}"
    )
    assert link in Estimator()._repr_html_()
    # the anchor is the id Sphinx gives the class documented in api.rst
    api = (DOCS / "api.rst").read_text()
    assert f"\n.. autoclass:: skgd.{Estimator.__name__}\n" in api


def _ext(name):
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        spec = importlib.util.spec_from_file_location(
            name, DOCS / "_ext" / f"{name}.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(DOCS / "_ext"))


def test_every_course_notes_citation_has_a_summary():
    notes = _ext("skgd_notes")
    labels = set(
        re.findall(
            r"^\.\. _(notes-[\w-]+):$", (DOCS / "course-notes.rst").read_text(), re.M
        )
    )
    sources = [p for p in DOCS.glob("*.rst") if p.name != "course-notes.rst"]
    sources += list((ROOT / "skgd").rglob("*.py")) + list(
        (ROOT / "examples").glob("*.py")
    )
    cited = set()
    for path in sources:
        for label in re.findall(
            r"<(notes-[\w-]+)>`", notes.link_citations(path.read_text())
        ):
            cited.add(label)
    assert cited, "no citation found"
    assert cited <= labels, sorted(cited - labels)


def test_citations_become_references():
    notes = _ext("skgd_notes")
    assert notes.link_citations("the course notes' §9.2,") == (
        "the course notes' :ref:`§9.2 <notes-9-2>`,"
    )
    assert notes.link_citations("(§12)") == "(:ref:`§12 <notes-12>`)"
    assert notes.link_citations("§6.1 fits") == ":ref:`§6.1 <notes-6>` fits"


def test_types_are_cross_referenced():
    types = _ext("skgd_types")
    assert (
        types.convert_type("float, default=0.9") == ":py:class:`float`, default ``0.9``"
    )
    converted = types.convert_type("ndarray of shape (n_samples, n_features_in_)")
    assert converted == (
        ":py:class:`ndarray <numpy.ndarray>` of shape (n_samples, n_features_in\\_)"
    )
    assert types.convert_type("optional") == "*optional*"  # no class "optional"


def test_intersphinx_offline_fallback_ignores_only_other_libraries(monkeypatch):
    monkeypatch.setenv("SKGD_DOCS_OFFLINE", "1")
    monkeypatch.delenv("SKGD_INTERSPHINX_DIR", raising=False)
    monkeypatch.syspath_prepend(str(DOCS))
    spec = importlib.util.spec_from_file_location("skgd_docs_conf", DOCS / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    roots = {name: url for name, (url, _) in conf.INTERSPHINX.items()}
    assert roots["sklearn"] == "https://scikit-learn.org/stable"
    assert roots["numpy"] == "https://numpy.org/doc/stable"
    assert roots["scipy"] == "https://docs.scipy.org/doc/scipy"
    assert roots["matplotlib"] == "https://matplotlib.org/stable"
    assert conf.intersphinx_mapping == {}  # offline: nothing to download
    assert conf.nitpicky
    targets = [re.compile(target) for _, target in conf.nitpick_ignore_regex]
    for external in (
        "sklearn.linear_model.Ridge",
        "numpy.ndarray",
        "scipy.sparse.spmatrix",
    ):
        assert any(t.fullmatch(external) for t in targets), external
    for own in ("skgd.GDLinearRegression", "skgd.comparison.load_dataset", "compare"):
        assert not any(t.fullmatch(own) for t in targets), own
    # the gallery runs every example
    gallery = conf.sphinx_gallery_conf
    assert all(
        re.search(gallery["filename_pattern"], p.name)
        for p in ROOT.glob("examples/*.py")
    )
