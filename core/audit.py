"""Writes made through core: every insert, update and delete leaves a row in audit_log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from core.clock import now_text
from core.db import Db
from core.errors import NotFoundError


def _json(row: dict[str, Any] | None) -> str | None:
    return None if row is None else json.dumps(row, ensure_ascii=False, default=str)


def _log(db: Db, table: str, row_id: int | None, action: str, old: dict | None, new: dict | None) -> None:
    db.execute(
        "INSERT INTO audit_log (at, operator, table_name, row_id, action, old, new) VALUES (?,?,?,?,?,?,?)",
        [now_text(), db.operator or "unknown", table, row_id, action, _json(old), _json(new)],
    )


def _row(db: Db, table: str, row_id: int) -> dict[str, Any] | None:
    cursor = db.execute(f"SELECT * FROM [{table}] WHERE id = ?", [row_id])
    values = cursor.fetchone()
    if values is None:
        return None
    return dict(zip([c[0] for c in cursor.description], values))


def insert(db: Db, table: str, row: dict[str, Any]) -> int:
    """Insert one row and log it; returns the new id."""
    columns = list(row)
    with db.atomic():
        cursor = db.execute(
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [row[c] for c in columns],
        )
        row_id = cursor.lastrowid
        _log(db, table, row_id, "insert", None, {"id": row_id, **row})
    return row_id


def insert_many(db: Db, table: str, rows: Iterable[dict[str, Any]]) -> list[int]:
    """Insert many rows in the caller's transaction (or one of its own), each logged; returns ids."""
    ids: list[int] = []
    with db.atomic():
        for row in rows:
            ids.append(insert(db, table, row))
    return ids


def update(db: Db, table: str, row_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply changes to one row; logs only the fields whose value really changed. Returns the old row."""
    with db.atomic():
        old = _row(db, table, row_id)
        if old is None:
            raise NotFoundError(f"要修改的记录不存在（{table} #{row_id}），可能已被删除。请刷新后重试。")
        changed = {k: v for k, v in changes.items() if old.get(k) != v}
        if changed:
            db.execute(
                f"UPDATE [{table}] SET {', '.join(f'[{c}] = ?' for c in changed)} WHERE id = ?",
                [*changed.values(), row_id],
            )
            _log(db, table, row_id, "update", {k: old.get(k) for k in changed}, changed)
    return old


def delete(db: Db, table: str, row_id: int) -> dict[str, Any]:
    """Delete one row, logging its last values. Returns them."""
    with db.atomic():
        old = _row(db, table, row_id)
        if old is None:
            raise NotFoundError(f"要删除的记录不存在（{table} #{row_id}），可能已被删除。请刷新后重试。")
        db.execute(f"DELETE FROM [{table}] WHERE id = ?", [row_id])
        _log(db, table, row_id, "delete", old, None)
    return old


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    operator: str
    table_name: str
    row_id: int | None
    action: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


def entries(db: Db, table: str | None = None, row_id: int | None = None, limit: int = 500) -> list[AuditEntry]:
    """The newest audit entries first, optionally for one table or one row."""
    where, params = [], []
    if table:
        where.append("table_name = ?")
        params.append(table)
    if row_id is not None:
        where.append("row_id = ?")
        params.append(row_id)
    sql = "SELECT id, at, operator, table_name, row_id, action, old, new FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [
        AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None, json.loads(r[7]) if r[7] else None)
        for r in db.execute(sql, params).fetchall()
    ]


def references_to(db: Db, table: str, row_id: int) -> dict[str, int]:
    """How many rows in other tables point at this row, by table (from the declared foreign keys)."""
    counts: dict[str, int] = {}
    for other in db.table_names():
        if other.startswith("_") or other == "audit_log":
            continue
        for fk in db.execute(f"PRAGMA foreign_key_list([{other}])").fetchall():
            # (id, seq, table, from, to, on_update, on_delete, match)
            if fk[2] != table:
                continue
            n = db.execute(f"SELECT count(*) FROM [{other}] WHERE [{fk[3]}] = ?", [row_id]).fetchone()[0]
            if n:
                counts[other] = counts.get(other, 0) + n
    return counts


def bulk_insert(db: Db, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert many rows that carry their own ids, with one executemany each for rows and log.

    For imports and demo data: the caller's transaction holds it all (or this opens one).
    """
    if not rows:
        return
    columns = list(rows[0])
    stamp, who = now_text(), db.operator or "unknown"
    with db.atomic():
        db.conn.executemany(
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [[row[c] for c in columns] for row in rows],
        )
        db.conn.executemany(
            "INSERT INTO audit_log (at, operator, table_name, row_id, action, old, new) VALUES (?,?,?,?,?,?,?)",
            [(stamp, who, table, row.get("id"), "insert", None, _json(row)) for row in rows],
        )


def next_id(db: Db, table: str) -> int:
    return db.execute(f"SELECT coalesce(max(id), 0) + 1 FROM [{table}]").fetchone()[0]


def bulk_delete(db: Db, table: str, ids: list[int]) -> None:
    """Delete many rows by id, logging each one's last values; for undoing an import batch."""
    if not ids:
        return
    stamp, who = now_text(), db.operator or "unknown"
    with db.atomic():
        old_rows: list[tuple] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            cursor = db.execute(f"SELECT * FROM [{table}] WHERE id IN ({', '.join('?' for _ in chunk)})", chunk)
            names = [c[0] for c in cursor.description]
            old_rows += [(stamp, who, table, row[names.index("id")], "delete", _json(dict(zip(names, row))), None)
                         for row in cursor.fetchall()]
        db.conn.executemany(f"DELETE FROM [{table}] WHERE id = ?", [(i,) for i in ids])
        db.conn.executemany(
            "INSERT INTO audit_log (at, operator, table_name, row_id, action, old, new) VALUES (?,?,?,?,?,?,?)",
            old_rows,
        )
