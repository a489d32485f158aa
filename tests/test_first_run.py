"""First run: the wizard creates a database with the typed office, communities and branches."""

import pytest

from core import orgs, settings
from core.db import open_db
from core.errors import ValidationError
from core.office_setup import OfficeSetup, clean_lines, create_office
from gui.first_run import FirstRunWizard


def test_clean_lines_accepts_lines_and_chinese_separators():
    assert clean_lines("西湖社区\n 鼓楼社区 、人民街社区，西湖社区\n\n") == ["西湖社区", "鼓楼社区", "人民街社区"]


def test_street_office_gets_communities_branches_and_grids(db):
    create_office(db, OfficeSetup("城东街道党工委", "street", ["西湖社区", "鼓楼社区党委"], True, ["街道机关党支部"], 3, 2100))
    assert orgs.street(db).name == "城东街道党工委"
    assert [u.name for u in orgs.list_units(db, kind="community")] == ["西湖社区党委", "鼓楼社区党委"]
    assert sorted(u.name for u in orgs.branches(db)) == ["街道机关党支部", "西湖社区党支部", "鼓楼社区党支部"]
    assert len(orgs.list_grids(db)) == 6
    assert settings.get(db, "min_wage") == 2100 and settings.get(db, "office_name") == "城东街道党工委"
    with pytest.raises(ValidationError, match="已经建立"):
        create_office(db, OfficeSetup("再来一次", "street", ["甲社区"]))


def test_community_office_is_its_own_root(db):
    create_office(db, OfficeSetup("西湖社区", "community", [], True, [], 0, 1950))
    (root,) = orgs.children(db, None)
    assert (root.kind, root.name) == ("community", "西湖社区党委")
    assert [b.name for b in orgs.branches(db)] == ["西湖社区党支部"]
    with pytest.raises(ValidationError):
        orgs.create_unit(db, "street", "街道")


def test_nothing_is_written_when_setup_is_incomplete(db):
    with pytest.raises(ValidationError, match="至少填写一个社区"):
        create_office(db, OfficeSetup("城东街道党工委", "street", [], True, []))
    assert orgs.list_units(db) == []


def test_wizard_on_an_empty_folder_creates_the_typed_office(qtbot, tmp_path):
    path = tmp_path / "新单位" / "党建.db"
    wizard = FirstRunWizard(path)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.start_page.path_edit.text() == str(path)
    wizard.next()
    wizard.office_page.office_name.setText("城东街道党工委")
    wizard.office_page.min_wage.setValue(2000)
    wizard.next()
    wizard.tree_page.communities.setPlainText("西湖社区\n鼓楼社区\n人民街社区")
    wizard.tree_page.direct_branches.setPlainText("街道机关党支部")
    wizard.accept()
    assert wizard.db is not None
    wizard.db.close()
    db = open_db(path, create=False)
    assert [u.name for u in orgs.list_units(db, kind="community")] == ["西湖社区党委", "鼓楼社区党委", "人民街社区党委"]
    assert len(orgs.branches(db)) == 4
    db.close()


def test_wizard_demo_choice_builds_the_demo_office(qtbot, tmp_path):
    path = tmp_path / "demo.db"
    wizard = FirstRunWizard(path)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.start_page.demo_office.setChecked(True)
    wizard.accept()
    assert len(orgs.list_units(wizard.db, kind="community")) == 14
    wizard.db.close()


def test_wizard_refuses_an_existing_file_and_keeps_what_was_typed(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "exists.db"
    path.write_bytes(b"x" * 10)
    wizard = FirstRunWizard(path)
    qtbot.addWidget(wizard)
    errors = []
    monkeypatch.setattr(wizard, "show_error", errors.append)
    wizard.show()
    wizard.next()
    wizard.office_page.office_name.setText("城东街道党工委")
    wizard.accept()
    assert errors and "已存在" in errors[0]
    assert wizard.db is None and wizard.office_page.office_name.text() == "城东街道党工委"
