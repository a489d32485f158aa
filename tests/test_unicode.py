"""Rare characters in names (𠮷 CJK Ext. B, 䶮 Ext. A) stay intact through the database, Excel and PDF."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from openpyxl import Workbook, load_workbook

from core import audit_view, excel_import, persons
from reports import fonts
from tests.excel_helpers import HEADER, member_row, write_roster
from tests.safety_office import OFFICE_MEMBERS, office_db, office_template  # noqa: F401

RARE = "𠮷䶮"  # U+20BB7 (Extension B, outside the BMP) and U+4DAE (Extension A)
NAMES = ["王𠮷", "刘䶮", "𠮷野䶮子", "张𡒄"]


def test_database_keeps_rare_characters(db):
    ids = [persons.create(db, name=name, address="𠮷祥小区") for name in NAMES]
    assert [persons.get(db, i).name for i in ids] == NAMES
    assert persons.get(db, ids[0]).address == "𠮷祥小区"
    assert [p.name for p in persons.find_by_name(db, "王𠮷")] == ["王𠮷"]
    like = db.execute("SELECT name FROM person WHERE name LIKE ?", ["%𠮷%"]).fetchall()
    assert {r[0] for r in like} == {"王𠮷", "𠮷野䶮子"}
    # The audit log (JSON) and its view keep them too.
    assert any(line.new.find("王𠮷") >= 0 for line in audit_view.lines(db, table="person"))


def test_openpyxl_round_trip(tmp_path):
    path = tmp_path / "名单.xlsx"
    workbook = Workbook()
    workbook.active.append(NAMES)
    workbook.save(path)
    assert [c.value for c in load_workbook(path).active[1]] == NAMES


def test_roster_import_keeps_rare_names(office_db, tmp_path):
    rows = [member_row(n) for n in range(1, 4)]
    for row, name in zip(rows, NAMES):
        row[HEADER.index("名字")] = name
    rows[2][HEADER.index("身份证号码")] = "坏号码𠮷"  # a bad row: the errors file must keep the text
    path = write_roster(tmp_path / "名册.xlsx", rows)
    result = excel_import.import_file(office_db, "roster", path)
    assert not result.imported
    errors = load_workbook(result.errors_path).active
    cells = [c.value for row in errors.iter_rows(min_row=2) for c in row]
    assert "𠮷野䶮子" in cells and "坏号码𠮷" in cells
    rows[2][HEADER.index("身份证号码")] = member_row(3)[HEADER.index("身份证号码")]
    result = excel_import.import_file(office_db, "roster", write_roster(tmp_path / "名册2.xlsx", rows))
    assert result.imported
    stored = {r[0] for r in office_db.execute("SELECT name FROM person WHERE name IN (?, ?, ?)", NAMES[:3])}
    assert stored == set(NAMES[:3])


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_prints_rare_characters_or_says_which_it_cannot(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    text = "党员：" + "、".join(NAMES)
    main_font_lacks = [ch for ch in RARE + "𡒄" if fonts.font_for(ch) != fonts.FONT_NAME]
    assert "𠮷" in main_font_lacks  # common Chinese fonts (wqy-zenhei, SimSun) have no Extension B
    if fonts.register_fallback() is None:
        message = fonts.check_printable(text)
        assert message and "𠮷" in message and "fonts-hanazono" in message
        pytest.skip("no fallback font for CJK Extension B on this machine: detected and reported")
    assert fonts.unprintable(text) == [] and fonts.check_printable(text) is None
    path = tmp_path / "rare.pdf"
    style = ParagraphStyle("body", fontName=fonts.font_name(), fontSize=14, leading=20)
    SimpleDocTemplate(str(path), pagesize=A4).build([Paragraph(fonts.markup(text + " <b>&</b>"), style)])
    extracted = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for name in NAMES:
        assert name in extracted
    assert "<b>&</b>" in extracted  # markup escapes user text
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [row for row in listing.splitlines()[2:] if "TrueType" in row]  # Helvetica: the frame default, unused
    assert len(rows) >= 2 and all(row.split()[-5] == "yes" for row in rows)  # main and fallback, both embedded

    path2 = tmp_path / "canvas.pdf"
    c = canvas.Canvas(str(path2), pagesize=A4)
    fonts.font_name()
    width = fonts.draw_string(c, 72, 760, text, 14)
    c.save()
    assert width > 0
    extracted = subprocess.run(["pdftotext", str(path2), "-"], capture_output=True, text=True, check=True).stdout
    assert all(name in extracted for name in NAMES)


def test_unprintable_characters_are_reported_not_blank(monkeypatch):
    monkeypatch.setattr(fonts, "ext_candidate_paths", lambda: [])
    fonts.register_fallback.cache_clear()
    try:
        assert fonts.unprintable("王𠮷") == ["𠮷"]
        assert "𠮷" in fonts.check_printable("王𠮷")
        assert fonts.check_printable("王小明") is None
    finally:
        fonts.register_fallback.cache_clear()
