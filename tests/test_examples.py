"""Every script in examples/ runs (in a temporary directory, Agg backend) and draws.

The scripts are also the docs' sphinx-gallery (``docs/conf.py``): each opens
with a docstring whose first lines are an RST title, and is cut into cells by
``# %%`` lines; run as a script it writes its figures to the current
directory (the gallery, which runs it without ``__file__``, shows them instead).
"""

import ast
import runpy
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_is_in_gallery_format(script):
    source = script.read_text()
    docstring = ast.get_docstring(ast.parse(source), clean=False)
    assert docstring is not None and source.startswith('"""'), script.name
    title, underline = docstring.splitlines()[:2]
    assert title.strip() and set(underline) == {"="}, script.name
    assert len(underline) >= len(title), script.name
    assert "\n# %%\n" in source, script.name


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script, tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)  # plots land here, not in the repository
    import matplotlib.pyplot as plt

    try:
        runpy.run_path(str(script), run_name="__main__")
        figures = plt.get_fignums()
    finally:
        plt.close("all")
    assert figures, f"{script.name} drew no figure (the gallery would show none)"
    out = capsys.readouterr().out
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs, f"{script.name} wrote no figure"
    for name in pngs:
        assert f"wrote {name}" in out or name in out
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
