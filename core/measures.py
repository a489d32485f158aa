"""Measures: named ways to read a letter item's achieved value from the records, by community, year and date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from core.db import Db

MANUAL = "manual"
# Statuses that still count as ours are data (roster_lookup.in_roster), as the roster keeps them.
ON_ROSTER_SQL = "status IN (SELECT value FROM roster_lookup WHERE kind = 'status' AND in_roster = 1)"

MeasureFunc = Callable[[Db, int, int, dt.date], "float | None"]


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str
    area: str  # which ledger it reads: members, meetings, visits, problems, volunteers, manual
    description: str
    func: MeasureFunc | None  # None for the manual measure

    @property
    def is_manual(self) -> bool:
        return self.func is None


_REGISTRY: dict[str, Measure] = {}


def register(code: str, label: str, unit: str, area: str, description: str = "") -> Callable[[MeasureFunc], MeasureFunc]:
    """Decorator: make a function (db, community_id, year, as_of) -> value available to letter items."""

    def wrap(func: MeasureFunc) -> MeasureFunc:
        _REGISTRY[code] = Measure(code, label, unit, area, description, func)
        return func

    return wrap


_REGISTRY[MANUAL] = Measure(MANUAL, "手工录入", "", "manual", "由工作人员按实际完成情况录入", None)


def all_measures() -> list[Measure]:
    """Every registered measure, manual first, then by area and label."""
    order = ["manual", "members", "meetings", "visits", "problems", "volunteers"]
    return sorted(_REGISTRY.values(), key=lambda m: (order.index(m.area) if m.area in order else 99, m.code))


def get(code: str) -> Measure | None:
    return _REGISTRY.get(code)


def label(code: str) -> str:
    found = get(code)
    return found.label if found else f"未知指标（{code}，按手工录入）"


def year_bounds(year: int, as_of: dt.date) -> tuple[str, str] | None:
    """ISO first day of the year and the last day counted (as_of, or 31 Dec); None before the year starts."""
    start = dt.date(year, 1, 1)
    end = min(as_of, dt.date(year, 12, 31))
    if end < start:
        return None
    return start.isoformat(), end.isoformat()


def measure_value(db: Db, code: str, community_id: int, year: int, as_of: dt.date) -> float | None:
    """The value a measure reads for a community in a year, counting records up to as_of."""
    found = get(code)
    if found is None or found.func is None:
        return None
    return found.func(db, community_id, year, as_of)


def community_branch_ids(db: Db, community_id: int) -> list[int]:
    """The community's own branch units (community or branch ids that members may hang on)."""
    rows = db.execute(
        "SELECT id FROM org_unit WHERE kind = 'branch' AND parent_id = ? ORDER BY id", [community_id]
    ).fetchall()
    return [r[0] for r in rows]


def _marks(ids: list[int]) -> str:
    return ",".join("?" * len(ids)) or "NULL"


def _active_members_where(db: Db, community_id: int, as_of: dt.date) -> tuple[str, list]:
    branches = community_branch_ids(db, community_id)
    sql = f"branch_id IN ({_marks(branches)}) AND {ON_ROSTER_SQL} AND (join_date IS NULL OR join_date <= ?)"
    return sql, [*branches, as_of.isoformat()]


# Members (core/members.py is on main) ----------------------------------------------------------


