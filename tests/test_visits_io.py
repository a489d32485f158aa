"""Households import, visit/problem Excel exports, the visit sheet and problem ledger PDFs, the CLI."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from core import excel_import, households, orgs, persons, problems, visits
from core.visits_export import export_problems, export_visits, read_back
from main import main
from reports import problem_ledger_pdf, visit_sheet_pdf

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["序号", "社区", "网格", "住址", "户主", "身份证号", "电话", "人数", "特殊群体", "包片干部", "备注"]


@pytest.fixture
def office(db):
    street = orgs.create_unit(db, "street", "测试街道")
    community = orgs.create_unit(db, "community", "西湖社区党委", street)
    other = orgs.create_unit(db, "community", "鼓楼社区党委", street)
    grid = orgs.create_grid(db, community, "第一网格")
    orgs.create_grid(db, other, "第一网格")
    cadre = persons.create(db, name="王建国", phone="13900000001")
    return {"community": community, "grid": grid, "cadre": cadre}


def _sheet(path: Path, rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["西湖社区住户花名册"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _row(n: int, **overrides) -> list:
    values = {"序号": n, "社区": "西湖社区", "网格": "第一网格", "住址": f"新苑小区1号楼1单元{100 + n}室",
              "户主": f"住户{n}", "身份证号": None, "电话": f"1391234{n:04d}", "人数": 2, "特殊群体": None,
              "包片干部": "王建国", "备注": None}
    values.update(overrides)
    return [values[h] for h in HEADER]


def _pdf_text(path: Path) -> str:
    """The PDF's text without whitespace (pdftotext breaks table cells and spaces as it lays them out)."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def test_households_import_all_or_nothing_with_errors_file(db, office, tmp_path):
    bad = _sheet(tmp_path / "住户.xlsx", [
        _row(1, 特殊群体="低保户、残疾人"),
        _row(2, 特殊群体="外星人"),
        _row(3, 社区=None),                      # 第一网格 exists in two communities
        _row(4, 住址="新苑小区"),                 # cannot be split
        _row(5, 住址="新苑小区1号楼1单元101室"),  # same address as row 1
    ])
    result = excel_import.import_file(db, "households", bad)
    assert not result.imported and result.bad == 4
    assert households.count(db) == 0 and db.execute("SELECT count(*) FROM person").fetchone()[0] == 1
    lines = "\n".join(excel_import.iter_problem_lines(result.preview))
    assert "第 4 行" in lines and "外星人" in lines
    assert "第 5 行" in lines and "所属社区" in lines
    assert "第 6 行" in lines and "无法拆分" in lines
    assert "第 7 行" in lines and "第 3 行" in lines
    errors = read_back(tmp_path / "住户.errors.xlsx")
    assert len(errors) == 5 and "错误说明" in errors[0]

    good = _sheet(tmp_path / "住户2.xlsx", [_row(1, 特殊群体="低保户，残疾人"), _row(2, 包片干部="李新")])
    result = excel_import.import_file(db, "households", good)
    assert result.imported and result.created == 2
    first, second = households.search(db, "新苑小区")
    assert first.address == "新苑小区1号楼1单元101室" and first.tags == ("低保户", "残疾人")
    assert first.cadre_person_id == office["cadre"] and first.head_name == "住户1"
    assert second.cadre_name == "李新"
    # Imported again: every address is already there and is skipped; with update the size changes.
    again = excel_import.import_file(db, "households", _sheet(tmp_path / "住户3.xlsx", [_row(1, 人数=5)]))
    assert again.created == 0 and again.skipped == 1
    updated = excel_import.import_file(db, "households", tmp_path / "住户3.xlsx", mode="update")
    assert updated.updated == 1 and households.get(db, first.id).people_count == 5
    assert excel_import.undo_batch(db, updated.batch_id) >= 1
    assert households.get(db, first.id).people_count == 2


def test_import_cli_exit_codes(db, office, tmp_path, capsys):
    path = str(db.path)
    bad = _sheet(tmp_path / "bad.xlsx", [_row(1), _row(2, 电话="123")])
    assert main(["import", "households", str(bad), "--db", path]) == 1
    assert "第 4 行" in capsys.readouterr().err and (tmp_path / "bad.errors.xlsx").exists()
    assert households.count(db) == 0
    assert main(["import", "households", str(bad), "--db", path, "--skip-bad"]) == 1
    assert households.count(db) == 1
    good = _sheet(tmp_path / "good.xlsx", [_row(3)])
    assert main(["import", "households", str(good), "--db", path]) == 0
    assert "新增 1 条" in capsys.readouterr().out


@pytest.fixture
def filled(db, office):
    hid = households.create(db, {"grid_id": office["grid"], "estate": "西湖小区", "building": "3", "unit": "2",
                                 "room": "501", "head_name": "单丽", "phone": "13912345678", "people_count": 1,
                                 "cadre_person_id": office["cadre"], "tag_ids": [households.tag_ids_by_name(db)["独居老人"]]})
    items = [{"item_no": n, "finding": "无异常"} for n in range(1, 5)] + [
        {"item_no": 5, "finding": "发现问题", "text": "单元门禁损坏"}]
    vid = visits.save_visit(db, hid, dt.date(2026, 3, 10), [office["cadre"]], items)
    visits.save_visit(db, hid, dt.date(2025, 12, 1), [office["cadre"]], items[:2])
    pid = problems.create_from_visit_item(db, vid, 5, severity="重大", found_at="2026-03-10 17:00")
    late = problems.create(db, title="楼道灯不亮", source="12345热线", severity="一般", grid_id=office["grid"],
                           found_by_person_id=office["cadre"], found_at="2026-03-12 09:00", reporter_phone="13811112222")
    return {"household": hid, "visit": vid, "problem": pid, "late": late}


