"""The 党员名册 import kind: roster columns, row rules, org units built from the file, bulk writes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from core import audit, idcard, members, orgs, settings
from core.clock import now_text, today
from core.db import Db
from core.errors import ValidationError
from core.excel_import import (
    Column, Existing, ImportKind, NewUnit, ProgressFn, RowPlan, choice, date_cell, id_number_cell, is_blank,
    phone_cell, register, text_max,
)
from core.pinyin import name_keys

GENDERS = ("男", "女")
PERSON_KEYS = ("name", "gender", "ethnicity", "birth_date", "id_number", "education", "native_place", "phone", "address")
MEMBER_KEYS = ("category", "status", "person_type", "join_date", "full_date", "work_unit", "note",
               "branch_id", "party_group_id", "grid_id")

# The columns a new person and a new member are written with, in the order bulk_insert_values takes them.
_PERSON_COLUMNS = ("id", *PERSON_KEYS, "note", "name_pinyin", "name_initials", "created_at", "updated_at")
_MEMBER_PLAIN_KEYS = ("person_type", "join_date", "full_date", "work_unit", "note")
_MEMBER_COLUMNS = ("id", "person_id", "category", "status", *_MEMBER_PLAIN_KEYS, "branch_id", "party_group_id",
                   "grid_id", "created_at", "updated_at")
assert set(_MEMBER_COLUMNS) == {"id", "person_id", *MEMBER_KEYS, "created_at", "updated_at"}

_CHECKED_KEYS = ("category", "status", "join_date", "full_date")

_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[\s\u3000]+(?=[\u4e00-\u9fff])")


def synonyms(words: dict[str, str]):
    """Text with what people write mapped to the stored word; the office's lookups check it per row."""
    texts = text_max(20, "内容")

    def parse(value: object) -> str | None:
        result = texts(value)
        return words.get(result, result) if result else result

    def column(cells: list[Any]) -> list[Any] | None:
        values = texts.column(cells)
        if values is not None and words and not words.keys().isdisjoint(values):
            values = [words.get(v, v) if v else v for v in values]
        return values

    parse.column = column
    return parse


_names = text_max(40, "姓名")


def _name_cell(value: object) -> str | None:
    """A name; the spaces people type to line up two-character names (王  五) are dropped."""
    result = _names(value)
    return _CJK_GAP.sub("", result) if result else result


def _names_column(cells: list[Any]) -> list[Any] | None:
    values = _names.column(cells)
    if values is None:
        return None
    # Only a name with something besides letters (CJK included) can hold a gap between characters.
    return [_CJK_GAP.sub("", v) if v and not v.isalnum() else v for v in values]


_name_cell.column = _names_column


ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("名字", "党员姓名"), _name_cell, required=True),
    Column("gender", "性别", (), choice(GENDERS, "性别", {"男性": "男", "女性": "女"})),
    Column("ethnicity", "民族", (), text_max(20, "民族")),
    Column("birth_date", "出生日期", ("出生年月", "出生时间", "出生年月日", "生日"), date_cell("出生日期")),
    Column("id_number", "公民身份号码", ("身份证号", "身份证号码", "身份证", "证件号码", "身份证件号码", "公民身份证号码"),
           id_number_cell),
    Column("education", "学历", ("文化程度", "最高学历"), text_max(20, "学历")),
    Column("native_place", "籍贯", (), text_max(40, "籍贯")),
    Column("join_date", "入党时间", ("入党日期", "入党年月", "加入党组织日期"), date_cell("入党时间")),
    Column("full_date", "转正时间", ("转正日期", "转正年月"), date_cell("转正时间")),
    Column("category", "党员类别", ("类别", "党员身份", "党籍状态"),
           synonyms({"正式": "正式党员", "预备": "预备党员"})),
    Column("person_type", "人员类型", ("人员类别", "党员类型", "身份类别"),
           synonyms({"退休": "离退休", "离休": "离退休", "在职党员": "在职", "流动党员": "流动", "学生党员": "学生",
                     "无职业": "无业"})),
    Column("status", "党员状态", ("状态", "当前状态"), synonyms({})),
    Column("community", "所属社区", ("社区", "社区党委", "所在社区"), text_max(60, "社区")),
    Column("branch", "所在支部", ("所在党支部", "党支部", "支部", "所在党组织", "支部名称"), text_max(60, "支部"), required=True),
    Column("party_group", "党小组", ("所在党小组", "小组"), text_max(60, "党小组")),
    Column("grid", "网格", ("所在网格", "网格名称"), text_max(60, "网格")),
    Column("work_unit", "工作单位及职务", ("工作单位", "单位及职务", "工作单位及职位", "工作单位和职务"), text_max(100, "工作单位及职务")),
    Column("phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"), phone_cell),
    Column("address", "家庭住址", ("住址", "家庭地址", "现居住地", "居住地址", "现住址"), text_max(200, "家庭住址")),
    Column("note", "备注", ("说明",), text_max(500, "备注")),
)

