"""The main window: navigation on the left, the current screen on the right, the open file below."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QFrame, QHBoxLayout, QLabel, QLayout, QListWidget, QListWidgetItem, QMainWindow, QMenu, QPushButton,
    QScrollArea, QStackedWidget, QTabWidget, QWidget,
)

from core import access, settings, undo
from core.db import Db, backup_to, open_db
from core.errors import UserError
from gui import icons, style, window_state
from gui.app import APP_NAME, AppSignals
from gui.base import Screen
from gui.idle import IdleWatcher


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
    module: str  # imported on first show: the window opens without loading every screen's code
    class_name: str

    def factory(self, db: Db, signals: AppSignals) -> Screen:
        return getattr(importlib.import_module(self.module), self.class_name)(db, signals)


def screen_specs() -> list[ScreenSpec]:
    """Every working screen, in the order of design.md's navigation list."""
    return [
        ScreenSpec("dashboard", "工作台", "gui.dashboard_screen", "DashboardScreen"),
        ScreenSpec("roster", "党员名册", "gui.roster_screen", "RosterScreen"),
        ScreenSpec("meetings", "三会一课", "gui.meetings_screen", "MeetingsScreen"),
        ScreenSpec("visits", "五必问走访", "gui.visits_screen", "VisitsScreen"),
        ScreenSpec("problems", "问题台账", "gui.problems_screen", "ProblemsScreen"),
        ScreenSpec("volunteers", "志愿服务", "gui.volunteers_screen", "VolunteersScreen"),
        ScreenSpec("letters", "责任书", "gui.letters_screen", "LettersScreen"),
        ScreenSpec("reports", "报表", "gui.reports_screen", "ReportsScreen"),
        ScreenSpec("settings", "设置", "gui.settings_screen", "SettingsScreen"),
    ]


