"""Sphinx configuration of the skgd documentation.

Build (warnings are errors)::

    pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

Tables and figures marked as measured are computed while the docs build, by
``skgd.compare`` on this machine (see ``_ext/skgd_docs.py``).
"""

import os
import sys

sys.path.insert(0, os.path.abspath("_ext"))

import skgd  # noqa: E402

project = "skgd"
author = "skgd developers"
copyright = "skgd developers, BSD-3-Clause"  # noqa: A001
release = version = skgd.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "matplotlib.sphinxext.plot_directive",
    "skgd_docs",
]

exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"skgd {release}"
pygments_style = "sphinx"

autodoc_member_order = "bysource"
autodoc_default_options = {"exclude-members": "set_fit_request, set_score_request"}
autodoc_typehints = "none"
autoclass_content = "class"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_custom_sections = [("Class attributes", "params_style")]

plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_rcparams = {"figure.autolayout": False}
