"""The build: the only place that knows the order of the stages.

Phase one renders every artifact in memory (tomes in parallel worker processes); phase two writes
them atomically. A failure in phase one writes nothing, so earlier artifacts stay as they were.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import importlib
import os
import resource
import subprocess
import time
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from make_book.assemble import KnownTexts, assemble, editions
from make_book.cache import (
    CachedEdition,
    cached_edition,
    chunk_cache_dir,
    edition_key,
    keep_known_texts,
    known_texts,
    prune_chunks,
    remember,
)
from make_book.config import Config, load_config
from make_book.errors import Diagnostic, MakeBookError
from make_book.fonts import check_coverage
from make_book.model import Artifact, Edition, OutputFile, Styles
from make_book.output import write_atomic
from make_book.release import write_release_files
from make_book.render import Renderer, RenderJob, format_choices, selected_renderers
from make_book.sources import list_texts
from make_book.styles import read_styles
from make_book.workers import Workers, check_alive, forked_workers

if TYPE_CHECKING:
    from make_book.chunked_layout import ChunkedLayout


# Fewer unknown texts are loaded in this process. Two workers forked and ended cost 13 ms, a text 1.5 ms
# (612-text corpus, medians of 7): above about 20 texts the workers win; 64 leaves room for slower forks.
TEXTS_FOR_WORKERS = 64
SLOW_SUBSETTER = ("note: HarfBuzz's font subsetter is not installed, so WeasyPrint subsets the PDFs' fonts with "
                  "fontTools, 0.2 s a face for every part it writes; install it for faster builds "
                  "(Debian/Ubuntu: libharfbuzz-subset0)")


@dataclass(frozen=True)
class BuildRequest:
    manuscript_dir: Path
    out_dir: Path
    tomes: tuple[int, ...] = ()
    formats: tuple[str, ...] = ()  # empty: every format (`format_choices()`)
    editions: tuple[str, ...] = ()  # by name (tome-1, integrale); empty: every edition of the tomes
    strict: bool = False
    jobs: int = 0  # 0: one per available core


@dataclass(frozen=True)
class RenderedEdition:
    name: str
    files: tuple[tuple[str, OutputFile], ...]  # (format, file)
    pages: int
    seconds: tuple[tuple[str, float], ...]     # (stage, seconds)
    peak_mib: int  # the process's peak resident memory (a worker renders one edition)
    diagnostics: tuple[Diagnostic, ...] = ()
    note: str = ""  # how a layout in chunks went


@dataclass(frozen=True)
class BuildResult:
    artifacts: tuple[Artifact, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())


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


def render_edition(edition: Edition, styles: Styles, renderers: tuple[Renderer, ...], timestamp: dt.datetime,
                   stem: str, chunked: ChunkedLayout | None = None,
                   printer: ChunkedLayout | None = None) -> RenderedEdition:
    """Every selected output of one edition: the print layout first when a renderer needs it (the
    PDF, and the EPUB for its page-list), then each renderer in turn. `chunked`: the layout was
    spread over the workers (chunked_layout.py) and is joined here; `printer`: the printer's too."""
    job = RenderJob(edition, styles, timestamp, stem)
    seconds, refused, note = [], (), ""
    if chunked or printer:
        from make_book.join import JoinedLayout, joined_page_map
    if printer:
        job = dataclasses.replace(job, printer_layout=JoinedLayout(printer.laid, printer.sheets, printer.blank, styles))
    if chunked:
        job = dataclasses.replace(job, layout=JoinedLayout(chunked.laid, chunked.sheets, chunked.blank, styles),
                                  page_map=joined_page_map(chunked.laid))
        refused = tuple(warning for chunk in chunked.laid for warning in chunk.diagnostics)
        seconds.append(("layout in chunks", chunked.seconds))
        note = f"; {len(chunked.laid) - chunked.from_cache} of {len(chunked.laid)} chunks laid out, the rest cached"
    elif any(renderer.needs_layout for renderer in renderers):
        # Imported here, in the worker: WeasyPrint takes half a second to import, which a rebuild with
        # nothing to render should not pay.
        from make_book.book_html import print_html
        from make_book.layout import PageSetup, lay_out, lines_off_plan, page_map, paragraph_frame, release_memory
        from make_book.typeset import plan_lines

        setup = PageSetup.for_reader(edition.pdf)
        lines = None
        if edition.pdf.line_breaking == "total-fit":
            started = time.perf_counter()
            lines = plan_lines(edition, styles, paragraph_frame(styles, setup))
            seconds.append(("line breaking", time.perf_counter() - started))
        started = time.perf_counter()
        layout = lay_out(print_html(edition, timestamp, lines=lines), styles, setup)
        job = dataclasses.replace(job, layout=layout, page_map=page_map(layout, edition), lines=lines)
        refused = layout.refused + (lines_off_plan(layout, lines, edition) if lines else ())
        seconds.append(("layout", time.perf_counter() - started))
        release_memory(collect=True)
    files = []
    for renderer in renderers:
        started = time.perf_counter()
        files += [(renderer.name, output) for output in renderer.render(job)]
        seconds.append((renderer.name, time.perf_counter() - started))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    if chunked:
        peak_mib = max([peak_mib] + [chunk.peak_mib for chunk in chunked.laid])
    pages = job.layout.pages if job.layout else 0
    return RenderedEdition(edition.name, tuple(files), pages, tuple(seconds), peak_mib, refused, note)


