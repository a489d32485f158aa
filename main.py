"""Entry point: no sub-command opens the window; sub-commands run headless (see README)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__version__ = "0.1.0"


def _print_progress(done: int, total: int) -> None:
    print(f"\r  {done}/{total}", end="", file=sys.stderr, flush=True)
    if done >= total:
        print(file=sys.stderr)


def cmd_demo(args: argparse.Namespace) -> int:
    from core.db import open_db
    from core.demo import build_demo

    path = Path(args.db)
    if path.exists() and path.stat().st_size > 0:
        if not args.replace:
            print(f"文件 {path} 已存在。演示数据只生成到新文件：请换一个路径，或加 --replace 覆盖它。", file=sys.stderr)
            return 1
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    db = open_db(path)
    try:
        print(f"正在生成演示数据（{args.members} 名党员）…", file=sys.stderr)
        build_demo(db, members=args.members, seed=args.seed, progress=_print_progress if args.members >= 5000 else None)
    finally:
        db.close()
    print(f"演示数据库已生成：{path}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from core.check import check_file

    report = check_file(Path(args.db))
    for note in report.notes:
        print(note)
    if report.ok:
        print("检查通过，没有发现问题。")
        return 0
    print(f"发现 {len(report.faults)} 个问题：", file=sys.stderr)
    for fault in report.faults:
        print(f"  - {fault}", file=sys.stderr)
    return 1


def cmd_backup(args: argparse.Namespace) -> int:
    from core.db import backup_to, open_db

    source = Path(args.db)
    out = Path(args.out)
    if out.exists() and out.resolve() == source.resolve():
        print("备份文件不能与数据库是同一个文件，请换一个 --out 路径。", file=sys.stderr)
        return 1
    db = open_db(source, create=False)
    try:
        backup_to(db, out)
    finally:
        db.close()
    print(f"已备份到 {out}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Any kind the Excel import engine knows (core/excel_import.py KIND_MODULES): all or nothing."""
    from core import excel_import
    from core.db import open_db

    path = Path(args.file)
    if not path.is_file():
        print(f"找不到文件 {path}。请检查路径。", file=sys.stderr)
        return 1
    kind = excel_import.get_kind(args.kind)
    db = open_db(Path(args.db), create=False)
    try:
        result = excel_import.import_file(db, kind.name, path, mode=args.mode, skip_bad=args.skip_bad)
    finally:
        db.close()
    lines = excel_import.iter_problem_lines(result.preview, limit=30)
    for line in lines:
        print(f"  {line}", file=sys.stderr)
    print(result.summary(), file=sys.stderr if not result.imported else sys.stdout)
    return 0 if result.imported and not result.bad else 1


# export KIND: "module:function" called as fn(db, out, year=..., unmasked=...) -> number of rows written.
EXPORT_KINDS: dict[str, tuple[str, str]] = {
    "visits": ("core.visits_export:export_visits", "走访记录"),
    "problems": ("core.visits_export:export_problems", "问题"),
}


def cmd_export(args: argparse.Namespace) -> int:
    import importlib

    from core.db import open_db

    if args.kind not in EXPORT_KINDS:
        print(f"不认识的导出类型“{args.kind}”。可用：{'、'.join(EXPORT_KINDS)}。", file=sys.stderr)
        return 2
    target, noun = EXPORT_KINDS[args.kind]
    module_name, function_name = target.split(":")
    export = getattr(importlib.import_module(module_name), function_name)
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print("导出文件名应以 .xlsx 结尾。", file=sys.stderr)
        return 2
    db = open_db(Path(args.db), create=False)
    try:
        count = export(db, out, year=args.year, unmasked=args.unmasked)
    finally:
        db.close()
    print(f"已导出 {count} 条{noun}到 {out}")
    return 0


def cmd_screenshots(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from core.db import open_db
    from gui.app import ensure_app
    from gui.screenshots import render_all

    ensure_app()
    db = open_db(Path(args.db), create=False)
    try:
        written = render_all(db, Path(args.out))
    finally:
        db.close()
    for path in written:
        print(path)
    return 0


def run_gui(db_path: str | None) -> int:
    from core.db import open_db
    from gui.app import ensure_app
    from gui.main_window import MainWindow

    from core.db import default_db_path
    from core.errors import UserError

    app = ensure_app(sys.argv[:1])
    path = Path(db_path) if db_path else default_db_path()
    if not path.exists() or path.stat().st_size == 0:
        from gui.first_run import FirstRunWizard

        wizard = FirstRunWizard(path)
        if wizard.exec() != FirstRunWizard.DialogCode.Accepted or wizard.db is None:
            return 0
        db = wizard.db
    else:
        try:
            db = open_db(path)
        except UserError as exc:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(None, "无法打开数据库", str(exc))
            return 1
    window = MainWindow(db)
    window.show()
    if os.environ.get("DANGJIAN_QUIT_AFTER_SHOW"):  # benchmarks: time process start to first paint
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, app.quit)
    return app.exec()


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件路径（默认：用户数据文件夹）")
    parser = argparse.ArgumentParser(prog="main.py", description="社区党建工作台", parents=[common])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    demo = sub.add_parser("demo", parents=[common], help="生成演示数据库")
    demo.add_argument("--members", type=int, default=870, help="党员人数（默认 870）")
    demo.add_argument("--seed", type=int, default=20181030, help="随机种子")
    demo.add_argument("--replace", action="store_true", help="覆盖已存在的文件")
    demo.set_defaults(func=cmd_demo, needs_db=True)

    check = sub.add_parser("check", parents=[common], help="检查数据库完整性和数据规则")
    check.set_defaults(func=cmd_check, needs_db=True)

    backup = sub.add_parser("backup", parents=[common], help="备份数据库（运行中也可以）")
    backup.add_argument("--out", required=True, help="备份文件路径")
    backup.set_defaults(func=cmd_backup, needs_db=True)

    imp = sub.add_parser("import", parents=[common], help="从 Excel 导入（全部成功才写入）")
    imp.add_argument("kind", metavar="KIND", help="导入类型，如 roster | households")
    imp.add_argument("file", metavar="FILE", help="Excel 文件（.xlsx / .xls）")
    imp.add_argument("--skip-bad", action="store_true", help="只导入没有错误的行（默认有错误就一行也不导入）")
    imp.add_argument("--mode", choices=("skip", "update", "fill"), default="skip",
                     help="库中已有的记录：skip 跳过（默认）、update 用文件更新、fill 只补空白")
    imp.set_defaults(func=cmd_import, needs_db=True)

    export = sub.add_parser("export", parents=[common], help="导出 Excel（" + "、".join(EXPORT_KINDS) + "）")
    export.add_argument("kind", metavar="KIND", help="导出类型：" + " | ".join(EXPORT_KINDS))
    export.add_argument("out", metavar="OUT.xlsx", help="输出文件")
    export.add_argument("--year", type=int, default=None, help="只导出某一年（默认全部）")
    export.add_argument("--unmasked", action="store_true", help="导出完整的电话号码和身份证号（默认打码）")
    export.set_defaults(func=cmd_export, needs_db=True)

    shots = sub.add_parser("screenshots", parents=[common], help="把每个界面截图保存为 PNG")
    shots.add_argument("--out", required=True, help="输出文件夹")
    shots.set_defaults(func=cmd_screenshots, needs_db=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        return run_gui(getattr(args, "db", None))
    if getattr(args, "needs_db", False) and not getattr(args, "db", None):
        from core.db import default_db_path

        args.db = str(default_db_path())
    from core.errors import UserError

    try:
        return args.func(args)
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
