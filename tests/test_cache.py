"""Incremental rebuilds: nothing changed renders nothing; an edit rebuilds only what depends on it;
the cache never serves a stale file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import build_quietly
from make_book.assemble import Loaded, load_text
from make_book.build import BuildRequest, build
from make_book.config import Config
from make_book.errors import MakeBookError


def build_and_tell(manuscript: Path, out: Path) -> list[str]:
    lines: list[str] = []
    build(BuildRequest(manuscript, out), say=lines.append, warn=lines.append)
    return lines


def files(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()}


def test_nothing_changed_renders_nothing(small_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_and_tell(small_project, out)
    def artifact_mtimes() -> dict[str, int]:
        return {path.name: path.stat().st_mtime_ns for path in out.iterdir() if path.suffix in (".epub", ".pdf")}

    before = artifact_mtimes()
    lines = build_and_tell(small_project, out)
    assert lines[:2] == ["tome 1: up to date", "tome 2: up to date"]
    assert not any("laid out" in line or line.startswith("wrote") for line in lines)
    assert artifact_mtimes() == before and len(before) == 4


def test_a_rebuild_with_nothing_to_do_imports_no_renderer_library(small_project: Path, tmp_path: Path) -> None:
    # what keeps it under a second (bench/run.py times it): WeasyPrint and the mojibake repair take
    # 0.7 s to import together, and a rebuild with nothing to render needs none
    out = tmp_path / "out"
    build_and_tell(small_project, out)
    heavy = ("weasyprint", "ftfy", "pikepdf", "pyphen", "lxml.html")
    script = ("import sys\nfrom make_book.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
              f"print(sorted(name for name in {heavy!r} if name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script, "build", "--manuscript", str(small_project),
                             "--out", str(out), "-q"], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


def test_a_build_leaves_no_temporary_file(small_project: Path, tmp_path: Path) -> None:
    # WeasyPrint copies each layout's fonts into a temporary folder that only garbage collection
    # removes: a worker process's last layout left 1.6 MB behind in /tmp at every build
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    subprocess.run([sys.executable, "-m", "make_book", "build", "--manuscript", str(small_project),
                    "--out", str(tmp_path / "out"), "-q", "-j", "2"],
                   env={**os.environ, "TMPDIR": str(temporary)}, check=True)
    assert any((tmp_path / "out").glob("*.pdf"))
    assert list(temporary.iterdir()) == []


def test_one_edited_text_rebuilds_its_tome_only_and_equals_a_full_build(small_project: Path,
                                                                        tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_and_tell(small_project, out)
    text = small_project / "tome-2" / "1-seul.txt"
    text.write_text(text.read_text() + "Une phrase ajoutée.\n")
    lines = build_and_tell(small_project, out)
    assert "tome 1: up to date" in lines
    assert any(line.startswith("tome 2:") and "laid out" in line for line in lines)
    fresh = tmp_path / "fresh"
    build_quietly(small_project, fresh)
    assert files(out) == files(fresh)


def test_a_rebuild_normalizes_only_the_texts_that_changed(small_project: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import make_book.assemble

    out = tmp_path / "out"
    build_and_tell(small_project, out)
    loaded: list[str] = []
    load_text = make_book.assemble.load_text
    monkeypatch.setattr(make_book.assemble, "load_text", lambda path, config: loaded.append(path.name) or
                        load_text(path, config))
    text = small_project / "tome-1" / "2-deuxieme.txt"
    text.write_text(text.read_text() + "Une phrase ajoutée.\n")
    build_and_tell(small_project, out)
    assert loaded == ["2-deuxieme.txt"]  # tome 1 is rebuilt; its two other texts are known
    # another house style: every text of the tomes rebuilt is normalized again
    config = small_project / "book.toml"
    config.write_text(config.read_text().replace("\n[[tomes]]", "\n[typography]\ndialogue_hyphen = true\n\n[[tomes]]", 1))
    loaded.clear()
    build_and_tell(small_project, out)
    assert sorted(loaded) == sorted(path.name for path in small_project.glob("tome-*/*.txt"))


_LOADED_HERE: list[str] = []


def _load_text_telling(path: Path, config: Config) -> Loaded:
    _LOADED_HERE.append(path.name)
    return load_text(path, config)


def test_texts_loaded_in_worker_processes_make_the_same_book(small_project: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # A first build of many texts reads, normalizes and parses them in worker processes: the same files
    # and warnings as when this process loads them, the texts known to the next build, and a file that
    # cannot be read told as one message naming it.
    import make_book.assemble
    import make_book.build

    (small_project / "tome-1" / "4-guillemet.txt").write_text("Titre\nIl dit \"oui et part.\n")
    here: list[str] = []
    build(BuildRequest(small_project, tmp_path / "here", jobs=1), say=here.append, warn=here.append)
    monkeypatch.setattr(make_book.build, "TEXTS_FOR_WORKERS", 1)
    monkeypatch.setattr(make_book.assemble, "load_text", _load_text_telling)
    spread: list[str] = []
    build(BuildRequest(small_project, tmp_path / "spread", jobs=2), say=spread.append, warn=spread.append)
    assert _LOADED_HERE == []  # each text was loaded in a worker (whose list this is not)
    assert files(tmp_path / "here") == files(tmp_path / "spread")
    assert [line for line in here if "warning" in line] == [line for line in spread if "warning" in line] != []
    assert "tome 1: up to date" in build_and_tell(small_project, tmp_path / "spread")
    (small_project / "tome-2" / "2-nul.txt").write_bytes(b"Titre\n\x00\n")
    with pytest.raises(MakeBookError, match=r"2-nul.txt:2: not a text file \(it contains NUL bytes\)"):
        build(BuildRequest(small_project, tmp_path / "bad", jobs=2), say=spread.append, warn=spread.append)


def test_style_config_and_tampered_files_invalidate(small_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_and_tell(small_project, out)
    styles = small_project.parent / "styles" / "book.css"
    styles.write_text(styles.read_text() + "\np { letter-spacing: 0.01em; }\n")
    assert not any("up to date" in line for line in build_and_tell(small_project, out))
    config = small_project / "book.toml"
    config.write_text(config.read_text().replace('description = "Un livre minuscule', 'description = "Un livre'))
    assert not any("up to date" in line for line in build_and_tell(small_project, out))
    (out / "petit-livre-tome-1.pdf").write_bytes(b"tampered")
    lines = build_and_tell(small_project, out)
    assert "tome 2: up to date" in lines and "tome 1: up to date" not in lines
    assert (out / "petit-livre-tome-1.pdf").read_bytes().startswith(b"%PDF")
    shutil.rmtree(out / ".make-book-cache")
    assert not any("up to date" in line for line in build_and_tell(small_project, out))


def test_warnings_are_reported_again_when_a_tome_is_up_to_date(small_project: Path, tmp_path: Path) -> None:
    (small_project / "tome-1" / "4-guillemet.txt").write_text("Titre\nIl dit \"oui et part.\n")
    out = tmp_path / "out"
    first = build_and_tell(small_project, out)
    second = build_and_tell(small_project, out)
    assert "tome 1: up to date" in second
    assert [line for line in first if "unbalanced" in line] == [line for line in second if "unbalanced" in line]
    assert len([line for line in second if "unbalanced" in line]) == 1


def test_the_chunk_cache_keeps_what_each_editions_last_build_is_made_of(tmp_path: Path) -> None:
    import json

    from make_book.cache import chunk_cache_dir, prune_chunks

    current = chunk_cache_dir(tmp_path)
    other_version = current.parent / "0123456789abcdef"
    for folder in (current, other_version):
        folder.mkdir(parents=True)
    for name in ("a1", "b2", "c3", "d4"):
        (current / name).write_bytes(b"x")
    (other_version / "a1").write_bytes(b"x")
    # tome 1 was just rebuilt (a1, b2); tome 2 is up to date and made of c3
    (current / "tome-1.json").write_text(json.dumps({"pages": {}, "keys": ["a1", "b2"]}))
    (current / "tome-2.json").write_text(json.dumps({"pages": {}, "keys": ["c3"]}))
    prune_chunks(tmp_path)
    assert sorted(path.name for path in current.iterdir()) == ["a1", "b2", "c3", "tome-1.json", "tome-2.json"]
    assert not other_version.exists()
