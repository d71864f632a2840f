"""The print layout stage: an edition's HTML laid out into pages by WeasyPrint, and the page map read
back from those pages. The PDF writer, the EPUB's page-list and (later) a line breaker build on it."""

from __future__ import annotations

import ctypes
import gc
import io
from collections.abc import Callable
from dataclasses import dataclass

import pikepdf
from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import BlockBox, InlineBox, LineBox, TextBox
from weasyprint.text.fonts import FontConfiguration, font_features

from make_book.config import PdfOptions
from make_book.errors import Diagnostic
from make_book.fetcher import StylesFetcher
from make_book.fonts import fallback_css, fallback_faces_used, font_chain
from make_book.html_tree import ParsedHTML, parse_html
from make_book.model import PRINT_PARAGRAPH_ATTRIBUTE, Edition, PageMap, Paragraph, Styles, paragraph_id, part_anchor
from make_book.styles import STYLESHEETS
from make_book.typeset import HYPHEN, Frame, LinePlan
from make_book.weasyprint_hooks import contexts_freed, leaders_as_runs, with_lighter_user_agent_sheet

# Where each section's first page is recorded: the EPUB's page-list points at these.
FRONT_ANCHORS = ("title-page", "copyright", "toc")
BACK_ANCHORS = ("contributors",)


@dataclass(frozen=True)
class PageSetup:
    """The paged-media settings that come from book.toml; the printer's PDF adds bleed and marks."""

    page_size: str
    text_start: str
    bleed: str | None = None
    crop_marks: bool = True  # with a bleed: off for what is drawn over a page that has its own

    @classmethod
    def for_reader(cls, pdf: PdfOptions) -> PageSetup:
        return cls(pdf.page_size, pdf.text_start)

    @classmethod
    def for_printer(cls, pdf: PdfOptions) -> PageSetup:
        return cls(pdf.page_size, pdf.text_start, pdf.bleed)

    @property
    def css(self) -> str:
        start = "recto" if self.text_start == "recto" else "page"
        marks = (f" bleed: {self.bleed};" + (" marks: crop cross;" if self.crop_marks else "")) if self.bleed else ""
        return f"@page {{ size: {self.page_size};{marks} }}\nsection.text {{ break-before: {start}; }}\n"


@dataclass(frozen=True)
class PrintLayout:
    """Laid-out pages (WeasyPrint's document) and the HTML tree they were laid out from."""

    document: object
    root: object
    refused: tuple[Diagnostic, ...]

    @property
    def pages(self) -> int:
        return len(self.document.pages)

    def pdf(self, edition: Edition) -> bytes:
        return self.document.write_pdf(**_pdf_options(edition))

    def part_pdf(self, edition: Edition) -> bytes:
        """The PDF of a part of the edition, which join.py opens again (part_pdf)."""
        return part_pdf(self.document, **_pdf_options(edition))


def _pdf_options(edition: Edition) -> dict:
    variant = None if edition.pdf.variant == "none" else edition.pdf.variant
    return {"pdf_variant": variant, "pdf_tags": True, "pdf_identifier": edition.identifier.encode()}


def part_pdf(document: object, edit: Callable[[pikepdf.Pdf], None] | None = None, **options: object) -> bytes:
    """A PDF that join.py opens and writes again (a chunk, a folio sheet): written uncompressed by
    WeasyPrint, its streams then compressed by qpdf, which the join copies as they are. WeasyPrint
    compresses at zlib's slowest level and packs the objects in compressed object streams, which the
    join unpacks anyway: 0.16 s of an 83-page chunk's 0.62 s of writing, qpdf's compression 0.06 s
    (zlib's default level, in C; the XMP metadata left uncompressed): the chunk is written in 0.54 s
    (medians of 9, alternating in one process). Object streams still: the join walks the structure
    tree object by object: a tome of 11 chunks joined in 0.97 s instead of 0.72 s without them.
    `edit`: what to change in it before it is compressed (folios.py makes a folio sheet's pages)."""
    written = document.write_pdf(uncompressed_pdf=True, **options)
    with pikepdf.open(io.BytesIO(written)) as pdf:
        if edit:
            edit(pdf)
        compressed = io.BytesIO()
        pdf.save(compressed, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return compressed.getvalue()


def subsets_fonts_fast() -> bool:
    """Whether WeasyPrint found HarfBuzz's font subsetter (as it checks: the library, version 4.1 or
    later): without it, it subsets with fontTools, 0.2 s a face for each PDF it writes (each chunk and
    folio sheet) against 1.5 ms with HarfBuzz."""
    from weasyprint.text import ffi
    return bool(ffi.harfbuzz_subset) and bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))


