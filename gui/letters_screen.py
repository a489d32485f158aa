"""责任书: the street's template, each community's letter with measured progress, star ratings, printing."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QDate, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout,
    QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QProgressBar,
    QPushButton, QSizePolicy, QSpinBox, QSplitter, QTabWidget, QVBoxLayout, QWidget,
)

from core import letters, measures, settings, star_rating
from core.db import Db, open_db
from core.errors import UserError
from gui.base import Screen, mark_saved, typed_into
from gui.empty_state import EmptyState
from gui.flow_layout import STRETCH, WrappingLabel, flow_row, group
from gui.style import ACCENT, STATUS, fitted, px, set_role
from gui.table_model import Column, RowsTable

num = letters.format_number


def _money(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def _add_ok_cancel(dialog: QDialog, form: QFormLayout) -> None:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
    dialog.setMinimumWidth(px(380))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)


class ItemDialog(QDialog):
    """One template or letter item: task, standard, target, unit, weight, how it is measured."""

    def __init__(self, title: str, initial: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        self.category = QLineEdit(initial.get("category", ""))
        self.task = QLineEdit(initial.get("task", ""))
        self.standard = QLineEdit(initial.get("standard", ""))
        self.target = QDoubleSpinBox()
        self.target.setRange(0, 1_000_000)
        self.target.setDecimals(1)
        self.target.setValue(float(initial.get("target", 1)))
        self.unit = QLineEdit(initial.get("unit", ""))
        self.weight = QDoubleSpinBox()
        self.weight.setRange(0.5, 100)
        self.weight.setDecimals(1)
        self.weight.setValue(float(initial.get("weight", 5)))
        self.measure = QComboBox()
        for measure in measures.all_measures():
            suffix = f"（{measure.unit}）" if measure.unit else ""
            self.measure.addItem(f"{measure.label}{suffix}", measure.code)
        index = self.measure.findData(initial.get("measure_code", measures.MANUAL))
        self.measure.setCurrentIndex(max(0, index))
        self.direction = QComboBox()
        for code, label in letters.DIRECTIONS.items():
            self.direction.addItem(label, code)
        self.direction.setCurrentIndex(max(0, self.direction.findData(initial.get("direction", "at_least"))))
        self.capped = QCheckBox("完成超过目标时按 100% 计分")
        self.capped.setChecked(bool(initial.get("capped", True)))
        form.addRow("类别：", self.category)
        form.addRow("目标任务：", self.task)
        form.addRow("考核标准：", self.standard)
        form.addRow("目标方向：", self.direction)
        form.addRow("目标值：", self.target)
        form.addRow("单位：", self.unit)
        form.addRow("分值：", self.weight)
        form.addRow("考核方式：", self.measure)
        form.addRow("", self.capped)
        _add_ok_cancel(self, form)
        self.measure.currentIndexChanged.connect(self._on_measure_current_index_changed)
        self.resize(fitted(520, 0))

    def _on_measure_current_index_changed(self, _index: int) -> None:
        found = measures.get(self.measure.currentData())
        if found and found.unit and not self.unit.text():
            self.unit.setText(found.unit)

    def values(self) -> dict:
        return {
            "category": self.category.text(), "task": self.task.text(), "standard": self.standard.text(),
            "target": self.target.value(), "unit": self.unit.text(), "weight": self.weight.value(),
            "measure_code": self.measure.currentData(), "direction": self.direction.currentData(),
            "capped": self.capped.isChecked(),
        }


class ManualEntryDialog(QDialog):
    def __init__(self, item: letters.LetterItem, default_date: dt.date, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("录入完成值")
        form = QFormLayout(self)
        form.addRow("目标任务：", QLabel(item.task))
        form.addRow("目标：", QLabel(item.target_text))
        self.value = QDoubleSpinBox()
        self.value.setRange(0, 1_000_000)
        self.value.setDecimals(1)
        self.value.setSuffix(f" {item.unit}" if item.unit else "")
        self.as_of = QDateEdit(_qdate(default_date))
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.note = QLineEdit()
        self.note.setPlaceholderText("依据，如：半年检查台账")
        form.addRow("截至该日完成：", self.value)
        form.addRow("统计日期：", self.as_of)
        form.addRow("说明：", self.note)
        _add_ok_cancel(self, form)


class ManualRatingDialog(QDialog):
    def __init__(self, community_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"手工评定星级 — {community_name}")
        form = QFormLayout(self)
        self.stars = QComboBox()
        for n in range(5, 0, -1):
            self.stars.addItem(f"{'★' * n}（{n} 星）", n)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)  # Tab moves to the next field, as in every other box
        self.reason.setPlaceholderText("必填：评定理由，如考核组意见、获评市级五星级党组织、一票否决事项")
        self.reason.setFixedHeight(px(90))
        form.addRow("星级：", self.stars)
        form.addRow("理由：", self.reason)
        _add_ok_cancel(self, form)


class PdfWorker(QThread):
    """Runs `work(db, progress, cancelled)` off the GUI thread on its own database connection.

    The work writes files and returns what to report (paths); errors come back as plain messages.
    """

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, db_path: Path, work: Callable[[Db, Callable[[int, int], None], Callable[[], bool]], object]):
        super().__init__()
        self.db_path, self.work = db_path, work
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    def run(self) -> None:
        try:
            db = open_db(self.db_path)
        except UserError as exc:
            self.failed.emit(str(exc))
            return
        try:
            result = self.work(db, self.progressed.emit, lambda: self._cancelled)
        except UserError as exc:
            self.failed.emit(str(exc))
        except OSError as exc:
            self.failed.emit(f"写入文件失败：{exc}。请确认文件夹可以写入、文件没有在其他程序中打开。")
        else:
            self.succeeded.emit(result)
        finally:
            db.close()


class LettersScreen(Screen):
    key = "letters"
    title = "责任书"
    areas = ("letters", "org", "members", "meetings", "visits", "problems", "volunteers", "settings")

    batch_finished = Signal(list)

    def __init__(self, db: Db, signals, parent: QWidget | None = None):
        super().__init__(db, signals, parent)
        self.worker: PdfWorker | None = None
        self.last_preview = None
        self._build_ui()
        self._connect_signals()
        self.refresh()

    # UI --------------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        today = dt.date.today()
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(today.year)
        self.year_spin.setSuffix(" 年度")
        self.as_of_edit = QDateEdit(_qdate(today))
        self.as_of_edit.setCalendarPopup(True)
        self.as_of_edit.setDisplayFormat("yyyy-MM-dd")
        self.apply_button = QPushButton("按模板生成本年度责任书")
        # Rows that wrap: at a large font they take two lines instead of widening the window.
        top = flow_row([group("年度：", self.year_spin), group("　统计截至：", self.as_of_edit), STRETCH, self.apply_button])

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_letters_tab(), "各社区责任书")
        self.tabs.addTab(self._build_template_tab(), "责任书模板")
        self.tabs.addTab(self._build_rating_tab(), "评星定级")
        self.tabs.addTab(self._build_print_tab(), "打印")
        layout = QVBoxLayout(self)
        layout.addWidget(top)
        layout.addWidget(self.tabs, 1)

    def _build_letters_tab(self) -> QWidget:
        self.letters_view = RowsTable([
            Column("社区", lambda p: p.letter.community_name),
            Column("签订", lambda p: p.letter.signed_date, empty="未签订",
                   color=lambda p: None if p.letter.signed else STATUS["overdue"].text),
            Column("得分", lambda p: num(p.score), sort=lambda p: p.score, progress=lambda p: p.score / 100),
        ], fit_contents=True)
        self.letters_model = self.letters_view.rows_model
        self.empty_state = EmptyState(
            "本年度还没有责任书",
            "先在“责任书模板”页核对目标任务和分值，再点“按模板生成本年度责任书”，为每个社区各生成一份；"
            "得分随会议、走访、问题等台账自动计算。",
            [("生成本年度责任书", self.apply_button.click), ("查看模板", lambda: self.tabs.setCurrentIndex(1))],
            over=self.letters_view)
        parties = QGroupBox("签订双方")
        form = QVBoxLayout(parties)
        self.street_party_edit = QLineEdit()
        self.street_signer_edit = QLineEdit()
        self.secretary_combo = QComboBox()
        self.secretary_combo.setEditable(True)
        self.secretary_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.signed_check = QCheckBox("已签订，签订日期：")
        self.signed_date_edit = QDateEdit(_qdate(dt.date.today()))
        self.signed_date_edit.setCalendarPopup(True)
        self.signed_date_edit.setDisplayFormat("yyyy-MM-dd")
        self.save_parties_button = QPushButton("保存签订信息")
        # Each row lays out on its own so the party's long name gets the room, not the check box text; at a
        # large font the date and the save button go under the secretary instead of widening the window.
        secretary_label = QLabel("乙方书记：")
        party_label = QLabel("甲方：")
        party_label.setMinimumWidth(secretary_label.sizeHint().width())  # the two fields start level
        party_row = QHBoxLayout()
        party_row.addWidget(party_label)
        party_row.addWidget(self.street_party_edit, 3)
        party_row.addWidget(QLabel("甲方签字人："))
        party_row.addWidget(self.street_signer_edit, 1)
        self.secretary_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        secretary_row = flow_row([group(secretary_label, self.secretary_combo),
                                  group(self.signed_check, self.signed_date_edit), self.save_parties_button])
        form.addLayout(party_row)
        form.addWidget(secretary_row)

        self.items_view = RowsTable([
            Column("序号", lambda p: p.item.sort_order, align="right"),
            Column("类别", lambda p: p.item.category),
            Column("目标任务", lambda p: p.item.task),
            Column("目标", lambda p: p.item.target_text),
            Column("完成值", lambda p: f"{num(p.measured)}{p.item.unit if p.measured is not None else ''}",
                   sort=lambda p: p.measured, align="right"),
            Column("完成进度", lambda p: f"{round(p.progress * 100)}%", sort=lambda p: p.progress,
                   progress=lambda p: p.progress),
            Column("得分/分值", lambda p: f"{num(round(p.points, 1))} / {num(p.item.weight)}", sort=lambda p: p.points,
                   align="right"),
            Column("数据来源", lambda p: p.source),
        ], fit_contents=True)
        self.items_model = self.items_view.rows_model
        self.score_label = QLabel()
        set_role(self.score_label, "score")
        self.manual_button = QPushButton("录入完成值…")
        self.edit_item_button = QPushButton("修改条目…")
        self.preview_letter_button = QPushButton("预览打印本社区责任书")
        self.score_label.setWordWrap(True)
        buttons = flow_row([self.manual_button, self.edit_item_button, self.preview_letter_button], right=True)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(parties)
        right_layout.addWidget(self.items_view, 1)
        right_layout.addWidget(self.score_label)  # own line: a long community name must not widen the window
        right_layout.addWidget(buttons)
        self.letters_view.setMinimumWidth(px(335))  # 社区, 签订 and 得分 all visible
        splitter = QSplitter()
        splitter.addWidget(self.letters_view)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([px(345), px(900)])
        return splitter

    def _build_template_tab(self) -> QWidget:
        self.template_view = RowsTable([
            Column("序号", lambda i: i.sort_order, align="right"),
            Column("类别", lambda i: i.category),
            Column("目标任务", lambda i: i.task),
            Column("考核标准", lambda i: i.standard),
            Column("目标", lambda i: f"{letters.DIRECTIONS[i.direction]} {num(i.target)}{i.unit}"),
            Column("分值", lambda i: num(i.weight), sort=lambda i: i.weight, align="right"),
            Column("考核方式", lambda i: measures.label(i.measure_code)),
        ], fit_contents=True)
        self.template_model = self.template_view.rows_model
        self.template_view.setSortingEnabled(False)
        self.add_template_button = QPushButton("新增条目…")
        self.edit_template_button = QPushButton("修改…")
        self.delete_template_button = QPushButton("删除")
        self.up_template_button = QPushButton("上移")
        self.down_template_button = QPushButton("下移")
        self.default_template_button = QPushButton("载入默认条目")
        self.template_total_label = QLabel()
        bar = flow_row([self.add_template_button, self.edit_template_button, self.delete_template_button,
                        self.up_template_button, self.down_template_button, self.default_template_button, STRETCH,
                        self.template_total_label])
        texts = QGroupBox("责任书文字（对以后生成的责任书生效）")
        texts_form = QFormLayout(texts)
        self.street_secretary_edit = QLineEdit()
        self.preamble_edit = QPlainTextEdit()
        self.preamble_edit.setTabChangesFocus(True)  # Tab moves to the next field, as in every other box
        self.preamble_edit.setFixedHeight(px(70))
        self.closing_edit = QPlainTextEdit()
        self.closing_edit.setTabChangesFocus(True)  # Tab moves to the next field, as in every other box
        self.closing_edit.setFixedHeight(px(90))
        self.save_texts_button = QPushButton("保存文字")
        texts_form.addRow("甲方签字人（党工委书记）：", self.street_secretary_edit)
        texts_form.addRow("前言：", self.preamble_edit)
        texts_form.addRow("责任条款（每行一条）：", self.closing_edit)
        texts_form.addRow("", self.save_texts_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(bar)
        layout.addWidget(self.template_view, 1)
        layout.addWidget(texts)
        return page

    def _build_rating_tab(self) -> QWidget:
        self.rating_view = RowsTable([
            Column("社区", lambda r: r[0].community_name),
            Column("责任书得分", lambda r: num(r[1]), sort=lambda r: r[1], align="right"),
            Column("星级", lambda r: "★" * r[0].stars if r[0].stars else "未评定", sort=lambda r: r[0].stars or 0,
                   color=lambda r: ACCENT if r[0].stars else STATUS["neutral"].text),
            Column("评定方式", lambda r: star_rating.SOURCE_LABELS.get(r[0].source, "") if r[0].source else ""),
            Column("报酬倍数", lambda r: num(r[0].pay_multiple), sort=lambda r: r[0].pay_multiple, align="right"),
            Column("月基本报酬（元）", lambda r: _money(r[0].monthly_base_pay), sort=lambda r: r[0].monthly_base_pay, align="right"),
            Column("服务专项经费（元）", lambda r: _money(r[0].service_fund), sort=lambda r: r[0].service_fund, align="right"),
            Column("常住户数", lambda r: _money(r[0].households), sort=lambda r: r[0].households, align="right"),
            Column("户数来源", lambda r: r[0].households_source,
                   color=lambda r: STATUS["overdue"].text if r[0].households is None else None),
            Column("办公经费（元）", lambda r: _money(r[0].office_funding), sort=lambda r: r[0].office_funding, align="right"),
            Column("经费合计（元）", lambda r: _money(r[0].total_funding), sort=lambda r: r[0].total_funding, align="right"),
            Column("理由", lambda r: r[2]),
        ], fit_contents=True, key=lambda r: r[0].community_id)
        self.rating_model = self.rating_view.rows_model
        self.rate_button = QPushButton("按责任书得分评星")
        self.manual_rating_button = QPushButton("手工评定…")
        self.clear_rating_button = QPushButton("清除评定")
        self.households_button = QPushButton("填写常住户数…")
        bar = QHBoxLayout()
        for b in (self.rate_button, self.manual_rating_button, self.clear_rating_button, self.households_button):
            bar.addWidget(b)
        bar.addStretch(1)
        self.rating_total_label = WrappingLabel()
        bands = QGroupBox("得分与星级对照（达到分数线即评为该星级）")
        self.band_spins: dict[int, QDoubleSpinBox] = {}
        band_parts: list[QWidget | None] = []
        for n in range(5, 1, -1):
            spin = QDoubleSpinBox()
            spin.setRange(0, 100)
            spin.setDecimals(1)
            spin.setSuffix(" 分")
            self.band_spins[n] = spin
            band_parts.append(group(f"{'★' * n} ≥", spin))
        self.save_bands_button = QPushButton("保存分数线")
        # The bands wrap onto a second line at a large font instead of widening the window.
        QVBoxLayout(bands).addWidget(flow_row([*band_parts, QLabel("其余 ★"), STRETCH, self.save_bands_button]))
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(bar)
        layout.addWidget(self.rating_view, 1)
        layout.addWidget(self.rating_total_label)
        layout.addWidget(bands)
        return page

    def _build_print_tab(self) -> QWidget:
        self.print_list = QListWidget()
        self.print_list.setSpacing(2)
        self.select_all_button = QPushButton("全选")
        self.select_none_button = QPushButton("全不选")
        self.preview_selected_button = QPushButton("预览所选（合订）")
        self.batch_button = QPushButton("批量生成 PDF 到文件夹…")
        self.cancel_batch_button = QPushButton("取消")
        self.cancel_batch_button.setEnabled(False)
        self.batch_progress = QProgressBar()
        self.batch_progress.setFormat("%v / %m")
        self.batch_status = WrappingLabel("每个社区一份 PDF，另生成一份合订本便于批量打印。")
        buttons = QVBoxLayout()
        for b in (self.select_all_button, self.select_none_button, self.preview_selected_button, self.batch_button,
                  self.cancel_batch_button):
            buttons.addWidget(b)
        buttons.addWidget(self.batch_progress)
        buttons.addWidget(self.batch_status)
        buttons.addStretch(1)
        page = QWidget()
        layout = QHBoxLayout(page)
        layout.addWidget(self.print_list, 1)
        layout.addLayout(buttons)
        return page

    def command_slots(self):
        tab = self.tabs.currentIndex()
        if tab == 0:
            return {"save": ("保存签订信息", self._on_save_parties_button_clicked),
                    "print": ("预览打印本社区责任书", self._on_preview_letter_button_clicked)}
        if tab == 1:
            return {"new": ("新增责任书条目…", self._on_add_template_button_clicked),
                    "save": ("保存责任书文字", self._on_save_texts_button_clicked)}
        if tab == 2:
            return {"save": ("保存分数线", self._on_save_bands_button_clicked)}
        return {"print": ("预览所选责任书（合订）", self._on_preview_selected_button_clicked)}

    def _connect_signals(self) -> None:
        self.year_spin.valueChanged.connect(self._on_year_spin_value_changed)
        self.as_of_edit.dateChanged.connect(self._on_as_of_edit_date_changed)
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        self.letters_view.selectionModel().selectionChanged.connect(self._on_letters_view_selection_changed)
        self.signed_check.toggled.connect(self.signed_date_edit.setEnabled)
        self.save_parties_button.clicked.connect(self._on_save_parties_button_clicked)
        self.manual_button.clicked.connect(self._on_manual_button_clicked)
        self.items_view.doubleClicked.connect(self._on_manual_button_clicked)
        self.edit_item_button.clicked.connect(self._on_edit_item_button_clicked)
        self.preview_letter_button.clicked.connect(self._on_preview_letter_button_clicked)
        self.add_template_button.clicked.connect(self._on_add_template_button_clicked)
        self.edit_template_button.clicked.connect(self._on_edit_template_button_clicked)
        self.template_view.doubleClicked.connect(self._on_edit_template_button_clicked)
        self.delete_template_button.clicked.connect(self._on_delete_template_button_clicked)
        self.up_template_button.clicked.connect(lambda: self._move_template(-1))
        self.down_template_button.clicked.connect(lambda: self._move_template(1))
        self.default_template_button.clicked.connect(self._on_default_template_button_clicked)
        self.save_texts_button.clicked.connect(self._on_save_texts_button_clicked)
        self.rate_button.clicked.connect(self._on_rate_button_clicked)
        self.manual_rating_button.clicked.connect(self._on_manual_rating_button_clicked)
        self.clear_rating_button.clicked.connect(self._on_clear_rating_button_clicked)
        self.households_button.clicked.connect(self._on_households_button_clicked)
        self.save_bands_button.clicked.connect(self._on_save_bands_button_clicked)
        self.select_all_button.clicked.connect(lambda: self._check_all(True))
        self.select_none_button.clicked.connect(lambda: self._check_all(False))
        self.preview_selected_button.clicked.connect(self._on_preview_selected_button_clicked)
        self.batch_button.clicked.connect(self._on_batch_button_clicked)
        self.cancel_batch_button.clicked.connect(self._on_cancel_batch_button_clicked)

    # Loading ---------------------------------------------------------------------------------------
    @property
    def year(self) -> int:
        return self.year_spin.value()

    def as_of(self) -> dt.date:
        return _pydate(self.as_of_edit.date())

    def unsaved_input(self) -> bool:
        return typed_into(self.street_party_edit, self.street_signer_edit, self.street_secretary_edit,
                          self.preamble_edit, self.closing_edit)

    def refresh(self) -> None:
        selected = self.selected_community_id()
        self._progress = letters.year_progress(self.db, self.year, self.as_of())
        self.letters_model.set_rows(self._progress)
        self.empty_state.show_when(not self._progress)
        if selected is None or not self.select_community(selected):
            if self._progress:
                self.letters_view.selectRow(0)
            else:
                self._show_letter(None)
        self._load_template()
        self._load_ratings()
        self._load_print_list()

    def _load_template(self) -> None:
        items = letters.template_items(self.db)
        self.template_model.set_rows(items)
        self.template_total_label.setText(f"共 {len(items)} 条，分值合计 {num(sum(i.weight for i in items))} 分")
        self.street_secretary_edit.setText(settings.get(self.db, "street_secretary_name"))
        self.preamble_edit.setPlainText(settings.get(self.db, "letter_preamble"))
        self.closing_edit.setPlainText(settings.get(self.db, "letter_closing"))

    def _load_ratings(self) -> None:
        table = star_rating.implications(self.db, self.year)
        scores = {p.letter.community_id: p.score for p in self._progress}
        reasons = {r.community_id: r.reason for r in star_rating.ratings(self.db, self.year)}
        current = self.rating_view.selected_row()
        self.rating_model.set_rows([(row, scores.get(row.community_id), reasons.get(row.community_id, ""))
                                    for row in table.rows])
        if current is not None:
            self.select_rating(current[0].community_id)
        notes = []
        if table.unrated:
            notes.append(f"未评定 {table.unrated} 个")
        if table.missing_households:
            notes.append(f"未填常住户数 {table.missing_households} 个（不计入办公经费）")
        self.rating_total_label.setText(
            f"{self.year} 年度合计：服务群众专项经费 {_money(table.total_service_fund)} 元，办公经费 "
            f"{_money(table.total_office_funding)} 元，共 {_money(table.total_funding)} 元。"
            f"最低工资标准 {_money(table.min_wage)} 元/月。" + ("；".join(notes) + "。" if notes else "")
        )
        bands = {int(b["stars"]): float(b["min_score"]) for b in settings.get(self.db, "star_bands")}
        for n, spin in self.band_spins.items():
            spin.setValue(bands.get(n, 0))

    def _load_print_list(self) -> None:
        checked = {self.print_list.item(i).data(Qt.ItemDataRole.UserRole)
                   for i in range(self.print_list.count())
                   if self.print_list.item(i).checkState() == Qt.CheckState.Checked}
        first = self.print_list.count() == 0
        self.print_list.clear()
        for progress in self._progress:
            letter = progress.letter
            item = QListWidgetItem(f"{letter.community_name}　{'已签订 ' + letter.signed_date if letter.signed else '未签订'}")
            item.setData(Qt.ItemDataRole.UserRole, letter.community_id)
            item.setCheckState(Qt.CheckState.Checked if first or letter.community_id in checked else Qt.CheckState.Unchecked)
            self.print_list.addItem(item)

    def _show_letter(self, progress: letters.LetterProgress | None) -> None:
        enabled = progress is not None
        for w in (self.street_party_edit, self.street_signer_edit, self.secretary_combo, self.signed_check,
                  self.save_parties_button, self.manual_button, self.edit_item_button, self.preview_letter_button):
            w.setEnabled(enabled)
        if progress is None:
            self.items_model.set_rows([])
            self.score_label.setText(f"{self.year} 年度还没有责任书：请先编好模板，再点“按模板生成本年度责任书”。")
            return
        letter = progress.letter
        self.street_party_edit.setText(letter.street_party)
        self.street_signer_edit.setText(letter.street_signer)
        self.secretary_combo.clear()
        for candidate in letters.secretary_candidates(self.db, letter.community_id):
            self.secretary_combo.addItem(candidate.name, candidate.person_id)
        if letter.secretary_person_id is not None:
            index = self.secretary_combo.findData(letter.secretary_person_id)
            if index < 0:
                self.secretary_combo.addItem(letter.secretary_name, letter.secretary_person_id)
                index = self.secretary_combo.count() - 1
            self.secretary_combo.setCurrentIndex(index)
        else:
            self.secretary_combo.setCurrentIndex(-1)
            self.secretary_combo.setEditText(letter.secretary_name)
        self.signed_check.setChecked(letter.signed)
        self.signed_date_edit.setEnabled(letter.signed)
        if letter.signed_date:
            self.signed_date_edit.setDate(_qdate(dt.date.fromisoformat(letter.signed_date)))
        self.items_model.set_rows(list(progress.items))
        self.score_label.setText(
            f"{letter.community_name}：截至 {progress.as_of.isoformat()} 得分 {num(progress.score)} 分（满分 100）"
        )

    # Public API (tests drive these) ----------------------------------------------------------------
    def set_year(self, year: int) -> None:
        self.year_spin.setValue(year)
        self.as_of_edit.setDate(_qdate(letters.default_as_of(year)))

    def selected_community_id(self) -> int | None:
        row = self.letters_view.selected_row()
        return row.letter.community_id if row else None

    def select_community(self, community_id: int) -> bool:
        return self.letters_view.select_where(lambda p: p.letter.community_id == community_id)

    def current_progress(self) -> letters.LetterProgress | None:
        return self.letters_view.selected_row()

    def item_rows(self) -> list[letters.ItemProgress]:
        return self.items_model.rows()

    def select_item(self, item_id: int) -> bool:
        return self.items_view.select_where(lambda p: p.item.id == item_id)

    def rating_rows(self) -> list:
        return [r[0] for r in self.rating_model.rows()]

    def select_rating(self, community_id: int) -> bool:
        return self.rating_view.select_where(lambda r: r[0].community_id == community_id)

    def start_batch(self, out_dir: Path, community_ids: list[int] | None = None) -> None:
        """Write the letters in a worker; batch_finished(paths) follows (empty on failure)."""
        if self.worker is not None:
            self.show_error("正在生成责任书，请等当前任务完成或取消后再试。")
            return
        if self.db.path is None:
            self.show_error("内存数据库不能在后台生成，请先保存为文件。")
            return
        self.batch_progress.setValue(0)
        self.batch_status.setText("正在生成…")
        from reports.letter_pdf import write_letters

        year = self.year
        self.worker = PdfWorker(self.db.path, lambda db, progress, cancelled: [
            str(p) for p in write_letters(db, year, out_dir, community_ids, progress=progress, cancelled=cancelled)])
        self.worker.progressed.connect(self._on_worker_progressed)
        self.worker.succeeded.connect(self._on_worker_succeeded)
        self.worker.failed.connect(self._on_worker_failed)
        self.worker.finished.connect(self._on_worker_finished)
        self.batch_button.setEnabled(False)
        self.cancel_batch_button.setEnabled(True)
        self.worker.start()

    def checked_community_ids(self) -> list[int]:
        return [self.print_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.print_list.count())
                if self.print_list.item(i).checkState() == Qt.CheckState.Checked]

    # Dialogs a test can replace --------------------------------------------------------------------
    def ask_item_values(self, title: str, initial: dict) -> dict | None:
        dialog = ItemDialog(title, initial, self)
        return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_manual_entry(self, item: letters.LetterItem, default_date: dt.date) -> tuple[float, dt.date, str] | None:
        dialog = ManualEntryDialog(item, default_date, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.value.value(), _pydate(dialog.as_of.date()), dialog.note.text()

    def ask_manual_rating(self, community_name: str) -> tuple[int, str] | None:
        dialog = ManualRatingDialog(community_name, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.stars.currentData(), dialog.reason.toPlainText()

    def ask_directory(self, title: str) -> str:
        return QFileDialog.getExistingDirectory(self, title)

    def preview(self, path: Path, title: str) -> None:
        from gui.pdf_preview import show_pdf

        self.last_preview = show_pdf(self, path, title)

    # Slots -----------------------------------------------------------------------------------------
    def _run(self, action, area: str = "letters") -> bool:
        try:
            action()
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.changed(area)
        return True

    def _on_year_spin_value_changed(self, _value: int) -> None:
        self.refresh()

    def _on_as_of_edit_date_changed(self, _value: QDate) -> None:
        self.refresh()

    def _on_letters_view_selection_changed(self, *_args) -> None:
        self._show_letter(self.current_progress())

    def _on_apply_button_clicked(self) -> None:
        existing = letters.list_letters(self.db, self.year)
        replace = False
        if existing and any(not l.signed for l in existing):
            replace = self.confirm("部分社区已有本年度未签订的责任书。是否用当前模板替换这些未签订责任书的条目？\n"
                                   "（选“否”则只为还没有责任书的社区生成；已签订的不会改动。）")
        result: list[letters.ApplyResult] = []
        if self._run(lambda: result.append(letters.apply_template(self.db, self.year, replace_unsigned=replace))):
            r = result[0]
            message = f"已生成 {r.created} 份，替换 {r.replaced} 份。"
            if r.skipped_signed:
                message += f"已签订未改动：{'、'.join(r.skipped_signed)}。"
            self.show_info(message)

    def _on_save_parties_button_clicked(self) -> None:
        progress = self.current_progress()
        if progress is None:
            return
        text = self.secretary_combo.currentText().strip()
        index = self.secretary_combo.currentIndex()
        person_id = self.secretary_combo.itemData(index) if index >= 0 and self.secretary_combo.itemText(index) == text else None
        changes = {
            "street_party": self.street_party_edit.text(), "street_signer": self.street_signer_edit.text(),
            "secretary_person_id": person_id, "secretary_name": "" if person_id else text,
            "signed_date": _pydate(self.signed_date_edit.date()) if self.signed_check.isChecked() else None,
        }
        if self._run(lambda: letters.update_letter(self.db, progress.letter.id, **changes)):
            mark_saved(self.street_party_edit, self.street_signer_edit)

    def _selected_item(self) -> letters.ItemProgress | None:
        row = self.items_view.selected_row()
        if row is None:
            self.show_error("请先在表格中选中一个条目。")
        return row

    def _on_manual_button_clicked(self, *_args) -> None:
        row = self._selected_item()
        if row is None:
            return
        if not row.item.is_manual:
            self.show_info(f"“{row.item.task}”由系统按“{measures.label(row.item.measure_code)}”自动统计，不需要手工录入。")
            return
        answer = self.ask_manual_entry(row.item, self.as_of())
        if answer is None:
            return
        value, day, note = answer
        self._run(lambda: letters.add_manual_entry(self.db, row.item.id, value, day, note))

    def _on_edit_item_button_clicked(self) -> None:
        row = self._selected_item()
        if row is None:
            return
        item = row.item
        values = self.ask_item_values("修改责任书条目", {k: getattr(item, k) for k in letters.ITEM_FIELDS})
        if values is not None:
            self._run(lambda: letters.update_item(self.db, item.id, **values))

    def _on_preview_letter_button_clicked(self) -> None:
        progress = self.current_progress()
        if progress is not None:
            self._preview_letters([progress.letter.community_id], progress.letter.community_name)

    def _preview_letters(self, community_ids: list[int], label: str) -> None:
        from reports.letter_pdf import load_contents, render

        try:
            contents = load_contents(self.db, self.year, community_ids)
            path = Path(tempfile.mkdtemp(prefix="letters-")) / f"{self.year}年党建工作责任书-{label}.pdf"
            render(contents, path, settings.get(self.db, "office_name"))
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.preview(path, "责任书预览")

    def _selected_template(self) -> letters.TemplateItem | None:
        row = self.template_view.selected_row()
        if row is None:
            self.show_error("请先在模板中选中一个条目。")
        return row

    def _on_add_template_button_clicked(self) -> None:
        values = self.ask_item_values("新增模板条目", {"measure_code": measures.MANUAL, "target": 1, "weight": 5})
        if values is not None:
            self._run(lambda: letters.add_template_item(self.db, **values))

    def _on_edit_template_button_clicked(self, *_args) -> None:
        item = self._selected_template()
        if item is None:
            return
        values = self.ask_item_values("修改模板条目", {k: getattr(item, k) for k in letters.ITEM_FIELDS})
        if values is not None:
            self._run(lambda: letters.update_template_item(self.db, item.id, **values))

    def _on_delete_template_button_clicked(self) -> None:
        item = self._selected_template()
        if item is not None:
            self.delete_records(f"删除模板条目“{item.task}”？已生成的责任书不受影响。", f"责任书模板条目“{item.task}”",
                                ("letters",), lambda: letters.delete_template_item(self.db, item.id))

    def _move_template(self, offset: int) -> None:
        item = self._selected_template()
        if item is not None and self._run(lambda: letters.move_template_item(self.db, item.id, offset)):
            self.template_view.select_where(lambda i: i.id == item.id)

    def _on_default_template_button_clicked(self) -> None:
        self._run(lambda: letters.load_default_template(self.db))

    def _on_save_texts_button_clicked(self) -> None:
        values = {
            "street_secretary_name": self.street_secretary_edit.text().strip(),
            "letter_preamble": self.preamble_edit.toPlainText().strip(),
            "letter_closing": self.closing_edit.toPlainText().strip(),
        }
        if self._run(lambda: settings.save_many(self.db, values), "settings"):
            mark_saved(self.street_secretary_edit, self.preamble_edit, self.closing_edit)
            self.show_info("已保存。新生成的责任书将使用这些文字；已生成的责任书不变。")

    def _selected_rating_row(self):
        row = self.rating_view.selected_row()
        if row is None:
            self.show_error("请先在表格中选中一个社区。")
        return row

    def _on_rate_button_clicked(self) -> None:
        overwrite = False
        if any(r.source == "manual" for r in star_rating.ratings(self.db, self.year)):
            overwrite = self.confirm("有社区的星级是手工评定的。是否也按得分重新评定这些社区？\n（选“否”保留手工评定。）")
        self._run(lambda: star_rating.rate_from_scores(self.db, self.year, self.as_of(), overwrite_manual=overwrite))

    def _on_manual_rating_button_clicked(self) -> None:
        row = self._selected_rating_row()
        if row is None:
            return
        answer = self.ask_manual_rating(row[0].community_name)
        if answer is not None:
            stars, reason = answer
            self._run(lambda: star_rating.set_manual_rating(self.db, row[0].community_id, self.year, stars, reason))

    def _on_clear_rating_button_clicked(self) -> None:
        row = self._selected_rating_row()
        if row is not None and row[0].stars:
            self.delete_records(f"清除 {row[0].community_name} {self.year} 年度的星级评定？",
                                f"{row[0].community_name} {self.year} 年度星级评定", ("letters",),
                                lambda: star_rating.clear_rating(self.db, row[0].community_id, self.year))

    def _on_households_button_clicked(self) -> None:
        row = self._selected_rating_row()
        if row is None:
            return
        current = "" if row[0].households is None else str(row[0].households)
        text = self.ask_text("常住户数", f"{row[0].community_name} 常住户数（留空表示未知）：", current)
        if text is not None:
            self._run(lambda: star_rating.set_household_count(self.db, row[0].community_id, text.strip() or None))

    def _on_save_bands_button_clicked(self) -> None:
        bands = [{"stars": n, "min_score": spin.value()} for n, spin in self.band_spins.items()]
        bands.append({"stars": 1, "min_score": 0})
        if self._run(lambda: settings.save_many(self.db, {"star_bands": bands}), "settings"):
            self.show_info("分数线已保存。点“按责任书得分评星”按新分数线重新评定。")

    def _check_all(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for i in range(self.print_list.count()):
            self.print_list.item(i).setCheckState(state)

    def _on_preview_selected_button_clicked(self) -> None:
        ids = self.checked_community_ids()
        if not ids:
            self.show_error("请先勾选要预览的社区。")
            return
        self._preview_letters(ids, "合订本" if len(ids) > 1 else "预览")

    def _on_batch_button_clicked(self) -> None:
        ids = self.checked_community_ids()
        if not ids:
            self.show_error("请先勾选要生成的社区。")
            return
        folder = self.ask_directory("选择保存责任书 PDF 的文件夹")
        if folder:
            self.start_batch(Path(folder), ids)

    def _on_cancel_batch_button_clicked(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.batch_status.setText("正在取消…")

    def _on_worker_progressed(self, done: int, total: int) -> None:
        self.batch_progress.setMaximum(total)
        self.batch_progress.setValue(done)

    def _on_worker_succeeded(self, paths: list) -> None:
        self.batch_status.setText(f"已生成 {len(paths) - 1} 份责任书和合订本，保存在 {Path(paths[-1]).parent}")
        self._batch_result = paths

    def _on_worker_failed(self, message: str) -> None:
        self.batch_status.setText(message)
        self._batch_result = []

    def _on_worker_finished(self) -> None:
        worker, self.worker = self.worker, None
        self.batch_button.setEnabled(True)
        self.cancel_batch_button.setEnabled(False)
        if worker is not None:
            worker.deleteLater()
        self.batch_finished.emit(getattr(self, "_batch_result", []))
