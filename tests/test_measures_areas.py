"""Letter measures that read the meeting, visit, problem and volunteer ledgers, checked against independent SQL."""

from __future__ import annotations

import datetime as dt

import pytest

from core import letters, measures, orgs, settings


def _branches(db, community_id: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM org_unit WHERE parent_id = ? AND kind = 'branch'", [community_id])]


def _in(ids: list[int]) -> str:
    return ",".join(str(int(i)) for i in ids) or "NULL"


@pytest.fixture
def when():
    today = dt.date.today()
    return today.year, today


@pytest.mark.parametrize("code,kind", [("meetings_committee", "committee"), ("meetings_general", "general"),
                                       ("meetings_lesson", "lesson"), ("meetings_theme_day", "theme_day")])
def test_meetings_held_by_kind(demo_db, when, code, kind):
    year, day = when
    for community in orgs.list_units(demo_db, kind="community"):
        expected = demo_db.execute(
            f"""SELECT count(*) FROM meeting m JOIN meeting_kind k ON k.id = m.kind_id
                WHERE m.branch_id IN ({_in(_branches(demo_db, community.id))}) AND k.code = ? AND m.status = '已召开'
                AND m.date >= ? AND m.date <= ?""", [kind, f"{year}-01-01", day.isoformat()],
        ).fetchone()[0]
        assert measures.measure_value(demo_db, code, community.id, year, day) == expected


def test_attendance_rate(demo_db, when):
    year, day = when
    checked = 0
    for community in orgs.list_units(demo_db, kind="community"):
        rows = demo_db.execute(
            f"""SELECT a.status FROM meeting_attendance a JOIN meeting m ON m.id = a.meeting_id
                WHERE m.branch_id IN ({_in(_branches(demo_db, community.id))}) AND m.status = '已召开'
                AND m.date >= ? AND m.date <= ?""", [f"{year}-01-01", day.isoformat()],
        ).fetchall()
        expected = round(100 * sum(1 for (s,) in rows if s == "出席") / len(rows), 1) if rows else None
        assert measures.measure_value(demo_db, "meetings_attendance_rate", community.id, year, day) == expected
        checked += bool(rows)
    assert checked


def test_visit_coverage(demo_db, when):
    year, day = when
    for community in orgs.list_units(demo_db, kind="community"):
        households = [r[0] for r in demo_db.execute(
            "SELECT h.id FROM household h JOIN grid g ON g.id = h.grid_id WHERE g.community_id = ?", [community.id])]
        visited = {r[0] for r in demo_db.execute(
            "SELECT household_id FROM home_visit WHERE complete = 1 AND visit_date >= ? AND visit_date <= ?",
            [f"{year}-01-01", day.isoformat()])}
        expected = round(100 * len([h for h in households if h in visited]) / len(households), 1) if households else None
        assert measures.measure_value(demo_db, "visits_coverage", community.id, year, day) == expected


def test_problems_closed_on_time(demo_db, when):
    year, day = when
    for community in orgs.list_units(demo_db, kind="community"):
        rows = demo_db.execute(
            """SELECT p.handled_at, p.deadline_at FROM problem p JOIN grid g ON g.id = p.grid_id
               WHERE g.community_id = ? AND p.closed_at >= ? AND p.closed_at < ?""",
            [community.id, f"{year}-01-01", (day + dt.timedelta(days=1)).isoformat()],
        ).fetchall()
        expected = round(100 * sum(1 for h, d in rows if h <= d) / len(rows), 1) if rows else None
        assert measures.measure_value(demo_db, "problems_closed_on_time_rate", community.id, year, day) == expected


def test_volunteer_hours_and_dual_registration(demo_db, when):
    year, day = when
    threshold = settings.get(demo_db, "dual_registration_member_hours") * 60
    for community in orgs.list_units(demo_db, kind="community"):
        minutes = demo_db.execute(
            """SELECT coalesce(sum(p.minutes), 0) FROM volunteer_participation p
               JOIN volunteer_activity a ON a.id = p.activity_id
               WHERE a.community_id = ? AND a.date >= ? AND a.date <= ?""",
            [community.id, f"{year}-01-01", day.isoformat()]).fetchone()[0]
        assert measures.measure_value(demo_db, "volunteer_hours", community.id, year, day) == round(minutes / 60, 1)
        served = []
        for member_id, person_id in demo_db.execute(
                """SELECT r.member_id, m.person_id FROM dual_registration r JOIN member m ON m.id = r.member_id
                   WHERE r.community_id = ? AND r.registered_date <= ? AND (r.ended_date IS NULL OR r.ended_date >= ?)""",
                [community.id, day.isoformat(), f"{year}-01-01"]).fetchall():
            served.append(demo_db.execute(
                """SELECT coalesce(sum(p.minutes), 0) FROM volunteer_participation p
                   JOIN volunteer v ON v.id = p.volunteer_id JOIN volunteer_activity a ON a.id = p.activity_id
                   WHERE v.person_id = ? AND a.community_id = ? AND a.date >= ? AND a.date <= ?""",
                [person_id, community.id, f"{year}-01-01", day.isoformat()]).fetchone()[0])
        expected = round(100 * sum(1 for m in served if m >= threshold) / len(served), 1) if served else None
        assert measures.measure_value(demo_db, "dual_registration_member_rate", community.id, year, day) == expected


def test_demo_letters_use_the_ledgers(demo_db, when):
    year, day = when
    letter = letters.list_letters(demo_db, year)[0]
    progress = letters.letter_progress(demo_db, letter.id, day)
    codes = {p.item.measure_code for p in progress.items}
    assert {"meetings_committee", "visits_coverage", "problems_closed_on_time_rate", "volunteer_hours",
            "dual_registration_member_rate"} <= codes
    measured = [p for p in progress.items if not p.item.is_manual]
    assert all(p.source.startswith("系统统计") for p in measured)
    # earlier in the year fewer meetings had been held
    committee = next(p for p in progress.items if p.item.measure_code == "meetings_committee")
    early = letters.letter_progress(demo_db, letter.id, dt.date(year, 1, 31))
    early_committee = next(p for p in early.items if p.item.measure_code == "meetings_committee")
    assert early_committee.measured <= committee.measured
