"""Entry point: no sub-command opens the window; sub-commands run headless (see README)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a plain start of the window never builds the command-line parser
    import argparse

# core.excel_import.MODES, spelled here so starting the window does not load the importer (a test keeps them equal)
IMPORT_MODES = ("skip", "update", "fill")

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
    from core import access

    db = open_db(source, create=False)
    try:
        access.require(db, "backup")  # a copy holds every unmasked ID number
        backup_to(db, out)
    finally:
        db.close()
    print(f"已备份到 {out}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from core import access, backups
    from core.db import open_db

    path = Path(args.db)
    if path.exists() and path.stat().st_size > 0:
        current = open_db(path, create=False)
        try:
            access.require(current, "restore")
        finally:
            current.close()
    result = backups.restore(path, Path(args.file))
    db = open_db(path, create=False)  # upgrades an older backup, taking a copy first
    try:
        backups.log_restore(db, result)
    finally:
        db.close()
    counts = "，".join(f"{dict(backups.COUNTED_TABLES)[t]} {n}" for t, n in result.counts.items())
    print(f"已从 {result.restored_from} 恢复数据库 {path}（{counts}）。")
    if result.safety_copy:
        print(f"恢复前的数据已另存为 {result.safety_copy}")
    return 0


def cmd_screenshots(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import shutil
    import tempfile

    from PySide6.QtCore import QSettings

    from core.db import open_db
    from gui.app import ensure_app
    from gui.screenshots import render_sizes
    from gui.style import FONT_SIZES

    # The same pictures on every PC: this PC's remembered window, dialog and column sizes are not read,
    # and the run leaves nothing in its settings (recent files, sizes).
    private = tempfile.mkdtemp(prefix="dangjian-screenshots-")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, private)
    ensure_app()
    sizes = list(FONT_SIZES) if args.font == "all" else [args.font]
    db = open_db(Path(args.db), create=False)
    try:
        written = render_sizes(db, Path(args.out), sizes)
    finally:
        db.close()
        shutil.rmtree(private, ignore_errors=True)
    for path in written:
        print(path)
    return 0


def cmd_letters(args: argparse.Namespace) -> int:
    from core.db import open_db
    from reports.letter_pdf import write_letters

    db = open_db(Path(args.db), create=False)
    try:
        written = write_letters(db, args.year, Path(args.out))
    except OSError as exc:
        print(f"写入 PDF 失败：{exc}。请确认输出文件夹可以写入、文件没有在其他程序中打开。", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"已生成 {len(written) - 1} 份责任书和 1 份合订本：")
    for path in written:
        print(f"  {path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from core.db import open_db
    from core.excel_import import get_kind, iter_problem_lines, read_source, run_import

    kind = get_kind(args.kind)
    if args.layout:
        if args.kind != "roster":
            print("--layout 只适用于党员名册（roster）。", file=sys.stderr)
            return 2
    db = open_db(Path(args.db))
    try:
        from core import access

        access.require(db, "import")
        if args.layout:
            from core.excel_export import get_layout, import_kind_for_layout

            kind = import_kind_for_layout(get_layout(db, args.layout))
        source = read_source(Path(args.file), kind)
        print(f"正在导入“{source.path.name}”（工作表“{source.sheet}”，表头在第 {source.header_row} 行，"
              f"{len(source.rows)} 行数据）…", file=sys.stderr)
        result = run_import(db, kind, source, mode=args.mode, skip_bad=args.skip_bad,
                            progress=_print_progress if len(source.rows) >= 5000 else None)
    finally:
        db.close()
    for unit in result.preview.new_units if result.imported and result.units_created else ():
        print(f"  新建 {unit.describe()}")
    lines = list(iter_problem_lines(result.preview))
    for line in lines[:50]:
        print(f"  {line}", file=sys.stderr)
    if len(lines) > 50:
        print(f"  ……另有 {len(lines) - 50} 条，详见错误文件。", file=sys.stderr)
    print(result.summary(), file=sys.stderr if result.bad else sys.stdout)
    if result.batch_id:
        print(f"导入批次号：{result.batch_id}（在程序的导入窗口“最近的导入”中可以撤销这次导入）")
    return 1 if result.bad else 0


def _export_roster(db, out: Path, args: argparse.Namespace) -> str:
    from core.excel_export import export_roster, get_layout

    layout = get_layout(db, args.layout)
    return export_roster(db, out, layout, masked=not args.unmasked).summary()


def _export_meetings(db, out: Path, args: argparse.Namespace) -> str:
    from core.clock import today
    from core.meetings_excel import export_ledger

    result = export_ledger(db, out, args.year or today().year)
    return f"已导出 {result.year} 年三会一课台账：{result.branches} 个支部、{result.meetings} 次会议 → {result.path}"


def _export_visits(db, out: Path, args: argparse.Namespace) -> str:
    from core.visits_export import export_visits

    return f"已导出 {export_visits(db, out, year=args.year, unmasked=args.unmasked)} 条走访记录到 {out}"


def _export_problems(db, out: Path, args: argparse.Namespace) -> str:
    from core.visits_export import export_problems

    return f"已导出 {export_problems(db, out, year=args.year, unmasked=args.unmasked)} 条问题到 {out}"


def _export_volunteer_hours(db, out: Path, args: argparse.Namespace) -> str:
    from core.volunteer_excel import export_hours

    return export_hours(db, out, args.year, unmasked=args.unmasked)


# `export KIND OUT.xlsx`: each kind maps to a function (db, out, args) -> message; add yours here.
EXPORTERS = {
    "roster": _export_roster,
    "meetings": _export_meetings,
    "visits": _export_visits,
    "problems": _export_problems,
    "volunteer-hours": _export_volunteer_hours,
}


def cmd_export(args: argparse.Namespace) -> int:
    from core.db import open_db

    exporter = EXPORTERS.get(args.kind)
    if exporter is None:
        print(f"不认识的导出类型“{args.kind}”。可用：{'、'.join(sorted(EXPORTERS))}。", file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print("导出文件名应以 .xlsx 结尾，例如 台账.xlsx。", file=sys.stderr)
        return 1
    db = open_db(Path(args.db), create=False)
    try:
        # Exporters that can write full ID numbers and phones check the right and log it themselves.
        print(exporter(db, out, args))
    finally:
        db.close()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from core.db import open_db
    from reports.monthly_report_pdf import write_report

    db = open_db(Path(args.db), create=False)
    try:
        path = write_report(db, args.month, Path(args.out))
    except OSError as exc:
        print(f"写入 PDF 失败：{exc}。请确认输出文件夹可以写入、文件没有在其他程序中打开。", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"已生成 {args.month} 月报：{path}")
    return 0


def open_window(db_path: str | None):
    """Start up to the shown main window: the database (or the first-run wizard), the login, the window.
    Returns the MainWindow, an exit code when there is nothing to show (the user gave up, or the file is bad)."""
    from core.db import open_db
    from core.errors import UserError
    from core.lean_import import deferred_patterns

    from core import access, settings, undo  # noqa: F401  (before PySide6, whose import hook slows every import)

    # PySide6's signature support compiles ~20 ms of regular expressions it needs only for error messages and
    # introspection; they compile on first use instead.
    with deferred_patterns("shibokensupport."):
        import PySide6.QtCore  # noqa: F401
    from gui.app import ensure_app

    from gui import startup, style

    style.defer_app_style()  # until the main window has painted, or a dialog comes first
    ensure_app(sys.argv[:1])

    if db_path:
        path = Path(db_path)
    else:  # the file used last time (文件 → 最近打开), else the one in the user's data folder
        from core.db import default_db_path
        from gui.window_state import last_existing_database

        path = last_existing_database() or default_db_path()
    if not path.exists() or path.stat().st_size == 0:
        from gui.first_run import FirstRunWizard

        style.install_app_style()
        wizard = FirstRunWizard(path)
        if wizard.exec() != FirstRunWizard.DialogCode.Accepted or wizard.db is None:
            return 0
        db = wizard.db
    else:
        try:
            db = open_db(path)
        except UserError as exc:
            from PySide6.QtWidgets import QMessageBox

            style.install_app_style()
            QMessageBox.critical(None, "无法打开数据库", str(exc))
            return 1
    if access.has_operators(db):
        from gui.login import LoginDialog

        style.install_app_style()
        if LoginDialog(db).exec() != LoginDialog.DialogCode.Accepted:
            db.close()
            return 0
    from gui.main_window import MainWindow

    # Counting the dashboard's figures and the daily backup wait until the window is on screen.
    startup.hold_deferred()
    window = MainWindow(db)

    def first_paint_done() -> None:
        style.install_app_style()
        startup.release_deferred()

    startup.after_first_paint(window, first_paint_done)
    window.show()
    window.start_daily_backup()
    return window


def run_gui(db_path: str | None) -> int:
    import gc

    # Start-up allocates a great deal and frees little: the collector would only walk it again and again.
    # The GUI-thread collector (gui.app) takes over; after the first paint what start-up made is set aside.
    gc.disable()
    window = open_window(db_path)
    if isinstance(window, int):
        return window
    from PySide6.QtWidgets import QApplication

    from gui import startup

    app = QApplication.instance()
    startup.after_first_paint(window, gc.freeze)
    app.aboutToQuit.connect(window.wait_for_background_work)
    if os.environ.get("DANGJIAN_QUIT_AFTER_SHOW"):  # benchmarks: time process start to first paint
        import time

        from PySide6.QtCore import QTimer

        def shown() -> None:
            print(f"shown-at {time.time():.6f}", flush=True)
            app.quit()

        QTimer.singleShot(0, shown)
    return app.exec()


def build_parser() -> argparse.ArgumentParser:
    import argparse

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件路径（默认：用户数据文件夹）")
    common.add_argument("--user", default=argparse.SUPPRESS,
                        help="操作员用户名（数据库启用了登录时；密码在提示时输入，或放在环境变量 DANGJIAN_PASSWORD）")
    parser = argparse.ArgumentParser(prog="main.py", description="社区党建工作台", parents=[common])
    parser.add_argument("--version", action="version", version=f"社区党建工作台 {__version__}")
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
    imp.add_argument("kind", metavar="KIND", help="导入类型：roster（党员名册）| households（住户）| volunteers（志愿者）")
    imp.add_argument("file", metavar="FILE", help="Excel 文件（.xlsx 或 .xls）")
    imp.add_argument("--skip-bad", action="store_true", help="只导入没有错误的行（有错误的行写入 FILE.errors.xlsx）")
    imp.add_argument("--mode", choices=IMPORT_MODES, default="skip",
                     help="库中已有同一身份证号时：skip 跳过（默认），update 用文件更新，fill 只补全空白字段")
    imp.add_argument("--layout", help="按此导出格式的列名和代码读取文件（仅 roster）")
    imp.set_defaults(func=cmd_import, needs_db=True)

    export = sub.add_parser("export", parents=[common], help="导出 Excel（三会一课台账等）")
    export.add_argument("kind", metavar="KIND", help=f"导出类型：{' | '.join(sorted(EXPORTERS))}")
    export.add_argument("out", metavar="OUT.xlsx", help="输出文件")
    export.add_argument("--year", type=int, help="年份（默认今年）")
    export.add_argument("--unmasked", action="store_true", help="导出完整的身份证号和电话（默认隐去中间几位）")
    export.add_argument("--layout", help="党员名册使用保存的导出格式（默认：内置格式）")
    export.set_defaults(func=cmd_export, needs_db=True)
    restore = sub.add_parser("restore", parents=[common], help="用备份文件替换数据库（先检查备份并保存当前数据）")
    restore.add_argument("file", help="备份文件路径")
    restore.set_defaults(func=cmd_restore, needs_db=True)
    letters = sub.add_parser("letters", parents=[common], help="生成各社区党建工作责任书 PDF")
    letters.add_argument("--year", type=int, required=True, help="年度，如 2026")
    letters.add_argument("--out", required=True, help="输出文件夹")
    letters.set_defaults(func=cmd_letters, needs_db=True)

    report = sub.add_parser("report", parents=[common], help="生成党建工作月报 PDF")
    report.add_argument("--month", required=True, help="月份，如 2026-03")
    report.add_argument("--out", required=True, help="输出的 PDF 文件")
    report.set_defaults(func=cmd_report, needs_db=True)

    shots = sub.add_parser("screenshots", parents=[common], help="把每个界面截图保存为 PNG")
    shots.add_argument("--out", required=True, help="输出文件夹")
    shots.add_argument("--font", choices=["normal", "large", "xlarge", "all"], default="normal",
                       help="字体大小：normal 标准（存入输出文件夹），large 大 / xlarge 特大（存入其下的 large、xlarge "
                            "子文件夹），all 三种都截")
    shots.set_defaults(func=cmd_screenshots, needs_db=True)
    return parser


def _plain_window_start(argv: list[str]) -> tuple[bool, str | None]:
    """(True, db path or None) when argv only opens the window (nothing, `--db FILE`, `--db=FILE`)."""
    if not argv:
        return True, None
    if len(argv) == 2 and argv[0] == "--db" and argv[1] and not argv[1].startswith("-"):
        return True, argv[1]
    if len(argv) == 1 and argv[0].startswith("--db=") and len(argv[0]) > 5:
        return True, argv[0][5:]
    return False, None


def main(argv: list[str] | None = None) -> int:
    plain, db_path = _plain_window_start(sys.argv[1:] if argv is None else argv)
    if plain:
        return run_gui(db_path)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        return run_gui(getattr(args, "db", None))
    if getattr(args, "needs_db", False) and not getattr(args, "db", None):
        from core.db import default_db_path

        args.db = str(default_db_path())
    from core.errors import UserError

    if getattr(args, "user", None):
        from core import access

        password = os.environ.get("DANGJIAN_PASSWORD")
        if password is None:
            import getpass

            password = getpass.getpass("密码：")
        access.set_pending_login(args.user, password)
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
