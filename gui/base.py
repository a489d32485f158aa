"""What every screen shares: the database, the app signals, and dialogs a test can replace."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QDateEdit, QInputDialog, QLineEdit, QMessageBox, QPlainTextEdit, QWidget

from core import undo
from core.db import Db
from core.errors import UserError
from gui.app import AppSignals
from gui.window_state import restore_splitter_sizes, splitter_sizes


def bind_save_key(dialog: QWidget, button: QAbstractButton) -> QShortcut:
    """Ctrl+S in a form dialog presses its save button, as Enter does (many users have it from Word)."""
    return QShortcut(QKeySequence.StandardKey.Save, dialog, activated=button.click)


class Screen(QWidget):
    """A page of the main window. Subclasses set `title`, `key`, `areas` and implement refresh()."""

    key = ""
    title = ""
    areas: tuple[str, ...] = ()  # data_changed areas that make this screen reload

    # What the menu's 新建 / 保存 / 查找 / 打印 do here changed (beyond a tab switch, which the window watches).
    commands_changed = Signal()

    def __init__(self, db: Db, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.signals = signals
        self.signals.data_changed.connect(self._on_signals_data_changed)

    def refresh(self) -> None:
        """Reload what the screen shows from core."""

    def unsaved_input(self) -> bool:
        """True when the user has typed into a form here that is not saved yet (screens with forms override)."""
        return False

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

    # Menu commands ---------------------------------------------------------------------------------
    # 新建 (Ctrl+N), 保存 (Ctrl+S), 查找 (Ctrl+F) and 打印 (Ctrl+P) in the menu bar act on the screen in
    # front. A screen offers one by returning it from command_slots() with the words the menu shows and
    # the slot its own button already uses; what it returns may depend on the tab in front.
    COMMANDS = ("new", "save", "find", "print")

    def command_slots(self) -> dict[str, tuple[str, Callable[[], object]]]:
        """{"new" | "save" | "find" | "print": (what it does here, e.g. "新增党员…", the slot)} for now."""
        return {}

    def commands(self) -> dict[str, str]:
        """The commands this screen supports now, with the words the menu shows."""
        return {name: label for name, (label, _slot) in self.command_slots().items()}

    def run_command(self, name: str) -> bool:
        """Run a menu command here; False when the screen does not support it (now)."""
        entry = self.command_slots().get(name)
        if entry is None:
            return False
        entry[1]()
        return True

    def new_record(self) -> bool:
        return self.run_command("new")

    def save_current(self) -> bool:
        return self.run_command("save")

    def focus_search(self) -> bool:
        return self.run_command("find")

    def print_current(self) -> bool:
        return self.run_command("print")

    @staticmethod
    def focus_line_edit(edit) -> None:
        """Put the cursor in a search box with its text selected, so typing replaces the last search."""
        edit.setFocus()
        edit.selectAll()

    # Layout remembered between runs (splitter positions; screens add e.g. column widths) ---------------
    def layout_state(self) -> dict:
        return {"splitters": splitter_sizes(self)}

    def restore_layout_state(self, state: dict) -> None:
        restore_splitter_sizes(self, state.get("splitters") or [])

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


def date_edit(day: dt.date | str | None = None) -> QDateEdit:
    """A date field with a calendar, showing dates the way the store keeps them (2026-12-01)."""
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    day = dt.date.fromisoformat(day) if isinstance(day, str) else (day or dt.date.today())
    edit.setDate(QDate(day.year, day.month, day.day))
    return edit


def iso(edit: QDateEdit) -> str:
    return edit.date().toString("yyyy-MM-dd")


def typed_into(*edits: QLineEdit | QPlainTextEdit) -> bool:
    """True when the user typed text into any of these since the program last filled them or they were saved."""
    return any(e.isModified() and bool(e.text().strip()) if isinstance(e, QLineEdit)
               else e.document().isModified() and bool(e.toPlainText().strip()) for e in edits)


def mark_saved(*edits: QLineEdit | QPlainTextEdit) -> None:
    """What these hold is stored now: typed_into() is False until the user types again."""
    for e in edits:
        if isinstance(e, QLineEdit):
            e.setModified(False)
        else:
            e.document().setModified(False)
