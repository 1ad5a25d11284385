"""d2lbook: build books in the d2l source format into notebooks, a library, a website and a PDF."""

__version__ = "0.1.0"
