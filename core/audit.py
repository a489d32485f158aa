"""Writes made through core: every insert, update and delete leaves a row in audit_log."""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

from core.clock import now_text
from core.db import Db
from core.errors import ConflictError, NotFoundError, UserError

# Never copied into the log: a password hash in an audit row would be readable by every viewer.
SECRET_COLUMNS = frozenset({"password_hash"})
BUSY_MESSAGE = "数据库正忙：另一个窗口或另一台电脑正在保存。本次修改没有保存，请稍等几秒再试。"


# One encoder for every row: json.dumps with options builds a new encoder per call, which shows in bulk imports.
_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _json(row: dict[str, Any] | None) -> str | None:
    if row is None:
        return None
    if SECRET_COLUMNS.intersection(row):
        row = {k: ("******" if k in SECRET_COLUMNS else v) for k, v in row.items()}
    return _ENCODE(row)


def _guard(db: Db, table: str) -> None:
    """Record changes need a role that may edit (operators manage their own table through access)."""
    if table != "operator":
        from core import access

        access.require(db, "edit")


@contextmanager
def _writing(db: Db) -> Iterator[None]:
    """One transaction; a lock held by another program becomes a plain message instead of a crash."""
    try:
        with db.atomic():
            yield
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise UserError(BUSY_MESSAGE) from exc
        raise


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
    _guard(db, table)
    columns = list(row)
    with _writing(db):
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


def version(db: Db, rows: Iterable[tuple[str, int]]) -> int:
    """A version token for some records: the newest audit entry touching any of them (0 if none).

    Every write goes through this module, so the token changes with every saved change; unlike
    updated_at it also tells apart two saves within the same second.
    """
    best = 0
    for table, row_id in rows:
        row = db.execute(
            "SELECT max(id) FROM audit_log WHERE table_name = ? AND row_id = ?", [table, row_id]
        ).fetchone()
        best = max(best, row[0] or 0)
    return best


def check_version(db: Db, rows: Iterable[tuple[str, int]], expected: int | None) -> None:
    """Refuse a save based on an older reading: someone saved these records after `expected`."""
    if expected is None:
        return
    rows = list(rows)
    current = version(db, rows)
    if current != expected:
        who = db.execute("SELECT operator, at FROM audit_log WHERE id = ?", [current]).fetchone()
        by = f"（{who[0]} 于 {who[1].replace('T', ' ')}）" if who else ""
        raise ConflictError(
            f"这条记录在您打开之后已被别人修改{by}。为免覆盖别人的修改，本次没有保存。"
            "请关闭后重新打开这条记录，核对后再修改。"
        )


def update(db: Db, table: str, row_id: int, changes: dict[str, Any], expected_version: int | None = None) -> dict[str, Any]:
    """Apply changes to one row; logs only the fields whose value really changed. Returns the old row.

    With expected_version (from version()), a row saved by someone else since then is refused.
    """
    _guard(db, table)
    with _writing(db):
        old = _row(db, table, row_id)
        if old is None:
            raise NotFoundError(f"要修改的记录不存在（{table} #{row_id}），可能已被删除。请刷新后重试。")
        check_version(db, [(table, row_id)], expected_version)
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
    _guard(db, table)
    with _writing(db):
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


def entries(
    db: Db, table: str | None = None, row_id: int | None = None, limit: int = 500, *,
    operator: str | None = None, date_from: str | None = None, date_to: str | None = None,
    action: str | None = None, offset: int = 0,
) -> list[AuditEntry]:
    """The newest audit entries first, filtered by table, row, operator, action and dates (inclusive)."""
    where, params = _filters(table, row_id, operator, date_from, date_to, action)
    sql = "SELECT id, at, operator, table_name, row_id, action, old, new FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
    params += [limit, offset]
    return [
        AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None, json.loads(r[7]) if r[7] else None)
        for r in db.execute(sql, params).fetchall()
    ]


def count_entries(
    db: Db, table: str | None = None, row_id: int | None = None, *, operator: str | None = None,
    date_from: str | None = None, date_to: str | None = None, action: str | None = None,
) -> int:
    where, params = _filters(table, row_id, operator, date_from, date_to, action)
    sql = "SELECT count(*) FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
    return db.execute(sql, params).fetchone()[0]


def _filters(table, row_id, operator, date_from, date_to, action) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("table_name", table), ("row_id", row_id), ("operator", operator), ("action", action)):
        if value is not None and value != "":
            where.append(f"{column} = ?")
            params.append(value)
    if date_from:
        where.append("at >= ?")
        params.append(date_from)
    if date_to:
        where.append("at < ?")  # the whole of date_to: 'YYYY-MM-DD' sorts before 'YYYY-MM-DDTHH…'
        params.append(date_to + "U")
    return where, params