@register("members_total", "党员人数", "人", "members", "所属党支部在册党员（按名册状态，不含已转出、出党、去世等）")
def members_total(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    where, params = _active_members_where(db, community_id, min(as_of, dt.date(year, 12, 31)))
    return float(db.execute(f"SELECT count(*) FROM member WHERE {where}", params).fetchone()[0])


@register("members_joined", "年内发展党员", "人", "members", "入党时间在当年内（截至统计日）的党员")
def members_joined(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    bounds = year_bounds(year, as_of)
    if bounds is None:
        return 0.0
    branches = community_branch_ids(db, community_id)
    return float(db.execute(
        f"SELECT count(*) FROM member WHERE branch_id IN ({_marks(branches)}) AND join_date BETWEEN ? AND ?",
        [*branches, *bounds],
    ).fetchone()[0])


def _share(db: Db, community_id: int, year: int, as_of: dt.date, condition: str) -> float | None:
    where, params = _active_members_where(db, community_id, min(as_of, dt.date(year, 12, 31)))
    total, hit = db.execute(
        f"SELECT count(*), coalesce(sum(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) FROM member WHERE {where}", params
    ).fetchone()
    return None if not total else round(100.0 * hit / total, 1)


@register("members_in_grid_rate", "党员编入网格比例", "%", "members", "在册党员中已编入网格的比例")
def members_in_grid_rate(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    return _share(db, community_id, year, as_of, "grid_id IS NOT NULL")


@register("members_in_group_rate", "党员编入党小组比例", "%", "members", "在册党员中已编入党小组的比例")
def members_in_group_rate(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    return _share(db, community_id, year, as_of, "party_group_id IS NOT NULL")


# Volunteers (core/volunteers.py keeps hours as minutes; letters get hours) ------------------------


@register("volunteer_hours", "志愿服务时长", "小时", "volunteers", "社区志愿服务活动全年累计服务时长（截至统计日）")
def volunteer_hours(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    from core import volunteers

    return float(volunteers.hours_decimal(volunteers.community_minutes_until(db, community_id, year, as_of)))


@register("dual_registration_member_rate", "双报到党员服务达标率", "%", "volunteers",
          "到本社区报到的在职党员中，全年服务时长达到规定时长的比例")
def dual_registration_member_rate(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    from core import volunteers

    rate = volunteers.dual_member_rate(db, community_id, year, as_of)
    return None if rate is None else float(rate)


# Meetings (core/meetings.py) -------------------------------------------------------------------


def _held(kind_code: str) -> MeasureFunc:
    def measure(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
        from core import meetings

        bounds = year_bounds(year, as_of)
        if bounds is None:
            return 0.0
        return float(meetings.held_count(db, community_id, kind_code, *bounds))

    return measure


for _code, _kind, _label in (
    ("meetings_committee", "committee", "支委会召开次数"),
    ("meetings_general", "general", "支部党员大会召开次数"),
    ("meetings_lesson", "lesson", "党课次数"),
    ("meetings_theme_day", "theme_day", "主题党日次数"),
    ("meetings_group", "group", "党小组会召开次数"),
):
    register(_code, _label, "次", "meetings", f"当年截至统计日各党支部已召开的{_label[:-2]}（计划中的不算）")(_held(_kind))


@register("meetings_attendance_rate", "组织生活出席率", "%", "meetings", "当年已召开的三会一课中实到人次占应到人次的比例")
def meetings_attendance_rate(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    from core import meetings

    bounds = year_bounds(year, as_of)
    rate = meetings.attendance_rate(db, community_id, *bounds) if bounds else None
    return None if rate is None else round(100.0 * rate, 1)


@register("meetings_on_time_rate", "三会一课按期召开率", "%", "meetings",
          "当年到统计日为止应召开的各类会议中按期召开的比例（按会议类型的频次要求逐月、逐季计算）")
def meetings_on_time_rate(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    from core import meetings

    if as_of < dt.date(year, 1, 1):
        return None
    on = min(as_of, dt.date(year, 12, 31))
    required = held = 0
    for branch_id in community_branch_ids(db, community_id):
        for kind in meetings.compliance(db, branch_id, str(year), on=on, with_details=False).kinds:
            if kind.state != "none":
                required += kind.required
                held += kind.held
    return None if not required else round(100.0 * held / required, 1)


# Visits and problems (core/visits.py, core/problems.py) ---------------------------------------

@register("visits_coverage", "五必问入户走访覆盖率", "%", "visits", "当年有完整走访记录的住户 / 社区住户总数")
def visits_coverage(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    from core import visits

    bounds = year_bounds(year, as_of)
    if bounds is None:
        return 0.0
    result = visits.coverage(db, community_id=community_id, start=bounds[0], end=bounds[1])
    return result.percent if result.households else None


@register("visits_count", "入户走访次数", "次", "visits", "当年入户走访记录数（截至统计日）")
def visits_count(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    from core import visits

    bounds = year_bounds(year, as_of)
    if bounds is None:
        return 0.0
    return float(visits.visit_counts(db, bounds[0], bounds[1], community_id).visits)


def _problem_counts(db: Db, community_id: int, year: int, as_of: dt.date):
    from core import problems

    bounds = year_bounds(year, as_of)
    if bounds is None:
        return None
    end_of_day = dt.datetime.combine(dt.date.fromisoformat(bounds[1]), dt.time(23, 59))
    return problems.counts(db, bounds[0], bounds[1], community_id, at=end_of_day)


@register("problems_closed_on_time_rate", "问题按时办结率", "%", "problems", "当年办结的问题中在时限内处置的比例")
def problems_closed_on_time_rate(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    counts = _problem_counts(db, community_id, year, as_of)
    return counts.on_time_percent if counts and counts.closed else None


@register("problems_overdue", "超期未处置问题", "件", "problems", "统计日仍超过时限未处置的问题（目标宜设“不超过”）")
def problems_overdue(db: Db, community_id: int, year: int, as_of: dt.date) -> float | None:
    counts = _problem_counts(db, community_id, year, as_of)
    return float(counts.overdue) if counts else 0.0
