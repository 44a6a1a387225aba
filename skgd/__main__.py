"""``python -m skgd``: the demo of :mod:`skgd.demo`."""

from .demo import main

main()
