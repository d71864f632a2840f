"""A tome laid out in chunks and joined is the PDF one layout of the whole tome gives: every page's
text and its position, the outline, the links and where they lead, the structure tree, the EPUB's
page-list. And an edit lays out again only its own chunk."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from bookfiles import Epub
from conftest import ROOT, build_quietly, epubcheck, need
from make_book.check import OK, check_pdf

sys.path.insert(0, str(ROOT / "bench"))
from corpus import generate, set_pdf_option  # noqa: E402

EDITIONS = ("corpus-tome-1", "corpus-integrale")


@pytest.fixture(scope="module")
def whole_and_chunked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A generated book (tome 1, and the omnibus of both tomes, with parts) built whole and in chunks."""
    base = tmp_path_factory.mktemp("chunks")
    manuscript = generate(base, texts=16, seed=7)
    config = manuscript / "book.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[omnibus]\n", encoding="utf-8")
    outputs = {}
    for way, chunks in (("whole", "1"), ("chunked", "3")):
        set_pdf_option(manuscript, "chunks", chunks)
        outputs[way] = base / way
        result = build_quietly(manuscript, outputs[way], editions=("tome-1", "integrale"))
        assert not result.diagnostics
    outputs["manuscript"] = manuscript
    return outputs


def _pages(path: Path) -> list[list[tuple]]:
    with pdfplumber.open(path) as pdf:
        return [sorted((char["text"], round(char["x0"], 2), round(char["x1"], 2), round(char["top"], 2),
                        char["fontname"].split("+")[-1], round(char["size"], 2)) for char in page.chars)
                for page in pdf.pages]


def _faces(pdf: pikepdf.Pdf) -> dict[str, list[dict[int, tuple]]]:
    """Each embedded font by its face's name (no subset tag), pages' and forms' (the folios'): for each,
    the outline extents of every glyph its widths list, read from its font program by HarfBuzz."""
    import uharfbuzz as hb

    fonts, stack = {}, [page.obj.get("/Resources", pikepdf.Dictionary()) for page in pdf.pages]
    while stack:
        resources = stack.pop()
        fonts |= {font.objgen: font for font in resources.get("/Font", pikepdf.Dictionary()).values()}
        stack += [form.Resources for form in resources.get("/XObject", pikepdf.Dictionary()).values()
                  if "/Resources" in form]
    faces: dict[str, list[dict[int, tuple]]] = {}
    for font in fonts.values():
        cid_font = font.DescendantFonts[0]
        descriptor = cid_font.FontDescriptor
        program = hb.Font(hb.Face((descriptor.get("/FontFile3") or descriptor.FontFile2).read_bytes()))
        widths, glyphs = list(cid_font.W), []
        for start, run in zip(widths[::2], widths[1::2], strict=True):  # WeasyPrint's form: c [w1 w2 …]
            glyphs += range(int(start), int(start) + len(run))
        extents = {glyph: tuple(program.get_glyph_extents(glyph) or ()) for glyph in glyphs}
        faces.setdefault(str(font.BaseFont).split("+")[-1], []).append(extents)
    return faces


def _destination(pdf: pikepdf.Pdf, target: pikepdf.Object) -> tuple:
    """(page index, x, y) of an explicit destination or a named one."""
    if isinstance(target, pikepdf.String):
        names = pdf.Root.Names.Dests.Names
        target = next(names[i + 1] for i in range(0, len(names), 2) if names[i] == target)
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    return pages[target[0].objgen], round(float(target[2]), 2), round(float(target[3]), 2)


def _outline(pdf: pikepdf.Pdf) -> list[tuple]:
    found = []

    def visit(items, depth):
        for item in items:
            found.append((depth, item.title, _destination(pdf, item.destination)))
            visit(item.children, depth + 1)

    with pdf.open_outline() as outline:
        visit(outline.root, 1)
    return found


def _links(pdf: pikepdf.Pdf) -> list[tuple]:
    return [(index, tuple(round(float(value), 2) for value in annotation.Rect),
             _destination(pdf, annotation.Dest) if "/Dest" in annotation else str(annotation.A.URI))
            for index, page in enumerate(pdf.pages) for annotation in page.get("/Annots", [])]