def operators(db: Db) -> list[str]:
    """Everyone who appears in the log, for the filter list."""
    return [r[0] for r in db.execute("SELECT DISTINCT operator FROM audit_log ORDER BY operator")]


def tables(db: Db) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT table_name FROM audit_log ORDER BY table_name")]


def record(db: Db, action: str, table: str, row_id: int | None, detail: dict[str, Any]) -> None:
    """Log an event that is not a data change: 'reveal' of an ID number, an unmasked 'export', a 'restore'."""
    if action not in ("reveal", "export", "restore"):
        raise ValueError(action)
    with _writing(db):
        _log(db, table, row_id, action, None, detail)


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


# Adding at least this many rows, and at least as many as the table holds, builds its secondary indexes
# afresh afterwards: sorting once is cheaper than updating a dozen B-trees row by row (a first import).
REINDEX_MIN_ROWS = 20_000


# Per connection: tables whose indexes an enclosing _indexes_rebuilt has dropped (inner ones leave them be).
_REBUILDING: dict[int, set[str]] = {}


@contextmanager
def _indexes_rebuilt(db: Db, table: str, adding: int) -> Iterator[None]:
    """Inside the caller's transaction: drop table's own indexes for a large load, recreate them after.
    UNIQUE constraints stay in force (their automatic indexes are kept); a rollback restores all.
    Nested for the same table (several loads logged to audit_log), only the outermost one acts."""
    rebuilding = _REBUILDING.get(id(db.conn), set())
    if table in rebuilding or adding < REINDEX_MIN_ROWS or \
            db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0] > adding:
        yield
        return
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table]
    ).fetchall()
    for name, _sql in indexes:
        db.execute(f"DROP INDEX [{name}]")
    _REBUILDING.setdefault(id(db.conn), set()).add(table)
    try:
        yield
    finally:
        _REBUILDING[id(db.conn)].discard(table)
        if not _REBUILDING[id(db.conn)]:
            del _REBUILDING[id(db.conn)]
    for _name, sql in indexes:
        db.execute(sql)


def bulk_logging(db: Db, rows: int):
    """Around several bulk inserts in one transaction that log `rows` audit rows in all: audit_log's
    indexes are rebuilt once at the end instead of after the first load and row by row after that."""
    return _indexes_rebuilt(db, "audit_log", rows)


def bulk_insert(db: Db, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert many rows that carry their own ids, with one executemany each for rows and log.

    For imports and demo data: the caller's transaction holds it all (or this opens one).
    """
    if not rows:
        return
    columns = list(rows[0])
    _bulk_insert(db, table, columns, [[row[c] for c in columns] for row in rows], rows)


def bulk_insert_values(db: Db, table: str, columns: Sequence[str], values: list[Sequence[Any]]) -> None:
    """bulk_insert with each row as a sequence of values in `columns` order: no dict per row, for the
    largest imports. Logged exactly as bulk_insert logs the same rows given as dicts."""
    if not values:
        return
    _bulk_insert(db, table, list(columns), values, None)


def _bulk_insert(db: Db, table: str, columns: list[str], values: list[Sequence[Any]],
                 rows: list[dict[str, Any]] | None) -> None:
    _guard(db, table)
    stamp, who = now_text(), db.operator or "unknown"
    with _writing(db), _indexes_rebuilt(db, table, len(values)), _indexes_rebuilt(db, "audit_log", len(values)):
        db.conn.executemany(
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' for _ in columns)})",
            values,
        )
        id_at = columns.index("id") if "id" in columns else None
        ids = [row[id_at] for row in values] if id_at is not None else None
        if ids is not None and None not in ids and not SECRET_COLUMNS.intersection(columns):
            # The log rows are built by SQLite from the rows just written: no Python JSON per row.
            fields = ", ".join(f"'{c}', [{c}]" for c in columns)
            low, high = min(ids), max(ids)
            where = "id BETWEEN ? AND ?" if high - low + 1 == len(ids) else "id IN (SELECT value FROM json_each(?))"
            db.conn.execute(
                "INSERT INTO audit_log (at, operator, table_name, row_id, action, old, new) "
                f"SELECT ?, ?, ?, id, 'insert', NULL, json_object({fields}) FROM [{table}] WHERE {where} ORDER BY id",
                [stamp, who, table, low, high] if high - low + 1 == len(ids) else [stamp, who, table, _ENCODE(ids)],
            )
        else:
            if rows is None:
                rows = [dict(zip(columns, row)) for row in values]
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
    _guard(db, table)
    stamp, who = now_text(), db.operator or "unknown"
    with _writing(db):
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
