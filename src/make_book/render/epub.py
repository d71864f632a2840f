"""The EPUB 3 of an edition, packaged by ebooklib from the shared templates and stylesheet."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from ebooklib import epub
from markupsafe import Markup

from make_book.config import PdfOptions
from make_book.cover import cover_alt, cover_image
from make_book.fonts import FALLBACK_STYLESHEET, FONT_TYPES, fallback_css, fallback_faces_used, font_chain, subset_font
from make_book.model import Edition, OutputFile, PageMap, PlacedText, Styles, paragraph_id, part_anchor
from make_book.render.base import RenderJob
from make_book.templates import french_date, render, sections

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATED_CONTENT = "⁂"  # characters the stylesheet adds (section breaks)


@dataclass(frozen=True)
class Document:
    """One XHTML file of the EPUB."""

    name: str
    title: str
    matter: str
    body: Markup


def _href(anchor: str) -> str:
    return f"{anchor}.xhtml"


@dataclass(frozen=True)
class Documents:
    """The spine, by part: the front matter before the nav, the rest after it."""

    front: tuple[Document, ...]
    rest: tuple[Document, ...]


def _documents(edition: Edition, page_map: PageMap) -> Documents:
    macros = sections()
    meta = edition.meta
    front = (
        Document("cover", "Couverture", "frontmatter",
                 Markup(render("cover.xhtml.j2", image=_cover_name(edition), alt=cover_alt(meta, edition.title)))),
        Document("title-page", "Page de titre", "frontmatter",
                 macros.title_page(edition, page_map.section("title-page"))),
        Document("copyright", "Mentions légales", "frontmatter",
                 macros.copyright_page(edition, french_date(meta.date), page_map.section("copyright"))),
    )
    rest: tuple[Document, ...] = ()
    for tome in edition.tomes:
        if edition.is_omnibus:
            anchor = part_anchor(tome)
            rest += (Document(anchor, tome.config.title, "bodymatter",
                              macros.part_title(tome, page_map.section(anchor))),)
        rest += tuple(Document(placed.anchor, placed.text.title, "bodymatter",
                               macros.text_section(placed, page_map.section(placed.anchor), page_map.breaks))
                      for placed in tome.texts)
    if edition.contributors:
        rest += (Document("contributors", "Index des contributeurs", "backmatter",
                          macros.contributors(edition, _href, page_map.section("contributors"))),)
    return Documents(front, rest)


def _page_list(edition: Edition, page_map: PageMap) -> list[tuple[str, int]]:
    """(target, page) for every print page the EPUB marks, in page order."""
    files = {"title-page": "title-page", "copyright": "copyright", "toc": "nav", "contributors": "contributors"}
    files |= {placed.anchor: placed.anchor for placed in edition.texts}
    files |= {part_anchor(tome): part_anchor(tome) for tome in edition.tomes}
    entries = [(f"{files[anchor]}.xhtml#page-{page}", page) for anchor, page in page_map.sections
               if anchor in files]
    texts = {paragraph_id(placed.anchor, number): placed.anchor for placed in edition.texts
             for number in range(1, len(placed.text.blocks) + 1)}
    entries += [(f"{texts[paragraph]}.xhtml#page-{page}", page)
                for paragraph, breaks in page_map.paragraphs for _, page in breaks]
    return sorted(entries, key=lambda entry: entry[1])


def _xhtml(edition: Edition, doc: Document, stylesheets: tuple[str, ...]) -> str:
    return render("epub_document.xhtml.j2", lang=edition.meta.language, title=doc.title, matter=doc.matter,
                  body=doc.body, stylesheets=stylesheets)


class _Writer(epub.EpubWriter):
    def _write_opf_file(self, root):  # ebooklib gives no option for the package's xml:lang
        root.set(XML_LANG, self.book.language)
        super()._write_opf_file(root)


class EpubRenderer:
    name, suffix, label = "epub", ".epub", "l’EPUB (liseuses, tablettes)"
    needs_layout, for_printer, validator = True, False, "epub"  # the layout gives the page-list
    weight = 1  # 0.4-0.7 s for an 800-page tome of the benchmark corpus, its PDF's join 1.0-1.6 s

    def selected(self, formats: tuple[str, ...], pdf: PdfOptions) -> bool:
        return self.name in formats

    def render(self, job: RenderJob) -> tuple[OutputFile, ...]:
        return (OutputFile(job.stem + self.suffix, build_epub(job.edition, job.styles, job.page_map,
                                                               job.timestamp)),)


def build_epub(edition: Edition, styles: Styles, page_map: PageMap, modified: dt.datetime) -> bytes:
    """The EPUB's bytes: reproducible for the same inputs and `modified` time."""
    meta = edition.meta
    package = epub.EpubBook()
    package.set_identifier(edition.identifier)
    package.set_title(f"{meta.title} — {edition.title}")
    package.set_language(meta.language)
    _add_metadata(package, edition, bool(page_map.pages))

    documents = _documents(edition, page_map)
    pages = _page_list(edition, page_map)
    nav_body = Markup(render("nav.xhtml.j2", edition=edition, href=_href, page=page_map.section("toc"),
                             page_list=pages))
    nav = Document("nav", "Sommaire", "frontmatter", nav_body)
    spine = documents.front + (nav,) + documents.rest
    # Every character set in the book's fonts: each font is subset to it, and a fallback font is
    # embedded (with its stylesheet) only when a text uses it.
    used = "".join(sorted(set("".join(doc.title + doc.body for doc in spine) + GENERATED_CONTENT)))
    chain = font_chain(styles)
    fallback = fallback_faces_used(styles, used)
    stylesheets = ("styles/book.css",) + ((f"styles/{FALLBACK_STYLESHEET}",) if fallback else ())
    items: list[epub.EpubItem] = []
    for doc in spine:
        item = epub.EpubItem(uid=doc.name, file_name=f"{doc.name}.xhtml", media_type="application/xhtml+xml",
                             content=_xhtml(edition, doc, stylesheets).encode())
        if doc is nav:
            item.properties = ["nav"]
        items.append(item)
    package.spine = list(items)

    cover_data = cover_image(meta, edition.title, edition.cover, styles)
    cover = epub.EpubItem(uid="cover-image", file_name=_cover_name(edition), media_type=cover_data.media_type,
                          content=cover_data.data)
    cover.properties = ["cover-image"]
    resources = [cover, epub.EpubItem(uid="css", file_name="styles/book.css", media_type="text/css",
                                      content=styles.file("book.css"))]
    if fallback:
        resources.append(epub.EpubItem(uid="css-fallback", file_name=f"styles/{FALLBACK_STYLESHEET}",
                                       media_type="text/css", content=fallback_css(chain, fallback).encode()))
    resources += [epub.EpubItem(uid=f"font-{PurePosixPath(face.file).stem}", file_name=f"styles/{face.file}",
                                media_type=FONT_TYPES[PurePosixPath(face.file).suffix.lower()],
                                content=subset_font(styles.file(face.file), used, face))
                  for face in chain.book + fallback]
    for item in items + resources:
        package.add_item(item)
    package.add_item(epub.EpubNcx())
    package.toc = [epub.Link(f"{doc.name}.xhtml", doc.title, f"ncx-{doc.name}") for doc in documents.front[1:]] + \
        [epub.Link("nav.xhtml", "Sommaire", "ncx-nav")] + _ncx_texts(edition) + \
        ([epub.Link("contributors.xhtml", "Index des contributeurs", "ncx-contributors")]
         if edition.contributors else [])

    buffer = io.BytesIO()
    writer = _Writer(buffer, package, {"epub3_pages": False, "epub3_landmark": False, "epub2_guide": False,
                                       "mtime": modified})
    writer.process()
    writer.write()
    return reproducible_zip(buffer.getvalue(), modified)


