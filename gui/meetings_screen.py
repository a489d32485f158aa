"""三会一课: meeting records per branch and month, the attendance sheet, the compliance grid, kinds and 支委."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QDate, QEvent, QModelIndex, Qt, QThread, QTime, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QPlainTextEdit, QProgressDialog, QPushButton, QSpinBox, QSplitter, QStyledItemDelegate, QTableView,
    QTabWidget, QTextBrowser, QTimeEdit, QVBoxLayout, QWidget,
)

from core import meetings, orgs, persons, records
from core.clock import today
from core.db import Db, open_db
from core.errors import UserError
from core.meetings import Attendance, MeetingSummary
from core.pinyin import name_keys
from gui.base import Screen, typed_into
from gui.empty_state import EmptyState
from gui.flow_layout import STRETCH, WrappingLabel, flow_row, group
from gui.table_model import ALIGNMENTS, Column, RowsTable, SortRole, readable_rows, sorted_view
from gui.style import STATUS, current_font_size, px, set_role

STATE_COLORS = {"held": STATUS["done"].fill, "overdue": STATUS["overdue"].fill, "due": STATUS["due"].fill,
                "not_due": STATUS["neutral"].fill, "none": "white"}
STATUS_COLORS = {"出席": None, "请假": STATUS["due"].fill, "缺席": STATUS["overdue"].fill}
NAME_SPLIT = re.compile(r"[、,，;；\n]+")


def _rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


# Models -----------------------------------------------------------------------------------------

def _meeting_kind_text(m: MeetingSummary) -> str:
    kind = m.kind_name if m.unit_id == m.branch_id else f"{m.kind_name}·{m.unit_name}"
    return kind + "（计划）" if m.status == "计划" else kind


def _meeting_tooltip(m: MeetingSummary) -> str:
    return (f"{m.date} {m.start_time or ''} {m.unit_name} {m.kind_name}：{m.topic}\n"
            f"主持人 {m.host_name or '—'}，记录人 {m.recorder_name or '—'}")


def _held(text: Callable[[MeetingSummary], Any]) -> Callable[[MeetingSummary], Any]:
    """A count that only a held meeting has: a planned one shows nothing yet."""
    return lambda m: "" if m.status == "计划" else text(m)


MEETING_COLUMNS: list[Column[MeetingSummary]] = [
    Column(h, text, sort, align, tooltip=_meeting_tooltip, color=color) for h, text, sort, align, color in (
        ("日期", lambda m: m.date, lambda m: f"{m.date} {m.start_time or ''}", None, None),
        ("会议类型", _meeting_kind_text, lambda m: m.kind_name, None, None),
        ("会议主题", lambda m: m.topic, None, None, None),
        ("实到", lambda m: f"应到 {m.expected}" if m.status == "计划" else f"{m.present}/{m.expected}",
         lambda m: m.present, "right", None),
        ("请假", _held(lambda m: m.leave), lambda m: m.leave, "right", None),
        ("缺席", _held(lambda m: m.absent), lambda m: m.absent, "right",
         lambda m: STATUS["overdue"].text if m.absent else None),
        ("出席率", lambda m: "—" if m.status == "计划" else _rate_text(m.rate), lambda m: m.rate, "right", None),
    )
]
COL_TOPIC = 2


class AttendanceModel(QAbstractTableModel):
    """The attendance sheet: everyone expected starts 出席; the user changes the exceptions."""

    HEADERS = ["序号", "姓名", "出勤情况", "请假原因"]
    COL_STATUS, COL_REASON = 2, 3
    edited = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[list] = []

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def set_rows(self, rows: list[Attendance]) -> None:  # rows kept as [person_id, name, status, reason]
        self.beginResetModel()
        self._rows = [[a.person_id, a.name, a.status, a.reason or ""] for a in rows]
        self.endResetModel()
        self.edited.emit()

    def attendance(self) -> list[Attendance]:
        return [Attendance(r[0], r[1], r[2], r[3] or None) for r in self._rows]

    def person_ids(self) -> list[int]:
        return [r[0] for r in self._rows]

    def add(self, person_id: int, name: str) -> None:
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append([person_id, name, "出席", ""])
        self.endInsertRows()
        self.edited.emit()

    def remove_rows(self, rows: list[int]) -> None:
        self.beginResetModel()
        self._rows = [r for i, r in enumerate(self._rows) if i not in set(rows)]
        self.endResetModel()
        self.edited.emit()

    def set_status(self, row: int, status: str, reason: str | None = None) -> None:
        self._rows[row][2] = status
        if reason is not None:
            self._rows[row][3] = reason
        elif status != "请假":
            self._rows[row][3] = ""  # a reason belongs to leave only
        self.dataChanged.emit(self.index(row, 0), self.index(row, 3))
        self.edited.emit()

    def row_of(self, person_id: int) -> int:
        return self.person_ids().index(person_id)

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in meetings.ATTENDANCE_STATUSES}
        for r in self._rows:
            out[r[2]] += 1
        return out

    def flags(self, index):
        base = super().flags(index)
        if index.column() in (self.COL_STATUS, self.COL_REASON):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        r = self._rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == 0:
                return index.row() + 1
            if col == self.COL_REASON and role == Qt.ItemDataRole.DisplayRole and r[2] == "请假" and not r[3]:
                return "（请填写原因）"
            return [None, r[1], r[2], r[3]][col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.BackgroundRole and STATUS_COLORS.get(r[2]):
            return QBrush(QColor(STATUS_COLORS[r[2]]))
        if role == Qt.ItemDataRole.ForegroundRole and col == self.COL_REASON and r[2] == "请假" and not r[3]:
            return STATUS["overdue"].text_brush()
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if role != Qt.ItemDataRole.EditRole:
            return False
        row = self._rows[index.row()]
        if index.column() == self.COL_STATUS and value in meetings.ATTENDANCE_STATUSES:
            row[2] = value
            if value != "请假":
                row[3] = ""
        elif index.column() == self.COL_REASON:
            row[3] = str(value).strip()
            if row[3] and row[2] != "请假":
                row[2] = "请假"  # typing a reason means the person asked for leave
        else:
            return False
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), 3))
        self.edited.emit()
        return True


class StatusDelegate(QStyledItemDelegate):
    def createEditor(self, parent, option, index):  # noqa: N802
        combo = QComboBox(parent)
        combo.addItems(list(meetings.ATTENDANCE_STATUSES))
        return combo

    def setEditorData(self, editor, index):  # noqa: N802
        editor.setCurrentText(index.data(Qt.ItemDataRole.EditRole))

    def setModelData(self, editor, model, index):  # noqa: N802
        model.setData(index, editor.currentText())


class ComplianceGridModel(QAbstractTableModel):
    """Branches × kinds for a period; the cell colour is the state."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[meetings.BranchCompliance] = []
        self._kinds: list[meetings.MeetingKind] = []

    def set_rows(self, kinds: list[meetings.MeetingKind], rows: list[meetings.BranchCompliance]) -> None:
        self.beginResetModel()
        self._kinds, self._rows = kinds, rows
        self.endResetModel()

    def row_at(self, row: int) -> meetings.BranchCompliance:
        return self._rows[row]

    def kind_at(self, column: int) -> meetings.MeetingKind | None:
        return self._kinds[column - 1] if 1 <= column <= len(self._kinds) else None

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(self._kinds) + 3

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == 0:
                return "党支部"
            kind = self.kind_at(section)
            if kind:
                return f"{kind.name}\n{kind.rule_text}"
            return "出席率" if section == len(self._kinds) + 1 else "达标"
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        c = self._rows[index.row()]
        col = index.column()
        kind = self.kind_at(col)
        k = c.kinds[col - 1] if kind else None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return c.branch_name
            if k:
                if k.state == "none":
                    return "不适用"
                text = f"{k.held}/{k.required}" if k.required else (f"已开 {k.held_total}" if k.held_total else "")
                return f"{text} {k.state_label}".strip()
            if col == len(self._kinds) + 1:
                return _rate_text(c.attendance_rate)
            return "达标" if c.compliant else f"逾期 {len(c.overdue)} 项" if c.overdue else "待完成"
        if role == SortRole:
            if col == 0:
                return index.row()  # the tree's order, not the characters' code points
            if k:
                return ["overdue", "due", "not_due", "held", "none"].index(k.state)
            if col == len(self._kinds) + 1:
                return c.attendance_rate if c.attendance_rate is not None else -1.0
            return (c.compliant, -len(c.overdue))
        if role == Qt.ItemDataRole.BackgroundRole and k:
            return QBrush(QColor(STATE_COLORS[k.state]))
        if role == Qt.ItemDataRole.ToolTipRole and k:
            tip = f"{k.kind_name}：{k.rule}，本期应开 {k.required} 次，已开 {k.held_total} 次（{k.state_label}）"
            if k.deadline:
                tip += f"，截止 {k.deadline}"
            if k.units_behind:
                tip += "\n未开的党小组：" + "、".join(k.units_behind)
            return tip
        if role == Qt.ItemDataRole.TextAlignmentRole and col > 0:  # the rate is a number; the state cells a grid
            return ALIGNMENTS["right" if col == len(self._kinds) + 1 else "center"]
        return None


