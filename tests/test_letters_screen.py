"""责任书 screen: manual entries move the progress, ratings and pay table, template editing, batch PDFs in a worker."""

from __future__ import annotations

import datetime as dt

from core import letters, orgs, star_rating
from gui.app import AppSignals
from gui.letters_screen import LettersScreen


def make_screen(qtbot, db) -> LettersScreen:
    signals = AppSignals()
    screen = LettersScreen(db, signals)
    qtbot.addWidget(screen)
    screen.errors = []
    screen.show_error = screen.errors.append
    screen.show_info = lambda message: None
    screen.confirm = lambda message: True
    return screen


def test_manual_entry_updates_item_progress_and_score(qtbot, demo_db):
    screen = make_screen(qtbot, demo_db)
    community = orgs.list_units(demo_db, kind="community")[2]
    assert screen.select_community(community.id)
    manual = next(p for p in screen.item_rows() if p.item.is_manual)
    assert screen.select_item(manual.item.id)
    screen.ask_manual_entry = lambda item, day: (item.target / 2, dt.date.today(), "年中检查")
    screen.manual_button.click()
    assert screen.errors == []
    after = next(p for p in screen.item_rows() if p.item.id == manual.item.id)
    assert after.progress == 0.5 and after.measured == manual.item.target / 2
    expected = letters.letter_progress(demo_db, after.item.letter_id, dt.date.today()).score
    assert screen.current_progress().score == expected
    assert "年中检查" in letters.manual_entries(demo_db, manual.item.id)[0].note
    assert f"{letters.format_number(screen.current_progress().score)} 分" in screen.score_label.text()


def test_measured_item_refuses_manual_entry(qtbot, demo_db):
    screen = make_screen(qtbot, demo_db)
    infos = []
    screen.show_info = infos.append
    measured = next(p for p in screen.item_rows() if not p.item.is_manual)
    screen.select_item(measured.item.id)
    screen.ask_manual_entry = lambda item, day: (1, dt.date.today(), "")
    screen.manual_button.click()
    assert infos and "自动统计" in infos[0]


def test_ratings_from_scores_and_manual_with_pay_table(qtbot, demo_db):
    screen = make_screen(qtbot, demo_db)
    screen.rate_button.click()
    rows = screen.rating_rows()
    assert all(r.stars for r in rows)
    first = rows[0]
    screen.select_rating(first.community_id)
    screen.ask_manual_rating = lambda name: (5, "获评市级五星级党组织")
    screen.manual_rating_button.click()
    row = next(r for r in screen.rating_rows() if r.community_id == first.community_id)
    assert (row.stars, row.source, row.monthly_base_pay, row.service_fund) == (5, "manual", 5850, 180000)
    assert "获评市级五星级党组织" in star_rating.get_rating(demo_db, first.community_id, dt.date.today().year).reason
    table = star_rating.implications(demo_db, dt.date.today().year)
    assert f"{table.total_funding:,}" in screen.rating_total_label.text()
    screen.ask_text = lambda title, label, text="": "5200"
    screen.households_button.click()
    row = next(r for r in screen.rating_rows() if r.community_id == first.community_id)
    assert row.households == 5200 and row.office_funding == 100000


def test_template_item_added_and_applied_to_a_new_year(qtbot, demo_db):
    screen = make_screen(qtbot, demo_db)
    screen.ask_item_values = lambda title, initial: {
        "category": "阵地建设", "task": "建设红色书屋", "standard": "年内建成并开放", "target": 1, "unit": "个",
        "weight": 4, "measure_code": "manual", "direction": "at_least", "capped": True}
    screen.add_template_button.click()
    assert any(i.task == "建设红色书屋" for i in letters.template_items(demo_db))
    next_year = dt.date.today().year + 1
    screen.set_year(next_year)
    screen.apply_button.click()
    assert screen.errors == []
    assert len(screen.letters_model.rows()) == 14
    assert any(p.item.task == "建设红色书屋" for p in screen.item_rows())


def test_batch_pdfs_in_worker(qtbot, demo_db, tmp_path):
    screen = make_screen(qtbot, demo_db)
    ids = screen.checked_community_ids()[:3]
    with qtbot.waitSignal(screen.batch_finished, timeout=60000) as blocker:
        screen.start_batch(tmp_path, ids)
    paths = blocker.args[0]
    assert len(paths) == 4 and all(p.endswith(".pdf") for p in paths)
    assert len(list(tmp_path.glob("*.pdf"))) == 4
    assert "合订本" in screen.batch_status.text() or "已生成" in screen.batch_status.text()
