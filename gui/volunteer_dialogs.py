"""Forms of the volunteer screen: an activity with its participants, person search, teams, 双报到 members and units."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
    QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
    QSplitter, QTableWidget, QTableWidgetItem, QTimeEdit, QVBoxLayout, QWidget,
)

from core import idcard, members, orgs, persons
from core import volunteers as vol
from core.db import Db
from core.errors import UserError
from gui.base import bind_save_key, date_edit, iso
from gui.style import fitted, px, set_role
from gui.table_model import Column, RowsTable, readable_rows
from gui.window_state import remember_dialog

ID_ROLE = Qt.ItemDataRole.UserRole


def community_combo(db: Db, selected: int | None = None, with_all: bool = False) -> QComboBox:
    combo = QComboBox()
    if with_all:
        combo.addItem("全部社区", None)
    for unit in orgs.list_units(db, kind="community"):
        combo.addItem(unit.name, unit.id)
    if selected:
        combo.setCurrentIndex(max(0, combo.findData(selected)))
    return combo


class FormDialog(QDialog):
    """A dialog whose errors appear in red under the form; what was typed stays."""

    def __init__(self, db: Db, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.setWindowTitle(title)
        self.error_label = QLabel()
        set_role(self.error_label, "error")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        bind_save_key(self, self.buttons.button(QDialogButtonBox.StandardButton.Save))

    def finish_layout(self, body: QVBoxLayout) -> None:
        body.addWidget(self.error_label)
        body.addWidget(self.buttons)

    def build_form(self, rows: list[tuple[str, QWidget]], width: int = 460) -> QFormLayout:
        """The usual dialog: labelled fields, the error line, Save and Cancel."""
        form = QFormLayout()
        for label, widget in rows:
            form.addRow(label, widget)
        body = QVBoxLayout(self)
        body.addLayout(form)
        self.finish_layout(body)
        self.resize(width, 0)
        return form

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)

    def _on_buttons_accepted(self) -> None:
        self.save()

    def save(self) -> bool:
        try:
            self.write()
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.error_label.setText("")
        self.accept()
        return True

    def write(self) -> None:
        raise UserError("这个表单不能保存。")


# Persons ------------------------------------------------------------------------------------------

class VolunteerDialog(FormDialog):
    """登记或修改志愿者: name, phone, ID number (optional), address, skills."""

    def __init__(self, db: Db, name: str = "", volunteer_id: int | None = None, parent: QWidget | None = None):
        super().__init__(db, "修改志愿者信息" if volunteer_id else "登记志愿者", parent)
        self.volunteer_id = volunteer_id
        self.person_id: int | None = None
        current = vol.get_volunteer(db, volunteer_id) if volunteer_id else None
        person = persons.get(db, current.person_id) if current else None
        self.name_edit = QLineEdit(person.name if person else name)
        self.phone_edit = QLineEdit(person.phone or "" if person else "")
        self.id_edit = QLineEdit(person.id_number or "" if person else "")
        self.id_edit.setPlaceholderText("可不填")
        self.address_edit = QLineEdit(person.address or "" if person else "")
        self.skills_edit = QLineEdit(current.skills or "" if current else "")
        self.skills_edit.setPlaceholderText("如：理发、电器维修、医疗护理")
        self.note_edit = QLineEdit(current.note or "" if current else "")
        form = self.build_form([("姓名：", self.name_edit), ("联系电话：", self.phone_edit), ("身份证号：", self.id_edit),
                                ("住址：", self.address_edit), ("特长：", self.skills_edit), ("备注：", self.note_edit)], 440)
        if current and current.is_member:
            hint = QLabel("该志愿者是党员：姓名、电话、身份证号的修改会同步到党员名册。")
            hint.setWordWrap(True)
            form.addRow(hint)

    def write(self) -> None:
        person = {"name": self.name_edit.text(), "phone": self.phone_edit.text(),
                  "id_number": self.id_edit.text().strip() or None, "address": self.address_edit.text().strip() or None}
        if self.volunteer_id:
            vol.update_volunteer(self.db, self.volunteer_id, skills=self.skills_edit.text(), note=self.note_edit.text(),
                                 person=person)
        else:
            self.volunteer_id = vol.create_volunteer(self.db, person, skills=self.skills_edit.text(),
                                                     note=self.note_edit.text())
        self.person_id = vol.get_volunteer(self.db, self.volunteer_id).person_id


def _role(hit: vol.PersonHit) -> str:
    roles = []
    if hit.member_id:
        roles.append("党员")
    if hit.volunteer_id:
        roles.append("志愿者")
    return "、".join(roles) or "居民"


class PersonPickerDialog(QDialog):
    """Find a person by name, pinyin, initials or phone; or register a new resident volunteer."""

    def __init__(self, db: Db, title: str = "选择人员", parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.person_id: int | None = None
        self.setWindowTitle(title)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("输入姓名、拼音、首字母或电话，如：王丽 / wangli / wl")
        self.search_edit.setClearButtonEnabled(True)
        self.table = RowsTable([
            Column("姓名", lambda h: h.name, width=90),
            Column("身份", lambda h: _role(h), width=90),
            Column("性别", lambda h: h.gender or "", width=50),
            Column("联系电话", lambda h: idcard.mask_phone(h.phone), width=110),
            Column("住址", lambda h: h.address or ""),
        ], key=lambda h: h.person_id)
        self.hint = QLabel("找不到？可以登记为新的居民志愿者。")
        self.new_button = QPushButton("登记新志愿者…")
        self.choose_button = QPushButton("选择")
        self.choose_button.setDefault(True)
        self.cancel_button = QPushButton("取消")
        bar = QHBoxLayout()
        bar.addWidget(self.hint, 1)
        bar.addWidget(self.new_button)
        bar.addWidget(self.choose_button)
        bar.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)
        self.resize(fitted(640, 420))
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.table.doubleClicked.connect(self._on_choose_button_clicked)
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.cancel_button.clicked.connect(self.reject)

    def search(self, text: str) -> list[vol.PersonHit]:
        self.search_edit.setText(text)
        return self.table.rows()

    def choose(self, person_id: int) -> None:
        self.person_id = person_id
        self.accept()

    def _on_search_edit_text_changed(self, text: str) -> None:
        hits = vol.search_people(self.db, text)
        self.table.set_rows(hits)
        if hits:
            self.table.select_source_row(0)

    def _on_choose_button_clicked(self, *_args) -> None:
        hit = self.table.selected_row()
        if hit is not None:
            self.choose(hit.person_id)

    def _on_new_button_clicked(self) -> None:
        text = self.search_edit.text().strip()
        dialog = VolunteerDialog(self.db, text if text and not text.isascii() else "", parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.person_id:
            self.choose(dialog.person_id)


# Teams --------------------------------------------------------------------------------------------

class TeamDialog(FormDialog):
    def __init__(self, db: Db, team_id: int | None = None, community_id: int | None = None, parent: QWidget | None = None):
        super().__init__(db, "修改志愿服务队" if team_id else "新建志愿服务队", parent)
        self.team_id = team_id
        team = vol.get_team(db, team_id) if team_id else None
        self.name_edit = QLineEdit(team.name if team else "")
        self.name_edit.setPlaceholderText("如：西湖社区学雷锋志愿服务队")
        self.community = community_combo(db, team.community_id if team else community_id)
        self.kind = QComboBox()
        self.kind.setEditable(True)
        for kind in vol.list_kinds(db):
            self.kind.addItem(kind.name, kind.id)
        if team:
            self.kind.setCurrentIndex(self.kind.findData(team.kind_id))
        self.founded_edit = QLineEdit(team.founded_date or "" if team else "")
        self.founded_edit.setPlaceholderText("如 2019-03-05，可不填")
        self.note_edit = QLineEdit(team.note or "" if team else "")
        self.build_form([("队伍名称：", self.name_edit), ("所属社区：", self.community), ("队伍类型：", self.kind),
                         ("成立日期：", self.founded_edit), ("备注：", self.note_edit)])

    def write(self) -> None:
        kind = self.kind.currentText().strip()
        args = (self.community.currentData(), self.name_edit.text(), kind, )
        if self.team_id:
            vol.update_team(self.db, self.team_id, *args, founded_date=self.founded_edit.text().strip() or None,
                            note=self.note_edit.text())
        else:
            self.team_id = vol.create_team(self.db, *args, founded_date=self.founded_edit.text().strip() or None,
                                           note=self.note_edit.text())


# Activities ---------------------------------------------------------------------------------------

@dataclass
class _Row:
    person_id: int
    name: str
    info: str
    ticked: bool
    from_team: bool
    minutes: int | None = None  # None: the activity's length


class ActivityDialog(FormDialog):
    """One form for an activity and its participants: tick the team's members, add others, edit each one's hours."""

    saved = Signal(int)

    COL_NAME, COL_INFO, COL_HOURS = range(3)

    def __init__(self, db: Db, activity_id: int | None = None, team_id: int | None = None,
                 community_id: int | None = None, parent: QWidget | None = None):
        super().__init__(db, "修改活动记录" if activity_id else "记录志愿服务活动", parent)
        self.activity_id = activity_id
        self._rows: list[_Row] = []
        self._loading = True
        existing = vol.activity_input(db, activity_id) if activity_id else None
        if team_id:
            community_id = vol.get_team(db, team_id).community_id
        self._build_ui(existing.community_id if existing else community_id)
        self._connect_signals()
        if existing:
            self._load(existing)
        else:
            self._fill_lists([team_id] if team_id else [], [])
            self._reload_roster()
        self._loading = False
        self._update_length()

    def _build_ui(self, community_id: int | None) -> None:
        self.community = community_combo(self.db, community_id)
        self.date_edit = date_edit()
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.start_edit = QTimeEdit(QTime(9, 0))
        self.end_edit = QTimeEdit(QTime(11, 0))
        for edit in (self.start_edit, self.end_edit):
            edit.setDisplayFormat("HH:mm")
        self.length_label = QLabel()
        self.place_edit = QLineEdit()
        self.place_edit.setPlaceholderText("如：社区党群服务中心")
        self.content_edit = QLineEdit()
        self.content_edit.setPlaceholderText("如：为独居老人打扫卫生")
        self.note_edit = QLineEdit()
        times = QHBoxLayout()
        times.addWidget(self.start_edit)
        times.addWidget(QLabel("至"))
        times.addWidget(self.end_edit)
        times.addWidget(self.length_label, 1)
        form = QFormLayout()
        form.addRow("社区：", self.community)
        form.addRow("活动日期：", self.date_edit)
        form.addRow("活动时间：", times)
        form.addRow("地点：", self.place_edit)
        form.addRow("活动内容：", self.content_edit)
        form.addRow("备注：", self.note_edit)

        self.team_list = QListWidget()
        self.unit_list = QListWidget()
        for widget in (self.team_list, self.unit_list):
            widget.setMaximumHeight(px(110))
        teams_box = QGroupBox("参加的志愿服务队（勾选后自动列出在队队员）")
        QVBoxLayout(teams_box).addWidget(self.team_list)
        units_box = QGroupBox("参加的共建单位（双报到）")
        QVBoxLayout(units_box).addWidget(self.unit_list)
        lists = QHBoxLayout()
        lists.addWidget(teams_box, 3)
        lists.addWidget(units_box, 2)

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["参加人员（勾选）", "所属队伍 / 说明", "服务时长（小时）"])
        self.table.horizontalHeader().setSectionResizeMode(self.COL_NAME, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(self.COL_INFO, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(self.COL_HOURS, px(130))
        self.table.verticalHeader().setVisible(False)
        readable_rows(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.add_button = QPushButton("添加其他人员…")
        self.tick_all = QCheckBox("全选")
        self.reset_hours_button = QPushButton("时长全部按活动时长")
        self.summary_label = QLabel()
        people_bar = QHBoxLayout()
        people_bar.addWidget(self.tick_all)
        people_bar.addWidget(self.add_button)
        people_bar.addWidget(self.reset_hours_button)
        people_bar.addStretch(1)
        people_bar.addWidget(self.summary_label)
        people_box = QGroupBox("参加人员和服务时长（默认按活动时长，部分参加的可改小）")
        people_layout = QVBoxLayout(people_box)
        people_layout.addLayout(people_bar)
        people_layout.addWidget(self.table)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(form)
        top_layout.addLayout(lists)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(people_box)
        splitter.setStretchFactor(1, 1)
        body = QVBoxLayout(self)
        body.addWidget(splitter, 1)
        self.finish_layout(body)
        self.resize(fitted(820, 760))
        remember_dialog(self, "activity")

    def _connect_signals(self) -> None:
        self.community.currentIndexChanged.connect(self._on_community_current_index_changed)
        self.date_edit.dateChanged.connect(self._on_date_edit_date_changed)
        self.start_edit.timeChanged.connect(self._on_times_changed)
        self.end_edit.timeChanged.connect(self._on_times_changed)
        self.team_list.itemChanged.connect(self._on_team_list_item_changed)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.reset_hours_button.clicked.connect(self._on_reset_hours_button_clicked)
        self.tick_all.clicked.connect(self._on_tick_all_clicked)
        self.table.itemChanged.connect(self._on_table_item_changed)

    # Loading ---------------------------------------------------------------------------------------
    def _fill_lists(self, team_ids: list[int], unit_ids: list[int]) -> None:
        community_id = self.community.currentData()
        self.team_list.blockSignals(True)
        self.team_list.clear()
        teams = vol.list_teams(self.db, community_id) if community_id else []
        extra = [vol.get_team(self.db, t) for t in team_ids if t not in {x.id for x in teams}]
        for team in teams + extra:
            item = QListWidgetItem(f"{team.name}（{team.kind_name}）")
            item.setData(ID_ROLE, team.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if team.id in team_ids else Qt.CheckState.Unchecked)
            self.team_list.addItem(item)
        self.team_list.blockSignals(False)
        self.unit_list.clear()
        units = vol.list_units(self.db, community_id, include_ended=False) if community_id else []
        for unit in units + [vol.get_unit(self.db, u) for u in unit_ids if u not in {x.id for x in units}]:
            item = QListWidgetItem(unit.name)
            item.setData(ID_ROLE, unit.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if unit.id in unit_ids else Qt.CheckState.Unchecked)
            self.unit_list.addItem(item)

    def _load(self, data: vol.ActivityInput) -> None:
        day = dt.date.fromisoformat(str(data.date))
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.start_edit.setTime(QTime.fromString(str(data.start_time), "HH:mm"))
        self.end_edit.setTime(QTime.fromString(str(data.end_time), "HH:mm"))
        self.place_edit.setText(data.place or "")
        self.content_edit.setText(data.content)
        self.note_edit.setText(data.note or "")
        self._fill_lists(list(data.team_ids), list(data.unit_ids))
        self._reload_roster()
        length = self.length_minutes()
        given = {p.person_id: p.minutes for p in data.participants}
        for row in self._rows:
            row.ticked = row.person_id in given
            if row.person_id in given and given[row.person_id] != length:
                row.minutes = given[row.person_id]
        known = {r.person_id for r in self._rows}
        for person_id, minutes in given.items():
            if person_id not in known:
                person = persons.get(self.db, person_id)
                self._rows.append(_Row(person_id, person.name, "其他人员", True, False, None if minutes == length else minutes))
        self._render()

    def _reload_roster(self) -> None:
        """List the checked teams' members for the date; keep what the user already ticked, typed or added."""
        previous = {r.person_id: r for r in self._rows}
        rows: list[_Row] = []
        for entry in vol.roster_for(self.db, self.team_ids(), iso(self.date_edit)):
            old = previous.pop(entry.person_id, None)
            info = entry.team_name + (f"（{entry.reason}，默认不勾选）" if entry.reason else "")
            ticked = entry.ticked if old is None or old.from_team else old.ticked
            rows.append(_Row(entry.person_id, entry.name, info, ticked, True, old.minutes if old else None))
        rows += [r for r in previous.values() if not r.from_team]
        self._rows = rows
        self._render()

    def _render(self) -> None:
        self.table.blockSignals(True)
        for i in range(self.table.rowCount()):
            old = self.table.cellWidget(i, self.COL_HOURS)
            if old is not None:
                old.hide()  # deleted later by the table; never painted again meanwhile
        self.table.setRowCount(0)
        self.table.setRowCount(len(self._rows))
        length = self.length_minutes()
        for i, row in enumerate(self._rows):
            name = QTableWidgetItem(row.name)
            name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            name.setCheckState(Qt.CheckState.Checked if row.ticked else Qt.CheckState.Unchecked)
            name.setData(ID_ROLE, row.person_id)
            self.table.setItem(i, self.COL_NAME, name)
            info = QTableWidgetItem(row.info)
            info.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(i, self.COL_INFO, info)
            if row.minutes is not None and row.minutes >= length:
                row.minutes = None  # the activity got shorter: full participation again
            spin = QDoubleSpinBox()
            spin.setRange(0, float(vol.hours_decimal(max(0, length))))  # never more than the activity lasts
            spin.setDecimals(2)
            spin.setSingleStep(0.5)
            spin.setSuffix(" 小时")
            spin.setValue(float(vol.hours_decimal(row.minutes if row.minutes is not None else max(0, length))))
            spin.setEnabled(row.ticked)
            spin.valueChanged.connect(lambda value, r=row: self._on_hours_changed(r, value))
            self.table.setCellWidget(i, self.COL_HOURS, spin)
        self.table.blockSignals(False)
        self._update_summary()

    # Public API (tests drive the form with these) --------------------------------------------------
    def team_ids(self) -> list[int]:
        return [self.team_list.item(i).data(ID_ROLE) for i in range(self.team_list.count())
                if self.team_list.item(i).checkState() == Qt.CheckState.Checked]

    def unit_ids(self) -> list[int]:
        return [self.unit_list.item(i).data(ID_ROLE) for i in range(self.unit_list.count())
                if self.unit_list.item(i).checkState() == Qt.CheckState.Checked]

    def set_team_checked(self, team_id: int, checked: bool = True) -> None:
        for i in range(self.team_list.count()):
            if self.team_list.item(i).data(ID_ROLE) == team_id:
                self.team_list.item(i).setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def set_unit_checked(self, unit_id: int, checked: bool = True) -> None:
        for i in range(self.unit_list.count()):
            if self.unit_list.item(i).data(ID_ROLE) == unit_id:
                self.unit_list.item(i).setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def set_date(self, day: dt.date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    def set_times(self, start: str, end: str) -> None:
        self.start_edit.setTime(QTime.fromString(start, "HH:mm"))
        self.end_edit.setTime(QTime.fromString(end, "HH:mm"))

    def length_minutes(self) -> int:
        return self.start_edit.time().secsTo(self.end_edit.time()) // 60

    def participants(self) -> list[tuple[int, str, bool, int]]:
        """(person id, name, ticked, minutes) as the form shows them."""
        length = self.length_minutes()
        return [(r.person_id, r.name, r.ticked, r.minutes if r.minutes is not None else length) for r in self._rows]

    def _row_index(self, person_id: int) -> int:
        for i, row in enumerate(self._rows):
            if row.person_id == person_id:
                return i
        raise KeyError(person_id)

    def set_ticked(self, person_id: int, ticked: bool) -> None:
        self.table.item(self._row_index(person_id), self.COL_NAME).setCheckState(
            Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def set_hours(self, person_id: int, hours: float | str) -> None:
        spin = self.table.cellWidget(self._row_index(person_id), self.COL_HOURS)
        spin.setValue(float(hours))

    def add_person(self, person_id: int) -> None:
        """Add someone who is not in the ticked teams (ticked, hours = activity length)."""
        for row in self._rows:
            if row.person_id == person_id:
                row.ticked = True
                self._render()
                return
        person = persons.get(self.db, person_id)
        self._rows.append(_Row(person_id, person.name, "其他人员（手工添加）", True, False))
        self._render()

    def pick_person(self) -> int | None:
        picker = PersonPickerDialog(self.db, "添加参加人员", self)
        if picker.exec() == QDialog.DialogCode.Accepted:
            return picker.person_id
        return None

    def activity_data(self) -> vol.ActivityInput:
        length = self.length_minutes()
        return vol.ActivityInput(
            community_id=self.community.currentData(), date=iso(self.date_edit),
            start_time=self.start_edit.time().toString("HH:mm"), end_time=self.end_edit.time().toString("HH:mm"),
            content=self.content_edit.text(), place=self.place_edit.text(), team_ids=tuple(self.team_ids()),
            unit_ids=tuple(self.unit_ids()), note=self.note_edit.text(),
            participants=tuple(vol.ParticipantInput(r.person_id, r.minutes if r.minutes is not None else length)
                               for r in self._rows if r.ticked),
        )

    def write(self) -> None:
        data = self.activity_data()
        if self.activity_id:
            vol.update_activity(self.db, self.activity_id, data)
        else:
            self.activity_id = vol.record_activity(self.db, data)
        self.saved.emit(self.activity_id)

    # Slots -----------------------------------------------------------------------------------------
    def _update_length(self) -> None:
        length = self.length_minutes()
        if length <= 0:
            self.length_label.setText("结束时间应晚于开始时间")
            set_role(self.length_label, "error")
        else:
            self.length_label.setText(f"活动时长 {vol.hours_text(length)} 小时")
            set_role(self.length_label, "")

    def _update_summary(self) -> None:
        ticked = [p for p in self.participants() if p[2]]
        total = sum(max(0, p[3]) for p in ticked)
        self.tick_all.setChecked(bool(self._rows) and len(ticked) == len(self._rows))
        self.summary_label.setText(f"已勾选 {len(ticked)} 人，合计 {vol.hours_text(total)} 小时")

    def _on_community_current_index_changed(self, _index: int) -> None:
        if self._loading:
            return
        self._fill_lists([], [])
        self._reload_roster()

    def _on_date_edit_date_changed(self, _date: QDate) -> None:
        if not self._loading:
            self._reload_roster()

    def _on_times_changed(self, _time: QTime) -> None:
        self._update_length()
        if not self._loading:
            self._render()

    def _on_team_list_item_changed(self, _item: QListWidgetItem) -> None:
        if not self._loading:
            self._reload_roster()

    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != self.COL_NAME:
            return
        row = self._rows[item.row()]
        row.ticked = item.checkState() == Qt.CheckState.Checked
        spin = self.table.cellWidget(item.row(), self.COL_HOURS)
        if spin is not None:
            spin.setEnabled(row.ticked)
        self._update_summary()

    def _on_hours_changed(self, row: _Row, value: float) -> None:
        minutes = vol.minutes_from_hours(f"{value:.2f}")
        row.minutes = None if minutes == self.length_minutes() else minutes
        self._update_summary()

    def _on_add_button_clicked(self) -> None:
        person_id = self.pick_person()
        if person_id:
            self.add_person(person_id)

    def _on_reset_hours_button_clicked(self) -> None:
        for row in self._rows:
            row.minutes = None
        self._render()

    def _on_tick_all_clicked(self, checked: bool) -> None:
        for row in self._rows:
            row.ticked = checked
        self._render()


# 双报到 --------------------------------------------------------------------------------------------

class UnitDialog(FormDialog):
    """共建单位 registered with a community: its party organisation and a contact."""

    def __init__(self, db: Db, unit_id: int | None = None, community_id: int | None = None, parent: QWidget | None = None):
        super().__init__(db, "修改共建单位" if unit_id else "共建单位报到登记", parent)
        self.unit_id = unit_id
        unit = vol.get_unit(db, unit_id) if unit_id else None
        self.community = community_combo(db, unit.community_id if unit else community_id)
        self.name_edit = QLineEdit(unit.name if unit else "")
        self.party_org_edit = QLineEdit(unit.party_org or "" if unit else "")
        self.party_org_edit.setPlaceholderText("如：市供电公司党委")
        self.date_edit = date_edit(unit.registered_date if unit else None)
        self.contact_edit = QLineEdit(unit.contact_name or "" if unit else "")
        self.phone_edit = QLineEdit(unit.contact_phone or "" if unit else "")
        self.ended_edit = QLineEdit(unit.ended_date or "" if unit else "")
        self.ended_edit.setPlaceholderText("不再共建时填写，如 2025-12-31")
        self.build_form([("报到社区：", self.community), ("单位名称：", self.name_edit), ("单位党组织：", self.party_org_edit),
                         ("报到日期：", self.date_edit), ("联系人：", self.contact_edit), ("联系电话：", self.phone_edit),
                         ("结束日期：", self.ended_edit)])

    def write(self) -> None:
        values = {"community_id": self.community.currentData(), "name": self.name_edit.text(),
                  "party_org": self.party_org_edit.text(), "registered_date": iso(self.date_edit),
                  "contact_name": self.contact_edit.text(), "contact_phone": self.phone_edit.text(),
                  "ended_date": self.ended_edit.text().strip() or None}
        if self.unit_id:
            vol.update_unit(self.db, self.unit_id, **values)
        else:
            self.unit_id = vol.create_unit(self.db, **values)


class RegistrationDialog(FormDialog):
    """在职党员到居住地社区报到: the member, community, date, work unit and its party organisation."""

    def __init__(self, db: Db, registration_id: int | None = None, community_id: int | None = None,
                 parent: QWidget | None = None):
        super().__init__(db, "修改双报到登记" if registration_id else "在职党员双报到登记", parent)
        self.registration_id = registration_id
        reg = vol.get_registration(db, registration_id) if registration_id else None
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("输入姓名、拼音或首字母查找在职党员")
        self.member_combo = QComboBox()
        if reg:
            self.member_combo.addItem(reg.name, reg.member_id)
            self.search_edit.setEnabled(False)
        self.community = community_combo(db, reg.community_id if reg else community_id)
        self.date_edit = date_edit(reg.registered_date if reg else None)
        self.work_unit_edit = QLineEdit(reg.work_unit if reg else "")
        self.party_org_edit = QLineEdit(reg.unit_party_org or "" if reg else "")
        self.party_org_edit.setPlaceholderText("如：市人民医院党委")
        self.unit_combo = QComboBox()
        self.ended_edit = QLineEdit(reg.ended_date or "" if reg else "")
        self.ended_edit.setPlaceholderText("调离、搬走时填写")
        self.note_edit = QLineEdit(reg.note or "" if reg else "")
        self._fill_units(reg.unit_id if reg else None)
        self.build_form([("查找党员：", self.search_edit), ("党员：", self.member_combo),
                         ("报到社区（居住地）：", self.community), ("报到日期：", self.date_edit),
                         ("工作单位：", self.work_unit_edit), ("单位党组织：", self.party_org_edit),
                         ("对应共建单位：", self.unit_combo), ("结束日期：", self.ended_edit), ("备注：", self.note_edit)], 480)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.member_combo.currentIndexChanged.connect(self._on_member_combo_current_index_changed)
        self.community.currentIndexChanged.connect(lambda _i: self._fill_units(None))
        if not reg:
            self._on_search_edit_text_changed("")

    def _fill_units(self, selected: int | None) -> None:
        self.unit_combo.clear()
        self.unit_combo.addItem("（无）", None)
        for unit in vol.list_units(self.db, self.community.currentData()):
            self.unit_combo.addItem(unit.name, unit.id)
        if selected:
            self.unit_combo.setCurrentIndex(max(0, self.unit_combo.findData(selected)))

    def search(self, text: str) -> int:
        self.search_edit.setText(text)
        return self.member_combo.count()

    def _on_search_edit_text_changed(self, text: str) -> None:
        self.member_combo.blockSignals(True)
        self.member_combo.clear()
        for member_id, name, work_unit, branch in vol.in_service_members(self.db, text):
            self.member_combo.addItem(f"{name}（{branch}，{work_unit or '单位未填'}）", member_id)
        self.member_combo.blockSignals(False)
        self._on_member_combo_current_index_changed(0)

    def _on_member_combo_current_index_changed(self, _index: int) -> None:
        member_id = self.member_combo.currentData()
        if member_id is None or self.registration_id:
            return
        member = members.get(self.db, member_id)
        self.work_unit_edit.setText(member.work_unit or "")
        community = orgs.community_of(self.db, member.branch_id)
        if community:
            self.community.setCurrentIndex(max(0, self.community.findData(community.id)))

    def write(self) -> None:
        values = {"member_id": self.member_combo.currentData(), "community_id": self.community.currentData(),
                  "registered_date": iso(self.date_edit), "work_unit": self.work_unit_edit.text(),
                  "unit_party_org": self.party_org_edit.text(), "unit_id": self.unit_combo.currentData(),
                  "ended_date": self.ended_edit.text().strip() or None, "note": self.note_edit.text()}
        if self.registration_id:
            vol.update_registration(self.db, self.registration_id, **values)
        else:
            self.registration_id = vol.register_member(self.db, **values)

