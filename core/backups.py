"""Backups: verified consistent copies beside the database, their rotation and listing, and safe restore."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from core.db import MIGRATIONS_TABLE, Db, backups_dir, schema_state
from core.errors import UserError

SQLITE_HEADER = b"SQLite format 3\x00"
STAMP_FORMAT = "%Y%m%d-%H%M%S"
# Names of automatic backups: <db stem>-<YYYYmmdd-HHMMSS>[_n]-<reason>.db
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:_\d+)?-(?P<reason>[a-z]+)\.db$")

REASON_LABELS = {
    "daily": "每日自动",
    "migration": "升级前",
    "import": "导入前",
    "restore": "恢复前",
    "manual": "手动",
}
# Backups of today are all kept (up to this many); older ones thin out to daily/weekly/monthly.
KEEP_TODAY_MAX = 20
COUNTED_TABLES = (("member", "党员"), ("meeting", "会议"), ("home_visit", "走访"))


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime
    reason: str
    reason_label: str
    size: int
    counts: dict[str, int]  # table -> rows, for the COUNTED_TABLES that exist in the copy

    @property
    def counts_text(self) -> str:
        labels = dict(COUNTED_TABLES)
        return "，".join(f"{labels[t]} {n}" for t, n in self.counts.items()) or "—"


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    safety_copy: Path | None  # the copy of the replaced database
    counts: dict[str, int]


# Copies ------------------------------------------------------------------------------------------

def _copy_connection(source: sqlite3.Connection, target: Path) -> Path:
    """SQLite backup API into target.partial, verified, then renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    tmp.unlink(missing_ok=True)
    dest = sqlite3.connect(tmp)
    try:
        source.backup(dest)
        # A standalone file: a WAL-mode copy would grow -wal/-shm files beside it when opened.
        dest.execute("PRAGMA journal_mode = DELETE")
        result = dest.execute("PRAGMA integrity_check").fetchall()
    finally:
        dest.close()
    if [r[0] for r in result] != ["ok"]:
        tmp.unlink(missing_ok=True)
        raise UserError(f"备份副本校验失败（{result[0][0]}）。原数据库可能已损坏，请运行“检查”并联系技术人员。")
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    return target


def copy_to(db: Db, target: Path) -> Path:
    """A verified consistent copy of the live database at target (manual backup, e.g. to a USB stick)."""
    target = Path(target)
    if db.path is not None and target.exists() and target.resolve() == Path(db.path).resolve():
        raise UserError("备份文件不能与当前数据库是同一个文件，请换一个文件名。")
    try:
        return _copy_connection(db.conn, target)
    except OSError as exc:
        raise UserError(f"备份失败：{exc}。请确认目标文件夹可以写入（U 盘是否插好、空间是否足够）。") from exc


def _auto_name(db_path: Path, reason: str, when: dt.datetime) -> Path:
    folder = backups_dir(db_path)
    base = f"{db_path.stem}-{when.strftime(STAMP_FORMAT)}"
    candidate = folder / f"{base}-{reason}.db"
    n = 2
    while candidate.exists():
        candidate = folder / f"{base}_{n}-{reason}.db"
        n += 1
    return candidate


def auto_backup(db: Db, reason: str) -> Path | None:
    """Take an automatic copy into the backups folder (before a migration, import, restore, or daily).

    Returns the copy's path; None for an in-memory database. Older copies are rotated afterwards.
    """
    if reason not in REASON_LABELS:
        raise ValueError(reason)
    if db.path is None:
        return None
    target = _auto_name(Path(db.path), reason, dt.datetime.now())
    _copy_connection(db.conn, target)
    rotate(Path(db.path), _keep_settings(db.conn))
    return target


def backup_file_before_migration(path: Path) -> Path:
    """The copy open_db takes of an existing file before upgrading it (read-only source)."""
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        target = _auto_name(path, "migration", dt.datetime.now())
        _copy_connection(src, target)
        keep = _keep_settings(src)
    finally:
        src.close()
    rotate(path, keep)
    return target


