"""What a page costs, counted in instructions (valgrind's callgrind) rather than timed: on a shared
machine a timing moves by 10 % from run to run, an instruction count by well under 1 %.

    python bench/page_cost.py               # one chunk of the 612-text corpus (about 10 minutes)
    python bench/page_cost.py --chunk 5

Three processes, each under callgrind, each first doing the same setup (imports, the corpus read and
normalized, Pandoc's HTML read): one stops there (the baseline), one does what a build's worker does
for one text chunk of tome 1 (chunks.lay_out_chunk: lines planned, laid out, PDF written), one lays
out and writes Pandoc's standalone HTML of the same texts with bench/run.py's like-for-like
stylesheet. Both run as a build's worker runs a task (workers.with_room: without it, the count would
depend on where the call stack stands). Prints each one's instructions less the baseline's, per page.
Needs valgrind (Debian's `valgrind`) and the bench extra (Pandoc).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate  # noqa: E402
from run import LIKE_FOR_LIKE_CSS  # noqa: E402

from make_book.assemble import assemble, editions  # noqa: E402
from make_book.build import build_timestamp  # noqa: E402
from make_book.chunks import lay_out_chunk, plan_chunks  # noqa: E402
from make_book.config import load_config  # noqa: E402
from make_book.layout import PageSetup  # noqa: E402
from make_book.styles import read_styles  # noqa: E402
from make_book.workers import with_room  # noqa: E402

WAYS = ("baseline", "make-book", "pandoc")


def pandoc_html(edition, sections: frozenset[str], work: Path) -> Path:  # noqa: ANN001
    """Pandoc's standalone HTML of these texts, as bench/run.py gives them to it, linking the
    like-for-like stylesheet (with the corpus's copy of the fonts)."""
    import pypandoc
    css = work / "like-for-like.css"
    css.write_text(LIKE_FOR_LIKE_CSS.replace("FONTS", (work / "styles" / "fonts").as_uri()))
    lines = [f"---\ntitle: \"{edition.meta.title}\"\nlang: fr\n---\n"]
    for placed in edition.texts:
        if placed.anchor in sections:
            lines.append(f"# {placed.text.title}\n\n*Texte de {placed.text.author}*\n")
            lines += [paragraph.plain + "\n" for paragraph in placed.text.paragraphs]
    source, html = work / "chunk.md", work / "chunk.html"
    source.write_text("\n".join(lines), encoding="utf-8")
    subprocess.run([pypandoc.get_pandoc_path(), str(source), "-s", "--css", css.as_uri(), "-o", str(html)],
                   check=True)
    return html


def measure(way: str, work: Path, chunk_number: int) -> None:
    """One process's work (run under callgrind): the setup, then `way`'s layout; prints its pages."""
    import weasyprint  # noqa: F401  (imported by every way, as the setup)

    config = load_config(work / "manuscript")
    styles = read_styles(config.styles_dir, config.fonts.fallback)
    edition = editions(assemble(config, (1,)).book, config.editions((1,)), styles)[0]
    chunk = plan_chunks(edition, 0)[chunk_number]
    html = work / "chunk.html"
    if way == "make-book":
        laid = with_room(lay_out_chunk, edition, styles, PageSetup.for_reader(edition.pdf), build_timestamp(config),
                         chunk, {}, None)
        print(laid.pages)
    elif way == "pandoc":
        print(with_room(pandoc_pages, html))


def pandoc_pages(html: Path) -> int:
    """WeasyPrint's layout and PDF of Pandoc's HTML: its page count."""
    from weasyprint import HTML
    document = HTML(filename=str(html)).render()
    document.write_pdf()
    return len(document.pages)


def instructions(way: str, work: Path, chunk_number: int) -> subprocess.Popen:
    return subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
         "--measure", way, "--work", str(work), "--chunk", str(chunk_number)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def collected(process: subprocess.Popen) -> tuple[int, int]:
    """(instructions, pages) of a finished process."""
    out, err = process.communicate()
    if process.returncode:
        raise RuntimeError(err[-2000:])
    count = re.search(r"I\s+refs:\s+([\d,]+)", err)  # callgrind's summary
    return int(count.group(1).replace(",", "")), int(out.strip() or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunk", type=int, default=3, help="which of tome 1's chunks (0: the front matter)")
    parser.add_argument("--measure", choices=WAYS, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        return measure(options.measure, options.work, options.chunk)
    with tempfile.TemporaryDirectory(prefix="make-book-page-cost-") as folder:
        work = Path(folder)
        generate(work)
        config = load_config(work / "manuscript")
        styles = read_styles(config.styles_dir, config.fonts.fallback)
        edition = editions(assemble(config, (1,)).book, config.editions((1,)), styles)[0]
        sections = frozenset(plan_chunks(edition, 0)[options.chunk].sections)
        pandoc_html(edition, sections, work)
        runs = {way: instructions(way, work, options.chunk) for way in WAYS[1:]}  # two at a time: 2 cores
        counts = {way: collected(process) for way, process in runs.items()}
        counts["baseline"] = collected(instructions("baseline", work, options.chunk))
    base = counts["baseline"][0]
    per_page = {}
    print(f"tome 1, chunk {options.chunk}: instructions less the baseline's ({base / 1e9:.2f} G)")
    for way in WAYS[1:]:
        total, pages = counts[way]
        per_page[way] = (total - base) / pages
        print(f"{way:10s} {pages:4d} pages  {(total - base) / 1e9:6.2f} G  {per_page[way] / 1e6:6.1f} M a page")
    print(f"make-book's page: {per_page['make-book'] / per_page['pandoc']:.2f} × Pandoc's")


if __name__ == "__main__":
    main()
