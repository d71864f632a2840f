"""The benchmark: make-book against Pandoc and raw WeasyPrint on a generated corpus, in one run.

    python bench/run.py                 # the full 612-text book (about 15 minutes on 2 cores)
    python bench/run.py --texts 60 --runs 3
    python bench/run.py --layout        # only the layout in chunks against whole tomes, and the edits
                                        # (about 30 minutes: bench/results-layout.json)

Prints a table and writes bench/results.json. Every figure is a median of --runs runs; ratios are
taken between figures measured in this same run, on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate  # noqa: E402

from make_book.assemble import assemble, editions  # noqa: E402
from make_book.book_html import print_html  # noqa: E402
from make_book.build import build_timestamp  # noqa: E402
from make_book.config import load_config  # noqa: E402
from make_book.layout import PageSetup, lay_out, page_map, paragraph_frame, subsets_fonts_fast  # noqa: E402
from make_book.normalize import normalize  # noqa: E402
from make_book.render.epub import build_epub  # noqa: E402
from make_book.styles import read_styles  # noqa: E402
from make_book.typeset import plan_lines  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MAKE_BOOK = [sys.executable, "-m", "make_book"]
# the `weasyprint` command of this Python's environment, activated or not
WEASYPRINT = (shutil.which("weasyprint", path=str(Path(sys.executable).parent)) or shutil.which("weasyprint")
              or "weasyprint")


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and the peak RSS (MiB) of the largest process the command started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, (peak if peak > before else 0) // 1024


def page_count(pdf: Path) -> int:
    import pikepdf  # make-book's own dependency: the bench extra needs nothing more for it
    with pikepdf.open(pdf) as document:
        return len(document.pages)


def median_of(runs: int, measure) -> float:
    return statistics.median(measure() for _ in range(runs))


# Pandoc's peer of print.css: the same A5 page, margins, font files, size, leading, indent, justification,
# hyphenation and recto openings; no running heads, no TOC page numbers, no index, no tags.
LIKE_FOR_LIKE_CSS = """
@page { size: A5; margin: 18mm 14mm 20mm 20mm; @bottom-center { content: counter(page); font-size: 9pt; } }
@page :left { margin-left: 14mm; margin-right: 20mm; }
@page :right { margin-left: 20mm; margin-right: 14mm; }
@font-face { font-family: "Book Libertine"; src: url("FONTS/LinLibertine_R.otf"); }
@font-face { font-family: "Book Libertine"; font-style: italic; src: url("FONTS/LinLibertine_RI.otf"); }
html { font-family: "Book Libertine"; font-size: 10.5pt; line-height: 1.4; }
body { margin: 0; }
p { margin: 0; text-indent: 1.5em; text-align: justify; hyphens: auto; }
h1 { break-before: right; font-weight: normal; font-size: 1.5em; text-align: center; margin: 25mm 0 0.6em; }
"""


def our_print_html(edition, styles, config, timestamp) -> str:  # noqa: ANN001
    """The HTML make-book gives WeasyPrint, its lines broken as the build breaks them."""
    setup = PageSetup.for_reader(config.pdf)
    lines = (plan_lines(edition, styles, paragraph_frame(styles, setup))
             if config.pdf.line_breaking == "total-fit" else None)
    return print_html(edition, timestamp, lines=lines)


def pandoc_sources(manuscript: Path, work: Path) -> list[Path]:
    """The corpus as one Markdown file per tome, from the same normalized texts: Pandoc's input."""
    config = load_config(manuscript)
    files = []
    for tome in assemble(config).book.tomes:
        lines = [f"---\ntitle: \"{config.meta.title} — {tome.config.title}\"\nlang: fr\n---\n"]
        for placed in tome.texts:
            lines.append(f"# {placed.text.title}\n\n*Texte de {placed.text.author}*\n")
            lines += [paragraph.plain + "\n" for paragraph in placed.text.paragraphs]
        path = work / f"tome-{tome.number}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        files.append(path)
    return files


def raw_weasyprint_sources(manuscript: Path, work: Path) -> list[tuple[Path, list[Path]]]:
    """The exact HTML and stylesheets make-book gives WeasyPrint, for each tome."""
    config = load_config(manuscript)
    timestamp = build_timestamp(config)
    setup = work / "page-setup.css"
    setup.write_text(PageSetup.for_reader(config.pdf).css)
    sources = []
    styles = read_styles(config.styles_dir, config.fonts.fallback)
    for edition in editions(assemble(config).book, config.editions(), styles):
        html = config.styles_dir / f"bench-{edition.name}.html"  # beside the fonts it links
        html.write_text(our_print_html(edition, styles, config, timestamp), encoding="utf-8")
        sources.append((html, [config.styles_dir / "book.css", config.styles_dir / "print.css", setup]))
    return sources


