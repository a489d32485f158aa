"""操作日志: who changed what and when, old value beside new, filterable and exportable; read-only."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from core import audit, audit_view
from core.errors import UserError
from gui.base import Screen
from gui.flow_layout import flow_row, group
from gui.table_model import Column, RowsTable

PAGE = 1000


def audit_columns() -> list[Column[audit_view.AuditLine]]:
    at, operator, table, row_id, action, field, old, new = audit_view.HEADERS
    return [
        Column(at, lambda line: line.at, lambda line: line.entry_id, width=140),  # the log's own order
        Column(operator, lambda line: line.operator, width=80),
        Column(table, lambda line: line.table, width=60),
        Column(row_id, lambda line: line.row_id, align="right", width=60),
        Column(action, lambda line: line.action, width=80),
        Column(field, lambda line: line.field, width=80),
        Column(old, lambda line: line.old, tooltip=lambda line: line.old),
        Column(new, lambda line: line.new, tooltip=lambda line: line.new),
    ]


class AuditScreen(Screen):
    key = "audit"
    title = "操作日志"
    areas = ("members", "org", "settings", "meetings", "visits", "problems", "volunteers", "letters", "users")

    def __init__(self, db, signals, parent=None):
        super().__init__(db, signals, parent)
        self._loaded_entries = 0
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        self.operator_combo = QComboBox()
        self.table_combo = QComboBox()
        self.action_combo = QComboBox()
        self.action_combo.addItem("全部操作", "")
        for value, label in audit_view.ACTION_LABELS.items():
            self.action_combo.addItem(label, value)
        self.date_check = QCheckBox("按日期：")
        self.date_from = QDateEdit(QDate.currentDate().addMonths(-1))
        self.date_to = QDateEdit(QDate.currentDate())
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.export_button = QPushButton("导出 Excel…")
        filters = QHBoxLayout()  # the filters wrap onto a second line at a large font
        filters.addWidget(flow_row([group("操作员：", self.operator_combo), group("对象：", self.table_combo),
                                    self.action_combo, group(self.date_check, self.date_from, "至", self.date_to)]), 1)
        filters.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)

        self.table = RowsTable(audit_columns(), stretch=(6, 7))  # read-only: the log is never edited
        self.model, self.proxy = self.table.rows_model, self.table.proxy

        self.status = QLabel()
        self.more_button = QPushButton("显示更早的记录")
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.more_button)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def _connect_signals(self) -> None:
        for combo in (self.operator_combo, self.table_combo, self.action_combo):
            combo.currentIndexChanged.connect(self._on_filter_changed)
        self.date_check.toggled.connect(self._on_date_check_toggled)
        self.date_from.dateChanged.connect(self._on_filter_changed)
        self.date_to.dateChanged.connect(self._on_filter_changed)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.more_button.clicked.connect(self._on_more_button_clicked)

    # Public API ----------------------------------------------------------------------------------
    def filters(self) -> dict:
        out = {"operator": self.operator_combo.currentData() or None,
               "table": self.table_combo.currentData() or None,
               "action": self.action_combo.currentData() or None}
        if self.date_check.isChecked():
            out["date_from"] = self.date_from.date().toString("yyyy-MM-dd")
            out["date_to"] = self.date_to.date().toString("yyyy-MM-dd")
        return out

    def set_filters(self, operator: str | None = None, table: str | None = None, action: str | None = None,
                    date_from: str | None = None, date_to: str | None = None) -> None:
        self._fill_filter_lists()
        for combo, value in ((self.operator_combo, operator), (self.table_combo, table), (self.action_combo, action)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(value or "")))
            combo.blockSignals(False)
        self.date_check.blockSignals(True)
        self.date_check.setChecked(bool(date_from or date_to))
        self.date_check.blockSignals(False)
        for edit, value in ((self.date_from, date_from), (self.date_to, date_to)):
            edit.setEnabled(self.date_check.isChecked())
            if value:
                edit.blockSignals(True)
                edit.setDate(QDate.fromString(value, "yyyy-MM-dd"))
                edit.blockSignals(False)
        self.reload()

    def refresh(self) -> None:
        self._fill_filter_lists()
        self.reload()

    def reload(self) -> None:
        filters = self.filters()
        entries = audit.entries(self.db, limit=PAGE, **filters)
        self._loaded_entries = len(entries)
        self.model.set_rows([line for e in entries for line in audit_view.lines_for(e)])
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self._update_status(filters)

    def load_more(self) -> None:
        filters = self.filters()
        entries = audit.entries(self.db, limit=PAGE, offset=self._loaded_entries, **filters)
        self._loaded_entries += len(entries)
        self.model.add_rows([line for e in entries for line in audit_view.lines_for(e)])
        self._update_status(filters)

    def export_to(self, path: Path) -> int:
        return audit_view.export_xlsx(self.db, path, **self.filters())

    def ask_save_path(self, title: str, suggested: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self, title, suggested, filters)[0]

    # Internals -----------------------------------------------------------------------------------
    def _fill_filter_lists(self) -> None:
        for combo, label, values, names in (
            (self.operator_combo, "全部操作员", audit.operators(self.db), {}),
            (self.table_combo, "全部对象", audit.tables(self.db), audit_view.TABLE_LABELS),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(label, "")
            for value in values:
                combo.addItem(names.get(value, value), value)
            combo.setCurrentIndex(max(0, combo.findData(current)) if current else 0)
            combo.blockSignals(False)

    def _update_status(self, filters: dict) -> None:
        total = audit.count_entries(self.db, **filters)
        self.status.setText(f"共 {total} 条操作记录，已显示最近 {self._loaded_entries} 条。日志只能查看，不能修改。")
        self.more_button.setEnabled(self._loaded_entries < total)

    # Slots ---------------------------------------------------------------------------------------
    def _on_filter_changed(self, *_args) -> None:
        self.reload()

    def _on_date_check_toggled(self, checked: bool) -> None:
        self.date_from.setEnabled(checked)
        self.date_to.setEnabled(checked)
        self.reload()

    def _on_more_button_clicked(self) -> None:
        self.load_more()

    def _on_export_button_clicked(self) -> None:
        path = self.ask_save_path("导出操作日志", "操作日志.xlsx", "Excel 文件 (*.xlsx)")
        if not path:
            return
        try:
            count = self.export_to(Path(path))
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.show_info(f"已导出 {count} 行到 {path}")
