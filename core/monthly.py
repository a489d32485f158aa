"""The month at a glance, per community and for the street: the figures of the monthly report and the dashboard."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from core import letters, measures, meetings, members, orgs, problems, settings, visits, volunteers
from core.db import Db
from core.errors import ValidationError


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        following = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    @property
    def code(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)


def parse_month(text: str | Month) -> Month:
    """'2026-03' (or 2026-3, 2026年3月) -> Month."""
    if isinstance(text, Month):
        return text
    found = re.fullmatch(r"\s*(\d{4})\s*(?:-|年|/|\.)\s*(\d{1,2})\s*月?\s*", str(text))
    if not found or not 1 <= int(found[2]) <= 12:
        raise ValidationError(f"月份“{text}”无法识别，请写成 2026-03 这样的形式。", "month")
    return Month(int(found[1]), int(found[2]))


def month_of(day: dt.date) -> Month:
    return Month(day.year, day.month)


@dataclass(frozen=True)
class UnitMonth:
    """One community's month (community_id None: the street, all communities and street-level branches)."""

    community_id: int | None
    name: str
    members: int
    joined: int
    transferred_in: int
    transferred_out: int
    meetings_held: int
    meetings_required: int  # meetings whose deadline fell in the month
    meetings_required_held: int  # of those, how many were held
    attendance_present: int
    attendance_expected: int
    visits: int
    households: int
    households_visited_ytd: int  # with a complete visit from 1 January to the month's end
    problems_opened: int
    problems_closed: int
    problems_closed_on_time: int
    problems_overdue: int  # still unhandled past their deadline at the month's end (or now)
    volunteer_minutes: int
    volunteer_activities: int
    letter_score: float | None  # the year's letter score at the month's end

    @property
    def attendance_rate(self) -> float | None:
        return round(100.0 * self.attendance_present / self.attendance_expected, 1) if self.attendance_expected else None

    @property
    def coverage_ytd(self) -> float | None:
        return round(100.0 * self.households_visited_ytd / self.households, 1) if self.households else None

    @property
    def volunteer_hours(self) -> float:
        return round(self.volunteer_minutes / 60, 1)

    @property
    def meetings_compliance(self) -> float | None:
        return round(100.0 * self.meetings_required_held / self.meetings_required, 1) if self.meetings_required else None


@dataclass(frozen=True)
class TrendPoint:
    month: Month
    meetings_held: int
    visits: int
    problems_opened: int
    problems_closed: int
    volunteer_hours: float
    joined: int


@dataclass(frozen=True)
class MonthlyReport:
    month: Month
    as_of: dt.date
    communities: tuple[UnitMonth, ...]
    street: UnitMonth
    trend: tuple[TrendPoint, ...]  # the last 12 months, oldest first, street totals


def _report_day(month: Month, today: dt.date) -> dt.date:
    """Figures 'as at' the month's end, or today while the month is still running."""
    return min(month.end, today) if month.start <= today else month.end


def _branches_of(db: Db, community_id: int | None) -> list[int]:
    if community_id is None:
        return [b.id for b in orgs.branches(db)]
    return measures.community_branch_ids(db, community_id)


def _scope_sql(community_id: int | None, branch_ids: list[int], column: str = "branch_id") -> tuple[str, list]:
    if community_id is None:
        return "1", []
    return f"{column} IN ({','.join('?' * len(branch_ids)) or 'NULL'})", list(branch_ids)


def unit_month(db: Db, community_id: int | None, month: Month, today: dt.date | None = None) -> UnitMonth:
    today = today or dt.date.today()
    as_of = _report_day(month, today)
    start, end = month.start.isoformat(), month.end.isoformat()
    branch_ids = _branches_of(db, community_id)
    name = orgs.get_unit(db, community_id).name if community_id is not None else "全街道合计"
    scope, params = _scope_sql(community_id, branch_ids, "m.branch_id")

    member_count = db.execute(
        f"SELECT count(*) FROM member m WHERE {scope} AND m.{measures.ON_ROSTER_SQL} "
        "AND (m.join_date IS NULL OR m.join_date <= ?)", [*params, month.end.isoformat()],
    ).fetchone()[0]
    joined = db.execute(f"SELECT count(*) FROM member m WHERE {scope} AND m.join_date BETWEEN ? AND ?",
                        [*params, start, end]).fetchone()[0]
    moved = dict(db.execute(
        f"""SELECT e.kind, count(*) FROM member_event e JOIN member m ON m.id = e.member_id
            WHERE {scope} AND e.kind IN ('transfer_in', 'transfer_out') AND e.event_date BETWEEN ? AND ? GROUP BY e.kind""",
        [*params, start, end],
    ).fetchall())

    held = db.execute(
        f"SELECT count(*) FROM meeting m WHERE {scope} AND m.status = '已召开' AND m.date BETWEEN ? AND ?",
        [*params, start, end],
    ).fetchone()[0]
    expected, present = db.execute(
        f"""SELECT count(*), coalesce(sum(a.status = '出席'), 0) FROM meeting_attendance a JOIN meeting m ON m.id = a.meeting_id
            WHERE {scope} AND m.status = '已召开' AND m.date BETWEEN ? AND ?""",
        [*params, start, end],
    ).fetchone()
    required = required_held = 0
    for branch_id in branch_ids:
        for kind in meetings.compliance(db, branch_id, month.code, on=as_of, with_details=False).kinds:
            required += kind.required
            required_held += min(kind.held, kind.required)

    visit_counts = visits.visit_counts(db, start, end, community_id)
    coverage = visits.coverage(db, community_id=community_id, start=f"{month.year}-01-01", end=end)
    at = dt.datetime.combine(as_of, dt.time(23, 59)) if as_of < today else dt.datetime.now()
    problem_counts = problems.counts(db, start, end, community_id, at=at)

    service = [t for t in volunteers.community_totals_between(db, start, end)
               if community_id is None or t.community_id == community_id]

    score = None
    if community_id is not None:
        letter = letters.find_letter(db, community_id, month.year)
        score = letters.letter_progress(db, letter.id, month.end).score if letter else None
    else:
        scores = [p.score for p in letters.year_progress(db, month.year, month.end)]
        score = round(sum(scores) / len(scores), 1) if scores else None

    return UnitMonth(
        community_id=community_id, name=name, members=member_count, joined=joined,
        transferred_in=moved.get("transfer_in", 0), transferred_out=moved.get("transfer_out", 0),
        meetings_held=held, meetings_required=required, meetings_required_held=required_held,
        attendance_present=present, attendance_expected=expected,
        visits=visit_counts.visits, households=coverage.households, households_visited_ytd=coverage.visited,
        problems_opened=problem_counts.opened, problems_closed=problem_counts.closed,
        problems_closed_on_time=problem_counts.closed_on_time, problems_overdue=problem_counts.overdue,
        volunteer_minutes=sum(t.minutes for t in service), volunteer_activities=sum(t.activities for t in service),
        letter_score=score,
    )


