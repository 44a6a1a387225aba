"""The Scaling-out page's examples run as written (dask, a memmap, array API),
each in a fresh interpreter (the array-API example sets SCIPY_ARRAY_API before
SciPy is imported)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PAGE = Path(__file__).parent.parent / "docs" / "scaling.rst"


@pytest.mark.slow
def test_every_example_on_the_scaling_page_runs(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.chdir(tmp_path)
    text = PAGE.read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text)
    # dask on a LocalCluster, partial_fit over a memmap, array-api-strict
    assert len(blocks) == 3
    outputs = []
    for block in blocks:
        code = "\n".join(line[4:] for line in block.splitlines())
        completed = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=300,
            env=dict(os.environ, MPLBACKEND="Agg"),
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        outputs.append(completed.stdout.splitlines())
    dask_lines, memmap_lines, array_api_lines = outputs
    assert dask_lines[0].split()[1] == "True"  # the dask newton fit converged
    assert memmap_lines[-1] == "True"  # partial_fit found the coefficients
    # coefficients and probabilities in the input's namespace
    assert array_api_lines[-1].split() == ["array_api_strict._array_object"] * 2
