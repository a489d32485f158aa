"""Households, 五必问 visits, coverage and the problem loop (core only)."""

from __future__ import annotations

import datetime as dt

import pytest

from core import households, orgs, persons, problems, settings, visits
from core.errors import InUseError, ValidationError


@pytest.fixture
def office(db):
    street = orgs.create_unit(db, "street", "测试街道")
    community = orgs.create_unit(db, "community", "西湖社区", street)
    grid1 = orgs.create_grid(db, community, "第一网格")
    grid2 = orgs.create_grid(db, community, "第二网格")
    cadre = persons.create(db, name="王建国", phone="13900000001")
    other = persons.create(db, name="李秀英")
    return {"community": community, "grid1": grid1, "grid2": grid2, "cadre": cadre, "other": other}


def _household(db, office, room, grid="grid1", **extra):
    values = {"grid_id": office[grid], "estate": "西湖小区", "building": "3号楼", "unit": "2", "room": room,
              "head_name": extra.pop("head_name", f"住户{room}"), "people_count": 3, "cadre_person_id": office["cadre"]}
    values.update(extra)
    return households.create(db, values)


ALL_CLEAR = [{"item_no": n, "finding": "无异常"} for n in range(1, 6)]


def test_household_address_normalised_and_searchable_by_pinyin(db, office):
    tag = households.tag_ids_by_name(db)["独居老人"]
    hid = _household(db, office, "501室", head_name="单丽", tag_ids=[tag])
    h = households.get(db, hid)
    assert h.address == "西湖小区3号楼2单元501室"
    assert (h.building, h.unit, h.room) == ("3", "2", "501")
    assert h.tags == ("独居老人",)
    assert [x.id for x in households.search(db, "shanli")] == [hid]
    assert [x.id for x in households.search(db, "sl")] == [hid]
    assert [x.id for x in households.search(db, "3号楼2单元")] == [hid]
    assert households.search(db, "", tag_id=tag)[0].id == hid
    with pytest.raises(ValidationError, match="已经登记过"):
        _household(db, office, "501")


def test_tags_are_extendable_and_in_use_tags_are_kept(db, office):
    new = households.create_tag(db, "退役军人")
    hid = _household(db, office, "101", tag_ids=[new])
    assert "退役军人" in [t.name for t in households.list_tags(db)]
    with pytest.raises(InUseError):
        households.delete_tag(db, new)
    households.set_tags(db, hid, [])
    households.delete_tag(db, new)
    with pytest.raises(ValidationError):
        households.create_tag(db, "低保户")


def test_incomplete_visit_is_saved_but_flagged(db, office):
    hid = _household(db, office, "101")
    vid = visits.save_visit(db, hid, dt.date.today(), [office["cadre"]],
                            [{"item_no": 1, "finding": "无异常"}, {"item_no": 4, "finding": "有情况", "text": "邻里噪音"}])
    visit = visits.get_visit(db, vid)
    assert not visit.complete
    assert visit.missing_items == (2, 3, 5)
    assert "未问完" in visit.findings_summary
    visits.save_visit(db, hid, dt.date.today(), [office["cadre"]], ALL_CLEAR, visit_id=vid)
    assert visits.get_visit(db, vid).complete


def test_visit_needs_text_for_findings_and_a_visitor(db, office):
    hid = _household(db, office, "101")
    with pytest.raises(ValidationError, match="请简要写明"):
        visits.save_visit(db, hid, dt.date.today(), [office["cadre"]], [{"item_no": 5, "finding": "发现问题"}])
    with pytest.raises(ValidationError, match="走访人"):
        visits.save_visit(db, hid, dt.date.today(), [], ALL_CLEAR)
    with pytest.raises(ValidationError, match="晚于今天"):
        visits.save_visit(db, hid, dt.date.today() + dt.timedelta(days=1), [office["cadre"]], ALL_CLEAR)
    assert db.execute("SELECT count(*) FROM home_visit").fetchone()[0] == 0


def test_coverage_arithmetic(db, office):
    day = dt.date(2026, 3, 10)
    h = [_household(db, office, str(100 + i)) for i in range(4)] + [_household(db, office, "900", grid="grid2",
                                                                              cadre_person_id=office["other"])]
    visits.save_visit(db, h[0], day, [office["cadre"]], ALL_CLEAR)
    visits.save_visit(db, h[0], day + dt.timedelta(days=3), [office["cadre"]], ALL_CLEAR)  # twice: counted once
    visits.save_visit(db, h[1], day, [office["cadre"]], ALL_CLEAR[:3])  # incomplete: not covered
    visits.save_visit(db, h[2], dt.date(2026, 1, 5), [office["cadre"]], ALL_CLEAR)  # before the period
    visits.save_visit(db, h[4], day, [office["other"]], ALL_CLEAR)
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    grid1 = visits.coverage(db, grid_id=office["grid1"], start=march[0], end=march[1])
    assert (grid1.households, grid1.visited, grid1.visits, grid1.incomplete_visits) == (4, 1, 3, 1)
    assert grid1.percent == 25.0 and grid1.not_visited == 3
    whole = visits.coverage(db, community_id=office["community"], start=march[0], end=march[1])
    assert (whole.households, whole.visited, whole.percent) == (5, 2, 40.0)
    by_grid = {g.grid_name: g.coverage for g in visits.coverage_by_grid(db, *march)}
    assert by_grid["第二网格"].percent == 100.0
    by_cadre = {c.name: c.coverage for c in visits.coverage_by_cadre(db, *march)}
    assert (by_cadre["王建国"].households, by_cadre["王建国"].visited) == (4, 1)
    year = visits.coverage(db, start="2026-01-01", end="2026-12-31")
    assert year.visited == 3
    by_community = visits.coverage_by_community(db, *march)
    assert [(c.community_name, c.coverage.households, c.coverage.visited) for c in by_community] == [("西湖社区", 5, 2)]
    counts = visits.visit_counts(db, *march)
    assert (counts.visits, counts.complete, counts.incomplete) == (4, 3, 1)


