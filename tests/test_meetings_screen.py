"""三会一课 screen: record a meeting with two people on leave, see the list and the compliance grid change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from core import meetings, persons
from gui.app import AppSignals
from gui.meetings_screen import MeetingsScreen
from tests.test_meetings_core import office  # noqa: F401 - the fixture is shared


@pytest.fixture
def screen(qtbot, db, office):
    signals = AppSignals()
    view = MeetingsScreen(db, signals)
    view.errors = []
    view.infos = []
    view.previews = []
    view.show_error = view.errors.append
    view.show_info = view.infos.append
    view.preview_pdf = lambda path, title: view.previews.append(Path(path))
    view.confirm = lambda message: True
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.select_branch(office["branch"])
    return view


def test_create_meeting_with_two_on_leave_changes_the_grid(screen, db, office, qtbot):
    this_month = meetings.period_of("month", dt.date.today())
    screen.set_period(this_month)
    assert screen.grid_cell(office["branch"], "committee").state == "due"
    assert "本期待开" in screen.grid_cell_text(office["branch"], "committee")

    editor = screen.new_meeting("committee")
    assert [a.name for a in editor.attendance_model.attendance()] == ["王建国", "李秀英", "张伟"]
    assert all(a.status == "出席" for a in editor.attendance_model.attendance())
    assert editor.host_combo.currentText().startswith("王建国") and editor.recorder_combo.currentText().startswith("李秀英")
    editor.topic_edit.setText("研究本月党建工作")
    editor.place_edit.setText("党群服务中心")

    # Leave without a reason is refused and nothing is lost or saved.
    editor.mark("李秀英", "请假")
    assert screen.save_meeting() is None
    assert "请假原因" in screen.errors[-1]
    assert db.execute("SELECT count(*) FROM meeting").fetchone()[0] == 0
    assert editor.topic_edit.text() == "研究本月党建工作"

    # The reason typed into the sheet's reason cell.
    row = editor.attendance_model.row_of(office["people"]["李秀英"])
    editor.attendance_model.setData(editor.attendance_model.index(row, 3), "外出学习")
    editor.attendance_view.selectRow(editor.attendance_model.row_of(office["people"]["张伟"]))
    editor.mark_selected("请假")
    row = editor.attendance_model.row_of(office["people"]["张伟"])
    editor.attendance_model.setData(editor.attendance_model.index(row, 3), "住院")
    assert "请假 2 人" in editor.counts_label.text()

    with qtbot.waitSignal(screen.meeting_saved, timeout=2000):
        meeting_id = screen.save_meeting()
    m = meetings.get_meeting(db, meeting_id)
    assert (m.present, m.count("请假")) == (1, 2)
    assert {a.name: a.reason for a in m.attendance if a.status == "请假"} == {"李秀英": "外出学习", "张伟": "住院"}
    assert [r.id for r in screen.meeting_rows()] == [meeting_id]
    assert screen.grid_cell(office["branch"], "committee").state == "held"
    assert "1/1 已完成" in screen.grid_cell_text(office["branch"], "committee")


def test_new_meeting_for_party_group_and_typing_reason_marks_leave(screen, office):
    editor = screen.new_meeting("group")
    assert editor.unit_combo.currentData() == office["g1"]
    assert len(editor.attendance_model.attendance()) == 3
    editor.unit_combo.setCurrentIndex(editor.unit_combo.findData(office["g2"]))
    assert sorted(a.name for a in editor.attendance_model.attendance()) == sorted(["刘芳", "陈静", "杨洋"])
    editor.attendance_model.setData(editor.attendance_model.index(0, 3), "探亲")
    assert editor.attendance_model.attendance()[0].status == "请假"
    assert screen.save_meeting() is not None


def test_edit_existing_meeting_and_print(screen, db, office, qtbot):
    editor = screen.new_meeting("general")
    editor.mark("陈静", "缺席")
    meeting_id = screen.save_meeting()
    screen.open_meeting(meeting_id)
    assert screen.editor.meeting_id == meeting_id and "缺席 1 人" in screen.editor.counts_label.text()
    screen.editor.guests_edit.setText("社区民警、驻区单位书记")
    assert screen.save_meeting() == meeting_id
    assert [g.name for g in meetings.get_meeting(db, meeting_id).guests] == ["社区民警", "驻区单位书记"]
    assert screen.print_signin_sheet() is not None
    qtbot.waitUntil(lambda: len(screen.previews) == 1, timeout=20000)
    assert screen.print_ledger() is not None
    qtbot.waitUntil(lambda: len(screen.previews) == 2, timeout=20000)
    signin, ledger = screen.previews
    assert ledger.exists() and signin.exists() and "签到表" in signin.name and "台账" in ledger.name
    screen.delete_selected()
    assert db.execute("SELECT count(*) FROM meeting").fetchone()[0] == 0


def test_kind_rule_edit_changes_grid(screen, db, office):
    screen.tabs.setCurrentIndex(2)
    code, period, count, audience, active = next(r for r in screen.kind_rows if r[0] == "lesson")
    period.setCurrentIndex(period.findData("year"))
    screen._on_save_kinds_button_clicked()
    assert meetings.get_kind(db, "lesson").period == "year"
    assert "每年至少 1 次" in screen.grid_model.headerData(4, Qt.Orientation.Horizontal)


def test_export_worker_writes_excel(screen, db, office, qtbot, tmp_path):
    screen.new_meeting("committee")
    screen.save_meeting()
    out = tmp_path / "台账.xlsx"
    assert screen.export_excel(out, dt.date.today().year) is not None
    qtbot.waitUntil(lambda: bool(screen.infos or screen.errors), timeout=20000)
    assert screen.errors == [] and out.exists() and "已导出" in screen.infos[-1]


def test_expected_list_can_be_edited_per_meeting(screen, db, office, monkeypatch):
    guest_id = persons.create(db, name="赵志强")
    editor = screen.new_meeting("committee")
    monkeypatch.setattr(screen, "ask_text", lambda *a, **k: "赵志强")
    editor._on_add_person_button_clicked()
    assert editor.attendance_model.person_ids()[-1] == guest_id
    editor.attendance_view.selectRow(0)
    editor._on_remove_person_button_clicked()
    meeting_id = screen.save_meeting()
    names = [a.name for a in meetings.get_meeting(db, meeting_id).attendance]
    assert names == ["李秀英", "张伟", "赵志强"]
    monkeypatch.setattr(screen, "ask_text", lambda *a, **k: "不存在的人")
    editor._on_add_person_button_clicked()
    assert "列席人员" in screen.errors[-1]


def test_inactive_kind_still_opens_its_old_meetings(screen, db, office):
    editor = screen.new_meeting("appraisal")
    meeting_id = screen.save_meeting()
    meetings.update_kind(db, "appraisal", active=False)
    screen.refresh()
    screen.open_meeting(meeting_id)
    assert screen.editor.kind_combo.currentData() == "appraisal"
    assert editor.kind_combo.findData("appraisal") >= 0
    assert all(k.code != "appraisal" for k in meetings.list_kinds(db))


def test_quarter_view_and_grid_double_click(screen, db, office, qtbot):
    from tests.test_meetings_core import hold

    hold(db, office["branch"], "general", "2025-02-10")
    hold(db, office["branch"], "committee", "2025-04-03")
    screen.refresh()
    screen.set_records_period("2025-Q1")
    assert [r.date for r in screen.meeting_rows()] == ["2025-02-10"]
    assert screen.month_combo.currentText() == "第一季度"
    screen.set_period("2025-Q2")
    screen._on_grid_view_double_clicked(screen.grid_proxy.index(0, 0))
    assert screen.records_period() == meetings.parse_period("2025-Q2")
    assert [r.date for r in screen.meeting_rows()] == ["2025-04-03"]
    assert screen.print_ledger() is not None
    qtbot.waitUntil(lambda: bool(screen.previews), timeout=20000)
    assert "2025-Q2" in screen.previews[0].name


def test_find_person_in_a_long_sheet(screen, office):
    editor = screen.new_meeting("general")
    assert editor.find_person("cj", from_start=True) == editor.attendance_model.row_of(office["people"]["陈静"])
    assert editor.selected_rows() == [editor.attendance_model.row_of(office["people"]["陈静"])]
    editor.mark_selected("缺席")
    assert editor.attendance_model.attendance()[editor.selected_rows()[0]].status == "缺席"
    assert editor.find_person("李", from_start=True) == editor.attendance_model.row_of(office["people"]["李秀英"])
    assert editor.find_person("zzz") is None


def test_cancelled_job_drops_its_result_and_one_job_at_a_time(screen, db, office, qtbot):
    screen.new_meeting("committee")
    screen.save_meeting()
    job = screen.print_ledger()
    assert screen.print_ledger() is None and "还没有完成" in screen.errors[-1]
    job.cancel()
    qtbot.waitUntil(lambda: not screen.job_running(), timeout=20000)
    assert screen.previews == [] and "已取消" in screen.errors[-1]


def test_office_adds_a_kind_and_the_grid_gets_a_column(screen, db, office, monkeypatch):
    monkeypatch.setattr(screen, "ask_text", lambda *a, **k: "谈心谈话")
    screen._on_add_kind_button_clicked()
    assert [r[0] for r in screen.kind_rows][-1].startswith("custom")
    assert "谈心谈话" in screen.grid_model.headerData(8, Qt.Orientation.Horizontal)
    screen._on_add_kind_button_clicked()
    assert "已经有" in screen.errors[-1]
    code, period, count, audience, active = screen.kind_rows[-1]
    count.setValue(2)
    screen._on_save_kinds_button_clicked()
    assert meetings.get_kind(db, code).required_count == 2
    editor = screen.new_meeting(code)
    assert editor.kind_combo.currentText() == "谈心谈话" and len(editor.attendance_model.attendance()) == 6


def test_reason_goes_when_leave_is_undone(screen, office):
    editor = screen.new_meeting("committee")
    editor.mark("张伟", "请假", "出差")
    row = editor.attendance_model.row_of(office["people"]["张伟"])
    editor.attendance_model.setData(editor.attendance_model.index(row, 2), "出席")
    assert editor.attendance_model.attendance()[row].reason is None
    assert editor.attendance_model.index(row, 3).data() == ""