_COMMUNITY_SUFFIX = re.compile(r"(党委|党总支|党支部|居委会|居民委员会)$")


class PendingUnit:
    """An org unit or grid named in the file and not yet in the database; created when the rows are written."""

    __slots__ = ("kind", "name", "parent", "_hash")

    def __init__(self, kind: str, name: str, parent: "int | PendingUnit | None"):
        self.kind = kind  # street | community | branch | party_group | grid
        self.name = name
        self.parent = parent
        self._hash = hash((kind, name, parent))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return (isinstance(other, PendingUnit) and self._hash == other._hash and self.kind == other.kind
                and self.name == other.name and self.parent == other.parent)

    def __repr__(self) -> str:
        return f"PendingUnit({self.kind!r}, {self.name!r}, {self.parent!r})"


def _community_key(name: str) -> str:
    return _COMMUNITY_SUFFIX.sub("", name.strip())


@dataclass
class RosterState:
    db: Db
    street: int | PendingUnit
    units: dict[int, tuple[str, str, int | None]]           # id -> (kind, name, parent_id)
    communities: dict[str, int]                              # name key -> id
    branches_by_parent: dict[tuple[int | PendingUnit | None, str], int]
    branches_by_name: dict[str, list[int]]
    groups: dict[tuple[int, str], int]
    grids: dict[tuple[int, str], int]
    existing: dict[str, dict[str, Any]]                      # id number -> current values (+ _person_id, _member_id)
    lookups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # allowed categories, statuses, types
    resolved: dict[tuple, dict[str, Any]] = field(default_factory=dict)  # names -> unit refs, memoised
    interned: dict[PendingUnit, PendingUnit] = field(default_factory=dict)
    today_iso: str = field(default_factory=lambda: today().isoformat())  # looked up once for every row

    def pending(self, kind: str, name: str, parent: int | PendingUnit | None) -> PendingUnit:
        """One object per unit to create, however many rows name it."""
        unit = PendingUnit(kind, name, parent)
        return self.interned.setdefault(unit, unit)

    def path(self, ref: int | PendingUnit | None) -> str:
        names = []
        while ref is not None:
            if isinstance(ref, PendingUnit):
                names.append(ref.name)
                ref = ref.parent
            else:
                kind, name, parent = self.units[ref]
                names.append(name)
                ref = parent
        return " / ".join(reversed(names))


