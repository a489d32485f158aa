"""党员名册: the member roster — search, filters, a windowed table, details with history, events, printing."""

from __future__ import annotations

import atexit
import html
import tempfile
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPoint, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QComboBox, QFrame, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu,
    QProgressDialog, QPushButton, QSplitter, QTableView, QTableWidget, QTableWidgetItem, QVBoxLayout,
)

from core import access, excel_import, idcard, member_events, members, orgs, records, settings
from core.clock import today
from core.db import Db, open_db
from core.errors import UserError
from core.members import ALL_STATUSES, Member, MemberQuery
from gui.base import Screen
from gui.empty_state import EmptyState
from gui.export_dialog import ExportDialog, open_export_dialog
from gui.import_wizard import ImportWizard, open_import_wizard
from gui.member_event_dialog import MemberEventDialog
from gui.member_form import MemberDialog
from gui.table_model import ALIGNMENTS, readable_rows
from gui.flow_layout import WrappingLabel, flow_row
from gui.style import STATUS, px, set_role


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int = 90


COLUMNS = [
    Column("name", "姓名", 80), Column("gender", "性别", 46), Column("age", "年龄", 46),
    Column("birth_date", "出生日期", 90), Column("ethnicity", "民族", 60), Column("id_number", "公民身份号码", 150),
    Column("education", "学历", 76), Column("native_place", "籍贯", 90), Column("branch", "所在支部", 150),
    Column("party_group", "党小组", 90), Column("grid", "网格", 76), Column("category", "党员类别", 76),
    Column("status", "状态", 76), Column("person_type", "人员类型", 70), Column("join_date", "入党时间", 90),
    Column("full_date", "转正时间", 90), Column("party_age", "党龄", 46), Column("probation_due", "预备期满", 90),
    Column("work_unit", "工作单位及职务", 160), Column("phone", "联系电话", 110), Column("address", "家庭住址", 200),
    Column("note", "备注", 120),
]
COLUMN_KEYS = [c.key for c in COLUMNS]
AGE_BANDS = [("全部年龄", None, None), ("35 岁及以下", None, 35), ("36–59 岁", 36, 59), ("60–79 岁", 60, 79),
             ("80 岁及以上", 80, None)]



def join_bands(year: int) -> list[tuple[str, int | None, int | None]]:
    """Join-year bands offices count by; 光荣在党50年 medals go to members who joined 50 years ago."""
    return [("全部入党时间", None, None), ("入党满 50 年", None, year - 50), ("1978 年以前", None, 1977),
            ("1978–1999 年", 1978, 1999), ("2000–2011 年", 2000, 2011), ("2012 年以来", 2012, None)]


NOT_NORMAL = QColor(STATUS["due"].text)
LEFT = QColor(STATUS["neutral"].text)


# The only roles the table answers; Qt asks each cell for a dozen more on every paint.
_ROLES = {Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole, Qt.ItemDataRole.ForegroundRole,
          Qt.ItemDataRole.TextAlignmentRole}


_RUNNING_JOBS: set[QThread] = set()
_QUIT_HOOKED: list[bool] = []


def _stop_running_jobs() -> None:
    for job in list(_RUNNING_JOBS):
        try:
            getattr(job, "cancel", job.requestInterruption)()
            job.wait(10000)
        except RuntimeError:  # already deleted by Qt
            pass
    _RUNNING_JOBS.clear()


def _hook_quit() -> None:
    """Unparented jobs outlive a closed screen; the program waits for them when it quits.

    Also at interpreter exit: a script (or a test run) may end without the event loop's aboutToQuit,
    and a QThread destroyed while running aborts the process.
    """
    if not _QUIT_HOOKED:
        QApplication.instance().aboutToQuit.connect(_stop_running_jobs)
        atexit.register(_stop_running_jobs)
        _QUIT_HOOKED.append(True)


class MemberIdsJob(QThread):
    """Reads every member id of a view in its own connection, while the table already shows the first page."""

    loaded = Signal(int, object)  # generation, list of ids (None: could not read them)

    def __init__(self, db_path: Path, operator: str, query: MemberQuery, sort: str, descending: bool,
                 generation: int):
        super().__init__()
        self.args = (query, sort, descending)
        self.db_path, self.operator, self.generation = db_path, operator, generation
        self.db: Db | None = None
        self.cancelled = False

    def run(self) -> None:
        try:
            self.db = open_db(self.db_path, operator=self.operator, create=False)
            ids = members.member_ids(self.db, *self.args)
        except Exception:  # interrupted by cancel(); otherwise the screen reads the list itself (None)
            ids = None
        finally:
            if self.db is not None:
                self.db.close()
        if not self.cancelled:
            self.loaded.emit(self.generation, ids)

    def cancel(self) -> None:
        self.cancelled = True
        db = self.db
        if db is not None:
            try:
                db.conn.interrupt()  # stops the running query at once (safe from another thread)
            except Exception:
                pass


