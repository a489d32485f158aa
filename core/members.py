"""Party members: a person's membership (branch, group, grid, category, status, dates)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core import audit, idcard, orgs, persons
from core.clock import add_years, now_text, today
from core.db import Db
from core.errors import NotFoundError, ValidationError

CATEGORIES = ("正式党员", "预备党员")
STATUSES = ("正常", "流动外出", "流入", "失联", "困难党员", "停止党籍", "出党", "去世", "转出")
PERSON_TYPES = ("在职", "离退休", "流动", "学生", "无业", "其他")
MEMBER_FIELDS = ("branch_id", "party_group_id", "grid_id", "category", "status", "person_type",
                 "join_date", "full_date", "work_unit", "note")


@dataclass(frozen=True)
class Member:
    id: int
    person_id: int
    name: str
    gender: str | None
    ethnicity: str | None
    birth_date: str | None
    id_number: str | None
    education: str | None
    native_place: str | None
    phone: str | None
    address: str | None
    branch_id: int
    branch_name: str
    party_group_id: int | None
    party_group_name: str | None
    grid_id: int | None
    grid_name: str | None
    category: str
    status: str
    person_type: str | None
    join_date: str | None
    full_date: str | None
    work_unit: str | None
    note: str | None

    def age(self, on: dt.date | None = None) -> int | None:
        if not self.birth_date:
            return None
        on = on or today()
        born = dt.date.fromisoformat(self.birth_date)
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    def party_age(self, on: dt.date | None = None) -> int | None:
        """党龄 counts whole years from 转正时间."""
        if not self.full_date:
            return None
        on = on or today()
        full = dt.date.fromisoformat(self.full_date)
        return max(0, on.year - full.year - ((on.month, on.day) < (full.month, full.day)))

    def probation_due(self) -> str | None:
        """A probationary member's probation ends one year after 入党时间."""
        if self.category != "预备党员" or not self.join_date:
            return None
        return add_years(dt.date.fromisoformat(self.join_date), 1).isoformat()


MEMBER_SELECT = """
SELECT m.id, m.person_id, p.name, p.gender, p.ethnicity, p.birth_date, p.id_number, p.education, p.native_place,
       p.phone, p.address, m.branch_id, b.name, m.party_group_id, g.name, m.grid_id, gr.name,
       m.category, m.status, m.person_type, m.join_date, m.full_date, m.work_unit, m.note
FROM member m
JOIN person p ON p.id = m.person_id
JOIN org_unit b ON b.id = m.branch_id
LEFT JOIN org_unit g ON g.id = m.party_group_id
LEFT JOIN grid gr ON gr.id = m.grid_id
"""


def get(db: Db, member_id: int) -> Member:
    row = db.execute(MEMBER_SELECT + " WHERE m.id = ?", [member_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到党员 #{member_id}，可能已被删除。")
    return Member(*row)


def _check_date(values: dict[str, Any], key: str, label: str) -> None:
    value = values.get(key)
    if value in (None, ""):
        values[key] = None
        return
    if isinstance(value, dt.date):
        values[key] = value.isoformat()
        return
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{label}“{value}”不是有效日期，请写成 2020-07-01 这样的形式。", key) from None


def validate_member(db: Db, values: dict[str, Any], birth_date: str | None = None) -> dict[str, Any]:
    """Check a member's party fields against the rules and the organisation tree."""
    out = {k: values.get(k) for k in MEMBER_FIELDS}
    branch_id = out["branch_id"]
    if not branch_id:
        raise ValidationError("请选择所在党支部。", "branch_id")
    if orgs.get_unit(db, branch_id).kind != "branch":
        raise ValidationError("所在支部必须是一个党支部。", "branch_id")
    if out["party_group_id"]:
        group = orgs.get_unit(db, out["party_group_id"])
        if group.kind != "party_group" or group.parent_id != branch_id:
            raise ValidationError("所选党小组不属于该党支部。", "party_group_id")
    if out["grid_id"]:
        orgs.get_grid(db, out["grid_id"])
    return check_member_fields(out, birth_date)


def check_member_fields(values: dict[str, Any], birth_date: str | None = None) -> dict[str, Any]:
    """The rules of a member's party fields that need no database (also used by import previews)."""
    out = {k: values.get(k) for k in MEMBER_FIELDS}
    out["category"] = out["category"] or "正式党员"
    if out["category"] not in CATEGORIES:
        raise ValidationError(f"党员类别应为“正式党员”或“预备党员”，而不是“{out['category']}”。", "category")
    out["status"] = out["status"] or "正常"
    if out["person_type"] and out["person_type"] not in PERSON_TYPES:
        raise ValidationError(f"人员类型“{out['person_type']}”不在可选范围内（{'、'.join(PERSON_TYPES)}）。", "person_type")
    _check_date(out, "join_date", "入党时间")
    _check_date(out, "full_date", "转正时间")
    now = today().isoformat()
    if out["join_date"] and out["join_date"] > now:
        raise ValidationError("入党时间不能晚于今天。", "join_date")
    if out["join_date"] and birth_date and out["join_date"] < add_years(dt.date.fromisoformat(birth_date), 18).isoformat():
        raise ValidationError("入党时间早于年满 18 周岁，请核对入党时间或出生日期。", "join_date")
    if out["full_date"] and out["join_date"] and out["full_date"] < out["join_date"]:
        raise ValidationError("转正时间不能早于入党时间。", "full_date")
    if out["category"] == "预备党员" and out["full_date"]:
        raise ValidationError("预备党员还没有转正时间；已转正的请把类别改为“正式党员”。", "full_date")
    return out


def create(db: Db, person: dict[str, Any], member: dict[str, Any]) -> int:
    """Create (or reuse, by ID number) the person and their membership, in one transaction."""
    with db.atomic():
        person_row = persons.row_for_insert(person)
        member_row = validate_member(db, member, person_row["birth_date"])
        existing = persons.find_by_id_number(db, person_row["id_number"]) if person_row["id_number"] else None
        if existing:
            if db.execute("SELECT 1 FROM member WHERE person_id = ?", [existing.id]).fetchone():
                raise ValidationError(
                    f"身份证号 {idcard.mask(person_row['id_number'])} 的党员（{existing.name}）已在名册中。", "id_number"
                )
            persons.update(db, existing.id, **{k: v for k, v in person.items() if k in persons.PERSON_FIELDS})
            person_id = existing.id
        else:
            person_id = audit.insert(db, "person", person_row)
        stamp = now_text()
        return audit.insert(db, "member", {"person_id": person_id, **member_row, "created_at": stamp, "updated_at": stamp})


def edit_version(db: Db, member_id: int) -> int:
    """Token a form keeps from when it loaded the member (person and membership rows together)."""
    person_id = get(db, member_id).person_id
    return audit.version(db, [("person", person_id), ("member", member_id)])


def update(db: Db, member_id: int, person: dict[str, Any] | None = None, member: dict[str, Any] | None = None,
           expected_version: int | None = None) -> None:
    """Change a member's person fields and/or party fields, validated together, in one transaction.

    With expected_version (edit_version() when the form loaded), a save that would overwrite
    someone else's newer change is refused with a message.
    """
    current = get(db, member_id)
    with db.atomic():
        audit.check_version(db, [("person", current.person_id), ("member", member_id)], expected_version)
        if person:
            persons.update(db, current.person_id, **person)
        if member:
            merged = {k: getattr(current, k) for k in MEMBER_FIELDS}
            merged.update(member)
            birth = persons.get(db, current.person_id).birth_date
            row = validate_member(db, merged, birth)
            audit.update(db, "member", member_id, {**row, "updated_at": now_text()})
