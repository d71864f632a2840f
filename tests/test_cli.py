"""The command line as a user meets it: help, version, exit statuses, messages, fmt."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import run_cli
from make_book import __version__


def test_help_and_version() -> None:
    help_text = run_cli("--help")
    assert help_text.returncode == 0 and "build" in help_text.stdout and "fmt" in help_text.stdout
    assert "--tome" in run_cli("build", "--help").stdout
    version = run_cli("--version")
    assert version.returncode == 0 and __version__ in version.stdout


def test_a_usage_error_exits_2() -> None:
    result = run_cli("build", "--format", "docx")
    assert result.returncode == 2 and "docx" in result.stderr


def test_no_subcommand_builds_manuscript_into_build(small_project: Path) -> None:
    result = run_cli(cwd=small_project.parent)
    assert result.returncode == 0, result.stderr
    built = sorted(path.name for path in (small_project.parent / "build").iterdir())
    assert built == [".make-book-cache", "SHA256SUMS", "index.html", "manifest.json", "petit-livre-tome-1.epub",
                     "petit-livre-tome-1.pdf", "petit-livre-tome-2.epub", "petit-livre-tome-2.pdf"]
    assert "wrote build/petit-livre-tome-1.pdf" in result.stdout


def test_one_tome_one_format(small_project: Path, tmp_path: Path) -> None:
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path / "out"),
                     "--tome", "2", "--format", "epub")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (tmp_path / "out").glob("*.*pub")) == ["petit-livre-tome-2.epub"]
    assert not list((tmp_path / "out").glob("*.pdf"))


def test_an_unknown_tome_is_a_user_error(small_project: Path, tmp_path: Path) -> None:
    result = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path), "--tome", "7")
    assert result.returncode == 1
    assert "no tome 7 in the book (tomes: 1, 2)" in result.stderr and "Traceback" not in result.stderr


def test_errors_have_no_traceback_unless_verbose(small_project: Path, tmp_path: Path) -> None:
    (small_project / "tome-1" / "5-binaire.txt").write_bytes(b"\x00\x01")
    quiet = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path))
    assert quiet.returncode == 1
    assert quiet.stderr.strip().splitlines() == [f"Error: {small_project}/tome-1/5-binaire.txt:1: "
                                                 "not a text file (it contains NUL bytes)"]
    verbose = run_cli("build", "-v", "--manuscript", str(small_project), "--out", str(tmp_path))
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr


def test_strict_turns_warnings_into_a_failure(small_project: Path, tmp_path: Path) -> None:
    (small_project / "tome-1" / "4-guillemet.txt").write_text("Titre\nIl dit \"oui et part.\n")
    lenient = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path / "a"), "--tome", "1")
    assert lenient.returncode == 0
    assert "4-guillemet.txt:2:8: unbalanced quote" in lenient.stderr
    strict = run_cli("build", "--strict", "--manuscript", str(small_project), "--out", str(tmp_path / "b"),
                     "--tome", "1")
    assert strict.returncode == 1 and "--strict" in strict.stderr
    assert not (tmp_path / "b").exists()


def test_fmt_shows_a_diff_checks_and_writes_atomically(small_project: Path) -> None:
    path = small_project / "tome-2" / "1-seul.txt"
    original = path.read_bytes()
    diff = run_cli("fmt", "--manuscript", str(small_project))
    assert diff.returncode == 0
    assert "-Un texte « entre guillemets » et une question?" in diff.stdout
    assert "+Un texte «\u202fentre guillemets\u202f» et une question\u202f?" in diff.stdout
    assert path.read_bytes() == original
    assert run_cli("fmt", "--check", "--manuscript", str(small_project)).returncode == 1
    written = run_cli("fmt", "--write", "--manuscript", str(small_project))
    assert written.returncode == 0 and f"rewrote {path}" in written.stdout
    assert "question\u202f?" in path.read_text(encoding="utf-8")
    assert run_cli("fmt", "--check", "--manuscript", str(small_project)).returncode == 0
    assert not list(small_project.rglob("*.part"))


def test_fmt_rewrites_a_windows_1252_file_as_utf8_keeping_its_lines(small_project: Path) -> None:
    path = small_project / "tome-1" / "3-ancien.txt"
    path.write_bytes("Un titre\r\nTexte de Zoé\r\nL'été.\r\n".encode("cp1252"))
    result = run_cli("fmt", "--write", str(path), "--manuscript", str(small_project))
    assert result.returncode == 0 and "read as cp1252" in result.stderr
    assert path.read_bytes() == "Un titre\nTexte de Zoé\nL’été.\n".encode()


def test_fmt_stdin_to_stdout() -> None:
    result = run_cli("fmt", "-", stdin=b"Quoi?\n")
    assert result.returncode == 0 and result.stdout == "Quoi\u202f?\n"


def test_shell_completion_scripts_as_the_docs_say() -> None:
    for shell in ("bash", "zsh", "fish"):
        result = run_cli(env={"_MAKE_BOOK_COMPLETE": f"{shell}_source"})
        assert result.returncode == 0 and "_MAKE_BOOK_COMPLETE" in result.stdout, shell


def test_a_terminal_gets_a_status_line_and_a_pipe_plain_lines(small_project: Path, tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "make_book", "build", "--manuscript", str(small_project),
                                "--out", str(tmp_path / "tty")], stdout=follower, stderr=follower)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert process.wait() == 0
    text = output.decode()
    # each line replaces the status line (the seconds counter shows during longer renders)
    assert "\r\x1b[2Krendering tome 1, 2 (in 2 processes)" in text and "\r\x1b[2Kwrote " in text
    piped = run_cli("build", "--manuscript", str(small_project), "--out", str(tmp_path / "pipe"))
    assert "\x1b" not in piped.stdout and "rendering tome 1, 2 (in 2 processes)\n" in piped.stdout


def test_build_options_work_without_the_build_word(small_project: Path, tmp_path: Path) -> None:
    result = run_cli("--manuscript", str(small_project), "--out", str(tmp_path / "out"), "--tome", "2",
                     "--format", "epub")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (tmp_path / "out").glob("*.*pub")) == ["petit-livre-tome-2.epub"]
    misplaced = run_cli("--tome", "2", "build")
    assert misplaced.returncode == 2 and "make-book build --tome" in misplaced.stderr


def test_verbose_is_read_as_an_option_not_as_a_value(tmp_path: Path) -> None:
    # `-v` here is the value of --manuscript (a folder named "-v"), not the verbose flag
    result = run_cli("build", "--manuscript", "-v", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1 and "no book.toml here" in result.stderr and "Traceback" not in result.stderr
    verbose = run_cli("build", "--manuscript", str(tmp_path), "-v", cwd=tmp_path)
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr


@pytest.mark.parametrize("after", [0.0, 0.7], ids=["as the workers start", "as they lay out"])
def test_ctrl_c_stops_the_build_at_once_and_changes_nothing(small_project: Path, tmp_path: Path, after: float) -> None:
    # as a terminal sends it: SIGINT to the build and its worker processes. Pressed as the workers were
    # forked, it once reached a worker only, and the build went on to write its files (2 times in 12).
    import os
    import signal
    import subprocess
    import sys
    import time

    # Tome 1 long enough that its layout lasts well past the 0.7 s (its 3 texts took 0.5 s in all since
    # fonts are subset by HarfBuzz: the build had written its files when the key was pressed).
    originals = sorted((small_project / "tome-1").glob("*.txt"))
    for copy in range(6):
        for index, original in enumerate(originals):
            (original.parent / f"{100 + 10 * copy + index}-copie.txt").write_bytes(original.read_bytes())
    out = tmp_path / "out"
    assert run_cli("build", "--manuscript", str(small_project), "--out", str(out), "-q").returncode == 0
    before = {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()}
    text = sorted((small_project / "tome-1").glob("*.txt"))[0]
    text.write_text(text.read_text(encoding="utf-8") + "\nUne phrase ajoutée.\n", encoding="utf-8")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    build = subprocess.Popen(
        [sys.executable, "-m", "make_book", "build", "--manuscript", str(small_project), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(temporary)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as an interactive shell starts it
    for line in build.stdout:
        if line.startswith("rendering"):
            time.sleep(after)
            os.killpg(build.pid, signal.SIGINT)
            break
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == 130
    assert stderr.strip().splitlines() == ["Interrupted: files already in the output folder are unchanged."]
    assert {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()} == before
    assert subprocess.run(["pgrep", "-g", str(build.pid)], capture_output=True).stdout == b""  # no worker left
    assert list(temporary.iterdir()) == []


_HALF_SENT = """
import os, struct, sys, time
import make_book.build

