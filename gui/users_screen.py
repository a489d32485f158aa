"""操作员: who may log in and with which role (管理员 only), and the idle lock."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout, QGroupBox, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout,
)

from core import access, settings
from core.errors import UserError
from gui.base import Screen
from gui.table_model import Column, RowsTable

ROLE_NOTES = {
    access.ADMIN: "全部功能，含设置、操作员管理、恢复数据库",
    access.CLERK: "录入和修改记录、导入导出",
    access.VIEWER: "只能查看，导出时身份证号和电话隐去",
}


OPERATOR_COLUMNS: list[Column[access.Operator]] = [
    Column("用户名", lambda op: op.name, width=120),
    Column("角色", lambda op: op.role, width=80),
    Column("权限", lambda op: ROLE_NOTES[op.role]),
    Column("状态", lambda op: "可登录" if op.active else "已停用", width=70),
    Column("创建时间", lambda op: op.created_at, width=150),  # shown 'YYYY-MM-DD HH:MM:SS' by the model
]


class UsersScreen(Screen):
    key = "users"
    title = "操作员"
    areas = ("users",)

    def __init__(self, db, signals, parent=None):
        super().__init__(db, signals, parent)
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.add_button = QPushButton("新增操作员…")
        self.role_button = QPushButton("修改角色…")
        self.password_button = QPushButton("重设密码…")
        self.active_button = QPushButton("停用 / 启用")
        buttons = QHBoxLayout()
        for b in (self.add_button, self.role_button, self.password_button, self.active_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.table = RowsTable(OPERATOR_COLUMNS)
        self.model = self.table.rows_model

        lock_box = QGroupBox("自动锁定（修改自己的密码：菜单“文件 → 修改我的密码”）")
        lock_form = QFormLayout(lock_box)
        self.lock_minutes = QSpinBox()
        self.lock_minutes.setRange(0, 1440)
        self.lock_minutes.setSuffix(" 分钟")
        self.lock_minutes.setSpecialValueText("不锁定")
        self.lock_save_button = QPushButton("保存")
        lock_row = QHBoxLayout()
        lock_row.addWidget(self.lock_minutes)
        lock_row.addWidget(self.lock_save_button)
        lock_row.addStretch(1)
        lock_form.addRow("无操作多久后锁定：", lock_row)
        self.status = QLabel()

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(lock_box)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.role_button.clicked.connect(self._on_role_button_clicked)
        self.password_button.clicked.connect(self._on_password_button_clicked)
        self.active_button.clicked.connect(self._on_active_button_clicked)
        self.lock_save_button.clicked.connect(self._on_lock_save_button_clicked)

    # Public API ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        ops = access.list_operators(self.db)
        self.model.set_rows(ops)
        if ops:
            self.intro.setText("已启用登录：打开程序时需要输入用户名和密码，无操作一段时间后自动锁定。")
        else:
            self.intro.setText("目前没有设置操作员，打开程序不需要登录。新增第一个操作员（必须是管理员）后即启用登录。")
        self.lock_minutes.setValue(int(settings.get(self.db, "lock_idle_minutes")))
        manage = access.allowed(self.db, "users")
        for b in (self.add_button, self.role_button, self.password_button, self.active_button, self.lock_save_button):
            b.setEnabled(manage)

    def select_row(self, row: int) -> None:
        self.table.select_source_row(row)

    def selected(self) -> access.Operator | None:
        return self.table.selected_row()

    def add_operator(self, name: str, password: str, role: str) -> bool:
        first = not access.has_operators(self.db)
        try:
            access.create_operator(self.db, name, password, role)
            if first:  # the one who turns login on is logged in as that admin from now on
                access.login(self.db, name, password)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.status.setText(f"已新增操作员 {name}（{role}）。")
        self.refresh()
        self.changed("users")
        return True

    def update_selected(self, **changes) -> bool:
        op = self.selected()
        if op is None:
            self.show_error("请先在列表中选中一个操作员。")
            return False
        try:
            access.update_operator(self.db, op.id, **changes)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.status.setText(f"操作员 {op.name} 已更新。")
        self.refresh()
        self.changed("users")
        return True

    # Dialogs tests replace -----------------------------------------------------------------------
    def ask_password(self, title: str, label: str) -> str | None:
        value, ok = QInputDialog.getText(self, title, label, QLineEdit.EchoMode.Password)
        return value if ok else None

    # Slots ---------------------------------------------------------------------------------------
    def _on_add_button_clicked(self) -> None:
        name = self.ask_text("新增操作员", "用户名：")
        if not name:
            return
        roles = [access.ADMIN] if not access.has_operators(self.db) else list(access.ROLES)
        role = self.ask_item("新增操作员", "角色：", roles)
        if not role:
            return
        password = self.ask_password("新增操作员", f"{name} 的密码（至少 6 位）：")
        if password is None:
            return
        if self.ask_password("新增操作员", "再输入一次密码：") != password:
            self.show_error("两次输入的密码不一致，请重新新增。")
            return
        self.add_operator(name, password, role)

    def _on_role_button_clicked(self) -> None:
        role = self.ask_item("修改角色", "新角色：", list(access.ROLES))
        if role:
            self.update_selected(role=role)

    def _on_password_button_clicked(self) -> None:
        password = self.ask_password("重设密码", "新密码（至少 6 位）：")
        if password is not None:
            self.update_selected(password=password)

    def _on_active_button_clicked(self) -> None:
        op = self.selected()
        if op is None:
            self.show_error("请先在列表中选中一个操作员。")
            return
        self.update_selected(active=not op.active)

    def _on_lock_save_button_clicked(self) -> None:
        try:
            settings.save_many(self.db, {"lock_idle_minutes": self.lock_minutes.value()})
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.status.setText("自动锁定时间已保存。")
