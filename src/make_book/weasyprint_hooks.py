"""Where make-book reaches into WeasyPrint's and pydyf's internals: each hook removes a cost of theirs
that the README lists for a report upstream, and leaves what they write unchanged. pyproject.toml pins
WeasyPrint's minor version, which keeps what these wrap where it is; tests/test_pdf.py checks that each
still does its work."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from contextvars import ContextVar

import pydyf
import weasyprint.layout.inline as inline_layout
import weasyprint.layout.page as page_layout
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.document import Document
from weasyprint.formatting_structure.boxes import TextBox
from weasyprint.html import UA, UA_FORM_STYLESHEET
from weasyprint.layout.leader import leader_index
from weasyprint.text.line_break import create_layout, line_size

# The layout contexts WeasyPrint makes while lay_out renders (contexts_freed): a private classmethod.
_MADE: ContextVar[list[object] | None] = ContextVar("layout contexts", default=None)
_build_layout_context = Document.__dict__["_build_layout_context"].__func__


def _recorded_layout_context(cls: type, *args: object, **kwargs: object) -> object:
    context = _build_layout_context(cls, *args, **kwargs)
    made = _MADE.get()
    if made is not None:
        made.append(context)
    return context


Document._build_layout_context = classmethod(_recorded_layout_context)


@contextlib.contextmanager
def contexts_freed() -> Iterator[None]:
    """WeasyPrint's layout context (every computed style of the document: 50,000 objects for a chunk)
    holds a function that holds the context (`partial(get_image_from_uri, context=self)`): a cycle, so
    it outlived its layout until a full collection of the garbage, which walks every object the
    document's pages hold too: 0.1 s a chunk. Once the document is laid out, the function no longer
    holds the context (an SVG image is given it during layout, and keeps its own reference), which
    is freed then."""
    made: list[object] = []
    token = _MADE.set(made)
    try:
        yield
    finally:
        _MADE.reset(token)
        for context in made:  # the function's own arguments: the target-counters' closures hold it too
            call = getattr(context, "get_image_from_uri", None)
            if isinstance(call, functools.partial):
                call.keywords.pop("context", None)


# pydyf's `PDF.page_references` builds the reference of every page each time it is read, and WeasyPrint's
# tagging reads it for each element of the structure tree (pdf/tags.py) and each link (pdf/anchors.py):
# writing grows with pages × elements, 0.16 s of an 83-page chunk's 1.09 s (medians of 7), 0.45 G of its
# 10.2 G instructions (callgrind). Kept from one read to the next while the page list is the same list of
# the same length (pydyf only appends to it).
_page_references = pydyf.PDF.__dict__["page_references"].fget


def _remembered_page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    kids = pdf.pages["Kids"]
    remembered = pdf.__dict__.get("_make_book_page_references")
    if remembered is None or remembered[0] is not kids or remembered[1] != len(kids):
        remembered = (kids, len(kids), _page_references(pdf))
        pdf.__dict__["_make_book_page_references"] = remembered
    return remembered[2]


pydyf.PDF.page_references = property(_remembered_page_references)


# WeasyPrint's user-agent stylesheet styles six pseudo-elements of every element (`::marker`, and the
# calls and markers of footnotes and notes: css/html5_ua.css), so its StyleFor computes six styles more
# for each element, none shared: 0.26 G of an 83-page chunk's 10.2 G instructions for its layout and
# PDF (callgrind; the PDFs byte-identical). The document's own sheet (`HTML._ua_stylesheets`,
# private) gives markers to list items only, which hold every marker of the book's HTML, and the notes'
# rules only to a document whose stylesheets name notes, which a note needs them for.
_EVERY_ELEMENTS_MARKER = re.compile(r"^::marker\b", re.MULTILINE)
_NOTE_RULES = re.compile(r"^::(?:foot)?note-[a-z]+\s*\{[^}]*\}\n", re.MULTILINE)


@functools.cache
def user_agent_sheet(notes: bool) -> CSS:
    text = _EVERY_ELEMENTS_MARKER.sub("li::marker", UA)
    return CSS(string=text if notes else _NOTE_RULES.sub("", text), counter_style=CounterStyle())


def with_lighter_user_agent_sheet(document: HTML, sheets: tuple[str, ...]) -> HTML:
    """The document, given user_agent_sheet for WeasyPrint's own (a stylesheet that mentions a note
    anywhere, even in a comment, keeps the notes' rules: that costs only time)."""
    sheet = user_agent_sheet(any("note" in text for text in sheets))
    document._ua_stylesheets = lambda forms=False: [sheet, UA_FORM_STYLESHEET] if forms else [sheet]
    return document


