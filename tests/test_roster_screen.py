"""党员名册 screen: the form fills birth date and gender from the ID number, search, filters, events, printing."""

import datetime as dt
import random
import subprocess

import pytest
from PySide6.QtCore import Qt

from core import idcard, members, orgs, pinyin, settings
from core.members import MemberQuery
from gui.app import AppSignals
from gui.roster_screen import COLUMN_KEYS, RosterScreen

# The offscreen platform warns when any top-level dialog is shown; it says nothing about our code.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def screen(qtbot, demo_db):
    view = RosterScreen(demo_db, AppSignals())
    qtbot.addWidget(view)
    view.errors_shown = []
    view.show_error = view.errors_shown.append
    view.show_info = lambda message: None
    view.confirm = lambda message: True
    view.previewed = []
    view.preview_pdf = view.previewed.append
    return view


def fake_id(birth: dt.date, gender: str) -> str:
    return idcard.make_fake(random.Random(99), "640181", birth, gender)


def test_form_fills_birth_and_gender_saves_and_is_found_by_initials(screen):
    dialog = screen.open_member_dialog()
    form = dialog.form
    form.name.setText("钱多多")
    number = fake_id(dt.date(1980, 5, 6), "女")
    form.id_number.setText(number[:10])
    assert "还差 8 位" in form.error_text("id_number")
    form.id_number.setText(number)
    assert form.birth_date.text() == "1980-05-06"
    assert form.gender.currentText() == "女"
    assert form.birth_date.isReadOnly() and not form.gender.isEnabled()
    branch = orgs.branches(screen.db)[0]
    form.set_values(branch_id=branch.id, person_type="在职", join_date="2010.7.1", full_date="2011年7月1日")
    member_id = dialog.save()
    assert member_id is not None and not dialog.isVisible()
    saved = members.get(screen.db, member_id)
    assert (saved.birth_date, saved.gender, saved.join_date, saved.full_date) == (
        "1980-05-06", "女", "2010-07-01", "2011-07-01")
    screen.search("qdd")
    assert "钱多多" in screen.shown_names()
    screen.search("qianduo")
    assert "钱多多" in screen.shown_names()
    assert screen.selected_member_id() is not None


def test_bad_input_is_shown_beside_the_field_and_nothing_is_lost(screen):
    dialog = screen.open_member_dialog()
    form = dialog.form
    form.name.setText("孙错")
    number = fake_id(dt.date(1975, 1, 2), "男")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    form.id_number.setText(wrong)
    assert "校验位" in form.error_text("id_number")
    form.id_number.setText(number)
    form.phone.setText("1391234")
    assert "已输入 7 位" in form.error_text("phone")
    form.phone.setText("139123456789")
    assert "格式不对" in form.error_text("phone")
    form.phone.setText("13912345678")
    assert form.error_text("phone") == ""
    form.set_values(branch_id=orgs.branches(screen.db)[0].id, join_date="2030-01-01")
    assert "不能晚于今天" in form.error_text("join_date")
    form.set_values(join_date="1980-01-01")  # before the 18th birthday
    count = members.count_members(screen.db)
    assert dialog.save() is None
    assert "18 周岁" in form.error_text("join_date")
    assert dialog.isVisible()
    assert (form.name.text(), form.id_number.text(), form.phone.text()) == ("孙错", number, "13912345678")
    assert members.count_members(screen.db) == count
    form.set_values(join_date="2000-01-01", full_date="2001-01-01")
    assert dialog.save() is not None


def test_edit_keeps_the_member_and_changes_fields(screen):
    member_id = screen.selected_member_id()
    dialog = screen.open_member_dialog(member_id)
    assert dialog.form.name.text() == members.get(screen.db, member_id).name
    dialog.form.set_values(work_unit="社区居委会主任")
    assert dialog.save() == member_id
    assert members.get(screen.db, member_id).work_unit == "社区居委会主任"


def test_search_by_fragments_and_filters(screen):
    target = members.query_members(screen.db, limit=1, offset=57)[0]
    screen.search(target.id_number[-6:])
    assert target.name in screen.shown_names()
    screen.search(target.phone[-5:])
    assert target.name in screen.shown_names()
    screen.search("")
    screen.branch_filter.setCurrentIndex(screen.branch_filter.findData(target.branch_id))
    screen.apply_filters()
    expected = members.count_members(screen.db, MemberQuery(branch_id=target.branch_id))
    assert screen.model.rowCount() == expected
    assert f"共 {expected} 名党员" == screen.count_label.text()
    screen.grid_filter.setCurrentIndex(screen.grid_filter.findData("none"))
    screen.apply_filters()
    assert all(screen.model.member_at(r).grid_id is None for r in range(screen.model.rowCount()))


def test_sorting_happens_over_all_rows(screen):
    screen.table.sortByColumn(COLUMN_KEYS.index("age"), Qt.SortOrder.DescendingOrder)
    ages = [screen.model.member_at(r).age() for r in range(screen.model.rowCount())]
    assert ages == sorted(ages, reverse=True)
    screen.table.sortByColumn(COLUMN_KEYS.index("name"), Qt.SortOrder.AscendingOrder)
    keys = [pinyin.name_keys(screen.model.member_at(r).name)[0] for r in range(screen.model.rowCount())]
    assert keys == sorted(keys)


