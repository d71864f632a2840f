"""An edition as one HTML document: what WeasyPrint lays out, and what the live preview shows."""

from __future__ import annotations

import datetime as dt

from make_book.model import Edition
from make_book.templates import french_date, render
from make_book.typeset import LinePlan


def print_html(edition: Edition, timestamp: dt.datetime, stylesheets: tuple[str, ...] = (),
               live_reload: bool = False, lines: LinePlan | None = None,
               sections: frozenset[str] | None = None) -> str:
    """`stylesheets` are linked from the page (the PDF gets its own from WeasyPrint's API);
    `live_reload` adds the preview's reload script; `lines` are the paragraphs' line ends, when the
    PDF's line breaking is ours (typeset.py); `sections`, when given, the only top-level sections
    written (by anchor, and "front-matter"): one chunk of a tome laid out in pieces (chunks.py)."""
    return render("print.html.j2", edition=edition, href=lambda anchor: f"#{anchor}",
                  lines=lines.get if lines else None,
                  include=(lambda name: True) if sections is None else sections.__contains__,
                  date_text=french_date(edition.meta.date), timestamp=timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  stylesheets=stylesheets, live_reload=live_reload)
