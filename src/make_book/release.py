"""Release files beside the artifacts: SHA256SUMS (for `sha256sum -c`), manifest.json, index.html."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

from PIL import Image

from make_book import __version__
from make_book.config import Config
from make_book.cover import cover_alt, cover_image, read_cover, readable_accent
from make_book.model import Artifact, Styles
from make_book.errors import MakeBookError
from make_book.output import write_atomic
from make_book.render import REGISTRY
from make_book.templates import french_date, render

SUMS_NAME = "SHA256SUMS"
MANIFEST_NAME = "manifest.json"
PAGE_NAME = "index.html"
THUMBNAIL_WIDTH = 400


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_release_files(out_dir: Path, artifacts: tuple[Artifact, ...], built: dt.datetime,
                        config: Config, styles: Styles) -> None:
    """Describe every artifact now in `out_dir`, including those of editions not rebuilt this time."""
    _write_descriptions(out_dir, _manifest_entries(out_dir, artifacts, built), config, styles)


def _write_descriptions(out_dir: Path, files: list[dict], config: Config, styles: Styles) -> None:
    write_atomic(out_dir / MANIFEST_NAME, (json.dumps({"files": files}, ensure_ascii=False, indent=2) + "\n").encode())
    write_atomic(out_dir / SUMS_NAME, "".join(f"{entry['sha256']}  {entry['file']}\n" for entry in files).encode())
    write_atomic(out_dir / PAGE_NAME, download_page(config, styles, files).encode())


def _read_manifest(folder: Path) -> dict[str, dict]:
    """The entries of the folder's manifest.json by file name; none when it is missing or damaged."""
    try:
        return {entry["file"]: entry for entry in json.loads((folder / MANIFEST_NAME).read_text())["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def merge_parts(parts: tuple[Path, ...], out_dir: Path, config: Config, styles: Styles) -> list[dict]:
    """The release of a build split over machines (a CI job per edition): every file the parts'
    manifests list, checked against its SHA-256 and copied into `out_dir`, then one SHA256SUMS,
    manifest.json and download page for them all, the same bytes as one build of everything."""
    entries = _read_manifest(out_dir)
    from_parts: dict[str, Path] = {}
    for part in parts:
        found = _read_manifest(part)
        if not found:
            raise MakeBookError(f"no {MANIFEST_NAME} here: give the output folder of a make-book build", part)
        for name, entry in found.items():
            data = (part / name).read_bytes() if (part / name).is_file() else b""
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise MakeBookError(f"{name} is missing or does not match its SHA-256 in {MANIFEST_NAME}", part)
            if name in from_parts and entries[name]["sha256"] != entry["sha256"]:
                raise MakeBookError(f"{name} differs from the one in {from_parts[name]}", part)
            if part.resolve() != out_dir.resolve():
                write_atomic(out_dir / name, data)
            entries[name], from_parts[name] = entry, part
    files = [entries[name] for name in sorted(entries) if (out_dir / name).exists()]
    _write_descriptions(out_dir, files, config, styles)
    return files


def _manifest_entries(out_dir: Path, artifacts: tuple[Artifact, ...], built: dt.datetime) -> list[dict]:
    entries = _read_manifest(out_dir)
    for artifact in artifacts:
        entries[artifact.path.name] = {
            "file": artifact.path.name, "edition": artifact.edition, "tomes": list(artifact.tomes),
            "format": artifact.format,
            "bytes": artifact.path.stat().st_size, "sha256": sha256(artifact.path), "pages": artifact.pages,
            "words": artifact.words, "texts": artifact.texts,
            "build_date": built.strftime("%Y-%m-%dT%H:%M:%SZ"), "tool_version": __version__,
        }
    return [entries[name] for name in sorted(entries) if (out_dir / name).exists()]


def download_page(config: Config, styles: Styles, files: list[dict]) -> str:
    """A self-contained page for readers: covers inlined, links to the files beside it."""
    tomes = []
    for plan in config.editions():  # the omnibus first
        tome_files = [entry for entry in files if entry.get("edition") == plan.name]
        if not tome_files:
            continue
        tomes.append({
            "name": plan.name, "title": plan.title, "alt": cover_alt(config.meta, plan.title),
            "summary": _omnibus_summary(len(plan.tomes)) if plan.number is None else "",
            "cover": _thumbnail(cover_image(config.meta, plan.title, read_cover(plan.cover_image), styles,
                                            THUMBNAIL_WIDTH).data),
            "files": [{**entry, "label": _label(entry["format"]), "size": _size(entry["bytes"])}
                      for entry in sorted(tome_files, key=lambda entry: entry["format"])],
        })
    return render("download.html.j2", meta=config.meta, tomes=tomes, date_text=french_date(config.meta.date),
                  accent=readable_accent(config.meta.cover_color))


def _omnibus_summary(tomes: int) -> str:
    in_words = {2: "deux", 3: "trois", 4: "quatre", 5: "cinq"}.get(tomes, str(tomes))
    return f"Les {in_words} tomes en un fichier"


def _label(fmt: str) -> str:
    renderer = REGISTRY.get(fmt)
    return renderer.label if renderer else fmt


def _thumbnail(data: bytes) -> str:
    """A data URI of the cover at most THUMBNAIL_WIDTH wide: the page stays one small file."""
    image = Image.open(io.BytesIO(data))
    if image.width > THUMBNAIL_WIDTH:
        image = image.convert("RGB")
        image.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 2))
        out = io.BytesIO()
        image.save(out, format="PNG")
        data = out.getvalue()
    return "data:image/png;base64," + base64.b64encode(data).decode()


def _size(count: int) -> str:
    """French file size: 1,2 Mo, 214 Ko."""
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:.1f} Mo".replace(".", ",")
    return f"{max(1, round(count / 1024))} Ko"
