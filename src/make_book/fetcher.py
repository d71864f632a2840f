"""The only way WeasyPrint reaches a resource: the styles already read into memory."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from make_book.errors import Diagnostic
from make_book.model import Styles


class StylesFetcher(URLFetcher):
    """Serves `file:` URLs of files in the styles folder, from the bytes read at the start of the build;
    refuses (and records) everything else, so no network connection is ever attempted and no other file
    is read."""

    def __init__(self, styles: Styles) -> None:
        super().__init__(allowed_protocols=("file",))
        self.styles = styles
        self.root = styles.folder.resolve()
        self.refused: list[Diagnostic] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
        name = path.relative_to(self.root).as_posix() if path and path.is_relative_to(self.root) else None
        if name is None or not self.styles.has(name):
            self.refused.append(Diagnostic(f"refused to fetch {url}: only files in the project's styles "
                                           "folder are used"))
            raise ValueError(f"refused: {url}")
        mime_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=self.styles.file(name), headers={"Content-Type": mime_type})
