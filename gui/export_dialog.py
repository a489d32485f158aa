"""Roster export dialog (layout, masking, file) and the layout editor (columns, order, headers, codes, files)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
    QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QMessageBox, QProgressBar,
    QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from core import access, excel_export
from core.clock import today
from core.db import Db, open_db
from core.errors import UserError
from core.excel_export import DEFAULT_LAYOUT, ROSTER_FIELDS, ExportLayout, ExportResult, LayoutColumn
from gui.app import AppSignals
from gui.base import bind_save_key, delete_records
from gui.table_model import readable_rows
from gui.task import BackgroundTask
from gui.style import fitted, px, set_role

FIELD_ROLE = Qt.ItemDataRole.UserRole


def codes_to_text(codes: dict[str, str]) -> str:
    return "；".join(f"{k}={v}" for k, v in codes.items())


def codes_from_text(text: str, header: str) -> dict[str, str]:
    """'男=1；女=2' → {'男': '1', '女': '2'}; a malformed pair is refused with the column's name."""
    codes: dict[str, str] = {}
    for part in re.split(r"[;；,，\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"\s*(?:=|＝|→|->)\s*", part, maxsplit=1)
        if len(pieces) != 2 or not pieces[0] or not pieces[1]:
            raise UserError(f"“{header}”列的代码“{part}”看不懂。请写成“男=1；女=2”这样的形式。")
        codes[pieces[0]] = pieces[1]
    return codes


class LayoutEditor(QDialog):
    """Edit one layout: which fields, in what order, under which header, with which codes."""

    layout_saved = Signal(str)

    COL_FIELD, COL_HEADER, COL_CODES = range(3)

    def __init__(self, db: Db, layout: ExportLayout, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.original = layout
        self.setWindowTitle("编辑导出格式")
        self.resize(fitted(900, 580))
        self._build_ui()
        self._connect_signals()
        self.load(layout)

    def _build_ui(self) -> None:
        self.name_edit = QLineEdit()
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("留空则为“单位名称 + 党员花名册”")
        form = QFormLayout()
        form.addRow("格式名称：", self.name_edit)
        form.addRow("表格标题：", self.title_edit)
        self.available = QListWidget()
        self.available.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.columns = QTableWidget(0, 3)
        self.columns.setHorizontalHeaderLabels(["字段", "导出列名", "代码（如 男=1；女=2）"])
        self.columns.horizontalHeader().setSectionResizeMode(self.COL_FIELD, QHeaderView.ResizeMode.ResizeToContents)
        self.columns.horizontalHeader().setSectionResizeMode(self.COL_HEADER, QHeaderView.ResizeMode.Interactive)
        self.columns.horizontalHeader().setSectionResizeMode(self.COL_CODES, QHeaderView.ResizeMode.Stretch)
        self.columns.setColumnWidth(self.COL_HEADER, px(160))
        self.columns.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.columns.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.columns.verticalHeader().setVisible(False)
        readable_rows(self.columns)
        self.add_button = QPushButton("加入 →")
        self.remove_button = QPushButton("← 移除")
        self.up_button = QPushButton("上移")
        self.down_button = QPushButton("下移")
        middle = QVBoxLayout()
        middle.addStretch(1)
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            middle.addWidget(b)
        middle.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(QLabel("可用字段："))
        left.addWidget(self.available)
        right = QVBoxLayout()
        right.addWidget(QLabel("导出的列（从左到右）：双击列名或代码可修改"))
        right.addWidget(self.columns)
        lists = QHBoxLayout()
        lists.addLayout(left, 2)
        lists.addLayout(middle)
        lists.addLayout(right, 5)
        self.status = QLabel()
        self.status.setWordWrap(True)
        set_role(self.status, "error")
        self.save_button = QPushButton("保存")
        self.save_button.setDefault(True)
        bind_save_key(self, self.save_button)
        self.cancel_button = QPushButton("取消")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(lists, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.available.itemDoubleClicked.connect(self._on_add_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.cancel_button.clicked.connect(self.reject)

    def load(self, layout: ExportLayout) -> None:
        name = layout.name if not layout.builtin else ""
        self.name_edit.setText(name)
        self.title_edit.setText(layout.title)
        self.columns.setRowCount(0)
        for col in layout.columns:
            self._append_column(col)
        self._refresh_available()

    def _append_column(self, col: LayoutColumn) -> None:
        row = self.columns.rowCount()
        self.columns.insertRow(row)
        field_item = QTableWidgetItem(ROSTER_FIELDS[col.field][0])
        field_item.setData(FIELD_ROLE, col.field)
        field_item.setFlags(field_item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.columns.setItem(row, self.COL_FIELD, field_item)
        self.columns.setItem(row, self.COL_HEADER, QTableWidgetItem(col.header))
        self.columns.setItem(row, self.COL_CODES, QTableWidgetItem(codes_to_text(col.codes)))

    def chosen_fields(self) -> list[str]:
        return [self.columns.item(r, self.COL_FIELD).data(FIELD_ROLE) for r in range(self.columns.rowCount())]

    def _refresh_available(self) -> None:
        chosen = set(self.chosen_fields())
        self.available.clear()
        for key, (label, _) in ROSTER_FIELDS.items():
            if key not in chosen:
                item = QListWidgetItem(label)
                item.setData(FIELD_ROLE, key)
                self.available.addItem(item)

    def add_fields(self, keys: Sequence[str]) -> None:
        for key in keys:
            if key not in self.chosen_fields():
                self._append_column(LayoutColumn(key, ROSTER_FIELDS[key][0]))
        self._refresh_available()

    def _on_add_button_clicked(self, *_: object) -> None:
        self.add_fields([item.data(FIELD_ROLE) for item in self.available.selectedItems()])

    def remove_row(self, row: int) -> None:
        if 0 <= row < self.columns.rowCount():
            self.columns.removeRow(row)
            self._refresh_available()

    def _on_remove_button_clicked(self) -> None:
        self.remove_row(self.columns.currentRow())

    def move_selected(self, step: int) -> None:
        row = self.columns.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.columns.rowCount():
            return
        items = [self.columns.takeItem(row, c) for c in range(3)]
        others = [self.columns.takeItem(target, c) for c in range(3)]
        for c in range(3):
            self.columns.setItem(target, c, items[c])
            self.columns.setItem(row, c, others[c])
        self.columns.setCurrentCell(target, self.COL_HEADER)

    def set_header(self, row: int, header: str) -> None:
        self.columns.item(row, self.COL_HEADER).setText(header)

    def set_codes(self, row: int, text: str) -> None:
        self.columns.item(row, self.COL_CODES).setText(text)

    def current_layout(self) -> ExportLayout:
        columns = []
        for r in range(self.columns.rowCount()):
            key = self.columns.item(r, self.COL_FIELD).data(FIELD_ROLE)
            header = self.columns.item(r, self.COL_HEADER).text().strip() or ROSTER_FIELDS[key][0]
            columns.append(LayoutColumn(key, header, codes_from_text(self.columns.item(r, self.COL_CODES).text(), header)))
        keep_id = self.original.id  # renaming a saved layout renames it; the built-in one is copied
        return ExportLayout(self.name_edit.text().strip(), tuple(columns), self.title_edit.text().strip(),
                            self.original.kind, keep_id)

    def save(self) -> bool:
        try:
            layout = self.current_layout()
            excel_export.save_layout(self.db, layout)
        except UserError as exc:
            self.status.setText(str(exc))
            return False
        self.layout_saved.emit(layout.name)
        self.accept()
        return True

    def _on_save_button_clicked(self) -> None:
        self.save()


class ExportDialog(QDialog):
    """Pick a layout, masking and a file; export in the background; manage layouts."""

    exported = Signal(object)  # ExportResult
    export_failed = Signal(str)

    def __init__(self, db: Db, signals: AppSignals, member_ids: Sequence[int] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.signals = signals
        self.member_ids = list(member_ids) if member_ids is not None else None
        self.task: BackgroundTask | None = None
        self.result: ExportResult | None = None
        self.setWindowTitle("导出党员花名册")
        self.resize(fitted(640, 380))
        self._build_ui()
        self._connect_signals()
        self.refresh_layouts()

    def _build_ui(self) -> None:
        count = len(self.member_ids) if self.member_ids is not None else excel_export.roster_count(self.db)
        if self.member_ids is not None:
            self.scope_label = QLabel(f"将导出名册当前列表中的 {count} 名党员（筛选和搜索条件已应用）。")
        else:
            self.scope_label = QLabel(f"将导出全部 {count} 名党员。")
        self.layout_combo = QComboBox()
        self.edit_layout_button = QPushButton("编辑…")
        self.new_layout_button = QPushButton("新建…")
        self.delete_layout_button = QPushButton("删除")
        self.save_layout_file_button = QPushButton("导出格式文件…")
        self.load_layout_file_button = QPushButton("导入格式文件…")
        self.layout_columns_label = QLabel()
        self.layout_columns_label.setWordWrap(True)
        set_role(self.layout_columns_label, "hint")
        layout_row = QHBoxLayout()
        layout_row.addWidget(self.layout_combo, 1)
        for b in (self.edit_layout_button, self.new_layout_button, self.delete_layout_button):
            layout_row.addWidget(b)
        file_row = QHBoxLayout()
        file_row.addStretch(1)
        file_row.addWidget(self.save_layout_file_button)
        file_row.addWidget(self.load_layout_file_button)
        layout_box = QGroupBox("导出格式（上级要求的列、顺序、列名和代码）")
        box_layout = QVBoxLayout(layout_box)
        box_layout.addLayout(layout_row)
        box_layout.addWidget(self.layout_columns_label)
        box_layout.addLayout(file_row)
        self.masked_check = QCheckBox("隐去身份证号和联系电话的中间几位（推荐；个人信息保护）")
        self.masked_check.setChecked(True)
        self.masked_check.setEnabled(access.allowed(self.db, "export_unmasked"))
        self.path_edit = QLineEdit()
        self.path_edit.setText(str(Path.home() / f"党员花名册-{today().isoformat()}.xlsx"))
        self.browse_button = QPushButton("浏览…")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.open_button = QPushButton("打开文件")
        self.open_button.setVisible(False)
        self.export_button = QPushButton("导出")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("取消导出")
        self.cancel_button.setVisible(False)
        self.close_button = QPushButton("关闭")
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        for b in (self.export_button, self.cancel_button, self.close_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scope_label)
        layout.addWidget(layout_box)
        layout.addWidget(self.masked_check)
        layout.addWidget(QLabel("保存到："))
        layout.addLayout(path_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        self.layout_combo.currentIndexChanged.connect(self._on_layout_combo_changed)
        self.edit_layout_button.clicked.connect(self._on_edit_layout_button_clicked)
        self.new_layout_button.clicked.connect(self._on_new_layout_button_clicked)
        self.delete_layout_button.clicked.connect(self._on_delete_layout_button_clicked)
        self.save_layout_file_button.clicked.connect(self._on_save_layout_file_button_clicked)
        self.load_layout_file_button.clicked.connect(self._on_load_layout_file_button_clicked)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.masked_check.toggled.connect(self._on_masked_check_toggled)

    # Dialogs tests replace ---------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        QMessageBox.warning(self, "提示", message)

    def confirm(self, message: str) -> bool:
        return QMessageBox.question(self, "请确认", message) == QMessageBox.StandardButton.Yes

    def choose_save_path(self, title: str, suggested: str, filter_text: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, filter_text)
        return path or None

    def choose_open_path(self, title: str, filter_text: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, title, "", filter_text)
        return path or None

    def edit_layout(self, layout: ExportLayout) -> str | None:
        """Open the layout editor; returns the saved layout's name or None when cancelled."""
        editor = LayoutEditor(self.db, layout, self)
        saved: list[str] = []
        editor.layout_saved.connect(saved.append)
        editor.exec()
        return saved[0] if saved else None

    def open_path(self, path: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # Layouts -----------------------------------------------------------------------------------
    def refresh_layouts(self, select: str | None = None) -> None:
        current = select or self.layout_combo.currentText() or DEFAULT_LAYOUT
        self.layout_combo.blockSignals(True)
        self.layout_combo.clear()
        for layout in excel_export.list_layouts(self.db):
            self.layout_combo.addItem(layout.name + ("（内置）" if layout.builtin else ""), layout.name)
        index = self.layout_combo.findData(current)
        self.layout_combo.setCurrentIndex(max(0, index))
        self.layout_combo.blockSignals(False)
        self._on_layout_combo_changed()

    def selected_layout(self) -> ExportLayout:
        return excel_export.get_layout(self.db, self.layout_combo.currentData())

    def select_layout(self, name: str) -> None:
        self.layout_combo.setCurrentIndex(self.layout_combo.findData(name))

    def _on_layout_combo_changed(self, *_: object) -> None:
        layout = self.selected_layout()
        self.layout_columns_label.setText("列：" + "、".join(
            c.header + (f"（代码 {codes_to_text(c.codes)}）" if c.codes else "") for c in layout.columns))
        self.delete_layout_button.setEnabled(not layout.builtin)
        self.edit_layout_button.setText("另存为…" if layout.builtin else "编辑…")

    def _on_edit_layout_button_clicked(self) -> None:
        name = self.edit_layout(self.selected_layout())
        if name:
            self.refresh_layouts(name)

    def _on_new_layout_button_clicked(self) -> None:
        name = self.edit_layout(ExportLayout("", excel_export.default_layout().columns))
        if name:
            self.refresh_layouts(name)

    def _on_delete_layout_button_clicked(self) -> None:
        layout = self.selected_layout()
        if layout.builtin or not delete_records(self, self.db, self.signals, f"删除导出格式“{layout.name}”？",
                                                 f"导出格式“{layout.name}”", ("export_layouts",),
                                                 lambda: excel_export.delete_layout(self.db, layout.id)):
            return
        self.refresh_layouts(DEFAULT_LAYOUT)

    def _on_save_layout_file_button_clicked(self) -> None:
        layout = self.selected_layout()
        path = self.choose_save_path("保存导出格式文件", str(Path.home() / f"{layout.name}.json"), "导出格式文件 (*.json)")
        if not path:
            return
        try:
            excel_export.write_layout_file(layout, path)
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.status.setText(f"导出格式“{layout.name}”已保存到 {path}，可以发给各社区导入使用。")

    def _on_load_layout_file_button_clicked(self) -> None:
        path = self.choose_open_path("选择导出格式文件", "导出格式文件 (*.json);;所有文件 (*)")
        if path:
            self.load_layout_file(path)

    def load_layout_file(self, path: str) -> bool:
        try:
            layout = excel_export.read_layout_file(path)
            existing = [l.name for l in excel_export.list_layouts(self.db)]
            if layout.name in existing and not self.confirm(f"已经有名为“{layout.name}”的导出格式，用文件中的替换它吗？"):
                return False
            excel_export.save_layout(self.db, layout)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.refresh_layouts(layout.name)
        self.status.setText(f"已导入导出格式“{layout.name}”。")
        return True

    # Export ------------------------------------------------------------------------------------
    def _on_browse_button_clicked(self) -> None:
        path = self.choose_save_path("导出到", self.path_edit.text(), "Excel 文件 (*.xlsx)")
        if path:
            self.path_edit.setText(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def _on_masked_check_toggled(self, checked: bool) -> None:
        if not checked:
            self.status.setText("注意：将导出完整的身份证号和电话，文件请妥善保管，不要随意转发。")
        else:
            self.status.setText("")

    def start_export(self) -> None:
        out = self.path_edit.text().strip()
        if not out:
            self.show_error("请先选择导出文件的保存位置。")
            return
        if not out.lower().endswith(".xlsx"):
            out += ".xlsx"
            self.path_edit.setText(out)
        try:
            layout = self.selected_layout()
        except UserError as exc:
            self.show_error(str(exc))
            return
        masked, member_ids = self.masked_check.isChecked(), self.member_ids
        if not masked:
            try:
                access.require(self.db, "export_unmasked")
            except UserError as exc:
                self.show_error(str(exc))
                return
        db_path, operator, role = self.db.path, self.db.operator, self.db.role

        def work(progress, cancelled) -> ExportResult:
            db = open_db(db_path, operator=operator, role=role)
            try:
                return excel_export.export_roster(db, Path(out), layout, masked, member_ids,
                                                  progress=progress, cancelled=cancelled)
            finally:
                db.close()

        self.task = BackgroundTask(work, self)
        self.task.progressed.connect(self._on_task_progressed)
        self.task.succeeded.connect(self._on_task_succeeded)
        self.task.failed.connect(self._on_task_failed)
        self.task.finished.connect(self._on_task_finished)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.export_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.cancel_button.setVisible(True)
        self.open_button.setVisible(False)
        self.status.setText("正在导出…")
        self.task.start()

    def _on_task_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _on_task_succeeded(self, result: ExportResult) -> None:
        self.result = result  # core.excel_export logged an unmasked export itself
        self.status.setText(result.summary())
        self.open_button.setVisible(True)
        self.exported.emit(result)

    def _on_task_failed(self, message: str) -> None:
        self.status.setText("")
        self.show_error(message)
        self.export_failed.emit(message)

    def _on_task_finished(self) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        self.close_button.setEnabled(True)
        self.cancel_button.setVisible(False)

    def _on_cancel_button_clicked(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _on_open_button_clicked(self) -> None:
        if self.result:
            self.open_path(self.result.path)

    def reject(self) -> None:
        if self.task is not None:
            return
        super().reject()


def open_export_dialog(parent: QWidget | None, db: Db, signals: AppSignals,
                       member_ids: Sequence[int] | None = None) -> ExportDialog:
    """Show the roster export dialog; member_ids limits it to the screen's current filter."""
    dialog = ExportDialog(db, signals, member_ids, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
