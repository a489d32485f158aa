"""The main window: navigation on the left, the current screen on the right, the open file below."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QFileDialog, QFrame, QHBoxLayout, QLabel, QLayout, QListWidget, QListWidgetItem, QMainWindow,
    QMessageBox, QScrollArea, QStackedWidget, QTabWidget, QWidget,
)

from core import access, settings
from core.db import Db, backup_to, open_db
from core.errors import UserError
from gui import icons, style
from gui.app import APP_NAME, AppSignals
from gui.base import Screen
from gui.login import IdleWatcher, LoginDialog


class PageStack(QStackedWidget):
    """A stack as large as its current page needs, not its largest page: inside the scroll area, one tall
    or wide screen must not make every other screen scroll."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.currentChanged.connect(self._on_current_changed)

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint().expandedTo(page.minimumSize()) if page is not None else QSize(0, 0)

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else QSize(0, 0)

    def _on_current_changed(self, index: int) -> None:
        self.updateGeometry()


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    title: str
    factory: Callable[[Db, AppSignals], Screen]


def screen_specs() -> list[ScreenSpec]:
    """Every working screen, in the order of design.md's navigation list."""
    from gui.dashboard_screen import DashboardScreen
    from gui.letters_screen import LettersScreen
    from gui.meetings_screen import MeetingsScreen
    from gui.problems_screen import ProblemsScreen
    from gui.reports_screen import ReportsScreen
    from gui.roster_screen import RosterScreen
    from gui.settings_screen import SettingsScreen
    from gui.visits_screen import VisitsScreen
    from gui.volunteers_screen import VolunteersScreen

    return [
        ScreenSpec("dashboard", "工作台", DashboardScreen),
        ScreenSpec("roster", "党员名册", RosterScreen),
        ScreenSpec("meetings", "三会一课", MeetingsScreen),
        ScreenSpec("visits", "五必问走访", VisitsScreen),
        ScreenSpec("problems", "问题台账", ProblemsScreen),
        ScreenSpec("volunteers", "志愿服务", VolunteersScreen),
        ScreenSpec("letters", "责任书", LettersScreen),
        ScreenSpec("reports", "报表", ReportsScreen),
        ScreenSpec("settings", "设置", SettingsScreen),
    ]


