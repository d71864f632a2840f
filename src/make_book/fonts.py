"""The book's fonts: the book font (book.css's @font-face rules) and the fallback chain book.toml names,
coverage of every character checked before rendering, subsets for the EPUB named as the CSS names them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

import uharfbuzz as hb
from fontTools.ttLib import TTFont

from make_book.errors import Diagnostic, MakeBookError
from make_book.model import Edition, Styles

# By suffix: the core media types Calibre's Check Book expects (it warns on font/otf and font/ttf);
# EPUBCheck accepts them all. OpenType covers TrueType outlines.
FONT_TYPES = {".otf": "application/vnd.ms-opentype", ".ttf": "application/vnd.ms-opentype",
              ".woff": "application/font-woff", ".woff2": "font/woff2"}
FALLBACK_STYLESHEET = "fallback.css"  # generated: the fallback faces and the family list that uses them
_CONTROL = re.compile(r"[\n\t]")
_FONT_FACE = re.compile(r"@font-face\s*\{([^}]*)\}")
_DESCRIPTOR = re.compile(r"""([\w-]+)\s*:\s*([^;]+)""")
_URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")


@dataclass(frozen=True)
class FontFace:
    family: str
    file: str  # path in the styles folder: "fonts/LinLibertine_R.otf"
    italic: bool = False
    bold: bool = False

    @property
    def subfamily(self) -> str:
        return " ".join(word for word, on in (("Bold", self.bold), ("Italic", self.italic)) if on) or "Regular"


@dataclass(frozen=True)
class FontChain:
    book: tuple[FontFace, ...]       # the book font's faces, from book.css
    fallback: tuple[FontFace, ...]   # one face per fallback font, in book.toml's order

    @property
    def family(self) -> str:
        return self.book[0].family


def font_chain(styles: Styles) -> FontChain:
    faces = []
    for rule in _FONT_FACE.finditer(styles.file("book.css").decode("utf-8")):
        descriptors = {name.lower(): value.strip() for name, value in _DESCRIPTOR.findall(rule.group(1))}
        source = _URL.search(descriptors.get("src", ""))
        if "font-family" in descriptors and source:
            faces.append(FontFace(descriptors["font-family"].strip("\"' "), source.group(1),
                                  descriptors.get("font-style", "normal") == "italic",
                                  descriptors.get("font-weight", "normal") in ("bold", "700")))
    if not faces or any(not styles.has(face.file) for face in faces):
        raise MakeBookError("book.css must declare the book font with @font-face rules whose src is a font "
                            "file in the styles folder", styles.folder / "book.css")
    family = faces[0].family
    fallback = tuple(FontFace(f"Book {_own_family(styles.file(f'fonts/{name}'))}", f"fonts/{name}")
                     for name in styles.fallback_fonts)
    return FontChain(tuple(face for face in faces if face.family == family), fallback)


def _own_family(data: bytes) -> str:
    names = TTFont(io.BytesIO(data), lazy=True)["name"]
    return str(names.getDebugName(16) or names.getDebugName(1))


def typeface_name(styles: Styles) -> str:
    """The book font's own name (not the CSS family), for the colophon: "Linux Libertine O"."""
    return _own_family(styles.file(font_chain(styles).book[0].file))


def fallback_css(chain: FontChain, faces: tuple[FontFace, ...], prefix: str = "") -> str:
    """The @font-face rules of `faces` and the family list with them after the book font; `prefix` is
    the path from the stylesheet to the styles folder."""
    if not faces:
        return ""
    rules = [f'@font-face {{ font-family: "{face.family}"; src: url("{prefix}{face.file}"); }}\n' for face in faces]
    families = ", ".join(f'"{family}"' for family in [chain.family] + [face.family for face in faces])
    return "".join(rules) + f"html, body {{ font-family: {families}, serif; }}\n"


@cache
def _cmap(data: bytes) -> frozenset[int]:
    return frozenset(TTFont(io.BytesIO(data), lazy=True).getBestCmap())


def _book_cover(styles: Styles, chain: FontChain) -> frozenset[int]:
    """Code points the book font has in every face the book sets text in: regular and italic (the
    styles set no bold; a character a bold face lacked would still come from the fallback fonts)."""
    faces = [face for face in chain.book if not face.bold] or list(chain.book)
    common = _cmap(styles.file(faces[0].file))
    for face in faces[1:]:
        common &= _cmap(styles.file(face.file))
    return common


