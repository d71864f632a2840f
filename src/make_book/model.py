"""The one data model that flows from manuscript to artifacts. Every value is immutable."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from make_book.config import BookMeta, EditionConfig, PdfOptions, TomeConfig


@dataclass(frozen=True)
class Span:
    text: str
    emphasis: bool = False


@dataclass(frozen=True)
class Paragraph:
    spans: tuple[Span, ...]
    line: int

    @property
    def plain(self) -> str:
        return "".join(span.text for span in self.spans)


    def with_marks(self, marks: tuple[tuple[int, object], ...]) -> tuple[object, ...]:
        """The spans with marks inserted at `(offset in plain, mark)` positions: the print page numbers
        of the EPUB's page-list, the line ends of the print edition."""
        pieces: list[object] = []
        position = 0
        pending = sorted(marks, key=lambda mark: mark[0])
        for span in self.spans:
            start, text = position, span.text
            while pending and pending[0][0] < start + len(span.text):
                offset, mark = pending.pop(0)
                cut = offset - start
                if cut > 0:
                    pieces.append(Span(text[:cut], span.emphasis))
                pieces.append(mark)
                text, start = text[cut:], offset
            if text:
                pieces.append(Span(text, span.emphasis))
            position += len(span.text)
        return tuple(pieces)


@dataclass(frozen=True)
class PageMap:
    """Where the print edition's pages begin, for the EPUB's page-list: the first page of each
    section (anchor, page), and pages that begin with a paragraph or inside one (paragraph id, and
    (offset in the paragraph's text, page) pairs)."""

    sections: tuple[tuple[str, int], ...] = ()
    paragraphs: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()

    def section(self, anchor: str) -> int | None:
        return self._sections.get(anchor)

    def breaks(self, paragraph: str) -> tuple[tuple[int, int], ...]:
        return self._paragraphs.get(paragraph, ())

    @cached_property
    def _sections(self) -> dict[str, int]:
        return dict(self.sections)

    @cached_property
    def _paragraphs(self) -> dict[str, tuple[tuple[int, int], ...]]:
        return dict(self.paragraphs)

    @property
    def pages(self) -> int:
        return len(self.sections) + sum(len(breaks) for _, breaks in self.paragraphs)


def part_anchor(tome: Tome) -> str:
    """The id of a tome's part title page in the omnibus (and the stem of its EPUB file)."""
    return f"part-{tome.number}"


def paragraph_id(anchor: str, block_number: int) -> str:
    return f"{anchor}-{block_number}"


# What names a paragraph in the print HTML, in place of its id: WeasyPrint computes the style of each
# element with an id on its own (the id is a declaration), and makes it a PDF destination nothing uses.
PRINT_PARAGRAPH_ATTRIBUTE = "data-paragraph"


@dataclass(frozen=True)
class SectionBreak:
    line: int


Block = Paragraph | SectionBreak


@dataclass(frozen=True)
class Text:
    """One contributor's text, parsed; `line` fields point into `path`."""

    path: Path
    title: str
    title_line: int
    author: str | None
    blocks: tuple[Block, ...]

    @property
    def paragraphs(self) -> tuple[Paragraph, ...]:
        return tuple(block for block in self.blocks if isinstance(block, Paragraph))


@dataclass(frozen=True)
class PlacedText:
    """A text in its tome: `anchor` is its id in HTML and the stem of its EPUB file."""

    anchor: str
    text: Text


@dataclass(frozen=True)
class Contributor:
    name: str
    texts: tuple[PlacedText, ...]


@dataclass(frozen=True)
class Tome:
    config: TomeConfig
    texts: tuple[PlacedText, ...]

    @property
    def number(self) -> int:
        return self.config.number


@dataclass(frozen=True)
class Book:
    meta: BookMeta
    pdf: PdfOptions
    tomes: tuple[Tome, ...]


@dataclass(frozen=True)
class Image:
    data: bytes
    media_type: str


@dataclass(frozen=True)
class Edition:
    """What one set of output files is made of: the book's metadata and its tomes (one tome, or every
    tome for the omnibus)."""

    name: str                # in file names and the cache: "tome-1", "integrale"
    title: str               # "Tome 1", "Intégrale"
    number: int | None       # the position in the series; None for the omnibus
    identifier: str
    isbn: str
    cover: Image | None      # the configured cover image; None: generated
    meta: BookMeta
    pdf: PdfOptions
    tomes: tuple[Tome, ...]
    typeface: str            # the book font's own name, for the colophon

    @property
    def texts(self) -> tuple[PlacedText, ...]:
        return tuple(placed for tome in self.tomes for placed in tome.texts)

    @property
    def contributors(self) -> tuple[Contributor, ...]:
        """Each author with their texts, in French alphabetical order of the name."""
        by_name: dict[str, list[PlacedText]] = {}
        for placed in self.texts:
            if placed.text.author:
                by_name.setdefault(placed.text.author, []).append(placed)
        return tuple(Contributor(name, tuple(texts)) for name, texts in sorted(by_name.items(),
                                                                               key=lambda item: _sort_key(item[0])))

    @property
    def is_omnibus(self) -> bool:
        return len(self.tomes) > 1

    @property
    def words(self) -> int:
        return sum(len(paragraph.plain.split()) for placed in self.texts for paragraph in placed.text.paragraphs)


def edition_of(book: Book, plan: EditionConfig, cover: Image | None, typeface: str) -> Edition:
    tomes = tuple(tome for tome in book.tomes if tome.number in plan.tomes)
    return Edition(plan.name, plan.title, plan.number, plan.identifier, plan.isbn, cover, book.meta, book.pdf,
                   tomes, typeface)


@dataclass(frozen=True)
class Styles:
    """The stylesheets and fonts, read once as bytes: renderers never read the styles folder, so a file
    edited during a build cannot differ from what the cache key was taken from."""

    folder: Path                            # where they were read: the base of their URLs
    files: tuple[tuple[str, bytes], ...]    # (path relative to the folder, bytes), sorted
    fallback_fonts: tuple[str, ...] = ()    # book.toml's [fonts] fallback: files in fonts/, in order

    def file(self, name: str) -> bytes:
        return self._files[name]

    def has(self, name: str) -> bool:
        return name in self._files

    @cached_property
    def _files(self) -> dict[str, bytes]:
        return dict(self.files)

    @cached_property
    def digest(self) -> str:
        digest = hashlib.sha256()
        for name, data in self.files:
            digest.update(name.encode() + b"\0" + data)
        digest.update(repr(self.fallback_fonts).encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class OutputFile:
    name: str   # relative to the output folder
    data: bytes


@dataclass(frozen=True)
class Artifact:
    """A file written (or kept up to date) in the output folder, as the release files describe it."""

    path: Path
    edition: str               # "tome-1", "integrale"
    tomes: tuple[int, ...]
    format: str
    pages: int
    words: int
    texts: int


def _sort_key(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
