"""三会一课: meeting kinds, branch committees, meeting records with attendance, and compliance.

Functions other areas (dashboard, letters, monthly report) call; all take the Db first:

    held_count(db, branch_id, kind_code, start, end) -> int
        Held meetings (status 已召开) of a kind in a branch (its party groups included), dates inclusive.
        A community's or the street's id counts every branch under it.
    attendance_rate(db, branch_id, start, end) -> float | None
        Present / expected over the held meetings in the dates; None when nobody was expected.
        Also takes a community's or the street's id.
    compliance(db, branch_id, period, on=None) -> BranchCompliance
        Per kind held vs required and a state (held / overdue / due / not_due), attendance per
        meeting and per member, consecutive unexcused absences, overdue kinds. `period` is a
        Period or text: "2025" (year), "2025-Q2" (quarter), "2025-03" (month).
    compliance_grid(db, period, on=None) -> list[BranchCompliance]      every branch
    due_this_month(db, on=None) -> list[DueItem]
        For the whole office: every (branch or party group, kind) whose current window ends this
        month and has not been satisfied yet.
    consecutive_absences(db, branch_id, start, end, threshold=2) -> list[AbsenceRun]

Frequency rules: a kind is required `required_count` times per `period` (month / quarter /
year); each such window is judged on its own (two committee meetings in February do not cover
March). Viewed through a shorter period (a quarterly kind in a month view) the kind is "not yet
due" until the view holds the last month of its quarter, unless it was already held by then;
viewed through a longer period (a monthly kind in a year view) only the windows begun by `on`
are required so far. A window whose last day is before `on` and is not satisfied is overdue;
one still open is due. Party group meetings are required of every party group of the branch.
Only meetings with status 已召开 count; 计划 (planned) ones are there for the sign-in sheet.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from core import audit, members, orgs, settings
from core.clock import now_text, today
from core.db import Db
from core.errors import NotFoundError, ValidationError

PERIODS = {"month": "每月", "quarter": "每季度", "year": "每年"}
AUDIENCES = {"branch": "支部全体党员", "committee": "支部委员", "party_group": "党小组成员"}
ATTENDANCE_STATUSES = ("出席", "请假", "缺席")
MEETING_STATUSES = ("计划", "已召开")
COMMITTEE_ROLES = ("书记", "副书记", "组织委员", "宣传委员", "纪检委员", "青年委员", "统战委员", "委员")
STATE_LABELS = {"held": "已完成", "overdue": "逾期未开", "due": "本期待开", "not_due": "未到期", "none": "不适用"}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


# Kinds -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MeetingKind:
    id: int
    code: str
    name: str
    period: str
    required_count: int
    audience: str
    active: bool
    sort_order: int
    note: str | None

    @property
    def rule_text(self) -> str:
        return f"{PERIODS[self.period]}至少 {self.required_count} 次"


_KIND_COLUMNS = "id, code, name, period, required_count, audience, active, sort_order, note"


def _kind(row: tuple) -> MeetingKind:
    return MeetingKind(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), row[7], row[8])


def list_kinds(db: Db, active_only: bool = True) -> list[MeetingKind]:
    sql = f"SELECT {_KIND_COLUMNS} FROM meeting_kind"
    if active_only:
        sql += " WHERE active = 1"
    return [_kind(r) for r in db.execute(sql + " ORDER BY sort_order, id").fetchall()]


def get_kind(db: Db, code: str) -> MeetingKind:
    row = db.execute(f"SELECT {_KIND_COLUMNS} FROM meeting_kind WHERE code = ?", [code]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到会议类型“{code}”。")
    return _kind(row)


def _kind_by_id(db: Db, kind_id: int) -> MeetingKind:
    row = db.execute(f"SELECT {_KIND_COLUMNS} FROM meeting_kind WHERE id = ?", [kind_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到会议类型 #{kind_id}。")
    return _kind(row)


def add_kind(db: Db, name: str, period: str = "year", required_count: int = 1, audience: str = "branch") -> str:
    """A kind the office tracks beyond the defaults (e.g. 谈心谈话); returns its code."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("会议类型名称不能为空。", "name")
    if len(name) > 20:
        raise ValidationError("会议类型名称太长（超过 20 个字）。", "name")
    if db.execute("SELECT 1 FROM meeting_kind WHERE name = ?", [name]).fetchone():
        raise ValidationError(f"已经有名为“{name}”的会议类型。", "name")
    if period not in PERIODS or audience not in AUDIENCES or not 0 <= int(required_count) <= 31:
        raise ValidationError("频次或应到人员不在可选范围内。", "period")
    with db.atomic():
        kind_id = audit.next_id(db, "meeting_kind")
        order = db.execute("SELECT coalesce(max(sort_order), 0) + 1 FROM meeting_kind").fetchone()[0]
        code = f"custom{kind_id}"
        audit.insert(db, "meeting_kind", {"id": kind_id, "code": code, "name": name, "period": period,
                                          "required_count": int(required_count), "audience": audience, "active": 1,
                                          "sort_order": order})
    return code


