"""志愿服务: teams with members and activity history, activities with hours, the 双报到 board and the rankings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QProgressDialog, QPushButton,
    QSplitter, QTabWidget, QVBoxLayout, QWidget,
)

from core import idcard, orgs, persons, records
from core import volunteers as vol
from core.clock import today
from core.db import Db, open_db
from core.errors import UserError
from gui.base import Screen
from gui.empty_state import EmptyState
from gui.task import BackgroundTask
from gui.volunteer_dialogs import (
    ActivityDialog, PersonPickerDialog, RegistrationDialog, TeamDialog, UnitDialog, VolunteerDialog, community_combo,
)
from gui.table_model import Column, RowsTable, fraction
from gui.style import STATUS, set_role

GREEN, RED, GREY = STATUS["done"].text, STATUS["overdue"].text, STATUS["neutral"].text


def _hours(minutes: int) -> str:
    return vol.hours_text(minutes)


def _progress_column() -> Column:
    """Hours served against the yearly threshold: a bar, green once met, red below; the hours in its tooltip."""
    return Column("进度", lambda p: f"{int(fraction(p.minutes, p.threshold_minutes) * 100)}%", lambda p: p.minutes,
                  width=150, progress=lambda p: fraction(p.minutes, p.threshold_minutes),
                  color=lambda p: GREEN if p.met else RED,
                  tooltip=lambda p: f"{_hours(p.minutes)} / {_hours(p.threshold_minutes)} 小时")


def _group(title: str, *widgets: QWidget, buttons: list[QPushButton] | None = None) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    if buttons:
        bar = QHBoxLayout()
        for b in buttons:
            bar.addWidget(b)
        bar.addStretch(1)
        layout.addLayout(bar)
    for w in widgets:
        layout.addWidget(w)
    return box


def _export_work(db_path: Path, out: Path, year: int):
    """The hours workbook written in a worker thread with its own connection; cancelling stops before the file."""
    def work(progress, cancelled) -> str:
        from core.volunteer_excel import export_hours

        def report(done: int, total: int) -> None:
            if cancelled():
                raise UserError("已取消导出，没有写入文件。")
            progress(done, total)

        db = open_db(db_path, create=False)
        try:
            return export_hours(db, out, year, progress=report)
        finally:
            db.close()

    return work


class VolunteersScreen(Screen):
    key = "volunteers"
    title = "志愿服务"
    areas = ("volunteers", "members", "org", "settings")

    activity_saved = Signal(int)
    export_finished = Signal(bool, str)  # the background export ended: ok, message

    def __init__(self, db: Db, signals, parent=None):
        super().__init__(db, signals, parent)
        self._person_minutes: dict[int, int] = {}
        self._rank: dict[int, int] = {}
        self._team_rank: dict[int, int] = {}
        self._export_task: BackgroundTask | None = None
        self.import_wizard = None
        self._build_ui()
        self._connect_signals()
        self.refresh()

    # UI ------------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.year_combo = QComboBox()
        self.community_filter = community_combo(self.db, with_all=True)
        self.record_button = QPushButton("记录活动…")
        set_role(self.record_button, "primary")
        self.export_button = QPushButton("导出服务时长 Excel…")
        self.certificate_button = QPushButton("开具志愿服务证明…")
        top = QHBoxLayout()
        top.addWidget(QLabel("年度："))
        top.addWidget(self.year_combo)
        top.addWidget(QLabel("社区："))
        top.addWidget(self.community_filter)
        top.addStretch(1)
        top.addWidget(self.record_button)
        top.addWidget(self.certificate_button)
        top.addWidget(self.export_button)

        self.tabs = QTabWidget()
        self.teams_page = self._build_teams_tab()
        self.volunteers_page = self._build_volunteers_tab()
        self.activities_page = self._build_activities_tab()
        self.dual_page = self._build_dual_tab()
        self.ranking_page = self._build_ranking_tab()
        self.tabs.addTab(self.teams_page, "服务队")
        self.tabs.addTab(self.volunteers_page, "志愿者")
        self.tabs.addTab(self.activities_page, "活动记录")
        self.tabs.addTab(self.dual_page, "双报到")
        self.tabs.addTab(self.ranking_page, "时长排行")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)

    def _build_teams_tab(self) -> QWidget:
        minutes = lambda t: t.minutes  # noqa: E731
        self.teams_table = RowsTable([
            Column("社区", lambda t: t.community_name, width=100),
            Column("队伍", lambda t: t.name),
            Column("队长", lambda t: t.leader_name or "", width=60),
            Column("队员", lambda t: t.active_members, align="right", width=45),
            Column("活动", lambda t: t.activities, align="right", width=45),
            Column("时长", lambda t: _hours(t.minutes), minutes, "right", 60),
        ], key=lambda t: t.team_id)
        self.new_team_button = QPushButton("新建队伍…")
        self.import_button = QPushButton("导入队员名册…")
        self.import_button.setToolTip("从 Excel 导入队员：所属社区、队伍名称、姓名、联系电话、入队日期……；有错误时一行也不导入，并生成错误文件")
        self.empty_state = EmptyState(
            "还没有志愿服务队",
            "先建立各社区的志愿服务队：已有队员名册的，用“导入队员名册”从 Excel 一次导入（队伍会一并建立）；"
            "也可以逐个新建队伍再添加队员。之后每次活动点“记录活动”登记服务时长。",
            [("导入队员名册…", self.import_button.click), ("新建队伍…", self.new_team_button.click)],
            over=self.teams_table)
        self.edit_team_button = QPushButton("修改")
        self.delete_team_button = QPushButton("删除")
        left = _group("志愿服务队", self.teams_table,
                      buttons=[self.new_team_button, self.edit_team_button, self.delete_team_button,
                               self.import_button])

        self.team_title = QLabel()
        set_role(self.team_title, "subheading")
        self.team_title.setWordWrap(True)
        self.members_table = RowsTable([
            Column("姓名", lambda m: m.name, width=70),
            Column("身份", lambda m: "党员" if m.is_member else "群众", width=45),
            Column("联系电话", lambda m: idcard.mask_phone(m.phone), width=100),
            Column("特长", lambda m: m.skills or ""),
            Column("入队日期", lambda m: m.join_date, width=82),
            Column("离队日期", lambda m: m.leave_date or "", width=82, color=lambda m: GREY if m.leave_date else None),
            Column("本年时长", lambda m: _hours(self._person_minutes.get(m.person_id, 0)),
                   lambda m: self._person_minutes.get(m.person_id, 0), "right", 60),
        ])
        self.add_member_button = QPushButton("添加队员…")
        self.leader_button = QPushButton("设为队长")
        self.leave_button = QPushButton("登记离队…")
        self.team_activity_button = QPushButton("记录本队活动…")
        self.history_table = RowsTable([
            Column("日期", lambda a: a.date, width=90),
            Column("时间", lambda a: f"{a.start_time}–{a.end_time}", width=95),
            Column("活动内容", lambda a: a.content),
            Column("人数", lambda a: a.participant_count, align="right", width=50),
            Column("合计时长", lambda a: _hours(a.total_minutes), lambda a: a.total_minutes, "right", 70),
        ])
        right_split = QSplitter(Qt.Orientation.Vertical)
        right_split.addWidget(_group("队员（灰色为已离队）", self.members_table,
                                     buttons=[self.add_member_button, self.leader_button, self.leave_button]))
        right_split.addWidget(_group("本年活动记录（双击修改）", self.history_table, buttons=[self.team_activity_button]))
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.team_title)
        right_layout.addWidget(right_split, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([530, 580])
        return splitter

    def _build_volunteers_tab(self) -> QWidget:
        self.volunteer_search = QLineEdit()
        self.volunteer_search.setPlaceholderText("查找志愿者：姓名、拼音、首字母或电话")
        self.volunteer_search.setClearButtonEnabled(True)
        self.volunteers_table = RowsTable([
            Column("姓名", lambda v: v.name, width=80),
            Column("身份", lambda v: "党员" if v.is_member else "群众", width=50),
            Column("性别", lambda v: v.gender or "", width=45),
            Column("联系电话", lambda v: idcard.mask_phone(v.phone), width=110),
            Column("特长", lambda v: v.skills or "", width=140),
            Column("所在队伍", lambda v: v.teams),
            Column("本年时长", lambda v: _hours(self._person_minutes.get(v.person_id, 0)),
                   lambda v: self._person_minutes.get(v.person_id, 0), "right", 75),
        ])
        self.new_volunteer_button = QPushButton("登记新志愿者…")
        self.edit_volunteer_button = QPushButton("修改…")
        self.volunteer_certificate_button = QPushButton("开具服务证明…")
        self.volunteer_count = QLabel()
        head = QHBoxLayout()
        head.addWidget(self.volunteer_search, 1)
        head.addWidget(self.volunteer_count)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(_group("志愿者（双击修改）", self.volunteers_table, buttons=[
            self.new_volunteer_button, self.edit_volunteer_button, self.volunteer_certificate_button]), 1)
        return page

    def _build_activities_tab(self) -> QWidget:
        self.activities_table = RowsTable([
            Column("日期", lambda a: a.date, width=90),
            Column("时间", lambda a: f"{a.start_time}–{a.end_time}", width=95),
            Column("社区", lambda a: a.community_name, width=125),
            Column("服务队", lambda a: "、".join(a.team_names), width=190),
            Column("活动内容", lambda a: a.content),
            Column("地点", lambda a: a.place or "", width=130),
            Column("共建单位", lambda a: "、".join(a.unit_names), width=120),
            Column("人数", lambda a: a.participant_count, align="right", width=50),
            Column("合计时长", lambda a: _hours(a.total_minutes), lambda a: a.total_minutes, "right", 70),
        ])
        self.edit_activity_button = QPushButton("修改…")
        self.delete_activity_button = QPushButton("删除")
        self.participants_table = RowsTable([
            Column("姓名", lambda p: p.name, width=100),
            Column("计入队伍", lambda p: p.team_name or "", width=220),
            Column("服务时长（小时）", lambda p: _hours(p.minutes), lambda p: p.minutes, "right"),
        ])
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(_group("活动记录（双击修改）", self.activities_table,
                                  buttons=[self.edit_activity_button, self.delete_activity_button]))
        splitter.addWidget(_group("参加人员", self.participants_table))
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        return splitter

    def _build_dual_tab(self) -> QWidget:
        self.dual_summary_label = QLabel()
        self.dual_summary_label.setWordWrap(True)
        set_role(self.dual_summary_label, "summary")
        self.below_only = QCheckBox("只看未达标")
        self.dual_members_table = RowsTable([
            Column("报到社区", lambda m: m.community_name, width=125),
            Column("姓名", lambda m: m.name, width=70),
            Column("工作单位", lambda m: m.work_unit),
            Column("报到日期", lambda m: m.registered_date, width=90),
            Column("已服务", lambda m: _hours(m.minutes), lambda m: m.minutes, "right", 60),
            Column("要求", lambda m: _hours(m.threshold_minutes), lambda m: m.threshold_minutes, "right", 45),
            _progress_column(),
            Column("还差（小时）", lambda m: _hours(m.shortfall_minutes) if m.shortfall_minutes else "已达标",
                   lambda m: m.shortfall_minutes, "right", 90, color=lambda m: GREEN if m.met else RED),
            Column("剩余月份", lambda m: f"{m.months_left} 个月", lambda m: m.months_left, "right", 70),
        ], key=lambda m: m.registration_id)
        self.register_button = QPushButton("党员报到登记…")
        self.edit_registration_button = QPushButton("修改登记…")
        self.dual_units_table = RowsTable([
            Column("报到社区", lambda u: u.community_name, width=125),
            Column("共建单位", lambda u: u.name),
            Column("单位党组织", lambda u: u.party_org or "", width=150),
            Column("联系人", lambda u: u.contact_name or "", width=65),
            Column("联系电话", lambda u: idcard.mask_phone(u.contact_phone), width=105),
            Column("活动", lambda u: u.activities, align="right", width=45),
            Column("已服务", lambda u: _hours(u.minutes), lambda u: u.minutes, "right", 60),
            _progress_column(),
            Column("还差（小时）", lambda u: _hours(u.shortfall_minutes) if u.shortfall_minutes else "已达标",
                   lambda u: u.shortfall_minutes, "right", 90, color=lambda u: GREEN if u.met else RED),
        ], key=lambda u: u.unit_id)
        self.new_unit_button = QPushButton("共建单位报到登记…")
        self.edit_unit_button = QPushButton("修改单位…")
        head = QHBoxLayout()
        head.addWidget(self.dual_summary_label, 1)
        head.addWidget(self.below_only)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(_group("在职党员到居住地社区报到", self.dual_members_table,
                                  buttons=[self.register_button, self.edit_registration_button]))
        splitter.addWidget(_group("单位党组织（共建单位）到社区报到：单位时长按其参加的活动计算，每次活动计一次活动时长",
                                  self.dual_units_table,
                                  buttons=[self.new_unit_button, self.edit_unit_button]))
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(splitter, 1)
        return page

    def _build_ranking_tab(self) -> QWidget:
        self.person_ranking = RowsTable([
            Column("名次", lambda p: self._rank.get(p.person_id), align="right", width=45, empty=""),
            Column("姓名", lambda p: p.name, width=75),
            Column("身份", lambda p: "党员" if p.is_member else "群众", width=50),
            Column("所在队伍", lambda p: p.teams),
            Column("活动次数", lambda p: p.activities, align="right", width=70),
            Column("服务时长（小时）", lambda p: _hours(p.minutes), lambda p: p.minutes, "right", 120),
        ], key=lambda p: p.person_id)
        self.team_ranking = RowsTable([
            Column("名次", lambda t: self._team_rank.get(t.team_id), align="right", width=45, empty=""),
            Column("队伍", lambda t: t.name),
            Column("服务人数", lambda t: t.participants, align="right", width=70),
            Column("时长（小时）", lambda t: _hours(t.minutes), lambda t: t.minutes, "right", 95),
        ], key=lambda t: t.team_id)
        self.ranking_certificate_button = QPushButton("为选中的志愿者开具服务证明…")
        splitter = QSplitter()
        splitter.addWidget(_group("志愿者服务时长排行", self.person_ranking, buttons=[self.ranking_certificate_button]))
        splitter.addWidget(_group("服务队服务时长排行", self.team_ranking))
        splitter.setSizes([640, 480])
        return splitter

    def _connect_signals(self) -> None:
        self.year_combo.currentIndexChanged.connect(self._on_filters_changed)
        self.community_filter.currentIndexChanged.connect(self._on_filters_changed)
        self.record_button.clicked.connect(self._on_record_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.certificate_button.clicked.connect(self._on_certificate_button_clicked)
        self.ranking_certificate_button.clicked.connect(self._on_certificate_button_clicked)
        self.teams_table.selectionModel().selectionChanged.connect(self._on_teams_table_selection_changed)
        self.volunteer_search.textChanged.connect(self._on_volunteer_search_text_changed)
        self.volunteers_table.doubleClicked.connect(self._on_edit_volunteer_button_clicked)
        self.new_volunteer_button.clicked.connect(self._on_new_volunteer_button_clicked)
        self.edit_volunteer_button.clicked.connect(self._on_edit_volunteer_button_clicked)
        self.volunteer_certificate_button.clicked.connect(self._on_certificate_button_clicked)
        self.new_team_button.clicked.connect(self._on_new_team_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.edit_team_button.clicked.connect(self._on_edit_team_button_clicked)
        self.delete_team_button.clicked.connect(self._on_delete_team_button_clicked)
        self.add_member_button.clicked.connect(self._on_add_member_button_clicked)
        self.leader_button.clicked.connect(self._on_leader_button_clicked)
        self.leave_button.clicked.connect(self._on_leave_button_clicked)
        self.team_activity_button.clicked.connect(self._on_team_activity_button_clicked)
        self.history_table.doubleClicked.connect(self._on_history_table_double_clicked)
        self.activities_table.selectionModel().selectionChanged.connect(self._on_activities_table_selection_changed)
        self.activities_table.doubleClicked.connect(self._on_edit_activity_button_clicked)
        self.edit_activity_button.clicked.connect(self._on_edit_activity_button_clicked)
        self.delete_activity_button.clicked.connect(self._on_delete_activity_button_clicked)
        self.below_only.toggled.connect(self._on_filters_changed)
        self.register_button.clicked.connect(self._on_register_button_clicked)
        self.edit_registration_button.clicked.connect(self._on_edit_registration_button_clicked)
        self.dual_members_table.doubleClicked.connect(self._on_edit_registration_button_clicked)
        self.new_unit_button.clicked.connect(self._on_new_unit_button_clicked)
        self.edit_unit_button.clicked.connect(self._on_edit_unit_button_clicked)
        self.dual_units_table.doubleClicked.connect(self._on_edit_unit_button_clicked)

    def command_slots(self):
        page = self.tabs.currentWidget()
        new = {self.teams_page: ("新建队伍…", self._on_new_team_button_clicked),
               self.volunteers_page: ("登记新志愿者…", self._on_new_volunteer_button_clicked),
               self.dual_page: ("党员报到登记…", self._on_register_button_clicked)}.get(
            page, ("记录活动…", self._on_record_button_clicked))
        return {"new": new,
                "find": ("查找志愿者", self.focus_volunteer_search),
                "print": ("开具志愿服务证明…", self._on_certificate_button_clicked)}

    def focus_volunteer_search(self) -> None:
        self.tabs.setCurrentWidget(self.volunteers_page)
        self.focus_line_edit(self.volunteer_search)

    # Loading -------------------------------------------------------------------------------------
    def year(self) -> int:
        return self.year_combo.currentData() or vol.activity_years(self.db)[0]

    def community_id(self) -> int | None:
        return self.community_filter.currentData()

    def set_year(self, year: int) -> None:
        index = self.year_combo.findData(year)
        if index < 0:
            self.year_combo.addItem(f"{year} 年", year)
            index = self.year_combo.findData(year)
        self.year_combo.setCurrentIndex(index)

    def refresh(self) -> None:
        year = self.year_combo.currentData()
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for y in vol.activity_years(self.db):
            self.year_combo.addItem(f"{y} 年", y)
        self.year_combo.setCurrentIndex(max(0, self.year_combo.findData(year)) if year else 0)
        self.year_combo.blockSignals(False)
        community = self.community_id()
        self.community_filter.blockSignals(True)
        self.community_filter.clear()
        self.community_filter.addItem("全部社区", None)
        for unit in orgs.list_units(self.db, kind="community"):
            self.community_filter.addItem(unit.name, unit.id)
        self.community_filter.setCurrentIndex(max(0, self.community_filter.findData(community)))
        self.community_filter.blockSignals(False)
        self._reload()

    def _reload(self) -> None:
        year, community = self.year(), self.community_id()
        people = vol.person_totals(self.db, year, community)
        self._person_minutes = {p.person_id: p.minutes for p in people}
        self._rank = {p.person_id: i for i, p in enumerate(people, start=1)}
        teams = vol.team_totals(self.db, year, community)
        self._team_rank = {t.team_id: i for i, t in enumerate(teams, start=1)}
        tree_order = {t.id: i for i, t in enumerate(vol.list_teams(self.db, community))}
        self.teams_table.set_rows(sorted(teams, key=lambda t: tree_order.get(t.team_id, 0)))
        self.empty_state.show_when(not records.has_any(self.db, "volunteer_teams"))
        if self.teams_table.selected_row() is None and teams:
            self.teams_table.select_source_row(0)
        self._show_team()
        self._reload_volunteers()
        activities = vol.list_activities(self.db, year, community)
        self.activities_table.set_rows(activities)
        if self.activities_table.selected_row() is None and activities:
            self.activities_table.select_source_row(0)
        self._show_participants()
        self._reload_dual()
        self.person_ranking.set_rows(people)
        self.team_ranking.set_rows(teams)

    def _reload_volunteers(self) -> None:
        rows = vol.list_volunteers(self.db, self.volunteer_search.text())
        self.volunteers_table.set_rows(rows)
        total = vol.volunteer_count(self.db) if self.volunteer_search.text() else len(rows)
        self.volunteer_count.setText(f"找到 {len(rows)} 人" + (f"（共 {total} 名志愿者）" if total != len(rows) else ""))

    def _reload_dual(self) -> None:
        year, community = self.year(), self.community_id()
        members = vol.member_progress(self.db, year, community)
        units = vol.unit_progress(self.db, year, community)
        s = vol.dual_summary(self.db, year, community)
        member_rate = f"{s.member_rate * 100:.1f}%" if s.member_rate is not None else "—"
        unit_rate = f"{s.unit_rate * 100:.1f}%" if s.unit_rate is not None else "—"
        left = vol.months_left(year, today())
        self.dual_summary_label.setText(
            f"{year} 年：报到在职党员 {s.members_registered} 名，达标 {s.members_met} 名（{member_rate}）；"
            f"共建单位 {s.units_registered} 个，达标 {s.units_met} 个（{unit_rate}）。"
            f"要求：每名党员每年至少 {_hours(s.member_threshold_minutes)} 小时，每个单位至少 "
            f"{_hours(s.unit_threshold_minutes)} 小时（可在“设置”中修改）。"
            + (f"本年还剩 {left} 个月（含本月）。" if left and year == today().year else "")
        )
        if self.below_only.isChecked():
            members = [m for m in members if not m.met]
            units = [u for u in units if not u.met]
        self.dual_members_table.set_rows(members)
        self.dual_units_table.set_rows(units)

    def _show_team(self) -> None:
        team = self.teams_table.selected_row()
        for b in (self.edit_team_button, self.delete_team_button, self.add_member_button, self.leader_button,
                  self.leave_button, self.team_activity_button):
            b.setEnabled(team is not None)
        if team is None:
            self.team_title.setText("请在左侧选择一支队伍" if self.teams_table.rows() else
                                    "还没有志愿服务队：点击“新建队伍”逐个建立，或用“导入队员名册”从 Excel 导入。")
            self.members_table.set_rows([])
            self.history_table.set_rows([])
            return
        self.team_title.setText(f"{team.name}（{team.kind_name}）　队长：{team.leader_name or '未设置'}　"
                                f"现有队员 {team.active_members} 人　{self.year()} 年服务 {_hours(team.minutes)} 小时")
        self.members_table.set_rows(vol.team_members(self.db, team.team_id))
        self.history_table.set_rows(vol.list_activities(self.db, self.year(), team_id=team.team_id))

    def _show_participants(self) -> None:
        activity = self.activities_table.selected_row()
        self.edit_activity_button.setEnabled(activity is not None)
        self.delete_activity_button.setEnabled(activity is not None)
        self.participants_table.set_rows(vol.participations(self.db, activity.id) if activity else [])

    # Public API tests drive ----------------------------------------------------------------------
    def select_team(self, team_id: int) -> bool:
        self.tabs.setCurrentWidget(self.teams_page)
        return self.teams_table.select_where(lambda t: t.team_id == team_id)

    def person_total_minutes(self, person_id: int) -> int:
        return self._person_minutes.get(person_id, 0)

    def board_minutes(self, member_id: int) -> int | None:
        """Minutes the 双报到 board shows for a registered member (None when not on the board)."""
        for row in self.dual_members_table.rows():
            if row.member_id == member_id:
                return row.minutes
        return None

    def new_activity_dialog(self, team_id: int | None = None, activity_id: int | None = None) -> ActivityDialog:
        dialog = ActivityDialog(self.db, activity_id=activity_id, team_id=team_id,
                                community_id=self.community_id(), parent=self)
        dialog.saved.connect(self._on_activity_dialog_saved)
        return dialog

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a form modally; tests replace this to fill the form instead."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def pick_person(self, title: str) -> int | None:
        picker = PersonPickerDialog(self.db, title, self)
        return picker.person_id if self.run_dialog(picker) else None

    def ask_save_path(self, title: str, suggested: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self, title, suggested, filters)[0]

    def preview_pdf(self, path: Path) -> None:
        from gui.pdf_preview import show_pdf

        show_pdf(self, path, "志愿服务证明")

    def make_certificate(self, person_id: int, path: Path) -> Path:
        from reports.volunteer_certificate_pdf import build_certificate

        return build_certificate(self.db, person_id, path, year=self.year())

    def export_hours(self, out: Path) -> BackgroundTask | None:
        """Write the year's hours workbook off the GUI thread; export_finished carries the outcome."""
        if self.db.path is None:
            self.show_error("内存数据库不能导出，请先打开一个数据库文件。")
            return None
        if self._export_task is not None:
            self.show_error("上一次导出还没有完成，请稍候。")
            return None
        task = BackgroundTask(_export_work(self.db.path, Path(out), self.year()), self)
        self._export_task = task
        self._progress = QProgressDialog("正在导出服务时长…", "取消", 0, 0, self)
        self._progress.setWindowTitle("请稍候")
        self._progress.setMinimumDuration(300)
        self._progress.canceled.connect(task.cancel)
        task.progressed.connect(self._on_export_task_progressed)
        task.succeeded.connect(self._on_export_task_succeeded)
        task.failed.connect(self._on_export_task_failed)
        task.start()
        return task

    def open_import(self):
        """The import wizard for team rosters (file, column mapping, preview, all-or-nothing import, undo)."""
        from gui.import_wizard import open_import_wizard

        self.import_wizard = open_import_wizard(self, self.db, self.signals, "volunteers")
        return self.import_wizard

    # Slots ---------------------------------------------------------------------------------------
    def _run(self, action) -> bool:
        try:
            action()
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.changed("volunteers")
        return True

    def _on_filters_changed(self, *_args) -> None:
        self._reload()

    def _on_teams_table_selection_changed(self, *_args) -> None:
        self._show_team()

    def _on_activities_table_selection_changed(self, *_args) -> None:
        self._show_participants()

    def _on_activity_dialog_saved(self, activity_id: int) -> None:
        self.changed("volunteers")
        self.activity_saved.emit(activity_id)

    def _on_record_button_clicked(self) -> None:
        team = self.teams_table.selected_row() if self.tabs.currentWidget() is self.teams_page else None
        self.run_dialog(self.new_activity_dialog(team.team_id if team else None))

    def _on_team_activity_button_clicked(self) -> None:
        team = self.teams_table.selected_row()
        if team:
            self.run_dialog(self.new_activity_dialog(team.team_id))

    def _on_history_table_double_clicked(self, *_args) -> None:
        activity = self.history_table.selected_row()
        if activity:
            self.run_dialog(self.new_activity_dialog(activity_id=activity.id))

    def _on_edit_activity_button_clicked(self, *_args) -> None:
        activity = self.activities_table.selected_row()
        if activity:
            self.run_dialog(self.new_activity_dialog(activity_id=activity.id))

    def _on_delete_activity_button_clicked(self) -> None:
        activity = self.activities_table.selected_row()
        if activity:
            self.delete_records(f"确定删除 {activity.date} 的活动“{activity.content}”吗？"
                                f"其中 {activity.participant_count} 人共 {_hours(activity.total_minutes)} 小时的服务时长也会一并删除。",
                                f"{activity.date} 志愿活动“{activity.content}”", ("volunteers",),
                                lambda: vol.delete_activity(self.db, activity.id))

    def _on_new_team_button_clicked(self) -> None:
        if self.run_dialog(TeamDialog(self.db, community_id=self.community_id(), parent=self)):
            self.changed("volunteers")

    def _on_edit_team_button_clicked(self) -> None:
        team = self.teams_table.selected_row()
        if team and self.run_dialog(TeamDialog(self.db, team.team_id, parent=self)):
            self.changed("volunteers")

    def _on_delete_team_button_clicked(self) -> None:
        team = self.teams_table.selected_row()
        if team:
            self.delete_records(f"确定删除“{team.name}”吗？队员名单会一并删除。", f"志愿服务队“{team.name}”", ("volunteers",),
                                lambda: vol.delete_team(self.db, team.team_id))

    def _on_add_member_button_clicked(self) -> None:
        team = self.teams_table.selected_row()
        if team is None:
            return
        person_id = self.pick_person(f"为“{team.name}”添加队员")
        if person_id:
            self._run(lambda: vol.add_team_member(self.db, team.team_id, person_id))

    def _on_leader_button_clicked(self) -> None:
        team, member = self.teams_table.selected_row(), self.members_table.selected_row()
        if team is None or member is None:
            self.show_info("请先在队员列表中选中一名队员。")
            return
        self._run(lambda: vol.set_leader(self.db, team.team_id, member.person_id))

    def _on_leave_button_clicked(self) -> None:
        member = self.members_table.selected_row()
        if member is None:
            self.show_info("请先在队员列表中选中一名队员。")
            return
        day = self.ask_text("登记离队", f"{member.name} 的离队日期：", today().isoformat())
        if day:
            self._run(lambda: vol.leave_team(self.db, member.id, day))

    def _on_volunteer_search_text_changed(self, _text: str) -> None:
        self._reload_volunteers()

    def _on_new_volunteer_button_clicked(self) -> None:
        if self.run_dialog(VolunteerDialog(self.db, parent=self)):
            self.changed("volunteers")

    def _on_edit_volunteer_button_clicked(self, *_args) -> None:
        row = self.volunteers_table.selected_row()
        if row and self.run_dialog(VolunteerDialog(self.db, volunteer_id=row.id, parent=self)):
            self.changed("volunteers")
            if row.is_member:
                self.changed("members")  # the roster shows the same person's name and phone

    def _on_register_button_clicked(self) -> None:
        if self.run_dialog(RegistrationDialog(self.db, community_id=self.community_id(), parent=self)):
            self.changed("volunteers")

    def _on_edit_registration_button_clicked(self, *_args) -> None:
        row = self.dual_members_table.selected_row()
        if row and self.run_dialog(RegistrationDialog(self.db, row.registration_id, parent=self)):
            self.changed("volunteers")

    def _on_new_unit_button_clicked(self) -> None:
        if self.run_dialog(UnitDialog(self.db, community_id=self.community_id(), parent=self)):
            self.changed("volunteers")

    def _on_edit_unit_button_clicked(self, *_args) -> None:
        row = self.dual_units_table.selected_row()
        if row and self.run_dialog(UnitDialog(self.db, row.unit_id, parent=self)):
            self.changed("volunteers")

    def _on_certificate_button_clicked(self) -> None:
        page = self.tabs.currentWidget()
        row = (self.person_ranking.selected_row() if page is self.ranking_page
               else self.volunteers_table.selected_row() if page is self.volunteers_page else None)
        person_id = row.person_id if row else self.pick_person("开具志愿服务证明：选择志愿者")
        if not person_id:
            return
        name = persons.get(self.db, person_id).name
        path = self.ask_save_path("保存志愿服务证明", f"志愿服务证明-{name}-{self.year()}.pdf", "PDF 文件 (*.pdf)")
        if not path:
            return
        try:
            written = self.make_certificate(person_id, Path(path))
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.preview_pdf(written)

    def _on_export_button_clicked(self) -> None:
        path = self.ask_save_path("导出志愿服务时长", f"志愿服务时长-{self.year()}.xlsx", "Excel 文件 (*.xlsx)")
        if path:
            self.export_hours(Path(path))

    def _on_import_button_clicked(self) -> None:
        self.open_import()

    def _on_export_task_progressed(self, done: int, total: int) -> None:
        self._progress.setMaximum(total)
        self._progress.setValue(done)

    def _on_export_task_succeeded(self, message: object) -> None:
        self._end_export(True, str(message))

    def _on_export_task_failed(self, message: str) -> None:
        self._end_export(False, message)

    def _end_export(self, ok: bool, message: str) -> None:
        self._progress.reset()
        self._export_task = None
        if ok:
            self.show_info(message)
        else:
            self.show_error(message)
        self.export_finished.emit(ok, message)
