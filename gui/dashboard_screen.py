"""工作台: what is overdue or due this month, the month's figures, the last 12 months; every number opens its list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QEventLoop, QMargins, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QFrame, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea, QTabWidget, QVBoxLayout, QWidget,
)

from core.db import Db, open_db
from gui.base import Screen
from gui.empty_state import EmptyState
from gui.style import CHART, px, scaled, set_role

if TYPE_CHECKING:  # the counting modules load in the worker, so the window opens without them
    from PySide6.QtCharts import QChart

    from core import monthly

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Tile:
    """One clickable number: what it counts, and the list it opens."""

    key: str  # stable name tests use
    label: str
    value: str
    hint: str
    target: str  # screen key
    tone: str = "normal"  # normal | alert | good


@dataclass(frozen=True)
class Figures:
    """Everything the dashboard shows, counted in one go (in a worker thread)."""

    on: dt.date
    office_name: str
    dual_hours: float
    month: monthly.Month
    alerts: monthly.Alerts
    street: monthly.UnitMonth
    points: list[monthly.TrendPoint]


def count_figures(db: Db, on: dt.date) -> Figures:
    from core import monthly, settings

    month = monthly.month_of(on)
    return Figures(
        on=on,
        office_name=settings.get(db, "office_name"),
        dual_hours=settings.get(db, "dual_registration_member_hours"),
        month=month,
        alerts=monthly.alerts(db, on),
        street=monthly.unit_month(db, None, month, on),
        points=monthly.trend(db, month),
    )


class NumberTile(QPushButton):
    """A big number with a label; clicking it opens the list behind the number."""

    def __init__(self, tile: Tile, parent: QWidget | None = None):
        super().__init__(parent)
        self.tile = tile
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumSize(140, px(104))  # six in a row must fit a 1280 px screen at any font size
        set_role(self, "tile", tile.tone)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        self.value_label = QLabel(tile.value)
        set_role(self.value_label, "tile-value", tile.tone)
        self.name_label = QLabel(tile.label)
        set_role(self.name_label, "tile-name")
        self.name_label.setWordWrap(True)
        self.hint_label = QLabel(tile.hint)
        set_role(self.hint_label, "tile-hint")
        self.hint_label.setWordWrap(True)
        for label in (self.value_label, self.name_label, self.hint_label):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)
        self.setToolTip(f"{tile.label}：{tile.value}（点击查看明细）")


class ChartPlace(QWidget):
    """Where a chart will be, drawn as an empty chart looks (a white card) until Qt Charts has loaded."""

    INSET = 9  # an empty QChart's background: the view's rect less the chart's margins, rounded corners
    ROUNDNESS = 5

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("white"))
        inset = self.INSET
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(inset, inset, -inset, -inset), self.ROUNDNESS,
                                self.ROUNDNESS)


class DashboardScreen(Screen):
    key = "dashboard"
    title = "工作台"
    areas = ("org", "members", "meetings", "visits", "problems", "volunteers", "letters", "settings")

    list_opened = Signal(str, str)  # tile key, screen key
    loaded = Signal()  # the figures on screen are current

    def __init__(self, db, signals, parent: QWidget | None = None):
        super().__init__(db, signals, parent)
        self.tiles: dict[str, NumberTile] = {}
        self.today: dt.date | None = None  # tests pin "today"; None means the real date
        self._task = None  # the BackgroundTask counting the figures, while it runs
        self._stale = False  # data changed while counting: count again when the task ends
        self._build_ui()
        self.refresh()

    def _build_ui(self) -> None:
        self.heading = QLabel()
        set_role(self.heading, "heading")
        self.refresh_button = QPushButton("刷新")
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.refresh_button)
        self.todo_box = QGroupBox("待办与逾期")
        self.todo_grid = QGridLayout(self.todo_box)
        self.month_box = QGroupBox("本月概况")
        self.month_grid = QGridLayout(self.month_box)
        self.charts_box = QGroupBox("近 12 个月")
        self._charts_layout = QHBoxLayout(self.charts_box)
        # Places of the same size until the first figures arrive: Qt Charts loads then, after the window is up.
        self.meetings_chart = self.visits_chart = self.hours_chart = None
        self._chart_places = [self._chart_place() for _ in range(3)]
        for place in self._chart_places:
            self._charts_layout.addWidget(place, 1)  # equal thirds (a chart's size hint follows its size)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(top)
        self.start_box = EmptyState(
            "欢迎使用：第一步，把党员名册录进来",
            "工作台上的各项统计都从台账里来。先导入党员名册（已有 Excel 花名册的一次导入），"
            "再到“三会一课”登记会议、到“五必问走访”导入住户，这里的数字就会随之更新。",
            [("从 Excel 导入党员名册…", lambda: self._start_in_roster("import_button")),
             ("新增党员…", lambda: self._start_in_roster("add_button"))], parent=body)
        layout.addWidget(self.start_box)
        layout.addWidget(self.todo_box)
        layout.addWidget(self.month_box)
        layout.addWidget(self.charts_box)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.refresh_button.clicked.connect(self.refresh)

    @staticmethod
    def _chart_place() -> QWidget:
        place = ChartPlace()
        place.setMinimumHeight(px(250))
        place.setMaximumHeight(px(280))
        return place

    def _ensure_chart_views(self) -> None:
        """Put the three chart views in place of their placeholders (once)."""
        if self.meetings_chart is not None:
            return
        from PySide6.QtCharts import QChartView

        views = []
        for place in self._chart_places:
            view = QChartView()
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(px(250))
            view.setMaximumHeight(px(280))
            self._charts_layout.replaceWidget(place, view)
            place.deleteLater()
            views.append(view)
        self._chart_places = []
        self.meetings_chart, self.visits_chart, self.hours_chart = views
        # Shown and sized now, before the charts go in: a chart takes the size its view has when it is set.
        for view in views:
            view.show()
        self._charts_layout.activate()

    # Loading ---------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Count the figures in a worker: at district size they take a second, and the window must not wait."""
        on = self.today or dt.date.today()
        if self.db.path is None:  # an in-memory database cannot be opened from another thread
            self._show(count_figures(self.db, on))
            return
        if self._task is not None:
            self._stale = True
            return
        from gui.task import BackgroundTask

        if not self.tiles:
            self.heading.setText("正在统计……")
        path, operator, role = self.db.path, self.db.operator, self.db.role

        def work(progress, cancelled):
            db = open_db(path, operator=operator, role=role, create=False)
            db.conn.set_progress_handler(cancelled, 10_000)  # a cancelled count stops inside its query
            try:
                return count_figures(db, on)
            finally:
                db.close()

        self._stale = False
        self._task = BackgroundTask(work, self)
        self._task.succeeded.connect(self._on_task_succeeded)
        self._task.failed.connect(self._on_task_failed)
        self._task.start(deferred=True)  # at program start, after the window has painted

    def _on_task_succeeded(self, figures: Figures) -> None:
        self._task = None
        self._show(figures)
        self.loaded.emit()
        if self._stale:
            self.refresh()

    def _on_task_failed(self, message: str) -> None:
        self._task = None
        self.heading.setText(f"统计失败：{message.splitlines()[0]}（点“刷新”重试）")
        self.loaded.emit()

    def shutdown(self) -> None:
        """Stop counting at once (the window is closing or another database opens)."""
        task = self._task
        if task is None:
            return
        task.succeeded.disconnect(self._on_task_succeeded)
        task.failed.disconnect(self._on_task_failed)
        task.cancel()
        task.wait()
        self._task = None

    def wait_loaded(self, timeout_ms: int = 60_000) -> None:
        """Block until the figures on screen are current (tests and screenshots)."""
        if self._task is None:
            return
        self._task.start_now()  # still waiting for the window's first paint
        loop = QEventLoop()
        self.loaded.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        while self._task is not None:
            loop.exec()
        self.loaded.disconnect(loop.quit)

    def _show(self, f: Figures) -> None:
        on = f.on
        self.heading.setText(f"{f.office_name}　今天 {on.isoformat()}（星期{WEEKDAYS[on.weekday()]}）")
        self._fill(self.todo_grid, self._todo_tiles(f.alerts, f.dual_hours))
        self._fill(self.month_grid, self._month_tiles(f.street, f.month))
        self._draw_charts(f.points)
        self.start_box.show_when(f.street.members == 0)

    def _start_in_roster(self, button: str) -> None:
        show = getattr(self.window(), "show_screen", None)
        if show is not None:
            getattr(show("roster"), button).click()

    def _todo_tiles(self, a: monthly.Alerts, dual_hours: float) -> list[Tile]:
        from core.letters import format_number

        return [
            Tile("meetings_overdue", "三会一课逾期未开", str(len(a.meetings_overdue)),
                 f"{len(a.meetings_overdue_branches)} 个支部今年有未按期召开的会议" if a.meetings_overdue else "今年各期会议均按期召开",
                 "meetings", "alert" if a.meetings_overdue else "good"),
            Tile("meetings_due", "本月还需召开", str(len(a.meetings_due)), "本月到期、尚未召开的会议", "meetings"),
            Tile("probations_due", "预备期将届满", str(len(a.probations_due)),
                 f"{a.probation_days} 天内届满，需支部大会讨论转正", "roster", "alert" if a.probations_due else "normal"),
            Tile("problems_overdue", "超期未处置问题", str(len(a.problems_overdue)), "已超过办理时限",
                 "problems", "alert" if a.problems_overdue else "good"),
            Tile("problems_due_soon", "即将超时问题", str(len(a.problems_due_soon)), "剩余时限不足", "problems"),
            Tile("dual_registration_behind", "双报到服务未达标", str(len(a.dual_registration_behind)),
                 f"在职党员年度服务不足 {format_number(dual_hours)} 小时",
                 "volunteers", "alert" if a.dual_registration_behind else "good"),
        ]

    def _month_tiles(self, s: monthly.UnitMonth, month: monthly.Month) -> list[Tile]:
        from core.letters import format_number

        rate = lambda v: "—" if v is None else f"{format_number(v)}%"
        return [
            Tile("members", "在册党员", str(s.members), f"本月发展 {s.joined}、转入 {s.transferred_in}、转出 {s.transferred_out}",
                 "roster"),
            Tile("meetings_held", "本月召开会议", str(s.meetings_held), f"出席率 {rate(s.attendance_rate)}", "meetings"),
            Tile("visits", "本月入户走访", str(s.visits), f"年度覆盖率 {rate(s.coverage_ytd)}", "visits"),
            Tile("problems_opened", "本月新增问题", str(s.problems_opened),
                 f"办结 {s.problems_closed}，按时 {s.problems_closed_on_time}", "problems"),
            Tile("volunteer_hours", "本月志愿服务", f"{format_number(s.volunteer_hours)}", f"小时，活动 {s.volunteer_activities} 次",
                 "volunteers"),
            Tile("letter_score", "责任书平均得分", "—" if s.letter_score is None else format_number(s.letter_score),
                 f"{month.year} 年度，满分 100", "letters"),
        ]

    def _fill(self, grid: QGridLayout, tiles: list[Tile]) -> None:
        while grid.count():
            widget = grid.takeAt(0).widget()
            if widget is not None:
                self.tiles.pop(getattr(widget, "tile", Tile("", "", "", "", "")).key, None)
                widget.deleteLater()
        for index, tile in enumerate(tiles):
            button = NumberTile(tile)
            button.clicked.connect(lambda _checked=False, t=tile: self.open_list(t.key))
            grid.addWidget(button, index // 6, index % 6)
            self.tiles[tile.key] = button

    def _draw_charts(self, points: list[monthly.TrendPoint]) -> None:
        from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QLineSeries, QValueAxis

        self._ensure_chart_views()
        labels = [str(p.month.month) for p in points]  # "11月" does not fit under a bar at this width
        font = QFont(self.font())
        font.setPointSizeF(scaled(8))

        def chart(title: str) -> QChart:
            c = QChart()
            c.setTitle(title)
            c.setTitleFont(QFont(self.font().family(), round(scaled(10))))
            c.legend().setFont(font)
            c.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
            c.setMargins(QMargins(4, 4, 4, 4))
            c.setAnimationOptions(QChart.AnimationOption.NoAnimation)
            return c

        def axes(c: QChart, series_list, maximum: float) -> None:
            x = QBarCategoryAxis()
            x.append(labels)
            x.setLabelsFont(font)
            x.setTitleText("月份")
            x.setTitleFont(font)
            y = QValueAxis()
            y.setRange(0, max(4.0, maximum * 1.1))
            y.applyNiceNumbers()
            y.setLabelFormat("%d")
            y.setLabelsFont(font)
            c.addAxis(x, Qt.AlignmentFlag.AlignBottom)
            c.addAxis(y, Qt.AlignmentFlag.AlignLeft)
            for series in series_list:
                series.attachAxis(x)
                series.attachAxis(y)

        meetings_chart = chart("召开会议（次）")
        bars = QBarSet("三会一课")
        bars.append([float(p.meetings_held) for p in points])
        bars.setColor(QColor(CHART["red"]))
        bar_series = QBarSeries()
        bar_series.append(bars)
        meetings_chart.addSeries(bar_series)
        axes(meetings_chart, [bar_series], max((p.meetings_held for p in points), default=0))
        meetings_chart.legend().hide()
        self.meetings_chart.setChart(meetings_chart)

        visits_chart = chart("走访与问题")
        lines = []
        for name, color, values in (("走访户次", CHART["green"], [p.visits for p in points]),
                                    ("新增问题", CHART["amber"], [p.problems_opened for p in points]),
                                    ("办结问题", CHART["blue"], [p.problems_closed for p in points])):
            series = QLineSeries()
            series.setName(name)
            series.setColor(QColor(color))
            for i, value in enumerate(values):
                series.append(i, float(value))
            visits_chart.addSeries(series)
            lines.append(series)
        axes(visits_chart, lines, max((max(p.visits, p.problems_opened, p.problems_closed) for p in points), default=0))
        self.visits_chart.setChart(visits_chart)

        hours_chart = chart("志愿服务时长（小时）")
        hours = QLineSeries()
        hours.setName("服务时长")
        hours.setColor(QColor(CHART["purple"]))
        for i, p in enumerate(points):
            hours.append(i, p.volunteer_hours)
        hours_chart.addSeries(hours)
        axes(hours_chart, [hours], max((p.volunteer_hours for p in points), default=0))
        hours_chart.legend().hide()
        self.hours_chart.setChart(hours_chart)

    # Public API ------------------------------------------------------------------------------------
    def tile_value(self, key: str) -> str:
        self.wait_loaded()
        return self.tiles[key].tile.value

    def open_list(self, key: str) -> None:
        """Switch to the list behind a number, filtered to what the number counts."""
        tile = self.tiles[key].tile
        window = self.window()
        show = getattr(window, "show_screen", None)
        if show is None:
            return
        try:
            screen = show(tile.target)
        except KeyError:
            self.show_error(f"“{tile.label}”的明细所在的界面不可用。")
            return
        action = LIST_ACTIONS.get(key)
        if action is not None:
            action(screen)
        self.list_opened.emit(key, tile.target)


def _select_tab(screen: QWidget, title: str) -> None:
    for tabs in screen.findChildren(QTabWidget):
        for i in range(tabs.count()):
            if tabs.tabText(i) == title:
                tabs.setCurrentIndex(i)
                return


def _this_month() -> str:
    from core import monthly

    return monthly.month_of(dt.date.today()).code


def _meetings(tab: str, period: Callable[[], str]) -> Callable[[QWidget], None]:
    def act(screen: QWidget) -> None:
        if tab == "达标情况":
            screen.set_period(period())
        else:
            screen.set_records_period(period())
        _select_tab(screen, tab)

    return act


def _problems(state: str) -> Callable[[QWidget], None]:
    def act(screen: QWidget) -> None:
        from core import problems

        found = problems.overdue(screen.db) if state == "overdue" else problems.due_soon(screen.db)
        if found:
            screen.select_problem(found[0].id)

    return act


def _visits(screen: QWidget) -> None:
    from core import monthly

    month = monthly.month_of(dt.date.today())
    screen.set_period(month.start, month.end)
    _select_tab(screen, "覆盖率")


def _volunteers(tab: str) -> Callable[[QWidget], None]:
    def act(screen: QWidget) -> None:
        screen.set_year(dt.date.today().year)
        _select_tab(screen, tab)

    return act


# What each number filters its list to, through the target screen's public methods.
LIST_ACTIONS: dict[str, Callable[[QWidget], None]] = {
    "meetings_overdue": _meetings("达标情况", lambda: str(dt.date.today().year)),
    "meetings_due": _meetings("达标情况", _this_month),
    "meetings_held": _meetings("会议记录", _this_month),
    "probations_due": lambda screen: screen.show_probations_due(True),
    "members": lambda screen: screen.show_probations_due(False),
    "problems_overdue": _problems("overdue"),
    "problems_due_soon": _problems("due_soon"),
    "visits": _visits,
    "dual_registration_behind": _volunteers("双报到"),
    "volunteer_hours": _volunteers("活动记录"),
}
