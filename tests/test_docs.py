"""The documentation builds without a single warning (Sphinx -W), into a temporary dir."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

DOCS = Path(__file__).parent.parent / "docs"
TOOLCHAIN = ("sphinx", "furo", "matplotlib")
MISSING = [name for name in TOOLCHAIN if importlib.util.find_spec(name) is None]


@pytest.mark.skipif(
    bool(MISSING),
    reason=f"docs toolchain not installed ({', '.join(MISSING)}); "
    "pip install -e '.[test]' installs it",
)
def test_docs_build_strictly(tmp_path):
    before = sorted(p for p in DOCS.rglob("*") if "__pycache__" not in p.parts)
    out, doctrees = tmp_path / "html", tmp_path / "doctrees"
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(doctrees),
            str(DOCS),
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
        "examples",
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
    after = sorted(p for p in DOCS.rglob("*") if "__pycache__" not in p.parts)
    assert after == before  # nothing was written into the source tree
