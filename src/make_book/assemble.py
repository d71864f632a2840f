"""From config and manuscript files to the Book: read, normalize, parse, place in tomes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from make_book.config import Config
from make_book.errors import Diagnostic, MakeBookError
from make_book.manuscript import parse_text
from make_book.model import Book, PlacedText, Text, Tome
from make_book.normalize import normalize
from make_book.sources import list_texts, read_text


@dataclass(frozen=True)
class Assembled:
    book: Book
    diagnostics: tuple[Diagnostic, ...]


def load_text(path: Path, config: Config) -> tuple[Text, tuple[Diagnostic, ...]]:
    """One file: bytes, normalized text (in memory only), parsed text."""
    source, decode_notes = read_text(path)
    text, typography_notes = normalize(source.text, config.style)
    return parse_text(text, path), decode_notes + tuple(note.at(path) for note in typography_notes)


def assemble(config: Config, tome_numbers: tuple[int, ...] = ()) -> Assembled:
    """The book with the selected tomes (all when empty), each text placed and given its anchor."""
    tomes = []
    diagnostics: list[Diagnostic] = []
    for tome_config in config.tomes:
        if tome_numbers and tome_config.number not in tome_numbers:
            continue
        placed = []
        for index, path in enumerate(list_texts(tome_config.folder), start=1):
            text, notes = load_text(path, config)
            diagnostics.extend(notes)
            placed.append(PlacedText(f"t{tome_config.number}-{index:03d}", text))
        if not placed:
            raise MakeBookError("tome folder holds no .txt file: a tome needs at least one text",
                                tome_config.folder)
        tomes.append(Tome(tome_config, tuple(placed)))
    book = Book(meta=config.meta, pdf=config.pdf, styles_dir=config.styles_dir, tomes=tuple(tomes),
                tome_count=len(config.tomes))
    return Assembled(book, tuple(diagnostics))
