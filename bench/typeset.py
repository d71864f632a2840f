"""How well the print edition's lines are set, against XeLaTeX at the same geometry. Opt-in, outside
the test suite:

    python bench/typeset.py [--texts 25] [--json OUT]

Two books are set: a generated one (bench/corpus.py, tome 1) and real prose (bench/prose/: tales by
Maupassant, 1881, public domain). Each is built by make-book with `line_breaking = "total-fit"` (ours)
and `"greedy"` (WeasyPrint's own), and, when `xelatex` is installed (Debian: texlive-xetex,
texlive-lang-french), set by XeLaTeX with the same page, measure, font files, size, leading and indent
(babel-french, \\frenchspacing, \\emergencystretch=3em). Every PDF is read back the same way
(pdfplumber) and measured:

- word space: the mean gap between words on a justified line, in em; gaps beside « » and before
  ; : ! ? (fixed narrow spaces) are left out, and so are the first and last lines of paragraphs;
- lines with a word space over 0.5 em, the widest line;
- hyphenated line ends, runs of 3 or more in a row, hyphenations carrying only 2 letters over;
- overfull lines: any line past the right margin.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import mean

import pdfplumber

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from corpus import generate, set_pdf_option  # noqa: E402

from make_book.assemble import assemble  # noqa: E402
from make_book.build import BuildRequest, build  # noqa: E402
from make_book.config import load_config  # noqa: E402
from make_book.model import Paragraph  # noqa: E402

MM = 72 / 25.4
PAGE_WIDTH = 148 * MM
# print.css: 20 mm inside, 14 mm outside; odd pages are rectos.
RIGHT_EDGE = {1: PAGE_WIDTH - 14 * MM, 0: PAGE_WIDTH - 20 * MM}
LEFT_EDGE = {1: 20 * MM, 0: 14 * MM}
BODY_SIZE = 10.5
FIXED_SPACE_AFTER = "«"
FIXED_SPACE_BEFORE = ";:!?»"
HYPHENS = "-\u2010"


@dataclass
class Measures:
    justified_lines: int
    loose_share: float        # share of justified lines with a mean word space over 0.5 em
    widest: float             # the largest mean word space of a line, em
    mean_space: float         # over justified lines, em
    hyphenated_ends: int
    runs_of_3: int
    longest_run: int
    two_letter_carries: int
    overfull: int


def body_lines(pdf_path: Path) -> list[tuple[int, list[dict]]]:
    """(page number, characters) of every body-text line, in reading order."""
    found = []
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            lines: dict[float, list[dict]] = {}
            for char in page.chars:
                if abs(char["size"] - BODY_SIZE) < 0.2 and char["text"].strip():
                    lines.setdefault(round(char["bottom"], 0), []).append(char)
            for _, chars in sorted(lines.items()):
                chars.sort(key=lambda char: char["x0"])
                if "...." not in "".join(char["text"] for char in chars):  # not a table of contents line
                    found.append((number, chars))
    return found


def word_gaps(chars: list[dict]) -> list[float]:
    gaps = []
    for before, after in zip(chars, chars[1:]):
        gap = after["x0"] - before["x1"]
        fixed = before["text"] in FIXED_SPACE_AFTER or after["text"] in FIXED_SPACE_BEFORE
        if gap > 0.1 * BODY_SIZE and not fixed:
            gaps.append(gap / BODY_SIZE)
    return gaps


def measure(pdf_path: Path) -> Measures:
    lines = body_lines(pdf_path)
    full = [chars[-1]["x1"] > RIGHT_EDGE[page % 2] - 1.0 for page, chars in lines]
    overfull = sum(chars[-1]["x1"] > RIGHT_EDGE[page % 2] + 0.5 for page, chars in lines)
    spaces = []
    for index, (page, chars) in enumerate(lines):
        first = chars[0]["x0"] > LEFT_EDGE[page % 2] + 3 or (index > 0 and not full[index - 1])
        if full[index] and not first:
            gaps = word_gaps(chars)
            if gaps:
                spaces.append(mean(gaps))
    hyphenated = [full[index] and chars[-1]["text"] in HYPHENS for index, (_, chars) in enumerate(lines)]
    runs, run, longest, carries = 0, 0, 0, 0
    for index, is_hyphenated in enumerate(hyphenated):
        run = run + 1 if is_hyphenated else 0
        runs += run == 3
        longest = max(longest, run)
        if is_hyphenated and index + 1 < len(lines):
            following = "".join(char["text"] for char in lines[index + 1][1][:4])
            letters = re.match(r"[^\W\d_]*", following).group()
            carries += len(letters) <= 2
    return Measures(len(spaces), sum(space > 0.5 for space in spaces) / max(1, len(spaces)),
                    max(spaces, default=0.0), mean(spaces) if spaces else 0.0, sum(hyphenated), runs, longest,
                    carries, overfull)


def make_book_pdf(manuscript: Path, out: Path, line_breaking: str) -> Path:
    set_pdf_option(manuscript, "line_breaking", line_breaking)
    build(BuildRequest(manuscript, out, tomes=(1,), formats=("pdf",)), say=lambda _: None, warn=lambda _: None)
    return next(out.glob("*-tome-1.pdf"))


def draw_before_after(work: Path, picture: Path) -> None:
    """The page of prose where the two ways differ most in hyphenated line ends, set by WeasyPrint
    alone and by make-book, side by side."""
    from PIL import Image, ImageDraw, ImageFont

    pdfs = {breaking: next((work / breaking).glob("*-tome-1.pdf")) for breaking in ("greedy", "total-fit")}
    hyphens: dict[str, dict[int, int]] = {}
    for breaking, pdf in pdfs.items():
        counts: dict[int, int] = {}
        for page, chars in body_lines(pdf):
            counts[page] = counts.get(page, 0) + (chars[-1]["text"] in HYPHENS)
        hyphens[breaking] = counts
    number = max(hyphens["greedy"], key=lambda page: hyphens["greedy"][page] - hyphens["total-fit"].get(page, 0))
    pages = []
    for breaking, pdf in pdfs.items():
        stem = work / f"page-{breaking}"
        subprocess.run(["pdftoppm", "-r", "110", "-f", str(number), "-l", str(number), "-png", "-singlefile",
                        str(pdf), str(stem)], check=True)
        page = Image.open(f"{stem}.png")
        pages.append(page.crop((0, int(page.height * 0.06), page.width, int(page.height * 0.93))))
    width, height = pages[0].width, pages[0].height
    sheet = Image.new("RGB", (2 * width + 30, height + 50), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(str(ROOT / "styles" / "fonts" / "LinLibertine_R.otf"), 22)
    labels = (f"WeasyPrint alone: {hyphens['greedy'][number]} hyphenated line ends",
              f"make-book: {hyphens['total-fit'].get(number, 0)} hyphenated line ends")
    for index, (page, label) in enumerate(zip(pages, labels)):
        sheet.paste(page, (index * (width + 30), 50))
        draw.text((index * (width + 30) + 60, 12), label, fill="black", font=font)
    draw.line((width + 15, 0, width + 15, height + 50), fill="#999999", width=2)
    sheet.save(picture, optimize=True)


def tex_escape(text: str) -> str:
    replace = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
               "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(replace.get(char, char) for char in text)


def xelatex_pdf(manuscript: Path, work: Path) -> Path:
    """The same texts, normalized by make-book, set by XeLaTeX at the same geometry."""
    config = load_config(manuscript)
    book = assemble(config, (1,)).book
    fonts = ROOT / "styles" / "fonts"
    body = []
    for placed in book.tomes[0].texts:
        text = placed.text
        body.append(r"\cleardoublepage\vspace*{25mm}\begin{center}{\fontsize{15.75}{18.9}\selectfont "
                    + tex_escape(text.title) + r"\par}\medskip\textit{Texte de " + tex_escape(text.author or "")
                    + r"}\end{center}\vspace{2em}\noindent ")
        for block in text.blocks:
            if isinstance(block, Paragraph):
                body.append("".join(r"\emph{" + tex_escape(span.text) + "}" if span.emphasis else tex_escape(span.text)
                                    for span in block.spans) + "\n\n")
            else:
                body.append("\\begin{center}⁂\\end{center}\\noindent ")
    source = work / "book.tex"
    source.write_text(r"""\documentclass{article}