def half_sent(*_):
    # as a worker ended while it sends its result: the length of a message, then nothing
    frame = sys._getframe()
    while frame.f_code.co_name != "_process_worker":  # CPython's loop that runs the task and sends back
        frame = frame.f_back
    os.write(frame.f_locals["result_queue"]._writer.fileno(), struct.pack("!i", 1 << 20))
    if os.environ["THEN"] == "die":
        os._exit(1)
    time.sleep(60)  # until Ctrl-C ends it

make_book.build.render_edition = half_sent
if os.environ.get("WHEN") == "reading":  # the texts' loading in workers (a first build of 64 texts or more)
    import make_book.assemble
    make_book.assemble.load_text = half_sent
from make_book.cli import main
main(sys.argv[1:])
"""


def _half_sending_build(project: Path, out: Path, then: str, when: str = "rendering") -> subprocess.Popen:
    """A build whose workers write the length of their result and then die (`then` "die") or wait, as
    they render (`when`) or as they read the texts ("reading")."""
    import os
    import sys
    return subprocess.Popen(
        [sys.executable, "-c", _HALF_SENT, "build", "--manuscript", str(project), "--out", str(out), "-j", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "THEN": then, "WHEN": when})


def test_ctrl_c_ends_a_build_whose_workers_are_halfway_through_a_result(small_project: Path, tmp_path: Path) -> None:
    # Ctrl-C ends them there, and the pool's thread then waits for the rest of the message for ever: the
    # build, as it ended, waited for that thread and hung (once in 29 presses of Ctrl-C in a 612-text
    # build's first seconds).
    import os
    import signal
    import time

    out = tmp_path / "out"
    build = _half_sending_build(small_project, out, then="wait")
    try:
        for line in build.stdout:
            if line.startswith("rendering"):
                break
        time.sleep(1.0)  # the workers have sent half a message; the build waits for the rest
        assert build.poll() is None
        os.killpg(build.pid, signal.SIGINT)
        _, stderr = build.communicate(timeout=30)
    finally:
        if build.poll() is None:  # hung: not left behind
            os.killpg(build.pid, signal.SIGKILL)
    assert build.returncode == 130
    assert stderr.strip().splitlines() == ["Interrupted: files already in the output folder are unchanged."]
    assert not out.exists() or not list(out.glob("*.pdf"))
    assert subprocess.run(["pgrep", "-g", str(build.pid)], capture_output=True).stdout == b""  # no worker left


@pytest.mark.parametrize("when", ["rendering", "reading"])
def test_a_worker_that_dies_sending_its_result_ends_the_build(small_project: Path, tmp_path: Path, when: str) -> None:
    # Killed from outside or by the kernel out of memory: the pool never sees it die (its thread waits for
    # the rest of the message), so the build watches its workers itself rather than wait for ever: as
    # they render, and as they read a first build's texts (64 or more).
    import os
    import shutil
    import signal

    if when == "reading":
        first = min((small_project / "tome-1").glob("*.txt"))
        for copy in range(64):
            shutil.copy(first, first.with_name(f"9{copy:02d}-{first.name}"))
    out = tmp_path / "out"
    build = _half_sending_build(small_project, out, then="die", when=when)
    try:
        _, stderr = build.communicate(timeout=60)
    finally:
        if build.poll() is None:  # hung: not left behind
            os.killpg(build.pid, signal.SIGKILL)
    assert build.returncode == 1
    doing = "rendering tome 1, 2" if when == "rendering" else "reading texts"
    assert stderr.strip().splitlines() == [f"Error: a worker {doing} died (killed or out of memory); nothing was written"]
    assert not out.exists() or not list(out.glob("*.pdf"))
    assert subprocess.run(["pgrep", "-g", str(build.pid)], check=False, capture_output=True).stdout == b""
