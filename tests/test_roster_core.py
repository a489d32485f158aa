"""Members: lookups as data, life-cycle rules, derived dates, queries and search."""

import datetime as dt
import random

import pytest

from core import idcard, member_events, members, orgs
from core.errors import ValidationError
from core.members import MemberQuery

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def _today():
    """Each test's own today: a run that crosses midnight must not compare against yesterday."""
    global TODAY
    TODAY = dt.date.today()


@pytest.fixture
def tree(db):
    street = orgs.create_unit(db, "street", "测试街道党工委")
    community = orgs.create_unit(db, "community", "西湖社区党委", street)
    branch = orgs.create_unit(db, "branch", "西湖社区党支部", community)
    other = orgs.create_unit(db, "branch", "街道机关党支部", street)
    group = orgs.create_unit(db, "party_group", "第一党小组", branch)
    grid = orgs.create_grid(db, community, "第一网格")
    return {"branch": branch, "other": other, "group": group, "grid": grid}


_rng = random.Random(5)


def add(db, tree, name, birth=dt.date(1970, 5, 1), gender="男", branch="branch", phone=None, **member):
    number = idcard.make_fake(_rng, "640181", birth, gender)
    values = {"branch_id": tree[branch], "join_date": "2000-07-01", "full_date": "2001-07-01", **member}
    return members.create(db, {"name": name, "id_number": number, "phone": phone}, values)


def probationary(db, tree, name="李预备", joined=None):
    joined = joined or TODAY - dt.timedelta(days=200)
    return add(db, tree, name, birth=dt.date(1995, 1, 1), category="预备党员",
               join_date=joined.isoformat(), full_date=None)


# Lookups --------------------------------------------------------------------------------------

def test_statuses_are_data_seeded_from_the_domain(db):
    assert members.lookup_values(db, "status")[:5] == ("正常", "流动外出", "流入", "失联", "困难党员")
    assert "转出" not in members.roster_statuses(db)
    assert members.lookup_values(db, "category") == ("正式党员", "预备党员")


def test_added_person_type_becomes_valid(db, tree):
    with pytest.raises(ValidationError, match="人员类型"):
        add(db, tree, "王新", person_type="个体经营")
    members.add_lookup_value(db, "person_type", "个体经营")
    assert members.get(db, add(db, tree, "王新", person_type="个体经营")).person_type == "个体经营"
    with pytest.raises(ValidationError, match="已经存在"):
        members.add_lookup_value(db, "person_type", "个体经营")


def test_unknown_status_refused(db, tree):
    with pytest.raises(ValidationError, match="状态"):
        add(db, tree, "王错", status="休眠")


# Derived ---------------------------------------------------------------------------------------

def test_probation_due_one_year_plus_extension_with_month_end_clamp():
    assert members.probation_due_date("2023-05-10") == "2024-05-10"
    assert members.probation_due_date("2023-05-10", 6) == "2024-11-10"
    assert members.probation_due_date("2023-08-31", 6) == "2025-02-28"
    assert members.probation_due_date("2024-02-29") == "2025-02-28"


def test_sql_probation_due_agrees_with_python(db, tree):
    for joined in ("2023-08-31", "2024-02-29", "2023-01-15"):
        member_id = probationary(db, tree, joined=dt.date.fromisoformat(joined))
        sql = db.execute(f"SELECT {members.PROBATION_DUE_SQL} FROM member m WHERE m.id = ?", [member_id]).fetchone()[0]
        assert sql == members.get(db, member_id).probation_due()


def test_age_and_party_age(db, tree):
    member = members.get(db, add(db, tree, "张老", birth=dt.date(1950, 3, 2), full_date="1980-07-01",
                                 join_date="1979-07-01"))
    assert member.age(dt.date(2020, 3, 1)) == 69
    assert member.age(dt.date(2020, 3, 2)) == 70
    assert member.party_age(dt.date(2020, 7, 1)) == 40
    assert member.party_age(dt.date(2020, 6, 30)) == 39


def test_user_dates_in_common_forms():
    for text in ("2020-7-1", "2020.07.01", "2020/7/1", "2020年7月1日", "20200701", "２０２０-０７-０１"):
        assert members.parse_user_date(text, "入党时间", "join_date") == "2020-07-01"
    assert members.parse_user_date("  ", "入党时间", "join_date") is None
    with pytest.raises(ValidationError, match="入党时间"):
        members.parse_user_date("2020-13-01", "入党时间", "join_date")


# Life cycle ------------------------------------------------------------------------------------

