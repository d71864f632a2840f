"""The build: the only place that knows the order of the stages.

Phase one renders every artifact in memory (tomes in parallel worker processes); phase two writes
them atomically. A failure in phase one writes nothing, so earlier artifacts stay as they were.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import gc
import datetime as dt
import multiprocessing
import os
import resource
import subprocess
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from make_book.assemble import assemble
from make_book.cache import CachedTome, cached_tome, folder_digest, remember, tome_key
from make_book.sources import list_texts
from make_book.config import Config, load_config
from make_book.errors import Diagnostic, MakeBookError
from make_book.fetcher import check_stylesheets
from make_book.fonts import check_coverage
from make_book.model import Book, Tome
from make_book.output import write_atomic
from make_book.release import write_release_files

FORMATS = ("epub", "pdf")


@dataclass(frozen=True)
class BuildRequest:
    manuscript_dir: Path
    out_dir: Path
    tomes: tuple[int, ...] = ()
    formats: tuple[str, ...] = FORMATS
    strict: bool = False
    jobs: int = 0  # 0: one per available core


@dataclass(frozen=True)
class RenderedTome:
    number: int
    files: dict[str, bytes]
    pages: int
    seconds: dict[str, float]
    peak_mib: int  # the process's peak resident memory (a worker renders one tome)
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class Artifact:
    path: Path
    tome: int
    format: str
    pages: int
    words: int
    texts: int


@dataclass(frozen=True)
class BuildResult:
    artifacts: tuple[Artifact, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())


def artifact_name(config: Config, tome: int, fmt: str) -> str:
    """`print` is the printer's PDF (bleed and crop marks), beside the reader's."""
    return f"{config.meta.slug}-tome-{tome}-print.pdf" if fmt == "print" else f"{config.meta.slug}-tome-{tome}.{fmt}"


def build_timestamp(config: Config) -> dt.datetime:
    """SOURCE_DATE_EPOCH; else the last commit touching the manuscript or styles; else the book's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise MakeBookError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not '{epoch}'")
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    try:
        result = subprocess.run(["git", "log", "-1", "--format=%ct", "--", str(config.path.parent),
                                 str(config.styles_dir)], cwd=config.project_root, capture_output=True,
                                text=True, timeout=10, check=False)
        if result.returncode == 0 and result.stdout.strip().isdigit():
            return dt.datetime.fromtimestamp(int(result.stdout.strip()), dt.UTC)
    except (OSError, subprocess.SubprocessError):
        pass
    date = config.meta.date
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)


def render_tome(book: Book, tome: Tome, formats: tuple[str, ...], timestamp: dt.datetime) -> RenderedTome:
    """Both formats of one tome. The EPUB's page-list needs the print layout, so layout comes first."""
    # Imported here, in the worker: WeasyPrint and ebooklib take half a second to import, which a
    # rebuild with nothing to render should not pay.
    from make_book.epub import build_epub
    from make_book.pdf import lay_out, write_pdf

    started = time.perf_counter()
    layout = lay_out(book, tome, timestamp)
    seconds = {"layout": time.perf_counter() - started}
    _give_back_free_memory()
    files = {}
    if "pdf" in formats:
        started = time.perf_counter()
        files["pdf"] = write_pdf(book, tome, layout)
        seconds["pdf"] = time.perf_counter() - started
    if "print" in formats:
        started = time.perf_counter()
        files["print"] = write_pdf(book, tome, lay_out(book, tome, timestamp, for_printer=True))
        seconds["print"] = time.perf_counter() - started
    if "epub" in formats:
        started = time.perf_counter()
        files["epub"] = build_epub(book, tome, layout.page_map, timestamp)
        seconds["epub"] = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return RenderedTome(tome.number, files, layout.pages, seconds, peak_mib, layout.refused)


