"""The folios of a tome laid out in chunks (chunks.py): folio sheets, which join.py lays over its pages,
and the blank verso it puts where a chunk would start on the left.

A folio sheet holds the folios of a run of page numbers (1-64, 65-128…) on pages of one name, a page
each, as the book's `counter(page)` margin box draws them: a run serves every tome and every build, so
a chunk whose pages move needs none laid out again. Laid out page by page, a folio costs WeasyPrint a
whole page (its sixteen margin boxes, their styles computed afresh for each page: about 8 ms); so the
run's numbers are set as the lines of one stack, each in the folio's own style, and each line is moved
to where the folio of a page of its parity is drawn. Four real pages laid out beside the stack (a recto
and a verso at each end of the run) give those places, and check the stack against WeasyPrint's own
folios: the same font and shaping properties, the same glyphs and advances, the same offset at both
ends of the run (the folio's place is the same function of its width in both). The places agree with
WeasyPrint's to the millionth of a pixel it writes (a sum of two rounded numbers may differ from it in
that last digit). A stylesheet whose folios the stack does not give exactly has its sheets laid out
page by page.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pikepdf
from weasyprint.formatting_structure.boxes import MarginBox, TextBox

from make_book.chunks import CSS_COMMENT, FOLIO, MARGIN_BOX, LaidChunk, cached_part, part_key, store_part
from make_book.layout import PageSetup, lay_out, part_pdf, stylesheet_texts
from make_book.model import Styles

FOLIOS_PER_SHEET = 64  # a sheet costs a WeasyPrint start (50 ms) and its four real pages (8 ms each)
_STACK_PAGE = "make-book-folio-stack"
_REAL_PAGES = (0, 1, FOLIOS_PER_SHEET - 2, FOLIOS_PER_SHEET - 1)  # a recto and a verso at each end of the run
_OTHER_CONTENT = re.compile(r"content\s*:(?!\s*counter\(\s*page\s*\)\s*[;}])[^;}]*")
_CONTENT = re.compile(r"content\s*:[^;]*;?")
# The text-align WeasyPrint's user-agent stylesheet gives each margin box that may hold the folio.
_ALIGN = {"top-left": "left", "top-center": "center", "top-right": "right", "bottom-left": "left",
          "bottom-center": "center", "bottom-right": "right", **{f"{side}-{place}": "center"
                                                                 for side in ("left", "right")
                                                                 for place in ("top", "middle", "bottom")}}
# What decides how a number is shaped: equal in the margin box and in the stack, the same number gives
# the same glyphs at the same advances in both.
_SHAPING = ("direction", "font_family", "font_feature_settings", "font_kerning", "font_language_override",
            "font_size", "font_stretch", "font_style", "font_variant_alternates", "font_variant_caps",
            "font_variant_east_asian", "font_variant_ligatures", "font_variant_numeric", "font_variant_position",
            "font_variation_settings", "font_weight", "lang", "letter_spacing", "text_transform", "word_spacing")
_TOLERANCE = Decimal("0.00001")  # of a CSS pixel: two numbers printed to six decimals, one rounding each


@dataclass(frozen=True)
class FolioSheet:
    """The folios of pages `first`… (FOLIOS_PER_SHEET of them) named `name` ("": no name)."""

    name: str
    first: int
    pdf: bytes
    folios: tuple[bool, ...]  # whether each page has a folio (its page's name may leave it out)
    key: str = ""             # its name in the cache


@dataclass(frozen=True)
class BlankVerso:
    """A PDF of one blank verso: the join puts it wherever a chunk would start on the left."""

    pdf: bytes
    key: str  # its name in the cache


def folio_sheets_of(laid: LaidChunk, first: int) -> set[tuple[str, int]]:
    """The folio sheets (page name, first number) a chunk starting on page `first` takes its folios
    from (none for a blank page: no folio)."""
    return {(kind.name, sheet_start(first + index)) for index, kind in enumerate(laid.kinds) if not kind.blank}


def sheet_start(page: int) -> int:
    return page - (page - 1) % FOLIOS_PER_SHEET


def folio_sheet(language: str, styles: Styles, setup: PageSetup, name: str, first: int,
                cache_dir: Path | None) -> FolioSheet:
    """The folios of pages `first`… named `name`: the book's `counter(page)` margin boxes alone (every
    other generated content none), as WeasyPrint draws them on pages of that name (in a worker process).
    Untagged: join.py marks them as artifacts. Without crop marks: the page under it has them."""
    sheets = _folios_only(styles)
    setup = dataclasses.replace(setup, crop_marks=False)
    key = part_key("folios", language, name, str(first), *sheets, setup.css, styles.digest)
    cached = cached_part(cache_dir, key)
    if cached is None:
        pdf, folios = (_stacked(language, styles, setup, sheets, name, first)
                       or _page_by_page(language, styles, setup, sheets, name, first))
        cached = FolioSheet(name, first, pdf, folios, key)
        store_part(cache_dir, key, cached)
    return cached


def _page_by_page(language: str, styles: Styles, setup: PageSetup, sheets: tuple[str, ...], name: str,
                  first: int) -> tuple[bytes, tuple[bool, ...]]:
    """The sheet as FOLIOS_PER_SHEET empty pages of that name, laid out by WeasyPrint."""
    html = (f'<!DOCTYPE html><html lang="{language}"><body>'
            + f'<div style="page: {name or "auto"}"></div>' * FOLIOS_PER_SHEET + "</body></html>")
    layout = lay_out(html, styles, setup, sheets + (_numbered(first),))
    folios = tuple(_has_folio(page) for page in layout.document.pages)
    return part_pdf(layout.document, pdf_tags=False, pdf_identifier=b"make-book folio sheet"), folios


def _numbered(first: int, again_at_third: int | None = None) -> str:
    """Pages each on its own, the first numbered `first` (on its side), the third `again_at_third`."""
    again = f" @page :nth(3) {{ counter-reset: page {again_at_third}; }}" if again_at_third else ""
    return (f"html {{ break-before: {'right' if first % 2 else 'left'}; }} body > div {{ break-before: page; }}\n"
            f"@page :first {{ counter-reset: page {first}; }}{again}")


def _has_folio(page: object) -> bool:
    return any(isinstance(box, MarginBox) for box in page._page_box.children)


def _stacked(language: str, styles: Styles, setup: PageSetup, sheets: tuple[str, ...], name: str,
             first: int) -> tuple[bytes, tuple[bool, ...]] | None:
    """The sheet made from a stack of its numbers and four real pages, or None where the stack does not
    give WeasyPrint's folios exactly (see the module's docstring)."""
    folio = _folio_style(sheets)
    if folio is None or first % 2 == 0:
        return None
    numbers = range(first, first + FOLIOS_PER_SHEET)
    html = (f'<!DOCTYPE html><html lang="{language}"><body>'
            + f'<div style="page: {name or "auto"}"></div>' * len(_REAL_PAGES)
            + '<div class="make-book-folios">' + "".join(f"<div>{number}</div>" for number in numbers)
            + "</div></body></html>")
    none = " ".join(f"@{box} {{ content: none !important; }}" for box in _ALIGN)
    stack = (_numbered(first, numbers[_REAL_PAGES[2]])
             + f"\n@page {_STACK_PAGE} {{ margin: 0 !important; {none} }}\n"
             f".make-book-folios {{ page: {_STACK_PAGE}; }} .make-book-folios > div {{ white-space: nowrap; {folio} }}")
    document = lay_out(html, styles, setup, sheets + (stack,)).document
    real, stacked = document.pages[:len(_REAL_PAGES)], document.pages[len(_REAL_PAGES):]
    if not stacked or any(page._page_box.page_type.name != _STACK_PAGE or _has_folio(page) for page in stacked):
        return None
    if not _shaped_alike(real, stacked):
        return None
    folios: list[tuple[bool, ...] | None] = []
    pdf = part_pdf(document, pdf_tags=False, pdf_identifier=b"make-book folio sheet",
                   edit=lambda written: folios.append(_pages_from_stack(written)))
    return (pdf, folios[0]) if folios[0] is not None else None


def _folio_style(sheets: tuple[str, ...]) -> str | None:
    """The declarations a line of the stack takes to be set as the folio is: the folio box's alignment
    and its own declarations; None when the folio is set by more than one rule (on left and right
    pages otherwise, say)."""
    css = "\n".join(CSS_COMMENT.sub("", sheet) for sheet in sheets)
    rules = {(box, _CONTENT.sub("", declarations).strip()) for box, _, declarations in MARGIN_BOX.findall(css)
             if FOLIO.search(declarations + ";")}
    if len(rules) != 1:
        return None
    (box, declarations), = rules
    return f"text-align: {_ALIGN[box]}; {declarations}"


def _shaped_alike(real: list, stacked: list) -> bool:
    """Whether each real page's folio is shaped with the stack's properties."""
    def texts(boxes):
        return [box for top in boxes for box in top.descendants() if isinstance(box, TextBox)]

    lines = texts(page._page_box for page in stacked)
    folios = texts(box for page in real for box in page._page_box.children if isinstance(box, MarginBox))
    return len(lines) == FOLIOS_PER_SHEET and all(folio.style[name] == lines[0].style[name]
                                                  for folio in folios for name in _SHAPING)


@dataclass(frozen=True)
class _Run:
    """A piece of text drawn: its text matrix, its font, what shows its glyphs (as written)."""

    matrix: tuple[Decimal, ...]
    font: bytes
    shows: tuple[bytes, ...]


def _pages_from_stack(pdf: pikepdf.Pdf) -> tuple[bool, ...] | None:
    """The PDF's pages (four real ones, then the stack's) made into the sheet's: for each number, the
    real page of its parity with the stack's line of that number drawn where that page's folio is;
    which pages have a folio. None, the PDF as it was, where the stack and the real pages disagree."""
    pages = list(pdf.pages)
    drawn = [pikepdf.parse_content_stream(page) for page in pages]  # each page's operations, parsed once
    runs = [run for operations in drawn[len(_REAL_PAGES):] for run in _runs(operations)]
    if len(runs) != FOLIOS_PER_SHEET or len({(run.matrix[:4], run.font) for run in runs}) != 1:
        return None
    places: dict[int, tuple[Decimal, Decimal] | None] = {}  # by parity: (x offset, y), or None: no folio
    for index, operations in zip(_REAL_PAGES, drawn[:len(_REAL_PAGES)], strict=True):
        own = _runs(operations)
        if len(own) > 1:
            return None
        place = None
        if own:
            real, line = own[0], runs[index]
            if (real.matrix[:4], real.font, real.shows) != (line.matrix[:4], line.font, line.shows):
                return None
            place = (real.matrix[4] - line.matrix[4], real.matrix[5])
        known = places.setdefault(index % 2, place)
        if (known is None) != (place is None) or (known and (abs(known[0] - place[0]) > _TOLERANCE
                                                               or known[1] != place[1])):
            return None
    folios = []
    for index, run in enumerate(runs):
        place, real = places[index % 2], _REAL_PAGES[index % 2]
        page = {key: value for key, value in pages[real].obj.items() if key != "/Parent"}
        if place:
            page["/Contents"] = pdf.make_stream(_drawn_at(drawn[real], run, place))
        pdf.pages.append(pikepdf.Page(pdf.make_indirect(pikepdf.Dictionary(page))))
        folios.append(place is not None)
    del pdf.pages[:len(pages)]
    return tuple(folios)


def _runs(operations: list) -> list[_Run]:
    """The pieces of text a page's operations draw, in order."""
    runs: list[_Run] = []
    font, in_run = b"", False  # in a run: after its Tm, before the text object's end
    for operands, operator in operations:
        name, written = str(operator), pikepdf.unparse_content_stream([(operands, operator)])
        if name == "Tf":
            font = written
            if in_run:
                runs[-1] = dataclasses.replace(runs[-1], font=font)
        elif name == "Tm":
            runs.append(_Run(tuple(Decimal(str(value)) for value in operands), font, ()))
            in_run = True
        elif name in ("BT", "ET"):
            in_run = False
        elif in_run:
            runs[-1] = dataclasses.replace(runs[-1], shows=runs[-1].shows + (written,))
    return runs


