"""Desktop conventions: the menu bar's shortcuts act on the screen in front, recent databases, remembered
layout, Esc and Enter in dialogs, Tab in the order the form reads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPushButton, QSplitter

from core import meetings, members, orgs
from core.db import open_db
from gui import window_state
from gui.main_window import MainWindow
from tests.tab_order import order_violations, tab_chain

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

CTRL = Qt.KeyboardModifier.ControlModifier


def make_window(qtbot, db) -> MainWindow:
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.errors, window.infos = [], []
    window.show_error = window.errors.append
    window.show_info = window.infos.append
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    return window


@pytest.fixture
def window(qtbot, demo_db):
    return make_window(qtbot, demo_db)


def quiet(screen) -> None:
    """Screens' message boxes go to lists the test reads."""
    screen.errors, screen.infos = [], []
    screen.show_error = screen.errors.append
    screen.show_info = screen.infos.append
    screen.confirm = lambda message: True


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, key, modifier)


# The keys ----------------------------------------------------------------------------------------------

def test_menu_actions_carry_the_usual_keys(window):
    def keys(action):
        return [k.toString(QKeySequence.SequenceFormat.PortableText) for k in action.shortcuts()]

    assert keys(window.new_action) == ["Ctrl+N"]
    assert keys(window.save_action) == ["Ctrl+S"]
    assert keys(window.find_action) == ["Ctrl+F"]
    assert keys(window.print_action) == ["Ctrl+P"]
    assert keys(window.open_db_action) == ["Ctrl+O"]
    assert "F5" in keys(window.refresh_action)
    assert keys(window.quit_action) == ["Ctrl+Q"]
    views = window.screen_actions.actions()
    assert [a.text() for a in views] == [spec.title for spec in window.specs]
    assert [keys(a) for a in views] == [[f"Ctrl+{n}"] for n in range(1, len(views) + 1)]
    assert window.nav.item(1).toolTip() == "党员名册（Ctrl+2）"
    titles = [m.title() for m in (window.file_menu, window.edit_menu, window.view_menu, window.help_menu)]
    assert titles == ["文件(&F)", "编辑(&E)", "视图(&V)", "帮助(&H)"]
    assert window.recent_menu.menuAction() in window.file_menu.actions()
    assert window.print_action in window.file_menu.actions()


def test_ctrl_number_switches_screen(qtbot, window):
    press(qtbot, window, Qt.Key.Key_3, CTRL)
    assert window.current_key() == "meetings"
    press(qtbot, window, Qt.Key.Key_2, CTRL)
    assert window.current_key() == "roster"
    assert [a.isChecked() for a in window.screen_actions.actions()][:3] == [False, True, False]


def test_actions_follow_the_screen_in_front(window):
    window.show_screen("dashboard")
    assert not any(a.isEnabled() for a in (window.new_action, window.save_action, window.find_action,
                                           window.print_action))
    assert window.new_action.text() == "新建" and window.refresh_action.isEnabled()
    window.show_screen("roster")
    assert window.new_action.isEnabled() and window.new_action.text() == "新增党员…"
    assert window.find_action.isEnabled() and window.print_action.text() == "打印花名册…"
    assert not window.save_action.isEnabled()  # the roster has no form of its own to save
    window.show_screen("reports")
    assert not window.new_action.isEnabled() and window.print_action.isEnabled()


def test_actions_follow_the_tab_in_front(window):
    screen = window.show_screen("visits")
    assert window.save_action.text() == "保存走访" and window.new_action.text() == "新的走访"
    screen.tabs.setCurrentIndex(1)
    assert window.new_action.text() == "新增住户…" and not window.save_action.isEnabled()
    screen.tabs.setCurrentIndex(2)
    assert not window.new_action.isEnabled() and not window.print_action.isEnabled()
    assert window.find_action.isEnabled()
    screen.tabs.setCurrentIndex(3)
    assert window.save_action.text() == "保存规则"
    letters = window.show_screen("letters")
    letters.tabs.setCurrentIndex(1)
    assert window.new_action.text() == "新增责任书条目…"


def test_every_screen_offers_only_commands_it_runs(window):
    for spec in window.specs:
        screen = window.show_screen(spec.key)
        offered = screen.commands()
        assert set(offered) <= set(screen.COMMANDS)
        for name, (action, _generic) in window.command_actions.items():
            assert action.isEnabled() == (name in offered), (spec.key, name)


