"""Volunteer core: hours arithmetic, overlaps, partial participation, leavers, totals, 双报到 thresholds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core import audit, settings
from core import volunteers as vol
from core.errors import ValidationError
from core.idcard import make_fake
from core.volunteers import ActivityInput, ParticipantInput
from volunteer_office import Office


@pytest.fixture
def office(db):
    return Office(db)


def test_hours_are_exact_minutes_not_floats():
    assert vol.minutes_from_hours("1.5") == 90
    assert vol.minutes_from_hours(Decimal("0.1")) == 6
    assert vol.minutes_from_hours(0.1) == 6  # read through its text, no float drift
    assert vol.minutes_from_hours("2小时") == 120
    # Ten activities of 0.1 h add up to exactly one hour.
    assert sum(vol.minutes_from_hours("0.1") for _ in range(10)) == 60
    assert vol.hours_text(90) == "1.5"
    assert vol.hours_text(120) == "2"
    assert vol.hours_text(20) == "0.33"
    assert vol.hours_decimal(20) == Decimal("0.33")
    with pytest.raises(ValidationError, match="不是数字"):
        vol.minutes_from_hours("两小时")
    with pytest.raises(ValidationError, match="负数"):
        vol.minutes_from_hours("-1")


def test_default_hours_are_the_activity_length_and_partial_participation(office, db):
    a, b = office.resident("张三"), office.resident("李四")
    activity_id = office.activity("2025-03-05", "09:00", "11:30", [a, ParticipantInput(b, 60)])
    parts = {p.name: p.minutes for p in vol.participations(db, activity_id)}
    assert parts == {"张三": 150, "李四": 60}
    assert vol.get_activity(db, activity_id).total_minutes == 210
    assert vol.person_minutes(db, a, 2025) == 150
    assert vol.person_minutes(db, b, 2025) == 60
    with pytest.raises(ValidationError, match="超过了活动时长"):
        office.activity("2025-03-06", "09:00", "10:00", [ParticipantInput(a, 61)])
    with pytest.raises(ValidationError, match="应大于 0"):
        office.activity("2025-03-06", "09:00", "10:00", [ParticipantInput(a, 0)])


def test_bad_activity_input_saves_nothing(office, db):
    a = office.resident("王五")
    before = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(ValidationError, match="结束时间"):
        office.activity("2025-03-05", "11:00", "09:00", [a])
    with pytest.raises(ValidationError, match="不是有效时间"):
        office.activity("2025-03-05", "9点", "11:00", [a])
    with pytest.raises(ValidationError, match="晚于今天"):
        office.activity((dt.date.today() + dt.timedelta(days=3)).isoformat(), "09:00", "10:00", [a])
    with pytest.raises(ValidationError, match="至少"):
        office.activity("2025-03-05", "09:00", "10:00", [])
    with pytest.raises(ValidationError, match="两次"):
        office.activity("2025-03-05", "09:00", "10:00", [a, a])
    assert db.execute("SELECT count(*) FROM volunteer_activity").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_overlapping_activities_of_one_person(office, db):
    a = office.resident("赵六")
    office.activity("2025-04-01", "09:00", "11:00", [a], content="义诊")
    # 10:00–12:00 overlaps; two full sessions would be 4 h inside a 3 h span.
    with pytest.raises(ValidationError, match="重叠"):
        office.activity("2025-04-01", "10:00", "12:00", [a], content="植树")
    # Partial participation that fits the span is accepted: 2 h + 1 h within 09:00–12:00.
    office.activity("2025-04-01", "10:00", "12:00", [ParticipantInput(a, 60)], content="植树")
    assert vol.person_minutes(db, a, 2025) == 180
    # Back-to-back activities do not overlap.
    office.activity("2025-04-01", "12:00", "13:00", [a], content="送餐")
    assert vol.person_minutes(db, a, 2025) == 240
    # The same times on another day are fine.
    office.activity("2025-04-02", "09:00", "11:00", [a], content="义诊")
    assert vol.person_minutes(db, a, 2025) == 360


def test_editing_an_activity_does_not_clash_with_itself(office, db):
    a = office.resident("钱七")
    activity_id = office.activity("2025-05-01", "09:00", "11:00", [a])
    data = vol.activity_input(db, activity_id)
    vol.update_activity(db, activity_id, ActivityInput(
        data.community_id, data.date, data.start_time, data.end_time, "清扫楼道（补记）", data.place,
        data.team_ids, data.unit_ids, (ParticipantInput(a, 90),)))
    assert vol.person_minutes(db, a, 2025) == 90
    assert vol.get_activity(db, activity_id).content == "清扫楼道（补记）"


def test_leavers_are_not_ticked_by_default(office, db):
    team = office.team()
    stays, left, later = office.resident("孙八"), office.resident("周九"), office.resident("吴十")
    vol.add_team_member(db, team, stays, "2024-01-01")
    vol.add_team_member(db, team, later, "2025-06-01")
    membership = vol.add_team_member(db, team, left, "2024-01-01")
    vol.leave_team(db, membership, "2025-02-28")
    roster = {e.name: e for e in vol.roster_for(db, [team], "2025-03-10")}
    assert roster["孙八"].ticked
    assert not roster["周九"].ticked and "离队" in roster["周九"].reason
    assert not roster["吴十"].ticked and "入队" in roster["吴十"].reason
    # On the day the member left they still count.
    assert {e.name for e in vol.roster_for(db, [team], "2025-02-28") if e.ticked} == {"孙八", "周九"}
    # A leaver can still be added by hand (they came anyway); their hours count to the person.
    activity_id = office.activity("2025-03-10", "14:00", "16:00", [stays, left], teams=(team,))
    assert vol.person_minutes(db, left, 2025) == 120
    assert {p.name for p in vol.participations(db, activity_id)} == {"孙八", "周九"}
    with pytest.raises(ValidationError, match="早于入队"):
        vol.leave_team(db, vol.team_members(db, team)[0].id, "2000-01-01")


def test_same_person_in_two_teams_counted_once(office, db):
    t1 = office.team("学雷锋志愿服务队", "学雷锋")
    t2 = office.team("党员突击队", "党员突击队")
    both = office.person_of(office.member("郑十一"))
    only2 = office.resident("冯十二")
    vol.add_team_member(db, t1, both, "2024-01-01")
    vol.add_team_member(db, t2, both, "2024-01-01")
    vol.add_team_member(db, t2, only2, "2024-01-01")
    roster = vol.roster_for(db, [t1, t2], "2025-03-01")
    assert [e.name for e in roster].count("郑十一") == 1
    office.activity("2025-03-01", "08:00", "10:00", [e.person_id for e in roster if e.ticked], teams=(t1, t2))
    office.activity("2025-03-02", "08:00", "09:00", [both], teams=(t2,))
    totals = {t.name: t for t in vol.person_totals(db, 2025)}
    assert totals["郑十一"].minutes == 180 and totals["郑十一"].activities == 2
    assert totals["郑十一"].is_member and "学雷锋志愿服务队" in totals["郑十一"].teams
    assert totals["冯十二"].minutes == 120
    # One volunteer row for the person however many teams.
    assert db.execute("SELECT count(*) FROM volunteer WHERE person_id = ?", [both]).fetchone()[0] == 1
    teams = {t.name: t for t in vol.team_totals(db, 2025)}
    # 郑十一's first session is credited to the first team only; team sums equal the community sum.
    assert teams["学雷锋志愿服务队"].minutes == 120
    assert teams["党员突击队"].minutes == 120 + 60
    community = vol.community_minutes(db, 2025)
    assert community[office.community] == 300 == sum(t.minutes for t in teams.values())
    assert community[office.other_community] == 0


def test_totals_per_year_and_community(office, db):
    a = office.resident("陈一")
    office.activity("2024-12-31", "09:00", "10:00", [a])
    office.activity("2025-01-01", "09:00", "11:00", [a])
    office.activity("2025-02-01", "09:00", "10:30", [a], community=office.other_community)
    assert vol.person_minutes(db, a, 2024) == 60
    assert vol.person_minutes(db, a, 2025) == 210
    assert vol.person_minutes(db, a, 2025, office.community) == 120
    by_community = {c.name: c for c in vol.community_totals(db, 2025)}
    assert by_community["西湖社区党委"].minutes == 120 and by_community["鼓楼社区党委"].minutes == 90
    assert by_community["西湖社区党委"].volunteers == 1
    assert vol.person_totals(db, 2025, office.other_community)[0].minutes == 90


def test_dual_registration_thresholds_per_year(office, db):
    settings.set_value(db, "dual_registration_member_hours", 6)
    settings.set_value(db, "dual_registration_unit_hours", 12)
    m1, m2 = office.member("林一"), office.member("林二")
    vol.register_member(db, member_id=m1, community_id=office.community, registered_date="2024-03-01",
                        work_unit="市人民医院", unit_party_org="市人民医院党委")
    vol.register_member(db, member_id=m2, community_id=office.community, registered_date="2025-05-01",
                        work_unit="市第一中学")
    p1, p2 = office.person_of(m1), office.person_of(m2)
    for day in ("2025-03-01", "2025-04-01", "2025-05-01"):
        office.activity(day, "09:00", "11:00", [p1])          # 6 h in 2025
    office.activity("2025-06-01", "09:00", "11:30", [p2])     # 2.5 h
    office.activity("2025-06-02", "09:00", "12:00", [p2], community=office.other_community)  # elsewhere: not counted
    office.activity("2024-06-01", "09:00", "10:00", [p1])     # 1 h in 2024
    progress = {p.name: p for p in vol.member_progress(db, 2025, as_of=dt.date(2025, 11, 15))}
    assert progress["林一"].minutes == 360 and progress["林一"].met
    assert progress["林二"].minutes == 150 and not progress["林二"].met
    assert progress["林二"].shortfall_minutes == 210
    assert progress["林二"].months_left == 2
    below = vol.below_threshold_members(db, 2025, as_of=dt.date(2025, 11, 15))
    assert [b.name for b in below] == ["林二"]
    # 2024: only 林一 was registered, with 1 h; the year is over.
    old = vol.member_progress(db, 2024, as_of=dt.date(2025, 11, 15))
    assert [(p.name, p.minutes, p.met, p.months_left) for p in old] == [("林一", 60, False, 0)]
    # A different city's threshold is a setting.
    settings.set_value(db, "dual_registration_member_hours", 2)
    assert not vol.below_threshold_members(db, 2025)
    summary = vol.dual_summary(db, 2025)
    assert (summary.members_registered, summary.members_met) == (2, 2) and summary.member_rate == Decimal("1")


def test_units_hours_count_each_activity_once(office, db):
    unit = vol.create_unit(db, community_id=office.community, name="市供电公司", party_org="市供电公司党委",
                           registered_date="2024-01-10", contact_name="马主任", contact_phone="13912345678")
    people = [office.resident(n) for n in ("甲", "乙", "丙")]
    office.activity("2025-03-05", "09:00", "13:00", people, units=(unit,))
    office.activity("2025-04-05", "09:00", "12:00", people[:1], units=(unit,))
    progress = vol.unit_progress(db, 2025, as_of=dt.date(2025, 6, 30))
    assert len(progress) == 1
    assert progress[0].minutes == 7 * 60 and progress[0].activities == 2
    assert not progress[0].met and progress[0].shortfall_minutes == 5 * 60 and progress[0].months_left == 7
    assert vol.below_threshold_units(db, 2025)[0].name == "市供电公司"
    office.activity("2025-05-05", "08:00", "13:00", people[1:2], units=(unit,))
    assert vol.unit_progress(db, 2025)[0].met
    assert vol.dual_summary(db, 2025).units_met == 1
    with pytest.raises(ValidationError, match="已经在该社区"):
        vol.create_unit(db, community_id=office.community, name="市供电公司", registered_date="2024-01-10")


def test_only_in_service_members_register_once(office, db):
    retired = office.member("退休老张", person_type="离退休", work_unit=None)
    with pytest.raises(ValidationError, match="在职"):
        vol.register_member(db, member_id=retired, community_id=office.community)
    m = office.member("在职小李")
    vol.register_member(db, member_id=m, community_id=office.community)
    reg = vol.list_registrations(db)[0]
    assert reg.work_unit == "市人民医院"  # from the roster when not typed
    with pytest.raises(ValidationError, match="已经登记过"):
        vol.register_member(db, member_id=m, community_id=office.community)
    assert [r[1] for r in vol.in_service_members(db, "zxl")] == []


def test_teams_volunteers_and_search(office, db):
    vid = vol.create_volunteer(db, {"name": "单丽", "phone": "13911112222"}, skills="理发")
    hits = vol.search_people(db, "sl")
    assert hits and hits[0].name == "单丽" and hits[0].volunteer_id == vid
    assert vol.search_people(db, "shanli")[0].name == "单丽"
    assert vol.search_people(db, "单")[0].name == "单丽"
    number = make_fake(__import__("random").Random(1), "640181", dt.date(1970, 1, 2), "女")
    vol.create_volunteer(db, {"name": "许敏", "id_number": number})
    with pytest.raises(ValidationError, match="已经是志愿者"):
        vol.create_volunteer(db, {"name": "许敏", "id_number": number})
    person = vol.get_volunteer(db, vid).person_id
    team = vol.create_team(db, office.community, "爱心敲门队", "爱心敲门", leader_person_id=person, founded_date="2023-01-01")
    t = vol.get_team(db, team)
    assert t.leader_name == "单丽" and t.kind_name == "爱心敲门" and t.active_members == 1
    with pytest.raises(ValidationError, match="已经有名为"):
        vol.create_team(db, office.community, "爱心敲门队", "爱心敲门")
    with pytest.raises(ValidationError, match="不用重复"):
        vol.add_team_member(db, team, person, "2024-01-01")
    new_kind = vol.create_team(db, office.community, "银发助老队", "助老服务")
    assert vol.get_team(db, new_kind).kind_name == "助老服务"
    vol.delete_team(db, new_kind)
    office.activity("2025-01-05", "09:00", "10:00", [person], teams=(team,))
    with pytest.raises(ValidationError, match="不能删除"):
        vol.delete_team(db, team)


def test_changes_are_audited(office, db):
    a = office.resident("审计")
    activity_id = office.activity("2025-03-05", "09:00", "10:00", [a])
    tables = {e.table_name for e in audit.entries(db)}
    assert {"volunteer", "volunteer_activity", "volunteer_participation"} <= tables
    vol.delete_activity(db, activity_id)
    assert vol.person_minutes(db, a, 2025) == 0
    assert any(e.action == "delete" and e.table_name == "volunteer_participation" for e in audit.entries(db))


def test_updating_units_and_registrations_and_ending_them(office, db):
    unit = vol.create_unit(db, community_id=office.community, name="市图书馆", registered_date="2024-01-01")
    vol.update_unit(db, unit, contact_name="刘馆长", contact_phone="0951-1234567")
    assert (vol.get_unit(db, unit).contact_name, vol.get_unit(db, unit).contact_phone) == ("刘馆长", "0951-1234567")
    with pytest.raises(ValidationError, match="结束日期不能早于"):
        vol.update_unit(db, unit, ended_date="2023-01-01")
    vol.update_unit(db, unit, ended_date="2024-12-31")
    assert [u.name for u in vol.unit_progress(db, 2024)] == ["市图书馆"]
    assert vol.unit_progress(db, 2025) == []  # no longer co-building that year
    member = office.member("黄在职")
    reg = vol.register_member(db, member_id=member, community_id=office.community, registered_date="2024-06-01",
                              unit_id=unit)
    assert vol.get_registration(db, reg).unit_party_org is None and vol.get_registration(db, reg).unit_name == "市图书馆"
    vol.update_registration(db, reg, community_id=office.other_community, unit_party_org="市文旅局党组")
    changed = vol.get_registration(db, reg)
    assert changed.community_name == "鼓楼社区党委" and changed.unit_party_org == "市文旅局党组"
    assert vol.member_progress(db, 2023) == []  # registered in 2024
    assert [m.name for m in vol.member_progress(db, 2024, office.other_community)] == ["黄在职"]


def test_a_community_with_teams_cannot_be_deleted(office, db):
    from core import orgs
    from core.errors import InUseError

    empty = orgs.create_unit(db, "community", "新社区党委", office.street)
    vol.create_team(db, empty, "新社区学雷锋志愿服务队", "学雷锋")
    with pytest.raises(InUseError, match="志愿服务队 1 条"):
        orgs.delete_unit(db, empty)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(1, 8), st.integers(1, 100)), min_size=1, max_size=8))
def test_no_one_serves_more_time_than_passes(tmp_path_factory, sessions):
    """Whatever sessions are attempted on one day, the accepted ones never add up past the time covered."""
    from core.db import open_db

    db = open_db(tmp_path_factory.mktemp("h") / "h.db", operator="hypothesis")
    try:
        office = Office(db)
        person = office.resident("甲")
        spans = []
        for start_slot, length_slots, percent in sessions:
            start, end = 7 * 60 + start_slot * 30, 7 * 60 + (start_slot + length_slots) * 30
            minutes = max(1, (end - start) * percent // 100)
            try:
                office.activity("2025-05-05", f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}",
                                [ParticipantInput(person, minutes)])
            except ValidationError:
                continue
            spans.append((start, end, minutes))
        covered = set()
        for start, end, _ in spans:
            covered.update(range(start, end))
        assert vol.person_minutes(db, person, 2025) == sum(m for _, _, m in spans) <= len(covered)
    finally:
        db.close()


def test_measures_for_the_letters_count_up_to_a_date(office, db):
    a = office.resident("测量")
    office.activity("2025-03-01", "09:00", "11:00", [a])
    office.activity("2025-09-01", "09:00", "10:00", [a])
    office.activity("2025-09-01", "14:00", "15:30", [a], community=office.other_community, content="别处")
    assert vol.community_minutes_until(db, office.community, 2025, dt.date(2025, 6, 30)) == 120
    assert vol.community_minutes_until(db, office.community, 2025, dt.date(2026, 2, 1)) == 180
    assert vol.community_minutes_until(db, office.community, 2025, dt.date(2024, 12, 31)) == 0
    assert vol.hours_decimal(vol.community_minutes_until(db, office.community, 2025, dt.date(2025, 12, 31))) == Decimal("3.00")
    m1, m2, m3 = office.member("达标"), office.member("未达标"), office.member("也未达标")
    for member in (m1, m2, m3):
        vol.register_member(db, member_id=member, community_id=office.community, registered_date="2025-01-01")
    office.activity("2025-04-01", "08:00", "12:00", [office.person_of(m1)])
    office.activity("2025-10-01", "08:00", "10:00", [office.person_of(m1)])
    assert vol.dual_member_rate(db, office.community, 2025, dt.date(2025, 12, 31)) == Decimal("33.3")
    assert vol.dual_member_rate(db, office.community, 2025, dt.date(2025, 6, 30)) == Decimal("0.0")  # 4 h by June
    assert vol.dual_member_rate(db, office.other_community, 2025, dt.date(2025, 12, 31)) is None


def test_letters_measures_read_volunteer_records(office, db):
    from core import measures

    a = office.resident("指标")
    office.activity("2025-03-01", "09:00", "10:30", [a])
    member = office.member("报到者")
    vol.register_member(db, member_id=member, community_id=office.community, registered_date="2025-01-01")
    office.activity("2025-05-01", "08:00", "14:00", [office.person_of(member)])
    assert measures.measure_value(db, "volunteer_hours", office.community, 2025, dt.date(2025, 12, 31)) == 7.5
    assert measures.measure_value(db, "dual_registration_member_rate", office.community, 2025, dt.date(2025, 12, 31)) == 100.0
    assert measures.measure_value(db, "dual_registration_member_rate", office.other_community, 2025,
                                  dt.date(2025, 12, 31)) is None
    assert measures.get("volunteer_hours").area == "volunteers"
