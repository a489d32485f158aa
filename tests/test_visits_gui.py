"""The 五必问走访 and 问题台账 screens driven as a user would (pytest-qt, offscreen)."""

from __future__ import annotations

import datetime as dt

import pytest

from core import households, orgs, persons, problems, visits
from gui.app import AppSignals
from gui.problems_screen import ProblemsScreen
from gui.visits_screen import VisitsScreen


@pytest.fixture
def office(db):
    street = orgs.create_unit(db, "street", "测试街道")
    community = orgs.create_unit(db, "community", "西湖社区", street)
    grid = orgs.create_grid(db, community, "第一网格")
    cadre = persons.create(db, name="王建国", phone="13900000001")
    tag = households.tag_ids_by_name(db)["独居老人"]
    hid = households.create(db, {"grid_id": grid, "estate": "西湖小区", "building": "3", "unit": "2", "room": "501",
                                 "head_name": "单丽", "people_count": 1, "cadre_person_id": cadre, "tag_ids": [tag]})
    return {"grid": grid, "cadre": cadre, "household": hid}


@pytest.fixture
def screens(qtbot, db, office):
    signals = AppSignals()
    visit_screen = VisitsScreen(db, signals)
    problem_screen = ProblemsScreen(db, signals)
    for screen in (visit_screen, problem_screen):
        qtbot.addWidget(screen)
        screen.errors = []
        screen.show_error = screen.errors.append
        screen.show_info = lambda _m: None
        screen.confirm = lambda _m: True
        screen.preview_pdf = lambda _p: None
    return visit_screen, problem_screen


def test_visit_with_problem_found_through_to_closed(qtbot, db, office, screens):
    visit_screen, problem_screen = screens
    matches = visit_screen.search_households("shanli")  # pinyin of the head's name
    assert [h.id for h in matches] == [office["household"]]
    visit_screen.pick_household(office["household"])
    assert visit_screen.visitors_edit.text() == "王建国"  # the 包片 cadre by default
    for no in (1, 2, 3, 4):
        visit_screen.item_rows[no - 1].buttons["无异常"].click()
    row = visit_screen.item_rows[4]
    row.buttons["发现问题"].click()
    assert row.text_edit.isEnabled() and not visit_screen.item_rows[0].text_edit.isEnabled()
    row.text_edit.setText("单元门禁损坏，老人进出不便")
    visit_screen.ask_item = lambda _t, _l, items: items[0]  # severity 一般
    with qtbot.waitSignal(visit_screen.problem_created, timeout=2000) as created:
        row.problem_button.click()
    problem_id = created.args[0]
    assert visit_screen.errors == []
    visit = visits.list_visits(db, household_id=office["household"])[0]
    assert visit.complete and visit.items[4].problem_ids == (problem_id,)
    assert row.problem_button.text().startswith("已生成")
    p = problems.get(db, problem_id)
    assert (p.source, p.severity, p.stage, p.household_id) == ("走访", "一般", "发现", office["household"])

    # The problem board got the change through the app-wide signal; walk it to 办结.
    assert problem_screen.select_problem(problem_id)
    steps = [
        dict(stage="研判", text="门禁故障影响独居老人，按一般问题处理"),
        dict(stage="分类", category="物业管理", responsible="王建国"),
        dict(stage="处置", text="联系物业更换门禁读卡器"),
        dict(stage="反馈", satisfaction="满意"),
        dict(stage="办结"),
    ]
    for step in steps:
        assert problem_screen.next_stage.currentText() == step["stage"]
        problem_screen.fill_step(person="王建国", **step)
        with qtbot.waitSignal(problem_screen.step_recorded, timeout=2000):
            problem_screen.step_submit.click()
        assert problem_screen.errors == []
    p = problems.get(db, problem_id)
    assert p.stage == "办结" and p.satisfaction == "满意" and p.category == "物业管理"
    assert p.responsible_name == "王建国" and p.handled_on_time
    assert [s.stage for s in problems.steps(db, problem_id)] == list(problems.STAGES)
    assert not problem_screen.step_box.isEnabled()  # closed: nothing more to record