def _give_back_free_memory() -> None:
    """Layout leaves much freed memory in the allocator; returning it before the PDF is written
    keeps a worker's peak lower (measured on a 796-page tome: 429 → 383 MiB). glibc only."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _render_all(book: Book, tomes: list[Tome], formats: tuple[str, ...], timestamp: dt.datetime, jobs: int,
                say: Callable[[str], None], status: Callable[[str], None] | None) -> list[RenderedTome]:
    """Each tome in a worker process: two cores render two tomes at once, WeasyPrint's memory goes
    back to the system when the worker ends, and this process stays free to show progress."""
    workers = max(1, min(jobs or len(os.sched_getaffinity(0)), len(tomes)))
    say(f"rendering tome {', '.join(str(tome.number) for tome in tomes)} "
        f"({'in ' + str(workers) + ' processes' if workers > 1 else 'in one process'})")
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {pool.submit(render_tome, book, tome, formats, timestamp): tome for tome in tomes}
        results, pending = [], set(futures)
        while pending:
            done, pending = concurrent.futures.wait(pending, timeout=0.5,
                                                    return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                try:
                    results.append(_reported(future.result(), say))
                except BrokenProcessPool:
                    raise MakeBookError(f"the worker rendering tome {futures[future].number} died (killed or "
                                        "out of memory); nothing was written") from None
            if status and pending:
                waiting = ", ".join(str(futures[future].number) for future in pending)
                status(f"rendering tome {waiting}… {time.perf_counter() - started:.0f} s")
        return sorted(results, key=lambda rendered: rendered.number)


def _reported(rendered: RenderedTome, say: Callable[[str], None]) -> RenderedTome:
    timing = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in rendered.seconds.items())
    say(f"tome {rendered.number}: {rendered.pages} pages laid out ({timing}; peak {rendered.peak_mib} MiB)")
    return rendered


def build(request: BuildRequest, say: Callable[[str], None] = print, warn: Callable[[str], None] = print,
          status: Callable[[str], None] | None = None) -> BuildResult:
    """`say` prints progress lines, `warn` warnings; `status`, on a terminal, a line that changes."""
    config = load_config(request.manuscript_dir)
    unknown = sorted(set(request.tomes) - {tome.number for tome in config.tomes})
    if unknown:
        raise MakeBookError(f"no tome {', '.join(map(str, unknown))} in the book "
                            f"(tomes: {', '.join(str(tome.number) for tome in config.tomes)})", config.path)
    check_stylesheets(config.styles_dir)
    if request.out_dir.exists() and not request.out_dir.is_dir():
        raise MakeBookError("the output folder is a file: give --out a folder", request.out_dir)
    selected = [tome for tome in config.tomes if not request.tomes or tome.number in request.tomes]
    timestamp = build_timestamp(config)
    out_dir = request.out_dir

    formats = request.formats + (("print",) if config.pdf.print_variant and "pdf" in request.formats else ())

    def paths(number: int) -> dict[str, Path]:
        return {fmt: out_dir / artifact_name(config, number, fmt) for fmt in formats}

    # Phase one: what is up to date is known from the raw inputs; the rest is read and rendered.
    styles = folder_digest(config.styles_dir)
    keys = {tome.number: tome_key(config, tome, list_texts(tome.folder), timestamp, styles) for tome in selected}
    known = {tome.number: cached_tome(out_dir, tome.number, keys[tome.number], paths(tome.number))
             for tome in selected}
    for number, hit in known.items():
        if hit:
            say(f"tome {number}: up to date")
    stale = tuple(number for number, hit in known.items() if not hit)
    assembled = assemble(config, stale) if stale else None
    if assembled:
        book = assembled.book
        say(f"read {sum(len(tome.texts) for tome in book.tomes)} texts in {len(book.tomes)} tome(s)")
        check_coverage(book)
        rendered = _render_all(book, list(book.tomes), formats, timestamp, request.jobs, say, status)
        for tome, result in zip(book.tomes, rendered, strict=True):
            words = sum(len(paragraph.plain.split()) for placed in tome.texts
                        for paragraph in placed.text.paragraphs)
            notes = assembled.diagnostics[tome.number] + result.diagnostics
            known[tome.number] = CachedTome(result.pages, words, len(tome.texts),
                                            tuple(str(note) for note in notes))
    else:
        rendered = []
    diagnostics = tuple(Diagnostic(note) for number in sorted(known) for note in known[number].notes)
    for note in diagnostics:
        warn(f"warning: {note}")
    if request.strict and diagnostics:
        raise MakeBookError(f"{len(diagnostics)} warning(s) and --strict: nothing was written")

    # Phase two: write, each file atomically, then record what is on disk.
    for result in rendered:
        for fmt, path in sorted(paths(result.number).items()):
            write_atomic(path, result.files[fmt])
            say(f"wrote {path} ({len(result.files[fmt]) / 1024:.0f} KiB)")
        remember(out_dir, result.number, keys[result.number], paths(result.number), known[result.number])
    artifacts = tuple(Artifact(path, number, fmt, known[number].pages, known[number].words, known[number].texts)
                      for number in sorted(known) for fmt, path in sorted(paths(number).items()))
    write_release_files(out_dir, artifacts, timestamp, config)
    return BuildResult(artifacts, diagnostics)
