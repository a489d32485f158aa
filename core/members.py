"""Party members: a person's membership (branch, group, grid, category, status, dates)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from core import audit, idcard, orgs, persons
from core.clock import add_years, now_text, today
from core.db import Db
from core.errors import NotFoundError, ValidationError

CATEGORIES = ("正式党员", "预备党员")
STATUSES = ("正常", "流动外出", "流入", "失联", "困难党员", "停止党籍", "出党", "去世", "转出")
PERSON_TYPES = ("在职", "离退休", "流动", "学生", "无业", "其他")
LOOKUP_KINDS = {"category": "党员类别", "status": "状态", "person_type": "人员类型"}
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
    probation_extension_months: int = 0

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
        """A probationary member's probation ends one year after 入党时间, plus any extension."""
        if self.category != "预备党员" or not self.join_date:
            return None
        return probation_due_date(self.join_date, self.probation_extension_months or 0)


MEMBER_SELECT = """
SELECT m.id, m.person_id, p.name, p.gender, p.ethnicity, p.birth_date, p.id_number, p.education, p.native_place,
       p.phone, p.address, m.branch_id, b.name, m.party_group_id, g.name, m.grid_id, gr.name,
       m.category, m.status, m.person_type, m.join_date, m.full_date, m.work_unit, m.note,
       m.probation_extension_months
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


def _checked_date(values: dict[str, Any], key: str, label: str) -> str | None:
    """values[key] as ISO text or None, refused when it is not a date; the usual ISO text costs one parse."""
    value = values[key]
    if type(value) is str and value:
        try:
            dt.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    _check_date(values, key, label)
    return values[key]


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
    return check_member_fields(out, birth_date, member_lookups(db))


def member_lookups(db: Db) -> dict[str, tuple[str, ...]]:
    """The office's allowed categories, statuses and person types (kept as data)."""
    return {kind: lookup_values(db, kind) for kind in ("category", "status", "person_type")}


@lru_cache(maxsize=65536)
def _adult_on(birth_date: str) -> str:
    """The ISO date a person born on `birth_date` turns 18 (an import asks for the same dates many times)."""
    return add_years(dt.date.fromisoformat(birth_date), 18).isoformat()


def check_member_fields(values: dict[str, Any], birth_date: str | None, lookups: dict[str, tuple[str, ...]],
                        today_iso: str | None = None) -> dict[str, Any]:
    """The rules of a member's party fields beyond the tree (also used by import previews, row by row;
    an import passes `today_iso`, today's ISO date looked up once for all its rows)."""
    out = {k: values.get(k) for k in MEMBER_FIELDS}
    category = out["category"] = out["category"] or "正式党员"
    if category not in lookups["category"]:
        raise ValidationError(f"党员类别应为“正式党员”或“预备党员”，而不是“{category}”。", "category")
    status = out["status"] = out["status"] or "正常"
    statuses = lookups["status"]
    if status not in statuses:
        raise ValidationError(f"状态“{status}”不在可选范围内（{'、'.join(statuses)}）。", "status")
    person_types = lookups["person_type"]
    if out["person_type"] and out["person_type"] not in person_types:
        raise ValidationError(f"人员类型“{out['person_type']}”不在可选范围内（{'、'.join(person_types)}）。", "person_type")
    join = _checked_date(out, "join_date", "入党时间")
    full = _checked_date(out, "full_date", "转正时间")
    if join and join > (today_iso or today().isoformat()):
        raise ValidationError("入党时间不能晚于今天。", "join_date")
    if join and birth_date and join < _adult_on(birth_date):
        raise ValidationError("入党时间早于年满 18 周岁，请核对入党时间或出生日期。", "join_date")
    if full and join and full < join:
        raise ValidationError("转正时间不能早于入党时间。", "full_date")
    if category == "预备党员" and full:
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


# Derived dates ---------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day the target month lacks becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def probation_due_date(join_date: str, extension_months: int = 0) -> str:
    """预备期 ends twelve months after 入党时间, plus an extension of six to twelve months."""
    return add_months(dt.date.fromisoformat(join_date), 12 + (extension_months or 0)).isoformat()


# The same rule in SQL: SQLite's date(+N months) rolls 31 January into March; clamp it back.
_DUE_SHIFT = "'+' || (12 + m.probation_extension_months) || ' months'"
PROBATION_DUE_SQL = (
    f"CASE WHEN strftime('%d', date(m.join_date, {_DUE_SHIFT})) <> strftime('%d', m.join_date) "
    f"THEN date(m.join_date, {_DUE_SHIFT}, 'start of month', '-1 day') "
    f"ELSE date(m.join_date, {_DUE_SHIFT}) END"
)

