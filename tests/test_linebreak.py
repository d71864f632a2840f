"""The print edition's line breaker (typeset.py, linebreak.py): its invariants on small paragraphs, and
what reaches the PDF, the EPUB and the reader who copies the text."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pdfplumber
import pikepdf
import pypdf
import pytest
from conftest import ROOT, build_quietly
from hypothesis import given, settings
from hypothesis import strategies as st
from make_book.layout import PageSetup, paragraph_frame
from make_book.linebreak import Box, Glue, Penalty, Settings, break_lines
from make_book.measure import FaceMetrics
from make_book.model import Paragraph, Span
from make_book.styles import read_styles
from make_book.typeset import HYPHEN, SAFETY, ParagraphSetter, hyphenator, word_cuts

sys.path.insert(0, str(ROOT / "bench"))
from corpus import generate, set_pdf_option  # noqa: E402

MM = 72 / 25.4
STYLES = read_styles(ROOT / "styles")
FRAME = paragraph_frame(STYLES, PageSetup("A5", "recto"))
FACES = {italic: FaceMetrics(STYLES.file(f"fonts/LinLibertine_R{'I' if italic else ''}.otf"), FRAME.font_size)
         for italic in (False, True)}
WORDS = ("la rencontre des réseaux sociaux transforme profondément nos manières de travailler ensemble "
         "jusqu’aujourd’hui lorsqu’interrogées les communautés professionnelles répondent "
         "collaboratif peut-être anticonstitutionnellement «\u202fpartage\u202f» vraiment\u202f! "
         "ceci\u00a0: très\u202f; –\u00a0Monseigneur").split()


def lines_of(paragraph: Paragraph, ends: tuple) -> list[tuple[str, list[tuple[str, bool]], bool]]:
    """Each line as its text, its (text, italic) runs and whether it ends with an added hyphen."""
    pieces, current = [], []
    for piece in paragraph.with_marks(ends):
        if isinstance(piece, Span):
            current.append((piece.text, piece.emphasis))
        else:
            pieces.append((current, piece.hyphen))
            current = []
    pieces.append((current, False))
    return [("".join(text for text, _ in runs), runs, hyphen) for runs, hyphen in pieces]


def set_width(runs: list[tuple[str, bool]], hyphen: bool, tight: bool) -> float:
    """A line's width as WeasyPrint sets it before justifying: its word spaces shrunk as far as the
    stylesheet lets them on a tight line (`p.set .tight`), at their natural width on the others."""
    runs = list(runs)
    while runs and runs[0][0].startswith(" "):  # a line's leading space is dropped
        runs[0] = (runs[0][0][1:], runs[0][1])
    width = sum(FACES[italic].width(text) for text, italic in runs if text)
    spaces = sum(text.count(" ") + text.count("\u00a0") for text, _ in runs)
    spacing = FRAME.tight_word_spacing if tight else FRAME.word_spacing
    return width + spaces * spacing + (FACES[runs[-1][1]].width(HYPHEN) if hyphen else 0)


@st.composite
def paragraphs(draw: st.DrawFn) -> Paragraph:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=120))
    emphasis = draw(st.lists(st.booleans(), min_size=len(words), max_size=len(words)))
    spans = [Span(word + (" " if index < len(words) - 1 else ""), italic)
             for index, (word, italic) in enumerate(zip(words, emphasis))]
    return Paragraph(tuple(spans), 1)


@settings(max_examples=150, deadline=None)
@given(paragraphs(), st.sampled_from([0.0, FRAME.indent]))
def test_lines_fit_the_measure_break_only_where_allowed_and_are_deterministic(paragraph: Paragraph,
                                                                             indent: float) -> None:
    setter = ParagraphSetter(STYLES, FRAME, Settings())
    lines = setter.set(paragraph, indent)
    assert lines == setter.set(paragraph, indent)
    if lines is None:
        return  # left to WeasyPrint: never happens with these words, but allowed
    ends, text = lines.ends, paragraph.plain
    for offset, end in ends:
        if end.hyphen:
            assert text[offset - 2:offset].isalpha() and text[offset:offset + 3].isalpha(), text[offset - 5:offset + 5]
        else:
            assert text[offset] == " " or text[offset - 1] == "-", text[offset - 5:offset + 5]
    set_lines = lines_of(paragraph, ends)
    assert "".join(line for line, _, _ in set_lines) == text  # nothing added or lost
    starts = [0] + [offset + len(text[offset:]) - len(text[offset:].lstrip(" ")) for offset, _ in ends]
    tight = [start in lines.tight for start in starts]
    assert lines.last_tight == tight[-1]
    for number, (line, runs, hyphen) in enumerate(set_lines):
        available = FRAME.width - (indent if number == 0 else 0)
        assert set_width(runs, hyphen, tight[number]) <= available, line
        if tight[number]:  # only a line too long at its natural spacing is set tight
            assert set_width(runs, hyphen, False) > available - SAFETY - 0.01, line
    # the last line is set apart from its first letter, where there is a space in it to widen
    last_text = set_lines[-1][0].lstrip(" ")
    if " " in last_text or "\u00a0" in last_text:
        assert lines.last_line is not None and text[lines.last_line:] == last_text
    else:
        assert lines.last_line is None  # nothing to widen: nothing set apart


def test_an_elided_prefix_does_not_stop_hyphenation_and_short_carries_are_not_allowed() -> None:
    hyphenate = hyphenator(Settings()).positions
    for word, head in (("jusqu’aujourd’hui", "jusqu’"), ("lorsqu’interrogèrent", "lorsqu’"),
                       ("puisqu’évidemment", "puisqu’")):
        cuts = [index for index, hyphenated in word_cuts(word, hyphenate) if hyphenated]
        assert any(index > len(head) for index in cuts), word
    for word in WORDS + ["développement", "anticonstitutionnellement"]:
        for index, hyphenated in word_cuts(word, hyphenate):
            if hyphenated:
                assert word[index - 2:index].isalpha() and word[index:index + 3].isalpha(), (word, index)
    assert list(word_cuts("peut-être", hyphenate)) == [(5, False)]


def test_no_pass_overruns_the_margin_a_word_too_long_is_left_to_weasyprint() -> None:
    items = [Box(50.0), Glue(5, 2, 1), Box(500.0), Penalty(0, 10_000, False), Glue(0, 1e6, 0),
             Penalty(0, -10_000, False)]
    assert break_lines(items, 100, 100) is None
    setter = ParagraphSetter(STYLES, FRAME, Settings())
    assert setter.set(Paragraph((Span("x" * 400),), 1), 0) is None


def test_a_paragraph_in_a_fallback_font_is_left_to_weasyprint() -> None:
    setter = ParagraphSetter(STYLES, FRAME, Settings())
    assert setter.set(Paragraph((Span("Il a écrit « سلام » en arabe. " * 8),), 1), 0) is None


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A generated tome built with our line breaking and with WeasyPrint's."""
    base = tmp_path_factory.mktemp("linebreak")
    manuscript = generate(base, texts=12, seed=15)
    outputs = {}
    for breaking in ("total-fit", "greedy"):
        set_pdf_option(manuscript, "line_breaking", breaking)
        outputs[breaking] = base / breaking
        result = build_quietly(manuscript, outputs[breaking], tomes=(1,))
        assert not [note for note in result.diagnostics if "lines" in note.message]  # every line as planned
    return outputs


