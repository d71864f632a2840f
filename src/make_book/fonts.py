"""The book font: coverage checked at build time, subset for embedding in the EPUB."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from make_book.errors import MakeBookError
from make_book.model import Book, Tome

FONT_TYPES = {".otf": "font/otf", ".ttf": "font/ttf", ".woff": "font/woff", ".woff2": "font/woff2"}  # by suffix
_CONTROL = re.compile(r"[\n\t]")


def font_files(styles_dir: Path) -> tuple[Path, ...]:
    folder = styles_dir / "fonts"
    return tuple(sorted(path for path in folder.glob("*") if path.suffix.lower() in FONT_TYPES)) \
        if folder.is_dir() else ()


@cache
def _cmap(path: Path) -> frozenset[int]:
    return frozenset(TTFont(path, lazy=True).getBestCmap())


def covered(styles_dir: Path) -> frozenset[int]:
    """Code points every face of the book font has (a character must work in italic and bold too)."""
    files = font_files(styles_dir)
    if not files:
        raise MakeBookError("no font in the styles folder: the book font must ship with the book",
                            styles_dir / "fonts")
    common = _cmap(files[0])
    for path in files[1:]:
        common &= _cmap(path)
    return common


def tome_strings(tome: Tome) -> Iterable[tuple[Path, int, str]]:
    """Every string of a tome that will be set in the book font, with where it comes from."""
    for placed in tome.texts:
        text = placed.text
        yield text.path, text.title_line, text.title + (text.author or "")
        for paragraph in text.paragraphs:
            yield text.path, paragraph.line, paragraph.plain


def check_coverage(book: Book) -> None:
    """Fail, naming each missing character and where it first appears, if the font lacks any."""
    have = covered(book.styles_dir)
    missing: dict[str, tuple[Path, int]] = {}
    for tome in book.tomes:
        for path, line, string in tome_strings(tome):
            for char in set(_CONTROL.sub("", string)):
                if ord(char) not in have and char not in missing:
                    missing[char] = (path, line)
    if missing:
        first = min(missing.values(), key=lambda where: (str(where[0]), where[1]))
        listed = ", ".join(f"U+{ord(char):04X} {char!r} ({path.name}:{line})"
                           for char, (path, line) in sorted(missing.items(), key=lambda item: item[1]))
        raise MakeBookError(f"the book font has no glyph for {len(missing)} character(s): {listed}",
                            *first)


def subset_font(path: Path, characters: str) -> bytes:
    """The font reduced to `characters` (plus what the stylesheet's generated content uses)."""
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]         # FontForge timestamps: not needed, and not subsettable
    # Keep head.modified (reproducible output); the bounding boxes of the full font still hold.
    font = TTFont(path, recalcTimestamp=False, recalcBBoxes=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
