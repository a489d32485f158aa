"""The print preview: it opens a generated PDF, says how many pages it has, pages through, prints, remembers the page setup."""

from pathlib import Path

from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from gui.pdf_preview import PdfPreviewDialog, configured_printer, remember_page_setup, show_pdf
from reports.fonts import font_name


def three_page_pdf(path: Path) -> Path:
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for page in range(1, 4):
        pdf.setFont(font_name(), 14)
        pdf.drawString(72, 760, f"党支部党员花名册 第{page}页")
        pdf.showPage()
    pdf.save()
    return path


def test_preview_opens_the_pdf_and_reports_its_page_count(qtbot, tmp_path):
    preview = show_pdf(None, three_page_pdf(tmp_path / "花名册.pdf"), "打印花名册")
    qtbot.addWidget(preview)
    assert preview.isVisible()
    assert preview.page_count() == 3
    assert preview.page_label.text() == "/ 3 页"
    assert preview.page_spin.maximum() == 3
    assert "花名册.pdf" in preview.windowTitle()


def test_page_box_moves_the_view(qtbot, tmp_path):
    preview = PdfPreviewDialog(three_page_pdf(tmp_path / "a.pdf"))
    qtbot.addWidget(preview)
    preview.show()
    preview.page_spin.setValue(3)
    qtbot.waitUntil(lambda: preview.view.pageNavigator().currentPage() == 2)


def test_printing_sends_every_page_to_the_printer(qtbot, tmp_path):
    preview = PdfPreviewDialog(three_page_pdf(tmp_path / "a.pdf"))
    qtbot.addWidget(preview)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    preview.print_to(printer)
    printed = QPdfDocument()
    printed.load(str(tmp_path / "printed.pdf"))
    assert printed.pageCount() == 3


def test_page_setup_chosen_once_is_offered_next_time():
    first = configured_printer()
    assert first.pageLayout().pageSize().id() == QPageSize.PageSizeId.A4
    assert first.pageLayout().orientation() == QPageLayout.Orientation.Portrait
    first.setPageSize(QPageSize(QPageSize.PageSizeId.A5))
    first.setPageOrientation(QPageLayout.Orientation.Landscape)
    first.setColorMode(QPrinter.ColorMode.GrayScale)
    remember_page_setup(first)
    again = configured_printer()
    assert again.pageLayout().pageSize().id() == QPageSize.PageSizeId.A5
    assert again.pageLayout().orientation() == QPageLayout.Orientation.Landscape
    assert again.colorMode() == QPrinter.ColorMode.GrayScale