def test_not_visited_and_special_group_rule(db, office):
    tag = households.tag_ids_by_name(db)["低保户"]
    never = _household(db, office, "101")
    recent = _household(db, office, "102", tag_ids=[tag])
    old_special = _household(db, office, "103", tag_ids=[tag])
    visits.save_visit(db, recent, dt.date(2026, 3, 20), [office["cadre"]], ALL_CLEAR)
    visits.save_visit(db, old_special, dt.date(2026, 2, 1), [office["cadre"]], ALL_CLEAR)
    on = dt.date(2026, 3, 31)
    due = visits.not_visited(db, days=45, on=on)
    assert [d.household_id for d in due] == [never, old_special]
    assert due[0].days_since is None and due[1].days_since == 58
    settings.set_value(db, "visit_special_interval_days", 30)
    assert [d.household_id for d in visits.special_overdue(db, on=on)] == [old_special]
    settings.set_value(db, "visit_special_interval_days", 60)
    assert visits.special_overdue(db, on=on) == []


@pytest.mark.parametrize("found, severity, expected", [
    ("2026-03-10 09:00", "一般", "2026-03-10 10:00"),
    ("2026-03-10 23:30", "一般", "2026-03-11 00:30"),   # across midnight
    ("2026-01-31 23:15", "一般", "2026-02-01 00:15"),   # across a month end
    ("2026-02-28 10:00", "重大", "2026-03-01 10:00"),   # February of a common year
    ("2028-02-28 10:00", "重大", "2028-02-29 10:00"),   # leap year
    ("2026-04-27 16:00", "复杂", "2026-05-04 16:00"),   # a week across a month end
    ("2026-12-31 22:00", "重大", "2027-01-01 22:00"),   # across the year end
])
def test_deadline_by_severity(db, found, severity, expected):
    hours = problems.deadline_hours(db)
    assert problems.time_text(problems.deadline_for(found, severity, hours)) == expected


def test_deadline_follows_settings(db, office):
    settings.set_value(db, "problem_deadline_hours", {"一般": 2, "重大": 48, "复杂": 240})
    pid = problems.create(db, title="楼道灯坏", source="网格巡查", severity="一般", grid_id=office["grid1"],
                          found_by_person_id=office["cadre"], found_at="2026-05-31 23:00")
    assert problems.get(db, pid).deadline_at == "2026-06-01 01:00"
    problems.add_step(db, pid, "研判", person_id=office["cadre"], text="涉及安全，升为重大", severity="重大",
                      at="2026-05-31 23:10")
    assert problems.get(db, pid).deadline_at == "2026-06-02 23:00"


def _walk(db, pid, person, until="办结", satisfaction="满意", start="2026-03-10 09:00"):
    at = problems.parse_time(start)
    for stage in problems.STAGES[1:]:
        at += dt.timedelta(minutes=10)
        problems.add_step(db, pid, stage, person_id=person, text=f"{stage}意见", at=at, category="物业管理",
                          responsible_person_id=person, satisfaction=satisfaction)
        if stage == until:
            break


def test_stage_order_enforced(db, office):
    pid = problems.create(db, title="电梯故障", source="12345热线", severity="一般", grid_id=office["grid1"],
                          found_by_person_id=office["cadre"], found_at="2026-03-10 09:00")
    with pytest.raises(ValidationError, match="下一步应是“研判”"):
        problems.add_step(db, pid, "办结", person_id=office["cadre"], at="2026-03-10 09:30")
    _walk(db, pid, office["cadre"], until="处置")
    with pytest.raises(ValidationError, match="下一步应是“反馈”"):
        problems.add_step(db, pid, "办结", person_id=office["cadre"], at="2026-03-10 10:30")
    with pytest.raises(ValidationError, match="满意度"):
        problems.add_step(db, pid, "反馈", person_id=office["cadre"], at="2026-03-10 10:30")
    with pytest.raises(ValidationError, match="早于上一环节"):
        problems.add_step(db, pid, "反馈", person_id=office["cadre"], at="2026-03-10 09:05", satisfaction="满意")
    problems.add_step(db, pid, "反馈", person_id=office["cadre"], at="2026-03-10 10:30", satisfaction="满意")
    problems.add_step(db, pid, "办结", person_id=office["cadre"], at="2026-03-10 10:40")
    p = problems.get(db, pid)
    assert p.stage == "办结" and p.closed_at == "2026-03-10 10:40" and p.handled_on_time
    assert [s.stage for s in problems.steps(db, pid)] == list(problems.STAGES)
    with pytest.raises(ValidationError, match="已办结"):
        problems.add_step(db, pid, "办结", person_id=office["cadre"])


