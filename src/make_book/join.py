"""Chunks' PDFs (chunks.py) joined into the PDF one layout of the whole tome gives: the pages in order,
with a blank verso where a chunk would start on the left; the folios laid over from the folio sheets,
as artifacts; one structure tree (each page's and each link's key in the ParentTree renumbered as
WeasyPrint numbers them: pages first, then links); each named destination from the chunk that really
holds the anchor; the outline rebuilt from every chunk's bookmarks; one font per face; and the front
matter's page numbers written in (late_numbers.py)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem

from make_book.chunks import LaidChunk
from make_book.folios import BlankVerso, FolioSheet, sheet_start
from make_book.font_merge import merge_fonts
from make_book.late_numbers import write_numbers
from make_book.model import Edition, PageMap, Styles


@dataclass(frozen=True)
class JoinedLayout:
    """The chunks as a renderer asks a layout for its PDF: joined when first asked (an EPUB-only build
    never is)."""

    laid: tuple[LaidChunk, ...]
    sheets: tuple[FolioSheet, ...]
    blank: BlankVerso
    styles: Styles

    @property
    def pages(self) -> int:
        return first_pages(self.laid)[-1] - 1 + self.laid[-1].pages

    @cached_property
    def joined(self) -> bytes:
        return join(self.laid, self.sheets, self.blank, self.styles)

    def pdf(self, edition: Edition) -> bytes:
        return self.joined


def first_pages(laid: Sequence[LaidChunk]) -> tuple[int, ...]:
    """Each chunk's first page in the joined PDF: an odd number, a recto."""
    firsts, page = [], 1
    for chunk in laid:
        page += page % 2 == 0  # a blank verso before it
        firsts.append(page)
        page += chunk.pages
    return tuple(firsts)


def anchor_pages(laid: Sequence[LaidChunk]) -> dict[str, int]:
    return {anchor: first + page - 1 for chunk, first in zip(laid, first_pages(laid), strict=True)
            for anchor, page in chunk.anchors}


def joined_page_map(laid: Sequence[LaidChunk]) -> PageMap:
    sections, paragraphs = [], []
    for chunk, first in zip(laid, first_pages(laid), strict=True):
        sections += [(anchor, first + page - 1) for anchor, page in chunk.page_map.sections]
        paragraphs += [(name, tuple((offset, first + page - 1) for offset, page in breaks))
                       for name, breaks in chunk.page_map.paragraphs]
    return PageMap(tuple(sections), tuple(paragraphs))


