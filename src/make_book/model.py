"""The one data model that flows from manuscript to artifacts. Every value is immutable."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from make_book.config import BookMeta, PdfOptions, TomeConfig


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


    def with_breaks(self, breaks: tuple[tuple[int, int], ...]) -> tuple[Span | int, ...]:
        """The spans with print page numbers inserted at `(offset in plain, page)` positions."""
        pieces: list[Span | int] = []
        position = 0
        pending = sorted(breaks)
        for span in self.spans:
            start, text = position, span.text
            while pending and pending[0][0] < start + len(span.text):
                offset, page = pending.pop(0)
                cut = offset - start
                if cut > 0:
                    pieces.append(Span(text[:cut], span.emphasis))
                pieces.append(page)
                text, start = text[cut:], offset
            if text:
                pieces.append(Span(text, span.emphasis))
            position += len(span.text)
        return tuple(pieces)


@dataclass(frozen=True)
class PageMap:
    """Where the print edition's pages begin, for the EPUB's page-list: the first page of each
    section (by anchor), and pages that begin with a paragraph or inside one (by paragraph id,
    as (offset in the paragraph's text, page) pairs)."""

    sections: dict[str, int]
    paragraphs: dict[str, tuple[tuple[int, int], ...]]

    @property
    def pages(self) -> int:
        return len(self.sections) + sum(len(breaks) for breaks in self.paragraphs.values())


def paragraph_id(anchor: str, block_number: int) -> str:
    return f"{anchor}-{block_number}"


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

    @property
    def contributors(self) -> tuple[Contributor, ...]:
        """Each author with their texts, in French alphabetical order of the name."""
        by_name: dict[str, list[PlacedText]] = {}
        for placed in self.texts:
            if placed.text.author:
                by_name.setdefault(placed.text.author, []).append(placed)
        return tuple(Contributor(name, tuple(texts)) for name, texts in sorted(by_name.items(),
                                                                               key=lambda item: _sort_key(item[0])))


@dataclass(frozen=True)
class Book:
    meta: BookMeta
    pdf: PdfOptions
    styles_dir: Path
    tomes: tuple[Tome, ...]


def _sort_key(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
