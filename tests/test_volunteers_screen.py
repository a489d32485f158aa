"""志愿服务 screen: record an activity in one form, see the person's total and the 双报到 board change."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core import volunteers as vol
from gui.app import AppSignals
from gui.main_window import MainWindow
from gui.volunteers_screen import VolunteersScreen
from volunteer_office import Office


@pytest.fixture
def setup(db, qtbot):
    office = Office(db)
    today = dt.date.today()
    team = office.team("西湖学雷锋志愿服务队")
    member_id = office.member("周在职")
    member_person = office.person_of(member_id)
    resident = office.resident("吴居民")
    leaver = office.resident("郑离队")
    vol.add_team_member(db, team, member_person, "2020-01-01")
    vol.add_team_member(db, team, resident, "2020-01-01")
    vol.leave_team(db, vol.add_team_member(db, team, leaver, "2020-01-01"), "2020-06-30")
    vol.register_member(db, member_id=member_id, community_id=office.community, registered_date="2020-03-01",
                        work_unit="市人民医院", unit_party_org="市人民医院党委")
    screen = VolunteersScreen(db, AppSignals())
    qtbot.addWidget(screen)
    errors: list[str] = []
    screen.show_error = errors.append
    screen.show_info = lambda message: None
    return {"office": office, "team": team, "member_id": member_id, "member_person": member_person,
            "resident": resident, "leaver": leaver, "screen": screen, "errors": errors, "today": today}


def test_record_activity_with_changed_hours_updates_total_and_board(setup, qtbot, db):
    screen, team = setup["screen"], setup["team"]
    person, member_id = setup["member_person"], setup["member_id"]
    assert screen.board_minutes(member_id) == 0
    assert screen.select_team(team)
    dialog = screen.new_activity_dialog(team_id=team)
    qtbot.addWidget(dialog)
    assert dialog.team_ids() == [team]
    ticked = {name: is_ticked for _, name, is_ticked, _ in dialog.participants()}
    assert ticked == {"周在职": True, "吴居民": True, "郑离队": False}  # the leaver is offered but not ticked
    dialog.set_times("09:00", "11:00")
    dialog.content_edit.setText("为独居老人打扫卫生")
    dialog.place_edit.setText("西湖小区")
    dialog.set_hours(person, 1.5)
    with qtbot.waitSignal(screen.activity_saved, timeout=5000):
        assert dialog.save()
    assert screen.person_total_minutes(person) == 90
    assert screen.person_total_minutes(setup["resident"]) == 120
    assert screen.person_total_minutes(setup["leaver"]) == 0
    assert screen.board_minutes(member_id) == 90  # the 双报到 board followed
    row = next(r for r in screen.dual_members_table.rows() if r.member_id == member_id)
    assert not row.met and row.shortfall_minutes == 6 * 60 - 90
    assert [a.content for a in screen.history_table.rows()] == ["为独居老人打扫卫生"]
    # A second activity tops the member up to the threshold: the board shows them as met.
    dialog = screen.new_activity_dialog(team_id=team)
    qtbot.addWidget(dialog)
    dialog.set_times("14:00", "18:30")
    dialog.content_edit.setText("清理小广告")
    dialog.set_ticked(setup["resident"], False)
    with qtbot.waitSignal(screen.activity_saved, timeout=5000):
        assert dialog.save()
    assert screen.board_minutes(member_id) == 90 + 270
    assert next(r for r in screen.dual_members_table.rows() if r.member_id == member_id).met
    assert screen.person_total_minutes(setup["resident"]) == 120


def test_bad_form_keeps_what_was_typed_and_saves_nothing(setup, qtbot, db):
    screen, team = setup["screen"], setup["team"]
    dialog = screen.new_activity_dialog(team_id=team)
    qtbot.addWidget(dialog)
    dialog.set_times("11:00", "09:00")
    dialog.content_edit.setText("植树")
    assert not dialog.save()
    assert "结束时间" in dialog.error_label.text()
    assert dialog.content_edit.text() == "植树"
    dialog.set_times("09:00", "10:00")
    dialog.set_hours(setup["resident"], 3)  # the hours box stops at the activity's length
    assert {name: minutes for _, name, _, minutes in dialog.participants()}["吴居民"] == 60
    dialog.set_hours(setup["resident"], 0)
    assert not dialog.save()
    assert "应大于 0" in dialog.error_label.text()
    dialog.content_edit.setText("")
    dialog.set_hours(setup["resident"], 0.5)
    assert not dialog.save()
    assert "活动内容" in dialog.error_label.text()
    dialog.content_edit.setText("植树")
    assert vol.list_activities(db) == []
    # Adding someone by hand (the leaver came anyway) saves it.
    dialog.add_person(setup["leaver"])
    assert dialog.save()
    parts = {p.name: p.minutes for p in vol.participations(db, dialog.activity_id)}
    assert parts == {"周在职": 60, "吴居民": 30, "郑离队": 60}


def test_editing_an_activity_from_the_list(setup, qtbot, db):
    office, screen = setup["office"], setup["screen"]
    activity_id = office.activity(setup["today"].isoformat(), "08:00", "09:00", [setup["resident"]], teams=(setup["team"],))
    screen.refresh()
    assert screen.activities_table.select_where(lambda a: a.id == activity_id)
    assert [p.name for p in screen.participants_table.rows()] == ["吴居民"]
    dialog = screen.new_activity_dialog(activity_id=activity_id)
    qtbot.addWidget(dialog)
    assert [(name, ticked) for _, name, ticked, _ in dialog.participants() if ticked] == [("吴居民", True)]
    dialog.set_ticked(setup["member_person"], True)
    with qtbot.waitSignal(screen.activity_saved, timeout=5000):
        assert dialog.save()
    assert screen.board_minutes(setup["member_id"]) == 60
    assert db.execute("SELECT count(*) FROM volunteer_activity").fetchone()[0] == 1


def test_certificate_and_export_from_the_screen(setup, qtbot, db, tmp_path):
    office, screen = setup["office"], setup["screen"]
    office.activity(setup["today"].isoformat(), "08:00", "10:30", [setup["resident"]], teams=(setup["team"],),
                    content="义务理发")
    screen.refresh()
    screen.tabs.setCurrentWidget(screen.ranking_page)
    assert screen.person_ranking.select_where(lambda p: p.person_id == setup["resident"])
    pdf = tmp_path / "证明.pdf"
    previewed: list[Path] = []
    screen.ask_save_path = lambda *args: str(pdf)
    screen.preview_pdf = previewed.append
    screen.ranking_certificate_button.click()
    assert previewed == [pdf] and not setup["errors"]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "志愿服务证明" in text and "吴居民" in text and "义务理发" in text and "2.5" in text

    out = tmp_path / "时长.xlsx"
    screen.ask_save_path = lambda *args: str(out)
    with qtbot.waitSignal(screen.export_finished, timeout=20000) as blocker:
        screen.export_button.click()
    assert blocker.args[0] and "已导出" in blocker.args[1]
    wb = load_workbook(out)
    rows = list(wb["按人员"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[6]) for r in rows] == [("吴居民", 2.5)]


def test_screen_is_in_the_main_window(db, qtbot):
    window = MainWindow(db)
    qtbot.addWidget(window)
    screen = window.show_screen("volunteers")
    assert isinstance(screen, VolunteersScreen) and screen.title == "志愿服务"


def test_screen_on_the_demo(demo_db, qtbot):
    screen = VolunteersScreen(demo_db, AppSignals())
    qtbot.addWidget(screen)
    assert len(screen.teams_table.rows()) >= 14 * 3
    assert screen.dual_members_table.rows()
    screen.below_only.setChecked(True)
    assert all(not r.met for r in screen.dual_members_table.rows())
    ranking = screen.person_ranking.rows()
    assert ranking == sorted(ranking, key=lambda p: -p.minutes)


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_import_rosters_from_the_screen(setup, qtbot, db, tmp_path):
    from openpyxl import Workbook

    from gui.import_wizard import PAGE_RESULT, PreviewModel

    screen = setup["screen"]
    wb = Workbook()
    wb.active.append(["所属社区", "队伍名称", "姓名", "联系电话", "入队日期"])
    wb.active.append(["西湖社区", "西湖爱心敲门队", "冯新人", "13912345678", "2024-05-01"])
    wb.active.append(["火星社区", "队", "某人", "", ""])
    path = tmp_path / "队员.xlsx"
    wb.save(path)
    screen.import_button.click()
    wizard = screen.import_wizard
    qtbot.addWidget(wizard)
    wizard.show_error = lambda message: None
    wizard.path_edit.setText(str(path))
    with qtbot.waitSignal(wizard.source_loaded, timeout=20000):
        wizard.next_button.click()
    with qtbot.waitSignal(wizard.preview_ready, timeout=20000):
        wizard.next_button.click()
    model = wizard.preview_model
    actions = [model.data(model.index(r, PreviewModel.COL_ACTION)) for r in range(model.rowCount())]
    assert actions == ["新增", "有错误"]
    assert "火星社区" in model.data(model.index(1, PreviewModel.COL_PROBLEMS))
    assert wizard.units_list.count() == 1 and "西湖爱心敲门队" in wizard.units_list.item(0).text()
    assert not wizard.next_button.isEnabled()  # all or nothing: a bad row blocks the import
    wizard.skip_bad_check.setChecked(True)
    with qtbot.waitSignal(wizard.imported, timeout=30000):
        wizard.next_button.click()
    assert wizard.current_page() == PAGE_RESULT
    assert any(t.name == "西湖爱心敲门队" for t in screen.teams_table.rows())  # the screen reloaded
    assert any(v.name == "冯新人" for v in screen.volunteers_table.rows())


def test_volunteer_list_search_edit_and_register(setup, qtbot, db):
    screen = setup["screen"]
    screen.tabs.setCurrentWidget(screen.volunteers_page)
    screen.volunteer_search.setText("wjm")  # 吴居民 by pinyin initials
    assert [v.name for v in screen.volunteers_table.rows()] == ["吴居民"]
    assert screen.volunteers_table.select_where(lambda v: v.name == "吴居民")

    def fill_edit(dialog):
        dialog.skills_edit.setText("电器维修")
        dialog.phone_edit.setText("1391234")  # wrong: the form keeps it and says why
        assert not dialog.save() and "联系电话" in dialog.error_label.text()
        dialog.phone_edit.setText("13912345678")
        return dialog.save()

    screen.run_dialog = fill_edit
    screen.edit_volunteer_button.click()
    row = next(v for v in screen.volunteers_table.rows() if v.name == "吴居民")
    assert row.skills == "电器维修" and row.phone == "13912345678"

    def fill_new(dialog):
        dialog.name_edit.setText("新来的")
        dialog.skills_edit.setText("书法")
        return dialog.save()

    screen.run_dialog = fill_new
    screen.volunteer_search.setText("")
    screen.new_volunteer_button.click()
    assert any(v.name == "新来的" and v.skills == "书法" for v in screen.volunteers_table.rows())


def test_register_member_and_unit_from_the_board(setup, qtbot, db):
    office, screen = setup["office"], setup["screen"]
    new_member = office.member("钱新报到", work_unit="市供电公司")
    office.member("孙退休", person_type="离退休", work_unit=None)
    screen.tabs.setCurrentWidget(screen.dual_page)

    def fill_unit(dialog):
        dialog.name_edit.setText("市供电公司")
        dialog.party_org_edit.setText("市供电公司党委")
        dialog.contact_edit.setText("马主任")
        dialog.phone_edit.setText("13912345678")
        return dialog.save()

    screen.run_dialog = fill_unit
    screen.new_unit_button.click()
    assert [u.name for u in screen.dual_units_table.rows()] == ["市供电公司"]

    def fill_registration(dialog):
        assert dialog.search("qxbd") == 1  # only unregistered in-service members are offered
        assert dialog.work_unit_edit.text() == "市供电公司"
        dialog.party_org_edit.setText("市供电公司党委")
        dialog.unit_combo.setCurrentIndex(1)
        return dialog.save()

    screen.run_dialog = fill_registration
    screen.register_button.click()
    assert screen.board_minutes(new_member) == 0
    row = next(r for r in screen.dual_members_table.rows() if r.member_id == new_member)
    assert row.community_name == "西湖社区党委" and not row.met
    screen.below_only.setChecked(True)
    assert {r.member_id for r in screen.dual_members_table.rows()} == {setup["member_id"], new_member}


def test_person_picker_finds_by_pinyin(setup, qtbot, db):
    from gui.volunteer_dialogs import PersonPickerDialog

    picker = PersonPickerDialog(db)
    qtbot.addWidget(picker)
    hits = picker.search("zzz")  # 周在职
    assert [h.name for h in hits] == ["周在职"] and hits[0].member_id and hits[0].volunteer_id
    picker.choose(hits[0].person_id)
    assert picker.person_id == setup["member_person"]