def trend(db: Db, last: Month, months: int = 12) -> list[TrendPoint]:
    """Street totals for the `months` months ending with `last`, oldest first (one grouped query per ledger)."""
    first = last.shifted(-(months - 1))
    start, end = first.start.isoformat(), last.end.isoformat()

    def by_month(sql: str) -> dict[str, float]:
        return {r[0]: r[1] for r in db.execute(sql, [start, end]).fetchall()}

    held = by_month("SELECT substr(date, 1, 7), count(*) FROM meeting WHERE status = '已召开' AND date BETWEEN ? AND ? GROUP BY 1")
    visit_n = by_month("SELECT substr(visit_date, 1, 7), count(*) FROM home_visit WHERE visit_date BETWEEN ? AND ? GROUP BY 1")
    opened = by_month("SELECT substr(found_at, 1, 7), count(*) FROM problem WHERE substr(found_at, 1, 10) BETWEEN ? AND ? GROUP BY 1")
    closed = by_month("SELECT substr(closed_at, 1, 7), count(*) FROM problem WHERE substr(closed_at, 1, 10) BETWEEN ? AND ? GROUP BY 1")
    minutes = {p.code: sum(t.minutes for t in volunteers.community_totals_between(db, p.start.isoformat(), p.end.isoformat()))
               for p in (first.shifted(i) for i in range(months))}
    joined = by_month("SELECT substr(join_date, 1, 7), count(*) FROM member WHERE join_date BETWEEN ? AND ? GROUP BY 1")
    points = []
    for i in range(months):
        month = first.shifted(i)
        code = month.code
        points.append(TrendPoint(month, int(held.get(code, 0)), int(visit_n.get(code, 0)), int(opened.get(code, 0)),
                                 int(closed.get(code, 0)), round(minutes.get(code, 0) / 60, 1), int(joined.get(code, 0))))
    return points


def monthly_report(db: Db, month: str | Month, today: dt.date | None = None) -> MonthlyReport:
    """Every community's month, the street total and the street's last 12 months."""
    month = parse_month(month)
    today = today or dt.date.today()
    communities = tuple(unit_month(db, c.id, month, today) for c in orgs.list_units(db, kind="community"))
    if not communities:
        raise ValidationError("还没有社区。请先在“设置 → 组织机构”中建立社区党组织。")
    return MonthlyReport(month, _report_day(month, today), communities, unit_month(db, None, month, today),
                         tuple(trend(db, month)))


# The dashboard's to-do list ---------------------------------------------------------------------

@dataclass(frozen=True)
class Alerts:
    """What needs doing: counts the dashboard shows, each opening its list."""

    on: dt.date
    meetings_overdue: tuple[meetings.KindCompliance, ...]  # kinds whose deadline passed unmet this year
    meetings_overdue_branches: tuple[str, ...]
    meetings_due: tuple[meetings.DueItem, ...]  # still to hold this month
    probations_due: tuple[members.Member, ...]
    probation_days: int
    problems_overdue: tuple[problems.Problem, ...]
    problems_due_soon: tuple[problems.Problem, ...]
    dual_registration_behind: tuple[volunteers.MemberProgress, ...]  # registered members below the year's hours


def alerts(db: Db, on: dt.date | None = None) -> Alerts:
    on = on or dt.date.today()
    overdue, overdue_branches = [], []
    for branch in orgs.branches(db):
        record = meetings.compliance(db, branch.id, str(on.year), on=on, with_details=False)
        if record.overdue:
            overdue += record.overdue
            overdue_branches.append(branch.name)
    days = int(settings.get(db, "probation_warning_days"))
    behind = [p for p in volunteers.member_progress(db, on.year, as_of=on) if not p.met]
    return Alerts(
        on=on,
        meetings_overdue=tuple(overdue), meetings_overdue_branches=tuple(overdue_branches),
        meetings_due=tuple(meetings.due_this_month(db, on)),
        probations_due=tuple(members.probations_due(db, days, on)), probation_days=days,
        problems_overdue=tuple(problems.overdue(db)), problems_due_soon=tuple(problems.due_soon(db)),
        dual_registration_behind=tuple(behind),
    )
