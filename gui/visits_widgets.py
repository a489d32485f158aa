"""Pieces the visit and problem screens share: a rows table model with sort and colour roles, pickers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QCompleter, QHeaderView, QTableView

from core import orgs
from core.db import Db

SortRole = Qt.ItemDataRole.UserRole
IdRole = Qt.ItemDataRole.UserRole + 1
RED = QColor("#fde2e1")
AMBER = QColor("#fff1cc")
GREEN = QColor("#e3f4e1")
RED_TEXT = QColor("#b71c1c")


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
    view.verticalHeader().setDefaultSectionSize(26)
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
