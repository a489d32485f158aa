"""Broken and hostile spreadsheet files, generated small (tests) or full size (scripts/hostile_files.py)."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path
from typing import Callable

from openpyxl import Workbook

from core import idcard
from tests.excel_helpers import HEADER, member_row, write_roster


def _good(path: Path, rows: int = 3) -> Path:
    return write_roster(path, [member_row(n) for n in range(1, rows + 1)])


def renamed_pdf(path: Path) -> None:
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" * 20)


def renamed_text(path: Path) -> None:
    path.write_text("姓名,身份证号码,所在支部\n张三,110101196005170011,西湖社区党支部\n", encoding="gbk")


def renamed_png(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 300)


def renamed_docx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")


def fake_xls(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 2000)


def zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def truncated_zip(path: Path) -> None:
    tmp = path.with_name("whole-" + path.name)
    _good(tmp, 50)
    data = tmp.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    tmp.unlink()


def corrupt_crc(path: Path) -> None:
    tmp = path.with_name("whole-" + path.name)
    _good(tmp, 200)
    data = bytearray(tmp.read_bytes())
    with zipfile.ZipFile(tmp) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 50, start + min(info.compress_size - 10, 400), 7):
        data[offset] ^= 0x55
    path.write_bytes(bytes(data))
    tmp.unlink()


def _rezip(source: Path, target: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for item in zin.infolist():
            data = (replace or {}).get(item.filename, zin.read(item.filename))
            zout.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        for name, data in (add or {}).items():
            zout.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def zip_bomb(path: Path, megabytes: int = 1024) -> None:
    """A valid workbook carrying a part that inflates to `megabytes` of zeros (written in pieces)."""
    tmp = path.with_name("whole-" + path.name)
    _good(tmp)
    _rezip(tmp, path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("xl/media/image1.bin", "w", force_zip64=True) as part:
            block = b"\x00" * (1024 * 1024)
            for _ in range(megabytes):
                part.write(block)
    tmp.unlink()


def sheet_bomb(path: Path, megabytes: int = 600) -> None:
    """The worksheet itself inflates enormously: whitespace inside sheetData."""
    tmp = path.with_name("whole-" + path.name)
    _good(tmp)
    with zipfile.ZipFile(tmp) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    cut = sheet.index(b"</sheetData>")
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for item in zin.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(item.filename, zin.read(item.filename))
        with zout.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(sheet[:cut])
            block = b" " * (1024 * 1024)
            for _ in range(megabytes):
                part.write(block)
            part.write(sheet[cut:])
    tmp.unlink()


def billion_cells(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(member_row(1))
    sheet["XFD100000"] = "远角"  # 100,000 rows × 16,384 columns: 1.6 billion cells
    workbook.save(path)


def million_rows(path: Path) -> None:
    """One narrow column down to the last row Excel has."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet["A1048576"] = 1
    workbook.save(path)


def formulas(path: Path) -> None:
    """Name and ID number cells are formulas with no cached value (as a script would write them)."""
    rows = [member_row(n) for n in range(1, 4)]
    rows[0][HEADER.index("名字")] = '=CONCATENATE("张","三")'
    rows[1][HEADER.index("身份证号码")] = "=A3*2"
    rows[2][HEADER.index("备注")] = '=HYPERLINK("http://example.invalid","点我")'
    write_roster(path, rows)


def merged_header(path: Path) -> None:
    """Header cells merged across columns (a group label over 出生日期 and 身份证号码)."""
    write_roster(path, [member_row(n) for n in range(1, 4)], merges=["E3:F3"])


def hidden_sheet_only(path: Path) -> None:
    """The roster sits in a hidden sheet; the visible sheet is a cover page."""
    workbook = Workbook()
    cover = workbook.active
    cover.title = "封面"
    cover["A1"] = "2026 年党员名册（内部）"
    hidden = workbook.create_sheet("名册")
    hidden.append(HEADER)
    for n in range(1, 4):
        hidden.append(member_row(n))
    hidden.sheet_state = "hidden"
    workbook.save(path)


def hidden_junk_visible_roster(path: Path) -> None:
    workbook = Workbook()
    junk = workbook.active
    junk.title = "草稿"
    junk.append(HEADER)
    junk.append(["坏行"] * len(HEADER))
    junk.sheet_state = "veryHidden"
    good = workbook.create_sheet("党员名册")
    good.append(HEADER)
    for n in range(1, 4):
        good.append(member_row(n))
    workbook.save(path)


def empty_sheets(path: Path) -> None:
    workbook = Workbook()
    workbook.create_sheet("Sheet2")
    workbook.save(path)


def header_only(path: Path) -> None:
    write_roster(path, [])


def many_rows(path: Path, rows: int = 100_000) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("党员名册")
    sheet.append(HEADER)
    rng = random.Random(rows)
    used: set[str] = set()
    for n in range(1, rows + 1):
        row = member_row(n, **{"联系电话": f"139{n:08d}"})
        birth, gender = row[HEADER.index("出生日期")], row[HEADER.index("性别")]
        while (number := idcard.make_fake(rng, "110101", birth, gender)) in used:
            pass
        used.add(number)
        row[HEADER.index("身份证号码")] = number
        sheet.append(row)
    workbook.save(path)


def directory(path: Path) -> None:
    path.mkdir()


def missing(path: Path) -> None:
    """Nothing is written: the file does not exist."""


# name -> (make, suffix, "refuse" if the import must refuse it, "either" if importing it is fine too)
CASES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "renamed PDF": (renamed_pdf, ".xlsx", "refuse"),
    "renamed CSV text": (renamed_text, ".xlsx", "refuse"),
    "renamed PNG": (renamed_png, ".xlsx", "refuse"),
    "renamed Word docx": (renamed_docx, ".xlsx", "refuse"),
    "fake .xls (OLE header, garbage)": (fake_xls, ".xls", "refuse"),
    "zero bytes": (zero_bytes, ".xlsx", "refuse"),
    "truncated zip": (truncated_zip, ".xlsx", "refuse"),
    "corrupt zip (CRC)": (corrupt_crc, ".xlsx", "refuse"),
    "zip bomb (extra part)": (zip_bomb, ".xlsx", "refuse"),
    "zip bomb (worksheet)": (sheet_bomb, ".xlsx", "refuse"),
    "billion-cell range": (billion_cells, ".xlsx", "refuse"),
    "million rows": (million_rows, ".xlsx", "refuse"),
    "formulas": (formulas, ".xlsx", "either"),
    "merged header cells": (merged_header, ".xlsx", "either"),
    "roster only in a hidden sheet": (hidden_sheet_only, ".xlsx", "refuse"),
    "hidden junk + visible roster": (hidden_junk_visible_roster, ".xlsx", "either"),
    "empty sheets": (empty_sheets, ".xlsx", "refuse"),
    "header only": (header_only, ".xlsx", "refuse"),
    "a folder": (directory, ".xlsx", "refuse"),
    "missing file": (missing, ".xlsx", "refuse"),
}
