"""Each tome's PDF, read back with pikepdf and poppler."""

from __future__ import annotations

import gc
import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pydyf
import pypdf
import pytest

from bookfiles import outline, page_text
from conftest import ROOT, build_quietly, need
from make_book import weasyprint_hooks
from make_book.build import SLOW_SUBSETTER, BuildRequest, build
from make_book.layout import PageSetup, lay_out, stylesheet_texts, subsets_fonts_fast
from make_book.styles import read_styles
import weasyprint.layout.page as page_layout
from weasyprint import CSS, HTML
from weasyprint.css import StyleFor
from weasyprint.html import UA_STYLESHEET
from weasyprint.layout import LayoutContext
from weasyprint.text.fonts import FontConfiguration

A5 = (419.53, 595.28)
DEMO_TITLES = {1: ["Présentation", "Le ravissement du collaboratif"], 2: ["Présentation"]}


def pdf_path(build: Path, tome: int) -> Path:
    return build / f"612-rencontres-tome-{tome}.pdf"


@pytest.mark.parametrize("tome", [1, 2])
def test_page_size_metadata_and_language(demo_build: Path, tome: int) -> None:
    with pikepdf.open(pdf_path(demo_build, tome)) as pdf:
        for page in pdf.pages:
            box = [float(value) for value in page.mediabox]
            assert (round(box[2] - box[0], 1), round(box[3] - box[1], 1)) == (round(A5[0], 1), round(A5[1], 1))
        assert str(pdf.Root.Lang) == "fr"
        info = pdf.docinfo
        assert str(info["/Title"]) == f"612 rencontres sur les réseaux sociaux — Tome {tome}"
        assert str(info["/Author"]) == "Collectif 612 rencontres"
        assert "réseaux sociaux" in str(info["/Keywords"])
        assert str(info["/Subject"]).startswith("Six cent douze textes")


@pytest.mark.parametrize("tome", [1, 2])
def test_fonts_are_embedded_and_only_the_book_font(demo_build: Path, tome: int) -> None:
    with pikepdf.open(pdf_path(demo_build, tome)) as pdf:
        fonts = {}
        for page in pdf.pages:
            for _, font in page.Resources.get("/Font", {}).items():
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts[str(font.BaseFont)] = embedded
        assert fonts and all(fonts.values())
        # subset names carry the @font-face family of book.css: never a system face
        assert {name.split("+")[1] for name in fonts} <= {"Book-Libertine", "Book-Libertine-Italic",
                                                         "Book-Libertine-Bold",
                                                         "Book-Libertine-Bold-Italic"}, fonts


@pytest.mark.parametrize("tome", [1, 2])
def test_tagged_pdf_structure(demo_build: Path, tome: int) -> None:
    with pikepdf.open(pdf_path(demo_build, tome)) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert bool(pdf.Root.MarkInfo.Marked)


@pytest.mark.parametrize("tome", [1, 2])
def test_outline_has_each_text_and_texts_start_on_rectos(demo_build: Path, tome: int) -> None:
    entries = outline(pdf_path(demo_build, tome))
    titles = [title for title, _ in entries]
    assert [title for title in titles if title in DEMO_TITLES[tome]] == DEMO_TITLES[tome]
    assert titles[0] == "Sommaire"
    for title, page in entries:
        if title in DEMO_TITLES[tome]:
            assert page % 2 == 1, f"{title} starts on page {page}"


@pytest.mark.parametrize("tome", [1, 2])
def test_toc_page_numbers_are_where_the_texts_start(demo_build: Path, tome: int) -> None:
    starts = dict(outline(pdf_path(demo_build, tome)))
    toc = page_text(pdf_path(demo_build, tome), starts["Sommaire"])
    listed = {match.group(1).strip(): int(match.group(2))
              for match in re.finditer(r"^\s*(.+?)(?: — .*?)?\s*\.{3,}\s*(\d+)\s*$", toc, re.MULTILINE)}
    for title in DEMO_TITLES[tome]:
        assert listed[title] == starts[title]


