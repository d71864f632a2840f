"""Reading built books back: the EPUB's package files and the PDF's structure."""

from __future__ import annotations

import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from lxml import etree

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


@dataclass
class Epub:
    path: Path

    def read(self, name: str) -> bytes:
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(name)

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.read(name))

    @property
    def names(self) -> list[str]:
        with zipfile.ZipFile(self.path) as archive:
            return archive.namelist()

    @property
    def opf(self) -> etree._Element:
        return self.xml("EPUB/content.opf")

    @property
    def nav(self) -> etree._Element:
        return self.xml("EPUB/nav.xhtml")

    def meta(self, prop: str) -> list[str]:
        return [el.text for el in self.opf.iterfind(f".//opf:meta[@property='{prop}']", NS)]

    def dc(self, name: str) -> list[str]:
        return [el.text for el in self.opf.iterfind(f".//dc:{name}", NS)]

    def nav_list(self, kind: str) -> list[tuple[str, str]]:
        """(href, text) of each link in the nav element of that epub:type."""
        nav = next(el for el in self.nav.iterfind(".//x:nav", NS) if el.get(EPUB_TYPE) == kind)
        return [(a.get("href"), "".join(a.itertext())) for a in nav.iterfind(".//x:a", NS)]

    def landmarks(self) -> dict[str, str]:
        nav = next(el for el in self.nav.iterfind(".//x:nav", NS) if el.get(EPUB_TYPE) == "landmarks")
        return {a.get(EPUB_TYPE): a.get("href") for a in nav.iterfind(".//x:a", NS)}

    def spine_documents(self) -> list[str]:
        manifest = {item.get("id"): item.get("href") for item in self.opf.iterfind(".//opf:item", NS)}
        return [manifest[ref.get("idref")] for ref in self.opf.iterfind(".//opf:itemref", NS)]


def outline(pdf_path: Path) -> list[tuple[str, int]]:
    """(title, 1-based page) of each top-level bookmark."""
    with pikepdf.open(pdf_path) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        with pdf.open_outline() as tree:
            return [(item.title, pages[item.destination[0].objgen]) for item in tree.root]


def page_text(pdf_path: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf_path), "-"],
                          capture_output=True, text=True, check=True).stdout
