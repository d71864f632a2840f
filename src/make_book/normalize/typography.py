"""French typography (see RULES.md): pure `str -> str` steps, one comment per rule.

Tokens that look like punctuation but are not prose (URLs, e-mails, paths, times, emoticons, primes,
file extensions) are masked first by placeholders of the same length, so that the quote pass, which
reports problems, still reports true columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from make_book.config import HouseStyle
from make_book.errors import Diagnostic

NNBSP, NBSP = "\u202f", "\u00a0"
_SPACES = " \u00a0\u202f\u2009"
_SEPARATOR_LINE = re.compile(r"^[_\-*=]{3,}$")

_TRAILING = r"[^\s<>\"«»“”]*[^\s<>\"«»“”.,;:!?)\]]"
_PROTECTED = re.compile("|".join([
    rf"\b(?:https?|ftp)://{_TRAILING}",               # URLs
    rf"\bwww\.{_TRAILING}",
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",                   # e-mail addresses
    rf"\b[A-Za-z]:\\{_TRAILING}?",                     # Windows paths
    r"\b\d+:\d+\b",                                    # clock times and references: 10:30, Jean 3:16
    r"\b\d{1,2}h\d{2}\b",                              # 10h30
    r"(?<!\S)[:;=]'?-?[()DPpOo3/\\|\[\]](?![\w)])",    # emoticons: ;-) :) :D
    r"\b\d+'\d+\"?",                                   # primes: 2'33"
    r"(?<=\s)\.[A-Za-z0-9]{2,5}\b",                    # a file extension after a space: en .docx
]))
_MASKS = "\ufdd0\ufdd1"  # noncharacters, removed from input by hygiene


def _protect(line: str) -> tuple[str, list[str]]:
    tokens: list[str] = []

    def mask(match: re.Match[str]) -> str:
        tokens.append(match.group())
        return _MASKS[(len(tokens) - 1) % 2] * len(match.group())

    return _PROTECTED.sub(mask, line), tokens


def _restore(line: str, tokens: list[str]) -> str:
    pieces = iter(tokens)
    return re.sub("\ufdd0+|\ufdd1+", lambda _: next(pieces), line)


# --- quotes -----------------------------------------------------------------------------------

_OPENERS = "«“"
_CLOSERS = "»”"
_BEFORE_OPEN = set(" \u00a0\u202f([{«“‘—–-/") | {""}
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
        if not line or _SEPARATOR_LINE.match(line):
            if not line:
                continue
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


def _continues_quotation(lines: list[str], number: int, stack: list[_Quote]) -> bool:
    """An open quotation goes on in the next paragraph only if that paragraph starts with a quote."""
    for following in lines[number + 1:]:
        if following:
            return len(stack) == 1 and following[0] in '"“«'
    return False


def _quote_char(quote: _Quote) -> str:
    if not quote.role:
        return quote.char
    if quote.char in "«»" or quote.role == "reopen":
        return {"«": "«", "»": "»"}.get(quote.char, "«")
    if quote.level == 1:
        return "«" if quote.role == "open" else "»"
    return "“" if quote.role == "open" else "”"


# --- the rules, one line at a time -----------------------------------------------------------

_S = f"[{_SPACES}]"


def _rules(style: HouseStyle) -> list[tuple[re.Pattern[str], str | object]]:
    hs, cs, gs = style.high_punctuation_space, style.colon_space, style.guillemet_space
    dialogue = r"--|–|—|-" if style.dialogue_hyphen else r"--|–|—"
    return [
        # apostrophe: every straight or modifier apostrophe inside a word becomes ’
        (re.compile(r"(?<=\w)['\u02bc](?=\w)"), "’"),
        # ellipsis: three or more dots, spaced or not, become …
        (re.compile(r"\.(?: ?\.){2,}"), "…"),
        # ... attached to the previous word
        (re.compile(r"(?<=\w) +…"), "…"),
        # etc. never takes an ellipsis
        (re.compile(r"\betc…"), "etc."),
        # dialogue dash at the start of a line, followed by a no-break space
        (re.compile(rf"^(?:{dialogue}){_S}+(?=\S)"), "—" + NBSP),
        # incise: a spaced hyphen (or double hyphen) between words is an en dash
        (re.compile(r"(?<=\S) (?:--?|–)(?= \S)"), " –"),
        # guillemets: the house space inside, whatever was typed
        (re.compile(rf"«{_S}*(?=\S)"), "«" + gs),
        (re.compile(rf"(?<=\S){_S}*»"), gs + "»"),
        # high punctuation ! ? as a group: one space before, none inside (?! not ? !)
        (re.compile(rf"(?<=[^\s(\[«“]){_S}*([!?](?:{_S}*[!?])*)"),
         lambda m: hs + re.sub(_S, "", m.group(1))),
        # semicolon
        (re.compile(rf"(?<=[^\s(\[«“]){_S}*;"), hs + ";"),
        # colon (clock times and references are protected)
        (re.compile(rf"(?<=[^\s(\[«“]){_S}*:"), cs + ":"),
        # digit groups: an existing grouping takes the narrow no-break space
        (re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d|[,.]\d)"),
         lambda m: re.sub("[ \u00a0]", NNBSP, m.group())),
        # a 5- to 9-digit integer is grouped by thousands; not a phone number (leading 0), not a
        # longer identifier, not a postcode before a town name
        (re.compile(r"(?<![\d,.\u202f\u00a0])[1-9]\d{4,8}(?!\d|[,.]\d)(?<!\b\d{5}(?= [A-ZÀ-Ý]))"),
         lambda m: _group(m.group())),
        # a number and its unit, percent or currency: no-break space
        (re.compile(r"(?<![\w.,])(\d+(?:[,.]\d+)?) ?"
                    r"(%|‰|€|\$|£|°C|°F|km/h|km|cm|mm|m²|m³|m|kg|mg|g|ml|cl|min|h|Mo|Go|Ko|ko|To|ha)"
                    r"(?![\w’'])"), lambda m: f"{m.group(1)}{NBSP}{m.group(2)}"),
        # ordinals: 2ème → 2e, 1ère → 1re, XIXème → XIXe (Mme, Mlle are not ordinals)
        (re.compile(r"\b1(?:ère|ere)(s?)\b"), r"1re\1"),
        (re.compile(r"\b(\d+|[IVXLC]+)(?:ième|ème|eme)(s?)\b"), r"\1e\2"),
    ]


def _group(digits: str) -> str:
    head = len(digits) % 3 or 3
    return NNBSP.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def apply_typography(text: str, style: HouseStyle = HouseStyle()) -> tuple[str, tuple[Diagnostic, ...]]:
    """Set French typography on clean text (see `clean_text`). Separator lines are left alone."""
    lines = text.split("\n")
    masked = [_protect(line) for line in lines]
    quotes, problems = _pair_quotes([line for line, _ in masked])
    by_line: dict[int, list[_Quote]] = {}
    for quote in quotes:
        by_line.setdefault(quote.line, []).append(quote)
    rules = _rules(style)
    out = []
    for number, (line, tokens) in enumerate(masked):
        if _SEPARATOR_LINE.match(line):
            out.append(lines[number])
            continue
        chars = list(line)
        for quote in by_line.get(number, ()):
            chars[quote.col] = _quote_char(quote)
        line = "".join(chars)
        for pattern, replacement in rules:
            line = pattern.sub(replacement, line)
        problems.extend(_lone_apostrophes(line, number))
        out.append(_restore(line, tokens))
    return "\n".join(out), tuple(sorted(problems, key=lambda d: (d.line or 0, d.col or 0)))


def _lone_apostrophes(line: str, number: int) -> list[Diagnostic]:
    return [Diagnostic("lone straight quote \"'\": left as typed", None, number + 1, match.start() + 1)
            for match in re.finditer("'", line)]
