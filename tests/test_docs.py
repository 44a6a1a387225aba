"""The documentation builds without a single warning and with every cross-reference
resolved (Sphinx ``-W -n``), and the gallery renders every example with its figure.

The build runs on a copy of ``docs/`` and ``examples/`` in a temporary
directory (sphinx-gallery writes ``auto_examples/`` next to the sources), offline
(``SKGD_DOCS_OFFLINE=1``: no intersphinx inventory is downloaded, references
into other libraries stay unlinked; skgd's own are all checked).
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import skgd

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.py"))
TOOLCHAIN = ("sphinx", "furo", "matplotlib", "sphinx_gallery")
ESTIMATORS = (
    "GDLinearRegression",
    "GDLogisticRegression",
    "ProxLasso",
    "GDElasticNet",
    "GDPoissonRegressor",
)
MISSING = [name for name in TOOLCHAIN if importlib.util.find_spec(name) is None]


@pytest.mark.skipif(
    bool(MISSING),
    reason=f"docs toolchain not installed ({', '.join(MISSING)}); "
    "pip install -e '.[test]' installs it",
)
def test_docs_build_strictly(tmp_path):
    before = sorted(p for p in DOCS.rglob("*") if "__pycache__" not in p.parts)
    ignore = shutil.ignore_patterns("__pycache__", "_build", "auto_examples", "*.png")
    shutil.copytree(DOCS, tmp_path / "docs", ignore=ignore)
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=ignore)
    out, doctrees = tmp_path / "html", tmp_path / "doctrees"
    env = {
        "SKGD_DOCS_OFFLINE": "1",
        **os.environ,
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-n",  # nitpicky: every cross-reference must resolve
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(doctrees),
            str(tmp_path / "docs"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stderr.strip() == ""
    for page in (
        "index",
        "getting-started",
        "objectives",
        "solvers",
        "comparison",
        "diagnostics",
        "auto_examples/index",
        "limitations",
        "architecture",
        "course-notes",
        "api",
    ):
        assert (out / f"{page}.html").exists(), page
    solvers = (out / "solvers.html").read_text()
    assert solvers.count("ms / iteration") == 10  # a measured table per solver
    comparison = (out / "comparison.html").read_text()
    assert "LogisticRegression (reference)" in comparison
    assert len(list((out / "_images").glob("*.png"))) >= 2  # the rendered plots
    api = (out / "api.html").read_text()
    for name in (
        "skgd.compare",
        "skgd.check_gradient",
        "skgd.lr_find",
        "skgd.GDLinearRegression",
        "skgd.objective.Objective",
    ):
        assert f'id="{name}"' in api, name
    for name in ESTIMATORS:
        # the anchor the estimators' HTML repr links to (_doc_link_template)
        anchor = getattr(skgd, name)()._get_doc_link().split("#")[1]
        assert f'id="{anchor}"' in api, anchor

    # the gallery: every example ran, with its figure in the page, and can be
    # downloaded as a script and a notebook
    gallery = (out / "auto_examples" / "index.html").read_text()
    for name in EXAMPLES:
        assert f"{name}.html" in gallery, name
        page = (out / "auto_examples" / f"{name}.html").read_text()
        pattern = rf'<img[^>]+src="(\.\./_images/sphx_glr_{name}_\d+\.png)"'
        images = re.findall(pattern, page)
        assert images, f"{name}: no figure in the page"
        for src in images:
            assert (out / "auto_examples" / src).read_bytes()[:4] == b"\x89PNG"
        assert f"{name}.py" in page and f"{name}.ipynb" in page, name
        assert "Traceback" not in page, name
    # the course notes: a citation links to its summary
    solvers = (out / "solvers.html").read_text()
    assert 'href="course-notes.html#notes-7-1"' in solvers

    after = sorted(p for p in DOCS.rglob("*") if "__pycache__" not in p.parts)
    assert after == before  # nothing was written into the source tree
