"""Print preview for the program's own PDFs: page through, zoom, print, save a copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QDialog, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from gui import icons
from gui.window_state import remember_dialog, store
from gui.style import fitted


PAGE_SETUP_KEY = "print/page_setup"


def remember_page_setup(printer: QPrinter) -> None:
    """Keep the printer, paper, orientation, duplex and colour chosen last time, for the next print."""
    settings = store()
    settings.setValue(f"{PAGE_SETUP_KEY}/printer", printer.printerName())
    settings.setValue(f"{PAGE_SETUP_KEY}/paper", QPageSize.key(printer.pageLayout().pageSize().id()))
    settings.setValue(f"{PAGE_SETUP_KEY}/landscape",
                      printer.pageLayout().orientation() == QPageLayout.Orientation.Landscape)
    settings.setValue(f"{PAGE_SETUP_KEY}/duplex", printer.duplex().name)
    settings.setValue(f"{PAGE_SETUP_KEY}/colour", printer.colorMode() == QPrinter.ColorMode.Color)


def configured_printer() -> QPrinter:
    """A printer set up as the user left it last time (A4 portrait on the default printer the first time)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    settings = store()
    name = settings.value(f"{PAGE_SETUP_KEY}/printer", "", str)
    if name and name in QPrinterInfo.availablePrinterNames():  # a printer since removed: use the default
        printer.setPrinterName(name)
    paper = settings.value(f"{PAGE_SETUP_KEY}/paper", "A4", str)
    page_id = next((i for i in QPageSize.PageSizeId if QPageSize.key(i) == paper), QPageSize.PageSizeId.A4)
    printer.setPageSize(QPageSize(page_id))
    landscape = settings.value(f"{PAGE_SETUP_KEY}/landscape", False, bool)
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait)
    duplex = settings.value(f"{PAGE_SETUP_KEY}/duplex", "", str)
    if duplex in QPrinter.DuplexMode.__members__:
        printer.setDuplex(QPrinter.DuplexMode[duplex])
    colour = settings.value(f"{PAGE_SETUP_KEY}/colour", True, bool)
    printer.setColorMode(QPrinter.ColorMode.Color if colour else QPrinter.ColorMode.GrayScale)
    return printer


class PdfPreviewDialog(QDialog):
    def __init__(self, path: str | Path, title: str = "打印预览", parent: QWidget | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"{title} — {self.path.name}")
        self.document = QPdfDocument(self)
        self.document.load(str(self.path))
        self._build_ui()
        self.resize(fitted(900, 1000))
        remember_dialog(self, "pdf_preview")

    def _build_ui(self) -> None:
        self.view = QPdfView()
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.page_spin = QSpinBox()
        self.page_spin.setRange(1, max(1, self.page_count()))
        self.page_label = QLabel(f"/ {self.page_count()} 页")
        self.print_button = QPushButton("打印…")
        self.save_button = QPushButton("另存为…")
        self.close_button = QPushButton("关闭")
        self.print_button.setDefault(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("第"))
        bar.addWidget(self.page_spin)
        bar.addWidget(self.page_label)
        bar.addStretch(1)
        for b in (self.print_button, self.save_button, self.close_button):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.page_spin.valueChanged.connect(self._on_page_spin_value_changed)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.close_button.clicked.connect(self.reject)
        icons.decorate(self)

    def page_count(self) -> int:
        return self.document.pageCount()

    def go_to_page(self, page: int) -> None:
        self.view.pageNavigator().jump(page - 1, QPointF(), self.view.pageNavigator().currentZoom())

    def _on_page_spin_value_changed(self, value: int) -> None:
        self.go_to_page(value)

    def print_to(self, printer: QPrinter) -> None:
        """Render each page as an image at the printer's resolution (QtPdf has no vector print path)."""
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError("无法开始打印，请检查打印机。")
        try:
            first, last = 0, self.page_count() - 1
            if printer.fromPage() > 0:
                first, last = printer.fromPage() - 1, min(last, printer.toPage() - 1)
            for page in range(first, last + 1):
                if page > first:
                    printer.newPage()
                target = painter.viewport()
                size = self.document.pagePointSize(page)
                scale = min(target.width() / size.width(), target.height() / size.height())
                image = self.document.render(page, (size * scale).toSize())
                painter.drawImage(0, 0, image)
        finally:
            painter.end()

    def _on_print_button_clicked(self) -> None:
        printer = configured_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setMinMax(1, self.page_count())
        if dialog.exec() == QDialog.DialogCode.Accepted:
            remember_page_setup(printer)
            try:
                self.print_to(printer)
            except OSError as exc:
                QMessageBox.warning(self, "打印", str(exc))

    def _on_save_button_clicked(self) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "另存为", self.path.name, "PDF 文件 (*.pdf)")
        if target:
            try:
                shutil.copyfile(self.path, target)
            except OSError as exc:
                QMessageBox.warning(self, "另存为", f"保存失败：{exc}")


def show_pdf(parent: QWidget | None, path: str | Path, title: str = "打印预览") -> PdfPreviewDialog:
    """Open the preview non-modally and return it (tests inspect it, screens just call this)."""
    dialog = PdfPreviewDialog(path, title, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
