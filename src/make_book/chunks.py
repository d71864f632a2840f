"""A tome laid out in chunks, each in its own process, joined into one PDF (join.py).

Every text starts on a recto, so a tome can be cut between texts and each piece laid out by WeasyPrint
on its own. Three things a chunk cannot know are laid out apart, so that the joined PDF is the one a
single layout gives:
- its folios: its first page number depends on the page counts of the chunks before it, so its
  `counter(page)` boxes are not laid out (`content: none`) and the folios come from folio sheets
  (folios.py), which join.py lays over the pages of that name and number;
- the page numbers of other chunks (the TOC's and the index's): `target-counter(attr(href), page)`
  becomes `attr(data-page)`. The front matter's are placeholders, which the join replaces by the
  numbers (late_numbers.py): its TOC is laid out once, at the start. The index's (and the front
  matter's where its stylesheets do not allow that) are written into the chunk, from the last build
  or a guess first, and laid out again when they turned out otherwise. Each link's target is given a
  stand-in anchor where the link is, once laid out (so that WeasyPrint writes the link), which the
  join points to the real one;
- the strings the front matter sets for the running heads (the book's title): set as literals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import pickle
import re
import resource
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import lxml.etree
import lxml.html

from make_book.book_html import print_html
from make_book.config import tome_edition_name
from make_book.errors import Diagnostic
from make_book.html_tree import parse_html
from make_book.late_numbers import LateNumbers, late_numbers, placeholders, slots
from make_book.layout import (
    PageSetup,
    PrintLayout,
    lay_out,
    lines_off_plan,
    page_map,
    paragraph_frame,
    release_memory,
    stylesheet_texts,
)
from make_book.model import Edition, PageMap, Styles, part_anchor
from make_book.output import write_atomic
from make_book.typeset import Frame, plan_lines

FRONT = "front-matter"
BACK = ("contributors",)  # the index's chunk
PAGES_PER_CHUNK = 120        # a balance: fewer chunks repeat less per-chunk work (fonts, subsets)
CHARACTERS_PER_PAGE = 1500   # of text, on the default A5 page: only to size the chunks
UNKNOWN_PAGE = 999           # a page number not known yet, as wide as most

# What a chunk's stylesheets may contain for the join to be exact: page numbers only as a folio on its
# own and as the page of a link's target.
FOLIO = re.compile(r"content\s*:\s*counter\(\s*page\s*\)\s*(?=[;}])")
_TARGET_PAGE = re.compile(r"target-counter\(\s*attr\(\s*href\s*\)\s*,\s*page\s*\)")
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)  # taken out before any rewriting
_PAGE_COUNTERS = re.compile(r"\bcounters?\(\s*pages?\b|target-counters?\(")
# What a chunk would see otherwise than the whole tome: a page rule by the page's place in the document
# (each chunk has a first page), and a sibling selector reaching a section from the one before it.
_ACROSS_CHUNKS = re.compile(r"@page[^{]*:(?:first|nth\()|[~+]\s*(?:section|\.text|\.part|\.contributors)\b")
# The margin boxes (`@bottom-center { … }`: its name, side and declarations): a box beside the folio, in its
# row, is laid out one width or another as the folio is there (one layout) or not (a chunk, a sheet).
MARGIN_BOX = re.compile(r"@((top|bottom|left|right)-(?:left|center|right|top|middle|bottom))\s*\{([^{}]*)\}")
_SOME_CONTENT = re.compile(r"content\s*:(?!\s*(?:none|normal)\s*(?:[;!]|$))")
# The rules that style the omnibus otherwise than its tomes: their declarations.
_OMNIBUS_RULES = re.compile(r"omnibus[^{}]*\{([^{}]*)\}")
_PROPERTY_NAMES = re.compile(r"(?:^|;)\s*([-\w]+)\s*:")
_UNBROKEN = "* { break-before: auto !important; break-after: auto !important; page: auto !important; }"


@dataclass(frozen=True)
class Chunk:
    sections: tuple[str, ...]  # top-level sections by anchor; FRONT for the front matter


@dataclass(frozen=True)
class PageKind:
    blank: bool   # a blank page WeasyPrint added before a recto
    name: str     # its named page ("front", "part"), or ""


@dataclass(frozen=True)
class LaidChunk:
    """A chunk's pages as a PDF of their own, and what the join and the page map need of them; page
    numbers are the chunk's own, from 1."""

    chunk: Chunk
    pdf: bytes
    kinds: tuple[PageKind, ...]
    anchors: tuple[tuple[str, int], ...]       # (anchor, page) of every anchor really in it
    bookmark_levels: tuple[int, ...]           # in order (the PDF's outline has the rest)
    page_map: PageMap
    numbers: tuple[tuple[str, int], ...]       # the pages of other chunks' anchors written into it
    diagnostics: tuple[Diagnostic, ...]
    peak_mib: int = 0   # the worker's peak resident memory
    cached: bool = False
    key: str = ""       # its name in the cache
    draft: bool = False  # laid out for its page count only (lay_out_chunk): to be laid out again
    late: LateNumbers | None = None  # the page numbers the join writes in (late_numbers.py)

    @property
    def pages(self) -> int:
        return len(self.kinds)


