"""The print edition's paragraphs broken into lines before WeasyPrint lays them out: each paragraph
measured with HarfBuzz on the book's fonts, hyphenated with TeX's French patterns, and broken by the
total-fit algorithm (linebreak.py). The result is where each line ends, as offsets in the paragraph's
text; the print HTML ends lines there (book_html.py). The EPUB reflows and keeps its own breaking."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

import pyphen

from make_book.fonts import font_chain
from make_book.linebreak import INFINITY, Box, Glue, Item, Penalty, Settings, break_lines
from make_book.measure import FaceMetrics
from make_book.model import Edition, Paragraph, Styles, paragraph_id

HYPHEN = "\u2010"  # what ends a hyphenated line: ours, and WeasyPrint's own (CSS hyphenate-character)
NO_BREAK_SPACE = "\u00a0"  # widened by justification like a word space (WeasyPrint counts it)
_LETTERS = re.compile(r"[^\W\d_]+")  # an elided prefix (jusqu’, lorsqu’) is a run of its own
# Our lines are this much shorter than the measure: what HarfBuzz and Pango may round differently.
SAFETY = 0.25
WORDS_KEPT = 20_000  # measured words a worker keeps from chunk to chunk: 1.2 KB each, their widths included


@dataclass(frozen=True)
class Frame:
    """A text paragraph's measure and type in the PDF, in CSS pixels, as WeasyPrint computes them from
    the stylesheets (layout.paragraph_frame)."""

    width: float
    font_size: float
    word_spacing: float        # added to every word space of a set paragraph (print.css: none)
    tight_word_spacing: float  # a tight line's instead: how far its spaces may shrink (print.css)
    indent: float             # a paragraph after a paragraph
    indent_opening: float     # the first paragraph of a text, after its header
    indent_after_break: float  # the first paragraph after a section break
    features: tuple[tuple[str, int], ...] = ()  # OpenType features, as WeasyPrint gives them to Pango
    letter_spacing: float = 0.0  # not modelled: a paragraph with letter spacing is left to WeasyPrint


@dataclass(frozen=True)
class LineEnd:
    """Where a line ends: inside a word (a hyphen is added, in italics if the word is) or at a space
    or after a hyphen already there."""

    hyphen: bool
    emphasis: bool = False
    tight: bool = False  # the line it ends is tight: its TightLine closes here


_AT_SPACE = (0, LineEnd(hyphen=False))  # where a line broken at a word space ends: at that space


@dataclass(frozen=True)
class TightLine:
    """Where a tight line's text begins (after the spaces its break leaves): its spaces are shrunk
    (print.css `p.set .tight`). Only those lines are: WeasyPrint gives every space of a text with word
    spacing an attribute of its own, which cuts Pango's runs there (9 % of the instructions of a chunk's
    layout and writing); a justified line's spaces come out the same either way (justification adds
    back what the word spacing takes)."""

    starts_tight: bool = True  # what the template knows it by


@dataclass(frozen=True)
class LastLine:
    """Where the last line's text begins: print.css sets that line apart so that it is not justified."""

    starts_last_line: bool = True  # what the template knows it by


@dataclass(frozen=True)
class SetParagraph:
    """A paragraph's line ends, and where its last line's text begins (after the spaces its break
    leaves) when that line is set apart (print.css): only where justifying would change something,
    a last line with a space to widen (the setting apart is a box, an element in the PDF's tags too)."""

    ends: tuple[tuple[int, LineEnd], ...]
    last_line: int | None  # None: the last line has no space to widen
    tight: tuple[int, ...] = ()  # where each tight line's text begins
    last_tight: bool = False  # the last line is one of them: its TightLine closes with the paragraph

    @property
    def marks(self) -> tuple[tuple[int, LineEnd | LastLine | TightLine], ...]:
        """The line ends, the last line's start and the tight lines' starts, as marks in the paragraph's
        text (model.py); at one place, the last line's span opens before a tight line's."""
        last = ((self.last_line, LastLine()),) if self.last_line is not None else ()
        return self.ends + last + tuple((start, TightLine()) for start in self.tight)


@dataclass(frozen=True)
class LinePlan:
    """The set paragraphs by id; a paragraph that is not here is left to WeasyPrint's breaking."""

    paragraphs: tuple[tuple[str, SetParagraph], ...] = ()

    def get(self, paragraph: str) -> SetParagraph | None:
        return self._paragraphs.get(paragraph)

    @cached_property
    def _paragraphs(self) -> dict[str, SetParagraph]:
        return dict(self.paragraphs)


