"""Text widths as the PDF will set them: HarfBuzz (the shaper Pango, and so WeasyPrint, uses) on the
book's own font files, with the same default features (kerning, ligatures), at the paragraph's size.
Widths are in CSS pixels, WeasyPrint's unit; word spacing is the caller's (typeset.py)."""

from __future__ import annotations

import uharfbuzz as hb


class FaceMetrics:
    """One font file at one size: advance widths of text runs, cached."""

    def __init__(self, data: bytes, size: float, features: dict[str, int] | None = None) -> None:
        face = hb.Face(hb.Blob(data))
        self._font = hb.Font(face)
        self._scale = size / face.upem
        self._features = features or {}
        self._cmap = frozenset(face.unicodes)
        # A plain dict, not functools' cache on a bound method: no reference cycle, so the widths are
        # freed as soon as their setter is let go (typeset._setter), not at a later garbage collection.
        self._widths: dict[str, float] = {}

    def covers(self, text: str) -> bool:
        return self._cmap.issuperset(map(ord, text))

    def width(self, text: str) -> float:
        found = self._widths.get(text)
        if found is None:
            found = self._widths[text] = self._shaped_width(text)
        return found

    def _shaped_width(self, text: str) -> float:
        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        hb.shape(self._font, buffer, self._features)
        return sum(position.x_advance for position in buffer.glyph_positions) * self._scale
