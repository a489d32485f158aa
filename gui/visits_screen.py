"""五必问走访: the fast visit form, the households with their visit history and problems, coverage, rules and tags."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QDateEdit, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSpinBox, QSplitter, QTabWidget, QVBoxLayout, QWidget,
)

from core import households, idcard, persons, problems, records, settings, visits
from core.errors import UserError
from core.households import Household
from core.visits import DueHousehold, Visit
from gui.base import Screen, mark_saved, typed_into
from gui.empty_state import EmptyState
from gui.flow_layout import STRETCH, WrappingLabel, flow_row, group
from gui.household_dialog import HouseholdDialog
from gui.table_model import Column, RowsModel, RowsTable
from gui.visits_widgets import (
    AMBER, GREEN, RED, ask_xlsx_path, export_excel, fill_community_combo, fill_grid_combo, may, name_completer, pydate,
    qdate, start_job,
)
from gui.style import STATUS, px, set_role

FINDING_TONE = {"无异常": "done", "有情况": "due", "发现问题": "overdue"}
SEVERITY_CHOICES = ["一般", "重大", "复杂"]


def _coverage_colour(percent: float, households_count: int):
    if not households_count:
        return None
    return GREEN if percent >= 90 else (AMBER if percent >= 60 else RED)


class ItemRow:
    """One must-ask item: three exclusive buttons, a text box used only when there is something to say."""

    def __init__(self, item_no: int, owner: QWidget):
        self.item_no = item_no
        self.label = QLabel(f"{item_no}. {visits.ITEMS[item_no - 1]}")
        self.buttons: dict[str, QPushButton] = {}
        self.group = QButtonGroup(owner)
        self.group.setExclusive(True)
        for finding in visits.FINDINGS:
            button = QPushButton(finding)
            button.setCheckable(True)
            set_role(button, "finding", FINDING_TONE[finding])
            button.setMinimumWidth(px(72))
            self.group.addButton(button)
            self.buttons[finding] = button
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("选“有情况”或“发现问题”时写明情况")
        self.problem_button = QPushButton("生成问题")
        self.problem_button.setToolTip("把这一项登记为问题台账中的问题")

    def finding(self) -> str | None:
        for finding, button in self.buttons.items():
            if button.isChecked():
                return finding
        return None

    def set(self, finding: str | None, text: str = "") -> None:
        self.group.setExclusive(False)
        for name, button in self.buttons.items():
            button.setChecked(name == finding)
        self.group.setExclusive(True)
        self.text_edit.setText(text or "")
        self.update_text_state()

    def update_text_state(self) -> None:
        needs_text = self.finding() in ("有情况", "发现问题")
        self.text_edit.setEnabled(needs_text)
        self.problem_button.setEnabled(needs_text or self.problem_button.text() != "生成问题")


class VisitsScreen(Screen):
    key = "visits"
    title = "五必问走访"
    areas = ("visits", "org", "settings", "problems", "members")

    visit_saved = Signal(int)
    problem_created = Signal(int)
    file_written = Signal(str)  # a PDF or Excel file a background job finished

    def __init__(self, db, signals, parent=None):
        super().__init__(db, signals, parent)
        self.jobs: list = []
        self.household_id: int | None = None
        self.visit_id: int | None = None
        self._building = True
        self._build_ui()
        self._connect_signals()
        self._building = False
        self.refresh()

    # UI ------------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_form_tab(), "走访登记")
        self.tabs.addTab(self._build_households_tab(), "住户")
        self.tabs.addTab(self._build_coverage_tab(), "覆盖率")
        self.tabs.addTab(self._build_rules_tab(), "规则与特殊群体")
        actions = [("从Excel导入住户…", self._import_households_from_hint), ("新增住户…", self._add_household_from_hint)]
        self.empty_states = [
            EmptyState("还没有住户", "走访按户登记：先导入或新增住户，再回到这里查找并登记。", actions,
                       over=self.search_results),
            EmptyState("还没有住户", "五必问走访按户登记，先要有住户：已有住户台账的，用“从Excel导入住户”一次导入；"
                       "也可以逐户新增。住户建好后，在“走访登记”页输入住址或户主姓名即可找到。", actions,
                       over=self.household_table),
        ]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.tabs)

    def _build_form_tab(self) -> QWidget:
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("输入住址、户主姓名、拼音或首字母查找住户，如 3号楼2单元、王建国、wjg")
        self.search_edit.setClearButtonEnabled(True)
        self.search_results = QListWidget()
        self.search_results.setMaximumHeight(px(130))
        self.household_label = WrappingLabel("请先查找并选中要走访的住户。")
        set_role(self.household_label, "panel")
        pick_box = QGroupBox("一、选择住户")
        pick = QVBoxLayout(pick_box)
        pick.addWidget(self.search_edit)
        pick.addWidget(self.search_results)
        pick.addWidget(self.household_label)

        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setDate(QDate.currentDate())
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.visitors_edit = QLineEdit()
        self.visitors_edit.setPlaceholderText("走访人姓名，多人用顿号分隔")
        who = QHBoxLayout()
        who.addWidget(QLabel("走访日期："))
        who.addWidget(self.date_edit)
        who.addSpacing(16)
        who.addWidget(QLabel("走访人："))
        who.addWidget(self.visitors_edit, 1)

        items_box = QGroupBox("二、五必问（每项点一个结果；有情况或发现问题时写明）")
        grid = QGridLayout(items_box)
        grid.setHorizontalSpacing(6)
        self.item_rows = [ItemRow(n, items_box) for n in range(1, 6)]
        for r, row in enumerate(self.item_rows):
            grid.addWidget(row.label, r, 0)
            for c, finding in enumerate(visits.FINDINGS, start=1):
                grid.addWidget(row.buttons[finding], r, c)
            grid.addWidget(row.text_edit, r, 4)
            grid.addWidget(row.problem_button, r, 5)
        grid.setColumnStretch(4, 1)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("其他情况、居民意见建议（可不填）")
        grid.addWidget(QLabel("其他情况："), 5, 0)
        grid.addWidget(self.note_edit, 5, 1, 1, 5)

        self.all_clear_button = QPushButton("其余各项均无异常")
        self.save_button = QPushButton("保存走访")
        self.save_button.setDefault(True)
        self.save_button.setToolTip("保存（Ctrl+S）")
        set_role(self.save_button, "primary")
        self.new_button = QPushButton("新的走访")
        self.form_status = WrappingLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.all_clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.form_status, 3)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(pick_box)
        layout.addLayout(who)
        layout.addWidget(items_box)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._reset_items()
        return page

    def _build_households_tab(self) -> QWidget:
        self.h_community = QComboBox()
        self.h_grid = QComboBox()
        self.h_tag = QComboBox()
        self.h_search = QLineEdit()
        self.h_search.setPlaceholderText("住址 / 户主 / 拼音 / 电话")
        self.h_search.setClearButtonEnabled(True)
        # Rows that wrap: at a large font they take two lines instead of widening the window.
        filters = flow_row([group("社区：", self.h_community), group("网格：", self.h_grid),
                            group("特殊群体：", self.h_tag), self.h_search])
        self.h_add = QPushButton("新增住户")
        self.h_edit = QPushButton("编辑")
        self.h_delete = QPushButton("删除")
        self.h_visit = QPushButton("走访这一户")
        self.h_import = QPushButton("从Excel导入住户…")
        self.h_print = QPushButton("打印走访表（本页住户）")
        self.h_print_blank = QPushButton("打印空白走访表")
        actions = flow_row([self.h_add, self.h_edit, self.h_delete, self.h_visit, self.h_import, STRETCH,
                            group(self.h_print, self.h_print_blank)])
        self.h_count = WrappingLabel()

        self.household_table = RowsTable([
            Column("住址", lambda h: h.address, width=200),
            Column("户主", lambda h: h.head_name, width=64),
            Column("电话", lambda h: idcard.mask_phone(h.phone), width=98),
            Column("人数", lambda h: h.people_count, align="right", width=40),
            Column("特殊群体", lambda h: h.tags_text, width=120),
            Column("网格", lambda h: f"{h.community_name.replace('社区党委', '社区')} {h.grid_name}", width=140),
            Column("包片干部", lambda h: h.cadre_name, width=64),
            Column("最近走访", lambda h: h.last_visit, empty="未走访", width=86),
        ], background=self._household_colour)
        self.household_model = self.household_table.rows_model

        self.detail_label = QLabel("选中一户查看走访记录和问题。")
        self.detail_label.setWordWrap(True)
        set_role(self.detail_label, "panel")
        self.history_table = RowsTable([
            Column("走访日期", lambda v: v.visit_date),
            Column("走访人", lambda v: v.visitors_text),
            Column("结果", lambda v: v.findings_summary),
        ], background=lambda v: None if v.complete else AMBER, stretch=2)
        self.history_model = self.history_table.rows_model
        self.history_table.setToolTip("双击打开这次走访（可补填未问完的项）")
        self.h_delete_visit = QPushButton("删除所选走访记录")
        self.h_problem_table = RowsTable([
            Column("编号", lambda p: p.number),
            Column("问题", lambda p: p.title),
            Column("环节", lambda p: p.stage),
            Column("发现时间", lambda p: p.found_at),
        ], stretch=1)
        self.h_problem_model = self.h_problem_table.rows_model
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail_label)
        right_layout.addWidget(QLabel("走访记录（黄色为未问完）："))
        right_layout.addWidget(self.history_table, 3)
        right_layout.addWidget(self.h_delete_visit, 0, Qt.AlignmentFlag.AlignRight)
        right_layout.addWidget(QLabel("相关问题："))
        right_layout.addWidget(self.h_problem_table, 2)
        splitter = QSplitter()
        splitter.addWidget(self.household_table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 340])

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(filters)
        layout.addWidget(actions)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.h_count)
        return page

    def _build_coverage_tab(self) -> QWidget:
        self.c_period = QComboBox()
        self.c_period.addItems(["本月", "本季度", "本年", "近12个月", "自定义"])
        self.c_start = QDateEdit()
        self.c_end = QDateEdit()
        for w in (self.c_start, self.c_end):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
        self.c_community = QComboBox()
        self.c_by = QComboBox()
        self.c_by.addItems(["按网格", "按包片干部"])
        self.c_export = QPushButton("导出走访记录（Excel）")
        bar = flow_row([group("期间：", self.c_period), group("从", self.c_start, "到", self.c_end),
                        group("社区：", self.c_community), group("统计：", self.c_by), STRETCH, self.c_export])
        self.c_summary = WrappingLabel()
        set_role(self.c_summary, "summary")
        coverage_columns = [
            Column("住户", lambda r: r.coverage.households, align="right"),
            Column("已走访", lambda r: r.coverage.visited, align="right"),
            Column("覆盖率", lambda r: f"{r.coverage.percent:g}%", lambda r: r.coverage.percent, align="right"),
            Column("走访次数", lambda r: r.coverage.visits, align="right"),
            Column("未问完", lambda r: r.coverage.incomplete_visits, align="right"),
        ]
        colour = lambda r: _coverage_colour(r.coverage.percent, r.coverage.households)  # noqa: E731
        self.grid_cov_model = RowsModel([
            Column("社区", lambda g: g.community_name),
            Column("网格", lambda g: g.grid_name),
            Column("网格员", lambda g: g.worker_name),
            *coverage_columns,
        ], self, background=colour, key=lambda g: g.grid_id)
        self.cadre_cov_model = RowsModel([Column("包片干部", lambda c: c.name), *coverage_columns], self,
                                         background=colour, key=lambda c: c.person_id)
        self.coverage_table = RowsTable(self.grid_cov_model)
        self.coverage_table.horizontalHeader().setStretchLastSection(True)
        due_columns = [
            Column("住址", lambda d: d.address, width=190),
            Column("户主", lambda d: d.head_name, width=70),
            Column("网格", lambda d: d.grid_name, width=150),
            Column("特殊群体", lambda d: d.tags, width=110),
            Column("上次走访", lambda d: d.last_visit, empty="从未走访", width=90),
            Column("间隔天数", lambda d: d.days_since, lambda d: 10**6 if d.days_since is None else d.days_since,
                   align="right"),
        ]
        self.due_table = RowsTable(due_columns, key=lambda d: d.household_id)
        self.special_table = RowsTable(due_columns, key=lambda d: d.household_id)
        self.due_model = self.due_table.rows_model
        self.special_model = self.special_table.rows_model
        self.due_label = QLabel()
        self.special_label = QLabel()
        lists = QHBoxLayout()
        for label, table in ((self.due_label, self.due_table), (self.special_label, self.special_table)):
            box = QVBoxLayout()
            box.addWidget(label)
            box.addWidget(table)
            lists.addLayout(box)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(bar)
        layout.addWidget(self.c_summary)
        layout.addWidget(self.coverage_table, 3)
        layout.addLayout(lists, 2)
        self.c_period.setCurrentText("本年")
        self._apply_period("本年")
        return page

    def _build_rules_tab(self) -> QWidget:
        self.tag_list = QListWidget()
        self.tag_add = QPushButton("新增")
        self.tag_rename = QPushButton("重命名")
        self.tag_delete = QPushButton("删除")
        tag_buttons = QHBoxLayout()
        for b in (self.tag_add, self.tag_rename, self.tag_delete):
            tag_buttons.addWidget(b)
        tag_buttons.addStretch(1)
        tags_box = QGroupBox("特殊群体类别（住户可标记多个）")
        tags_layout = QVBoxLayout(tags_box)
        tags_layout.addWidget(self.tag_list)
        tags_layout.addLayout(tag_buttons)

        self.due_days_spin = QSpinBox()
        self.due_days_spin.setRange(1, 3650)
        self.due_days_spin.setSuffix(" 天")
        self.special_days_spin = QSpinBox()
        self.special_days_spin.setRange(1, 3650)
        self.special_days_spin.setSuffix(" 天")
        self.hour_spins: dict[str, QDoubleSpinBox] = {}
        for severity in problems.SEVERITIES:
            spin = QDoubleSpinBox()
            spin.setRange(0.5, 24 * 365)
            spin.setDecimals(1)
            spin.setSuffix(" 小时")
            self.hour_spins[severity] = spin
        self.soon_spin = QSpinBox()
        self.soon_spin.setRange(1, 99)
        self.soon_spin.setSuffix(" %")
        for spin in (self.due_days_spin, self.special_days_spin, self.soon_spin, *self.hour_spins.values()):
            spin.setMaximumWidth(px(160))
        rules_box = QGroupBox("走访与问题处置规则")
        form = QFormLayout(rules_box)
        form.addRow("住户超过多少天未走访列为待走访：", self.due_days_spin)
        form.addRow("特殊群体住户至少每隔多少天走访一次：", self.special_days_spin)
        form.addRow("一般问题处置时限：", self.hour_spins["一般"])
        form.addRow("重大问题处置时限：", self.hour_spins["重大"])
        form.addRow("复杂问题（形成方案）时限：", self.hour_spins["复杂"])
        form.addRow("剩余时限少于多少时提示“即将超时”：", self.soon_spin)
        self.rules_save = QPushButton("保存规则")
        self.rules_status = QLabel()
        save_row = QHBoxLayout()
        save_row.addWidget(self.rules_save)
        save_row.addWidget(self.rules_status, 1)
        right = QVBoxLayout()
        right.addWidget(rules_box)
        right.addLayout(save_row)
        right.addStretch(1)
        page = QWidget()
        layout = QHBoxLayout(page)
        layout.addWidget(tags_box, 1)
        layout.addLayout(right, 2)
        return page

    def _connect_signals(self) -> None:
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)
        self.search_results.itemActivated.connect(self._on_search_results_item_activated)
        self.search_results.itemClicked.connect(self._on_search_results_item_activated)
        for row in self.item_rows:
            row.group.buttonClicked.connect(lambda _b, r=row: self._on_item_finding_clicked(r))
            row.problem_button.clicked.connect(lambda _c=False, n=row.item_no: self._on_problem_button_clicked(n))
        self.all_clear_button.clicked.connect(self._on_all_clear_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.h_community.currentIndexChanged.connect(self._on_h_community_current_index_changed)
        self.h_grid.currentIndexChanged.connect(self.refresh_households)
        self.h_tag.currentIndexChanged.connect(self.refresh_households)
        self.h_search.textChanged.connect(self.refresh_households)
        self.household_table.selectionModel().currentRowChanged.connect(self._on_household_table_current_changed)
        self.household_table.doubleClicked.connect(self._on_h_visit_clicked)
        self.history_table.doubleClicked.connect(self._on_history_table_double_clicked)
        self.h_add.clicked.connect(self._on_h_add_clicked)
        self.h_edit.clicked.connect(self._on_h_edit_clicked)
        self.h_delete.clicked.connect(self._on_h_delete_clicked)
        self.h_visit.clicked.connect(self._on_h_visit_clicked)
        self.h_import.clicked.connect(self._on_h_import_clicked)
        self.h_delete_visit.clicked.connect(self._on_h_delete_visit_clicked)
        self.h_print.clicked.connect(self._on_h_print_clicked)
        self.h_print_blank.clicked.connect(self._on_h_print_blank_clicked)
        self.c_period.currentTextChanged.connect(self._on_c_period_current_text_changed)
        self.c_start.dateChanged.connect(self._on_c_dates_changed)
        self.c_end.dateChanged.connect(self._on_c_dates_changed)
        self.c_community.currentIndexChanged.connect(self.refresh_coverage)
        self.c_by.currentIndexChanged.connect(self.refresh_coverage)
        self.c_export.clicked.connect(self._on_c_export_clicked)
        self.due_table.doubleClicked.connect(lambda _i: self._open_due(self.due_table))
        self.special_table.doubleClicked.connect(lambda _i: self._open_due(self.special_table))
        self.tag_add.clicked.connect(self._on_tag_add_clicked)
        self.tag_rename.clicked.connect(self._on_tag_rename_clicked)
        self.tag_delete.clicked.connect(self._on_tag_delete_clicked)
        self.rules_save.clicked.connect(self._on_rules_save_clicked)

    # Loading -------------------------------------------------------------------------------------
    def unsaved_input(self) -> bool:
        return typed_into(self.visitors_edit, self.note_edit, *(row.text_edit for row in self.item_rows))

    def refresh(self) -> None:
        fill_community_combo(self.h_community, self.db)
        fill_grid_combo(self.h_grid, self.db, self.h_community.currentData())
        fill_community_combo(self.c_community, self.db)
        current_tag = self.h_tag.currentData()
        self.h_tag.blockSignals(True)
        self.h_tag.clear()
        self.h_tag.addItem("全部", None)
        for tag in households.list_tags(self.db):
            self.h_tag.addItem(tag.name, tag.id)
        self.h_tag.setCurrentIndex(max(0, self.h_tag.findData(current_tag)))
        self.h_tag.blockSignals(False)
        self._cadre_ids = {p.name: p.id for p in households.cadres(self.db)}
        self.visitors_edit.setCompleter(name_completer(list(self._cadre_ids), self))
        if self.household_id is not None:
            try:
                self._show_household_label(households.get(self.db, self.household_id))
            except UserError:
                self.household_id = None
        no_households = not records.has_any(self.db, "households")
        for hint in self.empty_states:
            hint.show_when(no_households)
        # Only the tab in front reloads now; the others when they are next shown (saving a visit stays quick).
        self._stale = {1, 2, 3}
        self._refresh_tab(self.tabs.currentIndex())

    def _refresh_tab(self, index: int) -> None:
        if index not in self._stale:
            return
        self._stale.discard(index)
        if index == 1:
            self.refresh_households()
        elif index == 2:
            self.refresh_coverage()
        elif index == 3:
            self._load_rules()

    _stale: set[int] = set()

    def _on_tabs_current_changed(self, index: int) -> None:
        self._refresh_tab(index)

    def may(self, action: str) -> bool:
        return may(self, action)

    def command_slots(self):
        tab = self.tabs.currentIndex()
        if tab == 0:
            return {"new": ("新的走访", self._on_new_button_clicked),
                    "save": ("保存走访", self._on_save_button_clicked),
                    "find": ("查找要走访的住户", lambda: self.focus_line_edit(self.search_edit)),
                    "print": ("打印本户走访表" if self.household_id else "打印空白走访表", self.print_current_sheet)}
        slots = {"find": ("查找住户", self.focus_household_search)}
        if tab == 1:
            slots.update({"new": ("新增住户…", self._on_h_add_clicked),
                          "print": ("打印走访表（本页住户）", self._on_h_print_clicked)})
        elif tab == 3:
            slots["save"] = ("保存规则", self._on_rules_save_clicked)
        return slots

    def focus_household_search(self) -> None:
        self.tabs.setCurrentIndex(1)
        self.focus_line_edit(self.h_search)

    def print_current_sheet(self) -> None:
        """The visit form's 打印: the chosen household's record sheet, or a blank one."""
        self.print_visit_sheets([self.household_id] if self.household_id else None)

    # Visit form ----------------------------------------------------------------------------------
    def search_households(self, text: str) -> list[Household]:
        """Fill the picker with households matching the text (address, name, pinyin, initials)."""
        self.search_edit.setText(text)
        return self._search_matches

    def _on_search_edit_text_changed(self, text: str) -> None:
        self.search_results.clear()
        self._search_matches = households.search(self.db, text, limit=30) if text.strip() else []
        for h in self._search_matches:
            label = f"{h.address}　{h.head_name or ''}　{h.grid_name}" + (f"　〔{h.tags_text}〕" if h.tags else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, h.id)
            self.search_results.addItem(item)
        if len(self._search_matches) == 1:
            self.search_results.setCurrentRow(0)

    _search_matches: list[Household] = []

    def _on_search_edit_return_pressed(self) -> None:
        item = self.search_results.currentItem() or self.search_results.item(0)
        if item is not None:
            self.pick_household(item.data(Qt.ItemDataRole.UserRole))

    def _on_search_results_item_activated(self, item: QListWidgetItem) -> None:
        self.pick_household(item.data(Qt.ItemDataRole.UserRole))

    def pick_household(self, household_id: int) -> None:
        """Start a new visit of this household (visitors default to its 包片 cadre)."""
        household = households.get(self.db, household_id)
        self.start_new_visit()
        self.household_id = household_id
        self._show_household_label(household)
        if household.cadre_name:
            self.visitors_edit.setText(household.cadre_name)
        self.commands_changed.emit()  # 打印 now prints this household's sheet

    def _show_household_label(self, h: Household) -> None:
        tags = f"　特殊群体：<b style='color:{STATUS['overdue'].text}'>{h.tags_text}</b>" if h.tags else ""
        self.household_label.setText(
            f"<b>{h.address}</b>　户主：{h.head_name or '未登记'}　电话：{idcard.mask_phone(h.phone) or '无'}　"
            f"{h.people_count} 人　{h.community_name} {h.grid_name}　包片：{h.cadre_name or '未指定'}{tags}　"
            f"最近走访：{h.last_visit or '从未走访'}")

    def start_new_visit(self) -> None:
        self.visit_id = None
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.date_edit.setDate(QDate.currentDate())
        self.note_edit.clear()
        self._reset_items()
        self.form_status.setText("")

    def _reset_items(self) -> None:
        for row in self.item_rows:
            row.problem_button.setText("生成问题")
            row.set(None)

    def open_visit(self, visit_id: int) -> None:
        """Load a saved visit into the form (to fill in missing answers or raise a problem from it)."""
        visit = visits.get_visit(self.db, visit_id)
        self.household_id = visit.household_id
        self._show_household_label(households.get(self.db, visit.household_id))
        self.visit_id = visit_id
        self.date_edit.setDate(QDate.fromString(visit.visit_date, "yyyy-MM-dd"))
        self.visitors_edit.setText("、".join(visit.visitor_names))
        self.note_edit.setText(visit.note or "")
        for row, item in zip(self.item_rows, visit.items):
            row.set(item.finding, item.text or "")
            self._show_item_problems(row, item.problem_ids)
        self._show_saved_status(visit)
        self.tabs.setCurrentIndex(0)

    def _show_item_problems(self, row: ItemRow, problem_ids: tuple[int, ...]) -> None:
        if problem_ids:
            number = problems.get(self.db, problem_ids[-1]).number
            row.problem_button.setText(f"已生成 {number}")
        else:
            row.problem_button.setText("生成问题")
        row.update_text_state()

    def set_item(self, item_no: int, finding: str | None, text: str = "") -> None:
        row = self.item_rows[item_no - 1]
        row.set(finding, text)

    def set_visitors(self, text: str) -> None:
        self.visitors_edit.setText(text)

    def _on_item_finding_clicked(self, row: ItemRow) -> None:
        row.update_text_state()
        if row.text_edit.isEnabled():
            row.text_edit.setFocus()

    def _on_all_clear_button_clicked(self) -> None:
        for row in self.item_rows:
            if row.finding() is None:
                row.set("无异常")

    def _visitor_ids(self) -> list[int] | None:
        """Person ids of the typed visitor names; asks about unknown or ambiguous names; None if cancelled."""
        names = [n for n in re.split(r"[、,，;；\s]+", self.visitors_edit.text().strip()) if n]
        ids: list[int] = []
        for name in names:
            if name in self._cadre_ids:
                ids.append(self._cadre_ids[name])
                continue
            matches = persons.find_by_name(self.db, name)
            if len(matches) == 1:
                ids.append(matches[0].id)
            elif len(matches) > 1:
                labels = [f"{p.name}（{idcard.mask_phone(p.phone) or '无电话'}，{p.address or '无住址'}）" for p in matches]
                label = self.ask_item("选择走访人", f"有几位叫“{name}”的人员，请选择：", labels)
                if label is None:
                    return None
                ids.append(matches[labels.index(label)].id)
            else:
                if not self.confirm(f"人员库中没有“{name}”。把“{name}”登记为新的走访人吗？"):
                    return None
                ids.append(persons.create(self.db, name=name))
        return ids

    def _answers(self) -> list[dict]:
        return [{"item_no": r.item_no, "finding": r.finding(), "text": r.text_edit.text() if r.text_edit.isEnabled() else ""}
                for r in self.item_rows]

    def save_visit(self) -> int | None:
        """Save the form; returns the visit id, or None when something needs fixing (shown to the user)."""
        if self.household_id is None:
            self.show_error("请先在上方查找并选中要走访的住户。")
            return None
        if not self.may("edit"):
            return None
        visitor_ids = self._visitor_ids()
        if visitor_ids is None:
            return None
        try:
            self.visit_id = visits.save_visit(
                self.db, self.household_id, pydate(self.date_edit.date()), visitor_ids, self._answers(),
                self.note_edit.text(), visit_id=self.visit_id)
        except UserError as exc:
            self.show_error(str(exc))
            return None
        mark_saved(self.visitors_edit, self.note_edit, *(row.text_edit for row in self.item_rows))
        visit = visits.get_visit(self.db, self.visit_id)
        self._show_saved_status(visit)
        self.visit_saved.emit(self.visit_id)
        self.changed("visits")
        return self.visit_id

    def _show_saved_status(self, visit: Visit) -> None:
        if visit.complete:
            set_role(self.form_status, "ok")
            self.form_status.setText(f"已保存（{visit.visit_date}，五项均已问完）。")
        else:
            missing = "、".join(str(n) for n in visit.missing_items)
            set_role(self.form_status, "warning")
            self.form_status.setText(f"已保存，但未问完：第 {missing} 项没有结果，不计入走访覆盖率。补问后再保存即可。")

    def _on_save_button_clicked(self) -> None:
        self.save_visit()

    def _on_new_button_clicked(self) -> None:
        self.start_new_visit()
        self.household_id = None
        self.household_label.setText("请先查找并选中要走访的住户。")
        self.visitors_edit.clear()
        self.search_edit.clear()
        self.search_edit.setFocus()
        self.commands_changed.emit()

    def ask_severity(self) -> str | None:
        hours = problems.deadline_hours(self.db)
        labels = [f"{s}（{self._hours_label(hours[s])}内{'形成方案' if s == '复杂' else '处置'}）" for s in SEVERITY_CHOICES]
        label = self.ask_item("生成问题", "问题等级：", labels)
        return None if label is None else SEVERITY_CHOICES[labels.index(label)]

    @staticmethod
    def _hours_label(hours: float) -> str:
        from reports.visit_sheet_pdf import hours_text

        return hours_text(hours)

    def create_problem_from_item(self, item_no: int) -> int | None:
        """Save the visit if needed, then register the item as a problem (source 走访). Returns its id."""
        row = self.item_rows[item_no - 1]
        if row.finding() not in ("有情况", "发现问题"):
            self.show_error(f"第 {item_no} 项没有选“有情况”或“发现问题”，请先选择结果并写明情况，再生成问题。")
            return None
        if row.problem_button.text() != "生成问题" and not self.confirm(
                f"这一项已经{row.problem_button.text()}，还要再登记一个问题吗？"):
            return None
        if self.save_visit() is None:
            return None
        severity = self.ask_severity()
        if severity is None:
            return None
        try:
            problem_id = problems.create_from_visit_item(self.db, self.visit_id, item_no, severity=severity)
        except UserError as exc:
            self.show_error(str(exc))
            return None
        self._show_item_problems(row, (problem_id,))
        self.problem_created.emit(problem_id)
        self.changed("problems")
        self.form_status.setText(self.form_status.text() + f"　已生成问题 {problems.get(self.db, problem_id).number}，"
                                 "请到“问题台账”继续办理。")
        return problem_id

    def _on_problem_button_clicked(self, item_no: int) -> None:
        self.create_problem_from_item(item_no)

    # Households ----------------------------------------------------------------------------------
    def _on_h_community_current_index_changed(self, _index: int) -> None:
        fill_grid_combo(self.h_grid, self.db, self.h_community.currentData())
        self.refresh_households()

    _special_due_before = ""

    def _household_colour(self, h: Household):
        """Amber: a special-group household not visited within the office's interval."""
        if h.tags and (not h.last_visit or h.last_visit < self._special_due_before):
            return AMBER
        return None

    def _import_households_from_hint(self) -> None:
        self.tabs.setCurrentIndex(1)
        self.h_import.click()

    def _add_household_from_hint(self) -> None:
        self.tabs.setCurrentIndex(1)
        self.h_add.click()

    def refresh_households(self, *_args) -> None:
        if self._building:
            return
        self._stale.discard(1)
        days = int(settings.get(self.db, "visit_special_interval_days"))
        self._special_due_before = (dt.date.today() - dt.timedelta(days=days)).isoformat()
        current = self.household_table.selected_row()
        rows = households.search(self.db, self.h_search.text(), grid_id=self.h_grid.currentData(),
                                 community_id=self.h_community.currentData(), tag_id=self.h_tag.currentData(), limit=2000)
        self.household_model.set_rows(rows)
        total = households.count(self.db, community_id=self.h_community.currentData())
        self.h_count.setText(f"显示 {len(rows)} 户（共 {total} 户）" + ("，最多显示 2000 户，请用筛选缩小范围" if len(rows) >= 2000 else "")
                             + "。黄色：特殊群体住户超过规定间隔未走访。")
        if current is not None and self.household_table.select_key(current.id):
            return
        self._show_household_detail(None)

    def select_household(self, household_id: int) -> bool:
        self._refresh_tab(1)
        return self.household_table.select_key(household_id)

    def selected_household(self) -> Household | None:
        self._refresh_tab(1)
        return self.household_table.selected_row()

    def _on_household_table_current_changed(self, *_args) -> None:
        self._show_household_detail(self.selected_household())

    def _show_household_detail(self, h: Household | None) -> None:
        for b in (self.h_edit, self.h_delete, self.h_visit):
            b.setEnabled(h is not None)
        if h is None:
            self.detail_label.setText("选中一户查看走访记录和问题。")
            self.history_model.set_rows([])
            self.h_problem_model.set_rows([])
            return
        self.detail_label.setText(
            f"<b>{h.address}</b><br>户主：{h.head_name or '未登记'}　电话：{idcard.mask_phone(h.phone) or '无'}　"
            f"家庭人数：{h.people_count}<br>{h.community_name} {h.grid_name}　包片干部：{h.cadre_name or '未指定'}"
            + (f"<br>特殊群体：<b style='color:{STATUS['overdue'].text}'>{h.tags_text}</b>" if h.tags else "")
            + (f"<br>备注：{h.note}" if h.note else ""))
        self.history_model.set_rows(visits.list_visits(self.db, household_id=h.id))
        self.h_problem_model.set_rows(problems.list_problems(self.db, household_id=h.id))

    def save_household(self, values: dict, household_id: int | None = None) -> bool:
        if not self.may("edit"):
            return False
        try:
            if household_id is None:
                household_id = households.create(self.db, values)
            else:
                households.update(self.db, household_id, values)
        except UserError as exc:
            self._dialog_error(str(exc))
            return False
        self.changed("visits")
        self.select_household(household_id)
        return True

    _active_dialog: HouseholdDialog | None = None

    def _dialog_error(self, message: str) -> None:
        if self._active_dialog is not None:
            self._active_dialog.show_error(message)
        else:
            self.show_error(message)

    def edit_household_dialog(self, household: Household | None) -> None:
        """Open the household form (tests replace this and call save_household directly)."""
        dialog = HouseholdDialog(self.db, household, lambda v: self.save_household(v, household.id if household else None),
                                 default_grid_id=self.h_grid.currentData(), parent=self)
        self._active_dialog = dialog
        try:
            dialog.exec()
        finally:
            self._active_dialog = None

    def _on_h_add_clicked(self) -> None:
        if self.may("edit"):
            self.edit_household_dialog(None)

    def _on_h_edit_clicked(self) -> None:
        h = self.selected_household()
        if h and self.may("edit"):  # the form shows the full phone number
            self.edit_household_dialog(h)

    def _on_h_delete_clicked(self) -> None:
        h = self.selected_household()
        if h and self.may("edit"):
            self.delete_records(f"确定要删除住户“{h.address}”吗？", f"住户“{h.address}”", ("visits",),
                                lambda: households.delete(self.db, h.id))

    def _on_h_visit_clicked(self, *_args) -> None:
        h = self.selected_household()
        if h:
            self.pick_household(h.id)
            self.tabs.setCurrentIndex(0)

    def open_import(self):
        """The Excel import wizard for households (all or nothing, errors file, undo); returns the dialog."""
        from gui.import_wizard import open_import_wizard

        if not self.may("import"):
            return None
        return open_import_wizard(self, self.db, self.signals, "households")

    def _on_h_import_clicked(self) -> None:
        self.open_import()

    def delete_selected_visit(self) -> bool:
        visit = self.history_table.selected_row()
        if visit is None:
            self.show_info("请先在走访记录中选中要删除的一条。")
            return False
        if not self.may("edit"):
            return False
        if not self.delete_records(f"确定删除 {visit.visit_date} 对“{visit.address}”的走访记录吗？",
                                   f"{visit.visit_date} “{visit.address}”的走访记录", ("visits",),
                                   lambda: visits.delete_visit(self.db, visit.id)):
            return False
        if self.visit_id == visit.id:
            self.start_new_visit()
        return True

    def _on_h_delete_visit_clicked(self) -> None:
        self.delete_selected_visit()

    def _on_history_table_double_clicked(self, *_args) -> None:
        visit = self.history_table.selected_row()
        if visit:
            self.open_visit(visit.id)

    def _pdf_path(self, stem: str) -> Path:
        folder = Path(tempfile.gettempdir()) / "dangjian-pdf"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{stem}-{dt.datetime.now():%Y%m%d-%H%M%S}.pdf"

    def preview_pdf(self, path: Path) -> None:
        from gui.pdf_preview import show_pdf

        show_pdf(self, path, "打印预览")

    def print_visit_sheets(self, household_ids: list[int] | None = None) -> Path:
        """Visit record sheets, blank (None) or one per household, built off the GUI thread; then the preview.

        Returns the file the job writes (file_written is emitted when it is there)."""
        from reports import visit_sheet_pdf

        path = self._pdf_path("五必问走访记录表")
        ids = tuple(household_ids or ())
        start_job(self, f"正在生成走访记录表（{max(1, len(ids))} 页）…",
                  lambda db, progress: visit_sheet_pdf.build_from_db(db, path, ids, progress=progress),
                  self._on_pdf_written)
        return path

    def _on_pdf_written(self, path: Path) -> None:
        self.preview_pdf(path)
        self.file_written.emit(str(path))

    def ask_save_path(self, title: str, suggested: str) -> str:
        return ask_xlsx_path(self, title, suggested)

    def export_visits(self, path: str | None = None) -> Path | None:
        """The visits of the coverage tab's period and community to Excel (phones masked), off the GUI thread."""
        from core import visits_export

        if not self.may("export"):
            return None
        start, end = pydate(self.c_start.date()), pydate(self.c_end.date())
        community = self.c_community.currentData()
        return export_excel(self, path, "导出走访记录", f"走访记录-{start}-{end}.xlsx", "条走访记录",
                            lambda db, out, progress: visits_export.export_visits(
                                db, out, community_id=community, progress=progress, start=start, end=end))

    def _on_h_print_clicked(self) -> None:
        ids = [h.id for h in self.household_model.rows()]
        if not ids:
            self.show_info("本页没有住户。请先选择社区或网格。")
            return
        if len(ids) > 300 and not self.confirm(f"将为 {len(ids)} 户各打印一页走访记录表，确定吗？"):
            return
        self.print_visit_sheets(ids)

    def _on_h_print_blank_clicked(self) -> None:
        self.print_visit_sheets(None)

    # Coverage ------------------------------------------------------------------------------------
    def _apply_period(self, name: str) -> None:
        today = dt.date.today()
        if name == "本月":
            start = today.replace(day=1)
        elif name == "本季度":
            start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        elif name == "本年":
            start = today.replace(month=1, day=1)
        elif name == "近12个月":
            start = today - dt.timedelta(days=364)
        else:
            return
        for w, value in ((self.c_start, start), (self.c_end, today)):
            w.blockSignals(True)
            w.setDate(qdate(value))
            w.blockSignals(False)

    def _on_c_period_current_text_changed(self, name: str) -> None:
        self._apply_period(name)
        self.refresh_coverage()

    def _on_c_dates_changed(self, *_args) -> None:
        self.c_period.blockSignals(True)
        self.c_period.setCurrentText("自定义")
        self.c_period.blockSignals(False)
        self.refresh_coverage()

    def set_period(self, start: dt.date, end: dt.date) -> None:
        self.c_start.setDate(qdate(start))
        self.c_end.setDate(qdate(end))

    def refresh_coverage(self, *_args) -> None:
        if self._building:
            return
        self._stale.discard(2)
        start, end = pydate(self.c_start.date()), pydate(self.c_end.date())
        community = self.c_community.currentData()
        total = visits.coverage(self.db, community_id=community, start=start, end=end)
        scope = self.c_community.currentText() or "全部社区"
        self.c_summary.setText(
            f"{scope}　{start} 至 {end}：住户 <b>{total.households}</b> 户，已走访 <b>{total.visited}</b> 户，"
            f"覆盖率 <b>{total.percent:g}%</b>；走访 {total.visits} 次，其中未问完 {total.incomplete_visits} 次。")
        if self.c_by.currentIndex() == 0:
            self.grid_cov_model.set_rows(visits.coverage_by_grid(self.db, start, end, community))
            model = self.grid_cov_model
        else:
            self.cadre_cov_model.set_rows(visits.coverage_by_cadre(self.db, start, end, community))
            model = self.cadre_cov_model
        self.coverage_table.use_model(model)
        due = visits.not_visited(self.db, community_id=community)
        special = visits.special_overdue(self.db, community_id=community)
        self.due_model.set_rows(due)
        self.special_model.set_rows(special)
        self.due_label.setText(f"超过 {settings.get(self.db, 'visit_due_days')} 天未走访：{len(due)} 户（双击去走访）")
        self.special_label.setText(
            f"特殊群体超过 {settings.get(self.db, 'visit_special_interval_days')} 天未走访：{len(special)} 户")

    def _on_c_export_clicked(self) -> None:
        self.export_visits()

    def coverage_rows(self) -> list:
        self._refresh_tab(2)
        return self.coverage_table.rows()

    def _open_due(self, table) -> None:
        row: DueHousehold | None = table.selected_row()
        if row:
            self.pick_household(row.household_id)
            self.tabs.setCurrentIndex(0)

    # Rules and tags ------------------------------------------------------------------------------
    def _load_rules(self) -> None:
        self.tag_list.clear()
        for tag in households.list_tags(self.db):
            item = QListWidgetItem(f"{tag.name}（{tag.households} 户）")
            item.setData(Qt.ItemDataRole.UserRole, tag.id)
            self.tag_list.addItem(item)
        self.due_days_spin.setValue(int(settings.get(self.db, "visit_due_days")))
        self.special_days_spin.setValue(int(settings.get(self.db, "visit_special_interval_days")))
        for severity, hours in problems.deadline_hours(self.db).items():
            self.hour_spins[severity].setValue(hours)
        self.soon_spin.setValue(round(problems.due_soon_fraction(self.db) * 100))

    def _selected_tag_id(self) -> int | None:
        item = self.tag_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _tag_action(self, action) -> None:
        if not self.may("settings"):
            return
        try:
            action()
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.changed("visits")

    def _on_tag_add_clicked(self) -> None:
        name = self.ask_text("新增特殊群体", "名称：")
        if name:
            self._tag_action(lambda: households.create_tag(self.db, name))

    def _on_tag_rename_clicked(self) -> None:
        tag_id = self._selected_tag_id()
        if tag_id is None:
            return
        current = next(t.name for t in households.list_tags(self.db) if t.id == tag_id)
        name = self.ask_text("重命名特殊群体", "新名称：", current)
        if name and name != current:
            self._tag_action(lambda: households.rename_tag(self.db, tag_id, name))

    def _on_tag_delete_clicked(self) -> None:
        tag_id = self._selected_tag_id()
        if tag_id is None or not self.may("settings"):
            return
        name = next((t.name for t in households.list_tags(self.db) if t.id == tag_id), None)
        if name is None:  # deleted meanwhile (another window)
            self.changed("visits")
            return
        self.delete_records(f"确定删除特殊群体类别“{name}”吗？", f"特殊群体类别“{name}”", ("visits",),
                            lambda: households.delete_tag(self.db, tag_id))

    def save_rules(self) -> bool:
        if not self.may("settings"):
            return False
        try:
            with self.db.atomic():
                visits.save_rules(self.db, self.due_days_spin.value(), self.special_days_spin.value())
                problems.save_rules(self.db, {s: spin.value() for s, spin in self.hour_spins.items()},
                                    self.soon_spin.value() / 100)
        except UserError as exc:
            self.rules_status.setText("")
            self.show_error(str(exc))
            return False
        self.rules_status.setText("规则已保存。新登记的问题按新时限计算。")
        self.changed("settings")
        return True

    def _on_rules_save_clicked(self) -> None:
        self.save_rules()
