"""The comparison workflow's former module, kept so that its imports still work.

Everything lives in :mod:`skgd.comparison` now; ``from skgd.compare import
load_dataset`` and the like keep working through this alias. ``skgd.compare``
itself is the function: :mod:`skgd` imports this module first, so importing it
later does not replace the function with the module.
"""

from .comparison import *  # noqa: F403
from .comparison import __all__  # noqa: F401
