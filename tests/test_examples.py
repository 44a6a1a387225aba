"""Every script in examples/ runs (in a temporary directory, Agg backend) and draws."""

import runpy
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script, tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)  # plots land here, not in the repository
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs, f"{script.name} wrote no figure"
    for name in pngs:
        assert f"wrote {name}" in out or name in out
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