# Each command on its screen ------------------------------------------------------------------------

def test_ctrl_n_on_roster_opens_the_member_form(qtbot, window):
    screen = window.show_screen("roster")
    opened = []
    screen.open_member_dialog = lambda member_id=None: opened.append(member_id)
    press(qtbot, window, Qt.Key.Key_N, CTRL)
    assert opened == [None]


def test_ctrl_f_on_roster_puts_the_cursor_in_the_search_box(qtbot, window):
    screen = window.show_screen("roster")
    screen.search("张")
    screen.table.setFocus()
    press(qtbot, window, Qt.Key.Key_F, CTRL)
    assert screen.search_box.hasFocus()
    assert screen.search_box.selectedText() == "张"  # typing replaces the last search


def test_ctrl_p_on_roster_previews_the_branch_roster(qtbot, window):
    screen = window.show_screen("roster")
    quiet(screen)
    branch = orgs.branches(window.db)[0]
    screen.branch_filter.setCurrentIndex(screen.branch_filter.findData(branch.id))
    previewed = []
    screen.preview_pdf = previewed.append
    with qtbot.waitSignal(screen.pdf_ready, timeout=60000):
        press(qtbot, window, Qt.Key.Key_P, CTRL)
    assert len(previewed) == 1 and Path(previewed[0]).stat().st_size > 0
    assert branch.name in Path(previewed[0]).name


def test_ctrl_n_and_ctrl_s_on_meetings_record_a_meeting(qtbot, window):
    screen = window.show_screen("meetings")
    quiet(screen)
    press(qtbot, window, Qt.Key.Key_N, CTRL)
    assert screen.editor.meeting_id is None and screen.tabs.currentIndex() == 0
    screen.editor.topic_edit.setText("学习贯彻会议精神")
    before = window.db.execute("SELECT count(*) FROM meeting").fetchone()[0]
    with qtbot.waitSignal(screen.meeting_saved, timeout=5000):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    assert screen.errors == []
    assert window.db.execute("SELECT count(*) FROM meeting").fetchone()[0] == before + 1
    assert meetings.get_meeting(window.db, screen.editor.meeting_id).topic == "学习贯彻会议精神"


def test_ctrl_p_on_meetings_previews_the_ledger(qtbot, window):
    screen = window.show_screen("meetings")
    quiet(screen)
    previews = []
    screen.preview_pdf = lambda path, title: previews.append(title)
    press(qtbot, window, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: bool(previews or screen.errors), timeout=60000)
    assert previews == ["三会一课台账"]


def test_f5_refreshes_but_marks_attendance_inside_the_meeting_sheet(qtbot, window, monkeypatch):
    screen = window.show_screen("meetings")
    quiet(screen)
    refreshed = []
    monkeypatch.setattr(screen, "refresh", lambda: refreshed.append(True))
    screen.meeting_view.setFocus()
    press(qtbot, window, Qt.Key.Key_F5)
    assert refreshed == [True]

    editor = screen.new_meeting()
    sheet = editor.attendance_model
    assert sheet.rowCount() > 1
    editor.attendance_view.setFocus()
    editor.attendance_view.selectRow(0)
    press(qtbot, window, Qt.Key.Key_F6)  # 请假
    assert sheet.attendance()[0].status == "请假"
    press(qtbot, window, Qt.Key.Key_F5)  # back to 出席, and no refresh
    assert sheet.attendance()[0].status == "出席"
    assert refreshed == [True]


def test_ctrl_s_on_visit_form_saves_or_says_what_is_missing(qtbot, window):
    screen = window.show_screen("visits")
    quiet(screen)
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    assert screen.errors == ["请先在上方查找并选中要走访的住户。"]
    press(qtbot, window, Qt.Key.Key_F, CTRL)
    assert screen.search_edit.hasFocus()


def test_ctrl_f_on_volunteers_goes_to_the_volunteer_search(qtbot, window):
    screen = window.show_screen("volunteers")
    assert screen.tabs.currentWidget() is screen.teams_page
    press(qtbot, window, Qt.Key.Key_F, CTRL)
    assert screen.tabs.currentWidget() is screen.volunteers_page and screen.volunteer_search.hasFocus()


