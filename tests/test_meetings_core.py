"""三会一课 core: frequency rules across period boundaries, attendance rates, absences, leave reasons."""

from __future__ import annotations

import datetime as dt

import pytest

from core import audit, meetings, members, orgs
from core.errors import ValidationError
from core.meetings import Attendance, Period, parse_period


@pytest.fixture
def office(db):
    street = orgs.create_unit(db, "street", "测试街道党工委")
    community = orgs.create_unit(db, "community", "西湖社区党委", street)
    branch = orgs.create_unit(db, "branch", "西湖社区党支部", community)
    g1 = orgs.create_unit(db, "party_group", "第一党小组", branch)
    g2 = orgs.create_unit(db, "party_group", "第二党小组", branch)
    names = ["王建国", "李秀英", "张伟", "刘芳", "陈静", "杨洋"]
    people = {}
    for i, name in enumerate(names):
        member_id = members.create(db, {"name": name}, {"branch_id": branch, "party_group_id": g1 if i < 3 else g2,
                                                       "join_date": "2000-07-01", "full_date": "2001-07-01"})
        people[name] = members.get(db, member_id).person_id
    meetings.add_committee_member(db, branch, people["王建国"], "书记")
    meetings.add_committee_member(db, branch, people["李秀英"], "组织委员")
    meetings.add_committee_member(db, branch, people["张伟"], "宣传委员")
    return {"branch": branch, "g1": g1, "g2": g2, "people": people, "community": community}


def hold(db, unit, kind, date, absent=(), leave=()):
    expected = meetings.expected_people(db, unit, kind)
    rows = []
    for p in expected:
        if p.person_id in absent:
            rows.append(Attendance(p.person_id, p.name, "缺席"))
        elif p.person_id in leave:
            rows.append(Attendance(p.person_id, p.name, "请假", "外出"))
        else:
            rows.append(Attendance(p.person_id, p.name, "出席"))
    return meetings.create_meeting(db, {"unit_id": unit, "kind_code": kind, "date": date, "topic": f"{kind} {date}"}, rows)


def test_default_kinds_and_party_lesson_is_editable(db):
    kinds = {k.code: k for k in meetings.list_kinds(db)}
    assert kinds["committee"].period == "month" and kinds["general"].period == "quarter"
    assert kinds["lesson"].period == "quarter" and kinds["life"].period == "year"
    meetings.update_kind(db, "lesson", period="year")
    assert meetings.get_kind(db, "lesson").rule_text == "每年至少 1 次"
    with pytest.raises(ValidationError):
        meetings.update_kind(db, "lesson", period="week")
    assert audit.entries(db, "meeting_kind")[0].new == {"period": "year"}


def test_parse_period_and_bounds():
    assert parse_period("2025-Q1") == Period("quarter", 2025, 1)
    assert parse_period("2024-02").end == dt.date(2024, 2, 29)
    assert parse_period("2025-Q4").end == dt.date(2025, 12, 31)
    assert parse_period("2025").start == dt.date(2025, 1, 1)
    with pytest.raises(ValidationError):
        parse_period("2025-13")


def test_expected_defaults_by_audience(db, office):
    branch_all = meetings.expected_people(db, office["branch"], "general")
    assert len(branch_all) == 6
    assert [p.name for p in meetings.expected_people(db, office["branch"], "committee")] == ["王建国", "李秀英", "张伟"]
    assert len(meetings.expected_people(db, office["g2"], "group")) == 3
    with pytest.raises(ValidationError):
        meetings.expected_people(db, office["branch"], "group")
    meeting_id = meetings.create_meeting(db, {"unit_id": office["branch"], "kind_code": "committee",
                                              "date": "2025-01-10", "topic": "研究一月工作"})
    m = meetings.get_meeting(db, meeting_id)
    assert m.expected == 3 and m.present == 3 and m.rate == 1.0


def test_leave_without_reason_is_refused_and_nothing_saved(db, office):
    people = meetings.expected_people(db, office["branch"], "general")
    rows = [Attendance(p.person_id, p.name, "出席") for p in people]
    rows[1] = Attendance(rows[1].person_id, rows[1].name, "请假", "  ")
    with pytest.raises(ValidationError, match="请假原因"):
        meetings.create_meeting(db, {"unit_id": office["branch"], "kind_code": "general", "date": "2025-03-01",
                                     "topic": "党员大会"}, rows)
    assert db.execute("SELECT count(*) FROM meeting").fetchone()[0] == 0
    meeting_id = hold(db, office["branch"], "general", "2025-03-01")
    with pytest.raises(ValidationError, match="请假原因"):
        meetings.set_attendance(db, meeting_id, people[0].person_id, "请假", "")
    meetings.set_attendance(db, meeting_id, people[0].person_id, "请假", "住院")
    m = meetings.get_meeting(db, meeting_id)
    assert m.attendance[0].status == "请假" and m.attendance[0].reason == "住院"


