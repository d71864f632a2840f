"""Random manuscripts: every build gives an EPUB that passes EPUBCheck and a PDF that opens, or
exits with one message naming a file. A few examples in the normal suite; thousands with --runslow
(about four seconds an example)."""

from __future__ import annotations


import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, build_quietly, epubcheck, make_project
from make_book.errors import MakeBookError

PIECES = ["Texte de Zoé Roy", "Par Jean", "Auteur : Ana", "_____", "-----", "***", "=====", "",
          "<script>alert('x')</script>", "a & b ]]> c", "\"guillemet", "l'été", "Quoi?!", "...",
          "\x07\x1b", "\u202f\u00a0", "« »", "*gras*", "_souligné_", "10000 €", "\t  \t"]
line = st.one_of(st.sampled_from(PIECES), st.text(max_size=80),
                 st.text(alphabet="aéèçàùœ’ ", min_size=1000, max_size=20_000))
text_content = st.one_of(
    st.lists(line, max_size=12).map(lambda lines: "\n".join(lines).encode("utf-8")),
    st.lists(st.sampled_from(PIECES[:12]), max_size=6).map(lambda lines: "\r\n".join(lines).encode("cp1252",
                                                                                                   "ignore")),
    st.binary(max_size=300),
)


@settings(max_examples=2000 if getattr(pytest, "long_run", False) else 4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=st.lists(text_content, min_size=1, max_size=3))
def test_a_random_manuscript_builds_valid_files_or_fails_naming_a_file(tmp_path_factory, files) -> None:
    project = tmp_path_factory.mktemp("fuzz")
    manuscript = make_project(project, FIXTURES / "small-book" / "manuscript")
    for path in (manuscript / "tome-1").iterdir():
        path.unlink()
    for index, content in enumerate(files, start=1):
        (manuscript / "tome-1" / f"{index}-x.txt").write_bytes(content)
    try:
        build_quietly(manuscript, project / "out", tomes=(1,))
    except MakeBookError as error:
        assert ".txt" in error.format_message() or "book.toml" in error.format_message()
        return
    assert epubcheck(project / "out" / "petit-livre-tome-1.epub") == []
    with pikepdf.open(project / "out" / "petit-livre-tome-1.pdf") as pdf:
        assert len(pdf.pages) > 0
