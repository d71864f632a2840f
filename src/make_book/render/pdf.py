"""The PDF of an edition, written from its print layout; and the printer's variant, laid out again with
bleed and crop marks (in chunks too when the reader's PDF was)."""

from __future__ import annotations

from make_book.config import PdfOptions
from make_book.model import OutputFile
from make_book.render.base import RenderJob


class PdfRenderer:
    name, suffix, label = "pdf", ".pdf", "le PDF (lecture, impression)"
    needs_layout, for_printer, validator = True, False, "pdf"
    weight = 2

    def selected(self, formats: tuple[str, ...], pdf: PdfOptions) -> bool:
        return self.name in formats

    def render(self, job: RenderJob) -> tuple[OutputFile, ...]:
        return (OutputFile(job.stem + self.suffix, job.layout.pdf(job.edition)),)


class PrinterPdfRenderer:
    name, suffix, label = "print", "-print.pdf", "le PDF pour l’imprimeur (fonds perdus, traits de coupe)"
    needs_layout, for_printer, validator = False, True, "pdf"
    weight = 2

    def selected(self, formats: tuple[str, ...], pdf: PdfOptions) -> bool:
        return "pdf" in formats and pdf.print_variant

    def render(self, job: RenderJob) -> tuple[OutputFile, ...]:
        if job.printer_layout:  # laid out in chunks (chunked_layout.py)
            return (OutputFile(job.stem + self.suffix, job.printer_layout.pdf(job.edition)),)
        from make_book.book_html import print_html
        from make_book.layout import PageSetup, lay_out

        lines = job.lines
        if lines is None and job.edition.pdf.line_breaking == "total-fit":  # the reader's PDF was chunked
            from make_book.layout import paragraph_frame
            from make_book.typeset import plan_lines

            frame = paragraph_frame(job.styles, PageSetup.for_reader(job.edition.pdf))
            lines = plan_lines(job.edition, job.styles, frame)
        layout = lay_out(print_html(job.edition, job.timestamp, lines=lines), job.styles,
                         PageSetup.for_printer(job.edition.pdf))
        return (OutputFile(job.stem + self.suffix, layout.pdf(job.edition)),)