def test_meeting_validation(db, office):
    base = {"unit_id": office["branch"], "kind_code": "general", "date": "2025-03-01", "topic": "大会"}
    with pytest.raises(ValidationError, match="结束时间"):
        meetings.create_meeting(db, {**base, "start_time": "15:00", "end_time": "14:00"})
    with pytest.raises(ValidationError, match="日期"):
        meetings.create_meeting(db, {**base, "date": "2025-02-30"})
    with pytest.raises(ValidationError, match="主题"):
        meetings.create_meeting(db, {**base, "topic": " "})
    with pytest.raises(ValidationError, match="党小组"):
        meetings.create_meeting(db, {**base, "kind_code": "group"})
    future = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    with pytest.raises(ValidationError, match="计划"):
        meetings.create_meeting(db, {**base, "date": future})
    planned = meetings.create_meeting(db, {**base, "date": future, "status": "计划"})
    assert meetings.held_count(db, office["branch"], "general", "2000-01-01", "2100-01-01") == 0
    assert meetings.get_meeting(db, planned).expected == 6


def test_monthly_kind_month_quarter_year(db, office):
    b = office["branch"]
    hold(db, b, "committee", "2025-01-31")
    hold(db, b, "committee", "2025-02-01")
    hold(db, b, "committee", "2025-02-20")  # a second one in February does not cover March
    on = dt.date(2025, 4, 15)
    jan = meetings.kind_compliance(db, b, meetings.get_kind(db, "committee"), parse_period("2025-01"), on)
    assert (jan.state, jan.held, jan.required) == ("held", 1, 1)
    mar = meetings.kind_compliance(db, b, meetings.get_kind(db, "committee"), parse_period("2025-03"), on)
    assert (mar.state, mar.held) == ("overdue", 0)
    q1 = meetings.kind_compliance(db, b, meetings.get_kind(db, "committee"), parse_period("2025-Q1"), on)
    assert (q1.state, q1.held, q1.required, q1.held_total) == ("overdue", 2, 3, 3)
    apr = meetings.kind_compliance(db, b, meetings.get_kind(db, "committee"), parse_period("2025-04"), on)
    assert apr.state == "due" and apr.deadline == "2025-04-30"
    may = meetings.kind_compliance(db, b, meetings.get_kind(db, "committee"), parse_period("2025-05"), on)
    assert may.state == "not_due"


def test_quarterly_kind_in_month_views(db, office):
    b = office["branch"]
    kind = meetings.get_kind(db, "general")
    on = dt.date(2025, 8, 10)
    # Nothing held in Q1: January and February are "not yet due", March is overdue.
    assert meetings.kind_compliance(db, b, kind, parse_period("2025-01"), on).state == "not_due"
    assert meetings.kind_compliance(db, b, kind, parse_period("2025-02"), on).state == "not_due"
    assert meetings.kind_compliance(db, b, kind, parse_period("2025-03"), on).state == "overdue"
    assert meetings.kind_compliance(db, b, kind, parse_period("2025-Q1"), on).state == "overdue"
    # Held in April: May shows it as done, June (the quarter's last month) counts April's meeting.
    hold(db, b, "general", "2025-04-30")
    assert meetings.kind_compliance(db, b, kind, parse_period("2025-04"), on).state == "held"
    assert meetings.kind_compliance(db, b, kind, parse_period("2025-05"), on).state == "held"
    june = meetings.kind_compliance(db, b, kind, parse_period("2025-06"), on)
    assert (june.state, june.held, june.required) == ("held", 1, 1)
    # Q3 still open on 10 August: due by 30 September.
    q3 = meetings.kind_compliance(db, b, kind, parse_period("2025-Q3"), on)
    assert q3.state == "due" and q3.deadline == "2025-09-30"
    assert meetings.kind_compliance(db, b, kind, parse_period("2025-08"), on).state == "not_due"
    year = meetings.kind_compliance(db, b, kind, parse_period("2025"), on)
    assert (year.state, year.held, year.required) == ("overdue", 1, 3)  # Q4 has not begun
    # A meeting on 1 July belongs to Q3, not Q2.
    hold(db, b, "general", "2025-07-01")
    assert meetings.kind_compliance(db, b, kind, parse_period("2025-Q3"), on).state == "held"
    assert meetings.kind_compliance(db, b, kind, parse_period("2025-Q2"), on).held_total == 1


