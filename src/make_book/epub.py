"""The EPUB 3 of a tome, packaged by ebooklib from the shared templates and stylesheet."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from ebooklib import epub
from markupsafe import Markup

from make_book.cover import cover_alt, cover_image
from make_book.fonts import FONT_TYPES, font_files, subset_font
from make_book.model import Book, PageMap, Tome, paragraph_id
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


def _documents(book: Book, tome: Tome, page_map: PageMap) -> list[Document]:
    page_of = page_map.sections
    macros = sections()
    meta = book.meta
    docs = [
        Document("cover", "Couverture", "frontmatter",
                 Markup(render("cover.xhtml.j2", image=_cover_name(tome), alt=cover_alt(meta, tome.config)))),
        Document("title-page", "Page de titre", "frontmatter",
                 macros.title_page(book, tome, page_of.get("title-page"))),
        Document("copyright", "Mentions légales", "frontmatter",
                 macros.copyright_page(book, tome, french_date(meta.date), page_of.get("copyright"))),
    ]
    docs += [Document(placed.anchor, placed.text.title, "bodymatter",
                      macros.text_section(placed, page_of.get(placed.anchor), page_map.paragraphs))
             for placed in tome.texts]
    if tome.contributors:
        docs.append(Document("contributors", "Index des contributeurs", "backmatter",
                             macros.contributors(tome, _href, page_of.get("contributors"))))
    return docs


def _page_list(tome: Tome, page_map: PageMap) -> list[tuple[str, int]]:
    """(target, page) for every print page the EPUB marks, in page order."""
    files = {"title-page": "title-page", "copyright": "copyright", "toc": "nav", "contributors": "contributors"}
    files |= {placed.anchor: placed.anchor for placed in tome.texts}
    entries = [(f"{files[anchor]}.xhtml#page-{page}", page) for anchor, page in page_map.sections.items()
               if anchor in files]
    texts = {paragraph_id(placed.anchor, number): placed.anchor for placed in tome.texts
             for number in range(1, len(placed.text.blocks) + 1)}
    entries += [(f"{texts[paragraph]}.xhtml#page-{page}", page)
                for paragraph, breaks in page_map.paragraphs.items() for _, page in breaks]
    return sorted(entries, key=lambda entry: entry[1])


def _xhtml(book: Book, title: str, matter: str, body: Markup) -> str:
    return render("epub_document.xhtml.j2", lang=book.meta.language, title=title, matter=matter, body=body)


class _Writer(epub.EpubWriter):
    def _write_opf_file(self, root):  # ebooklib gives no option for the package's xml:lang
        root.set(XML_LANG, self.book.language)
        super()._write_opf_file(root)


def build_epub(book: Book, tome: Tome, page_map: PageMap, modified: dt.datetime) -> bytes:
    """The EPUB's bytes: reproducible for the same inputs and `modified` time."""
    meta = book.meta
    package = epub.EpubBook()
    package.set_identifier(tome.config.identifier)
    package.set_title(f"{meta.title} — {tome.config.title}")
    package.set_language(meta.language)
    _add_metadata(package, book, tome, bool(page_map.pages))

    items: list[epub.EpubItem] = []
    documents = _documents(book, tome, page_map)
    pages = _page_list(tome, page_map)
    nav_body = Markup(render("nav.xhtml.j2", tome=tome, href=_href, page=page_map.sections.get("toc"),
                             page_list=pages))
    rendered = {doc.name: _xhtml(book, doc.title, doc.matter, doc.body) for doc in documents}
    rendered["nav"] = _xhtml(book, "Sommaire", "frontmatter", nav_body)
    for name in ["cover", "title-page", "copyright", "nav"] + [doc.name for doc in documents[3:]]:
        item = epub.EpubItem(uid=name, file_name=f"{name}.xhtml", media_type="application/xhtml+xml",
                             content=rendered[name].encode())
        if name == "nav":
            item.properties = ["nav"]
        items.append(item)
    package.spine = list(items)

    cover_data, cover_type = cover_image(meta, tome.config, book.styles_dir)
    cover = epub.EpubItem(uid="cover-image", file_name=_cover_name(tome), media_type=cover_type,
                          content=cover_data)
    cover.properties = ["cover-image"]
    used = "".join(sorted(set("".join(rendered.values()) + GENERATED_CONTENT)))
    resources = [cover, epub.EpubItem(uid="css", file_name="styles/book.css", media_type="text/css",
                                      content=(book.styles_dir / "book.css").read_bytes())]
    resources += [epub.EpubItem(uid=f"font-{path.stem}", file_name=f"styles/fonts/{path.name}",
                                media_type=FONT_TYPES[path.suffix.lower()], content=subset_font(path, used))
                  for path in font_files(book.styles_dir)]
    for item in items + resources:
        package.add_item(item)
    package.add_item(epub.EpubNcx())
    package.toc = [epub.Link(f"{doc.name}.xhtml", doc.title, f"ncx-{doc.name}") for doc in documents[1:3]] + \
        [epub.Link("nav.xhtml", "Sommaire", "ncx-nav")] + \
        [epub.Link(f"{placed.anchor}.xhtml", _toc_label(placed.text.title, placed.text.author),
                   f"ncx-{placed.anchor}") for placed in tome.texts] + \
        ([epub.Link("contributors.xhtml", "Index des contributeurs", "ncx-contributors")]
         if tome.contributors else [])

    buffer = io.BytesIO()
    writer = _Writer(buffer, package, {"epub3_pages": False, "epub3_landmark": False, "epub2_guide": False,
                                       "mtime": modified})
    writer.process()
    writer.write()
    return reproducible_zip(buffer.getvalue(), modified)