def test_table_masks_until_a_row_is_revealed(screen):
    member_id = screen.selected_member_id()
    member = members.get(screen.db, member_id)
    row = screen.model.row_of(member_id)
    id_column = COLUMN_KEYS.index("id_number")
    assert screen.model.index(row, id_column).data() == idcard.mask(member.id_number)
    screen._on_reveal_button_clicked()
    assert screen.model.index(row, id_column).data() == member.id_number
    assert screen.reveal_button.text() == "隐藏完整信息"
    assert member.id_number in screen.detail_label.text()
    screen._on_reveal_button_clicked()
    assert screen.model.index(row, id_column).data() == idcard.mask(member.id_number)


def test_reminder_strip_filters_to_probations_ending_soon(screen):
    assert not screen.reminder.isHidden()
    screen.reminder_button.click()
    shown = [screen.model.member_at(r) for r in range(screen.model.rowCount())]
    assert shown and len(shown) == screen.reminder_due
    limit = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert "30 天内届满" in screen.reminder_label.text()
    assert all(m.category == "预备党员" and m.probation_due() <= limit for m in shown)
    screen.reminder_button.click()
    assert screen.model.rowCount() > len(shown)


def test_event_dialog_transfer_out_removes_from_roster(screen):
    member_id = screen.selected_member_id()
    dialog = screen.open_event_dialog(member_id)
    dialog.select_kind("transfer_out")
    assert dialog.save() is None
    assert "转往的党组织" in dialog.errors["other_org"].text()
    dialog.other_org.setText("银川市兴庆区某党支部")
    assert dialog.save() is not None
    assert members.get(screen.db, member_id).status == "转出"
    assert screen.model.row_of(member_id) == -1


def test_column_chooser_hides_and_remembers(screen):
    column = COLUMN_KEYS.index("address")
    screen.set_column_visible("address", True)
    assert not screen.table.isColumnHidden(column)
    assert "address" not in settings.get(screen.db, "roster_hidden_columns")
    screen.set_column_visible("address", False)
    assert screen.table.isColumnHidden(column)
    assert "address" in settings.get(screen.db, "roster_hidden_columns")


def test_print_roster_in_background_and_preview(screen, qtbot):
    branch = orgs.branches(screen.db)[0]
    with qtbot.waitSignal(screen.pdf_ready, timeout=30000) as blocker:
        screen.print_roster([branch.id])
    path = blocker.args[0]
    assert screen.previewed == [path]
    text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True).stdout
    assert "公民身份号码" in text and branch.name in text
    first = members.query_members(screen.db, MemberQuery(branch_id=branch.id), limit=1)[0]
    assert first.name in text and first.id_number not in text


def test_registered_in_main_window(qtbot, demo_db):
    from gui.main_window import MainWindow

    window = MainWindow(demo_db)
    qtbot.addWidget(window)
    screen = window.show_screen("roster")
    assert window.nav.item(1).text() == "党员名册"  # after 工作台, which design.md puts first
    assert screen.model.rowCount() == members.count_members(demo_db)


def test_join_year_band_and_new_person_type(screen):
    year = dt.date.today().year
    screen.join_filter.setCurrentIndex(1)  # 入党满 50 年
    screen.apply_filters()
    shown = [screen.model.member_at(r) for r in range(screen.model.rowCount())]
    assert shown and all(m.join_date <= f"{year - 50}-12-31" for m in shown)
    assert screen.add_lookup("person_type", "个体经营")
    assert screen.type_filter.findData("个体经营") >= 0
    assert not screen.add_lookup("person_type", "个体经营")
    assert "已经存在" in screen.errors_shown[-1]
    assert len(screen.current_member_ids()) == screen.model.rowCount()


def test_new_member_transferred_in(screen):
    dialog = screen.open_member_dialog()
    form = dialog.form
    form.name.setText("韩转来")
    form.id_number.setText(fake_id(dt.date(1979, 9, 9), "男"))
    form.set_values(branch_id=orgs.branches(screen.db)[0].id, join_date="2003-07-01", full_date="2004-07-01",
                    entry="transfer_in", transfer_date="2025-01-10")
    assert dialog.save() is None
    assert "转入前所在党组织" in form.error_text("transfer_org")
    assert form.name.text() == "韩转来"
    form.transfer_org.setText("吴忠市利通区某党支部")
    member_id = dialog.save()
    assert member_id is not None
    assert "组织关系转入（来自 吴忠市利通区某党支部）" in [screen.history.item(r, 1).text()
                                                     for r in range(screen.history.rowCount())]


def test_empty_database_says_what_to_do(qtbot, db):
    view = RosterScreen(db, AppSignals())
    qtbot.addWidget(view)
    errors = []
    view.show_error = errors.append
    assert view.model.rowCount() == 0 and view.reminder.isHidden()
    assert "没有符合条件" in view.detail_label.text()
    view.add_button.click()
    assert "组织机构" in errors[-1]
