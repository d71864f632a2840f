"""What real reading systems make of the EPUB: the metadata library views read, fonts as Calibre's
Check Book and MuPDF see them, and contributors' text in every script. Calibre and MuPDF are Debian's
packages (.ci/install-system-deps installs them; CI sets MAKE_BOOK_REQUIRE_READERS=1 so that these
tests fail rather than skip without them)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from bookfiles import NS, Epub
from conftest import FIXTURES, ROOT, build_quietly, epubcheck, make_project, need, run_cli
from fontTools.ttLib import TTFont
from make_book.check import check_ace
from pypdf import PdfReader

MULTISCRIPT = ("Salam, shalom 😀\nTexte de Rania Haddad\n\n"
               "Sur le groupe, elle a écrit « مرحبا بكم » avant tout le monde, puis un simple 👍 pour dire oui.\n"
               "Son voisin a répondu שלום en hébreu, et la conversation a continué en français 🙂.\n")


@pytest.fixture(scope="module")
def multiscript_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The small book with a text in French, Arabic and Hebrew, with emoji."""
    project = tmp_path_factory.mktemp("multiscript")
    manuscript = make_project(project, FIXTURES / "small-book" / "manuscript")
    (manuscript / "tome-1" / "3-ailleurs.txt").write_text(MULTISCRIPT, encoding="utf-8")
    result = build_quietly(manuscript, project / "build")
    return project / "build", result


def calibre_problems(*books: Path) -> dict[str, list]:
    calibre = need("calibre-debug")
    run = subprocess.run([calibre, str(Path(__file__).parent / "calibre_check_book.py"), *map(str, books)],
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                              "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox"})
    found = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(found) == len(books), run.stderr[-2000:]
    return {Path(entry["book"]).name: entry["problems"] for entry in found}


def test_calibre_check_book_finds_nothing(small_build: Path, multiscript_build: tuple[Path, object]) -> None:
    books = sorted(small_build.glob("*.epub")) + sorted(multiscript_build[0].glob("*.epub"))[:1]
    assert calibre_problems(*books) == {book.name: [] for book in books}


def test_fonts_have_the_media_type_calibre_expects_and_the_family_the_css_gives(small_build: Path) -> None:
    book = Epub(small_build / "petit-livre-tome-1.epub")
    fonts = {item.get("href"): item.get("media-type") for item in book.opf.iterfind(".//opf:item", NS)
             if item.get("href").startswith("styles/fonts/")}
    assert fonts and set(fonts.values()) == {"application/vnd.ms-opentype"}
    css = book.read("EPUB/styles/book.css").decode()
    for href in fonts:
        font = TTFont(io.BytesIO(book.read(f"EPUB/{href}")))
        family, subfamily = font["name"].getDebugName(1), font["name"].getDebugName(2)
        assert family == "Book Libertine"
        rule = next(rule for rule in re.findall(r"@font-face\s*\{[^}]*\}", css) if Path(href).name in rule)
        assert ("italic" in rule) == ("Italic" in subfamily) and ("bold" in rule) == ("Bold" in subfamily)


def test_mupdf_sets_body_text_in_the_book_font_and_keeps_the_header_apart(demo_build: Path,
                                                                         tmp_path: Path) -> None:
    mutool = need("mutool")
    text_file = tmp_path / "book.stext"
    subprocess.run([mutool, "draw", "-F", "stext", "-o", str(text_file), str(demo_build / "612-rencontres-tome-1.epub")],
                   capture_output=True, check=True, timeout=300)
    stext = text_file.read_text()
    letters_by_font: dict[str, int] = {}
    for font, body in re.findall(r'<font name="([^"]*)"[^>]*>(.*?)</font>', stext, re.S):
        letters = sum(1 for char in re.findall(r' c="([^"&]*)"', body) if char.isalpha())
        letters_by_font[font] = letters_by_font.get(font, 0) + letters
    in_book_font = sum(count for font, count in letters_by_font.items() if font.startswith("Book Libertine"))
    assert in_book_font == sum(letters_by_font.values()) > 1000, letters_by_font
    # The author line and the first paragraph: the header's bottom margin is kept (MuPDF treats
    # <header> as a block only when the stylesheet says so).
    lines = [(tuple(map(float, box.split())), "".join(re.findall(r' c="([^"]*)"', body)))
             for box, body in re.findall(r'<line bbox="([^"]*)"[^>]*>(.*?)</line>', stext, re.S)]
    author = next(index for index, (_, text) in enumerate(lines) if text.startswith("Texte de Anthony"))
    assert lines[author + 1][0][1] - lines[author][0][3] > 10  # points between the two lines


