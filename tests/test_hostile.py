"""Bad input, faults and hostile manuscripts: a valid book or one clear message; nothing lost,
nothing fetched, nothing written outside the output folder. docs/errors.md lists these cases."""

from __future__ import annotations

import errno
import http.server
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import jinja2
import pypdf
import pytest

from conftest import ROOT, build_quietly, epubcheck, run_cli, snapshot
from make_book.errors import MakeBookError
from make_book.fetcher import StylesFetcher
from make_book.styles import read_styles
from make_book.templates import environment

sys.path.insert(0, str(ROOT / "bench"))
from corpus import generate  # noqa: E402


def one_text_book(small_project: Path, content: bytes | str) -> Path:
    """The small book with tome 1 reduced to one text of `content`."""
    for path in (small_project / "tome-1").iterdir():
        path.unlink()
    path = small_project / "tome-1" / "1-texte.txt"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


class RecordingServer:
    """A loopback HTTP server that counts the connections it receives."""

    def __init__(self) -> None:
        self.connections = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.connections += 1
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"p { color: red; }")

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_fetcher_serves_project_files_and_refuses_urls_and_outside_files(tmp_path: Path) -> None:
    server = RecordingServer()
    try:
        inside = tmp_path / "styles" / "a.css"
        inside.parent.mkdir()
        inside.write_text("p {}")
        for name in ("book.css", "print.css"):
            (tmp_path / "styles" / name).write_text("p {}")
        fetcher = StylesFetcher(read_styles(tmp_path / "styles"))
        inside.write_text("changed after the styles were read")
        response = fetcher.fetch(inside.as_uri())
        assert response.status == 200 and response.read() == b"p {}"  # the bytes read once, not the file now
        for url in (server.url + "font.otf", "file:///etc/hostname", (tmp_path / "styles" / ".." / "x").as_uri()):
            with pytest.raises(ValueError):
                fetcher.fetch(url)
        assert len(fetcher.refused) == 3
        assert server.connections == 0
    finally:
        server.close()


@pytest.mark.parametrize("reference", ["url(http://127.0.0.1:9/font.otf)", "url('file:///etc/hostname')",
                                       '@import "../../outside.css"', "url(fonts/absent.otf)"])
def test_a_stylesheet_reaching_outside_is_refused_before_anything_is_fetched(
        small_project: Path, tmp_path: Path, reference: str) -> None:
    server = RecordingServer()
    sheet = small_project.parent / "styles" / "print.css"
    reference = reference.replace("http://127.0.0.1:9/", server.url)
    sheet.write_text(sheet.read_text() + f"\nbody {{ background: {reference}; }}\n"
                     if "url" in reference else f"{reference};\n" + sheet.read_text())
    try:
        result = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path / "out"))
    finally:
        server.close()
    assert result.returncode == 1
    assert "print.css:" in result.stderr and "a stylesheet may use only files in the styles folder" in result.stderr
    assert server.connections == 0 and not (tmp_path / "out").exists()


def test_templates_escape_and_refuse_undefined_variables() -> None:
    template = environment().from_string("<p>{{ text }}</p>")
    assert template.render(text="<script>&") == "<p>&lt;script&gt;&amp;</p>"
    with pytest.raises(jinja2.UndefinedError):
        template.render()


def test_an_output_folder_that_is_a_file_is_a_clear_error(small_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder")
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(out), "--tome", "2")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{out}: the output folder is a file: give --out a folder" in result.stderr
    assert out.read_text() == "not a folder"


def test_a_full_disk_leaves_previous_artifacts_and_no_partial_file(small_project: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build_quietly(small_project, out)
    before = snapshot(out)
    (small_project / "tome-1" / "1-premier.txt").write_text("Nouveau titre\nNouveau texte.\n")

    def full(_: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr("make_book.output.os.fsync", full)
    with pytest.raises(MakeBookError, match="the disk is full; the previous file is unchanged"):
        build_quietly(small_project, out)
    assert snapshot(out) == before


def test_a_worker_killed_mid_render_is_reported_with_its_tome(tmp_path: Path) -> None:
    manuscript = generate(tmp_path, texts=120, seed=5)
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "make_book", "build", "--manuscript", str(manuscript),
                                "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not process.stdout.readline().startswith("rendering"):  # the texts, loaded by workers of their own, read
        assert process.poll() is None
    time.sleep(1.0)  # rendering
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    os.kill(int(children[0]), signal.SIGKILL)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 1
    assert "died (killed or out of memory); nothing was written" in stderr and "Traceback" not in stderr
    assert not out.exists() or not list(out.glob("*.pdf"))


def test_markup_characters_stay_text_in_epub_and_pdf(small_build: Path) -> None:
    text = "".join(page.extract_text() for page in pypdf.PdfReader(small_build / "petit-livre-tome-1.pdf").pages)
    assert "<script>alert(1)</script> & des ]]> restent du texte" in " ".join(text.split())


def test_control_characters_are_removed_and_reported(small_project: Path, tmp_path: Path) -> None:
    one_text_book(small_project, "Titre\nUn\x07 bip et un\x1b échappement.\n")
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path / "o"), "--tome", "1")
    assert result.returncode == 0
    assert "1-texte.txt:2: removed 2 control character(s) that XML cannot carry (first: U+0007)" in result.stderr
    assert epubcheck(tmp_path / "o" / "petit-livre-tome-1.epub") == []


