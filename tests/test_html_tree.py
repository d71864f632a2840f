"""The print HTML parsed in C (html_tree.py) is the tree WeasyPrint's own parser builds."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import tinyhtml5
from conftest import ROOT, make_project
from make_book import layout
from make_book.assemble import assemble, editions
from make_book.chunks import BACK, FRONT, lay_out_chunk, plan_chunks, with_pages_written
from make_book.config import load_config
from make_book.folios import blank_verso, folio_sheet
from make_book.html_tree import parse_html
from make_book.layout import PageSetup
from make_book.styles import read_styles


def _same(ours: ET.Element, theirs: ET.Element, path: str = "") -> None:
    assert (ours.tag, ours.attrib, ours.text, ours.tail, len(ours)) == \
        (theirs.tag, theirs.attrib, theirs.text, theirs.tail, len(theirs)), path
    for mine, other in zip(ours, theirs):
        _same(mine, other, f"{path}/{other.tag}")


@pytest.fixture(scope="module")
def laid_out_html(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every kind of HTML a build lays out: the paragraph probe, a chunk of texts with its lines set, the
    front matter with its TOC's placeholders (late_numbers.py), the index with its pages written in, a
    folio sheet and the blank verso; in the omnibus, whose texts follow their tome's part title."""
    project = make_project(tmp_path_factory.mktemp("html"), ROOT / "manuscript")
    with (project / "book.toml").open("a", encoding="utf-8") as book:
        book.write("\n[omnibus]\n")
    config = load_config(project)
    styles = read_styles(config.styles_dir, config.fonts.fallback)
    omnibus, tome = editions(assemble(config).book, config.editions(names=("integrale", "tome-1")), styles)
    setup = PageSetup.for_reader(tome.pdf)
    seen: list[str] = []
    parse = layout.parse_html

    def recorded(html: str) -> ET.Element | None:
        seen.append(html)
        return parse(html)

    timestamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    anchors = [placed.anchor for placed in tome.texts]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layout, "parse_html", recorded)
        for edition in (tome, omnibus):
            front, texts, *_, back = plan_chunks(edition, 2)
            assert FRONT in front.sections and back.sections == BACK
            for chunk in (front, texts, back):
                lay_out_chunk(edition, styles, setup, timestamp, chunk, dict.fromkeys(anchors, 5), None,
                              write_pdf=False)
        folio_sheet(tome.meta.language, styles, setup, "", 1, None)
        blank_verso(tome.meta.language, styles, setup, None)
    return seen


def test_the_print_html_gives_the_tree_weasyprint_would_parse(laid_out_html: list[str]) -> None:
    kinds = {'class="set"': "lines set", 'data-page="012"': "TOC's placeholders", 'data-page="5"': "pages written",
             'class="contributors"': "index",
             'class="part"': "part title", "page: auto": "folio sheet", "break-before: right": "blank verso"}
    assert {kind for marker, kind in kinds.items() for html in laid_out_html if marker in html} == set(kinds.values())
    for html in laid_out_html:
        ours = parse_html(html)
        assert ours is not None, html[:300]
        _same(ours, tinyhtml5.parse(html, namespace_html_elements=False))


@pytest.mark.parametrize("html", [
    "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><p>a</p></body></html>",  # HTML's void element
    "<html><body><p>a&nbsp;b</p></body></html>",  # an entity XML does not define
    "<html><body><p>a</p></body></html><p>after</p>",
    "<section><p>no html element</p></section>",
    "<html><body><p>a</p></body><body><p>b</p></body></html>",
    "<html>text<body><p>a</p></body></html>",  # HTML would give it a body of its own
    "<html><head></head><body><!-- kept by HTML as a node --><p>a</p></body></html>",
    "<html><head></head><body><p><![CDATA[a]]></p></body></html>",  # a comment to HTML, text to XML
])
def test_html_that_xml_cannot_read_as_html_reads_it_is_left_to_weasyprint(html: str) -> None:
    assert parse_html(html) is None


def test_whitespace_around_head_and_body_goes_where_html_puts_it() -> None:
    html = "<!DOCTYPE html>\n<html>\n <body>\n<p>a</p>\n</body>\n</html>\n"
    _same(parse_html(html), tinyhtml5.parse(html, namespace_html_elements=False))


def test_a_toc_whose_text_xml_cannot_hold_is_written_as_html() -> None:
    # A chunk linking outside it is written again with its links' pages (with_pages_written): as XML,
    # unless XML cannot hold its text, when WeasyPrint parses it itself and would read `<span/>` as a
    # span left open.
    html = ('<!DOCTYPE html><html lang="fr"><head><title>T</title></head><body><p><a href="#t1-001">Titre'
            '\uffff</a><span class="toc-author"></span> suite</p></body></html>')
    written, _ = with_pages_written(html, {"t1-001": 3})
    tree = parse_html(written) or tinyhtml5.parse(written, namespace_html_elements=False)
    span = tree.find("body/p/span")
    assert span is not None and len(span) == 0 and span.text is None and span.tail == " suite"
    assert tree.find("body/p/a").get("data-page") == "3"
