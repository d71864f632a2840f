"""A tome's print layout spread over the worker processes: its chunks (chunks.py) laid out at once,
then what needs their page counts (the TOC's and the index's numbers, the folio sheets), then the join
(join.py), in a worker too. `submit(fn, *args, rank=0, once=None)`: the worker processes' (workers.py):
within an edition, a higher rank waits behind a lower one; an edition's tasks come before the next
one's (and every edition's before the joins, which build.py asks for); a task named `once` by two
editions runs once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from make_book.chunks import (
    BACK,
    FRONT,
    Chunk,
    LaidChunk,
    bookmark_levels,
    chunkable,
    lay_out_chunk,
    plan_chunks,
    styled_as_its_tomes,
    texts_edition,
    titles_of,
)
from make_book.errors import MakeBookError
from make_book.folios import BlankVerso, FolioSheet, blank_verso, folio_sheet, folio_sheets_of
from make_book.join import anchor_pages, first_pages
from make_book.layout import PageSetup, stylesheet_texts
from make_book.model import Edition, Styles
from make_book.output import write_atomic

Submit = Callable[..., Future]
SETTLE_PASSES = 4  # layouts of the TOC before its page count stops moving the numbers it lists


@dataclass(frozen=True)
class ChunkedLayout:
    """Every chunk laid out, with each one's folio sheet (none when no PDF is wanted)."""

    laid: tuple[LaidChunk, ...]
    sheets: tuple[FolioSheet, ...]
    blank: BlankVerso | None  # None when no PDF is wanted
    numbers: tuple[tuple[str, int], ...]  # the pages of the anchors the TOC and the index list
    seconds: float

    @property
    def from_cache(self) -> int:
        return sum(chunk.cached for chunk in self.laid)


def chunk_count(edition: Edition, styles: Styles) -> tuple[int, str]:
    """How many chunks the edition's texts are laid out in (1: whole, in one process), and why not
    more when its length asks for more."""
    chunks = plan_chunks(edition, edition.pdf.chunks)
    count = sum(FRONT not in chunk.sections and chunk.sections != BACK for chunk in chunks)
    if edition.pdf.chunks == 1 or count == 1:
        return 1, ""
    if not chunkable(stylesheet_texts(styles, ""), PageSetup.for_reader(edition.pdf)):
        return 1, ("laid out whole: texts start on any page, or the stylesheets use what a chunk cannot follow: "
                   "page numbers other than `content: counter(page)` and `target-counter(attr(href), page)`, "
                   "a margin box beside the folio, an `@page :first` or `:nth()` rule, a sibling selector between "
                   "sections (see print.css)")
    return count, ""


def lay_out_in_chunks(submit: Submit, edition: Edition, styles: Styles, timestamp: dt.datetime,
                      cache_dir: Path | None, write_pdf: bool = True,
                      for_printer: ChunkedLayout | None = None) -> ChunkedLayout:
    """`write_pdf`: False when only the page map is needed (an EPUB-only build): no PDF, no folios.
    `for_printer`: the reader's layout; the printer's (bleed and crop marks) is laid out from its page
    numbers, which bleed does not move: once, and checked as any guess is."""
    started = time.perf_counter()
    setup = PageSetup.for_printer(edition.pdf) if for_printer else PageSetup.for_reader(edition.pdf)
    chunks = plan_chunks(edition, edition.pdf.chunks)
    name = f"{edition.name}-print" if for_printer else edition.name
    numbers, last_texts = _remembered(cache_dir, name)
    if for_printer:
        numbers = dict(for_printer.numbers)
    # A first build knows none of the pages the TOC and the index list: the front matter is laid out
    # at once, its numbers written in by the join (late_numbers.py; else it is a draft, for its page
    # count, laid out again with the numbers), and the index, whose page count moves no number, waits
    # for the texts' pages.
    known = bool(numbers)
    texts = {_first(chunk): _texts_digest(edition, chunk) for chunk in chunks}
    # The chunks whose texts changed since the last build are submitted first (equal ranks go in
    # turn): the others are most likely cached, and an edit's rebuild waits for its own chunk.
    edited = {chunk for chunk in chunks if last_texts.get(_first(chunk)) != texts[_first(chunk)]}

    # A chunk of texts is laid out as its tome's: the omnibus takes it from the tome's task in the same
    # build, or from the cache, with its own bookmark levels (print.css nests the texts under their tome).
    as_tomes = not edition.is_omnibus or styled_as_its_tomes(stylesheet_texts(styles, ""))

    def lay_out_all(which: list[Chunk], pdf: bool) -> dict[Chunk, LaidChunk]:
        asked = {chunk: ask(chunk, pdf)
                 for chunk in sorted(which, key=lambda chunk: chunk not in edited)}
        taken = {chunk: take(chunk, pdf, *futures) for chunk, futures in asked.items()}
        return {chunk: got.result() if isinstance(got, Future) else got for chunk, got in taken.items()}

    def ask(chunk: Chunk, pdf: bool) -> tuple[Future, Future | None]:
        tome = texts_edition(edition, chunk) if as_tomes else None
        if tome is None:
            return submit(lay_out_chunk, edition, styles, setup, timestamp, chunk, numbers, cache_dir, pdf), None
        laid = submit(lay_out_chunk, tome, styles, setup, timestamp, chunk, {}, cache_dir, pdf,
                      once=("chunk", setup, chunk, pdf))
        if not edition.is_omnibus or not pdf:  # bookmarks are the PDF's alone
            return laid, None
        return laid, submit(bookmark_levels, titles_of(edition, chunk), styles, setup, timestamp, chunk)

    def take(chunk: Chunk, pdf: bool, laid: Future, levels: Future | None) -> LaidChunk | Future:
        """The chunk laid out, or the task laying it out again (all of them asked before any is waited for)."""
        if levels is None:
            return laid.result()
        tomes, own = laid.result(), levels.result()
        if len(own) == len(tomes.bookmark_levels):
            return dataclasses.replace(tomes, bookmark_levels=own)
        # bookmarks that the titles alone do not give (a stylesheet's on paragraphs): laid out in the omnibus
        return submit(lay_out_chunk, edition, styles, setup, timestamp, chunk, numbers, cache_dir, pdf)

    laid = lay_out_all([chunk for chunk in chunks if known or chunk.sections != BACK], write_pdf)
    # The folios of the texts' chunks, whose page counts are final now (the front matter's rarely moves).
    sheets = _FolioSheets(submit, edition, styles, setup, cache_dir) if write_pdf else None
    if sheets:
        sheets.ask([laid[chunk] for chunk in chunks if chunk in laid])
        blank = submit(blank_verso, edition.meta.language, styles, setup, cache_dir, rank=1, once=("blank", setup))
    # The index (and a front matter with its numbers written in, not late) laid out again until the
    # numbers it was laid out with are the ones the pages give: the front matter's page count moves
    # them all (once more at most, in practice).
    for _ in range(SETTLE_PASSES):
        so_far = [laid[chunk] for chunk in chunks if chunk in laid]  # all but a first build's index
        numbers = anchor_pages(so_far) | {anchor: _following_first_page(so_far)
                                          for chunk in chunks if chunk not in laid for anchor in chunk.sections}
        again = [chunk for chunk in chunks
                 if chunk not in laid or laid[chunk].draft or (write_pdf and not laid[chunk].pdf)
                 or any(numbers.get(target, page) != page for target, page in laid[chunk].numbers)]
        if not again:
            break
        laid |= lay_out_all(again, write_pdf)
    else:
        raise MakeBookError(f"{edition.name}: the table of contents' page numbers do not settle; set "
                            "[pdf] chunks = 1 to lay the tome out whole")
    ordered = tuple(laid[chunk] for chunk in chunks)
    layout = ChunkedLayout(ordered, sheets.of(ordered) if sheets else (), blank.result() if sheets else None,
                           tuple(sorted(numbers.items())), time.perf_counter() - started)
    parts = layout.laid + layout.sheets + ((layout.blank,) if layout.blank else ())
    _remember(cache_dir, name, numbers, texts, tuple(part.key for part in parts))
    return layout


