"""`screenshots`: render every working screen (and its tabs) offscreen to DIR/NAME.png."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QTabWidget

from core.db import Db
from gui.main_window import MainWindow


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def render_all(db: Db, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    window = MainWindow(db)
    window.resize(1280, 800)
    window.show()
    written: list[Path] = []
    try:
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
    finally:
        window.close()
        window.deleteLater()
        _settle()
    written += _render_first_run(out)
    from gui.dialog_screenshots import render_dialogs

    written += render_dialogs(db, out)
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