@pytest.mark.parametrize(("words", "said"), [(200, "came out in"), (13, "last line came out wider")])
def test_a_paragraph_laid_out_otherwise_than_planned_is_reported_with_its_place(tmp_path: Path, words: int,
                                                                               said: str) -> None:
    """A style the breaker does not model (larger italics here) makes WeasyPrint wrap lines that
    were planned to fit, or a last line (set apart, unbroken) overrun the margin: the build says which
    paragraph, in which file and line."""
    manuscript = generate(tmp_path, texts=2, seed=4)
    text = manuscript / "tome-1" / "001-texte.txt"
    text.write_text(text.read_text().rstrip() + "\n\n" + " ".join(["*mot*"] * words) + "\n")
    with (tmp_path / "styles" / "print.css").open("a") as sheet:
        sheet.write("p.set em { font-size: 1.4em; }\n")
    result = build_quietly(manuscript, tmp_path / "out", tomes=(1,), formats=("pdf",))
    notes = [note for note in result.diagnostics if said in note.message]
    assert notes and all(note.path.name == "001-texte.txt" and note.line for note in notes)


def test_every_line_is_justified_to_the_margin_and_none_overruns_it(both_ways: dict[str, Path]) -> None:
    pdf_path = both_ways["total-fit"] / "corpus-tome-1.pdf"
    short = overfull = full = 0
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            left, right = ((20, float(page.width) - 14 * MM) if number % 2 else (14, float(page.width) - 20 * MM))
            for line in page.extract_text_lines():
                in_body = left * MM - 0.5 < line["x0"] < left * MM + FRAME.indent * 0.75 + 0.5
                body_size = abs(line["chars"][0]["size"] - 10.5) < 0.1
                if not body_size or re.search(r"\.{4}|\(p\. \d", line["text"]) or not in_body:
                    continue  # running heads, titles, author lines, folios, the contents, the index
                overfull += line["x1"] > right + 0.3
                full += line["x1"] > right - 0.3
                short += line["x1"] <= right - 0.3
    paragraphs = len(re.findall(r'<p data-paragraph="t1-\d+-\d+"', _print_html(both_ways)))
    assert overfull == 0
    assert full > 80
    assert short <= paragraphs  # only a paragraph's last line may stop short
    assert short >= paragraphs // 2  # and most do: the last line is not justified


