"""Resident households of each grid: address, head, phone, size, special-group tags, the 包片 cadre.

Public functions (all take the Db):
    list_tags(db) / create_tag(db, name) / rename_tag(db, id, name) / delete_tag(db, id)
    create(db, values) -> id          values: grid_id, estate, building, unit, room, head_name or
                                      head_person_id, phone, people_count, cadre_person_id, tag_ids, note
    update(db, id, values)            same keys; tag_ids replaces the tag set
    get(db, id) -> Household
    search(db, text="", grid_id=None, community_id=None, tag_id=None, limit=200) -> list[Household]
        text matches the address, the head's name, pinyin or initials, or the phone.
    format_address(estate, building, unit, room) -> "西湖小区3号楼2单元501室"
    cadres(db, community_id=None) -> list[PersonRef]   persons responsible for households or grids
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core import audit, orgs, persons
from core.clock import now_text
from core.db import Db
from core.errors import InUseError, NotFoundError, ValidationError


@dataclass(frozen=True)
class Tag:
    id: int
    name: str
    sort_order: int
    households: int


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str
    phone: str | None


@dataclass(frozen=True)
class Household:
    id: int
    grid_id: int
    grid_name: str
    community_id: int
    community_name: str
    estate: str
    building: str
    unit: str
    room: str
    address: str
    head_person_id: int | None
    head_name: str | None
    phone: str | None
    people_count: int
    cadre_person_id: int | None
    cadre_name: str | None
    note: str | None
    tags: tuple[str, ...]
    last_visit: str | None

    @property
    def tags_text(self) -> str:
        return "、".join(self.tags)

    @property
    def label(self) -> str:
        return f"{self.address}（{self.head_name or '户主未登记'}）"


# Tags ------------------------------------------------------------------------------------------

def list_tags(db: Db) -> list[Tag]:
    rows = db.execute(
        """SELECT t.id, t.name, t.sort_order, count(ht.id) FROM special_tag t
           LEFT JOIN household_tag ht ON ht.tag_id = t.id GROUP BY t.id ORDER BY t.sort_order, t.id"""
    ).fetchall()
    return [Tag(*r) for r in rows]


def _tag_name(db: Db, name: str, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("特殊群体名称不能为空。", "name")
    if len(name) > 20:
        raise ValidationError("特殊群体名称太长（超过 20 个字）。", "name")
    if db.execute("SELECT 1 FROM special_tag WHERE name = ? AND id IS NOT ?", [name, exclude_id]).fetchone():
        raise ValidationError(f"已经有名为“{name}”的特殊群体。", "name")
    return name


def create_tag(db: Db, name: str) -> int:
    name = _tag_name(db, name)
    order = db.execute("SELECT coalesce(max(sort_order), 0) + 1 FROM special_tag").fetchone()[0]
    return audit.insert(db, "special_tag", {"name": name, "sort_order": order, "created_at": now_text()})


def rename_tag(db: Db, tag_id: int, name: str) -> None:
    audit.update(db, "special_tag", tag_id, {"name": _tag_name(db, name, tag_id)})


def delete_tag(db: Db, tag_id: int) -> None:
    row = db.execute("SELECT name FROM special_tag WHERE id = ?", [tag_id]).fetchone()
    if row is None:
        raise NotFoundError("该特殊群体已被删除，请刷新。")
    used = db.execute("SELECT count(*) FROM household_tag WHERE tag_id = ?", [tag_id]).fetchone()[0]
    if used:
        raise InUseError(f"还有 {used} 户标记为“{row[0]}”，不能删除。请先取消这些住户的该标记。")
    audit.delete(db, "special_tag", tag_id)


def tag_ids_by_name(db: Db) -> dict[str, int]:
    return {name: tag_id for tag_id, name in db.execute("SELECT id, name FROM special_tag").fetchall()}


# Addresses -------------------------------------------------------------------------------------

def _part(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", str(value))


def split_suffix(value: Any, suffixes: tuple[str, ...]) -> str:
    """'3号楼' / '3栋' / '3' -> '3': the bare number or name, so addresses compare equal."""
    text = _part(value)
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


BUILDING_SUFFIXES = ("号楼", "栋", "幢", "楼", "号")
UNIT_SUFFIXES = ("单元",)
ROOM_SUFFIXES = ("室", "号")


def format_address(estate: str, building: str, unit: str, room: str) -> str:
    out = estate
    if building:
        out += f"{building}号楼" if building.isdigit() else building
    if unit:
        out += f"{unit}单元" if unit.isdigit() else unit
    if room:
        out += f"{room}室" if room.isdigit() else room
    return out


# Households ------------------------------------------------------------------------------------

_SELECT = """
SELECT h.id, h.grid_id, g.name, g.community_id, c.name, h.estate, h.building, h.unit, h.room, h.address,
       h.head_person_id, hp.name, coalesce(h.phone, hp.phone), h.people_count, h.cadre_person_id, cp.name, h.note,
       (SELECT group_concat(t.name, '、') FROM (SELECT t.name FROM household_tag ht JOIN special_tag t ON t.id = ht.tag_id
            WHERE ht.household_id = h.id ORDER BY t.sort_order) t),
       (SELECT max(v.visit_date) FROM home_visit v WHERE v.household_id = h.id)
