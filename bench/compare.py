"""Full-build time of this checkout against another revision, measured in the same run.

    python bench/compare.py BASE_REV [--head REV] [--texts 612] [--runs 3] [--omnibus]

Generates the corpus (bench/corpus.py), checks BASE_REV (and --head, else this checkout as it is)
out in temporary git worktrees, and times
`make-book build` from scratch for each side, alternating them, with the same Python environment
(the base's code comes first on PYTHONPATH). Prints the medians and the ratio head / base: a
refactoring must not make it grow. `--omnibus`: the book has an `[omnibus]` (three editions).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def timed_build(project: Path, out: Path, source: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(source), "SOURCE_DATE_EPOCH": "1764201600"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "make_book", "build", "--out", str(out)], cwd=project, env=env,
                   check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("--head", help="a revision to compare instead of this checkout")
    parser.add_argument("--texts", type=int, default=612)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--omnibus", action="store_true", help="build the omnibus too")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="make-book-compare-"))
    revisions = {"base": options.base} | ({"head": options.head} if options.head else {})
    try:
        for side, revision in revisions.items():
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(work / side), revision],
                           check=True, capture_output=True)
        manuscript = generate(work / "corpus", texts=options.texts)
        if options.omnibus:
            with (manuscript / "book.toml").open("a", encoding="utf-8") as config:
                config.write("\n[omnibus]\n")
        checkouts = {"base": work / "base", "head": work / "head" if options.head else ROOT}
        for side, checkout in checkouts.items():  # the same texts, each side with its own styles and fonts
            shutil.copytree(manuscript, work / f"project-{side}" / "manuscript")
            shutil.copytree(checkout / "styles", work / f"project-{side}" / "styles")
        times: dict[str, list[float]] = {side: [] for side in checkouts}
        for _ in range(options.runs):
            for side, checkout in checkouts.items():
                times[side].append(timed_build(work / f"project-{side}", work / f"out-{side}", checkout / "src"))
        base, head = (statistics.median(times[side]) for side in checkouts)
        print(f"{options.texts} texts, {options.runs} runs each, alternating, {os.cpu_count()} cores")
        print(f"base {options.base}: median {base:.1f} s {sorted(round(t, 1) for t in times['base'])}")
        print(f"head {options.head or 'this checkout'}: median {head:.1f} s "
              f"{sorted(round(t, 1) for t in times['head'])}")
        print(f"ratio head / base: {head / base:.2f}")
    finally:
        for side in revisions:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(work / side)],
                           capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