# WeasyPrint computes the styles of a page and of its sixteen margin boxes for each page anew, as its page
# type holds the page's index, which only `:nth()` selectors read (and `:first`, the index 0): about
# 5 ms a page, most of it the margin boxes' properties computed again (`resolve_percentages` in
# `make_margin_boxes`); 0.88 G of an 83-page chunk's 10.2 G instructions (callgrind). Without `:nth()`,
# pages alike in side, blankness, name and firstness get the styles of the first such page; WeasyPrint's
# own changes to them (`_standardize_page_based_counters`, the root's `overflow`) give the same values
# every time.
_set_page_type_computed_styles = page_layout.set_page_type_computed_styles


def _page_styles_shared(page_type: object, html: HTML, style_for: object) -> None:
    state = style_for.__dict__
    if "_make_book_by_index" not in state:
        state["_make_book_by_index"] = any(selector[2].index is not None for sheet, _, _ in style_for._sheets
                                           for _, selectors, _ in sheet.page_rules for selector in selectors)
    if state["_make_book_by_index"]:
        _set_page_type_computed_styles(page_type, html, style_for)
        return
    shared = state.setdefault("_make_book_page_styles", {})
    alike = (page_type.side, page_type.blank, page_type.name, page_type.index == 0)
    computed = style_for.get_computed_styles()
    if alike in shared:
        for pseudo_type, style in shared[alike].items():
            computed[page_type, pseudo_type] = style
    else:
        _set_page_type_computed_styles(page_type, html, style_for)
        shared[alike] = {pseudo_type: style for (element, pseudo_type), style in computed.items()
                         if element == page_type}


page_layout.set_page_type_computed_styles = _page_styles_shared


# WeasyPrint lays a leader out as one text box per repetition of its pattern (layout/leader.py), each then
# given backgrounds, gathered for anchors, stacked and drawn with a Pango layout of its own: 18,322 boxes for
# the dots of a 306-entry TOC. While make-book lays a document out (leaders_as_runs), each leader becomes
# one text box of its pattern repeated, as soon as WeasyPrint has placed the repetitions: the same glyphs at
# the same places, so the same PDF (checked: where shaping the run would place them otherwise, the leader is
# left as it is). Its 17 pages are written in 0.9-1.2 s instead of 3.0-3.2 s (session 12, the runs made
# once laid out), and laid out in 1.7 s instead of 2.4 s since they are made here (medians of 5).
_RUNS: ContextVar[bool] = ContextVar("leaders as runs", default=False)
_handle_leader = inline_layout.handle_leader


def _leader_as_one_run(context: object, line: object, containing_block: object) -> None:
    _handle_leader(context, line, containing_block)
    if _RUNS.get():
        _, leader = leader_index(line)
        if leader is not None and len(leader.children) > 1:
            run = _one_run(leader.children)
            if run is not None:
                leader.children = (run,)


inline_layout.handle_leader = _leader_as_one_run


@contextlib.contextmanager
def leaders_as_runs() -> Iterator[None]:
    token = _RUNS.set(True)
    try:
        yield
    finally:
        _RUNS.reset(token)


def _one_run(repetitions: tuple) -> TextBox | None:
    first = repetitions[0]
    step = first.width
    places = sorted(box.position_x for box in repetitions)
    if not all(isinstance(box, TextBox) and box.text == first.text and box.width == step for box in repetitions) \
            or any(abs(after - before - step) > 1e-6 for before, after in zip(places, places[1:])):
        return None
    # Word and letter spacing are written into the PDF glyph by glyph, rounded: along a run the rounding
    # adds up (half a pixel over a line), so a pattern that has them is left as it is.
    if " " in first.text or "\u00a0" in first.text or first.style["letter_spacing"] != "normal":
        return None
    # The repetitions are apart in CSS: no ligature across them ("..." would become an ellipsis).
    style = first.style.copy()
    style["font_variant_ligatures"] = "none"
    text = first.text * len(repetitions)
    layout = create_layout(text, style, None, None, 0)
    width, _ = line_size(layout.get_first_line()[0], style)
    if abs(width - step * len(repetitions)) > 0.01:  # kerning between repetitions, say
        return None
    layout.deactivate()  # as WeasyPrint leaves its layouts: drawing sets them up again
    run = first.copy_with_text(text)
    run.style, run.pango_layout = style, layout
    run.position_x, run.width = places[0], step * len(repetitions)
    return run
