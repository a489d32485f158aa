"""`python -m bench`: build a 100k-member office, time each operation and its baseline, print a table.

Each figure is the median of at least three runs; ratios count, not absolute times (the machine is
shared and noisy). The table is also written to BENCHMARKS.md with the date and the CPU.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Result  # noqa: E402


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def build_database(path: Path, members: int) -> None:
    if path.exists():
        return
    print(f"生成 {members} 名党员的演示数据库 {path} …", file=sys.stderr)
    subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--db", str(path), "--members", str(members)],
                   check=True, cwd=ROOT)


def format_seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def render(results: list[Result], members: int) -> str:
    lines = [
        f"# Benchmarks ({members:,} members)",
        "",
        f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} on {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "Each figure is the median of at least 3 runs; the baseline is the bare library doing the same work in the same run.",
        "",
        "| operation | ours | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = f"{r.ours / r.baseline:.2f}×" if r.ours is not None and r.baseline else "—"
        met = "yes" if r.met else "**no**"
        note = f" ({r.note})" if r.note else ""
        lines.append(f"| {r.operation} | {format_seconds(r.ours)} | {format_seconds(r.baseline)} | {ratio} | {r.target} | {met}{note} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "dangjian-bench"))
    parser.add_argument("--no-write", action="store_true", help="do not rewrite BENCHMARKS.md")
    parser.add_argument("--only", nargs="*", help="run only operations whose name contains one of these")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / f"bench-{args.members}.db"
    build_database(db_path, args.members)

    from bench import operations

    results: list[Result] = []
    for name, op in operations.OPERATIONS:
        if args.only and not any(token in name for token in args.only):
            continue
        print(f"… {name}", file=sys.stderr, flush=True)
        results.append(op(db_path, work, args.runs))
    table = render(results, args.members)
    print(table)
    if not args.no_write:
        (ROOT / "BENCHMARKS.md").write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
