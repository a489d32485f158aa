"""The benchmarked operations: each returns a Result with our time, the baseline's and the target."""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, Result, median_time

BARE_WINDOW = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.resize(1280, 800); w.show()
def shown():
    print(f"shown-at {time.time():.6f}", flush=True)
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


def _time_to_window(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from launching the process to its first turn of the event loop with the window shown."""
    start = time.time()
    done = subprocess.run(argv, check=True, cwd=ROOT, env=env, capture_output=True, text=True)
    shown = [line for line in done.stdout.splitlines() if line.startswith("shown-at ")]
    return float(shown[-1].split()[1]) - start


def cold_start(db_path: Path, work: Path, runs: int) -> Result:
    """Process start to the main window on screen. Both processes may write bytecode caches, as an
    installed program has them; one warm-up launch each fills the caches and the disk cache."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(QT_QPA_PLATFORM="offscreen", DANGJIAN_QUIT_AFTER_SHOW="1")
    ours_argv = [sys.executable, "main.py", "--db", str(db_path)]
    bare_argv = [sys.executable, "-c", BARE_WINDOW]
    _time_to_window(ours_argv, env)
    _time_to_window(bare_argv, env)
    ours = statistics.median(_time_to_window(ours_argv, env) for _ in range(runs))
    base = statistics.median(_time_to_window(bare_argv, env) for _ in range(runs))
    return Result("cold start to main window", ours, base, "≤ 2×", ours <= 2 * base)


def backup(db_path: Path, work: Path, runs: int) -> Result:
    from core.db import backup_to, open_db

    db = open_db(db_path)
    target = work / "backup-ours.db"
    ours = median_time(lambda: backup_to(db, target), runs)
    db.close()

    def bare() -> None:
        src = sqlite3.connect(db_path)
        dest = sqlite3.connect(work / "backup-bare.db")
        src.backup(dest)
        dest.close()
        src.close()

    base = median_time(bare, runs)
    return Result("backup of the database", ours, base, "≤ 1.5×", ours <= 1.5 * base)


OPERATIONS = [
    ("cold start", cold_start),
    ("backup", backup),
]


SEARCH_QUERIES = ["王", "李", "张伟", "刘", "陈静", "马", "zs", "wl", "lj", "zhangwei", "liming", "wangfang",
                  "640181", "1985", "0019", "138", "1591", "5678", "杨", "hx"]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def search(db_path: Path, work: Path, runs: int) -> Result:
    from core import members
    from core.db import open_db

    db = open_db(db_path)
    ours = [median_time(lambda q=q: members.query_members(db, members.MemberQuery(text=q), limit=50), runs)
            for q in SEARCH_QUERIES]
    rows = db.execute("SELECT p.name, p.name_pinyin, p.name_initials, p.id_number, p.phone FROM member m "
                      "JOIN person p ON p.id = m.person_id").fetchall()
    db.close()
    bare = sqlite3.connect(work / "search-bare.db")
    bare.execute("DROP TABLE IF EXISTS copy")
    bare.execute("CREATE TABLE copy (name TEXT, pinyin TEXT, initials TEXT, id_number TEXT, phone TEXT)")
    bare.executemany("INSERT INTO copy VALUES (?,?,?,?,?)", rows)
    bare.commit()
    sql = ("SELECT * FROM copy WHERE name LIKE ?1 OR pinyin LIKE ?1 OR initials LIKE ?1 OR id_number LIKE ?1 "
           "OR phone LIKE ?1 LIMIT 50")
    base = [median_time(lambda q=q: bare.execute(sql, [f"%{q}%"]).fetchall(), runs) for q in SEARCH_QUERIES]
    bare.close()
    ours_p95, base_p95 = _p95(ours), _p95(base)
    return Result("search, 20 queries, first page (p95)", ours_p95, base_p95, "p95 ≤ 3× and < 50 ms",
                  ours_p95 <= 3 * base_p95 and ours_p95 < 0.050, f"p50 {sorted(ours)[len(ours) // 2] * 1000:.0f} ms")


FIRST_PAINT = r"""
import os, resource, sys, time
sys.path.insert(0, os.getcwd())
from PySide6.QtWidgets import QApplication, QTableView
from PySide6.QtGui import QStandardItemModel
app = QApplication(sys.argv[:1])
mode, path = sys.argv[1], sys.argv[2]
if mode == "ours":
    from core.db import open_db
    from gui.app import AppSignals
    from gui.roster_screen import RosterScreen
    db = open_db(path)
    signals = AppSignals()
start = time.perf_counter()
if mode == "ours":
    widget = RosterScreen(db, signals)
else:
    widget = QTableView()
    widget.setModel(QStandardItemModel(0, 12))
widget.resize(1280, 800)
widget.show()
widget.repaint()
app.processEvents()
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def roster_first_paint(db_path: Path, work: Path, runs: int) -> Result:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}

    def measure(mode: str) -> tuple[float, float]:
        out = subprocess.run([sys.executable, "-c", FIRST_PAINT, mode, str(db_path)], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        return float(out[0]), float(out[1])

    ours = sorted(measure("ours") for _ in range(runs))[runs // 2]
    base = sorted(measure("bare") for _ in range(runs))[runs // 2]
    met = ours[0] - base[0] <= 0.300 and ours[1] <= 350
    return Result("open the roster screen to first paint", ours[0], base[0], "≤ baseline + 300 ms; RSS ≤ 350 MB",
                  met, f"RSS {ours[1]:.0f} MB")


OPERATIONS += [
    ("search", search),
    ("roster screen", roster_first_paint),
]


def _fresh_db_path(work: Path, name: str) -> Path:
    path = work / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def roster_import(db_path: Path, work: Path, runs: int) -> Result:
    """The whole roster exported unmasked, then imported into an empty database (tree built from the file)."""
    from python_calamine import load_workbook

    from core.db import open_db
    from core.excel_export import export_roster
    from core.excel_import import import_file

    source = open_db(db_path)
    sheet_path = work / "roster-export.xlsx"
    export_roster(source, sheet_path, masked=False)
    source.close()
    ours_times, created = [], 0
    for _ in range(runs):
        db = open_db(_fresh_db_path(work, "import-ours.db"))
        start = time.perf_counter()
        result = import_file(db, "roster", sheet_path, skip_bad=True)
        ours_times.append(time.perf_counter() - start)
        created = result.created
        db.close()

    def bare() -> None:
        rows = load_workbook(str(sheet_path)).get_sheet_by_index(0).to_python()[3:]
        conn = sqlite3.connect(_fresh_db_path(work, "import-bare.db"))
        conn.execute(f"CREATE TABLE t ({', '.join(f'c{i} TEXT' for i in range(len(rows[0])))})")
        with conn:
            conn.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(rows[0]))})",
                             [[None if v == "" else str(v) for v in r] for r in rows])
        conn.close()

    base = median_time(bare, runs)
    ours = sorted(ours_times)[len(ours_times) // 2]
    return Result("roster import from Excel (all members)", ours, base, "≤ 3× (calamine read + executemany)",
                  ours <= 3 * base, f"{created} members")


def roster_export(db_path: Path, work: Path, runs: int) -> Result:
    """The formatted 党员花名册 against openpyxl write_only of the same values."""
    import datetime as dt

    from openpyxl import Workbook

    from core.db import open_db
    from core.excel_export import export_roster, roster_rows

    db = open_db(db_path)
    ours = median_time(lambda: export_roster(db, work / "export-ours.xlsx", masked=False), runs)

    def bare() -> None:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("x")
        for raw in roster_rows(db):
            values = list(raw)
            for i in (3, 7, 8):  # birth, join and full dates, as dates
                values[i] = dt.date.fromisoformat(values[i]) if values[i] else None
            sheet.append(values)
        workbook.save(work / "export-bare.xlsx")

    base = median_time(bare, runs)
    db.close()
    return Result("roster export to Excel (formatted)", ours, base, "≤ 1.3× (openpyxl write_only)", ours <= 1.3 * base)


OPERATIONS += [
    ("roster import", roster_import),
    ("roster export", roster_export),
]


def compliance_grid(db_path: Path, work: Path, runs: int) -> Result:
    import datetime as dt

    from core import meetings
    from core.db import open_db

    db = open_db(db_path)
    year = str(dt.date.today().year)
    ours = median_time(lambda: meetings.compliance_grid(db, year), runs)
    db.close()
    return Result("compliance grid, all branches, a year", ours, None, "≤ 200 ms", ours <= 0.200)


def letter_pages(db_path: Path, work: Path, runs: int) -> Result:
    """About 1,000 letter pages: the street's letters rendered repeatedly into one file, vs bare canvas text."""
    import datetime as dt

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from core import settings
    from core.db import open_db
    from reports import fonts
    from reports.letter_pdf import load_contents, render

    db = open_db(db_path)
    year = dt.date.today().year
    contents = load_contents(db, year)
    office = settings.get(db, "office_name")
    db.close()
    if not contents:
        return Result("1,000 accountability-letter pages", None, None, "≤ 1.5×", False, "no letters in the database")
    probe = render(contents, work / "letters-probe.pdf", office)
    text = subprocess.run(["pdftotext", "-layout", str(probe), "-"], capture_output=True, text=True, check=True).stdout
    pages = [page.splitlines() for page in text.split("\f") if page.strip()]
    repeat = max(1, round(1000 / len(pages)))
    ours = median_time(lambda: render(contents * repeat, work / "letters-ours.pdf", office), runs)

    def bare() -> None:
        c = canvas.Canvas(str(work / "letters-bare.pdf"), pagesize=A4)
        name = fonts.font_name()
        for _ in range(repeat):
            for lines in pages:
                c.setFont(name, 10.5)
                y = 800
                for line in lines:
                    c.drawString(60, y, line.strip())
                    y -= 14
                c.showPage()
        c.save()

    base = median_time(bare, runs)
    return Result(f"{repeat * len(pages):,} accountability-letter pages", ours, base, "≤ 1.5×", ours <= 1.5 * base)


def monthly_report(db_path: Path, work: Path, runs: int) -> Result:
    import datetime as dt

    from core.db import open_db
    from reports.monthly_report_pdf import write_report

    db = open_db(db_path)
    month = f"{dt.date.today():%Y-%m}"
    ours = median_time(lambda: write_report(db, month, work / "monthly.pdf"), runs)
    db.close()
    return Result("monthly report PDF (street, all communities, charts)", ours, None, "≤ 3 s", ours <= 3.0)


OPERATIONS += [
    ("compliance", compliance_grid),
    ("letters", letter_pages),
    ("monthly report", monthly_report),
]
