"""One embedded font per face in a joined PDF (join.py), as one layout of the whole tome has.

Each chunk's PDF embeds its own subset of every face it sets (and each folio sheet its digits): joined
as they are, a 796-page tome carried 37 fonts for 2 faces, 0.6 MB of font programs. WeasyPrint keeps
the font's own glyph ids when it subsets (HarfBuzz's RETAIN_GIDS), so the subsets of one face differ
only in which glyphs they hold: the face's file from the styles folder is subset once more to every
glyph any of them uses, their widths and Unicode maps are merged, and every page points at that one
font. A face whose file is not found (or whose fonts are not of the kind WeasyPrint writes) is left
as it is."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping

import pikepdf
import uharfbuzz as hb
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name

from make_book.model import Styles

_FONT_SUFFIXES = (".otf", ".ttf")
_SUBSET_TAG = re.compile(r"^/?[A-Z]{6}\+")
_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def merge_fonts(pdf: pikepdf.Pdf, styles: Styles) -> None:
    faces: dict[tuple[str, str], list[pikepdf.Object]] = {}  # by name and the face file's own name
    for font in _fonts(pdf):
        if _mergeable(font):
            face = (_SUBSET_TAG.sub("", str(font.BaseFont)), _postscript_name(_program(font).read_bytes()))
            faces.setdefault(face, []).append(font)
    shared = {face: fonts for face, fonts in faces.items() if len(fonts) > 1}
    files = _font_files(styles) if shared else {}
    for (_, postscript_name), fonts in shared.items():
        if postscript_name in files:
            _point_at(pdf, {font.objgen for font in fonts}, _merged(pdf, fonts, files[postscript_name]))


def _font_files(styles: Styles) -> dict[str, bytes]:
    """The styles folder's font files by their PostScript name, the name a subset keeps."""
    named = ((_postscript_name(data), data) for name, data in styles.files if name.lower().endswith(_FONT_SUFFIXES))
    return {postscript_name: data for postscript_name, data in named if postscript_name}


def _postscript_name(data: bytes) -> str:
    try:
        return str(TTFont(io.BytesIO(data), lazy=True)["name"].getDebugName(6))
    except Exception:  # not a font fontTools reads: never merged
        return ""


def _fonts(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    """Every distinct font the pages and their forms (the folios) use."""
    seen: set[tuple[int, int]] = set()
    for resources in _resources(pdf):
        for font in resources.get("/Font", Dictionary()).values():
            if font.is_indirect and font.objgen not in seen:
                seen.add(font.objgen)
                yield font


def _resources(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        stack = [page.obj.get("/Resources", Dictionary())]
        while stack:
            resources = stack.pop()
            if resources.is_indirect:  # shared by a chunk's pages: once (a direct one is a page's own)
                if resources.objgen in seen:
                    continue
                seen.add(resources.objgen)
            yield resources
            stack += [form.Resources for form in resources.get("/XObject", Dictionary()).values()
                      if form.get("/Subtype") == Name.Form and "/Resources" in form]


def _mergeable(font: pikepdf.Object) -> bool:
    """A Type 0 font over one CID font with glyph ids as CIDs, and a Unicode map of single codes."""
    if font.get("/Subtype") != Name.Type0 or len(font.get("/DescendantFonts", Array())) != 1:
        return False
    cid_font = font.DescendantFonts[0]
    return (cid_font.get("/CIDToGIDMap", Name.Identity) == Name.Identity and "/ToUnicode" in font
            and b"beginbfrange" not in font.ToUnicode.read_bytes() and _program(font) is not None)


def _program(font: pikepdf.Object) -> pikepdf.Object | None:
    descriptor = font.DescendantFonts[0].FontDescriptor
    return descriptor.get("/FontFile3", descriptor.get("/FontFile2"))


def _merged(pdf: pikepdf.Pdf, fonts: list[pikepdf.Object], program: bytes) -> pikepdf.Object:
    widths: dict[int, float] = {}
    unicode: dict[int, bytes] = {}
    for font in reversed(fonts):  # where two maps differ (they should not), the first font's wins
        widths |= dict(_widths(font.DescendantFonts[0].get("/W", Array())))
        unicode |= {int(glyph, 16): text for glyph, text in _BFCHAR.findall(font.ToUnicode.read_bytes())}
    first = fonts[0]
    cid_font = _copy(first.DescendantFonts[0])
    descriptor = _copy(cid_font.FontDescriptor)
    kind = "/FontFile3" if "/FontFile3" in descriptor else "/FontFile2"
    data = _subset(program, set(widths) | set(unicode) | {0})
    stream = pdf.make_stream(data)
    if kind == "/FontFile3":
        stream.Subtype = _program(first).Subtype  # /OpenType
    else:
        stream.Length1 = len(data)
    descriptor[kind] = stream
    cid_font.FontDescriptor = pdf.make_indirect(descriptor)
    cid_font.W = _widths_array(widths)
    merged = _copy(first)
    merged.DescendantFonts = Array([pdf.make_indirect(cid_font)])
    merged.ToUnicode = pdf.make_stream(_to_unicode(unicode))
    return pdf.make_indirect(merged)


def _copy(dictionary: pikepdf.Object) -> pikepdf.Dictionary:
    return Dictionary({key: value for key, value in dictionary.items()})


def _widths(array: pikepdf.Array) -> Iterator[tuple[int, float]]:
    """A CID font's /W: `c [w1 w2 …]` or `c_first c_last w`."""
    items = list(array)
    index = 0
    while index < len(items):
        start = int(items[index])
        if isinstance(items[index + 1], Array):
            yield from ((start + offset, float(width)) for offset, width in enumerate(items[index + 1]))
            index += 2
        else:
            yield from ((glyph, float(items[index + 2])) for glyph in range(start, int(items[index + 1]) + 1))
            index += 3


def _widths_array(widths: Mapping[int, float]) -> pikepdf.Array:
    """Runs of consecutive glyph ids, each `c [w1 w2 …]`."""
    runs: list[list] = []
    for glyph in sorted(widths):
        if runs and runs[-1][0] + len(runs[-1][1]) == glyph:
            runs[-1][1].append(widths[glyph])
        else:
            runs.append([glyph, [widths[glyph]]])
    return Array([item for start, run in runs for item in (start, Array(run))])


def _to_unicode(unicode: Mapping[int, bytes]) -> bytes:
    """A ToUnicode CMap as WeasyPrint writes it: bfchar entries, a hundred at a time."""
    items = sorted(unicode.items())
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def", b"1 begincodespacerange",
             b"<0000> <ffff>", b"endcodespacerange"]
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [b"<%04x> <%s>" % (glyph, text) for glyph, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _subset(program: bytes, glyphs: set[int]) -> bytes:
    """The face's file with only these glyphs, each at its own id: HarfBuzz's subsetter with the flags
    WeasyPrint gives it, less the layout closure (the text is shaped: no other glyph is needed)."""
    subset = hb.SubsetInput()
    subset.glyph_set.update(glyphs)
    subset.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                    | hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NOTDEF_OUTLINE
                    | hb.SubsetFlags.NO_LAYOUT_CLOSURE)
    return hb.subset(hb.Face(program), subset).blob.data


def _point_at(pdf: pikepdf.Pdf, old: set[tuple[int, int]], merged: pikepdf.Object) -> None:
    for resources in _resources(pdf):
        fonts = resources.get("/Font")
        if fonts is None:
            continue
        for name, font in list(fonts.items()):
            if font.objgen in old:
                fonts[name] = merged
