"""The French typography rules: the worked cases, the seed excerpt, and properties."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from make_book.cli import cli
from make_book.config import HouseStyle
from make_book.normalize import apply_typography, clean_text, normalize

ROOT = Path(__file__).resolve().parents[1]
# The project's own worked cases; a reference set beside the checkout (../shared/), when there, adds more.
CASES = json.loads((ROOT / "tests" / "fixtures" / "typography-cases.json").read_text(encoding="utf-8"))
EXTRA_CASES = ROOT.parent / "shared" / "typography" / "fr-cases.json"
if EXTRA_CASES.exists():
    CASES += [dict(case, rule=f"shared: {case['rule']}") for case in json.loads(EXTRA_CASES.read_text())]
# The contributed text of the demo book: its body as submitted, sloppy spaces included (the header
# lines around the excerpt were dropped when it was put in the manuscript).
SEED = ROOT / "manuscript" / "tome-1" / "001-le-ravissement-du-collaboratif.txt"
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize("case", CASES, ids=[case["rule"] for case in CASES])
def test_worked_case_through_the_library(case: dict) -> None:
    assert normalize(case["input"])[0] == case["expected"]


@pytest.mark.parametrize("case", CASES, ids=[case["rule"] for case in CASES])
def test_worked_case_through_fmt_stdin(case: dict, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["fmt", "--manuscript", str(tmp_path), "-"],
                                input=case["input"].encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert result.stdout == case["expected"]


def test_the_cases_are_there() -> None:
    assert len(CASES) >= 44


def test_seed_excerpt_gets_only_the_space_fixes() -> None:
    source = SEED.read_text(encoding="utf-8")
    text, problems = normalize(source)
    assert f"réaction{NNBSP}!" in text
    assert f"«{NNBSP}digitale{NNBSP}»" in text
    assert problems == ()
    words = re.compile(r"[^\W\d_]+")
    assert words.findall(text) == words.findall(source)
    without_spaces = re.compile("[ \u00a0\u202f]")
    assert without_spaces.sub("", text) == without_spaces.sub("", source)


@pytest.mark.parametrize("style, text, expected", [
    (HouseStyle(high_punctuation_space="\u00a0"), "Quoi?", f"Quoi{NBSP}?"),
    (HouseStyle(high_punctuation_space=""), "Quoi ?", "Quoi?"),
    (HouseStyle(colon_space=NNBSP), "Note: oui", f"Note{NNBSP}: oui"),
    (HouseStyle(guillemet_space=NBSP), "«oui»", f"«{NBSP}oui{NBSP}»"),
    (HouseStyle(dialogue_hyphen=True), "- Oui.", f"—{NBSP}Oui."),
    (HouseStyle(), "- Oui.", "- Oui."),
])
def test_house_style_is_configurable(style: HouseStyle, text: str, expected: str) -> None:
    assert normalize(text, style)[0] == expected


@pytest.mark.parametrize("text, expected", [
    ("Il a 123456 abonnés.", f"Il a 123{NNBSP}456 abonnés."),
    ("Appelez le 0612345678.", "Appelez le 0612345678."),
    ("Écrire au 75001 Paris.", "Écrire au 75001 Paris."),
    ("Le 1er et la 1ère fois, le 2ème.", "Le 1er et la 1re fois, le 2e."),
    ("Voir www.exemple.fr!", f"Voir www.exemple.fr{NNBSP}!"),
    ("Écrivez à jean@exemple.fr: merci.", f"Écrivez à jean@exemple.fr{NBSP}: merci."),
    ("Bonjour ;-) et :)", "Bonjour ;-) et :)"),
    ("Il est 10h30.", "Il est 10h30."),
    ("Il a couru 2'33\" hier.", "Il a couru 2'33\" hier."),
])
def test_more_rules_from_rules_md(text: str, expected: str) -> None:
    assert normalize(text)[0] == expected


def test_unfixable_quotes_are_reported_with_line_and_column() -> None:
    text, problems = normalize("Première ligne.\nIl dit \"bonjour et s'en va.\nFin 'seule.")
    assert [(problem.line, problem.col) for problem in problems] == [(2, 8), (3, 5)]
    assert "unbalanced" in problems[0].message and "lone" in problems[1].message
    assert "\"bonjour" in text


# --- properties --------------------------------------------------------------------------------

WORDS = ["le", "la", "été", "réseau", "société", "Paris", "aujourd'hui", "l'homme", "c'est", "œuvre",
         "Ça", "ÉCOLE", "naïf", "1980", "10000", "3,14", "50", "km", "%", "€"]
PUNCTUATION = [".", ",", ";", ":", "!", "?", "?!", "...", "…", "-", "–", "—", "(", ")", "\"", "«", "»",
               "“", "”", "'", "etc..."]
SPACES = [" ", " ", " ", "  ", "\t", NBSP, NNBSP, "\n", "\n\n"]
french_like = st.lists(st.tuples(st.sampled_from(WORDS + PUNCTUATION), st.sampled_from(SPACES)),
                       max_size=60).map(lambda pairs: "".join(word + space for word, space in pairs))
LETTER_WORDS = re.compile(r"[^\W\d_]+")


@given(french_like)
def test_normalization_is_idempotent(text: str) -> None:
    once = normalize(text)[0]
    assert normalize(once)[0] == once


@given(french_like)
def test_normalization_loses_no_word(text: str) -> None:
    # `etc...` becomes `etc.`: the word stays. Ordinals are not generated here (see docs/typography.md).
    assert LETTER_WORDS.findall(normalize(text)[0]) == LETTER_WORDS.findall(clean_text(text))


@given(st.text())
def test_arbitrary_unicode_never_crashes_and_the_rules_are_idempotent(text: str) -> None:
    # The whole of normalize() is idempotent on French text (above). On arbitrary text the mojibake
    # repair is a heuristic: "Î" + U+00A0 (which the colon rule may create) is also how "Π" looks
    # when mis-decoded. So here: no crash, and each deterministic stage is idempotent.
    cleaned = clean_text(text)
    typeset, _ = apply_typography(cleaned)
    assert apply_typography(typeset)[0] == typeset
    assert unicodedata.is_normalized("NFC", cleaned)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\r]", typeset)


def test_reported_columns_are_those_of_the_typed_text_even_after_rules_change_lengths() -> None:
    line = "Il attendit... puis partit, 'seul."
    _, problems = normalize(line)
    assert [(problem.line, problem.col) for problem in problems] == [(1, line.index("'") + 1)]
