"""Folio sheets made from a stack of numbers (folios.py) are the sheets WeasyPrint lays out page by page."""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
from conftest import ROOT, make_project
from make_book import folios
from make_book.config import load_config
from make_book.layout import PageSetup
from make_book.styles import read_styles


def _project(folder: Path, extra_css: str = "") -> tuple[object, PageSetup]:
    project = make_project(folder, ROOT / "manuscript")
    with (project.parent / "styles" / "print.css").open("a", encoding="utf-8") as css:
        css.write(extra_css)
    config = load_config(project)
    return read_styles(config.styles_dir, config.fonts.fallback), PageSetup.for_reader(config.pdf)


def _drawn(pdf: bytes) -> list[tuple]:
    """Each page's box and what it draws, numbers to a hundred-thousandth of a pixel."""
    def exact(operand: object) -> object:
        return round(Decimal(str(operand)), 5) if isinstance(operand, int | Decimal) else repr(operand)

    with pikepdf.open(io.BytesIO(pdf)) as opened:
        return [(tuple(page.mediabox), [(tuple(map(exact, operands)), str(operator))
                                        for operands, operator in pikepdf.parse_content_stream(page)])
                for page in opened.pages]


def _both(styles: object, setup: PageSetup, name: str, first: int) -> tuple[tuple | None, tuple]:
    setup = dataclasses.replace(setup, crop_marks=False)
    sheets = folios._folios_only(styles)
    return (folios._stacked("fr", styles, setup, sheets, name, first),
            folios._page_by_page("fr", styles, setup, sheets, name, first))


@pytest.mark.parametrize(("name", "first", "bleed"), [("", 961, None), ("", 1, "3mm"), ("front", 65, None)])
def test_a_sheet_from_the_stack_is_the_sheet_laid_out_page_by_page(tmp_path: Path, name: str, first: int,
                                                                   bleed: str | None) -> None:
    """961-1024: numbers of three and four digits in one sheet; with a bleed (the printer's PDF); a page
    name whose pages have no folio."""
    styles, setup = _project(tmp_path)
    stacked, page_by_page = _both(styles, dataclasses.replace(setup, bleed=bleed), name, first)
    assert stacked is not None
    assert stacked[1] == page_by_page[1] == (name == "",) * folios.FOLIOS_PER_SHEET
    assert _drawn(stacked[0]) == _drawn(page_by_page[0])


def test_folios_on_one_side_only(tmp_path: Path) -> None:
    styles, setup = _project(tmp_path, "@page :left { @bottom-center { content: none; } }")
    stacked, page_by_page = _both(styles, setup, "", 65)
    assert stacked is not None
    assert stacked[1] == page_by_page[1] == (True, False) * (folios.FOLIOS_PER_SHEET // 2)
    assert _drawn(stacked[0]) == _drawn(page_by_page[0])


@pytest.mark.parametrize("page_style", [
    "@page { font-variant-numeric: slashed-zero; }",
    "@page { font-size: 7pt; } @page { @bottom-center { font-size: inherit; } }",
])
def test_a_folio_the_stack_cannot_set_as_the_page_does_is_laid_out_page_by_page(tmp_path: Path,
                                                                               page_style: str) -> None:
    """What the page's own style gives its margin boxes does not reach the stack. A slashed zero: the
    four real pages of 65-128 (65, 66, 127, 128) have no zero to show it, their properties do; a size
    (in a rule of its own, which the stack does not copy): the real pages show it."""
    styles, setup = _project(tmp_path, page_style)
    stacked, page_by_page = _both(styles, setup, "", 65)
    assert stacked is None
    sheet = folios.folio_sheet("fr", styles, setup, "", 65, None)
    assert sheet.folios == page_by_page[1]
    assert _drawn(sheet.pdf) == _drawn(page_by_page[0])
