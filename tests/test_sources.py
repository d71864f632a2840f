"""Bytes to text: encodings, BOMs, binary files, damaged UTF-8."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from make_book.errors import MakeBookError
from make_book.sources import decode

PATH = Path("tome-1/1-texte.txt")
FRENCH = "Titre\nL’été à Noël, ça coûte 10 € : œuvre, naïve, « guillemets ».\n"


@pytest.mark.parametrize("data, encoding", [
    (FRENCH.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + FRENCH.encode("utf-16-le"), "utf-16-le"),
    (codecs.BOM_UTF16_BE + FRENCH.encode("utf-16-be"), "utf-16-be"),
])
def test_unicode_encodings_decode_silently(data: bytes, encoding: str) -> None:
    source, notes = decode(data, PATH)
    assert (source.text, source.encoding, notes) == (FRENCH, encoding, ())


def test_windows_1252_is_read_and_said() -> None:
    source, notes = decode(FRENCH.encode("cp1252"), PATH)
    assert source.text == FRENCH
    assert [str(note) for note in notes] == [f"{PATH}: read as cp1252 (not UTF-8)"]


def test_latin_1_text_without_cp1252_only_characters() -> None:
    text = "Titre\nÀ côté de la forêt, un garçon très âgé.\n"
    source, notes = decode(text.encode("latin-1"), PATH)
    assert source.text == text and "read as" in str(notes[0])


def test_nul_bytes_mean_a_binary_file() -> None:
    with pytest.raises(MakeBookError, match=r"1-texte.txt:2: not a text file \(it contains NUL bytes\)"):
        decode(b"Titre\n\x00\x01\x02binary", PATH)


def test_damaged_utf8_is_an_error_with_its_line() -> None:
    data = "Titre\nLigne saine, été.\nLigne abîmée ".encode() + b"\xff\xfe" + b" fin."
    with pytest.raises(MakeBookError, match=r"1-texte.txt:3: invalid utf-8 byte 0xff"):
        decode(data, PATH)