def _print_html(both_ways: dict[str, Path]) -> str:
    from make_book.book_html import print_html
    from make_book.build import build_timestamp
    from make_book.config import load_config
    from make_book.assemble import assemble, editions
    manuscript = both_ways["total-fit"].parent / "manuscript"
    config = load_config(manuscript)
    styles = read_styles(manuscript / config.styles_dir)
    edition = editions(assemble(config, (1,)).book, config.editions(tomes=(1,)), styles)[0]
    return print_html(edition, build_timestamp(config))


def test_the_text_a_reader_copies_is_the_text_we_set(both_ways: dict[str, Path]) -> None:
    """pypdf's extraction, line ends joined (a hyphen we added is dropped), equals each paragraph's
    normalized text: no soft hyphen, no changed space, U+202F and U+00A0 included."""
    reader = pypdf.PdfReader(both_ways["total-fit"] / "corpus-tome-1.pdf")
    extracted = "\n".join(page.extract_text() for page in reader.pages)
    joined = re.sub(f"{HYPHEN}\n", "", extracted)
    joined = re.sub(" *\n *", " ", joined)
    joined = re.sub(" {2,}", " ", joined)  # pypdf writes a wide justified space as two
    assert "\u00ad" not in extracted and "\u200b" not in extracted
    assert "\u202f" in joined
    from make_book.assemble import assemble
    from make_book.config import load_config
    config = load_config(both_ways["total-fit"].parent / "manuscript")
    texts = assemble(config, (1,)).book.tomes[0].texts
    paragraphs = [block.plain for placed in texts for block in placed.text.paragraphs]
    missing = [plain[:60] for plain in paragraphs if plain not in joined]
    # a paragraph that crosses a page has the running head and folio inside it in the extraction
    assert len(missing) <= len(reader.pages) // 2, missing[:3]
    assert len(paragraphs) - len(missing) >= 30


def _structure(pdf_path: Path) -> list[str]:
    """The tagged structure, depth first, without the Span and NonStruct elements that carry runs of
    text, and with a paragraph split over two pages (two P in a row) counted once."""
    kinds: list[str] = []

    def walk(element: pikepdf.Object) -> None:
        kids = element.get("/K")
        if kids is None:
            return
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != "/MCR" and "/S" in kid:
                kind = str(kid.S)
                if kind not in ("/Span", "/NonStruct") and (not kinds or kinds[-1] != kind):
                    kinds.append(kind)
                walk(kid)

    with pikepdf.open(pdf_path) as pdf:
        walk(pdf.Root.StructTreeRoot)
    return kinds


def test_tags_and_epub_are_the_same_as_with_weasyprints_breaking(both_ways: dict[str, Path]) -> None:
    ours, theirs = (both_ways[way] / "corpus-tome-1.pdf" for way in ("total-fit", "greedy"))
    assert _structure(ours) == _structure(theirs)
    assert "/P" in _structure(ours) and "/H2" in _structure(ours)
    # the EPUB reflows and keeps the reading system's breaking: only its page-list may differ
    from bookfiles import Epub
    epubs = [Epub(both_ways[way] / "corpus-tome-1.epub") for way in ("total-fit", "greedy")]
    strip = lambda text: re.sub(r'<span epub:type="pagebreak"[^>]*></span>', "", text)  # noqa: E731
    names = [name for name in epubs[0].names if name.endswith(".xhtml") and "/t1-" in name]
    assert names
    for name in names:
        assert strip(epubs[0].read(name).decode()) == strip(epubs[1].read(name).decode())


