"""The household form: address parts, head, phone, size, 包片 cadre, special-group tags; never loses input on an error."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
    QLineEdit, QSpinBox, QVBoxLayout, QWidget,
)

from core import households
from core.db import Db
from core.households import Household
from gui.base import bind_save_key
from gui.visits_widgets import fill_grid_combo, name_completer
from gui.style import fitted, set_role


class HouseholdDialog(QDialog):
    """Calls `on_save(values)`; stays open (with everything typed) when that returns False."""

    def __init__(self, db: Db, household: Household | None, on_save: Callable[[dict], bool],
                 default_grid_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.household = household
        self.on_save = on_save
        self.setWindowTitle("编辑住户" if household else "新增住户")
        self._build_ui()
        self._load(household, default_grid_id)
        self.resize(fitted(560, 520))

    def _build_ui(self) -> None:
        self.grid_combo = QComboBox()
        fill_grid_combo(self.grid_combo, self.db, None, all_label=None)
        self.estate_edit = QLineEdit()
        self.estate_edit.setPlaceholderText("小区或街巷，如 西湖小区")
        self.building_edit = QLineEdit()
        self.building_edit.setPlaceholderText("楼号")
        self.unit_edit = QLineEdit()
        self.unit_edit.setPlaceholderText("单元")
        self.room_edit = QLineEdit()
        self.room_edit.setPlaceholderText("室")
        address = QHBoxLayout()
        for w, suffix in ((self.building_edit, "号楼"), (self.unit_edit, "单元"), (self.room_edit, "室")):
            address.addWidget(w)
            address.addWidget(QLabel(suffix))
        self.head_edit = QLineEdit()
        self.phone_edit = QLineEdit()
        self.phone_edit.setPlaceholderText("11 位手机号或 区号-座机")
        self.people_spin = QSpinBox()
        self.people_spin.setRange(0, 99)
        self.people_spin.setSuffix(" 人")
        self.cadre_edit = QLineEdit()
        self.cadre_edit.setPlaceholderText("负责这一片的干部姓名")
        self._cadres = {p.name: p.id for p in households.cadres(self.db)}
        self.cadre_edit.setCompleter(name_completer(list(self._cadres), self))
        self.note_edit = QLineEdit()
        form = QFormLayout()
        form.addRow("所在网格：", self.grid_combo)
        form.addRow("小区 / 街巷：", self.estate_edit)
        form.addRow("楼号 / 单元 / 室：", address)
        form.addRow("户主姓名：", self.head_edit)
        form.addRow("联系电话：", self.phone_edit)
        form.addRow("家庭人数：", self.people_spin)
        form.addRow("包片干部：", self.cadre_edit)
        form.addRow("备注：", self.note_edit)
        tag_box = QGroupBox("特殊群体（可多选）")
        tag_grid = QGridLayout(tag_box)
        self.tag_checks: dict[int, QCheckBox] = {}
        for i, tag in enumerate(households.list_tags(self.db)):
            check = QCheckBox(tag.name)
            self.tag_checks[tag.id] = check
            tag_grid.addWidget(check, i // 4, i % 4)
        self.error_label = QLabel()
        set_role(self.error_label, "error")
        self.error_label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        bind_save_key(self, buttons.button(QDialogButtonBox.StandardButton.Save))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(tag_box)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def _load(self, h: Household | None, default_grid_id: int | None) -> None:
        grid_id = h.grid_id if h else default_grid_id
        index = self.grid_combo.findData(grid_id)
        if index >= 0:
            self.grid_combo.setCurrentIndex(index)
        if h is None:
            self.people_spin.setValue(1)
            return
        self.estate_edit.setText(h.estate)
        self.building_edit.setText(h.building)
        self.unit_edit.setText(h.unit)
        self.room_edit.setText(h.room)
        self.head_edit.setText(h.head_name or "")
        self.phone_edit.setText(h.phone or "")
        self.people_spin.setValue(h.people_count)
        self.cadre_edit.setText(h.cadre_name or "")
        self.note_edit.setText(h.note or "")
        for tag_id in households.tag_ids(self.db, h.id):
            if tag_id in self.tag_checks:
                self.tag_checks[tag_id].setChecked(True)

    def values(self) -> dict:
        cadre_name = self.cadre_edit.text().strip()
        return {
            "grid_id": self.grid_combo.currentData(), "estate": self.estate_edit.text(),
            "building": self.building_edit.text(), "unit": self.unit_edit.text(), "room": self.room_edit.text(),
            "head_name": self.head_edit.text().strip(), "phone": self.phone_edit.text().strip() or None,
            "people_count": self.people_spin.value(), "cadre_person_id": self._cadres.get(cadre_name),
            "cadre_name": cadre_name, "note": self.note_edit.text(),
            "tag_ids": [tag_id for tag_id, check in self.tag_checks.items() if check.isChecked()],
        }

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)

    def _on_buttons_accepted(self) -> None:
        if self.on_save(self.values()):
            self.accept()