def _drawn_at(template: list, line: _Run, place: tuple[Decimal, Decimal]) -> bytes:
    """The real page's operations with its folio's glyphs replaced by the line's, moved to the folio's
    place (its y, and the line's x moved by the offset the real pages measured)."""
    offset, y = place
    written: list[bytes] = []
    in_text = shown = False
    for operands, operator in template:
        name = str(operator)
        if in_text and name == "Tm":
            operands = [*line.matrix[:4], _as_written(line.matrix[4] + offset), y]
        elif in_text and name not in ("Tf", "ET"):  # what shows the glyphs: the line's instead
            written += () if shown else line.shows
            shown = True
            continue
        in_text = name == "BT" or (in_text and name != "ET")
        written.append(pikepdf.unparse_content_stream([(operands, operator)]))
    return b"\n".join(written)


def _as_written(number: Decimal) -> Decimal:
    """A number as WeasyPrint writes it: no trailing zeros (`259.97634`, not `259.976340`)."""
    return Decimal(format(number, "f").rstrip("0").rstrip(".") or "0")


def blank_verso(language: str, styles: Styles, setup: PageSetup, cache_dir: Path | None) -> BlankVerso:
    """A blank verso as one layout of the tome draws it (the printer's with its crop marks): the page
    WeasyPrint leaves blank between a recto and the next recto (in a worker process)."""
    html = (f'<!DOCTYPE html><html lang="{language}"><body><div></div>'
            '<div style="break-before: right"></div></body></html>')
    sheets = _folios_only(styles)
    key = part_key("blank verso", html, *sheets, setup.css, styles.digest)
    cached = cached_part(cache_dir, key)
    if cached is None:
        document = lay_out(html, styles, setup, sheets).document
        pdf = part_pdf(document.copy([document.pages[1]]), pdf_tags=False, pdf_identifier=b"make-book blank verso")
        cached = BlankVerso(pdf, key)
        store_part(cache_dir, key, cached)
    return cached


def _folios_only(styles: Styles) -> tuple[str, ...]:
    """The book's stylesheets with every generated content but the folios none."""
    return tuple(_OTHER_CONTENT.sub("content: none", CSS_COMMENT.sub("", sheet))
                 for sheet in stylesheet_texts(styles, ""))
