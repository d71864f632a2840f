"""Release files beside the artifacts: SHA256SUMS (for `sha256sum -c`) and manifest.json."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from make_book import __version__
from make_book.output import write_atomic

if TYPE_CHECKING:
    from make_book.build import Artifact

SUMS_NAME = "SHA256SUMS"
MANIFEST_NAME = "manifest.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_release_files(out_dir: Path, artifacts: tuple[Artifact, ...], built: dt.datetime) -> None:
    """Describe every artifact now in `out_dir`, including those of tomes not rebuilt this time."""
    manifest_path = out_dir / MANIFEST_NAME
    entries = {}
    if manifest_path.exists():
        try:
            entries = {entry["file"]: entry for entry in json.loads(manifest_path.read_text())["files"]}
        except (ValueError, KeyError, TypeError):
            entries = {}
    for artifact in artifacts:
        entries[artifact.path.name] = {
            "file": artifact.path.name, "tome": artifact.tome, "format": artifact.format,
            "bytes": artifact.path.stat().st_size, "sha256": sha256(artifact.path), "pages": artifact.pages,
            "words": artifact.words, "texts": artifact.texts,
            "build_date": built.strftime("%Y-%m-%dT%H:%M:%SZ"), "tool_version": __version__,
        }
    entries = {name: entry for name, entry in entries.items() if (out_dir / name).exists()}
    files = [entries[name] for name in sorted(entries)]
    write_atomic(manifest_path, (json.dumps({"files": files}, ensure_ascii=False, indent=2) + "\n").encode())
    sums = "".join(f"{entry['sha256']}  {entry['file']}\n" for entry in files)
    write_atomic(out_dir / SUMS_NAME, sums.encode())
