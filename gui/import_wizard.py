"""The import wizard for any import kind: file → column mapping → preview → run → result with undo."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QGroupBox,
    QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget, QMessageBox, QProgressBar, QPushButton,
    QRadioButton, QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from core import access, excel_import
from core.db import Db, open_db
from core.errors import UserError
from core.excel_import import ACTION_LABELS, MODE_LABELS, ImportResult, Preview, Source
from gui.app import AppSignals
from gui.table_model import Column, RowsModel, RowsTable, SortProxy, readable_rows
from gui.task import BackgroundTask
from gui.window_state import remember_dialog
from gui.style import STATUS, fitted, px, set_role

PAGE_FILE, PAGE_MAPPING, PAGE_PREVIEW, PAGE_RUNNING, PAGE_RESULT = range(5)
NOT_IMPORTED = "（不导入）"
ACTION_COLOURS = {"create": STATUS["done"].fill, "update": STATUS["info"].fill, "skip": STATUS["neutral"].fill,
                  "error": STATUS["overdue"].fill}


class PreviewModel(RowsModel):
    """One line per file row: (row number, action, who, problems)."""

    COL_ROW, COL_ACTION, COL_SUMMARY, COL_PROBLEMS = range(4)

    def __init__(self, parent: QWidget | None = None):
        super().__init__([
            Column("行号", lambda line: line[0], align="right", width=60),
            Column("处理", lambda line: ACTION_LABELS[line[1]], lambda line: line[1], width=70),
            Column("内容", lambda line: line[2], width=160),
            Column("问题", lambda line: line[3], tooltip=lambda line: line[3] or None),
        ], parent, background=lambda line: ACTION_COLOURS[line[1]], key=lambda line: line[0])

    def set_preview(self, preview: Preview | None, summary_field: str) -> None:
        lines: list[tuple[int, str, str, str]] = []
        for plan in preview.rows if preview is not None else []:
            summary = str(plan.record.get(summary_field) or "")
            if plan.action == "update":
                summary += f"（改：{len(plan.changes)} 项）"
            problems = "；".join(
                (f"[{p.column}] " if p.column else "") + p.message + ("（提示）" if p.severity == "note" else "")
                for p in plan.problems)
            if plan.reason and not problems:
                problems = plan.reason
            lines.append((plan.row, plan.action, summary, problems))
        self.set_rows(lines)

    def action_at(self, row: int) -> str:
        return self.row_at(row)[1]


class ActionFilter(SortProxy):
    """Sorts like every table and shows only the rows with one action when asked."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.action: str | None = None

    def set_action(self, action: str | None) -> None:
        self.beginFilterChange()
        self.action = action
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        if self.action is None:
            return True
        return self.sourceModel().action_at(source_row) == self.action