_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?\s*$")
_DATE_DIGITS = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def parse_user_date(text: str, label: str, field: str) -> str | None:
    """A date as people type it (2020-7-1, 2020.07.01, 2020年7月1日, 20200701) as ISO text; '' is None."""
    text = (text or "").strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text:
        return None
    match = _DATE_TEXT.match(text) or _DATE_DIGITS.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            pass
    raise ValidationError(f"{label}“{text}”不是有效日期，请写成 2020-07-01 这样的形式。", field)


# Statuses, categories and person types (data, seeded from domain.md) ----------------------------

def lookup_values(db: Db, kind: str) -> tuple[str, ...]:
    """The values of one lookup kind, in their order."""
    rows = db.execute("SELECT value FROM roster_lookup WHERE kind = ? ORDER BY sort_order, id", [kind]).fetchall()
    return tuple(r[0] for r in rows)


def roster_statuses(db: Db) -> tuple[str, ...]:
    """Statuses of members still on the roster (not 转出, 出党, 去世, 停止党籍)."""
    rows = db.execute(
        "SELECT value FROM roster_lookup WHERE kind = 'status' AND in_roster = 1 ORDER BY sort_order, id"
    ).fetchall()
    return tuple(r[0] for r in rows)


def add_lookup_value(db: Db, kind: str, value: str, in_roster: bool = True) -> int:
    """Add a status or person type an office uses beyond the defaults."""
    if kind not in LOOKUP_KINDS:
        raise ValidationError(f"未知的分类：{kind}。")
    if kind == "category":
        raise ValidationError("党员类别只有正式党员和预备党员两种，不能增加。", "value")
    value = (value or "").strip()
    if not value:
        raise ValidationError(f"{LOOKUP_KINDS[kind]}不能为空。", "value")
    if value in lookup_values(db, kind):
        raise ValidationError(f"{LOOKUP_KINDS[kind]}“{value}”已经存在。", "value")
    order = db.execute("SELECT coalesce(max(sort_order), 0) + 1 FROM roster_lookup").fetchone()[0]
    return audit.insert(db, "roster_lookup", {"kind": kind, "value": value, "sort_order": order, "in_roster": int(in_roster)})


# Queries ---------------------------------------------------------------------------------------

ALL_STATUSES = "*"  # MemberQuery.status value meaning "every status, those who left included"


@dataclass(frozen=True)
class MemberQuery:
    """What the roster shows: one search text plus filters; None means "any".

    status None shows members still on the roster; ALL_STATUSES shows everyone.
    """

    text: str = ""
    branch_id: int | None = None
    party_group_id: int | None = None
    grid_id: int | None = None
    no_grid: bool = False
    person_type: str | None = None
    status: str | None = None
    category: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    join_year_from: int | None = None
    join_year_to: int | None = None
    probation_within_days: int | None = None
    probation_overdue: bool = False  # with probation_within_days: also those already past due, not yet decided
    on: dt.date | None = None  # "today" for ages and probation windows


# Sortable columns: key -> SQL expression (names sort by pinyin, as a paper roster does).
SORT_KEYS: dict[str, str] = {
    "id": "m.id",
    "name": "p.name_pinyin",
    "gender": "p.gender",
    "ethnicity": "p.ethnicity",
    "birth_date": "p.birth_date",
    "age": "p.birth_date",
    "id_number": "p.id_number",
    "education": "p.education",
    "native_place": "p.native_place",
    "phone": "p.phone",
    "address": "p.address",
    "branch": "m.branch_id",  # branches in the order they were set up, read straight off its index
    "party_group": "g.id IS NULL, g.sort_order, g.name",
    "grid": "gr.community_id, gr.sort_order",
    "category": "m.category",
    "status": "m.status",
    "person_type": "m.person_type",
    "join_date": "m.join_date",
    "full_date": "m.full_date",
    "party_age": "m.full_date",
    "probation_due": PROBATION_DUE_SQL,
    "work_unit": "m.work_unit",
    "note": "m.note",
}
# Ages grow as dates shrink: sorting by age ascending means birth dates descending.
_REVERSED_KEYS = {"age", "party_age"}

_LETTERS = re.compile(r"^[a-z]+$")
_ID_OR_PHONE = re.compile(r"^[0-9x\-]+$")