class DbJob(QThread):
    """Runs `work(db, job)` on its own database connection; never touches a widget.

    The work may call job.progress(done, total) and raise core.meetings_excel.Cancelled when
    job.cancelled; work that cannot stop midway finishes and its result is dropped.
    """

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, db_path: Path, work: Callable[[Db, "DbJob"], object], parent=None):
        super().__init__(parent)
        self.db_path, self.work = db_path, work
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def progress(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)

    def run(self) -> None:
        from core.meetings_excel import Cancelled

        try:
            db = open_db(self.db_path, create=False)
            try:
                result = self.work(db, self)
            finally:
                db.close()
        except Cancelled:
            self.failed.emit("已取消，没有生成文件。")
            return
        except (UserError, OSError) as exc:
            self.failed.emit(str(exc))
            return
        if self.cancelled:
            self.failed.emit("已取消，没有生成文件。")
            return
        self.succeeded.emit(result)


# The meeting editor ---------------------------------------------------------------------------------

class MeetingEditor(QWidget):
    """One meeting's record and its attendance sheet; new meetings start from the kind's defaults."""

    def __init__(self, screen: "MeetingsScreen"):
        super().__init__()
        self.screen = screen
        self.db = screen.db
        self.meeting_id: int | None = None
        self.branch_id: int | None = None
        self._loading = False
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.heading = QLabel()
        set_role(self.heading, "subheading")
        self.unit_combo = QComboBox()
        self.kind_combo = QComboBox()
        self.status_combo = QComboBox()
        self.status_combo.addItems(list(meetings.MEETING_STATUSES))
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.start_edit = QTimeEdit()
        self.end_edit = QTimeEdit()
        for t in (self.start_edit, self.end_edit):
            t.setDisplayFormat("HH:mm")
        self.place_edit = QLineEdit()
        self.host_combo = QComboBox()
        self.recorder_combo = QComboBox()
        self.topic_edit = QLineEdit()
        self.topic_edit.setPlaceholderText("如：学习传达上级会议精神")
        self.minutes_edit = QPlainTextEdit()
        self.minutes_edit.setTabChangesFocus(True)  # Tab moves to the next field, as in every other box
        self.minutes_edit.setPlaceholderText("会议内容（发言摘要、讨论情况）")
        self.resolutions_edit = QPlainTextEdit()
        self.resolutions_edit.setTabChangesFocus(True)  # Tab moves to the next field, as in every other box
        self.resolutions_edit.setPlaceholderText("会议决议、议定事项")
        for w in (self.minutes_edit, self.resolutions_edit):
            w.setFixedHeight(px(60))
        self.guests_edit = QLineEdit()
        self.guests_edit.setPlaceholderText("列席人员姓名，用顿号隔开")
        self.attachments_edit = QLineEdit()
        self.attachments_edit.setPlaceholderText("附件文件名，用顿号隔开")
        self.attach_button = QPushButton("选择附件…")

        form = QFormLayout()
        row1 = QHBoxLayout()
        row1.addWidget(self.unit_combo, 2)
        row1.addWidget(QLabel("类型"))
        row1.addWidget(self.kind_combo, 2)
        row1.addWidget(QLabel("状态"))
        row1.addWidget(self.status_combo, 1)
        form.addRow("召开单位", row1)
        row2 = QHBoxLayout()
        row2.addWidget(self.date_edit)
        row2.addWidget(self.start_edit)
        row2.addWidget(QLabel("至"))
        row2.addWidget(self.end_edit)
        row2.addWidget(QLabel("地点"))
        row2.addWidget(self.place_edit, 1)
        form.addRow("日期时间", row2)
        row3 = QHBoxLayout()
        row3.addWidget(self.host_combo, 1)
        row3.addWidget(QLabel("记录人"))
        row3.addWidget(self.recorder_combo, 1)
        form.addRow("主持人", row3)
        form.addRow("会议主题", self.topic_edit)
        form.addRow("会议内容", self.minutes_edit)
        form.addRow("会议决议", self.resolutions_edit)
        form.addRow("列席人员", self.guests_edit)
        row4 = QHBoxLayout()
        row4.addWidget(self.attachments_edit, 1)
        row4.addWidget(self.attach_button)
        form.addRow("附件", row4)

        self.attendance_model = AttendanceModel(self)
        self.attendance_view = QTableView()
        self.attendance_view.setModel(self.attendance_model)
        self.attendance_view.setItemDelegateForColumn(AttendanceModel.COL_STATUS, StatusDelegate(self.attendance_view))
        self.attendance_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.attendance_view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                             | QAbstractItemView.EditTrigger.SelectedClicked
                                             | QAbstractItemView.EditTrigger.EditKeyPressed
                                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.attendance_view.verticalHeader().setVisible(False)
        readable_rows(self.attendance_view)
        header = self.attendance_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(AttendanceModel.COL_REASON, QHeaderView.ResizeMode.Stretch)
        self.present_button = QPushButton("出席(F5)")
        self.leave_button = QPushButton("请假(F6)")
        self.absent_button = QPushButton("缺席(F7)")
        self.add_person_button = QPushButton("添加应到人员…")
        self.remove_person_button = QPushButton("移出名单")
        self.reset_button = QPushButton("按类型重置名单")
        self.counts_label = WrappingLabel()  # the counts take two lines at a large font, not more width
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("查找姓名/拼音首字母")
        self.find_edit.setToolTip("输入姓名或拼音首字母（如 zs），回车跳到下一个")
        self.find_edit.setMinimumWidth(px(150))
        self.find_edit.setClearButtonEnabled(True)
        # Rows that wrap: at a large font the search box goes under the buttons instead of widening the window.
        marks = flow_row([group("所选人员标为：", self.present_button, self.leave_button, self.absent_button), STRETCH,
                          self.find_edit])
        roster = QHBoxLayout()
        roster.addWidget(QLabel("应到名单："))
        roster.addWidget(self.add_person_button)
        roster.addWidget(self.remove_person_button)
        roster.addWidget(self.reset_button)
        roster.addStretch(1)

        self.save_button = QPushButton("保存(Ctrl+S)")
        set_role(self.save_button, "primary")
        self.signin_button = QPushButton("打印签到表…")
        bottom = QHBoxLayout()
        bottom.addWidget(self.counts_label, 1)
        bottom.addWidget(self.signin_button)
        bottom.addWidget(self.save_button)

        box = QGroupBox("出勤登记：默认全部出席，只改请假、缺席的人；请假原因直接在表中填写")
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(marks)
        box_layout.addWidget(self.attendance_view, 1)
        box_layout.addLayout(roster)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(box, 1)
        layout.addLayout(bottom)

    def _connect_signals(self) -> None:
        self.unit_combo.currentIndexChanged.connect(self._on_unit_combo_current_index_changed)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_current_index_changed)
        self.attendance_model.edited.connect(self._update_counts)
        self.find_edit.textEdited.connect(lambda text: self.find_person(text, from_start=True))
        self.find_edit.returnPressed.connect(lambda: self.find_person(self.find_edit.text()))
        self.present_button.clicked.connect(lambda: self.mark_selected("出席"))
        self.leave_button.clicked.connect(lambda: self.mark_selected("请假"))
        self.absent_button.clicked.connect(lambda: self.mark_selected("缺席"))
        self.add_person_button.clicked.connect(self._on_add_person_button_clicked)
        self.remove_person_button.clicked.connect(self._on_remove_person_button_clicked)
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.attach_button.clicked.connect(self._on_attach_button_clicked)
        self.save_button.clicked.connect(self.screen.save_meeting)
        self.signin_button.clicked.connect(self.screen.print_signin_sheet)

    # F5/F6/F7 mark the selected people while the cursor is in this editor. They are taken before the
    # menu bar's shortcuts (F5 is 刷新 elsewhere), so they must be claimed in ShortcutOverride.
    MARK_KEYS = {Qt.Key.Key_F5: "出席", Qt.Key.Key_F6: "请假", Qt.Key.Key_F7: "缺席"}

    def event(self, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and event.key() in self.MARK_KEYS
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        status = self.MARK_KEYS.get(event.key())
        if status is not None and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.mark_selected(status)
            return
        super().keyPressEvent(event)

    # Loading -----------------------------------------------------------------------------------
    def _fill_units(self, branch_id: int, unit_id: int | None = None) -> None:
        self.unit_combo.clear()
        for unit in meetings.branch_units(self.db, branch_id):
            self.unit_combo.addItem(unit.name, unit.id)
        self._select_data(self.unit_combo, unit_id or branch_id)

    def _fill_kinds(self, kind_code: str | None) -> None:
        unit = orgs.get_unit(self.db, self.unit_combo.currentData())
        self.kind_combo.clear()
        for kind in meetings.list_kinds(self.db, active_only=False):
            # A kind switched off still shows for the meetings already recorded under it.
            if (kind.active or kind.code == kind_code) and (kind.audience == "party_group") == (unit.kind == "party_group"):
                self.kind_combo.addItem(kind.name, kind.code)
        if kind_code:
            self._select_data(self.kind_combo, kind_code)

    def _fill_people(self, host: int | None, recorder: int | None, extra: list[tuple[int, str]] = ()) -> None:
        people: list[tuple[int, str]] = []
        seen: set[int] = set()
        for seat in meetings.committee(self.db, self.branch_id):
            people.append((seat.person_id, f"{seat.name}（{seat.role}）"))
            seen.add(seat.person_id)
        for person_id, name in [*extra, *[(a.person_id, a.name) for a in self.attendance_model.attendance()]]:
            if person_id not in seen:
                people.append((person_id, name))
                seen.add(person_id)
        for combo, chosen in ((self.host_combo, host), (self.recorder_combo, recorder)):
            combo.clear()
            combo.addItem("（未填写）", None)
            for person_id, label in people:
                combo.addItem(label, person_id)
            self._select_data(combo, chosen)

    @staticmethod
    def _select_data(combo: QComboBox, value: Any) -> None:
        i = combo.findData(value)
        combo.setCurrentIndex(i if i >= 0 else 0)

    def start_new(self, branch_id: int, kind_code: str | None = None, on: dt.date | None = None) -> None:
        """A new meeting with everything a few keystrokes away: the kind still due, today, the usual roles."""
        self._loading = True
        try:
            self.meeting_id = None
            self.branch_id = branch_id
            on = on or today()
            month = meetings.compliance(self.db, branch_id, meetings.period_of("month", on), on, with_details=False)
            if kind_code is None:
                kind_code = self._first_due_kind(month)
            kind = meetings.get_kind(self.db, kind_code)
            unit_id = branch_id
            if kind.audience == "party_group":
                groups = orgs.list_units(self.db, kind="party_group", parent_id=branch_id)
                behind = month.kind(kind_code).units_behind if kind.active else ()
                if not groups:
                    kind_code, unit_id = "committee", branch_id
                else:  # the first group that still has to meet this month
                    unit_id = next((g.id for g in groups if g.name in behind), groups[0].id)
            self._fill_units(branch_id, unit_id)
            self._fill_kinds(kind_code)
            self.status_combo.setCurrentText("已召开")
            self.date_edit.setDate(QDate(on.year, on.month, on.day))
            self.start_edit.setTime(QTime(9, 0))
            self.end_edit.setTime(QTime(10, 30))
            self.place_edit.setText("")
            self.minutes_edit.setPlainText("")
            self.resolutions_edit.setPlainText("")
            self.guests_edit.setText("")
            self.attachments_edit.setText("")
            self._reset_expected()
            host, recorder = meetings.default_roles(self.db, branch_id)
            self._fill_people(host, recorder)
            self.topic_edit.setText(self._default_topic())
            self.heading.setText(f"新建会议 — {orgs.get_unit(self.db, branch_id).name}")
        finally:
            self._loading = False
        self._update_counts()
        self.topic_edit.setFocus()
        self.topic_edit.selectAll()

    @staticmethod
    def _first_due_kind(result: meetings.BranchCompliance) -> str:
        for state in ("overdue", "due"):
            for k in result.kinds:
                if k.state == state:
                    return k.kind_code
        return "committee"

    def _default_topic(self) -> str:
        d = self.date_edit.date()
        return f"{d.month()}月{self.kind_combo.currentText()}"

    def _reset_expected(self) -> None:
        try:
            people = meetings.expected_people(self.db, self.unit_combo.currentData(), self.kind_combo.currentData())
        except UserError:
            people = []
        self.attendance_model.set_rows([Attendance(p.person_id, p.name, "出席") for p in people])

    def load(self, meeting_id: int) -> None:
        m = meetings.get_meeting(self.db, meeting_id)
        self._loading = True
        try:
            self.meeting_id = m.id
            self.branch_id = m.branch_id
            self._fill_units(m.branch_id, m.unit_id)
            self._fill_kinds(m.kind_code)
            self.status_combo.setCurrentText(m.status)
            d = dt.date.fromisoformat(m.date)
            self.date_edit.setDate(QDate(d.year, d.month, d.day))
            self.start_edit.setTime(QTime.fromString(m.start_time or "09:00", "HH:mm"))
            self.end_edit.setTime(QTime.fromString(m.end_time or "10:30", "HH:mm"))
            self.place_edit.setText(m.place or "")
            self.topic_edit.setText(m.topic)
            self.minutes_edit.setPlainText(m.minutes or "")
            self.resolutions_edit.setPlainText(m.resolutions or "")
            self.guests_edit.setText("、".join(g.name for g in m.guests))
            self.attachments_edit.setText("、".join(m.attachments))
            self.attendance_model.set_rows(list(m.attendance))
            extra = [(pid, name) for pid, name in ((m.host_person_id, m.host_name), (m.recorder_person_id, m.recorder_name)) if pid]
            self._fill_people(m.host_person_id, m.recorder_person_id, extra)
            self.heading.setText(f"{m.kind_name} — {m.unit_name}　{m.date}")
        finally:
            self._loading = False
        self._update_counts()

    # Reading the form ---------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        attachments = [a for a in NAME_SPLIT.split(self.attachments_edit.text()) if a.strip()]
        return {
            "unit_id": self.unit_combo.currentData(), "kind_code": self.kind_combo.currentData(),
            "status": self.status_combo.currentText(), "date": self.date_edit.date().toString("yyyy-MM-dd"),
            "start_time": self.start_edit.time().toString("HH:mm"), "end_time": self.end_edit.time().toString("HH:mm"),
            "place": self.place_edit.text(), "host_person_id": self.host_combo.currentData(),
            "recorder_person_id": self.recorder_combo.currentData(), "topic": self.topic_edit.text(),
            "minutes": self.minutes_edit.toPlainText(), "resolutions": self.resolutions_edit.toPlainText(),
            "attachments": attachments,
        }

    def guests(self) -> list[str]:
        return [g.strip() for g in NAME_SPLIT.split(self.guests_edit.text()) if g.strip()]

    # Attendance helpers tests drive ----------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.attendance_view.selectionModel().selectedRows()})

    def mark_selected(self, status: str) -> None:
        rows = self.selected_rows()
        for row in rows:
            self.attendance_model.set_status(row, status)
        if status == "请假" and rows:
            # Straight to the reason cell of the first one: the reason is required.
            index = self.attendance_model.index(rows[0], AttendanceModel.COL_REASON)
            self.attendance_view.setCurrentIndex(index)
            self.attendance_view.edit(index)

    def mark(self, name_or_id: str | int, status: str, reason: str | None = None) -> None:
        """Set one person's status (and reason) by name or person id."""
        for row, a in enumerate(self.attendance_model.attendance()):
            if a.person_id == name_or_id or a.name == name_or_id:
                self.attendance_model.set_status(row, status, reason)
                return
        raise KeyError(name_or_id)

    def find_person(self, text: str, from_start: bool = False) -> int | None:
        """Select the next person whose name contains `text` or whose pinyin starts with it; returns the row."""
        text = text.strip().lower()
        if not text:
            return None
        people = self.attendance_model.attendance()
        current = -1 if from_start else self.attendance_view.currentIndex().row()
        order = list(range(current + 1, len(people))) + list(range(0, current + 1))
        for row in order:
            name = people[row].name
            full, initials = name_keys(name)
            if text in name or initials.startswith(text) or full.startswith(text):
                index = self.attendance_model.index(row, 1)
                self.attendance_view.setCurrentIndex(index)
                self.attendance_view.selectRow(row)
                self.attendance_view.scrollTo(index)
                return row
        return None

    def _update_counts(self) -> None:
        c = self.attendance_model.counts()
        total = sum(c.values())
        rate = f"{c['出席'] / total * 100:.0f}%" if total else "—"
        self.counts_label.setText(f"应到 {total} 人　实到 {c['出席']} 人　请假 {c['请假']} 人　缺席 {c['缺席']} 人　出席率 {rate}")

    # Slots -------------------------------------------------------------------------------------
    def _on_unit_combo_current_index_changed(self, _index: int) -> None:
        if self._loading or self.unit_combo.currentData() is None:
            return
        self._loading = True
        try:
            self._fill_kinds(None)
        finally:
            self._loading = False
        self._on_kind_combo_current_index_changed(0)

    def _on_kind_combo_current_index_changed(self, _index: int) -> None:
        if self._loading or self.meeting_id is not None or self.kind_combo.currentData() is None:
            return
        self._reset_expected()
        self._fill_people(self.host_combo.currentData(), self.recorder_combo.currentData())
        if not self.topic_edit.isModified():
            self.topic_edit.setText(self._default_topic())

    def _on_add_person_button_clicked(self) -> None:
        name = self.screen.ask_text("添加应到人员", "姓名：")
        if not name:
            return
        matches = [p for p in persons.find_by_name(self.db, name.strip()) if p.id not in self.attendance_model.person_ids()]
        if not matches:
            self.screen.show_error(f"没有找到名为“{name.strip()}”的人员。非党员参会请填在“列席人员”中。")
            return
        person = matches[0]
        if len(matches) > 1:
            labels = [f"{p.name}（{p.address or '无住址'}）" for p in matches]
            label = self.screen.ask_item("添加应到人员", "有几位同名人员，请选择：", labels)
            if label is None:
                return
            person = matches[labels.index(label)]
        self.attendance_model.add(person.id, person.name)

    def _on_remove_person_button_clicked(self) -> None:
        self.attendance_model.remove_rows(self.selected_rows())

    def _on_reset_button_clicked(self) -> None:
        if self.screen.confirm("按会议类型重新生成应到名单？已标记的请假、缺席会被清除。"):
            self._reset_expected()

    def _on_attach_button_clicked(self) -> None:
        paths = self.screen.ask_open_paths("选择附件", "所有文件 (*)")
        if paths:
            names = [a for a in NAME_SPLIT.split(self.attachments_edit.text()) if a.strip()]
            names += [Path(p).name for p in paths if Path(p).name not in names]
            self.attachments_edit.setText("、".join(names))


# The screen -----------------------------------------------------------------------------------------

class MeetingsScreen(Screen):
    key = "meetings"
    title = "三会一课"
    areas = ("meetings", "members", "org")

    meeting_saved = Signal(int)

    def __init__(self, db, signals, parent=None):
        super().__init__(db, signals, parent)
        self._job: DbJob | None = None
        self._on_job_success: Callable[[Any], None] | None = None
        self._progress: QProgressDialog | None = None
        self._build_ui()
        self._connect_signals()
        self.refresh()

    # UI ----------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_records_tab(), "会议记录")
        self.tabs.addTab(self._build_compliance_tab(), "达标情况")
        self.tabs.addTab(self._build_setup_tab(), "会议类型与支委")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

    def _build_records_tab(self) -> QWidget:
        self.branch_combo = QComboBox()
        self.branch_combo.setMinimumWidth(px(180))
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setSuffix(" 年")
        self.month_combo = QComboBox()
        self.month_combo.addItem("全年", "year:0")
        for q in range(1, 5):
            self.month_combo.addItem(f"第{'一二三四'[q - 1]}季度", f"quarter:{q}")
        for m in range(1, 13):
            self.month_combo.addItem(f"{m} 月", f"month:{m}")
        self.new_button = QPushButton("新建会议(Ctrl+N)")
        self.delete_button = QPushButton("删除")
        self.ledger_button = QPushButton("打印台账…")
        self.export_button = QPushButton("导出 Excel…")
        # The buttons wrap under the filters at a large font instead of widening the window.
        bar = flow_row([group("党支部", self.branch_combo, self.year_spin, self.month_combo), STRETCH,
                        group(self.new_button, self.delete_button, self.ledger_button, self.export_button)])

        self.meeting_view = RowsTable(MEETING_COLUMNS, background=lambda m: STATUS["info"].fill if m.status == "计划" else None,
                                      sort_column=0, stretch=COL_TOPIC)
        self.meeting_model, self.meeting_proxy = self.meeting_view.rows_model, self.meeting_view.proxy
        self.empty_state = EmptyState(
            "还没有会议记录",
            "三会一课的每次会议都在这里登记：选好党支部，点“新建会议”，填写主题和出勤后保存。"
            "以前开过的会议可以补录，达标情况会随之更新。",
            [("新建会议", self.new_button.click)], over=self.meeting_view)
        header = self.meeting_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The topic fills the room the others leave but keeps a few characters: at a large font the list
        # scrolls sideways instead of cutting the topic to nothing.
        header.setSectionResizeMode(COL_TOPIC, QHeaderView.ResizeMode.Interactive)
        self.month_summary = QLabel()
        self.month_summary.setWordWrap(True)
        left = QWidget()
        # At a larger font the editor needs the room (the list's columns then scroll sideways).
        left.setMinimumWidth(440 if current_font_size() == "normal" else 300)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.meeting_view, 1)
        left_layout.addWidget(self.month_summary)

        self.editor = MeetingEditor(self)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.editor)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        # At a larger font the editor gets all but the list's minimum: its rows then stay on one line.
        splitter.setSizes([530, 710] if current_font_size() == "normal" else [300, 900])
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(bar)
        layout.addWidget(splitter, 1)
        return tab

    def _build_compliance_tab(self) -> QWidget:
        self.period_kind_combo = QComboBox()
        for value, label in (("month", "按月"), ("quarter", "按季度"), ("year", "按年")):
            self.period_kind_combo.addItem(label, value)
        self.period_year_spin = QSpinBox()
        self.period_year_spin.setRange(2000, 2100)
        self.period_year_spin.setSuffix(" 年")
        self.period_number_combo = QComboBox()
        legend = QLabel()
        legend.setText("　".join(
            f"<span style='background:{STATE_COLORS[s]}'>&nbsp;{meetings.STATE_LABELS[s]}&nbsp;</span>"
            for s in ("held", "due", "overdue", "not_due")
        ))
        bar = QHBoxLayout()
        bar.addWidget(QLabel("期间"))
        bar.addWidget(self.period_kind_combo)
        bar.addWidget(self.period_year_spin)
        bar.addWidget(self.period_number_combo)
        bar.addStretch(1)
        bar.addWidget(legend)
        self.grid_model = ComplianceGridModel(self)
        self.grid_proxy, self.grid_view = sorted_view(self.grid_model, self)
        self.grid_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        if current_font_size() == "normal":
            self.grid_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        else:  # a larger font: whole headers and one-line cells, scrolling sideways rather than clipping
            self.grid_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            self.grid_view.horizontalHeader().setStretchLastSection(True)
        self.grid_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.grid_view.setToolTip("双击一行查看该支部本期的会议记录")

        self.due_label = QTextBrowser()
        self.branch_detail = QTextBrowser()
        due_box = QGroupBox("本月应开（全部支部）")
        QVBoxLayout(due_box).addWidget(self.due_label)
        detail_box = QGroupBox("所选支部：出勤与连续缺席")
        QVBoxLayout(detail_box).addWidget(self.branch_detail)
        lower_widget = QWidget()
        lower_widget.setMaximumHeight(px(240))
        lower = QHBoxLayout(lower_widget)
        lower.setContentsMargins(0, 0, 0, 0)
        lower.addWidget(due_box, 1)
        lower.addWidget(detail_box, 1)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(bar)
        layout.addWidget(self.grid_view, 1)
        layout.addWidget(lower_widget)
        return tab

    def _build_setup_tab(self) -> QWidget:
        self.kind_rows: list[tuple[str, QComboBox, QSpinBox, QComboBox, QCheckBox]] = []
        kinds_box = QGroupBox("会议类型与频次要求（可按本地规定调整，如党课改为每年一次）")
        self.kinds_form = QFormLayout()
        self.add_kind_button = QPushButton("新增会议类型…")
        self.save_kinds_button = QPushButton("保存频次要求")
        kind_buttons = QHBoxLayout()
        kind_buttons.addWidget(self.add_kind_button)
        kind_buttons.addStretch(1)
        kind_buttons.addWidget(self.save_kinds_button)
        kinds_layout = QVBoxLayout(kinds_box)
        kinds_layout.addLayout(self.kinds_form)
        kinds_layout.addLayout(kind_buttons)
        kinds_layout.addStretch(1)

        committee_box = QGroupBox("支部委员（支委会的应到人员）")
        self.committee_branch_label = WrappingLabel()  # a long branch name wraps beside the buttons
        self.committee_view = RowsTable([Column("职务", lambda seat: seat.role), Column("姓名", lambda seat: seat.name)])
        self.committee_model = self.committee_view.rows_model
        self.committee_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.add_seat_button = QPushButton("添加支委…")
        self.remove_seat_button = QPushButton("移除")
        seat_buttons = QHBoxLayout()
        seat_buttons.addWidget(self.committee_branch_label, 1)
        seat_buttons.addWidget(self.add_seat_button)
        seat_buttons.addWidget(self.remove_seat_button)
        committee_layout = QVBoxLayout(committee_box)
        committee_layout.addLayout(seat_buttons)
        committee_layout.addWidget(self.committee_view)
        tab = QWidget()
        layout = QHBoxLayout(tab)
        layout.addWidget(kinds_box, 3)
        layout.addWidget(committee_box, 2)
        return tab

    def _connect_signals(self) -> None:
        self.branch_combo.currentIndexChanged.connect(self._on_branch_combo_current_index_changed)
        self.year_spin.valueChanged.connect(self._on_year_spin_value_changed)
        self.month_combo.currentIndexChanged.connect(self._on_month_combo_current_index_changed)
        self.meeting_view.selectionModel().currentRowChanged.connect(self._on_meeting_view_current_row_changed)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.ledger_button.clicked.connect(self.print_ledger)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.period_kind_combo.currentIndexChanged.connect(self._on_period_kind_combo_current_index_changed)
        self.period_year_spin.valueChanged.connect(self._on_period_changed)
        self.period_number_combo.currentIndexChanged.connect(self._on_period_changed)
        self.grid_view.selectionModel().currentRowChanged.connect(self._on_grid_view_current_row_changed)
        self.grid_view.doubleClicked.connect(self._on_grid_view_double_clicked)
        self.save_kinds_button.clicked.connect(self._on_save_kinds_button_clicked)
        self.add_kind_button.clicked.connect(self._on_add_kind_button_clicked)
        self.add_seat_button.clicked.connect(self._on_add_seat_button_clicked)
        self.remove_seat_button.clicked.connect(self._on_remove_seat_button_clicked)

    # Loading -----------------------------------------------------------------------------------
    def unsaved_input(self) -> bool:
        e = self.editor
        return typed_into(e.place_edit, e.topic_edit, e.minutes_edit, e.resolutions_edit, e.guests_edit,
                          e.attachments_edit)

    def refresh(self) -> None:
        now = today()
        branch_id = self.selected_branch_id()
        self.branch_combo.blockSignals(True)
        self.branch_combo.clear()
        for b in orgs.branches(self.db):
            self.branch_combo.addItem(b.name, b.id)
        i = self.branch_combo.findData(branch_id)
        self.branch_combo.setCurrentIndex(i if i >= 0 else 0)
        self.branch_combo.blockSignals(False)
        if not self.year_spin.property("initialised"):
            for spin in (self.year_spin, self.period_year_spin):
                spin.blockSignals(True)
                spin.setValue(now.year)
                spin.blockSignals(False)
            self.month_combo.blockSignals(True)
            self.month_combo.setCurrentIndex(self.month_combo.findData(f"month:{now.month}"))
            self.month_combo.blockSignals(False)
            self._fill_period_numbers(now)
            self.year_spin.setProperty("initialised", True)
        self._load_kinds_form()
        self.reload_meetings()
        self.reload_compliance()
        self._load_committee()
        if self.editor.meeting_id is None and self.editor.branch_id != self.selected_branch_id() and self.selected_branch_id():
            self.editor.start_new(self.selected_branch_id())
        self._update_buttons()

    def _fill_period_numbers(self, on: dt.date | None = None) -> None:
        kind = self.period_kind_combo.currentData()
        current = self.period_number_combo.currentData()
        self.period_number_combo.blockSignals(True)
        self.period_number_combo.clear()
        if kind == "month":
            for m in range(1, 13):
                self.period_number_combo.addItem(f"{m} 月", m)
        elif kind == "quarter":
            for q in range(1, 5):
                self.period_number_combo.addItem(f"第{'一二三四'[q - 1]}季度", q)
        self.period_number_combo.setVisible(kind != "year")
        if on is not None:
            current = on.month if kind == "month" else (on.month - 1) // 3 + 1
        i = self.period_number_combo.findData(current)
        self.period_number_combo.setCurrentIndex(i if i >= 0 else 0)
        self.period_number_combo.blockSignals(False)

    def reload_meetings(self) -> None:
        branch_id = self.selected_branch_id()
        if branch_id is None:
            self.meeting_model.set_rows([])
            self.month_summary.setText("还没有党支部。请先在“设置—组织机构”中建立党支部。")
            return
        start, end = self._records_range()
        rows = meetings.list_meetings(self.db, branch_id, start, end)
        self.meeting_model.set_rows(rows)
        self.empty_state.show_when(not records.has_any(self.db, "meetings"))
        held = [r for r in rows if r.status == "已召开"]
        rate = meetings.attendance_rate(self.db, branch_id, start, end)
        self.month_summary.setText(
            f"本期共 {len(held)} 次会议（另有计划 {len(rows) - len(held)} 次），出席率 {_rate_text(rate)}。"
        )
        if self.editor.meeting_id is not None:
            self.select_meeting(self.editor.meeting_id)

    def records_period(self) -> meetings.Period:
        """The month, quarter or year the meeting list shows."""
        kind, number = self.month_combo.currentData().split(":")
        return meetings.Period(kind, self.year_spin.value(), int(number))

    def _records_range(self) -> tuple[str, str]:
        view = self.records_period()
        return view.start.isoformat(), view.end.isoformat()

    def current_period(self) -> meetings.Period:
        kind = self.period_kind_combo.currentData()
        number = 0 if kind == "year" else (self.period_number_combo.currentData() or 1)
        return meetings.Period(kind, self.period_year_spin.value(), number)

    def reload_compliance(self) -> None:
        period = self.current_period()
        self.grid_model.set_rows(meetings.list_kinds(self.db), meetings.compliance_grid(self.db, period))
        self.grid_view.resizeRowsToContents()
        due = meetings.due_this_month(self.db)
        if due:
            lines = [f"{d.branch_name}{'' if d.unit_name == d.branch_name else ' ' + d.unit_name}：{d.kind_name}"
                     f"（已开 {d.held}/{d.required}，{d.deadline} 前）" for d in due]
            self.due_label.setText(f"本月还有 {len(due)} 项会议待召开：<br/>" + "<br/>".join(lines))
        else:
            self.due_label.setText("本月应开的会议都已召开。")
        self._show_branch_detail()

    def _show_branch_detail(self) -> None:
        index = self.grid_view.currentIndex()
        if not index.isValid():
            self.branch_detail.setText("点击上表中的一个支部，查看出勤率最低的党员和连续缺席名单。")
            return
        row = self.grid_model.row_at(self.grid_proxy.mapToSource(index).row())
        c = meetings.compliance(self.db, row.branch_id, row.period)
        parts = [f"<b>{c.branch_name}</b> {c.period.label}：出席率 {_rate_text(c.attendance_rate)}，会议 {len(c.meetings)} 次。"]
        if c.overdue:
            parts.append(f"<span style='color:{STATUS['overdue'].text}'>逾期未开：" + "、".join(k.kind_name for k in c.overdue) + "</span>")
        if c.absences:
            parts.append(f"<span style='color:{STATUS['overdue'].text}'>连续两次以上无故缺席（须谈话提醒）：</span>" + "、".join(
                f"{a.name}（连续 {a.count} 次{'，仍在继续' if a.ongoing else ''}）" for a in c.absences))
        else:
            parts.append("没有连续无故缺席的党员。")
        low = [m for m in c.members if m.rate is not None and m.rate < 0.6][:10]
        if low:
            parts.append("出席率低于 60%：" + "、".join(f"{m.name} {_rate_text(m.rate)}" for m in low))
        self.branch_detail.setText("<br/>".join(parts))

    def _rebuild_kind_rows(self, kinds: list[meetings.MeetingKind]) -> None:
        while self.kinds_form.rowCount():
            self.kinds_form.removeRow(0)
        self.kind_rows = []
        for kind in kinds:
            period = QComboBox()
            for value, label in meetings.PERIODS.items():
                period.addItem(label, value)
            count = QSpinBox()
            count.setRange(0, 31)
            count.setSuffix(" 次")
            audience = QComboBox()
            for value, label in meetings.AUDIENCES.items():
                audience.addItem(label, value)
            active = QCheckBox("启用")
            row = QHBoxLayout()
            row.addWidget(period)
            row.addWidget(QLabel("至少"))
            row.addWidget(count)
            row.addWidget(QLabel("应到"))
            row.addWidget(audience)
            row.addWidget(active)
            row.addStretch(1)
            self.kinds_form.addRow(kind.name, row)
            self.kind_rows.append((kind.code, period, count, audience, active))

    def _load_kinds_form(self) -> None:
        all_kinds = meetings.list_kinds(self.db, active_only=False)
        if [k.code for k in all_kinds] != [r[0] for r in self.kind_rows]:
            self._rebuild_kind_rows(all_kinds)
        kinds = {k.code: k for k in all_kinds}
        for code, period, count, audience, active in self.kind_rows:
            kind = kinds[code]
            period.setCurrentIndex(period.findData(kind.period))
            count.setValue(kind.required_count)
            audience.setCurrentIndex(audience.findData(kind.audience))
            active.setChecked(kind.active)

    def _load_committee(self) -> None:
        branch_id = self.selected_branch_id()
        self.committee_branch_label.setText(self.branch_combo.currentText())
        self.committee_model.set_rows(meetings.committee(self.db, branch_id) if branch_id else [])

    def _update_buttons(self) -> None:
        has_branch = self.selected_branch_id() is not None
        self.editor.setEnabled(has_branch)
        for b in (self.new_button, self.ledger_button, self.export_button, self.editor.save_button,
                  self.add_seat_button):
            b.setEnabled(has_branch)
        self.delete_button.setEnabled(self.editor.meeting_id is not None)
        self.editor.signin_button.setEnabled(self.editor.meeting_id is not None)

    # Public API tests drive ----------------------------------------------------------------------
    def command_slots(self):
        tab = self.tabs.currentIndex()
        if tab == 0:
            slots = {"find": ("在出勤名单中查找", lambda: self.focus_line_edit(self.editor.find_edit))}
            if self.selected_branch_id() is not None:
                slots.update({"new": ("新建会议", self._on_new_button_clicked),
                              "save": ("保存会议", self.save_meeting),
                              "print": ("打印三会一课台账…", self.print_ledger)})
            return slots
        if tab == 2:
            return {"save": ("保存频次要求", self._on_save_kinds_button_clicked)}
        return {}

    def selected_branch_id(self) -> int | None:
        return self.branch_combo.currentData()

    def select_branch(self, branch_id: int) -> None:
        self.branch_combo.setCurrentIndex(self.branch_combo.findData(branch_id))

    def set_month(self, year: int, month: int) -> None:
        """Show a month's meetings (month 0: the whole year)."""
        self.set_records_period(meetings.Period("month", year, month) if month else meetings.Period("year", year))

    def set_records_period(self, period: str | meetings.Period) -> None:
        p = meetings.parse_period(period)
        self.month_combo.blockSignals(True)
        self.month_combo.setCurrentIndex(self.month_combo.findData(f"{p.kind}:{p.number}"))
        self.month_combo.blockSignals(False)
        self.year_spin.blockSignals(True)
        self.year_spin.setValue(p.year)
        self.year_spin.blockSignals(False)
        self.reload_meetings()

    def set_period(self, period: str | meetings.Period) -> None:
        p = meetings.parse_period(period)
        self.period_kind_combo.setCurrentIndex(self.period_kind_combo.findData(p.kind))
        self.period_year_spin.setValue(p.year)
        if p.kind != "year":
            self.period_number_combo.setCurrentIndex(self.period_number_combo.findData(p.number))
        self.reload_compliance()

    def meeting_rows(self) -> list[MeetingSummary]:
        return self.meeting_view.visible_rows()

    def select_meeting(self, meeting_id: int) -> None:
        for r, row in enumerate(self.meeting_view.visible_rows()):
            if row.id == meeting_id:
                self.meeting_view.selectionModel().blockSignals(True)
                self.meeting_view.selectRow(r)
                self.meeting_view.selectionModel().blockSignals(False)
                return

    def open_meeting(self, meeting_id: int) -> None:
        self.editor.load(meeting_id)
        self.select_meeting(meeting_id)
        self._update_buttons()

    def new_meeting(self, kind_code: str | None = None) -> MeetingEditor:
        branch_id = self.selected_branch_id()
        if branch_id is None:
            self.show_error("还没有党支部。请先在“设置—组织机构”中建立党支部。")
            return self.editor
        self.meeting_view.clearSelection()
        self.tabs.setCurrentIndex(0)
        self.editor.start_new(branch_id, kind_code)
        self._update_buttons()
        return self.editor

    def grid_cell(self, branch_id: int, kind_code: str) -> meetings.KindCompliance:
        for r in range(self.grid_model.rowCount()):
            row = self.grid_model.row_at(r)
            if row.branch_id == branch_id:
                return row.kind(kind_code)
        raise KeyError(branch_id)

    def grid_cell_text(self, branch_id: int, kind_code: str) -> str:
        codes = [k.code for k in self.grid_model._kinds]
        for r in range(self.grid_model.rowCount()):
            if self.grid_model.row_at(r).branch_id == branch_id:
                return self.grid_model.index(r, codes.index(kind_code) + 1).data()
        raise KeyError(branch_id)

    def save_meeting(self) -> int | None:
        """Validate and store the editor's meeting; on an error nothing is written and the form stays."""
        if self.editor.branch_id is None:
            return None
        values = self.editor.values()
        attendance = self.editor.attendance_model.attendance()
        guests = self.editor.guests()
        try:
            if self.editor.meeting_id is None:
                meeting_id = meetings.create_meeting(self.db, values, attendance, guests)
            else:
                meeting_id = self.editor.meeting_id
                meetings.update_meeting(self.db, meeting_id, values, attendance, guests)
        except UserError as exc:
            self.show_error(str(exc))
            return None
        self.editor.meeting_id = meeting_id
        date = dt.date.fromisoformat(values["date"])
        if not self.records_period().contains(date):
            self.set_month(date.year, date.month)
        self.changed("meetings")
        self.open_meeting(meeting_id)
        self.meeting_saved.emit(meeting_id)
        return meeting_id

    def delete_selected(self) -> None:
        meeting_id = self.editor.meeting_id
        if meeting_id is None:
            return
        m = meetings.get_meeting(self.db, meeting_id)
        if not self.delete_records(f"确定要删除 {m.date} 的{m.kind_name}记录吗？出勤登记会一并删除。",
                                   f"{m.date} {m.kind_name}（{m.unit_name}）", ("meetings",),
                                   lambda: meetings.delete_meeting(self.db, meeting_id)):
            return
        self.editor.meeting_id = None
        self.editor.start_new(m.branch_id)

    def pdf_dir(self) -> Path:
        path = Path(tempfile.gettempdir()) / "dangjian-pdf"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def preview_pdf(self, path: Path, title: str) -> None:
        from gui.pdf_preview import show_pdf

        show_pdf(self, path, title)

    def print_ledger(self) -> DbJob | None:
        """Write the shown period's ledger PDF in the background, then preview it (a big branch takes a while)."""
        branch_id = self.selected_branch_id()
        if branch_id is None:
            return None
        period = self.records_period()
        out = self.pdf_dir() / f"三会一课台账-{branch_id}-{period.code}.pdf"

        def work(db: Db, job: DbJob) -> Path:
            from reports.meeting_ledger_pdf import render_ledger

            return render_ledger(db, branch_id, period, out)

        return self.run_job("正在生成三会一课台账…", work, lambda path: self.preview_pdf(path, "三会一课台账"))

    def print_signin_sheet(self) -> DbJob | None:
        """The saved (or planned) meeting's blank 签到表, written in the background, then previewed."""
        meeting_id = self.editor.meeting_id
        if meeting_id is None:
            self.show_error("请先保存会议（可把状态设为“计划”），再打印签到表。")
            return None
        out = self.pdf_dir() / f"签到表-{meeting_id}.pdf"

        def work(db: Db, job: DbJob) -> Path:
            from reports.signin_sheet_pdf import render_signin_sheet

            return render_signin_sheet(db, meeting_id, out)

        return self.run_job("正在生成签到表…", work, lambda path: self.preview_pdf(path, "签到表"))

    def ask_save_path(self, title: str, suggested: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self, title, suggested, filters)[0]

    def ask_open_paths(self, title: str, filters: str) -> list[str]:
        return QFileDialog.getOpenFileNames(self, title, "", filters)[0]

    def export_excel(self, out: Path, year: int) -> DbJob | None:
        """Write the year's Excel ledger in the background; returns the job (tests wait for it)."""
        from core.meetings_excel import export_ledger

        def work(db: Db, job: DbJob) -> str:
            result = export_ledger(db, out, year, progress=job.progress, cancelled=lambda: job.cancelled)
            return f"已导出 {result.year} 年三会一课台账（{result.branches} 个支部、{result.meetings} 次会议）：\n{result.path}"

        return self.run_job("正在导出三会一课台账…", work, self.show_info)

    def run_job(self, label: str, work: Callable[[Db, DbJob], object], on_success: Callable[[Any], None]) -> DbJob | None:
        """Long work off the GUI thread with a progress dialog whose 取消 stops it (or drops its result)."""
        if self._job is not None:
            self.show_error("上一项导出或打印还没有完成，请稍候。")
            return None
        if self.db.path is None:
            self.show_error("内存数据库不能导出，请先保存到文件。")
            return None
        progress = QProgressDialog(label, "取消", 0, 0, self)
        progress.setWindowTitle("请稍候")
        progress.setMinimumDuration(300)
        job = DbJob(self.db.path, work, self)
        # Bound slots of this widget: Qt queues them into the GUI thread.
        job.progressed.connect(self._on_job_progressed)
        job.succeeded.connect(self._on_job_succeeded)
        job.failed.connect(self._on_job_failed)
        job.finished.connect(job.deleteLater)
        progress.canceled.connect(job.cancel)
        self._progress, self._job, self._on_job_success = progress, job, on_success
        job.start()
        return job

    def job_running(self) -> bool:
        return self._job is not None

    def _on_job_progressed(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress.setMaximum(max(1, total))
            self._progress.setValue(done)

    def _finish_job(self) -> None:
        if self._progress is not None:
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None
        self._job = None

    def _on_job_succeeded(self, result: object) -> None:
        on_success = self._on_job_success
        self._finish_job()
        if on_success is not None:
            on_success(result)

    def _on_job_failed(self, message: str) -> None:
        self._finish_job()
        self.show_error(message)

    # Slots -------------------------------------------------------------------------------------
    def _on_branch_combo_current_index_changed(self, _index: int) -> None:
        self.editor.meeting_id = None
        self.reload_meetings()
        self._load_committee()
        if self.selected_branch_id():
            self.editor.start_new(self.selected_branch_id())
        self._update_buttons()

    def _on_year_spin_value_changed(self, _value: int) -> None:
        self.reload_meetings()

    def _on_month_combo_current_index_changed(self, _index: int) -> None:
        self.reload_meetings()

    def _on_meeting_view_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            row = self.meeting_view.row_for(current)
            self.open_meeting(row.id)

    def _on_new_button_clicked(self) -> None:
        self.new_meeting()

    def _on_delete_button_clicked(self) -> None:
        self.delete_selected()

    def _on_export_button_clicked(self) -> None:
        year = self.year_spin.value()
        path = self.ask_save_path("导出三会一课台账", f"三会一课台账-{year}.xlsx", "Excel 文件 (*.xlsx)")
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            self.export_excel(Path(path), year)

    def _on_period_kind_combo_current_index_changed(self, _index: int) -> None:
        self._fill_period_numbers(today())
        self.reload_compliance()

    def _on_period_changed(self, *_args) -> None:
        self.reload_compliance()

    def _on_grid_view_current_row_changed(self, *_args) -> None:
        self._show_branch_detail()

    def _on_grid_view_double_clicked(self, index: QModelIndex) -> None:
        row = self.grid_model.row_at(self.grid_proxy.mapToSource(index).row())
        self.select_branch(row.branch_id)
        self.set_records_period(row.period)
        self.tabs.setCurrentIndex(0)

    def _on_save_kinds_button_clicked(self) -> None:
        try:
            with self.db.atomic():
                for code, period, count, audience, active in self.kind_rows:
                    meetings.update_kind(self.db, code, period=period.currentData(), required_count=count.value(),
                                         audience=audience.currentData(), active=active.isChecked())
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.changed("meetings")
        self.show_info("频次要求已保存，达标情况已按新要求重新计算。")

    def _on_add_kind_button_clicked(self) -> None:
        name = self.ask_text("新增会议类型", "名称（如 谈心谈话）：")
        if not name:
            return
        try:
            meetings.add_kind(self.db, name)
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.changed("meetings")
        self.show_info(f"已新增“{name.strip()}”，默认每年至少 1 次、应到支部全体党员；可在本页调整后保存。")

    def _on_add_seat_button_clicked(self) -> None:
        branch_id = self.selected_branch_id()
        if branch_id is None:
            return
        name = self.ask_text("添加支委", "党员姓名：")
        if not name:
            return
        people = [p for p in meetings.expected_people(self.db, branch_id, "general") if p.name == name.strip()]
        if not people:
            self.show_error(f"本支部没有名为“{name.strip()}”的党员。支委应从本支部党员中产生，请核对姓名。")
            return
        person = people[0]
        if len(people) > 1:
            labels = [f"{p.name}（人员编号 {p.person_id}）" for p in people]
            label = self.ask_item("添加支委", "有几位同名党员，请选择：", labels)
            if label is None:
                return
            person = people[labels.index(label)]
        role = self.ask_item("添加支委", "职务：", list(meetings.COMMITTEE_ROLES))
        if role is None:
            return
        try:
            meetings.add_committee_member(self.db, branch_id, person.person_id, role)
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.changed("meetings")

    def _on_remove_seat_button_clicked(self) -> None:
        seat = self.committee_view.selected_row()
        if seat is None:
            return
        self.delete_records(f"确定把 {seat.name}（{seat.role}）移出支委吗？已有的会议记录不受影响。",
                            f"支委 {seat.name}（{seat.role}）", ("meetings",),
                            lambda: meetings.remove_committee_member(self.db, seat.id))
