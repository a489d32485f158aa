"""What a list with no records yet shows: what to do next, and the buttons that do it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.style import px, set_role

Action = tuple[str, Callable[[], object]]


class EmptyState(QFrame):
    """A card laid over a list (or placed in a layout) while there is nothing to list yet.

    Each button runs the same action as the screen's own button, so the card never does anything the
    screen cannot; it only says where to start.
    """

    def __init__(self, title: str, text: str, actions: Sequence[Action], over: QAbstractScrollArea | None = None,
                 parent: QWidget | None = None):
        super().__init__(over.viewport() if over is not None else parent)
        set_role(self, "empty")
        self.over = over
        self.title = QLabel(title)
        set_role(self.title, "empty-title")
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.buttons: list[QPushButton] = []
        row = QHBoxLayout()
        row.addStretch(1)
        for i, (label, action) in enumerate(actions):
            button = QPushButton(label)
            if i == 0:
                set_role(button, "primary")
            button.clicked.connect(lambda _checked=False, act=action: act())
            row.addWidget(button)
            self.buttons.append(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(px(24), px(12), px(24), px(12))
        layout.setSpacing(px(8))
        layout.addWidget(self.title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.text)
        layout.addLayout(row)
        if over is not None:
            over.viewport().installEventFilter(self)
        self.hide()

    def show_when(self, empty: bool) -> None:
        """Show the card while the list has no records at all; hide it as soon as there is one."""
        self.setVisible(empty)
        if empty and self.over is not None:
            self._place()
            self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show) and not self.isHidden():
            self._place()
        return False

    def showEvent(self, event) -> None:
        if self.over is not None:
            self._place()
        super().showEvent(event)

    def _place(self) -> None:
        viewport = self.over.viewport()
        width = max(px(260), min(viewport.width() - px(32), px(540)))
        self.setFixedWidth(width)
        self.setFixedHeight(self.layout().heightForWidth(width) if self.layout().hasHeightForWidth()
                            else self.sizeHint().height())
        top = min(max(px(16), viewport.height() // 5), viewport.height() - self.height() - px(4))
        self.move(max(0, (viewport.width() - width) // 2), max(0, top))