def test_ctrl_n_on_problems_opens_the_register_form(qtbot, window, monkeypatch):
    screen = window.show_screen("problems")
    opened = []
    monkeypatch.setattr(screen, "new_problem_dialog", lambda: opened.append(True))
    press(qtbot, window, Qt.Key.Key_N, CTRL)
    assert opened == [True]


def test_unsupported_command_does_nothing(qtbot, window):
    window.show_screen("dashboard")
    assert window.run_command("new") is False
    press(qtbot, window, Qt.Key.Key_N, CTRL)
    assert window.current_key() == "dashboard" and QApplication.activeModalWidget() is None


# Recent databases --------------------------------------------------------------------------------------

def test_settings_in_tests_never_touch_the_users_file(private_qsettings):
    assert Path(window_state.store().fileName()).is_relative_to(private_qsettings)


def test_recent_databases_list_updates_and_opens(qtbot, window, tmp_path):
    first = window.db.path.resolve()
    assert window_state.recent_databases() == [first]
    other = tmp_path / "other.db"
    shutil.copy(first, other)
    assert window.open_recent(other)
    assert window.db.path.resolve() == other.resolve()
    assert window_state.recent_databases() == [other.resolve(), first]

    window._fill_recent_menu()
    entries = [a for a in window.recent_menu.actions() if a.data()]
    assert [Path(a.data()) for a in entries] == [other.resolve(), first]
    assert entries[0].isChecked() and not entries[0].isEnabled()  # the open one
    assert entries[1].isEnabled() and first.name in entries[1].text()
    entries[1].trigger()
    assert window.db.path.resolve() == first
    assert window_state.recent_databases() == [first, other.resolve()]


def test_missing_recent_file_is_greyed_and_explained(qtbot, window, tmp_path):
    gone = tmp_path / "usb" / "党建台账.db"
    window_state.add_recent_database(gone)
    window._fill_recent_menu()
    entry = next(a for a in window.recent_menu.actions() if a.data() == str(gone.resolve()))
    assert not entry.isEnabled() and "找不到" in entry.text()
    assert window.open_recent(gone) is False
    assert "找不到数据库文件" in window.errors[-1] and "U 盘" in window.errors[-1]
    assert window.db.path == Path(window.db.path)  # still the same database
    forget = next(a for a in window.recent_menu.actions() if a.text().startswith("从列表中去掉"))
    forget.trigger()
    assert gone.resolve() not in window_state.recent_databases()
    assert not gone.exists()  # asking for it never created an empty database


def test_recent_list_keeps_eight(tmp_path):
    for n in range(12):
        window_state.add_recent_database(tmp_path / f"{n}.db")
    paths = window_state.recent_databases()
    assert len(paths) == window_state.RECENT_LIMIT and paths[0].name == "11.db"
    window_state.add_recent_database(tmp_path / "9.db")
    assert [p.name for p in window_state.recent_databases()][:3] == ["9.db", "11.db", "10.db"]


def test_start_opens_the_last_database(tmp_path, demo_db):
    window_state.add_recent_database(demo_db.path)
    assert window_state.last_existing_database() == demo_db.path.resolve()
    window_state.add_recent_database(tmp_path / "gone.db")  # newer, but missing: skipped
    assert window_state.last_existing_database() == demo_db.path.resolve()


# Remembered layout -------------------------------------------------------------------------------------

def test_window_size_comes_back(qtbot, demo_db):
    window = make_window(qtbot, demo_db)
    assert window.current_key() == "dashboard"  # it fits the small offscreen screen (800 × 800) at any size
    window.resize(760, 560)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (760, 560), timeout=3000)
    window.close()
    again = make_window(qtbot, open_db(demo_db.path, operator="测试员"))
    assert (again.width(), again.height()) == (760, 560)
    again.close()
    again.db.close()