def _structure(pdf: pikepdf.Pdf) -> list[tuple]:
    """Depth first: each element's type, depth, page and marked-content ids; each link's target."""
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    found = []

    def walk(element: pikepdf.Object, depth: int) -> None:
        kids = element.get("/K")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]):
            if isinstance(kid, int):
                found.append(("MCID", depth, kid))
            elif kid.get("/Type") == "/OBJR":
                found.append(("OBJR", depth, pages[kid.Pg.objgen], tuple(round(float(v), 2) for v in kid.Obj.Rect)))
            elif "/S" in kid:
                found.append((str(kid.S), depth, pages.get(kid.Pg.objgen) if "/Pg" in kid else None))
                walk(kid, depth + 1)

    walk(pdf.Root.StructTreeRoot, 0)
    # every page's marked content points back at elements of the tree, through the ParentTree
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    for index, page in enumerate(pdf.pages):
        key = int(page.StructParents)
        assert int(nums[2 * key]) == key
    return found


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_joined_pdf_is_the_one_layout_of_the_whole_tome(whole_and_chunked: dict[str, Path], edition: str) -> None:
    whole, chunked = (whole_and_chunked[way] / f"{edition}.pdf" for way in ("whole", "chunked"))
    assert _pages(whole) == _pages(chunked)  # text, position, font and size of every character: folios too
    with pikepdf.open(whole) as one, pikepdf.open(chunked) as joined:
        assert len(one.pages) == len(joined.pages) > 20
        assert _outline(one) == _outline(joined)
        assert max(depth for depth, _, _ in _outline(one)) == (2 if "integrale" in edition else 1)
        assert _links(one) == _links(joined)
        assert len(_links(one)) > 16
        assert _structure(one) == _structure(joined)
        # one font per face, as one layout embeds, holding every glyph the pages use, outlines and all
        faces = _faces(one)
        assert _faces(joined) == faces and all(len(fonts) == 1 for fonts in faces.values())
        assert str(joined.Root.Lang) == "fr" and joined.Root.MarkInfo.Marked
        assert b"pdfuaid" in joined.Root.Metadata.read_bytes()
    assert [finding.status for finding in check_pdf(chunked)] == [OK]
    # MuPDF draws every page without a complaint (but that it was built without ICC support)
    drawn = subprocess.run([need("mutool"), "draw", "-q", "-o", "/dev/null", str(chunked)], capture_output=True,
                           text=True)
    assert drawn.returncode == 0
    assert [line for line in drawn.stderr.splitlines() if "ICC" not in line] == []


