"""The one table model every list screen uses: rows of frozen dataclasses shown through declared columns."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable, Generic, Sequence, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel, QAbstractTableModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, QSize,
    QSortFilterProxyModel, Qt,
)
from PySide6.QtGui import QBrush, QColor, QFontInfo, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QHeaderView, QStyle, QStyledItemDelegate, QStyleOptionProgressBar,
    QStyleOptionViewItem, QTableView, QTreeView, QWidget,
)

from gui import style

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex

SortRole = Qt.ItemDataRole.UserRole  # the value a column sorts by: numbers and dates as such, not as text
RowRole = Qt.ItemDataRole.UserRole + 1  # the row object itself
ProgressRole = Qt.ItemDataRole.UserRole + 2  # 0..1 drawn as a bar by ProgressDelegate
KeyRole = Qt.ItemDataRole.UserRole + 3  # the row's identity (its id unless the model is told otherwise)

NORMAL_POINT_SIZE = style.FONT_SIZES["normal"]  # the font size column widths are declared for
FILL_MIN_CHARS = 6  # a fill column never narrower than this many characters
NO_NUMBER = "—"  # a number that does not exist (no rate without meetings), never blank so it is not read as 0
NO_TEXT = ""  # a text field nobody filled in

ALIGNMENTS = {
    "left": Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    "center": Qt.AlignmentFlag.AlignCenter,
    "right": Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
}
Colour = str | QColor | None


def number_text(value: int | float) -> str:
    """12 -> '12', 12.0 -> '12', 12.345 -> '12.3' (one decimal at most, as the ledgers print them)."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}".rstrip("0").rstrip(".")


_ISO_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})")


def date_text(value: dt.date | dt.datetime | str) -> str:
    """Dates as stored, 'YYYY-MM-DD'; times as 'YYYY-MM-DD HH:MM[:SS]', also inside longer text (never ISO's 'T')."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _ISO_TIMESTAMP.sub(r"\1 \2", value) if "T" in value else value


def fraction(done: float, target: float) -> float:
    """How far done is towards target as 0..1 for a progress bar (a target of nothing is met)."""
    return 1.0 if target <= 0 else max(0.0, min(1.0, done / target))


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: its header and how a row shows in it.

    text(row) may return a string, a number, a date or None; numbers and dates are formatted
    here so every table shows them alike. sort(row) is what the column sorts by (default: the
    value text returned, before formatting; None sorts first). align "right" marks a number
    column: right-aligned, and a missing value shows as "—"; left unset, a column whose value
    is a number aligns right by itself. empty overrides what a missing value shows.
    """

    header: str
    text: Callable[[T], Any]
    sort: Callable[[T], Any] | None = None
    align: str | None = None  # left | center | right; None: right for numbers, left otherwise
    width: int | None = None
    progress: Callable[[T], float | None] | None = None  # 0..1 drawn as a bar with the text on it
    color: Callable[[T], Colour] | None = None  # text colour (a progress column's bar colour)
    tooltip: Callable[[T], str | None] | None = None
    empty: str | None = None

    def display(self, row: T) -> str:
        value = self.text(row)
        if value is None or value == "":
            if self.empty is not None:
                return self.empty
            return NO_NUMBER if self.align == "right" and value is None else NO_TEXT
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, (int, float)):
            return number_text(value)
        if isinstance(value, (dt.date, dt.datetime)):
            return date_text(value)
        return date_text(value) if isinstance(value, str) else str(value)

    def sort_value(self, row: T) -> Any:
        value = self.sort(row) if self.sort else self.text(row)
        return None if value == "" else value

    def alignment(self, row: T) -> Qt.AlignmentFlag:
        if self.align is not None:
            return ALIGNMENTS[self.align]
        value = self.text(row)
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        return ALIGNMENTS["right" if numeric else "left"]


def _brush(colour: Colour) -> QBrush | None:
    if colour is None:
        return None
    return QBrush(colour if isinstance(colour, QColor) else QColor(colour))


