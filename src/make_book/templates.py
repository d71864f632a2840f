"""The jinja2 environment shared by every renderer: autoescaped, undefined variables are errors."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import jinja2
from markupsafe import Markup, escape

from make_book.model import PRINT_PARAGRAPH_ATTRIBUTE, paragraph_id, part_anchor

FRENCH_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                 "octobre", "novembre", "décembre")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("make_book", "templates"),
        autoescape=True,                      # manuscript text is never markup: `<script>` stays text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["paragraph_id"] = paragraph_id
    env.globals["part_anchor"] = part_anchor
    env.globals["print_paragraph_attribute"] = PRINT_PARAGRAPH_ATTRIBUTE
    env.filters["bidi"] = isolate_rtl
    env.filters["inline"] = inline_text
    return env


# Right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko… and their presentation forms). A run is
# from one right-to-left letter to the last one that follows it with only spaces, marks and
# punctuation between.
_RTL = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_RTL_RUN = re.compile(f"[{_RTL}](?:[{_RTL}\\s\u00a0\u202f\u200c\u200d.,;:!?'’\"«»()-]*[{_RTL}])?")


# A dash held to the next word by a no-break space: WeasyPrint breaks at that space when the word does
# not fit and it tries to hyphenate it ("congé. –" ending a line, the word alone on the next).
_HELD_DASH = re.compile("[—–]\u00a0\\S+")


def inline_text(text: str) -> Markup:
    """Paragraph text, escaped: right-to-left runs isolated, and a dash held to its word kept on one
    line (`white-space: nowrap`), as the no-break space says."""
    pieces, position = [], 0
    for held in _HELD_DASH.finditer(text):
        pieces += [isolate_rtl(text[position:held.start()]), Markup('<span class="nobreak">'),
                   isolate_rtl(held.group()), Markup("</span>")]
        position = held.end()
    pieces.append(isolate_rtl(text[position:]))
    return Markup("").join(pieces)


def isolate_rtl(text: str) -> Markup:
    """The text, escaped, with each right-to-left run in a `<bdi>`: an Arabic or Hebrew quotation is
    set right to left without reordering the French sentence around it."""
    pieces, position = [], 0
    for run in _RTL_RUN.finditer(text):
        pieces += [escape(text[position:run.start()]), Markup("<bdi>"), escape(run.group()), Markup("</bdi>")]
        position = run.end()
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)


def sections():
    """The section macros of sections.html.j2, to call from Python."""
    return environment().get_template("sections.html.j2").module


def french_date(date: dt.date) -> str:
    day = "1er" if date.day == 1 else str(date.day)
    return f"{day} {FRENCH_MONTHS[date.month - 1]} {date.year}"
