"""The jinja2 environment shared by every renderer: autoescaped, undefined variables are errors."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import jinja2
from markupsafe import Markup, escape

from make_book.model import paragraph_id, part_anchor

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
    env.filters["bidi"] = isolate_rtl
    return env


# Right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko… and their presentation forms). A run is
# from one right-to-left letter to the last one that follows it with only spaces, marks and
# punctuation between.
_RTL = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_RTL_RUN = re.compile(f"[{_RTL}](?:[{_RTL}\\s\u00a0\u202f\u200c\u200d.,;:!?'’\"«»()-]*[{_RTL}])?")


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