FROM household h
JOIN grid g ON g.id = h.grid_id
JOIN org_unit c ON c.id = g.community_id
LEFT JOIN person hp ON hp.id = h.head_person_id
LEFT JOIN person cp ON cp.id = h.cadre_person_id
"""


def _household(row: tuple) -> Household:
    values = list(row)
    values[17] = tuple(values[17].split("、")) if values[17] else ()
    return Household(*values)


def get(db: Db, household_id: int) -> Household:
    row = db.execute(_SELECT + " WHERE h.id = ?", [household_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到住户 #{household_id}，可能已被删除。")
    return _household(row)


def like_pattern(text: str) -> str:
    """'%text%' for LIKE … ESCAPE '\\', with the user's own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(db: Db, text: str = "", grid_id: int | None = None, community_id: int | None = None,
           tag_id: int | None = None, limit: int | None = 200) -> list[Household]:
    """Households whose address, head's name (or its pinyin / initials) or phone contains `text`."""
    where, params = [], []
    text = (text or "").strip()
    if text:
        like = like_pattern(text.lower())
        where.append(
            "(h.address LIKE ? ESCAPE '\\' OR hp.name LIKE ? ESCAPE '\\' OR hp.name_pinyin LIKE ? ESCAPE '\\'"
            " OR hp.name_initials LIKE ? ESCAPE '\\' OR h.phone LIKE ? ESCAPE '\\')"
        )
        params += [like_pattern(text), like_pattern(text), like, like, like_pattern(text)]
    if grid_id is not None:
        where.append("h.grid_id = ?")
        params.append(grid_id)
    if community_id is not None:
        where.append("g.community_id = ?")
        params.append(community_id)
    if tag_id is not None:
        where.append("EXISTS (SELECT 1 FROM household_tag ht WHERE ht.household_id = h.id AND ht.tag_id = ?)")
        params.append(tag_id)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY c.sort_order, h.estate, length(h.building), h.building, h.unit, length(h.room), h.room"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return [_household(r) for r in db.execute(sql, params).fetchall()]


def count(db: Db, grid_id: int | None = None, community_id: int | None = None) -> int:
    sql, params = "SELECT count(*) FROM household h JOIN grid g ON g.id = h.grid_id", []
    if grid_id is not None:
        sql += " WHERE h.grid_id = ?"
        params.append(grid_id)
    elif community_id is not None:
        sql += " WHERE g.community_id = ?"
        params.append(community_id)
    return db.execute(sql, params).fetchone()[0]


def cadres(db: Db, community_id: int | None = None) -> list[PersonRef]:
    """Persons who answer for households (包片) or grids (网格员), for pickers of visitors and cadres."""
    params: list = []
    grid_filter = ""
    if community_id is not None:
        grid_filter = " WHERE g.community_id = ?"
        params = [community_id, community_id]
    rows = db.execute(
        f"""SELECT DISTINCT p.id, p.name, p.phone FROM person p JOIN (
                SELECT h.cadre_person_id AS pid FROM household h JOIN grid g ON g.id = h.grid_id{grid_filter}
                UNION SELECT g.worker_person_id FROM grid g{grid_filter}) x ON x.pid = p.id
            ORDER BY p.name_pinyin""",
        params,
    ).fetchall()
    return [PersonRef(*r) for r in rows]


def resolve_person(db: Db, name: str, phone: str | None = None) -> int:
    """A person by name: the one with that name and phone, the only one with that name, or a new one."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("姓名不能为空。", "name")
    phone = persons.clean_phone(phone) if phone else None
    matches = persons.find_by_name(db, name)
    if phone:
        same_phone = [p for p in matches if p.phone == phone]
        if same_phone:
            return same_phone[0].id
    elif len(matches) == 1:
        return matches[0].id
    return persons.create(db, name=name, phone=phone)


def validate(db: Db, values: dict[str, Any], exclude_id: int | None = None) -> dict[str, Any]:
    """Check a household's fields; returns the row to store (without tags and timestamps)."""
    grid_id = values.get("grid_id")
    if not grid_id:
        raise ValidationError("请选择住户所在网格。", "grid_id")
    orgs.get_grid(db, grid_id)
    estate = _part(values.get("estate"))
    if not estate:
        raise ValidationError("请填写小区（或街巷）名称。", "estate")
    building = split_suffix(values.get("building"), BUILDING_SUFFIXES)
    unit = split_suffix(values.get("unit"), UNIT_SUFFIXES)
    room = split_suffix(values.get("room"), ROOM_SUFFIXES)
    if not (building or room):
        raise ValidationError("请至少填写楼号或门牌号，以便找到这一户。", "building")
    clash = db.execute(
        "SELECT id FROM household WHERE estate = ? AND building = ? AND unit = ? AND room = ? AND id IS NOT ?",
        [estate, building, unit, room, exclude_id],
    ).fetchone()
    address = format_address(estate, building, unit, room)
    if clash:
        raise ValidationError(f"住址“{address}”已经登记过（住户 #{clash[0]}），请勿重复登记。", "room")
    count_value = values.get("people_count")
    try:
        people = int(count_value) if count_value not in (None, "") else 1
    except (TypeError, ValueError):
        raise ValidationError(f"家庭人数“{count_value}”应为整数。", "people_count") from None
    if not 0 <= people <= 99:
        raise ValidationError("家庭人数应在 0 到 99 之间。", "people_count")
    cadre = values.get("cadre_person_id")
    if cadre:
        persons.get(db, cadre)
    head = values.get("head_person_id")
    if head:
        persons.get(db, head)
    note = (values.get("note") or "").strip() or None
    return {
        "grid_id": grid_id, "estate": estate, "building": building, "unit": unit, "room": room, "address": address,
        "head_person_id": head or None, "phone": persons.clean_phone(values.get("phone")),
        "people_count": people, "cadre_person_id": cadre or None, "note": note,
    }


