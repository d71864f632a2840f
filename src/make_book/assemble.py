"""From config and manuscript files to the Book: read, normalize, parse, place in tomes."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from make_book.config import Config, EditionConfig, HouseStyle
from make_book.cover import read_cover
from make_book.errors import Diagnostic, MakeBookError
from make_book.fonts import typeface_name
from make_book.manuscript import parse_text
from make_book.model import Book, Edition, PlacedText, Styles, Text, Tome, edition_of
from make_book.normalize import normalize
from make_book.sources import list_texts, read_text


@dataclass(frozen=True)
class Assembled:
    book: Book
    diagnostics: dict[int, tuple[Diagnostic, ...]]  # by tome number


# Characters XML 1.0 cannot carry (the EPUB is XML): normalization removes them; the author is told.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


Loaded = tuple[Text, tuple[Diagnostic, ...]]  # a text, and what its author should hear of it


def load_text(path: Path, config: Config) -> Loaded:
    """One file: bytes, normalized text (in memory only), parsed text."""
    source, decode_notes = read_text(path)
    text, typography_notes = normalize(source.text, config.style)
    notes = decode_notes + tuple(note.at(path) for note in typography_notes)
    forbidden = _NOT_XML.search(source.text)
    if forbidden:
        count = len(_NOT_XML.findall(source.text))
        notes += (Diagnostic(f"removed {count} control character(s) that XML cannot carry (first: "
                             f"U+{ord(forbidden.group()):04X})", path,
                             source.text.count("\n", 0, forbidden.start()) + 1),)
    return parse_text(text, path), notes


TextLoader = Callable[[Path, Config], Loaded]


def _digest(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


class KnownTexts:
    """`load_text` that keeps what it loads: a file whose bytes and house style are those of a text it
    loaded before is not read, normalized and parsed again (a 306-text tome: 0.5–1 s). The live preview
    keeps one in memory; a build keeps one between builds in its cache folder (cache.py)."""

    def __init__(self, known: dict[Path, tuple[bytes, HouseStyle, Loaded]] | None = None) -> None:
        self.known = known or {}  # by file: the digest of its bytes, the house style, what was loaded

    def __call__(self, path: Path, config: Config) -> Loaded:
        digest = _digest(path)
        entry = self.known.get(path)
        if entry is None or entry[:2] != (digest, config.style):
            entry = self.known[path] = (digest, config.style, load_text(path, config))
        return entry[2]

    def load_all(self, paths: Iterable[Path], config: Config, map_texts: Callable) -> None:
        """Loads the files it does not know yet with `map_texts` (a process pool's map: a first build
        spreads its texts over every core), so that each later call finds its file known."""
        unknown = [(path, digest) for path, digest in ((path, _digest(path)) for path in paths)
                   if self.known.get(path, (None, None))[:2] != (digest, config.style)]
        loaded = map_texts(load_text, [path for path, _ in unknown], itertools.repeat(config))
        for (path, digest), text in zip(unknown, loaded, strict=True):
            self.known[path] = (digest, config.style, text)  # the bytes' digest before they were read

    def still_there(self) -> dict[Path, tuple[bytes, HouseStyle, Loaded]]:
        """What is known of the files that still exist: what is worth keeping."""
        return {path: entry for path, entry in self.known.items() if path.is_file()}


def assemble(config: Config, tome_numbers: tuple[int, ...] = (), load: TextLoader = load_text) -> Assembled:
    """The book with the selected tomes (all when empty), each text placed and given its anchor.
    `load` reads one file (builds and the live preview pass a `KnownTexts`: only changed files again)."""
    tomes = []
    diagnostics: dict[int, tuple[Diagnostic, ...]] = {}
    for tome_config in config.tomes:
        if tome_numbers and tome_config.number not in tome_numbers:
            continue
        placed = []
        notes: list[Diagnostic] = []
        for index, path in enumerate(list_texts(tome_config.folder, config.path.parent), start=1):
            text, text_notes = load(path, config)
            notes.extend(text_notes)
            placed.append(PlacedText(f"t{tome_config.number}-{index:03d}", text))
        if not placed:
            raise MakeBookError("tome folder holds no .txt file: a tome needs at least one text",
                                tome_config.folder)
        tomes.append(Tome(tome_config, tuple(placed)))
        diagnostics[tome_config.number] = tuple(notes)
    book = Book(meta=config.meta, pdf=config.pdf, tomes=tuple(tomes))
    return Assembled(book, diagnostics)


def editions(book: Book, plans: tuple[EditionConfig, ...], styles: Styles) -> tuple[Edition, ...]:
    """The editions `plans` name (a tome, or the omnibus of every tome), from the assembled book."""
    typeface = typeface_name(styles)
    return tuple(edition_of(book, plan, read_cover(plan.cover_image), typeface) for plan in plans)