class RowsModel(QAbstractTableModel, Generic[T]):
    """Rows of frozen dataclasses shown through Column specs.

    background(row) colours a whole row; key(row) is its identity (default: its id), used to find
    it again after a reload.
    """

    def __init__(self, columns: Sequence[Column[T]], parent: QObject | None = None, *,
                 background: Callable[[T], Colour] | None = None, key: Callable[[T], Any] | None = None):
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[T] = []
        self._background = background
        self.key: Callable[[T], Any] = key or (lambda row: getattr(row, "id", None))

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def add_rows(self, rows: Sequence[T]) -> None:
        """Append rows (a further page) without resetting the view."""
        if not rows:
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
        self._rows += list(rows)
        self.endInsertRows()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(row)
        if role == SortRole:
            return column.sort_value(row)
        if role == RowRole:
            return row
        if role == KeyRole:
            return self.key(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment(row)
        if role == ProgressRole and column.progress:
            return column.progress(row)
        if role == Qt.ItemDataRole.ForegroundRole and column.color:
            return _brush(column.color(row))
        if role == Qt.ItemDataRole.BackgroundRole and self._background:
            return _brush(self._background(row))
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip:
            return column.tooltip(row)
        return None


class SortProxy(QSortFilterProxyModel):
    """Sorts by SortRole so numbers and dates sort as such; a missing value sorts first."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.setSortRole(SortRole)

    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = left.data(SortRole), right.data(SortRole)
        if a is None or b is None:
            return a is None and b is not None
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)


class ProgressDelegate(QStyledItemDelegate):
    """Draws a cell's ProgressRole value (0..1) as a bar with the cell's text on it, in its text colour if any."""

    def paint(self, painter, option: QStyleOptionViewItem, index: Index) -> None:
        value = index.data(ProgressRole)
        if value is None:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(3, 4, -3, -4)
        bar.minimum, bar.maximum = 0, 100
        bar.progress = max(0, min(100, round(value * 100)))
        bar.text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.palette = QPalette(option.palette)
        brush = index.data(Qt.ItemDataRole.ForegroundRole)
        if brush is not None:
            bar.palette.setColor(QPalette.ColorRole.Highlight, brush.color())
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class _RowHeightKeeper(QObject):
    """Keeps a table's row height in step with its font (the larger-font setting, a style sheet)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.Polish):
            fit_row_height(watched)  # type: ignore[arg-type]
        return False


def font_scale(widget: QWidget) -> float:
    """How much larger than the normal font (gui.app's 10 pt) the widget's font is; never below 1."""
    size = QFontInfo(widget.font()).pointSizeF()
    return max(1.0, size / NORMAL_POINT_SIZE) if size > 0 else 1.0


def row_height(view: QAbstractItemView) -> int:
    """A row tall enough to read: the program style's one row height (gui.style.row_height) for this view's font."""
    return style.row_height(view.font())


def fit_row_height(view: QTableView) -> None:
    """Every row at least this tall, also where rows are sized to their contents (wrapped text grows taller)."""
    height = row_height(view)
    header = view.verticalHeader()
    header.setMinimumSectionSize(min(height, header.minimumSectionSize()))
    header.setDefaultSectionSize(height)
    header.setMinimumSectionSize(height)


def readable_rows(view: QTableView) -> None:
    """Rows sized from the font, not a number of pixels, and re-sized whenever the font changes."""
    fit_row_height(view)
    if not any(isinstance(child, _RowHeightKeeper) for child in view.children()):
        view.installEventFilter(_RowHeightKeeper(view))


class _ReadableRowDelegate(QStyledItemDelegate):
    """Gives tree rows the same readable height as table rows."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hint = super().sizeHint(option, index)
        view = self.parent()
        if isinstance(view, QAbstractItemView):
            hint.setHeight(max(hint.height(), row_height(view)))
        return hint


def readable_tree_rows(view: QTreeView) -> None:
    """A tree's rows as tall as a table's (trees have no row header to size)."""
    view.setItemDelegate(_ReadableRowDelegate(view))


def list_view_conventions(view: QTableView, *, editable: bool = False) -> None:
    """What every list table shares: whole-row single selection, no row numbers, readable rows."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    if not editable:
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setHighlightSections(False)
    readable_rows(view)


def sorted_view(model: QAbstractItemModel, parent: QWidget | None = None) -> tuple[SortProxy, QTableView]:
    """A read-only list table over any model that answers SortRole (for the specialised models)."""
    proxy = SortProxy(parent)
    proxy.setSourceModel(model)
    view = QTableView(parent)
    view.setModel(proxy)
    list_view_conventions(view)
    view.setSortingEnabled(True)
    view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    return proxy, view


class RowsTable(QTableView):
    """A sortable read-only table over a RowsModel, one row selected at a time.

    Columns with a width get it (scaled with the font); stretch names the column(s) that fill the
    rest (by default the first column without a width, when some have one). fit_contents sizes every column to its
    contents instead, the last one stretching. sort_column/sort_order give the first sort (-1: as
    given).
    """

    def __init__(self, columns: Sequence[Column] | RowsModel, parent: QWidget | None = None, *,
                 key: Callable[[Any], Any] | None = None, background: Callable[[Any], Colour] | None = None,
                 stretch: int | Sequence[int] | None = None, fit_contents: bool = False,
                 sort_column: int = -1, sort_order: Qt.SortOrder = Qt.SortOrder.AscendingOrder,
                 proxy: SortProxy | None = None):
        super().__init__(parent)
        if isinstance(columns, RowsModel):
            self.rows_model = columns
            if self.rows_model.parent() is None:
                self.rows_model.setParent(self)
        else:
            self.rows_model = RowsModel(columns, self, background=background, key=key)
        self.proxy = proxy or SortProxy(self)
        if self.proxy.parent() is None:
            self.proxy.setParent(self)
        self.proxy.setSourceModel(self.rows_model)
        self.setModel(self.proxy)
        list_view_conventions(self)
        self._delegate = ProgressDelegate(self)
        self._fill: list[int] = []
        self._fitting = False
        self.horizontalHeader().sectionResized.connect(self._on_header_section_resized)
        self._layout_columns(stretch, fit_contents)
        self.setSortingEnabled(True)
        self.sortByColumn(sort_column, sort_order)

    def _layout_columns(self, stretch: int | Sequence[int] | None, fit_contents: bool) -> None:
        header = self.horizontalHeader()
        columns = self.rows_model.columns
        if fit_contents:
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            header.setStretchLastSection(True)
        else:
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for i, column in enumerate(columns):
            self.setItemDelegateForColumn(i, self._delegate if column.progress else None)
        self._fit_contents = fit_contents
        self._apply_widths()
        if stretch is None and not fit_contents and any(c.width for c in columns):
            stretch = next((i for i, c in enumerate(columns) if not c.width), None)
        self._fill = [stretch] if isinstance(stretch, int) else list(stretch or [])
        self._fit_fill()

    def _fit_fill(self) -> None:
        """The fill columns share the room the others leave, like Qt's Stretch, but never shrink below a few
        characters: when the room runs out (a larger font) the table scrolls sideways instead of hiding them."""
        if not self._fill or self._fitting:
            return
        header = self.horizontalHeader()
        others = sum(header.sectionSize(i) for i in range(header.count())
                     if i not in self._fill and not header.isSectionHidden(i))
        each = max(self.fontMetrics().horizontalAdvance("汉" * FILL_MIN_CHARS),
                   (self.viewport().width() - others) // len(self._fill))
        self._fitting = True
        try:
            for i in self._fill:
                header.resizeSection(i, each)
        finally:
            self._fitting = False

    def viewportEvent(self, event: QEvent) -> bool:
        handled = super().viewportEvent(event)
        if event.type() == QEvent.Type.Resize:
            self._fit_fill()
        return handled

    def _on_header_section_resized(self, index: int, _old: int, _new: int) -> None:
        if index not in self._fill:
            self._fit_fill()

    def _apply_widths(self) -> None:
        """Declared widths are for the normal font; a larger font widens them alike so text is not cut off.
        This is the only scaling a declared width gets: screens give RowsTable columns the bare width, never
        gui.style.px(width) (that is for widths set directly on other views)."""
        if self._fit_contents:
            return
        scale = font_scale(self)
        for i, column in enumerate(self.rows_model.columns):
            if column.width:
                self.setColumnWidth(i, round(column.width * scale))
        self._fit_fill()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._apply_widths()

    def use_model(self, model: RowsModel) -> None:
        """Show another RowsModel (same kind of table, other columns) in this view."""
        if model is self.rows_model:
            return
        if model.parent() is None:
            model.setParent(self)
        self.rows_model = model
        self.proxy.setSourceModel(model)
        self._layout_columns(None, False)

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Show rows, keeping the selected row selected when it is still there."""
        selected = self.selected_row()
        self.rows_model.set_rows(rows)
        if selected is not None and rows and self.rows_model.key(selected) is not None:
            self.select_key(self.rows_model.key(selected))

    def rows(self) -> list:
        return self.rows_model.rows()

    def visible_rows(self) -> list:
        """Rows in the order the table shows them (after sorting and filtering)."""
        return [self.proxy.index(r, 0).data(RowRole) for r in range(self.proxy.rowCount())]

    def selected_row(self) -> Any | None:
        """The selected row's object; else the current row's (selectRow moves the current row before it
        selects, so a currentRowChanged slot sees no selection yet)."""
        indexes = self.selectionModel().selectedRows() if self.selectionModel() else []
        if indexes:
            return indexes[0].data(RowRole)
        return self.row_for(self.currentIndex())

    def row_for(self, index: Index) -> Any | None:
        """The row object behind a view index (a double-clicked cell)."""
        return index.data(RowRole) if index.isValid() else None

    def select_source_row(self, row: int) -> None:
        index = self.proxy.mapFromSource(self.rows_model.index(row, 0))
        self.selectRow(index.row())
        self.scrollTo(index)

    def select_where(self, predicate: Callable[[Any], bool]) -> bool:
        """Select the first row (in the model's order) that satisfies predicate; whether there was one."""
        for r, row in enumerate(self.rows_model.rows()):
            if predicate(row):
                self.select_source_row(r)
                return True
        return False

    def select_key(self, key: Any) -> bool:
        return self.select_where(lambda row: self.rows_model.key(row) == key)
