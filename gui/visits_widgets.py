"""Pieces the visit and problem screens share: a rows table model with sort and colour roles, pickers, jobs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QCompleter, QHeaderView, QProgressDialog, QTableView

from core import orgs
from core.db import Db
from core.errors import UserError
from gui.task import BackgroundTask
from gui.style import STATUS

SortRole = Qt.ItemDataRole.UserRole
IdRole = Qt.ItemDataRole.UserRole + 1
RED = QColor(STATUS["overdue"].fill)
AMBER = QColor(STATUS["due"].fill)
GREEN = QColor(STATUS["done"].fill)
RED_TEXT = QColor(STATUS["overdue"].text)


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], Any]
    sort: Callable[[Any], Any] | None = None
    align_right: bool = False


class RowsModel(QAbstractTableModel):
    """Rows of frozen dataclasses shown through Column getters; `background(row)` colours a whole row."""

    def __init__(self, columns: Sequence[Column], background: Callable[[Any], QColor | None] | None = None,
                 row_id: Callable[[Any], Any] | None = None, parent=None):
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[Any] = []
        self._background = background
        self._row_id = row_id or (lambda r: getattr(r, "id", None))

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.text(row)
            return "" if value is None else str(value)
        if role == SortRole:
            value = (column.sort or column.text)(row)
            return "" if value is None else value
        if role == IdRole:
            return self._row_id(row)
        if role == Qt.ItemDataRole.BackgroundRole and self._background:
            colour = self._background(row)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def make_table(model: RowsModel, stretch_column: int | None = None) -> QTableView:
    """A read-only, row-selecting, sortable view over the model (numbers and dates sort by SortRole)."""
    proxy = QSortFilterProxyModel(model)
    proxy.setSourceModel(model)
    proxy.setSortRole(SortRole)
    view = QTableView()
    if model.parent() is None:
        model.setParent(view)  # Qt owns it, so it outlives neither its view nor Python's collector
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setHighlightSections(False)
    if stretch_column is not None:
        header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    return view


def selected_row(view: QTableView) -> Any | None:
    """The dataclass behind the view's current row, through the proxy."""
    index = view.currentIndex()
    if not index.isValid():
        return None
    proxy = view.model()
    source = proxy.mapToSource(index)
    return proxy.sourceModel().row_at(source.row())


def select_id(view: QTableView, row_id: Any) -> bool:
    proxy = view.model()
    for r in range(proxy.rowCount()):
        index = proxy.index(r, 0)
        if index.data(IdRole) == row_id:
            view.setCurrentIndex(index)
            view.scrollTo(index)
            return True
    return False


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