def test_yearly_kind_and_year_boundary(db, office):
    b = office["branch"]
    kind = meetings.get_kind(db, "life")
    hold(db, b, "life", "2024-12-31")
    on = dt.date(2025, 6, 1)
    assert meetings.kind_compliance(db, b, kind, parse_period("2024"), on).state == "held"
    assert meetings.kind_compliance(db, b, kind, parse_period("2025"), on).state == "due"
    assert meetings.kind_compliance(db, b, kind, parse_period("2025-Q2"), on).state == "not_due"
    assert meetings.kind_compliance(db, b, kind, parse_period("2024-12"), on).state == "held"
    # November: the December meeting had not happened yet by the end of that view.
    assert meetings.kind_compliance(db, b, kind, parse_period("2024-11"), on).state == "not_due"
    assert meetings.kind_compliance(db, b, kind, parse_period("2024-11"), dt.date(2024, 11, 20)).state == "not_due"
    assert meetings.kind_compliance(db, b, kind, parse_period("2025-12"), dt.date(2026, 1, 2)).state == "overdue"


def test_party_group_kind_requires_every_group(db, office):
    b = office["branch"]
    hold(db, office["g1"], "group", "2025-03-05")
    on = dt.date(2025, 5, 1)
    march = meetings.kind_compliance(db, b, meetings.get_kind(db, "group"), parse_period("2025-03"), on)
    assert (march.state, march.held, march.required, march.units_behind) == ("overdue", 1, 2, ("第二党小组",))
    hold(db, office["g2"], "group", "2025-03-28")
    assert meetings.kind_compliance(db, b, meetings.get_kind(db, "group"), parse_period("2025-03"), on).state == "held"


def test_attendance_rates(db, office):
    b, p = office["branch"], office["people"]
    hold(db, b, "general", "2025-03-01", absent={p["张伟"]}, leave={p["刘芳"]})  # 4 of 6
    hold(db, b, "committee", "2025-03-02")  # 3 of 3
    assert meetings.attendance_rate(db, b, "2025-03-01", "2025-03-31") == pytest.approx(7 / 9)
    assert meetings.attendance_rate(db, b, "2025-04-01", "2025-04-30") is None
    rows = {m.name: m for m in meetings.member_attendance(db, b, "2025-03-01", "2025-03-31")}
    assert rows["张伟"].expected == 2 and rows["张伟"].present == 1 and rows["张伟"].rate == 0.5
    assert rows["刘芳"].leave == 1 and rows["刘芳"].rate == 0.0
    assert rows["王建国"].rate == 1.0
    summary = meetings.list_meetings(db, b, "2025-03-01", "2025-03-01")[0]
    assert (summary.expected, summary.present, summary.leave, summary.absent) == (6, 4, 1, 1)


def test_consecutive_absence_rule(db, office):
    b, p = office["branch"], office["people"]
    hold(db, b, "general", "2025-01-10", absent={p["陈静"], p["杨洋"]})
    hold(db, b, "theme_day", "2025-02-10", absent={p["陈静"]}, leave={p["杨洋"]})
    hold(db, b, "theme_day", "2025-03-10", absent={p["杨洋"], p["刘芳"]})
    hold(db, b, "theme_day", "2025-04-10", absent={p["陈静"]})
    runs = meetings.consecutive_absences(db, b, "2025-01-01", "2025-12-31")
    assert [(r.name, r.count) for r in runs] == [("陈静", 2)]
    assert runs[0].dates == ("2025-01-10", "2025-02-10") and runs[0].ongoing is False
    # A committee meeting陈静 was not expected at does not break the run.
    hold(db, b, "committee", "2025-04-20")
    hold(db, b, "theme_day", "2025-05-10", absent={p["陈静"]})
    runs = meetings.consecutive_absences(db, b, "2025-01-01", "2025-12-31")
    assert runs[0].count == 2 and runs[0].dates == ("2025-04-10", "2025-05-10") and runs[0].ongoing
    result = meetings.compliance(db, b, "2025", on=dt.date(2025, 6, 1))
    assert [a.name for a in result.absences] == ["陈静"]


def test_update_meeting_changes_only_exceptions(db, office):
    b, p = office["branch"], office["people"]
    meeting_id = hold(db, b, "general", "2025-03-01")
    m = meetings.get_meeting(db, meeting_id)
    rows = [Attendance(a.person_id, a.name, "请假", "出差") if a.person_id == p["张伟"] else a for a in m.attendance]
    meetings.update_meeting(db, meeting_id, {"place": "党群服务中心"}, rows, guests=["社区民警 赵强"])
    after = meetings.get_meeting(db, meeting_id)
    assert after.place == "党群服务中心" and after.count("请假") == 1
    assert [g.name for g in after.guests] == ["社区民警 赵强"]
    changes = audit.entries(db, "meeting_attendance")
    assert sum(1 for e in changes if e.action == "update") == 1
    meetings.delete_meeting(db, meeting_id)
    assert db.execute("SELECT count(*) FROM meeting_attendance").fetchone()[0] == 0