def test_skipping_a_stage_is_refused_on_screen(qtbot, db, office, screens):
    _, problem_screen = screens
    pid = problems.create(db, title="楼道灯不亮", source="网格巡查", severity="一般", grid_id=office["grid"],
                          found_by_person_id=office["cadre"])
    problem_screen.refresh()
    problem_screen.select_problem(pid)
    assert [problem_screen.next_stage.itemText(i) for i in range(problem_screen.next_stage.count())] == ["研判"]
    problem_screen.next_stage.addItem("办结")  # even if a stage were offered out of order, core refuses it
    problem_screen.fill_step("办结", "王建国")
    assert not problem_screen.submit_step()
    assert "下一步应是“研判”" in problem_screen.errors[-1]
    assert problems.get(db, pid).stage == "发现"


def test_incomplete_visit_is_flagged_and_can_be_completed(qtbot, db, office, screens):
    visit_screen, _ = screens
    visit_screen.pick_household(office["household"])
    visit_screen.set_item(1, "无异常")
    visit_screen.set_item(4, "有情况", "与邻居有口角，已劝解")
    visit_screen.note_edit.insert("住户反映楼道灯不亮")  # typed: closing now would lose it
    assert visit_screen.unsaved_input()
    visit_id = visit_screen.save_visit()
    assert not visit_screen.unsaved_input()  # saved: nothing to lose
    assert visit_id and "未问完" in visit_screen.form_status.text() and "2、3、5" in visit_screen.form_status.text()
    assert not visits.get_visit(db, visit_id).complete
    visit_screen.open_visit(visit_id)
    visit_screen.all_clear_button.click()
    assert visit_screen.save_visit() == visit_id
    assert visits.get_visit(db, visit_id).complete
    assert "五项均已问完" in visit_screen.form_status.text()


def test_visit_form_keeps_input_on_error(qtbot, db, office, screens):
    visit_screen, _ = screens
    visit_screen.pick_household(office["household"])
    visit_screen.set_item(2, "发现问题")  # no text
    assert visit_screen.save_visit() is None
    assert "请简要写明" in visit_screen.errors[-1]
    assert visit_screen.item_rows[1].finding() == "发现问题"
    assert db.execute("SELECT count(*) FROM home_visit").fetchone()[0] == 0


def test_household_form_and_coverage(qtbot, db, office, screens):
    visit_screen, _ = screens
    values = {"grid_id": office["grid"], "estate": "西湖小区", "building": "3号楼", "unit": "2单元", "room": "501室",
              "head_name": "张三", "people_count": 2, "cadre_person_id": None, "cadre_name": "李四", "tag_ids": []}
    assert not visit_screen.save_household(values)  # same address as the fixture's household
    assert "已经登记过" in visit_screen.errors[-1]
    values["room"] = "502"
    assert visit_screen.save_household(values)
    new = visit_screen.selected_household()
    assert new.address == "西湖小区3号楼2单元502室" and new.cadre_name == "李四"
    visits.save_visit(db, office["household"], dt.date.today(), [office["cadre"]],
                      [{"item_no": n, "finding": "无异常"} for n in range(1, 6)])
    visit_screen.changed("visits")
    visit_screen.set_period(dt.date.today().replace(month=1, day=1), dt.date.today())
    rows = visit_screen.coverage_rows()
    assert [(r.grid_name, r.coverage.households, r.coverage.visited, r.coverage.percent) for r in rows] == [
        ("第一网格", 2, 1, 50.0)]
    assert [d.household_id for d in visit_screen.due_model.rows()] == [new.id]


