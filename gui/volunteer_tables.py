"""Table pieces the volunteer screen uses: a model over frozen dataclass rows, a sort proxy, a progress-bar delegate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QHeaderView, QStyle, QStyledItemDelegate, QStyleOptionProgressBar,
    QStyleOptionViewItem, QTableView, QWidget,
)
from gui.style import STATUS, px

T = TypeVar("T")
SortRole = Qt.ItemDataRole.UserRole
RowRole = Qt.ItemDataRole.UserRole + 1
ProgressRole = Qt.ItemDataRole.UserRole + 2  # (done, target) for the progress delegate

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    text: Callable[[T], str]
    sort: Callable[[T], Any] | None = None  # defaults to the text
    align: str = "left"  # left | right | center
    width: int | None = None
    progress: Callable[[T], tuple[int, int]] | None = None
    color: Callable[[T], str | None] | None = None


class RowsModel(QAbstractTableModel, Generic[T]):
    """Rows of frozen dataclasses shown through Column specs; SortRole gives numbers and dates as such."""

    def __init__(self, columns: list[Column[T]], parent=None):
        super().__init__(parent)
        self.columns = columns
        self._rows: list[T] = []

    def set_rows(self, rows: list[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if column.progress else column.text(row)
        if role == SortRole:
            return column.sort(row) if column.sort else column.text(row)
        if role == RowRole:
            return row
        if role == ProgressRole and column.progress:
            return column.progress(row)
        if role == Qt.ItemDataRole.ToolTipRole and column.progress:
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return {"right": _RIGHT, "center": _CENTER}.get(column.align)
        if role == Qt.ItemDataRole.ForegroundRole and column.color:
            color = column.color(row)
            return QColor(color) if color else None
        return None


class SortProxy(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SortRole)

    def lessThan(self, left: QModelIndex | QPersistentModelIndex, right: QModelIndex | QPersistentModelIndex) -> bool:
        a, b = left.data(SortRole), right.data(SortRole)
        if a is None or b is None:
            return a is None and b is not None
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)


class ProgressDelegate(QStyledItemDelegate):
    """Draws (done, target) as a progress bar: green once the target is met, red below it."""

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        value = index.data(ProgressRole)
        if not value:
            super().paint(painter, option, index)
            return
        done, target = value
        percent = 100 if target <= 0 else min(100, done * 100 // target)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(3, 4, -3, -4)
        bar.minimum, bar.maximum, bar.progress = 0, 100, percent
        bar.text = f"{percent}%"
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.palette = QPalette(option.palette)
        bar.palette.setColor(QPalette.ColorRole.Highlight, QColor(STATUS["done" if done >= target else "overdue"].text))
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class RowsTable(QTableView):
    """A sortable read-only table over a RowsModel, one row selected at a time."""

    def __init__(self, columns: list[Column], key: Callable[[Any], Any] = lambda row: getattr(row, "id", None),
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.rows_model = RowsModel(columns, self)
        self.proxy = SortProxy(self)
        self.proxy.setSourceModel(self.rows_model)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        stretch = None
        for i, column in enumerate(columns):
            if column.progress:
                self.setItemDelegateForColumn(i, ProgressDelegate(self))
            if column.width:
                self.setColumnWidth(i, px(column.width))
            elif stretch is None:
                stretch = i
        if stretch is not None:
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)

    def set_rows(self, rows: list) -> None:
        selected = self.selected_row()
        self.rows_model.set_rows(rows)
        if selected is not None and rows and self.key(selected) is not None:
            self.select_where(lambda row: self.key(row) == self.key(selected))

    def rows(self) -> list:
        return self.rows_model.rows()

    def visible_rows(self) -> list:
        """Rows in the order the table shows them (after sorting)."""
        return [self.proxy.index(r, 0).data(RowRole) for r in range(self.proxy.rowCount())]

    def selected_row(self) -> Any | None:
        indexes = self.selectionModel().selectedRows() if self.selectionModel() else []
        return indexes[0].data(RowRole) if indexes else None

    def select_source_row(self, row: int) -> None:
        index = self.proxy.mapFromSource(self.rows_model.index(row, 0))
        self.selectRow(index.row())
        self.scrollTo(index)

    def select_where(self, predicate: Callable[[Any], bool]) -> bool:
        for r, row in enumerate(self.rows_model.rows()):
            if predicate(row):
                self.select_source_row(r)
                return True
        return False