def test_full_membership_sets_category_and_date(db, tree):
    joined = TODAY - dt.timedelta(days=400)
    member_id = probationary(db, tree, joined=joined)
    due = members.get(db, member_id).probation_due()
    with pytest.raises(ValidationError, match="届满"):
        member_events.record(db, member_id, "full", dt.date.fromisoformat(due) - dt.timedelta(days=1))
    member_events.record(db, member_id, "full", due)
    member = members.get(db, member_id)
    assert (member.category, member.full_date, member.probation_due()) == ("正式党员", due, None)
    assert [e.kind for e in member_events.events(db, member_id)] == ["full"]
    with pytest.raises(ValidationError, match="已经是正式党员"):
        member_events.record(db, member_id, "full", TODAY)


def test_extension_only_once_and_six_to_twelve_months(db, tree):
    joined = TODAY - dt.timedelta(days=370)
    member_id = probationary(db, tree, joined=joined)
    with pytest.raises(ValidationError, match="6 至 12"):
        member_events.record(db, member_id, "extend", TODAY, months=3)
    member_events.record(db, member_id, "extend", TODAY, months=6)
    member = members.get(db, member_id)
    assert member.probation_due() == members.add_months(joined, 18).isoformat()
    with pytest.raises(ValidationError, match="只能延长一次"):
        member_events.record(db, member_id, "extend", TODAY, months=6)
    assert "extend" not in member_events.allowed_kinds(member)


def test_transfer_out_and_back_in(db, tree):
    member_id = add(db, tree, "赵转")
    with pytest.raises(ValidationError, match="转往的党组织"):
        member_events.record(db, member_id, "transfer_out", TODAY)
    member_events.record(db, member_id, "transfer_out", TODAY, other_org="银川市某支部")
    assert members.get(db, member_id).status == "转出"
    assert member_id not in members.member_ids(db)  # off the roster
    assert member_id in members.member_ids(db, MemberQuery(status=members.ALL_STATUSES))
    with pytest.raises(ValidationError, match="已经转出"):
        member_events.record(db, member_id, "flow_out", TODAY, place="西安")
    member_events.record(db, member_id, "transfer_in", TODAY, other_org="银川市某支部")
    assert members.get(db, member_id).status == "正常"
    history = member_events.events(db, member_id)
    assert [e.other_org for e in history] == ["银川市某支部", "银川市某支部"]
    assert "转往 银川市某支部" in history[0].describe()


def test_flow_lost_contact_restore_and_death(db, tree):
    member_id = add(db, tree, "钱流")
    member_events.record(db, member_id, "flow_out", TODAY, place="深圳市")
    assert members.get(db, member_id).status == "流动外出"
    member_events.record(db, member_id, "lost_contact", TODAY)
    assert members.get(db, member_id).status == "失联"
    member_events.record(db, member_id, "restore", TODAY)
    assert members.get(db, member_id).status == "正常"
    member_events.record(db, member_id, "death", TODAY)
    assert members.get(db, member_id).status == "去世"
    assert member_events.allowed_kinds(members.get(db, member_id)) == []
    with pytest.raises(ValidationError, match="去世"):
        member_events.record(db, member_id, "restore", TODAY)


def test_event_dates_checked(db, tree):
    member_id = add(db, tree, "孙日")
    with pytest.raises(ValidationError, match="晚于今天"):
        member_events.record(db, member_id, "flow_out", TODAY + dt.timedelta(days=1), place="西安")
    with pytest.raises(ValidationError, match="早于入党时间"):
        member_events.record(db, member_id, "flow_out", "1999-01-01", place="西安")
    assert member_events.events(db, member_id) == []


def test_refused_event_changes_nothing(db, tree):
    member_id = add(db, tree, "周拒")
    before = members.get(db, member_id)
    with pytest.raises(ValidationError):
        member_events.record(db, member_id, "extend", TODAY, months=6)
    assert members.get(db, member_id) == before
    assert member_events.events(db, member_id) == []


def test_undo_last_event_restores_and_refuses_after_edit(db, tree):
    member_id = add(db, tree, "吴撤")
    member_events.record(db, member_id, "flow_out", TODAY, place="西安")
    member_events.undo_last(db, member_id)
    assert members.get(db, member_id).status == "正常" and member_events.events(db, member_id) == []
    member_events.record(db, member_id, "flow_out", TODAY, place="西安")
    members.update(db, member_id, member={"status": "困难党员"})
    with pytest.raises(ValidationError, match="修改过"):
        member_events.undo_last(db, member_id)


