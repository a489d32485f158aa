"""Life-cycle events of a member (入党, 转正, 延长预备期, 转入/转出, 流动, 失联, 出党, 去世) and their effects."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from core import audit, members
from core.clock import add_years, now_text, today
from core.db import Db
from core.errors import NotFoundError, ValidationError

KIND_LABELS: dict[str, str] = {
    "join": "入党",
    "full": "转正",
    "extend": "预备期延长",
    "transfer_in": "组织关系转入",
    "transfer_out": "组织关系转出",
    "flow_out": "流动外出",
    "flow_in": "流入",
    "lost_contact": "失联",
    "restore": "恢复正常",
    "suspend": "停止党籍",
    "leave": "出党",
    "death": "去世",
}
# The status each kind sets (kinds not listed leave the status alone).
STATUS_AFTER = {
    "transfer_out": "转出", "transfer_in": "正常", "flow_out": "流动外出", "flow_in": "流入",
    "lost_contact": "失联", "restore": "正常", "suspend": "停止党籍", "leave": "出党", "death": "去世",
}
NEEDS_OTHER_ORG = {"transfer_in": "转入前所在党组织", "transfer_out": "转往的党组织"}
NEEDS_PLACE = {"flow_out": "流出去向（地点或单位）", "flow_in": "从何处流入"}
FINAL_STATUSES = ("出党", "去世")
EXTENSION_MONTHS = (6, 12)  # at least six months, at most a year (domain.md)
_TRACKED = ("category", "status", "join_date", "full_date", "probation_extension_months")


@dataclass(frozen=True)
class MemberEvent:
    id: int
    member_id: int
    kind: str
    event_date: str
    other_org: str | None
    place: str | None
    months: int | None
    note: str | None
    created_at: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def describe(self) -> str:
        """One line for the history list, e.g. “组织关系转出：转往 银川市某某支部”."""
        text = self.kind_label
        if self.other_org:
            text += f"（{'转往' if self.kind == 'transfer_out' else '来自'} {self.other_org}）"
        if self.place:
            text += f"（{'去向' if self.kind == 'flow_out' else '来自'} {self.place}）"
        if self.months:
            text += f"（{self.months} 个月）"
        if self.note:
            text += f"：{self.note}"
        return text


_COLUMNS = "id, member_id, kind, event_date, other_org, place, months, note, created_at"


def events(db: Db, member_id: int) -> list[MemberEvent]:
    """A member's history, oldest first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM member_event WHERE member_id = ? ORDER BY event_date, id", [member_id]
    ).fetchall()
    return [MemberEvent(*r) for r in rows]


def allowed_kinds(member: members.Member) -> list[str]:
    """The kinds that can be recorded for this member now, in menu order."""
    if member.status in FINAL_STATUSES:
        return []
    if member.status == "转出":
        return ["transfer_in", "death"]
    if member.status == "停止党籍":
        return ["restore", "leave", "death"]
    kinds = []
    if not member.join_date:
        kinds.append("join")
    if member.category == "预备党员":
        kinds.append("full")
        if not member.probation_extension_months:
            kinds.append("extend")
    kinds += [k for k in ("transfer_out", "transfer_in", "flow_out", "flow_in", "lost_contact")
              if STATUS_AFTER[k] != member.status]
    if member.status != "正常":
        kinds.append("restore")
    kinds += ["suspend", "leave", "death"]
    return kinds


def _date(value: Any, field: str = "event_date") -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    parsed = members.parse_user_date(str(value or ""), "日期", field)
    if parsed is None:
        raise ValidationError("请填写日期。", field)
    return parsed


