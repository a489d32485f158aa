"""`screenshots`: render every working screen (and its tabs) offscreen to DIR/NAME.png, at any font size."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtWidgets import QApplication, QTabWidget

from core.db import Db
from core.errors import UserError
from gui import style
from gui.main_window import MainWindow


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def folder_for(out: Path, size: str) -> Path:
    """Standard size in OUT itself, the others in OUT/large, OUT/xlarge."""
    return out if size == "normal" else out / size


def render_sizes(db: Db, out: Path, sizes: list[str]) -> list[Path]:
    """Every screen once per font size; the machine's own font setting is restored afterwards."""
    app = QApplication.instance()
    written: list[Path] = []
    try:
        for size in sizes:
            style.apply_look(app, size)
            written += render_all(db, folder_for(out, size))
    finally:
        style.apply_look(app)
    return written


@contextmanager
def _shown_window(db: Db) -> Iterator[MainWindow]:
    window = MainWindow(db, remember_layout=False)  # the same pictures on every PC
    window.resize(1280, 800)
    window.show()
    try:
        yield window
    finally:
        window.close()
        window.deleteLater()
        _settle()


def render_all(db: Db, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with _shown_window(db) as window:
        for key in [spec.key for spec in window.specs]:
            screen = window.show_screen(key)
            screen.wait_loaded()
            _settle()
            tabs = screen.findChild(QTabWidget)
            if tabs is not None and tabs.parent() is screen:
                for i in range(tabs.count()):
                    tabs.setCurrentIndex(i)
                    _settle()
                    path = out / f"{key}-{i + 1}.png"
                    window.grab().save(str(path))
                    written.append(path)
                tabs.setCurrentIndex(0)
            else:
                path = out / f"{key}.png"
                window.grab().save(str(path))
                written.append(path)
    written += _render_first_run(out)
    written += _render_new_office(out)
    from gui.dialog_screenshots import render_dialogs

    written += render_dialogs(db, out)
    written += _render_print_preview(db, out)
    return written


def _render_print_preview(db: Db, out: Path) -> list[Path]:
    """The print preview with this month's report, as the user sees it after 生成月报并预览打印."""
    import datetime as dt
    import tempfile

    from gui.pdf_preview import PdfPreviewDialog
    from reports.monthly_report_pdf import write_report

    with tempfile.TemporaryDirectory() as folder:
        try:
            pdf = write_report(db, dt.date.today().strftime("%Y-%m"), Path(folder) / "党建工作月报.pdf")
        except UserError:  # an office with no communities yet has no report to preview
            return []
        dialog = PdfPreviewDialog(pdf, "党建工作月报")
        dialog.resize(style.px(900), 800)
        dialog.show()
        try:
            for _ in range(40):  # QPdfView renders pages in a worker thread: give it a moment
                time.sleep(0.05)
                _settle()
            path = out / "print-preview.png"
            dialog.grab().save(str(path))
        finally:
            dialog.close()
            dialog.deleteLater()
            _settle()
    return [path]


def _render_new_office(out: Path) -> list[Path]:
    """A just-created office: the dashboard's welcome and the roster saying where to start."""
    import tempfile

    from core.db import open_db
    from core.office_setup import OfficeSetup, create_office

    written = []
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "new-office.db")
        try:
            create_office(db, OfficeSetup("城东街道党工委", "street", ["西湖社区", "鼓楼社区"], grids_per_community=2))
            with _shown_window(db) as window:
                for key in ("dashboard", "roster"):
                    window.show_screen(key).wait_loaded()
                    _settle()
                    path = out / f"new-office-{key}.png"
                    window.grab().save(str(path))
                    written.append(path)
        finally:
            db.close()
    return written


def _render_first_run(out: Path) -> list[Path]:
    from gui.first_run import FirstRunWizard

    wizard = FirstRunWizard(out / "first-run-example.db")
    wizard.show()
    written = []
    try:
        for page in range(3):
            if page == 1:
                wizard.office_page.office_name.setText("城东街道党工委")
            if page == 2:
                wizard.tree_page.communities.setPlainText("西湖社区\n鼓楼社区\n人民街社区")
                wizard.tree_page.direct_branches.setPlainText("街道机关党支部")
            _settle()
            path = out / f"first-run-{page + 1}.png"
            wizard.grab().save(str(path))
            written.append(path)
            wizard.next()
    finally:
        wizard.close()
        wizard.deleteLater()
        _settle()
    return written
