"""The first-run wizard: name the office, type its communities and branches, or try the demo office."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
    QPlainTextEdit, QPushButton, QRadioButton, QSpinBox, QVBoxLayout, QWizard, QWizardPage,
)

from core.db import Db, default_db_path, open_db
from core.demo import build_demo
from core.errors import UserError
from core.office_setup import OfficeSetup, clean_lines, create_office
from gui.style import fitted, px


class StartPage(QWizardPage):
    def __init__(self, wizard: "FirstRunWizard"):
        super().__init__()
        self.setTitle("欢迎使用社区党建工作台")
        self.setSubTitle("所有台账保存在本机的一个数据库文件里，不需要联网。")
        self.new_office = QRadioButton("建立本单位的数据库（填写单位名称、社区和支部）")
        self.demo_office = QRadioButton("先试用演示单位（自动生成虚构的街道、社区和党员）")
        self.new_office.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.new_office)
        group.addButton(self.demo_office)
        self.path_edit = QLineEdit(str(wizard.db_path))
        self.browse_button = QPushButton("选择位置…")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.new_office)
        layout.addWidget(self.demo_office)
        layout.addSpacing(16)
        layout.addWidget(QLabel("数据库文件保存在："))
        layout.addLayout(path_row)
        layout.addStretch(1)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.wizard_ref = wizard

    def _on_browse_button_clicked(self) -> None:
        path = self.wizard_ref.ask_save_path(self.path_edit.text())
        if path:
            self.path_edit.setText(path)

    def nextId(self) -> int:
        return -1 if self.demo_office.isChecked() else FirstRunWizard.OFFICE_PAGE

    def isComplete(self) -> bool:
        return bool(self.path_edit.text().strip())


class OfficePage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("本单位")
        self.setSubTitle("这些内容以后都可以在“设置”中修改。")
        self.office_name = QLineEdit()
        self.office_name.setPlaceholderText("例如：城区街道党工委")
        self.level = QComboBox()
        self.level.addItem("街道党工委（下设多个社区）", "street")
        self.level.addItem("社区党委（本社区使用）", "community")
        self.min_wage = QSpinBox()
        self.min_wage.setRange(1, 99_999)
        self.min_wage.setValue(1950)
        self.min_wage.setSuffix(" 元/月")
        form = QFormLayout(self)
        form.addRow("单位名称：", self.office_name)
        form.addRow("单位层级：", self.level)
        form.addRow("上年度当地最低工资标准：", self.min_wage)
        self.office_name.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.office_name.text().strip())


class TreePage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("社区和党支部")
        self.setSubTitle("每行填写一个名称。也可以以后从党员名册 Excel 导入时自动建立。")
        self.communities_label = QLabel("下辖社区：")
        self.communities = QPlainTextEdit()
        self.communities.setTabChangesFocus(True)  # Tab moves to the next field, as in every other box
        self.communities.setPlaceholderText("西湖社区\n鼓楼社区\n人民街社区")
        self.branch_per_community = QCheckBox("为每个社区建立一个党支部")
        self.branch_per_community.setChecked(True)
        self.direct_branches = QPlainTextEdit()
        self.direct_branches.setTabChangesFocus(True)  # Tab moves to the next field, as in every other box
        self.direct_branches.setPlaceholderText("街道机关党支部\n非公企业联合党支部")
        self.direct_branches.setMaximumHeight(px(90))
        self.grids = QSpinBox()
        self.grids.setRange(0, 50)
        self.grids.setSuffix(" 个")
        self.grids.setValue(0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.communities_label)
        layout.addWidget(self.communities)
        layout.addWidget(self.branch_per_community)
        layout.addWidget(QLabel("直属党支部（机关、非公企业等）："))
        layout.addWidget(self.direct_branches)
        grid_row = QHBoxLayout()
        grid_row.addWidget(QLabel("每个社区先建网格："))
        grid_row.addWidget(self.grids)
        grid_row.addStretch(1)
        layout.addLayout(grid_row)

    def initializePage(self) -> None:
        street = self.wizard().office_page.level.currentData() == "street"
        self.communities_label.setVisible(street)
        self.communities.setVisible(street)


class FirstRunWizard(QWizard):
    START_PAGE, OFFICE_PAGE, TREE_PAGE = range(3)

    def __init__(self, db_path: Path | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("社区党建工作台 — 首次使用")
        self.db_path = Path(db_path) if db_path else default_db_path()
        self.db: Db | None = None
        self.start_page = StartPage(self)
        self.office_page = OfficePage()
        self.tree_page = TreePage()
        self.setPage(self.START_PAGE, self.start_page)
        self.setPage(self.OFFICE_PAGE, self.office_page)
        self.setPage(self.TREE_PAGE, self.tree_page)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步")
        self.setButtonText(QWizard.WizardButton.BackButton, "上一步")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.resize(fitted(640, 520))

    def ask_save_path(self, current: str) -> str:
        return QFileDialog.getSaveFileName(self, "数据库文件保存位置", current, "数据库文件 (*.db)")[0]

    def show_error(self, message: str) -> None:
        QMessageBox.warning(self, "提示", message)

    def setup(self) -> OfficeSetup:
        level = self.office_page.level.currentData()
        return OfficeSetup(
            office_name=self.office_page.office_name.text().strip(),
            level=level,
            communities=clean_lines(self.tree_page.communities.toPlainText()) if level == "street" else [],
            branch_per_community=self.tree_page.branch_per_community.isChecked(),
            direct_branches=clean_lines(self.tree_page.direct_branches.toPlainText()),
            grids_per_community=self.tree_page.grids.value(),
            min_wage=self.office_page.min_wage.value(),
        )

    def accept(self) -> None:
        """Create the database; on an error keep the wizard open with everything typed."""
        path = Path(self.start_page.path_edit.text().strip())
        if path.exists() and path.stat().st_size > 0:
            self.show_error(f"文件 {path} 已存在。请在第一页换一个保存位置，或用“文件 → 打开数据库”打开它。")
            return
        demo = self.start_page.demo_office.isChecked()
        setup = None if demo else self.setup()
        try:
            db = open_db(path)
        except UserError as exc:
            self.show_error(str(exc))
            return
        try:
            if demo:
                build_demo(db)
            else:
                create_office(db, setup)
        except UserError as exc:
            db.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            self.show_error(str(exc))
            return
        self.db = db
        super().accept()
