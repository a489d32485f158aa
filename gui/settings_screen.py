"""设置: the office's own numbers (name, minimum wage, star table, funding, thresholds) and its tree."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QApplication, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QPushButton, QScrollArea, QSizePolicy, QSpinBox, QTableWidget, QTabWidget, QVBoxLayout, QWidget,
)

from core import access, settings
from core.errors import UserError
from gui import style
from gui.base import Screen, date_edit, iso
from gui.org_screen import OrgScreen
from gui.table_model import readable_rows

LEVELS = [("street", "街道党工委"), ("community", "社区党委")]


def _money_spin(maximum: int = 10_000_000) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, maximum)
    spin.setSingleStep(1000)
    spin.setSuffix(" 元")
    spin.setGroupSeparatorShown(True)
    return spin


class OfficeSettingsForm(QWidget):
    """The office's settings as one form; saving validates everything before writing anything."""

    saved = Signal()

    def __init__(self, screen: Screen):
        super().__init__()
        self.screen = screen
        self.db = screen.db
        self._build_ui()
        self.load()

    def _build_ui(self) -> None:
        display = QGroupBox("显示（只对这台电脑有效，立即生效）")
        display_form = QFormLayout(display)
        self.font_size = QComboBox()
        for key, label in style.FONT_LABELS.items():
            self.font_size.addItem(label, key)
        self.font_size.setCurrentIndex(max(0, self.font_size.findData(style.current_font_size())))
        self.font_size.setMaximumWidth(style.px(360))
        display_form.addRow("字体大小：", self.font_size)

        basic = QGroupBox("基本信息")
        form = QFormLayout(basic)
        self.office_name = QLineEdit()
        self.office_level = QComboBox()
        for value, label in LEVELS:
            self.office_level.addItem(label, value)
        self.min_wage = QSpinBox()
        self.min_wage.setRange(0, 100_000)
        self.min_wage.setSuffix(" 元/月")
        form.addRow("单位名称：", self.office_name)
        form.addRow("单位层级：", self.office_level)
        form.addRow("上年度当地最低工资标准：", self.min_wage)
        self.records_limited = QCheckBox("只从这一天起检查三会一课是否按期召开")
        self.records_start = date_edit()
        self.records_limited.toggled.connect(self.records_start.setEnabled)
        start_row = QHBoxLayout()
        start_row.addWidget(self.records_limited)
        start_row.addWidget(self.records_start)
        start_row.addStretch(1)
        form.addRow("台账起始日期：", start_row)
        hint = QLabel("此日期前已结束的月、季、年不计“逾期未开”，补录的会议照常计入。")
        self.records_limited.setToolTip("开始用本程序记台账的日期。新建单位时自动设为建库当天。")
        style.set_role(hint, "hint")
        form.addRow("", hint)

        stars = QGroupBox("评星定级待遇（社区工作者基本报酬 = 最低工资 × 倍数）")
        stars_layout = QVBoxLayout(stars)
        self.star_table = QTableWidget(5, 2)
        self.star_table.setHorizontalHeaderLabels(["基本报酬倍数", "服务群众专项经费（元/年）"])
        self.star_table.setVerticalHeaderLabels([f"{'★' * n}" for n in range(1, 6)])
        self.star_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.multiple_spins: list[QDoubleSpinBox] = []
        self.fund_spins: list[QSpinBox] = []
        for row in range(5):
            multiple = QDoubleSpinBox()
            multiple.setRange(0, 10)
            multiple.setDecimals(2)
            multiple.setSingleStep(0.1)
            fund = _money_spin()
            self.star_table.setCellWidget(row, 0, multiple)
            self.star_table.setCellWidget(row, 1, fund)
            self.multiple_spins.append(multiple)
            self.fund_spins.append(fund)
        readable_rows(self.star_table)
        self.star_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.star_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.star_table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
        self.star_table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.star_table.setMaximumWidth(style.px(560))
        stars_layout.addWidget(self.star_table)

        funding = QGroupBox("办公经费（保底 + 按住户数）")
        funding_form = QFormLayout(funding)
        self.funding_base = _money_spin()
        self.funding_small = _money_spin()
        self.funding_medium = _money_spin()
        self.funding_large = _money_spin()
        funding_form.addRow("保底经费：", self.funding_base)
        funding_form.addRow("住户 3000 户以下：", self.funding_small)
        funding_form.addRow("住户 3000–5000 户：", self.funding_medium)
        funding_form.addRow("住户 5000 户以上：", self.funding_large)

        dual = QGroupBox("在职党员双报到")
        dual_form = QFormLayout(dual)
        self.member_hours = QSpinBox()
        self.member_hours.setRange(0, 1000)
        self.member_hours.setSuffix(" 小时/年")
        self.unit_hours = QSpinBox()
        self.unit_hours.setRange(0, 1000)
        self.unit_hours.setSuffix(" 小时/年")
        dual_form.addRow("每名党员至少：", self.member_hours)
        dual_form.addRow("每个单位党组织至少：", self.unit_hours)

        self.save_button = QPushButton("保存设置")
        self.reset_button = QPushButton("恢复默认值")
        self.status = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.status, 1)

        for field in (self.office_name, self.office_level, self.min_wage, self.funding_base, self.funding_small,
                      self.funding_medium, self.funding_large, self.member_hours, self.unit_hours):
            field.setMaximumWidth(style.px(360))
        inner = QWidget()
        layout = QVBoxLayout(inner)
        for box in (display, basic, stars, funding, dual):
            layout.addWidget(box)
        layout.addLayout(buttons)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.font_size.currentIndexChanged.connect(self._on_font_size_current_index_changed)

    def load(self, values: dict | None = None) -> None:
        """Fill the form from the store, or from `values` (e.g. the defaults, shown but not yet saved)."""
        from_store = values is None
        values = values or settings.all_settings(self.db)
        self.office_name.setText(values["office_name"])
        self.office_level.setCurrentIndex(max(0, self.office_level.findData(values["office_level"])))
        self.min_wage.setValue(int(values["min_wage"]))
        start = values.get("records_start") or ""
        self.records_limited.setChecked(bool(start))
        self.records_start.setEnabled(bool(start))
        self.records_start.setDate(QDate.fromString(start, "yyyy-MM-dd") if start else QDate.currentDate())
        for n in range(5):
            row = values["star_table"][str(n + 1)]
            self.multiple_spins[n].setValue(float(row["pay_multiple"]))
            self.fund_spins[n].setValue(int(row["service_fund"]))
        funding = values["office_funding"]
        self.funding_base.setValue(int(funding["base"]))
        bands = funding["bands"]
        for spin, band in zip((self.funding_small, self.funding_medium, self.funding_large), bands):
            spin.setValue(int(band["amount"]))
        self.member_hours.setValue(int(values["dual_registration_member_hours"]))
        self.unit_hours.setValue(int(values["dual_registration_unit_hours"]))
        self.status.setText("")
        if from_store:
            self._clean_values = self.values()

    def values(self) -> dict:
        base = settings.get(self.db, "office_funding")
        for spin, band in zip((self.funding_small, self.funding_medium, self.funding_large), base["bands"]):
            band["amount"] = spin.value()
        base["base"] = self.funding_base.value()
        return {
            "office_name": self.office_name.text().strip(),
            "office_level": self.office_level.currentData(),
            "min_wage": self.min_wage.value(),
            "records_start": iso(self.records_start) if self.records_limited.isChecked() else "",
            "star_table": {
                str(n + 1): {"pay_multiple": round(self.multiple_spins[n].value(), 2), "service_fund": self.fund_spins[n].value()}
                for n in range(5)
            },
            "office_funding": base,
            "dual_registration_member_hours": self.member_hours.value(),
            "dual_registration_unit_hours": self.unit_hours.value(),
        }

    def unsaved_input(self) -> bool:
        """The form differs from what it last loaded or saved (the font size applies at once, so is not part of it)."""
        return self.values() != self._clean_values

    def save(self) -> bool:
        values = self.values()
        try:
            settings.save_many(self.db, values)
        except UserError as exc:
            self.status.setText("")
            self.screen.show_error(str(exc))
            return False
        self._clean_values = values
        self.status.setText("设置已保存。")
        self.saved.emit()
        self.screen.changed("settings")
        return True

    def _on_save_button_clicked(self) -> None:
        self.save()

    def set_font_size(self, key: str) -> None:
        """Remember the size on this machine and apply it to every window at once."""
        style.save_font_size(key)
        style.apply_look(QApplication.instance(), key)
        self.font_size.blockSignals(True)
        self.font_size.setCurrentIndex(self.font_size.findData(key))
        self.font_size.blockSignals(False)

    def _on_font_size_current_index_changed(self, index: int) -> None:
        # Every screen is laid out again at the new size, which empties forms not yet saved: ask first.
        may_discard = getattr(self.window(), "may_discard_unsaved_input", None)
        if may_discard is not None and not may_discard("改字体大小"):
            self.font_size.blockSignals(True)
            self.font_size.setCurrentIndex(max(0, self.font_size.findData(style.current_font_size())))
            self.font_size.blockSignals(False)
            return
        self.set_font_size(self.font_size.itemData(index))

    def _on_reset_button_clicked(self) -> None:
        if self.screen.confirm("把本页所有设置恢复为默认值？（点“保存设置”后才会生效）"):
            self.load(settings.DEFAULTS)