def test_unsatisfied_feedback_goes_back_to_handling(db, office):
    pid = problems.create(db, title="噪音扰民", source="居民来访", severity="重大", grid_id=office["grid1"],
                          found_by_person_id=office["cadre"], found_at="2026-03-10 09:00")
    _walk(db, pid, office["cadre"], until="反馈", satisfaction="不满意")
    with pytest.raises(ValidationError, match="不满意"):
        problems.add_step(db, pid, "办结", person_id=office["cadre"], at="2026-03-10 11:00")
    problems.add_step(db, pid, "处置", person_id=office["cadre"], text="再次协调", at="2026-03-10 11:00")
    problems.add_step(db, pid, "反馈", person_id=office["cadre"], satisfaction="基本满意", at="2026-03-10 11:10")
    problems.add_step(db, pid, "办结", person_id=office["cadre"], at="2026-03-10 11:20")
    assert problems.get(db, pid).satisfaction == "基本满意"


def test_problem_from_visit_item(db, office):
    hid = _household(db, office, "101")
    items = ALL_CLEAR[:4] + [{"item_no": 5, "finding": "发现问题", "text": "单元门禁损坏"}]
    vid = visits.save_visit(db, hid, dt.date.today(), [office["cadre"]], items)
    pid = problems.create_from_visit_item(db, vid, 5, severity="一般")
    p = problems.get(db, pid)
    assert (p.source, p.grid_id, p.household_id, p.category) == ("走访", office["grid1"], hid, "物业管理")
    assert "单元门禁损坏" in p.title
    assert visits.get_visit(db, vid).items[4].problem_ids == (pid,)
    with pytest.raises(InUseError):
        visits.delete_visit(db, vid)


def test_overdue_due_soon_and_counts(db, office):
    def make(found, severity="一般"):
        return problems.create(db, title="问题", source="网格巡查", severity=severity, grid_id=office["grid1"],
                               found_by_person_id=office["cadre"], found_at=found)

    at = dt.datetime(2026, 3, 20, 12, 0)
    late = make("2026-03-20 10:00")                      # deadline 11:00: overdue
    soon = make("2026-03-20 11:10")                      # 10 of 60 minutes left: due soon
    fine = make("2026-03-20 11:55", "复杂")              # a week left
    on_time = make("2026-03-02 08:00")
    _walk(db, on_time, office["cadre"], start="2026-03-02 08:00")  # handled 08:40
    handled_late = make("2026-03-03 08:00")
    problems.add_step(db, handled_late, "研判", person_id=office["cadre"], text="x", at="2026-03-03 08:30")
    problems.add_step(db, handled_late, "分类", person_id=office["cadre"], category="其他", responsible_person_id=office["cadre"],
                      at="2026-03-03 08:40")
    problems.add_step(db, handled_late, "处置", person_id=office["cadre"], text="修好", at="2026-03-03 15:00")
    problems.add_step(db, handled_late, "反馈", person_id=office["cadre"], satisfaction="满意", at="2026-03-03 15:10")
    problems.add_step(db, handled_late, "办结", person_id=office["cadre"], at="2026-03-03 15:20")
    assert [p.id for p in problems.overdue(db, at)] == [late]
    assert [p.id for p in problems.due_soon(db, at)] == [soon]
    board = problems.board(db, at)
    assert [p.id for p in board["发现"]][:2] == [late, soon]
    assert fine in [p.id for p in board["发现"]]
    c = problems.counts(db, "2026-03-01", "2026-03-31", at=at)
    assert (c.opened, c.closed, c.closed_on_time, c.overdue, c.handled_late) == (5, 2, 1, 1, 1)
    assert c.on_time_percent == 50.0
    assert problems.counts_by_community(db, "2026-03-01", "2026-03-31", at=at)[office["community"]] == c
    feb = problems.counts(db, "2026-02-01", "2026-02-28", at=at)
    assert (feb.opened, feb.closed, feb.overdue) == (0, 0, 0)
    assert problems.get(db, late).deadline_state(at) == "overdue"
    assert problems.get(db, soon).remaining_text(at) == "剩余 10分"


def test_rules_validated(db):
    with pytest.raises(ValidationError):
        problems.save_rules(db, {"一般": 0, "重大": 24, "复杂": 168}, 0.25)
    with pytest.raises(ValidationError):
        problems.save_rules(db, {"一般": 48, "重大": 24, "复杂": 168}, 0.25)
    problems.save_rules(db, {"一般": 2, "重大": 24, "复杂": 168}, 0.2)
    assert problems.deadline_hours(db)["一般"] == 2
    with pytest.raises(ValidationError):
        visits.save_rules(db, 0, 30)