def update_kind(db: Db, code: str, *, period: str | None = None, required_count: int | None = None,
                audience: str | None = None, active: bool | None = None, name: str | None = None) -> None:
    """Change a kind's frequency rule (e.g. 党课 from quarterly to yearly); audited."""
    kind = get_kind(db, code)
    changes: dict[str, Any] = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError("会议类型名称不能为空。", "name")
        changes["name"] = name
    if period is not None:
        if period not in PERIODS:
            raise ValidationError("频次周期只能是每月、每季度或每年。", "period")
        changes["period"] = period
    if required_count is not None:
        if not 0 <= int(required_count) <= 31:
            raise ValidationError("每个周期应开次数应在 0 到 31 之间。", "required_count")
        changes["required_count"] = int(required_count)
    if audience is not None:
        if audience not in AUDIENCES:
            raise ValidationError("应到人员只能是支部全体党员、支部委员或党小组成员。", "audience")
        crosses = (audience == "party_group") != (kind.audience == "party_group")
        if crosses and db.execute("SELECT 1 FROM meeting WHERE kind_id = ? LIMIT 1", [kind.id]).fetchone():
            raise ValidationError(
                f"已有{kind.name}记录，不能在“党小组成员”和支部人员之间改变应到范围（已有记录的召开单位会对不上）。", "audience")
        changes["audience"] = audience
    if active is not None:
        changes["active"] = 1 if active else 0
    if changes:
        audit.update(db, "meeting_kind", kind.id, changes)


# Branch committees -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CommitteeSeat:
    id: int
    branch_id: int
    person_id: int
    name: str
    role: str


def committee(db: Db, branch_id: int) -> list[CommitteeSeat]:
    """The branch committee (支委), secretary first."""
    rows = db.execute(
        "SELECT c.id, c.branch_id, c.person_id, p.name, c.role FROM branch_committee c "
        "JOIN person p ON p.id = c.person_id WHERE c.branch_id = ? ORDER BY c.id",
        [branch_id],
    ).fetchall()
    seats = [CommitteeSeat(*r) for r in rows]
    order = {role: i for i, role in enumerate(COMMITTEE_ROLES)}
    return sorted(seats, key=lambda s: (order.get(s.role, len(order)), s.id))


def add_committee_member(db: Db, branch_id: int, person_id: int, role: str) -> int:
    if orgs.get_unit(db, branch_id).kind != "branch":
        raise ValidationError("支部委员只能设在党支部。", "branch_id")
    role = (role or "").strip()
    if not role:
        raise ValidationError("请填写支委职务（如书记、组织委员）。", "role")
    if role == "书记" and any(s.role == "书记" for s in committee(db, branch_id)):
        raise ValidationError("该支部已有书记。如需更换，请先移除原书记。", "role")
    if db.execute("SELECT 1 FROM branch_committee WHERE branch_id = ? AND person_id = ?",
                  [branch_id, person_id]).fetchone():
        raise ValidationError("此人已经是该支部的支委。", "person_id")
    return audit.insert(db, "branch_committee", {"branch_id": branch_id, "person_id": person_id, "role": role,
                                                 "start_date": today().isoformat(), "created_at": now_text()})


def remove_committee_member(db: Db, seat_id: int) -> None:
    audit.delete(db, "branch_committee", seat_id)


# Expected attendees -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonRef:
    person_id: int
    name: str


def _active_members(db: Db, column: str, unit_id: int) -> list[PersonRef]:
    """Members still on the roster (the roster's own status list decides who has left)."""
    statuses = members.roster_statuses(db)
    marks = ",".join("?" * len(statuses))
    rows = db.execute(
        f"SELECT p.id, p.name FROM member m JOIN person p ON p.id = m.person_id "
        f"WHERE m.{column} = ? AND m.status IN ({marks}) ORDER BY m.party_group_id, p.name_pinyin, p.id",
        [unit_id, *statuses],
    ).fetchall()
    return [PersonRef(*r) for r in rows]


def expected_people(db: Db, unit_id: int, kind_code: str) -> list[PersonRef]:
    """Who is expected by default: the whole branch, its committee, or the party group's members."""
    kind = get_kind(db, kind_code)
    unit = orgs.get_unit(db, unit_id)
    if kind.audience == "party_group":
        if unit.kind != "party_group":
            raise ValidationError(f"{kind.name}应由党小组召开，请选择一个党小组。", "unit_id")
        return _active_members(db, "party_group_id", unit_id)
    if unit.kind != "branch":
        raise ValidationError(f"{kind.name}应由党支部召开，请选择一个党支部。", "unit_id")
    if kind.audience == "committee":
        return [PersonRef(s.person_id, s.name) for s in committee(db, unit_id)]
    return _active_members(db, "branch_id", unit_id)


# Meetings ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attendance:
    person_id: int
    name: str
    status: str
    reason: str | None = None


@dataclass(frozen=True)
class Guest:
    name: str
    person_id: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class MeetingHead:
    """What every view of a meeting starts with (the columns of _MEETING_HEAD, in order)."""

    id: int
    unit_id: int
    unit_name: str
    branch_id: int
    branch_name: str
    kind_code: str
    kind_name: str
    status: str
    date: str
    start_time: str | None
    end_time: str | None
    place: str | None