class MainWindow(QMainWindow):
    daily_backup_done = Signal(object)  # the backup file, or None when none was due or it failed

    def __init__(self, db: Db, remember_layout: bool = True):
        """remember_layout: restore and save window size, splitters and the recent-files list (off for
        screenshots, which must look the same on every PC)."""
        super().__init__()
        self.db = db
        self.remember_layout = remember_layout
        self.locked = False
        self.signals = AppSignals(self)
        self.screens: dict[str, Screen] = {}
        self._build_ui()
        self._build_menus()
        self._build_undo()
        self._load_screens()
        style.notifier().font_size_changed.connect(self._on_style_font_size_changed)
        self.resize(1280, 800)
        if remember_layout:
            self.restore_layout()
            if db.path is not None:
                window_state.add_recent_database(db.path)
        self._unlock_dialog = None
        self.idle_watcher = IdleWatcher(self._lock_minutes, parent=self)
        self.idle_watcher.idled.connect(self._on_idle_watcher_idled)
        self._idle_watched = False
        self._watch_idle()

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
        """文件, 编辑, 视图, 帮助. 新建/保存/查找/打印 act on the screen in front (see Screen.command_slots)."""
        bar = self.menuBar()
        self.file_menu = bar.addMenu("文件(&F)")
        self.new_db_action = QAction("新建数据库…", self)
        self.open_db_action = QAction("打开数据库…", self)
        self.open_db_action.setShortcut(QKeySequence.StandardKey.Open)
        self.recent_menu = QMenu("最近打开(&R)", self)
        self.backup_action = QAction("备份数据库…", self)
        self.print_action = QAction("打印…", self)
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.password_action = QAction("修改我的密码…", self)
        self.lock_action = QAction("锁定", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.quit_action = QAction("退出(&X)", self)
        # Windows has no standard quit key; Ctrl+Q is what most programs there use too.
        quit_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcuts(quit_keys or [QKeySequence("Ctrl+Q")])
        self.file_menu.addAction(self.new_db_action)
        self.file_menu.addAction(self.open_db_action)
        self.file_menu.addMenu(self.recent_menu)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.backup_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.print_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.password_action)
        self.file_menu.addAction(self.lock_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)

        # The undo helper adds 撤销删除 at the top of this menu (self.edit_menu).
        self.edit_menu = bar.addMenu("编辑(&E)")
        self.new_action = QAction("新建", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.save_action = QAction("保存", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.find_action = QAction("查找", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.edit_menu.addAction(self.new_action)
        self.edit_menu.addAction(self.save_action)
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.find_action)
        # Menu command -> (action, the words it shows when the screen in front does not offer it)
        self.command_actions: dict[str, tuple[QAction, str]] = {
            "new": (self.new_action, "新建"), "save": (self.save_action, "保存"),
            "find": (self.find_action, "查找"), "print": (self.print_action, "打印…"),
        }

        self.view_menu = bar.addMenu("视图(&V)")
        self.screen_actions = QActionGroup(self)
        self.screen_actions.setExclusive(True)
        self.refresh_action = QAction("刷新", self)
        self.refresh_action.setShortcuts(QKeySequence.StandardKey.Refresh)

        self.help_menu = bar.addMenu("帮助(&H)")
        self.guide_action = QAction("用户手册", self)
        self.guide_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.help_menu.addAction(self.guide_action)
        self.about_action = QAction("关于", self)
        self.help_menu.addAction(self.about_action)

        self.new_db_action.triggered.connect(self._on_new_db_action_triggered)
        self.open_db_action.triggered.connect(self._on_open_db_action_triggered)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.backup_action.triggered.connect(self._on_backup_action_triggered)
        self.lock_action.triggered.connect(self._on_lock_action_triggered)
        self.password_action.triggered.connect(self._on_password_action_triggered)
        self.quit_action.triggered.connect(self._on_quit_action_triggered)
        self.about_action.triggered.connect(self._on_about_action_triggered)
        self.guide_action.triggered.connect(self._on_guide_action_triggered)
        for name, (action, _label) in self.command_actions.items():
            action.triggered.connect(lambda _checked=False, n=name: self.run_command(n))
        self.refresh_action.triggered.connect(self._on_refresh_action_triggered)
        for menu in (self.file_menu, self.edit_menu):
            menu.aboutToShow.connect(self.update_commands)
        self.signals.data_changed.connect(self._on_signals_data_changed)

    def _fill_view_menu(self) -> None:
        """One entry per screen (Ctrl+1, Ctrl+2, …), then 刷新."""
        self.view_menu.clear()
        for action in self.screen_actions.actions():
            self.screen_actions.removeAction(action)
            action.deleteLater()
        for number, spec in enumerate(self.specs, start=1):
            action = QAction(spec.title, self)
            action.setCheckable(True)
            action.setData(spec.key)
            if number <= 9:
                action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, key=spec.key: self.show_screen(key))
            self.screen_actions.addAction(action)
            self.view_menu.addAction(action)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.refresh_action)

    def _fill_recent_menu(self) -> None:
        """The last opened files; the open one is ticked, missing ones greyed out (a USB stick may be out)."""
        self.recent_menu.clear()
        paths = window_state.recent_databases()
        current = self.db.path.resolve() if self.db.path else None
        missing = 0
        for number, path in enumerate(paths, start=1):
            exists = path.is_file()
            missing += not exists
            note = "　— 找不到该文件" if not exists else "　— 正在使用" if path == current else ""
            label = f"&{number} {path.name}　（{path.parent}）{note}"
            action = self.recent_menu.addAction(label)
            action.setData(str(path))
            action.setToolTip(str(path))
            action.setEnabled(exists and path != current)
            action.setCheckable(path == current)
            action.setChecked(path == current)
            action.triggered.connect(lambda _checked=False, p=path: self.open_recent(p))
        if not paths:
            self.recent_menu.addAction("（还没有打开过其他数据库）").setEnabled(False)
        if missing:
            self.recent_menu.addSeparator()
            forget = self.recent_menu.addAction(f"从列表中去掉找不到的 {missing} 个文件")
            forget.triggered.connect(self._on_forget_missing_action_triggered)

    # Commands of the screen in front -----------------------------------------------------------------
    def current_screen(self) -> Screen | None:
        key = self.current_key()
        return self.screens.get(key) if key else None

    def update_commands(self) -> None:
        """Enable 新建/保存/查找/打印 where the screen in front offers them, and say what they will do."""
        screen = self.current_screen()
        offered = screen.commands() if screen is not None else {}
        for name, (action, generic) in self.command_actions.items():
            label = offered.get(name)
            action.setEnabled(label is not None and not self.locked)
            action.setText(label or generic)  # e.g. "新增党员…" on the roster, plain "新建" (greyed) elsewhere
        key = self.current_key()
        for action in self.screen_actions.actions():
            action.setChecked(action.data() == key)
            action.setEnabled(not self.locked)
        self.refresh_action.setEnabled(not self.locked)

    def run_command(self, name: str) -> bool:
        """新建 / 保存 / 查找 / 打印 on the screen in front; False if it does not offer that command."""
        screen = self.current_screen()
        if screen is None or self.locked:
            return False
        return screen.run_command(name)

    def open_recent(self, path: Path) -> bool:
        path = Path(path)
        if not path.is_file():
            self.show_error(f"找不到数据库文件：\n{path}\n\n它可能已被移动、改名或删除，或者在未插好的 U 盘上。"
                            "请插好 U 盘后再试，或用“文件 → 打开数据库”找到它。")
            return False
        if self.db.path is not None and path.resolve() == self.db.path.resolve():
            return True
        return self._switch(path)

    def _on_forget_missing_action_triggered(self) -> None:
        count = window_state.forget_missing_databases()
        self.statusBar().showMessage(f"已从“最近打开”中去掉 {count} 个找不到的文件。", 8000)

    def _on_refresh_action_triggered(self) -> None:
        screen = self.current_screen()
        if screen is not None and not self.locked:
            screen.refresh()
            self.statusBar().showMessage(f"{screen.title}已刷新。", 3000)

    def _on_signals_data_changed(self, area: str) -> None:
        self.update_commands()
        if area == "users":  # the first operator turns login, and so locking when idle, on
            self._watch_idle()

    def _watch_idle(self) -> None:
        """Watch the keyboard and mouse only where the file has operators (locking needs a login): otherwise
        every event of the whole program would pass through Python for nothing."""
        wanted = access.has_operators(self.db)
        if wanted and not self._idle_watched:
            QApplication.instance().installEventFilter(self.idle_watcher)
            self.idle_watcher.start()
        elif not wanted and self._idle_watched:
            QApplication.instance().removeEventFilter(self.idle_watcher)
            self.idle_watcher.stop()
        self._idle_watched = wanted

    # Remembered layout -------------------------------------------------------------------------------
    def restore_layout(self) -> None:
        settings = window_state.store()
        geometry = settings.value("main_window/geometry")
        if geometry:
            self.restoreGeometry(geometry)
        state = settings.value("main_window/state")
        if state:
            self.restoreState(state)

    def save_layout(self) -> None:
        """Window size and place, and each built screen's splitters and columns, for the next start."""
        if not self.remember_layout:
            return
        settings = window_state.store()
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/state", self.saveState())
        settings.sync()
        self.save_screen_layouts()

    def save_screen_layouts(self) -> None:
        if not self.remember_layout:
            return
        for key, screen in self.screens.items():
            window_state.save_screen_layout(key, screen.layout_state())

    def _load_screens(self) -> None:
        """(Re)build the navigation; each screen is built the first time it is shown."""
        current = self.current_key()
        self.save_screen_layouts()  # the screens of the file being closed: their splitters outlive them
        self.nav.blockSignals(True)
        self.nav.clear()
        self.shutdown_screens()
        while self.stack.count():
            widget = self.stack.widget(0)
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self.screens.clear()
        self.specs = screen_specs()
        for number, spec in enumerate(self.specs, start=1):
            self.stack.addWidget(QWidget())  # replaced by the screen on first show
            item = QListWidgetItem(icons.icon(spec.key), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            if number <= 9:
                item.setToolTip(f"{spec.title}（Ctrl+{number}）")
            self.nav.addItem(item)
        self.nav.blockSignals(False)
        self._fill_view_menu()
        self._fit_navigation()
        keys = [spec.key for spec in self.specs]
        self.show_screen(current if current in keys else keys[0])
        self._update_title()
        self._refresh_undo()

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
            if self.remember_layout:
                screen.restore_layout_state(window_state.screen_layout(key))
            # What 新建/保存/查找/打印 do often depends on the tab in front.
            for tabs in screen.findChildren(QTabWidget):
                tabs.currentChanged.connect(self._on_screen_tab_changed)
            screen.commands_changed.connect(self.update_commands)
        return self.screens[key]

    def _on_screen_tab_changed(self, _index: int) -> None:
        self.update_commands()

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
                self.update_commands()
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
        self._watch_idle()
        old.close()
        if self.remember_layout and new_db.path is not None:
            window_state.add_recent_database(new_db.path)

    # Undo of the last deletion -------------------------------------------------------------------
    def _build_undo(self) -> None:
        """编辑 → 撤销删除 (Ctrl+Z) and, after a deletion, "已删除：… [撤销]" in the status bar."""
        menu = self.edit_menu
        self.undo_delete_action = QAction("撤销删除", self)
        self.undo_delete_action.setShortcut(QKeySequence.StandardKey.Undo)
        first = menu.actions()[0] if menu.actions() else None
        menu.insertAction(first, self.undo_delete_action)
        menu.insertSeparator(first)
        self.undo_bar = QWidget()
        bar = QHBoxLayout(self.undo_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        self.undo_label = QLabel()
        self.undo_button = QPushButton("撤销")
        self.undo_button.setToolTip("把刚才删除的记录恢复回来（Ctrl+Z）")
        bar.addWidget(self.undo_label)
        bar.addWidget(self.undo_button)
        self.statusBar().addWidget(self.undo_bar)
        self.undo_bar.hide()
        self._deleted_here: set[int] = set()  # deletions made in this window: undone without asking
        self._undo_db = self.db  # _deleted_here belongs to this file; another file starts afresh
        self.undo_delete_action.triggered.connect(self._on_undo_delete_action_triggered)
        self.undo_button.clicked.connect(self._on_undo_delete_action_triggered)
        menu.aboutToShow.connect(self._refresh_undo)
        self.signals.deleted.connect(self._on_signals_deleted)
        self.signals.data_changed.connect(self._refresh_undo)

    def _refresh_undo(self, *_args) -> None:
        if self._undo_db is not self.db:
            self._undo_db = self.db
            self._deleted_here.clear()
        item = undo.last(self.db)
        self.undo_delete_action.setEnabled(item is not None)
        self.undo_delete_action.setStatusTip(f"恢复最近删除的{item.describe()}" if item else undo.NOTHING_MESSAGE)
        if item is None or item.id not in self._deleted_here:
            self.undo_bar.hide()

    def _on_signals_deleted(self, item: undo.Deletion) -> None:
        self._deleted_here.add(item.id)
        self.undo_label.setText(f"已删除：{item.label}")
        self.undo_bar.show()
        self._refresh_undo()

    def undo_last_deletion(self) -> bool:
        """Put back the newest deletion and refresh the screens that show it; True when restored."""
        item = undo.last(self.db)
        if item is None:
            self.show_info(undo.NOTHING_MESSAGE)
            return False
        if item.id not in self._deleted_here and not self.confirm_undo(f"恢复最近删除的{item.describe()}？"):
            return False
        try:
            restored = undo.restore_last(self.db)
        except UserError as exc:
            self.show_error(str(exc))
            self._refresh_undo()
            return False
        self._deleted_here.discard(restored.id)
        self.undo_bar.hide()
        for area in restored.areas:
            self.signals.data_changed.emit(area)
        self._refresh_undo()
        self.statusBar().showMessage(f"已恢复：{restored.label}", 15000)
        return True

    def _on_undo_delete_action_triggered(self, *_args) -> None:
        self.undo_last_deletion()

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
        self.update_commands()
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
        self.update_commands()
        self.idle_watcher.paused = False
        self.idle_watcher.poke()

    def start_daily_backup(self) -> None:
        """The first start of a day copies the database, in the background so the window opens at once."""
        from gui.task import BackgroundTask

        if self.db.path is None:
            return
        path, operator, role = self.db.path, self.db.operator, self.db.role

        def work(progress, cancelled):
            from core import backups  # loaded in the worker, not while the window is being shown

            db = open_db(path, operator=operator, role=role)
            try:
                return backups.daily_backup_if_due(db)
            finally:
                db.close()

        self.backup_task = BackgroundTask(work, self)
        self.backup_task.succeeded.connect(self._on_backup_task_succeeded)
        self.backup_task.failed.connect(self._on_backup_task_failed)
        self.backup_task.start(deferred=True)  # at program start, after the window has painted

    def _on_backup_task_succeeded(self, path) -> None:
        if path is not None:
            self.statusBar().showMessage(f"今日自动备份已完成：{Path(path).name}", 15000)
        self.daily_backup_done.emit(path)

    def _on_backup_task_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"今日自动备份失败：{message}")
        self.daily_backup_done.emit(None)

    def shutdown_screens(self) -> None:
        for screen in self.screens.values():
            screen.shutdown()

    def wait_for_background_work(self) -> None:
        self.shutdown_screens()
        task = getattr(self, "backup_task", None)
        if task is not None and task.is_running():
            task.wait()

    def _on_quit_action_triggered(self) -> None:
        if self.may_discard_unsaved_input("关闭程序"):
            self._discard_confirmed = True
            self.close()
            self._discard_confirmed = False

    def closeEvent(self, event) -> None:
        # The user closing the window (title bar, Alt+F4) is asked about unsaved typing; 退出 asked already.
        if event.spontaneous() and not getattr(self, "_discard_confirmed", False) \
                and not self.may_discard_unsaved_input("关闭程序"):
            event.ignore()
            return
        self.save_layout()
        self.wait_for_background_work()
        QApplication.instance().removeEventFilter(self.idle_watcher)
        self.idle_watcher.stop()
        self._idle_watched = False
        super().closeEvent(event)

    # Dialogs a test can replace ----------------------------------------------------------------------
    def ask_login(self, db: Db) -> bool:
        from gui.login import LoginDialog

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
        from gui.login import LoginDialog

        dialog = LoginDialog(self.db, self, locked_as=self.db.operator)
        dialog.accepted.connect(self._unlocked)
        dialog.rejected.connect(self.close)
        self._unlock_dialog = dialog
        dialog.open()

    # The dialogs' classes load when first needed: making their Python enums costs ~5 ms of every start.
    def ask_save_path(self, title: str, suggested: str, filters: str) -> str:
        from PySide6.QtWidgets import QFileDialog

        return QFileDialog.getSaveFileName(self, title, suggested, filters)[0]

    def ask_open_path(self, title: str, filters: str) -> str:
        from PySide6.QtWidgets import QFileDialog

        folder = str(self.db.path.parent) if self.db.path else ""  # other offices' files usually sit beside it
        return QFileDialog.getOpenFileName(self, title, folder, filters)[0]

    def show_error(self, message: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(self, "提示", message)

    def confirm_discard(self, message: str) -> bool:
        return QMessageBox.question(self, "内容尚未保存", message) == QMessageBox.StandardButton.Yes

    def confirm_undo(self, message: str) -> bool:
        from PySide6.QtWidgets import QMessageBox

        return QMessageBox.question(self, "撤销删除", message) == QMessageBox.StandardButton.Yes

    def show_info(self, message: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.information(self, "提示", message)

    # Slots ---------------------------------------------------------------------------------------
    def _on_nav_current_row_changed(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentWidget(self.screen(self.specs[row].key))
            self.update_commands()

    def _on_style_font_size_changed(self, size: str) -> None:
        # Fonts and row heights follow at once; column widths and box sizes were set when each screen was
        # built, so rebuild the screens (after the settings slot that asked for it has returned).
        QTimer.singleShot(0, self, self.rebuild_screens)

    def screens_with_unsaved_input(self) -> list[str]:
        """Titles of the built screens holding typed input that is not saved yet."""
        return [screen.title for screen in self.screens.values() if screen.unsaved_input()]

    def may_discard_unsaved_input(self, doing: str) -> bool:
        """True when no form holds unsaved typing, or the user agrees to lose it for `doing`."""
        unsaved = self.screens_with_unsaved_input()
        return not unsaved or self.confirm_discard(
            f"“{'”“'.join(unsaved)}”里有还没保存的内容，{doing}会清空这些内容。\n\n仍要{doing}吗？（点“否”可以先回去保存）")

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

    def _switch(self, path: Path) -> bool:
        if not self.may_discard_unsaved_input("打开另一个数据库"):
            return False
        try:
            self.switch_database(path)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        return True

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

    def _on_guide_action_triggered(self) -> None:
        from gui.help_dialog import show_help

        show_help(self)

    def _on_about_action_triggered(self) -> None:
        from main import __version__

        self.show_info(f"{APP_NAME}\n版本 {__version__}\n数据库：{self.db.path or '内存'}")
