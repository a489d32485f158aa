"""五必问 home visits: the five must-ask answers of each visit, and visit coverage by grid, cadre and period.

A visit records a household, a date, the visitors (persons) and, for each of the five must-ask
items (ITEMS), a finding (无异常 / 有情况 / 发现问题) and text. A visit may be saved before all five
are answered; it is then flagged incomplete (`Visit.complete` False) and does not count towards
coverage until the missing answers are filled in.

Functions other areas (dashboard, letters, monthly report) call — dates are datetime.date or ISO text:
    coverage(db, community_id=None, grid_id=None, start=..., end=..., cadre_person_id=None) -> Coverage
        households in the scope (the whole office when no scope is given), how many had a complete
        visit with visit_date in [start, end], the percentage, and the visit counts of the period.
    coverage_by_grid(db, start, end, community_id=None) -> list[GridCoverage]
    coverage_by_cadre(db, start, end, community_id=None) -> list[CadreCoverage]
    coverage_by_community(db, start, end) -> list[CommunityCoverage]   every community, in tree order
    visit_counts(db, start, end, community_id=None) -> VisitCounts    (visits, complete, incomplete, with problems)
    not_visited(db, days=None, on=None, community_id=None, grid_id=None) -> list[DueHousehold]
        never visited, or last complete visit more than `days` ago (setting visit_due_days).
    special_overdue(db, on=None, community_id=None, grid_id=None) -> list[DueHousehold]
        households with a special-group tag whose last complete visit is older than the setting
        visit_special_interval_days (or who were never visited).
Recording: save_visit(db, household_id, visit_date, visitor_ids, items, note=None, visit_id=None) -> id,
get_visit, list_visits(db, household_id=None, start=None, end=None, community_id=None), delete_visit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from core import audit, settings
from core.clock import now_text, today
from core.db import Db
from core.errors import InUseError, NotFoundError, ValidationError

ITEMS = (
    "特困家庭情况必问",
    "孤寡老人情况必问",
    "零就业家庭情况必问",
    "矛盾纠纷情况必问",
    "物业管理情况必问",
)
ITEM_SHORT = ("特困家庭", "孤寡老人", "零就业家庭", "矛盾纠纷", "物业管理")
FINDINGS = ("无异常", "有情况", "发现问题")


@dataclass(frozen=True)
class VisitItem:
    id: int | None
    item_no: int
    finding: str | None
    text: str | None
    problem_ids: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return ITEMS[self.item_no - 1]


@dataclass(frozen=True)
class Visit:
    id: int
    household_id: int
    address: str
    head_name: str | None
    grid_id: int
    grid_name: str
    visit_date: str
    complete: bool
    note: str | None
    visitor_ids: tuple[int, ...]
    visitor_names: tuple[str, ...]
    items: tuple[VisitItem, ...]

    @property
    def visitors_text(self) -> str:
        return "、".join(self.visitor_names)

    @property
    def missing_items(self) -> tuple[int, ...]:
        return tuple(i.item_no for i in self.items if not i.finding)

    @property
    def findings_summary(self) -> str:
        flagged = [f"{ITEM_SHORT[i.item_no - 1]}{i.finding}" for i in self.items if i.finding in ("有情况", "发现问题")]
        if not self.complete:
            flagged.append(f"未问完（缺{len(self.missing_items)}项）")
        return "；".join(flagged) or "均无异常"


def _date(value: Any, label: str = "日期") -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValidationError(f"{label}“{value}”不是有效日期，请写成 2026-03-01 这样的形式。", "visit_date") from None


def normalize_items(items: Iterable[Any]) -> list[VisitItem]:
    """Five items in order from dicts/tuples/VisitItems; missing ones come back unanswered."""
    by_no: dict[int, VisitItem] = {}
    for item in items:
        if isinstance(item, VisitItem):
            no, finding, text = item.item_no, item.finding, item.text
        elif isinstance(item, dict):
            no, finding, text = item.get("item_no"), item.get("finding"), item.get("text")
        else:
            no, finding, text = item
        if no not in range(1, 6):
            raise ValidationError(f"五必问只有第 1–5 项，没有第 {no} 项。", "items")
        finding = finding or None
        if finding is not None and finding not in FINDINGS:
            raise ValidationError(f"第 {no} 项的结果应为{'、'.join(FINDINGS)}之一。", "items")
        text = (text or "").strip() or None
        if finding in ("有情况", "发现问题") and not text:
            raise ValidationError(f"“{ITEMS[no - 1]}”选了“{finding}”，请简要写明情况。", f"item{no}")
        by_no[no] = VisitItem(None, no, finding, text)
    return [by_no.get(no, VisitItem(None, no, None, None)) for no in range(1, 6)]


def save_visit(db: Db, household_id: int, visit_date: Any, visitor_ids: Iterable[int], items: Iterable[Any],
               note: str | None = None, visit_id: int | None = None) -> int:
    """Create (or, with visit_id, replace the answers of) a visit, in one transaction. Returns its id."""
    date_text = _date(visit_date, "走访日期")
    if date_text > today().isoformat():
        raise ValidationError("走访日期不能晚于今天。", "visit_date")
    if db.execute("SELECT 1 FROM household WHERE id = ?", [household_id]).fetchone() is None:
        raise ValidationError("请先选择要走访的住户。", "household_id")
    visitors = list(dict.fromkeys(v for v in visitor_ids if v))
    if not visitors:
        raise ValidationError("请至少填写一名走访人。", "visitors")
    for person_id in visitors:
        if db.execute("SELECT 1 FROM person WHERE id = ?", [person_id]).fetchone() is None:
            raise ValidationError("所选走访人已不存在，请重新选择。", "visitors")
    answers = normalize_items(items)
    complete = int(all(a.finding for a in answers))
    note = (note or "").strip() or None
    stamp = now_text()
    with db.atomic():
        if visit_id is None:
            visit_id = audit.insert(db, "home_visit", {
                "household_id": household_id, "visit_date": date_text, "complete": complete, "note": note,
                "created_at": stamp, "updated_at": stamp,
            })
            for a in answers:
                audit.insert(db, "visit_item", {"visit_id": visit_id, "item_no": a.item_no, "finding": a.finding, "text": a.text})
            for person_id in visitors:
                audit.insert(db, "visit_visitor", {"visit_id": visit_id, "person_id": person_id})
        else:
            get_visit(db, visit_id)
            audit.update(db, "home_visit", visit_id, {
                "household_id": household_id, "visit_date": date_text, "complete": complete, "note": note,
                "updated_at": stamp,
            })
            existing = dict(db.execute("SELECT item_no, id FROM visit_item WHERE visit_id = ?", [visit_id]).fetchall())
            for a in answers:
                if a.item_no in existing:
                    audit.update(db, "visit_item", existing[a.item_no], {"finding": a.finding, "text": a.text})
                else:
                    audit.insert(db, "visit_item", {"visit_id": visit_id, "item_no": a.item_no, "finding": a.finding, "text": a.text})
            current = dict(db.execute("SELECT person_id, id FROM visit_visitor WHERE visit_id = ?", [visit_id]).fetchall())
            for person_id, link_id in current.items():
                if person_id not in visitors:
                    audit.delete(db, "visit_visitor", link_id)
            for person_id in visitors:
                if person_id not in current:
                    audit.insert(db, "visit_visitor", {"visit_id": visit_id, "person_id": person_id})
    return visit_id


_VISIT_SELECT = """
SELECT v.id, v.household_id, h.address, p.name, h.grid_id, g.name, v.visit_date, v.complete, v.note
FROM home_visit v JOIN household h ON h.id = v.household_id JOIN grid g ON g.id = h.grid_id
LEFT JOIN person p ON p.id = h.head_person_id
"""


def _load(db: Db, rows: list[tuple]) -> list[Visit]:
    if not rows:
        return []
    ids = [r[0] for r in rows]
    items: dict[int, list[VisitItem]] = {i: [] for i in ids}
    visitors: dict[int, list[tuple[int, str]]] = {i: [] for i in ids}
    problems: dict[int, list[int]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for pid, item_id in db.execute(
            f"""SELECT pr.id, pr.visit_item_id FROM problem pr JOIN visit_item vi ON vi.id = pr.visit_item_id
                WHERE vi.visit_id IN ({marks}) ORDER BY pr.id""", chunk):
            problems.setdefault(item_id, []).append(pid)
        for item_id, visit_id, no, finding, text in db.execute(
            f"SELECT id, visit_id, item_no, finding, text FROM visit_item WHERE visit_id IN ({marks}) ORDER BY item_no", chunk):
            items[visit_id].append(VisitItem(item_id, no, finding, text, tuple(problems.get(item_id, ()))))
        for visit_id, person_id, name in db.execute(
            f"""SELECT vv.visit_id, p.id, p.name FROM visit_visitor vv JOIN person p ON p.id = vv.person_id
                WHERE vv.visit_id IN ({marks}) ORDER BY vv.id""", chunk):
            visitors[visit_id].append((person_id, name))
    out = []
    for r in rows:
        answered = {i.item_no: i for i in items[r[0]]}
        full = tuple(answered.get(no, VisitItem(None, no, None, None)) for no in range(1, 6))
        out.append(Visit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8],
                         tuple(p for p, _ in visitors[r[0]]), tuple(n for _, n in visitors[r[0]]), full))
    return out


def get_visit(db: Db, visit_id: int) -> Visit:
    rows = db.execute(_VISIT_SELECT + " WHERE v.id = ?", [visit_id]).fetchall()
    if not rows:
        raise NotFoundError(f"找不到走访记录 #{visit_id}，可能已被删除。")
    return _load(db, rows)[0]


def list_visits(db: Db, household_id: int | None = None, start: Any = None, end: Any = None,
                community_id: int | None = None, grid_id: int | None = None, incomplete_only: bool = False,
                limit: int | None = None) -> list[Visit]:
    """Visits newest first, filtered by household, period, community or grid."""
    where, params = [], []
    if household_id is not None:
        where.append("v.household_id = ?")
        params.append(household_id)
    if start is not None:
        where.append("v.visit_date >= ?")
        params.append(_date(start))
    if end is not None:
        where.append("v.visit_date <= ?")
        params.append(_date(end))
    if community_id is not None:
        where.append("g.community_id = ?")
        params.append(community_id)
    if grid_id is not None:
        where.append("h.grid_id = ?")
        params.append(grid_id)
    if incomplete_only:
        where.append("v.complete = 0")
    sql = _VISIT_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY v.visit_date DESC, v.id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return _load(db, db.execute(sql, params).fetchall())


def delete_visit(db: Db, visit_id: int) -> None:
    visit = get_visit(db, visit_id)
    if any(i.problem_ids for i in visit.items):
        raise InUseError("这次走访已经生成了问题，不能删除（问题台账需要保留来源）。")
    with db.atomic():
        for table in ("visit_item", "visit_visitor"):
            for (row_id,) in db.execute(f"SELECT id FROM {table} WHERE visit_id = ?", [visit_id]).fetchall():
                audit.delete(db, table, row_id)
        audit.delete(db, "home_visit", visit_id)


def item_id(db: Db, visit_id: int, item_no: int) -> int:
    row = db.execute("SELECT id FROM visit_item WHERE visit_id = ? AND item_no = ?", [visit_id, item_no]).fetchone()
    if row is None:
        raise NotFoundError("找不到这一项的走访记录，请先保存走访。")
    return row[0]


# Coverage --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    households: int
    visited: int  # households with at least one complete visit in the period
    visits: int  # every visit in the period, complete or not
    incomplete_visits: int

    @property
    def percent(self) -> float:
        """Coverage in percent, one decimal; 0 for an empty scope."""
        return round(100.0 * self.visited / self.households, 1) if self.households else 0.0

    @property
    def not_visited(self) -> int:
        return self.households - self.visited


@dataclass(frozen=True)
class GridCoverage:
    grid_id: int
    grid_name: str
    community_id: int
    community_name: str
    worker_name: str | None
    coverage: Coverage


@dataclass(frozen=True)
class CadreCoverage:
    person_id: int | None
    name: str
    coverage: Coverage


@dataclass(frozen=True)
class VisitCounts:
    visits: int
    complete: int
    incomplete: int
    with_problem_found: int


def _scope(community_id: int | None, grid_id: int | None, cadre_person_id: int | None = None) -> tuple[str, list]:
    where, params = [], []
    if grid_id is not None:
        where.append("h.grid_id = ?")
        params.append(grid_id)
    if community_id is not None:
        where.append("g.community_id = ?")
        params.append(community_id)
    if cadre_person_id is not None:
        where.append("h.cadre_person_id = ?")
        params.append(cadre_person_id)
    return (" AND ".join(where) or "1"), params


# Per-household visit figures of the period, joined onto households (params: start, end).
_PERIOD_VISITS = """LEFT JOIN (SELECT household_id, max(complete) AS covered, count(*) AS n, sum(1 - complete) AS incomplete
                              FROM home_visit WHERE visit_date BETWEEN ? AND ? GROUP BY household_id) pv
                    ON pv.household_id = h.id"""
_COVERAGE_COLUMNS = "count(h.id), coalesce(sum(pv.covered), 0), coalesce(sum(pv.n), 0), coalesce(sum(pv.incomplete), 0)"


def _coverage(row: tuple) -> Coverage:
    return Coverage(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0))


def coverage(db: Db, community_id: int | None = None, grid_id: int | None = None, start: Any = None, end: Any = None,
             cadre_person_id: int | None = None) -> Coverage:
    """Coverage of the scope for visits dated start..end (both included; default: this year to today)."""
    start_text = _date(start) if start is not None else today().replace(month=1, day=1).isoformat()
    end_text = _date(end) if end is not None else today().isoformat()
    where, params = _scope(community_id, grid_id, cadre_person_id)
    row = db.execute(
        f"SELECT {_COVERAGE_COLUMNS} FROM household h JOIN grid g ON g.id = h.grid_id {_PERIOD_VISITS} WHERE {where}",
        [start_text, end_text] + params,
    ).fetchone()
    return _coverage(row)


def coverage_by_grid(db: Db, start: Any, end: Any, community_id: int | None = None) -> list[GridCoverage]:
    """Every grid of the scope (grids without households included, at 0 of 0)."""
    start_text, end_text = _date(start), _date(end)
    params: list = [start_text, end_text]
    sql = f"""SELECT g.id, g.name, c.id, c.name, w.name, {_COVERAGE_COLUMNS}
              FROM grid g JOIN org_unit c ON c.id = g.community_id LEFT JOIN person w ON w.id = g.worker_person_id
              LEFT JOIN household h ON h.grid_id = g.id {_PERIOD_VISITS}"""
    if community_id is not None:
        sql += " WHERE g.community_id = ?"
        params.append(community_id)
    sql += " GROUP BY g.id ORDER BY c.sort_order, c.id, g.sort_order, g.id"
    return [GridCoverage(r[0], r[1], r[2], r[3], r[4], _coverage(r[5:])) for r in db.execute(sql, params).fetchall()]


@dataclass(frozen=True)
class CommunityCoverage:
    community_id: int
    community_name: str
    coverage: Coverage


def coverage_by_community(db: Db, start: Any, end: Any) -> list[CommunityCoverage]:
    """Every community (those without households at 0 of 0), for the dashboard, letters and monthly report."""
    sql = f"""SELECT c.id, c.name, {_COVERAGE_COLUMNS}
              FROM org_unit c LEFT JOIN grid g ON g.community_id = c.id LEFT JOIN household h ON h.grid_id = g.id
              {_PERIOD_VISITS}
              WHERE c.kind = 'community' GROUP BY c.id ORDER BY c.sort_order, c.id"""
    rows = db.execute(sql, [_date(start), _date(end)]).fetchall()
    return [CommunityCoverage(r[0], r[1], _coverage(r[2:])) for r in rows]


def coverage_by_cadre(db: Db, start: Any, end: Any, community_id: int | None = None) -> list[CadreCoverage]:
    """Coverage of each 包片 cadre's households; households without a cadre come last as “未指定”."""
    start_text, end_text = _date(start), _date(end)
    params: list = [start_text, end_text]
    sql = f"""SELECT h.cadre_person_id, coalesce(p.name, '未指定包片干部'), {_COVERAGE_COLUMNS}
              FROM household h JOIN grid g ON g.id = h.grid_id LEFT JOIN person p ON p.id = h.cadre_person_id
              {_PERIOD_VISITS}"""
    if community_id is not None:
        sql += " WHERE g.community_id = ?"
        params.append(community_id)
    sql += " GROUP BY h.cadre_person_id ORDER BY h.cadre_person_id IS NULL, p.name_pinyin"
    return [CadreCoverage(r[0], r[1], _coverage(r[2:])) for r in db.execute(sql, params).fetchall()]