def chunkable(styles_css: tuple[str, ...], setup: PageSetup) -> bool:
    """Whether the join can be exact with these stylesheets: texts start on rectos, page numbers are
    only folios (`content: counter(page)`) and link targets' pages, alone in their row of margin boxes,
    no page rule depends on the page's place in the document (`:first`, `:nth()`) and no sibling
    selector reaches from section to section."""
    if setup.text_start != "recto":
        return False
    css = "\n".join(CSS_COMMENT.sub("", sheet) for sheet in styles_css)
    boxes = [(side, declarations + ";") for _, side, declarations in MARGIN_BOX.findall(css)]
    folio_rows = {side for side, declarations in boxes if FOLIO.search(declarations)}
    beside_a_folio = any(side in folio_rows and not FOLIO.search(declarations) and _SOME_CONTENT.search(declarations)
                         for side, declarations in boxes)
    return not (_PAGE_COUNTERS.search(_TARGET_PAGE.sub("", FOLIO.sub("", css))) or _ACROSS_CHUNKS.search(css)
                or beside_a_folio)


def plan_chunks(edition: Edition, count: int = 0) -> tuple[Chunk, ...]:
    """The front matter, then each tome's texts in runs of as many texts each (in the omnibus, after
    the tome's part title, a chunk of its own), then the index. Runs of `count` chunks a tome; 0: runs
    of a power of two texts, the one nearest to PAGES_PER_CHUNK pages. The cuts depend on the tome's
    texts only (and, through the power of two, hardly on their length): an edit moves no cut, so its
    chunk alone is laid out again and the build is the one a build from nothing gives; and the omnibus
    cuts each tome where the tome's own edition does, so that it takes the tome's chunks."""
    runs: list[tuple[str, ...]] = []
    for tome in edition.tomes:
        texts = tome.texts
        if count:
            per_chunk = math.ceil(len(texts) / count)
        else:
            characters = sum(len(block.plain) for placed in texts for block in placed.text.paragraphs)
            pages_per_text = characters / max(1, len(texts)) / CHARACTERS_PER_PAGE + 1  # a recto each
            per_chunk = 2 ** max(0, round(math.log2(PAGES_PER_CHUNK / pages_per_text)))
        runs += [(part_anchor(tome),)] if edition.is_omnibus else []
        runs += [tuple(placed.anchor for placed in texts[start:start + per_chunk])
                 for start in range(0, len(texts), per_chunk)]
    back = (Chunk(BACK),) if edition.contributors else ()
    return (Chunk((FRONT,)),) + tuple(Chunk(run) for run in runs) + back


def texts_edition(edition: Edition, chunk: Chunk) -> Edition | None:
    """What a chunk of texts is laid out from: their tome, as its own edition would give it, whichever
    edition the chunk is part of (its file's name and identifier are not in a chunk's pages, and the
    join takes them from the front matter's chunk). So the omnibus takes its tomes' chunks, from the
    same build's task or the cache. With the chunk's texts alone: all a worker is sent. None for a
    chunk of anything else (front matter, part, index)."""
    sections = frozenset(chunk.sections)
    tome = next((tome for tome in edition.tomes if sections <= {placed.anchor for placed in tome.texts}), None)
    if tome is None:
        return None
    return _within(dataclasses.replace(edition, name=tome_edition_name(tome.number), title=tome.config.title,
                                       number=tome.number, identifier="", isbn="", cover=None, tomes=(tome,)),
                   sections)


def titles_of(edition: Edition, chunk: Chunk) -> Edition:
    """The edition with only this chunk's texts, and of them their titles (no paragraph): what
    `bookmark_levels` lays out, and all a worker is sent of it."""
    within = _within(edition, frozenset(chunk.sections))
    return dataclasses.replace(within, tomes=tuple(dataclasses.replace(tome, texts=tuple(
        dataclasses.replace(placed, text=dataclasses.replace(placed.text, blocks=())) for placed in tome.texts))
        for tome in within.tomes))


