"""Crash-safety harness: SIGKILL demo, batch edit, restore and roster import at random moments,
then check that `main.py check` passes and each operation is wholly there or wholly absent.

    python scripts/kill_harness.py [--runs 60] [--members 3000] [--seed 1]
    python scripts/kill_harness.py batch-edit DB MARK      (the batch edit the harness kills)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PYTHON = sys.executable
OPERATIONS = ["demo", "batch-edit", "restore", "import"]
ROSTER_HEADER = ["序号", "姓名", "性别", "民族", "身份证号码", "学历", "入党日期", "转正时间", "党员类别",
                 "人员类型", "所在支部", "党小组", "网格", "联系电话", "家庭住址"]


@dataclass(frozen=True)
class Outcome:
    op: str
    delay: float
    killed: bool  # False: the operation finished before the kill came
    state: str  # "absent" | "present"
    ok: bool
    detail: str


def _main_py(*args: str) -> list[str]:
    return [PYTHON, str(ROOT / "main.py"), *args]


def batch_edit(db_path: Path, mark: str) -> int:
    """Change every member's note (audited, versioned) in one transaction."""
    from core import audit
    from core.clock import now_text
    from core.db import open_db

    db = open_db(db_path, operator="批量修改")
    try:
        ids = [r[0] for r in db.execute("SELECT id FROM member ORDER BY id")]
        with db.atomic():
            for member_id in ids:
                audit.update(db, "member", member_id, {"note": mark, "updated_at": now_text()},
                             expected_version=audit.version(db, [("member", member_id)]))
    finally:
        db.close()
    return len(ids)


def write_roster(path: Path, rows: int, seed: int) -> Path:
    """A realistic roster of `rows` new members for the demo office's 西湖社区党支部."""
    import datetime as dt

    from openpyxl import Workbook

    from core import idcard

    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("党员名册")
    sheet.append(["西湖社区党员花名册"])
    sheet.append(ROSTER_HEADER)
    used: set[str] = set()
    for n in range(1, rows + 1):
        gender = rng.choice("男女")
        birth = dt.date(1945 + rng.randrange(50), rng.randint(1, 12), rng.randint(1, 28))
        while True:
            number = idcard.make_fake(rng, "650102", birth, gender)
            if number not in used:
                used.add(number)
                break
        join = dt.date(birth.year + 25, 7, 1)
        sheet.append([n, f"导入{n}号", gender, "汉族", number, "大专", join, dt.date(join.year + 1, 7, 1), "正式党员",
                      "离退休", "西湖社区党支部", "第一党小组", "第一网格", f"139{n:08d}", f"西湖小区{n}号楼"])
    workbook.save(path)
    return path


def _query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _tables(path: Path) -> set[str]:
    return {r[0] for r in _query(path, "SELECT name FROM sqlite_master WHERE type='table'")}


def _check_passes(path: Path) -> tuple[bool, str]:
    result = subprocess.run(_main_py("check", "--db", str(path)), capture_output=True, text=True, cwd=ROOT)
    return result.returncode == 0, (result.stdout + result.stderr).strip()[-300:]