def stylesheet_texts(styles: Styles, html: str) -> tuple[str, ...]:
    """The book's stylesheets as WeasyPrint gets them, in order: book.css, the fallback faces the text
    needs (none when it needs none: a family list slows every text run down, 8 % of a 612-text
    build), print.css."""
    book_css, print_css = (styles.file(name).decode("utf-8") for name in STYLESHEETS)
    return book_css, fallback_css(font_chain(styles), fallback_faces_used(styles, set(html))), print_css


def release_memory(collect: bool = False) -> None:
    """Layout leaves much freed memory in the allocator; returning it before the PDF is written (or
    the next chunk laid out) keeps a worker's peak lower (measured on a 796-page tome: 429 → 383 MiB).
    glibc only. `collect`: the garbage first, for a layout that leaves some in cycles: a whole tome's,
    whose target-counters make WeasyPrint lay pages out again (33,000 objects for 155 pages); a
    chunk leaves a few hundred (its link targets' pages are written in, chunks.py), its layout
    context being freed without a collection (weasyprint_hooks), which would cost it 0.1 s."""
    if collect:
        gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def lay_out(html: str, styles: Styles, setup: PageSetup, sheets: tuple[str, ...] | None = None) -> PrintLayout:
    """`sheets`: the stylesheets, when not the book's own (`stylesheet_texts`); the page setup's follow."""
    fetcher = StylesFetcher(styles)
    sheets = (sheets if sheets is not None else stylesheet_texts(styles, html)) + (setup.css,)
    fonts, stylesheets, refused = _parsed(styles, sheets)
    root = parse_html(html)
    parsed = with_lighter_user_agent_sheet(
        HTML(string=html, base_url=_base_url(styles), url_fetcher=fetcher) if root is None
        else ParsedHTML(root, _base_url(styles), fetcher), sheets)
    with contexts_freed(), leaders_as_runs():
        document = parsed.render(stylesheets=stylesheets, font_config=fonts)
    _links_of_links_only(document)
    return PrintLayout(document, parsed.etree_element, refused + tuple(fetcher.refused))


# By the @font-face sheets: their font configuration, and every sheet parsed with it.
_FONTS: dict[tuple, tuple[FontConfiguration, dict[str, tuple[CSS, tuple[Diagnostic, ...]]]]] = {}
_FONTS_KEPT = 4    # a worker's layouts take few sets of @font-face rules: the texts', with a fallback face or not
_SHEETS_KEPT = 32  # the book's sheets and their chunk variants, and a folio sheet's numbering (one a sheet)


