"""`make-book fmt`: normalization applied to the author's files, shown as a diff or written."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from make_book.config import CONFIG_NAME, HouseStyle, load_config
from make_book.normalize import normalize
from make_book.output import write_atomic
from make_book.sources import decode, list_texts, read_text


def _style_and_files(manuscript_dir: Path, need_files: bool) -> tuple[HouseStyle, tuple[Path, ...]]:
    if not (manuscript_dir / CONFIG_NAME).exists() and not need_files:
        return HouseStyle(), ()
    config = load_config(manuscript_dir)
    files = (tuple(path for tome in config.tomes for path in list_texts(tome.folder, config.path.parent))
             if need_files else ())
    return config.style, files


def format_files(paths: tuple[Path, ...], manuscript_dir: Path, write: bool, show: Callable[[str], None],
                 warn: Callable[[str], None]) -> list[Path]:
    """Normalize each file; show the unified diff (or rewrite the file). Returns the changed files."""
    style, book_files = _style_and_files(manuscript_dir, need_files=not paths)
    changed = []
    for path in paths or book_files:
        source, notes = read_text(path)
        text, problems = normalize(source.text, style)
        for note in notes + tuple(problem.at(path) for problem in problems):
            warn(f"warning: {note}")
        if text == source.text and source.encoding == "utf-8":
            continue
        changed.append(path)
        if write:
            write_atomic(path, text.encode("utf-8"))
            show(f"rewrote {path}")
        else:
            show("".join(difflib.unified_diff(source.text.splitlines(keepends=True),
                                              text.splitlines(keepends=True), f"{path}", f"{path} (normalized)")))
    return changed


def format_stream(stdin: TextIO, stdout: TextIO, manuscript_dir: Path, warn: Callable[[str], None]) -> None:
    style, _ = _style_and_files(manuscript_dir, need_files=False)
    source, notes = decode(stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode(),
                           Path("<stdin>"))
    text, problems = normalize(source.text, style)
    for note in notes + tuple(problem.at("<stdin>") for problem in problems):
        warn(f"warning: {note}")
    stdout.write(text)
