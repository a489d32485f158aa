"""The member form: every roster field, checked as it is typed; the ID number fills birth date and gender."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout,
    QWidget,
)

from core import idcard, member_events, members, orgs, persons
from core.clock import today
from core.db import Db
from core.errors import UserError, ValidationError
from gui.base import bind_save_key
from gui.window_state import remember_dialog
from gui.style import MUTED, STATUS, TEXT, fitted, px

ETHNICITIES = ["汉族", "回族", "满族", "蒙古族", "壮族", "藏族", "维吾尔族", "土家族", "苗族", "彝族", "朝鲜族"]
EDUCATIONS = ["研究生", "大学本科", "大专", "中专", "高中", "初中", "小学"]
ERROR_STYLE = f"color: {STATUS['overdue'].text};"
HINT_STYLE = f"color: {MUTED};"
DERIVED_STYLE = f"QComboBox:disabled {{ color: {TEXT}; }}"  # read-only lines: the program style sheet
PERSON_KEYS = ("name", "id_number", "gender", "birth_date", "ethnicity", "education", "native_place", "phone",
               "address")
DATE_LABELS = {"birth_date": "出生日期", "join_date": "入党时间", "full_date": "转正时间", "transfer_date": "转入日期"}
# Where core's event errors land on this form.
EVENT_FIELDS = {"transfer_from": "transfer_org", "transfer_date": "transfer_date"}


def _combo(items: list[tuple[str, object]], editable: bool = False) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(editable)
    for text, data in items:
        combo.addItem(text, data)
    return combo


class MemberForm(QWidget):
    """Edits one member (or a new one). `save()` writes through core and returns the member id, or None."""

    saved = Signal(int)

    def __init__(self, db: Db, member_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.member_id = member_id
        self.errors: dict[str, QLabel] = {}
        self._build_ui()
        self._connect_signals()
        if member_id is not None:
            self.load(members.get(db, member_id))
        else:
            self._on_branch_current_index_changed()
            self._on_category_current_index_changed()

    # UI ----------------------------------------------------------------------------------------
    def _field_row(self, grid: QGridLayout, row: int, key: str, label: str, widget: QWidget) -> None:
        caption = QLabel(label + "：")
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        error = QLabel()
        error.setWordWrap(True)
        error.setStyleSheet(ERROR_STYLE)
        error.setMinimumWidth(px(220))
        error.setObjectName(f"error_{key}")
        widget.setMinimumWidth(px(230))
        grid.addWidget(caption, row, 0)
        grid.addWidget(widget, row, 1)
        grid.addWidget(error, row, 2)
        self.errors[key] = error
        setattr(self, key, widget)

    def _build_ui(self) -> None:
        self.general_error = QLabel()
        self.general_error.setWordWrap(True)
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.hide()

        person_box = QGroupBox("基本信息")
        grid = QGridLayout(person_box)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)
        fields = [
            ("name", "姓名", QLineEdit()),
            ("id_number", "公民身份号码", QLineEdit()),
            ("gender", "性别", _combo([("", None), ("男", "男"), ("女", "女")])),
            ("birth_date", "出生日期", QLineEdit()),
            ("ethnicity", "民族", _combo([(e, e) for e in ETHNICITIES], editable=True)),
            ("education", "学历", _combo([("", None)] + [(e, e) for e in EDUCATIONS], editable=True)),
            ("native_place", "籍贯", QLineEdit()),
            ("phone", "联系电话", QLineEdit()),
            ("address", "家庭住址", QLineEdit()),
        ]
        for row, (key, label, widget) in enumerate(fields):
            self._field_row(grid, row, key, label, widget)
        grid.setRowStretch(len(fields), 1)
        self.id_number.setMaxLength(22)
        self.id_number.setPlaceholderText("18 位，输入后自动填写出生日期和性别")
        self.birth_date.setPlaceholderText("如 1975-03-02")
        self.phone.setPlaceholderText("手机 11 位，或 区号-座机号")

        party_box = QGroupBox("党籍信息")
        grid = QGridLayout(party_box)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)
        branch_items = [("（请选择）", None)] + [(orgs.unit_path(self.db, b.id).split(" / ", 1)[-1], b.id)
                                                for b in orgs.branches(self.db)]
        fields = [
            ("branch_id", "所在党支部", _combo(branch_items)),
            ("party_group_id", "党小组", _combo([("（无）", None)])),
            ("grid_id", "网格", _combo([("（未划网格）", None)])),
            ("category", "党员类别", _combo([(c, c) for c in members.lookup_values(self.db, "category")])),
            ("status", "状态", _combo([(s, s) for s in members.lookup_values(self.db, "status")])),
            ("person_type", "人员类型", _combo([("", None)] + [(t, t) for t in members.lookup_values(self.db, "person_type")])),
            ("join_date", "入党时间", QLineEdit()),
            ("full_date", "转正时间", QLineEdit()),
            ("work_unit", "工作单位及职务", QLineEdit()),
            ("note", "备注", QLineEdit()),
        ]
        for row, (key, label, widget) in enumerate(fields):
            self._field_row(grid, row, key, label, widget)
        row = len(fields)
        if self.member_id is None:
            # How a new member comes onto the roster starts their history: newly admitted or transferred in.
            for key, label, widget in (
                ("entry", "入册方式", _combo([("新发展党员", "new"), ("组织关系转入", "transfer_in")])),
                ("transfer_org", "转入前所在党组织", QLineEdit()),
                ("transfer_date", "转入日期", QLineEdit()),
            ):
                self._field_row(grid, row, key, label, widget)
                row += 1
            self.transfer_date.setPlaceholderText("如 2024-03-15")
            self.transfer_rows = [self.transfer_org, self.transfer_date]
        self.join_date.setPlaceholderText("如 2001-07-01")
        self.full_date.setPlaceholderText("预备党员不填")
        self.probation_label = QLabel()
        self.probation_label.setStyleSheet(HINT_STYLE)
        grid.addWidget(self.probation_label, row, 1, 1, 2)
        grid.setRowStretch(row + 1, 1)

        boxes = QHBoxLayout()
        boxes.addWidget(person_box, 1)
        boxes.addWidget(party_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.general_error)
        layout.addLayout(boxes)
        self.setStyleSheet(DERIVED_STYLE)

    def _connect_signals(self) -> None:
        self.id_number.textChanged.connect(self._on_id_number_text_changed)
        self.birth_date.textChanged.connect(lambda: self._check_date("birth_date"))
        self.join_date.textChanged.connect(lambda: self._check_date("join_date"))
        self.full_date.textChanged.connect(lambda: self._check_date("full_date"))
        self.phone.textChanged.connect(self._on_phone_text_changed)
        self.name.textChanged.connect(self._on_name_text_changed)
        self.branch_id.currentIndexChanged.connect(self._on_branch_current_index_changed)
        self.category.currentIndexChanged.connect(self._on_category_current_index_changed)
        if self.member_id is None:
            self.entry.currentIndexChanged.connect(self._on_entry_current_index_changed)
            self.transfer_date.textChanged.connect(lambda: self._check_date("transfer_date"))
            self._on_entry_current_index_changed()

    # Values ------------------------------------------------------------------------------------
    def _set_combo(self, combo: QComboBox, value: object) -> None:
        index = combo.findData(value)
        if index < 0 and combo.isEditable() and value:
            combo.setEditText(str(value))
            return
        combo.setCurrentIndex(max(0, index))

    def _combo_value(self, combo: QComboBox) -> object:
        if combo.isEditable():
            return combo.currentText().strip() or None
        return combo.currentData()

    def load(self, member: members.Member) -> None:
        self.name.setText(member.name)
        self.id_number.setText(member.id_number or "")
        if not member.id_number:
            self._set_combo(self.gender, member.gender)
            self.birth_date.setText(member.birth_date or "")
        for key in ("ethnicity", "education"):
            self._set_combo(getattr(self, key), getattr(member, key))
        for key in ("native_place", "phone", "address", "join_date", "full_date", "work_unit", "note"):
            getattr(self, key).setText(getattr(member, key) or "")
        self._set_combo(self.branch_id, member.branch_id)
        self._on_branch_current_index_changed()
        self._set_combo(self.party_group_id, member.party_group_id)
        self._set_combo(self.grid_id, member.grid_id)
        for key in ("category", "status", "person_type"):
            self._set_combo(getattr(self, key), getattr(member, key))
        self._on_category_current_index_changed()

    def set_values(self, **values: object) -> None:
        """Fill fields by key (tests and callers): text fields take text, combos their data value."""
        for key, value in values.items():
            widget = getattr(self, key)
            if isinstance(widget, QLineEdit):
                widget.setText("" if value is None else str(value))
            else:
                self._set_combo(widget, value)
                if key == "branch_id":
                    self._on_branch_current_index_changed()

    def _date(self, key: str) -> str | None:
        return members.parse_user_date(getattr(self, key).text(), DATE_LABELS[key], key)

    def values(self) -> tuple[dict, dict]:
        """(person fields, member fields) as core takes them; raises ValidationError for a bad date."""
        person = {
            "name": self.name.text().strip(),
            "id_number": self.id_number.text().strip() or None,
            "gender": self.gender.currentData(),
            "birth_date": self._date("birth_date"),
            "ethnicity": self._combo_value(self.ethnicity),
            "education": self._combo_value(self.education),
            "native_place": self.native_place.text().strip() or None,
            "phone": self.phone.text().strip() or None,
            "address": self.address.text().strip() or None,
        }
        member = {
            "branch_id": self.branch_id.currentData(),
            "party_group_id": self.party_group_id.currentData(),
            "grid_id": self.grid_id.currentData(),
            "category": self.category.currentData(),
            "status": self.status.currentData(),
            "person_type": self.person_type.currentData(),
            "join_date": self._date("join_date"),
            "full_date": self._date("full_date") if self.full_date.isEnabled() else None,
            "work_unit": self.work_unit.text().strip() or None,
            "note": self.note.text().strip() or None,
        }
        return person, member

    # Errors ------------------------------------------------------------------------------------
    def set_error(self, key: str | None, message: str) -> None:
        label = self.errors.get(key or "")
        if label is None:
            self.general_error.setText(message)
            self.general_error.setVisible(bool(message))
            return
        label.setStyleSheet(ERROR_STYLE)
        label.setText(message)
        if message:
            getattr(self, key).setFocus()

    def _hint(self, key: str, message: str) -> None:
        self.errors[key].setStyleSheet(HINT_STYLE)
        self.errors[key].setText(message)

    def error_text(self, key: str) -> str:
        return self.errors[key].text()

    def has_errors(self) -> bool:
        return any(label.text() and label.styleSheet() == ERROR_STYLE for label in self.errors.values())

    # Live checks -------------------------------------------------------------------------------
    def _on_name_text_changed(self, text: str) -> None:
        if text.strip():
            self.errors["name"].setText("")

    def _on_id_number_text_changed(self, text: str) -> None:
        derived = False
        try:
            number = idcard.normalize(text)
        except ValidationError as exc:
            self.set_error("id_number", str(exc))
            number = ""
        else:
            if not number:
                self.errors["id_number"].setText("")
            elif len(number) < 18 and (number.isdigit() or number[:-1].isdigit()):
                self._hint("id_number", f"已输入 {len(number)} 位，还差 {18 - len(number)} 位")
            else:
                try:
                    info = idcard.parse(number)
                except ValidationError as exc:
                    self.errors["id_number"].setStyleSheet(ERROR_STYLE)
                    self.errors["id_number"].setText(str(exc))
                else:
                    self._hint("id_number", f"号码有效：{info.birth_date.isoformat()} 出生，{info.gender}")
                    self.birth_date.setText(info.birth_date.isoformat())
                    self._set_combo(self.gender, info.gender)
                    derived = True
        # Birth date and gender follow a valid ID number; without one they are typed by hand.
        self.birth_date.setReadOnly(derived)
        self.gender.setEnabled(not derived)
        if derived:
            self.errors["birth_date"].setText("")
            self.errors["gender"].setText("")

    def _check_date(self, key: str) -> bool:
        try:
            value = self._date(key)
        except ValidationError as exc:
            # While a date is still being typed, say what is expected rather than shout.
            text = getattr(self, key).text().strip()
            if len(text) < 8:
                self._hint(key, "请写成 2001-07-01 这样的形式")
            else:
                self.set_error(key, str(exc))
            return False
        self.errors[key].setText("")
        if value and key in ("join_date", "full_date", "transfer_date") and value > today().isoformat():
            self.set_error(key, f"{DATE_LABELS[key]}不能晚于今天。")
            return False
        if key == "join_date":
            self._update_probation_label()
        return True

    def _on_phone_text_changed(self, text: str) -> None:
        try:
            persons.clean_phone(text)
        except ValidationError as exc:
            digits = "".join(c for c in text if c.isdigit())
            if len(digits) < 11:
                self._hint("phone", f"已输入 {len(digits)} 位")
            else:
                self.set_error("phone", str(exc))
            return
        self.errors["phone"].setText("")

    def _on_branch_current_index_changed(self, *_args) -> None:
        branch_id = self.branch_id.currentData()
        group = self.party_group_id.currentData()
        grid = self.grid_id.currentData()
        self.party_group_id.clear()
        self.party_group_id.addItem("（无）", None)
        self.grid_id.clear()
        self.grid_id.addItem("（未划网格）", None)
        if branch_id is None:
            return
        self.errors["branch_id"].setText("")
        for unit in orgs.list_units(self.db, kind="party_group", parent_id=branch_id):
            self.party_group_id.addItem(unit.name, unit.id)
        community = orgs.community_of(self.db, branch_id)
        communities = {c.id: c.name for c in orgs.list_units(self.db, kind="community")}
        for g in orgs.list_grids(self.db, community.id if community else None):
            self.grid_id.addItem(g.name if community else f"{communities.get(g.community_id, '')} · {g.name}", g.id)
        self._set_combo(self.party_group_id, group)
        self._set_combo(self.grid_id, grid)

    def _on_entry_current_index_changed(self, *_args) -> None:
        transfer = self.entry.currentData() == "transfer_in"
        for key in ("transfer_org", "transfer_date"):
            widget = getattr(self, key)
            widget.setEnabled(transfer)
            if not transfer:
                self.errors[key].setText("")
        if transfer and not self.transfer_date.text():
            self.transfer_date.setText(today().isoformat())

    def _on_category_current_index_changed(self, *_args) -> None:
        probationary = self.category.currentData() == "预备党员"
        self.full_date.setEnabled(not probationary)
        if probationary:
            self.errors["full_date"].setText("")
        self._update_probation_label()

    def _update_probation_label(self) -> None:
        text = ""
        if self.category.currentData() == "预备党员":
            try:
                joined = self._date("join_date")
            except ValidationError:
                joined = None
            extension = members.get(self.db, self.member_id).probation_extension_months if self.member_id else 0
            if joined:
                text = f"预备期满：{members.probation_due_date(joined, extension)}"
        self.probation_label.setText(text)

    # Saving ------------------------------------------------------------------------------------
    def save(self) -> int | None:
        """Validate everything and write it; on an error show it beside the field, keep every value typed."""
        for label in self.errors.values():
            if label.styleSheet() == HINT_STYLE:
                label.setText("")
        self.set_error(None, "")
        try:
            person, member = self.values()
            if not person["name"]:
                raise ValidationError("姓名不能为空。", "name")
            if self.member_id is None:
                transfer = self.entry.currentData() == "transfer_in"
                try:
                    member_id = member_events.enrol(
                        self.db, person, member,
                        transfer_from=self.transfer_org.text() if transfer else None,
                        transfer_date=self._date("transfer_date") or "" if transfer else None,
                    )
                except ValidationError as exc:
                    raise ValidationError(str(exc), EVENT_FIELDS.get(exc.field or "", exc.field)) from None
            else:
                member_id = self.member_id
                members.update(self.db, member_id, person=person, member=member)
        except ValidationError as exc:
            self.set_error(exc.field if exc.field in self.errors else None, str(exc))
            return None
        except UserError as exc:
            self.set_error(None, str(exc))
            return None
        for label in self.errors.values():
            label.setText("")
        self.member_id = member_id
        self.saved.emit(member_id)
        return member_id


class MemberDialog(QDialog):
    """The form in a window with 保存 / 取消; it stays open (values kept) until a save succeeds."""

    def __init__(self, db: Db, member_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("新增党员" if member_id is None else f"编辑党员 — {members.get(db, member_id).name}")
        self.form = MemberForm(db, member_id, self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        bind_save_key(self, self.buttons.button(QDialogButtonBox.StandardButton.Save))
        self.resize(fitted(1180, 420))
        remember_dialog(self, "member")

    def save(self) -> int | None:
        member_id = self.form.save()
        if member_id is not None:
            self.accept()
        return member_id

    def _on_buttons_accepted(self) -> None:
        self.save()