def pandoc_like_for_like(pandoc: str, sources: list[Path], work: Path, project: Path):  # noqa: ANN201
    """Both tomes in parallel, each its EPUB then its PDF through WeasyPrint with LIKE_FOR_LIKE_CSS."""
    css = work / "like-for-like.css"
    css.write_text(LIKE_FOR_LIKE_CSS.replace("FONTS", (project / "styles" / "fonts").as_uri()))

    def run() -> float:
        started = time.perf_counter()
        chains = [subprocess.Popen(
            f'"{pandoc}" "{source}" -o "{source.with_suffix(".epub")}" && "{pandoc}" "{source}" -s '
            f'--css "{css}" --pdf-engine="{WEASYPRINT}" -o "{source.with_suffix(".pdf")}"',
            shell=True, cwd=work) for source in sources]
        if any(chain.wait() for chain in chains):
            raise RuntimeError("pandoc failed")
        return time.perf_counter() - started
    return run


def layout_study(runs: int, work: Path, manuscript: Path, env: dict[str, str]) -> dict:
    """The layout in chunks against the layout of each tome whole, in the same run, alternating: full
    builds at 1, 2 and every worker, edits that keep or change a page count, and Pandoc like for like."""
    from corpus import set_pdf_option

    import pypandoc
    project = manuscript.parent
    cores = len(os.sched_getaffinity(0))
    run_pandoc = pandoc_like_for_like(pypandoc.get_pandoc_path(), pandoc_sources(manuscript, work), work, project)
    samples: dict[str, list[float]] = {}
    peaks: dict[str, int] = {}

    def sample(name: str, seconds_and_peak: tuple[float, int]) -> None:
        samples.setdefault(name, []).append(seconds_and_peak[0])
        peaks[name] = max(peaks.get(name, 0), seconds_and_peak[1])

    def build(out: Path, *arguments: str) -> tuple[float, int]:
        return timed([*MAKE_BOOK, "build", "--out", str(out), *arguments], project, env)

    files = sorted((manuscript / "tome-1").glob("*.txt"))
    text = files[len(files) // 3]
    original = text.read_text(encoding="utf-8")
    for _ in range(runs):
        sample("pandoc", (run_pandoc(), 0))
        for way, chunks in (("whole", "1"), ("chunked", "0")):
            set_pdf_option(manuscript, "chunks", chunks)
            for jobs in sorted({1, 2, cores}) if way == "chunked" else (0,):
                shutil.rmtree(work / "out", ignore_errors=True)
                sample(f"{way} -j{jobs}", build(work / "out", "-j", str(jobs)))
            warm = work / f"warm-{way}"
            shutil.rmtree(warm, ignore_errors=True)
            build(warm)
            sample(f"{way} nothing changed", build(warm))
            # a word changed: the same page count; a paragraph added: the tome's later pages move
            text.write_text(original.replace(" le ", " ce ", 1), encoding="utf-8")
            sample(f"{way} word edited", build(warm))
            text.write_text(original + "\n" + "Un paragraphe de plus, assez long pour une page. " * 40 + "\n",
                            encoding="utf-8")
            sample(f"{way} paragraph added", build(warm))
            pages = page_count(warm / "corpus-tome-1.pdf")
            text.write_text(original + "\n" + "Un paragraphe de plus, assez long pour une page. " * 150 + "\n",
                            encoding="utf-8")
            sample(f"{way} long paragraph added (page count changed)", build(warm))
            assert page_count(warm / "corpus-tome-1.pdf") != pages, "the long paragraph moved no page"
            text.write_text(original, encoding="utf-8")
    set_pdf_option(manuscript, "chunks", "0")
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {"cores": cores, "medians_s": medians, "samples_s": samples, "peak_mib": peaks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=612)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--layout", action="store_true",
                        help="only the layout in chunks against whole tomes (bench/results-layout.json)")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="make-book-bench-"))
    env = {"SOURCE_DATE_EPOCH": "1764201600"}
    try:
        manuscript = generate(work, texts=options.texts)
        project = manuscript.parent
        results: dict[str, float] = {}
        if options.layout:
            study = layout_study(options.runs, work, manuscript, env)
            report = {"machine": machine(study["cores"]),
                      "texts": options.texts, "runs": options.runs, **study}
            (ROOT / "bench" / "results-layout.json").write_text(json.dumps(report, indent=2) + "\n")
            print(layout_table(report))
            return

        # Normalization throughput, in-process.
        corpus = "".join(path.read_text(encoding="utf-8") for path in sorted(manuscript.rglob("*.txt")))
        megabytes = len(corpus.encode()) / 1e6

        def normalize_once() -> float:
            started = time.perf_counter()
            normalize(corpus)
            return time.perf_counter() - started
        results["corpus_mb"] = megabytes
        results["normalize_s"] = median_of(options.runs, normalize_once)
        results["normalize_mb_per_s"] = megabytes / results["normalize_s"]

        def fresh_build(*arguments: str) -> tuple[float, int]:
            out = work / "out"
            shutil.rmtree(out, ignore_errors=True)
            return timed([*MAKE_BOOK, "build", "--out", str(out), *arguments], project, env)

        full = [fresh_build() for _ in range(options.runs)]
        results["full_build_s"] = statistics.median(seconds for seconds, _ in full)
        results["peak_rss_mib"] = max(peak for _, peak in full)
        results["sequential_build_s"] = median_of(options.runs, lambda: fresh_build("-j", "1")[0])
        results["epub_only_build_s"] = median_of(options.runs, lambda: fresh_build("--format", "epub")[0])
        results["our_pdf_tome1_s"] = median_of(options.runs, lambda: fresh_build(
            "--tome", "1", "--format", "pdf", "-j", "1")[0])

        # The same full build with the omnibus (both tomes in one EPUB and PDF) as well.
        config_file = manuscript / "book.toml"
        plain_config = config_file.read_text(encoding="utf-8")
        config_file.write_text(plain_config + "\n[omnibus]\n", encoding="utf-8")
        results["full_build_with_omnibus_s"] = median_of(options.runs, lambda: fresh_build()[0])
        config_file.write_text(plain_config, encoding="utf-8")

        # Our EPUB stage alone (the print layout it takes its page-list from is given), both tomes.
        config = load_config(manuscript)
        styles = read_styles(config.styles_dir, config.fonts.fallback)
        timestamp = build_timestamp(config)
        built = editions(assemble(config).book, config.editions(), styles)
        maps = [page_map(lay_out(our_print_html(edition, styles, config, timestamp), styles,
                                 PageSetup.for_reader(config.pdf)), edition) for edition in built]

        def epub_stage() -> float:
            started = time.perf_counter()
            for edition, pages in zip(built, maps, strict=True):
                build_epub(edition, styles, pages, timestamp)
            return time.perf_counter() - started
        results["epub_stage_s"] = median_of(options.runs, epub_stage)

        # Pandoc, EPUB of the same texts, both tomes one after the other.
        import pypandoc
        pandoc = pypandoc.get_pandoc_path()
        sources = pandoc_sources(manuscript, work)
        results["pandoc_epub_s"] = median_of(options.runs, lambda: sum(
            timed([pandoc, str(source), "-o", str(source.with_suffix(".epub"))], work)[0] for source in sources))

        # Pandoc, like for like: both tomes in parallel, each its EPUB then its PDF through WeasyPrint with
        # a stylesheet that gives the same page, as make-book's full build does.
        pandoc_full = pandoc_like_for_like(pandoc, sources, work, project)
        results["pandoc_full_s"] = median_of(options.runs, pandoc_full)
        results["pandoc_pages"] = sum(page_count(source.with_suffix(".pdf")) for source in sources)
        fresh_build()
        results["our_pages"] = sum(page_count(pdf) for pdf in (work / "out").glob("*-tome-*.pdf"))

        # Raw WeasyPrint on our HTML, tome 1, as a command like ours.
        html, stylesheets = raw_weasyprint_sources(manuscript, work)[0]
        command = [WEASYPRINT, str(html), str(work / "raw.pdf"),
                   "--pdf-variant", "pdf/ua-1"]
        for sheet in stylesheets:
            command += ["-s", str(sheet)]
        results["raw_weasyprint_tome1_s"] = median_of(options.runs, lambda: timed(command, work)[0])

        # Rebuilds into a warm output folder.
        out = work / "warm"
        shutil.rmtree(out, ignore_errors=True)
        timed([*MAKE_BOOK, "build", "--out", str(out)], project, env)
        rebuild = [*MAKE_BOOK, "build", "--out", str(out)]
        results["rebuild_nothing_changed_s"] = median_of(options.runs, lambda: timed(rebuild, project, env)[0])
        text = manuscript / "tome-2" / "001-texte.txt"
        original = text.read_text(encoding="utf-8")

        def edit_one_text() -> float:
            text.write_text(original + f"\nUne ligne ajoutée à {time.time()}.\n", encoding="utf-8")
            return timed(rebuild, project, env)[0]
        results["rebuild_one_text_s"] = median_of(options.runs, edit_one_text)
        sheet = project / "styles" / "book.css"
        sheet_text = sheet.read_text()

        def edit_stylesheet() -> float:
            sheet.write_text(sheet_text + f"\n/* {time.time()} */\n")
            return timed(rebuild, project, env)[0]
        results["rebuild_stylesheet_s"] = median_of(options.runs, edit_stylesheet)

        results |= {
            "ratio_full_to_sequential": results["full_build_s"] / results["sequential_build_s"],
            "ratio_our_epub_to_pandoc": results["epub_stage_s"] / results["pandoc_epub_s"],
            "ratio_full_to_pandoc_like_for_like": results["full_build_s"] / results["pandoc_full_s"],
            "ratio_per_page_to_pandoc": (results["full_build_s"] / results["our_pages"])
                                        / (results["pandoc_full_s"] / results["pandoc_pages"]),
            "ratio_epub_only_build_to_pandoc": results["epub_only_build_s"] / results["pandoc_epub_s"],
            "ratio_our_pdf_to_raw_weasyprint": results["our_pdf_tome1_s"] / results["raw_weasyprint_tome1_s"],
            "ratio_one_text_to_full": results["rebuild_one_text_s"] / results["full_build_s"],
            "ratio_with_omnibus_to_full": results["full_build_with_omnibus_s"] / results["full_build_s"],
        }
        report = {"machine": machine(os.cpu_count()),
                  "texts": options.texts, "runs": options.runs, "results": results}
        options.out.write_text(json.dumps(report, indent=2) + "\n")
        print(table(report))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def machine(cores: int | None) -> str:
    """The facts a figure depends on, HarfBuzz's font subsetter among them: without it WeasyPrint
    subsets with fontTools, 0.2 s a face for each document it writes (each of our chunks and folio
    sheets; once a tome for Pandoc)."""
    subsetter = "HarfBuzz" if subsets_fonts_fast() else "fontTools"
    return f"{platform.machine()}, {cores} cores, Python {platform.python_version()}, fonts subset by {subsetter}"