\usepackage[paperwidth=148mm,paperheight=210mm,inner=20mm,outer=14mm,top=18mm,bottom=20mm,twoside]{geometry}
\usepackage{fontspec}
\setmainfont{LinLibertine_R.otf}[Path=""" + str(fonts) + r"""/,ItalicFont=LinLibertine_RI.otf,BoldFont=LinLibertine_RB.otf]
\usepackage[french]{babel}
\frenchsetup{AutoSpacePunctuation=false}
\frenchspacing
\emergencystretch=3em
\setlength{\parindent}{1.5em}
\setlength{\parskip}{0pt}
\widowpenalty=10000 \clubpenalty=10000
\begin{document}
\fontsize{10.5}{14.7}\selectfont
""" + "".join(body) + "\\end{document}\n")
    subprocess.run(["xelatex", "-interaction=nonstopmode", "-halt-on-error", source.name], cwd=work,
                   check=True, capture_output=True)
    return work / "book.pdf"


def prose_manuscript(target: Path) -> Path:
    """bench/prose/ as a make-book manuscript, with the book's own book.toml and styles."""
    manuscript = target / "manuscript"
    shutil.copytree(ROOT / "bench" / "prose", manuscript, ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(ROOT / "styles", target / "styles")
    (manuscript / "book.toml").write_text((ROOT / "manuscript" / "book.toml").read_text(encoding="utf-8")
                                          .replace('slug = "612-rencontres"', 'slug = "contes"'), encoding="utf-8")
    return manuscript


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=25, help="generated texts (default 25)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--picture", type=Path, help="also draw a page of prose set both ways (PNG)")
    parser.add_argument("--cost", type=int, metavar="RUNS",
                        help="instead, time the PDF stage of the 612-text corpus with and without the breaker")
    options = parser.parse_args()
    if options.cost:
        print(cost(options.cost))
        return
    report: dict[str, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        books = {"generated": generate(scratch / "generated", texts=options.texts, seed=612),
                 "prose": prose_manuscript(scratch / "prose")}
        for name, manuscript in books.items():
            report[name] = {}
            for breaking in ("total-fit", "greedy"):
                pdf = make_book_pdf(manuscript, scratch / name / breaking, breaking)
                report[name][f"make-book {breaking}"] = asdict(measure(pdf))
            if name == "prose" and options.picture:
                draw_before_after(scratch / name, options.picture)
            if shutil.which("xelatex"):
                work = scratch / name / "xelatex"
                work.mkdir()
                report[name]["XeLaTeX"] = asdict(measure(xelatex_pdf(manuscript, work)))
    print(table(report))
    if options.json:
        options.json.write_text(json.dumps(report, indent=2) + "\n")


def cost(runs: int) -> str:
    """The PDF stage (line breaking + layout + writing, summed over both tomes' workers) and the wall
    time of `--format pdf` builds of the 612-text corpus, each way in turn, `runs` times: medians."""
    from statistics import median
    stages: dict[str, list[float]] = {"total-fit": [], "greedy": []}
    walls: dict[str, list[float]] = {"total-fit": [], "greedy": []}
    with tempfile.TemporaryDirectory() as scratch:
        manuscript = generate(Path(scratch), texts=612, seed=612)
        for run in range(runs):
            for breaking in ("total-fit", "greedy") if run % 2 == 0 else ("greedy", "total-fit"):
                lines: list[str] = []
                started = time.perf_counter()
                set_pdf_option(manuscript, "line_breaking", breaking)
                build(BuildRequest(manuscript, Path(scratch) / f"{breaking}-{run}", formats=("pdf",)),
                      say=lines.append, warn=lambda _: None)
                walls[breaking].append(time.perf_counter() - started)
                stages[breaking].append(sum(float(seconds) for line in lines for seconds in
                                            re.findall(r"(?:line breaking|layout|pdf) ([\d.]+) s", line)))
    rows = [f"612-text corpus, both tomes, `--format pdf`, {runs} runs each way, alternating; medians",
            "| | with the breaker | without | ratio |", "|---|---|---|---|"]
    for label, figures in (("PDF stage (CPU seconds, both workers)", stages), ("wall time", walls)):
        ours, theirs = median(figures["total-fit"]), median(figures["greedy"])
        rows.append(f"| {label} | {ours:.1f} s | {theirs:.1f} s | {ours / theirs:.2f} |")
    return "\n".join(rows)


def table(report: dict[str, dict[str, dict]]) -> str:
    rows = [("lines with word space > 0.5 em", lambda m: f"{100 * m['loose_share']:.1f} %"),
            ("widest line (mean word space)", lambda m: f"{m['widest']:.2f} em"),
            ("mean word space", lambda m: f"{m['mean_space']:.3f} em"),
            ("hyphenated line ends", lambda m: str(m["hyphenated_ends"])),
            ("runs of ≥ 3 hyphenated ends (longest)", lambda m: f"{m['runs_of_3']} ({m['longest_run']})"),
            ("hyphenations carrying 2 letters", lambda m: str(m["two_letter_carries"])),
            ("overfull lines", lambda m: str(m["overfull"])),
            ("justified lines measured", lambda m: str(m["justified_lines"]))]
    out = []
    for name, setters in report.items():
        out += [f"\n{name}\n", "| measure | " + " | ".join(setters) + " |",
                "|---" * (len(setters) + 1) + "|"]
        out += ["| " + label + " | " + " | ".join(show(measures) for measures in setters.values()) + " |"
                for label, show in rows]
    return "\n".join(out)


if __name__ == "__main__":
    main()
