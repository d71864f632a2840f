"""make-book: plain-text manuscripts to EPUB 3 and print-ready PDF."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("make-book")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
