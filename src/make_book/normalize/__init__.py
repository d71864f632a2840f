"""Normalization: bytes to clean text, then French typography. Pure functions, line-preserving."""

from __future__ import annotations

from make_book.config import HouseStyle
from make_book.errors import Diagnostic
from make_book.normalize.hygiene import clean_text
from make_book.normalize.typography import apply_typography


def normalize(text: str, style: HouseStyle = HouseStyle()) -> tuple[str, tuple[Diagnostic, ...]]:
    """Clean `text` and set its French typography. Line numbers are kept, so diagnostics
    (line and column in the cleaned text) point into the author's file."""
    return apply_typography(clean_text(text), style)


__all__ = ["normalize", "clean_text", "apply_typography"]
