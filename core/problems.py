"""问题台账: the closed loop 发现 → 研判 → 分类 → 处置 → 反馈 → 办结 with time limits by severity.

A problem comes from a visit item (source 走访) or is entered directly (12345热线 / 居民来访 /
网格巡查). Each stage is a problem_step recording who (a person), when and what; stages are taken
strictly in order, so there is no 办结 without 反馈. At 反馈 the resident's satisfaction is recorded;
when the resident is 不满意 the problem goes back to 处置 and must be reported back again.

Time limit: the severity (一般 / 重大 / 复杂) gives the hours allowed from 发现 to 处置 (setting
problem_deadline_hours, default 1 / 24 / 168: "ordinary solved within 1 hour, major within 1 day,
complex: a plan within 1 week"). deadline_at = found_at + hours, calendar time, so it runs across
midnight and month ends. A problem is overdue while it has no 处置 step and the deadline has passed;
it was handled on time when its (latest) 处置 step is no later than the deadline. Due soon: less than
problem_due_soon_fraction of the time limit remains. Timestamps are 'YYYY-MM-DD HH:MM' local time.

Functions other areas call:
    counts(db, start, end, community_id=None, now=None) -> ProblemCounts
        opened (found in [start, end]), closed (办结 in the period), closed_on_time (of those closed,
        handled by the deadline), overdue (open and past deadline at the end of the period, or now
        if that is earlier), handled_late.
    counts_by_community(db, start, end, at=None) -> dict[community_id, ProblemCounts]   every community
    overdue(db, now=None, community_id=None) / due_soon(db, now=None, community_id=None) -> list[Problem]
    board(db, now=None, community_id=None, grid_id=None, text="", include_closed=False)
        -> dict[stage, list[Problem]], each list overdue first, then due soon, then by deadline.
Recording: create(...), create_from_visit_item(...), add_step(...), allowed_next(problem), steps(db, id).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core import audit, settings
from core.clock import now_text
from core.db import Db
from core.errors import NotFoundError, ValidationError
from core.households import like_pattern

STAGES = ("发现", "研判", "分类", "处置", "反馈", "办结")
STAGE_HINTS = {
    "发现": "问题已登记",
    "研判": "分析问题性质、轻重缓急，可调整问题等级",
    "分类": "确定问题类别和责任人",
    "处置": "责任人解决问题（复杂问题须形成解决方案）",
    "反馈": "把处置结果告诉居民，记录居民满意度",
    "办结": "确认问题已解决，归档",
}
SOURCES = ("走访", "12345热线", "居民来访", "网格巡查")
SEVERITIES = ("一般", "重大", "复杂")
SATISFACTION = ("满意", "基本满意", "不满意")
TIME_FORMAT = "%Y-%m-%d %H:%M"
# Which category a problem found under each 五必问 item usually belongs to.
ITEM_CATEGORY = {1: "生活困难", 2: "养老服务", 3: "就业帮扶", 4: "矛盾纠纷", 5: "物业管理"}


def parse_time(value: Any, label: str = "时间") -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value or "").strip().replace("T", " ")
    for fmt in (TIME_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValidationError(f"{label}“{value}”不是有效时间，请写成 2026-03-01 09:30 这样的形式。", "at")


def time_text(value: dt.datetime) -> str:
    return value.strftime(TIME_FORMAT)


def now() -> dt.datetime:
    return dt.datetime.now().replace(second=0, microsecond=0)


def deadline_hours(db: Db) -> dict[str, float]:
    table = settings.get(db, "problem_deadline_hours")
    return {s: float(table[s]) for s in SEVERITIES}


def deadline_for(found_at: Any, severity: str, hours: dict[str, float]) -> dt.datetime:
    """found_at plus the severity's time limit, in calendar time (crosses midnight, month and year ends)."""
    if severity not in SEVERITIES:
        raise ValidationError(f"问题等级应为{'、'.join(SEVERITIES)}之一。", "severity")
    return parse_time(found_at) + dt.timedelta(hours=hours[severity])