def daily_backup_if_due(db: Db, today: dt.date | None = None) -> Path | None:
    """The first start of a day takes a copy; later starts that day do nothing."""
    if db.path is None:
        return None
    today = today or dt.date.today()
    for info in list_backups(Path(db.path), with_counts=False):
        if info.reason == "daily" and info.taken_at.date() == today:
            return None
    return auto_backup(db, "daily")


# Rotation ---------------------------------------------------------------------------------------

def _keep_settings(conn: sqlite3.Connection) -> tuple[int, int, int]:
    from core.settings import DEFAULTS

    keys = ("backup_keep_daily", "backup_keep_weekly", "backup_keep_monthly")
    values = {k: DEFAULTS[k] for k in keys}
    try:
        for key, value in conn.execute(
            f"SELECT key, value FROM setting WHERE key IN ({','.join('?' for _ in keys)})", keys
        ).fetchall():
            values[key] = int(value)
    except sqlite3.Error:  # before the settings table exists (first migration)
        pass
    return values["backup_keep_daily"], values["backup_keep_weekly"], values["backup_keep_monthly"]


def plan_rotation(stamps: list[dt.datetime], now: dt.datetime, daily: int, weekly: int, monthly: int) -> set[dt.datetime]:
    """Which backup times to keep: all of today (capped), then the newest of each of the last
    `daily` days, `weekly` ISO weeks and `monthly` months that have a backup."""
    keep: set[dt.datetime] = set()
    ordered = sorted(stamps, reverse=True)
    keep.update([s for s in ordered if s.date() == now.date()][:KEEP_TODAY_MAX])
    for count, bucket in ((daily, lambda s: s.date()), (weekly, lambda s: s.isocalendar()[:2]),
                          (monthly, lambda s: (s.year, s.month))):
        seen: list = []
        for stamp in ordered:
            key = bucket(stamp)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(key)
            keep.add(stamp)
    return keep


def rotate(db_path: Path, keep: tuple[int, int, int], now: dt.datetime | None = None) -> list[Path]:
    """Delete automatic backups the rotation no longer keeps; returns the deleted paths."""
    folder = backups_dir(Path(db_path))
    if folder.is_dir():  # copies interrupted by a crash or power cut
        for stale in folder.glob("*.db.partial"):
            if stale.stat().st_mtime < dt.datetime.now().timestamp() - 3600:
                stale.unlink(missing_ok=True)
    infos = list_backups(db_path, with_counts=False)
    if not infos:
        return []
    kept = plan_rotation([i.taken_at for i in infos], now or dt.datetime.now(), *keep)
    deleted = []
    # Several files can share a second only when taken in quick succession today: keep them all.
    for info in infos:
        if info.taken_at not in kept:
            info.path.unlink(missing_ok=True)
            deleted.append(info.path)
    return deleted


# Listing ----------------------------------------------------------------------------------------

def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t, _ in COUNTED_TABLES if t in names}
    finally:
        conn.close()


def list_backups(db_path: Path, with_counts: bool = True) -> list[BackupInfo]:
    """The automatic backups of this database, newest first."""
    folder = backups_dir(Path(db_path))
    if not folder.is_dir():
        return []
    infos = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if not match or match["stem"] != Path(db_path).stem:
            continue
        try:
            taken = dt.datetime.strptime(match["stamp"], STAMP_FORMAT)
            counts = table_counts(path) if with_counts else {}
        except (ValueError, sqlite3.Error):
            continue
        reason = match["reason"]
        infos.append(BackupInfo(path, taken, reason, REASON_LABELS.get(reason, reason), path.stat().st_size, counts))
    infos.sort(key=lambda i: (i.taken_at, i.path.name), reverse=True)
    return infos


# Restore ----------------------------------------------------------------------------------------