def test_board_shows_overdue_first_in_red(qtbot, db, office, screens):
    _, problem_screen = screens
    now = problems.now()
    fresh = problems.create(db, title="新问题", source="12345热线", severity="复杂", grid_id=office["grid"],
                            found_by_person_id=office["cadre"], found_at=now - dt.timedelta(minutes=5))
    late = problems.create(db, title="超时问题", source="12345热线", severity="一般", grid_id=office["grid"],
                           found_by_person_id=office["cadre"], found_at=now - dt.timedelta(hours=3))
    problem_screen.refresh()
    rows = problem_screen.board_rows()
    numbers = {pid: problems.get(db, pid).number for pid in (fresh, late)}
    assert rows[0][:2] == ("发现", numbers[late]) and rows[0][2] == "#fde2e1"
    assert rows[1][:2] == ("发现", numbers[fresh]) and rows[1][2] == ""
    assert "超时未处置 1 件" in problem_screen.summary.text()
    problem_screen.urgent_only.setChecked(True)
    assert [r[1] for r in problem_screen.board_rows()] == [numbers[late]]


def test_prints_and_exports_run_in_the_background(qtbot, db, office, screens, tmp_path):
    visit_screen, problem_screen = screens
    problems.create(db, title="楼道灯不亮", source="网格巡查", severity="一般", grid_id=office["grid"],
                    found_by_person_id=office["cadre"])
    previews = []
    visit_screen.preview_pdf = previews.append
    for ids in (None, [office["household"]]):
        with qtbot.waitSignal(visit_screen.file_written, timeout=20000) as written:
            visit_screen.print_visit_sheets(ids)
        assert written.args[0].endswith(".pdf") and previews[-1].exists()
    with qtbot.waitSignal(problem_screen.file_written, timeout=20000) as written:
        problem_screen.print_ledger()
    assert written.args[0].endswith(".pdf")
    with qtbot.waitSignal(problem_screen.file_written, timeout=20000):
        problem_screen.export_problems(str(tmp_path / "问题"))
    assert (tmp_path / "问题.xlsx").exists()
    visits.save_visit(db, office["household"], dt.date.today(), [office["cadre"]],
                      [{"item_no": n, "finding": "无异常"} for n in range(1, 6)])
    with qtbot.waitSignal(visit_screen.file_written, timeout=20000):
        visit_screen.export_visits(str(tmp_path / "走访.xlsx"))
    from core.visits_export import read_back

    assert len(read_back(tmp_path / "走访.xlsx")) == 2
    assert visit_screen.errors == [] and problem_screen.errors == []


def test_screens_in_main_window_with_demo(qtbot, demo_db):
    from gui.main_window import MainWindow

    window = MainWindow(demo_db)
    qtbot.addWidget(window)
    visits_screen = window.show_screen("visits")
    problems_screen = window.show_screen("problems")
    assert visits_screen.household_model.rowCount() == 0  # tabs behind load when first shown
    visits_screen.tabs.setCurrentIndex(1)
    assert visits_screen.household_model.rowCount() > 0
    assert len(visits_screen.coverage_rows()) == 112
    assert any(stage == "发现" for stage, _, _ in problems_screen.board_rows())


def test_background_work_can_be_cancelled(qtbot, db):
    from gui.task import BackgroundTask
    from gui.visits_widgets import db_work

    def work(job_db, progress):
        for n in range(1000):
            progress(n, 1000)
        return "finished"

    task = BackgroundTask(db_work(db.path, work))
    task.cancel()
    with qtbot.waitSignal(task.failed, timeout=5000) as failed:
        task.start()
    assert "已取消" in failed.args[0]
    task.wait()


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_households_imported_through_the_wizard(qtbot, db, office, screens, tmp_path):
    from openpyxl import Workbook

    visit_screen, _ = screens
    wb = Workbook()
    ws = wb.active
    ws.append(["网格", "住址", "户主", "电话", "人数", "特殊群体", "包片干部"])
    ws.append(["第一网格", "新苑小区1号楼1单元101室", "张大山", "13912340001", 3, "低保户", "王建国"])
    ws.append(["第一网格", "新苑小区1号楼1单元102室", "李小花", "13912340002", 1, "独居老人", "王建国"])
    wb.save(tmp_path / "住户.xlsx")
    wizard = visit_screen.open_import()
    wizard.confirm = lambda _m: True
    wizard.path_edit.setText(str(tmp_path / "住户.xlsx"))
    with qtbot.waitSignal(wizard.source_loaded, timeout=20000):
        wizard.next_button.click()
    with qtbot.waitSignal(wizard.preview_ready, timeout=20000):
        wizard.next_button.click()
    with qtbot.waitSignal(wizard.imported, timeout=30000) as done:
        wizard.next_button.click()
    assert done.args[0].created == 2
    assert [h.head_name for h in households.search(db, "新苑小区")] == ["张大山", "李小花"]
    visit_screen.tabs.setCurrentIndex(1)  # the households tab reloaded on the app-wide signal
    assert visit_screen.household_model.rowCount() == 3
    wizard.close()


