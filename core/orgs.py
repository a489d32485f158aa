"""The organisation tree (street → community → branch → party group) and the grids of each community."""

from __future__ import annotations

from dataclasses import dataclass

from core import audit
from core.clock import now_text
from core.db import Db
from core.errors import InUseError, NotFoundError, ValidationError

KIND_LABELS = {"street": "街道党工委", "community": "社区党委", "branch": "党支部", "party_group": "党小组"}
# Which kind may hang under which: office and enterprise branches sit directly under the street.
ALLOWED_PARENTS = {
    "street": (None,),
    "community": ("street", None),  # None: a community-level office is the root of its tree
    "branch": ("street", "community"),
    "party_group": ("branch",),
}
TABLE_LABELS = {
    "org_unit": "下级组织", "grid": "网格", "member": "党员", "person": "人员",
    "meeting": "会议记录", "branch_committee": "支部委员",
}
# Volunteer tables that hang on a community (core/volunteers.py).
TABLE_LABELS.update({"volunteer_team": "志愿服务队", "volunteer_activity": "志愿服务活动", "cobuilding_unit": "共建单位",
                     "dual_registration": "双报到登记"})


@dataclass(frozen=True)
class OrgUnit:
    id: int
    kind: str
    name: str
    parent_id: int | None
    sort_order: int
    note: str | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class Grid:
    id: int
    community_id: int
    name: str
    worker_person_id: int | None
    worker_name: str | None
    sort_order: int


_UNIT_COLUMNS = "id, kind, name, parent_id, sort_order, note"


def _unit(row: tuple) -> OrgUnit:
    return OrgUnit(*row)


