"""The outputs: one module per format, behind one small interface (`base.Renderer`), listed in one
registry. A new output is a new module with a renderer and one line in `REGISTRY`; build, cache,
release, check and the command line all iterate the registry."""

from __future__ import annotations

from make_book.config import PdfOptions
from make_book.render.base import Renderer, RenderJob
from make_book.render.epub import EpubRenderer
from make_book.render.pdf import PdfRenderer, PrinterPdfRenderer
from make_book.schema import defaults

__all__ = ["REGISTRY", "Renderer", "RenderJob", "format_choices", "selected_renderers"]

REGISTRY: dict[str, Renderer] = {renderer.name: renderer for renderer in
                                 (EpubRenderer(), PdfRenderer(), PrinterPdfRenderer())}


def format_choices() -> tuple[str, ...]:
    """The formats a user names with `--format`, and builds by default (the printer's PDF comes with
    the PDF when book.toml asks for it)."""
    pdf = defaults(PdfOptions)
    return tuple(name for name, renderer in REGISTRY.items() if renderer.selected((name,), pdf))


def selected_renderers(formats: tuple[str, ...], pdf: PdfOptions) -> tuple[Renderer, ...]:
    return tuple(renderer for renderer in REGISTRY.values() if renderer.selected(formats, pdf))