def test_the_colophon_names_the_typeface_the_fonts_say(small_build: Path) -> None:
    copyright_page = Epub(small_build / "petit-livre-tome-1.epub").read("EPUB/copyright.xhtml").decode()
    assert "Composé en Linux Libertine O." in copyright_page


def test_emoji_arabic_and_hebrew_build_from_embedded_fallback_fonts(multiscript_build: tuple[Path, object]) -> None:
    build, result = multiscript_build
    warnings = [str(note) for note in result.diagnostics]
    assert any("3-ailleurs.txt:1: not in the book font, set in Book Symbola: U+1F600 😀" in note for note in warnings)
    assert any("3-ailleurs.txt:4: not in the book font, set in Book Noto Naskh Arabic" in note for note in warnings)
    assert not any("set in Book Noto Serif Hebrew" in note for note in warnings)  # Linux Libertine has Hebrew
    epub_path = build / "petit-livre-tome-1.epub"
    assert epubcheck(epub_path) == []
    book = Epub(epub_path)
    xhtml = book.read("EPUB/t1-003.xhtml").decode()
    assert "<bdi>مرحبا بكم</bdi>" in xhtml and "<bdi>שלום</bdi>" in xhtml  # right-to-left runs isolated
    assert 'href="styles/fallback.css"' in xhtml
    for name in ("NotoNaskhArabic-Regular.ttf", "Symbola.ttf"):
        font = TTFont(io.BytesIO(book.read(f"EPUB/styles/fonts/fallback/{name}")))
        assert font["name"].getDebugName(1).startswith("Book ")
    # tome 2 has none of these characters: no fallback font, no fallback stylesheet in it
    assert not [name for name in zipfile.ZipFile(build / "petit-livre-tome-2.epub").namelist() if "fallback" in name]
    # The PDF: every font embedded, the fallback ones among them, and the characters in the text layer.
    with pikepdf.open(build / "petit-livre-tome-1.pdf") as pdf:
        names = {str(font.BaseFont) for page in pdf.pages for font in page.Resources.get("/Font", {}).values()}
    assert any("Symbola" in name for name in names) and any("Noto-Naskh-Arabic" in name for name in names)
    text = "".join(page.extract_text() for page in PdfReader(build / "petit-livre-tome-1.pdf").pages)
    assert "😀" in text and "👍" in text and all(letter in text for letter in "שלום")


def test_ace_finds_no_violation_in_the_multiscript_book(multiscript_build: tuple[Path, object]) -> None:
    required = os.environ.get("MAKE_BOOK_REQUIRE_ACE") == "1"
    findings = check_ace(multiscript_build[0] / "petit-livre-tome-1.epub", required)
    if findings[0].status == "skipped":
        pytest.skip("Ace by DAISY is not installed")
    assert [finding.status for finding in findings] == ["ok"], findings


def test_a_fallback_font_is_a_warning_that_strict_turns_into_a_failure(small_project: Path, tmp_path: Path) -> None:
    (small_project / "tome-1" / "3-ailleurs.txt").write_text(MULTISCRIPT, encoding="utf-8")
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path / "out"), "--strict")
    assert result.returncode == 1 and "set in Book Symbola" in result.stderr and "--strict" in result.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.epub"))


def test_a_link_leading_out_of_the_manuscript_is_refused_and_nothing_of_it_is_published(
        small_project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "credentials.txt"
    secret.parent.mkdir()
    secret.write_text("Titre secret\nTOKEN=ghp_0123456789abcdef\n")
    (small_project / "tome-1" / "5-lien.txt").symlink_to(secret)
    out = tmp_path / "out"
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "5-lien.txt: leads outside the manuscript folder" in result.stderr
    assert "ghp_" not in result.stderr + result.stdout
    assert not out.exists() or not any("ghp_" in path.read_bytes().decode("latin-1")
                                       for path in out.rglob("*") if path.is_file())
    # `make-book fmt` reads the same files: it refuses the link too
    formatted = run_cli("fmt", "--manuscript", str(small_project))
    assert formatted.returncode == 1 and "5-lien.txt: leads outside" in formatted.stderr


def test_a_styles_file_or_cover_leading_out_of_the_project_is_refused(small_project: Path, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere.png"  # the project folder is tmp_path
    outside.write_bytes((ROOT / "docs" / "images" / "epub-text.png").read_bytes())
    (small_project.parent / "styles" / "stolen.png").symlink_to(outside)
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "stolen.png: leads outside the styles folder" in result.stderr
    (small_project.parent / "styles" / "stolen.png").unlink()
    (small_project / "cover.png").symlink_to(outside)
    config = small_project / "book.toml"
    config.write_text(config.read_text().replace('folder = "tome-1"', 'folder = "tome-1"\ncover_image = "cover.png"'))
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "'tomes[1].cover_image' points outside the project folder" in result.stderr
