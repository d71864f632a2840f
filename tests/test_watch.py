"""The live preview, in a real browser: an edit appears without a manual reload; an error shows in
the page and the terminal; fixing the file recovers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from browser import browser_page


def start_watch(manuscript: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-u", "-m", "make_book", "watch", "--manuscript", str(manuscript),
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        match = re.search(r"previewing on (http://127\.0\.0\.1:\d+/)", line)
        if match:
            return process, match.group(1)
    process.kill()
    raise AssertionError("the preview did not start")


def test_live_preview_follows_edits_and_errors(small_project: Path) -> None:
    process, base = start_watch(small_project)
    text = small_project / "tome-1" / "1-premier.txt"
    original = text.read_text()
    try:
        with browser_page(1000, 800) as page:
            page.goto(base + "tome-1.html")
            assert page.inner_text("h2.text-title >> nth=0") == "Le premier texte"
            assert page.evaluate("getComputedStyle(document.querySelector('p')).fontFamily").startswith(
                '"Book Libertine"')
            text.write_text(original + "Une phrase toute neuve apparaît!\n")
            page.wait_for_selector("text=Une phrase toute neuve apparaît\u202f!", timeout=10_000)
            text.write_bytes(b"Titre\n\x00 binaire")
            page.wait_for_selector("#error", timeout=10_000)
            assert "1-premier.txt:2: not a text file" in page.inner_text("#error")
            text.write_text(original)
            page.wait_for_selector("h2.text-title", timeout=10_000)
            assert "Une phrase toute neuve" not in page.inner_text("body")
            page.goto(base + "tome-1.html?print=1")
            assert page.locator('link[href="/styles/print.css"]').count() == 1
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=20)[0]
    assert "1-premier.txt:2: not a text file" in output  # the terminal said it too