class Harness:
    def __init__(self, workdir: Path, members: int, rng: random.Random, import_rows: int = 0):
        self.workdir = workdir
        self.members = members
        self.rng = rng
        self.import_rows = import_rows or members
        self.import_file = workdir / "roster.xlsx"
        self.template = workdir / "template.db"
        self.backup_b = workdir / "backup-b.db"
        self.durations: dict[str, float] = {}
        self.counter = 0

    # Preparation ---------------------------------------------------------------------------------
    def prepare(self) -> None:
        subprocess.run(_main_py("demo", "--db", str(self.template), "--members", str(self.members)),
                       check=True, capture_output=True, cwd=ROOT)
        self._checkpoint(self.template)
        # Backup B: the same office renamed and with fewer members, so a restore is recognisable.
        from core import settings
        from core.db import backup_to, open_db

        db = open_db(self.template, operator="harness")
        try:
            backup_to(db, self.backup_b)
        finally:
            db.close()
        db = open_db(self.backup_b, operator="harness")
        try:
            settings.set_value(db, "office_name", "备份B")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        self._checkpoint(self.backup_b)
        write_roster(self.import_file, self.import_rows, seed=self.rng.randrange(10**6))
        for op in self.operations():
            path, command = self._setup(op)
            start = time.monotonic()
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
            self.durations[op] = time.monotonic() - start
            ok, detail = self._verify(op, path)
            if not ok:
                raise SystemExit(f"calibration run of {op} failed: {detail}")

    @staticmethod
    def _checkpoint(path: Path) -> None:
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()

    def operations(self) -> list[str]:
        return OPERATIONS

    def _fresh_copy(self) -> Path:
        self.counter += 1
        run_dir = self.workdir / f"run{self.counter:03d}"
        run_dir.mkdir()
        path = run_dir / "office.db"
        shutil.copy(self.template, path)
        return path

    def _setup(self, op: str) -> tuple[Path, list[str]]:
        if op == "demo":
            self.counter += 1
            run_dir = self.workdir / f"run{self.counter:03d}"
            run_dir.mkdir()
            path = run_dir / "office.db"
            return path, _main_py("demo", "--db", str(path), "--members", str(self.members))
        path = self._fresh_copy()
        if op == "batch-edit":
            return path, [PYTHON, str(Path(__file__).resolve()), "batch-edit", str(path), "harness-mark"]
        if op == "restore":
            return path, _main_py("restore", str(self.backup_b), "--db", str(path))
        if op == "import":
            return path, _main_py("import", "roster", str(self.import_file), "--db", str(path))
        raise ValueError(op)

    # One run -------------------------------------------------------------------------------------
    def run(self, op: str) -> Outcome:
        path, command = self._setup(op)
        # Python's start-up is the first ~0.3 s of every run: aim most kills at the work itself.
        delay = self.durations[op] * self.rng.uniform(0.25, 1.05)
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        try:
            proc.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed = True
        ok, detail = self._verify(op, path)
        state = detail.split(":", 1)[0]
        return Outcome(op, delay, killed, state, ok, detail)

    def _verify(self, op: str, path: Path) -> tuple[bool, str]:
        """(ok, "absent|present: details")."""
        if op == "demo":
            if not path.exists() or path.stat().st_size == 0 or "member" not in _tables(path):
                return True, "absent: no schema yet"
            passed, text = _check_passes(path)
            members = _query(path, "SELECT count(*) FROM member")[0][0]
            orgs = _query(path, "SELECT count(*) FROM org_unit")[0][0]
            if members == 0 and orgs == 0:
                return passed, f"absent: empty office; check {'ok' if passed else text}"
            return passed and members == self.members, f"present: {members} members; check {'ok' if passed else text}"
        passed, text = _check_passes(path)
        if op == "batch-edit":
            marked = _query(path, "SELECT count(*) FROM member WHERE note = 'harness-mark'")[0][0]
            logged = _query(path, "SELECT count(*) FROM audit_log WHERE operator = '批量修改'")[0][0]
            whole = (marked, logged) in ((0, 0), (self.members, self.members))
            state = "present" if marked else "absent"
            return passed and whole, f"{state}: {marked} marked, {logged} logged; check {'ok' if passed else text}"
        if op == "restore":
            office = _query(path, "SELECT value FROM setting WHERE key = 'office_name'")
            restored = bool(office) and "备份B" in office[0][0]
            members = _query(path, "SELECT count(*) FROM member")[0][0]
            whole = members == self.members
            return passed and whole, f"{'present' if restored else 'absent'}: office {office}; check {'ok' if passed else text}"
        if op == "import":
            added = _query(path, "SELECT count(*) FROM member")[0][0] - self.members
            batches = _query(path, "SELECT count(*) FROM import_batch")[0][0]
            state = "present" if added else "absent"
            whole = (added, batches) in ((0, 0), (self.import_rows, 1))
            return passed and whole, f"{state}: {added} new members, {batches} batches; check {'ok' if passed else text}"
        raise ValueError(op)


def run_harness(runs: int, members: int, seed: int, workdir: Path | None = None,
                import_rows: int = 0) -> list[Outcome]:
    own = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix="kill-harness-"))
    try:
        harness = Harness(workdir, members, random.Random(seed), import_rows)
        harness.prepare()
        ops = harness.operations()
        return [harness.run(ops[i % len(ops)]) for i in range(runs)]
    finally:
        if own:
            shutil.rmtree(workdir, ignore_errors=True)


def summarise(outcomes: list[Outcome]) -> str:
    lines = [f"{len(outcomes)} runs, {sum(o.ok for o in outcomes)} passed, "
             f"{sum(o.killed for o in outcomes)} killed mid-operation"]
    by_op: dict[str, Counter] = {}
    for o in outcomes:
        c = by_op.setdefault(o.op, Counter())
        c["runs"] += 1
        c["ok"] += o.ok
        c["killed"] += o.killed
        c[o.state] += 1
    for op, c in by_op.items():
        lines.append(f"  {op:10s} runs {c['runs']:3d}  ok {c['ok']:3d}  killed {c['killed']:3d}  "
                     f"wholly absent {c['absent']:3d}  wholly present {c['present']:3d}")
    for o in outcomes:
        if not o.ok:
            lines.append(f"  FAILED {o.op} at {o.delay:.2f}s: {o.detail}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "batch-edit":
        print(batch_edit(Path(argv[1]), argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--import-rows", type=int, default=0, help="rows of the roster file imported (default: --members)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    outcomes = run_harness(args.runs, args.members, args.seed, import_rows=args.import_rows)
    print(summarise(outcomes))
    print(f"  took {time.monotonic() - start:.0f} s")
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