@pytest.mark.parametrize("tome", [1, 2])
def test_each_link_is_one_annotation_tagged_as_a_link(demo_build: Path, tome: int) -> None:
    """A TOC entry or an index line is one link, not one more for each box inside it (its title, its
    author, the leader, the page number): no annotation lies over another to the same place, and
    each is the object of a Link element."""
    toc = dict(outline(pdf_path(demo_build, tome)))["Sommaire"]
    with pikepdf.open(pdf_path(demo_build, tome)) as pdf:
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        elements = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        links = [(page_number, annotation) for page_number, page in enumerate(pdf.pages, start=1)
                 for annotation in page.obj.get("/Annots", [])]
        listed = [str(annotation.Dest) for page, annotation in links if page == toc]  # one-line entries
        assert len(listed) == len(set(listed)) >= len(DEMO_TITLES[tome])
        for page_number, annotation in links:
            assert elements[int(annotation.StructParent)].S == "/Link"
            x0, y0, x1, y1 = map(float, annotation.Rect)
            for other_page, other in links:
                ox0, oy0, ox1, oy1 = map(float, other.Rect)
                overlap = min(x1, ox1) - max(x0, ox0) > 0.1 and min(y1, oy1) - max(y0, oy0) > 0.1
                assert other.objgen == annotation.objgen or other_page != page_number or not overlap


def test_text_comes_back_normalized_with_narrow_spaces(demo_build: Path) -> None:
    pdf = pdf_path(demo_build, 1)
    page = dict(outline(pdf))["Le ravissement du collaboratif"]
    layout = page_text(pdf, page)
    assert "Le ravissement du collaboratif" in layout and "Anthony Contat" in layout
    # pdftotext (poppler 22) NFKC-normalizes what it extracts, which turns U+202F and U+00A0 into
    # plain spaces; pypdf reads the font's ToUnicode map as written and gives them back.
    text = pypdf.PdfReader(pdf).pages[page - 1].extract_text()
    assert "réaction\u202f!" in text
    assert "«\u202fdigitale\u202f»" in text
    assert "gens\u00a0:" in text


def test_running_heads_and_blank_versos(demo_build: Path) -> None:
    pdf = pdf_path(demo_build, 1)
    starts = dict(outline(pdf))
    opening = starts["Le ravissement du collaboratif"]
    following = page_text(pdf, opening + 1)
    # verso after the opening page: book title as running head, and a folio
    assert following.lstrip().startswith("612 rencontres sur les réseaux sociaux")
    assert re.search(rf"^\s*{opening + 1}\s*$", following, re.MULTILINE)
    # the page before a recto opening is blank when the previous text ended on a recto
    assert page_text(pdf, opening - 1).strip() == ""
    assert "Présentation" not in page_text(pdf, opening).splitlines()[0]


def test_pdf_a_and_the_printers_variant(small_project: Path, tmp_path: Path) -> None:
    config = small_project / "book.toml"
    config.write_text(config.read_text() + '\n[pdf]\nvariant = "pdf/a-3b"\nprint_variant = true\nbleed = "5mm"\n')
    build_quietly(small_project, tmp_path / "out", tomes=(2,))
    with pikepdf.open(tmp_path / "out" / "petit-livre-tome-2.pdf") as pdf:
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfaid:part") == "3" and xmp.get("pdfaid:conformance") == "B"
        reader_box = [float(v) for v in pdf.pages[0].mediabox]
    with pikepdf.open(tmp_path / "out" / "petit-livre-tome-2-print.pdf") as pdf:
        page = pdf.pages[0]
        media, trim = [float(v) for v in page.mediabox], [float(v) for v in page.TrimBox]
        bleed = 5 / 25.4 * 72
        assert round(trim[2] - trim[0], 1) == round(reader_box[2] - reader_box[0], 1)
        assert round(media[2] - media[0] - (trim[2] - trim[0]), 0) >= round(2 * bleed, 0)
        assert "/BleedBox" in page
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    assert '"format": "print"' in manifest