def test_export_visits_read_back(db, filled, tmp_path):
    out = tmp_path / "visits.xlsx"
    assert export_visits(db, out, year=2026) == 1
    rows = read_back(out)
    header, row = rows[0], rows[1]
    record = dict(zip(header, row))
    assert record["走访日期"] == "2026-03-10" and record["住址"] == "西湖小区3号楼2单元501室"
    assert record["联系电话"] == "139****5678"  # masked unless asked
    assert record["物业管理"] == "发现问题" and record["物业管理情况"] == "单元门禁损坏"
    assert record["特殊群体"] == "独居老人" and record["是否问完"] == "是"
    assert record["生成问题编号"] == problems.get(db, filled["problem"]).number
    assert export_visits(db, out, unmasked=True) == 2
    rows = read_back(out)
    assert rows[1][1] == "2025-12-01" and rows[1][-3] == "否（未问完）"
    assert rows[1][6] == "13912345678"


def test_export_problems_read_back(db, filled, tmp_path):
    out = tmp_path / "problems.xlsx"
    assert export_problems(db, out, year=2026) == 2
    rows = read_back(out)
    records = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [r["来源"] for r in records] == ["走访", "12345热线"]
    assert records[0]["处置时限"] == "2026-03-11 17:00" and records[0]["当前环节"] == "发现"
    assert records[1]["联系电话"] == "138****2222" and records[1]["是否按时处置"] == "未处置"
    steps = read_back(out, "办理过程")
    assert steps[0] == ["编号", "环节", "时间", "经办人", "办理情况"] and len(steps) == 3
    assert export_problems(db, out, year=2025) == 0


def test_export_cli(db, filled, tmp_path, capsys):
    out = tmp_path / "p.xlsx"
    assert main(["export", "problems", str(out), "--db", str(db.path), "--year", "2026"]) == 0
    assert "已导出 2 条问题" in capsys.readouterr().out
    assert main(["export", "visits", str(tmp_path / "v.xlsx"), "--db", str(db.path)]) == 0
    assert main(["export", "nothing", str(out), "--db", str(db.path)]) == 2


def test_visit_sheet_pdf_text(db, filled, tmp_path):
    blank = visit_sheet_pdf.build_from_db(db, tmp_path / "blank.pdf")
    text = _pdf_text(blank)
    for words in ("五必问入户走访记录表", "特困家庭情况必问", "物业管理情况必问", "无异常", "发现问题", "居民：",
                  "城区街道党工委", "第1页", "一般问题1小时内", "复杂问题1周内", "独居老人"):
        assert words in text
    filled_pdf = visit_sheet_pdf.build_from_db(db, tmp_path / "h.pdf", [filled["household"]])
    text = _pdf_text(filled_pdf)
    assert "西湖小区3号楼2单元501室" in text and "单丽" in text and "139****5678" in text and "王建国" in text


def test_problem_ledger_pdf_text(db, filled, tmp_path):
    at = dt.datetime(2026, 3, 31, 12, 0)
    path = problem_ledger_pdf.build_from_db(db, tmp_path / "ledger.pdf", dt.date(2026, 3, 1), dt.date(2026, 3, 31),
                                            at=at)
    text = _pdf_text(path)
    assert "问题台账" in text and "2026-03-01至2026-03-31" in text
    assert "新发现问题2件" in text and "仍超时未处置2件" in text
    assert problems.get(db, filled["late"]).number in text and "楼道灯不亮" in text
    assert "第1页" in text
    empty = problem_ledger_pdf.build_from_db(db, tmp_path / "empty.pdf", dt.date(2024, 1, 1), dt.date(2024, 1, 31),
                                             community_id=None, at=at)
    assert "本期没有登记问题" in _pdf_text(empty)


def test_demo_has_households_visits_and_problems_in_every_stage(demo_db):
    assert households.count(demo_db) >= 112 * 40
    stages = {r[0] for r in demo_db.execute("SELECT DISTINCT stage FROM problem")}
    assert stages == set(problems.STAGES)
    assert problems.overdue(demo_db)
    year = visits.coverage(demo_db, start=dt.date.today() - dt.timedelta(days=364), end=dt.date.today())
    assert 60 < year.percent < 100 and year.incomplete_visits > 0
    tagged = demo_db.execute("SELECT count(DISTINCT household_id) FROM household_tag").fetchone()[0]
    assert 0.15 < tagged / households.count(demo_db) < 0.45
    # Stored stages agree with each problem's last step, closed problems were reported back.
    assert not demo_db.execute("""SELECT count(*) FROM problem p WHERE stage != (SELECT stage FROM problem_step s
        WHERE s.problem_id = p.id ORDER BY at DESC, id DESC LIMIT 1)""").fetchone()[0]
    assert not demo_db.execute("SELECT count(*) FROM problem WHERE stage = '办结' AND satisfaction IS NULL").fetchone()[0]


def test_core_imports_no_qt():
    code = ("import sys; import core.households, core.visits, core.problems, core.visits_export, core.households_io,"
            " core.demo.visits, reports.visit_sheet_pdf, reports.problem_ledger_pdf;"
            " assert not [m for m in sys.modules if m.startswith('PySide6')]")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
