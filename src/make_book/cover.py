"""A generated cover, when book.toml gives no image: title, tome and editor on a plain colour."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from make_book.model import Book, Tome

WIDTH, HEIGHT = 1600, 2560


def cover_png(book: Book, tome: Tome, font_path: Path) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), book.meta.cover_color)
    draw = ImageDraw.Draw(image)
    ink = _ink_for(book.meta.cover_color)
    title_font = ImageFont.truetype(str(font_path), 150)
    small_font = ImageFont.truetype(str(font_path), 80)
    y = 620
    for line in textwrap.wrap(book.meta.title, width=16):
        draw.text((WIDTH / 2, y), line, font=title_font, fill=ink, anchor="mm")
        y += 190
    draw.line((WIDTH / 2 - 250, y + 40, WIDTH / 2 + 250, y + 40), fill=ink, width=6)
    draw.text((WIDTH / 2, y + 220), tome.config.title, font=small_font, fill=ink, anchor="mm")
    draw.text((WIDTH / 2, HEIGHT - 300), book.meta.editor, font=small_font, fill=ink, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _ink_for(colour: str) -> str:
    """White on dark backgrounds, near-black on light ones (contrast for the download page too)."""
    red, green, blue = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return "#ffffff" if 0.299 * red + 0.587 * green + 0.114 * blue < 150 else "#111111"


def cover_alt(book: Book, tome: Tome) -> str:
    return f"Couverture : {book.meta.title}, {tome.config.title}, sous la direction de {book.meta.editor}"
