"""Two reading systems that run in a browser, from the npm registry: foliate-js (Foliate's engine) and
epub.js, in Debian's Chromium. Each opens both tomes of a generated 40-text book and the demo's tome 1:
a short author line (the collective, not every contributor), the series, the table of contents, and a
text displayed in the book's font. .ci/install-system-deps installs them into .readers/; CI sets
MAKE_BOOK_REQUIRE_READERS=1 so that these tests fail rather than skip without them."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from browser import browser_page, serve
from conftest import ROOT, build_quietly, make_project

sys.path.insert(0, str(ROOT / "bench"))
from corpus import generate  # noqa: E402

MODULES = ROOT / ".readers" / "node_modules"
PAGES = Path(__file__).resolve().parent / "readers"
EDITOR = "Collectif 612 rencontres"  # the demo's and the generated book's (bench/corpus.py copies its book.toml)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory, demo_build: Path) -> dict[str, Path]:
    if not (MODULES / "foliate-js").is_dir() or not (MODULES / "epubjs").is_dir():
        message = "foliate-js and epub.js are not installed (.ci/install-system-deps installs them in .readers/)"
        if os.environ.get("MAKE_BOOK_REQUIRE_READERS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    work = tmp_path_factory.mktemp("readers")
    manuscript = generate(work / "generated", texts=40, seed=40)
    build_quietly(manuscript, work / "build", formats=("epub",))
    omnibus = make_project(work / "omnibus", ROOT / "manuscript")
    (omnibus / "book.toml").write_text((omnibus / "book.toml").read_text() + "\n[omnibus]\n")
    build_quietly(omnibus, work / "omnibus" / "build", formats=("epub",), editions=("integrale",))
    return {"generated tome 1": work / "build" / "corpus-tome-1.epub",
            "generated tome 2": work / "build" / "corpus-tome-2.epub",
            "demo tome 1": demo_build / "612-rencontres-tome-1.epub",
            "demo omnibus": work / "omnibus" / "build" / "612-rencontres-integrale.epub"}


def open_in(reader: str, book: Path, tmp_path: Path) -> dict:
    site = tmp_path / "site"
    site.mkdir()
    (site / "modules").symlink_to(MODULES)
    shutil.copy(book, site / "book.epub")
    shutil.copy(PAGES / f"{reader}.html", site / "index.html")
    with serve(site) as url, browser_page(900, 1000) as page:
        page.goto(url + "index.html")
        page.wait_for_function("window.result !== undefined", timeout=60_000)
        result = page.evaluate("window.result")
    assert "error" not in result, result
    return result


@pytest.mark.parametrize("name", ["generated tome 1", "generated tome 2", "demo tome 1", "demo omnibus"])
def test_foliate_js_shows_the_collective_as_author_and_the_series(books: dict[str, Path], name: str,
                                                                 tmp_path: Path) -> None:
    result = open_in("foliate", books[name], tmp_path)
    assert result["authors"] == [EDITOR]
    # a tome shows its place in the series; the omnibus, the whole series, claims no place in it
    expected = [] if name.endswith("omnibus") else [2 if name.endswith("2") else 1]
    assert [position for _, position in result["series"]] == expected
    assert len(result["toc"]) >= 3 and result["text"]


@pytest.mark.parametrize("name", ["generated tome 1", "generated tome 2", "demo tome 1", "demo omnibus"])
def test_epub_js_opens_the_book_and_sets_a_text_in_the_book_font(books: dict[str, Path], name: str,
                                                                 tmp_path: Path) -> None:
    result = open_in("epubjs", books[name], tmp_path)
    assert result["creator"] == EDITOR
    assert "Index des contributeurs" in result["toc"] and len(result["toc"]) >= 3
    assert len(result["text"]) > 100  # the first text, displayed
    assert result["font"].startswith('"Book Libertine"') and result["fontLoaded"]