class MemberTableModel(QAbstractTableModel):
    """The roster as a window over a sorted id list: only the blocks of rows on screen are read.

    On a large roster the first page is read at once and the rest of the id list (and so the count)
    in a worker thread: the table paints without waiting for every match of a broad search.
    """

    BLOCK = 200
    MAX_BLOCKS = 60
    IdRole = Qt.ItemDataRole.UserRole
    BACKGROUND_FROM = 20_000  # members in the file from which the full id list is read in the background

    completed = Signal()  # the whole id list is in (complete is True)

    def __init__(self, db: Db, parent=None):
        super().__init__(parent)
        self.db = db
        self.query = MemberQuery()
        self.sort_key = "branch"
        self.descending = False
        self.ids = array("q")
        self.complete = True
        self.generation = 0
        self.job: MemberIdsJob | None = None
        self.blocks: OrderedDict[int, list[Member]] = OrderedDict()
        self.revealed: set[int] = set()
        self.on = today()

    # Loading ---------------------------------------------------------------------------------
    def load(self, query: MemberQuery | None = None) -> None:
        if query is not None:
            self.query = query
        self._cancel_job()
        self.generation += 1
        self.beginResetModel()
        self.on = today()
        self.blocks.clear()
        background = self.db.path is not None and members.roster_size(self.db) >= self.BACKGROUND_FROM
        if background:
            first, self.complete = members.first_member_ids(self.db, self.query, self.sort_key, self.descending,
                                                            self.BLOCK)
            self.ids = array("q", first)
        else:
            self.ids = array("q", members.member_ids(self.db, self.query, self.sort_key, self.descending))
            self.complete = True
        self.endResetModel()
        if not self.complete:
            self._start_job()
        else:
            self.completed.emit()

    def _start_job(self) -> None:
        job = MemberIdsJob(self.db.path, self.db.operator, self.query, self.sort_key, self.descending, self.generation)
        _hook_quit()
        _RUNNING_JOBS.add(job)
        job.finished.connect(lambda: _RUNNING_JOBS.discard(job))
        job.finished.connect(job.deleteLater)
        job.loaded.connect(self._on_job_loaded)
        self.job = job
        job.start()

    def _cancel_job(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job = None

    def _on_job_loaded(self, generation: int, ids: list[int] | None) -> None:
        if generation != self.generation or self.complete:
            return
        self.job = None
        if ids is None:
            self.finish_now()
        else:
            self._take_all(ids)

    def finish_now(self) -> None:
        """Read the rest of the id list here and now (an export or a selection needs every row)."""
        if self.complete:
            return
        self._cancel_job()
        self._take_all(members.member_ids(self.db, self.query, self.sort_key, self.descending))

    def _take_all(self, ids: list[int]) -> None:
        shown = len(self.ids)
        if list(self.ids) == ids[:shown]:
            if len(ids) > shown:
                self.beginInsertRows(QModelIndex(), shown, len(ids) - 1)
                self.ids = array("q", ids)
                self.endInsertRows()
        else:  # the data changed in between: show the fresh list
            self.beginResetModel()
            self.ids = array("q", ids)
            self.blocks.clear()
            self.endResetModel()
        self.complete = True
        self.completed.emit()

    def invalidate(self) -> None:
        """Re-read the rows on screen (after an edit that kept the row set)."""
        self.blocks.clear()
        if self.ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.ids) - 1, len(COLUMNS) - 1))

    def member_at(self, row: int) -> Member | None:
        if not 0 <= row < len(self.ids):
            return None
        number = row // self.BLOCK
        block = self.blocks.get(number)
        if block is None:
            start = number * self.BLOCK
            wanted = list(self.ids[start:start + self.BLOCK])
            found = {m.id: m for m in members.get_many(self.db, wanted)}
            block = [found.get(i) for i in wanted]
            self.blocks[number] = block
            if len(self.blocks) > self.MAX_BLOCKS:
                self.blocks.popitem(last=False)
        else:
            self.blocks.move_to_end(number)
        return block[row % self.BLOCK]

    def row_of(self, member_id: int) -> int:
        try:
            return self.ids.index(member_id)
        except ValueError:
            return -1

    def set_revealed(self, member_id: int, revealed: bool) -> None:
        (self.revealed.add if revealed else self.revealed.discard)(member_id)
        row = self.row_of(member_id)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # Qt model ----------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return COLUMNS[section].header
            return str(section + 1)
        return None

    def text(self, m: Member, key: str) -> str:
        revealed = m.id in self.revealed
        if key == "id_number":
            return (m.id_number or "") if revealed else idcard.mask(m.id_number)
        if key == "phone":
            return (m.phone or "") if revealed else idcard.mask_phone(m.phone)
        if key == "age":
            age = m.age(self.on)
            return "" if age is None else str(age)
        if key == "party_age":
            years = m.party_age(self.on)
            return "" if years is None else str(years)
        if key == "probation_due":
            return m.probation_due() or ""
        if key == "branch":
            return m.branch_name
        if key == "party_group":
            return m.party_group_name or ""
        if key == "grid":
            return m.grid_name or ""
        return getattr(m, key) or ""

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in _ROLES:
            return None
        key = COLUMNS[index.column()].key
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if key in ("age", "party_age"):
                return ALIGNMENTS["right"]  # numbers right, as in every table
            return Qt.AlignmentFlag.AlignCenter if key == "gender" else None
        if role == Qt.ItemDataRole.ForegroundRole and key not in ("status", "name"):
            return None
        m = self.member_at(index.row())
        if m is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(m, key)
        if role == self.IdRole:
            return m.id
        if role == Qt.ItemDataRole.ForegroundRole:
            if m.status in ("转出", "出党", "去世", "停止党籍"):
                return LEFT
            if m.status != "正常" and key == "status":
                return NOT_NORMAL
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting happens in SQL, over every matching member, not just the rows read so far."""
        key = COLUMNS[column].key
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self.sort_key, self.descending):
            return
        self.sort_key, self.descending = key, descending
        self.load()


class RosterPdfJob(QThread):
    """Builds the 花名册 PDF off the GUI thread with its own database connection; can be interrupted."""

    done = Signal(str)
    failed = Signal(str)  # empty message: cancelled

    def __init__(self, db_path: Path, out: Path, branch_ids: list[int] | None, operator: str, parent=None):
        super().__init__(parent)
        self.db_path, self.out, self.branch_ids, self.operator = db_path, out, branch_ids, operator

    def run(self) -> None:
        from reports.roster_pdf import Cancelled, write_roster_pdf

        try:
            db = open_db(self.db_path, operator=self.operator, create=False)
        except UserError as exc:
            self.failed.emit(str(exc))
            return
        try:
            write_roster_pdf(db, self.out, self.branch_ids, should_cancel=self.isInterruptionRequested)
        except Cancelled:
            self.failed.emit("")
        except UserError as exc:
            self.failed.emit(str(exc))
        else:
            self.done.emit(str(self.out))
        finally:
            db.close()


class RosterScreen(Screen):
    key = "roster"
    title = "党员名册"
    areas = ("members", "org", "settings")

    member_saved = Signal(int)
    event_recorded = Signal(int)
    pdf_ready = Signal(str)
    pdf_failed = Signal(str)

    def __init__(self, db, signals, parent=None):
        super().__init__(db, signals, parent)
        self.probation_filter = False
        self.last_load_ms = 0.0
        self.pdf_job: RosterPdfJob | None = None
        self._build_ui()
        self._connect_signals()
        self.refresh()

    # UI ----------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("搜索：姓名、拼音或首字母（如 zs）、身份证号或电话的几位数字")
        self.search_box.setClearButtonEnabled(True)
        self.branch_filter = QComboBox()
        self.grid_filter = QComboBox()
        self.type_filter = QComboBox()
        self.status_filter = QComboBox()
        self.category_filter = QComboBox()
        self.age_filter = QComboBox()
        for text, low, high in AGE_BANDS:
            self.age_filter.addItem(text, (low, high))
        self.join_filter = QComboBox()
        for text, low, high in join_bands(today().year):
            self.join_filter.addItem(text, (low, high))
        self.reset_button = QPushButton("清除筛选")
        search_row = QHBoxLayout()
        search_row.addWidget(QLabel("查找："))
        search_row.addWidget(self.search_box, 1)
        search_row.addWidget(self.reset_button)
        self.count_label = QLabel()
        self.count_label.setMinimumWidth(px(120))
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        search_row.addWidget(self.count_label)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("筛选："))
        for combo in (self.branch_filter, self.grid_filter, self.type_filter, self.status_filter,
                      self.category_filter, self.age_filter, self.join_filter):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
            filters.addWidget(combo, 1)
        self.branch_filter.setMinimumContentsLength(10)

        self.reminder = QFrame()
        self.reminder.setObjectName("reminder")
        set_role(self.reminder, "reminder")
        self.reminder_label = QLabel()
        self.reminder_button = QPushButton("只看这些人")
        strip = QHBoxLayout(self.reminder)
        strip.setContentsMargins(8, 3, 8, 3)
        strip.addWidget(self.reminder_label, 1)
        strip.addWidget(self.reminder_button)

        self.add_button = QPushButton("新增党员")
        self.edit_button = QPushButton("编辑")
        self.event_button = QPushButton("记录变动…")
        self.reveal_button = QPushButton("显示完整信息")
        # Push buttons with a menu: they keep room for the arrow (a tool button's arrow covers its text).
        self.columns_button = QPushButton("显示列")
        self.columns_menu = QMenu(self)
        self.column_actions: dict[str, QAction] = {}
        for column in COLUMNS:
            action = QAction(column.header, self)
            action.setCheckable(True)
            action.setChecked(True)
            action.setData(column.key)
            self.columns_menu.addAction(action)
            self.column_actions[column.key] = action
        self.column_actions["name"].setEnabled(False)
        self.columns_button.setMenu(self.columns_menu)
        self.print_button = QPushButton("打印花名册…")
        self.lookups_button = QPushButton("分类设置")
        lookups_menu = QMenu(self)
        self.add_person_type_action = lookups_menu.addAction("新增人员类型…")
        self.add_status_action = lookups_menu.addAction("新增党员状态…")
        self.lookups_button.setMenu(lookups_menu)
        self.import_button = QPushButton("导入 Excel…")
        self.import_button.setToolTip("从 Excel 花名册导入党员：先预览每一行，确认后才写入")
        self.undo_import_button = QPushButton("撤销导入…")
        self.undo_import_button.setToolTip("撤销最近的某次导入（导入的记录没有被修改过时可以撤销）")
        self.export_button = QPushButton("导出 Excel…")
        self.export_button.setToolTip("把当前筛选出的党员导出为 Excel 花名册")
        # Rows that wrap: at a large font all buttons stay visible instead of widening the window.
        actions = QHBoxLayout()
        actions.addWidget(flow_row([self.add_button, self.edit_button, self.event_button, self.reveal_button,
                                    self.columns_button, self.lookups_button]), 1)
        actions.addWidget(flow_row([self.import_button, self.undo_import_button, self.export_button,
                                    self.print_button]), 0, Qt.AlignmentFlag.AlignTop)

        self.model = MemberTableModel(self.db, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSortIndicator(COLUMN_KEYS.index("branch"), Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setHighlightSections(False)
        self.empty_state = EmptyState(
            "还没有党员",
            "先把党员录进来：已有 Excel 花名册的，点“从 Excel 导入名册”一次导入，程序会逐行检查身份证号等信息；"
            "也可以一名一名新增。",
            [("从 Excel 导入名册…", self.import_button.click), ("新增党员…", self.add_button.click)],
            over=self.table)
        readable_rows(self.table)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        for i, column in enumerate(COLUMNS):
            self.table.setColumnWidth(i, px(column.width))

        self.detail_box = QGroupBox("党员详情")
        self.detail_label = WrappingLabel()  # its box is as tall as the text needs: never cut off at the bottom
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history = QTableWidget(0, 2)
        self.history.setHorizontalHeaderLabels(["日期", "变动"])
        self.history.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.history.verticalHeader().setVisible(False)
        readable_rows(self.history)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setWordWrap(True)
        self.undo_button = QPushButton("撤销最近一条变动")
        detail_layout = QVBoxLayout(self.detail_box)
        detail_layout.addWidget(self.detail_label)
        detail_layout.addWidget(QLabel("变动记录："))
        detail_layout.addWidget(self.history, 1)
        detail_layout.addWidget(self.undo_button)

        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail_box)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([900, 300])

        layout = QVBoxLayout(self)
        layout.addLayout(search_row)
        layout.addLayout(filters)
        layout.addWidget(self.reminder)
        layout.addLayout(actions)
        layout.addWidget(splitter, 1)

        # Keyboard: Enter on a row edits it; Ctrl+F, Ctrl+N and Ctrl+P come from the menu bar (command_slots).
        edit_row = QAction(self)
        edit_row.setShortcut(QKeySequence("Return"))
        edit_row.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        edit_row.triggered.connect(self._on_edit_button_clicked)
        self.table.addAction(edit_row)
        self.add_button.setToolTip("Ctrl+N")
        self.print_button.setToolTip("Ctrl+P")
        self.search_box.setToolTip("Ctrl+F；输入后稍停即开始查找，回车立即查找")

        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(250)

    def _connect_signals(self) -> None:
        self.search_box.textChanged.connect(self._on_search_box_text_changed)
        self.search_timer.timeout.connect(self.apply_filters)
        self.search_box.returnPressed.connect(self.apply_filters)
        self.add_person_type_action.triggered.connect(self._on_add_person_type_action_triggered)
        self.add_status_action.triggered.connect(self._on_add_status_action_triggered)
        for combo in (self.branch_filter, self.grid_filter, self.type_filter, self.status_filter,
                      self.category_filter, self.age_filter, self.join_filter):
            combo.activated.connect(self._on_filter_activated)
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.reminder_button.clicked.connect(self._on_reminder_button_clicked)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.event_button.clicked.connect(self._on_event_button_clicked)
        self.reveal_button.clicked.connect(self._on_reveal_button_clicked)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.undo_import_button.clicked.connect(self._on_undo_import_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.columns_menu.triggered.connect(self._on_columns_menu_triggered)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.customContextMenuRequested.connect(self._on_table_custom_context_menu_requested)
        self.model.modelReset.connect(self._on_model_reset)
        self.model.completed.connect(self._on_model_completed)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)

    # Loading -----------------------------------------------------------------------------------
    def _fill_combo(self, combo: QComboBox, items: list[tuple[str, object]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for text, data in items:
            combo.addItem(text, data)
        index = combo.findData(current)
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    def _fill_filters(self) -> None:
        branches = orgs.branches(self.db)
        self._fill_combo(self.branch_filter, [("全部支部", None)] + [
            (orgs.unit_path(self.db, b.id).split(" / ", 1)[-1], b.id) for b in branches])
        communities = {c.id: c.name.removesuffix("党委") for c in orgs.list_units(self.db, kind="community")}
        self._fill_combo(self.grid_filter, [("全部网格", None), ("未划网格", "none")] + [
            (f"{communities.get(g.community_id, '')} · {g.name}", g.id) for g in orgs.list_grids(self.db)])
        self._fill_combo(self.type_filter, [("全部类型", None)] + [
            (t, t) for t in members.lookup_values(self.db, "person_type")])
        self._fill_combo(self.status_filter, [("在册党员", None), ("全部（含已转出）", ALL_STATUSES)] + [
            (s, s) for s in members.lookup_values(self.db, "status")])
        self._fill_combo(self.category_filter, [("全部类别", None)] + [
            (c, c) for c in members.lookup_values(self.db, "category")])

    def refresh(self) -> None:
        self._fill_filters()
        self._apply_hidden_columns(settings.get(self.db, "roster_hidden_columns"))
        self._update_reminder()
        self.apply_filters()

    def current_query(self) -> MemberQuery:
        grid = self.grid_filter.currentData()
        low, high = self.age_filter.currentData() or (None, None)
        join_from, join_to = self.join_filter.currentData() or (None, None)
        days = settings.get(self.db, "probation_warning_days")
        return MemberQuery(
            text=self.search_box.text(),
            branch_id=self.branch_filter.currentData(),
            grid_id=grid if isinstance(grid, int) else None,
            no_grid=grid == "none",
            person_type=self.type_filter.currentData(),
            status=self.status_filter.currentData(),
            category=self.category_filter.currentData(),
            age_min=low, age_max=high, join_year_from=join_from, join_year_to=join_to,
            probation_within_days=days if self.probation_filter else None,
            probation_overdue=self.probation_filter,
        )

    def apply_filters(self) -> None:
        self.search_timer.stop()
        selected = self.selected_member_id()
        started = time.perf_counter()
        self.model.load(self.current_query())
        self.last_load_ms = (time.perf_counter() - started) * 1000
        if selected is not None and self.model.row_of(selected) >= 0:
            self.select_member(selected)
        elif self.model.rowCount():
            self.table.selectRow(0)
        self._show_details()
        self.empty_state.show_when(not records.has_any(self.db, "members"))

    def _update_reminder(self) -> None:
        days = settings.get(self.db, "probation_warning_days")
        due = members.count_members(self.db, MemberQuery(probation_within_days=days))
        overdue = members.count_members(self.db, MemberQuery(probation_overdue=True))
        self.reminder_due = due + overdue
        self.reminder.setVisible(bool(due + overdue) or self.probation_filter)
        text = f"有 {due} 名预备党员的预备期将在 {days} 天内届满"
        if overdue:
            text += f"，另有 {overdue} 名预备期已满、尚未记录转正或延长"
        if self.probation_filter:
            self.reminder_label.setText(f"正在显示：{text}。请及时安排支部党员大会讨论，并用“记录变动”登记结果。")
            self.reminder_button.setText("显示全部党员")
        else:
            self.reminder_label.setText(f"提醒：{text}。")
            self.reminder_button.setText("只看这些人")

    def _on_model_reset(self) -> None:
        if self.model.complete:
            self.count_label.setText(f"共 {self.model.rowCount()} 名党员")
        else:
            self.count_label.setText(f"先显示前 {self.model.rowCount()} 名，正在统计总数…")

    def _on_model_completed(self) -> None:
        self._on_model_reset()

    # Public API (tests, other screens) ---------------------------------------------------------
    def command_slots(self):
        return {"new": ("新增党员…", self._on_add_button_clicked),
                "find": ("查找党员", lambda: self.focus_line_edit(self.search_box)),
                "print": ("打印花名册…", self._on_print_button_clicked)}

    def layout_state(self) -> dict:
        state = super().layout_state()
        # Hidden columns (a per-database setting) say 0: they keep the width they had before.
        state["columns"] = {key: self.table.columnWidth(i) for i, key in enumerate(COLUMN_KEYS)
                            if not self.table.isColumnHidden(i)}
        return state

    def restore_layout_state(self, state: dict) -> None:
        super().restore_layout_state(state)
        widths = state.get("columns")
        if isinstance(widths, dict):
            for i, key in enumerate(COLUMN_KEYS):
                width = widths.get(key)
                if isinstance(width, int) and 20 <= width <= 1000:
                    self.table.setColumnWidth(i, width)

    def search(self, text: str) -> None:
        """Type into the search box and apply at once (no typing pause)."""
        self.search_box.setText(text)
        self.apply_filters()

    def current_member_ids(self) -> list[int]:
        """Every member of the current view (filters, search and order applied), for exports."""
        self.model.finish_now()
        return list(self.model.ids)

    def add_lookup(self, kind: str, value: str, in_roster: bool = True) -> bool:
        try:
            members.add_lookup_value(self.db, kind, value, in_roster)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.changed("members")
        return True

    def shown_names(self, limit: int = 1000) -> list[str]:
        return [self.model.member_at(r).name for r in range(min(limit, self.model.rowCount()))]

    def selected_member_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.data(index, MemberTableModel.IdRole)

    def select_member(self, member_id: int) -> bool:
        row = self.model.row_of(member_id)
        if row < 0 and not self.model.complete:
            self.model.finish_now()
            row = self.model.row_of(member_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def show_probations_due(self, on: bool = True) -> None:
        self.probation_filter = on
        if on:
            self.status_filter.setCurrentIndex(0)
        self._update_reminder()
        self.apply_filters()

    def set_column_visible(self, key: str, visible: bool) -> None:
        self.column_actions[key].setChecked(visible)
        self.table.setColumnHidden(COLUMN_KEYS.index(key), not visible)
        hidden = [k for k in COLUMN_KEYS if self.table.isColumnHidden(COLUMN_KEYS.index(k))]
        try:
            settings.set_value(self.db, "roster_hidden_columns", hidden)
        except UserError as exc:
            self.show_error(str(exc))

    def _apply_hidden_columns(self, hidden: list[str]) -> None:
        for i, key in enumerate(COLUMN_KEYS):
            visible = key not in hidden or key == "name"
            self.table.setColumnHidden(i, not visible)
            self.column_actions[key].setChecked(visible)

    def set_revealed(self, member_id: int, revealed: bool) -> bool:
        """Show a row's full ID number and phone (permission-checked and logged) or mask them again."""
        if revealed and member_id not in self.model.revealed:
            m = members.get(self.db, member_id)
            try:
                for field in ("id_number", "phone"):
                    if getattr(m, field):
                        access.reveal(self.db, "member", member_id, field, getattr(m, field))
            except UserError as exc:
                self.show_error(str(exc))
                return False
        self.model.set_revealed(member_id, revealed)
        self._show_details()
        return True

    def open_import(self) -> ImportWizard | None:
        """Open the import wizard for member rosters (录入员 and 管理员 only)."""
        try:
            access.require(self.db, "import")
        except UserError as exc:
            self.show_error(str(exc))
            return None
        return self.open_import_wizard()

    def undoable_batches(self) -> list[excel_import.ImportBatch]:
        return [b for b in excel_import.list_batches(self.db, "roster", limit=20) if not b.undone_at]

    def undo_import(self) -> bool:
        """Pick one of the recent roster imports and take it back, if nothing it wrote was edited since."""
        batches = self.undoable_batches()
        if not batches:
            self.show_info("没有可以撤销的党员名册导入。")
            return False
        labels = [b.label for b in batches]
        label = self.ask_item("撤销导入", "撤销哪一次导入？（最近的在最上面）", labels)
        if label is None:
            return False
        batch = batches[labels.index(label)]
        ok, why = excel_import.can_undo(self.db, batch.id)
        if not ok:
            self.show_error(why)
            return False
        if not self.confirm(f"撤销导入“{batch.file_name}”（{batch.imported_at.replace('T', ' ')}）：删除它新增的 "
                            f"{batch.created} 名党员，恢复它更新的 {batch.updated} 名党员"
                            + (f"，删除它新建的 {batch.units_created} 个组织或网格" if batch.units_created else "")
                            + "。确定撤销吗？"):
            return False
        try:
            excel_import.undo_batch(self.db, batch.id)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self._after_import_change(batch.units_created > 0)
        self.show_info(f"已撤销导入“{batch.file_name}”，名册已恢复到导入前的样子。")
        return True

    def open_export(self) -> ExportDialog:
        """Open the export dialog for the members of the current view (search, filters and order)."""
        return self.open_export_dialog(self.current_member_ids())

    def _after_import_change(self, units_changed: bool) -> None:
        if units_changed:
            self.changed("org")  # branches, groups or grids came or went with the batch
        self.changed("members")

    # Dialogs (overridable) ----------------------------------------------------------------------
    def open_member_dialog(self, member_id: int | None = None) -> MemberDialog:
        dialog = MemberDialog(self.db, member_id, self)
        dialog.form.saved.connect(self._on_member_saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_event_dialog(self, member_id: int) -> MemberEventDialog:
        dialog = MemberEventDialog(self.db, member_id, self)
        dialog.recorded.connect(self._on_event_recorded)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_import_wizard(self) -> ImportWizard:
        wizard = open_import_wizard(self, self.db, self.signals, "roster")
        wizard.imported.connect(self._on_wizard_imported)
        wizard.undone.connect(self._on_wizard_undone)
        return wizard

    def open_export_dialog(self, member_ids: list[int]) -> ExportDialog:
        return open_export_dialog(self, self.db, self.signals, member_ids)

    def preview_pdf(self, path: str) -> None:
        from gui.pdf_preview import show_pdf

        show_pdf(self, path, "党员花名册")

    def pdf_path(self, label: str) -> Path:
        folder = Path(tempfile.gettempdir()) / "dangjian-print"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"党员花名册-{label}-{time.strftime('%Y%m%d-%H%M%S')}.pdf"

    # Details -----------------------------------------------------------------------------------
    def _show_details(self) -> None:
        member_id = self.selected_member_id()
        for w in (self.edit_button, self.event_button, self.reveal_button):
            w.setEnabled(member_id is not None)
        if member_id is None:
            self.detail_label.setText("没有选中党员。" if self.model.rowCount() else "没有符合条件的党员。")
            self.history.setRowCount(0)
            self.undo_button.setEnabled(False)
            return
        m = members.get(self.db, member_id)
        revealed = member_id in self.model.revealed
        self.reveal_button.setText("隐藏完整信息" if revealed else "显示完整信息")
        number = m.id_number if revealed else idcard.mask(m.id_number)
        phone = m.phone if revealed else idcard.mask_phone(m.phone)
        age, party_age = m.age(), m.party_age()
        e = html.escape
        lines = [
            f"<b style='font-size:13pt'>{e(m.name)}</b>　{m.gender or ''}　{'' if age is None else f'{age} 岁'}",
            f"身份证号：{number or '—'}",
            f"联系电话：{e(phone or '—')}",
            f"所在支部：{e(m.branch_name)}" + (f" · {e(m.party_group_name)}" if m.party_group_name else ""),
            f"网格：{e(m.grid_name or '未划网格')}",
            f"{m.category}　状态：{e(m.status)}　{e(m.person_type or '')}",
            f"入党时间：{m.join_date or '—'}　转正时间：{m.full_date or '—'}",
        ]
        if party_age is not None:
            lines.append(f"党龄：{party_age} 年")
        if m.probation_due():
            extended = f"（已延长 {m.probation_extension_months} 个月）" if m.probation_extension_months else ""
            lines.append(f"<span style='color:{STATUS['due'].text}'>预备期满：{m.probation_due()}{extended}</span>")
        if m.work_unit:
            lines.append(f"工作单位：{e(m.work_unit)}")
        if revealed and m.address:
            lines.append(f"住址：{e(m.address)}")
        self.detail_label.setText("<br>".join(lines))
        events = member_events.events(self.db, member_id)
        self.history.setRowCount(len(events))
        for row, event in enumerate(reversed(events)):
            self.history.setItem(row, 0, QTableWidgetItem(event.event_date))
            item = QTableWidgetItem(event.describe())
            item.setToolTip(event.describe())
            self.history.setItem(row, 1, item)
        self.history.resizeColumnToContents(0)
        self.history.resizeRowsToContents()
        self.undo_button.setEnabled(bool(events))

    # Slots -------------------------------------------------------------------------------------
    def _on_search_box_text_changed(self, _text: str) -> None:
        self.search_timer.start()

    def _on_filter_activated(self, _index: int) -> None:
        self.apply_filters()

    def _on_reset_button_clicked(self) -> None:
        for combo in (self.branch_filter, self.grid_filter, self.type_filter, self.status_filter,
                      self.category_filter, self.age_filter, self.join_filter):
            combo.setCurrentIndex(0)
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self.probation_filter = False
        self._update_reminder()
        self.apply_filters()

    def _on_reminder_button_clicked(self) -> None:
        self.show_probations_due(not self.probation_filter)

    def _on_table_current_row_changed(self, *_args) -> None:
        self._show_details()

    def _on_table_double_clicked(self, _index: QModelIndex) -> None:
        self._on_edit_button_clicked()

    def _on_table_custom_context_menu_requested(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        member_id = self.selected_member_id()
        menu = QMenu(self)
        revealed = member_id in self.model.revealed
        reveal = menu.addAction("隐藏完整信息" if revealed else "显示完整信息")
        edit = menu.addAction("编辑…")
        event = menu.addAction("记录变动…")
        chosen = menu.exec(self.table.viewport().mapToGlobal(pos))
        if chosen is reveal:
            self.set_revealed(member_id, not revealed)
        elif chosen is edit:
            self._on_edit_button_clicked()
        elif chosen is event:
            self._on_event_button_clicked()

    def _on_add_button_clicked(self) -> None:
        if not orgs.branches(self.db):
            self.show_error("还没有党支部。请先在“设置 → 组织机构”中建立党支部，再录入党员。")
            return
        self.open_member_dialog(None)

    def _on_edit_button_clicked(self) -> None:
        member_id = self.selected_member_id()
        if member_id is not None:
            self.open_member_dialog(member_id)

    def _on_event_button_clicked(self) -> None:
        member_id = self.selected_member_id()
        if member_id is not None:
            self.open_event_dialog(member_id)

    def _on_reveal_button_clicked(self) -> None:
        member_id = self.selected_member_id()
        if member_id is not None:
            self.set_revealed(member_id, member_id not in self.model.revealed)

    def _on_columns_menu_triggered(self, action: QAction) -> None:
        self.set_column_visible(action.data(), action.isChecked())

    def _on_member_saved(self, member_id: int) -> None:
        self.member_saved.emit(member_id)
        self.changed("members")
        self._update_reminder()
        if not self.select_member(member_id):
            self.show_info("已保存。该党员不在当前筛选结果中，清除筛选或搜索其姓名即可看到。")
        self._show_details()

    def _on_event_recorded(self, event_id: int) -> None:
        self.event_recorded.emit(event_id)
        self.changed("members")
        self._update_reminder()
        self._show_details()

    def _on_undo_button_clicked(self) -> None:
        member_id = self.selected_member_id()
        if member_id is None:
            return
        events = member_events.events(self.db, member_id)
        if not events:
            return
        latest = max(events, key=lambda e: e.id)
        if not self.confirm(f"撤销“{latest.describe()}”（{latest.event_date}）这条变动记录，并恢复之前的状态？"):
            return
        try:
            member_events.undo_last(self.db, member_id)
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.changed("members")
        self._update_reminder()
        self._show_details()

    def _on_add_person_type_action_triggered(self) -> None:
        value = self.ask_text("新增人员类型", f"现有：{'、'.join(members.lookup_values(self.db, 'person_type'))}\n新的人员类型：")
        if value:
            self.add_lookup("person_type", value)

    def _on_add_status_action_triggered(self) -> None:
        value = self.ask_text("新增党员状态", f"现有：{'、'.join(members.lookup_values(self.db, 'status'))}\n新的状态：")
        if not value:
            return
        counted = self.ask_item("新增党员状态", f"状态为“{value}”的党员是否仍计入本单位名册？",
                                ["仍计入名册", "不再计入名册（已离开本单位）"])
        if counted is not None:
            self.add_lookup("status", value, counted == "仍计入名册")

    def _on_import_button_clicked(self) -> None:
        self.open_import()

    def _on_undo_import_button_clicked(self) -> None:
        self.undo_import()

    def _on_export_button_clicked(self) -> None:
        self.open_export()

    def _on_wizard_imported(self, result: excel_import.ImportResult) -> None:
        # The wizard already announced "members"; new branches, groups and grids concern the org screens.
        if result.imported and result.units_created:
            self.changed("org")

    def _on_wizard_undone(self, batch_id: int) -> None:
        if excel_import.get_batch(self.db, batch_id).units_created:
            self.changed("org")

    # Printing ----------------------------------------------------------------------------------
    def _on_print_button_clicked(self) -> None:
        branch_id = self.branch_filter.currentData()
        if branch_id is None:
            branches = orgs.branches(self.db)
            labels = ["全部党支部（每个支部单独分页）"] + [orgs.unit_path(self.db, b.id).split(" / ", 1)[-1] for b in branches]
            label = self.ask_item("打印花名册", "打印哪个支部的花名册？", labels)
            if label is None:
                return
            branch_ids = None if label == labels[0] else [branches[labels.index(label) - 1].id]
        else:
            branch_ids = [branch_id]
        self.print_roster(branch_ids)

    def print_roster(self, branch_ids: list[int] | None) -> RosterPdfJob | None:
        """Build the PDF in a worker thread; pdf_ready (or pdf_failed) says when it is done."""
        if self.pdf_job is not None and self.pdf_job.isRunning():
            self.show_info("花名册正在生成，请稍候。")
            return None
        label = "全部支部" if not branch_ids else orgs.get_unit(self.db, branch_ids[0]).name
        out = self.pdf_path(label)
        if self.db.path is None:  # an in-memory database cannot be opened by another thread
            from reports.roster_pdf import write_roster_pdf

            try:
                write_roster_pdf(self.db, out, branch_ids)
            except UserError as exc:
                self._on_pdf_job_failed(str(exc))
                return None
            self._on_pdf_job_done(str(out))
            return None
        # Unparented and kept in _RUNNING_JOBS: closing the screen must not destroy a running thread.
        job = RosterPdfJob(self.db.path, out, branch_ids, self.db.operator)
        _hook_quit()
        _RUNNING_JOBS.add(job)
        job.finished.connect(lambda: _RUNNING_JOBS.discard(job))
        self.progress = QProgressDialog("正在生成党员花名册…", "取消", 0, 0, self)
        self.progress.setWindowTitle("打印花名册")
        self.progress.setMinimumDuration(400)
        self.progress.canceled.connect(job.requestInterruption)
        job.done.connect(self._on_pdf_job_done)
        job.failed.connect(self._on_pdf_job_failed)
        job.finished.connect(job.deleteLater)
        self.pdf_job = job
        job.start()
        return job

    def _close_progress(self) -> None:
        progress = getattr(self, "progress", None)
        if progress is not None:
            progress.canceled.disconnect()
            progress.close()
            progress.deleteLater()
            self.progress = None
        self.pdf_job = None

    def _on_pdf_job_done(self, path: str) -> None:
        self._close_progress()
        self.pdf_ready.emit(path)
        self.preview_pdf(path)

    def _on_pdf_job_failed(self, message: str) -> None:
        self._close_progress()
        self.pdf_failed.emit(message)
        if message:
            self.show_error(message)
