"""The only way a renderer reaches a resource: files inside the project's allowed folders."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from make_book.errors import Diagnostic


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
