"""The PDF of an edition, written from its print layout; and the printer's variant, laid out again with
bleed and crop marks."""

from __future__ import annotations

from make_book.config import PdfOptions
from make_book.model import OutputFile
from make_book.render.base import RenderJob


def _write(job: RenderJob, layout: object) -> bytes:
    variant = None if job.edition.pdf.variant == "none" else job.edition.pdf.variant
    return layout.document.write_pdf(pdf_variant=variant, pdf_tags=True,
                                     pdf_identifier=job.edition.identifier.encode())


class PdfRenderer:
    name, suffix, label = "pdf", ".pdf", "le PDF (lecture, impression)"
    needs_layout, validator = True, "pdf"

    def selected(self, formats: tuple[str, ...], pdf: PdfOptions) -> bool:
        return self.name in formats

    def render(self, job: RenderJob) -> tuple[OutputFile, ...]:
        return (OutputFile(job.stem + self.suffix, _write(job, job.layout)),)


class PrinterPdfRenderer:
    name, suffix, label = "print", "-print.pdf", "le PDF pour l’imprimeur (fonds perdus, traits de coupe)"
    needs_layout, validator = False, "pdf"

    def selected(self, formats: tuple[str, ...], pdf: PdfOptions) -> bool:
        return "pdf" in formats and pdf.print_variant

    def render(self, job: RenderJob) -> tuple[OutputFile, ...]:
        from make_book.book_html import print_html
        from make_book.layout import PageSetup, lay_out

        layout = lay_out(print_html(job.edition, job.timestamp, lines=job.lines), job.styles,
                         PageSetup.for_printer(job.edition.pdf))
        return (OutputFile(job.stem + self.suffix, _write(job, layout)),)
