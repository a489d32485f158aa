"""Undo of deletions: each user deletion is one named group of audit_log rows that can be put back."""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from core import access, audit, audit_view
from core.clock import now_text
from core.db import Db
from core.errors import UserError

NOTHING_MESSAGE = "没有可以撤销的删除。"

# Names of records in refusal messages, beyond the audit screen's labels.
_LABELS = {
    **audit_view.TABLE_LABELS,
    "meeting_attendance": "出勤登记", "meeting_guest": "列席人员", "branch_committee": "支部委员",
    "household_tag": "住户的特殊群体标记", "special_tag": "特殊群体类别", "visit_visitor": "走访人",
    "volunteer_activity": "志愿服务活动", "volunteer_team_member": "志愿队员",
    "volunteer_participation": "活动参加人员", "volunteer_activity_team": "活动所属队伍",
    "volunteer_activity_unit": "活动参与单位", "volunteer": "志愿者", "letter_template_item": "责任书模板条目",
    "letter_item": "责任书条目", "letter_manual_entry": "手工录入的完成值", "export_layout": "导出格式",
    "deletion_group": "删除记录",
}


def table_label(table: str) -> str:
    return _LABELS.get(table, table)


@dataclass(frozen=True)
class Deletion:
    id: int
    label: str
    areas: tuple[str, ...]
    operator: str
    deleted_at: str
    row_count: int

    def describe(self) -> str:
        """The deletion in one line: what, who, when, how many records."""
        return f"“{self.label}”（{self.operator} 于 {self.deleted_at.replace('T', ' ')} 删除，共 {self.row_count} 条记录）"


_COLUMNS = "id, label, areas, operator, deleted_at, row_count"


def _deletion(row: tuple) -> Deletion:
    return Deletion(row[0], row[1], tuple(a for a in row[2].split(",") if a), row[3], row[4], row[5])


def _max_audit_id(db: Db) -> int:
    return db.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]


@contextmanager
def _immediate(db: Db) -> Iterator[None]:
    """One transaction that takes the write lock at once, so no other connection can log between our reads."""
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise UserError(audit.BUSY_MESSAGE) from exc
        raise
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise


class DeletionGroup:
    """What a deletion block made: `deletion` is set when the block deleted something."""

    deletion: Deletion | None = None


@contextmanager
def deletion(db: Db, label: str, areas: tuple[str, ...] | list[str] = ()) -> Iterator[DeletionGroup]:
    """Make the deletes done inside this block one undoable deletion named `label`.

    Everything inside runs in one transaction; an error undoes it all and records nothing. A block
    inside another deletion block joins the outer one. `areas` are the data_changed areas a screen
    refreshes after the deletion is undone.
    """
    group = DeletionGroup()
    if getattr(db, "_deletion_depth", 0):
        db._deletion_depth += 1
        try:
            yield group
        finally:
            db._deletion_depth -= 1
        return
    db._deletion_depth = 1
    try:
        with _immediate(db):
            audit_from = _max_audit_id(db)
            yield group
            audit_until = _max_audit_id(db)
            count = db.execute(
                "SELECT count(*) FROM audit_log WHERE id > ? AND id <= ? AND action = 'delete'", [audit_from, audit_until]
            ).fetchone()[0]
            if count:
                group_id = audit.insert(db, "deletion_group", {
                    "label": label, "areas": ",".join(areas), "operator": db.operator or "unknown",
                    "deleted_at": now_text(), "audit_from": audit_from, "audit_until": audit_until, "row_count": count,
                })
                group.deletion = get(db, group_id)
    finally:
        db._deletion_depth = 0


def deleting(db: Db, label: str, areas: tuple[str, ...] | list[str], action: Callable[[], object]) -> Deletion | None:
    """Run `action` (a core delete) as one undoable deletion; returns it (None when nothing was deleted)."""
    with deletion(db, label, areas) as group:
        action()
    return group.deletion