def test_compliance_and_due_this_month(db, office):
    b = office["branch"]
    on = dt.date(2025, 3, 20)
    hold(db, b, "committee", "2025-03-02")
    hold(db, office["g1"], "group", "2025-03-03")
    due = meetings.due_this_month(db, on)
    keys = {(d.unit_name, d.kind_code) for d in due}
    assert ("第二党小组", "group") in keys and ("第一党小组", "group") not in keys
    assert (office and ("西湖社区党支部", "general") in keys)  # quarter ends in March
    assert ("西湖社区党支部", "committee") not in keys
    assert ("西湖社区党支部", "life") not in keys  # yearly: due in December
    result = meetings.compliance(db, b, "2025-03", on=on)
    assert not result.compliant and result.kind("committee").state == "held"
    grid = meetings.compliance_grid(db, "2025-03", on=on)
    assert [g.branch_name for g in grid] == ["西湖社区党支部"]


def test_counts_for_a_community_add_up_its_branches(db, office):
    other = orgs.create_unit(db, "branch", "西湖社区第二党支部", office["community"])
    member_id = members.create(db, {"name": "周强"}, {"branch_id": other, "join_date": "2001-07-01",
                                                     "full_date": "2002-07-01"})
    hold(db, office["branch"], "theme_day", "2025-05-10", absent={office["people"]["张伟"]})
    hold(db, other, "theme_day", "2025-05-12")
    assert meetings.held_count(db, office["community"], "theme_day", "2025-01-01", "2025-12-31") == 2
    assert meetings.held_count(db, other, "theme_day", "2025-01-01", "2025-12-31") == 1
    assert meetings.attendance_rate(db, office["community"], "2025-05-01", "2025-05-31") == pytest.approx(6 / 7)
    street = orgs.get_unit(db, office["community"]).parent_id
    assert meetings.held_count(db, street, "theme_day", "2025-01-01", "2025-12-31") == 2
    assert members.get(db, member_id).branch_id == other


def test_branch_with_meetings_cannot_be_deleted(db, office):
    from core.errors import InUseError

    hold(db, office["g2"], "group", "2025-03-05")
    with pytest.raises(InUseError, match="会议记录"):
        orgs.delete_unit(db, office["g2"])


def test_meeting_needs_someone_expected(db, office):
    bare = orgs.create_unit(db, "branch", "新建党支部", office["community"])
    with pytest.raises(ValidationError, match="支部委员"):
        meetings.create_meeting(db, {"unit_id": bare, "kind_code": "committee", "date": "2025-03-01", "topic": "支委会"})
    meeting_id = hold(db, office["branch"], "committee", "2025-03-02")
    with pytest.raises(ValidationError, match="名单是空的"):
        meetings.update_meeting(db, meeting_id, {}, attendance=[])


def test_periods_before_the_ledger_start_are_not_overdue(db, office):
    from core import settings

    b = office["branch"]
    on = dt.date(2025, 11, 20)
    year = meetings.compliance(db, b, "2025", on=on)
    assert year.kind("committee").state == "overdue" and year.kind("committee").required == 11
    settings.set_value(db, "records_start", "2025-11-05")
    year = meetings.compliance(db, b, "2025", on=on)
    # October closed before the office began; November (running) and Q4 still count.
    committee = year.kind("committee")
    assert committee.state == "due" and committee.required == 1 and committee.deadline == "2025-11-30"
    assert year.kind("general").state == "due" and year.kind("general").required == 1
    assert meetings.compliance(db, b, "2025-Q3", on=on).kind("committee").state == "none"
    hold(db, b, "committee", "2025-06-03")  # a meeting typed in from the paper book still counts as held
    assert meetings.compliance(db, b, "2025-06", on=on).kind("committee").held_total == 1
    settings.set_value(db, "records_start", "")
    assert meetings.compliance(db, b, "2025-Q3", on=on).kind("committee").state == "overdue"
    with pytest.raises(ValidationError, match="台账起始日期"):
        settings.validate({"records_start": "2025-13-01"})


def test_a_new_office_starts_its_ledger_today(db):
    from core import settings
    from core.office_setup import OfficeSetup, create_office

    create_office(db, OfficeSetup("新城街道党工委", "street", ["阳光社区"]))
    assert settings.records_start(db) == dt.date.today()
    branch = orgs.branches(db)[0]
    assert not meetings.compliance(db, branch.id, str(dt.date.today().year)).overdue
