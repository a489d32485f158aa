"""The generic import engine through the roster kind: reading real-world files, preview, modes, undo."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from core import audit, members, orgs
from core.errors import UserError
from core.excel_import import (
    build_preview, can_undo, errors_path_for, get_kind, import_file, list_batches, read_source, run_import,
    undo_batch,
)
from tests.excel_helpers import HEADER, fake_id, member_row, write_roster

COL = {h: i for i, h in enumerate(HEADER)}


def counts(db) -> tuple[int, int, int, int, int]:
    return tuple(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("person", "member", "org_unit", "grid", "audit_log"))


def member_by_id_number(db, number):
    row = db.execute("SELECT m.id FROM member m JOIN person p ON p.id = m.person_id WHERE p.id_number = ?",
                     [number]).fetchone()
    return members.get(db, row[0]) if row else None


def test_first_import_into_empty_database_builds_the_tree(db, tmp_path):
    rows = [member_row(1), member_row(2, 党小组="第二党小组", 网格="第二网格"),
            member_row(3, 社区=None, 所在支部="街道机关党支部", 党小组=None, 网格=None)]
    path = write_roster(tmp_path / "花名册.xlsx", rows)
    kind = get_kind("roster")
    source = read_source(path, kind)
    assert source.header_row == 3 and source.row_numbers == [4, 5, 6]
    preview, _ = build_preview(db, kind, source)
    described = [u.describe() for u in preview.new_units]
    assert described[0].startswith("街道党工委")
    assert any("社区党委“西湖社区”" in d for d in described)
    assert any(d.startswith("党支部“街道机关党支部”") for d in described)
    assert any(d.startswith("网格“第二网格”（在") and "西湖社区" in d for d in described)
    assert preview.counts["create"] == 3
    assert counts(db)[:4] == (0, 0, 0, 0)  # preview writes nothing
    result = run_import(db, kind, source)
    assert result.imported and result.created == 3 and result.units_created == len(described)
    one = member_by_id_number(db, fake_id(1, dt.date(1951, 2, 2), "男"))
    assert one.name == "张二1" and one.branch_name == "西湖社区党支部" and one.party_group_name == "第一党小组"
    assert one.grid_name == "第一网格" and one.join_date == "1976-07-01" and one.phone == "13912340001"
    office = member_by_id_number(db, fake_id(3, dt.date(1953, 4, 4), "男"))
    assert orgs.get_unit(db, office.branch_id).parent_id == orgs.street(db).id
    # A second file naming the same units reuses them.
    before = counts(db)[2:4]
    path2 = write_roster(tmp_path / "二.xlsx", [member_row(4), member_row(5, 社区="西湖社区党委")])
    result2 = import_file(db, "roster", path2)
    assert result2.created == 2 and result2.units_created == 0 and counts(db)[2:4] == before


def test_messy_cells_are_cleaned(db, tmp_path):
    number = fake_id(7, dt.date(1970, 3, 2), "女")
    assert number[-1] in "0123456789X"
    messy = number[:6] + " " + number[6:14].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + " " + number[14:].lower()
    rows = [member_row(7, 身份证号码=messy, 名字="王\u3000丽", 性别=None, 出生日期="1970年3月2日",
                       入党日期="1995.7.1", 转正时间="199607", 联系电话=13912345678.0, 人员类型="退休")]
    path = write_roster(tmp_path / "乱.xlsx", rows)
    result = import_file(db, "roster", path)
    assert result.imported, [p.describe() for p in result.preview.problems]
    m = member_by_id_number(db, number)
    assert m.name == "王丽" and m.gender == "女" and m.birth_date == "1970-03-02"
    assert m.join_date == "1995-07-01" and m.full_date == "1996-07-01" and m.person_type == "离退休"
    assert m.phone == "13912345678"
    notes = [p for p in result.preview.problems if p.severity == "note"]
    assert len(notes) == 1 and notes[0].row == 4 and "只写到月份" in notes[0].message


@pytest.mark.parametrize("mangled", [4.10102198001011e17, 110101196005170000, "4.10102198001011E+17", "1.10101E+17"])
def test_float_mangled_id_is_refused_and_nothing_imported(db, tmp_path, mangled):
    rows = [member_row(1), member_row(2, 身份证号码=mangled), member_row(3)]
    path = write_roster(tmp_path / "名册.xlsx", rows)
    before = counts(db)
    result = import_file(db, "roster", path)
    assert not result.imported and result.bad == 1
    assert counts(db) == before
    bad = result.preview.error_rows[0]
    assert bad.row == 5 and bad.errors[0].column == "身份证号码"
    assert "存成了数字" in bad.errors[0].message or "科学计数法" in bad.errors[0].message
    assert db.execute("SELECT count(*) FROM person WHERE id_number LIKE '4101021980%'").fetchone()[0] == 0


def test_one_bad_row_imports_nothing_and_the_errors_file_can_be_fixed_and_reimported(db, tmp_path):
    rows = [member_row(1), member_row(2, 入党日期="1977-02-30"), member_row(3)]
    path = write_roster(tmp_path / "名册.xlsx", rows)
    before = counts(db)
    result = import_file(db, "roster", path)
    assert not result.imported and counts(db) == before
    assert result.errors_path == tmp_path / "名册.errors.xlsx" == errors_path_for(path)
    sheet = load_workbook(result.errors_path).active
    values = list(sheet.values)
    assert values[0][-2:] == ("原文件行号", "错误说明")
    assert len(values) == 2
    assert values[1][-2] == 5 and "入党日期" in values[1][-1] and "没有30日" in values[1][-1]
    assert values[1][COL["名字"]] == "张三2"
    # The user fixes the date in the errors file and imports that file.
    fixed = load_workbook(result.errors_path)
    fixed.active.cell(row=2, column=COL["入党日期"] + 1, value="1977-02-28")
    fixed.save(result.errors_path)
    again = import_file(db, "roster", result.errors_path)
    assert again.imported and again.created == 1 and again.errors_path is None
    assert member_by_id_number(db, rows[1][COL["身份证号码"]]).join_date == "1977-02-28"


def test_skip_bad_imports_the_valid_rows(db, tmp_path):
    rows = [member_row(1), member_row(2, 性别="男"), member_row(3)]  # row 2: gender contradicts the ID
    path = write_roster(tmp_path / "名册.xlsx", rows)
    result = import_file(db, "roster", path, skip_bad=True)
    assert result.imported and result.created == 2 and result.bad == 1
    assert "与身份证号表示的“女”不一致" in result.preview.error_rows[0].errors[0].message
    assert len(list(load_workbook(result.errors_path).active.values)) == 2
    assert counts(db)[1] == 2


def test_duplicate_modes(db, tmp_path):
    import_file(db, "roster", write_roster(tmp_path / "a.xlsx", [member_row(1, 工作单位及职务=None), member_row(2)]))
    number = member_row(1)[COL["身份证号码"]]
    m = member_by_id_number(db, number)
    members.update(db, m.id, person={"phone": "13800000000"})
    # A later file: new phone, a work unit where the database has none, and a new member.
    rows = [member_row(1, 联系电话="13911112222", 工作单位及职务="退休前：机械厂"), member_row(2), member_row(3)]
    path = write_roster(tmp_path / "b.xlsx", rows)
    kind = get_kind("roster")
    source = read_source(path, kind)

    skip, _ = build_preview(db, kind, source, mode="skip")
    assert [r.action for r in skip.rows] == ["skip", "skip", "create"]
    update, _ = build_preview(db, kind, source, mode="update")
    assert [r.action for r in update.rows] == ["update", "skip", "create"]
    assert update.rows[0].changes == {"phone": "13911112222", "work_unit": "退休前：机械厂"}
    fill, _ = build_preview(db, kind, source, mode="fill")
    assert [r.action for r in fill.rows] == ["update", "skip", "create"]
    assert fill.rows[0].changes == {"work_unit": "退休前：机械厂"}

    run_import(db, kind, source, mode="fill")
    m = members.get(db, m.id)
    assert m.phone == "13800000000" and m.work_unit == "退休前：机械厂"
    run_import(db, kind, source, mode="update")
    assert members.get(db, m.id).phone == "13911112222"
    result = run_import(db, kind, source, mode="skip")
    assert result.created == 0 and result.skipped == 3 and result.batch_id is None
    assert counts(db)[1] == 3


def test_undo_a_batch_and_refuse_after_an_edit(db, tmp_path):
    first = import_file(db, "roster", write_roster(tmp_path / "a.xlsx", [member_row(1), member_row(2)]))
    baseline = counts(db)[:4]
    second = import_file(db, "roster", write_roster(
        tmp_path / "b.xlsx", [member_row(1, 联系电话="13911112222"), member_row(3, 所在支部="新支部", 网格="第九网格")]),
        mode="update")
    assert second.created == 1 and second.updated == 1 and second.units_created == 3  # branch, group, grid
    assert can_undo(db, second.batch_id) == (True, "")
    assert can_undo(db, first.batch_id)[0] is False  # the second batch changed one of its rows
    undo_batch(db, second.batch_id)
    assert counts(db)[:4] == baseline
    assert member_by_id_number(db, member_row(1)[COL["身份证号码"]]).phone == "13912340001"
    assert list_batches(db)[0].undone_at
    with pytest.raises(UserError, match="撤销过了"):
        undo_batch(db, second.batch_id)
    # Editing a row of the first batch blocks its undo; without the edit it would go through.
    m = member_by_id_number(db, member_row(2)[COL["身份证号码"]])
    members.update(db, m.id, member={"work_unit": "手工修改"})
    ok, why = can_undo(db, first.batch_id)
    assert not ok and "修改过" in why
    with pytest.raises(UserError):
        undo_batch(db, first.batch_id)
    assert counts(db)[1] == 2


def test_undo_of_the_first_import_empties_the_database(db, tmp_path):
    result = import_file(db, "roster", write_roster(tmp_path / "a.xlsx", [member_row(n) for n in range(1, 30)]))
    undo_batch(db, result.batch_id)
    assert counts(db)[:4] == (0, 0, 0, 0)
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'delete'").fetchone()[0] > 29


def test_duplicate_id_inside_the_file(db, tmp_path):
    path = write_roster(tmp_path / "a.xlsx", [member_row(1), member_row(2), member_row(1)])
    result = import_file(db, "roster", path)
    assert not result.imported
    assert "与第 4 行是同一个" in result.preview.error_rows[0].errors[0].message


def test_two_row_header_and_merged_branch_cells(db, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["党员基本信息登记表"])
    sheet.merge_cells("A1:F1")
    sheet.append(["姓名", "公民身份号码", "组织关系", None, "入党时间", "备注"])
    sheet.append([None, None, "所在支部", "党小组", None, None])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("C2:D2")
    sheet.merge_cells("E2:E3")
    sheet.append(["李一", fake_id(11), "东盛街社区党支部", "第一党小组", "1990-07-01", None])
    sheet.append(["李二", fake_id(12), None, "第二党小组", "1991-07-01", None])
    sheet.append(["李三", fake_id(13), None, "第二党小组", "1992-07-01", None])
    sheet.merge_cells("C4:C6")
    sheet.append([])
    sheet.append(["填表人：王五", None, None, None, "日期：2024-01-01"])
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    source = read_source(path, get_kind("roster"))
    assert source.header_row == 3 and source.row_numbers == [4, 5, 6]
    mapping = source.auto_mapping()
    assert [mapping[i] for i in range(6)] == ["name", "id_number", "branch", "party_group", "join_date", "note"]
    result = run_import(db, get_kind("roster"), source)
    assert result.imported and result.created == 3
    assert {m[0] for m in db.execute("SELECT DISTINCT branch_id FROM member")} == {orgs.branches(db)[0].id}


def test_mapping_can_be_edited(db, tmp_path):
    header = ["姓名", "证件", "支部名", "手机"]
    path = write_roster(tmp_path / "a.xlsx", [["赵六", fake_id(5), "一支部", "13900001111"]], title=None, subtitle=None,
                        header=header)
    kind = get_kind("roster")
    source = read_source(path, kind)
    mapping = source.auto_mapping()
    assert mapping == {0: "name", 1: None, 2: None, 3: "phone"}
    with pytest.raises(UserError, match="所在支部"):
        build_preview(db, kind, source, mapping)
    with pytest.raises(UserError, match="两列都对应"):
        build_preview(db, kind, source, {**mapping, 2: "name"})
    mapping.update({1: "id_number", 2: "branch"})
    result = run_import(db, kind, source, mapping)
    assert result.created == 1 and member_by_id_number(db, fake_id(5)).branch_name == "一支部"


def test_header_with_asterisks_and_parentheses(db, tmp_path):
    header = ["*姓名", "身份证号\n（18位）", "所在党支部(必填)", "入党时间：", "出生年月"]
    path = write_roster(tmp_path / "a.xlsx", [["钱七", fake_id(8), "一支部", 31108, "1960.05"]], header=header)
    source = read_source(path, get_kind("roster"))
    assert list(source.auto_mapping().values()) == ["name", "id_number", "branch", "join_date", "birth_date"]
    result = run_import(db, get_kind("roster"), source)
    assert result.imported, [p.describe() for p in result.preview.problems]
    assert member_by_id_number(db, fake_id(8)).join_date == "1985-03-02"


def test_ambiguous_branch_name_asks_for_a_community_column(db, tmp_path):
    street = orgs.create_unit(db, "street", "城区街道党工委")
    for name in ("甲社区党委", "乙社区党委"):
        community = orgs.create_unit(db, "community", name, street)
        orgs.create_unit(db, "branch", "第一党支部", community)
    path = write_roster(tmp_path / "a.xlsx", [["孙八", fake_id(9), "第一党支部"]], header=["姓名", "身份证号", "支部"])
    result = import_file(db, "roster", path)
    assert not result.imported and "所属社区" in result.preview.error_rows[0].errors[0].message
    path = write_roster(tmp_path / "b.xlsx", [["孙八", fake_id(9), "乙社区", "第一党支部"]],
                        header=["姓名", "身份证号", "社区", "支部"])
    result = import_file(db, "roster", path)
    assert result.imported and result.units_created == 0
    assert orgs.unit_path(db, member_by_id_number(db, fake_id(9)).branch_id).startswith("城区街道党工委 / 乙社区党委")


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_text("姓名,身份证号\n张三,1\n", encoding="utf-8"), "不是有效的 Excel 文件"),
    (lambda p: p.write_bytes(b""), "文件是空的"),
    (lambda p: p.write_bytes(Path(write_roster(p.with_name("full.xlsx"), [member_row(1)] * 50)).read_bytes()[:3000]),
     "不是有效的 Excel 文件"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("hello.txt", "x"), "不是有效的 Excel 文件"),
    (lambda p: Workbook().save(p), "是空的"),
    (lambda p: write_roster(p, []), "只有表头"),
    (lambda p: write_roster(p, [["甲", "乙"]], header=["甲列", "乙列"]), "没有找到党员名册的表头"),
])
def test_malformed_files_are_refused_and_nothing_changes(db, tmp_path, make, words):
    path = tmp_path / "bad.xlsx"
    make(path)
    before = counts(db)
    with pytest.raises(UserError, match=words):
        import_file(db, "roster", path)
    assert counts(db) == before


def test_missing_file(db, tmp_path):
    with pytest.raises(UserError, match="找不到文件"):
        import_file(db, "roster", tmp_path / "nope.xlsx")


def test_unknown_kind(db, tmp_path):
    with pytest.raises(UserError, match="不认识的导入类型"):
        import_file(db, "spaceships", tmp_path / "x.xlsx")


def test_cancel_writes_nothing(db, tmp_path):
    from core.excel_import import ImportCancelled

    path = write_roster(tmp_path / "a.xlsx", [member_row(n) for n in range(1, 2100)])
    with pytest.raises(ImportCancelled):
        import_file(db, "roster", path, cancelled=lambda: True)
    assert counts(db)[:4] == (0, 0, 0, 0)


def test_existing_person_in_another_role_becomes_a_member(db, tmp_path):
    from core import persons

    number = member_row(1)[COL["身份证号码"]]
    person_id = persons.create(db, name="张二1", id_number=number, phone=None, address="旧地址")
    result = import_file(db, "roster", write_roster(tmp_path / "a.xlsx", [member_row(1)]))
    assert result.created == 1 and counts(db)[0] == 1
    person = persons.get(db, person_id)
    assert person.address == "旧地址" and person.phone == "13912340001"
    assert audit.entries(db, "member")[0].action == "insert"


@pytest.mark.parametrize("name", ["roster_title_merged.xlsx", "roster_wps.xls"])
def test_fixture_files_with_merged_title_and_merged_branch(db, tmp_path, name):
    """Committed files: a merged title, a subtitle, the branch merged down three rows; .xls made by LibreOffice."""
    import shutil

    from tests.conftest import FIXTURES

    path = tmp_path / name
    shutil.copy(FIXTURES / name, path)
    source = read_source(path, get_kind("roster"))
    assert source.title.startswith("西湖社区党员花名册") and source.header_row == 3
    result = run_import(db, get_kind("roster"), source)
    assert result.imported and result.created == 6, [p.describe() for p in result.preview.problems]
    assert counts(db)[1] == 6
    assert {r[0] for r in db.execute("SELECT branch_id FROM member")} == {orgs.branches(db)[0].id}
    wang = db.execute("SELECT m.join_date FROM member m JOIN person p ON p.id = m.person_id WHERE p.name = '王五'").fetchone()
    assert wang == ("1985-03-01",)
    assert [p.row for p in result.preview.problems if p.severity == "note"] == [9]


def test_undo_refused_when_later_records_hang_on_created_units(db, tmp_path):
    result = import_file(db, "roster", write_roster(tmp_path / "a.xlsx", [member_row(1)]))
    branch_id = orgs.branches(db)[0].id
    members.create(db, {"name": "后来人", "id_number": fake_id(99)}, {"branch_id": branch_id})
    before = counts(db)[:4]
    assert can_undo(db, result.batch_id)[0]  # none of the batch's own rows was edited ...
    with pytest.raises(UserError, match="引用"):
        undo_batch(db, result.batch_id)  # ... but a new member sits in the branch the import created
    assert counts(db)[:4] == before
    assert list_batches(db)[0].undone_at is None


def test_header_repeated_for_printing_and_footer_lines_are_not_rows(db, tmp_path):
    from tests.excel_helpers import HEADER

    rows = [member_row(1), member_row(2), HEADER, member_row(3), [None] * len(HEADER), ["合计：3 人"],
            ["填表人：王五", None, None, "审核人：赵六"]]
    source = read_source(write_roster(tmp_path / "a.xlsx", rows), get_kind("roster"))
    assert source.row_numbers == [4, 5, 7]
    assert run_import(db, get_kind("roster"), source).created == 3
