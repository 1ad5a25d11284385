"""Saved code of the drop-in test book.

Import one of the framework modules, e.g. ``from d2l import torch as d2l``.
"""

__version__ = "0.2.0"
