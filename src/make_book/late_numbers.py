"""The front matter's page numbers written in after its layout: its TOC laid out once, before the texts'
pages are known, and the numbers put into its PDF when the join knows them.

The front matter (chunks.py) is laid out with a placeholder for each page number it shows of another
chunk: three digits, which together hold every digit, so that the font subset has them all. Where each
number sits in a box of its own width (print.css: TeX's `\\@pnumwidth`), its layout depends on no
number; `slots` finds those boxes in WeasyPrint's pages, `late_numbers` checks in the chunk's PDF that
each placeholder is drawn as one glyph a digit, of one width (tabular figures), and learns each digit's
glyph; `write_numbers` draws the real numbers there, aligned in their box as WeasyPrint aligns them.
Where any of that does not hold (a stylesheet's number inline with its leader, proportional figures),
the front matter is laid out with the numbers written in (chunks.py), as before.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import pikepdf
from weasyprint.formatting_structure.boxes import InlineBlockBox, TextBox

DIGITS = "0123456789"
PLACEHOLDER_DIGITS = 3
# A text run as WeasyPrint writes it: its text matrix, its font and size, its glyphs (four hex digits
# each, every one followed by its adjustment).
_RUN = re.compile(rb"1 0 0 -1 (\S+) (\S+) Tm\n/(\S+) (\S+) Tf\n\[((?:<[0-9a-f]{4}>-?[\d.]+)*)\] TJ")
_GLYPH = re.compile(rb"<([0-9a-f]{4})>(-?[\d.]+)")
_SAME_PLACE = 1e-4  # of a CSS pixel: WeasyPrint writes positions to six decimals


def placeholders(targets: Sequence[str]) -> dict[str, str]:
    """A placeholder for each target, in order: the first four hold every digit."""
    digits = itertools.cycle(DIGITS)
    return {target: "".join(itertools.islice(digits, PLACEHOLDER_DIGITS)) for target in targets}


@dataclass(frozen=True)
class Slot:
    """Where a page number is drawn: on the chunk's page `page` (from 0), in a box from `left`, `width`
    wide, its text at `y` (the placeholder's at `x`), flush right or left in it."""

    target: str
    page: int
    x: float
    y: float
    left: float
    width: float
    advance: float   # a digit's width, as Pango measured the placeholder
    flush_right: bool


@dataclass(frozen=True)
class LateNumbers:
    """The slots, and each font's digits as glyphs (hex, as the PDF draws them)."""

    slots: tuple[Slot, ...]
    fonts: tuple[str, ...]                     # each slot's font, by its resource name
    glyphs: tuple[tuple[str, str], ...]        # (font, the glyphs of 0-9, four hex digits each)


def slots(document: object, shown: Mapping[str, str]) -> tuple[Slot, ...] | None:
    """The slot of each placeholder the pages show (`shown`: by target), or None when one is not alone
    in a box of a set width (its own width would move what follows it)."""
    found = []
    for number, page in enumerate(document.pages):
        for box, target in _generated(page._page_box, shown):
            texts = [child for child in box.descendants() if isinstance(child, TextBox)]
            if not any(shown[target] in text.text for text in texts):
                continue
            align = box.style["text_align_all"]
            if (len(texts) != 1 or texts[0].text != shown[target] or not isinstance(box, InlineBlockBox)
                    or box.style["width"] == "auto" or box.style["direction"] != "ltr"
                    or align not in ("left", "start", "right", "end")):
                return None
            text = texts[0]
            found.append(Slot(target, number, text.position_x, text.position_y + text.baseline,
                              box.content_box_x(), box.width, text.width / len(text.text),
                              align in ("right", "end")))
    return tuple(found)


def _generated(box: object, shown: Mapping[str, str]) -> Iterator[tuple[object, str]]:
    """The boxes of a link's `::before` and `::after` (each whole, not the boxes inside it), with the
    link's target, for the links to the targets `shown`."""
    element = box.element
    if element is not None and (box.element_tag or "").endswith(("::before", "::after")):
        target = (element.get("href") or "").removeprefix("#")
        if target in shown:
            yield box, target
            return
    for child in getattr(box, "children", ()):
        yield from _generated(child, shown)


def late_numbers(pdf: bytes, found: tuple[Slot, ...], shown: Mapping[str, str]) -> LateNumbers | None:
    """The slots with their fonts and each font's digit glyphs, or None when a placeholder is not drawn
    as one glyph a digit, all of one width, or a font used lacks a digit."""
    digit_glyphs: dict[str, dict[str, bytes]] = {}
    fonts = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        runs = {number: list(_RUN.finditer(_content(document.pages[number]))) for number in {slot.page for slot in found}}
        widths = {}
        for slot in found:
            run = next((match for match in runs[slot.page] if _at(match, slot.x, slot.y)), None)
            if run is None:
                return None
            glyphs = _GLYPH.findall(run[5])
            placeholder = shown[slot.target]
            if len(glyphs) != len(placeholder) or any(float(adjust) for _, adjust in glyphs):
                return None
            font = run[3].decode()
            known = digit_glyphs.setdefault(font, {})
            for digit, (glyph, _) in zip(placeholder, glyphs, strict=True):
                if known.setdefault(digit, glyph) != glyph:
                    return None
            fonts.append(font)
            if font not in widths:
                widths[font] = _widths(document.pages[slot.page].Resources.Font[f"/{font}"])
    for font, known in digit_glyphs.items():
        if set(known) != set(DIGITS) or len({widths[font].get(int(glyph, 16)) for glyph in known.values()}) != 1:
            return None
    return LateNumbers(found, tuple(fonts), tuple((font, b"".join(known[digit] for digit in DIGITS).decode())
                                                  for font, known in sorted(digit_glyphs.items())))


def write_numbers(pdf: pikepdf.Pdf, late: LateNumbers, pages: Mapping[str, int]) -> None:
    """Each slot's number drawn instead of its placeholder, on the front matter's pages of `pdf`."""
    glyphs = {font: [digits[index:index + 4] for index in range(0, 40, 4)] for font, digits in late.glyphs}
    by_page: dict[int, list[tuple[Slot, str]]] = {}
    for slot, font in zip(late.slots, late.fonts, strict=True):
        by_page.setdefault(slot.page, []).append((slot, font))
    for number, placed in by_page.items():
        page = pdf.pages[number]
        content = _content(page)
        pieces, start = [], 0
        for match in _RUN.finditer(content):
            slot_font = next(((slot, font) for slot, font in placed if _at(match, slot.x, slot.y)), None)
            if slot_font is None:
                continue
            slot, font = slot_font
            text = str(pages[slot.target])
            width = len(text) * slot.advance
            x = slot.left + (slot.width - width if slot.flush_right and width < slot.width else 0)
            drawn = "".join(f"<{glyphs[font][int(digit)]}>0" for digit in text)
            pieces += [content[start:match.start()],
                       f"1 0 0 -1 {x:f} ".encode() + match[2] + b" Tm\n/" + match[3] + b" " + match[4]
                       + f" Tf\n[{drawn}] TJ".encode()]
            start = match.end()
        page.obj.Contents = pdf.make_stream(b"".join(pieces) + content[start:])


def _at(run: re.Match, x: float, y: float) -> bool:
    return abs(float(run[1]) - x) < _SAME_PLACE and abs(float(run[2]) - y) < _SAME_PLACE


def _content(page: pikepdf.Page) -> bytes:
    contents = page.obj.Contents
    if isinstance(contents, pikepdf.Array):
        return b"".join(stream.read_bytes() for stream in contents)
    return contents.read_bytes()


def _widths(font: pikepdf.Object) -> dict[int, float]:
    """A composite font's glyph widths (its /W: `first [w w …]` or `first last w`)."""
    items = list(font.DescendantFonts[0].get("/W", pikepdf.Array()))
    widths, index = {}, 0
    while index < len(items):
        first = int(items[index])
        if isinstance(items[index + 1], pikepdf.Array):
            widths |= {first + offset: float(width) for offset, width in enumerate(items[index + 1])}
            index += 2
        else:
            widths |= {glyph: float(items[index + 2]) for glyph in range(first, int(items[index + 1]) + 1)}
            index += 3
    return widths
