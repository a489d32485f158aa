"""A new office's screens say what to do first, with a button that does it; the card goes once records exist."""

import pytest

from core import households, members, orgs
from core.office_setup import OfficeSetup, create_office
from gui.main_window import MainWindow


@pytest.fixture
def new_office(qtbot, db):
    create_office(db, OfficeSetup("城东街道党工委", "street", ["东湖社区", "南山社区"], grids_per_community=2))
    window = MainWindow(db, remember_layout=False)
    qtbot.addWidget(window)
    window.show()
    return window


def spy_on(button) -> list[bool]:
    """Replace what a screen button does with a record of its clicks (no dialog opens in the test)."""
    clicks: list[bool] = []
    button.clicked.disconnect()
    button.clicked.connect(lambda *_: clicks.append(True))
    return clicks


# (screen, card attribute, screen button each card button must press, in order)
CARDS = [
    ("roster", "empty_state", ["import_button", "add_button"]),
    ("meetings", "empty_state", ["new_button"]),
    ("problems", "empty_state", ["new_button"]),
    ("volunteers", "empty_state", ["import_button", "new_team_button"]),
    ("letters", "empty_state", ["apply_button"]),
]


@pytest.mark.parametrize("key, card, buttons", CARDS)
def test_empty_screen_says_where_to_start_and_its_buttons_do_it(new_office, key, card, buttons):
    screen = new_office.show_screen(key)
    hint = getattr(screen, card)
    assert hint.isVisible()
    assert hint.title.text().startswith(("还没有", "本年度还没有"))
    for hint_button, name in zip(hint.buttons, buttons):
        clicks = spy_on(getattr(screen, name))
        hint_button.click()
        assert clicks == [True], (key, hint_button.text())


def test_letters_card_also_opens_the_template(new_office):
    screen = new_office.show_screen("letters")
    screen.empty_state.buttons[1].click()
    assert screen.tabs.tabText(screen.tabs.currentIndex()) == "责任书模板"


def test_visits_cards_lead_to_the_households_tab(new_office):
    screen = new_office.show_screen("visits")
    assert screen.empty_states[0].isVisible()
    clicks = spy_on(screen.h_import)
    screen.empty_states[0].buttons[0].click()
    assert screen.tabs.currentIndex() == 1 and clicks == [True]
    assert screen.empty_states[1].isVisible()


def test_dashboard_welcome_leads_to_the_roster(new_office):
    dashboard = new_office.show_screen("dashboard")
    dashboard.wait_loaded()
    assert dashboard.start_box.isVisible()
    roster = new_office.screen("roster")
    clicks = spy_on(roster.add_button)
    dashboard.start_box.buttons[1].click()
    assert clicks == [True]
    assert new_office.current_screen() is roster


def test_cards_go_once_there_are_records(new_office):
    db = new_office.db
    branch = orgs.branches(db)[0]
    community = orgs.list_units(db, kind="community")[0]
    roster = new_office.show_screen("roster")
    assert roster.empty_state.isVisible()
    members.create(db, {"name": "周强"}, {"branch_id": branch.id, "join_date": "2001-07-01", "full_date": "2002-07-01"})
    roster.changed("members")
    assert not roster.empty_state.isVisible()
    dashboard = new_office.show_screen("dashboard")
    dashboard.wait_loaded()
    assert not dashboard.start_box.isVisible()

    visits = new_office.show_screen("visits")
    assert visits.empty_states[0].isVisible()
    grid = orgs.list_grids(db, community.id)[0].id
    households.create(db, {"grid_id": grid, "estate": "东湖小区", "building": "1", "unit": "1", "room": "101",
                           "head_name": "单丽", "people_count": 2})
    visits.changed("visits")  # what the households tab emits after a save
    assert not any(hint.isVisible() for hint in visits.empty_states)
