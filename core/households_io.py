"""The 住户 import kind: household rows (grid, address, head, phone, size, special groups, 包片 cadre).

A file row is one household. The address comes either as parts (小区, 楼号, 单元, 门牌号) or as one
住址 cell such as “西湖小区3号楼2单元501室”; a household already registered at the same address is
“already in the database” (skip / update / fill). Grids must exist (名称 within the community named
in 所属社区, which may be left out when the grid name is unique). Special groups are names separated
by 、，,/; and must be categories the office keeps (规则与特殊群体). Heads are matched to persons by
ID number when given; cadres by name (a 包片 cadre or grid worker first); unknown names become new
persons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core import audit, households, idcard
from core.clock import now_text
from core.db import Db
from core.errors import ValidationError
from core.excel_import import (
    Column, Existing, ImportKind, ProgressFn, RowPlan, id_number_cell, int_cell, phone_cell, register, text_max,
)
from core.pinyin import name_keys

_ADDRESS = re.compile(
    r"^(?P<estate>.+?)(?P<building>[0-9A-Za-z]+)(?:号楼|栋|幢|号院|号)"
    r"(?:(?P<unit>[0-9A-Za-z]+)单元)?(?:(?P<room>[0-9A-Za-z\-]+)(?:室|号)?)?$"
)
_TAG_SPLIT = re.compile(r"[、，,/;；\s]+")

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("community", "所属社区", ("社区", "社区名称", "社区党委"), text_max(60, "社区")),
    Column("grid", "网格", ("所在网格", "网格名称"), text_max(60, "网格"), required=True),
    Column("full_address", "住址", ("家庭住址", "地址", "详细地址", "户籍地址"), text_max(120, "住址")),
    Column("estate", "小区", ("小区名称", "小区/街巷", "街巷", "楼院", "小区（街巷）"), text_max(60, "小区")),
    Column("building", "楼号", ("楼栋", "楼栋号", "楼", "栋", "幢"), text_max(20, "楼号")),
    Column("unit", "单元", ("单元号",), text_max(20, "单元")),
    Column("room", "门牌号", ("室", "房号", "门牌", "户号", "房间号"), text_max(20, "门牌号")),
    Column("head_name", "户主姓名", ("户主", "姓名", "户主名字"), text_max(40, "户主姓名"), required=True),
    Column("head_id_number", "户主身份证号", ("身份证号", "公民身份号码", "身份证号码", "户主公民身份号码"), id_number_cell),
    Column("phone", "联系电话", ("电话", "手机", "手机号", "联系方式"), phone_cell),
    Column("people_count", "家庭人数", ("人数", "家庭人口", "人口数", "在住人数"), int_cell("家庭人数", 0, 99)),
    Column("tags", "特殊群体", ("特殊人群", "特殊群体类别", "人员类别", "特殊标签", "重点人群"), text_max(200, "特殊群体")),
    Column("cadre", "包片干部", ("包片人", "包片领导", "包户干部", "联系干部", "责任干部"), text_max(40, "包片干部")),
    Column("note", "备注", ("说明",), text_max(500, "备注")),
)
# Fields an existing household can take from the file (update / fill).
UPDATABLE = ("grid_id", "phone", "people_count", "cadre_person_id", "tag_ids", "note")


@dataclass(frozen=True)
class NewPerson:
    """A cadre named in the file who is not in the database yet; created once when rows are written."""

    name: str


@dataclass
class HouseholdState:
    grids_by_community: dict[tuple[str, str], int]
    grids_by_name: dict[str, list[int]]
    tags: dict[str, int]
    existing: dict[str, dict[str, Any]]
    heads_by_number: dict[str, int]
    people_by_name: dict[str, list[int]]
    cadres: dict[str, int]


def _community_key(name: str) -> str:
    return re.sub(r"(党委|党总支|党支部|居委会|居民委员会)$", "", name.strip())


def address_key(estate: str, building: str, unit: str, room: str) -> str:
    return "|".join((estate, building, unit, room))


class HouseholdImport(ImportKind):
    name = "households"
    label = "住户"
    area = "visits"
    columns = HOUSEHOLD_COLUMNS
    key_field = "address_key"
    summary_field = "head_name"  # always parsed, so error rows show who they are too

    def field_label(self, key: str | None) -> str | None:
        if key == "address_key":
            return "住址"
        return super().field_label(key)

    def prepare(self, db: Db, records: list[dict[str, Any]]) -> HouseholdState:
        grids_by_community: dict[tuple[str, str], int] = {}
        grids_by_name: dict[str, list[int]] = {}
        for grid_id, grid_name, community in db.execute(
                "SELECT g.id, g.name, c.name FROM grid g JOIN org_unit c ON c.id = g.community_id"):
            grids_by_community[(_community_key(community), grid_name)] = grid_id
            grids_by_name.setdefault(grid_name, []).append(grid_id)
        existing: dict[str, dict[str, Any]] = {}
        tag_sets: dict[int, list[int]] = {}
        for household_id, tag_id in db.execute("SELECT household_id, tag_id FROM household_tag"):
            tag_sets.setdefault(household_id, []).append(tag_id)
        for row in db.execute(
                "SELECT id, estate, building, unit, room, grid_id, phone, people_count, cadre_person_id, note FROM household"):
            existing[address_key(*row[1:5])] = {
                "_id": row[0], "grid_id": row[5], "phone": row[6], "people_count": row[7], "cadre_person_id": row[8],
                "note": row[9], "tag_ids": tuple(sorted(tag_sets.get(row[0], []))), "address": households.format_address(*row[1:5]),
            }
        numbers = sorted({r["head_id_number"] for r in records if r.get("head_id_number")})
        heads: dict[str, int] = {}
        for start in range(0, len(numbers), 500):
            chunk = numbers[start:start + 500]
            marks = ",".join("?" * len(chunk))
            heads.update({n: i for i, n in db.execute(f"SELECT id, id_number FROM person WHERE id_number IN ({marks})", chunk)})
        names = sorted({r["cadre"] for r in records if r.get("cadre")})
        people_by_name: dict[str, list[int]] = {}
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for person_id, name in db.execute(f"SELECT id, name FROM person WHERE name IN ({marks})", chunk):
                people_by_name.setdefault(name, []).append(person_id)
        cadres = {p.name: p.id for p in households.cadres(db)}
        return HouseholdState(grids_by_community, grids_by_name, households.tag_ids_by_name(db), existing, heads,
                              people_by_name, cadres)

    def _grid(self, state: HouseholdState, community: str | None, grid: str) -> int:
        if community:
            found = state.grids_by_community.get((_community_key(community), grid))
            if found is None:
                raise ValidationError(f"“{community}”下没有名为“{grid}”的网格。请先在 设置→组织机构 中建立该网格，"
                                      "或改正社区、网格名称。", "grid")
            return found
        candidates = state.grids_by_name.get(grid, [])
        if not candidates:
            raise ValidationError(f"没有名为“{grid}”的网格。请先在 设置→组织机构 中建立，或改正网格名称。", "grid")
        if len(candidates) > 1:
            raise ValidationError(f"有 {len(candidates)} 个社区都有“{grid}”，无法判断是哪一个。请在文件中加上“所属社区”列。", "grid")
        return candidates[0]

    def _cadre(self, state: HouseholdState, name: str) -> int | NewPerson:
        if name in state.cadres:
            return state.cadres[name]
        found = state.people_by_name.get(name, [])
        return found[0] if len(found) == 1 else NewPerson(name)

    def check_row(self, state: HouseholdState, record: dict[str, Any]) -> dict[str, Any]:
        out = dict(record)
        community = out.pop("community", None)
        grid_name = out.pop("grid", None)
        full = out.pop("full_address", None)
        estate = households.split_suffix(out.get("estate"), ())
        building = households.split_suffix(out.get("building"), households.BUILDING_SUFFIXES)
        unit = households.split_suffix(out.get("unit"), households.UNIT_SUFFIXES)
        room = households.split_suffix(out.get("room"), households.ROOM_SUFFIXES)
        if not estate and full:
            match = _ADDRESS.match(re.sub(r"\s+", "", full))
            if not match:
                raise ValidationError(f"住址“{full}”无法拆分成 小区、楼号、单元、门牌号，请分列填写"
                                      "（或写成“西湖小区3号楼2单元501室”的形式）。", "full_address")
            estate, building = match["estate"], match["building"]
            unit, room = match["unit"] or "", match["room"] or ""
        if not estate:
            raise ValidationError("缺少小区（或住址）。", "estate")
        if not (building or room):
            raise ValidationError("请至少填写楼号或门牌号。", "building")
        out.update(estate=estate, building=building, unit=unit, room=room,
                   address=households.format_address(estate, building, unit, room),
                   address_key=address_key(estate, building, unit, room))
        out["grid_id"] = self._grid(state, community, grid_name)
        if "tags" in record:
            names = [n for n in _TAG_SPLIT.split(out.pop("tags") or "") if n]
            unknown = [n for n in names if n not in state.tags]
            if unknown:
                raise ValidationError(f"不认识的特殊群体“{'、'.join(unknown)}”。可用的有：{'、'.join(state.tags)}；"
                                      "如需新的类别，请先在 五必问走访→规则与特殊群体 中新增。", "tags")
            out["tag_ids"] = tuple(sorted({state.tags[n] for n in names})) or None
        if "cadre" in record:
            name = out.pop("cadre")
            out["cadre_person_id"] = self._cadre(state, name) if name else None
        return out

    def find_existing(self, state: HouseholdState, record: dict[str, Any]) -> Existing | None:
        values = state.existing.get(record["address_key"])
        if values is None:
            return None
        return Existing(values["_id"], {k: values[k] for k in UPDATABLE}, values["address"])

    def write(self, db: Db, state: HouseholdState, creates: list[RowPlan], updates: list[RowPlan],
              progress: ProgressFn | None = None) -> int:
        stamp = now_text()
        new_people: dict[NewPerson, int] = {}
        person_rows: list[dict[str, Any]] = []
        next_person = audit.next_id(db, "person")

        def new_person(name: str, **extra: Any) -> int:
            nonlocal next_person
            full, initials = name_keys(name)
            row = {"id": next_person, "name": name, "gender": None, "birth_date": None, "id_number": None, "phone": None,
                   "address": None, "ethnicity": None, "native_place": None, "education": None, "note": None,
                   "name_pinyin": full, "name_initials": initials, "created_at": stamp, "updated_at": stamp}
            row.update(extra)
            person_rows.append(row)
            next_person += 1
            return row["id"]

        def person_id(ref: Any) -> int | None:
            if isinstance(ref, NewPerson):
                if ref not in new_people:
                    new_people[ref] = new_person(ref.name)
                return new_people[ref]
            return ref

        household_rows, tag_rows = [], []
        next_household, next_link = audit.next_id(db, "household"), audit.next_id(db, "household_tag")
        for plan in creates:
            r = plan.record
            head = state.heads_by_number.get(r.get("head_id_number") or "")
            if head is None:
                extra: dict[str, Any] = {"phone": r.get("phone"), "address": r["address"]}
                if r.get("head_id_number"):
                    info = idcard.parse(r["head_id_number"])
                    extra.update(id_number=info.number, birth_date=info.birth_date.isoformat(), gender=info.gender)
                head = new_person(r["head_name"], **extra)
                if r.get("head_id_number"):
                    state.heads_by_number[r["head_id_number"]] = head
            household_rows.append({
                "id": next_household, "grid_id": r["grid_id"], "estate": r["estate"], "building": r["building"],
                "unit": r["unit"], "room": r["room"], "address": r["address"], "head_person_id": head,
                "phone": r.get("phone"), "people_count": r.get("people_count") if r.get("people_count") is not None else 1,
                "cadre_person_id": person_id(r.get("cadre_person_id")), "note": r.get("note"),
                "created_at": stamp, "updated_at": stamp,
            })
            for tag_id in r.get("tag_ids") or ():
                tag_rows.append({"id": next_link, "household_id": next_household, "tag_id": tag_id})
                next_link += 1
            next_household += 1
        update_changes = []
        for plan in updates:
            changes = dict(plan.changes)
            if "cadre_person_id" in changes:
                changes["cadre_person_id"] = person_id(changes["cadre_person_id"])
            update_changes.append((plan.existing.id, changes))
        # Every new person (heads and cadres, also cadres first named in updates) exists before rows point at them.
        audit.bulk_insert(db, "person", person_rows)
        audit.bulk_insert(db, "household", household_rows)
        audit.bulk_insert(db, "household_tag", tag_rows)
        for n, (household_id, changes) in enumerate(update_changes):
            tags = changes.pop("tag_ids", None)
            if changes:
                audit.update(db, "household", household_id, {**changes, "updated_at": stamp})
            if tags is not None:
                households.set_tags(db, household_id, list(tags))
            if progress and n % 500 == 499:
                progress(n + 1, len(updates))
        return 0


register(HouseholdImport())
