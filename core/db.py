"""Opening the database file: pragmas, schema migrations with a backup copy first, the operator."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from core.lean_import import import_sqlite_utils

import_sqlite_utils()  # before anything else imports it: see core/lean_import.py

from sqlite_utils import Database  # noqa: E402

from core.errors import SchemaTooNewError, UserError

APP_DIR_NAME = "DangjianDesk"
MIGRATIONS_TABLE = "_sqlite_migrations"


class Db(Database):
    """A sqlite-utils Database that also knows who is working (for the audit log) and its file."""

    operator: str = ""
    path: Path | None = None
    role: str = ""  # the logged-in operator's role (core.access); empty when nobody logged in


def default_db_path() -> Path:
    """The database file in the user's data folder, by platform convention."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_DIR_NAME / "dangjian.db"


def default_operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some service accounts
        return "unknown"


@dataclass(frozen=True)
class SchemaState:
    applied: tuple[str, ...]  # "set:name" of every applied migration
    pending: tuple[str, ...]
    unknown: tuple[str, ...]  # applied here but unknown to this program: a newer version wrote it


def _qualified(set_name: str, name: str) -> str:
    return f"{set_name}:{name}"


def _known_migrations() -> list[str]:
    from core.migrations import MIGRATION_SETS

    return [_qualified(s.name, m.name) for s in MIGRATION_SETS for m in s._migrations]


def _applied_from_conn(conn: sqlite3.Connection) -> list[str]:
    exists = conn.execute(
        "select 1 from sqlite_master where type='table' and name=?", [MIGRATIONS_TABLE]
    ).fetchone()
    if not exists:
        return []
    rows = conn.execute(
        f"select migration_set, name from {MIGRATIONS_TABLE} order by id"
    ).fetchall()
    return [_qualified(s, n) for s, n in rows]


def schema_state(conn: sqlite3.Connection) -> SchemaState:
    known = _known_migrations()
    applied = _applied_from_conn(conn)
    applied_set = set(applied)
    return SchemaState(
        applied=tuple(applied),
        pending=tuple(k for k in known if k not in applied_set),
        unknown=tuple(a for a in applied if a not in set(known)),
    )


def recover_after_crash(path: Path) -> None:
    """Let SQLite roll back a hot journal or fold in a WAL left by a killed process.

    A read-only connection cannot do that recovery and reports "attempt to write a readonly
    database", which would look like a damaged file; one ordinary open fixes it and changes no data.
    """
    if not any(Path(str(path) + suffix).exists() for suffix in ("-journal", "-wal")):
        return
    try:
        conn = sqlite3.connect(path, timeout=10)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # the read-only look that follows reports the problem in words


def _refuse_if_newer(path: Path) -> int:
    """Read-only look at an existing file; returns how many migrations it has applied."""
    recover_after_crash(path)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"无法打开数据库文件 {path}：{exc}。请确认文件存在且未被其他程序占用。") from exc
    try:
        try:
            state = schema_state(conn)
        except sqlite3.DatabaseError as exc:
            raise UserError(
                f"文件 {path} 不是本程序的数据库，或已损坏（{exc}）。请选择正确的数据库文件，或从备份恢复。"
            ) from exc
    finally:
        conn.close()
    if state.unknown:
        raise SchemaTooNewError(
            f"数据库文件 {path} 由更新版本的程序创建（包含本程序不认识的结构：{', '.join(state.unknown[:3])}）。"
            "为保护数据，本程序不会打开或修改它。请安装最新版本的程序后再打开。"
        )
    return len(state.applied)


def backup_to(db: Database, target: Path) -> Path:
    """A consistent copy of a live database through SQLite's backup API, verified before it is kept."""
    from core.backups import _copy_connection

    return _copy_connection(db.conn, Path(target))


def backups_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def _backup_before_migration(path: Path, applied_count: int) -> Path:
    from core.backups import backup_file_before_migration

    return backup_file_before_migration(path)


def configure(db: Database) -> None:
    db.execute("PRAGMA busy_timeout = 10000")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    # 64 MiB of page cache (default 2 MiB): large imports and reports stop re-reading index pages.
    db.execute("PRAGMA cache_size = -65536")


def open_db(path: str | os.PathLike | None = None, *, operator: str | None = None, create: bool = True,
            role: str = "") -> Db:
    """Open (or create) the database file, migrate it to this program's schema and return it.

    An existing file with pending migrations is copied aside first; a file written by a newer
    program is refused before anything is written to it.
    """
    path = Path(path) if path is not None else default_db_path()
    exists = path.exists() and path.stat().st_size > 0
    if not exists and not create:
        raise UserError(f"数据库文件 {path} 不存在。请检查路径，或先用 demo 命令创建演示数据库。")
    applied_count = _refuse_if_newer(path) if exists else 0
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, check_same_thread=False)
        # No sqlite-utils plugins: nothing installed elsewhere on the PC may change our connection, and
        # scanning every installed package for them cost 25 ms of each start.
        db = Db(conn, execute_plugins=False)
        configure(db)
    except sqlite3.DatabaseError as exc:
        raise UserError(f"无法打开数据库文件 {path}：{exc}。") from exc
    db.path = path
    db.operator = operator or default_operator()
    db.role = role  # a worker thread's connection acts with the role its window logged in with
    migrate(db, applied_count=applied_count if exists else None)
    return db


def migrate(db: Db, applied_count: int | None) -> None:
    from core.migrations import MIGRATION_SETS

    state = schema_state(db.conn)
    if not state.pending:
        return
    if applied_count and db.path is not None:
        _backup_before_migration(db.path, applied_count)
    # One transaction for the whole upgrade: a crash leaves the old schema or the new, never half.
    with db.atomic():
        for migration_set in MIGRATION_SETS:
            migration_set.apply(db)
        total = len(_applied_from_conn(db.conn))
        db.execute(f"PRAGMA user_version = {total}")


def open_memory(operator: str = "test") -> Db:
    """An in-memory database with the full schema (tests and previews)."""
    db = Db(memory=True, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    db.operator = operator
    migrate(db, applied_count=None)
    return db