def join(laid: Sequence[LaidChunk], sheets: Sequence[FolioSheet], blank: BlankVerso, styles: Styles) -> bytes:
    """`sheets`: the folio sheets of every chunk's pages (folios.folio_sheets_of); `blank`: the blank
    verso put wherever a chunk would start on the left; `styles`: the font files, each face embedded
    once (font_merge.py)."""
    out = pikepdf.open(io.BytesIO(laid[0].pdf))
    blank_source = pikepdf.open(io.BytesIO(blank.pdf))  # open until saved: streams are copied then
    blank_verso = _drawing(out, blank_source)
    folios = _Folios(out, sheets)
    document = out.Root.StructTreeRoot.K[0]
    page_elements: list[Array] = []
    links: list[pikepdf.Object] = []
    bookmarks: list[tuple[int, str, Array]] = []
    destinations: dict[str, Array] = {}
    pages = anchor_pages(laid)
    for chunk, first in zip(laid, first_pages(laid), strict=True):
        source = out if chunk is laid[0] else pikepdf.open(io.BytesIO(chunk.pdf))
        if chunk.late:
            write_numbers(source, chunk.late, pages)
        while len(out.pages) + 1 < first:
            page_elements.append(Array())
            # a page of its own for each (a page may appear once in the tree), sharing the drawing
            out.pages.append(pikepdf.Page(out.make_indirect(Dictionary({key: blank_verso[key]
                                                                         for key in blank_verso.keys()}))))
        start = first - 1
        if source is not out:
            tops = _detach_tops(source)
            with warnings.catch_warnings():  # named destinations: joined below
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                out.pages.extend(source.pages)
            for top in tops:
                out.copy_foreign(top).P = document
            # arrays copied whole (pikepdf copies indirect objects only), not item by item: a tenth of a
            # tome's join
            document.K.extend(out.copy_foreign(source.make_indirect(source.Root.StructTreeRoot.K[0].K)))
        nums = source.Root.StructTreeRoot.ParentTree.Nums
        for key, value in _numbers(nums if source is out else out.copy_foreign(source.make_indirect(nums))):
            if key < chunk.pages:
                page_elements.append(value)
            else:
                links.append(value)
        moved = _mover(out, source, start)
        for level, (title, target) in zip(chunk.bookmark_levels, _outline(source), strict=True):
            bookmarks.append((level, title, moved(target)))
        real = {anchor for anchor, _ in chunk.anchors}
        names = source.Root.get("/Names", Dictionary()).get("/Dests", Dictionary()).get("/Names", Array())
        destinations |= {str(names[i]): moved(names[i + 1]) for i in range(0, len(names), 2) if str(names[i]) in real}
        folios.lay_over(out.pages[start:start + chunk.pages], first, chunk)
    _number_structure(out, page_elements, links)
    merge_fonts(out, styles)
    if destinations:
        out.Root.Names = Dictionary(Dests=Dictionary(Names=Array(
            [item for name in sorted(destinations) for item in (pikepdf.String(name), destinations[name])])))
    with out.open_outline() as outline:
        outline.root.clear()
        outline.root.extend(_tree(bookmarks))
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()


def _drawing(out: pikepdf.Pdf, source: pikepdf.Pdf) -> Dictionary:
    """The first page of another PDF as what draws it (its content, resources and boxes), in `out`."""
    page = source.pages[0].obj
    drawing = source.make_indirect(Dictionary({key: page[key] for key in page.keys()
                                               if key not in ("/Parent", "/StructParents", "/Annots")}))
    return out.copy_foreign(drawing)


def _mover(out: pikepdf.Pdf, source: pikepdf.Pdf, start: int):
    """A destination on one of the chunk's pages, pointed at that page in the joined PDF."""
    local = {page.objgen: index for index, page in enumerate(source.pages)}

    def moved(target: Array) -> Array:
        return Array([out.pages[start + local[target[0].objgen]].obj, *list(target)[1:]])

    return moved


def _detach_tops(source: pikepdf.Pdf) -> list[pikepdf.Object]:
    """The structure elements whose parent is the chunk's Document element (its kids, and those of the
    margin boxes, which WeasyPrint keeps out of the tree), detached from it so that copying them does
    not copy the chunk's own tree root; the caller attaches them to the joined one."""
    document = source.Root.StructTreeRoot.K[0]
    root = document.objgen
    tops: dict[tuple[int, int], pikepdf.Object] = {kid.objgen: kid for kid in document.K}
    walked = set(tops)  # elements whose way up is known: a paragraph's lines stop at their paragraph
    for _, value in _numbers(source.Root.StructTreeRoot.ParentTree.Nums):
        for element in (value if isinstance(value, Array) else ()):
            path = []
            while element.objgen not in walked:
                path.append(element.objgen)
                parent = element.get("/P")
                if parent is None or parent.objgen == root:
                    tops[element.objgen] = element
                    break
                element = parent
            walked.update(path)
    found = list(tops.values())
    for element in found:
        element.P = Dictionary()  # a placeholder until the copy is attached
    return found


def _numbers(nums: Array) -> list[tuple[int, pikepdf.Object]]:
    """A number tree's (key, value) pairs (WeasyPrint writes one flat /Nums array)."""
    return [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]


