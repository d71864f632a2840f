"""Each tome's EPUB: the real EPUBCheck, then the package read back point by point."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from bookfiles import NS, Epub, outline, page_text
from conftest import epubcheck

DEMO_TITLES = {1: ["Présentation", "Le ravissement du collaboratif"], 2: ["Présentation"]}


@pytest.mark.parametrize("tome", [1, 2])
def test_demo_epubs_pass_epubcheck_with_no_message(demo_build: Path, tome: int) -> None:
    assert epubcheck(demo_build / f"612-rencontres-tome-{tome}.epub") == []


@pytest.mark.parametrize("tome", [1, 2])
def test_small_book_epubs_pass_epubcheck_with_no_message(small_build: Path, tome: int) -> None:
    assert epubcheck(small_build / f"petit-livre-tome-{tome}.epub") == []


@pytest.mark.parametrize("tome", [1, 2])
def test_metadata_from_book_toml(demo_build: Path, tome: int) -> None:
    book = Epub(demo_build / f"612-rencontres-tome-{tome}.epub")
    opf = book.opf
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert book.dc("language") == ["fr"]
    assert book.dc("title") == [f"612 rencontres sur les réseaux sociaux — Tome {tome}"]
    assert book.dc("creator") == ["Collectif 612 rencontres"]
    assert book.dc("publisher") == ["Collectif 612 rencontres"]
    assert book.dc("date") == ["2026-11-27"]
    assert "réseaux sociaux" in book.dc("subject")
    assert book.dc("rights") and book.dc("description")
    identifier = book.dc("identifier")
    assert len(identifier) == 1 and re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", identifier[0])
    # tied to the other tome
    assert book.meta("belongs-to-collection") == ["612 rencontres sur les réseaux sociaux"]
    assert book.meta("collection-type") == ["series"]
    assert book.meta("group-position") == [str(tome)]
    calibre = {el.get("name"): el.get("content") for el in opf.iterfind(".//opf:meta[@name]", NS)}
    assert calibre["calibre:series_index"] == str(tome)


def test_tomes_have_distinct_stable_identifiers_and_an_isbn_when_given(demo_build: Path,
                                                                       small_build: Path) -> None:
    ids = {Epub(demo_build / f"612-rencontres-tome-{t}.epub").dc("identifier")[0] for t in (1, 2)}
    assert len(ids) == 2
    assert Epub(small_build / "petit-livre-tome-2.epub").dc("identifier") == ["urn:isbn:9782123456803"]


def test_the_collective_is_the_author_line_and_every_contributor_is_kept(small_build: Path) -> None:
    """Library views (foliate-js, Readium, Calibre) build the author line from the creators and the
    roles: the collective as creator with no role, the contributors as `ctb`, gives a short line."""
    book = Epub(small_build / "petit-livre-tome-1.epub")
    assert book.dc("creator") == ["Équipe de test"]
    assert book.dc("contributor") == ["Alice Martin", "Bruno Durand"]
    roles = {el.get("refines"): el.text for el in book.opf.iterfind(".//opf:meta[@property='role']", NS)}
    assert roles == {"#contributor-1": "ctb", "#contributor-2": "ctb"}


def test_accessibility_metadata(demo_build: Path) -> None:
    book = Epub(demo_build / "612-rencontres-tome-1.epub")
    assert set(book.meta("schema:accessMode")) == {"textual", "visual"}
    assert book.meta("schema:accessModeSufficient") == ["textual"]
    assert {"tableOfContents", "structuralNavigation", "readingOrder", "printPageNumbers"} \
        <= set(book.meta("schema:accessibilityFeature"))
    # three explicit values: Readium's navigator fails on a single `none` ("hazard.map is not a function")
    assert book.meta("schema:accessibilityHazard") == ["noFlashingHazard", "noMotionSimulationHazard",
                                                      "noSoundHazard"]
    assert "table des matières" in book.meta("schema:accessibilitySummary")[0]
    assert book.meta("pageBreakSource") and book.dc("source")
    # no conformance claim: the build itself does not run an accessibility checker
    assert book.meta("dcterms:conformsTo") == []


@pytest.mark.parametrize("tome", [1, 2])
def test_navigation_toc_ncx_landmarks_and_spine(demo_build: Path, tome: int) -> None:
    book = Epub(demo_build / f"612-rencontres-tome-{tome}.epub")
    toc_entries = [text for _, text in book.nav_list("toc")]
    assert [entry for entry in toc_entries if entry.startswith(tuple(DEMO_TITLES[tome]))] == \
        [entry for entry in toc_entries if entry != "Index des contributeurs"]
    assert len(toc_entries) - ("Index des contributeurs" in toc_entries) == len(DEMO_TITLES[tome])
    ncx = book.xml("EPUB/toc.ncx")
    labels = [el.text for el in ncx.iterfind(".//ncx:navLabel/ncx:text", NS)]
    assert all(any(label.startswith(title) for label in labels) for title in DEMO_TITLES[tome])
    landmarks = book.landmarks()
    assert {"cover", "toc", "bodymatter"} <= landmarks.keys()
    assert landmarks["bodymatter"] == f"t{tome}-001.xhtml"
    spine = book.spine_documents()
    assert spine[0] == "cover.xhtml" and spine.index("nav.xhtml") < spine.index(f"t{tome}-001.xhtml")


def test_toc_entries_carry_title_and_author_and_the_index_links_each_author(demo_build: Path) -> None:
    book = Epub(demo_build / "612-rencontres-tome-1.epub")
    # a space between title and author, so that a screen reader does not run them together
    assert ("t1-002.xhtml", "Le ravissement du collaboratif Anthony Contat") in book.nav_list("toc")
    assert book.landmarks()["index"] == "contributors.xhtml"
    index = book.xml("EPUB/contributors.xhtml")
    entries = ["".join(li.itertext()) for li in index.iterfind(".//x:li", NS)]
    assert entries == ["Anthony Contat : Le ravissement du collaboratif"]
    assert [a.get("href") for a in index.iterfind(".//x:li/x:a", NS)] == ["t1-002.xhtml"]


@pytest.mark.parametrize("tome", [1, 2])
def test_page_list_gives_the_print_pages_where_texts_start(demo_build: Path, tome: int) -> None:
    book = Epub(demo_build / f"612-rencontres-tome-{tome}.epub")
    pages: dict[str, int] = {}  # each document's first print page
    for href, number in book.nav_list("page-list"):
        pages.setdefault(href.split("#")[0], int(number))
    starts = dict(outline(demo_build / f"612-rencontres-tome-{tome}.pdf"))
    for number, title in enumerate(DEMO_TITLES[tome], start=1):
        assert pages[f"t{tome}-{number:03d}.xhtml"] == starts[title]
    # each target exists: a pagebreak marker with that number
    for href, number in book.nav_list("page-list"):
        document, anchor = href.split("#")
        marker = book.xml(f"EPUB/{document}").find(f".//*[@id='{anchor}']")
        assert marker is not None and marker.get("aria-label") == number


def test_text_files_have_semantic_types_and_markup_stays_text(small_build: Path) -> None:
    book = Epub(small_build / "petit-livre-tome-1.epub")
    first = book.xml("EPUB/t1-001.xhtml")
    section = first.find(".//x:section", NS)
    assert section.get("{http://www.idpf.org/2007/ops}type") == "chapter"
    assert first.find(".//x:body", NS).get("{http://www.idpf.org/2007/ops}type") == "bodymatter"
    assert first.find(".//x:script", NS) is None
    body_text = "".join(first.find(".//x:body", NS).itertext())
    assert "<script>alert(1)</script> & des ]]> restent du texte" in body_text
    assert [em.text for em in first.iterfind(".//x:em", NS)] == ["important", "souligné"]
    assert first.find(".//x:hr", NS) is not None


def test_cover_is_large_enough(demo_build: Path) -> None:
    book = Epub(demo_build / "612-rencontres-tome-1.epub")
    image = Image.open(io.BytesIO(book.read("EPUB/images/cover.png")))
    assert image.size[0] >= 1600 and image.size[1] >= 2560
    # the book's colour behind, white ink on it (a dark colour), and the blends between on the letters' edges
    colours = {colour for _, colour in image.convert("RGB").getcolors(256)}
    assert image.convert("RGB").getpixel((0, 0)) == (0x1D, 0x35, 0x57) and (255, 255, 255) in colours
    assert len(colours) > 100
    cover = book.xml("EPUB/cover.xhtml")
    assert "612 rencontres" in cover.find(".//x:img", NS).get("alt")


@pytest.mark.parametrize("tome", [1, 2])
def test_embedded_fonts_cover_every_character_of_the_text(demo_build: Path, tome: int) -> None:
    book = Epub(demo_build / f"612-rencontres-tome-{tome}.epub")
    fonts = [name for name in book.names if name.endswith(".otf")]
    assert len(fonts) == 4
    used = set()
    for name in book.spine_documents():
        used |= set("".join(book.xml(f"EPUB/{name}").find(".//x:body", NS).itertext()))
    used -= {"\n", "\t"}
    assert {"\u202f", "\u00a0", "«", "»"} <= used
    for name in fonts:
        cmap = TTFont(io.BytesIO(book.read(name))).getBestCmap()
        assert not {char for char in used if ord(char) not in cmap}, name


def test_epub_pages_render_in_a_browser_with_the_embedded_font(demo_build: Path, tmp_path: Path) -> None:
    from browser import browser_page, serve

    with zipfile.ZipFile(demo_build / "612-rencontres-tome-1.epub") as archive:
        archive.extractall(tmp_path)
    with serve(tmp_path / "EPUB") as base, browser_page(600, 900) as page:
        for name in ("title-page.xhtml", "nav.xhtml", "t1-002.xhtml", "contributors.xhtml"):
            page.goto(base + name)
            page.evaluate("document.fonts.ready")
            assert page.evaluate("document.fonts.check('16px \"Book Libertine\"')"), name
            families = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
            assert '"Book Libertine"' in families or "Book Libertine" in families, name
        assert page.evaluate("getComputedStyle(document.querySelector('li')).fontFamily") \
            .startswith('"Book Libertine"')
        page.goto(base + "t1-002.xhtml")
        assert page.inner_text("h2") == "Le ravissement du collaboratif"
        page.screenshot(path=str(tmp_path / "text.png"))
    assert (tmp_path / "text.png").stat().st_size > 20_000


def test_a_generated_book_passes_epubcheck(tmp_path: Path) -> None:
    """The benchmark's generated corpus (contributors' defects included), at a test-friendly size;
    `python bench/corpus.py DIR` and `make-book check` do the same at full size."""
    import sys

    from conftest import ROOT, build_quietly
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import generate

    manuscript = generate(tmp_path, texts=60, seed=4)
    build_quietly(manuscript, tmp_path / "out", formats=("epub",))
    for tome in (1, 2):
        book = tmp_path / "out" / f"corpus-tome-{tome}.epub"
        assert epubcheck(book) == []
        assert len(Epub(book).nav_list("page-list")) >= 30


def test_page_list_marks_every_printed_page_where_it_begins(tmp_path: Path) -> None:
    """Each page of the print edition's texts, also those that begin inside a paragraph: the
    EPUB's marker stands right before the words that open that page in the PDF."""
    import sys

    import pypdf

    from conftest import ROOT, build_quietly
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import generate

    manuscript = generate(tmp_path, texts=24, seed=8)
    build_quietly(manuscript, tmp_path / "out", tomes=(1,))
    book = Epub(tmp_path / "out" / "corpus-tome-1.epub")
    pdf_path = tmp_path / "out" / "corpus-tome-1.pdf"
    pdf = pypdf.PdfReader(pdf_path)
    entries = [(href, int(number)) for href, number in book.nav_list("page-list")]
    numbers = [number for _, number in entries]
    assert numbers == sorted(set(numbers))
    first_text = min(number for href, number in entries if href.startswith("t1-001.xhtml"))
    blank = {n for n in range(1, len(pdf.pages) + 1) if not pdf.pages[n - 1].extract_text().strip()}
    assert set(range(first_text, len(pdf.pages) + 1)) - blank == {n for n in numbers if n >= first_text}
    mid_paragraph = 0
    for href, number in entries:
        document, anchor = href.split("#")
        source = book.read(f"EPUB/{document}").decode()
        marker = source.index(f'id="{anchor}"')
        paragraph = source.rfind("<p ", 0, marker)
        if number < first_text or paragraph < source.rfind("<section", 0, marker):
            continue  # front matter, or a section's first page: checked against the outline elsewhere
        mid_paragraph += bool(re.sub(r"<[^>]+>", "", source[paragraph:marker].split(">", 1)[1]).strip())
        opening = "".join(re.sub(r"<[^>]+>", "", source[marker:].split(">", 1)[1]).split())[:12]
        lines = [line for line in page_text(pdf_path, number).splitlines() if line.strip()][1:]  # no running head
        assert "".join("".join(lines).split()).startswith(opening), (number, opening)
    assert mid_paragraph >= 3
