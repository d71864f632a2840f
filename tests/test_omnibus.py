"""L'intégrale: the demo with `[omnibus]` added to its book.toml builds both tomes and the omnibus, read
back as the tomes are: EPUBCheck, Ace, nav, NCX, page-list, the PDF's outline, folios and printed TOC,
the release files and the cache."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pikepdf
import pytest
from bookfiles import EPUB_TYPE, NS, Epub, page_text
from conftest import ROOT, build_quietly, epubcheck, make_project
from make_book.build import BuildRequest, build
from make_book.check import check_ace, check_files

OMNIBUS = "612-rencontres-integrale"


@pytest.fixture(scope="module")
def omnibus_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo manuscript, with the one line `[omnibus]` added at the end of its book.toml; built."""
    project = tmp_path_factory.mktemp("omnibus")
    manuscript = make_project(project, ROOT / "manuscript")
    config = manuscript / "book.toml"
    config.write_text(config.read_text() + "\n[omnibus]\n")
    build_quietly(manuscript, project / "build")
    return project


def nested_outline(pdf_path: Path) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) of every bookmark, in order."""
    with pikepdf.open(pdf_path) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        found: list[tuple[int, str, int]] = []

        def walk(items: list, depth: int) -> None:
            for item in items:
                found.append((depth, item.title, pages[item.destination[0].objgen]))
                walk(item.children, depth + 1)
        with pdf.open_outline() as tree:
            walk(tree.root, 0)
    return found


def test_the_demo_with_omnibus_builds_both_tomes_and_the_omnibus_all_valid(omnibus_project: Path) -> None:
    build_dir = omnibus_project / "build"
    epubs = sorted(path.name for path in build_dir.glob("*.epub"))
    assert epubs == [f"{OMNIBUS}.epub", "612-rencontres-tome-1.epub", "612-rencontres-tome-2.epub"]
    assert (build_dir / f"{OMNIBUS}.pdf").exists()
    for name in epubs:
        assert epubcheck(build_dir / name) == [], name
    findings = check_ace(build_dir / f"{OMNIBUS}.epub", required=os.environ.get("MAKE_BOOK_REQUIRE_ACE") == "1")
    assert [finding.status for finding in findings] in (["ok"], ["skipped"]), findings  # skipped: Ace not installed


def test_the_nav_and_the_ncx_list_both_tomes_then_every_text(omnibus_project: Path) -> None:
    book = Epub(omnibus_project / "build" / f"{OMNIBUS}.epub")
    toc = next(nav for nav in book.nav.iterfind(".//x:nav", NS) if nav.get(EPUB_TYPE) == "toc")
    parts = toc.findall("x:ol/x:li", NS)
    part_titles = ["".join(li.find("x:a", NS).itertext()) for li in parts]
    assert part_titles[:2] == ["Tome 1", "Tome 2"]
    texts = [["".join(a.find("x:span", NS).itertext()) for a in li.iterfind("x:ol/x:li/x:a", NS)] for li in parts[:2]]
    assert texts == [["Présentation", "Le ravissement du collaboratif"], ["Présentation"]]
    ncx = book.xml("EPUB/toc.ncx")
    points = ncx.findall(".//ncx:navMap/ncx:navPoint", NS)
    nested = [point for point in points if point.findall("ncx:navPoint", NS)]
    assert [point.find("ncx:navLabel/ncx:text", NS).text for point in nested] == ["Tome 1", "Tome 2"]
    assert [len(point.findall("ncx:navPoint", NS)) for point in nested] == [2, 1]
    assert book.landmarks()["bodymatter"] == "part-1.xhtml"
    assert book.spine_documents()[4:9] == ["part-1.xhtml", "t1-001.xhtml", "t1-002.xhtml", "part-2.xhtml",
                                           "t2-001.xhtml"]


def test_its_metadata_own_identifier_no_series_position_accessibility(omnibus_project: Path) -> None:
    build_dir = omnibus_project / "build"
    omnibus = Epub(build_dir / f"{OMNIBUS}.epub")
    identifiers = {name: Epub(build_dir / name).dc("identifier")[0]
                   for name in (f"{OMNIBUS}.epub", "612-rencontres-tome-1.epub", "612-rencontres-tome-2.epub")}
    assert len(set(identifiers.values())) == 3
    assert omnibus.dc("title") == ["612 rencontres sur les réseaux sociaux — Intégrale"]
    assert omnibus.meta("group-position") == [] and omnibus.meta("belongs-to-collection") == []
    assert "calibre:series" not in omnibus.read("EPUB/content.opf").decode()
    assert {"printPageNumbers", "tableOfContents"} <= set(omnibus.meta("schema:accessibilityFeature"))
    assert omnibus.dc("creator") == ["Collectif 612 rencontres"]
    assert omnibus.dc("contributor") == ["Anthony Contat"]  # one index across both tomes


def test_the_pdf_has_two_levels_continuous_folios_and_its_printed_toc_matches_the_outline(
        omnibus_project: Path) -> None:
    pdf = omnibus_project / "build" / f"{OMNIBUS}.pdf"
    entries = nested_outline(pdf)
    assert [(depth, title) for depth, title, _ in entries] == [
        (0, "Sommaire"), (0, "Tome 1"), (1, "Présentation"), (1, "Le ravissement du collaboratif"),
        (0, "Tome 2"), (1, "Présentation"), (0, "Index des contributeurs")]
    pages = [page for _, _, page in entries]
    assert pages == sorted(pages) and all(page % 2 == 1 for _, title, page in entries if title != "Sommaire")
    toc = page_text(pdf, pages[0])
    printed = [(match.group(1).strip(), int(match.group(2)))
               for match in re.finditer(r"^\s*(.+?)(?: — .*?)?\s*\.{3,}\s*(\d+)\s*$", toc, re.MULTILINE)]
    assert printed == [(title, page) for _, title, page in entries[1:]]
    # Folios run on: tome 2's first text carries its page number in the whole book, past tome 1's.
    tome_2_text = entries[5][2]
    assert page_text(pdf, tome_2_text).split()[-1] == str(tome_2_text)
    with pikepdf.open(omnibus_project / "build" / "612-rencontres-tome-1.pdf") as tome_1:
        assert tome_2_text > len(tome_1.pages)


def test_the_page_list_matches_the_omnibus_pdf(omnibus_project: Path) -> None:
    book = Epub(omnibus_project / "build" / f"{OMNIBUS}.epub")
    page_list = dict(book.nav_list("page-list"))
    starts = {title: page for _, title, page in nested_outline(omnibus_project / "build" / f"{OMNIBUS}.pdf")}
    assert page_list["part-1.xhtml#page-" + str(starts["Tome 1"])] == str(starts["Tome 1"])
    assert page_list["part-2.xhtml#page-" + str(starts["Tome 2"])] == str(starts["Tome 2"])
    assert page_list[f"t1-002.xhtml#page-{starts['Le ravissement du collaboratif']}"] == \
        str(starts["Le ravissement du collaboratif"])


def test_release_files_offer_the_omnibus_first(omnibus_project: Path) -> None:
    build_dir = omnibus_project / "build"
    manifest = {entry["file"]: entry for entry in json.loads((build_dir / "manifest.json").read_text())["files"]}
    epub = manifest[f"{OMNIBUS}.epub"]
    assert (epub["edition"], epub["tomes"], epub["format"]) == ("integrale", [1, 2], "epub")
    assert epub["sha256"] == hashlib.sha256((build_dir / f"{OMNIBUS}.epub").read_bytes()).hexdigest()
    assert epub["bytes"] == (build_dir / f"{OMNIBUS}.epub").stat().st_size
    assert f"{epub['sha256']}  {OMNIBUS}.epub" in (build_dir / "SHA256SUMS").read_text()
    page = (build_dir / "index.html").read_text()
    assert page.index("Les deux tomes en un fichier") < page.index(">Tome 1<")
    assert f'href="{OMNIBUS}.epub"' in page and epub["sha256"] in page
    checked = {(finding.file, finding.check) for finding in check_files((build_dir,), require_ace=False)}
    assert {(f"{OMNIBUS}.epub", "epubcheck"), (f"{OMNIBUS}.pdf", "pdf"), (f"{OMNIBUS}.epub", "checksums")} <= checked


def test_it_is_cached_like_a_tome_and_follows_tome_and_format(omnibus_project: Path, tmp_path: Path) -> None:
    manuscript = omnibus_project / "manuscript"
    out = omnibus_project / "build"

    def run(**options: object) -> list[str]:
        lines: list[str] = []
        build(BuildRequest(manuscript, out, **options), say=lines.append, warn=lambda _: None)
        return lines
    assert {"integrale: up to date", "tome 1: up to date", "tome 2: up to date"} <= set(run())
    text = manuscript / "tome-2" / "000-presentation.txt"
    text.write_text(text.read_text() + "\nUne ligne de plus.\n", encoding="utf-8")
    lines = run()
    assert "tome 1: up to date" in lines and not any(line.startswith(("integrale: up", "tome 2: up"))
                                                     for line in lines)
    fresh = tmp_path / "fresh"
    lines = []
    build(BuildRequest(manuscript, fresh, tomes=(1,)), say=lines.append, warn=lambda _: None)
    assert not list(fresh.glob("*integrale*"))
    build(BuildRequest(manuscript, fresh, formats=("epub",)), say=lines.append, warn=lambda _: None)
    assert (fresh / f"{OMNIBUS}.epub").exists() and not (fresh / f"{OMNIBUS}.pdf").exists()


def test_a_warning_in_a_text_is_reported_once_though_two_editions_hold_it(small_project: Path, tmp_path: Path) -> None:
    config = small_project / "book.toml"
    config.write_text(config.read_text() + "\n[omnibus]\n")
    (small_project / "tome-2" / "2-guillemet.txt").write_text("Titre\nIl dit \"bonjour et s'en va.\n")
    warnings: list[str] = []
    build(BuildRequest(small_project, tmp_path / "out", formats=("epub",)), say=lambda _: None, warn=warnings.append)
    assert [line for line in warnings if "2-guillemet.txt" in line] == \
        [f"warning: {small_project / 'tome-2' / '2-guillemet.txt'}:2:8: unbalanced quote '\"': left as typed"]