def _check_tags(db: Db, tag_ids: list[int]) -> list[int]:
    known = {r[0] for r in db.execute("SELECT id FROM special_tag")}
    unknown = [t for t in tag_ids if t not in known]
    if unknown:
        raise ValidationError("所选特殊群体已被删除，请刷新后重新选择。", "tag_ids")
    return sorted(set(tag_ids))


def _with_head(db: Db, values: dict[str, Any]) -> dict[str, Any]:
    """Turn a typed head_name / cadre_name into person ids (finding or creating the person)."""
    values = dict(values)
    if not values.get("head_person_id") and (values.get("head_name") or "").strip():
        values["head_person_id"] = resolve_person(db, values["head_name"], values.get("phone"))
    if "cadre_name" in values and not values.get("cadre_person_id"):
        name = (values.get("cadre_name") or "").strip()
        values["cadre_person_id"] = resolve_person(db, name) if name else None
    return values


def create(db: Db, values: dict[str, Any]) -> int:
    with db.atomic():
        values = _with_head(db, values)
        row = validate(db, values)
        tags = _check_tags(db, list(values.get("tag_ids") or []))
        stamp = now_text()
        household_id = audit.insert(db, "household", {**row, "created_at": stamp, "updated_at": stamp})
        for tag_id in tags:
            audit.insert(db, "household_tag", {"household_id": household_id, "tag_id": tag_id})
    return household_id


def update(db: Db, household_id: int, values: dict[str, Any]) -> None:
    current = get(db, household_id)
    merged = {
        "grid_id": current.grid_id, "estate": current.estate, "building": current.building, "unit": current.unit,
        "room": current.room, "head_person_id": current.head_person_id,
        "phone": db.execute("SELECT phone FROM household WHERE id = ?", [household_id]).fetchone()[0],
        "people_count": current.people_count, "cadre_person_id": current.cadre_person_id, "note": current.note,
    }
    if "head_name" in values and values.get("head_name") != current.head_name:
        merged["head_person_id"] = None
    merged.update(values)
    with db.atomic():
        merged = _with_head(db, merged)
        row = validate(db, merged, exclude_id=household_id)
        audit.update(db, "household", household_id, {**row, "updated_at": now_text()})
        if "tag_ids" in values:
            set_tags(db, household_id, list(values["tag_ids"] or []))


def set_tags(db: Db, household_id: int, tag_ids: list[int]) -> None:
    wanted = set(_check_tags(db, tag_ids))
    with db.atomic():
        existing = dict(db.execute("SELECT tag_id, id FROM household_tag WHERE household_id = ?", [household_id]).fetchall())
        for tag_id, link_id in existing.items():
            if tag_id not in wanted:
                audit.delete(db, "household_tag", link_id)
        for tag_id in sorted(wanted - set(existing)):
            audit.insert(db, "household_tag", {"household_id": household_id, "tag_id": tag_id})


def tag_ids(db: Db, household_id: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT tag_id FROM household_tag WHERE household_id = ? ORDER BY tag_id", [household_id])]


def delete(db: Db, household_id: int) -> None:
    household = get(db, household_id)
    visits = db.execute("SELECT count(*) FROM home_visit WHERE household_id = ?", [household_id]).fetchone()[0]
    problems = db.execute("SELECT count(*) FROM problem WHERE household_id = ?", [household_id]).fetchone()[0]
    if visits or problems:
        raise InUseError(
            f"“{household.address}”已有走访记录 {visits} 条、问题 {problems} 条，不能删除（台账需要保留）。"
            "如已搬走，请在备注中注明。"
        )
    with db.atomic():
        for (link_id,) in db.execute("SELECT id FROM household_tag WHERE household_id = ?", [household_id]).fetchall():
            audit.delete(db, "household_tag", link_id)
        audit.delete(db, "household", household_id)
