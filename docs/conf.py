"""Sphinx configuration of the skgd documentation.

Build (warnings are errors, every cross-reference checked)::

    pip install -e ".[docs]"
    python -m sphinx -W -n --keep-going -b html docs docs/_build/html

Tables and figures marked as measured are computed while the docs build, by
``skgd.compare`` on this machine (see ``_ext/skgd_docs.py``); the gallery
(``auto_examples/``) runs every script of ``examples/``.

intersphinx links to the documentation of Python, NumPy, SciPy, scikit-learn,
matplotlib and pandas. Their inventories (``objects.inv``) are downloaded at
build time; offline, set ``SKGD_DOCS_OFFLINE=1`` (or let the quick probe below
find that the sites are unreachable), or put local copies named
``<name>-objects.inv`` (``sklearn-objects.inv``, ...) in the directory named
by ``SKGD_INTERSPHINX_DIR``. References to a library whose inventory is
unavailable are then left unlinked instead of failing the nitpicky build --
only references into that library: skgd's own are always checked.
"""

import os
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

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
    "sphinx.ext.intersphinx",
    "matplotlib.sphinxext.plot_directive",
    "sphinx_gallery.gen_gallery",
    "skgd_docs",
    "skgd_types",
    "skgd_notes",
]

exclude_patterns = ["_build"]
nitpicky = True
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

# -- intersphinx ------------------------------------------------------------------
# name: (documentation root, the Python package whose objects it documents)
INTERSPHINX = {
    "python": ("https://docs.python.org/3", ("collections", "os", "typing")),
    "numpy": ("https://numpy.org/doc/stable", ("numpy",)),
    "scipy": ("https://docs.scipy.org/doc/scipy", ("scipy",)),
    "sklearn": ("https://scikit-learn.org/stable", ("sklearn",)),
    "matplotlib": ("https://matplotlib.org/stable", ("matplotlib",)),
    "pandas": ("https://pandas.pydata.org/docs", ("pandas",)),
}
intersphinx_timeout = 5


def _reachable(url, timeout=3.0):
    try:
        request = urllib.request.Request(f"{url}/objects.inv", method="HEAD")
        with urllib.request.urlopen(request, timeout=timeout):
            return True
    except urllib.error.HTTPError as error:
        return error.code == 405  # the site answers, but not to HEAD
    except Exception:  # offline, DNS failure, proxy refusal, timeout
        return False


def _intersphinx():
    """``(intersphinx_mapping, nitpick_ignore_regex)`` for this machine."""
    local = os.environ.get("SKGD_INTERSPHINX_DIR", "")
    offline = os.environ.get("SKGD_DOCS_OFFLINE", "") not in ("", "0")
    if offline:
        online = dict.fromkeys(INTERSPHINX, False)
    else:  # probe the sites at once: offline, each fails fast
        urls = [url for url, _ in INTERSPHINX.values()]
        with ThreadPoolExecutor(len(urls)) as pool:
            online = dict(zip(INTERSPHINX, pool.map(_reachable, urls), strict=True))
    mapping, ignore = {}, []
    for name, (url, packages) in INTERSPHINX.items():
        copy = os.path.join(local, f"{name}-objects.inv") if local else ""
        if copy and os.path.exists(copy):
            mapping[name] = (url, (copy, None) if not online[name] else (None, copy))
        elif online[name]:
            mapping[name] = (url, None)
        else:  # no inventory: references into this library stay unlinked
            prefixes = "|".join(packages)
            ignore.append((r"py:.*", rf"(?:{prefixes})(?:\..*)?"))
    return mapping, ignore


intersphinx_mapping, nitpick_ignore_regex = _intersphinx()

# -- sphinx-gallery ---------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py$",  # run every example, not only plot_*.py
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": True,
    "remove_config_comments": True,
    "reference_url": {"skgd": None},  # link the examples' skgd names to api.html
    "doc_module": ("skgd",),
    "backreferences_dir": None,
    # no sg_execution_times.rst written into the sources (a timing per build)
    "write_computation_times": False,
}