@dataclass(frozen=True)
class Problem:
    id: int
    number: str
    title: str
    description: str | None
    source: str
    category: str | None
    severity: str
    grid_id: int
    grid_name: str
    community_id: int
    community_name: str
    household_id: int | None
    address: str | None
    visit_item_id: int | None
    reporter: str | None
    reporter_phone: str | None
    responsible_person_id: int | None
    responsible_name: str | None
    stage: str
    found_at: str
    deadline_at: str
    handled_at: str | None
    closed_at: str | None
    satisfaction: str | None

    @property
    def is_closed(self) -> bool:
        return self.stage == "办结"

    @property
    def handled_on_time(self) -> bool | None:
        """None while not yet handled."""
        return None if self.handled_at is None else self.handled_at <= self.deadline_at

    def deadline_state(self, at: dt.datetime | None = None, due_soon_fraction: float = 0.25) -> str:
        """'overdue' | 'due_soon' | 'open' while unhandled; 'on_time' | 'late' once handled."""
        if self.handled_at is not None:
            return "on_time" if self.handled_on_time else "late"
        at = at or now()
        deadline = parse_time(self.deadline_at)
        if at > deadline:
            return "overdue"
        limit = deadline - parse_time(self.found_at)
        if deadline - at <= limit * due_soon_fraction:
            return "due_soon"
        return "open"

    def remaining_text(self, at: dt.datetime | None = None) -> str:
        """“超时 3小时20分” / “剩余 45分” / “按时处置” for lists."""
        if self.handled_at is not None:
            return "按时处置" if self.handled_on_time else "超时处置"
        delta = parse_time(self.deadline_at) - (at or now())
        minutes = int(abs(delta.total_seconds()) // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, mins = divmod(rest, 60)
        parts = (f"{days}天" if days else "") + (f"{hours}小时" if hours else "") + (f"{mins}分" if mins and not days else "")
        return ("超时 " if delta.total_seconds() < 0 else "剩余 ") + (parts or "0分")


@dataclass(frozen=True)
class Step:
    id: int
    problem_id: int
    stage: str
    at: str
    person_id: int | None
    person_name: str | None
    text: str


@dataclass(frozen=True)
class ProblemCounts:
    opened: int
    closed: int
    closed_on_time: int
    overdue: int
    handled_late: int

    @property
    def on_time_percent(self) -> float:
        return round(100.0 * self.closed_on_time / self.closed, 1) if self.closed else 0.0


_SELECT = """
SELECT pr.id, pr.number, pr.title, pr.description, pr.source, pr.category, pr.severity, pr.grid_id, g.name,
       g.community_id, c.name, pr.household_id, h.address, pr.visit_item_id, pr.reporter, pr.reporter_phone,
       pr.responsible_person_id, rp.name, pr.stage, pr.found_at, pr.deadline_at, pr.handled_at, pr.closed_at,
       pr.satisfaction
FROM problem pr JOIN grid g ON g.id = pr.grid_id JOIN org_unit c ON c.id = g.community_id
LEFT JOIN household h ON h.id = pr.household_id LEFT JOIN person rp ON rp.id = pr.responsible_person_id
"""


def get(db: Db, problem_id: int) -> Problem:
    row = db.execute(_SELECT + " WHERE pr.id = ?", [problem_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到问题 #{problem_id}，可能已被删除。")
    return Problem(*row)


def list_problems(db: Db, community_id: int | None = None, grid_id: int | None = None, stage: str | None = None,
                  include_closed: bool = True, household_id: int | None = None, start: Any = None, end: Any = None,
                  text: str = "") -> list[Problem]:
    """Problems filtered by scope, stage and found date (start..end, days included), newest first."""
    where, params = [], []
    if community_id is not None:
        where.append("g.community_id = ?")
        params.append(community_id)
    if grid_id is not None:
        where.append("pr.grid_id = ?")
        params.append(grid_id)
    if stage:
        where.append("pr.stage = ?")
        params.append(stage)
    if not include_closed:
        where.append("pr.stage != '办结'")
    if household_id is not None:
        where.append("pr.household_id = ?")
        params.append(household_id)
    if start is not None:
        where.append("pr.found_at >= ?")
        params.append(time_text(parse_time(start)))
    if end is not None:
        where.append("pr.found_at < ?")
        params.append(time_text(parse_time(end) + dt.timedelta(days=1)))
    if text.strip():
        like = like_pattern(text.strip())
        where.append("(pr.title LIKE ? ESCAPE '\\' OR pr.number LIKE ? ESCAPE '\\' OR h.address LIKE ? ESCAPE '\\'"
                     " OR pr.reporter LIKE ? ESCAPE '\\' OR rp.name LIKE ? ESCAPE '\\')")
        params += [like] * 5
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY pr.found_at DESC, pr.id DESC"
    return [Problem(*r) for r in db.execute(sql, params).fetchall()]


def steps(db: Db, problem_id: int) -> list[Step]:
    rows = db.execute(
        """SELECT s.id, s.problem_id, s.stage, s.at, s.person_id, p.name, s.text FROM problem_step s
           LEFT JOIN person p ON p.id = s.person_id WHERE s.problem_id = ? ORDER BY s.at, s.id""",
        [problem_id],
    ).fetchall()
    return [Step(*r) for r in rows]


def _next_number(db: Db, year: int) -> str:
    row = db.execute("SELECT max(number) FROM problem WHERE number LIKE ?", [f"{year}-%"]).fetchone()
    seq = int(row[0].split("-")[1]) + 1 if row[0] else 1
    return f"{year}-{seq:04d}"


def _check_person(db: Db, person_id: int | None, label: str, field: str) -> int:
    if not person_id:
        raise ValidationError(f"请填写{label}。", field)
    if db.execute("SELECT 1 FROM person WHERE id = ?", [person_id]).fetchone() is None:
        raise ValidationError(f"所选{label}已不存在，请重新选择。", field)
    return person_id


def _not_future(at: dt.datetime, label: str) -> None:
    if at > now() + dt.timedelta(minutes=5):
        raise ValidationError(f"{label}不能晚于现在。", "at")


def create(db: Db, *, title: str, source: str, severity: str, grid_id: int, found_by_person_id: int,
           description: str | None = None, found_at: Any = None, category: str | None = None,
           household_id: int | None = None, visit_item_id: int | None = None, reporter: str | None = None,
           reporter_phone: str | None = None, responsible_person_id: int | None = None) -> int:
    """Register a problem (stage 发现, with its first step) and return its id."""
    from core import persons

    title = (title or "").strip()
    if not title:
        raise ValidationError("请用一句话写明问题是什么。", "title")
    if len(title) > 100:
        raise ValidationError("问题标题太长（超过 100 个字），详细情况请写在“问题描述”里。", "title")
    if source not in SOURCES:
        raise ValidationError(f"问题来源应为{'、'.join(SOURCES)}之一。", "source")
    if severity not in SEVERITIES:
        raise ValidationError(f"问题等级应为{'、'.join(SEVERITIES)}之一。", "severity")
    if not grid_id or db.execute("SELECT 1 FROM grid WHERE id = ?", [grid_id]).fetchone() is None:
        raise ValidationError("请选择问题所在网格。", "grid_id")
    if household_id and db.execute("SELECT 1 FROM household WHERE id = ?", [household_id]).fetchone() is None:
        raise ValidationError("所选住户已不存在。", "household_id")
    _check_person(db, found_by_person_id, "发现人", "found_by_person_id")
    if responsible_person_id:
        _check_person(db, responsible_person_id, "责任人", "responsible_person_id")
    found = parse_time(found_at) if found_at is not None else now()
    _not_future(found, "发现时间")
    deadline = deadline_for(found, severity, deadline_hours(db))
    stamp = now_text()
    with db.atomic():
        problem_id = audit.insert(db, "problem", {
            "number": _next_number(db, found.year), "title": title, "description": (description or "").strip() or None,
            "source": source, "category": category or None, "severity": severity, "grid_id": grid_id,
            "household_id": household_id or None, "visit_item_id": visit_item_id, "reporter": (reporter or "").strip() or None,
            "reporter_phone": persons.clean_phone(reporter_phone), "responsible_person_id": responsible_person_id or None,
            "stage": "发现", "found_at": time_text(found), "deadline_at": time_text(deadline),
            "handled_at": None, "closed_at": None, "satisfaction": None, "created_at": stamp, "updated_at": stamp,
        })
        audit.insert(db, "problem_step", {
            "problem_id": problem_id, "stage": "发现", "at": time_text(found), "person_id": found_by_person_id,
            "text": (description or title).strip(), "created_at": stamp,
        })
    return problem_id


def create_from_visit_item(db: Db, visit_id: int, item_no: int, severity: str = "一般", title: str | None = None,
                           found_at: Any = None, found_by_person_id: int | None = None,
                           category: str | None = None) -> int:
    """A problem from one of a visit's five items: source 走访, the household's grid, the item's text."""
    from core import visits

    visit = visits.get_visit(db, visit_id)
    item = visit.items[item_no - 1]
    if item.id is None:
        raise ValidationError("请先保存走访记录，再从其中一项生成问题。", "items")
    text = item.text or ""
    title = (title or "").strip() or f"{visits.ITEM_SHORT[item_no - 1]}：{text[:40] or '走访发现问题'}"
    when = found_at
    if when is None:
        # Entered on the day of the visit: now; entered later: the visit's day at the end of office hours.
        when = now() if visit.visit_date == dt.date.today().isoformat() else f"{visit.visit_date} 17:00"
    return create(
        db, title=title, source="走访", severity=severity, grid_id=visit.grid_id,
        found_by_person_id=found_by_person_id or (visit.visitor_ids[0] if visit.visitor_ids else None),
        description=text or None, found_at=when, category=category or ITEM_CATEGORY.get(item_no),
        household_id=visit.household_id, visit_item_id=item.id,
    )


def allowed_next(problem: Problem) -> tuple[str, ...]:
    """The stages that may be recorded next: the following one; back to 处置 after an unsatisfied 反馈."""
    if problem.stage == "办结":
        return ()
    if problem.stage == "反馈" and problem.satisfaction == "不满意":
        return ("处置",)
    return (STAGES[STAGES.index(problem.stage) + 1],)


def add_step(db: Db, problem_id: int, stage: str, *, person_id: int, text: str = "", at: Any = None,
             severity: str | None = None, category: str | None = None, responsible_person_id: int | None = None,
             satisfaction: str | None = None) -> int:
    """Record the next stage of a problem; refuses steps out of order. Returns the step id."""
    problem = get(db, problem_id)
    if stage not in STAGES:
        raise ValidationError(f"未知的环节“{stage}”。", "stage")
    allowed = allowed_next(problem)
    if stage not in allowed:
        if problem.is_closed:
            raise ValidationError(f"问题 {problem.number} 已办结，不能再添加环节。", "stage")
        if problem.stage == "反馈" and problem.satisfaction == "不满意":
            raise ValidationError("居民对处置结果不满意，需要重新处置并再次反馈后才能办结。", "stage")
        raise ValidationError(
            f"问题 {problem.number} 目前在“{problem.stage}”环节，下一步应是“{allowed[0]}”，不能直接“{stage}”。"
            f"请按 发现→研判→分类→处置→反馈→办结 的顺序办理。", "stage")
    _check_person(db, person_id, "经办人", "person_id")
    text = (text or "").strip()
    when = parse_time(at) if at is not None else now()
    _not_future(when, "办理时间")
    last = steps(db, problem_id)[-1].at
    if time_text(when) < last:
        raise ValidationError(f"办理时间不能早于上一环节的时间（{last}）。", "at")
    changes: dict[str, Any] = {"stage": stage}
    if stage == "研判":
        if not text:
            raise ValidationError("请写明研判意见。", "text")
        if severity and severity != problem.severity:
            changes["severity"] = severity
            changes["deadline_at"] = time_text(deadline_for(problem.found_at, severity, deadline_hours(db)))
    elif stage == "分类":
        category = (category or problem.category or "").strip()
        if not category:
            raise ValidationError("请选择问题类别。", "category")
        responsible = responsible_person_id or problem.responsible_person_id
        changes["category"] = category
        changes["responsible_person_id"] = _check_person(db, responsible, "责任人", "responsible_person_id")
    elif stage == "处置":
        if not text:
            raise ValidationError("请写明处置情况（怎么解决的，复杂问题写明解决方案）。", "text")
        changes["handled_at"] = time_text(when)
        changes["satisfaction"] = None
    elif stage == "反馈":
        if satisfaction not in SATISFACTION:
            raise ValidationError("请选择居民对处置结果的满意度。", "satisfaction")
        changes["satisfaction"] = satisfaction
        text = text or f"已向居民反馈处置结果，居民{satisfaction}。"
    elif stage == "办结":
        changes["closed_at"] = time_text(when)
        text = text or "问题已解决，办结归档。"
    if not text:
        text = STAGE_HINTS[stage]
    with db.atomic():
        step_id = audit.insert(db, "problem_step", {
            "problem_id": problem_id, "stage": stage, "at": time_text(when), "person_id": person_id, "text": text,
            "created_at": now_text(),
        })
        audit.update(db, "problem", problem_id, {**changes, "updated_at": now_text()})
    return step_id


# Lists and counts ------------------------------------------------------------------------------

def due_soon_fraction(db: Db) -> float:
    return float(settings.get(db, "problem_due_soon_fraction"))


def _sort_key(problem: Problem, at: dt.datetime, fraction: float) -> tuple:
    rank = {"overdue": 0, "due_soon": 1, "open": 2, "late": 3, "on_time": 3}[problem.deadline_state(at, fraction)]
    return rank, problem.deadline_at, problem.id


def board(db: Db, at: dt.datetime | None = None, community_id: int | None = None, grid_id: int | None = None,
          text: str = "", include_closed: bool = False) -> dict[str, list[Problem]]:
    """Problems by current stage; within a stage overdue first, then due soon, then by deadline."""
    at = at or now()
    fraction = due_soon_fraction(db)
    groups: dict[str, list[Problem]] = {s: [] for s in STAGES if include_closed or s != "办结"}
    for problem in list_problems(db, community_id=community_id, grid_id=grid_id, include_closed=include_closed, text=text):
        groups[problem.stage].append(problem)
    for stage, items in groups.items():
        if stage == "办结":
            items.sort(key=lambda p: p.closed_at or "", reverse=True)
        else:
            items.sort(key=lambda p: _sort_key(p, at, fraction))
    return groups


def overdue(db: Db, at: dt.datetime | None = None, community_id: int | None = None) -> list[Problem]:
    """Open problems not handled by their deadline, the longest overdue first."""
    at = at or now()
    out = [p for p in list_problems(db, community_id=community_id, include_closed=False)
           if p.handled_at is None and p.deadline_at < time_text(at)]
    return sorted(out, key=lambda p: p.deadline_at)


def due_soon(db: Db, at: dt.datetime | None = None, community_id: int | None = None) -> list[Problem]:
    at = at or now()
    fraction = due_soon_fraction(db)
    out = [p for p in list_problems(db, community_id=community_id, include_closed=False)
           if p.deadline_state(at, fraction) == "due_soon"]
    return sorted(out, key=lambda p: p.deadline_at)


def counts(db: Db, start: Any, end: Any, community_id: int | None = None, at: dt.datetime | None = None) -> ProblemCounts:
    """Opened, closed, closed on time, overdue and handled-late counts for the days start..end."""
    first = time_text(parse_time(start))
    after = time_text(parse_time(end) + dt.timedelta(days=1))
    as_of = min(parse_time(after), at or now())
    scope, params = "", []
    if community_id is not None:
        scope = " AND g.community_id = ?"
        params = [community_id]
    base = "SELECT count(*) FROM problem pr JOIN grid g ON g.id = pr.grid_id WHERE "

    def n(where: str, values: list) -> int:
        return db.execute(base + where + scope, values + params).fetchone()[0]

    as_of_text = time_text(as_of)
    return ProblemCounts(
        opened=n("pr.found_at >= ? AND pr.found_at < ?", [first, after]),
        closed=n("pr.closed_at >= ? AND pr.closed_at < ?", [first, after]),
        closed_on_time=n("pr.closed_at >= ? AND pr.closed_at < ? AND pr.handled_at <= pr.deadline_at", [first, after]),
        overdue=n("pr.found_at < ? AND pr.deadline_at < ? AND (pr.handled_at IS NULL OR pr.handled_at > ?)",
                  [as_of_text, as_of_text, as_of_text]),
        handled_late=n("pr.handled_at >= ? AND pr.handled_at < ? AND pr.handled_at > pr.deadline_at", [first, after]),
    )


def counts_by_community(db: Db, start: Any, end: Any, at: dt.datetime | None = None) -> dict[int, ProblemCounts]:
    """counts() for every community, keyed by community id (communities without problems at zero)."""
    ids = [r[0] for r in db.execute("SELECT id FROM org_unit WHERE kind = 'community' ORDER BY sort_order, id")]
    return {community_id: counts(db, start, end, community_id=community_id, at=at) for community_id in ids}


def save_rules(db: Db, hours: dict[str, float], due_soon_fraction_value: float) -> None:
    """The office's time limits (hours by severity) and the due-soon share, validated."""
    clean = {}
    for severity in SEVERITIES:
        try:
            value = float(hours[severity])
        except (KeyError, TypeError, ValueError):
            raise ValidationError(f"请填写{severity}问题的处置时限（小时）。", "problem_deadline_hours") from None
        if not 0 < value <= 24 * 365:
            raise ValidationError(f"{severity}问题的处置时限应大于 0 小时、不超过一年。", "problem_deadline_hours")
        clean[severity] = int(value) if value.is_integer() else value
    if not clean["一般"] <= clean["重大"] <= clean["复杂"]:
        raise ValidationError("处置时限应满足：一般 ≤ 重大 ≤ 复杂。", "problem_deadline_hours")
    if not 0 < float(due_soon_fraction_value) < 1:
        raise ValidationError("“即将超时”比例应在 0 和 1 之间（例如 0.25 表示剩余不足四分之一时提示）。", "problem_due_soon_fraction")
    settings.save_many(db, {"problem_deadline_hours": clean, "problem_due_soon_fraction": float(due_soon_fraction_value)})
