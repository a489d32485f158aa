"""The benchmarked operations: each returns a Result with our time, the baseline's and the target."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, Result, median_time

BARE_WINDOW = """
import os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.resize(1280, 800); w.show()
QTimer.singleShot(0, app.quit)
app.exec()
"""


def _process_time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def cold_start(db_path: Path, work: Path, runs: int) -> Result:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DANGJIAN_QUIT_AFTER_SHOW": "1"}
    ours = median_time(lambda: _process_time([sys.executable, "main.py", "--db", str(db_path)], env), runs)
    base = median_time(lambda: _process_time([sys.executable, "-c", BARE_WINDOW], env), runs)
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
