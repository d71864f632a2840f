"""Release properties: reproducible bytes, checksums, manifest, atomic writes, untouched manuscript."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest

from conftest import FIXTURES, ROOT, build_quietly, make_project, run_cli, snapshot

sys.path.insert(0, str(ROOT / "bench"))
from corpus import generate  # noqa: E402


def artifacts(build: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(build.iterdir()) if path.suffix in (".epub", ".pdf")}


def test_two_builds_in_two_folders_at_two_times_give_the_same_bytes(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = make_project(tmp_path / "one", FIXTURES / "small-book" / "manuscript")
    second = make_project(tmp_path / "two" / "deeper", FIXTURES / "small-book" / "manuscript")
    build_quietly(first, tmp_path / "one" / "build")
    time.sleep(1.1)  # a different clock second: zip entry times and PDF dates must not follow it
    build_quietly(second, tmp_path / "two" / "deeper" / "build")
    one, two = artifacts(tmp_path / "one" / "build"), artifacts(tmp_path / "two" / "deeper" / "build")
    assert len(one) == 4 and one == two
    sums = (tmp_path / "one" / "build" / "SHA256SUMS").read_text()
    assert sums == (tmp_path / "two" / "deeper" / "build" / "SHA256SUMS").read_text()


def test_source_date_epoch_changes_only_the_dates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manuscript = make_project(tmp_path, FIXTURES / "small-book" / "manuscript")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build_quietly(manuscript, tmp_path / "a", tomes=(1,))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    build_quietly(manuscript, tmp_path / "b", tomes=(1,))
    a, b = tmp_path / "a" / "petit-livre-tome-1.epub", tmp_path / "b" / "petit-livre-tome-1.epub"
    with zipfile.ZipFile(a) as one, zipfile.ZipFile(b) as two:
        assert one.namelist() == two.namelist() and one.namelist()[0] == "mimetype"
        assert one.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert {info.date_time for info in one.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        for name in one.namelist():
            left, right = one.read(name), two.read(name)
            if name == "EPUB/content.opf":
                assert left.replace(b"2023-11-14T22:13:20Z", b"X") == right.replace(b"2025-06-15T15:06:40Z", b"X")
            else:
                assert left == right, name
    with pikepdf.open(tmp_path / "a" / "petit-livre-tome-1.pdf") as one, \
            pikepdf.open(tmp_path / "b" / "petit-livre-tome-1.pdf") as two:
        assert str(one.docinfo["/CreationDate"]).startswith("D:20231114")
        assert str(two.docinfo["/CreationDate"]).startswith("D:20250615")
        assert len(one.pages) == len(two.pages)
        for left, right in zip(one.pages, two.pages, strict=True):
            assert left.Contents.read_bytes() == right.Contents.read_bytes()


def test_checksums_verify_with_sha256sum_and_the_manifest_describes_each_file(small_build: Path) -> None:
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=small_build, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == 4
    manifest = json.loads((small_build / "manifest.json").read_text())["files"]
    by_name = {entry["file"]: entry for entry in manifest}
    pdf = by_name["petit-livre-tome-1.pdf"]
    assert (pdf["edition"], pdf["tomes"], pdf["format"], pdf["texts"]) == ("tome-1", [1], "pdf", 3)
    assert pdf["bytes"] == (small_build / "petit-livre-tome-1.pdf").stat().st_size
    with pikepdf.open(small_build / "petit-livre-tome-1.pdf") as document:
        assert pdf["pages"] == len(document.pages)
    assert pdf["words"] > 50 and pdf["tool_version"] and pdf["build_date"].endswith("Z")


def test_building_never_touches_the_manuscript(tmp_path: Path) -> None:
    manuscript = make_project(tmp_path, FIXTURES / "small-book" / "manuscript")
    (manuscript / "tome-1" / "3-windows.txt").write_bytes("Titre\r\nIl a dit  \"oui\"!\r\n".encode("cp1252"))
    before = snapshot(manuscript)
    build_quietly(manuscript, tmp_path / "build")
    assert snapshot(manuscript) == before


def test_a_failed_build_leaves_the_previous_artifacts_exactly_as_they_were(tmp_path: Path) -> None:
    manuscript = make_project(tmp_path, FIXTURES / "small-book" / "manuscript")
    build_quietly(manuscript, tmp_path / "build")
    before = snapshot(tmp_path / "build")
    (manuscript / "tome-2" / "2-bad.txt").write_bytes(b"Titre\n\x00binary")
    result = subprocess.run([sys.executable, "-m", "make_book", "build", "--manuscript", str(manuscript),
                             "--out", str(tmp_path / "build")], capture_output=True, text=True)
    assert result.returncode == 1 and "2-bad.txt:2: not a text file" in result.stderr
    assert snapshot(tmp_path / "build") == before


def test_a_build_killed_while_rendering_leaves_no_partial_file(tmp_path: Path) -> None:
    manuscript = generate(tmp_path, texts=120, seed=3)
    out = tmp_path / "build"
    out.mkdir()
    previous = {name: f"previous {name}".encode() for name in
                ("corpus-tome-1.pdf", "corpus-tome-1.epub", "corpus-tome-2.pdf", "corpus-tome-2.epub")}
    for name, data in previous.items():
        (out / name).write_bytes(data)
    process = subprocess.Popen([sys.executable, "-m", "make_book", "build", "--manuscript", str(manuscript),
                                "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True, text=True)
    assert process.stdout.readline().startswith("read 120 texts")  # texts read: rendering has begun
    time.sleep(1.0)
    assert process.poll() is None, "the build finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # the chunk cache (a folder) may keep what was laid out before the kill
    assert {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()} == previous


def test_a_build_killed_outright_leaves_no_worker_behind(tmp_path: Path) -> None:
    # SIGKILL to the build's process alone (as a CI job's timeout may send it): its workers, waiting for
    # tasks that will never come, were left running for ever
    manuscript = generate(tmp_path, texts=120, seed=3)
    process = subprocess.Popen([sys.executable, "-m", "make_book", "build", "--manuscript", str(manuscript),
                                "--out", str(tmp_path / "build")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True, text=True)
    try:
        for line in process.stdout:
            if line.startswith("rendering"):
                break
        time.sleep(1.0)
        assert process.poll() is None, "the build finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _group(process.pid):
            time.sleep(0.1)
        assert _group(process.pid) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _group(group: int) -> list[str]:
    return subprocess.run(["pgrep", "-g", str(group)], check=False, capture_output=True, text=True).stdout.split()


def test_builds_split_per_edition_assemble_into_the_release_one_build_gives(small_project: Path,
                                                                            tmp_path: Path) -> None:
    """The scale-out is CI's job matrix: one job per edition (`--edition`), then `make-book release`
    over their output folders. The result is byte-identical to one build of everything."""
    config = small_project / "book.toml"
    config.write_text(config.read_text() + "\n[omnibus]\n")
    whole = tmp_path / "whole"
    build_quietly(small_project, whole)
    parts = []
    for name in ("tome-2", "integrale", "tome-1"):  # any order, as matrix jobs finish
        parts.append(tmp_path / "parts" / name)
        build_quietly(small_project, parts[-1], editions=(name,))
    assembled = tmp_path / "assembled"
    result = run_cli("release", *map(str, parts), "--manuscript", str(small_project), "--out", str(assembled))
    assert result.returncode == 0, result.stderr

    def release_files(folder: Path) -> dict[str, bytes]:
        return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}
    assert release_files(assembled) == release_files(whole)
    assert len(release_files(whole)) == 9  # 3 editions × EPUB and PDF, SHA256SUMS, manifest.json, index.html
    # a damaged part is refused, naming it
    (parts[0] / "petit-livre-tome-2.pdf").write_bytes(b"%PDF-1.7 damaged")
    damaged = run_cli("release", *map(str, parts), "--manuscript", str(small_project), "--out", str(tmp_path / "x"))
    assert damaged.returncode == 1 and "petit-livre-tome-2.pdf is missing or does not match its SHA-256" in damaged.stderr
