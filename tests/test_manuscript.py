"""The manuscript format: header, author line, separators, paragraphs, emphasis, order."""

from __future__ import annotations

from pathlib import Path

import pytest

from make_book.errors import MakeBookError
from make_book.manuscript import parse_text
from make_book.model import Paragraph, SectionBreak, Span
from make_book.sources import list_texts

PATH = Path("tome-1/1-texte.txt")


def test_title_then_author_then_one_paragraph_per_line() -> None:
    text = parse_text("Le titre\nTexte de Anthony Contat\nUn.\nDeux.\n", PATH)
    assert (text.title, text.title_line, text.author) == ("Le titre", 1, "Anthony Contat")
    assert [(p.plain, p.line) for p in text.paragraphs] == [("Un.", 3), ("Deux.", 4)]


@pytest.mark.parametrize("author_line", ["Texte de Zoé Roy", "Par Zoé Roy", "Auteur : Zoé Roy",
                                         "Auteur\u00a0: Zoé Roy", "texte de Zoé Roy"])
def test_author_line_forms_before_the_title_between_separators(author_line: str) -> None:
    text = parse_text(f"\n_____\n{author_line}\n-----\nLe titre\n=====\nCorps.", PATH)
    assert (text.title, text.author) == ("Le titre", "Zoé Roy")
    assert text.paragraphs[0].plain == "Corps."


@pytest.mark.parametrize("content", ["Par un soir de printemps\nTexte de Guy de Maupassant\n\nCorps.",
                                     "____\nPar un soir de printemps\n____\nPar Guy de Maupassant\nCorps."])
def test_a_title_that_starts_like_an_author_line_is_a_title_when_an_author_line_follows(content: str) -> None:
    text = parse_text(content, PATH)
    assert (text.title, text.author) == ("Par un soir de printemps", "Guy de Maupassant")
    assert [paragraph.plain for paragraph in text.paragraphs] == ["Corps."]


def test_a_text_without_author() -> None:
    text = parse_text("Présentation\n\nUn paragraphe.", PATH)
    assert text.author is None and text.paragraphs[0].plain == "Un paragraphe."


def test_blank_lines_between_paragraphs_join_the_lines_of_a_block() -> None:
    text = parse_text("Titre\n\nUne ligne\net la suite.\n\nAutre bloc.\n", PATH)
    assert [(p.plain, p.line) for p in text.paragraphs] == [("Une ligne et la suite.", 3), ("Autre bloc.", 6)]


def test_separators_inside_the_body_are_section_breaks_and_trailing_ones_are_ignored() -> None:
    text = parse_text("Titre\nUn.\n***\nDeux.\n___\n\n", PATH)
    assert [type(block) for block in text.blocks] == [Paragraph, SectionBreak, Paragraph]
    assert text.blocks[1].line == 3


def test_emphasis_with_stars_and_underscores_but_not_inside_words() -> None:
    text = parse_text("Titre\nUn *mot* et _un autre_, mais snake_case_name et 2*3*4 restent.", PATH)
    spans = text.paragraphs[0].spans
    assert Span("mot", True) in spans and Span("un autre", True) in spans
    assert sum(span.emphasis for span in spans) == 2
    assert "snake_case_name" in text.paragraphs[0].plain and "2*3*4" in text.paragraphs[0].plain


@pytest.mark.parametrize("content", ["", "\n\n", "_____\n-----\n", "Texte de Personne\n"])
def test_a_file_without_title_is_an_error_naming_the_file(content: str) -> None:
    with pytest.raises(MakeBookError, match="tome-1/1-texte.txt:1: no title"):
        parse_text(content, PATH)


def test_title_without_body_is_a_text_with_no_paragraph() -> None:
    assert parse_text("Juste un titre\n", PATH).blocks == ()


def test_natural_order_and_duplicate_order_keys(tmp_path: Path) -> None:
    for name in ["10-c.txt", "2-b.txt", "1-a.txt", "notes.md"]:
        (tmp_path / name).write_text("Titre\n")
    assert [path.name for path in list_texts(tmp_path, tmp_path)] == ["1-a.txt", "2-b.txt", "10-c.txt"]
    (tmp_path / "01-doublon.txt").write_text("Titre\n")
    with pytest.raises(MakeBookError, match="same order key '1'"):
        list_texts(tmp_path, tmp_path)


def test_a_missing_tome_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MakeBookError, match="tome folder does not exist"):
        list_texts(tmp_path / "absent", tmp_path)