@dataclass(frozen=True)
class Meeting(MeetingHead):
    host_person_id: int | None
    host_name: str | None
    recorder_person_id: int | None
    recorder_name: str | None
    topic: str
    minutes: str | None
    resolutions: str | None
    attachments: tuple[str, ...]
    attendance: tuple[Attendance, ...] = ()
    guests: tuple[Guest, ...] = ()

    def count(self, status: str) -> int:
        return sum(1 for a in self.attendance if a.status == status)

    @property
    def expected(self) -> int:
        return len(self.attendance)

    @property
    def present(self) -> int:
        return self.count("出席")

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


@dataclass(frozen=True)
class MeetingSummary(MeetingHead):
    """One line of a meeting list: the record without minutes, with attendance figures."""

    host_name: str | None
    recorder_name: str | None
    topic: str
    expected: int
    present: int
    leave: int
    absent: int
    guests: int

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


_MEETING_HEAD = "m.id, m.unit_id, u.name, m.branch_id, b.name, k.code, k.name, m.status, m.date, m.start_time, m.end_time, m.place"
_MEETING_FROM = """
FROM meeting m
JOIN org_unit u ON u.id = m.unit_id
JOIN org_unit b ON b.id = m.branch_id
JOIN meeting_kind k ON k.id = m.kind_id
LEFT JOIN person h ON h.id = m.host_person_id
LEFT JOIN person r ON r.id = m.recorder_person_id
"""
_MEETING_SELECT = f"""
SELECT {_MEETING_HEAD}, m.host_person_id, h.name, m.recorder_person_id, r.name, m.topic, m.minutes, m.resolutions,
       m.attachments
{_MEETING_FROM}"""