def _line(items: list, start: int, end: int, available: float, settings: Settings, fitness: int,
          flagged: bool) -> tuple[float, float, int, bool]:
    """One line from `start` to the break at `end`, by TeX's definitions: (ratio, demerits, fitness
    class, ends flagged), given the fitness and flag of the line before."""
    line = [item for item in items[start:end] if not isinstance(item, Penalty)]
    natural = sum(item.width for item in line) + (items[end].width if isinstance(items[end], Penalty) else 0)
    stretch, shrink = sum(item.stretch for item in line), sum(item.shrink for item in line)
    if natural < available:
        ratio = (available - natural) / stretch if stretch else float("inf")
    else:
        ratio = (available - natural) / shrink if shrink else (0.0 if natural == available else float("-inf"))
    cost = items[end].cost if isinstance(items[end], Penalty) else 0.0
    forced = cost <= -10_000
    demerits = (settings.line_penalty + 100 * abs(ratio) ** 3) ** 2
    demerits += cost ** 2 if cost >= 0 else 0 if forced else -cost ** 2
    is_flagged = isinstance(items[end], Penalty) and items[end].flagged
    demerits += settings.double_hyphen_demerits * (is_flagged and flagged)
    demerits += settings.final_hyphen_demerits * (forced and flagged)
    new_fitness = 0 if ratio < -0.5 else 1 if ratio <= 0.5 else 2 if ratio <= 1 else 3
    demerits += settings.adjacent_demerits * (abs(new_fitness - fitness) > 1)
    return ratio, demerits, new_fitness, is_flagged


def _next_start(items: list, end: int) -> int:
    start = end + 1
    while start < len(items) and not isinstance(items[start], Box):
        start += 1
    return start


def _demerits_of(items: list, breaks: tuple[int, ...], widths: tuple[float, float], settings: Settings,
                 tolerance: float) -> float | None:
    total, fitness, flagged, start = 0.0, 1, False, 0
    for number, end in enumerate(breaks):
        ratio, demerits, fitness, flagged = _line(items, start, end, widths[number > 0], settings, fitness, flagged)
        if not -1 <= ratio <= tolerance:
            return None
        total, start = total + demerits, _next_start(items, end)
    return total


def _least_demerits(items: list, legal: list[int], widths: tuple[float, float], settings: Settings,
                    tolerance: float) -> float | None:
    """Every sequence of legal breaks, searched exhaustively (a line that is already too tight is not
    made longer): the least total demerits, or None when no sequence fits."""
    best = None

    def search(start: int, number: int, fitness: int, flagged: bool, total: float) -> None:
        nonlocal best
        for end in legal:
            if end < start:
                continue
            ratio, demerits, new_fitness, is_flagged = _line(items, start, end, widths[number > 0], settings,
                                                             fitness, flagged)
            if ratio < -1:
                return
            if ratio <= tolerance:
                if end == legal[-1]:
                    best = total + demerits if best is None else min(best, total + demerits)
                else:
                    search(_next_start(items, end), number + 1, new_fitness, is_flagged, total + demerits)

    search(0, 0, 1, False, 0.0)
    return best


@st.composite
def item_lists(draw: st.DrawFn) -> list:
    items: list = []
    for word in range(draw(st.integers(3, 16))):
        if word:
            items.append(Glue(12, 12, 4))
        items.append(Box(draw(st.integers(15, 60))))
        if draw(st.booleans()):
            items += [Penalty(4, 50, True), Box(draw(st.integers(10, 40)))]
    return items + [Penalty(0, 10_000, False), Glue(0, 1e6, 0), Penalty(0, -10_000, False)]


@settings(max_examples=300, deadline=None)
@given(item_lists(), st.sampled_from([150, 200, 250]), st.sampled_from([1.0, 2.0, 4.0]), st.booleans())
def test_the_chosen_breaks_have_the_least_demerits_of_all_possible_ones(items: list, width: int,
                                                                         tolerance: float, hyphenate: bool) -> None:
    """Total fit is exact: against every sequence of legal breaks, searched exhaustively; a pass without
    hyphenation breaks at no hyphenation point (a flagged penalty), but at the forced end."""
    one_pass = Settings(passes=((tolerance, hyphenate, 0.0),), triple_hyphen_demerits=0)
    legal = [index for index, item in enumerate(items)
             if (isinstance(item, Glue) and isinstance(items[index - 1], Box))
             or (isinstance(item, Penalty) and item.cost < 10_000
                 and (hyphenate or not item.flagged or item.cost <= -10_000))]
    widths = (width - 20, width)
    best = _least_demerits(items, legal, widths, one_pass, tolerance)
    breaks = break_lines(items, *widths, one_pass)
    if best is None:
        assert breaks is None
    else:
        assert breaks is not None and breaks[-1] == len(items) - 1
        assert abs(_demerits_of(items, breaks, widths, one_pass, tolerance) - best) <= 1e-9 * best
