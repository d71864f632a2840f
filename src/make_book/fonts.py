"""The book font: coverage checked at build time, subset for embedding in the EPUB."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path, PurePosixPath

from fontTools import subset
from fontTools.ttLib import TTFont

from make_book.errors import MakeBookError
from make_book.model import Edition, Styles

FONT_TYPES = {".otf": "font/otf", ".ttf": "font/ttf", ".woff": "font/woff", ".woff2": "font/woff2"}  # by suffix
_CONTROL = re.compile(r"[\n\t]")


def font_files(styles: Styles) -> tuple[tuple[str, bytes], ...]:
    """(path in the styles folder, bytes) of each font file in its fonts/ folder."""
    return tuple((name, data) for name, data in styles.files
                 if name.startswith("fonts/") and PurePosixPath(name).suffix.lower() in FONT_TYPES)


@cache
def _cmap(data: bytes) -> frozenset[int]:
    return frozenset(TTFont(io.BytesIO(data), lazy=True).getBestCmap())


def covered(styles: Styles) -> frozenset[int]:
    """Code points every face of the book font has (a character must work in italic and bold too)."""
    files = font_files(styles)
    if not files:
        raise MakeBookError("no font in the styles folder: the book font must ship with the book",
                            styles.folder / "fonts")
    common = _cmap(files[0][1])
    for _, data in files[1:]:
        common &= _cmap(data)
    return common


def edition_strings(edition: Edition) -> Iterable[tuple[Path, int, str]]:
    """Every string of an edition that will be set in the book font, with where it comes from."""
    for placed in edition.texts:
        text = placed.text
        yield text.path, text.title_line, text.title + (text.author or "")
        for paragraph in text.paragraphs:
            yield text.path, paragraph.line, paragraph.plain


def check_coverage(editions: Iterable[Edition], styles: Styles) -> None:
    """Fail, naming each missing character and where it first appears, if the font lacks any."""
    have = covered(styles)
    missing: dict[str, tuple[Path, int]] = {}
    for edition in editions:
        for path, line, string in edition_strings(edition):
            for char in set(_CONTROL.sub("", string)):
                if ord(char) not in have and char not in missing:
                    missing[char] = (path, line)
    if missing:
        first = min(missing.values(), key=lambda where: (str(where[0]), where[1]))
        listed = ", ".join(f"U+{ord(char):04X} {char!r} ({path.name}:{line})"
                           for char, (path, line) in sorted(missing.items(), key=lambda item: item[1]))
        raise MakeBookError(f"the book font has no glyph for {len(missing)} character(s): {listed}",
                            *first)


def subset_font(data: bytes, characters: str) -> bytes:
    """The font reduced to `characters` (plus what the stylesheet's generated content uses)."""
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]         # FontForge timestamps: not needed, and not subsettable
    # Keep head.modified (reproducible output); the bounding boxes of the full font still hold.
    font = TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
