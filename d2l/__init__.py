"""The d2l library, generated from the book '动手学深度学习'."""

__version__ = "0.1.0"