def _parsed(styles: Styles, sheets: tuple[str, ...]) -> tuple[FontConfiguration, list[CSS], tuple[Diagnostic, ...]]:
    """The stylesheets parsed, with their fonts loaded and what their fetches refused: each one once in a
    process, with the font configuration of the same @font-face rules. A worker lays out a dozen chunks
    with the same stylesheets: parsing them and loading their fonts was a third of a one-text chunk's
    profile, and the font configuration keeps WeasyPrint's caches of font features and line struts from
    one document to the next. Each sheet on its own: a folio sheet's set differs from the next one's by
    its numbering alone (14 sets, 0.47 s of parsing, in a first build of the 612-text corpus)."""
    faces = (styles.folder, styles.digest, tuple(sheet for sheet in sheets if "@font-face" in sheet))
    if faces not in _FONTS:  # the folder: what the sheets' URLs resolve against
        if len(_FONTS) >= _FONTS_KEPT:
            del _FONTS[next(iter(_FONTS))]
        _FONTS[faces] = (FontConfiguration(), {})
    fonts, known = _FONTS[faces]
    for sheet in filter(None, sheets):
        if sheet not in known:
            if len(known) >= _SHEETS_KEPT:  # the oldest without fonts: one with them loads them once only
                del known[next(old for old in known if old not in faces[2])]
            fetcher = StylesFetcher(styles)
            css = CSS(string=sheet, base_url=_base_url(styles), url_fetcher=fetcher, font_config=fonts)
            known[sheet] = (css, tuple(fetcher.refused))
    parsed = [known[sheet] for sheet in filter(None, sheets)]
    return fonts, [css for css, _ in parsed], tuple(refusal for _, refused in parsed for refusal in refused)


def _base_url(styles: Styles) -> str:
    return styles.folder.as_uri() + "/"


def _links_of_links_only(document: object) -> None:
    """One link annotation for each box of a link (`<a href>`), not one more for each box inside it.
    WeasyPrint makes a page's links (`Page.links`) of every box a link holds, so a TOC entry (a block
    link holding a title, an author, the author's dash, the leader and the number) was six overlapping
    annotations, each in the structure tree: 1,840 for 306 entries. A reader's pointer or a screen
    reader meets each link once; the PDF has a sixth of the annotations to write and join."""
    for page in document.pages:
        page.links[:] = [link for link in page.links if link[3].link is not None]


# One text with the three kinds of paragraph: what the line breaker needs to know of the stylesheets.
_PROBE = ('<html lang="fr"><body><section class="text"><header><h2 class="text-title">T</h2></header>'
          '<p class="set" {0}="opening">x</p><p class="set" {0}="following">x <span class="tight">x</span></p>'
          '<hr class="section-break"/>'
          '<p class="set" {0}="after-break">x</p></section></body></html>').format(PRINT_PARAGRAPH_ATTRIBUTE)


def paragraph_frame(styles: Styles, setup: PageSetup) -> Frame:
    """A text paragraph's measure, size, word spacing and indents, as WeasyPrint computes them from
    the book's stylesheets: the line breaker sets lines for the page they will be on."""
    document = lay_out(_PROBE, styles, setup).document
    found = {_paragraph(box): box for box in document.pages[-1]._page_box.descendants() if _paragraph(box)}
    following = found["following"]
    style = following.style
    tight = next(box for box in following.descendants() if isinstance(box, InlineBox))  # its .tight span
    # The OpenType features WeasyPrint asks Pango for, from the same properties, so that HarfBuzz
    # shapes the words as the page will.
    features = font_features(*(style[name] for name in (
        "font_kerning", "font_variant_ligatures", "font_variant_position", "font_variant_caps",
        "font_variant_numeric", "font_variant_alternates", "font_variant_east_asian", "font_feature_settings")))
    letter_spacing = style["letter_spacing"]
    return Frame(width=following.width, font_size=style["font_size"], word_spacing=style["word_spacing"],
                 tight_word_spacing=tight.style["word_spacing"],
                 features=tuple(sorted(features.items())),
                 letter_spacing=0.0 if letter_spacing == "normal" else float(letter_spacing),
                 indent=_pixels(style["text_indent"], following.width),
                 indent_opening=_pixels(found["opening"].style["text_indent"], following.width),
                 indent_after_break=_pixels(found["after-break"].style["text_indent"], following.width))


def _paragraph(box: object) -> str | None:
    """The name of the paragraph this box is, if it is one of the print HTML's."""
    if isinstance(box, BlockBox) and box.element_tag == "p":
        return box.element.get(PRINT_PARAGRAPH_ATTRIBUTE)
    return None


def _pixels(length: object, width: float) -> float:
    """A computed length (WeasyPrint's Dimension: pixels, or a percentage of the measure)."""
    return width * length.value / 100 if length.unit == "%" else float(length.value)


