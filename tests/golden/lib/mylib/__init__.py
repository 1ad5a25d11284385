"""The d2l library, generated from the book '金色测试书'."""

__version__ = "1.2.3"