def test_a_text_too_large_is_refused(small_project: Path, tmp_path: Path) -> None:
    one_text_book(small_project, "Titre\n" + "Une phrase assez longue. " * 420_000)  # 10 MB
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path))
    assert result.returncode == 1 and "1-texte.txt: 10.5 MB is too large for one text" in result.stderr


def test_a_huge_line_and_an_unbreakable_word_render_with_nothing_off_the_page(small_project: Path,
                                                                              tmp_path: Path) -> None:
    word = "anticonstitutionnellement" * 200  # 5,000 letters, no break opportunity
    line = " ".join(["mot"] * 25_000)          # one 100,000-character paragraph
    one_text_book(small_project, f"Titre\n{word}\n{line}\n")
    build_quietly(small_project, tmp_path / "o", tomes=(1,))
    assert epubcheck(tmp_path / "o" / "petit-livre-tome-1.epub") == []
    reader = pypdf.PdfReader(tmp_path / "o" / "petit-livre-tome-1.pdf")
    letters = ""
    for page in reader.pages:
        width = float(page.mediabox.width)
        positions: list[float] = []
        page.extract_text(visitor_text=lambda text, cm, tm, *_: positions.append(tm[4] * cm[0] + cm[4])
                          if text.strip() else None)
        assert all(-1 <= x <= width for x in positions)
        # without the running heads, which fall between the two halves of a word cut by a page
        letters += "".join(line for line in page.extract_text().splitlines()
                           if line.strip() not in ("Titre", "Petit livre d'essai"))
    # hyphenation and line breaks split the word; its letters are all there, in order
    assert re.sub(r"[^a-z]", "", letters).count("anticonstitutionnellement") == 200


@pytest.mark.parametrize("content, missing", [("Titre\nLe mot 漢字\n", "U+6F22"), ("Titre\nBravo 🥳\n", "U+1F973")])
def test_characters_no_font_of_the_book_has_are_reported_with_file_and_line(small_project: Path, tmp_path: Path,
                                                                            content: str, missing: str) -> None:
    one_text_book(small_project, content)
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "1-texte.txt:2: no font of the book" in result.stderr and missing in result.stderr
    assert not list(tmp_path.glob("*.epub"))


@pytest.mark.parametrize("content, message", [
    ("", "1-texte.txt:1: no title"),
    ("_____\n*****\n", "1-texte.txt:1: no title"),
    (b"\xff\xfeT\x00i\x00\n\x00\x00\xd8", "1-texte.txt"),
])
def test_empty_separator_only_and_broken_files_name_the_file(small_project: Path, tmp_path: Path,
                                                             content: str | bytes, message: str) -> None:
    one_text_book(small_project, content)
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path))
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_title_without_body_and_duplicate_titles_build(small_project: Path, tmp_path: Path) -> None:
    one_text_book(small_project, "Même titre\n")
    (small_project / "tome-1" / "2-autre.txt").write_text("Même titre\nTexte de Quelqu'un\nUn corps.\n")
    build_quietly(small_project, tmp_path / "o", tomes=(1,))
    assert epubcheck(tmp_path / "o" / "petit-livre-tome-1.epub") == []


@pytest.mark.parametrize("change, message", [
    (lambda m: (m / "tome-2").rename(m / "autre"), "tome-2: tome folder does not exist"),
    (lambda m: [p.unlink() for p in (m / "tome-2").iterdir()], "tome-2: tome folder holds no .txt file"),
    (lambda m: (m / "book.toml").unlink(), "book.toml: no book.toml here"),
])
def test_structure_errors(small_project: Path, tmp_path: Path, change, message: str) -> None:
    change(small_project)
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path))
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