def _first(chunk: Chunk) -> str:
    return chunk.sections[0]


def _texts_digest(edition: Edition, chunk: Chunk) -> str:
    """What a chunk's texts are: a change here means its layout is not in the cache."""
    sections = set(chunk.sections)
    texts = [(placed.anchor, placed.text.title, placed.text.author, placed.text.blocks)  # not where they are
             for placed in edition.texts if placed.anchor in sections]
    return hashlib.sha256(repr(texts).encode()).hexdigest()


def _following_first_page(laid: list[LaidChunk]) -> int:
    """Where a chunk after these starts: the next recto."""
    page = first_pages(laid)[-1] + laid[-1].pages
    return page + (page % 2 == 0)


class _FolioSheets:
    """The folio sheets asked for so far: asked as soon as a chunk's pages are known, each laid out
    once; after the edition's chunks (rank 1): a TOC to lay out again holds the tome up longer."""

    def __init__(self, submit: Submit, edition: Edition, styles: Styles, setup: PageSetup,
                 cache_dir: Path | None) -> None:
        self.lay_out = lambda name, first: submit(folio_sheet, edition.meta.language, styles, setup, name, first,
                                                  cache_dir, rank=1, once=("folios", setup, name, first))
        self.asked: dict[tuple[str, int], Future] = {}

    def ask(self, laid: list[LaidChunk] | tuple[LaidChunk, ...]) -> list[tuple[str, int]]:
        """The sheets of these chunks (from the first) laid out, without waiting for them."""
        wanted = sorted(set().union(*(folio_sheets_of(chunk, first)
                                      for chunk, first in zip(laid, first_pages(laid), strict=True))))
        for sheet in wanted:
            if sheet not in self.asked:
                self.asked[sheet] = self.lay_out(*sheet)
        return wanted

    def of(self, laid: tuple[LaidChunk, ...]) -> tuple[FolioSheet, ...]:
        return tuple(self.asked[sheet].result() for sheet in self.ask(laid))


def _remembered(cache_dir: Path | None, name: str) -> tuple[dict[str, int], dict[str, str]]:
    """The anchors' pages of the last build (the TOC's first guess), and what each chunk's texts were."""
    try:
        last = json.loads((cache_dir / f"{name}.json").read_text()) if cache_dir else {}
        return dict(last.get("pages", {})), dict(last.get("texts", {}))
    except (OSError, ValueError, TypeError, AttributeError):
        return {}, {}


def _remember(cache_dir: Path | None, name: str, numbers: dict[str, int], texts: dict[str, str],
              keys: tuple[str, ...]) -> None:
    """The pages, what each chunk's texts were, and the cache entries this edition's PDF is made of
    (what cache.prune_chunks keeps)."""
    if cache_dir:
        cache_dir.mkdir(parents=True, exist_ok=True)
        last = {"pages": numbers, "texts": texts, "keys": sorted(keys)}
        write_atomic(cache_dir / f"{name}.json", json.dumps(last, sort_keys=True).encode())