def test_delete_visit_from_household_view_and_enter_picks(qtbot, db, office, screens):
    visit_screen, _ = screens
    visit_screen.search_edit.setText("西湖小区3号楼")
    visit_screen.search_edit.returnPressed.emit()
    assert visit_screen.household_id == office["household"]
    visit_screen._on_all_clear_button_clicked()
    visit_id = visit_screen.save_visit()
    visit_screen.tabs.setCurrentIndex(1)
    visit_screen.select_household(office["household"])
    visit_screen.history_table.setCurrentIndex(visit_screen.history_table.model().index(0, 0))
    assert visit_screen.delete_selected_visit()
    assert visits.list_visits(db, household_id=office["household"]) == []
    assert visit_screen.visit_id is None and visit_id


def test_household_dialog_keeps_what_was_typed_on_error(qtbot, db, office, screens):
    from gui.household_dialog import HouseholdDialog

    visit_screen, _ = screens
    dialog = HouseholdDialog(db, None, lambda v: visit_screen.save_household(v), default_grid_id=office["grid"])
    qtbot.addWidget(dialog)
    visit_screen._active_dialog = dialog
    dialog.estate_edit.setText("西湖小区")
    dialog.building_edit.setText("3")
    dialog.unit_edit.setText("2")
    dialog.room_edit.setText("501")  # taken by the fixture's household
    dialog.head_edit.setText("赵六")
    dialog.tag_checks[households.tag_ids_by_name(db)["低保户"]].setChecked(True)
    dialog._on_buttons_accepted()
    assert "已经登记过" in dialog.error_label.text() and dialog.result() == 0
    assert dialog.head_edit.text() == "赵六" and dialog.room_edit.text() == "501"
    dialog.room_edit.setText("502")
    dialog._on_buttons_accepted()
    assert dialog.result() == 1
    assert households.search(db, "赵六")[0].tags == ("低保户",)


def test_a_viewer_may_look_but_not_record(qtbot, db, office, screens):
    from core import access

    visit_screen, problem_screen = screens
    access.create_operator(db, "管理员甲", "mima12345", access.ADMIN)
    access.login(db, "管理员甲", "mima12345")
    access.create_operator(db, "查看乙", "mima12345", access.VIEWER)
    pid = problems.create(db, title="楼道灯不亮", source="网格巡查", severity="一般", grid_id=office["grid"],
                          found_by_person_id=office["cadre"])
    access.login(db, "查看乙", "mima12345")
    visit_screen.pick_household(office["household"])
    visit_screen._on_all_clear_button_clicked()
    assert visit_screen.save_visit() is None
    assert "查看" in visit_screen.errors[-1]
    assert db.execute("SELECT count(*) FROM home_visit").fetchone()[0] == 0
    problem_screen.refresh()
    problem_screen.select_problem(pid)
    problem_screen.fill_step("研判", "王建国", "一般问题")
    assert not problem_screen.submit_step()
    assert problems.get(db, pid).stage == "发现"


def test_board_refresh_keeps_the_step_being_typed(qtbot, db, office, screens):
    _, problem_screen = screens
    pid = problems.create(db, title="楼道灯不亮", source="网格巡查", severity="一般", grid_id=office["grid"],
                          found_by_person_id=office["cadre"])
    problem_screen.refresh()
    problem_screen.select_problem(pid)
    problem_screen.step_text.setPlainText("正在写研判意见")
    problem_screen.clock.timeout.emit()  # the minute tick
    assert problem_screen.selected_problem_id() == pid
    assert problem_screen.step_text.toPlainText() == "正在写研判意见"
