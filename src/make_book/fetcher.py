"""The only way a renderer reaches a resource: files inside the project's allowed folders."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from make_book.errors import Diagnostic, MakeBookError

STYLESHEETS = ("book.css", "print.css")
_CSS_REFERENCE = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)|@import\s+["']([^"']+)["']""")


class ProjectFetcher(URLFetcher):
    """Serves `file:` URLs under `roots`; refuses (and records) everything else, so no network
    connection is ever attempted and no file outside the project is read."""

    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(allowed_protocols=("file",))
        self.roots = tuple(root.resolve() for root in roots)
        self.refused: list[Diagnostic] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
        if path is None or not any(path.is_relative_to(root) for root in self.roots):
            self.refused.append(Diagnostic(f"refused to fetch {url}: only files in the project's "
                                           "styles and manuscript folders are used"))
            raise ValueError(f"refused: {url}")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime_type})


def check_stylesheets(styles_dir: Path) -> None:
    """Every resource a stylesheet names must be a file inside the styles folder: the EPUB carries
    book.css as it is, and no reader or renderer should reach the network or the machine's files."""
    root = styles_dir.resolve()
    for name in STYLESHEETS:
        path = styles_dir / name
        if not path.is_file():
            raise MakeBookError("missing stylesheet: the styles folder needs book.css and print.css", path)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in _CSS_REFERENCE.finditer(line):
                reference = match.group(1) or match.group(2)
                target = (styles_dir / reference).resolve() if ":" not in reference else None
                if target is None or not target.is_relative_to(root) or not target.is_file():
                    raise MakeBookError(f"refers to '{reference}': a stylesheet may use only files in the "
                                        "styles folder (no URL, nothing outside it)", path, number)
