"""What every screen shares: the database, the app signals, and dialogs a test can replace."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from core import undo
from core.db import Db
from core.errors import UserError
from gui.app import AppSignals


class Screen(QWidget):
    """A page of the main window. Subclasses set `title`, `key`, `areas` and implement refresh()."""

    key = ""
    title = ""
    areas: tuple[str, ...] = ()  # data_changed areas that make this screen reload

    def __init__(self, db: Db, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.signals = signals
        self.signals.data_changed.connect(self._on_signals_data_changed)

    def refresh(self) -> None:
        """Reload what the screen shows from core."""

    def shutdown(self) -> None:
        """Stop background work at once: the window is closing or another database is opening."""

    def wait_loaded(self) -> None:
        """Block until what the screen shows is current (screens that load in a worker override this)."""

    def _on_signals_data_changed(self, area: str) -> None:
        if area in self.areas:
            self.refresh()

    def changed(self, area: str) -> None:
        self.signals.data_changed.emit(area)

    def delete_records(self, question: str, label: str, areas: tuple[str, ...], action: Callable[[], object]) -> bool:
        """Ask first, then run a core delete as one undoable deletion named label; True when it was done."""
        return delete_records(self, self.db, self.signals, question, label, areas, action)

    # Dialogs go through these methods so tests can replace them.
    def show_error(self, message: str) -> None:
        QMessageBox.warning(self, "提示", message)

    def show_info(self, message: str) -> None:
        QMessageBox.information(self, "提示", message)

    def confirm(self, message: str) -> bool:
        return QMessageBox.question(self, "请确认", message) == QMessageBox.StandardButton.Yes

    def ask_text(self, title: str, label: str, text: str = "") -> str | None:
        value, ok = QInputDialog.getText(self, title, label, text=text)
        return value if ok else None

    def ask_item(self, title: str, label: str, items: list[str]) -> str | None:
        if not items:
            return None
        value, ok = QInputDialog.getItem(self, title, label, items, 0, False)
        return value if ok else None


UNDO_HINT = "\n\n删除后如有需要，可以用菜单“编辑 → 撤销删除”（Ctrl+Z）恢复。"


def delete_records(owner, db: Db, signals: AppSignals, question: str, label: str, areas: tuple[str, ...],
                   action: Callable[[], object]) -> bool:
    """Every deletion in the program: confirm, delete inside one undo group, announce it, refresh the areas.

    `owner` supplies confirm() and show_error() (a screen or a dialog, so tests can replace them).
    """
    if not owner.confirm(question + UNDO_HINT):
        return False
    try:
        item = undo.deleting(db, label, areas, action)
    except UserError as exc:
        owner.show_error(str(exc))
        return False
    for area in areas:
        signals.data_changed.emit(area)
    if item is not None:
        signals.deleted.emit(item)
    return True
