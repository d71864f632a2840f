"""`make-book check`: the real validators over built files, one table, exit 1 on failure."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import run_cli
from make_book.check import ace_command, check_ace


def test_check_passes_on_a_good_build(demo_build: Path) -> None:
    result = run_cli("check", str(demo_build))
    assert result.returncode == 0, result.stdout + result.stderr
    rows = result.stdout.splitlines()
    assert rows[0].split() == ["file", "check", "result", "detail"]
    assert sum("epubcheck  ok" in row for row in rows) == 2
    assert sum(" pdf " in row and " ok " in row for row in rows) == 2
    assert sum("checksums  ok" in row for row in rows) == 4


@pytest.mark.parametrize("tome", [1, 2])
def test_ace_by_daisy_reports_no_violation(demo_build: Path, tome: int) -> None:
    if ace_command() is None and not os.environ.get("MAKE_BOOK_REQUIRE_ACE"):
        pytest.skip("Ace by DAISY is not installed (.ci/install-system-deps installs it)")
    findings = check_ace(demo_build / f"612-rencontres-tome-{tome}.epub", required=True)
    assert [(finding.status, finding.detail) for finding in findings] == [("ok", "no violation")]


def test_check_fails_on_an_invalid_epub_and_a_wrong_checksum(demo_build: Path, tmp_path: Path) -> None:
    folder = tmp_path / "release"
    shutil.copytree(demo_build, folder)
    broken = folder / "612-rencontres-tome-1.epub"
    with zipfile.ZipFile(demo_build / broken.name) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "EPUB/t1-002.xhtml":
                data = data.replace(b"</section>", b"")  # not well-formed any more
            target.writestr(info, data)
    result = run_cli("check", str(folder))
    assert result.returncode == 1
    assert any("epubcheck  error" in row and "RSC-016" in row for row in result.stdout.splitlines())
    # the columns are as wide as their widest cell ("skipped" where Ace is not installed)
    assert re.search(r"^612-rencontres-tome-1\.epub +checksums +error +sha256 does not match SHA256SUMS$",
                     result.stdout, re.MULTILINE)
    assert "check(s) failed" in result.stderr


def test_build_then_check(small_project: Path, tmp_path: Path) -> None:
    result = run_cli("build", "--check", "--manuscript", str(small_project), "--out", str(tmp_path / "out"),
                     "--tome", "2")
    assert result.returncode == 0, result.stderr
    assert "petit-livre-tome-2.epub  epubcheck  ok" in result.stdout
