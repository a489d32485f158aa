"""At the 大 and 特大 font sizes the busiest screens fit a 1280×800 window: no sideways scrolling, nothing cut
off on the right (office PCs are often 1280 or 1366 pixels wide; many users choose 特大)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QSettings
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QCheckBox, QLabel, QPushButton, QScrollArea, QTabWidget, QWidget,
)

from gui import style

SCREENS = ("roster", "meetings", "visits", "letters", "settings")


@pytest.fixture
def font_size(request, tmp_path, qapp):
    """The look at the size asked for, in a private QSettings folder; the standard look is put back after."""
    original_font = qapp.font()
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    style.apply_look(qapp, request.param)
    yield request.param
    style.apply_look(qapp, "normal")
    qapp.setStyleSheet("")
    qapp.setFont(original_font)
    qapp.setProperty("font_size_key", None)


def _settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def _in_table(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractItemView):
            return True
        parent = parent.parentWidget()
    return False


def _width_problems(window, where: str) -> list[str]:
    """Why this page does not fit the window's width, if it does not."""
    problems = []
    scroll = window.stack_scroll
    needed, room = window.stack.minimumSizeHint().width(), scroll.viewport().width()
    if needed > room or scroll.horizontalScrollBar().maximum() > 0:
        problems.append(f"{where}: the page needs {needed} px, the window has {room} px: it scrolls sideways")
    for inner in window.stack.currentWidget().findChildren(QScrollArea):
        if inner.isVisible() and inner.horizontalScrollBar().maximum() > 0:
            problems.append(f"{where}: a box inside scrolls sideways")
    right_edge = scroll.viewport().mapTo(window, QPoint(scroll.viewport().width(), 0)).x()
    for widget in window.stack.currentWidget().findChildren(QWidget):
        if not isinstance(widget, (QPushButton, QLabel, QCheckBox)) or not widget.isVisible() or _in_table(widget):
            continue
        text = widget.text()
        if widget.width() < widget.minimumSizeHint().width():
            problems.append(f"{where}: {text!r} is narrower than its text")
        if isinstance(widget, QLabel) and widget.wordWrap() and widget.height() < widget.heightForWidth(widget.width()):
            problems.append(f"{where}: {text[:20]!r} is cut off at the bottom")
        if widget.mapTo(window, QPoint(widget.width(), 0)).x() > right_edge:
            problems.append(f"{where}: {text!r} runs past the window's right edge")
    return problems


@pytest.mark.parametrize("font_size", ["large", "xlarge"], indirect=True)
def test_busy_screens_fit_a_1280_window_at_a_large_font(qtbot, demo_db, font_size):
    from gui.main_window import MainWindow

    window = MainWindow(demo_db, remember_layout=False)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    problems = []
    for key in SCREENS:
        screen = window.show_screen(key)
        screen.wait_loaded()
        tabs = screen.findChild(QTabWidget)
        for index in range(tabs.count() if tabs is not None else 1):
            if tabs is not None:
                tabs.setCurrentIndex(index)
            _settle()
            page = tabs.tabText(index) if tabs is not None else ""
            problems += _width_problems(window, f"{font_size} {screen.title} › {page}")
    assert problems == []
