"""The architecture page's recipes (a loss, a penalty, a solver) run as written."""

import re
from pathlib import Path

from skgd.solvers import SOLVERS

PAGE = Path(__file__).parent.parent / "docs" / "extending.rst"


def test_every_recipe_on_the_extending_page_runs():
    text = PAGE.read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text)
    assert len(blocks) >= 3  # a loss, a penalty, a solver
    before = dict(SOLVERS)
    namespace = {"__name__": "extending_recipes"}
    try:
        for block in blocks:
            code = "\n".join(line[4:] for line in block.splitlines())
            exec(compile(code, str(PAGE), "exec"), namespace)
    finally:
        SOLVERS.clear()
        SOLVERS.update(before)
