"""Text hygiene: line endings, NFC, invisible characters, ASCII spaces. Never changes a word."""

from __future__ import annotations

import re
import unicodedata

# CRLF, CR, NEL, line and paragraph separators, vertical tab and form feed all end a line.
_LINE_BREAK = re.compile("\r\n|[\r\x85\u2028\u2029\x0b\x0c]")
# C0/C1 controls except LF and tab; soft hyphen, zero-width space, word joiner, BOM, LRM/RLM;
# noncharacters (XML may not carry U+FFFE/U+FFFF, and U+FDD0.. are reserved for our placeholders).
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u200b\u2060\ufeff\u200e\u200f"
                        "\ufdd0-\ufdef\ufffe\uffff\U0001fffe\U0001ffff]")
# Spaces of other widths are sloppy typing; U+00A0 and U+202F are kept, they carry meaning.
_OTHER_SPACE = re.compile("[\t\u2000-\u200a\u205f\u3000]")
_SPACE_RUN = re.compile(" {2,}")
_EDGE_SPACES = re.compile("^ +| +$", re.MULTILINE)
# Python's \s and str.strip() would also eat U+00A0 and U+202F: only ASCII spaces are collapsed.


# UTF-8 read as cp1252 or Latin-1: a lead byte (Â..ô) followed by what a continuation byte decodes to.
_MOJIBAKE_HINT = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                            "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026"
                            "\u2030\u2039\u203a\u20ac\u2122]")


def clean_text(text: str) -> str:
    """Mojibake repaired, line endings to LF, NFC (never NFKC), invisible characters removed, ASCII
    space runs collapsed."""
    text = _tidy(text)
    if not _MOJIBAKE_HINT.search(text):
        return text
    # Mojibake comes before any space rule ("à" read as cp1252 is "Ã" + U+00A0), and after a first
    # tidy, so that it sees the spaces a second run would see. Only lines that look mis-decoded are
    # given to ftfy: fix_encoding only undoes mis-decoding (ftfy.fix_text would also straighten
    # curly quotes), and clean lines stay out of its heuristics.
    import ftfy  # imported here: most texts never need it, and a rebuild with nothing to do reads none

    lines = text.split("\n")
    fixed = [ftfy.fix_encoding(line, restore_byte_a0=False) if _MOJIBAKE_HINT.search(line) else line
             for line in lines]
    return text if fixed == lines else _tidy("\n".join(fixed))


# C1 control characters that are really Windows-1252 punctuation: text decoded as Latin-1 somewhere
# upstream (U+0092 is an apostrophe, U+0085 an ellipsis). A text holding any of them, U+0085 aside, is
# taken as mis-decoded and they all get their cp1252 meaning; otherwise U+0085 is a line end (NEL).
_CP1252_C1 = {code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0)
              if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_C1_PUNCTUATION = re.compile("[" + "".join(chr(code) for code in _CP1252_C1 if code != 0x85) + "]")


def _tidy(text: str) -> str:
    if _C1_PUNCTUATION.search(text):
        text = text.translate(_CP1252_C1)
    text = _LINE_BREAK.sub("\n", text)
    text = _INVISIBLE.sub("", text)  # before NFC, so that "e<soft hyphen>\u0301" composes
    text = unicodedata.normalize("NFC", text)
    text = _OTHER_SPACE.sub(" ", text)
    text = _SPACE_RUN.sub(" ", text)
    return _EDGE_SPACES.sub("", text)
