"""The one table model: numbers right, dates ISO, missing values alike, sorting by value, rows sized from the font."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableView, QTableWidget, QTabWidget

from gui.table_model import (
    NO_NUMBER, Column, KeyRole, ProgressRole, RowRole, RowsModel, RowsTable, SortRole, fraction,
)

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    count: int | None
    day: str | None
    rate: float | None = None


ROWS = [
    Row(1, "甲", 9, "2024-03-01", 0.5),
    Row(2, "乙", 10, None, None),
    Row(3, "丙", None, "2023-12-31", 1.25),
    Row(4, "丁", 100, "2024-11-05", 0.0),
]

COLUMNS = [
    Column("姓名", lambda r: r.name),
    Column("次数", lambda r: r.count, align="right"),
    Column("日期", lambda r: r.day),
    Column("走访", lambda r: r.day, empty="未走访"),
    Column("比率", lambda r: r.rate),  # no align given: a number aligns right by itself
    Column("时长", lambda r: f"{r.count or 0} 小时", lambda r: r.count, align="right"),
]


def make_table(qtbot, rows=ROWS, **kwargs) -> RowsTable:
    table = RowsTable(COLUMNS, **kwargs)
    qtbot.addWidget(table)
    table.set_rows(rows)
    return table


def cell(table: RowsTable, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return table.rows_model.index(row, column).data(role)


def column_texts(table: RowsTable, column: int) -> list[str]:
    return [table.proxy.index(r, column).data() for r in range(table.proxy.rowCount())]


def test_numbers_align_right_and_centre_vertically_text_left(qtbot):
    table = make_table(qtbot)
    assert cell(table, 0, 1, Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    assert cell(table, 0, 5, Qt.ItemDataRole.TextAlignmentRole) == RIGHT  # formatted text, declared a number
    assert cell(table, 0, 4, Qt.ItemDataRole.TextAlignmentRole) == RIGHT  # a raw float
    assert cell(table, 0, 0, Qt.ItemDataRole.TextAlignmentRole) == LEFT
    assert cell(table, 0, 2, Qt.ItemDataRole.TextAlignmentRole) == LEFT
    assert cell(table, 0, 1, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignVCenter


def test_missing_values_show_alike(qtbot):
    table = make_table(qtbot)
    assert cell(table, 2, 1) == NO_NUMBER == "—"  # a number that is not there is a dash, never a blank or "None"
    assert cell(table, 1, 2) == ""  # an empty text field stays blank
    assert cell(table, 1, 3) == "未走访"  # unless the column says what missing means
    assert cell(table, 1, 4) == ""
    assert all("None" not in (cell(table, r, c) or "") for r in range(len(ROWS)) for c in range(len(COLUMNS)))


def test_numbers_and_dates_are_formatted_one_way():
    col = Column("x", lambda v: v)
    assert [col.display(v) for v in (12, 12.0, 12.345, 0.5, True)] == ["12", "12", "12.3", "0.5", "是"]
    assert col.display(dt.date(2024, 3, 1)) == "2024-03-01"
    assert col.display(dt.datetime(2024, 3, 1, 8, 5, 9)) == "2024-03-01 08:05:09"
    assert col.display("2024-03-01T08:05:09") == "2024-03-01 08:05:09"  # the ISO 'T' never reaches the user
    assert col.display("A栋T座") == "A栋T座"  # ordinary text with a T is left alone
    assert col.display("rated_at：2026-11-22T02:44:55") == "rated_at：2026-11-22 02:44:55"


def test_sort_role_orders_numbers_and_dates_by_value_missing_first(qtbot):
    table = make_table(qtbot)
    table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert column_texts(table, 1) == ["—", "9", "10", "100"]  # as text "10" < "100" < "9"
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert column_texts(table, 1) == ["100", "10", "9", "—"]
    table.sortByColumn(5, Qt.SortOrder.AscendingOrder)
    assert column_texts(table, 5) == ["0 小时", "9 小时", "10 小时", "100 小时"]  # by the sort key, not the text
    table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    assert column_texts(table, 3) == ["未走访", "2023-12-31", "2024-03-01", "2024-11-05"]
    table.sortByColumn(4, Qt.SortOrder.AscendingOrder)
    assert column_texts(table, 4) == ["", "0", "0.5", "1.2"]
    assert cell(table, 0, 1, SortRole) == 9 and cell(table, 1, 2, SortRole) is None


def test_mixed_sort_values_fall_back_to_text_instead_of_failing(qtbot):
    table = RowsTable([Column("值", lambda r: r)])
    qtbot.addWidget(table)
    table.set_rows([3, "b", 1, "a"])
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert column_texts(table, 0) == ["1", "3", "a", "b"]


def test_roles_give_the_row_its_key_colours_and_tooltips(qtbot):
    columns = [
        Column("名称", lambda r: r.name, tooltip=lambda r: f"第 {r.id} 条"),
        Column("次数", lambda r: r.count, align="right", color=lambda r: "#b71c1c" if (r.count or 0) > 50 else None,
               progress=lambda r: fraction(r.count or 0, 100)),
    ]
    model = RowsModel(columns, background=lambda r: "#fff1cc" if r.day is None else None, key=lambda r: r.name)
    model.set_rows(ROWS)
    index = model.index(3, 1)
    assert index.data(RowRole) is ROWS[3] and index.data(KeyRole) == "丁"
    assert index.data(Qt.ItemDataRole.ForegroundRole).color().name() == "#b71c1c"
    assert model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole).color().name() == "#fff1cc"
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == "第 1 条"
    assert index.data(ProgressRole) == 1.0 and model.index(0, 1).data(ProgressRole) == 0.09
    assert model.headerData(1, Qt.Orientation.Horizontal) == "次数"
    model.add_rows([Row(5, "戊", 1, None)])
    assert model.rowCount() == 5 and model.row_at(4).name == "戊"


def test_progress_cells_paint_as_bars(qtbot):
    table = RowsTable([Column("进度", lambda r: f"{r.count}%", progress=lambda r: (r.count or 0) / 100,
                              color=lambda r: "#2e7d32")])
    qtbot.addWidget(table)
    table.set_rows(ROWS)
    table.resize(300, 200)
    assert not table.grab().isNull()


def test_table_keeps_the_selected_row_across_a_reload_and_reports_sorted_rows(qtbot):
    table = make_table(qtbot)
    assert table.select_key(3)
    assert table.selected_row().name == "丙"
    table.set_rows(list(reversed(ROWS)))
    assert table.selected_row().name == "丙"
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert [r.id for r in table.visible_rows()] == [4, 2, 1, 3]
    assert table.rows() == list(reversed(ROWS))
    assert not table.select_where(lambda r: r.name == "无此人")


def test_rows_are_sized_from_the_font_and_follow_a_larger_font(qtbot):
    table = make_table(qtbot)
    table.show()
    normal = table.verticalHeader().defaultSectionSize()
    assert normal >= table.fontMetrics().height() * 1.4
    font = table.font()
    font.setPointSize(font.pointSize() * 2)
    table.setFont(font)
    QApplication.processEvents()
    assert table.verticalHeader().defaultSectionSize() >= table.fontMetrics().height() * 1.4 > normal


def test_declared_column_widths_grow_with_a_larger_font(qtbot):
    table = RowsTable([Column("日期", lambda r: r.day, width=90), Column("姓名", lambda r: r.name)])
    qtbot.addWidget(table)
    font = table.font()
    font.setPointSize(10)
    table.setFont(font)
    assert table.columnWidth(0) == 90
    font.setPointSize(15)
    table.setFont(font)
    assert table.columnWidth(0) == 135  # dates are not cut to "2026-…" at the larger font
    table.resize(400, 200)
    table.show()
    QApplication.processEvents()
    assert table.columnWidth(1) == table.viewport().width() - 135  # the other column fills the rest
    table.resize(150, 200)
    QApplication.processEvents()
    assert table.columnWidth(1) >= table.fontMetrics().horizontalAdvance("汉" * 6)  # and scrolls, never vanishes


NUMBER_TEXT = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?%?$")
BAD_DATES = [re.compile(p) for p in (r"\d{4}-\d{2}-\d{2}T\d", r"\d{4}/\d{1,2}/\d{1,2}", r"\d{1,2}月\d{1,2}日",
                                     r"^\d{2}-\d{2}$")]


def test_every_screen_follows_the_table_conventions(window):
    """Open every screen and look at every table: readable rows, columns of numbers right, dates one way."""
    checked_cells = numeric_columns = 0
    for spec in window.specs:
        screen = window.show_screen(spec.key)
        for tabs in screen.findChildren(QTabWidget):  # tabs load when first shown
            for i in range(tabs.count()):
                tabs.setCurrentIndex(i)
                QApplication.processEvents()
        for view in screen.findChildren(QTableView):
            header = view.verticalHeader()
            assert header.defaultSectionSize() >= view.fontMetrics().height() * 1.4, (spec.key, view)
            model = view.model()
            if model is None or isinstance(view, QTableWidget):
                continue
            for c in range(model.columnCount()):
                cells = [model.index(r, c) for r in range(min(model.rowCount(), 40))]
                texts = [i.data() for i in cells if isinstance(i.data(), str) and i.data()]
                checked_cells += len(texts)
                for text in texts:
                    assert not any(p.search(text) for p in BAD_DATES), (spec.key, text)
                numbers = [t for t in texts if t != NO_NUMBER]
                if not numbers or not all(NUMBER_TEXT.match(t) for t in numbers):
                    continue
                if any(i.data(ProgressRole) is not None for i in cells):  # a bar centres its text
                    continue
                numeric_columns += 1
                for index in cells:
                    align = Qt.AlignmentFlag(index.data(Qt.ItemDataRole.TextAlignmentRole) or 0)
                    assert align & Qt.AlignmentFlag.AlignRight, (spec.key, model.headerData(c, Qt.Orientation.Horizontal))
    assert checked_cells > 500 and numeric_columns > 10


def test_larger_font_makes_every_table_row_taller(window, qapp):
    roster = window.show_screen("roster")
    before = roster.table.verticalHeader().defaultSectionSize()
    font = qapp.font()
    bigger = type(font)(font)
    bigger.setPointSize(font.pointSize() + 6)
    qapp.setFont(bigger)
    try:
        QApplication.processEvents()
        assert roster.table.verticalHeader().defaultSectionSize() > before
        volunteers = window.show_screen("volunteers")
        QApplication.processEvents()
        table = volunteers.teams_table
        assert table.verticalHeader().defaultSectionSize() >= table.fontMetrics().height() * 1.4
    finally:
        qapp.setFont(font)
        QApplication.processEvents()
