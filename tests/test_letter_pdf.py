"""Printed accountability letters: text, per-letter page numbers, tables across pages, the CLI."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from core import letters, orgs, settings
from main import main
from reports import letter_pdf
from reports.layout import wrap


def pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def flat(text: str) -> str:
    return "".join(text.split())


def test_batch_of_letters_for_every_community(demo_db, tmp_path):
    year = dt.date.today().year
    written = letter_pdf.write_letters(demo_db, year, tmp_path)
    year_letters = letters.list_letters(demo_db, year)
    assert len(written) == len(year_letters) + 1 == 15
    combined = written[-1]
    assert combined.name == f"{year}年党建工作责任书-合订本.pdf"
    total_pages = 0
    for letter, path in zip(year_letters, written):
        pages = pdf_pages(path)
        total_pages += len(pages)
        text = flat("".join(pages))
        assert "党建工作责任书" in text and f"（{year}年度）" in text
        assert f"甲方：{letter.street_party}" in text and f"乙方：{letter.community_name}" in text
        assert letter.secretary_name in text and letter.street_signer in text
        assert "一、目标任务" in text and "二、责任条款" in text and "（盖章）" in text
        signed = dt.date.fromisoformat(letter.signed_date)
        assert f"签订日期：{signed.year}年{signed.month}月{signed.day}日" in text
        for item in letters.letter_items(demo_db, letter.id):
            # a long task wraps inside its cell; every printed line of it must be there
            for line in wrap(item.task, letter_pdf.ITEM_WIDTHS[2] - 2 * letter_pdf.CELL_PAD, letter_pdf.CELL_SIZE).split("\n"):
                assert flat(line) in text
        assert flat(f"第 {len(pages)} 页 共 {len(pages)} 页") in flat(pages[-1])
        assert settings.get(demo_db, "office_name") in pages[0]
    combined_pages = pdf_pages(combined)
    assert len(combined_pages) == total_pages
    combined_text = flat("".join(combined_pages))
    assert all(f"乙方：{l.community_name}" in combined_text for l in year_letters)
    # Page numbers restart with each letter in the combined file.
    assert sum(1 for p in combined_pages if "第1页" in flat(p)) == len(year_letters)


def test_long_item_table_breaks_across_pages_with_header_repeated(db, tmp_path):
    street = orgs.create_unit(db, "street", "测试街道党工委")
    community = orgs.create_unit(db, "community", "长表社区党委", street)
    for n in range(1, 41):
        letters.add_template_item(db, category="组织建设", task=f"第{n}项工作任务，内容较长需要换行显示以检验表格分页",
                                  standard="按季度检查，年底考核", target=n, unit="次", weight=2.5)
    letters.apply_template(db, 2026)
    path = letter_pdf.write_letters(db, 2026, tmp_path)[0]
    pages = pdf_pages(path)
    assert len(pages) >= 3
    table_pages = [p for p in pages if "工作任务" in p]
    assert len(table_pages) >= 2
    assert all("考核标准" in p and "目标值" in p for p in table_pages)  # header repeated on each page
    text = flat("".join(pages))
    for n in range(1, 41):
        assert text.count(f"第{n}项") == 1
    assert "合计" in text and flat("第 1 页 共") in flat(pages[0])


def test_unsigned_letter_prints_blank_date(db, tmp_path):
    street = orgs.create_unit(db, "street", "测试街道党工委")
    orgs.create_unit(db, "community", "空白社区党委", street)
    letters.add_template_item(db, task="上党课", target=4, unit="次", weight=10)
    letters.apply_template(db, 2026)
    text = flat("".join(pdf_pages(letter_pdf.write_letters(db, 2026, tmp_path)[0])))
    assert text.count("签订日期：年月日") == 2  # left blank for both parties to fill in by hand


def test_cli_letters(demo_db, tmp_path, capsys):
    year = dt.date.today().year
    path = str(demo_db.path)
    demo_db.close()
    assert main(["letters", "--year", str(year), "--out", str(tmp_path / "out"), "--db", path]) == 0
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 15
    assert "合订本" in capsys.readouterr().out
    assert main(["letters", "--year", "2001", "--out", str(tmp_path / "none"), "--db", path]) == 1
    assert "还没有责任书" in capsys.readouterr().err


def test_remembered_line_codes_print_exactly_what_plain_text_out_prints(demo_db, tmp_path, monkeypatch):
    """The per-document cache of encoded table lines must not change a single character or position."""
    from reports import layout

    year = dt.date.today().year
    contents = letter_pdf.load_contents(demo_db, year)
    office = settings.get(demo_db, "office_name")
    cached = letter_pdf.render(contents, tmp_path / "cached.pdf", office)
    monkeypatch.setattr(layout, "_text_out", lambda canv, text, line: text.textOut(line))
    plain = letter_pdf.render(contents, tmp_path / "plain.pdf", office)
    assert pdf_pages(cached) == pdf_pages(plain)
    assert len(pdf_pages(cached)) >= len(contents)