def visit_counts(db: Db, start: Any, end: Any, community_id: int | None = None) -> VisitCounts:
    params: list = [_date(start), _date(end)]
    sql = """SELECT count(*), coalesce(sum(v.complete), 0),
                    coalesce(sum(EXISTS (SELECT 1 FROM visit_item vi WHERE vi.visit_id = v.id AND vi.finding = '发现问题')), 0)
             FROM home_visit v JOIN household h ON h.id = v.household_id JOIN grid g ON g.id = h.grid_id
             WHERE v.visit_date BETWEEN ? AND ?"""
    if community_id is not None:
        sql += " AND g.community_id = ?"
        params.append(community_id)
    total, complete, found = db.execute(sql, params).fetchone()
    return VisitCounts(total, complete, total - complete, found)


@dataclass(frozen=True)
class DueHousehold:
    household_id: int
    address: str
    head_name: str | None
    grid_name: str
    cadre_name: str | None
    tags: str
    last_visit: str | None
    days_since: int | None  # None: never visited


def _due(db: Db, threshold: str, on: dt.date, extra_where: str, params: list) -> list[DueHousehold]:
    sql = f"""
        SELECT h.id, h.address, hp.name, replace(c.name, '社区党委', '社区') || ' ' || g.name, cp.name,
               coalesce((SELECT group_concat(t.name, '、') FROM household_tag ht JOIN special_tag t ON t.id = ht.tag_id
                         WHERE ht.household_id = h.id), ''),
               (SELECT max(v.visit_date) FROM home_visit v WHERE v.household_id = h.id AND v.complete = 1) AS last
        FROM household h JOIN grid g ON g.id = h.grid_id JOIN org_unit c ON c.id = g.community_id
        LEFT JOIN person hp ON hp.id = h.head_person_id LEFT JOIN person cp ON cp.id = h.cadre_person_id
        WHERE {extra_where}
        GROUP BY h.id HAVING last IS NULL OR last < ?
        ORDER BY last IS NOT NULL, last, g.sort_order, h.address"""
    out = []
    for r in db.execute(sql, params + [threshold]).fetchall():
        days = (on - dt.date.fromisoformat(r[6])).days if r[6] else None
        out.append(DueHousehold(r[0], r[1], r[2], r[3], r[4], r[5], r[6], days))
    return out