def verify_file(path: Path) -> dict[str, int]:
    """Refuse a file that is not a healthy database of this program (or is from a newer version).

    Returns its counts of members/meetings/visits.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到文件 {path}。请检查路径。")
    with open(path, "rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise UserError(f"文件 {path.name} 不是本程序的数据库或备份文件，已拒绝恢复。当前数据没有任何改动。")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"无法打开文件 {path.name}：{exc}。当前数据没有任何改动。") from exc
    try:
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            raise UserError(f"文件 {path.name} 已损坏（{exc}），不能用来恢复。当前数据没有任何改动；请换一个备份文件。") from exc
        if result != ["ok"]:
            raise UserError(f"文件 {path.name} 已损坏（完整性检查：{result[0]}），不能用来恢复。当前数据没有任何改动；请换一个备份文件。")
        has_migrations = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", [MIGRATIONS_TABLE]
        ).fetchone()
        state = schema_state(conn) if has_migrations else None
        if state is None or not any(a.startswith("foundation:") for a in state.applied):
            raise UserError(f"文件 {path.name} 是数据库，但不是本程序的数据库，已拒绝恢复。当前数据没有任何改动。")
        if state.unknown:
            raise UserError(
                f"文件 {path.name} 由更新版本的程序创建，本程序不能使用它。请先安装最新版本的程序再恢复。当前数据没有任何改动。"
            )
    finally:
        conn.close()
    return table_counts(path)


def _release_wal(db_path: Path, current: Db | None) -> None:
    """Fold the WAL into the main file and drop it, so nothing stale is left beside the swapped file."""
    conn = current.conn if current is not None else sqlite3.connect(db_path, timeout=5)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError as exc:
        raise UserError("数据库正被其他窗口或电脑使用，无法恢复。请先关闭其他正在使用它的程序，再恢复。当前数据没有任何改动。") from exc
    finally:
        conn.close()
    if str(mode).lower() != "delete":
        raise UserError("数据库正被其他窗口或电脑使用，无法恢复。请先关闭其他正在使用它的程序，再恢复。当前数据没有任何改动。")


def restore(db_path: Path, source: Path, *, current: Db | None = None) -> RestoreResult:
    """Replace the database at db_path with the backup `source`, safely.

    The source is checked first; a bad one changes nothing. The current database is copied into the
    backups folder, then the verified copy is swapped in with one rename. `current`, when given, is
    the caller's open connection to db_path: it is closed here and must be reopened by the caller.
    """
    db_path, source = Path(db_path), Path(source)
    if source.resolve() == db_path.resolve():
        raise UserError("要恢复的文件就是当前数据库本身，请选择一个备份文件。")
    counts = verify_file(source)
    staged = db_path.with_name(db_path.name + ".restoring")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _copy_connection(src, staged)
    finally:
        src.close()
    safety_copy = None
    try:
        if db_path.exists() and db_path.stat().st_size > 0:
            safety_copy = _safety_copy(db_path, current)
            _release_wal(db_path, current)
        elif current is not None:
            current.conn.close()
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.replace(staged, db_path)
    finally:
        staged.unlink(missing_ok=True)
    return RestoreResult(source, safety_copy, counts)


def log_restore(db: Db, result: RestoreResult) -> None:
    """Write the restore into the restored database's own audit log (call after reopening it)."""
    from core import audit

    audit.record(db, "restore", "database", None, {
        "from": str(result.restored_from), "safety_copy": str(result.safety_copy) if result.safety_copy else None,
    })


def _safety_copy(db_path: Path, current: Db | None) -> Path:
    target = _auto_name(db_path, "restore", dt.datetime.now())
    conn = current.conn if current is not None else sqlite3.connect(db_path, timeout=10)
    try:
        try:
            _copy_connection(conn, target)
            keep = _keep_settings(conn)
        except (sqlite3.DatabaseError, UserError):
            # A damaged current file is still kept, byte for byte, before it is replaced.
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(db_path, target)
            keep = _keep_settings(conn)
    finally:
        if current is None:
            conn.close()
    rotate(db_path, keep)
    return target