def test_no_line_starts_with_punctuation_held_by_a_no_break_space(tmp_path: Path) -> None:
    import sys

    from conftest import ROOT
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import generate

    manuscript = generate(tmp_path, texts=30, seed=11)
    build_quietly(manuscript, tmp_path / "out", tomes=(1,), formats=("pdf",))
    lines = [line.strip() for page in pypdf.PdfReader(tmp_path / "out" / "corpus-tome-1.pdf").pages
             for line in page.extract_text().splitlines()]
    assert sum("\u202f" in line for line in lines) > 50  # the corpus has many of them
    assert not [line for line in lines if line[:1] in ("!", "?", ";", ":", "»")]
    assert not [line for line in lines if line.endswith("«")]


def test_a_dash_held_by_a_no_break_space_never_ends_a_line(small_project: Path, tmp_path: Path) -> None:
    """"congé. –" then a long word: WeasyPrint broke at the no-break space while trying to hyphenate
    the word. Every position of the dash along the line is tried."""
    for path in (small_project / "tome-1").glob("*.txt"):
        path.unlink()
    lines = [("Il dit bonjour à tous " * 3)[:20 + shift] + " congé. –\u00a0Monseigneurialement parlant, il part."
             for shift in range(40)]
    (small_project / "tome-1" / "1-tirets.txt").write_text("Tirets\nTexte de Test\n\n" + "\n".join(lines) + "\n")
    build_quietly(small_project, tmp_path / "out", tomes=(1,), formats=("pdf",))
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "out" / "petit-livre-tome-1.pdf").pages)
    assert text.replace("\u2010\n", "").count("Monseigneurialement") == 40  # hyphenated or not
    assert not [line for line in text.splitlines() if line.rstrip().endswith(("–", "—"))]
    assert "–\u00a0Monseigneurialement" in text  # the no-break space is still there, unchanged


@pytest.mark.parametrize("pattern", [
    ".",    # "..." is a ligature (an ellipsis) in Linux Libertine: a run must not form it
    "AV",   # "VA" is kerned: a run of "AVAV" would be narrower, so the leader is left as WeasyPrint made it
    ". ",   # the space's word spacing would be rounded glyph by glyph along a run: left as it is too
])
def test_a_leader_is_one_run_of_glyphs_drawn_where_weasyprint_puts_each_repetition(pattern: str,
                                                                                  tmp_path: Path) -> None:
    styles = read_styles(ROOT / "styles")
    html = ('<!DOCTYPE html><html lang="fr"><body><nav class="toc"><ol>' + "".join(
        f'<li><a href="#t{n}">{title}</a></li><section id="t{n}"></section>'
        for n, title in enumerate(["Une rencontre", "Le deuxième texte, au titre assez long pour tenir sur deux "
                                   "lignes de la table", "Trois"])) + "</ol></nav></body></html>")
    sheets = (f'@font-face {{ font-family: B; src: url("fonts/LinLibertine_R.otf"); }}'
              f'html {{ font-family: B; word-spacing: -0.06em; }}'
              # undecorated, as in the book: an underline is drawn once along the run, not dot by dot
              f'a {{ display: block; text-decoration: none; }} a::after {{ content: leader("{pattern}") " 12"; }}',)
    setup = PageSetup("A5", "any")
    ours = lay_out(html, styles, setup, sheets).document
    base_url, fonts = styles.folder.as_uri() + "/", FontConfiguration()
    theirs = HTML(string=html, base_url=base_url).render(  # WeasyPrint's own leaders
        stylesheets=[CSS(string=sheet + setup.css, base_url=base_url, font_config=fonts) for sheet in sheets],
        font_config=fonts)
    runs, repetitions = ([len(box.children) for page in document.pages for box in page._page_box.descendants()
                          if box.is_leader] for document in (ours, theirs))
    assert len(runs) == 3 and all(runs) and (runs == [1] * 3 if pattern == "." else all(count > 1 for count in runs))
    assert all(count > 1 for count in repetitions)  # make-book's hook is on while it lays out only
    drawn = []
    for name, document in (("ours", ours), ("theirs", theirs)):
        (tmp_path / f"{name}.pdf").write_bytes(document.write_pdf())
        subprocess.run([need("mutool"), "draw", "-q", "-r", "200", "-o", str(tmp_path / f"{name}.png"),
                        str(tmp_path / f"{name}.pdf"), "1"], check=True, capture_output=True)
        drawn.append((tmp_path / f"{name}.png").read_bytes())
    assert drawn[0] == drawn[1]


