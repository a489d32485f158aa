"""问题台账: the board of problems grouped by stage (overdue red, due soon amber) with the step form and the ledger."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDateEdit, QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout,
    QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSplitter, QTreeView, QVBoxLayout, QWidget,
)

from core import households, persons, problems, records
from core.errors import UserError
from core.problems import Problem
from gui.base import Screen, bind_save_key, typed_into
from gui.empty_state import EmptyState
from gui.table_model import Column, RowsTable, readable_tree_rows
from gui.visits_widgets import (
    AMBER, RED, RED_TEXT, ask_xlsx_path, export_excel, fill_community_combo, fill_grid_combo, may, name_completer, pydate,
    qdate, start_job,
)
from gui.style import GROUP_ROW, STATUS, fitted, px, set_role

PROBLEM_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_LABEL = {"overdue": "已超时", "due_soon": "即将超时", "open": "", "on_time": "按时处置", "late": "超时处置"}


def _qdatetime(value: dt.datetime) -> QDateTime:
    return QDateTime.fromString(value.strftime("%Y-%m-%d %H:%M"), "yyyy-MM-dd HH:mm")


def _pydatetime(value: QDateTime) -> dt.datetime:
    return dt.datetime.strptime(value.toString("yyyy-MM-dd HH:mm"), "%Y-%m-%d %H:%M")


class NewProblemDialog(QDialog):
    """Register a problem that did not come from a visit (12345热线, 居民来访, 网格巡查)."""

    def __init__(self, screen: "ProblemsScreen"):
        super().__init__(screen)
        self.screen = screen
        self.db = screen.db
        self.setWindowTitle("登记问题")
        self.source = QComboBox()
        self.source.addItems([s for s in problems.SOURCES if s != "走访"] + ["走访"])
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("一句话写明问题，如：3号楼2单元楼道灯不亮")
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)  # Tab moves to the next field, as in every other box
        self.description.setFixedHeight(px(70))
        self.severity = QComboBox()
        self.severity.addItems(list(problems.SEVERITIES))
        self.grid = QComboBox()
        fill_grid_combo(self.grid, self.db, screen.community.currentData(), all_label=None)
        self.household = QComboBox()
        self.household_search = QLineEdit()
        self.household_search.setPlaceholderText("住址或户主（可不填）")
        self.reporter = QLineEdit()
        self.reporter_phone = QLineEdit()
        self.found_by = QLineEdit()
        self.found_by.setCompleter(name_completer(list(screen.cadre_ids), self))
        self.found_at = QDateTimeEdit(_qdatetime(problems.now()))
        self.found_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.found_at.setCalendarPopup(True)
        self.error = QLabel()
        set_role(self.error, "error")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("来源：", self.source)
        form.addRow("问题：", self.title_edit)
        form.addRow("详细情况：", self.description)
        form.addRow("等级：", self.severity)
        form.addRow("所在网格：", self.grid)
        household_row = QHBoxLayout()
        self.household_search.setMinimumWidth(px(170))
        household_row.addWidget(self.household_search)
        household_row.addWidget(self.household, 1)
        form.addRow("涉及住户：", household_row)
        form.addRow("反映人：", self.reporter)
        form.addRow("反映人电话：", self.reporter_phone)
        form.addRow("登记人：", self.found_by)
        form.addRow("发现时间：", self.found_at)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("登记")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        bind_save_key(self, buttons.button(QDialogButtonBox.StandardButton.Save))
        self.household_search.textChanged.connect(self._on_household_search_text_changed)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._on_household_search_text_changed("")
        self.resize(fitted(560, 480))

    def _on_household_search_text_changed(self, text: str) -> None:
        self.household.clear()
        self.household.addItem("（不涉及具体住户）", None)
        if text.strip():
            for h in households.search(self.db, text, limit=30):
                self.household.addItem(h.label, (h.id, h.grid_id))
            if self.household.count() > 1:
                self.household.setCurrentIndex(1)

    def values(self) -> dict:
        household = self.household.currentData()
        grid_id = household[1] if household else self.grid.currentData()
        return {
            "source": self.source.currentText(), "title": self.title_edit.text(),
            "description": self.description.toPlainText(), "severity": self.severity.currentText(),
            "grid_id": grid_id, "household_id": household[0] if household else None,
            "reporter": self.reporter.text(), "reporter_phone": self.reporter_phone.text() or None,
            "found_by": self.found_by.text().strip(), "found_at": _pydatetime(self.found_at.dateTime()),
        }

    def _on_buttons_accepted(self) -> None:
        problem_id = self.screen.create_problem(self.values(), on_error=self.error.setText)
        if problem_id is not None:
            self.accept()


class ProblemsScreen(Screen):
    key = "problems"
    title = "问题台账"
    areas = ("problems", "visits", "org", "settings")

    step_recorded = Signal(int)
    file_written = Signal(str)

    def __init__(self, db, signals, parent=None):
        super().__init__(db, signals, parent)
        self.jobs: list = []
        self.cadre_ids: dict[str, int] = {}
        self._building = True
        self._build_ui()
        self._connect_signals()
        self._building = False
        self.refresh()
        # Remaining times and overdue colours move with the clock while the board is on screen.
        self.clock = QTimer(self)
        self.clock.setInterval(60_000)
        self.clock.timeout.connect(self.refresh_board)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.clock.start()

    def hideEvent(self, event) -> None:
        self.clock.stop()
        super().hideEvent(event)

    # UI ------------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.community = QComboBox()
        self.search = QLineEdit()
        self.search.setPlaceholderText("编号、问题、住址、反映人、责任人")
        self.search.setClearButtonEnabled(True)
        self.show_closed = QCheckBox("显示已办结")
        self.urgent_only = QCheckBox("只看超时和即将超时")
        self.new_button = QPushButton("登记问题")
        self.ledger_start = QDateEdit()
        self.ledger_end = QDateEdit()
        for w in (self.ledger_start, self.ledger_end):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
        today = dt.date.today()
        self.ledger_start.setDate(qdate(today.replace(day=1)))
        self.ledger_end.setDate(qdate(today))
        self.ledger_button = QPushButton("打印问题台账")
        self.export_button = QPushButton("导出Excel")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("社区："))
        bar.addWidget(self.community)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.urgent_only)
        bar.addWidget(self.show_closed)
        bar.addWidget(self.new_button)
        self.summary = QLabel()
        set_role(self.summary, "summary")
        self.summary.setWordWrap(True)
        ledger = QHBoxLayout()
        ledger.addWidget(self.summary, 1)
        ledger.addWidget(QLabel("台账期间："))
        ledger.addWidget(self.ledger_start)
        ledger.addWidget(QLabel("至"))
        ledger.addWidget(self.ledger_end)
        ledger.addWidget(self.ledger_button)
        ledger.addWidget(self.export_button)

        self.board_model = QStandardItemModel(self)
        self.board_model.setHorizontalHeaderLabels(["编号 / 环节", "问题", "网格", "等级", "时限", "责任人"])
        self.board = QTreeView()
        self.board.setModel(self.board_model)
        self.board.setUniformRowHeights(True)
        readable_tree_rows(self.board)
        self.board.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        self.board.setAlternatingRowColors(False)
        header = self.board.header()
        # The problem keeps a readable width at any font size; at a large font the board scrolls
        # sideways and the responsible person, the least needed column, goes out of view first.
        header.resizeSection(5, px(60))  # the stretched last column never shrinks below its size when set
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        self.empty_state = EmptyState(
            "还没有问题记录",
            "五必问走访中点了“发现问题”的事项会自动进入台账；居民来电、来访反映的问题，点“登记问题”记下来。"
            "每个问题按发现、研判、处置、反馈、办结逐步办理，超时会标红。",
            [("登记问题", self.new_button.click)], over=self.board)

        self.detail = QLabel("在左侧选中一个问题。")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        set_role(self.detail, "panel")
        self.steps_table = RowsTable([
            Column("环节", lambda s: s.stage, width=48),
            Column("时间", lambda s: s.at, width=126),
            Column("经办人", lambda s: s.person_name, width=64),
            Column("办理情况", lambda s: s.text),
        ])
        self.steps_model = self.steps_table.rows_model

        self.step_box = QGroupBox("办理下一环节")
        self.next_stage = QComboBox()
        self.stage_hint = QLabel()
        set_role(self.stage_hint, "hint")
        self.stage_hint.setWordWrap(True)  # a long hint wraps instead of widening the panel at a large font
        self.step_person = QLineEdit()
        self.step_person.setPlaceholderText("经办人姓名")
        self.step_at = QDateTimeEdit()
        self.step_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.step_at.setCalendarPopup(True)
        self.step_text = QPlainTextEdit()
        self.step_text.setTabChangesFocus(True)  # Tab moves to the next field, as in every other box
        self.step_text.setFixedHeight(px(60))
        self.step_severity = QComboBox()
        self.step_severity.addItems(list(problems.SEVERITIES))
        self.step_category = QComboBox()
        self.step_responsible = QLineEdit()
        self.step_responsible.setPlaceholderText("责任人姓名")
        self.step_satisfaction = QComboBox()
        self.step_satisfaction.addItems(list(problems.SATISFACTION))
        self.step_submit = QPushButton("提交")
        set_role(self.step_submit, "primary")
        self.step_form = QFormLayout(self.step_box)
        stage_row = QHBoxLayout()
        stage_row.addWidget(self.next_stage)
        stage_row.addWidget(self.stage_hint, 1)
        self.step_form.addRow("环节：", stage_row)
        self.step_form.addRow("经办人：", self.step_person)
        self.step_form.addRow("时间：", self.step_at)
        self.step_form.addRow("问题等级：", self.step_severity)
        self.step_form.addRow("问题类别：", self.step_category)
        self.step_form.addRow("责任人：", self.step_responsible)
        self.step_form.addRow("居民满意度：", self.step_satisfaction)
        self.step_form.addRow("办理情况：", self.step_text)
        self.step_form.addRow("", self.step_submit)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail)
        right_layout.addWidget(self.steps_table, 1)
        right_layout.addWidget(self.step_box)
        splitter = QSplitter()
        splitter.addWidget(self.board)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([px(700), px(420)])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addLayout(ledger)
        layout.addWidget(splitter, 1)

    def _connect_signals(self) -> None:
        self.community.currentIndexChanged.connect(self.refresh_board)
        self.search.textChanged.connect(self.refresh_board)
        self.show_closed.toggled.connect(self.refresh_board)
        self.urgent_only.toggled.connect(self.refresh_board)
        self.ledger_start.dateChanged.connect(self.refresh_board)
        self.ledger_end.dateChanged.connect(self.refresh_board)
        self.board.selectionModel().currentChanged.connect(self._on_board_current_changed)
        self.next_stage.currentTextChanged.connect(self._on_next_stage_current_text_changed)
        self.step_submit.clicked.connect(self._on_step_submit_clicked)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.ledger_button.clicked.connect(self._on_ledger_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)

    def command_slots(self):
        slots = {"new": ("登记问题…", self._on_new_button_clicked),
                 "find": ("查找问题", lambda: self.focus_line_edit(self.search)),
                 "print": ("打印问题台账", self._on_ledger_button_clicked)}
        if getattr(self, "current", None) is not None and self.step_box.isEnabled():
            slots["save"] = ("提交办理环节", self._on_step_submit_clicked)
        return slots

    # Loading -------------------------------------------------------------------------------------
    def unsaved_input(self) -> bool:
        return typed_into(self.step_person, self.step_text, self.step_responsible)

    def refresh(self) -> None:
        fill_community_combo(self.community, self.db)
        self.cadre_ids = {p.name: p.id for p in households.cadres(self.db)}
        completer_names = list(self.cadre_ids)
        self.step_person.setCompleter(name_completer(completer_names, self))
        self.step_responsible.setCompleter(name_completer(completer_names, self))
        self.step_category.clear()
        from core import settings

        self.step_category.addItems(settings.get(self.db, "problem_categories"))
        self.refresh_board()

    def refresh_board(self, *_args) -> None:
        if self._building:
            return
        selected = self.selected_problem_id()
        at = problems.now()
        fraction = problems.due_soon_fraction(self.db)
        community = self.community.currentData()
        groups = problems.board(self.db, at, community_id=community, text=self.search.text(),
                                include_closed=self.show_closed.isChecked())
        self.board_model.removeRows(0, self.board_model.rowCount())
        bold = QFont()
        bold.setBold(True)
        overdue_total = soon_total = 0
        for stage, items in groups.items():
            states = [p.deadline_state(at, fraction) for p in items]
            if self.urgent_only.isChecked():
                kept = [(p, st) for p, st in zip(items, states) if st in ("overdue", "due_soon")]
                items, states = [p for p, _ in kept], [st for _, st in kept]
            overdue = states.count("overdue")
            soon = states.count("due_soon")
            overdue_total += overdue
            soon_total += soon
            label = f"{stage}（{len(items)}）" + (f"　超时 {overdue}" if overdue else "") + (f"　即将超时 {soon}" if soon else "")
            head = QStandardItem(label)
            head.setFont(bold)
            head.setData(None, PROBLEM_ID_ROLE)
            head.setToolTip(problems.STAGE_HINTS[stage])
            if overdue:
                head.setForeground(QBrush(RED_TEXT))
            row_head = [head] + [QStandardItem("") for _ in range(5)]
            for item in row_head:
                item.setBackground(QBrush(QColor(GROUP_ROW)))
            self.board_model.appendRow(row_head)
            self.board.setFirstColumnSpanned(self.board_model.rowCount() - 1, self.board.rootIndex(), True)
            for p, state in zip(items, states):
                cells = [QStandardItem(p.number), QStandardItem(p.title),
                         QStandardItem(f"{p.community_name.replace('社区党委', '')} {p.grid_name}"), QStandardItem(p.severity),
                         QStandardItem(p.remaining_text(at) if p.handled_at is None
                                       else f"{STATE_LABEL[state]} {p.handled_at[:10]}"),
                         QStandardItem(p.responsible_name or "")]
                cells[0].setData(p.id, PROBLEM_ID_ROLE)
                cells[1].setToolTip(p.title)
                colour = RED if state == "overdue" else AMBER if state == "due_soon" else None
                if colour is not None:
                    for cell in cells:
                        cell.setBackground(QBrush(colour))
                if state == "overdue":
                    cells[4].setForeground(QBrush(RED_TEXT))
                head.appendRow(cells)
        self.board.expandAll()
        self.empty_state.show_when(not records.has_any(self.db, "problems"))
        for column, width in ((0, 128), (1, 160), (2, 112), (3, 40), (4, 140)):
            self.board.setColumnWidth(column, px(width))
        start, end = pydate(self.ledger_start.date()), pydate(self.ledger_end.date())
        counts = problems.counts(self.db, start, end, community_id=community, at=at)
        self.summary.setText(
            f"当前<b style='color:{STATUS['overdue'].text}'>超时未处置 {overdue_total} 件</b>，"
            f"<b style='color:{STATUS['due'].text}'>即将超时 {soon_total} 件</b>。　本期新发现 {counts.opened} 件，"
            f"办结 {counts.closed} 件，按时处置率 {counts.on_time_percent:g}%。")
        if selected is not None and self.select_problem(selected):
            return
        first = next((p for items in groups.values() for p in items), None)
        if first is None or not self.select_problem(first.id):
            self._show_problem(None)

    # Selection -----------------------------------------------------------------------------------
    def selected_problem_id(self) -> int | None:
        index = self.board.currentIndex()
        if not index.isValid():
            return None
        return self.board_model.itemFromIndex(index.siblingAtColumn(0)).data(PROBLEM_ID_ROLE)

    def select_problem(self, problem_id: int) -> bool:
        matches = self.board_model.match(self.board_model.index(0, 0), PROBLEM_ID_ROLE, problem_id, 1,
                                         Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        if not matches:
            return False
        self.board.setCurrentIndex(matches[0])
        self.board.scrollTo(matches[0])
        return True

    def board_rows(self) -> list[tuple[str, str, str]]:
        """(stage, number, background colour name or '') of every problem on the board, in order."""
        out = []
        for r in range(self.board_model.rowCount()):
            head = self.board_model.item(r, 0)
            stage = head.text().split("（")[0]
            for c in range(head.rowCount()):
                cell = head.child(c, 0)
                brush = cell.background()
                colour = brush.color().name() if brush.style() != Qt.BrushStyle.NoBrush else ""
                out.append((stage, cell.text(), colour))
        return out

    def _on_board_current_changed(self, *_args) -> None:
        problem_id = self.selected_problem_id()
        self._show_problem(problems.get(self.db, problem_id) if problem_id is not None else None)
        self.commands_changed.emit()  # 保存 submits this problem's next step

    _form_key: tuple | None = None

    def _show_problem(self, p: Problem | None) -> None:
        self.current = p
        if p is None:
            self._form_key = None
            self.detail.setText("在左侧选中一个问题。红色为已超时，黄色为即将超时。")
            self.steps_model.set_rows([])
            self.step_box.setVisible(False)
            self.next_stage.clear()
            return
        self.step_box.setVisible(True)
        state = p.deadline_state(problems.now(), problems.due_soon_fraction(self.db))
        state_text = {"overdue": f"<b style='color:{STATUS['overdue'].text}'>已超时</b>",
                      "due_soon": f"<b style='color:{STATUS['due'].text}'>即将超时</b>",
                      "late": "超时处置", "on_time": "按时处置", "open": ""}[state]
        where = f"{p.community_name} {p.grid_name}" + (f"　{p.address}" if p.address else "")
        reporter = f"　反映人：{p.reporter}" if p.reporter else ""
        self.detail.setText(
            f"<b>{p.number}　{p.title}</b><br>来源：{p.source}　类别：{p.category or '未分类'}　等级：{p.severity}"
            f"　当前环节：<b>{p.stage}</b><br>{where}{reporter}<br>发现：{p.found_at}　处置期限：{p.deadline_at}　{state_text}"
            f"<br>责任人：{p.responsible_name or '未指定'}" + (f"　居民满意度：{p.satisfaction}" if p.satisfaction else "")
            + (f"<br>{p.description}" if p.description and p.description != p.title else ""))
        self.steps_model.set_rows(problems.steps(self.db, p.id))
        form_key = (p.id, p.stage, p.satisfaction)
        if form_key == self._form_key:
            return  # same problem, same stage (a periodic refresh): keep what is being typed in the form
        self._form_key = form_key
        allowed = problems.allowed_next(p)
        self.next_stage.blockSignals(True)
        self.next_stage.clear()
        self.next_stage.addItems(list(allowed))
        self.next_stage.blockSignals(False)
        self.step_box.setEnabled(bool(allowed))
        self.step_box.setTitle("办理下一环节" if allowed else "此问题已办结")
        self.step_severity.setCurrentText(p.severity)
        if p.category:
            self.step_category.setCurrentText(p.category)
        self.step_responsible.setText(p.responsible_name or "")
        history = self.steps_model.rows()
        self.step_person.setText(p.responsible_name or (history[-1].person_name if history else "") or "")
        self.step_at.setDateTime(_qdatetime(problems.now()))
        self.step_text.clear()
        self._on_next_stage_current_text_changed(self.next_stage.currentText())

    def _on_next_stage_current_text_changed(self, stage: str) -> None:
        self.stage_hint.setText(problems.STAGE_HINTS.get(stage, ""))
        visible = {"问题等级：": stage == "研判", "问题类别：": stage == "分类", "责任人：": stage == "分类",
                   "居民满意度：": stage == "反馈"}
        for label, widget in (("问题等级：", self.step_severity), ("问题类别：", self.step_category),
                              ("责任人：", self.step_responsible), ("居民满意度：", self.step_satisfaction)):
            self.step_form.setRowVisible(widget, visible[label])
        self.step_submit.setText(f"提交（{stage}）" if stage else "提交")

    # Actions -------------------------------------------------------------------------------------
    def may(self, action: str) -> bool:
        return may(self, action)

    def _person_id(self, name: str, label: str) -> int | None:
        """The person with this name (a cadre first); asks before adding someone new. None if cancelled."""
        name = name.strip()
        if not name:
            self.show_error(f"请填写{label}。")
            return None
        if name in self.cadre_ids:
            return self.cadre_ids[name]
        matches = persons.find_by_name(self.db, name)
        if len(matches) == 1:
            return matches[0].id
        if len(matches) > 1:
            labels = [f"{p.name}（{p.phone or '无电话'}，{p.address or '无住址'}）" for p in matches]
            choice = self.ask_item(f"选择{label}", f"有几位叫“{name}”的人员，请选择：", labels)
            return None if choice is None else matches[labels.index(choice)].id
        if not self.confirm(f"人员库中没有“{name}”。把“{name}”登记为新的人员吗？"):
            return None
        return persons.create(self.db, name=name)

    def fill_step(self, stage: str, person: str, text: str = "", severity: str | None = None,
                  category: str | None = None, responsible: str | None = None, satisfaction: str | None = None,
                  at: dt.datetime | None = None) -> None:
        """Fill the step form as a user would (tests drive the screen through this)."""
        self.next_stage.setCurrentText(stage)
        self.step_person.setText(person)
        self.step_text.setPlainText(text)
        if severity:
            self.step_severity.setCurrentText(severity)
        if category:
            self.step_category.setCurrentText(category)
        if responsible is not None:
            self.step_responsible.setText(responsible)
        if satisfaction:
            self.step_satisfaction.setCurrentText(satisfaction)
        if at is not None:
            self.step_at.setDateTime(_qdatetime(at))

    def submit_step(self) -> bool:
        p = self.current
        if p is None or not self.may("edit"):
            return False
        stage = self.next_stage.currentText()
        person_id = self._person_id(self.step_person.text(), "经办人")
        if person_id is None:
            return False
        responsible_id = None
        if stage == "分类":
            responsible_id = self._person_id(self.step_responsible.text(), "责任人")
            if responsible_id is None:
                return False
        try:
            problems.add_step(
                self.db, p.id, stage, person_id=person_id, text=self.step_text.toPlainText(),
                at=_pydatetime(self.step_at.dateTime()),
                severity=self.step_severity.currentText() if stage == "研判" else None,
                category=self.step_category.currentText() if stage == "分类" else None,
                responsible_person_id=responsible_id,
                satisfaction=self.step_satisfaction.currentText() if stage == "反馈" else None)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.changed("problems")
        if not self.select_problem(p.id):
            # Closed problems leave the board (unless 显示已办结); keep showing this one where it ended.
            self.board.setCurrentIndex(self.board_model.index(-1, -1))
            self._show_problem(problems.get(self.db, p.id))
        self.step_recorded.emit(p.id)
        return True

    def _on_step_submit_clicked(self) -> None:
        self.submit_step()

    def create_problem(self, values: dict, on_error=None) -> int | None:
        """Register a problem from the dialog's values; errors go to on_error (the dialog) or a message box."""
        report = on_error or self.show_error
        if not self.may("edit"):
            return None
        found_by = self._person_id(values.get("found_by", ""), "登记人")
        if found_by is None:
            return None
        try:
            problem_id = problems.create(
                self.db, title=values["title"], source=values["source"], severity=values["severity"],
                grid_id=values["grid_id"], found_by_person_id=found_by, description=values.get("description"),
                found_at=values.get("found_at"), household_id=values.get("household_id"),
                reporter=values.get("reporter"), reporter_phone=values.get("reporter_phone"))
        except UserError as exc:
            report(str(exc))
            return None
        self.changed("problems")
        self.select_problem(problem_id)
        return problem_id

    def new_problem_dialog(self) -> None:
        if self.may("edit"):
            NewProblemDialog(self).exec()

    def _on_new_button_clicked(self) -> None:
        self.new_problem_dialog()

    def _period(self) -> tuple[dt.date, dt.date] | None:
        start, end = pydate(self.ledger_start.date()), pydate(self.ledger_end.date())
        if end < start:
            self.show_error("台账期间的结束日期不能早于开始日期。")
            return None
        return start, end

    def print_ledger(self) -> Path | None:
        """The ledger of the chosen period and community, built off the GUI thread, then previewed."""
        from reports import problem_ledger_pdf

        period = self._period()
        if period is None:
            return None
        start, end = period
        folder = Path(tempfile.gettempdir()) / "dangjian-pdf"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"问题台账-{start}-{end}-{dt.datetime.now():%H%M%S}.pdf"
        community = self.community.currentData()
        at = problems.now()

        def done(result: Path) -> None:
            self.preview_pdf(result)
            self.file_written.emit(str(result))

        start_job(self, "正在生成问题台账…", lambda db, _progress: problem_ledger_pdf.build_from_db(
            db, path, start, end, community_id=community, at=at), done)
        return path

    def ask_save_path(self, title: str, suggested: str) -> str:
        return ask_xlsx_path(self, title, suggested)

    def export_problems(self, path: str | None = None) -> Path | None:
        """Problems found in the chosen period (and community) to Excel, with every step, off the GUI thread."""
        from core import visits_export

        period = self._period()
        if period is None or not self.may("export"):
            return None
        start, end = period
        community = self.community.currentData()
        return export_excel(self, path, "导出问题台账", f"问题台账-{start}-{end}.xlsx", "个问题",
                            lambda db, out, progress: visits_export.export_problems(
                                db, out, community_id=community, progress=progress, start=start, end=end))

    def _on_export_button_clicked(self) -> None:
        self.export_problems()

    def preview_pdf(self, path: Path) -> None:
        from gui.pdf_preview import show_pdf

        show_pdf(self, path, "问题台账")

    def _on_ledger_button_clicked(self) -> None:
        self.print_ledger()
