"""Finding a tome's text files and turning their bytes into text."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
from natsort import natsort_keygen

from make_book.errors import Diagnostic, MakeBookError
from make_book.paths import confined

TEXT_SUFFIX = ".txt"
# One contributor's text is a few thousand characters; megabytes are a mistake (a pasted file, a log).
MAX_TEXT_BYTES = 1_000_000
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
# Encodings a contributor's machine produces; charset-normalizer chooses among them.
_LEGACY_ENCODINGS = ["cp1252", "latin_1", "iso8859_15", "mac_roman"]
_natural = natsort_keygen()


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str
    encoding: str


def list_texts(folder: Path, manuscript_dir: Path) -> tuple[Path, ...]:
    """The tome's text files, in natural order (`2-…` before `10-…`); two files with the same order
    key (`1-a.txt`, `01-b.txt`) are an error, since the order would be a guess. A file that leads
    outside the manuscript folder through a link (outside the tome folder, for a tome book.toml keeps
    elsewhere in the project) is an error: it is never read."""
    if not folder.is_dir():
        raise MakeBookError("tome folder does not exist", folder)
    inside = folder.resolve().is_relative_to(manuscript_dir.resolve())
    root, where = (manuscript_dir, "manuscript folder") if inside else (folder, "tome folder")
    files = sorted((path for path in folder.iterdir() if path.suffix == TEXT_SUFFIX and path.is_file()),
                   key=lambda path: _natural(path.name))
    for path in files:
        if path.is_symlink():  # a plain file listed from the folder is inside it (resolving each: 90 ms a tome)
            confined(path, root, where)
    seen: dict[str, Path] = {}
    for path in files:
        key = _order_key(path.name)
        if key in seen:
            raise MakeBookError(f"same order key '{key}' as {seen[key].name}: rename one of them", path)
        seen[key] = path
    return tuple(files)


def _order_key(name: str) -> str:
    match = re.match(r"\d+", name)
    return str(int(match.group())) if match else name.casefold()


def decode(data: bytes, path: Path) -> tuple[SourceText, tuple[Diagnostic, ...]]:
    """Bytes to text: UTF-8 (BOM or not), UTF-16 with BOM, or a legacy 8-bit encoding, said so."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return SourceText(path, data[len(bom):].decode(encoding.removesuffix("-sig")), encoding), ()
            except UnicodeDecodeError as exc:
                raise _decode_error(data, exc, path, encoding) from None
    if b"\x00" in data:
        raise MakeBookError("not a text file (it contains NUL bytes)", path, _line_at(data, data.index(b"\x00")))
    try:
        return SourceText(path, data.decode("utf-8"), "utf-8"), ()
    except UnicodeDecodeError as exc:
        if _UTF8_SEQUENCE.search(data):
            # Valid UTF-8 sequences beside invalid ones: a damaged UTF-8 file, not a legacy one.
            raise _decode_error(data, exc, path, "utf-8") from None
    best = charset_normalizer.from_bytes(data, cp_isolation=_LEGACY_ENCODINGS).best()
    if best is None:
        raise MakeBookError("not a text file: no text encoding fits its bytes", path)
    encoding = codecs.lookup(best.encoding).name
    return SourceText(path, str(best), encoding), (Diagnostic(f"read as {encoding} (not UTF-8)", path),)


def _decode_error(data: bytes, exc: UnicodeDecodeError, path: Path, encoding: str) -> MakeBookError:
    return MakeBookError(f"invalid {encoding} byte 0x{data[exc.start]:02x}: save the file as UTF-8",
                         path, _line_at(data, exc.start))


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def read_text(path: Path) -> tuple[SourceText, tuple[Diagnostic, ...]]:
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise MakeBookError(f"{size / 1e6:.1f} MB is too large for one text (the limit is "
                                f"{MAX_TEXT_BYTES / 1e6:.0f} MB): is it the right file?", path)
        data = path.read_bytes()
    except OSError as exc:
        raise MakeBookError(f"cannot read: {exc.strerror}", path) from None
    return decode(data, path)
