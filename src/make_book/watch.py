"""`make-book watch`: a live HTML preview of each tome on 127.0.0.1, refreshed as files change.

The preview is the tome's print HTML (the same templates and book.css as the EPUB and the PDF),
served from memory; a change to a text, book.toml or a stylesheet re-renders it (no WeasyPrint, so
it takes a fraction of a second) and an open page reloads itself through server-sent events. A bad
edit shows its error in the page and in the terminal; the next good edit recovers.
"""

from __future__ import annotations

import datetime as dt
import html
import http.server
import mimetypes
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import click
import watchfiles

from make_book.assemble import KnownTexts, assemble, editions
from make_book.book_html import print_html
from make_book.config import load_config
from make_book.styles import read_styles

# The page as a reading system shows it, and with the print stylesheet (`?print=1`).
PREVIEW_VARIANTS = {"screen": ("/styles/book.css",), "print": ("/styles/book.css", "/styles/print.css")}
ERROR_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Build error</title>
<script>new EventSource("/events").onmessage = () => location.reload();</script></head>
<body style="font-family: sans-serif; margin: 2em"><h1>The book does not build</h1>
<pre id="error" style="white-space: pre-wrap; color: #8b0000">{message}</pre>
<p>Fix the file: this page reloads by itself.</p></body></html>"""


@dataclass
class Preview:
    """The pages now served; `version` grows at each refresh, waking the event streams."""

    manuscript_dir: Path
    pages: dict[tuple[str, str], str] = field(default_factory=dict)  # (edition, variant) -> page
    titles: dict[str, str] = field(default_factory=dict)            # edition -> its title
    error: str | None = None
    styles_dir: Path | None = None
    version: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)
    load: KnownTexts = field(default_factory=KnownTexts)  # a refresh reads 612 files, normalizes one

    def refresh(self, report: Callable[[str], None]) -> None:
        try:
            config = load_config(self.manuscript_dir)
            date = config.meta.date
            stamp = dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
            pages, titles, texts = {}, {}, 0
            styles = read_styles(config.styles_dir, config.fonts.fallback)
            tomes = tuple(plan for plan in config.editions() if plan.number is not None)  # the omnibus repeats them
            for edition in editions(assemble(config, load=self.load).book, tomes, styles):
                texts += len(edition.texts)
                titles[edition.name] = edition.title
                for variant, sheets in PREVIEW_VARIANTS.items():
                    pages[(edition.name, variant)] = print_html(edition, stamp, stylesheets=sheets,
                                                                  live_reload=True)
            self.styles_dir, self.pages, self.titles, self.error = config.styles_dir, pages, titles, None
            report(f"preview refreshed: {texts} texts")
        except click.ClickException as exc:
            self.error = exc.format_message()
            report(f"Error: {self.error}")
        with self.changed:
            self.version += 1
            self.changed.notify_all()


def _handler(preview: Preview) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # the terminal is for the author's messages
            pass

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            path = unquote(url.path)
            if path == "/events":
                return self._events()
            if path.startswith("/styles/") and preview.styles_dir:
                return self._style_file(path.removeprefix("/styles/"))
            if preview.error is not None:
                return self._send(500, ERROR_PAGE.format(message=html.escape(preview.error)))
            if path == "/":
                links = "".join(f'<li><a href="/{name}.html">{html.escape(title)}</a></li>'
                                for name, title in preview.titles.items())
                return self._send(200, f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
                                       f'<title>Aperçu</title></head><body><ul>{links}</ul></body></html>')
            variant = "print" if parse_qs(url.query).get("print") == ["1"] else "screen"
            for (name, page_variant), page in preview.pages.items():
                if path == f"/{name}.html" and page_variant == variant:
                    return self._send(200, page)
            self._send(404, "not found", "text/plain")

        def _send(self, status: int, body: str, mime: str = "text/html") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{mime}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def _style_file(self, name: str) -> None:
            target = (preview.styles_dir / name).resolve()
            if not target.is_relative_to(preview.styles_dir) or not target.is_file():
                return self._send(404, "not found", "text/plain")
            data = target.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", mimetypes.guess_type(target.name)[0] or "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = preview.version
            try:
                while True:
                    with preview.changed:
                        preview.changed.wait_for(lambda seen=seen: preview.version != seen, timeout=15)
                    if preview.version != seen:
                        seen = preview.version
                        self.wfile.write(f"data: {seen}\n\n".encode())
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def serve(manuscript_dir: Path, port: int, report: Callable[[str], None]) -> None:
    """Serve until interrupted, refreshing on every change under the manuscript and styles folders."""
    preview = Preview(manuscript_dir)
    preview.refresh(report)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(preview))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    report(f"previewing on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    watched = [manuscript_dir] + ([preview.styles_dir] if preview.styles_dir else [])
    try:
        for _ in watchfiles.watch(*watched, debounce=100, step=20):
            preview.refresh(report)
    finally:
        server.shutdown()