def last(db: Db) -> Deletion | None:
    """The newest deletion not undone yet, or None."""
    row = db.execute(
        f"SELECT {_COLUMNS} FROM deletion_group WHERE undone_at IS NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return _deletion(row) if row else None


def get(db: Db, deletion_id: int) -> Deletion | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM deletion_group WHERE id = ?", [deletion_id]).fetchone()
    return _deletion(row) if row else None


def _exists(db: Db, table: str, row_id: int) -> bool:
    return db.execute(f"SELECT 1 FROM [{table}] WHERE id = ?", [row_id]).fetchone() is not None


def _foreign_keys(db: Db, table: str) -> list[tuple[str, str, str]]:
    """(column, parent table, parent column) of every declared foreign key of table."""
    return [(fk[3], fk[2], fk[4] or "id") for fk in db.execute(f"PRAGMA foreign_key_list([{table}])").fetchall()]


def _refusal(item: Deletion, why: str) -> UserError:
    return UserError(f"无法撤销删除“{item.label}”：{why}数据没有任何改动。")


def _check(db: Db, item: Deletion, entries: list[tuple], audit_until: int) -> None:
    """Refuse, before writing anything, what cannot be put back as it was."""
    restored: set[tuple[str, int]] = set()
    for table, row_id, action, old, _new in entries:
        if row_id is None:
            continue
        what = f"{table_label(table)}（编号 {row_id}）"
        if action == "delete":
            values = json.loads(old)
            if any(values.get(c) == "******" for c in audit.SECRET_COLUMNS):
                raise _refusal(item, f"{what}含有密码，日志里没有保存原值，只能重新建立。")
            if _exists(db, table, row_id):
                raise _refusal(item, f"{what}的编号已被之后新建的记录占用。"
                                     "被删除的内容仍可在“操作日志”中查到，如仍需要，请按日志重新录入。")
            for column, parent, parent_column in _foreign_keys(db, table):
                value = values.get(column)
                if value is None or (parent, value) in restored:
                    continue
                found = db.execute(f"SELECT 1 FROM [{parent}] WHERE [{parent_column}] = ?", [value]).fetchone()
                if found is None:
                    raise _refusal(item, f"{what}所属的{table_label(parent)}（编号 {value}）已经不存在了。"
                                         f"如仍需要，请先重新建立该{table_label(parent)}，再按“操作日志”中的内容重新录入。")
            restored.add((table, row_id))
        elif action in ("update", "insert"):
            later = db.execute("SELECT 1 FROM audit_log WHERE table_name = ? AND row_id = ? AND id > ? LIMIT 1",
                               [table, row_id, audit_until]).fetchone()
            if later:
                raise _refusal(item, f"同时改动的{what}之后又被修改过，撤销会覆盖那些修改。")


def restore_last(db: Db) -> Deletion:
    """Put back the newest deletion not undone yet: same ids, parents before children, in one transaction.

    The restore is written through core.audit, so the log shows it as new inserts. Raises UserError
    with what to do when it cannot be done (an id taken since, a parent gone); then nothing changes.
    """
    access.require(db, "edit")
    with _immediate(db):
        item = last(db)
        if item is None:
            raise UserError(NOTHING_MESSAGE)
        audit_from, audit_until = db.execute(
            "SELECT audit_from, audit_until FROM deletion_group WHERE id = ?", [item.id]
        ).fetchone()
        # Newest first: children were deleted before their parents, so parents come back first.
        entries = db.execute(
            "SELECT table_name, row_id, action, old, new FROM audit_log WHERE id > ? AND id <= ? ORDER BY id DESC",
            [audit_from, audit_until],
        ).fetchall()
        _check(db, item, entries, audit_until)
        for table, row_id, action, old, _new in entries:
            if row_id is None:
                continue
            try:
                if action == "delete":
                    audit.insert(db, table, json.loads(old))
                elif action == "update":
                    audit.update(db, table, row_id, json.loads(old))
                elif action == "insert":
                    audit.delete(db, table, row_id)
            except sqlite3.IntegrityError as exc:
                raise _refusal(item, _integrity_reason(table, row_id, exc)) from None
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise UserError(audit.BUSY_MESSAGE) from exc
                raise _refusal(item, f"数据库结构已经变化，{table_label(table)}（编号 {row_id}）放不回去（{exc}）。") from None
        audit.update(db, "deletion_group", item.id, {"undone_at": now_text(), "undone_by": db.operator or "unknown"})
    return item


def _integrity_reason(table: str, row_id: int, exc: sqlite3.IntegrityError) -> str:
    what = f"{table_label(table)}（编号 {row_id}）"
    text = str(exc)
    if "UNIQUE" in text:
        columns = text.split(":", 1)[-1].strip()
        return (f"{what}与之后新建的记录重复（{columns}）。如仍需要，请先删除或修改那条新记录，再撤销。")
    if "FOREIGN KEY" in text:
        return f"{what}所关联的记录已经不存在了。"
    return f"{what}不符合现在的数据规则（{text}）。"
