"""The incremental-build cache: per tome, a content hash of everything its files depend on.

It lives in the output folder (safe to delete) and is only a hint: a tome is skipped only when its
key matches and the files on disk still have the recorded SHA-256, so it never serves a stale file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from make_book import __version__
from make_book.config import Config, TomeConfig
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


def folder_digest(folder: Path) -> str:
    """A hash of every file in `folder` (names and bytes): the styles folder, fonts included."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def tome_key(config: Config, tome: TomeConfig, sources: tuple[Path, ...], timestamp: dt.datetime,
             styles_digest: str) -> str:
    """A hash of every input of the tome's files: its text files (names and bytes), the config, the
    styles folder (stylesheets and fonts), the cover image, the tool's code and templates, the date.
    Taken from the raw inputs, so that an up-to-date tome is known without reading its texts."""
    digest = hashlib.sha256()
    for part in (_tool_fingerprint(), repr(config.meta), repr(config.pdf), repr(config.style), repr(tome),
                 timestamp.isoformat(), styles_digest):
        digest.update(part.encode() + b"\0")
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    if tome.cover_image:
        digest.update(tome.cover_image.read_bytes())
    return digest.hexdigest()


def _entry_path(out_dir: Path, number: int) -> Path:
    return out_dir / CACHE_DIR / f"tome-{number}.json"


@dataclass(frozen=True)
class CachedTome:
    pages: int
    words: int
    texts: int
    notes: tuple[str, ...]  # the warnings its reading and rendering gave, to report again


def cached_tome(out_dir: Path, number: int, key: str, files: dict[str, Path]) -> CachedTome | None:
    """What the cache knows of the tome if every file in `files` is up to date for `key`, else None."""
    try:
        entry = json.loads(_entry_path(out_dir, number).read_text())
    except (OSError, ValueError):
        return None
    if entry.get("key") != key:
        return None
    for fmt, path in files.items():
        recorded = entry.get("sha256", {}).get(fmt)
        if not recorded or not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != recorded:
            return None
    try:
        return CachedTome(entry["pages"], entry["words"], entry["texts"], tuple(entry["notes"]))
    except KeyError:
        return None


def remember(out_dir: Path, number: int, key: str, files: dict[str, Path], cached: CachedTome) -> None:
    """Record the files now on disk for this key (keeping other formats recorded for the same key)."""
    path = _entry_path(out_dir, number)
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError):
        entry = {}
    sha256 = entry.get("sha256", {}) if entry.get("key") == key else {}
    sha256 |= {fmt: hashlib.sha256(file.read_bytes()).hexdigest() for fmt, file in files.items()}
    entry = {"key": key, "pages": cached.pages, "words": cached.words, "texts": cached.texts,
             "notes": list(cached.notes), "sha256": sha256}
    write_atomic(path, json.dumps(entry, indent=1).encode())