def plan_lines(edition: Edition, styles: Styles, frame: Frame, settings: Settings = Settings()) -> LinePlan:
    setter = _setter(styles, frame, settings)
    plans = []
    for placed in edition.texts:
        for number, block, indent in _indented(placed.text.blocks, frame):
            lines = setter.set(block, indent)
            if lines is not None:
                plans.append((paragraph_id(placed.anchor, number), lines))
    return LinePlan(tuple(plans))


_SETTERS: dict[tuple[str, Frame, Settings], ParagraphSetter] = {}


def _setter(styles: Styles, frame: Frame, settings: Settings) -> ParagraphSetter:
    """The setter of the last frame asked for, kept with the words it has measured (up to WORDS_KEPT):
    a worker's next chunk finds many of its words there (the ten text chunks of the benchmark corpus's
    tome 1 measure 1,137 words, against 6,271 chunk by chunk)."""
    key = (styles.digest, frame, settings)
    if key not in _SETTERS or len(_SETTERS[key].words) >= WORDS_KEPT:
        _SETTERS.clear()
        _SETTERS[key] = ParagraphSetter(styles, frame, settings)
    return _SETTERS[key]


def _indented(blocks: tuple, frame: Frame) -> Iterator[tuple[int, Paragraph, float]]:
    previous = None
    for number, block in enumerate(blocks, start=1):
        if isinstance(block, Paragraph):
            yield number, block, (frame.indent_opening if previous is None else
                                  frame.indent if isinstance(previous, Paragraph) else frame.indent_after_break)
        previous = block


def hyphenator(settings: Settings) -> pyphen.Pyphen:
    """TeX's French patterns (Pyphen ships them), with the letters kept before and carried over."""
    return _pyphen(settings.letters_before_hyphen, settings.letters_after_hyphen)


@lru_cache(maxsize=4)
def _pyphen(left: int, right: int) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="fr_FR", left=left, right=right)