def _ncx_texts(edition: Edition) -> list:
    """The NCX's entries for the texts: one level for a tome, tome then text for the omnibus."""
    def links(texts: tuple[PlacedText, ...]) -> list[epub.Link]:
        return [epub.Link(f"{placed.anchor}.xhtml", _toc_label(placed.text.title, placed.text.author),
                          f"ncx-{placed.anchor}") for placed in texts]
    if not edition.is_omnibus:
        return links(edition.texts)
    return [(epub.Section(tome.config.title, f"{part_anchor(tome)}.xhtml"), links(tome.texts))
            for tome in edition.tomes]


def _toc_label(title: str, author: str | None) -> str:
    return f"{title} — {author}" if author else title


def _cover_name(edition: Edition) -> str:
    jpeg = edition.cover and edition.cover.media_type == "image/jpeg"
    return "images/cover" + (".jpg" if jpeg else ".png")


def _add_metadata(package: epub.EpubBook, edition: Edition, has_pages: bool) -> None:
    meta = edition.meta

    def prop(name: str, value: str, **attrs: str) -> None:
        package.add_metadata(None, "meta", value, {"property": name, **attrs})

    # Library views build the author line from roles: a creator with the editor role (`edt`) and
    # contributors as authors (`aut`) make foliate-js and Readium list every contributor, or nobody.
    # The collective as creator with no role, and the contributors as `ctb`, show "the collective"
    # everywhere, Calibre included; the editor's role stays on the title page ("Sous la direction de").
    package.add_metadata("DC", "creator", meta.editor, {"id": "editor"})
    authors = [contributor.name for contributor in edition.contributors]
    for number, name in enumerate(authors, start=1):
        package.add_metadata("DC", "contributor", name, {"id": f"contributor-{number}"})
        prop("role", "ctb", refines=f"#contributor-{number}", scheme="marc:relators")
    package.add_metadata("DC", "publisher", meta.publisher)
    package.add_metadata("DC", "date", meta.date.isoformat())
    package.add_metadata("DC", "rights", meta.rights)
    if meta.description:
        package.add_metadata("DC", "description", meta.description)
    for subject in meta.subjects:
        package.add_metadata("DC", "subject", subject)
    # The tomes as one series: EPUB 3 collection, and calibre's names, which more readers show. The
    # omnibus is the whole series, not a position in it: it declares none (a collection without a
    # position reads as "tome 1" in Calibre).
    if edition.number is not None:
        prop("belongs-to-collection", meta.title, id="series")
        prop("collection-type", "series", refines="#series")
        prop("group-position", str(edition.number), refines="#series")
        package.add_metadata(None, "meta", "", {"name": "calibre:series", "content": meta.title})
        package.add_metadata(None, "meta", "", {"name": "calibre:series_index", "content": str(edition.number)})
    # EPUB Accessibility 1.1
    for mode in ("textual", "visual"):
        prop("schema:accessMode", mode)
    prop("schema:accessModeSufficient", "textual")
    features = ["tableOfContents", "structuralNavigation", "readingOrder", "alternativeText"]
    if has_pages:
        features += ["printPageNumbers", "pageBreakMarkers", "pageNavigation"]
    for feature in features:
        prop("schema:accessibilityFeature", feature)
    # The three explicit values, not `none`: Readium's navigator fails on a single value ("hazard.map
    # is not a function").
    for hazard in ("noFlashingHazard", "noMotionSimulationHazard", "noSoundHazard"):
        prop("schema:accessibilityHazard", hazard)
    prop("schema:accessibilitySummary",
         "Livre entièrement textuel, structuré par titres, avec table des matières, index des "
         "contributeurs et ordre de lecture logique. La couverture a une description textuelle."
         + (" Les numéros de page de l’édition imprimée sont repérés." if has_pages else ""))
    if has_pages:
        source = f"{meta.title}, {edition.title}, édition imprimée (PDF)"
        package.add_metadata("DC", "source", source)
        prop("pageBreakSource", source)  # EPUBCheck 5 knows it unprefixed


def reproducible_zip(data: bytes, modified: dt.datetime) -> bytes:
    """The same archive with fixed entry times and sorted entries, `mimetype` first and stored."""
    stamp = max(modified, dt.datetime(1980, 1, 1, tzinfo=modified.tzinfo)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        names = sorted(source.namelist(), key=lambda name: (name != "mimetype", name))
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            target.writestr(info, source.read(name), compresslevel=9)
    return out.getvalue()