class MainWindow(QMainWindow):
    daily_backup_done = Signal(object)  # the backup file, or None when none was due or it failed

    def __init__(self, db: Db):
        super().__init__()
        self.db = db
        self.signals = AppSignals(self)
        self.screens: dict[str, Screen] = {}
        self._build_ui()
        self._build_menus()
        self._load_screens()
        style.notifier().font_size_changed.connect(self._on_style_font_size_changed)
        self.resize(1280, 800)
        self.locked = False
        self._unlock_dialog = None
        self.idle_watcher = IdleWatcher(self._lock_minutes, parent=self)
        self.idle_watcher.idled.connect(self._on_idle_watcher_idled)
        QApplication.instance().installEventFilter(self.idle_watcher)
        self.idle_watcher.start()

    def _build_ui(self) -> None:
        self.nav = QListWidget()
        self._fit_navigation()
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setObjectName("navigation")  # its look is in gui/style.py
        self.nav.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stack = PageStack()
        # At a large font a screen may need more width than a small monitor has: scroll, never clip.
        self.stack_scroll = QScrollArea()
        self.stack_scroll.setWidgetResizable(True)
        self.stack_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.stack_scroll.setWidget(self.stack)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack_scroll, 1)
        self.setCentralWidget(central)
        self.db_label = QLabel()
        self.operator_label = QLabel()
        self.statusBar().addWidget(self.operator_label)
        self.statusBar().addPermanentWidget(self.db_label)
        self.nav.currentRowChanged.connect(self._on_nav_current_row_changed)

    def _fit_navigation(self) -> None:
        """As wide as the longest entry at the current font size (older eyes choose 大/特大)."""
        self.nav.ensurePolished()
        self.nav.setFixedWidth(max(150, self.nav.sizeHintForColumn(0) + 16))

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and hasattr(self, "nav"):
            self._fit_navigation()
        super().changeEvent(event)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("文件(&F)")
        self.new_db_action = QAction("新建数据库…", self)
        self.open_db_action = QAction("打开数据库…", self)
        self.open_db_action.setShortcut(QKeySequence.StandardKey.Open)
        self.backup_action = QAction("备份数据库…", self)
        self.password_action = QAction("修改我的密码…", self)
        self.lock_action = QAction("锁定", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.quit_action = QAction("退出", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        for action in (self.new_db_action, self.open_db_action, self.backup_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.password_action)
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.quit_action)
        help_menu = self.menuBar().addMenu("帮助(&H)")
        self.about_action = QAction("关于", self)
        help_menu.addAction(self.about_action)
        self.new_db_action.triggered.connect(self._on_new_db_action_triggered)
        self.open_db_action.triggered.connect(self._on_open_db_action_triggered)
        self.backup_action.triggered.connect(self._on_backup_action_triggered)
        self.lock_action.triggered.connect(self._on_lock_action_triggered)
        self.password_action.triggered.connect(self._on_password_action_triggered)
        self.quit_action.triggered.connect(self.close)
        self.about_action.triggered.connect(self._on_about_action_triggered)

    def _load_screens(self) -> None:
        """(Re)build the navigation; each screen is built the first time it is shown."""
        current = self.current_key()
        self.nav.blockSignals(True)
        self.nav.clear()
        while self.stack.count():
            widget = self.stack.widget(0)
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self.screens.clear()
        self.specs = screen_specs()
        for spec in self.specs:
            self.stack.addWidget(QWidget())  # replaced by the screen on first show
            item = QListWidgetItem(icons.icon(spec.key), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.nav.addItem(item)
        self.nav.blockSignals(False)
        self._fit_navigation()
        keys = [spec.key for spec in self.specs]
        self.show_screen(current if current in keys else keys[0])
        self._update_title()

    def screen(self, key: str) -> Screen:
        """The screen for key, built now if it has not been shown yet."""
        if key not in self.screens:
            row = [spec.key for spec in self.specs].index(key)
            screen = self.specs[row].factory(self.db, self.signals)
            icons.decorate(screen)
            placeholder = self.stack.widget(row)
            self.stack.insertWidget(row, screen)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.screens[key] = screen
        return self.screens[key]

    def _update_title(self) -> None:
        office = settings.get(self.db, "office_name")
        self.setWindowTitle(f"{APP_NAME} — {office}")
        self.db_label.setText(f"数据库：{self.db.path or '内存'}")
        who = f"操作员：{self.db.operator}（{self.db.role}）　" if access.has_operators(self.db) and self.db.role else ""
        self.operator_label.setText(who)
        self.lock_action.setEnabled(access.has_operators(self.db))
        self.password_action.setEnabled(access.has_operators(self.db) and bool(self.db.role))

    # Public API tests and screenshots use ----------------------------------------------------------
    def current_key(self) -> str | None:
        item = self.nav.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def show_screen(self, key: str) -> Screen:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                screen = self.screen(key)
                self.nav.setCurrentRow(row)
                self.stack.setCurrentWidget(screen)
                return screen
        raise KeyError(key)

    def switch_database(self, path: Path, keep_login: bool = False) -> None:
        """Open another file (or the same one after a restore). A file with operators asks for a login,
        unless keep_login and the current operator exists there too."""
        new_db = open_db(path, operator=self.db.operator)
        if access.has_operators(new_db):
            if not (keep_login and self.db.role and access.resume(new_db, self.db.operator)) and not self.ask_login(new_db):
                new_db.close()
                raise UserError("没有登录，未打开该数据库。")
        old = self.db
        self.db = new_db
        self._load_screens()
        old.close()

    # Locking -------------------------------------------------------------------------------------
    def _lock_minutes(self) -> int:
        try:
            return int(settings.get(self.db, "lock_idle_minutes")) if access.has_operators(self.db) else 0
        except Exception:  # a closed or swapped connection while the timer fires: do not lock
            return 0

    def lock(self) -> None:
        """Hide everything until the operator's password is given again."""
        if self.locked or not access.has_operators(self.db):
            return
        self.locked = True
        self.idle_watcher.paused = True
        self.centralWidget().setVisible(False)
        self.menuBar().setEnabled(False)
        self.ask_unlock()

    def unlock(self, password: str) -> bool:
        if not self.locked or not access.verify_current(self.db, password):
            return False
        self._unlocked()
        return True

    def _unlocked(self) -> None:
        self.locked = False
        self.centralWidget().setVisible(True)
        self.menuBar().setEnabled(True)
        self.idle_watcher.paused = False
        self.idle_watcher.poke()

    def start_daily_backup(self) -> None:
        """The first start of a day copies the database, in the background so the window opens at once."""
        from core import backups
        from gui.task import BackgroundTask

        if self.db.path is None:
            return
        path, operator, role = self.db.path, self.db.operator, self.db.role

        def work(progress, cancelled):
            db = open_db(path, operator=operator, role=role)
            try:
                return backups.daily_backup_if_due(db)
            finally:
                db.close()

        self.backup_task = BackgroundTask(work, self)
        self.backup_task.succeeded.connect(self._on_backup_task_succeeded)
        self.backup_task.failed.connect(self._on_backup_task_failed)
        self.backup_task.start()

    def _on_backup_task_succeeded(self, path) -> None:
        if path is not None:
            self.statusBar().showMessage(f"今日自动备份已完成：{Path(path).name}", 15000)
        self.daily_backup_done.emit(path)

    def _on_backup_task_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"今日自动备份失败：{message}")
        self.daily_backup_done.emit(None)

    def wait_for_background_work(self) -> None:
        task = getattr(self, "backup_task", None)
        if task is not None and task.is_running():
            task.wait()

    def closeEvent(self, event) -> None:
        self.wait_for_background_work()
        QApplication.instance().removeEventFilter(self.idle_watcher)
        self.idle_watcher.stop()
        super().closeEvent(event)

    # Dialogs a test can replace ----------------------------------------------------------------------
    def ask_login(self, db: Db) -> bool:
        return LoginDialog(db, self).exec() == LoginDialog.DialogCode.Accepted

    def ask_password(self, title: str, label: str) -> str | None:
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        value, ok = QInputDialog.getText(self, title, label, QLineEdit.EchoMode.Password)
        return value if ok else None

    def change_password(self, old: str, new: str) -> bool:
        try:
            access.change_own_password(self.db, old, new)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.show_info("密码已修改，下次登录请用新密码。")
        return True

    def ask_unlock(self) -> None:
        """Window-modal, not blocking: unlocking calls _unlocked, giving up closes the program."""
        dialog = LoginDialog(self.db, self, locked_as=self.db.operator)
        dialog.accepted.connect(self._unlocked)
        dialog.rejected.connect(self.close)
        self._unlock_dialog = dialog
        dialog.open()

    def ask_save_path(self, title: str, suggested: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self, title, suggested, filters)[0]

    def ask_open_path(self, title: str, filters: str) -> str:
        return QFileDialog.getOpenFileName(self, title, "", filters)[0]

    def show_error(self, message: str) -> None:
        QMessageBox.warning(self, "提示", message)

    def show_info(self, message: str) -> None:
        QMessageBox.information(self, "提示", message)

    # Slots ---------------------------------------------------------------------------------------
    def _on_nav_current_row_changed(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentWidget(self.screen(self.specs[row].key))

    def _on_style_font_size_changed(self, size: str) -> None:
        # Fonts and row heights follow at once; column widths and box sizes were set when each screen was
        # built, so rebuild the screens (after the settings slot that asked for it has returned).
        QTimer.singleShot(0, self, self.rebuild_screens)

    def rebuild_screens(self) -> None:
        """Build every screen again at the current font size, keeping the screen and tab the user is on."""
        if not self.isVisible():  # a closed window (its database may be closed too) has nothing to show
            return
        key = self.current_key()
        tabs = self.screens[key].findChild(QTabWidget) if key in self.screens else None
        tab = tabs.currentIndex() if tabs is not None else 0
        self._load_screens()
        tabs = self.screen(key).findChild(QTabWidget) if key else None
        if tabs is not None:
            tabs.setCurrentIndex(tab)

    def _on_new_db_action_triggered(self) -> None:
        path = self.ask_save_path("新建数据库", "党建台账.db", "数据库文件 (*.db)")
        if not path:
            return
        if Path(path).exists():
            self.show_error("该文件已存在。新建数据库请选择一个新的文件名；要打开已有文件请用“打开数据库”。")
            return
        self._switch(Path(path))

    def _on_open_db_action_triggered(self) -> None:
        path = self.ask_open_path("打开数据库", "数据库文件 (*.db);;所有文件 (*)")
        if path:
            self._switch(Path(path))

    def _switch(self, path: Path) -> None:
        try:
            self.switch_database(path)
        except UserError as exc:
            self.show_error(str(exc))

    def _on_backup_action_triggered(self) -> None:
        stem = (self.db.path.stem if self.db.path else "党建台账")
        path = self.ask_save_path("备份数据库", f"{stem}-备份.db", "数据库文件 (*.db)")
        if not path:
            return
        if self.db.path and Path(path).resolve() == self.db.path.resolve():
            self.show_error("备份文件不能与当前数据库是同一个文件，请换一个文件名。")
            return
        try:
            access.require(self.db, "backup")
            backup_to(self.db, Path(path))
        except UserError as exc:
            self.show_error(str(exc))
            return
        except OSError as exc:
            self.show_error(f"备份失败：{exc}。请确认目标文件夹可以写入（U 盘是否插好）。")
            return
        self.show_info(f"已备份到 {path}")

    def _on_idle_watcher_idled(self) -> None:
        self.lock()

    def _on_password_action_triggered(self) -> None:
        old = self.ask_password("修改我的密码", "原密码：")
        if old is None:
            return
        new = self.ask_password("修改我的密码", "新密码（至少 6 位）：")
        if new is None:
            return
        if self.ask_password("修改我的密码", "再输入一次新密码：") != new:
            self.show_error("两次输入的新密码不一致，密码没有修改。")
            return
        self.change_password(old, new)

    def _on_lock_action_triggered(self) -> None:
        self.lock()

    def _on_about_action_triggered(self) -> None:
        from main import __version__

        self.show_info(f"{APP_NAME}\n版本 {__version__}\n数据库：{self.db.path or '内存'}")