class SettingsScreen(Screen):
    key = "settings"
    title = "设置"
    areas = ("settings",)

    def __init__(self, db, signals, parent=None):
        super().__init__(db, signals, parent)
        self.tabs = QTabWidget()
        self.org_screen = OrgScreen(db, signals)
        self.office_form = OfficeSettingsForm(self)
        self.tabs.addTab(self.org_screen, "组织机构")
        self.tabs.addTab(self.office_form, "基本设置")
        self._add_safety_tabs(db, signals)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def _add_safety_tabs(self, db, signals) -> None:
        from gui.audit_screen import AuditScreen
        from gui.backups_screen import BackupsScreen
        from gui.users_screen import UsersScreen

        self.backups_screen = BackupsScreen(db, signals)
        self.tabs.addTab(self.backups_screen, "备份与恢复")
        self.audit_screen = AuditScreen(db, signals) if access.allowed(db, "audit") else None
        if self.audit_screen is not None:
            self.tabs.addTab(self.audit_screen, "操作日志")
        self.users_screen = UsersScreen(db, signals) if access.allowed(db, "users") else None
        if self.users_screen is not None:
            self.tabs.addTab(self.users_screen, "操作员")

    def command_slots(self):
        page = self.tabs.currentWidget()
        if page is self.org_screen:
            return {"new": ("新增下级组织…", self.org_screen._on_add_child_button_clicked)}
        if page is self.office_form:
            return {"save": ("保存设置", self.office_form._on_save_button_clicked)}
        return {}

    def unsaved_input(self) -> bool:
        return self.office_form.unsaved_input()

    def refresh(self) -> None:
        self.office_form.load()
