"""Parsing one normalized text file into a Text: header (title, author), paragraphs, breaks."""

from __future__ import annotations

import re
from pathlib import Path

from make_book.errors import MakeBookError
from make_book.model import Paragraph, SectionBreak, Span, Text
from make_book.syntax import SEPARATOR
AUTHOR = re.compile(r"^(?:texte\s+de|par|auteur[\s\u00a0\u202f]*:)[\s\u00a0\u202f]+(?P<name>\S.*)$",
                    re.IGNORECASE)
# *word* or _word_: the markers hug the words and do not sit inside a word (snake_case stays).
EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)(?P<a>[^*\n]+?)(?<=\S)\*(?![\w*])"
                      r"|(?<![\w_])_(?=\S)(?P<b>[^_\n]+?)(?<=\S)_(?![\w_])")


def parse_text(text: str, path: Path) -> Text:
    """`text` is the normalized content of `path`; line numbers are the file's."""
    lines = list(enumerate(text.split("\n"), start=1))
    title: tuple[int, str] | None = None
    author: str | None = None
    position = 0
    # The header: separators and blanks are ignored; an author line before or after the title.
    while position < len(lines):
        number, line = lines[position]
        if not line or SEPARATOR.match(line):
            position += 1
            continue
        match = AUTHOR.match(line)
        if match and author is None and not (title is None and _author_line_follows(lines, position)):
            author = match.group("name").strip()
        elif title is None:
            title = (number, line)
        else:
            break
        position += 1
        if title and author:
            break
    if title is None:
        raise MakeBookError("no title: the file has no text line", path, 1)
    return Text(path=path, title=title[1], title_line=title[0], author=author,
                blocks=_blocks(lines[position:]))


def _author_line_follows(lines: list[tuple[int, str]], position: int) -> bool:
    """Whether the next header line is an author line too: then this one is a title that starts
    like one (« Par un soir de printemps » then « Texte de Guy de Maupassant »)."""
    for _, line in lines[position + 1:]:
        if line and not SEPARATOR.match(line):
            return AUTHOR.match(line) is not None
    return False


def _blocks(lines: list[tuple[int, str]]) -> tuple[Paragraph | SectionBreak, ...]:
    while lines and (not lines[0][1] or SEPARATOR.match(lines[0][1])):
        lines = lines[1:]
    while lines and (not lines[-1][1] or SEPARATOR.match(lines[-1][1])):
        lines = lines[:-1]
    # Blank lines between paragraphs: the lines of one block are joined into one paragraph.
    joined = any(not line for _, line in lines)
    blocks: list[Paragraph | SectionBreak] = []
    pending: list[tuple[int, str]] = []

    def flush() -> None:
        if pending:
            blocks.append(Paragraph(_spans(" ".join(line for _, line in pending)), pending[0][0]))
            pending.clear()

    for number, line in lines:
        if SEPARATOR.match(line):
            flush()
            if blocks and not isinstance(blocks[-1], SectionBreak):
                blocks.append(SectionBreak(number))
        elif not line:
            flush()
        else:
            pending.append((number, line))
            if not joined:
                flush()
    flush()
    return tuple(blocks)


def _spans(line: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    position = 0
    for match in EMPHASIS.finditer(line):
        if match.start() > position:
            spans.append(Span(line[position:match.start()]))
        spans.append(Span(match.group("a") or match.group("b"), emphasis=True))
        position = match.end()
    if position < len(line):
        spans.append(Span(line[position:]))
    return tuple(spans)
