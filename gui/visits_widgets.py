"""Pieces the visit and problem screens share: status colours, pickers, background jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QCompleter, QProgressDialog

from core import orgs
from core.db import Db
from core.errors import UserError
from gui.task import BackgroundTask
from gui.style import STATUS

RED = QColor(STATUS["overdue"].fill)
AMBER = QColor(STATUS["due"].fill)
GREEN = QColor(STATUS["done"].fill)
RED_TEXT = QColor(STATUS["overdue"].text)


def fill_community_combo(combo: QComboBox, db: Db, all_label: str = "全部社区") -> None:
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(all_label, None)
    for unit in orgs.list_units(db, kind="community"):
        combo.addItem(unit.name, unit.id)
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.blockSignals(False)


def fill_grid_combo(combo: QComboBox, db: Db, community_id: int | None, all_label: str | None = "全部网格") -> None:
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    if all_label:
        combo.addItem(all_label, None)
    communities = {u.id: u.name for u in orgs.list_units(db, kind="community")}
    for grid in orgs.list_grids(db, community_id):
        label = grid.name if community_id else f"{communities.get(grid.community_id, '')} {grid.name}"
        combo.addItem(label, grid.id)
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.blockSignals(False)


def name_completer(names: Sequence[str], parent) -> QCompleter:
    completer = QCompleter(sorted(set(names)), parent)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    return completer


def qdate(value) -> QDate:
    return QDate(value.year, value.month, value.day)


def pydate(value: QDate):
    import datetime as dt

    return dt.date(value.year(), value.month(), value.day())


def db_work(db_path: Path, fn: Callable[[Db, Callable[[int, int], None]], Any]):
    """A gui.task work function: fn(db, progress) on its own connection; progress stops it once cancelled."""
    def work(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
        from core.db import open_db

        def checked(done: int, total: int) -> None:
            if cancelled():
                raise UserError("已取消，没有生成文件。")
            progress(done, total)

        db = open_db(db_path, create=False)
        try:
            return fn(db, checked)
        finally:
            db.close()

    return work


def start_job(screen, title: str, fn: Callable[[Db, Callable[[int, int], None]], Any],
              on_done: Callable[[Any], None]) -> BackgroundTask | None:
    """Run fn off the GUI thread with a progress dialog and a cancel button; on_done gets the result."""
    if screen.db.path is None:
        try:
            on_done(fn(screen.db, lambda _d, _t: None))
        except UserError as exc:
            screen.show_error(str(exc))
        return None
    task = BackgroundTask(db_work(screen.db.path, fn), screen)
    dialog = QProgressDialog(title, "取消", 0, 0, screen)
    dialog.setWindowTitle("请稍候")
    dialog.setMinimumDuration(400)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(task.cancel)

    def progressed(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, total))

    def succeeded(result: Any) -> None:
        dialog.close()
        on_done(result)

    def failed(message: str) -> None:
        dialog.close()
        screen.show_error(message)

    def finished() -> None:
        if task in screen.jobs:
            screen.jobs.remove(task)

    task.progressed.connect(progressed)
    task.succeeded.connect(succeeded)
    task.failed.connect(failed)
    task.finished.connect(finished)
    screen.jobs.append(task)
    task.start()
    return task


def export_excel(screen, path: str | None, title: str, suggested: str, noun: str,
                 fn: Callable[[Db, Path, Callable[[int, int], None]], int]) -> Path | None:
    """Ask where (unless given), then run fn(db, out, progress) -> rows in the background; tells the user."""
    path = path or screen.ask_save_path(title, suggested)
    if not path:
        return None
    out = Path(path).with_suffix(".xlsx")

    def done(count: int) -> None:
        screen.show_info(f"已导出 {count} {noun}到 {out}")
        screen.file_written.emit(str(out))

    start_job(screen, f"正在{title}…", lambda db, progress: fn(db, out, progress), done)
    return out


def ask_xlsx_path(parent, title: str, suggested: str) -> str:
    from PySide6.QtWidgets import QFileDialog

    return QFileDialog.getSaveFileName(parent, title, suggested, "Excel 文件 (*.xlsx)")[0]


def may(screen, action: str) -> bool:
    """Whether the logged-in operator may do this (always, when the office uses no logins); tells them why not."""
    from core import access

    try:
        access.require(screen.db, action)
    except UserError as exc:
        screen.show_error(str(exc))
        return False
    return True
