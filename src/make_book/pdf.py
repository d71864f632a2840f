"""The print edition: one HTML document per tome, laid out by WeasyPrint."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from make_book.errors import Diagnostic
from make_book.fetcher import ProjectFetcher
from make_book.model import Book, Tome
from make_book.book_html import print_html

# Where each section's first page is recorded: the EPUB's page-list points at these.
FRONT_ANCHORS = ("title-page", "copyright", "toc")
BACK_ANCHORS = ("contributors",)


@dataclass(frozen=True)
class PrintLayout:
    """A laid-out tome: its pages and the print page on which each section starts."""

    document: object
    pages: int
    page_of: dict[str, int]
    refused: tuple[Diagnostic, ...]


def page_setup_css(book: Book, for_printer: bool = False) -> str:
    """The paged-media settings that come from book.toml; the printer's PDF adds bleed and marks."""
    start = "recto" if book.pdf.text_start == "recto" else "page"
    marks = f" bleed: {book.pdf.bleed}; marks: crop cross;" if for_printer else ""
    return f"@page {{ size: {book.pdf.page_size};{marks} }}\nsection.text {{ break-before: {start}; }}\n"


def lay_out(book: Book, tome: Tome, timestamp: dt.datetime, for_printer: bool = False) -> PrintLayout:
    fetcher = ProjectFetcher((book.styles_dir,))
    fonts = FontConfiguration()
    base_url = book.styles_dir.as_uri() + "/"
    stylesheets = [
        CSS(filename=str(book.styles_dir / "book.css"), url_fetcher=fetcher, font_config=fonts),
        CSS(filename=str(book.styles_dir / "print.css"), url_fetcher=fetcher, font_config=fonts),
        CSS(string=page_setup_css(book, for_printer), base_url=base_url, url_fetcher=fetcher, font_config=fonts),
    ]
    html = HTML(string=print_html(book, tome, timestamp), base_url=base_url, url_fetcher=fetcher)
    document = html.render(stylesheets=stylesheets, font_config=fonts)
    page_of: dict[str, int] = {}
    wanted = set(FRONT_ANCHORS + BACK_ANCHORS) | {placed.anchor for placed in tome.texts}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            if anchor in wanted:
                page_of.setdefault(anchor, number)
    return PrintLayout(document, len(document.pages), page_of, tuple(fetcher.refused))


def write_pdf(book: Book, tome: Tome, layout: PrintLayout) -> bytes:
    variant = None if book.pdf.variant == "none" else book.pdf.variant
    return layout.document.write_pdf(pdf_variant=variant, pdf_tags=True,
                                     pdf_identifier=tome.config.identifier.encode())
