"""The jinja2 environment shared by every renderer: autoescaped, undefined variables are errors."""

from __future__ import annotations

import datetime as dt
from functools import cache

import jinja2

from make_book.model import paragraph_id

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
    return env


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)


def sections():
    """The section macros of sections.html.j2, to call from Python."""
    return environment().get_template("sections.html.j2").module


def french_date(date: dt.date) -> str:
    day = "1er" if date.day == 1 else str(date.day)
    return f"{day} {FRENCH_MONTHS[date.month - 1]} {date.year}"
