"""Persons: one real human entered once, whatever roles (member, volunteer, resident) they hold."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields
from typing import Any

from core import audit, idcard
from core.clock import now_text
from core.db import Db
from core.errors import NotFoundError, ValidationError
from core.pinyin import name_keys

_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    gender: str | None
    birth_date: str | None
    id_number: str | None
    phone: str | None
    address: str | None
    ethnicity: str | None
    native_place: str | None
    education: str | None
    note: str | None


PERSON_FIELDS = [f.name for f in fields(Person) if f.name != "id"]


def clean_phone(raw: object) -> str | None:
    """Digits of a mobile (11 digits) or landline (area code - number); None when empty."""
    if raw is None:
        return None
    text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
    text = re.sub(r"[\s\u3000()（）]", "", text.translate(str.maketrans("０１２３４５６７８９－", "0123456789-")))
    if text.startswith("+86"):
        text = text[3:]
    if not text:
        return None
    if not _PHONE.match(text):
        raise ValidationError(f"联系电话“{raw}”格式不对：手机号应为 11 位数字，座机请写成 区号-号码。", "phone")
    return text


def validate(values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise a person's fields; birth date and gender follow the ID number."""
    out = dict(values)
    name = (out.get("name") or "").strip()
    if not name:
        raise ValidationError("姓名不能为空。", "name")
    if len(name) > 40:
        raise ValidationError("姓名太长（超过 40 个字）。", "name")
    out["name"] = name
    if out.get("id_number"):
        info = idcard.parse(out["id_number"])
        birth = out.get("birth_date")
        idcard.check_agrees(info, dt.date.fromisoformat(birth) if birth else None, out.get("gender") or None)
        out["id_number"] = info.number
        out["birth_date"] = info.birth_date.isoformat()
        out["gender"] = info.gender
    else:
        out["id_number"] = None
    if "phone" in out:
        out["phone"] = clean_phone(out.get("phone"))
    if out.get("gender") not in (None, "", "男", "女"):
        raise ValidationError(f"性别应为“男”或“女”，而不是“{out['gender']}”。", "gender")
    return out


def _from_row(row: dict[str, Any]) -> Person:
    return Person(**{f.name: row.get(f.name) for f in fields(Person)})


def get(db: Db, person_id: int) -> Person:
    rows = list(db.query("SELECT * FROM person WHERE id = ?", [person_id]))
    if not rows:
        raise NotFoundError(f"找不到人员 #{person_id}。")
    return _from_row(rows[0])


def find_by_id_number(db: Db, id_number: str) -> Person | None:
    rows = list(db.query("SELECT * FROM person WHERE id_number = ?", [id_number]))
    return _from_row(rows[0]) if rows else None


def row_for_insert(values: dict[str, Any]) -> dict[str, Any]:
    """A validated person row with its search keys and timestamps, ready to insert."""
    clean = validate(values)
    full, initials = name_keys(clean["name"])
    stamp = now_text()
    row = {k: clean.get(k) for k in PERSON_FIELDS}
    row.update(name_pinyin=full, name_initials=initials, created_at=stamp, updated_at=stamp)
    return row


def create(db: Db, **values: Any) -> int:
    row = row_for_insert(values)
    if row["id_number"] and find_by_id_number(db, row["id_number"]):
        raise ValidationError(f"身份证号 {idcard.mask(row['id_number'])} 已登记在另一个人名下。", "id_number")
    return audit.insert(db, "person", row)


def edit_version(db: Db, person_id: int) -> int:
    """Token a form keeps from when it loaded the person; update() refuses a save if it changed."""
    return audit.version(db, [("person", person_id)])


def update(db: Db, person_id: int, expected_version: int | None = None, **changes: Any) -> None:
    """Change a person; with expected_version (edit_version() at load) a newer save by someone else is refused."""
    current = get(db, person_id)
    merged = {**{k: getattr(current, k) for k in PERSON_FIELDS}, **changes}
    if "id_number" in changes and changes["id_number"] and "birth_date" not in changes:
        merged["birth_date"] = None  # derived again from the new number
        merged["gender"] = changes.get("gender")
    clean = validate(merged)
    if clean["id_number"]:
        other = find_by_id_number(db, clean["id_number"])
        if other and other.id != person_id:
            raise ValidationError(f"身份证号 {idcard.mask(clean['id_number'])} 已登记在另一个人名下。", "id_number")
    row = {k: clean.get(k) for k in PERSON_FIELDS}
    full, initials = name_keys(row["name"])
    row.update(name_pinyin=full, name_initials=initials, updated_at=now_text())
    audit.update(db, "person", person_id, row, expected_version=expected_version)


def find_by_name(db: Db, name: str, limit: int = 50) -> list[Person]:
    return [_from_row(r) for r in db.query("SELECT * FROM person WHERE name = ? ORDER BY id LIMIT ?", [name, limit])]
