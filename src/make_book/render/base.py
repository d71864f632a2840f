"""The interface every output implements (the registry is in `make_book.render`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from make_book.config import PdfOptions
from make_book.model import Edition, OutputFile, PageMap, Styles

if TYPE_CHECKING:  # imported by the workers that lay out, not by a rebuild with nothing to do
    from make_book.layout import PrintLayout
    from make_book.typeset import LinePlan


@dataclass(frozen=True)
class RenderJob:
    """What a renderer gets: the edition, the styles as bytes, the build time, the stem of its file
    names (`612-rencontres-tome-1`) and, when a selected renderer needs it, the reader's print layout
    and the page map read from it, and the paragraphs' line ends it was laid out with; and the
    printer's layout when it was laid out in chunks."""

    edition: Edition
    styles: Styles
    timestamp: dt.datetime
    stem: str
    layout: PrintLayout | None = None
    page_map: PageMap = PageMap()
    lines: LinePlan | None = None
    printer_layout: PrintLayout | None = None  # the printer's, when laid out in chunks (else it lays out whole)


class Renderer(Protocol):
    name: str            # the `--format` value and the manifest's format
    suffix: str          # what follows the stem in its file name: ".epub", "-print.pdf"
    label: str           # the download page's link text (French: the page is the book's)
    needs_layout: bool   # whether it needs the print layout (the PDF does, the EPUB for its page-list)
    for_printer: bool    # whether it writes the printer's layout (bleed, crop marks), laid out apart
    validator: str       # what `make-book check` runs on its files: "epub", "pdf" or "" (none)
    weight: int          # its work against the others': an edition's outputs are given workers heaviest first

    def selected(self, formats: tuple[str, ...], pdf: PdfOptions) -> bool:
        """Whether this build writes it, given the formats asked for."""
        ...

    def render(self, job: RenderJob) -> tuple[OutputFile, ...]:
        ...
