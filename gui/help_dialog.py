"""帮助 → 用户手册: the Chinese user's guide (docs/用户手册.md) with its screenshots, a contents list and search."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QUrl, Qt
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QApplication, QDialog, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSplitter,
    QTextBrowser, QVBoxLayout, QWidget,
)

GUIDE_NAME = "用户手册.md"
IMAGE_WIDTH = 760  # screenshots are 1280 px wide; shown at this width so a page needs no sideways scrolling


def guide_candidates() -> list[Path]:
    """Where the guide may be: beside the frozen program (PyInstaller's _MEIPASS), then the source checkout."""
    places = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        places.append(Path(bundle) / "docs" / GUIDE_NAME)
    places.append(Path(__file__).resolve().parent.parent / "docs" / GUIDE_NAME)
    return places


def find_guide() -> Path | None:
    return next((p for p in guide_candidates() if p.is_file()), None)


class HelpDialog(QDialog):
    """The guide rendered from Markdown; the headings on the left jump to their section. Esc closes it."""

    def __init__(self, path: Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("用户手册 — 社区党建工作台")
        self.path = path or find_guide()
        self._build_ui()
        self._connect_signals()
        self.load()
        self.resize(1180, 820)

    def _build_ui(self) -> None:
        self.contents = QListWidget()
        self.contents.setMinimumWidth(250)
        self.contents.setWordWrap(True)
        self.contents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.contents.setStyleSheet("QListWidget { font-size: 11pt; } QListWidget::item { padding: 3px 4px; }")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        font = self.browser.font()
        font.setPointSizeF(max(font.pointSizeF(), 10) * 1.15)  # larger than the program's text: easier reading
        self.browser.setFont(font)
        self.browser.document().setDocumentMargin(16)
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("在手册中查找，如：导入、转出、备份")
        self.find_edit.setClearButtonEnabled(True)
        self.find_button = QPushButton("查找下一个")
        self.find_status = QLabel()
        self.close_button = QPushButton("关闭")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("查找："))
        bar.addWidget(self.find_edit, 1)
        bar.addWidget(self.find_button)
        bar.addWidget(self.find_status)
        bar.addStretch(1)
        bar.addWidget(self.close_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("目录"))
        left_layout.addWidget(self.contents, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([290, 890])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

    def _connect_signals(self) -> None:
        self.contents.currentRowChanged.connect(self._on_contents_current_row_changed)
        self.find_edit.returnPressed.connect(self.find_next)
        self.find_edit.textChanged.connect(lambda _text: self.find_status.setText(""))
        self.find_button.clicked.connect(self.find_next)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.find_edit.setFocus)
        QShortcut(QKeySequence.StandardKey.FindNext, self, activated=self.find_next)

    # Loading -------------------------------------------------------------------------------------
    def load(self) -> None:
        if self.path is None or not self.path.is_file():
            where = "、".join(str(p) for p in guide_candidates())
            self.browser.setPlainText(
                f"没有找到用户手册文件（{GUIDE_NAME}）。\n查找过：{where}\n请重新安装程序。")
            return
        folder = self.path.parent
        self.browser.setSearchPaths([str(folder)])
        document = self.browser.document()
        document.setBaseUrl(QUrl.fromLocalFile(str(folder) + "/"))
        self.browser.setMarkdown(self.path.read_text(encoding="utf-8"))
        self._fit_images()
        self._fill_contents()

    def _fit_images(self) -> None:
        """Show each screenshot at most IMAGE_WIDTH wide, scaled smoothly once (the view itself scales coarsely)."""
        document = self.browser.document()
        for name in set(self.image_names()):
            natural = self.image(name)
            if natural is not None and natural.width() > IMAGE_WIDTH:
                scaled = natural.scaledToWidth(IMAGE_WIDTH, Qt.TransformationMode.SmoothTransformation)
                # resource() looks names up resolved against the base URL, so store it under that
                url = document.baseUrl().resolved(QUrl(name))
                document.addResource(QTextDocument.ResourceType.ImageResource, url, scaled)
        document.markContentsDirty(0, document.characterCount())

    def _fill_contents(self) -> None:
        self.contents.clear()
        block = self.browser.document().begin()
        while block.isValid():
            level = block.blockFormat().headingLevel()
            if 1 <= level <= 2 and block.text().strip():
                item = QListWidgetItem(("" if level == 1 else "　") + block.text().strip())
                item.setData(Qt.ItemDataRole.UserRole, block.position())
                if level == 1:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.contents.addItem(item)
            block = block.next()

    # Public API (tests, the main window) ---------------------------------------------------------
    def headings(self) -> list[str]:
        return [self.contents.item(i).text().strip("　") for i in range(self.contents.count())]

    def image_names(self) -> list[str]:
        names = []
        block = self.browser.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fmt = it.fragment().charFormat()
                if fmt.isImageFormat():
                    names.append(fmt.toImageFormat().name())
                it += 1
            block = block.next()
        return names

    def image(self, name: str):
        """The picture behind an image name in the guide, as QImage; None when it cannot be loaded."""
        from PySide6.QtGui import QImage, QPixmap

        value = self.browser.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(name))
        if isinstance(value, QImage):
            image = value
        elif isinstance(value, QPixmap):
            image = value.toImage()
        elif value:
            image = QImage.fromData(bytes(value))
        else:
            return None
        return None if image.isNull() else image

    def show_section(self, title: str) -> bool:
        """Scroll to the heading whose text contains title (the contents list follows)."""
        for i, heading in enumerate(self.headings()):
            if title in heading:
                self.contents.setCurrentRow(i)
                return True
        return False

    def find_next(self) -> bool:
        text = self.find_edit.text().strip()
        if not text:
            return False
        found = self.browser.find(text)
        if not found:  # wrap around to the top once
            self.browser.moveCursor(QTextCursor.MoveOperation.Start)
            found = self.browser.find(text)
        self.find_status.setText("" if found else "没有找到")
        return found

    # Slots ---------------------------------------------------------------------------------------
    def _on_contents_current_row_changed(self, row: int) -> None:
        if row < 0:
            return
        position = self.contents.item(row).data(Qt.ItemDataRole.UserRole)
        document = self.browser.document()
        block = document.findBlock(position)
        top = document.documentLayout().blockBoundingRect(block).top()
        cursor = QTextCursor(block)
        self.browser.setTextCursor(cursor)
        self.browser.verticalScrollBar().setValue(int(top))


def show_help(parent: QWidget | None = None, section: str | None = None) -> HelpDialog:
    """Open the guide non-modally (one window per parent) and return it."""
    dialog = getattr(parent, "_help_dialog", None) if parent is not None else None
    if dialog is None:
        dialog = HelpDialog(parent=parent)
        if parent is not None:
            parent._help_dialog = dialog
    if section:
        dialog.show_section(section)
    dialog.show()
    if QApplication.platformName() != "offscreen":  # no window stacking there (tests, screenshots)
        dialog.raise_()
        dialog.activateWindow()
    return dialog
