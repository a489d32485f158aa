"""The organisation tree and grids: what may hang where, renames, moves, refusing deletes in use."""

import pytest

from core import members, orgs, persons
from core.errors import InUseError, ValidationError


@pytest.fixture
def tree(db):
    street = orgs.create_unit(db, "street", "城区街道党工委")
    west = orgs.create_unit(db, "community", "西湖社区党委", street)
    east = orgs.create_unit(db, "community", "东盛街社区党委", street)
    branch = orgs.create_unit(db, "branch", "西湖社区党支部", west)
    group = orgs.create_unit(db, "party_group", "第一党小组", branch)
    return {"street": street, "west": west, "east": east, "branch": branch, "group": group}


def test_only_one_street_and_kinds_hang_where_they_belong(db, tree):
    with pytest.raises(ValidationError, match="只能有一个"):
        orgs.create_unit(db, "street", "另一个街道")
    with pytest.raises(ValidationError, match="党小组只能设在党支部之下"):
        orgs.create_unit(db, "party_group", "小组", tree["west"])
    with pytest.raises(ValidationError, match="社区党委只能设在街道党工委之下"):
        orgs.create_unit(db, "community", "社区", tree["branch"])
    office = orgs.create_unit(db, "branch", "街道机关党支部", tree["street"])
    assert orgs.get_unit(db, office).parent_id == tree["street"]


def test_names_are_unique_among_siblings_and_never_blank(db, tree):
    with pytest.raises(ValidationError, match="已经有名为"):
        orgs.create_unit(db, "community", "西湖社区党委", tree["street"])
    with pytest.raises(ValidationError, match="不能为空"):
        orgs.rename_unit(db, tree["west"], "  ")
    orgs.rename_unit(db, tree["west"], "西湖社区党委（新）")
    assert orgs.get_unit(db, tree["west"]).name == "西湖社区党委（新）"


def test_move_branch_between_communities_but_not_into_itself(db, tree):
    orgs.move_unit(db, tree["branch"], tree["east"])
    assert orgs.community_of(db, tree["group"]).id == tree["east"]
    with pytest.raises(ValidationError, match="自己或它的下级"):
        orgs.move_unit(db, tree["branch"], tree["group"])
    with pytest.raises(ValidationError):
        orgs.move_unit(db, tree["group"], tree["west"])


def test_delete_refused_while_members_or_children_hang_on_it(db, tree):
    members.create(db, {"name": "王小明", "id_number": "110101198001010010"}, {"branch_id": tree["branch"]})
    with pytest.raises(InUseError) as info:
        orgs.delete_unit(db, tree["branch"])
    message = str(info.value)
    assert "党员 1 条" in message and "下级组织 1 条" in message
    with pytest.raises(InUseError, match="下级组织"):
        orgs.delete_unit(db, tree["street"])
    orgs.delete_unit(db, tree["east"])  # nothing hangs on it
    assert [u.id for u in orgs.list_units(db, kind="community")] == [tree["west"]]


def test_grids_belong_to_communities_and_are_refused_deletion_in_use(db, tree):
    worker = persons.create(db, name="网格员甲")
    grid = orgs.create_grid(db, tree["west"], "第一网格", worker)
    with pytest.raises(ValidationError, match="网格只能设在社区之下"):
        orgs.create_grid(db, tree["branch"], "错网格")
    with pytest.raises(ValidationError, match="已经有名为"):
        orgs.create_grid(db, tree["west"], "第一网格")
    assert orgs.get_grid(db, grid).worker_name == "网格员甲"
    members.create(db, {"name": "李四", "id_number": "110101199002020020"}, {"branch_id": tree["branch"], "grid_id": grid})
    with pytest.raises(InUseError, match="党员 1 条"):
        orgs.delete_grid(db, grid)
    with pytest.raises(InUseError, match="网格 1 条"):
        orgs.delete_unit(db, tree["west"])
    orgs.update_grid(db, grid, name="一网格", community_id=tree["east"])
    assert orgs.get_grid(db, grid).community_id == tree["east"]


def test_counts_include_everything_below(db, tree):
    members.create(db, {"name": "王小明", "id_number": "110101198001010010"}, {"branch_id": tree["branch"], "party_group_id": tree["group"]})
    orgs.create_grid(db, tree["west"], "第一网格")
    counts = orgs.unit_counts(db, tree["street"])
    assert (counts.members, counts.grids, counts.children) == (1, 1, 2)
    assert orgs.unit_path(db, tree["group"]) == "城区街道党工委 / 西湖社区党委 / 西湖社区党支部 / 第一党小组"


def test_member_counts_roll_up_the_tree(demo_db):
    counts = orgs.member_counts(demo_db)
    for unit in orgs.list_units(demo_db):
        if unit.kind != "party_group":
            assert counts[unit.id] == orgs.unit_counts(demo_db, unit.id).members, unit.name
    street = orgs.street(demo_db)
    on_roster = members.count_members(demo_db, members.MemberQuery())
    assert counts[street.id] == on_roster


def test_member_counts_leave_out_members_no_longer_on_the_roster(demo_db):
    from core import audit

    street = orgs.street(demo_db)
    before = orgs.member_counts(demo_db)[street.id]
    member_id = demo_db.execute("SELECT id FROM member WHERE status = '正常' LIMIT 1").fetchone()[0]
    audit.update(demo_db, "member", member_id, {"status": "转出"})
    assert orgs.member_counts(demo_db)[street.id] == before - 1
    assert orgs.unit_counts(demo_db, street.id).members == before - 1