def _toc_label(title: str, author: str | None) -> str:
    return f"{title} — {author}" if author else title


def _cover_name(tome: Tome) -> str:
    image = tome.config.cover_image
    return "images/cover" + (image.suffix.lower() if image else ".png")


def _add_metadata(package: epub.EpubBook, book: Book, tome: Tome, has_pages: bool) -> None:
    meta = book.meta

    def prop(name: str, value: str, **attrs: str) -> None:
        package.add_metadata(None, "meta", value, {"property": name, **attrs})

    package.add_metadata("DC", "creator", meta.editor, {"id": "editor"})
    prop("role", "edt", refines="#editor", scheme="marc:relators")
    authors = [contributor.name for contributor in tome.contributors]
    for number, name in enumerate(authors, start=1):
        package.add_metadata("DC", "contributor", name, {"id": f"contributor-{number}"})
        prop("role", "aut", refines=f"#contributor-{number}", scheme="marc:relators")
    package.add_metadata("DC", "publisher", meta.publisher)
    package.add_metadata("DC", "date", meta.date.isoformat())
    package.add_metadata("DC", "rights", meta.rights)
    if meta.description:
        package.add_metadata("DC", "description", meta.description)
    for subject in meta.subjects:
        package.add_metadata("DC", "subject", subject)
    # The tomes as one series: EPUB 3 collection, and calibre's names, which more readers show.
    prop("belongs-to-collection", meta.title, id="series")
    prop("collection-type", "series", refines="#series")
    prop("group-position", str(tome.number), refines="#series")
    package.add_metadata(None, "meta", "", {"name": "calibre:series", "content": meta.title})
    package.add_metadata(None, "meta", "", {"name": "calibre:series_index", "content": str(tome.number)})
    # EPUB Accessibility 1.1
    for mode in ("textual", "visual"):
        prop("schema:accessMode", mode)
    prop("schema:accessModeSufficient", "textual")
    features = ["tableOfContents", "structuralNavigation", "readingOrder", "alternativeText"]
    if has_pages:
        features += ["printPageNumbers", "pageBreakMarkers", "pageNavigation"]
    for feature in features:
        prop("schema:accessibilityFeature", feature)
    prop("schema:accessibilityHazard", "none")
    prop("schema:accessibilitySummary",
         "Livre entièrement textuel, structuré par titres, avec table des matières, index des "
         "contributeurs et ordre de lecture logique. La couverture a une description textuelle."
         + (" Les numéros de page de l’édition imprimée sont repérés." if has_pages else ""))
    if has_pages:
        source = f"{meta.title}, {tome.config.title}, édition imprimée (PDF)"
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