def test_splitters_and_columns_come_back(qtbot, demo_db):
    window = make_window(qtbot, demo_db)
    roster = window.show_screen("roster")
    splitter = roster.findChild(QSplitter)
    total = sum(splitter.sizes())
    splitter.setSizes([total - 420, 420])
    wanted = splitter.sizes()
    roster.table.setColumnWidth(0, 133)
    meetings_screen = window.show_screen("meetings")
    meeting_splitter = meetings_screen.findChild(QSplitter)
    meeting_splitter.setSizes([700, sum(meeting_splitter.sizes()) - 700])
    meeting_wanted = meeting_splitter.sizes()
    window.close()

    again = make_window(qtbot, open_db(demo_db.path, operator="测试员"))
    again.resize(window.size())
    roster = again.show_screen("roster")
    assert roster.findChild(QSplitter).sizes() == wanted
    assert roster.table.columnWidth(0) == 133
    meetings_screen = again.show_screen("meetings")
    qtbot.waitUntil(lambda: meetings_screen.findChild(QSplitter).sizes() == meeting_wanted, timeout=3000)
    again.close()
    again.db.close()


def test_switching_database_keeps_the_layout(qtbot, window, tmp_path):
    roster = window.show_screen("roster")
    roster.table.setColumnWidth(0, 140)
    other = tmp_path / "other.db"
    shutil.copy(window.db.path, other)
    assert window.open_recent(other)
    assert window.show_screen("roster") is not roster
    assert window.screen("roster").table.columnWidth(0) == 140


def test_damaged_saved_layout_is_ignored(qtbot, demo_db):
    settings = window_state.store()
    settings.setValue("screens/roster", "{not json")
    settings.setValue("screens/meetings", '{"splitters": [[1, 2, 3, 4]]}')
    window = make_window(qtbot, demo_db)
    assert window.show_screen("roster").table.columnWidth(0) > 0
    assert len(window.show_screen("meetings").findChild(QSplitter).sizes()) == 2


def test_screenshots_leave_the_settings_alone(qtbot, demo_db):
    window = MainWindow(demo_db, remember_layout=False)
    qtbot.addWidget(window)
    window.close()
    assert window_state.recent_databases() == []
    assert window_state.store().value("main_window/geometry") is None


def test_activity_form_comes_back_at_its_last_size(qtbot, demo_db):
    from gui.volunteer_dialogs import ActivityDialog

    dialog = ActivityDialog(demo_db)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.resize(700, 640)
    splitter = dialog.findChild(QSplitter)
    splitter.setSizes([200, sum(splitter.sizes()) - 200])
    wanted = splitter.sizes()
    dialog.reject()

    again = ActivityDialog(demo_db)
    qtbot.addWidget(again)
    again.show()
    assert (again.width(), again.height()) == (700, 640)
    assert again.findChild(QSplitter).sizes() == wanted


# Dialogs -----------------------------------------------------------------------------------------------

def _member_dialog(db):
    from gui.member_form import MemberDialog

    return MemberDialog(db, None)


def test_esc_closes_a_dialog_and_enter_saves_the_form(qtbot, demo_db):
    dialog = _member_dialog(demo_db)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=3000)
    dialog.form.name.setFocus()
    qtbot.keyClick(dialog.form.name, Qt.Key.Key_Return)
    assert dialog.isVisible() and "姓名不能为空" in dialog.form.error_text("name")  # Enter = 保存
    dialog.form.errors["name"].setText("")
    qtbot.keyClick(dialog.form.phone, Qt.Key.Key_S, CTRL)
    assert dialog.isVisible() and "姓名不能为空" in dialog.form.error_text("name")  # so is Ctrl+S
    dialog.form.name.setText("钱多多")
    dialog.form.set_values(branch_id=orgs.branches(demo_db)[0].id, join_date="2010-07-01", full_date="2011-07-01")
    count = members.count_members(demo_db)
    qtbot.keyClick(dialog.form.name, Qt.Key.Key_Return)
    assert not dialog.isVisible() and members.count_members(demo_db) == count + 1

    again = _member_dialog(demo_db)
    qtbot.addWidget(again)
    again.show()
    again.form.name.setText("不保存")
    qtbot.keyClick(again.form.name, Qt.Key.Key_Escape)
    assert not again.isVisible() and again.result() == QDialog.DialogCode.Rejected
    assert members.count_members(demo_db) == count + 1


