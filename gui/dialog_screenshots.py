"""Screenshots of the dialogs the user's guide walks through (member form, events, import, export, activity, help)."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from core import members, orgs
from core import volunteers as vol
from core.db import Db
from core.errors import UserError
from core.idcard import make_fake
from core.members import MemberQuery
from gui.app import AppSignals


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def _wait(signal, timeout_ms: int = 60_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def _shoot(widget: QWidget, path: Path, written: list[Path]) -> None:
    widget.show()
    _settle()
    widget.grab().save(str(path))
    written.append(path)
    widget.close()
    widget.deleteLater()
    _settle()


def _roster_file(folder: Path, db: Db) -> Path:
    """A small roster as offices send it: a title row, a float-mangled ID number and a bad date among good rows."""
    from openpyxl import Workbook

    branch = orgs.branches(db)[0].name
    rng = random.Random(3)
    wb = Workbook()
    ws = wb.active
    ws.append(["2026年党员花名册"])
    ws.append(["姓名", "性别", "公民身份号码", "所在支部", "入党时间", "党员类别", "联系电话"])
    people = [("边建华", "男", dt.date(1968, 4, 2), "1995-07-01"), ("庞秀兰", "女", dt.date(1975, 9, 12), "2003-06-20"),
              ("单志强", "男", dt.date(1981, 1, 30), "2010-12-01"), ("闻丽娟", "女", dt.date(1990, 5, 8), "2019-6-31")]
    for name, gender, birth, joined in people:
        ws.append([name, gender, make_fake(rng, "640104", birth, gender), branch, joined, "正式党员",
                   f"139{rng.randrange(10**8):08d}"])
    ws.cell(row=5, column=3).value = 4.10102198001011e17  # what Excel makes of a number typed without a leading '
    path = folder / "各支部党员名册.xlsx"
    wb.save(path)
    return path


def render_dialogs(db: Db, out: Path) -> list[Path]:
    """The guide's step pictures; each dialog is opened on db as the user would see it."""
    from gui.export_dialog import ExportDialog
    from gui.help_dialog import HelpDialog, find_guide
    from gui.import_wizard import ImportWizard
    from gui.member_event_dialog import MemberEventDialog
    from gui.member_form import MemberDialog
    from gui.volunteer_dialogs import ActivityDialog

    written: list[Path] = []
    signals = AppSignals()
    if orgs.branches(db):
        form = MemberDialog(db)
        form.form.name.setText("边晓燕")
        form.form.id_number.setText(make_fake(random.Random(5), "640104", dt.date(1986, 3, 14), "女"))
        form.form.phone.setText("13995012345")
        form.form.branch_id.setCurrentIndex(1)
        form.form.join_date.setText("2026-07-01")
        form.form.category.setCurrentText("预备党员")
        _shoot(form, out / "member-form.png", written)

        probationary = members.query_members(db, MemberQuery(category="预备党员"), limit=1)
        if probationary:
            event = MemberEventDialog(db, probationary[0].id)
            event.select_kind("transfer_out")
            event.other_org.setText("银川市兴庆区某某社区党支部")
            _shoot(event, out / "member-event.png", written)

        export = ExportDialog(db, signals)
        _shoot(export, out / "export-dialog.png", written)

        with tempfile.TemporaryDirectory() as folder:
            wizard = ImportWizard(db, signals, "roster")
            wizard.show()
            wizard.load_file(str(_roster_file(Path(folder), db)))
            _wait(wizard.source_loaded)
            wizard.make_preview()
            _wait(wizard.preview_ready)
            _shoot(wizard, out / "import-wizard.png", written)

    teams = vol.list_teams(db)
    if teams:
        activity = ActivityDialog(db, team_id=teams[0].id)
        activity.place_edit.setText("社区党群服务中心")
        activity.content_edit.setText("为独居老人打扫卫生")
        _shoot(activity, out / "activity-dialog.png", written)

    guide = find_guide()
    if guide is None:
        raise UserError("没有找到用户手册（docs/用户手册.md），程序打包不完整。")
    help_window = HelpDialog(guide)
    help_window.resize(1180, 820)
    help_window.show()
    _settle()
    help_window.show_section("党员名册")
    _shoot(help_window, out / "help.png", written)
    return written