def styled_as_its_tomes(styles_css: tuple[str, ...]) -> bool:
    """Whether the omnibus's texts are laid out as in their tomes: no rule for the omnibus (`.omnibus`)
    but bookmarks (print.css nests its texts' under their tome's). Else the omnibus lays its texts out
    itself."""
    css = "\n".join(CSS_COMMENT.sub("", sheet) for sheet in styles_css)
    return all(all(name.strip().startswith("bookmark-") for name in _PROPERTY_NAMES.findall(declarations))
               for declarations in _OMNIBUS_RULES.findall(css))


def chunk_stylesheets(sheets: tuple[str, ...], edition: Edition, chunk: Chunk) -> tuple[str, ...]:
    """A chunk's stylesheets: no folios, link targets' pages from the HTML, and the running heads'
    strings the front matter would have set."""
    sheets = tuple(_TARGET_PAGE.sub("attr(data-page)", FOLIO.sub("content: none", CSS_COMMENT.sub("", sheet)))
                   for sheet in sheets)
    if FRONT in chunk.sections:
        return sheets
    # print.css sets `book-title` from the title page's `.book-title`, which is the book's title.
    return sheets + (f"html {{ string-set: book-title {_css_string(edition.meta.title)}; }}",)


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ") + '"'


def with_pages_written(html: str, numbers: Mapping[str, int], late: bool = False) -> tuple[str, dict[str, str]]:
    """The chunk's HTML with each link to an anchor outside it carrying the target's page
    (`data-page`), or with `late` its placeholder (late_numbers.py); and what was written for each
    target, in order (the targets: with_stand_ins). Unchanged when it links to nothing outside."""
    document = lxml.html.document_fromstring(html)
    ids = {element.get("id") for element in document.iter() if element.get("id")}
    links = [(link, (link.get("href") or "").removeprefix("#")) for link in document.iter("a")
             if link.get("href", "").startswith("#")]
    outside = tuple(dict.fromkeys(target for _, target in links if target not in ids))
    if not outside:
        return html, {}
    shown = placeholders(outside) if late else {target: str(numbers.get(target, UNKNOWN_PAGE)) for target in outside}
    for link, target in links:
        if target in shown:
            link.set("data-page", shown[target])
    # Written as XML, which html_tree parses in C into the same tree; as HTML where XML cannot hold the
    # text (a noncharacter, say), since WeasyPrint's HTML parser would misread XML's `<span/>`.
    as_xml = lxml.etree.tostring(document, method="xml", encoding="unicode", doctype="<!DOCTYPE html>")
    if parse_html(as_xml) is not None:
        return as_xml, shown
    return lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>"), shown


def with_stand_ins(layout: PrintLayout, targets: frozenset[str]) -> None:
    """An anchor for each link to a target outside the chunk, on the first page that links to it, as
    WeasyPrint gathers one from an element's id (`box.hit_area()`): WeasyPrint writes a link only to
    an anchor it has, and the join points each at the real one. Not an id in the HTML: WeasyPrint
    computes the style of an element with an id apart from its siblings', and so its children's (the
    TOC's 307 links and their spans were 920 styles, 3 once shared)."""
    anchored: set[str] = set()
    for page in layout.document.pages:
        for link_type, target, _, box in page.links:
            if link_type == "internal" and target in targets and target not in anchored:
                x, y, width, height = box.hit_area()
                page.anchors[target] = (x, y, x + width, y + height)
                anchored.add(target)


def _within(edition: Edition, sections: frozenset[str]) -> Edition:
    """The edition with only the texts of these sections (its line plan, its page map)."""
    tomes = tuple(dataclasses.replace(tome, texts=tuple(placed for placed in tome.texts if placed.anchor in sections))
                  for tome in edition.tomes)
    return dataclasses.replace(edition, tomes=tomes)


def lay_out_chunk(edition: Edition, styles: Styles, setup: PageSetup, timestamp: dt.datetime, chunk: Chunk,
                  numbers: Mapping[str, int], cache_dir: Path | None, write_pdf: bool = True) -> LaidChunk:
    """One chunk laid out and written as a PDF of its own (in a worker process; `write_pdf` False: only
    its page map is wanted); from the cache when the same HTML was laid out with the same stylesheets
    before. The front matter is laid out with its numbers written in later (late_numbers.py), or
    where its stylesheets do not allow that, with `numbers`; without any (a first build), that first
    layout is a draft: its page count is right, its numbers are to be written in by laying it out again."""
    late = FRONT in chunk.sections
    laid = _laid_out(edition, styles, setup, timestamp, chunk, numbers, cache_dir, write_pdf, late)
    if late and laid.late is None and numbers:
        return _laid_out(edition, styles, setup, timestamp, chunk, numbers, cache_dir, write_pdf, late=False)
    return laid


