"""Full-size hostile-file trial: every case of tests/hostile_files.py (1 GB bombs, 100,000 rows) imported
into a copy of a demo office in its own process; prints time, peak memory and whether it was handled cleanly.

    python scripts/hostile_files.py [--rows 100000] [--bomb-mb 1024]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, re, resource, sqlite3, sys, time
sys.path.insert(0, sys.argv[3])
from core import excel_import
from core.db import open_db
from core.errors import UserError
db = open_db(sys.argv[1], operator="hostile")
tables = ("person", "member", "org_unit", "grid", "import_batch")
count = lambda: {t: db.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}
before = count()
start = time.monotonic()
try:
    result = excel_import.import_file(db, "roster", sys.argv[2])
    outcome, message = ("imported" if result.imported else "refused"), result.summary()
except UserError as exc:
    outcome, message = "refused", str(exc)
except BaseException as exc:
    outcome, message = "crashed", f"{type(exc).__name__}: {exc}"
seconds = time.monotonic() - start
unchanged = count() == before
print(json.dumps({"outcome": outcome, "message": message[:160], "seconds": round(seconds, 2),
                  "unchanged": unchanged, "added": count()["member"] - before["member"],
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "chinese": bool(re.search(r"[\u4e00-\u9fff]", message))}, ensure_ascii=False))
"""


def main(argv: list[str] | None = None) -> int:
    from tests import hostile_files

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bomb-mb", type=int, default=1024)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="hostile-"))
    try:
        template = work / "office.db"
        subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--db", str(template), "--members", "300"],
                       check=True, capture_output=True, cwd=ROOT)
        cases = dict(hostile_files.CASES)
        cases[f"{args.rows:,} rows"] = (lambda p: hostile_files.many_rows(p, args.rows), ".xlsx", "either")
        clean = 0
        for n, (name, (make, suffix, expect)) in enumerate(cases.items()):
            folder = work / f"case{n:02d}"
            folder.mkdir()
            path = folder / f"名册{suffix}"
            made = time.monotonic()
            if "bomb" in name:
                make(path, megabytes=args.bomb_mb)
            else:
                make(path)
            size = path.stat().st_size if path.is_file() else 0
            db = folder / "office.db"
            shutil.copy(template, db)
            proc = subprocess.run([sys.executable, "-c", CHILD, str(db), str(path), str(ROOT)],
                                  capture_output=True, text=True, cwd=ROOT, timeout=900)
            try:
                report = json.loads(proc.stdout.strip().splitlines()[-1])
            except (IndexError, json.JSONDecodeError):
                report = {"outcome": "crashed", "message": proc.stderr[-200:], "seconds": 0, "unchanged": False,
                          "maxrss_mb": 0, "chinese": False, "added": 0}
            ok = (report["outcome"] != "crashed" and report["chinese"]
                  and (report["outcome"] == "imported" or report["unchanged"])
                  and (expect != "refuse" or report["outcome"] == "refused"))
            clean += ok
            print(f"{'OK ' if ok else 'BAD'} {name:32s} {size / 1024:9.0f} KB  {report['outcome']:8s} "
                  f"{report['seconds']:6.1f} s  {report['maxrss_mb']:5d} MB  +{report['added']}  {report['message'][:70]}"
                  f"  (made in {time.monotonic() - made:.0f} s)", flush=True)
            shutil.rmtree(folder, ignore_errors=True)
        print(f"{len(cases)} hostile inputs tried, {clean} handled cleanly.")
        return 0 if clean == len(cases) else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
