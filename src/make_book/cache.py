"""The incremental-build cache: per edition, a content hash of everything its files depend on.

It lives in the output folder (safe to delete) and is only a hint: an edition is skipped only when its
key matches and the files on disk still have the recorded SHA-256, so it never serves a stale file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from make_book import __version__
from make_book.assemble import KnownTexts
from make_book.config import Config, EditionConfig
from make_book.errors import Diagnostic
from make_book.model import Styles
from make_book.output import write_atomic

CACHE_DIR = ".make-book-cache"
PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def _tool_fingerprint() -> str:
    """The version and the code and templates themselves, so that a development install is safe too."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2"):
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def edition_key(config: Config, plan: EditionConfig, sources: tuple[Path, ...], timestamp: dt.datetime,
                styles: Styles) -> str:
    """A hash of every input of an edition's files: its text files (names and bytes), the config, the
    styles (stylesheets and fonts), the cover images, the tool's code and templates, the date. Taken
    from the raw inputs, so that an up-to-date edition is known without reading its texts."""
    digest = hashlib.sha256()
    tomes = tuple(tome for tome in config.tomes if tome.number in plan.tomes)
    for part in (_tool_fingerprint(), repr(config.meta), repr(config.pdf), repr(config.typography), repr(plan),
                 repr(tomes), timestamp.isoformat(), styles.digest):
        digest.update(part.encode() + b"\0")
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    if plan.cover_image:
        digest.update(plan.cover_image.read_bytes())
    return digest.hexdigest()


def _entry_path(out_dir: Path, edition: str) -> Path:
    return out_dir / CACHE_DIR / f"{edition}.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class CachedEdition:
    pages: int
    words: int
    texts: int
    notes: tuple[Diagnostic, ...]  # the warnings its reading and rendering gave, to report again
    files: tuple[tuple[str, str], ...] = ()  # (format, file name) of the files on disk


def cached_edition(out_dir: Path, edition: str, key: str, formats: tuple[str, ...]) -> CachedEdition | None:
    """What the cache knows of the edition if every file of `formats` is up to date for `key`, else None."""
    try:
        entry = json.loads(_entry_path(out_dir, edition).read_text())
        if entry.get("key") != key or not all(fmt in entry["files"] for fmt in formats):
            return None
        files = tuple((fmt, name) for fmt in formats for name in sorted(entry["files"][fmt]))
        for fmt, name in files:
            path = out_dir / name
            if not path.is_file() or _sha256(path) != entry["files"][fmt][name]:
                return None
        return CachedEdition(entry["pages"], entry["words"], entry["texts"],
                             tuple(Diagnostic.from_json(note) for note in entry["notes"]), files)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def remember(out_dir: Path, edition: str, key: str, cached: CachedEdition) -> None:
    """Record the files now on disk for this key (keeping other formats recorded for the same key)."""
    path = _entry_path(out_dir, edition)
    try:
        entry = json.loads(path.read_text())
        files = entry["files"] if entry.get("key") == key else {}
    except (OSError, ValueError, KeyError, TypeError):
        files = {}
    for fmt in {fmt for fmt, _ in cached.files}:
        files[fmt] = {name: _sha256(out_dir / name) for written_fmt, name in cached.files if written_fmt == fmt}
    entry = {"key": key, "pages": cached.pages, "words": cached.words, "texts": cached.texts,
             "notes": [note.as_json() for note in cached.notes], "files": files}
    write_atomic(path, json.dumps(entry, indent=1, ensure_ascii=False).encode())


def known_texts(out_dir: Path) -> KnownTexts:
    """The texts the last build loaded (a rebuild normalizes only those that changed); none when the
    file is missing, unreadable or of another version of the tool."""
    try:
        known = pickle.loads(_texts_path(out_dir).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
        return KnownTexts()
    return KnownTexts(known if isinstance(known, dict) else None)


def keep_known_texts(out_dir: Path, texts: KnownTexts) -> None:
    """What is known of the files still there, for the next build (other versions' files removed)."""
    path = _texts_path(out_dir)
    for other in path.parent.glob("texts-*.pickle"):
        if other != path:
            other.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, pickle.dumps(texts.still_there()))


def _texts_path(out_dir: Path) -> Path:
    return out_dir / CACHE_DIR / f"texts-{_tool_fingerprint()[:16]}.pickle"


def chunk_cache_dir(out_dir: Path) -> Path:
    """Where laid-out chunks are kept (chunks.py): a folder per version of the tool, so a key need
    only hash the chunk's own inputs."""
    return out_dir / CACHE_DIR / "chunks" / _tool_fingerprint()[:16]


def prune_chunks(out_dir: Path) -> None:
    """Drop the chunks no edition's last build is made of (each edition lists its own in
    `EDITION.json`, chunked_layout.py), and other versions' folders."""
    current = chunk_cache_dir(out_dir)
    if not current.parent.is_dir():
        return
    keep: set[str] = set()
    for listing in current.glob("*.json"):
        try:
            keep |= {listing.name, *json.loads(listing.read_text())["keys"]}
        except (OSError, ValueError, KeyError, TypeError):
            keep.add(listing.name)
    for folder in current.parent.iterdir():
        for path in folder.iterdir():
            if folder != current or path.name not in keep:
                path.unlink(missing_ok=True)
        if folder != current:
            folder.rmdir()