def layout_table(report: dict) -> str:
    medians, peaks = report["medians_s"], report["peak_mib"]
    full = medians["whole -j0"]
    lines = [f"{report['texts']} texts, median of {report['runs']} runs, {report['machine']}"]
    for name, seconds in medians.items():
        ratio = f"{seconds / full:.2f} × whole full build, {seconds / medians['pandoc']:.2f} × Pandoc"
        peak = f", peak {peaks[name]} MiB/process" if peaks.get(name) else ""
        lines.append(f"{name:<28} {seconds:7.1f} s{peak:<26}  {ratio}")
    return "\n".join(lines)


def table(report: dict) -> str:
    r = report["results"]
    rows = [
        ("normalization",
         f"{r['normalize_s']:.2f} s for {r['corpus_mb']:.2f} MB ({r['normalize_mb_per_s']:.1f} MB/s)", ""),
        ("full build, 2 tomes × EPUB + PDF", f"{r['full_build_s']:.1f} s, peak {r['peak_rss_mib']} MiB/process",
         f"{r['ratio_full_to_sequential']:.2f} × sequential ({r['sequential_build_s']:.1f} s; target ≤ 0.6)"),
        ("full build vs Pandoc like for like", f"{r['full_build_s']:.1f} s ({r['our_pages']} pages) vs "
         f"{r['pandoc_full_s']:.1f} s ({r['pandoc_pages']} pages)",
         f"{r['ratio_full_to_pandoc_like_for_like']:.2f} × Pandoc; per page "
         f"{r['ratio_per_page_to_pandoc']:.2f} × (target ≤ 1.0)"),
        ("full build with the omnibus too", f"{r['full_build_with_omnibus_s']:.1f} s",
         f"{r['ratio_with_omnibus_to_full']:.2f} × without (the omnibus is laid out again)"),
        ("EPUB stage (both tomes) vs Pandoc", f"{r['epub_stage_s']:.1f} s vs {r['pandoc_epub_s']:.1f} s",
         f"{r['ratio_our_epub_to_pandoc']:.2f} × Pandoc (target ≤ 0.5)"),
        ("build --format epub (with layout)", f"{r['epub_only_build_s']:.1f} s",
         f"{r['ratio_epub_only_build_to_pandoc']:.2f} × Pandoc"),
        ("PDF tome 1 vs raw WeasyPrint", f"{r['our_pdf_tome1_s']:.1f} s vs {r['raw_weasyprint_tome1_s']:.1f} s",
         f"{r['ratio_our_pdf_to_raw_weasyprint']:.2f} × raw (target ≤ 1.10)"),
        ("rebuild, nothing changed", f"{r['rebuild_nothing_changed_s']:.2f} s", "target < 1 s"),
        ("rebuild, one text edited", f"{r['rebuild_one_text_s']:.1f} s",
         f"{r['ratio_one_text_to_full']:.2f} × full (target ≤ 0.6)"),
        ("rebuild, stylesheet edited", f"{r['rebuild_stylesheet_s']:.1f} s", ""),
    ]
    width = max(len(row[0]) for row in rows)
    lines = [f"{report['texts']} texts, median of {report['runs']} runs, {report['machine']}"]
    lines += [f"{name:<{width}}  {value:<44}  {ratio}".rstrip() for name, value, ratio in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
