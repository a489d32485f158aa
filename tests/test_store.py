"""The store: pragmas, migrations with a backup first, refusing newer files, the audit log."""

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from core import audit, orgs
from core.db import open_db, schema_state
from core.errors import NotFoundError, SchemaTooNewError, UserError

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_new_database_has_wal_foreign_keys_and_full_schema(tmp_path):
    db = open_db(tmp_path / "new.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    state = schema_state(db.conn)
    assert not state.pending and not state.unknown
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(state.applied)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO grid (community_id, name, created_at) VALUES (999, 'x', 'now')")
    db.close()
    assert not list((tmp_path / "backups").glob("*")) if (tmp_path / "backups").exists() else True


def test_older_file_is_backed_up_then_migrated(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema_v1.db", path)
    before = dump(path)
    db = open_db(path)
    state = schema_state(db.conn)
    assert not state.pending
    assert "foundation:m002_lookup_indexes" in state.applied
    # the old data is still there
    assert orgs.get_unit(db, 3).name == "旧版社区党支部"
    assert db.execute("SELECT name FROM person WHERE id = 1").fetchone()[0] == "测试甲"
    db.close()
    # named like every automatic backup (core.backups), so the backups screen lists it as 升级前
    copies = list((tmp_path / "backups").glob("old-*-migration.db"))
    assert len(copies) == 1
    assert dump(copies[0]) == before  # the copy holds the file as it was before migrating


def test_newer_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "future.db"
    shutil.copy(FIXTURES / "schema_future.db", path)
    before = digest(path)
    with pytest.raises(SchemaTooNewError) as info:
        open_db(path)
    assert "更新版本" in str(info.value)
    assert digest(path) == before
    assert not (tmp_path / "future.db-wal").exists()


def test_a_file_that_is_not_a_database_is_refused_with_a_message(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("这不是数据库" * 200, encoding="utf-8")
    with pytest.raises(UserError) as info:
        open_db(path)
    assert "不是本程序的数据库" in str(info.value)


def test_open_without_create_refuses_missing_file(tmp_path):
    with pytest.raises(UserError):
        open_db(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_audit_log_records_insert_update_delete_with_operator(db):
    street = orgs.create_unit(db, "street", "城区街道党工委")
    community = orgs.create_unit(db, "community", "西湖社区党委", street)
    orgs.rename_unit(db, community, "西湖社区")
    orgs.delete_unit(db, community)
    entries = audit.entries(db, table="org_unit", row_id=community)
    assert [e.action for e in entries] == ["delete", "update", "insert"]
    assert all(e.operator == "测试员" for e in entries)
    delete, update, insert = entries
    assert update.old == {"name": "西湖社区党委"} and update.new == {"name": "西湖社区"}
    assert delete.old["name"] == "西湖社区" and delete.new is None
    assert insert.new["parent_id"] == street


def test_update_that_changes_nothing_leaves_no_audit_row(db):
    street = orgs.create_unit(db, "street", "街道")
    orgs.rename_unit(db, street, "街道")
    assert [e.action for e in audit.entries(db, table="org_unit", row_id=street)] == ["insert"]


def test_update_of_a_vanished_row_says_so(db):
    with pytest.raises(NotFoundError):
        audit.update(db, "org_unit", 12345, {"name": "x"})


def test_failed_multi_row_change_leaves_nothing(db):
    street = orgs.create_unit(db, "street", "街道")
    count = db.execute("SELECT count(*) FROM org_unit").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError):
        audit.insert_many(db, "org_unit", [
            {"kind": "community", "name": "甲", "parent_id": street, "sort_order": 1, "created_at": "t"},
            {"kind": "community", "name": "乙", "parent_id": 9999, "sort_order": 2, "created_at": "t"},
        ])
    assert db.execute("SELECT count(*) FROM org_unit").fetchone()[0] == count
    assert len(audit.entries(db, table="org_unit")) == 1


@pytest.mark.parametrize("ids", [[7, 8, 9], [3, 11, 5]], ids=["contiguous", "scattered"])
def test_bulk_insert_logs_every_row_with_its_values(db, ids):
    rows = [{"id": i, "name": f"张{i}号", "gender": "女" if i % 2 else "男", "birth_date": None,
             "phone": f"1380000{i:04d}", "created_at": "2026-01-02T03:04:05",
             "updated_at": "2026-01-02T03:04:05"} for i in ids]
    audit.bulk_insert(db, "person", rows)
    logged = {e.row_id: e for e in audit.entries(db, table="person") if e.action == "insert"}
    assert sorted(logged) == sorted(ids)
    for row in rows:
        entry = logged[row["id"]]
        assert entry.old is None and entry.operator == db.operator
        assert {k: entry.new[k] for k in row} == row


def _person_rows(ids):
    stamp = "2026-01-02T03:04:05"
    return [{"id": i, "name": f"测试{i}", "id_number": None, "phone": f"139{i:08d}", "created_at": stamp,
             "updated_at": stamp} for i in ids]


def test_a_large_load_into_an_empty_table_keeps_its_indexes_and_unique_rules(db):
    def index_names():
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('person', 'audit_log')")}

    before = index_names()
    n = audit.REINDEX_MIN_ROWS
    audit.bulk_insert(db, "person", _person_rows(range(1, n + 1)))
    assert index_names() == before
    assert db.execute("SELECT count(*) FROM person").fetchone()[0] == n
    plan = " ".join(str(r) for r in db.execute("EXPLAIN QUERY PLAN SELECT id FROM person WHERE phone = '13900000007'"))
    assert "idx_person_phone" in plan
    # A load that breaks a rule is refused whole, and the indexes dropped for it come back with the rollback.
    clash = _person_rows(range(n + 1, 2 * n + 3))
    clash[-1]["id"] = 1
    with pytest.raises(sqlite3.IntegrityError):
        audit.bulk_insert(db, "person", clash)
    assert index_names() == before
    assert db.execute("SELECT count(*) FROM person").fetchone()[0] == n


def test_bulk_logging_rebuilds_the_audit_indexes_once_for_several_loads(db, monkeypatch):
    monkeypatch.setattr(audit, "REINDEX_MIN_ROWS", 50)
    statements = []
    db.conn.set_trace_callback(statements.append)
    try:
        with db.atomic(), audit.bulk_logging(db, 200):
            audit.bulk_insert(db, "person", _person_rows(range(1, 101)))
            audit.bulk_insert(db, "person", _person_rows(range(101, 201)))
    finally:
        db.conn.set_trace_callback(None)
    created = [s for s in statements if s.startswith("CREATE INDEX idx_audit")]
    assert len(created) == len({s for s in created}) == 3  # each audit_log index built once, at the end
    assert db.execute("SELECT count(*) FROM audit_log WHERE table_name = 'person' AND action = 'insert'").fetchone()[0] == 200
    plan = " ".join(str(r) for r in db.execute("EXPLAIN QUERY PLAN SELECT id FROM audit_log WHERE table_name = 'person' AND row_id = 7"))
    assert "idx_audit_row" in plan