def lines_off_plan(layout: PrintLayout, lines: LinePlan, edition: Edition) -> tuple[Diagnostic, ...]:
    """The set paragraphs WeasyPrint laid out otherwise than planned: in more or fewer lines, or with a
    last line (set apart, unbroken) wider than the measure. Its measure and ours differ (a style the
    line breaker does not model), so the author hears of it."""
    laid_out: dict[str, int] = {}
    overrun: dict[str, bool] = {}  # whether its last line's text ends past the measure (the last page's)
    for page in layout.document.pages:
        for box in page._page_box.descendants():
            name = _paragraph(box)
            if name and lines.get(name):
                line_boxes = [child for child in box.children if isinstance(child, LineBox)]
                laid_out[name] = laid_out.get(name, 0) + len(line_boxes)
                if line_boxes:
                    overrun[name] = _text_right(line_boxes[-1]) > box.content_box_x() + box.width + 0.01
    found = []
    for placed in edition.texts:
        for number, block in enumerate(placed.text.blocks, start=1):
            name = paragraph_id(placed.anchor, number)
            planned = lines.get(name)
            if planned and laid_out.get(name, 0) != len(planned.ends) + 1:
                found.append(Diagnostic(
                    f"this paragraph came out in {laid_out.get(name, 0)} lines in the PDF, not the "
                    f"{len(planned.ends) + 1} make-book set: a style the line breaker does not measure "
                    "(see docs/typography.md)?", placed.text.path, block.line))
            elif overrun.get(name):
                found.append(Diagnostic(
                    "this paragraph's last line came out wider than the page's measure in the PDF: a style "
                    "the line breaker does not measure (see docs/typography.md)?", placed.text.path, block.line))
    return tuple(found)


def _text_right(line: LineBox) -> float:
    """Where a line's text ends (the box that sets the last line apart is wider than the measure)."""
    return max((box.position_x + box.width for box in line.descendants() if isinstance(box, TextBox) and box.text),
               default=line.position_x)


def page_map(layout: PrintLayout, edition: Edition, elsewhere: frozenset[str] = frozenset()) -> PageMap:
    """The page on which each section starts, and where pages begin inside paragraphs. `elsewhere`:
    anchors that are not really on these pages (a chunk's stand-ins, chunks.py)."""
    page_of: dict[str, int] = {}
    wanted = set(FRONT_ANCHORS + BACK_ANCHORS) | {placed.anchor for placed in edition.texts}
    wanted = (wanted | {part_anchor(tome) for tome in edition.tomes}) - elsewhere
    for number, page in enumerate(layout.document.pages, start=1):
        for anchor in page.anchors:
            if anchor in wanted:
                page_of.setdefault(anchor, number)
    breaks = _paragraph_breaks(layout, edition, set(page_of.values()))
    return PageMap(tuple(page_of.items()), tuple(breaks.items()))


def _paragraph_breaks(layout: PrintLayout, edition: Edition,
                      section_pages: set[int]) -> dict[str, tuple[tuple[int, int], ...]]:
    """For each page that is not a section's first, where its first paragraph text begins: the
    paragraph and the offset in its plain text, found from the laid-out text boxes."""
    plain = {paragraph_id(placed.anchor, number): block.plain for placed in edition.texts
             for number, block in enumerate(placed.text.blocks, start=1) if isinstance(block, Paragraph)}
    owner = {}  # each element inside one of our paragraphs (the <p>, an <em>) -> the paragraph's id
    for element in layout.root.iter():
        if element.get(PRINT_PARAGRAPH_ATTRIBUTE) in plain:
            owner |= {id(inner): element.get(PRINT_PARAGRAPH_ATTRIBUTE) for inner in element.iter()}
    seen: dict[str, int] = {}  # paragraph id -> non-space characters laid out on earlier pages
    breaks: dict[str, list[tuple[int, int]]] = {}
    for number, page in enumerate(layout.document.pages, start=1):
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
