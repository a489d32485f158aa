"""Roster timings on a large demo: search (p50/p95 of 20 mixed queries), first paint, scrolling, sorting, memory.

    python main.py demo --db /tmp/r100k.db --members 100000
    QT_QPA_PLATFORM=offscreen python scripts/bench_roster.py /tmp/r100k.db
"""

from __future__ import annotations

import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core import members  # noqa: E402
from core.db import open_db  # noqa: E402
from core.members import MemberQuery  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(label: str, values: list[float]) -> str:
    return f"{label}: p50 {percentile(values, .5):.1f} ms, p95 {percentile(values, .95):.1f} ms, max {max(values):.1f} ms"


def mixed_queries(db) -> list[str]:
    """Names (one or two characters), full pinyin, initials, ID-number and phone fragments."""
    sample = members.query_members(db, limit=10, offset=min(5000, members.count_members(db) // 2))
    return ["王", "张伟", "李", "zs", "wang", "lxm", "zhangwei", "chen", "liu", "mjh",
            sample[0].id_number[-6:], sample[1].id_number[6:12], sample[2].phone[-4:], sample[3].phone[3:8],
            "1985", "640181", sample[4].name, sample[5].name[:1], "xiao", "8"]


def main(path: str) -> None:
    db = open_db(path, create=False)
    queries = mixed_queries(db)
    core_ms = []
    for text in queries:
        started = time.perf_counter()
        ids = members.member_ids(db, MemberQuery(text=text), "branch")
        members.get_many(db, ids[:200])
        core_ms.append((time.perf_counter() - started) * 1000)
        print(f"  {text!r:22} {len(ids):6d} matches {core_ms[-1]:7.1f} ms")
    print(summary("core search (all matching ids + first page)", core_ms))

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from gui.app import AppSignals, ensure_app
    from gui.roster_screen import COLUMN_KEYS, RosterScreen

    ensure_app()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    screen = RosterScreen(db, AppSignals())
    screen.resize(1280, 760)
    screen.show()
    QApplication.processEvents()
    print(f"first paint: {(time.perf_counter() - started) * 1000:.0f} ms for {screen.model.rowCount()} rows")
    gui_ms = []
    for text in queries:
        started = time.perf_counter()
        screen.search(text)
        screen.repaint()
        QApplication.processEvents()
        gui_ms.append((time.perf_counter() - started) * 1000)
    print(summary("search in the screen, repaint included", gui_ms))
    screen.search("")
    bar = screen.table.verticalScrollBar()
    rng = random.Random(3)
    steps = []
    for i in range(200):
        started = time.perf_counter()
        bar.setValue(bar.value() + 25 if i < 150 else rng.randrange(bar.maximum()))
        screen.table.viewport().repaint()
        steps.append((time.perf_counter() - started) * 1000)
    print(summary("scroll step (150 x 25 rows, 50 random jumps)", steps))
    for key in ("name", "age", "join_date", "branch"):
        started = time.perf_counter()
        screen.table.sortByColumn(COLUMN_KEYS.index(key), Qt.SortOrder.AscendingOrder)
        QApplication.processEvents()
        print(f"sort by {key}: {(time.perf_counter() - started) * 1000:.0f} ms")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {after:.0f} MB ({after - before:.0f} MB for the screen)")
    db.close()


if __name__ == "__main__":
    main(sys.argv[1])