def _changes(db: Db, member: members.Member, kind: str, day: str, months: int | None) -> dict[str, Any]:
    """What the event does to the member record; refuses an event the rules do not allow."""
    label = KIND_LABELS[kind]
    if member.status in FINAL_STATUSES:
        raise ValidationError(f"{member.name}的状态是“{member.status}”，不能再记录{label}。")
    if member.status == "转出" and kind not in ("transfer_in", "death"):
        raise ValidationError(f"{member.name}的组织关系已经转出，只能记录“组织关系转入”或“去世”。", "kind")
    if member.status == "停止党籍" and kind not in ("restore", "leave", "death"):
        raise ValidationError(f"{member.name}已停止党籍，只能记录“恢复正常”“出党”或“去世”。", "kind")
    if kind != "join" and member.join_date and day < member.join_date:
        raise ValidationError(f"{label}日期 {day} 早于入党时间 {member.join_date}，请核对。", "event_date")
    if kind == "join":
        if member.join_date:
            raise ValidationError(
                f"{member.name}已有入党时间 {member.join_date}。入党只记录一次；若原时间录错，请在党员信息里修改。", "kind"
            )
        if member.birth_date and day < add_years(dt.date.fromisoformat(member.birth_date), 18).isoformat():
            raise ValidationError("入党时间早于年满 18 周岁，请核对日期。", "event_date")
        return {"join_date": day, "category": "预备党员", "full_date": None, "probation_extension_months": 0}
    if kind == "full":
        if member.category != "预备党员":
            raise ValidationError(f"{member.name}已经是正式党员，不需要转正。", "kind")
        if not member.join_date:
            raise ValidationError("请先记录入党时间，再记录转正。", "kind")
        due = member.probation_due()
        if due and day < due:
            raise ValidationError(f"预备期到 {due} 才届满，转正时间不能早于届满日。", "event_date")
        return {"category": "正式党员", "full_date": day}
    if kind == "extend":
        if member.category != "预备党员":
            raise ValidationError("只有预备党员才能延长预备期。", "kind")
        if member.probation_extension_months or db.execute(
            "SELECT 1 FROM member_event WHERE member_id = ? AND kind = 'extend'", [member.id]
        ).fetchone():
            raise ValidationError(f"{member.name}的预备期已经延长过一次，按规定只能延长一次。", "kind")
        if months is None or not (EXTENSION_MONTHS[0] <= months <= EXTENSION_MONTHS[1]):
            raise ValidationError("预备期延长时间应为 6 至 12 个月。", "months")
        return {"probation_extension_months": months}
    new_status = STATUS_AFTER[kind]
    if kind == "restore" and member.status == "正常":
        raise ValidationError(f"{member.name}的状态已经是“正常”。", "kind")
    if kind not in ("transfer_in", "restore") and member.status == new_status:
        raise ValidationError(f"{member.name}的状态已经是“{new_status}”。", "kind")
    return {"status": new_status}


def record(db: Db, member_id: int, kind: str, event_date: Any, *, other_org: str | None = None,
           place: str | None = None, months: int | None = None, note: str | None = None) -> int:
    """Record one life-cycle event and apply its effect on the member, in one transaction."""
    if kind not in KIND_LABELS:
        raise ValidationError(f"未知的变动类型：{kind}。", "kind")
    day = _date(event_date)
    if day > today().isoformat():
        raise ValidationError("变动日期不能晚于今天。", "event_date")
    other_org = (other_org or "").strip() or None
    place = (place or "").strip() or None
    if kind in NEEDS_OTHER_ORG and not other_org:
        raise ValidationError(f"请填写{NEEDS_OTHER_ORG[kind]}。", "other_org")
    if kind in NEEDS_PLACE and not place:
        raise ValidationError(f"请填写{NEEDS_PLACE[kind]}。", "place")
    with db.atomic():
        member = members.get(db, member_id)
        changes = _changes(db, member, kind, day, months)
        previous = {k: getattr(member, k) for k in changes}
        event_id = audit.insert(db, "member_event", {
            "member_id": member_id, "kind": kind, "event_date": day, "other_org": other_org, "place": place,
            "months": months if kind == "extend" else None, "note": (note or "").strip() or None,
            "previous": json.dumps(previous, ensure_ascii=False), "created_at": now_text(),
        })
        audit.update(db, "member", member_id, {**changes, "updated_at": now_text()})
    return event_id


def undo_last(db: Db, member_id: int) -> MemberEvent:
    """Remove a member's latest event and put back what it changed, unless the record was edited since."""
    with db.atomic():
        row = db.execute(
            f"SELECT {_COLUMNS}, previous FROM member_event WHERE member_id = ? ORDER BY id DESC LIMIT 1", [member_id]
        ).fetchone()
        if row is None:
            raise NotFoundError("该党员还没有变动记录，无可撤销。")
        event = MemberEvent(*row[:-1])
        if row[-1] is None:
            raise ValidationError(
                f"“{event.kind_label}”是录入党员时按所填日期生成的记录，不能撤销。如日期有误，请在党员信息里修改。"
            )
        previous = json.loads(row[-1])
        member = members.get(db, member_id)
        after = _changes_applied(event)
        if any(getattr(member, k) != v for k, v in after.items()):
            raise ValidationError(
                f"“{event.kind_label}”记录之后党员信息又被修改过，不能自动撤销。请在党员信息里手工更正。"
            )
        audit.delete(db, "member_event", event.id)
        if previous:
            audit.update(db, "member", member_id, {**previous, "updated_at": now_text()})
    return event