def _next_prefix(text: str) -> str:
    """The smallest string greater than every string starting with `text` (for indexed prefix ranges)."""
    return text[:-1] + chr(ord(text[-1]) + 1)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_terms(text: str) -> list[tuple[str, list[Any]]]:
    """SQL conditions on person (alias p) for a search box text; words separated by spaces must all match.

    Letters match full pinyin or initials by prefix ("zhangs", "zs"), digits an ID-number or phone
    fragment anywhere, anything else the name anywhere.
    """
    normal = (text or "").translate(str.maketrans("０１２３４５６７８９ｘＸ", "0123456789xx")).lower()
    terms: list[tuple[str, list[Any]]] = []
    for word in normal.split():
        if _LETTERS.match(word):
            hi = _next_prefix(word)
            terms.append((
                "((p.name_pinyin >= ? AND p.name_pinyin < ?) OR (p.name_initials >= ? AND p.name_initials < ?))",
                [word, hi, word, hi],
            ))
        elif _ID_OR_PHONE.match(word):
            # instr, not LIKE: an exact substring test with no pattern to escape, and cheaper per row.
            fragment = word.upper()
            terms.append(("(instr(p.id_number, ?) > 0 OR instr(p.phone, ?) > 0)", [fragment, fragment]))
        else:
            terms.append(("p.name LIKE ? ESCAPE '\\'", [f"%{_like_escape(word)}%"]))
    return terms


_FOUND_PERSONS = "m.person_id IN (SELECT value FROM json_each(?))"


def _persons_first(terms: list[tuple[str, list[Any]]]) -> str:
    return "m.person_id IN (SELECT p.id FROM person p WHERE " + " AND ".join(t for t, _ in terms) + ")"


def roster_size(db: Db) -> int:
    """About how many members the file holds (the highest id: instant, unlike a count)."""
    return db.execute("SELECT coalesce(max(id), 0) FROM member").fetchone()[0]


def common_matches(db: Db, page: int) -> int:
    """How many matching persons make a search "common" for a first page of `page` rows."""
    return max(100, int((roster_size(db) * page / 3) ** 0.5))


def _search_clause(db: Db, terms: list[tuple[str, list[Any]]], page: int | None) -> tuple[str, list[Any]]:
    """How the search terms join the member query.

    Every match (counts, the whole id list): find the persons first, in one pass over person's
    narrow rows and indexes, then their memberships. A first page of `page` rows: a rare search
    the same way, with the persons it found; a common one ("640181" matches a third of a district)
    puts its terms on each member's joined person row instead, so SQLite walks members in the
    page's order and stops as soon as the page is full rather than computing every match first.
    Walking costs about members × page / matches row visits, finding persons first about
    matches × 3 (measured on 100,000 members): "common" starts where the two meet.
    """
    condition = " AND ".join(t for t, _ in terms)
    params = [v for _, values in terms for v in values]
    if page is None:
        return _persons_first(terms), params
    common = common_matches(db, page)
    found = [r[0] for r in db.execute(f"SELECT p.id FROM person p WHERE {condition} LIMIT {common}",
                                      params).fetchall()]
    if len(found) < common:
        return _FOUND_PERSONS, [json.dumps(found)]
    return f"({condition})", params


