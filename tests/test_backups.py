"""Backups: verified automatic copies, rotation, listing, and restore of good and bad files."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

import main
from core import audit, backups, members
from core.db import backups_dir, open_db
from core.errors import UserError
from tests.safety_office import OFFICE_MEMBERS, office_db, office_template  # noqa: F401


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_auto_backup_is_verified_and_listed_with_counts(office_db):
    path = backups.auto_backup(office_db, "import")
    assert path.parent == backups_dir(office_db.path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert not Path(str(path) + "-wal").exists()
    [info] = backups.list_backups(office_db.path)
    assert info.reason_label == "导入前"
    assert info.counts["member"] == OFFICE_MEMBERS
    assert info.size == path.stat().st_size
    assert f"党员 {OFFICE_MEMBERS}" in info.counts_text


def test_daily_backup_once_per_day(db):
    first = backups.daily_backup_if_due(db)
    assert first is not None and first.exists()
    assert backups.daily_backup_if_due(db) is None
    assert [i.reason for i in backups.list_backups(db.path)] == ["daily"]


def test_rotation_keeps_days_weeks_months():
    now = dt.datetime(2026, 11, 21, 9, 0)
    stamps = [now - dt.timedelta(days=d) for d in range(0, 400)]
    kept = backups.plan_rotation(stamps, now, daily=7, weekly=4, monthly=12)
    days = sorted({s.date() for s in kept}, reverse=True)
    assert days[:7] == [(now - dt.timedelta(days=d)).date() for d in range(7)]
    assert len({(s.year, s.month) for s in kept}) == 12
    assert len(kept) <= 7 + 4 + 12
    assert min(kept) > now - dt.timedelta(days=366)


def test_rotate_deletes_old_files(db):
    folder = backups_dir(db.path)
    folder.mkdir()
    for days in range(60):
        stamp = (dt.datetime(2026, 11, 21, 8) - dt.timedelta(days=days)).strftime(backups.STAMP_FORMAT)
        (folder / f"{db.path.stem}-{stamp}-daily.db").write_bytes(b"")
    (folder / "someone-else.db").write_bytes(b"")
    deleted = backups.rotate(db.path, (7, 4, 12), now=dt.datetime(2026, 11, 21, 9))
    assert 40 < len(deleted) < 60
    assert (folder / "someone-else.db").exists()  # never touches files it did not write


def test_migration_takes_a_backup_first(tmp_path):
    from core.migrations import foundation

    path = tmp_path / "old.db"
    old = Database(path)
    foundation.migrations.apply(old)
    old.conn.commit()
    old.close()
    db = open_db(path)
    db.close()
    infos = backups.list_backups(path)
    assert [i.reason for i in infos] == ["migration"]


def test_restore_good_file(office_db, tmp_path):
    good = tmp_path / "good.db"
    backups.copy_to(office_db, good)
    any_member = office_db.execute("SELECT id FROM member LIMIT 1").fetchone()[0]
    members.update(office_db, any_member, member={"note": "恢复后应消失"})
    path = office_db.path
    result = backups.restore(path, good, current=office_db)
    assert result.counts["member"] == OFFICE_MEMBERS
    for suffix in ("-wal", "-shm"):
        assert not Path(str(path) + suffix).exists()
    db = open_db(path)
    try:
        assert db.execute("SELECT note FROM member WHERE id = ?", [any_member]).fetchone()[0] is None
        backups.log_restore(db, result)
        assert audit.entries(db, action="restore")[0].new["from"] == str(good)
    finally:
        db.close()
    # The replaced data is kept in the backups folder.
    safety = sqlite3.connect(result.safety_copy)
    assert safety.execute("SELECT note FROM member WHERE id = ?", [any_member]).fetchone()[0] == "恢复后应消失"
    safety.close()


def _bad_files(tmp_path: Path, good: Path) -> dict[str, Path]:
    files = {}
    files["garbage"] = tmp_path / "garbage.db"
    files["garbage"].write_bytes(b"PK\x03\x04 not a database at all" * 100)
    data = good.read_bytes()
    files["truncated"] = tmp_path / "truncated.db"
    files["truncated"].write_bytes(data[: len(data) // 3])
    corrupt = bytearray(data)
    for offset in range(4096 * 3, min(len(corrupt), 4096 * 12), 97):
        corrupt[offset] ^= 0xFF
    files["corrupt"] = tmp_path / "corrupt.db"
    files["corrupt"].write_bytes(bytes(corrupt))
    files["foreign"] = tmp_path / "foreign.db"
    conn = sqlite3.connect(files["foreign"])
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    files["newer"] = tmp_path / "newer.db"
    files["newer"].write_bytes(data)
    conn = sqlite3.connect(files["newer"])
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('future', 'm001_x', 'x')")
    conn.commit()
    conn.close()
    files["missing"] = tmp_path / "missing.db"
    files["empty"] = tmp_path / "empty.db"
    files["empty"].write_bytes(b"")
    return files


def test_restore_refuses_bad_files_and_changes_nothing(office_db, tmp_path):
    good = tmp_path / "good.db"
    backups.copy_to(office_db, good)
    office_db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _digest(office_db.path)
    for kind, bad in _bad_files(tmp_path, good).items():
        with pytest.raises(UserError) as info:
            backups.restore(office_db.path, bad, current=None)
        message = str(info.value)
        assert any(word in message for word in ("拒绝", "损坏", "找不到", "更新版本")), (kind, message)
        assert _digest(office_db.path) == before, kind
        assert not (office_db.path.parent / (office_db.path.name + ".restoring")).exists()
    assert office_db.execute("SELECT count(*) FROM member").fetchone()[0] == OFFICE_MEMBERS
    assert backups.list_backups(office_db.path) == []  # nothing was even copied aside


def test_cli_restore_and_backup(tmp_path, capsys, office_template):
    path = tmp_path / "live.db"
    path.write_bytes(office_template.read_bytes())
    out = tmp_path / "usb" / "copy.db"
    assert main.main(["backup", "--db", str(path), "--out", str(out)]) == 0
    assert main.main(["restore", str(out), "--db", str(path)]) == 0
    assert "已从" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a db")
    assert main.main(["restore", str(bad), "--db", str(path)]) == 1
    assert "拒绝" in capsys.readouterr().err
    assert main.main(["check", "--db", str(path)]) == 0


def test_restore_refused_while_another_program_writes(office_db, tmp_path):
    good = tmp_path / "good.db"
    backups.copy_to(office_db, good)
    other = sqlite3.connect(office_db.path, timeout=0.1)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(UserError, match="其他"):
            backups.restore(office_db.path, good)
    finally:
        other.rollback()
        other.close()
    assert office_db.execute("SELECT count(*) FROM member").fetchone()[0] == OFFICE_MEMBERS


def test_check_and_open_after_a_crash_left_a_hot_journal(office_template, tmp_path):
    """A process killed mid-write in rollback mode leaves a hot journal; read-only looks must not call it damaged."""
    import subprocess
    import sys

    path = tmp_path / "crashed.db"
    path.write_bytes(office_template.read_bytes())
    script = (
        "import os, sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "conn.execute('PRAGMA journal_mode = DELETE')\n"
        "conn.execute('PRAGMA cache_size = 1')\n"
        "conn.execute('BEGIN')\n"
        "conn.execute(\"UPDATE person SET note = 'half-written'\")\n"
        "os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)])
    assert Path(str(path) + "-journal").exists()
    assert main.main(["check", "--db", str(path)]) == 0
    db = open_db(path)
    try:
        assert db.execute("SELECT count(*) FROM person WHERE note = 'half-written'").fetchone()[0] == 0
    finally:
        db.close()
