"""French typography: pure `str -> str` steps, one comment per rule (docs/typography.md lists the
rules and the house choices).

Tokens that look like punctuation but are not prose (URLs, e-mails, paths, times, emoticons, primes,
file extensions) are masked first by placeholders of the same length, so that the quote pass, which
reports problems, still reports true columns.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache

from make_book.config import HouseStyle
from make_book.errors import Diagnostic
from make_book.syntax import SEPARATOR

NNBSP, NBSP = "\u202f", "\u00a0"
_SPACES = " \u00a0\u202f\u2009"

_TRAILING = r"[^\s<>\"«»“”]*[^\s<>\"«»“”.,;:!?)\]]"
# (trigger, pattern): a pattern runs only on text holding its trigger, which keeps this pass fast; each
# starts with a literal or a character class, never `\b` or a lookbehind (see _rules).
_PROTECTED = [(trigger, re.compile(pattern)) for trigger, pattern in [
    ("://", rf"(?:h(?<!\wh)ttps?|f(?<!\wf)tp)://{_TRAILING}"),     # URLs
    ("www.", rf"\bwww\.{_TRAILING}"),
    ("@", r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),          # e-mail addresses
    (":\\", rf"\b[A-Za-z]:\\{_TRAILING}?"),                      # Windows paths
    (":", r"\d(?<!\w\d)\d*:\d+\b"),                              # clock times, references: 10:30, Jean 3:16
    ("h", r"\d(?<!\w\d)\d?h\d{2}\b"),                             # 10h30
    # emoticons: ;-) :) :D, after an ASCII space or a line start (a no-break space before a colon is
    # the colon rule's own, and what follows that colon is prose)
    ("", r"[:;=](?<![^ \n][:;=])'?-?[()DPpOo3/\\|\[\]](?![\w)])"),
    ("'", r"\d(?<!\w\d)\d*'\d+\"?"),                               # primes: 2'33"
    (" .", r"\.(?<=\s\.)[A-Za-z0-9]{2,5}\b"),                      # a file extension after a space: en .docx
]]
_MASKS = "\ufdd0\ufdd1"  # noncharacters, removed from input by hygiene


def _protect(text: str) -> tuple[str, list[str]]:
    """Mask protected tokens with same-length runs of placeholders, alternating between two so that
    neighbours stay apart; returns the masked text and the tokens in order."""
    matches = sorted(((match.start(), -len(match.group()), match.group())
                      for trigger, pattern in _PROTECTED if trigger in text
                      for match in pattern.finditer(text)))
    tokens: list[str] = []
    pieces, position = [], 0
    for start, _, token in matches:
        if start < position:  # inside a token already masked (an e-mail within a URL)
            continue
        pieces += [text[position:start], _MASKS[len(tokens) % 2] * len(token)]
        tokens.append(token)
        position = start + len(token)
    pieces.append(text[position:])
    return "".join(pieces), tokens


def _restore(text: str, tokens: list[str]) -> str:
    pieces = iter(tokens)
    return re.sub("\ufdd0+|\ufdd1+", lambda _: next(pieces), text)


# --- quotes -----------------------------------------------------------------------------------

_OPENERS = "«“"
_CLOSERS = "»”"
_BEFORE_OPEN = set(" \u00a0\u202f([{«“‘—–-/'’") | {""}
_AFTER_CLOSE = set(" \u00a0\u202f.,;:!?)]}»”’…-—–\ufdd0\ufdd1") | {""}


@dataclass
class _Quote:
    line: int
    col: int
    char: str
    role: str = ""   # "open", "close", "reopen" or "" (left alone)
    level: int = 0


def _classify(line: str, col: int) -> str:
    char = line[col]
    if char in _OPENERS:
        return "open"
    if char in _CLOSERS:
        return "close"
    before = line[col - 1] if col else ""
    after = line[col + 1] if col + 1 < len(line) else ""
    can_open = before in _BEFORE_OPEN and after not in " \u00a0\u202f" and after != ""
    can_close = after in _AFTER_CLOSE and before not in " \u00a0\u202f" and before != ""
    if can_open and can_close:
        return "either"
    return "open" if can_open else "close" if can_close else "either" if before and after else ""


def _pair_quotes(lines: list[str]) -> tuple[list[_Quote], list[Diagnostic]]:
    """Pair straight and English quotes across a text; a quotation running over several paragraphs
    reopens with « at each paragraph. Unpaired quotes are left alone and reported."""
    quotes: list[_Quote] = []
    problems: list[Diagnostic] = []
    stack: list[_Quote] = []

    def give_up(pending: list[_Quote]) -> None:
        for quote in pending:
            quote.role = ""
            problems.append(Diagnostic(f"unbalanced quote {quote.char!r}: left as typed", None,
                                       quote.line + 1, quote.col + 1))

    for number, line in enumerate(lines):
        if not line:
            continue
        if SEPARATOR.match(line):  # a scene break ends any quotation
            give_up(stack)
            stack = []
            continue
        for col, char in enumerate(line):
            if char not in '"“”«»':
                continue
            quote = _Quote(number, col, char)
            quotes.append(quote)
            role = _classify(line, col)
            if col == 0 and stack and role in ("open", "either") and len(stack) == 1 \
                    and stack[0].line < number:
                quote.role, quote.level = "reopen", 1        # « repeated at a new paragraph
            elif role == "close" or (role == "either" and stack and stack[-1].char in ('"', char)):
                if stack:
                    opener = stack.pop()
                    quote.role, quote.level = "close", opener.level
                else:
                    give_up([quote])
            elif role in ("open", "either"):
                quote.role, quote.level = "open", len(stack) + 1
                stack.append(quote)
            else:
                problems.append(Diagnostic(f"lone quote {char!r}: left as typed", None, number + 1, col + 1))
        if stack and not _continues_quotation(lines, number, stack):
            give_up(stack)
            stack = []
    give_up(stack)
    return quotes, problems


# --- straight single quotes ---------------------------------------------------------------------

_OPENS_SINGLE = set(" \u00a0\u202f([{«“—–-")
_CLOSES_SINGLE = set(" \u00a0\u202f,.;:!?)]}»”…")


def _single_quotes(line: str) -> str:
    """Straight single quotes that are not apostrophes between two letters: a pair around words on
    one line is a quotation, typed as one, and becomes `"` (the quote pass makes it « » or “ ”); an
    unpaired one ending a word is an elision, as spoken French writes it (`not' maître`, `All' est`),
    and so is one between a word and a quotation (`d'"…"`): they become ’. An unpaired one before a
    word (`'tain`, or a stray quote) is left as typed and reported. Same length: columns hold."""
    chars = list(line)
    openers: list[int] = []
    elisions: list[int] = []
    for col, char in enumerate(line):
        if char != "'":
            continue
        before = line[col - 1] if col else " "
        after = line[col + 1] if col + 1 < len(line) else " "
        if before.isalnum() and after.isalnum():
            continue  # an apostrophe in a word: the apostrophe rule sets it
        if before.isalnum() and after in '"“«':
            chars[col] = "’"
        elif before in _OPENS_SINGLE and after.isalnum():
            openers.append(col)
        elif (before.isalnum() or before in ".!?…") and after in _CLOSES_SINGLE:
            if openers:
                chars[openers.pop()] = chars[col] = '"'
            elif before.isalnum():
                elisions.append(col)
    for col in elisions:
        chars[col] = "’"
    return "".join(chars)


def _continues_quotation(lines: list[str], number: int, stack: list[_Quote]) -> bool:
    """An open quotation goes on in the next paragraph only if that paragraph starts with a quote."""
    for following in lines[number + 1:]:
        if following:
            return len(stack) == 1 and following[0] in '"“«'
    return False


def _quote_char(quote: _Quote) -> str:
    if not quote.role or quote.char in "«»":
        return quote.char
    if quote.role == "reopen":
        return "«"
    if quote.level == 1:
        return "«" if quote.role == "open" else "»"
    return "“" if quote.role == "open" else "”"


# --- the rules, each over the whole text ---------------------------------------------------

_S = f"[{_SPACES}]"


# Every pattern starts with a literal or a character class, never a lookbehind: Python's re engine
# then skips ahead to candidate positions, which makes a pass over a whole book ten times faster.
@cache
def _rules(style: HouseStyle) -> list[tuple[re.Pattern[str], str | object]]:
    gs = style.guillemet_space
    dialogue = r"--|–|—|-" if style.dialogue_hyphen else r"--|–|—"
    return [
        # apostrophe: every straight or modifier apostrophe inside a word becomes ’
        (re.compile(r"['\u02bc](?<=\w.)(?=\w)"), "’"),
        # ellipsis: three or more dots, spaced or not, become …
        (re.compile(r"\.(?: ?\.){2,}"), "…"),
        # no space typed before a comma or a period after a word (a file extension after a space is
        # protected; after a straight quote, the space says which way the quote turns: it stays)
        (re.compile(r" (?<=[\w)\]»”’…] )([,.])(?![.\w])"), r"\1"),
        # dialogue dash at the start of a line, followed by a no-break space (words follow it, or a
        # quotation: a dash before punctuation is not dialogue)
        (re.compile(rf"^(?:{dialogue}){_S}+(?=[\w«“\"(\[])", re.MULTILINE), "—" + NBSP),
        # incise: a spaced hyphen (or double hyphen) between words is an en dash
        (re.compile(r"-(?<=\S -)-?(?= \S)|–(?<=\S –)(?= \S)"), "–"),
        # guillemets: the house space after «
        (re.compile(rf"«{_S}*(?=\S)"), "«" + gs),
        # digit groups: an existing grouping takes the narrow no-break space
        (re.compile(r"\d(?<![\d,.]\d)\d{0,2}(?:[ \u00a0\u202f]\d{3})+(?!\d|[,.]\d)"),
         lambda m: re.sub("[ \u00a0]", NNBSP, m.group())),
        # a 5- to 9-digit integer is grouped by thousands; not a phone number (leading 0), not a
        # longer identifier, not a postcode before a town name
        (re.compile(r"[1-9](?<![\d,.\u202f\u00a0][1-9])\d{4,8}(?!\d|[,.]\d)(?<!\b\d{5}(?= [A-ZÀ-Ý]))"),
         lambda m: _group(m.group())),
        # a number and its unit, percent or currency: no-break space
        (re.compile(r"(\d(?<![\w.,]\d)\d*(?:[,.]\d+)?) ?"
                    r"(%|‰|€|\$|£|°C|°F|km/h|km|cm|mm|m²|m³|m|kg|mg|g|ml|cl|min|h|Mo|Go|Ko|ko|To|ha)"
                    r"(?![\w’'])"), lambda m: f"{m.group(1)}{NBSP}{m.group(2)}"),
        # ordinals: 2ème → 2e, 1ère → 1re, XIXème → XIXe (Mme, Mlle are not ordinals)
        (re.compile(r"1(?<!\w1)(?:ère|ere)(s?)\b"), r"1re\1"),
        (re.compile(r"(\d(?<!\w\d)\d*|[IVXLC](?<!\w[IVXLC])[IVXLC]*)(?:ième|ème|eme)(s?)\b"), r"\1e\2"),
        # the other spellings contributors use: 3è → 3e, 1ier → 1er, 1ière → 1re, 2nd → 2d, 2nde → 2de
        (re.compile(r"(\d(?<!\w\d)\d*)è(s?)\b"), r"\1e\2"),
        (re.compile(r"1(?<!\w1)ier(s?)\b"), r"1er\1"),
        (re.compile(r"1(?<!\w1)ière(s?)\b"), r"1re\1"),
        (re.compile(r"(\d(?<!\w\d)\d*)nd(e?s?)\b"), r"\1d\2"),
    ]


# What comes before « » ! ? ; : … and how it is spaced: handled in one scan, walking back over the
# spaces in Python, since a regular expression would have to start with them.
_SPACED_MARK = re.compile(rf"[!?](?:{_S}*[!?])*|[;:»…]")
_OPENING = set("([«“\n")


def _space_before_marks(text: str, style: HouseStyle) -> str:
    spaces = {"!": style.high_punctuation_space, "?": style.high_punctuation_space,
              ";": style.high_punctuation_space, ":": style.colon_space, "»": style.guillemet_space}
    out, position = [], 0
    for match in _SPACED_MARK.finditer(text):
        start = match.start()
        while start > position and text[start - 1] in _SPACES:
            start -= 1
        before = text[start - 1] if start > 0 else "\n"
        mark = match.group()
        if mark == "…":
            # an ellipsis is attached to the previous word; `etc.` never takes one
            if start == match.start() or not (before.isalnum() or before == "_"):
                continue
            replacement = "…"
        elif before in _OPENING or before.isspace():
            continue
        else:
            replacement = spaces[mark[0]] + re.sub(_S, "", mark)
        out += [text[position:start], replacement]
        position = match.end()
    out.append(text[position:])
    return _ETC.sub("etc.", "".join(out))


_ETC = re.compile(r"etc…(?<!\wetc…)")
_CHEVRONS = re.compile(r"<<(?!<)(?<!<<<)|>>(?!>)(?<!>>>)")


def _group(digits: str) -> str:
    head = len(digits) % 3 or 3
    return NNBSP.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def apply_typography(text: str, style: HouseStyle = HouseStyle()) -> tuple[str, tuple[Diagnostic, ...]]:
    """Set French typography on clean text (see `clean_text`). Each rule runs once over the whole
    text: no pattern crosses a line end, and none matches a separator line (`---`, `***`)."""
    masked, tokens = _protect(text)
    # ASCII chevrons typed for guillemets; a filler keeps the length, so columns stay the author's.
    masked = _CHEVRONS.sub(lambda m: "\ufdd2«" if m.group() == "<<" else "»\ufdd2", masked)
    lines = [_single_quotes(line) if "'" in line else line for line in masked.split("\n")]
    masked = "\n".join(lines)
    line_starts = list(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    quotes, problems = _pair_quotes(lines)
    chars = list(masked)
    for quote in quotes:
        chars[line_starts[quote.line] + quote.col] = _quote_char(quote)
    masked = "".join(chars)
    problems.extend(_lone_apostrophes(masked))  # before the rules change lengths: true columns
    for pattern, replacement in _rules(style):
        masked = pattern.sub(replacement, masked)
    masked = _space_before_marks(masked, style).replace("\ufdd2", "")
    return _restore(masked, tokens), tuple(sorted(problems, key=lambda d: (d.line or 0, d.col or 0)))


_LONE_APOSTROPHE = re.compile(r"'(?<!\w')|'(?!\w)")  # not between two letters, where it becomes ’


def _lone_apostrophes(text: str) -> list[Diagnostic]:
    problems = []
    for match in _LONE_APOSTROPHE.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        problems.append(Diagnostic("lone straight quote \"'\": left as typed", None,
                                   text.count("\n", 0, match.start()) + 1, match.start() - line_start + 1))
    return problems