def _laid_out(edition: Edition, styles: Styles, setup: PageSetup, timestamp: dt.datetime, chunk: Chunk,
              numbers: Mapping[str, int], cache_dir: Path | None, write_pdf: bool, late: bool) -> LaidChunk:
    sections = frozenset(chunk.sections)
    own = _within(edition, sections)
    lines = None
    if edition.pdf.line_breaking == "total-fit" and own.texts:
        # the reader's lines in the printer's PDF too: a bleed moves none
        lines = plan_lines(own, styles, _frame(styles, dataclasses.replace(setup, bleed=None)))
    html, shown = with_pages_written(print_html(edition, timestamp, lines=lines, sections=sections), numbers, late)
    sheets = chunk_stylesheets(stylesheet_texts(styles, html), edition, chunk)
    kind = ("chunk late" if late else "chunk") + ("" if write_pdf else " without pdf")
    key = part_key(kind, html, *sheets, setup.css, styles.digest, edition.pdf.variant, edition.identifier)
    cached = cached_part(cache_dir, key)
    if cached is not None:
        return dataclasses.replace(cached, cached=True, peak_mib=0)
    layout = lay_out(html, styles, setup, sheets)
    stand_ins = frozenset(shown)
    with_stand_ins(layout, stand_ins)
    kinds = tuple(PageKind(page._page_box.page_type.blank, page._page_box.page_type.name)
                  for page in layout.document.pages)
    anchors: dict[str, int] = {}  # a section's anchor is on each of its pages: the first counts
    for number, page in enumerate(layout.document.pages, start=1):
        for anchor in page.anchors:
            if anchor not in stand_ins:
                anchors.setdefault(anchor, number)
    levels = tuple(level for page in layout.document.pages for level, _, _, _ in page.bookmarks)
    found = slots(layout.document, shown) if late else None
    release_memory()
    pdf = layout.part_pdf(edition) if write_pdf and (found is not None or not late) else b""
    numbers_late = None
    if found is not None:
        numbers_late = late_numbers(pdf, found, shown) if write_pdf else LateNumbers(found, (), ())
    # laid out with placeholders that cannot be replaced: as with numbers not known yet, a draft
    draft = late and numbers_late is None
    laid = LaidChunk(chunk, b"" if draft else pdf, kinds, tuple(anchors.items()), levels,
                     page_map(layout, own, stand_ins),
                     () if numbers_late else tuple((target, numbers.get(target, UNKNOWN_PAGE)) for target in shown),
                     layout.refused + (lines_off_plan(layout, lines, own) if lines else ()),
                     resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, key=key, draft=draft,
                     late=numbers_late)
    store_part(cache_dir, key, laid)
    return laid


def bookmark_levels(titles: Edition, styles: Styles, setup: PageSetup, timestamp: dt.datetime,
                    chunk: Chunk) -> tuple[int, ...]:
    """The levels of a chunk's bookmarks in an edition (the omnibus, whose texts' pages are their tome's
    chunks, `texts_edition`), in order: `titles` (`titles_of`) laid out, as that edition gives them (in
    a worker process; 0.2 s for 32 texts whose layout takes 3 to 4 s)."""
    html = print_html(titles, timestamp, sections=frozenset(chunk.sections))
    # no page breaks: a page per title and a blank one would be most of the work (a break moves no bookmark)
    sheets = chunk_stylesheets(stylesheet_texts(styles, html), titles, chunk) + (_UNBROKEN,)
    layout = lay_out(html, styles, setup, sheets)
    return tuple(level for page in layout.document.pages for level, _, _, _ in page.bookmarks)


_FRAMES: dict[tuple[str, PageSetup], Frame] = {}


def _frame(styles: Styles, setup: PageSetup) -> Frame:
    """The paragraph frame, laid out once per worker process, not once per chunk."""
    key = (styles.digest, setup)
    if key not in _FRAMES:
        _FRAMES[key] = paragraph_frame(styles, setup)
    return _FRAMES[key]


def part_key(*parts: str) -> str:
    """The cache folder is the tool version's own (cache.py), so the key is of the inputs only."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part.encode())
    return digest.hexdigest()


def cached_part(cache_dir: Path | None, key: str) -> object | None:
    path = cache_dir / key if cache_dir else None
    if path is None or not path.is_file():
        return None
    try:
        return pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None


def store_part(cache_dir: Path | None, key: str, value: object) -> None:
    if cache_dir:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(cache_dir / key, pickle.dumps(value))