class _Folios:
    """Each page with a folio gets the page of its name and number from the folio sheets drawn over
    it as a form, marked as an artifact (pagination, as PDF/UA asks), inside its own resources
    (WeasyPrint shares one dictionary)."""

    def __init__(self, out: pikepdf.Pdf, sheets: Sequence[FolioSheet]) -> None:
        self.out = out
        self.sheets = {(sheet.name, sheet.first): sheet for sheet in sheets}
        self.opened: dict[tuple[str, int], pikepdf.Pdf] = {}
        # the page's own drawing kept apart, then its folio: the same two streams for every page
        self.before = out.make_stream(b"q\n")
        self.after = out.make_stream(b"\nQ\n/Artifact BMC\nq /Folio Do Q\nEMC\n")

    def lay_over(self, pages: Sequence[pikepdf.Page], first: int, chunk: LaidChunk) -> None:
        for number, page, kind in zip(range(first, first + chunk.pages), pages, chunk.kinds, strict=True):
            if kind.blank:
                continue
            where = (kind.name, sheet_start(number))
            sheet = self.sheets[where]
            if not sheet.folios[number - sheet.first]:
                continue
            if where not in self.opened:
                self.opened[where] = pikepdf.open(io.BytesIO(sheet.pdf))
            self._stamp(page, self.opened[where].pages[number - sheet.first])

    def _stamp(self, page: pikepdf.Page, folio: pikepdf.Page) -> None:
        # a form of the sheet page's content, with the sheet's resources copied once (not a copy in
        # each form, as Page.as_form_xobject gives: 0.25 MB more in a 796-page tome)
        data = b"".join(stream.read_bytes() for stream in _streams(folio))
        form = self.out.make_stream(data, Type=Name.XObject, Subtype=Name.Form, BBox=Array(list(folio.mediabox)),
                                    Resources=self.out.copy_foreign(folio.obj.Resources))
        resources = Dictionary({key: value for key, value in page.obj.Resources.items()})
        resources.XObject = Dictionary({**dict(resources.get("/XObject", Dictionary()).items()), "/Folio": form})
        page.obj.Resources = resources
        page.obj.Contents = Array([self.before, *_streams(page), self.after])


def _streams(page: pikepdf.Page) -> list[pikepdf.Object]:
    """A page's content streams (its /Contents is one stream or an array of them)."""
    contents = page.obj.Contents
    return list(contents) if isinstance(contents, Array) else [contents]


def _number_structure(out: pikepdf.Pdf, page_elements: list[Array], links: list[pikepdf.Object]) -> None:
    nums: list = []  # one Array made at the end: growing a pikepdf Array item by item is quadratic
    for index, (page, elements) in enumerate(zip(out.pages, page_elements, strict=True)):
        page.obj.StructParents = index
        nums += [index, elements]
    for key, link in enumerate(links, start=len(out.pages)):
        link.StructParent = key
        nums += [key, link]
    out.Root.StructTreeRoot.ParentTree = out.make_indirect(Dictionary(Nums=Array(nums)))


def _outline(pdf: pikepdf.Pdf) -> list[tuple[str, Array]]:
    """The outline's entries in document order: (title, destination)."""
    found: list[tuple[str, Array]] = []

    def visit(items):
        for item in items:
            found.append((item.title, item.destination))
            visit(item.children)

    with pdf.open_outline() as outline:
        visit(outline.root)
    return found


def _tree(bookmarks: list[tuple[int, str, Array]]) -> list[OutlineItem]:
    """Bookmarks nested by level as WeasyPrint nests them: under the last one of a lower level."""
    root: list[OutlineItem] = []
    open_levels: list[tuple[int, list[OutlineItem]]] = [(0, root)]
    for level, label, target in bookmarks:
        while open_levels[-1][0] >= level:
            open_levels.pop()
        item = OutlineItem(label, destination=target)
        open_levels[-1][1].append(item)
        open_levels.append((level, item.children))
    return root