class ParagraphSetter:
    """Turns paragraphs into items (linebreak.py) and the chosen breaks back into line ends."""

    def __init__(self, styles: Styles, frame: Frame, settings: Settings) -> None:
        faces = {(face.italic, face.bold): face for face in font_chain(styles).book}
        self._faces = {italic: FaceMetrics(styles.file(faces[(italic, False)].file), frame.font_size,
                                           dict(frame.features)) for italic in (False, True)}
        self._frame, self._settings = frame, settings
        space = self._faces[False].width(" ")
        self._shrink = max(0.0, frame.word_spacing - frame.tight_word_spacing)
        self._space = Glue(space + frame.word_spacing, space * settings.space_stretch, self._shrink)
        self._hyphenate = hyphenator(settings).positions
        self.words: dict[tuple[str, str], tuple] = {}  # a plain dict: see measure.py

    def set(self, paragraph: Paragraph, indent: float) -> SetParagraph | None:
        """None when the paragraph is not ours to set: a character the book font lacks (it is set in a
        fallback font, which we do not measure), letter spacing, or no set of breaks without an
        overfull line."""
        text = paragraph.plain
        covered = all(self._faces[span.emphasis].covers(span.text) for span in paragraph.spans)
        if self._frame.letter_spacing or not covered:
            return None
        # Each character's emphasis ("1": italic): a word's slice of it is part of the word's cache key.
        emphasis = "".join(("1" if span.emphasis else "0") * len(span.text) for span in paragraph.spans)
        # The items, and for each where its line would end, were it broken there: a word's own offset
        # (`cuts`, None: no break there) plus where the word starts in the paragraph (`starts`).
        items: list[Item] = []
        cuts: list[tuple[int, LineEnd] | None] = []
        starts: list[int] = []
        position = 0  # where the word starts
        for number, word in enumerate(text.split(" ")):  # "" between two spaces
            if number:  # the space before the word
                items.append(self._space)
                cuts.append(_AT_SPACE)
                starts.append(position - 1)
            if word:
                end = position + len(word)
                key = (word, emphasis[position:end])
                entry = self.words.get(key)
                if entry is None:
                    entry = self.words[key] = self._word_items(*key)
                items += entry[0]
                cuts += entry[1]
                starts += itertools.repeat(position, len(entry[0]))
                position = end
            position += 1
        items += [Penalty(0, INFINITY, False), Glue(0, 100 * self._frame.width, 0), Penalty(0, -INFINITY, False)]
        width = self._frame.width - SAFETY
        breaks = break_lines(items, width - indent, width, self._settings)
        if breaks is None:
            return None
        tight = _tight_lines(items, breaks, width - indent, width)
        line_ends = tuple((starts[index] + cuts[index][0], dataclasses.replace(cuts[index][1], tight=True)
                           if is_tight else cuts[index][1]) for index, is_tight in zip(breaks[:-1], tight))
        line_starts = [0] + [_after_spaces(text, offset) for offset, _ in line_ends]
        tight_starts = tuple(start for start, is_tight in zip(line_starts, tight) if is_tight)
        last_start = breaks[-2] + 1 if len(breaks) > 1 else 0
        # no word space or no-break space (a stretching box) in the last line: nothing to set apart
        if not any(item.stretch for item in items[last_start:-3] if not isinstance(item, Penalty)):
            return SetParagraph(line_ends, None, tight_starts, tight[-1])
        return SetParagraph(line_ends, line_starts[-1], tight_starts, tight[-1])

    def _word_items(self, word: str, emphasis: str) -> tuple[tuple[Item, ...], tuple[tuple[int, LineEnd] | None, ...]]:
        """A word's boxes and penalties, and for each where its line would end in the word (a
        penalty's cut), as `set` takes them."""
        cuts = dict(word_cuts(word, self._hyphenate))  # index -> a hyphen is added
        bounds = sorted({0, len(word)} | set(cuts) |
                        {index for index in range(1, len(word)) if emphasis[index] != emphasis[index - 1]})
        items: list[Item] = []
        ends: list[tuple[int, LineEnd] | None] = []
        run_start = 0
        for left, right in itertools.pairwise(bounds):
            italic = emphasis[left] == "1"
            if left > 0 and emphasis[left] != emphasis[left - 1]:
                run_start = left
            face = self._faces[italic]
            # Widths as differences of prefixes: a word not broken measures exactly as one run.
            width = face.width(word[run_start:right]) - (face.width(word[run_start:left]) if left > run_start else 0)
            spaces = word.count(NO_BREAK_SPACE, left, right)
            items.append(Box(width + spaces * self._frame.word_spacing, spaces * self._space.stretch,
                             spaces * self._shrink))
            ends.append(None)
            if right in cuts:
                hyphenated = cuts[right]
                items.append(Penalty(face.width(HYPHEN) if hyphenated else 0.0,
                                     self._settings.hyphen_penalty if hyphenated
                                     else self._settings.explicit_hyphen_penalty, True))
                ends.append((right, LineEnd(hyphen=hyphenated, emphasis=hyphenated and italic)))
        return tuple(items), tuple(ends)


def _tight_lines(items: list[Item], breaks: tuple[int, ...], first_width: float, width: float) -> list[bool]:
    """For each line, whether its natural width is over its measure: its spaces must shrink."""
    tight, start = [], 0
    for number, end in enumerate(breaks):
        natural = sum(item.width for item in items[start:end] if not isinstance(item, Penalty))
        natural += items[end].width if isinstance(items[end], Penalty) else 0.0
        tight.append(natural > (first_width if number == 0 else width))
        start = end + 1
        while start < len(items) and not isinstance(items[start], Box):  # what a break discards
            start += 1
    return tight


def _after_spaces(text: str, offset: int) -> int:
    """Where a line's text begins: after the spaces its break leaves."""
    while offset < len(text) and text[offset] == " ":
        offset += 1
    return offset


def word_cuts(word: str, hyphenate: Callable[[str], list[int]]) -> Iterator[tuple[int, bool]]:
    """Where a word may be broken, as (index, hyphen added): the hyphenation points of each run of
    letters, so that the word after an elided prefix (jusqu’, lorsqu’) is hyphenated too; after a
    hyphen between letters (peut-|être); after a slash inside an address (exemple.fr/|page), which a
    hyphen would change."""
    url = "://" in word or "www." in word
    for run in _LETTERS.finditer(word):
        if not url:
            for position in hyphenate(run.group()):
                yield run.start() + position, True
    for index in range(1, len(word) - 1):
        if word[index] in "-" + HYPHEN and word[index - 1].isalpha() and word[index + 1].isalpha():
            yield index + 1, False
        elif url and word[index] == "/" and word[index - 1] != "/" and word[index + 1].isalnum():
            yield index + 1, False
