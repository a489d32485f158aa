"""备份与恢复: the automatic backups with their contents, back up now or to a file, restore with confirmation."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout

from core import access, backups, settings
from core.db import open_db
from core.errors import UserError
from gui.base import Screen
from gui.table_model import Column, RowsTable


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


BACKUP_COLUMNS: list[Column[backups.BackupInfo]] = [
    Column("备份时间", lambda info: info.taken_at, width=150),
    Column("类型", lambda info: info.reason_label, width=80),
    Column("大小", lambda info: _size_text(info.size), lambda info: info.size, align="right", width=80),
    Column("内容", lambda info: info.counts_text, width=220),
    Column("文件", lambda info: info.path.name),
]


class BackupsScreen(Screen):
    key = "backups"
    title = "备份与恢复"
    areas = ("backups",)

    def __init__(self, db, signals, parent=None):
        super().__init__(db, signals, parent)
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        intro = QLabel("程序每天第一次打开时、每次升级、导入和恢复之前会自动备份，备份保存在数据库旁的 backups 文件夹。"
                       "建议每周用“备份到文件”另存一份到 U 盘。")
        intro.setWordWrap(True)
        self.backup_now_button = QPushButton("立即备份")
        self.backup_to_file_button = QPushButton("备份到文件（U 盘）…")
        self.restore_selected_button = QPushButton("用所选备份恢复…")
        self.restore_file_button = QPushButton("从文件恢复…")
        buttons = QHBoxLayout()
        for button in (self.backup_now_button, self.backup_to_file_button, self.restore_selected_button,
                       self.restore_file_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.table = RowsTable(BACKUP_COLUMNS, key=lambda info: info.path)
        self.model, self.proxy = self.table.rows_model, self.table.proxy

        keep_box = QGroupBox("自动备份保留")
        keep_form = QFormLayout(keep_box)
        self.keep_daily = QSpinBox()
        self.keep_weekly = QSpinBox()
        self.keep_monthly = QSpinBox()
        for spin, suffix in ((self.keep_daily, " 天"), (self.keep_weekly, " 周"), (self.keep_monthly, " 个月")):
            spin.setRange(1, 366)
            spin.setSuffix(suffix)
        self.keep_save_button = QPushButton("保存")
        keep_form.addRow("每天一份，保留最近：", self.keep_daily)
        keep_form.addRow("每周一份，保留最近：", self.keep_weekly)
        keep_form.addRow("每月一份，保留最近：", self.keep_monthly)
        keep_form.addRow("", self.keep_save_button)
        self.status = QLabel()

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(keep_box)

    def _connect_signals(self) -> None:
        self.backup_now_button.clicked.connect(self._on_backup_now_button_clicked)
        self.backup_to_file_button.clicked.connect(self._on_backup_to_file_button_clicked)
        self.restore_selected_button.clicked.connect(self._on_restore_selected_button_clicked)
        self.restore_file_button.clicked.connect(self._on_restore_file_button_clicked)
        self.keep_save_button.clicked.connect(self._on_keep_save_button_clicked)

    # Public API ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        in_file = self.db.path is not None
        rows = backups.list_backups(Path(self.db.path)) if in_file else []
        self.model.set_rows(rows)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.status.setText(f"共 {len(rows)} 份自动备份。" if in_file else "内存数据库没有备份。")
        for spin, key in ((self.keep_daily, "backup_keep_daily"), (self.keep_weekly, "backup_keep_weekly"),
                          (self.keep_monthly, "backup_keep_monthly")):
            spin.setValue(int(settings.get(self.db, key)))
        may_restore = access.allowed(self.db, "restore")
        self.restore_selected_button.setEnabled(may_restore and in_file)
        self.restore_file_button.setEnabled(may_restore and in_file)
        self.keep_save_button.setEnabled(access.allowed(self.db, "settings"))
        for button in (self.backup_now_button, self.backup_to_file_button):
            button.setEnabled(access.allowed(self.db, "backup") and in_file)

    def selected_backup(self) -> backups.BackupInfo | None:
        return self.table.selected_row()

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def backup_now(self) -> Path | None:
        try:
            access.require(self.db, "backup")
            path = backups.auto_backup(self.db, "manual")
        except (UserError, OSError) as exc:
            self.show_error(str(exc))
            return None
        self.refresh()
        self.status.setText(f"已备份并校验：{path.name}")
        return path

    def backup_to_file(self, target: Path) -> bool:
        try:
            access.require(self.db, "backup")
            backups.copy_to(self.db, target)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.show_info(f"已备份并校验：{target}")
        return True

    def restore_from(self, source: Path) -> bool:
        """Check the file, ask, keep a copy of the current data, swap, reopen. False when refused."""
        try:
            access.require(self.db, "restore")
            counts = backups.verify_file(source)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        described = "，".join(f"{dict(backups.COUNTED_TABLES)[t]} {n}" for t, n in counts.items())
        if not self.confirm(f"用备份文件 {source.name}（{described}）替换当前数据库？\n"
                            "当前数据会先另存一份到 backups 文件夹，但此后新录入的内容将以备份为准。"):
            return False
        path = Path(self.db.path)
        operator, role = self.db.operator, self.db.role
        try:
            result = backups.restore(path, source, current=self.db)
        except UserError as exc:
            self.show_error(str(exc))
            self.reopen_database(path, operator, role)  # the connection was handed over; open it again
            return False
        new_db = self.reopen_database(path, operator, role)
        backups.log_restore(new_db, result)
        self.show_info(f"已恢复。恢复前的数据另存为 {result.safety_copy.name if result.safety_copy else '（无）'}。")
        return True

    def reopen_database(self, path: Path, operator: str, role: str):
        """Open the swapped file and hand it to the main window (tests replace this)."""
        window = self.window()
        if hasattr(window, "switch_database"):
            window.switch_database(path, keep_login=True)
            return window.db
        db = open_db(path, operator=operator)
        db.role = role
        self.db = db
        self.refresh()
        return db

    # Dialogs tests replace -----------------------------------------------------------------------
    def ask_save_path(self, title: str, suggested: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self, title, suggested, filters)[0]

    def ask_open_path(self, title: str, filters: str) -> str:
        return QFileDialog.getOpenFileName(self, title, "", filters)[0]

    # Slots ---------------------------------------------------------------------------------------
    def _on_backup_now_button_clicked(self) -> None:
        self.backup_now()

    def _on_backup_to_file_button_clicked(self) -> None:
        stem = Path(self.db.path).stem if self.db.path else "党建台账"
        path = self.ask_save_path("备份到文件", f"{stem}-备份.db", "数据库文件 (*.db)")
        if path:
            self.backup_to_file(Path(path))

    def _on_restore_selected_button_clicked(self) -> None:
        info = self.selected_backup()
        if info is None:
            self.show_error("请先在列表中选中一份备份。")
            return
        self.restore_from(info.path)

    def _on_restore_file_button_clicked(self) -> None:
        path = self.ask_open_path("选择备份文件", "数据库文件 (*.db);;所有文件 (*)")
        if path:
            self.restore_from(Path(path))

    def _on_keep_save_button_clicked(self) -> None:
        try:
            access.require(self.db, "settings")
            settings.save_many(self.db, {"backup_keep_daily": self.keep_daily.value(),
                                         "backup_keep_weekly": self.keep_weekly.value(),
                                         "backup_keep_monthly": self.keep_monthly.value()})
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.status.setText("保留设置已保存，下次自动备份时生效。")
