"""Rows of buttons and labels that wrap onto more lines when the window is narrow or the font is large.

Neither uses Qt's height-for-width: once one widget on a page has it, the page's vertical layout reports the
sum of every widget's *preferred* height, and the main window's scroll area takes that as the page's minimum,
so a page that fitted would scroll. They report the height they need at the width they were last given, and
ask for a new layout when that changes."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QSizePolicy, QSpacerItem, QWidget


class FlowLayout(QLayout):
    """Items left to right, wrapping like words; its height follows the width it is given."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6, right: bool = False):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self._right = right  # each line ends at the right edge (a button bar under a table)
        self._height: int | None = None  # needed at the width last given; None before the first layout
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        height = self._arrange(rect, move=True)
        if height != self._height:
            self._height = height
            if self.parentWidget() is not None:
                self.parentWidget().updateGeometry()  # lines were added or removed: the page lays out again

    def _needed_height(self) -> int:
        if self._height is not None:
            return self._height
        margins = self.contentsMargins()  # not laid out yet: one line
        return max((i.sizeHint().height() for i in self._items), default=0) + margins.top() + margins.bottom()

    def sizeHint(self) -> QSize:
        width = sum(i.sizeHint().width() for i in self._items) + self._spacing * max(0, len(self._items) - 1)
        margins = self.contentsMargins()
        return QSize(width + margins.left() + margins.right(), self._needed_height())

    def minimumSize(self) -> QSize:
        width = max((item.minimumSize().width() for item in self._items), default=0)
        margins = self.contentsMargins()
        return QSize(width + margins.left() + margins.right(), self._needed_height())

    def add_stretch(self) -> None:
        """Room that grows: what follows sits at the right end of the line it shares with what precedes."""
        self.addItem(QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum))

    @staticmethod
    def _natural_width(item: QLayoutItem) -> int:
        """A field that grows and says how narrow it may be (a search box) starts at that width, so it stays on
        the line of the buttons before it; the room left on the line then widens it."""
        widget = item.widget()
        if widget is not None and widget.minimumWidth() > 0 and item.expandingDirections() & Qt.Orientation.Horizontal:
            return widget.minimumWidth()
        return item.sizeHint().width()

    def _arrange(self, rect: QRect, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        lines: list[list[tuple[QLayoutItem, int]]] = [[]]
        x = area.x()
        for item in self._items:
            if item.widget() is not None and not item.widget().isVisibleTo(self.parentWidget()):
                continue
            # An item wider than the line gets the line (never less than its minimum): a field shrinks, not clips.
            width = max(min(self._natural_width(item), area.width()), item.minimumSize().width())
            if x > area.x() and x + width > area.right() + 1:
                lines.append([])
                x = area.x()
            if item.spacerItem() is not None and not lines[-1]:
                continue  # a stretch that would open a line pushes nothing
            lines[-1].append((item, width))
            x += width + self._spacing
        y = area.y()
        for line in lines:
            if not line:
                continue
            # Room left on the line goes to what expands (a stretch, a search box), shared equally.
            used = sum(width for _, width in line) + self._spacing * (len(line) - 1)
            growing = [i for i, (item, _) in enumerate(line) if item.expandingDirections() & Qt.Orientation.Horizontal]
            extra = max(0, area.width() - used)
            x, line_height = area.x(), max(item.sizeHint().height() for item, _ in line)
            if self._right and not growing:
                x += extra
            for i, (item, width) in enumerate(line):
                if i in growing:
                    width += extra // len(growing) + (1 if growing.index(i) < extra % len(growing) else 0)
                if move:
                    height = item.sizeHint().height()
                    item.setGeometry(QRect(QPoint(x, y + (line_height - height) // 2), QSize(width, height)))
                x += width + self._spacing
            y += line_height + self._spacing
        return y - self._spacing - rect.y() + margins.bottom() if any(lines) else margins.top() + margins.bottom()


STRETCH = None  # in flow_row's list: room that grows, as QBoxLayout.addStretch


def flow_row(widgets: list[QWidget | None], parent: QWidget | None = None, right: bool = False) -> QWidget:
    """A widget holding `widgets` in a wrapping row, ready to add to a vertical layout; STRETCH entries
    push what follows to the right end of its line, and widgets that expand (line edits) fill the line.
    With `right`, every line is pushed to the right edge."""
    holder = QWidget(parent)
    layout = FlowLayout(holder, right=right)
    for widget in widgets:
        if widget is STRETCH:
            layout.add_stretch()
        else:
            layout.addWidget(widget)
    holder.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return holder


def group(*parts: QWidget | str) -> QWidget:
    """Widgets (and label texts) that stay together on one line inside a flow row, e.g. "从" date "至" date."""
    from PySide6.QtWidgets import QHBoxLayout

    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for part in parts:
        layout.addWidget(QLabel(part) if isinstance(part, str) else part)
    return holder


class WrappingLabel(QLabel):
    """A word-wrapped label that takes more lines, not more width, and reports the height its text needs at
    its current width without height-for-width (see the module docstring)."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self._height: int | None = None

    def hasHeightForWidth(self) -> bool:
        return False  # QLabel turns it back on in its size policy at every setText

    def _needed_height(self) -> int | None:
        return self.heightForWidth(self.width()) if self.testAttribute(Qt.WidgetAttribute.WA_WState_Visible) else None

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        height = self._needed_height()
        return hint if height is None else QSize(hint.width(), height)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        height = self._needed_height()
        return hint if height is None else QSize(hint.width(), height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        height = self.heightForWidth(self.width())
        if height != self._height:
            self._height = height
            self.updateGeometry()  # one line more or less: the page lays out again
