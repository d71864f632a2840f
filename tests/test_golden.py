"""Golden files for the small fixture book: every change to the output shows as a reviewable diff.

`python -m pytest tests/test_golden.py --update-golden` rewrites them from the current output."""

from __future__ import annotations

from pathlib import Path

import pytest
from bookfiles import Epub
from pypdf import PdfReader

GOLDEN = Path(__file__).resolve().parent / "golden" / "small-book"
EPUB_FILES = ["EPUB/content.opf", "EPUB/nav.xhtml", "EPUB/t1-001.xhtml"]


def outputs(build: Path) -> dict[str, str]:
    epub = Epub(build / "petit-livre-tome-1.epub")
    found = {f"tome-1/{Path(name).name}": epub.read(name).decode() for name in EPUB_FILES}
    reader = PdfReader(build / "petit-livre-tome-1.pdf")
    found["tome-1/pdf-pages.txt"] = "".join(f"--- page {number} ---\n{page.extract_text()}\n"
                                            for number, page in enumerate(reader.pages, start=1))
    return found


def test_the_output_matches_the_golden_files(small_build: Path, update_golden: bool) -> None:
    found = outputs(small_build)
    if update_golden:
        for name, text in found.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_text(text, encoding="utf-8")
        pytest.skip("golden files rewritten")
    for name, text in found.items():
        assert (GOLDEN / name).exists(), f"{name}: no golden file; run pytest --update-golden"
        assert text == (GOLDEN / name).read_text(encoding="utf-8"), \
            f"{name} changed: review the diff with `pytest --update-golden` then `git diff tests/golden`"
