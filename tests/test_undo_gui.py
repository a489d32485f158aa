"""Deleting asks first, the status bar offers 撤销, and 编辑 → 撤销删除 (Ctrl+Z) puts the record back on screen."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from core import households, meetings, undo, visits
from core.meetings import Attendance
from gui.main_window import MainWindow
from tests.test_meetings_core import office  # noqa: F401 - the fixture is shared


@pytest.fixture
def window(qtbot, db, office):
    w = MainWindow(db)
    qtbot.addWidget(w)
    w.show()
    w.infos, w.errors = [], []
    w.show_info = w.infos.append
    w.show_error = w.errors.append
    return w


def meetings_screen(window, office):
    screen = window.show_screen("meetings")
    screen.asked = []
    screen.answer = True
    screen.confirm = lambda message: screen.asked.append(message) or screen.answer
    screen.show_error = lambda message: pytest.fail(message)
    screen.select_branch(office["branch"])
    return screen


def hold_meeting(db, office, date: dt.date) -> int:
    rows = [Attendance(p.person_id, p.name, "出席") for p in meetings.expected_people(db, office["branch"], "general")]
    return meetings.create_meeting(db, {"unit_id": office["branch"], "kind_code": "general",
                                        "date": date.isoformat(), "topic": "学习党章"}, rows)


def test_delete_meeting_then_undo_shows_it_again(window, db, office, qtbot):
    today = dt.date.today()
    meeting_id = hold_meeting(db, office, today)
    screen = meetings_screen(window, office)
    screen.set_month(today.year, today.month)
    assert [m.id for m in screen.meeting_rows()] == [meeting_id]
    attendance = db.execute("SELECT * FROM meeting_attendance ORDER BY id").fetchall()
    screen.open_meeting(meeting_id)

    screen.delete_selected()
    assert "出勤登记会一并删除" in screen.asked[-1] and "撤销删除" in screen.asked[-1]
    assert screen.meeting_rows() == []
    assert not window.undo_bar.isHidden()
    assert window.undo_label.text() == f"已删除：{today.isoformat()} 支部党员大会（西湖社区党支部）"
    assert window.undo_delete_action.isEnabled()
    assert window.edit_menu.title() == "编辑(&E)" and window.undo_delete_action.text() == "撤销删除"
    assert window.undo_delete_action.shortcut().toString() == "Ctrl+Z"

    window.undo_delete_action.trigger()
    assert [m.id for m in screen.meeting_rows()] == [meeting_id]
    assert db.execute("SELECT * FROM meeting_attendance ORDER BY id").fetchall() == attendance
    assert window.undo_bar.isHidden()
    assert window.statusBar().currentMessage() == f"已恢复：{today.isoformat()} 支部党员大会（西湖社区党支部）"
    assert not window.undo_delete_action.isEnabled()
    assert window.infos == [] and window.errors == []


def test_cancelling_the_confirmation_deletes_nothing(window, db, office):
    meeting_id = hold_meeting(db, office, dt.date.today())
    screen = meetings_screen(window, office)
    screen.open_meeting(meeting_id)
    screen.answer = False
    screen.delete_selected()
    assert len(screen.asked) == 1
    assert meetings.get_meeting(db, meeting_id).attendance
    assert undo.last(db) is None and window.undo_bar.isHidden()
    window.undo_last_deletion()
    assert window.infos == ["没有可以撤销的删除。"]


def test_status_bar_button_and_ctrl_z_undo_in_order(window, db, office, qtbot):
    today = dt.date.today()
    first, second = hold_meeting(db, office, today - dt.timedelta(days=1)), hold_meeting(db, office, today)
    screen = meetings_screen(window, office)
    screen.set_month(today.year, today.month)
    for meeting_id in (first, second):
        screen.open_meeting(meeting_id)
        screen.delete_selected()
    assert window.undo_label.text().startswith(f"已删除：{today.isoformat()} 支部党员大会")

    window.undo_button.click()
    assert db.execute("SELECT id FROM meeting").fetchall() == [(second,)]
    # The earlier deletion is still undoable from the menu, by shortcut.
    assert window.undo_delete_action.isEnabled()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert sorted(r[0] for r in db.execute("SELECT id FROM meeting")) == [first, second]
    assert not window.undo_delete_action.isEnabled()


def test_someone_elses_deletion_is_confirmed_and_a_clash_is_explained(window, db, office):
    meeting_id = hold_meeting(db, office, dt.date.today())
    undo.deleting(db, "别处删除的会议", ("meetings",), lambda: meetings.delete_meeting(db, meeting_id))
    window.signals.data_changed.emit("meetings")
    assert window.undo_delete_action.isEnabled() and window.undo_bar.isHidden()
    asked = []
    window.confirm_undo = lambda message: asked.append(message) or False
    assert not window.undo_last_deletion()
    assert "别处删除的会议" in asked[0] and "测试员" in asked[0]
    hold_meeting(db, office, dt.date.today())  # takes the freed number
    window.confirm_undo = lambda message: True
    assert not window.undo_last_deletion()
    assert "编号已被之后新建的记录占用" in window.errors[0]


def test_visit_deleted_on_the_visits_screen_comes_back(window, db, office):
    from tests.test_undo_core import ALL_CLEAR, _household

    office = {**office, "grid": _grid(db, office)}
    office["people"] = list(office["people"].values())
    household_id = _household(db, office, "101")
    visit_id = visits.save_visit(db, household_id, dt.date.today(), office["people"][:1], ALL_CLEAR)
    screen = window.show_screen("visits")
    screen.confirm = lambda message: True
    screen.tabs.setCurrentIndex(1)
    screen.select_household(household_id)
    screen.history_table.setCurrentIndex(screen.history_table.model().index(0, 0))
    assert screen.delete_selected_visit()
    assert window.undo_label.text().startswith("已删除：") and "走访记录" in window.undo_label.text()
    assert window.undo_last_deletion()
    assert visits.get_visit(db, visit_id).complete
    assert screen.history_table.model().rowCount() == 1  # the household's history shows it again
    assert households.get(db, household_id).id == household_id


def _grid(db, office):
    from core import orgs

    return orgs.create_grid(db, office["community"], "第一网格")


def test_ctrl_z_in_a_text_field_undoes_typing_not_the_deletion(window, db, office, qtbot, tmp_path):
    screen = meetings_screen(window, office)
    screen.open_meeting(hold_meeting(db, office, dt.date.today()))
    screen.delete_selected()
    editor = screen.new_meeting("general")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    editor.topic_edit.setFocus()
    qtbot.waitUntil(editor.topic_edit.hasFocus, timeout=5000)
    topic = editor.topic_edit.text()
    editor.topic_edit.end(False)
    qtbot.keyClicks(editor.topic_edit, "abc")
    assert editor.topic_edit.text() == topic + "abc"
    qtbot.keyClick(editor.topic_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.topic_edit.text() == topic
    assert db.execute("SELECT count(*) FROM meeting").fetchone()[0] == 0
    assert not window.undo_bar.isHidden()
    # Another database file: nothing to undo there, and the bar goes.
    window.switch_database(tmp_path / "other.db")
    assert window.undo_bar.isHidden() and not window.undo_delete_action.isEnabled()


def test_volunteer_activity_and_team_deletions_are_announced_and_undone(qtbot, db):
    from core import volunteers as vol
    from gui.app import AppSignals
    from gui.volunteers_screen import VolunteersScreen
    from volunteer_office import Office

    office = Office(db)
    today = dt.date.today()
    team = office.team("西湖学雷锋志愿服务队")
    person = office.resident("吴居民")
    vol.add_team_member(db, team, person, "2020-01-01")
    activity_id = office.activity(today.isoformat(), "09:00", "11:00", [person], teams=(team,))
    spare = office.team("鼓楼环保队")
    signals = AppSignals()
    screen = VolunteersScreen(db, signals)
    qtbot.addWidget(screen)
    screen.show_error = lambda message: pytest.fail(message)
    screen.asked = []
    screen.confirm = lambda message: screen.asked.append(message) or True
    announced = []
    signals.deleted.connect(announced.append)

    screen._on_delete_activity_button_clicked()
    assert "120" not in screen.asked[0] and "2 小时" in screen.asked[0] and "撤销删除" in screen.asked[0]
    assert screen.activities_table.rows() == [] and screen.person_total_minutes(person) == 0
    assert announced[-1].label == f"{today.isoformat()} 志愿活动“清扫楼道”" and announced[-1].row_count == 3
    assert screen.select_team(spare)
    screen._on_delete_team_button_clicked()
    assert announced[-1].label == "志愿服务队“鼓楼环保队”"

    for item in (undo.restore_last(db), undo.restore_last(db)):
        for area in item.areas:
            signals.data_changed.emit(area)
    assert [a.id for a in screen.activities_table.rows()] == [activity_id]
    assert screen.person_total_minutes(person) == 120
    assert screen.select_team(spare)
