"""Benchmark: 100k-row roster import against calamine read + sqlite3 executemany, and export against bare write_only."""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402
from python_calamine import load_workbook  # noqa: E402

from core.clock import add_years  # noqa: E402
from tests.excel_helpers import HEADER, member_row, unique_id  # noqa: E402


def make_file(path: Path, n: int) -> None:
    import random

    from core.demo import names

    rng = random.Random(1)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名册")
    sheet.append(["党员花名册"])
    sheet.append(HEADER)
    for i in range(1, n + 1):
        number, birth, gender = unique_id(i)
        given = names.GIVEN_MALE if gender == "男" else names.GIVEN_FEMALE
        name = rng.choice(names.SURNAMES) + rng.choice(given) + (rng.choice(given) if rng.random() < 0.7 else "")
        row = member_row(i, 名字=name, 所在支部=f"第{i % 20}党支部", 网格=f"第{i % 8}网格", 社区=f"社区{i % 10}",
                         身份证号码=number, 出生日期=birth, 性别=gender, 入党日期=add_years(birth, 25),
                         转正时间=add_years(birth, 26), 联系电话=f"139{i:08d}")
        sheet.append(row)
    workbook.save(path)


def baseline(path: Path, db_path: Path) -> float:
    start = time.perf_counter()
    rows = load_workbook(str(path)).get_sheet_by_index(0).to_python()[2:]
    conn = sqlite3.connect(db_path)
    conn.execute(f"CREATE TABLE t ({', '.join(f'c{i}' for i in range(len(HEADER)))})")
    with conn:
        conn.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(HEADER))})",
                         [[str(v) if v is not None else None for v in r] for r in rows])
    conn.close()
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    from core.db import open_db
    from core.excel_import import import_file

    tmp = Path(tempfile.mkdtemp())
    path = Path(tempfile.gettempdir()) / f"bench_roster_{n}.xlsx"
    t = time.perf_counter()
    if not path.exists():
        make_file(path, n)
    print(f"file with {n} rows written in {time.perf_counter() - t:.1f}s")
    base = baseline(path, tmp / "base.db")
    print(f"baseline calamine + executemany: {base:.2f}s")
    db = open_db(tmp / "import.db")
    t = time.perf_counter()
    result = import_file(db, "roster", path)
    took = time.perf_counter() - t
    print(f"import: {took:.2f}s ({took / base:.2f}x) -> {result.summary()}")
    if len(sys.argv) > 2:
        from core.excel_export import bench_export

        bench_export(db, tmp)


if __name__ == "__main__":
    main()