def test_history_from_dates(db, tree):
    member_id = add(db, tree, "郑史")
    member_events.history_from_dates(db, member_id)
    assert [(e.kind, e.event_date) for e in member_events.events(db, member_id)] == [
        ("join", "2000-07-01"), ("full", "2001-07-01")]
    with pytest.raises(ValidationError, match="不能撤销"):
        member_events.undo_last(db, member_id)


# Queries ---------------------------------------------------------------------------------------

def test_filters(db, tree):
    a = add(db, tree, "张三", birth=dt.date(1950, 1, 1), person_type="离退休", grid_id=tree["grid"],
            party_group_id=tree["group"])
    b = add(db, tree, "李四", birth=dt.date(1990, 1, 1), person_type="在职", branch="other",
            join_date="2015-06-01", full_date="2016-06-01")
    c = probationary(db, tree, "王五")
    ids = lambda **kw: set(members.member_ids(db, MemberQuery(**kw)))  # noqa: E731
    assert ids(branch_id=tree["branch"]) == {a, c}
    assert ids(party_group_id=tree["group"]) == {a}
    assert ids(grid_id=tree["grid"]) == {a}
    assert ids(no_grid=True) == {b, c}
    assert {m.id for m in members.without_grid(db)} == {b, c}
    assert ids(person_type="在职") == {b}
    assert ids(category="预备党员") == {c}
    assert ids(age_min=60) == {a}
    assert ids(age_min=18, age_max=40) == {b, c}
    assert ids(join_year_from=2010, join_year_to=2016) == {b}
    member_events.record(db, b, "flow_out", TODAY, place="西安")
    assert ids(status="流动外出") == {b}
    assert members.count_members(db, MemberQuery(branch_id=tree["branch"])) == 2


def test_probations_ending_within_days(db, tree):
    soon = probationary(db, tree, "甲", joined=TODAY - dt.timedelta(days=350))
    later = probationary(db, tree, "乙", joined=TODAY - dt.timedelta(days=100))
    assert [m.id for m in members.probations_due(db, 30)] == [soon]
    member_events.record(db, soon, "extend", TODAY, months=6)
    assert members.probations_due(db, 30) == []
    assert {m.id for m in members.probations_due(db, 400)} == {soon, later}
    late = probationary(db, tree, "丙", joined=TODAY - dt.timedelta(days=380))
    assert [m.id for m in members.probations_overdue(db)] == [late]
    assert late not in {m.id for m in members.probations_due(db, 400)}
    both = members.member_ids(db, MemberQuery(probation_within_days=30, probation_overdue=True))
    assert set(both) == {late}  # soon was extended above


def test_paging_and_sql_sorting(db, tree):
    for name, birth in (("安一", 1960), ("白二", 1980), ("陈三", 1970), ("丁四", 1990)):
        add(db, tree, name, birth=dt.date(birth, 1, 1), join_date="2010-07-01", full_date="2011-07-01")
    by_name = [m.name for m in members.query_members(db, sort="name")]
    assert by_name == ["安一", "白二", "陈三", "丁四"]
    assert [m.name for m in members.query_members(db, sort="name", limit=2, offset=2)] == ["陈三", "丁四"]
    assert [m.name for m in members.query_members(db, sort="age")] == ["丁四", "白二", "陈三", "安一"]
    assert [m.name for m in members.query_members(db, sort="age", descending=True)][0] == "安一"


# Search ----------------------------------------------------------------------------------------

def names(db, text):
    return {m.name for m in members.query_members(db, MemberQuery(text=text))}


def test_search_by_pinyin_initials_and_fragments(db, tree):
    add(db, tree, "张三", phone="13912345678")
    add(db, tree, "章珊珊", phone="13800000001")
    add(db, tree, "单丽", gender="女")
    add(db, tree, "李四")
    assert names(db, "zs") == {"张三", "章珊珊"}
    assert names(db, "zhangsan") == {"张三"}
    assert names(db, "ZhangSan") == {"张三"}
    assert names(db, "zhangs") == {"张三", "章珊珊"}
    assert names(db, "shanli") == {"单丽"}  # surname override: 单 reads shan
    assert names(db, "sl") == {"单丽"}
    assert names(db, "张") == {"张三"}
    assert names(db, "珊") == {"章珊珊"}
    assert names(db, "2345") == {"张三"}
    assert names(db, "0000000") == {"章珊珊"}
    li = members.get(db, members.member_ids(db, MemberQuery(text="李四"))[0])
    assert names(db, li.id_number[6:14]) >= {"李四"}
    assert names(db, li.id_number[-4:].lower()) >= {"李四"}
    assert names(db, "zs 1391") == {"张三"}
    assert names(db, "%") == set()
    assert members.count_members(db, MemberQuery(text="zs")) == 2