def test_esc_closes_the_pdf_preview(qtbot, tmp_path):
    from reportlab.pdfgen import canvas

    from gui.pdf_preview import PdfPreviewDialog

    path = tmp_path / "a.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(100, 700, "page 1")
    pdf.showPage()
    pdf.save()
    preview = PdfPreviewDialog(path)
    qtbot.addWidget(preview)
    preview.show()
    preview.activateWindow()
    preview.view.setFocus()
    qtbot.keyClick(preview.view, Qt.Key.Key_Escape)
    assert not preview.isVisible()


def test_esc_on_the_lock_screen_does_not_quit(qtbot, demo_db):
    from gui.login import LoginDialog

    dialog = LoginDialog(demo_db, locked_as="王主任")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Escape)
    assert dialog.isVisible()


def _dialogs(db):
    """Every form dialog of the program, built on the demo office."""
    from gui import volunteer_dialogs as vd
    from core import excel_export
    from gui.app import AppSignals
    from gui.export_dialog import ExportDialog, LayoutEditor
    from gui.household_dialog import HouseholdDialog
    from gui.import_wizard import ImportWizard
    from gui.letters_screen import ItemDialog, ManualRatingDialog
    from gui.login import LoginDialog
    from gui.member_event_dialog import MemberEventDialog
    from gui.member_form import MemberDialog
    from gui.problems_screen import NewProblemDialog, ProblemsScreen

    member_id = db.execute("SELECT id FROM member LIMIT 1").fetchone()[0]
    problems_screen = ProblemsScreen(db, AppSignals())
    return {
        "新增党员": MemberDialog(db, None),
        "编辑党员": MemberDialog(db, member_id),
        "记录变动": MemberEventDialog(db, member_id),
        "住户": HouseholdDialog(db, None, lambda values: True),
        "登记问题": NewProblemDialog(problems_screen),
        "志愿者": vd.VolunteerDialog(db),
        "服务队": vd.TeamDialog(db),
        "活动": vd.ActivityDialog(db),
        "共建单位": vd.UnitDialog(db),
        "双报到": vd.RegistrationDialog(db),
        "选择人员": vd.PersonPickerDialog(db),
        "责任书条目": ItemDialog("新增条目", {}),
        "手工评定": ManualRatingDialog("西湖社区"),
        "登录": LoginDialog(db),
        "导出": ExportDialog(db, AppSignals(), None),
        "导出格式": LayoutEditor(db, excel_export.default_layout()),
        "导入": ImportWizard(db, AppSignals(), "roster"),
    }, problems_screen


def test_every_form_dialog_tabs_in_reading_order_and_has_a_default_button(qtbot, demo_db):
    dialogs, keep = _dialogs(demo_db)
    qtbot.addWidget(keep)
    for name, dialog in dialogs.items():
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(lambda d=dialog: QApplication.activeWindow() is d, timeout=3000)
        chain = tab_chain(dialog)
        assert len(chain) >= 3, name
        bad = [(type(a).__name__, type(b).__name__) for a, b in order_violations(dialog, chain)]
        assert bad == [], name
        defaults = [b for b in dialog.findChildren(QPushButton) if b.isDefault()]
        assert len(defaults) == 1 and defaults[0].text() in ("保存", "确定", "登记", "登录", "选择", "导出", "下一步"), name
        first_edit = next((w for w in chain if isinstance(w, QLineEdit)), None)
        if first_edit is not None:
            qtbot.keyClick(first_edit, Qt.Key.Key_Escape)
        else:
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert not dialog.isVisible(), name


def test_meeting_form_tabs_in_reading_order(qtbot, window):
    screen = window.show_screen("meetings")
    editor = screen.new_meeting()
    editor.unit_combo.setFocus()
    chain = []
    widget = editor.unit_combo
    while widget not in chain and len(chain) < 40:
        chain.append(widget)
        window.focusNextChild()
        widget = QApplication.focusWidget()
        if not editor.isAncestorOf(widget):
            break
    fields = [editor.unit_combo, editor.kind_combo, editor.status_combo, editor.date_edit, editor.start_edit,
              editor.end_edit, editor.place_edit, editor.host_combo, editor.recorder_combo, editor.topic_edit,
              editor.minutes_edit, editor.resolutions_edit, editor.guests_edit, editor.attachments_edit]
    reached = [w for w in chain if w in fields or w.parentWidget() in fields]
    reached = [w if w in fields else w.parentWidget() for w in reached]
    assert reached == fields
    assert editor.minutes_edit.tabChangesFocus()
