"""book.toml validation: every problem with its key, file and line; paths kept inside the project."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli
from make_book.config import load_config
from make_book.errors import ConfigError, MakeBookError

VALID = """\
title = "Livre"
editor = "Moi"
date = 2026-01-01

[[tomes]]
number = 1
title = "Tome 1"
folder = "tome-1"
"""


def write_config(tmp_path: Path, text: str) -> Path:
    manuscript = tmp_path / "manuscript"
    manuscript.mkdir(exist_ok=True)
    (manuscript / "book.toml").write_text(text)
    return manuscript


def problems(tmp_path: Path, text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, text))
    return caught.value.problems


def test_a_valid_config_gets_defaults_and_a_stable_identifier(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, VALID))
    again = load_config(write_config(tmp_path, VALID))
    assert config.meta.slug == "livre" and config.meta.language == "fr" and config.pdf.page_size == "A5"
    assert config.tomes[0].identifier.startswith("urn:uuid:")
    assert config.tomes[0].identifier == again.tomes[0].identifier
    assert config.tomes[0].folder == (tmp_path / "manuscript" / "tome-1").resolve()


def test_missing_key_wrong_type_and_unknown_key_are_all_reported_at_once(tmp_path: Path) -> None:
    text = VALID.replace('editor = "Moi"\n', "").replace("date = 2026-01-01", 'date = "hier"\ntitel = "x"')
    found = problems(tmp_path, text)
    assert (None, "missing required key 'editor'") in found
    assert (2, "'date' must be a date (2026-11-27), not a string") in found
    assert (3, "unknown key 'titel' (did you mean 'title'?)") in found


def test_problems_in_tables_and_tomes_name_their_key_and_line(tmp_path: Path) -> None:
    text = VALID + ('\n[pdf]\npage_siz = "A4"\nvariant = "pdf/x"\n\n'
                    '[[tomes]]\nnumber = "deux"\ntitle = "T2"\nfolder = "t2"\n')
    found = problems(tmp_path, text)
    assert (11, "unknown key 'pdf.page_siz' (did you mean 'page_size'?)") in found
    assert (12, "'pdf.variant' must be one of pdf/ua-1, pdf/a-3b, none, not 'pdf/x'") in found
    assert (15, "'tomes[2].number' must be an integer, not a string") in found


@pytest.mark.parametrize("folder", ["../../etc", "/etc", "../../../etc/passwd"])
def test_paths_outside_the_project_are_refused(tmp_path: Path, folder: str) -> None:
    found = problems(tmp_path, VALID.replace('folder = "tome-1"', f'folder = "{folder}"'))
    assert any("tomes[1].folder" in message and line == 8 for line, message in found)


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(MakeBookError, match=r"book.toml:2: invalid TOML"):
        load_config(write_config(tmp_path, 'title = "x"\neditor = \n'))


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MakeBookError, match="no book.toml here"):
        load_config(tmp_path)


def test_the_cli_reports_config_errors_with_exit_1_and_no_traceback(tmp_path: Path) -> None:
    manuscript = write_config(tmp_path, VALID.replace("title = \"Livre\"", "titre = \"Livre\""))
    result = run_cli("build", "--manuscript", str(manuscript), "--out", str(tmp_path / "b"))
    assert result.returncode == 1
    assert "book.toml:1: unknown key 'titre' (did you mean 'title'?)" in result.stderr
    assert "missing required key 'title'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "b").exists()


# Every TOML form a key can take, each with one wrong value: the problem must name that line.
TOML_FORMS = {
    "table": ('[pdf]\nvariant = "pdf/x"\n', 2),
    "dotted key": ('pdf.variant = "pdf/x"\n', 1),
    "inline table": ('pdf = { page_size = "A5", variant = "pdf/x" }\n', 1),
    "quoted key": ('[pdf]\n"variant" = "pdf/x"\n', 2),
    "quoted dotted key": ('"pdf"."variant" = "pdf/x"\n', 1),
    "multi-line value": ('[pdf]\npage_size = "A5"\nvariant = """\npdf/x"""\n', 3),
    "comment and blank lines before": ('[pdf]\n# the variant\n\nvariant = "pdf/x"  # wrong\n', 4),
}


@pytest.mark.parametrize("form", sorted(TOML_FORMS))
def test_a_problem_names_its_line_whatever_the_toml_form(tmp_path: Path, form: str) -> None:
    snippet, line = TOML_FORMS[form]
    # Top-level keys first, then the snippet, then the tomes (a dotted key must come before any table).
    text = 'title = "Livre"\neditor = "Moi"\ndate = 2026-01-01\n' + snippet + "\n" + VALID.split("\n\n", 1)[1]
    offset = 3
    found = problems(tmp_path, text)
    assert [line_found for line_found, message in found if "pdf.variant" in message] == [line + offset], found


def test_a_problem_in_an_inline_array_of_tomes_names_its_line(tmp_path: Path) -> None:
    text = ('title = "Livre"\neditor = "Moi"\ndate = 2026-01-01\ntomes = [\n'
            '  { number = 1, title = "Tome 1", folder = "tome-1" },\n'
            '  { number = 2, title = "Tome 2", foldr = "tome-2" },\n]\n')
    found = problems(tmp_path, text)
    assert (6, "unknown key 'tomes[2].foldr' (did you mean 'folder'?)") in found  # written once: its line
    assert (4, "missing required key 'tomes[2].folder'") in found  # not written: the statement's line


def test_two_tomes_with_one_number_point_at_the_second(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID + '\n[[tomes]]\nnumber = 1\ntitle = "Bis"\nfolder = "bis"\n')
    assert (11, "two tomes have number 1") in found


def test_a_fallback_font_book_toml_names_must_exist_but_missing_defaults_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "styles" / "fonts").mkdir(parents=True)
    assert load_config(write_config(tmp_path, VALID)).fonts.fallback == ()
    found = problems(tmp_path, VALID.replace("[[tomes]]", '[fonts]\nfallback = ["absent.ttf"]\n\n[[tomes]]'))
    fonts = (tmp_path / "styles" / "fonts").resolve()
    assert found == [(6, f"'fonts.fallback' names 'absent.ttf', which is not a font file in {fonts}")]
