"""报表: the monthly report — the month's figures on screen, then a PDF to preview, print or save."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QDateEdit, QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget,
)

from core import monthly
from core.db import Db
from core.errors import UserError
from core.letters import format_number
from gui.base import Screen
from gui.letters_screen import PdfWorker
from gui.style import STATUS, px, set_role
from gui.table_model import Column, RowsTable


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{format_number(value)}%"


class ReportsScreen(Screen):
    key = "reports"
    title = "报表"
    areas = ("org", "members", "meetings", "visits", "problems", "volunteers", "letters", "settings")

    report_ready = Signal(str)  # path of the written PDF ("" on failure)

    def __init__(self, db: Db, signals, parent: QWidget | None = None):
        super().__init__(db, signals, parent)
        self.worker: PdfWorker | None = None
        self.last_pdf: Path | None = None
        self.last_preview = None
        self._save_to: Path | None = None
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        today = dt.date.today()
        self.month_edit = QDateEdit(QDate(today.year, today.month, 1))
        self.month_edit.setDisplayFormat("yyyy年M月")
        self.month_edit.setCalendarPopup(True)
        self.preview_button = QPushButton("生成月报并预览打印")
        self.save_button = QPushButton("保存月报 PDF…")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(px(160))
        self.progress.hide()
        self.status = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(QLabel("月份："))
        bar.addWidget(self.month_edit)
        bar.addSpacing(12)
        bar.addWidget(self.preview_button)
        bar.addWidget(self.save_button)
        bar.addWidget(self.progress)
        bar.addStretch(1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        set_role(self.summary, "summary-panel")
        self.table = RowsTable([
            Column("社区", lambda u: u.name),
            Column("在册党员", lambda u: u.members, align="right"),
            Column("发展/转入/转出", lambda u: f"{u.joined}/{u.transferred_in}/{u.transferred_out}", align="right"),
            Column("三会一课应开/已开", lambda u: f"{u.meetings_required}/{u.meetings_required_held}",
                   sort=lambda u: u.meetings_compliance, align="right",
                   color=lambda u: STATUS["overdue"].text if u.meetings_required_held < u.meetings_required else None),
            Column("出席率", lambda u: _pct(u.attendance_rate), sort=lambda u: u.attendance_rate, align="right"),
            Column("走访户次", lambda u: u.visits, align="right"),
            Column("年度覆盖率", lambda u: _pct(u.coverage_ytd), sort=lambda u: u.coverage_ytd,
                   progress=lambda u: (u.coverage_ytd or 0) / 100),
            Column("问题新增/办结/超期", lambda u: f"{u.problems_opened}/{u.problems_closed}/{u.problems_overdue}",
                   sort=lambda u: u.problems_overdue, align="right",
                   color=lambda u: STATUS["overdue"].text if u.problems_overdue else None),
            Column("志愿时长（小时）", lambda u: format_number(u.volunteer_hours), sort=lambda u: u.volunteer_hours,
                   align="right"),
            Column("责任书得分", lambda u: format_number(u.letter_score) if u.letter_score is not None else "—",
                   sort=lambda u: u.letter_score, progress=lambda u: (u.letter_score or 0) / 100),
        ], fit_contents=True)
        self.model = self.table.rows_model
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

    def _connect_signals(self) -> None:
        self.month_edit.dateChanged.connect(lambda _d: self.refresh())
        self.preview_button.clicked.connect(self._on_preview_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)

    # Public API ------------------------------------------------------------------------------------
    def command_slots(self):
        return {"print": ("生成月报并预览打印", self._on_preview_button_clicked),
                "save": ("保存月报 PDF…", self._on_save_button_clicked)}

    def month_code(self) -> str:
        date = self.month_edit.date()
        return f"{date.year()}-{date.month():02d}"

    def set_month(self, code: str) -> None:
        month = monthly.parse_month(code)
        self.month_edit.setDate(QDate(month.year, month.month, 1))

    def refresh(self) -> None:
        try:
            report = monthly.monthly_report(self.db, self.month_code())
        except UserError as exc:
            self.model.set_rows([])
            self.summary.setText(str(exc))
            return
        self.model.set_rows([*report.communities, report.street])
        s = report.street
        self.summary.setText(
            f"{report.month.label}（数据截至 {report.as_of.isoformat()}）全街道：三会一课本月应开 {s.meetings_required} 次、"
            f"按期召开 {s.meetings_required_held} 次，出席率 {_pct(s.attendance_rate)}；入户走访 {s.visits} 户次，"
            f"年度覆盖率 {_pct(s.coverage_ytd)}；问题新增 {s.problems_opened} 件、办结 {s.problems_closed} 件、"
            f"超期 {s.problems_overdue} 件；志愿服务 {format_number(s.volunteer_hours)} 小时；发展党员 {s.joined} 名，"
            f"转入 {s.transferred_in} 名、转出 {s.transferred_out} 名。"
        )

    def generate(self, out: Path) -> None:
        """Write the month's PDF in a worker; report_ready(path) follows."""
        if self.worker is not None:
            self.show_error("正在生成月报，请稍候。")
            return
        if self.db.path is None:
            self.show_error("内存数据库不能在后台生成，请先保存为文件。")
            return
        self.progress.show()
        self.preview_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self.status.setText("正在生成月报…")
        from reports.monthly_report_pdf import write_report

        month = self.month_code()
        self.worker = PdfWorker(self.db.path, lambda db, _progress, _cancelled: str(write_report(db, month, out)))
        self.worker.succeeded.connect(self._on_worker_succeeded)
        self.worker.failed.connect(self._on_worker_failed)
        self.worker.finished.connect(self._on_worker_finished)
        self.worker.start()

    # Dialogs a test can replace --------------------------------------------------------------------
    def ask_save_path(self, suggested: str) -> str:
        return QFileDialog.getSaveFileName(self, "保存月报", suggested, "PDF 文件 (*.pdf)")[0]

    def preview(self, path: Path) -> None:
        from gui.pdf_preview import show_pdf

        self.last_preview = show_pdf(self, path, "月报预览")

    # Slots -----------------------------------------------------------------------------------------
    def _temp_path(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="report-")) / f"党建工作月报-{self.month_code()}.pdf"

    def _on_preview_button_clicked(self) -> None:
        self._save_to = None
        self.generate(self._temp_path())

    def _on_save_button_clicked(self) -> None:
        path = self.ask_save_path(f"党建工作月报-{self.month_code()}.pdf")
        if path:
            self._save_to = Path(path)
            self.generate(self._temp_path())

    def _on_worker_succeeded(self, path: object) -> None:
        self.last_pdf = Path(path)
        if self._save_to is not None:
            try:
                shutil.copyfile(path, self._save_to)
            except OSError as exc:
                self.status.setText(f"保存失败：{exc}")
                return
            self.status.setText(f"已保存：{self._save_to}")
        else:
            self.status.setText("月报已生成。")
            self.preview(self.last_pdf)

    def _on_worker_failed(self, message: str) -> None:
        self.last_pdf = None
        self.status.setText(message)
        self.show_error(message)

    def _on_worker_finished(self) -> None:
        worker, self.worker = self.worker, None
        self.progress.hide()
        self.preview_button.setEnabled(True)
        self.save_button.setEnabled(True)
        if worker is not None:
            worker.deleteLater()
        self.report_ready.emit(str(self.last_pdf) if self.last_pdf else "")