def _where(db: Db, query: MemberQuery, page: int | None = None) -> tuple[str, list[Any]]:
    on = query.on or today()
    where: list[str] = []
    params: list[Any] = []
    terms = search_terms(query.text)
    if terms:
        clause, values = _search_clause(db, terms, page)
        where.append(clause)
        params += values
    for column, value in (("m.branch_id", query.branch_id), ("m.party_group_id", query.party_group_id),
                          ("m.grid_id", query.grid_id), ("m.person_type", query.person_type),
                          ("m.category", query.category)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if query.no_grid:
        where.append("m.grid_id IS NULL")
    # "+" keeps SQLite off the status index: nearly every member matches, so a plain scan is faster.
    if query.status is None:
        statuses = roster_statuses(db)
        where.append(f"+m.status IN ({', '.join('?' for _ in statuses)})")
        params += statuses
    elif query.status != ALL_STATUSES:
        where.append("m.status = ?")
        params.append(query.status)
    if query.age_min is not None:
        where.append("p.birth_date <= ?")
        params.append(add_years(on, -query.age_min).isoformat())
    if query.age_max is not None:
        where.append("p.birth_date > ?")
        params.append(add_years(on, -(query.age_max + 1)).isoformat())
    if query.join_year_from is not None:
        where.append("m.join_date >= ?")
        params.append(f"{query.join_year_from:04d}-01-01")
    if query.join_year_to is not None:
        where.append("m.join_date <= ?")
        params.append(f"{query.join_year_to:04d}-12-31")
    if query.probation_within_days is not None or query.probation_overdue:
        where.append(f"m.category = '预备党员' AND m.join_date IS NOT NULL AND ({PROBATION_DUE_SQL}) BETWEEN ? AND ?")
        start = "0000-01-01" if query.probation_overdue else on.isoformat()
        end = on + dt.timedelta(days=query.probation_within_days if query.probation_within_days is not None else -1)
        params += [start, end.isoformat()]
    return (" WHERE " + " AND ".join(where)) if where else "", params


def _order_by(sort: str, descending: bool) -> str:
    if sort not in SORT_KEYS:
        raise ValueError(f"unknown sort key {sort!r}")
    direction = "DESC" if descending != (sort in _REVERSED_KEYS) else "ASC"
    parts = [SORT_KEYS[sort]] if sort == "probation_due" else SORT_KEYS[sort].split(", ")
    return ", ".join(f"{part} {direction}" for part in parts) + f", m.id {direction}"


_MEMBER_FROM = MEMBER_SELECT[MEMBER_SELECT.index("FROM member m"):]


def query_members(db: Db, query: MemberQuery = MemberQuery(), sort: str = "id", descending: bool = False,
                  limit: int | None = None, offset: int = 0) -> list[Member]:
    """One page of the roster, sorted in SQL (so a 100,000-member roster never loads whole)."""
    where, params = _where(db, query, page=limit)
    sql = f"{MEMBER_SELECT}{where} ORDER BY {_order_by(sort, descending)}"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = [*params, limit, offset]
    return [Member(*row) for row in db.execute(sql, params).fetchall()]


def count_members(db: Db, query: MemberQuery = MemberQuery()) -> int:
    where, params = _where(db, query)
    return db.execute(f"SELECT count(*) FROM member m JOIN person p ON p.id = m.person_id{where}", params).fetchone()[0]


_JOINS = {
    # CROSS JOIN keeps member as the outer loop: walking person's pinyin index instead is 3x slower.
    "p.": "CROSS JOIN person p ON p.id = m.person_id",
    "b.": "JOIN org_unit b ON b.id = m.branch_id",
    "g.": "LEFT JOIN org_unit g ON g.id = m.party_group_id",
    "gr.": "LEFT JOIN grid gr ON gr.id = m.grid_id",
}


def member_ids(db: Db, query: MemberQuery = MemberQuery(), sort: str = "id", descending: bool = False,
               limit: int | None = None) -> list[int]:
    """Every member id the query matches (or the first `limit`), in order: the roster table and its exports."""
    return _member_ids(db, query, sort, descending, limit)[0]


def first_member_ids(db: Db, query: MemberQuery, sort: str, descending: bool, page: int) -> tuple[list[int], bool]:
    """The first `page` ids of a view (at least), and whether that is all of it.

    For a table that paints before it counts: the rest of a broad view is read separately. A search
    rare enough to be found through its persons comes back whole, as that costs no more.
    """
    ids, found_persons = _member_ids(db, query, sort, descending, page + 1, whole_if_found=True)
    if found_persons:
        return ids, True
    return ids[:page], len(ids) <= page


def _member_ids(db: Db, query: MemberQuery, sort: str, descending: bool, limit: int | None,
                whole_if_found: bool = False) -> tuple[list[int], bool]:
    where, params = _where(db, query, page=limit)
    found_persons = _FOUND_PERSONS in where
    if whole_if_found and found_persons:
        limit = None
    order = _order_by(sort, descending)
    # Join only what the filter and the order need: this runs over the whole roster on every search.
    terms = search_terms(query.text)
    outer = where.replace(_persons_first(terms), "") if terms else where
    outer += " " + order
    joins = " ".join(join for alias, join in _JOINS.items() if re.search(rf"(?<![\w.]){re.escape(alias)}", outer))
    sql = f"SELECT m.id FROM member m {joins}{where} ORDER BY {order}"
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, limit]
    return [r[0] for r in db.execute(sql, params).fetchall()], found_persons


def get_many(db: Db, ids: list[int]) -> list[Member]:
    """Members by id, in the order given (missing ids are left out)."""
    found: dict[int, Member] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = db.execute(f"{MEMBER_SELECT} WHERE m.id IN ({', '.join('?' for _ in chunk)})", chunk).fetchall()
        found.update((row[0], Member(*row)) for row in rows)
    return [found[i] for i in ids if i in found]


def probations_due(db: Db, within_days: int = 30, on: dt.date | None = None) -> list[Member]:
    """Probationary members whose probation ends within the next `within_days` days, soonest first."""
    return query_members(db, MemberQuery(probation_within_days=within_days, on=on), sort="probation_due")


def probations_overdue(db: Db, on: dt.date | None = None) -> list[Member]:
    """Probationary members whose probation has ended with neither 转正 nor an extension recorded."""
    return query_members(db, MemberQuery(probation_overdue=True, on=on), sort="probation_due")


def without_grid(db: Db) -> list[Member]:
    """Members on the roster not yet placed in any grid."""
    return query_members(db, MemberQuery(no_grid=True), sort="branch")