def edition_strings(edition: Edition) -> Iterable[tuple[Path, int, str]]:
    """Every string of an edition that will be set in the book font, with where it comes from."""
    for placed in edition.texts:
        text = placed.text
        yield text.path, text.title_line, text.title + (text.author or "")
        for paragraph in text.paragraphs:
            yield text.path, paragraph.line, paragraph.plain


def fallback_faces_used(styles: Styles, characters: Iterable[str]) -> tuple[FontFace, ...]:
    """The fallback faces that set at least one of `characters` (each character goes to the first
    font of the chain that has it)."""
    chain = font_chain(styles)
    have = _book_cover(styles, chain)
    used = {_first_fallback(styles, chain, char) for char in set(characters) if ord(char) not in have}
    return tuple(face for face in chain.fallback if face in used)


def _first_fallback(styles: Styles, chain: FontChain, char: str) -> FontFace | None:
    return next((face for face in chain.fallback if ord(char) in _cmap(styles.file(face.file))), None)


def check_coverage(edition: Edition, styles: Styles) -> tuple[Diagnostic, ...]:
    """One warning for each character that a fallback font sets, where it first appears; an error
    naming every character that no font of the chain has."""
    chain = font_chain(styles)
    have = _book_cover(styles, chain)
    first_seen: dict[str, tuple[Path, int]] = {}
    for path, line, string in edition_strings(edition):
        for char in sorted(set(_CONTROL.sub("", string))):
            if ord(char) not in have and char not in first_seen:
                first_seen[char] = (path, line)
    missing = {char: where for char, where in first_seen.items() if not _first_fallback(styles, chain, char)}
    if missing:
        first = min(missing.values(), key=lambda where: (str(where[0]), where[1]))
        listed = ", ".join(f"U+{ord(char):04X} {char!r} ({path.name}:{line})"
                           for char, (path, line) in sorted(missing.items(), key=lambda item: item[1]))
        raise MakeBookError(f"no font of the book (the book font and its fallback fonts) has a glyph for "
                            f"{len(missing)} character(s): {listed}", *first)
    # One warning per line and fallback font, naming each character it sets there.
    grouped: dict[tuple[str, int, str], list[str]] = {}
    for char, (path, line) in first_seen.items():
        grouped.setdefault((str(path), line, _first_fallback(styles, chain, char).family), []).append(char)
    return tuple(Diagnostic(f"not in the book font, set in {family}: "
                            + ", ".join(f"U+{ord(char):04X} {char}" for char in sorted(chars)), path, line)
                 for (path, line, family), chars in sorted(grouped.items()))


def subset_font(data: bytes, characters: str, face: FontFace) -> bytes:
    """The font reduced to `characters` (and what its layout features reach from them: ligatures,
    small capitals), every feature, name and table kept, its name table saying the family the CSS
    gives it (Calibre warns when the two differ; the OFL wants a modified font renamed anyway).
    HarfBuzz's subsetter: fontTools' gave the same glyphs, outlines, widths and features in 20 to 40
    times the time (tome 1's EPUB: 1.66 s then, 0.72 s now)."""
    subset = hb.SubsetInput()
    subset.keep_everything()  # then only the characters': the .notdef outline, features, names, tables
    subset.unicode_set.clear()
    subset.unicode_set.update(map(ord, characters))
    subset.glyph_set.clear()
    subset.drop_table_tag_set.add(int.from_bytes(b"FFTM", "big"))  # FontForge timestamps: not needed
    # Keep head.modified (reproducible output); the bounding boxes of the full font still hold.
    font = TTFont(io.BytesIO(hb.subset(hb.Face(data), subset).blob.data), recalcTimestamp=False, recalcBBoxes=False)
    _rename(font, face)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _rename(font: TTFont, face: FontFace) -> None:
    postscript = re.sub(r"[^A-Za-z0-9]", "", face.family) + "-" + face.subfamily.replace(" ", "")
    names = font["name"]
    names.names = [record for record in names.names if record.nameID not in (1, 2, 3, 4, 6, 16, 17, 21, 22)]
    for name_id, value in ((1, face.family), (2, face.subfamily), (3, postscript),
                           (4, f"{face.family} {face.subfamily}"), (6, postscript)):
        names.setName(value, name_id, 3, 1, 0x409)  # Windows, Unicode BMP, English
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [postscript]
        top = cff.topDictIndex[0]
        top.FamilyName, top.FullName = face.family, f"{face.family} {face.subfamily}"
