"""Screens of 设置 for safety: backups and restore, the audit log, operators, login and the idle lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QAbstractItemView

from core import access, backups, members
from core.db import open_db
from gui.app import AppSignals
from gui.audit_screen import AuditScreen
from gui.backups_screen import BackupsScreen
from gui.login import IdleWatcher, LoginDialog
from gui.main_window import MainWindow
from gui.users_screen import UsersScreen
from tests.safety_office import OFFICE_MEMBERS, office_db, office_template  # noqa: F401


class Recorder:
    def __init__(self):
        self.errors: list[str] = []
        self.infos: list[str] = []

    def attach(self, screen):
        screen.show_error = self.errors.append
        screen.show_info = self.infos.append
        return screen


@pytest.fixture
def signals(qtbot):
    return AppSignals()


def test_backups_screen_backs_up_and_restores(qtbot, office_db, signals, tmp_path):
    screen = BackupsScreen(office_db, signals)
    qtbot.addWidget(screen)
    rec = Recorder()
    rec.attach(screen)
    good = tmp_path / "usb" / "copy.db"
    assert screen.backup_to_file(good) and good.exists()
    path = screen.backup_now()
    assert path is not None and screen.model.rowCount() == 1
    member_id = office_db.execute("SELECT id FROM member LIMIT 1").fetchone()[0]
    members.update(office_db, member_id, member={"note": "恢复后消失"})

    asked = []
    screen.confirm = lambda message: asked.append(message) or True
    assert screen.restore_from(good)
    assert f"党员 {OFFICE_MEMBERS}" in asked[0]
    assert screen.db is not office_db
    assert members.get(screen.db, member_id).note is None
    assert {i.reason for i in backups.list_backups(screen.db.path)} == {"manual", "restore"}
    assert rec.infos and not rec.errors
    screen.db.close()


def test_backups_screen_refuses_a_bad_file(qtbot, office_db, signals, tmp_path):
    screen = BackupsScreen(office_db, signals)
    qtbot.addWidget(screen)
    rec = Recorder()
    rec.attach(screen)
    screen.confirm = lambda message: pytest.fail("must not ask for a bad file")
    bad = tmp_path / "花名册.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 500)
    assert not screen.restore_from(bad)
    assert "拒绝" in rec.errors[0]
    assert screen.db is office_db and office_db.execute("SELECT count(*) FROM member").fetchone()[0] == OFFICE_MEMBERS


def test_audit_screen_filters_and_exports(qtbot, office_db, signals, tmp_path):
    member_id = office_db.execute("SELECT id FROM member LIMIT 1").fetchone()[0]
    office_db.operator = "孙书记"
    members.update(office_db, member_id, person={"phone": "13912345678"}, member={"note": "已核对"})
    screen = AuditScreen(office_db, signals)
    qtbot.addWidget(screen)
    assert screen.table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    screen.set_filters(operator="孙书记")
    lines = [screen.model.row_at(r) for r in range(screen.model.rowCount())]
    assert {line.field for line in lines} >= {"联系电话", "备注"}
    phone = next(line for line in lines if line.field == "联系电话")
    assert phone.new == "139****5678" and phone.old and phone.old != phone.new  # old and new side by side, masked
    screen.set_filters(table="member", action="update")
    assert all(screen.model.row_at(r).table == "党员" for r in range(screen.model.rowCount()))
    screen.set_filters(date_from="2000-01-01", date_to="2000-12-31")
    assert screen.model.rowCount() == 0
    screen.set_filters(operator="孙书记")
    out = tmp_path / "日志.xlsx"
    assert screen.export_to(out) == len(lines)
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作员", "对象") and rows[1][1] == "孙书记"


def test_users_screen_first_admin_turns_login_on(qtbot, db, signals):
    screen = UsersScreen(db, signals)
    qtbot.addWidget(screen)
    rec = Recorder()
    rec.attach(screen)
    assert not screen.add_operator("张三", "123456", access.CLERK)
    assert "第一个操作员必须是管理员" in rec.errors[-1]
    assert screen.add_operator("张三", "123456", access.ADMIN)
    assert access.has_operators(db) and db.role == access.ADMIN
    assert screen.add_operator("李四", "654321", access.VIEWER)
    screen.select_row(1)
    assert screen.update_selected(role=access.CLERK)
    assert [o.role for o in access.list_operators(db)] == [access.ADMIN, access.CLERK]
    screen.select_row(0)
    assert not screen.update_selected(active=False)
    assert "至少要保留一个" in rec.errors[-1]


def test_viewer_sees_no_audit_or_users_tab(qtbot, office_db):
    access.create_operator(office_db, "管理", "admin-pass", access.ADMIN)
    access.login(office_db, "管理", "admin-pass")
    access.create_operator(office_db, "查看员", "viewer-pass", access.VIEWER)
    access.login(office_db, "查看员", "viewer-pass")
    window = MainWindow(office_db)
    qtbot.addWidget(window)
    settings_screen = window.show_screen("settings")
    titles = [settings_screen.tabs.tabText(i) for i in range(settings_screen.tabs.count())]
    assert "备份与恢复" in titles and "操作日志" not in titles and "操作员" not in titles
    assert not settings_screen.backups_screen.restore_file_button.isEnabled()


def test_login_dialog(qtbot, db):
    access.create_operator(db, "张三", "123456", access.ADMIN)
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    assert not dialog.try_login("张三", "wrong")
    assert "不对" in dialog.message.text()
    assert dialog.try_login("张三", "123456") and db.role == access.ADMIN


def test_idle_lock_asks_for_the_password_again(qtbot, db):
    access.create_operator(db, "张三", "123456", access.ADMIN)
    access.login(db, "张三", "123456")
    now = [1000.0]
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.ask_unlock = lambda: None
    window.idle_watcher.clock = lambda: now[0]
    window.idle_watcher.poke()
    now[0] += 9 * 60
    assert not window.idle_watcher.check() and not window.locked
    now[0] += 2 * 60  # default: 10 minutes
    assert window.idle_watcher.check()
    assert window.locked and not window.centralWidget().isVisible() and not window.menuBar().isEnabled()
    assert not window.unlock("wrong")
    assert window.locked
    assert window.unlock("123456")
    assert not window.locked and window.menuBar().isEnabled()


def test_no_lock_without_operators(qtbot, db):
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.ask_unlock = lambda: pytest.fail("no lock on a fresh install")
    window.idle_watcher.clock = lambda: 10**9
    assert not window.idle_watcher.check()
    window.lock()
    assert not window.locked


def test_first_operator_made_in_the_window_turns_idle_locking_on(qtbot, db):
    window = MainWindow(db)
    qtbot.addWidget(window)
    assert not window.idle_watcher.timer.isActive()  # nobody to log in again: nothing to lock
    users = window.show_screen("settings").users_screen
    assert users.add_operator("张三", "123456", access.ADMIN)
    assert window.idle_watcher.timer.isActive()
    window.ask_unlock = lambda: None
    window.idle_watcher.clock = lambda: 10**9
    assert window.idle_watcher.check() and window.locked


def test_idle_watcher_counts_activity(qtbot):
    now = [0.0]
    watcher = IdleWatcher(lambda: 1, clock=lambda: now[0])
    now[0] = 59
    assert not watcher.check()
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtCore import Qt

    watcher.eventFilter(None, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier))
    now[0] = 100
    assert not watcher.check()
    now[0] = 120
    assert watcher.check()


def test_restore_from_the_main_window_reopens_every_screen(qtbot, office_db, tmp_path):
    access.create_operator(office_db, "管理", "admin-pass", access.ADMIN)
    access.login(office_db, "管理", "admin-pass")
    good = tmp_path / "good.db"
    backups.copy_to(office_db, good)
    member_id = office_db.execute("SELECT id FROM member LIMIT 1").fetchone()[0]
    members.update(office_db, member_id, member={"note": "恢复后消失"})
    window = MainWindow(office_db)
    qtbot.addWidget(window)
    window.ask_login = lambda db: pytest.fail("the login carries over to the restored file")
    screen = window.show_screen("settings").backups_screen
    screen.confirm = lambda message: True
    screen.show_info = lambda message: None
    assert screen.restore_from(good)
    assert window.db is not office_db and window.db.role == access.ADMIN and window.db.operator == "管理"
    assert members.get(window.db, member_id).note is None
    from core import audit

    assert audit.entries(window.db, action="restore")[0].operator == "管理"
    assert window.show_screen("settings").backups_screen.db is window.db
    window.db.close()


def test_any_operator_changes_their_own_password_from_the_menu(qtbot, db):
    access.create_operator(db, "张三", "123456", access.ADMIN)
    access.login(db, "张三", "123456")
    access.create_operator(db, "李四", "654321", access.VIEWER)
    access.login(db, "李四", "654321")
    window = MainWindow(db)
    qtbot.addWidget(window)
    assert window.password_action.isEnabled()
    answers = iter(["654321", "new-pass-1", "new-pass-1"])
    window.ask_password = lambda title, label: next(answers)
    window.show_info = lambda message: None
    window.password_action.trigger()
    access.login(db, "李四", "new-pass-1")
