"""组织机构: the organisation tree (street → community → branch → party group) and each community's grids."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter,
    QTableWidget, QTableWidgetItem, QTreeView, QVBoxLayout, QWidget,
)

from core import idcard, orgs, persons
from core.errors import UserError
from gui.base import Screen
from gui.table_model import readable_rows, readable_tree_rows
from gui.flow_layout import flow_row

CHILD_KIND = {"street": ["community", "branch"], "community": ["branch"], "branch": ["party_group"], "party_group": []}
UNIT_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class OrgScreen(Screen):
    key = "org"
    title = "组织机构"
    areas = ("org", "members")

    unit_saved = Signal(int)

    def __init__(self, db, signals, parent=None):
        super().__init__(db, signals, parent)
        self._member_counts: dict[int, int] = {}
        self._build_ui()
        self._connect_signals()
        self.refresh()

    # UI ----------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.tree_model = QStandardItemModel(self)
        self.tree_model.setHorizontalHeaderLabels(["组织", "类型", "党员"])
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        readable_tree_rows(self.tree)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        self.tree.setUniformRowHeights(True)

        self.add_street_button = QPushButton("新建街道党工委")
        self.add_child_button = QPushButton("新增下级组织")
        self.rename_button = QPushButton("重命名")
        self.move_button = QPushButton("移动到…")
        self.delete_button = QPushButton("删除")
        buttons = QHBoxLayout()
        for b in (self.add_street_button, self.add_child_button, self.rename_button, self.move_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.tree)

        self.detail_box = QGroupBox("组织信息")
        form = QFormLayout(self.detail_box)
        self.name_label = QLabel()
        self.kind_label = QLabel()
        self.path_label = QLabel()
        self.path_label.setWordWrap(True)
        self.counts_label = QLabel()
        form.addRow("名称：", self.name_label)
        form.addRow("类型：", self.kind_label)
        form.addRow("隶属：", self.path_label)
        form.addRow("统计：", self.counts_label)

        self.grid_box = QGroupBox("网格（仅社区）")
        grid_layout = QVBoxLayout(self.grid_box)
        self.grid_table = QTableWidget(0, 2)
        self.grid_table.setHorizontalHeaderLabels(["网格", "网格员"])
        self.grid_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.grid_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid_table.verticalHeader().setVisible(False)
        readable_rows(self.grid_table)
        self.add_grid_button = QPushButton("新增网格")
        self.rename_grid_button = QPushButton("重命名网格")
        self.worker_button = QPushButton("设置网格员")
        self.delete_grid_button = QPushButton("删除网格")
        grid_layout.addWidget(flow_row([self.add_grid_button, self.rename_grid_button, self.worker_button,
                                        self.delete_grid_button]))  # wraps at a large font
        grid_layout.addWidget(self.grid_table)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail_box)
        right_layout.addWidget(self.grid_box, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def _connect_signals(self) -> None:
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)
        self.add_street_button.clicked.connect(self._on_add_street_button_clicked)
        self.add_child_button.clicked.connect(self._on_add_child_button_clicked)
        self.rename_button.clicked.connect(self._on_rename_button_clicked)
        self.move_button.clicked.connect(self._on_move_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.add_grid_button.clicked.connect(self._on_add_grid_button_clicked)
        self.rename_grid_button.clicked.connect(self._on_rename_grid_button_clicked)
        self.worker_button.clicked.connect(self._on_worker_button_clicked)
        self.delete_grid_button.clicked.connect(self._on_delete_grid_button_clicked)
        self.grid_table.itemSelectionChanged.connect(self._update_buttons)

    # Loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        selected = self.selected_unit_id()
        self.tree_model.removeRows(0, self.tree_model.rowCount())
        units = orgs.list_units(self.db)
        counts = self._member_counts = orgs.member_counts(self.db)
        items: dict[int, QStandardItem] = {}
        pending = list(units)
        # Parents come before children in sort order only by accident; place until all placed.
        while pending:
            rest = []
            for unit in pending:
                parent = self.tree_model.invisibleRootItem() if unit.parent_id is None else items.get(unit.parent_id)
                if parent is None:
                    rest.append(unit)
                    continue
                name_item = QStandardItem(unit.name)
                name_item.setData(unit.id, UNIT_ID_ROLE)
                count = counts.get(unit.id)
                count_item = QStandardItem("" if count is None else str(count))
                count_item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                parent.appendRow([name_item, QStandardItem(unit.kind_label), count_item])
                items[unit.id] = name_item
            if len(rest) == len(pending):
                break
            pending = rest
        self.tree.expandToDepth(0)
        self.tree.resizeColumnToContents(1)
        if selected in items:
            self.select_unit(selected)
        elif items:
            self.select_unit(next(iter(items)))
        self._show_details()

    def _show_details(self) -> None:
        unit_id = self.selected_unit_id()
        if unit_id is None:
            self.name_label.setText("")
            self.kind_label.setText("")
            self.path_label.setText("还没有组织。请点击“新建街道党工委”开始建立组织架构。" if not orgs.street(self.db) else "")
            self.counts_label.setText("")
            self.grid_table.setRowCount(0)
            self._update_buttons()
            return
        unit = orgs.get_unit(self.db, unit_id)
        grids = orgs.list_grids(self.db, unit_id) if unit.kind == "community" else []
        children = len(orgs.children(self.db, unit_id))
        self.name_label.setText(unit.name)
        self.kind_label.setText(unit.kind_label)
        self.path_label.setText(orgs.unit_path(self.db, unit_id))
        members = self._member_counts.get(unit_id, 0)
        if unit.kind == "community":
            self.counts_label.setText(f"党员 {members} 名，网格 {len(grids)} 个，直属下级组织 {children} 个")
        else:
            self.counts_label.setText(f"党员 {members} 名，直属下级组织 {children} 个")
        self.grid_table.setRowCount(len(grids))
        for row, grid in enumerate(grids):
            name = QTableWidgetItem(grid.name)
            name.setData(Qt.ItemDataRole.UserRole, grid.id)
            self.grid_table.setItem(row, 0, name)
            self.grid_table.setItem(row, 1, QTableWidgetItem(grid.worker_name or "（未设置）"))
        self._update_buttons()

    def _update_buttons(self) -> None:
        unit_id = self.selected_unit_id()
        unit = orgs.get_unit(self.db, unit_id) if unit_id is not None else None
        self.add_street_button.setVisible(orgs.street(self.db) is None)
        self.add_child_button.setEnabled(bool(unit and CHILD_KIND[unit.kind]))
        for b in (self.rename_button, self.move_button, self.delete_button):
            b.setEnabled(unit is not None)
        self.move_button.setEnabled(bool(unit and unit.kind != "street"))
        is_community = bool(unit and unit.kind == "community")
        self.grid_box.setEnabled(is_community)
        has_grid = self.selected_grid_id() is not None
        for b in (self.rename_grid_button, self.worker_button, self.delete_grid_button):
            b.setEnabled(is_community and has_grid)

    # Selection helpers a test can drive ----------------------------------------------------------
    def selected_unit_id(self) -> int | None:
        index = self.tree.currentIndex()
        if not index.isValid():
            return None
        index = index.siblingAtColumn(0)
        return self.tree_model.itemFromIndex(index).data(UNIT_ID_ROLE)

    def select_unit(self, unit_id: int) -> None:
        matches = self.tree_model.match(
            self.tree_model.index(0, 0), UNIT_ID_ROLE, unit_id, 1,
            Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive,
        )
        if matches:
            self.tree.setCurrentIndex(matches[0])
            self.tree.scrollTo(matches[0])

    def selected_grid_id(self) -> int | None:
        rows = self.grid_table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.grid_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def select_grid(self, grid_id: int) -> None:
        for row in range(self.grid_table.rowCount()):
            if self.grid_table.item(row, 0).data(Qt.ItemDataRole.UserRole) == grid_id:
                self.grid_table.selectRow(row)
                return

    def tree_labels(self) -> list[str]:
        """Every unit name in the tree, depth first (for tests and screenshots)."""
        out: list[str] = []

        def walk(parent: QModelIndex) -> None:
            for r in range(self.tree_model.rowCount(parent)):
                index = self.tree_model.index(r, 0, parent)
                out.append(index.data())
                walk(index)

        walk(QModelIndex())
        return out

    # Actions -----------------------------------------------------------------------------------
    def _run(self, action, area: str = "org") -> bool:
        try:
            action()
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.changed(area)
        return True

    def _on_tree_current_changed(self, *_args) -> None:
        self._show_details()

    def _on_add_street_button_clicked(self) -> None:
        name = self.ask_text("新建街道党工委", "名称：", "街道党工委")
        if name is not None:
            self._run(lambda: self.unit_saved.emit(orgs.create_unit(self.db, "street", name)))

    def _on_add_child_button_clicked(self) -> None:
        parent_id = self.selected_unit_id()
        if parent_id is None:
            return
        parent = orgs.get_unit(self.db, parent_id)
        kinds = CHILD_KIND[parent.kind]
        labels = [orgs.KIND_LABELS[k] for k in kinds]
        label = labels[0] if len(labels) == 1 else self.ask_item("新增下级组织", "类型：", labels)
        if label is None:
            return
        kind = kinds[labels.index(label)]
        name = self.ask_text(f"新增{label}", f"在“{parent.name}”下新增{label}，名称：")
        if name is None:
            return

        def create() -> None:
            new_id = orgs.create_unit(self.db, kind, name, parent_id)
            self.unit_saved.emit(new_id)
            self._select_after_refresh = new_id

        if self._run(create):
            self.select_unit(self._select_after_refresh)

    def _on_rename_button_clicked(self) -> None:
        unit_id = self.selected_unit_id()
        if unit_id is None:
            return
        unit = orgs.get_unit(self.db, unit_id)
        name = self.ask_text("重命名", "新名称：", unit.name)
        if name is not None and name != unit.name:
            self._run(lambda: orgs.rename_unit(self.db, unit_id, name))

    def _on_move_button_clicked(self) -> None:
        unit_id = self.selected_unit_id()
        if unit_id is None:
            return
        unit = orgs.get_unit(self.db, unit_id)
        targets = [u for u in orgs.list_units(self.db) if u.kind in orgs.ALLOWED_PARENTS[unit.kind] and u.id != unit.parent_id]
        if not targets:
            self.show_info(f"没有可以接收“{unit.name}”的上级组织。")
            return
        labels = [orgs.unit_path(self.db, u.id) for u in targets]
        label = self.ask_item("移动组织", f"把“{unit.name}”移动到：", labels)
        if label is not None:
            target = targets[labels.index(label)]
            if self._run(lambda: orgs.move_unit(self.db, unit_id, target.id)):
                self.select_unit(unit_id)

    def _on_delete_button_clicked(self) -> None:
        unit_id = self.selected_unit_id()
        if unit_id is None:
            return
        unit = orgs.get_unit(self.db, unit_id)
        self.delete_records(f"确定要删除“{unit.name}”吗？", f"组织“{unit.name}”", ("org",),
                            lambda: orgs.delete_unit(self.db, unit_id))

    def _on_add_grid_button_clicked(self) -> None:
        community_id = self.selected_unit_id()
        if community_id is None:
            return
        name = self.ask_text("新增网格", "网格名称：")
        if name is not None:
            self._run(lambda: orgs.create_grid(self.db, community_id, name))

    def _on_rename_grid_button_clicked(self) -> None:
        grid_id = self.selected_grid_id()
        if grid_id is None:
            return
        grid = orgs.get_grid(self.db, grid_id)
        name = self.ask_text("重命名网格", "新名称：", grid.name)
        if name is not None and name != grid.name:
            self._run(lambda: orgs.update_grid(self.db, grid_id, name=name))

    def _on_worker_button_clicked(self) -> None:
        grid_id = self.selected_grid_id()
        if grid_id is None:
            return
        grid = orgs.get_grid(self.db, grid_id)
        name = self.ask_text("设置网格员", f"“{grid.name}”的网格员姓名：", grid.worker_name or "")
        if not name:
            return

        matches = persons.find_by_name(self.db, name.strip())
        person_id = None
        if len(matches) == 1:
            person_id = matches[0].id
        elif len(matches) > 1:
            labels = [f"{p.name}（{idcard.mask_phone(p.phone) or '无电话'}，{p.address or '无住址'}）" for p in matches]
            label = self.ask_item("设置网格员", "有几位同名人员，请选择：", labels)
            if label is None:
                return
            person_id = matches[labels.index(label)].id

        def assign() -> None:
            worker_id = person_id if person_id is not None else persons.create(self.db, name=name)
            orgs.update_grid(self.db, grid_id, worker_person_id=worker_id)

        if self._run(assign):
            self.select_grid(grid_id)

    def _on_delete_grid_button_clicked(self) -> None:
        grid_id = self.selected_grid_id()
        if grid_id is None:
            return
        grid = orgs.get_grid(self.db, grid_id)
        self.delete_records(f"确定要删除网格“{grid.name}”吗？", f"网格“{grid.name}”", ("org",),
                            lambda: orgs.delete_grid(self.db, grid_id))