def test_what_a_layout_made_to_lay_out_is_freed_without_a_collection() -> None:
    """WeasyPrint's layout context (every computed style of the document) is freed as the layout ends,
    not left for a full collection of the garbage, which costs a chunk 0.1 s (weasyprint_hooks):
    with the collector off, none is left, and what the pages need is still there."""
    html = ('<!DOCTYPE html><html lang="fr"><body><nav class="toc"><ol><li><a href="#t">Une rencontre</a></li>'
            '</ol></nav><section class="text" id="t"><h2 class="text-title">Une rencontre</h2><p>Bonjour.</p>'
            '</section></body></html>')
    gc.collect()
    gc.disable()
    try:
        layout = lay_out(html, read_styles(ROOT / "styles"), PageSetup("A5", "recto"))
        left = [thing for thing in gc.get_objects() if isinstance(thing, LayoutContext)]
    finally:
        gc.enable()
    assert not left
    last_page = pypdf.PdfReader(io.BytesIO(layout.document.write_pdf())).pages[-1].extract_text()
    assert "Une rencontre" in last_page and "Bonjour." in last_page


def test_a_tagged_pdf_reads_its_page_list_once_per_page_and_is_written_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint's tagging reads pydyf's list of page references for every element and link; pydyf
    builds the list again on each read, so writing grew with pages × elements (weasyprint_hooks keeps
    it). Read about once per page now, and the PDF is byte for byte the one pydyf's own reads give."""
    paragraphs = "".join(f'<p>Paragraphe {number}, <a href="#t">lien</a>.</p>' for number in range(400))
    html = (f'<!DOCTYPE html><html lang="fr"><body><section class="text" id="t"><h2 class="text-title">Titre</h2>'
            f'{paragraphs}</section></body></html>')
    layout = lay_out(html, read_styles(ROOT / "styles"), PageSetup("A5", "recto"))
    built, reads = weasyprint_hooks._page_references, []
    monkeypatch.setattr(weasyprint_hooks, "_page_references", lambda pdf: reads.append(pdf) or built(pdf))
    remembered = layout.document.write_pdf(pdf_tags=True)
    assert layout.pages > 5 and 0 < len(reads) <= layout.pages + 1
    monkeypatch.setattr(pydyf.PDF, "page_references", property(built))
    assert layout.document.write_pdf(pdf_tags=True) == remembered


EVERY_ELEMENTS_PSEUDO = {"marker", "footnote-call", "footnote-marker", "note-call", "note-marker", "note-callback"}


@pytest.mark.parametrize("note", [False, True])
def test_pseudo_elements_are_styled_where_they_can_be_and_the_pages_are_the_same(
        monkeypatch: pytest.MonkeyPatch, note: bool) -> None:
    """WeasyPrint's user-agent stylesheet styles `::marker` and the notes' pseudo-elements of every
    element; make-book's (weasyprint_hooks) styles a list item's marker, and a note's only where a
    stylesheet uses notes: far fewer styles computed, and the same PDF as with WeasyPrint's own sheet,
    a list's markers and a footnote's call and marker included."""
    paragraphs = "".join(f"<p>Paragraphe {number} ici.</p>" for number in range(60))  # "1.": a marker
    html = ('<!DOCTYPE html><html lang="fr"><body><section class="text" id="t"><h2 class="text-title">Titre</h2>'
            f'<ol class="shown"><li>Un</li><li>Deux</li></ol><p>Appel<span class="note">Une note.</span></p>'
            f'{paragraphs}</section></body></html>')
    styles = read_styles(ROOT / "styles")
    sheets = stylesheet_texts(styles, html) + ("ol.shown { list-style: decimal; padding-left: 2em; }"
                                               + (" .note { float: footnote; }" if note else ""),)
    pseudo_styles = []
    computed = StyleFor.set_computed_styles
    monkeypatch.setattr(StyleFor, "set_computed_styles", lambda self, *args, **kwargs: pseudo_styles.append(
        kwargs.get("pseudo_type")) or computed(self, *args, **kwargs))
    ours = lay_out(html, styles, PageSetup("A5", "recto"), sheets).document.write_pdf()
    ours_styled = sum(kind in EVERY_ELEMENTS_PSEUDO for kind in pseudo_styles)
    monkeypatch.setattr(weasyprint_hooks, "user_agent_sheet", lambda notes: UA_STYLESHEET)
    pseudo_styles.clear()
    theirs = lay_out(html, styles, PageSetup("A5", "recto"), sheets).document.write_pdf()
    theirs_styled = sum(kind in EVERY_ELEMENTS_PSEUDO for kind in pseudo_styles)
    assert ours == theirs
    assert theirs_styled > 5 * 60 and ours_styled < (theirs_styled - 60 if note else 5)  # markers: 2 items
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(ours)).pages)
    assert "1." in text and "2." in text and (not note or "Une note." in text)