def test_every_sort_key_with_search_and_filters_agrees_with_full_query(db, tree):
    add(db, tree, "张三", birth=dt.date(1950, 1, 1), grid_id=tree["grid"], party_group_id=tree["group"])
    add(db, tree, "章山", birth=dt.date(1960, 1, 1))
    probationary(db, tree, "赵森")
    for key in members.SORT_KEYS:
        for query in (MemberQuery(), MemberQuery(text="zs", age_min=18), MemberQuery(text="z", category="正式党员"),
                      MemberQuery(probation_within_days=400, text="zhao")):
            expected = [m.id for m in members.query_members(db, query, sort=key, descending=True)]
            assert members.member_ids(db, query, sort=key, descending=True) == expected


def test_check_reports_broken_life_cycle_rules(db, tree):
    from core.check import check_file

    member_id = add(db, tree, "冯查")
    assert check_file(db.path).ok
    db.execute("UPDATE member SET category = '预备党员', status = '休眠', probation_extension_months = 3 WHERE id = ?",
               [member_id])
    db.conn.commit()
    faults = "\n".join(check_file(db.path).faults)
    assert "有转正时间" in faults and "休眠" in faults and "6 至 12" in faults


def test_enrol_transfer_in_starts_history_or_writes_nothing(db, tree):
    person = {"name": "韩转入", "id_number": idcard.make_fake(_rng, "640181", dt.date(1980, 1, 1), "男")}
    member = {"branch_id": tree["branch"], "join_date": "2005-07-01", "full_date": "2006-07-01"}
    with pytest.raises(ValidationError) as err:
        member_events.enrol(db, person, member, transfer_from="", transfer_date=TODAY)
    assert err.value.field == "transfer_from"
    assert members.count_members(db) == 0 and db.execute("SELECT count(*) FROM person").fetchone()[0] == 0
    member_id = member_events.enrol(db, person, member, transfer_from="吴忠市某支部", transfer_date="2024-03-15")
    assert [(e.kind, e.event_date) for e in member_events.events(db, member_id)] == [
        ("join", "2005-07-01"), ("full", "2006-07-01"), ("transfer_in", "2024-03-15")]
    assert members.get(db, member_id).status == "正常"


@pytest.mark.parametrize("common", [10**6, 3], ids=["persons-first", "walk-members"])
def test_first_page_is_the_head_of_the_full_list_either_way(demo_db, monkeypatch, common):
    """A first page finds rare searches through persons and walks members for common ones: same rows."""
    monkeypatch.setattr(members, "common_matches", lambda db, page: common)
    some = members.get(demo_db, members.member_ids(demo_db)[7])
    texts = ["王", "1", "19", some.id_number[-4:], "z", "zs", some.name, f"{some.name} {some.id_number[6:10]}"]
    for text in texts:
        for sort, descending in (("id", False), ("branch", False), ("name", True), ("age", False)):
            query = MemberQuery(text=text)
            every = members.member_ids(demo_db, query, sort, descending)
            assert members.member_ids(demo_db, query, sort, descending, limit=20) == every[:20], (text, sort)
            page = members.query_members(demo_db, query, sort, descending, limit=20)
            assert [m.id for m in page] == every[:20], (text, sort)
    assert members.count_members(demo_db, MemberQuery(text="1")) == len(members.member_ids(demo_db, MemberQuery(text="1")))


def test_first_member_ids_says_whether_it_is_the_whole_view(demo_db, monkeypatch):
    every = members.member_ids(demo_db, MemberQuery(), "branch")
    assert members.first_member_ids(demo_db, MemberQuery(), "branch", False, 50) == (every[:50], False)
    assert members.first_member_ids(demo_db, MemberQuery(), "branch", False, len(every)) == (every, True)
    for common in (10**6, 3):  # found through persons: whole at once; walking members: one page
        monkeypatch.setattr(members, "common_matches", lambda db, page: common)
        ids, whole = members.first_member_ids(demo_db, MemberQuery(text="1"), "name", False, 10)
        all_ids = members.member_ids(demo_db, MemberQuery(text="1"), "name")
        assert (ids, whole) == ((all_ids, True) if common == 10**6 else (all_ids[:10], False))
