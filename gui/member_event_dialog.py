"""Recording a life-cycle event (入党, 转正, 延长预备期, 转入/转出, 流动, 失联, 出党, 去世) for one member."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QGridLayout, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget,
)

from core import member_events, members
from core.clock import today
from core.db import Db
from core.errors import UserError, ValidationError
from gui.base import bind_save_key
from gui.member_form import ERROR_STYLE, HINT_STYLE
from gui.style import fitted, px

KIND_HINTS = {
    "full": "转正后党员类别改为正式党员，转正时间为所填日期（不早于预备期满之日）。",
    "extend": "预备期只能延长一次，时间为 6 至 12 个月。",
    "transfer_out": "转出后不再计入本单位名册，可在筛选“全部（含已转出）”中查看。",
    "transfer_in": "转入后状态恢复为正常。",
    "restore": "把流动、失联、停止党籍等状态恢复为正常。",
    "death": "记录后不能再记录其他变动。",
    "leave": "记录后不能再记录其他变动。",
}


class MemberEventDialog(QDialog):
    recorded = Signal(int)

    def __init__(self, db: Db, member_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.member = members.get(db, member_id)
        self.setWindowTitle(f"记录党员变动 — {self.member.name}")
        self.errors: dict[str, QLabel] = {}
        self._build_ui()
        self._connect_signals()
        self._on_kind_current_index_changed()

    def _build_ui(self) -> None:
        m = self.member
        due = m.probation_due()
        summary = f"{m.name}　{m.branch_name}　{m.category}　状态：{m.status}"
        if due:
            summary += f"　预备期满：{due}"
        self.summary = QLabel(summary)
        self.kind = QComboBox()
        for kind in member_events.allowed_kinds(m):
            self.kind.addItem(member_events.KIND_LABELS[kind], kind)
        self.event_date = QLineEdit(today().isoformat())
        self.other_org = QLineEdit()
        self.place = QLineEdit()
        self.months = QSpinBox()
        self.months.setRange(*member_events.EXTENSION_MONTHS)
        self.months.setSuffix(" 个月")
        self.note = QLineEdit()
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(HINT_STYLE)
        self.general_error = QLabel()
        self.general_error.setWordWrap(True)
        self.general_error.setStyleSheet(ERROR_STYLE)
        grid = QGridLayout()
        self.rows: dict[str, tuple[QLabel, QWidget, QLabel]] = {}
        for row, (key, label, widget) in enumerate([
            ("kind", "变动类型", self.kind), ("event_date", "日期", self.event_date),
            ("other_org", "对方党组织", self.other_org), ("place", "地点", self.place),
            ("months", "延长时间", self.months), ("note", "备注", self.note),
        ]):
            caption = QLabel(label + "：")
            error = QLabel()
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.setMinimumWidth(px(200))
            grid.addWidget(caption, row, 0)
            grid.addWidget(widget, row, 1)
            grid.addWidget(error, row, 2)
            self.errors[key] = error
            self.rows[key] = (caption, widget, error)
        grid.setColumnStretch(1, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(grid)
        layout.addWidget(self.hint)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        if not self.kind.count():
            self.general_error.setText(f"{m.name}的状态是“{m.status}”，不能再记录变动。")
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        self.resize(fitted(620, 320))

    def _connect_signals(self) -> None:
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        bind_save_key(self, self.buttons.button(QDialogButtonBox.StandardButton.Save))

    def _show_row(self, key: str, visible: bool, caption: str | None = None) -> None:
        label, widget, error = self.rows[key]
        for w in (label, widget, error):
            w.setVisible(visible)
        if caption:
            label.setText(caption + "：")

    def _on_kind_current_index_changed(self, *_args) -> None:
        kind = self.kind.currentData()
        self._show_row("other_org", kind in member_events.NEEDS_OTHER_ORG,
                       member_events.NEEDS_OTHER_ORG.get(kind))
        self._show_row("place", kind in member_events.NEEDS_PLACE, member_events.NEEDS_PLACE.get(kind))
        self._show_row("months", kind == "extend")
        self.hint.setText(KIND_HINTS.get(kind, ""))
        if kind == "full" and self.member.probation_due() and self.member.probation_due() <= today().isoformat():
            self.event_date.setText(self.member.probation_due())
        for error in self.errors.values():
            error.setText("")
        self.general_error.setText("")

    def select_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def save(self) -> int | None:
        for error in self.errors.values():
            error.setText("")
        self.general_error.setText("")
        kind = self.kind.currentData()
        try:
            event_id = member_events.record(
                self.db, self.member.id, kind, self.event_date.text(),
                other_org=self.other_org.text(), place=self.place.text(),
                months=self.months.value() if kind == "extend" else None, note=self.note.text(),
            )
        except ValidationError as exc:
            target = self.errors.get(exc.field or "")
            (target or self.general_error).setText(str(exc))
            return None
        except UserError as exc:
            self.general_error.setText(str(exc))
            return None
        self.recorded.emit(event_id)
        self.accept()
        return event_id

    def _on_buttons_accepted(self) -> None:
        self.save()
