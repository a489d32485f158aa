"""The demo office and the headless commands: demo, check, backup, screenshots; kill safety of demo."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import idcard
from core.check import check_file
from core.demo import build_demo
from core.errors import UserError

ROOT = Path(__file__).resolve().parent.parent


def run_main(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_demo_has_the_lingwu_shape_and_consistent_people(demo_db):
    counts = dict(demo_db.execute("SELECT kind, count(*) FROM org_unit GROUP BY kind").fetchall())
    assert counts["street"] == 1 and counts["community"] == 14 and counts["branch"] == 15
    assert demo_db.execute("SELECT count(*) FROM grid").fetchone()[0] == 112
    assert demo_db.execute("SELECT count(*) FROM member").fetchone()[0] == 300
    for number, birth, gender in demo_db.execute("SELECT id_number, birth_date, gender FROM person"):
        info = idcard.parse(number)
        assert info.birth_date.isoformat() == birth and info.gender == gender
    # every grid has a worker and every member in a community branch with a grid lives in that community
    assert demo_db.execute("SELECT count(*) FROM grid WHERE worker_person_id IS NULL").fetchone()[0] == 0
    wrong = demo_db.execute(
        """SELECT count(*) FROM member m JOIN grid g ON g.id = m.grid_id JOIN org_unit b ON b.id = m.branch_id
           WHERE g.community_id != b.parent_id"""
    ).fetchone()[0]
    assert wrong == 0
    probationary = demo_db.execute("SELECT count(*) FROM member WHERE category = '预备党员' AND full_date IS NULL").fetchone()[0]
    assert probationary > 0


def test_demo_refuses_a_database_that_has_data(demo_db):
    with pytest.raises(UserError, match="已经有组织数据"):
        build_demo(demo_db, members=10)


def test_cli_demo_then_check_exit_zero(tmp_path):
    path = tmp_path / "d.db"
    result = run_main("demo", "--db", str(path), "--members", "120")
    assert result.returncode == 0, result.stderr
    result = run_main("check", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert "检查通过" in result.stdout
    again = run_main("demo", "--db", str(path))
    assert again.returncode == 1 and "已存在" in again.stderr


def test_check_reports_faults_and_exits_one(tmp_path):
    path = tmp_path / "d.db"
    assert run_main("demo", "--db", str(path), "--members", "20").returncode == 0
    conn = sqlite3.connect(path)
    conn.execute("UPDATE person SET id_number = '110101198001010011' WHERE id = (SELECT min(id) FROM person)")
    conn.commit()
    conn.close()
    result = run_main("check", "--db", str(path))
    assert result.returncode == 1
    assert "校验位" in result.stderr


def test_check_of_a_missing_or_garbage_file_fails_cleanly(tmp_path):
    result = run_main("check", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 1 and "不存在" in result.stderr
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    assert not check_file(garbage).ok


def test_backup_of_a_live_database_is_complete(tmp_path, demo_template):
    live = tmp_path / "live.db"
    live.write_bytes(demo_template.read_bytes())
    writer = sqlite3.connect(live)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("UPDATE person SET note = '未提交的修改'")  # an open write transaction during the backup
    out = tmp_path / "copy.db"
    result = run_main("backup", "--db", str(live), "--out", str(out))
    writer.rollback()
    writer.close()
    assert result.returncode == 0, result.stderr
    assert check_file(out).ok
    conn = sqlite3.connect(out)
    assert conn.execute("SELECT count(*) FROM member").fetchone()[0] == 300
    assert conn.execute("SELECT count(*) FROM person WHERE note = '未提交的修改'").fetchone()[0] == 0
    conn.close()


def test_killing_demo_midway_leaves_a_file_that_passes_check(tmp_path):
    """SIGKILL the demo at several moments; the file is either empty of data or whole, and always sound."""
    outcomes = []
    for delay in (0.6, 1.2, 2.0):
        path = tmp_path / f"killed-{delay}.db"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        proc = subprocess.Popen([sys.executable, "main.py", "demo", "--db", str(path), "--members", "20000"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not path.exists():
            outcomes.append("absent")
            continue
        report = check_file(path)
        assert report.ok, report.faults
        conn = sqlite3.connect(path)
        members = conn.execute("SELECT count(*) FROM member").fetchone()[0] if conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name='member'").fetchone() else 0
        conn.close()
        assert members in (0, 20000)
        outcomes.append(members)
    assert outcomes  # three kills survived


def test_check_accepts_a_new_file_whose_first_setup_was_interrupted(tmp_path):
    path = tmp_path / "new.db"
    sqlite3.connect(path).close()  # what a kill during the first (single-transaction) migration leaves
    report = check_file(path)
    assert report.ok and "升级" in report.notes[-1]


def test_cli_import_modes_match_the_importer():
    import main
    from core.excel_import import MODES

    assert main.IMPORT_MODES == MODES


def test_version_names_the_program_and_its_version():
    import main

    result = run_main("--version", timeout=60)
    assert result.returncode == 0
    assert result.stdout.strip() == f"社区党建工作台 {main.__version__}"


def test_screenshots_neither_read_nor_change_this_pcs_remembered_sizes(tmp_path, demo_template):
    # A dialog size remembered on this PC would change the pictures; the run must not write one either.
    config = tmp_path / "config"
    remembered = config / "DangjianDesk" / "社区党建工作台.ini"
    remembered.parent.mkdir(parents=True)
    remembered.write_text('[dialogs]\nmember="{\\"size\\": [1200, 300], \\"splitters\\": []}"\n', encoding="utf-8")
    before = remembered.read_bytes()
    db_path = tmp_path / "demo.db"
    shutil.copy(demo_template, db_path)
    done = subprocess.run([sys.executable, "main.py", "screenshots", "--db", str(db_path), "--font", "normal", "--out",
                           str(tmp_path / "shots")], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "XDG_CONFIG_HOME": str(config), "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    assert remembered.read_bytes() == before and [p.name for p in config.rglob("*") if p.is_file()] == [remembered.name]
    assert (tmp_path / "shots" / "member-form.png").stat().st_size > 10_000
