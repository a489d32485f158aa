"""Undo of the last deletion (core): groups, restore with the same ids, refusals that change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from core import access, audit, households, meetings, members, orgs, persons, undo, visits
from core.errors import PermissionDeniedError, UserError
from core.meetings import Attendance

ALL_CLEAR = [{"item_no": n, "finding": "无异常"} for n in range(1, 6)]


@pytest.fixture
def office(db):
    street = orgs.create_unit(db, "street", "测试街道党工委")
    community = orgs.create_unit(db, "community", "西湖社区党委", street)
    branch = orgs.create_unit(db, "branch", "西湖社区党支部", community)
    grid = orgs.create_grid(db, community, "第一网格")
    people = []
    for name in ("王建国", "李秀英", "张伟", "刘芳"):
        member_id = members.create(db, {"name": name}, {"branch_id": branch, "join_date": "2000-07-01",
                                                       "full_date": "2001-07-01"})
        people.append(members.get(db, member_id).person_id)
    return {"community": community, "branch": branch, "grid": grid, "people": people}


def _meeting(db, office, date: str) -> int:
    rows = [Attendance(p.person_id, p.name, "出席") for p in meetings.expected_people(db, office["branch"], "general")]
    rows[-1] = Attendance(rows[-1].person_id, rows[-1].name, "请假", "外出务工")
    return meetings.create_meeting(db, {"unit_id": office["branch"], "kind_code": "general", "date": date,
                                        "topic": f"党员大会 {date}"}, rows)


def _household(db, office, room: str, **extra) -> int:
    values = {"grid_id": office["grid"], "estate": "西湖小区", "building": "3号楼", "unit": "2", "room": room,
              "head_name": f"住户{room}", "people_count": 3, "cadre_person_id": office["people"][0]}
    values.update(extra)
    return households.create(db, values)


def _rows(db, table: str, where: str = "", params: list | None = None) -> list[tuple]:
    return db.execute(f"SELECT * FROM [{table}] {where} ORDER BY id", params or []).fetchall()


def test_meeting_with_attendance_comes_back_as_it_was(db, office):
    meeting_id = _meeting(db, office, "2025-03-05")
    before_meeting = _rows(db, "meeting")
    before_attendance = _rows(db, "meeting_attendance")
    assert len(before_attendance) == 4

    with undo.deletion(db, "会议：2025-03-05 党员大会", ("meetings",)):
        meetings.delete_meeting(db, meeting_id)
    assert _rows(db, "meeting") == [] and _rows(db, "meeting_attendance") == []

    last = undo.last(db)
    assert (last.label, last.operator, last.row_count, last.areas) == ("会议：2025-03-05 党员大会", "测试员", 5, ("meetings",))
    restored = undo.restore_last(db)
    assert restored.id == last.id
    assert _rows(db, "meeting") == before_meeting
    assert _rows(db, "meeting_attendance") == before_attendance
    assert meetings.get_meeting(db, meeting_id).attendance[-1].reason == "外出务工"
    assert undo.last(db) is None
    # The restore itself is in the audit log, as inserts with the same ids.
    assert audit.entries(db, "meeting", meeting_id, limit=1)[0].action == "insert"
    assert audit.entries(db, "deletion_group", last.id, limit=1)[0].new["undone_by"] == "测试员"


def test_household_with_tags_and_a_visit_come_back(db, office):
    tag = households.tag_ids_by_name(db)["独居老人"]
    household_id = _household(db, office, "501", tag_ids=[tag])
    visit_id = visits.save_visit(db, household_id, dt.date.today(), office["people"][:2], ALL_CLEAR, note="身体健康")
    before = {t: _rows(db, t) for t in ("household", "household_tag", "home_visit", "visit_item", "visit_visitor")}

    undo.deleting(db, "走访记录", ("visits",), lambda: visits.delete_visit(db, visit_id))
    undo.deleting(db, "住户：西湖小区3号楼2单元501室", ("visits",), lambda: households.delete(db, household_id))
    assert _rows(db, "household") == [] and _rows(db, "visit_item") == []

    assert undo.restore_last(db).label == "住户：西湖小区3号楼2单元501室"
    assert households.get(db, household_id).tags == ("独居老人",)
    assert _rows(db, "home_visit") == []
    assert undo.last(db).label == "走访记录"
    undo.restore_last(db)
    assert {t: _rows(db, t) for t in before} == before
    assert visits.get_visit(db, visit_id).complete
    with pytest.raises(UserError, match="没有可以撤销的删除"):
        undo.restore_last(db)


def test_two_deletions_undo_the_last_then_the_one_before(db, office):
    first = _meeting(db, office, "2025-01-10")
    second = _meeting(db, office, "2025-02-10")
    undo.deleting(db, "一月的会", ("meetings",), lambda: meetings.delete_meeting(db, first))
    undo.deleting(db, "二月的会", ("meetings",), lambda: meetings.delete_meeting(db, second))

    assert undo.restore_last(db).label == "二月的会"
    assert [m[0] for m in db.execute("SELECT id FROM meeting")] == [second]
    assert undo.last(db).label == "一月的会"
    assert undo.restore_last(db).label == "一月的会"
    assert sorted(m[0] for m in db.execute("SELECT id FROM meeting")) == [first, second]
    assert undo.last(db) is None


def test_an_id_taken_since_is_refused_and_nothing_changes(db, office):
    meeting_id = _meeting(db, office, "2025-03-05")
    undo.deleting(db, "三月的会", ("meetings",), lambda: meetings.delete_meeting(db, meeting_id))
    newer = _meeting(db, office, "2025-04-05")
    assert newer == meeting_id  # SQLite hands the freed number to the next meeting
    before = {t: _rows(db, t) for t in ("meeting", "meeting_attendance", "audit_log", "deletion_group")}

    with pytest.raises(UserError) as caught:
        undo.restore_last(db)
    message = str(caught.value)
    assert "三月的会" in message and "编号已被之后新建的记录占用" in message and "操作日志" in message
    assert "没有任何改动" in message
    assert {t: _rows(db, t) for t in before} == before
    assert undo.last(db).label == "三月的会"


def test_a_parent_deleted_outside_undo_is_refused_clearly(db, office):
    household_id = _household(db, office, "101")
    visit_id = visits.save_visit(db, household_id, dt.date.today(), office["people"][:1], ALL_CLEAR)
    undo.deleting(db, "走访记录", ("visits",), lambda: visits.delete_visit(db, visit_id))
    households.delete(db, household_id)  # not through an undo group (as a script would)
    count = len(_rows(db, "audit_log"))
    with pytest.raises(UserError, match="所属的住户（编号 1）已经不存在"):
        undo.restore_last(db)
    assert len(_rows(db, "audit_log")) == count and _rows(db, "home_visit") == []


def test_a_unique_clash_on_another_column_is_refused(db, office):
    tag = households.create_tag(db, "退役军人")
    undo.deleting(db, "特殊群体类别：退役军人", ("visits",), lambda: households.delete_tag(db, tag))
    households.create_tag(db, "其他")  # takes the freed id
    db.execute("UPDATE special_tag SET id = id + 100 WHERE name = '其他'")  # frees it again, keeping the name taken
    households.rename_tag(db, tag + 100, "退役军人")
    with pytest.raises(UserError, match="重复"):
        undo.restore_last(db)
    assert [t.name for t in households.list_tags(db)].count("退役军人") == 1


def test_failed_or_empty_deletions_leave_no_group(db, office):
    household_id = _household(db, office, "101")
    visits.save_visit(db, household_id, dt.date.today(), office["people"][:1], ALL_CLEAR)
    with pytest.raises(UserError):
        undo.deleting(db, "住户", ("visits",), lambda: households.delete(db, household_id))
    with undo.deletion(db, "什么也没删", ()):
        pass
    assert undo.last(db) is None
    # A deletion inside another joins it: one group, one undo.
    m1, m2 = _meeting(db, office, "2025-01-10"), _meeting(db, office, "2025-02-10")
    with undo.deletion(db, "两次会议", ("meetings",)):
        meetings.delete_meeting(db, m1)
        undo.deleting(db, "内层", ("meetings",), lambda: meetings.delete_meeting(db, m2))
    assert undo.last(db).label == "两次会议" and undo.last(db).row_count == 10
    undo.restore_last(db)
    assert undo.last(db) is None and len(_rows(db, "meeting")) == 2


def test_an_error_inside_the_group_rolls_back_the_deletes(db, office):
    meeting_id = _meeting(db, office, "2025-03-05")
    with pytest.raises(RuntimeError):
        with undo.deletion(db, "半途出错", ("meetings",)):
            meetings.delete_meeting(db, meeting_id)
            raise RuntimeError("boom")
    assert meetings.get_meeting(db, meeting_id).date == "2025-03-05"
    assert undo.last(db) is None


def test_viewer_may_not_undo(db, office):
    meeting_id = _meeting(db, office, "2025-03-05")
    undo.deleting(db, "三月的会", ("meetings",), lambda: meetings.delete_meeting(db, meeting_id))
    access.create_operator(db, "管理员甲", "secret1", access.ADMIN)
    access.login(db, "管理员甲", "secret1")
    access.create_operator(db, "小王", "secret2", access.VIEWER)
    assert access.login(db, "小王", "secret2")
    with pytest.raises(PermissionDeniedError):
        undo.restore_last(db)
    assert undo.last(db).label == "三月的会"


def test_org_unit_grid_and_committee_seat_come_back(db, office):
    branch2 = orgs.create_unit(db, "branch", "第二支部", office["community"])
    grid2 = orgs.create_grid(db, office["community"], "第二网格")
    seat = meetings.add_committee_member(db, office["branch"], office["people"][1], "书记")
    before = {t: _rows(db, t) for t in ("org_unit", "grid", "branch_committee")}
    undo.deleting(db, "第二支部", ("org",), lambda: orgs.delete_unit(db, branch2))
    undo.deleting(db, "第二网格", ("org",), lambda: orgs.delete_grid(db, grid2))
    undo.deleting(db, "支委", ("meetings",), lambda: meetings.remove_committee_member(db, seat))
    for _ in range(3):
        undo.restore_last(db)
    assert {t: _rows(db, t) for t in before} == before
    assert persons.get(db, office["people"][1]).name == "李秀英"


def test_template_item_star_rating_and_export_layout_come_back(db, office):
    from core import excel_export, letters, star_rating

    letters.load_default_template(db)
    item = letters.template_items(db)[2]
    star_rating.set_manual_rating(db, office["community"], 2025, 4, "考核组意见")
    layout_id = excel_export.save_layout(db, excel_export.ExportLayout("上报用", excel_export.default_layout().columns))
    before = {t: _rows(db, t) for t in ("letter_template_item", "star_rating", "export_layout")}
    undo.deleting(db, "模板条目", ("letters",), lambda: letters.delete_template_item(db, item.id))
    undo.deleting(db, "星级", ("letters",), lambda: star_rating.clear_rating(db, office["community"], 2025))
    undo.deleting(db, "导出格式", ("export_layouts",), lambda: excel_export.delete_layout(db, layout_id))
    assert undo.deleting(db, "没有星级可清除", ("letters",), lambda: star_rating.clear_rating(db, office["community"], 2025)) is None
    assert [undo.restore_last(db).label for _ in range(3)] == ["导出格式", "星级", "模板条目"]
    assert {t: _rows(db, t) for t in before} == before
    assert star_rating.ratings(db, 2025)[0].reason == "考核组意见"


def test_no_foreign_key_deletes_rows_behind_the_audit_log(db):
    """Undo puts back what audit_log saw; ON DELETE CASCADE / SET NULL would change rows it never saw."""
    silent = [(table, fk[3], fk[6]) for table in db.table_names()
              for fk in db.execute(f"PRAGMA foreign_key_list([{table}])").fetchall() if fk[6] != "NO ACTION"]
    assert silent == [], "delete children through core.audit instead of ON DELETE actions"