class ImportWizard(QDialog):
    """Generic: everything kind-specific comes from the core ImportKind."""

    imported = Signal(object)  # ImportResult
    undone = Signal(int)       # batch id
    preview_ready = Signal()
    source_loaded = Signal()
    task_failed = Signal(str)

    def __init__(self, db: Db, signals: AppSignals, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.signals = signals
        self.kind = excel_import.get_kind(kind)
        self.source: Source | None = None
        self.preview: Preview | None = None
        self.result: ImportResult | None = None
        self.task: BackgroundTask | None = None
        self.setWindowTitle(f"导入{self.kind.label}")
        self.resize(fitted(980, 660))
        self._build_ui()
        self._connect_signals()
        self._refresh_batches()
        self._go(PAGE_FILE)
        remember_dialog(self, f"import_{kind}")

    # UI ----------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.step_label = QLabel()
        set_role(self.step_label, "step")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_file_page())
        self.pages.addWidget(self._build_mapping_page())
        self.pages.addWidget(self._build_preview_page())
        self.pages.addWidget(self._build_running_page())
        self.pages.addWidget(self._build_result_page())
        self.back_button = QPushButton("上一步")
        self.next_button = QPushButton("下一步")
        self.next_button.setDefault(True)
        self.close_button = QPushButton("关闭")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.back_button, self.next_button, self.close_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step_label)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)

    def _build_file_page(self) -> QWidget:
        page = QWidget()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("选择要导入的 Excel 文件（.xlsx 或 .xls）")
        self.browse_button = QPushButton("浏览…")
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        wanted = "、".join(c.label for c in self.kind.columns[:8])
        hint = QLabel(
            f"支持 Excel 和 WPS 保存的 .xlsx、.xls 文件。表格上方可以有标题行；程序会自动找到表头，"
            f"常见的列名（如 {wanted} 等）都能识别，下一步可以调整。\n"
            "导入前会先列出每一行将如何处理和发现的问题，确认后才写入数据库。")
        hint.setWordWrap(True)
        set_role(hint, "hint")
        batches_box = QGroupBox("最近的导入（可撤销未被修改过的批次）")
        self.batch_list = QListWidget()
        self.undo_batch_button = QPushButton("撤销所选导入")
        box_layout = QVBoxLayout(batches_box)
        box_layout.addWidget(self.batch_list)
        box_layout.addWidget(self.undo_batch_button, 0, Qt.AlignmentFlag.AlignRight)
        self.file_status = QLabel()
        self.file_status.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(hint)
        layout.addWidget(self.file_status)
        layout.addWidget(batches_box, 1)
        return page

    def _build_mapping_page(self) -> QWidget:
        page = QWidget()
        self.mapping_info = QLabel()
        self.mapping_info.setWordWrap(True)
        self.mapping_table = QTableWidget(0, 3)
        self.mapping_table.setHorizontalHeaderLabels(["文件中的列", "示例内容", "导入为"])
        self.mapping_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.mapping_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.mapping_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.mapping_table.setColumnWidth(2, px(180))
        self.mapping_table.verticalHeader().setVisible(False)
        readable_rows(self.mapping_table)
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mapping_status = QLabel()
        self.mapping_status.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(self.mapping_info)
        layout.addWidget(self.mapping_table, 1)
        layout.addWidget(self.mapping_status)
        return page

    def _build_preview_page(self) -> QWidget:
        page = QWidget()
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet("font-weight: bold;")
        self.units_box = QGroupBox("将先新建的组织和网格")
        self.units_list = QListWidget()
        self.units_list.setMaximumHeight(px(90))
        QVBoxLayout(self.units_box).addWidget(self.units_list)
        self.mode_group = QButtonGroup(self)
        mode_box = QGroupBox(f"库中已有同一{self.kind.field_label(self.kind.key_field) or '记录'}时")
        mode_layout = QHBoxLayout(mode_box)
        self.mode_buttons: dict[str, QRadioButton] = {}
        for mode, label in MODE_LABELS.items():
            button = QRadioButton(label)
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            mode_layout.addWidget(button)
        self.mode_buttons["skip"].setChecked(True)
        if not self.kind.key_field:
            mode_box.setVisible(False)
        self.skip_bad_check = QCheckBox("只导入没有错误的行（有错误的行写入错误文件，改正后再导入）")
        self.filter_combo = QComboBox()
        self.filter_combo.addItem("全部行", None)
        for action, label in ACTION_LABELS.items():
            self.filter_combo.addItem(f"只看{label}", action)
        self.preview_model = PreviewModel(self)
        self.preview_view = RowsTable(self.preview_model, proxy=ActionFilter(self), stretch=PreviewModel.COL_PROBLEMS,
                                      sort_column=PreviewModel.COL_ROW)
        self.preview_proxy = self.preview_view.proxy
        self.preview_view.setWordWrap(False)

        filter_row = QHBoxLayout()
        filter_row.addWidget(QLabel("显示："))
        filter_row.addWidget(self.filter_combo)
        filter_row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.units_box)
        layout.addWidget(mode_box)
        layout.addWidget(self.skip_bad_check)
        layout.addLayout(filter_row)
        layout.addWidget(self.preview_view, 1)
        self.row_detail = QLabel("点选一行可在这里看到完整说明。")
        self.row_detail.setWordWrap(True)
        set_role(self.row_detail, "hint")
        layout.addWidget(self.row_detail)
        return page

    def _build_running_page(self) -> QWidget:
        page = QWidget()
        self.running_label = QLabel("正在处理…")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.cancel_button = QPushButton("取消")
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.running_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)
        return page

    def _build_result_page(self) -> QWidget:
        page = QWidget()
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        set_role(self.result_label, "summary")
        self.result_units = QListWidget()
        self.undo_button = QPushButton("撤销这次导入")
        self.open_errors_button = QPushButton("打开错误文件")
        self.undo_status = QLabel()
        self.undo_status.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.result_label)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(QLabel("新建的组织和网格："))
        layout.addWidget(self.result_units, 1)
        layout.addWidget(self.undo_status)
        row = QHBoxLayout()
        row.addWidget(self.undo_button)
        row.addWidget(self.open_errors_button)
        row.addStretch(1)
        layout.addLayout(row)
        return page

    def _connect_signals(self) -> None:
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.next_button.clicked.connect(self._on_next_button_clicked)
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.filter_combo.currentIndexChanged.connect(self._on_filter_combo_changed)
        self.mode_group.buttonClicked.connect(self._on_mode_group_clicked)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.open_errors_button.clicked.connect(self._on_open_errors_button_clicked)
        self.undo_batch_button.clicked.connect(self._on_undo_batch_button_clicked)
        self.skip_bad_check.toggled.connect(self._update_buttons)
        self.preview_view.selectionModel().currentRowChanged.connect(self._on_preview_view_row_changed)

    # Dialogs tests replace ---------------------------------------------------------------------
    def choose_file(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, "选择 Excel 文件", "", "Excel 文件 (*.xlsx *.xls);;所有文件 (*)")
        return path or None

    def show_error(self, message: str) -> None:
        QMessageBox.warning(self, "提示", message)

    def confirm(self, message: str) -> bool:
        return QMessageBox.question(self, "请确认", message) == QMessageBox.StandardButton.Yes

    def open_path(self, path: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # Navigation --------------------------------------------------------------------------------
    def current_page(self) -> int:
        return self.pages.currentIndex()

    def _go(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        titles = {PAGE_FILE: "第 1 步：选择文件", PAGE_MAPPING: "第 2 步：核对列对应",
                  PAGE_PREVIEW: "第 3 步：预览与确认", PAGE_RUNNING: "正在处理", PAGE_RESULT: "导入结果"}
        self.step_label.setText(f"导入{self.kind.label} — {titles[page]}")
        self._update_buttons()

    def _update_buttons(self) -> None:
        page = self.current_page()
        running = self.task is not None
        self.back_button.setVisible(page in (PAGE_MAPPING, PAGE_PREVIEW))
        self.next_button.setVisible(page in (PAGE_FILE, PAGE_MAPPING, PAGE_PREVIEW))
        self.next_button.setEnabled(not running)
        if page == PAGE_PREVIEW:
            self.next_button.setText("开始导入")
            self.next_button.setEnabled(self._can_import())
        else:
            self.next_button.setText("下一步")
        self.close_button.setText("完成" if page == PAGE_RESULT else "关闭")
        self.close_button.setEnabled(not running)

    def _can_import(self) -> bool:
        if self.preview is None:
            return False
        c = self.preview.counts
        if c["error"] and not self.skip_bad_check.isChecked():
            return False
        return c["create"] + c["update"] > 0

    def _on_next_button_clicked(self) -> None:
        page = self.current_page()
        if page == PAGE_FILE:
            self.load_file(self.path_edit.text().strip())
        elif page == PAGE_MAPPING:
            self.make_preview()
        elif page == PAGE_PREVIEW:
            self.start_import()

    def _on_back_button_clicked(self) -> None:
        self._go(max(PAGE_FILE, self.current_page() - 1))

    def _on_browse_button_clicked(self) -> None:
        path = self.choose_file()
        if path:
            self.path_edit.setText(path)

    # Step 1: read the file ---------------------------------------------------------------------
    def load_file(self, path: str) -> None:
        if not path:
            self.show_error("请先选择要导入的 Excel 文件。")
            return
        kind = self.kind
        self.file_status.setText("正在读取文件…")
        self._run(lambda progress, cancelled: excel_import.read_source(Path(path), kind),
                  self._on_source_loaded, "正在读取文件…", back_to=PAGE_FILE)

    def _on_source_loaded(self, source: Source) -> None:
        self.source = source
        self.file_status.setText("")
        self._fill_mapping(source.auto_mapping())
        self._go(PAGE_MAPPING)
        self.source_loaded.emit()

    # Step 2: mapping ---------------------------------------------------------------------------
    def _fill_mapping(self, mapping: dict[int, str | None]) -> None:
        source = self.source
        assert source is not None
        self.mapping_info.setText(
            f"文件“{source.path.name}”，工作表“{source.sheet}”，表头在第 {source.header_row} 行，共 {len(source.rows)} 行数据。"
            + (f"\n表头上方的标题：{source.title}" if source.title else "")
            + "\n请核对每一列导入为哪个字段；不需要的列选“（不导入）”。")
        self.mapping_table.setRowCount(len(source.headers))
        self.mapping_combos: list[QComboBox] = []
        for i, header in enumerate(source.headers):
            name_item = QTableWidgetItem(source.column_name(i))
            samples = [excel_import.cell_text(r[i]) for r in source.rows[:3]]
            sample_item = QTableWidgetItem("｜".join(s or "" for s in samples))
            combo = QComboBox()
            combo.addItem(NOT_IMPORTED, None)
            for col in self.kind.columns:
                combo.addItem(col.label + ("（必填）" if col.required else ""), col.key)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(i))))
            combo.currentIndexChanged.connect(self._on_mapping_combo_changed)
            self.mapping_table.setItem(i, 0, name_item)
            self.mapping_table.setItem(i, 1, sample_item)
            self.mapping_table.setCellWidget(i, 2, combo)
            self.mapping_combos.append(combo)
        self._on_mapping_combo_changed()

    def mapping(self) -> dict[int, str | None]:
        return {i: combo.currentData() for i, combo in enumerate(self.mapping_combos)}

    def set_mapping(self, column: int, key: str | None) -> None:
        combo = self.mapping_combos[column]
        combo.setCurrentIndex(combo.findData(key))

    def _on_mapping_combo_changed(self, *_: object) -> None:
        if self.source is None:
            return
        try:
            excel_import.check_mapping(self.kind, self.source, self.mapping())
        except UserError as exc:
            self.mapping_status.setText(f"⚠ {exc}")
            set_role(self.mapping_status, "error")
        else:
            used = sum(1 for v in self.mapping().values() if v)
            self.mapping_status.setText(f"已对应 {used} 列。")
            set_role(self.mapping_status, "ok")

    # Step 3: preview ---------------------------------------------------------------------------
    def selected_mode(self) -> str:
        return next(mode for mode, button in self.mode_buttons.items() if button.isChecked())

    def set_mode(self, mode: str) -> None:
        self.mode_buttons[mode].setChecked(True)
        if self.current_page() == PAGE_PREVIEW:
            self.make_preview()

    def _on_mode_group_clicked(self, *_: object) -> None:
        self.make_preview()

    def make_preview(self) -> None:
        source, kind, mapping, mode = self.source, self.kind, self.mapping(), self.selected_mode()
        try:
            excel_import.check_mapping(kind, source, mapping)
        except UserError as exc:
            self.show_error(str(exc))
            return
        db_path, operator, role = self.db.path, self.db.operator, self.db.role

        def work(progress, cancelled) -> Preview:
            db = open_db(db_path, operator=operator, role=role)
            try:
                preview, _ = excel_import.build_preview(db, kind, source, mapping, mode, progress, cancelled)
                return preview
            finally:
                db.close()

        self._run(work, self._on_preview_built, "正在检查每一行…", back_to=PAGE_MAPPING)

    def _on_preview_built(self, preview: Preview) -> None:
        self.preview = preview
        self.preview_model.set_preview(preview, self.kind.summary_field)
        c = preview.counts
        text = preview.summary()
        if c["error"]:
            text += ("\n有错误的行不会导入。可以勾选“只导入没有错误的行”，或关闭后改正文件再导入"
                     "（点“开始导入”前不会写入任何数据）。")
        self.summary_label.setText(text)
        set_role(self.summary_label, "summary", "error" if c["error"] else "ok")
        self.units_list.clear()
        for unit in preview.new_units:
            self.units_list.addItem(unit.describe())
        self.units_box.setVisible(bool(preview.new_units))
        self.skip_bad_check.setEnabled(bool(c["error"]))
        self._go(PAGE_PREVIEW)
        self.preview_ready.emit()

    def _on_preview_view_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid():
            return
        source = self.preview_proxy.mapToSource(current)
        row = self.preview_model.data(self.preview_model.index(source.row(), PreviewModel.COL_ROW))
        action = self.preview_model.data(self.preview_model.index(source.row(), PreviewModel.COL_ACTION))
        problems = self.preview_model.data(self.preview_model.index(source.row(), PreviewModel.COL_PROBLEMS))
        self.row_detail.setText(f"第 {row} 行（{action}）：{problems or '没有问题。'}")

    def _on_filter_combo_changed(self, index: int) -> None:
        self.preview_proxy.set_action(self.filter_combo.itemData(index))

    # Step 4: run -------------------------------------------------------------------------------
    def start_import(self) -> None:
        if not self._can_import():
            return
        try:
            access.require(self.db, "import")
        except UserError as exc:
            self.show_error(str(exc))
            return
        source, kind, mapping, mode = self.source, self.kind, self.mapping(), self.selected_mode()
        skip_bad = self.skip_bad_check.isChecked()
        db_path, operator, role = self.db.path, self.db.operator, self.db.role

        def work(progress, cancelled) -> ImportResult:
            db = open_db(db_path, operator=operator, role=role)
            try:
                return excel_import.run_import(db, kind, source, mapping, mode, skip_bad, True, progress, cancelled)
            finally:
                db.close()

        self._run(work, self._on_import_done, "正在导入，请稍候…（取消则不写入任何数据）", back_to=PAGE_PREVIEW)

    def _on_import_done(self, result: ImportResult) -> None:
        self.result = result
        self.result_label.setText(result.summary() + (f"\n错误文件：{result.errors_path}" if result.errors_path else ""))
        self.open_errors_button.setVisible(result.errors_path is not None)
        self.result_units.clear()
        for unit in result.preview.new_units if result.units_created else ():
            self.result_units.addItem(unit.describe())
        self.undo_button.setEnabled(result.batch_id is not None)
        self.undo_status.setText("如果导错了文件，可以撤销这次导入（导入的记录被修改之前都可以撤销）。"
                                 if result.batch_id else "")
        self._go(PAGE_RESULT)
        if result.imported and result.batch_id:
            self.signals.data_changed.emit(self.kind.area)
            self._refresh_batches()
        self.imported.emit(result)

    def _on_open_errors_button_clicked(self) -> None:
        if self.result and self.result.errors_path:
            self.open_path(self.result.errors_path)

    def _on_undo_button_clicked(self) -> None:
        if self.result and self.result.batch_id:
            self.undo(self.result.batch_id)

    def undo(self, batch_id: int) -> bool:
        try:
            access.require(self.db, "import")
        except UserError as exc:
            self.show_error(str(exc))
            return False
        ok, why = excel_import.can_undo(self.db, batch_id)
        if not ok:
            self.show_error(why)
            return False
        batch = excel_import.get_batch(self.db, batch_id)
        if not self.confirm(f"撤销导入“{batch.file_name}”：删除它新增的 {batch.created} 条记录，"
                            f"恢复它更新的 {batch.updated} 条记录。确定撤销吗？"):
            return False
        try:
            excel_import.undo_batch(self.db, batch_id)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.signals.data_changed.emit(self.kind.area)
        if self.result and self.result.batch_id == batch_id:
            self.undo_button.setEnabled(False)
            self.undo_status.setText("这次导入已撤销，数据库已恢复到导入前的样子。")
        self._refresh_batches()
        self.undone.emit(batch_id)
        return True

    def _refresh_batches(self) -> None:
        self.batch_list.clear()
        for batch in excel_import.list_batches(self.db, self.kind.name, limit=30):
            text = batch.label + ("（已撤销）" if batch.undone_at else "")
            self.batch_list.addItem(text)
            self.batch_list.item(self.batch_list.count() - 1).setData(Qt.ItemDataRole.UserRole, batch.id)
        self.undo_batch_button.setEnabled(self.batch_list.count() > 0)

    def _on_undo_batch_button_clicked(self) -> None:
        item = self.batch_list.currentItem()
        if item is None:
            self.show_error("请先在列表中选择要撤销的导入。")
            return
        self.undo(item.data(Qt.ItemDataRole.UserRole))

    # Background work ---------------------------------------------------------------------------
    def _run(self, work, on_done, label: str, back_to: int) -> None:
        self._back_to = back_to
        self.running_label.setText(label)
        self.progress.setRange(0, 0)
        self.task = BackgroundTask(work, self)
        self.task.progressed.connect(self._on_task_progressed)
        self.task.succeeded.connect(on_done)
        self.task.failed.connect(self._on_task_failed)
        self.task.finished.connect(self._on_task_finished)
        self.cancel_button.setEnabled(True)
        self._go(PAGE_RUNNING)
        self.task.start()

    def _on_task_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _on_task_failed(self, message: str) -> None:
        self._go(self._back_to)
        self.show_error(message)
        self.task_failed.emit(message)

    def _on_task_finished(self) -> None:
        self.task = None
        self._update_buttons()

    def _on_cancel_button_clicked(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.running_label.setText("正在取消…")

    def reject(self) -> None:
        if self.task is not None:
            return  # finish or cancel the running work first
        super().reject()


def open_import_wizard(parent: QWidget | None, db: Db, signals: AppSignals, kind: str) -> ImportWizard:
    """Show the import wizard for `kind` ("roster", "households", ...) as a window-modal dialog."""
    wizard = ImportWizard(db, signals, kind, parent)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.open()
    return wizard