def _changes_applied(event: MemberEvent) -> dict[str, Any]:
    """The member fields an event set (what undo expects to still find)."""
    if event.kind == "join":
        return {"join_date": event.event_date, "category": "预备党员"}
    if event.kind == "full":
        return {"category": "正式党员", "full_date": event.event_date}
    if event.kind == "extend":
        return {"probation_extension_months": event.months}
    return {"status": STATUS_AFTER[event.kind]}


def history_from_dates(db: Db, member_id: int) -> None:
    """Start a newly entered member's history with the 入党 and 转正 dates typed on the form."""
    member = members.get(db, member_id)
    stamp = now_text()
    rows = []
    if member.join_date:
        rows.append({"member_id": member_id, "kind": "join", "event_date": member.join_date, "created_at": stamp})
    if member.full_date:
        rows.append({"member_id": member_id, "kind": "full", "event_date": member.full_date, "created_at": stamp})
    audit.insert_many(db, "member_event", rows)


def enrol(db: Db, person: dict[str, Any], member: dict[str, Any], *, transfer_from: str | None = None,
          transfer_date: Any = None) -> int:
    """Put a new member on the roster with their history begun: 入党/转正 from the dates given, and the
    组织关系转入 when they come from another organisation. All or nothing."""
    with db.atomic():
        member_id = members.create(db, person, member)
        history_from_dates(db, member_id)
        if transfer_from is not None:
            try:
                record(db, member_id, "transfer_in", transfer_date, other_org=transfer_from)
            except ValidationError as exc:
                field = {"other_org": "transfer_from", "event_date": "transfer_date"}.get(exc.field or "", exc.field)
                raise ValidationError(str(exc), field) from None
    return member_id


def transfers_between(db: Db, start: str, end: str) -> list[tuple[members.Member, MemberEvent]]:
    """Transfers in and out with dates in [start, end] (the monthly report counts them)."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM member_event WHERE kind IN ('transfer_in', 'transfer_out') "
        "AND event_date BETWEEN ? AND ? ORDER BY event_date, id",
        [start, end],
    ).fetchall()
    found = [MemberEvent(*r) for r in rows]
    by_id = {m.id: m for m in members.get_many(db, sorted({e.member_id for e in found}))}
    return [(by_id[e.member_id], e) for e in found]


def rule_faults(conn: sqlite3.Connection) -> list[str]:
    """Roster records that break the life-cycle rules (for `check`); reads through a plain connection."""
    faults = [f"党员 #{r[0]} 的状态“{r[1]}”不在状态表中。" for r in conn.execute(
        "SELECT id, status FROM member WHERE status NOT IN (SELECT value FROM roster_lookup WHERE kind = 'status') LIMIT 20")]
    faults += [f"党员 #{r[0]} 是预备党员却有转正时间。" for r in conn.execute(
        "SELECT id FROM member WHERE category = '预备党员' AND full_date IS NOT NULL LIMIT 20")]
    faults += [f"党员 #{r[0]} 的转正时间早于入党时间。" for r in conn.execute(
        "SELECT id FROM member WHERE full_date < join_date LIMIT 20")]
    faults += [f"党员 #{r[0]} 的入党时间 {r[1]} 晚于今天。" for r in conn.execute(
        "SELECT id, join_date FROM member WHERE join_date > date('now', 'localtime') LIMIT 20")]
    faults += [f"党员 #{r[0]} 入党时未满 18 周岁。" for r in conn.execute(
        "SELECT m.id FROM member m JOIN person p ON p.id = m.person_id "
        "WHERE m.join_date < date(p.birth_date, '+18 years') LIMIT 20")]
    faults += [f"党员 #{r[0]} 的预备期延长了不止一次。" for r in conn.execute(
        "SELECT member_id FROM member_event WHERE kind = 'extend' GROUP BY member_id HAVING count(*) > 1 LIMIT 20")]
    faults += [f"党员 #{r[0]} 的预备期延长 {r[1]} 个月，应为 6 至 12 个月。" for r in conn.execute(
        "SELECT id, probation_extension_months FROM member "
        "WHERE probation_extension_months <> 0 AND probation_extension_months NOT BETWEEN 6 AND 12 LIMIT 20")]
    return faults