@pytest.mark.parametrize("by_index", [False, True])
def test_pages_alike_share_their_styles_unless_a_page_rule_counts_pages(monkeypatch: pytest.MonkeyPatch,
                                                                         by_index: bool) -> None:
    """WeasyPrint computes a page's and its margin boxes' styles for every page; make-book's hook
    (weasyprint_hooks) computes them once for pages alike (side, blank, name, first), unless a page
    rule reads the page's index (`:nth()`), and the PDF is byte for byte the one WeasyPrint gives."""
    texts = "".join(f'<section class="text" id="t{number}"><h2 class="text-title">Titre {number}</h2>'
                    + "<p>Une ligne de texte assez longue pour remplir la page.</p>" * 80 + "</section>"
                    for number in range(3))
    html = f'<!DOCTYPE html><html lang="fr"><body><h1 class="book-title">Livre</h1>{texts}</body></html>'
    styles = read_styles(ROOT / "styles")
    sheets = stylesheet_texts(styles, html) + (("@page :nth(3) { @top-center { content: 'trois'; } }",)
                                               if by_index else ())
    computed = weasyprint_hooks._set_page_type_computed_styles
    computations = []
    monkeypatch.setattr(weasyprint_hooks, "_set_page_type_computed_styles",
                        lambda *args: computations.append(args[0]) or computed(*args))
    layout = lay_out(html, styles, PageSetup("A5", "recto"), sheets)
    ours = layout.document.write_pdf()
    assert layout.pages > 10
    assert len(computations) == layout.pages if by_index else len(computations) <= 6  # (side, blank, first)
    monkeypatch.setattr(page_layout, "set_page_type_computed_styles", computed)
    theirs_layout = lay_out(html, styles, PageSetup("A5", "recto"), sheets)
    assert theirs_layout.document.write_pdf() == ours
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(ours)).pages]
    assert ("trois" in pages[2]) == by_index and "Titre 2" in pages[-1]


def test_the_font_subsetter_check_agrees_with_weasyprint(caplog: pytest.LogCaptureFixture) -> None:
    """`subsets_fonts_fast` says what WeasyPrint does: it warns (to its own logger, which make-book
    leaves silent) exactly when it falls back to fontTools."""
    layout = lay_out('<!DOCTYPE html><html lang="fr"><body><p>Bonjour</p></body></html>',
                     read_styles(ROOT / "styles"), PageSetup("A5", "any"))  # the book's fonts: always some
    with caplog.at_level("WARNING", logger="weasyprint"):
        layout.document.write_pdf()
    fell_back = any("fontTools instead of HarfBuzz" in record.getMessage() for record in caplog.records)
    assert fell_back == (not subsets_fonts_fast())


@pytest.mark.parametrize("fast", [True, False])
def test_a_pdf_build_says_when_fonts_are_subset_slowly(small_project: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    monkeypatch.setattr("make_book.layout.subsets_fonts_fast", lambda: fast)
    said: dict[str, list[str]] = {"pdf": [], "epub": []}
    for fmt, lines in said.items():
        build(BuildRequest(small_project, tmp_path / fmt, tomes=(1,), formats=(fmt,)), say=lines.append,
              warn=lines.append)
    assert (SLOW_SUBSETTER in said["pdf"]) == (not fast)
    assert SLOW_SUBSETTER not in said["epub"]  # the EPUB's page-list needs a layout, but no PDF is written
