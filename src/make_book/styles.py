"""The styles folder, read once: stylesheets and fonts as bytes, checked before any rendering."""

from __future__ import annotations

import re
from pathlib import Path

from make_book.errors import MakeBookError
from make_book.model import Styles
from make_book.paths import confined

STYLESHEETS = ("book.css", "print.css")
_CSS_REFERENCE = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)|@import\s+["']([^"']+)["']""")


def read_styles(folder: Path, fallback_fonts: tuple[str, ...] = ()) -> Styles:
    """Every file of the styles folder (names and bytes), after checking the stylesheets."""
    if not folder.is_dir():
        raise MakeBookError("styles folder does not exist", folder)
    files = tuple(sorted((path.relative_to(folder).as_posix(), confined(path, folder, "styles folder").read_bytes())
                         for path in folder.rglob("*") if path.is_file()))
    styles = Styles(folder, files, fallback_fonts)
    check_stylesheets(styles)
    return styles


def check_stylesheets(styles: Styles) -> None:
    """Every resource a stylesheet names must be a file inside the styles folder: the EPUB carries
    book.css as it is, and no reader or renderer should reach the network or the machine's files."""
    root = styles.folder.resolve()
    for name in STYLESHEETS:
        path = styles.folder / name
        if not styles.has(name):
            raise MakeBookError("missing stylesheet: the styles folder needs book.css and print.css", path)
        for number, line in enumerate(styles.file(name).decode("utf-8").splitlines(), start=1):
            for match in _CSS_REFERENCE.finditer(line):
                reference = match.group(1) or match.group(2)
                target = (styles.folder / reference).resolve() if ":" not in reference else None
                if target is None or not target.is_relative_to(root) or \
                        not styles.has(target.relative_to(root).as_posix()):
                    raise MakeBookError(f"refers to '{reference}': a stylesheet may use only files in the "
                                        "styles folder (no URL, nothing outside it)", path, number)
