"""Login at start (only when operators exist) and the lock dialog that asks again."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from core import access
from core.db import Db
from core.errors import UserError
from gui.app import APP_NAME
from gui.idle import IdleWatcher  # noqa: F401  (its old home)
from gui.style import fitted, set_role


class LoginDialog(QDialog):
    """Name and password; accepted only after access.login succeeded on `db`."""

    def __init__(self, db: Db, parent: QWidget | None = None, *, locked_as: str | None = None):
        super().__init__(parent)
        self.db = db
        self.locked_as = locked_as
        self.setWindowTitle(f"{APP_NAME} — {'已锁定' if locked_as else '登录'}")
        self.setModal(True)
        self.name_combo = QComboBox()
        self.name_combo.setEditable(True)
        for op in access.list_operators(db):
            if op.active:
                self.name_combo.addItem(op.name)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        set_role(self.message, "error")
        self.message.setWordWrap(True)
        intro = QLabel(f"屏幕已锁定。请输入 {locked_as} 的密码继续工作。" if locked_as
                       else "本数据库已启用登录，请输入用户名和密码。")
        intro.setWordWrap(True)
        form = QFormLayout()
        if locked_as:
            self.name_combo.setCurrentText(locked_as)
            self.name_combo.setEnabled(False)
        form.addRow("用户名：", self.name_combo)
        form.addRow("密码：", self.password_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("解锁" if locked_as else "登录")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出程序" if locked_as else "取消")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(fitted(360, 180))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.password_edit.setFocus()

    def keyPressEvent(self, event) -> None:
        # On the lock screen Esc would mean 退出程序 and lose what was left open: there it does nothing.
        if self.locked_as and event.key() == Qt.Key.Key_Escape:
            event.accept()
            return
        super().keyPressEvent(event)

    def try_login(self, name: str | None = None, password: str | None = None) -> bool:
        name = self.name_combo.currentText() if name is None else name
        password = self.password_edit.text() if password is None else password
        if self.locked_as:
            ok = access.verify_current(self.db, password)
            if not ok:
                self._fail("密码不对，请重新输入。")
            return ok
        try:
            access.login(self.db, name, password)
        except UserError as exc:
            self._fail(str(exc))
            return False
        return True

    def _fail(self, message: str) -> None:
        self.message.setText(message)
        self.password_edit.clear()

    def _on_buttons_accepted(self) -> None:
        if self.try_login():
            self.accept()