@pytest.fixture(scope="module")
def printers_whole_and_chunked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The printer's PDFs of tome 1 and of the omnibus built beside it (taking its chunks), whole and in
    chunks: `whole/` and `chunked/`."""
    base = tmp_path_factory.mktemp("printers")
    manuscript = generate(base, texts=12, seed=5)
    config = manuscript / "book.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[omnibus]\n", encoding="utf-8")
    set_pdf_option(manuscript, "print_variant", "true")
    for way, chunks in (("whole", "1"), ("chunked", "3")):
        set_pdf_option(manuscript, "chunks", chunks)
        build_quietly(manuscript, base / way, editions=("tome-1", "integrale"), formats=("pdf",))
    return base


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_printers_pdf_in_chunks_is_the_one_layout_of_the_whole_tome(printers_whole_and_chunked: Path,
                                                                        tmp_path: Path, edition: str) -> None:
    # bleed and crop marks on every page, the blank versos the join adds among them; folios drawn once
    pdfs = {way: printers_whole_and_chunked / way / f"{edition}-print.pdf" for way in ("whole", "chunked")}
    pages = _pages(pdfs["whole"])
    assert pages == _pages(pdfs["chunked"]) and [] in pages  # a blank verso at least
    with pikepdf.open(pdfs["whole"]) as one, pikepdf.open(pdfs["chunked"]) as joined:
        def boxes(pdf: pikepdf.Pdf) -> list[tuple]:
            return [tuple(tuple(map(float, page.obj[box])) for box in ("/MediaBox", "/TrimBox", "/BleedBox"))
                    for page in pdf.pages]

        assert boxes(one) == boxes(joined) and boxes(one)[0][0] != boxes(one)[0][1]  # the bleed
        assert (_outline(one), _links(one), _structure(one)) == (_outline(joined), _links(joined), _structure(joined))
    drawn = {}
    for way, pdf in pdfs.items():
        subprocess.run([need("mutool"), "draw", "-q", "-r", "40", "-o", str(tmp_path / f"{way}-%d.png"), str(pdf)],
                       check=True, capture_output=True)
        drawn[way] = [(tmp_path / f"{way}-{number}.png").read_bytes() for number in range(1, len(pages) + 1)]
    assert drawn["whole"] == drawn["chunked"]  # crop marks on every page, blank or not, and nothing twice
    assert [finding.status for finding in check_pdf(pdfs["chunked"])] == [OK]


def test_the_epub_page_list_is_the_same(whole_and_chunked: dict[str, Path]) -> None:
    for edition in EDITIONS:
        lists = [Epub(whole_and_chunked[way] / f"{edition}.epub").nav_list("page-list") for way in ("whole", "chunked")]
        assert lists[0] == lists[1] and len(lists[0]) > 20
    assert epubcheck(whole_and_chunked["chunked"] / "corpus-tome-1.epub") == []


def test_a_fallback_font_in_several_chunks_is_embedded_once(tmp_path: Path) -> None:
    # Arabic, set in a TrueType fallback font (the book font is OpenType), in texts of two chunks
    manuscript = generate(tmp_path, texts=16, seed=3)
    texts = sorted((manuscript / "tome-1").glob("*.txt"))
    for text in (texts[1], texts[-1]):
        text.write_text(text.read_text(encoding="utf-8") + "\nIl a écrit « مرحبا » et « شكرا » au tableau.\n",
                        encoding="utf-8")
    pdfs = {}
    for way, chunks in (("whole", "1"), ("chunked", "3")):
        set_pdf_option(manuscript, "chunks", chunks)
        build_quietly(manuscript, tmp_path / way, editions=("tome-1",))
        pdfs[way] = tmp_path / way / "corpus-tome-1.pdf"
    assert _pages(pdfs["whole"]) == _pages(pdfs["chunked"])
    with pikepdf.open(pdfs["whole"]) as one, pikepdf.open(pdfs["chunked"]) as joined:
        faces = _faces(one)
        assert any("Arabic" in face for face in faces), faces.keys()
        assert _faces(joined) == faces and all(len(fonts) == 1 for fonts in faces.values())
    drawn = subprocess.run([need("mutool"), "draw", "-q", "-o", "/dev/null", str(pdfs["chunked"])],
                           capture_output=True, text=True)
    assert drawn.returncode == 0 and [line for line in drawn.stderr.splitlines() if "ICC" not in line] == []


LONG_PARAGRAPH = "Un paragraphe ajouté, assez long pour pousser les pages suivantes plus loin. " * 30


@pytest.mark.parametrize(("edit", "laid_out"), [
    # a word in the last text: its chunk alone
    (lambda texts: (texts[-1], texts[-1].read_text(encoding="utf-8").replace(" le ", " ce ", 1)), "1 of 5"),
    # a long paragraph in the first text: every later page moves, so its chunk and the index are laid
    # out again; the TOC's numbers are written in (late_numbers.py); the chunks after it keep their
    # pages, only their folios change
    (lambda texts: (texts[0], texts[0].read_text(encoding="utf-8") + "\n" + LONG_PARAGRAPH + "\n"), "2 of 5"),
], ids=["same page count", "page count changed"])
def test_an_edit_lays_out_only_what_it_changes_and_gives_a_full_builds_bytes(
        whole_and_chunked: dict[str, Path], tmp_path: Path, edit, laid_out: str) -> None:
    import shutil

    from make_book.build import BuildRequest, build

    manuscript = tmp_path / "manuscript"
    shutil.copytree(whole_and_chunked["manuscript"], manuscript)
    shutil.copytree(whole_and_chunked["manuscript"].parent / "styles", tmp_path / "styles")
    out = tmp_path / "build"
    shutil.copytree(whole_and_chunked["chunked"], out)
    path, text = edit(sorted((manuscript / "tome-1").glob("*.txt")))
    path.write_text(text, encoding="utf-8")
    lines: list[str] = []
    build(BuildRequest(manuscript, out, editions=("tome-1",)), say=lines.append, warn=lines.append)
    report = next(line for line in lines if line.startswith("tome 1:"))
    assert f"{laid_out} chunks laid out" in report, report
    fresh = tmp_path / "fresh"
    build_quietly(manuscript, fresh, editions=("tome-1",))
    for name in ("corpus-tome-1.pdf", "corpus-tome-1.epub"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name


def test_the_omnibus_takes_its_tomes_chunks(whole_and_chunked: dict[str, Path], tmp_path: Path) -> None:
    # built after its tomes, the omnibus lays out only its own front matter, part titles and index: its
    # texts' pages are the tomes' chunks (from the cache here; from the tomes' own tasks in one build)
    from make_book.build import BuildRequest, build

    out = tmp_path / "build"
    build_quietly(whole_and_chunked["manuscript"], out, editions=("tome-1", "tome-2"))
    lines: list[str] = []
    build(BuildRequest(whole_and_chunked["manuscript"], out, editions=("integrale",)), say=lines.append,
          warn=lines.append)
    report = next(line for line in lines if line.startswith("integrale:"))
    assert "4 of 10 chunks laid out" in report, report
    for name in ("corpus-integrale.pdf", "corpus-integrale.epub"):
        assert (out / name).read_bytes() == (whole_and_chunked["chunked"] / name).read_bytes(), name


def test_an_omnibus_styled_otherwise_than_its_tomes_lays_its_texts_out_itself() -> None:
    from make_book.chunks import styled_as_its_tomes

    assert styled_as_its_tomes(("body.omnibus section.text h2 { bookmark-level: 2; bookmark-state: closed }",
                                "/* .omnibus p { color: red } */ p { color: blue }"))
    assert not styled_as_its_tomes(("body.omnibus h2.text-title { bookmark-level: 2; font-size: 2em }",))
    assert not styled_as_its_tomes(("@media print { .omnibus p { color: red } }",))


def _front_matter(manuscript: Path) -> tuple:
    from make_book.assemble import assemble, editions
    from make_book.build import build_timestamp
    from make_book.chunks import plan_chunks
    from make_book.config import load_config
    from make_book.layout import PageSetup
    from make_book.styles import read_styles

    config = load_config(manuscript)
    styles = read_styles(config.styles_dir)
    edition = editions(assemble(config, (1,)).book, config.editions(tomes=(1,)), styles)[0]
    return edition, styles, PageSetup.for_reader(edition.pdf), build_timestamp(config), plan_chunks(edition)[0]


def test_the_front_matters_numbers_written_in_are_those_it_would_be_laid_out_with(tmp_path: Path) -> None:
    # the TOC laid out once, with placeholders, and its numbers written in at the join (late_numbers.py):
    # the same characters at the same places as the front matter laid out with the numbers in it, for
    # numbers of one to five digits (a number wider than its box sticks out of it, as WeasyPrint sets it)
    import io
    import itertools

    from make_book.chunks import _laid_out, lay_out_chunk
    from make_book.late_numbers import write_numbers

    edition, styles, setup, timestamp, front = _front_matter(generate(tmp_path, texts=16, seed=3))
    targets = [placed.anchor for placed in edition.texts] + ["contributors"]
    numbers = dict(zip(targets, itertools.cycle((3, 8, 42, 99, 100, 577, 999, 1234, 20481))))
    assert len(numbers) >= 9
    laid = lay_out_chunk(edition, styles, setup, timestamp, front, {}, None)
    assert laid.late and laid.pdf and not laid.draft and not laid.numbers
    assert [slot.target for slot in laid.late.slots] == targets
    late = pikepdf.open(io.BytesIO(laid.pdf))
    write_numbers(late, laid.late, numbers)
    late.save(tmp_path / "late.pdf")
    written = _laid_out(edition, styles, setup, timestamp, front, numbers, None, True, late=False)
    assert written.late is None and dict(written.numbers) == numbers
    (tmp_path / "written.pdf").write_bytes(written.pdf)
    assert _pages(tmp_path / "late.pdf") == _pages(tmp_path / "written.pdf")


def test_a_page_number_set_inline_after_its_leader_is_laid_out_with_the_number(tmp_path: Path) -> None:
    # a stylesheet whose TOC numbers follow their leaders inline (its length depends on theirs): the
    # front matter's layout depends on its numbers; a first build's is a draft, for its page count,
    # laid out again once the numbers are known, with them written in
    from make_book.chunks import lay_out_chunk

    manuscript = generate(tmp_path, texts=8, seed=3)
    print_css = tmp_path / "styles" / "print.css"
    css = print_css.read_text(encoding="utf-8")
    assert "nav.toc a::after { content: target-counter(attr(href), page); display: inline-block;" in css
    print_css.write_text(css + "\nnav.toc a::after { content: leader('.') target-counter(attr(href), page); "
                         "display: inline; }\nnav.toc a > :last-child::after { content: none; }\n", encoding="utf-8")
    edition, styles, setup, timestamp, front = _front_matter(manuscript)
    draft = lay_out_chunk(edition, styles, setup, timestamp, front, {}, None)
    assert draft.draft and draft.late is None and not draft.pdf
    numbers = {placed.anchor: 5 + 2 * n for n, placed in enumerate(edition.texts)} | {"contributors": 41}
    laid = lay_out_chunk(edition, styles, setup, timestamp, front, numbers, None)
    assert not laid.draft and laid.late is None and laid.pdf and dict(laid.numbers) == numbers


@pytest.mark.parametrize("chunk", ["front matter", "index"])
def test_links_to_other_chunks_are_written_and_share_their_styles(chunk: str, tmp_path: Path) -> None:
    # the TOC and the index link to texts in other chunks: each link's target gets a stand-in anchor
    # once laid out (chunks.with_stand_ins), not an id in the HTML, with which WeasyPrint would compute
    # each link's style, and its children's, apart from its siblings'
    import io

    from weasyprint.formatting_structure.boxes import BlockBox, InlineBox

    from make_book.assemble import assemble, editions
    from make_book.book_html import print_html
    from make_book.build import build_timestamp
    from make_book.chunks import chunk_stylesheets, plan_chunks, with_pages_written, with_stand_ins
    from make_book.config import load_config
    from make_book.layout import PageSetup, lay_out, stylesheet_texts
    from make_book.styles import read_styles

    config = load_config(generate(tmp_path, texts=8, seed=3))
    styles = read_styles(config.styles_dir)
    edition = editions(assemble(config, (1,)).book, config.editions(tomes=(1,)), styles)[0]
    part = plan_chunks(edition)[0 if chunk == "front matter" else -1]
    html, outside = with_pages_written(print_html(edition, build_timestamp(config), sections=frozenset(part.sections)),
                                       {placed.anchor: 10 + 4 * n for n, placed in enumerate(edition.texts)})
    assert set(outside) >= {placed.anchor for placed in edition.texts}
    layout = lay_out(html, styles, PageSetup.for_reader(edition.pdf),
                     chunk_stylesheets(stylesheet_texts(styles, html), edition, part))
    with_stand_ins(layout, frozenset(outside))
    links = [box for page in layout.document.pages for box in page._page_box.descendants()
             if box.element_tag == "a" and type(box) in (BlockBox, InlineBox)]
    assert len({id(box.element) for box in links}) == len(outside)
    assert len({id(box.style) for box in links}) == 1
    pdf = pikepdf.open(io.BytesIO(layout.part_pdf(edition)))
    linked = {str(annotation.Dest) for page in pdf.pages for annotation in page.get("/Annots", [])}
    assert linked == set(outside)


def test_an_omnibus_with_bookmarks_its_titles_do_not_give_lays_those_chunks_out_itself(tmp_path: Path) -> None:
    # the section breaks bookmarked: the titles alone (chunks.bookmark_levels) miss them, so the
    # omnibus cannot take its tomes' pages with its own outline levels, and lays its texts out itself
    manuscript = generate(tmp_path, texts=8, seed=5)
    assert any("***" in path.read_text(encoding="utf-8") for path in manuscript.glob("tome-*/*.txt"))
    config = manuscript / "book.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[omnibus]\n", encoding="utf-8")
    with (tmp_path / "styles" / "print.css").open("a", encoding="utf-8") as css:
        css.write('\nhr.section-break { bookmark-level: 3; bookmark-label: "* * *"; }\n')
    pdfs = {}
    for way, chunks in (("whole", "1"), ("chunked", "2")):
        set_pdf_option(manuscript, "chunks", chunks)
        build_quietly(manuscript, tmp_path / way, editions=("integrale",), formats=("pdf",))
        pdfs[way] = tmp_path / way / "corpus-integrale.pdf"
    with pikepdf.open(pdfs["whole"]) as one, pikepdf.open(pdfs["chunked"]) as joined:
        outline = _outline(one)
        assert any(title == "* * *" for _, title, _ in outline) and _outline(joined) == outline
    assert _pages(pdfs["whole"]) == _pages(pdfs["chunked"])


def test_a_rebuild_lays_out_the_edited_chunk_first(whole_and_chunked: dict[str, Path], tmp_path: Path) -> None:
    # the other chunks come from the cache: a rebuild whose edit is in the last chunk would otherwise
    # wait for every earlier chunk to be read back before its own is laid out
    import concurrent.futures
    import shutil

    from make_book.assemble import assemble, editions
    from make_book.build import build_timestamp
    from make_book.cache import chunk_cache_dir
    from make_book.chunked_layout import lay_out_in_chunks
    from make_book.config import load_config
    from make_book.styles import read_styles

    manuscript = tmp_path / "manuscript"
    shutil.copytree(whole_and_chunked["manuscript"], manuscript)
    shutil.copytree(whole_and_chunked["manuscript"].parent / "styles", tmp_path / "styles")
    shutil.copytree(whole_and_chunked["chunked"], tmp_path / "build")
    last = sorted((manuscript / "tome-1").glob("*.txt"))[-1]
    last.write_text(last.read_text(encoding="utf-8").replace(" le ", " ce ", 1), encoding="utf-8")
    config = load_config(manuscript)
    styles = read_styles(config.styles_dir, config.fonts.fallback)
    edition, = editions(assemble(config, (1,)).book, config.editions(names=("tome-1",)), styles)
    submitted = []

    def submit(fn, *args, rank=0, once=None):  # noqa: ANN001, ANN202: the workers' submit, run here in turn
        submitted.append(args[4].sections if fn.__name__ == "lay_out_chunk" else fn.__name__)
        future = concurrent.futures.Future()
        future.set_result(fn(*args))
        return future

    laid = lay_out_in_chunks(submit, edition, styles, build_timestamp(config), chunk_cache_dir(tmp_path / "build"))
    assert submitted[0] == laid.laid[-2].chunk.sections and edition.texts[-1].anchor in submitted[0]
    assert [chunk.cached for chunk in laid.laid] == [True] * 3 + [False, True]


def test_a_stylesheet_the_join_cannot_follow_lays_the_tome_out_whole() -> None:
    from make_book.chunks import chunkable
    from make_book.layout import PageSetup
    from make_book.styles import STYLESHEETS

    reader = PageSetup("A5", "recto")
    # the book's own stylesheets can be laid out in chunks (their comments mention page counters)
    assert chunkable(tuple((ROOT / "styles" / name).read_text(encoding="utf-8") for name in STYLESHEETS), reader)
    assert chunkable(("/* not counter(pages) */ @page { @bottom-center { content: counter(page); } }",), reader)
    assert chunkable(("@page { @bottom-center { content: counter(page); } }",
                      "a::after { content: target-counter(attr(href), page); }"), reader)
    assert not chunkable(("@page { @bottom-center { content: counter(page) \" / \" counter(pages); } }",), reader)
    assert not chunkable(("a::after { content: target-counter(attr(href), chapter); }",), reader)
    assert not chunkable(("@page { @bottom-center { content: counter(page); } }",), PageSetup("A5", "any"))
    # a rule a chunk would apply to its own first page, or a selector reaching across sections
    assert chunkable(("header + p, hr.section-break + p { text-indent: 0; } @page :left { margin: 1cm; }",), reader)
    assert not chunkable(("@page :first { margin-top: 5cm; }",), reader)
    assert not chunkable(("@page chapter:nth(1) { margin-top: 5cm; }",), reader)
    # a box beside the folio, in its row, is laid out otherwise without it (a chunk has no folio)
    assert not chunkable(("@page { @bottom-center { content: counter(page) } @bottom-left { content: \"x\" } }",),
                         reader)
    assert chunkable(("@page { @bottom-center { content: counter(page) } @top-left { content: \"x\" } }",
                      "@page :blank { @bottom-left { content: none; } @bottom-center { content: none } }"), reader)
    assert not chunkable(("section.part ~ section.text h2 { bookmark-level: 2; }",), reader)
    assert not chunkable((".text + .text { break-before: auto; }",), reader)
