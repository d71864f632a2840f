"""How long the live preview takes to show an edit: save a text, wait for the reload event, fetch the
page and find the new sentence. Median of --runs edits on the demo manuscript (or --texts N of the
generated corpus).

    python bench/watch_latency.py [--runs 10] [--texts 0]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--texts", type=int, default=0, help="0: the demo manuscript")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="make-book-watch-"))
    try:
        if options.texts:
            manuscript = generate(work, texts=options.texts)
        else:
            shutil.copytree(ROOT / "manuscript", work / "manuscript")
            shutil.copytree(ROOT / "styles", work / "styles")
            manuscript = work / "manuscript"
        process = subprocess.Popen([sys.executable, "-u", "-m", "make_book", "watch", "--manuscript",
                                    str(manuscript), "--port", "0"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        base = None
        while base is None:
            match = re.search(r"(http://127\.0\.0\.1:\d+/)", process.stdout.readline())
            base = match.group(1) if match else None
        text = sorted((manuscript / "tome-1").glob("*.txt"))[-1]
        original = text.read_text(encoding="utf-8")
        latencies = []
        for run in range(options.runs):
            events = urllib.request.urlopen(base + "events", timeout=30)
            sentence = f"Phrase ajoutée numéro {run}"
            started = time.perf_counter()
            text.write_text(original + f"\n{sentence}.\n", encoding="utf-8")
            while not events.readline().startswith(b"data:"):
                pass
            page = urllib.request.urlopen(base + "tome-1.html", timeout=30).read().decode()
            assert sentence in page
            latencies.append(time.perf_counter() - started)
            events.close()
            time.sleep(0.3)
        process.terminate()
        texts = options.texts or "demo"
        print(f"watch: edit to refreshed page, {texts} texts: median {statistics.median(latencies) * 1000:.0f} ms "
              f"(min {min(latencies) * 1000:.0f}, max {max(latencies) * 1000:.0f}, {options.runs} edits)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
