"""The print edition: one HTML document per tome, laid out by WeasyPrint."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import TextBox
from weasyprint.text.fonts import FontConfiguration

from make_book.errors import Diagnostic
from make_book.fetcher import ProjectFetcher
from make_book.model import Book, PageMap, Paragraph, Tome, paragraph_id
from make_book.book_html import print_html

# Where each section's first page is recorded: the EPUB's page-list points at these.
FRONT_ANCHORS = ("title-page", "copyright", "toc")
BACK_ANCHORS = ("contributors",)
HYPHEN = "\u2010"  # what WeasyPrint adds where it hyphenates a word (CSS hyphenate-character)


@dataclass(frozen=True)
class PrintLayout:
    """A laid-out tome: its pages and the print page on which each section starts."""

    document: object
    pages: int
    page_map: PageMap
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
    page_map = PageMap(page_of, _paragraph_breaks(html, document, tome, set(page_of.values())))
    return PrintLayout(document, len(document.pages), page_map, tuple(fetcher.refused))


def _paragraph_breaks(html: HTML, document: object, tome: Tome,
                      section_pages: set[int]) -> dict[str, tuple[tuple[int, int], ...]]:
    """For each page that is not a section's first, where its first paragraph text begins: the
    paragraph and the offset in its plain text, found from the laid-out text boxes."""
    plain = {paragraph_id(placed.anchor, number): block.plain for placed in tome.texts
             for number, block in enumerate(placed.text.blocks, start=1) if isinstance(block, Paragraph)}
    owner = {}  # each element inside one of our paragraphs (the <p>, an <em>) -> the paragraph's id
    for element in html.etree_element.iter():
        if element.get("id") in plain:
            owner |= {id(inner): element.get("id") for inner in element.iter()}
    seen: dict[str, int] = {}  # paragraph id -> non-space characters laid out on earlier pages
    breaks: dict[str, list[tuple[int, int]]] = {}
    for number, page in enumerate(document.pages, start=1):
        first = True
        for box in page._page_box.descendants():
            paragraph = owner.get(id(getattr(box, "element", None))) if isinstance(box, TextBox) else None
            if paragraph is None:
                continue
            if first and number not in section_pages:
                offset = _offset_of_nth_letter(plain[paragraph], seen.get(paragraph, 0))
                breaks.setdefault(paragraph, []).append((offset, number))
            first = False
            text = box.text.removesuffix(HYPHEN) if HYPHEN not in plain[paragraph] else box.text
            seen[paragraph] = seen.get(paragraph, 0) + sum(not char.isspace() for char in text)
    return {paragraph: tuple(found) for paragraph, found in breaks.items()}


def _offset_of_nth_letter(text: str, count: int) -> int:
    """The index in `text` of its non-space character number `count` (0-based)."""
    for index, char in enumerate(text):
        if not char.isspace():
            if count == 0:
                return index
            count -= 1
    return len(text)


def write_pdf(book: Book, tome: Tome, layout: PrintLayout) -> bytes:
    variant = None if book.pdf.variant == "none" else book.pdf.variant
    return layout.document.write_pdf(pdf_variant=variant, pdf_tags=True,
                                     pdf_identifier=tome.config.identifier.encode())