def get_meeting(db: Db, meeting_id: int) -> Meeting:
    row = db.execute(_MEETING_SELECT + " WHERE m.id = ?", [meeting_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到会议记录 #{meeting_id}，可能已被删除。")
    attendance = tuple(
        Attendance(*r) for r in db.execute(
            "SELECT a.person_id, p.name, a.status, a.reason FROM meeting_attendance a JOIN person p ON p.id = a.person_id "
            "WHERE a.meeting_id = ? ORDER BY a.id", [meeting_id],
        ).fetchall()
    )
    guests = tuple(
        Guest(r[0], r[1], r[2]) for r in db.execute(
            "SELECT name, person_id, note FROM meeting_guest WHERE meeting_id = ? ORDER BY id", [meeting_id]
        ).fetchall()
    )
    return Meeting(*row[:19], tuple(json.loads(row[19] or "[]")), attendance, guests)


def list_meetings(db: Db, branch_id: int | None = None, start: str | dt.date | None = None,
                  end: str | dt.date | None = None, kind_code: str | None = None,
                  status: str | None = None) -> list[MeetingSummary]:
    """Meetings by date (then time), optionally of one branch (its groups included), kind, dates."""
    where, params = [], []
    if branch_id is not None:
        where.append("m.branch_id = ?")
        params.append(branch_id)
    if start is not None:
        where.append("m.date >= ?")
        params.append(str(start))
    if end is not None:
        where.append("m.date <= ?")
        params.append(str(end))
    if kind_code is not None:
        where.append("k.code = ?")
        params.append(kind_code)
    if status is not None:
        where.append("m.status = ?")
        params.append(status)
    sql = f"""
    SELECT {_MEETING_HEAD}, h.name, r.name, m.topic,
           (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id),
           (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.status = '出席'),
           (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.status = '请假'),
           (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.status = '缺席'),
           (SELECT count(*) FROM meeting_guest g WHERE g.meeting_id = m.id)
    {_MEETING_FROM}
    {"WHERE " + " AND ".join(where) if where else ""}
    ORDER BY m.date, coalesce(m.start_time, ''), m.id
    """
    return [MeetingSummary(*r) for r in db.execute(sql, params).fetchall()]


def _text(values: dict[str, Any], key: str, limit: int, label: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    value = str(value).strip()
    if len(value) > limit:
        raise ValidationError(f"{label}太长（超过 {limit} 字），请精简。", key)
    return value or None


def _check_person(db: Db, person_id: Any, key: str, label: str) -> int | None:
    if person_id in (None, ""):
        return None
    if not db.execute("SELECT 1 FROM person WHERE id = ?", [person_id]).fetchone():
        raise ValidationError(f"{label}不存在，请重新选择。", key)
    return int(person_id)


def validate_meeting(db: Db, values: dict[str, Any]) -> dict[str, Any]:
    """Check a meeting's fields; returns the row to store (without ids and timestamps)."""
    kind_code = values.get("kind_code")
    if not kind_code:
        raise ValidationError("请选择会议类型。", "kind_code")
    kind = get_kind(db, kind_code)
    unit_id = values.get("unit_id")
    if not unit_id:
        raise ValidationError("请选择召开会议的党支部或党小组。", "unit_id")
    unit = orgs.get_unit(db, unit_id)
    if kind.audience == "party_group" and unit.kind != "party_group":
        raise ValidationError(f"{kind.name}应由党小组召开，请选择一个党小组。", "unit_id")
    if kind.audience != "party_group" and unit.kind != "branch":
        raise ValidationError(f"{kind.name}应由党支部召开，请选择一个党支部。", "unit_id")
    branch_id = unit.parent_id if unit.kind == "party_group" else unit.id
    date = values.get("date")
    if isinstance(date, dt.date):
        date = date.isoformat()
    try:
        dt.date.fromisoformat(str(date or ""))
    except ValueError:
        raise ValidationError(f"会议日期“{date or ''}”无效，请写成 2025-03-15 这样的形式。", "date") from None
    status = values.get("status") or "已召开"
    if status not in MEETING_STATUSES:
        raise ValidationError("会议状态只能是“计划”或“已召开”。", "status")
    if status == "已召开" and date > today().isoformat():
        raise ValidationError("会议日期在今天之后，不能记为已召开；如是预先安排，请把状态设为“计划”。", "date")
    times = {}
    for key, label in (("start_time", "开始时间"), ("end_time", "结束时间")):
        value = (values.get(key) or "").strip()
        if value and not _TIME.match(value):
            raise ValidationError(f"{label}“{value}”无效，请写成 14:30 这样的形式。", key)
        times[key] = value or None
    if times["start_time"] and times["end_time"] and times["end_time"] <= times["start_time"]:
        raise ValidationError("结束时间应晚于开始时间。", "end_time")
    topic = _text(values, "topic", 200, "会议主题")
    if not topic:
        raise ValidationError("请填写会议主题。", "topic")
    attachments = [str(a).strip() for a in (values.get("attachments") or []) if str(a).strip()]
    return {
        "unit_id": unit.id, "branch_id": branch_id, "kind_id": kind.id, "status": status, "date": date,
        **times,
        "place": _text(values, "place", 100, "会议地点"),
        "host_person_id": _check_person(db, values.get("host_person_id"), "host_person_id", "主持人"),
        "recorder_person_id": _check_person(db, values.get("recorder_person_id"), "recorder_person_id", "记录人"),
        "topic": topic,
        "minutes": _text(values, "minutes", 20000, "会议内容"),
        "resolutions": _text(values, "resolutions", 5000, "会议决议"),
        "attachments": json.dumps(attachments, ensure_ascii=False),
    }


def validate_attendance(db: Db, rows: Iterable[Attendance | dict[str, Any]]) -> list[Attendance]:
    """Each expected person once; status one of 出席/请假/缺席; 请假 needs a reason."""
    out: list[Attendance] = []
    seen: set[int] = set()
    for row in rows:
        if isinstance(row, dict):
            row = Attendance(row["person_id"], row.get("name", ""), row.get("status") or "出席", row.get("reason"))
        name = row.name or db.execute("SELECT name FROM person WHERE id = ?", [row.person_id]).fetchone()[0]
        if row.person_id in seen:
            raise ValidationError(f"应到人员中“{name}”重复了，请删去一个。", "attendance")
        seen.add(row.person_id)
        if row.status not in ATTENDANCE_STATUSES:
            raise ValidationError(f"“{name}”的出勤情况只能是出席、请假或缺席。", "attendance")
        reason = (row.reason or "").strip() or None
        if row.status == "请假" and not reason:
            raise ValidationError(f"“{name}”请假，请填写请假原因后再保存。", "attendance")
        if row.status != "请假":
            reason = None
        out.append(Attendance(row.person_id, name, row.status, reason))
    return out


def _require_attendees(rows: list[Attendance], kind_code: str) -> None:
    if not rows:
        hint = "该支部还没有登记支部委员，请先在“会议类型与支委”中添加，或" if kind_code == "committee" else "请"
        raise ValidationError(f"应到人员名单是空的。{hint}用“添加应到人员”把参会党员加进名单。", "attendance")


def _clean_guests(guests: Iterable[Guest | str | dict[str, Any]]) -> list[Guest]:
    out = []
    for g in guests:
        if isinstance(g, str):
            g = Guest(g)
        elif isinstance(g, dict):
            g = Guest(g.get("name", ""), g.get("person_id"), g.get("note"))
        name = (g.name or "").strip()
        if not name:
            continue
        out.append(Guest(name, g.person_id, (g.note or "").strip() or None))
    return out


def _write_children(db: Db, meeting_id: int, attendance: list[Attendance], guests: list[Guest]) -> None:
    """Make the stored attendance and guests equal to the given lists, changing only what differs."""
    existing = {r[1]: (r[0], r[2], r[3]) for r in db.execute(
        "SELECT id, person_id, status, reason FROM meeting_attendance WHERE meeting_id = ?", [meeting_id]
    ).fetchall()}
    wanted = {a.person_id for a in attendance}
    for person_id, (row_id, _, _) in existing.items():
        if person_id not in wanted:
            audit.delete(db, "meeting_attendance", row_id)
    for a in attendance:
        if a.person_id in existing:
            row_id, status, reason = existing[a.person_id]
            if (status, reason) != (a.status, a.reason):
                audit.update(db, "meeting_attendance", row_id, {"status": a.status, "reason": a.reason})
        else:
            audit.insert(db, "meeting_attendance", {"meeting_id": meeting_id, "person_id": a.person_id,
                                                    "status": a.status, "reason": a.reason})
    old_guests = db.execute("SELECT id, name, person_id, note FROM meeting_guest WHERE meeting_id = ? ORDER BY id",
                            [meeting_id]).fetchall()
    if [Guest(r[1], r[2], r[3]) for r in old_guests] != guests:
        for r in old_guests:
            audit.delete(db, "meeting_guest", r[0])
        for g in guests:
            audit.insert(db, "meeting_guest", {"meeting_id": meeting_id, "person_id": g.person_id, "name": g.name,
                                               "note": g.note})


def create_meeting(db: Db, values: dict[str, Any], attendance: Iterable[Attendance | dict] | None = None,
                   guests: Iterable[Guest | str | dict] = ()) -> int:
    """Record a meeting. Without `attendance`, the kind's expected people are all marked 出席.

    Everything is validated before anything is written; the meeting, attendance and guests are
    stored in one transaction.
    """
    row = validate_meeting(db, values)
    if attendance is None:
        attendance = [Attendance(p.person_id, p.name, "出席") for p in expected_people(db, row["unit_id"], values["kind_code"])]
    rows = validate_attendance(db, attendance)
    _require_attendees(rows, values["kind_code"])
    guest_rows = _clean_guests(guests)
    stamp = now_text()
    with db.atomic():
        meeting_id = audit.insert(db, "meeting", {**row, "created_at": stamp, "updated_at": stamp})
        _write_children(db, meeting_id, rows, guest_rows)
    return meeting_id


def update_meeting(db: Db, meeting_id: int, values: dict[str, Any],
                   attendance: Iterable[Attendance | dict] | None = None,
                   guests: Iterable[Guest | str | dict] | None = None) -> None:
    """Change a meeting; `attendance` / `guests` given replace the stored lists (None keeps them)."""
    current = get_meeting(db, meeting_id)
    merged = {
        "unit_id": current.unit_id, "kind_code": current.kind_code, "status": current.status, "date": current.date,
        "start_time": current.start_time, "end_time": current.end_time, "place": current.place,
        "host_person_id": current.host_person_id, "recorder_person_id": current.recorder_person_id,
        "topic": current.topic, "minutes": current.minutes, "resolutions": current.resolutions,
        "attachments": list(current.attachments),
    }
    merged.update(values)
    row = validate_meeting(db, merged)
    rows = validate_attendance(db, attendance if attendance is not None else current.attendance)
    _require_attendees(rows, merged["kind_code"])
    guest_rows = _clean_guests(guests if guests is not None else current.guests)
    with db.atomic():
        audit.update(db, "meeting", meeting_id, {**row, "updated_at": now_text()})
        _write_children(db, meeting_id, rows, guest_rows)


def set_attendance(db: Db, meeting_id: int, person_id: int, status: str, reason: str | None = None) -> None:
    """Change one person's attendance at a meeting (请假 needs a reason)."""
    meeting = get_meeting(db, meeting_id)
    rows = list(meeting.attendance)
    for i, a in enumerate(rows):
        if a.person_id == person_id:
            rows[i] = Attendance(person_id, a.name, status, reason)
            break
    else:
        raise ValidationError("此人不在该会议的应到人员中。", "person_id")
    clean = validate_attendance(db, rows)
    with db.atomic():
        _write_children(db, meeting_id, clean, list(meeting.guests))


def delete_meeting(db: Db, meeting_id: int) -> None:
    get_meeting(db, meeting_id)
    with db.atomic():
        for table in ("meeting_attendance", "meeting_guest"):
            for (row_id,) in db.execute(f"SELECT id FROM {table} WHERE meeting_id = ?", [meeting_id]).fetchall():
                audit.delete(db, table, row_id)
        audit.delete(db, "meeting", meeting_id)


def default_roles(db: Db, branch_id: int) -> tuple[int | None, int | None]:
    """(host, recorder) a new branch meeting starts with: the secretary and the organisation member."""
    seats = committee(db, branch_id)
    host = next((s.person_id for s in seats if s.role == "书记"), seats[0].person_id if seats else None)
    recorder = next((s.person_id for s in seats if s.role == "组织委员"), None)
    return host, recorder


# Periods ----------------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year; `number` is the month (1–12) or quarter (1–4), 0 for a year."""

    kind: str
    year: int
    number: int = 0

    @property
    def start(self) -> dt.date:
        if self.kind == "year":
            return dt.date(self.year, 1, 1)
        if self.kind == "quarter":
            return dt.date(self.year, 3 * self.number - 2, 1)
        return dt.date(self.year, self.number, 1)

    @property
    def end(self) -> dt.date:
        if self.kind == "year":
            return dt.date(self.year, 12, 31)
        last_month = 3 * self.number if self.kind == "quarter" else self.number
        first_next = dt.date(self.year + (last_month == 12), last_month % 12 + 1, 1)
        return first_next - dt.timedelta(days=1)

    @property
    def code(self) -> str:
        if self.kind == "year":
            return f"{self.year}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        return f"{self.year}-{self.number:02d}"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "quarter":
            return f"{self.year}年第{'一二三四'[self.number - 1]}季度"
        return f"{self.year}年{self.number}月"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def period_of(kind: str, day: dt.date) -> Period:
    if kind == "year":
        return Period("year", day.year)
    if kind == "quarter":
        return Period("quarter", day.year, (day.month - 1) // 3 + 1)
    return Period("month", day.year, day.month)


def parse_period(text: str | Period) -> Period:
    """'2025' → year, '2025-Q2' → quarter, '2025-03' → month."""
    if isinstance(text, Period):
        return text
    raw = str(text).strip().upper()
    m = re.fullmatch(r"(\d{4})", raw)
    if m:
        return Period("year", int(m[1]))
    m = re.fullmatch(r"(\d{4})-?Q([1-4])", raw)
    if m:
        return Period("quarter", int(m[1]), int(m[2]))
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", raw)
    if m and 1 <= int(m[2]) <= 12:
        return Period("month", int(m[1]), int(m[2]))
    raise ValidationError(f"期间“{text}”无法识别，请写成 2025（年）、2025-Q2（季度）或 2025-03（月）。", "period")


def _windows(kind_period: str, view: Period) -> list[Period]:
    """The kind's own periods that overlap the view (one when the kind's period is longer)."""
    out, day = [], view.start
    while day <= view.end:
        window = period_of(kind_period, day)
        out.append(window)
        day = window.end + dt.timedelta(days=1)
    return out


# Compliance -----------------------------------------------------------------------------------

def _branches_clause(db: Db, org_id: int) -> tuple[str, list[int]]:
    """`m.branch_id IN (...)` for a branch itself, or every branch under a community or the street."""
    unit = orgs.get_unit(db, org_id)
    if unit.kind == "branch":
        return "m.branch_id = ?", [org_id]
    if unit.kind == "party_group":
        return "m.branch_id = ?", [unit.parent_id]
    rows = db.execute(
        """WITH RECURSIVE sub(id) AS (SELECT id FROM org_unit WHERE parent_id = ?
           UNION SELECT o.id FROM org_unit o JOIN sub ON o.parent_id = sub.id)
           SELECT id FROM org_unit WHERE kind = 'branch' AND id IN (SELECT id FROM sub)""",
        [org_id],
    ).fetchall()
    ids = [r[0] for r in rows] or [-1]
    return f"m.branch_id IN ({','.join('?' * len(ids))})", ids


def held_count(db: Db, branch_id: int, kind_code: str, start: str | dt.date, end: str | dt.date,
               unit_id: int | None = None) -> int:
    """How many meetings of a kind were held between the dates, inclusive.

    `branch_id` may also be a community or the street: then every branch under it counts (the
    accountability letters measure a community). `unit_id` narrows to one party group.
    """
    where, params = _branches_clause(db, branch_id)
    sql = ("SELECT count(*) FROM meeting m JOIN meeting_kind k ON k.id = m.kind_id "
           f"WHERE {where} AND k.code = ? AND m.status = '已召开' AND m.date BETWEEN ? AND ?")
    params = [*params, kind_code, str(start), str(end)]
    if unit_id is not None:
        sql += " AND m.unit_id = ?"
        params.append(unit_id)
    return db.execute(sql, params).fetchone()[0]


def attendance_rate(db: Db, branch_id: int, start: str | dt.date, end: str | dt.date) -> float | None:
    """Present / expected over held meetings between the dates; None if nobody was expected.

    Like held_count, `branch_id` may be a community or the street (all branches under it).
    """
    where, params = _branches_clause(db, branch_id)
    expected, present = db.execute(
        "SELECT count(*), coalesce(sum(a.status = '出席'), 0) FROM meeting_attendance a "
        f"JOIN meeting m ON m.id = a.meeting_id WHERE {where} AND m.status = '已召开' AND m.date BETWEEN ? AND ?",
        [*params, str(start), str(end)],
    ).fetchone()
    return present / expected if expected else None


@dataclass(frozen=True)
class KindCompliance:
    kind_code: str
    kind_name: str
    rule: str
    required: int  # meetings due so far: windows ending inside the view that have begun
    held: int  # held meetings counted against the rule (extra meetings in one window do not count twice)
    held_total: int  # every held meeting of the kind in the view
    state: str  # held | overdue | due | not_due | none
    deadline: str | None  # the nearest open deadline, when due
    units_behind: tuple[str, ...] = ()  # party groups that have not met the rule

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class MemberAttendance:
    person_id: int
    name: str
    expected: int
    present: int
    leave: int
    absent: int

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


@dataclass(frozen=True)
class AbsenceRun:
    """A member absent without leave at `count` consecutive meetings they were expected at."""

    person_id: int
    name: str
    count: int
    dates: tuple[str, ...]
    ongoing: bool  # the run reaches the member's latest meeting in the period


@dataclass(frozen=True)
class BranchCompliance:
    branch_id: int
    branch_name: str
    period: Period
    kinds: tuple[KindCompliance, ...]
    meetings: tuple[MeetingSummary, ...]
    members: tuple[MemberAttendance, ...]
    absences: tuple[AbsenceRun, ...]
    attendance_rate: float | None

    @property
    def overdue(self) -> tuple[KindCompliance, ...]:
        return tuple(k for k in self.kinds if k.state == "overdue")

    @property
    def compliant(self) -> bool:
        return all(k.state in ("held", "not_due", "none") for k in self.kinds)

    def kind(self, code: str) -> KindCompliance:
        return next(k for k in self.kinds if k.kind_code == code)


def _held_dates(db: Db, branch_id: int, kind_id: int, start: dt.date, end: dt.date) -> dict[int, list[str]]:
    rows = db.execute(
        "SELECT unit_id, date FROM meeting WHERE branch_id = ? AND kind_id = ? AND status = '已召开' "
        "AND date BETWEEN ? AND ?", [branch_id, kind_id, start.isoformat(), end.isoformat()],
    ).fetchall()
    out: dict[int, list[str]] = {}
    for unit_id, date in rows:
        out.setdefault(unit_id, []).append(date)
    return out


def kind_compliance(db: Db, branch_id: int, kind: MeetingKind, view: Period, on: dt.date | None = None,
                    since: dt.date | None = None) -> KindCompliance:
    """Judge one kind for a branch over a view period, as of `on` (default today).

    Windows that closed before `since` (the office's 台账起始日期) are not required: the office
    kept no ledger in the program then, so nothing can be overdue there.
    """
    on = on or today()
    if kind.audience == "party_group":
        units = [(u.id, u.name) for u in orgs.list_units(db, kind="party_group", parent_id=branch_id)]
    else:
        units = [(branch_id, "")]
    windows = _windows(kind.period, view)
    base = dict(kind_code=kind.code, kind_name=kind.name, rule=kind.rule_text)
    if not units or kind.required_count == 0:
        total = held_count(db, branch_id, kind.code, view.start, view.end)
        return KindCompliance(**base, required=0, held=total, held_total=total, state="none", deadline=None)
    # Count from the first window's start (a quarter begun before a month view still counts) to the view's end.
    dates = _held_dates(db, branch_id, kind.id, windows[0].start, view.end)
    n = kind.required_count
    required = held = 0
    overdue = due = not_due = before_start = False
    deadline: str | None = None
    behind: list[str] = []
    for unit_id, unit_name in units:
        unit_dates = dates.get(unit_id, [])
        unit_behind = False
        for w in windows:
            if since is not None and w.end < since:
                before_start = True
                continue
            last = min(w.end, view.end).isoformat()
            count = sum(1 for d in unit_dates if w.start.isoformat() <= d <= last)
            # Required: windows whose deadline falls inside the view and that have begun by `on`.
            in_view = w.end <= view.end and w.start <= on
            if in_view:
                required += n
                held += min(count, n)
            if count >= n:
                continue
            if not in_view:
                not_due = True
            elif w.end < on:
                overdue = unit_behind = True
            else:
                due = unit_behind = True
                if deadline is None or w.end.isoformat() < deadline:
                    deadline = w.end.isoformat()
        if unit_behind and unit_name:
            behind.append(unit_name)
    if overdue:
        state = "overdue"
    elif due:
        state = "due"
    elif required == 0 and not_due:
        state = "not_due"
    elif required == 0 and before_start:
        state = "none"
    else:
        state = "held"
    total = sum(1 for ds in dates.values() for d in ds if d >= view.start.isoformat())
    return KindCompliance(**base, required=required, held=held, held_total=total, state=state,
                          deadline=deadline if state == "due" else None, units_behind=tuple(behind))


def member_attendance(db: Db, branch_id: int, start: str | dt.date, end: str | dt.date) -> list[MemberAttendance]:
    """Each person's record over the branch's held meetings between the dates, lowest rate first."""
    rows = db.execute(
        "SELECT a.person_id, p.name, count(*), sum(a.status = '出席'), sum(a.status = '请假'), sum(a.status = '缺席') "
        "FROM meeting_attendance a JOIN meeting m ON m.id = a.meeting_id JOIN person p ON p.id = a.person_id "
        "WHERE m.branch_id = ? AND m.status = '已召开' AND m.date BETWEEN ? AND ? GROUP BY a.person_id",
        [branch_id, str(start), str(end)],
    ).fetchall()
    out = [MemberAttendance(*r) for r in rows]
    return sorted(out, key=lambda m: (m.rate if m.rate is not None else 1.0, -m.absent, m.name))


def consecutive_absences(db: Db, branch_id: int, start: str | dt.date, end: str | dt.date,
                         threshold: int = 2) -> list[AbsenceRun]:
    """Members absent without leave at `threshold` or more meetings in a row (longest run each).

    The run is over the meetings each person was expected at, in date order; 出席 or 请假 ends it.
    """
    rows = db.execute(
        "SELECT a.person_id, p.name, m.date, a.status FROM meeting_attendance a "
        "JOIN meeting m ON m.id = a.meeting_id JOIN person p ON p.id = a.person_id "
        "WHERE m.branch_id = ? AND m.status = '已召开' AND m.date BETWEEN ? AND ? "
        "AND a.person_id IN (SELECT a2.person_id FROM meeting_attendance a2 JOIN meeting m2 ON m2.id = a2.meeting_id "
        "  WHERE m2.branch_id = ? AND m2.status = '已召开' AND m2.date BETWEEN ? AND ? AND a2.status = '缺席') "
        "ORDER BY a.person_id, m.date, coalesce(m.start_time, ''), m.id",
        [branch_id, str(start), str(end), branch_id, str(start), str(end)],
    ).fetchall()
    runs: list[AbsenceRun] = []
    i = 0
    while i < len(rows):
        person_id, name = rows[i][0], rows[i][1]
        best: list[str] = []
        current: list[str] = []
        best_ongoing = False
        while i < len(rows) and rows[i][0] == person_id:
            if rows[i][3] == "缺席":
                current.append(rows[i][2])
            else:
                current = []
            if len(current) > len(best) or (current and len(current) == len(best)):
                best = list(current)
            i += 1
        best_ongoing = bool(current) and current == best
        if len(best) >= threshold:
            runs.append(AbsenceRun(person_id, name, len(best), tuple(best), best_ongoing))
    return sorted(runs, key=lambda r: (-r.count, r.name))


def compliance(db: Db, branch_id: int, period: str | Period, on: dt.date | None = None,
               with_details: bool = True) -> BranchCompliance:
    """The branch's record for a period: kinds held vs required, attendance, absences."""
    view = parse_period(period)
    branch = orgs.get_unit(db, branch_id)
    since = settings.records_start(db)
    kinds = tuple(kind_compliance(db, branch_id, k, view, on, since) for k in list_kinds(db))
    start, end = view.start.isoformat(), view.end.isoformat()
    if with_details:
        meetings = tuple(list_meetings(db, branch_id, start, end, status="已召开"))
        members = tuple(member_attendance(db, branch_id, start, end))
        absences = tuple(consecutive_absences(db, branch_id, start, end))
    else:
        meetings, members, absences = (), (), ()
    return BranchCompliance(branch.id, branch.name, view, kinds, meetings, members, absences,
                            attendance_rate(db, branch_id, start, end))


def compliance_grid(db: Db, period: str | Period, on: dt.date | None = None) -> list[BranchCompliance]:
    """Every branch's kinds for the period (without per-member details: fast for the grid)."""
    return [compliance(db, b.id, period, on, with_details=False) for b in orgs.branches(db)]


@dataclass(frozen=True)
class DueItem:
    branch_id: int
    branch_name: str
    unit_name: str  # the party group for 党小组会, else the branch
    kind_code: str
    kind_name: str
    required: int
    held: int
    deadline: str
    overdue: bool = False


def due_this_month(db: Db, on: dt.date | None = None) -> list[DueItem]:
    """For the whole office: the meetings still to hold whose window closes this month."""
    on = on or today()
    out: list[DueItem] = []
    for branch in orgs.branches(db):
        groups = orgs.list_units(db, kind="party_group", parent_id=branch.id)
        for kind in list_kinds(db):
            if kind.required_count == 0:
                continue
            window = period_of(kind.period, on)
            if window.end.month != on.month:
                continue
            units = [(g.id, g.name) for g in groups] if kind.audience == "party_group" else [(branch.id, branch.name)]
            for unit_id, unit_name in units:
                held = held_count(db, branch.id, kind.code, window.start, window.end,
                                  unit_id if kind.audience == "party_group" else None)
                if held < kind.required_count:
                    out.append(DueItem(branch.id, branch.name, unit_name, kind.code, kind.name, kind.required_count,
                                       held, window.end.isoformat()))
    return out


def branch_units(db: Db, branch_id: int) -> list[orgs.OrgUnit]:
    """The branch and its party groups, the units a branch's meetings are held by."""
    return [orgs.get_unit(db, branch_id), *orgs.list_units(db, kind="party_group", parent_id=branch_id)]


@dataclass(frozen=True)
class LedgerPage:
    """What a printed or exported ledger shows for one branch."""

    branch_id: int
    branch_name: str
    start: str
    end: str
    meetings: tuple[Meeting, ...] = field(default_factory=tuple)


def ledger(db: Db, branch_id: int, start: str | dt.date, end: str | dt.date) -> LedgerPage:
    """The branch's held meetings between the dates, full records in date order (for print and export)."""
    branch = orgs.get_unit(db, branch_id)
    meetings = tuple(get_meeting(db, m.id) for m in list_meetings(db, branch_id, start, end, status="已召开"))
    return LedgerPage(branch.id, branch.name, str(start), str(end), meetings)