def not_visited(db: Db, days: int | None = None, on: Any = None, community_id: int | None = None,
                grid_id: int | None = None) -> list[DueHousehold]:
    """Households never visited, or whose last complete visit is more than `days` days before `on`."""
    on_date = dt.date.fromisoformat(_date(on)) if on is not None else today()
    days = int(settings.get(db, "visit_due_days") if days is None else days)
    where, params = _scope(community_id, grid_id)
    return _due(db, (on_date - dt.timedelta(days=days)).isoformat(), on_date, where, params)


def special_overdue(db: Db, on: Any = None, community_id: int | None = None,
                    grid_id: int | None = None) -> list[DueHousehold]:
    """Special-group households not visited within the office's interval (setting visit_special_interval_days)."""
    on_date = dt.date.fromisoformat(_date(on)) if on is not None else today()
    days = int(settings.get(db, "visit_special_interval_days"))
    where, params = _scope(community_id, grid_id)
    where += " AND EXISTS (SELECT 1 FROM household_tag ht WHERE ht.household_id = h.id)"
    return _due(db, (on_date - dt.timedelta(days=days)).isoformat(), on_date, where, params)


def save_rules(db: Db, due_days: int, special_interval_days: int) -> None:
    """The office's visit rules, validated (both in days)."""
    if not 1 <= int(due_days) <= 3650:
        raise ValidationError("未走访提醒天数应在 1 到 3650 天之间。", "visit_due_days")
    if not 1 <= int(special_interval_days) <= 3650:
        raise ValidationError("特殊群体走访间隔应在 1 到 3650 天之间。", "visit_special_interval_days")
    settings.save_many(db, {"visit_due_days": int(due_days), "visit_special_interval_days": int(special_interval_days)})
