"""The Scaling-out page's examples run as written (dask, a memmap)."""

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).parent.parent / "docs" / "scaling.rst"


@pytest.mark.slow
def test_every_example_on_the_scaling_page_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    monkeypatch.chdir(tmp_path)
    text = PAGE.read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text)
    assert len(blocks) >= 2  # dask on a LocalCluster, partial_fit over a memmap
    for block in blocks:
        code = "\n".join(line[4:] for line in block.splitlines())
        exec(compile(code, str(PAGE), "exec"), {"__name__": "scaling_examples"})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[1] == "True"  # the dask newton fit converged
    assert lines[-1] == "True"  # partial_fit over the memmap found the coefficients