def get_unit(db: Db, unit_id: int) -> OrgUnit:
    row = db.execute(f"SELECT {_UNIT_COLUMNS} FROM org_unit WHERE id = ?", [unit_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到组织 #{unit_id}，可能已被删除。")
    return _unit(row)


def list_units(db: Db, kind: str | None = None, parent_id: int | None = None) -> list[OrgUnit]:
    where, params = [], []
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if parent_id is not None:
        where.append("parent_id = ?")
        params.append(parent_id)
    sql = f"SELECT {_UNIT_COLUMNS} FROM org_unit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY sort_order, id"
    return [_unit(r) for r in db.execute(sql, params).fetchall()]


def children(db: Db, unit_id: int | None) -> list[OrgUnit]:
    if unit_id is None:
        rows = db.execute(f"SELECT {_UNIT_COLUMNS} FROM org_unit WHERE parent_id IS NULL ORDER BY sort_order, id").fetchall()
        return [_unit(r) for r in rows]
    return list_units(db, parent_id=unit_id)


def street(db: Db) -> OrgUnit | None:
    units = list_units(db, kind="street")
    return units[0] if units else None


def community_of(db: Db, unit_id: int) -> OrgUnit | None:
    """The community a unit belongs to (itself if it is one); None for units directly under the street."""
    unit = get_unit(db, unit_id)
    while unit.kind not in ("community", "street"):
        if unit.parent_id is None:
            return None
        unit = get_unit(db, unit.parent_id)
    return unit if unit.kind == "community" else None


def branches(db: Db) -> list[OrgUnit]:
    return list_units(db, kind="branch")


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("名称不能为空。", "name")
    if len(name) > 60:
        raise ValidationError("名称太长（超过 60 个字）。", "name")
    return name


def _check_parent(db: Db, kind: str, parent_id: int | None) -> None:
    if kind not in KIND_LABELS:
        raise ValidationError(f"未知的组织类型：{kind}。")
    allowed = ALLOWED_PARENTS[kind]
    parent_kind = get_unit(db, parent_id).kind if parent_id is not None else None
    if parent_kind not in allowed:
        where = "、".join(KIND_LABELS[k] for k in allowed if k) or "最上级"
        raise ValidationError(f"{KIND_LABELS[kind]}只能设在{where}之下。", "parent_id")
    if kind == "street" and street(db) is not None:
        raise ValidationError("一个数据库只能有一个街道党工委。", "kind")
    if kind == "street" and children(db, None):
        raise ValidationError("本数据库是社区级单位，不能再建立街道党工委。", "kind")
    if parent_id is None and kind == "community" and children(db, None):
        raise ValidationError("社区党委应设在街道党工委之下（只有社区级单位的数据库才以社区为最上级）。", "parent_id")


def _check_sibling_name(db: Db, parent_id: int | None, name: str, exclude_id: int | None = None) -> None:
    row = db.execute(
        "SELECT id FROM org_unit WHERE parent_id IS ? AND name = ? AND id IS NOT ?", [parent_id, name, exclude_id]
    ).fetchone()
    if row:
        raise ValidationError(f"同一上级下已经有名为“{name}”的组织。", "name")


def create_unit(db: Db, kind: str, name: str, parent_id: int | None = None, note: str | None = None) -> int:
    name = _check_name(name)
    _check_parent(db, kind, parent_id)
    _check_sibling_name(db, parent_id, name)
    order = db.execute("SELECT coalesce(max(sort_order), 0) + 1 FROM org_unit WHERE parent_id IS ?", [parent_id]).fetchone()[0]
    return audit.insert(
        db, "org_unit",
        {"kind": kind, "name": name, "parent_id": parent_id, "sort_order": order, "note": note, "created_at": now_text()},
    )


def rename_unit(db: Db, unit_id: int, name: str) -> None:
    unit = get_unit(db, unit_id)
    name = _check_name(name)
    _check_sibling_name(db, unit.parent_id, name, exclude_id=unit_id)
    audit.update(db, "org_unit", unit_id, {"name": name})


def _descendant_ids(db: Db, unit_id: int) -> set[int]:
    rows = db.execute(
        """WITH RECURSIVE sub(id) AS (SELECT id FROM org_unit WHERE parent_id = ?
           UNION SELECT o.id FROM org_unit o JOIN sub ON o.parent_id = sub.id) SELECT id FROM sub""",
        [unit_id],
    ).fetchall()
    return {r[0] for r in rows}


def move_unit(db: Db, unit_id: int, new_parent_id: int | None) -> None:
    unit = get_unit(db, unit_id)
    if new_parent_id == unit_id or (new_parent_id is not None and new_parent_id in _descendant_ids(db, unit_id)):
        raise ValidationError("不能把组织移到它自己或它的下级组织之下。", "parent_id")
    allowed = ALLOWED_PARENTS[unit.kind]
    parent_kind = get_unit(db, new_parent_id).kind if new_parent_id is not None else None
    if parent_kind not in allowed:
        where = "、".join(KIND_LABELS[k] for k in allowed if k) or "最上级"
        raise ValidationError(f"{unit.kind_label}只能设在{where}之下。", "parent_id")
    _check_sibling_name(db, new_parent_id, unit.name, exclude_id=unit_id)
    audit.update(db, "org_unit", unit_id, {"parent_id": new_parent_id})


def _describe_uses(uses: dict[str, int]) -> str:
    return "、".join(f"{TABLE_LABELS.get(t, t)} {n} 条" for t, n in sorted(uses.items()))


def delete_unit(db: Db, unit_id: int) -> None:
    """Delete a unit that nothing points at any more; otherwise say what still hangs on it."""
    unit = get_unit(db, unit_id)
    uses = audit.references_to(db, "org_unit", unit_id)
    if uses:
        raise InUseError(
            f"“{unit.name}”下还有{_describe_uses(uses)}，不能删除。请先把这些记录转移到其他组织或删除后再试。"
        )
    audit.delete(db, "org_unit", unit_id)


def unit_path(db: Db, unit_id: int) -> str:
    """街道 / 社区 / 支部 names joined, for labels."""
    names = []
    current: int | None = unit_id
    while current is not None:
        unit = get_unit(db, current)
        names.append(unit.name)
        current = unit.parent_id
    return " / ".join(reversed(names))


# Grids -----------------------------------------------------------------------------------------

_GRID_SQL = """SELECT g.id, g.community_id, g.name, g.worker_person_id, p.name, g.sort_order
               FROM grid g LEFT JOIN person p ON p.id = g.worker_person_id"""


def get_grid(db: Db, grid_id: int) -> Grid:
    row = db.execute(_GRID_SQL + " WHERE g.id = ?", [grid_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到网格 #{grid_id}，可能已被删除。")
    return Grid(*row)


def list_grids(db: Db, community_id: int | None = None) -> list[Grid]:
    sql, params = _GRID_SQL, []
    if community_id is not None:
        sql += " WHERE g.community_id = ?"
        params.append(community_id)
    sql += " ORDER BY g.community_id, g.sort_order, g.id"
    return [Grid(*r) for r in db.execute(sql, params).fetchall()]


def _check_community(db: Db, community_id: int) -> None:
    if get_unit(db, community_id).kind != "community":
        raise ValidationError("网格只能设在社区之下。", "community_id")


def _check_grid_name(db: Db, community_id: int, name: str, exclude_id: int | None = None) -> None:
    row = db.execute(
        "SELECT id FROM grid WHERE community_id = ? AND name = ? AND id IS NOT ?", [community_id, name, exclude_id]
    ).fetchone()
    if row:
        raise ValidationError(f"该社区已经有名为“{name}”的网格。", "name")


def create_grid(db: Db, community_id: int, name: str, worker_person_id: int | None = None) -> int:
    name = _check_name(name)
    _check_community(db, community_id)
    _check_grid_name(db, community_id, name)
    order = db.execute("SELECT coalesce(max(sort_order), 0) + 1 FROM grid WHERE community_id = ?", [community_id]).fetchone()[0]
    return audit.insert(
        db, "grid",
        {"community_id": community_id, "name": name, "worker_person_id": worker_person_id,
         "sort_order": order, "created_at": now_text()},
    )


def update_grid(db: Db, grid_id: int, *, name: str | None = None, community_id: int | None = None,
                worker_person_id: int | None | object = ...) -> None:
    grid = get_grid(db, grid_id)
    changes: dict = {}
    target_community = community_id if community_id is not None else grid.community_id
    if community_id is not None and community_id != grid.community_id:
        _check_community(db, community_id)
        changes["community_id"] = community_id
    if name is not None:
        changes["name"] = _check_name(name)
    if "name" in changes or "community_id" in changes:
        _check_grid_name(db, target_community, changes.get("name", grid.name), exclude_id=grid_id)
    if worker_person_id is not ...:
        changes["worker_person_id"] = worker_person_id
    if changes:
        audit.update(db, "grid", grid_id, changes)


def delete_grid(db: Db, grid_id: int) -> None:
    grid = get_grid(db, grid_id)
    uses = audit.references_to(db, "grid", grid_id)
    if uses:
        raise InUseError(f"网格“{grid.name}”下还有{_describe_uses(uses)}，不能删除。请先把这些记录转到其他网格后再试。")
    audit.delete(db, "grid", grid_id)


ON_ROSTER = "status IN (SELECT value FROM roster_lookup WHERE kind = 'status' AND in_roster = 1)"


def member_counts(db: Db) -> dict[int, int]:
    """Members on the roster (not 转出, 去世…: as the roster counts them) in each unit and everything below it."""
    parents = dict(db.execute("SELECT id, parent_id FROM org_unit").fetchall())
    totals = {unit_id: 0 for unit_id in parents}
    direct = db.execute(
        f"SELECT branch_id, count(*) FROM member WHERE {ON_ROSTER} GROUP BY branch_id"
    ).fetchall()
    for unit_id, n in direct:
        current = unit_id
        while current is not None:
            totals[current] = totals.get(current, 0) + n
            current = parents.get(current)
    for group_id, n in db.execute(
        f"SELECT party_group_id, count(*) FROM member WHERE party_group_id IS NOT NULL AND {ON_ROSTER} "
        "GROUP BY party_group_id"
    ).fetchall():
        totals[group_id] = totals.get(group_id, 0) + n
    return totals


@dataclass(frozen=True)
class UnitCounts:
    members: int
    grids: int
    children: int


def unit_counts(db: Db, unit_id: int) -> UnitCounts:
    """Members in the unit and everything below it, grids of a community, direct sub-units."""
    ids = _descendant_ids(db, unit_id) | {unit_id}
    marks = ",".join("?" * len(ids))
    members = db.execute(
        f"SELECT count(*) FROM member WHERE (branch_id IN ({marks}) OR party_group_id IN ({marks})) AND {ON_ROSTER}",
        [*ids, *ids]
    ).fetchone()[0]
    grids = db.execute(f"SELECT count(*) FROM grid WHERE community_id IN ({marks})", list(ids)).fetchone()[0]
    kids = db.execute("SELECT count(*) FROM org_unit WHERE parent_id = ?", [unit_id]).fetchone()[0]
    return UnitCounts(members, grids, kids)