class RosterImport(ImportKind):
    name = "roster"
    label = "党员名册"
    area = "members"
    columns = ROSTER_COLUMNS
    key_field = "id_number"

    def prepare(self, db: Db, records: list[dict[str, Any]]) -> RosterState:
        units = {r[0]: (r[1], r[2], r[3]) for r in db.execute("SELECT id, kind, name, parent_id FROM org_unit")}
        street = next((i for i, u in units.items() if u[0] == "street"), None)
        street_ref: int | PendingUnit = street if street is not None else PendingUnit(
            "street", settings.get(db, "office_name"), None)
        communities = {_community_key(u[1]): i for i, u in units.items() if u[0] == "community"}
        branches_by_parent, branches_by_name = {}, {}
        groups = {}
        for i, (kind, name, parent) in units.items():
            if kind == "branch":
                branches_by_parent[(parent, name)] = i
                branches_by_name.setdefault(name, []).append(i)
            elif kind == "party_group":
                groups[(parent, name)] = i
        grids = {(r[0], r[1]): r[2] for r in db.execute("SELECT community_id, name, id FROM grid")}
        numbers = sorted({r["id_number"] for r in records if r.get("id_number")})
        existing: dict[str, dict[str, Any]] = {}
        for start in range(0, len(numbers), 500):
            chunk = numbers[start:start + 500]
            cursor = db.execute(
                f"""SELECT p.id, m.id, p.name, p.gender, p.ethnicity, p.birth_date, p.id_number, p.education,
                           p.native_place, p.phone, p.address, m.category, m.status, m.person_type, m.join_date,
                           m.full_date, m.work_unit, m.note, m.branch_id, m.party_group_id, m.grid_id
                    FROM person p LEFT JOIN member m ON m.person_id = p.id
                    WHERE p.id_number IN ({', '.join('?' for _ in chunk)})""",
                chunk,
            )
            for row in cursor.fetchall():
                values = dict(zip(("_person_id", "_member_id", *PERSON_KEYS, *MEMBER_KEYS), row))
                existing[values["id_number"]] = values
        return RosterState(db, street_ref, units, communities, branches_by_parent, branches_by_name, groups, grids,
                           existing, members.member_lookups(db))

    # Resolving names to units -------------------------------------------------------------------

    def _community(self, state: RosterState, name: str) -> int | PendingUnit:
        found = state.communities.get(_community_key(name))
        return found if found is not None else state.pending("community", name.strip(), state.street)

    def _branch(self, state: RosterState, name: str, community: int | PendingUnit | None) -> int | PendingUnit:
        if community is not None:
            found = state.branches_by_parent.get((community, name))
            return found if found is not None else state.pending("branch", name, community)
        candidates = state.branches_by_name.get(name, [])
        if len(candidates) > 1:
            raise ValidationError(
                f"库中有 {len(candidates)} 个名为“{name}”的党支部，无法判断是哪一个。请在文件中加上“所属社区”列。", "branch")
        if candidates:
            return candidates[0]
        return state.pending("branch", name, state.street)

    def _community_of_branch(self, state: RosterState, branch: int | PendingUnit) -> int | PendingUnit | None:
        if isinstance(branch, PendingUnit):
            parent = branch.parent
            if isinstance(parent, PendingUnit):
                return parent if parent.kind == "community" else None
        else:
            parent = state.units[branch][2]
        if parent is None or isinstance(parent, PendingUnit):
            return None
        return parent if state.units[parent][0] == "community" else None

    def check_row(self, state: RosterState, record: dict[str, Any]) -> dict[str, Any]:
        out = dict(record)
        number = out.get("id_number")
        if number:  # already validated by its cell parser
            id_birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}" if number.isascii() else \
                dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])).isoformat()
            id_gender = "男" if int(number[16]) % 2 == 1 else "女"
            given_birth, given_gender = out.get("birth_date"), out.get("gender")
            if (given_birth and given_birth != id_birth) or (given_gender and given_gender != id_gender):
                # They may still agree (a year-month 出生年月); the check names what differs if not.
                info = idcard.IdInfo(number, dt.date.fromisoformat(id_birth), id_gender)
                birth = dt.date.fromisoformat(given_birth) if given_birth else None
                if birth and birth.day == 1 and (birth.year, birth.month) == (info.birth_date.year, info.birth_date.month):
                    birth = None  # a year-month (出生年月) agrees with the ID number, which gives the day
                idcard.check_agrees(info, birth, given_gender or None)
            out["birth_date"] = id_birth
            out["gender"] = id_gender
        community_name = out.pop("community", None)
        branch_name = out.pop("branch", None)
        group_name = out.pop("party_group", None)
        grid_name = out.pop("grid", None)
        names = (community_name, branch_name, group_name if "party_group" in record else ...,
                 grid_name if "grid" in record else ...)
        resolved = state.resolved.get(names)
        if resolved is None:
            resolved = state.resolved[names] = self._resolve(state, *names)
        out.update(resolved)
        # check_member_fields reads only the member fields of what it is given (and returns a new dict).
        checked = members.check_member_fields(out, out.get("birth_date"), state.lookups, state.today_iso)
        for key in _CHECKED_KEYS:  # the fields check_member_fields may change (defaults, dates as ISO text)
            if key in out:
                out[key] = checked[key]
        return out

    def _resolve(self, state: RosterState, community_name: str | None, branch_name: str,
                 group_name: Any, grid_name: Any) -> dict[str, Any]:
        """Unit ids (or units to create) for one combination of names; `...` marks an unmapped column."""
        out: dict[str, Any] = {}
        community = self._community(state, community_name) if community_name else None
        branch = self._branch(state, branch_name, community)
        out["branch_id"] = branch
        if group_name is not ...:
            out["party_group_id"] = None
            if group_name:
                found = state.groups.get((branch, group_name)) if not isinstance(branch, PendingUnit) else None
                out["party_group_id"] = found if found is not None else state.pending("party_group", group_name, branch)
        if grid_name is not ...:
            out["grid_id"] = None
            if grid_name:
                grid_community = community if community is not None else self._community_of_branch(state, branch)
                if grid_community is None:
                    raise ValidationError(
                        f"无法确定网格“{grid_name}”属于哪个社区：支部“{branch_name}”不在社区之下。请在文件中加上“所属社区”列。",
                        "grid")
                found = state.grids.get((grid_community, grid_name)) if not isinstance(grid_community, PendingUnit) else None
                out["grid_id"] = found if found is not None else state.pending("grid", grid_name, grid_community)
        return out

    def find_existing(self, state: RosterState, record: dict[str, Any]) -> Existing | None:
        number = record.get("id_number")
        values = state.existing.get(number) if number else None
        if values is None or values["_member_id"] is None:
            return None
        return Existing(values["_member_id"], values, values["name"])

    # New units ----------------------------------------------------------------------------------

    def _pending_in(self, plans: list[RowPlan]) -> list[PendingUnit]:
        seen: dict[PendingUnit, None] = {}

        def add(ref: Any) -> None:
            if isinstance(ref, PendingUnit) and ref not in seen:
                add(ref.parent)
                seen[ref] = None

        refs: dict[Any, None] = {}  # every unit reference once, in order of first use
        for plan in plans:
            get = (plan.record if plan.action == "create" else plan.changes).get
            refs[get("branch_id")] = refs[get("party_group_id")] = refs[get("grid_id")] = None
        for ref in refs:
            add(ref)
        order = {"street": 0, "community": 1, "branch": 2, "party_group": 3, "grid": 4}
        return sorted(seen, key=lambda u: order[u.kind])

    def new_units(self, state: RosterState, plans: list[RowPlan]) -> list[NewUnit]:
        labels = {"grid": "网格", **orgs.KIND_LABELS}
        return [NewUnit(labels[u.kind], u.name, state.path(u.parent)) for u in self._pending_in(plans)]

    # Writing ------------------------------------------------------------------------------------

    def write(self, db: Db, state: RosterState, creates: list[RowPlan], updates: list[RowPlan],
              progress: ProgressFn | None = None) -> int:
        pending = self._pending_in(creates + updates)
        ids: dict[PendingUnit, int] = {}

        def resolve(ref: Any) -> Any:
            return ids[ref] if isinstance(ref, PendingUnit) else ref

        for unit in pending:
            if unit.kind == "grid":
                ids[unit] = orgs.create_grid(db, resolve(unit.parent), unit.name)
            else:
                ids[unit] = orgs.create_unit(db, unit.kind, unit.name, resolve(unit.parent))
        stamp = now_text()
        # Rows as tuples in the columns' order (no dict per row); logged as bulk_insert logs dicts.
        person_values: list[tuple] = []
        member_values: list[tuple] = []
        next_person, next_member = audit.next_id(db, "person"), audit.next_id(db, "member")
        existing = state.existing
        person_fields, member_fields = itemgetter(*PERSON_KEYS), itemgetter(*_MEMBER_PLAIN_KEYS)
        ids_get = ids.get
        for plan in creates:
            record = plan.record
            get = record.get
            number = get("id_number")
            known = existing.get(number) if number else None
            if known is not None:
                # The person is already here in another role: keep their data, fill what is missing.
                fill = {k: record[k] for k in PERSON_KEYS if not is_blank(record.get(k)) and is_blank(known.get(k))}
                if fill:
                    audit.update(db, "person", known["_person_id"], {**fill, "updated_at": stamp})
                person_id = known["_person_id"]
            else:
                person_id = next_person
                next_person += 1
                try:  # every field present (a file with all the columns): one C call
                    person = person_fields(record)
                except KeyError:
                    person = tuple(map(get, PERSON_KEYS))
                person_values.append((person_id, *person, None, *name_keys(record["name"]), stamp, stamp))
            try:
                plain = member_fields(record)
            except KeyError:
                plain = tuple(map(get, _MEMBER_PLAIN_KEYS))
            branch, group, grid = get("branch_id"), get("party_group_id"), get("grid_id")
            if ids:  # units created above: PendingUnit -> its new id (ints and None map to themselves)
                branch, group, grid = ids_get(branch, branch), ids_get(group, group), ids_get(grid, grid)
            member_values.append((next_member, person_id, get("category") or "正式党员", get("status") or "正常",
                                  *plain, branch, group, grid, stamp, stamp))
            next_member += 1
        with audit.bulk_logging(db, len(person_values) + len(member_values)):
            audit.bulk_insert_values(db, "person", _PERSON_COLUMNS, person_values)
            audit.bulk_insert_values(db, "member", _MEMBER_COLUMNS, member_values)
        for n, plan in enumerate(updates):
            person_changes = {k: v for k, v in plan.changes.items() if k in PERSON_KEYS}
            member_changes = {k: resolve(v) for k, v in plan.changes.items() if k in MEMBER_KEYS}
            if person_changes:
                if "name" in person_changes:
                    full, initials = name_keys(person_changes["name"])
                    person_changes.update(name_pinyin=full, name_initials=initials)
                audit.update(db, "person", plan.existing.values["_person_id"], {**person_changes, "updated_at": stamp})
            if member_changes:
                self._check_moved(db, member_changes, plan)
                audit.update(db, "member", plan.existing.id, {**member_changes, "updated_at": stamp})
            if progress and n % 1000 == 999:
                progress(n + 1, len(updates))
        return len(pending)

    def _check_moved(self, db: Db, changes: dict[str, Any], plan: RowPlan) -> None:
        """A member moved to another branch keeps no party group of the old one."""
        if "branch_id" in changes and "party_group_id" not in changes and plan.existing.values.get("party_group_id"):
            changes["party_group_id"] = None


ROSTER = register(RosterImport())