def _together(parts: list[RenderedEdition]) -> RenderedEdition:
    """One edition's outputs rendered in separate workers from the same layout, as one."""
    seconds = dict(second for part in parts for second in part.seconds)  # the layout's time once
    return dataclasses.replace(parts[0], files=tuple(file for part in parts for file in part.files),
                               seconds=tuple(seconds.items()), peak_mib=max(part.peak_mib for part in parts))


def _load_texts(texts: KnownTexts, paths: list[Path], config: Config, jobs: int) -> None:
    """The texts `texts` does not know yet read, normalized and parsed: many (a first build's 612: 1.6 s
    on one core) in worker processes while this process imports the layout's modules (WeasyPrint: 0.7 s),
    which the layout's workers, forked after, then have; a few (a rebuild's) here."""
    cores = jobs or len(os.sched_getaffinity(0))

    def map_texts(load: Callable, files: list[Path], configs: Iterable[Config]) -> list:
        if cores == 1 or len(files) < TEXTS_FOR_WORKERS:
            return list(map(load, files, configs))
        pairs = list(zip(files, configs))
        size = max(1, len(pairs) // (cores * 8))
        with forked_workers(cores) as (pool, processes):
            batches = [pool.submit(_load_batch, load, pairs[start:start + size])
                       for start in range(0, len(pairs), size)]
            importlib.import_module("make_book.chunked_layout")  # meanwhile
            # watched as the rendering is: a worker dying as it sends a batch would leave the wait endless
            pending = set(batches)
            while pending:
                _, pending = concurrent.futures.wait(pending, timeout=0.5)
                if pending:
                    check_alive(processes, "reading texts")
            try:
                return [text for batch in batches for text in batch.result()]
            except BrokenProcessPool:
                raise MakeBookError("a worker reading texts died (killed or out of memory); nothing was written") \
                    from None

    texts.load_all(paths, config, map_texts)


def _load_batch(load: Callable, pairs: list[tuple[Path, Config]]) -> list:
    """Texts read in a worker, a batch at a time (`pool.map`'s chunksize, which the build cannot watch)."""
    return [load(path, config) for path, config in pairs]


def _render_all(editions: tuple[Edition, ...], styles: Styles, renderers: tuple[Renderer, ...],
                timestamp: dt.datetime, slug: str, jobs: int, say: Callable[[str], None],
                status: Callable[[str], None] | None, cache_dir: Path | None) -> list[RenderedEdition]:
    """Each edition in a worker process: two cores render two tomes at once, WeasyPrint's memory goes
    back to the system when the worker ends, and this process stays free to show progress. A long
    edition is laid out in chunks spread over every worker (chunked_layout.py), then joined."""
    from make_book.chunked_layout import chunk_count, lay_out_in_chunks  # WeasyPrint: only when rendering
    from make_book.layout import subsets_fonts_fast

    needs_layout = any(renderer.needs_layout for renderer in renderers)
    planned = {edition.name: chunk_count(edition, styles) if needs_layout else (1, "") for edition in editions}
    chunks = {name: count for name, (count, _) in planned.items()}
    for name, (_, why) in planned.items():
        if why:
            say(f"{_label(name)}: {why}")
    cores = jobs or len(os.sched_getaffinity(0))
    workers = max(1, min(cores, sum(chunks.values())))
    pieces = ", ".join(f"{_label(name)} in {count} chunks" for name, count in chunks.items() if count > 1)
    say(f"rendering {_names(editions)}{' (' + pieces + ')' if pieces else ''} "
        f"({'in ' + str(workers) + ' processes' if workers > 1 else 'in one process'})")
    if any(renderer.name == "pdf" for renderer in renderers) and not subsets_fonts_fast():
        say(SLOW_SUBSETTER)
    started = time.perf_counter()
    with forked_workers(workers, inherit=(*editions, styles)) as (pool, processes), \
            concurrent.futures.ThreadPoolExecutor(len(editions)) as threads:
        workers_by_rank = Workers(pool, workers)

        def render(edition: Edition) -> RenderedEdition:
            order = editions.index(edition)  # the editions in order, each as soon as it can be

            def submit(fn: Callable, *args: object, rank: int = 0, once: Hashable | None = None,
                       joins: bool = False) -> concurrent.futures.Future:
                return workers_by_rank.submit((joins, order, rank), fn, *args, once=once)

            stem = f"{slug}-{edition.name}"
            chunked = (lay_out_in_chunks(submit, edition, styles, timestamp, cache_dir,
                                         any(renderer.name == "pdf" for renderer in renderers))
                       if chunks[edition.name] > 1 else None)
            if chunked is None:
                return submit(render_edition, edition, styles, renderers, timestamp, stem).result()
            # The chunks are laid out: the join and the EPUB need only them, so each has a worker, after
            # every edition's layout (an earlier tome's join fills the worker that the last tome's index,
            # laid out at the end, leaves idle), the heaviest first: the last edition's ends the build, so
            # it takes the first worker free (the EPUB the next); the printer's PDF is laid out in chunks
            # of its own, from the same page numbers.
            own = [renderer for renderer in renderers if not renderer.for_printer]
            submitted = {renderer.name: submit(render_edition, edition, styles, (renderer,), timestamp, stem,
                                               chunked, joins=True)
                         for renderer in sorted(own, key=lambda renderer: -renderer.weight)}
            parts = [submitted[renderer.name] for renderer in own]
            printers = tuple(renderer for renderer in renderers if renderer.for_printer)
            if printers:
                printer = lay_out_in_chunks(submit, edition, styles, timestamp, cache_dir, for_printer=chunked)
                parts.append(submit(render_edition, edition, styles, printers, timestamp, stem, None, printer,
                                    joins=True))
            return _together([part.result() for part in parts])

        futures = {threads.submit(render, edition): edition for edition in editions}
        results, pending = [], set(futures)
        try:
            while pending:
                done, pending = concurrent.futures.wait(pending, timeout=0.5,
                                                        return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    try:
                        results.append(_reported(future.result(), say))
                    except BrokenProcessPool:
                        raise MakeBookError(f"the worker rendering {_label(futures[future].name)} died (killed "
                                            "or out of memory); nothing was written") from None
                if pending:
                    waiting = _names(sorted(map(futures.get, pending), key=editions.index))
                    check_alive(processes, f"rendering {waiting}")
                    if status:
                        status(f"rendering {waiting}… {time.perf_counter() - started:.0f} s")
        except BaseException:
            workers_by_rank.abandon()  # the threads waiting for a task end now: leaving the `with` waits for them
            raise
        order = [edition.name for edition in editions]
        return sorted(results, key=lambda rendered: order.index(rendered.name))


def _label(name: str) -> str:
    """How progress lines name an edition: `tome 1`."""
    return name.replace("-", " ")


def _names(editions: list[Edition] | tuple[Edition, ...]) -> str:
    """`tome 1, 2`: the editions being rendered, as progress lines say it."""
    kinds: dict[str, list[str]] = {}
    for edition in editions:
        kind, _, rest = _label(edition.name).partition(" ")
        kinds.setdefault(kind, []).append(rest)
    return "; ".join(f"{kind} {', '.join(rest)}".strip() for kind, rest in kinds.items())


def _reported(rendered: RenderedEdition, say: Callable[[str], None]) -> RenderedEdition:
    timing = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in rendered.seconds)
    say(f"{_label(rendered.name)}: {rendered.pages} pages laid out ({timing}; peak {rendered.peak_mib} MiB"
        f"{rendered.note})")
    return rendered


def build(request: BuildRequest, say: Callable[[str], None] = print, warn: Callable[[str], None] = print,
          status: Callable[[str], None] | None = None) -> BuildResult:
    """`say` prints progress lines, `warn` warnings; `status`, on a terminal, a line that changes."""
    config = load_config(request.manuscript_dir)
    unknown = sorted(set(request.tomes) - {tome.number for tome in config.tomes})
    if unknown:
        raise MakeBookError(f"no tome {', '.join(map(str, unknown))} in the book "
                            f"(tomes: {', '.join(str(tome.number) for tome in config.tomes)})", config.path)
    known_names = [plan.name for plan in config.editions()]
    if set(request.editions) - set(known_names):
        raise MakeBookError(f"no edition {', '.join(sorted(set(request.editions) - set(known_names)))} in the "
                            f"book (editions: {', '.join(known_names)})", config.path)
    styles = read_styles(config.styles_dir, config.fonts.fallback)
    if request.out_dir.exists() and not request.out_dir.is_dir():
        raise MakeBookError("the output folder is a file: give --out a folder", request.out_dir)
    out_dir = request.out_dir
    timestamp = build_timestamp(config)
    renderers = selected_renderers(request.formats or format_choices(), config.pdf)
    formats = tuple(renderer.name for renderer in renderers)

    # Phase one: what is up to date is known from the raw inputs; the rest is read and rendered.
    plans = {plan.name: plan for plan in config.editions(request.tomes, request.editions)}
    sources = {tome.number: list_texts(tome.folder, config.path.parent) for tome in config.tomes
               if any(tome.number in plan.tomes for plan in plans.values())}
    keys = {name: edition_key(config, plan, tuple(path for number in plan.tomes for path in sources[number]),
                              timestamp, styles) for name, plan in plans.items()}
    known: dict[str, CachedEdition | None] = {name: cached_edition(out_dir, name, key, formats)
                                              for name, key in keys.items()}
    for name, hit in known.items():
        if hit:
            say(f"{_label(name)}: up to date")
    stale = tuple(plan for name, plan in plans.items() if not known[name])
    rendered: list[RenderedEdition] = []
    if stale:
        texts = known_texts(out_dir)  # a rebuild normalizes only the texts that changed
        numbers = tuple(sorted({number for plan in stale for number in plan.tomes}))
        _load_texts(texts, [path for number in numbers for path in sources[number]], config, request.jobs)
        assembled = assemble(config, numbers, texts)
        to_render = editions(assembled.book, stale, styles)
        say(f"read {sum(len(tome.texts) for tome in assembled.book.tomes)} texts in {len(assembled.book.tomes)} "
            "tome(s)")
        coverage = {edition.name: check_coverage(edition, styles) for edition in to_render}
        rendered = _render_all(to_render, styles, renderers, timestamp, config.meta.slug, request.jobs, say, status,
                               chunk_cache_dir(out_dir))
        for edition, result in zip(to_render, rendered, strict=True):
            notes = tuple(note for tome in edition.tomes for note in assembled.diagnostics[tome.number])
            notes += coverage[edition.name]
            known[edition.name] = CachedEdition(result.pages, edition.words, len(edition.texts),
                                                notes + result.diagnostics,
                                                tuple((fmt, output.name) for fmt, output in result.files))
    # Once each: the omnibus repeats its tomes' texts, and so their warnings.
    diagnostics = tuple(dict.fromkeys(note for name in keys for note in known[name].notes))
    for note in diagnostics:
        warn(f"warning: {note}")
    if request.strict and diagnostics:
        raise MakeBookError(f"{len(diagnostics)} warning(s) and --strict: nothing was written")

    # Phase two: write, each file atomically, then record what is on disk.
    for result in rendered:
        for _, output in sorted(result.files, key=lambda item: item[0]):
            write_atomic(out_dir / output.name, output.data)
            say(f"wrote {out_dir / output.name} ({len(output.data) / 1024:.0f} KiB)")
        remember(out_dir, result.name, keys[result.name], known[result.name])
    artifacts = tuple(Artifact(out_dir / file_name, name, plans[name].tomes, fmt, entry.pages, entry.words,
                               entry.texts) for name, entry in known.items() for fmt, file_name in sorted(entry.files))
    write_release_files(out_dir, artifacts, timestamp, config, styles)
    if rendered:
        keep_known_texts(out_dir, texts)
        prune_chunks(out_dir)
    return BuildResult(artifacts, diagnostics)
