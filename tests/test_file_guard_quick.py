"""The guard's quick scan (one regex search per chunk for references outside a safe box) decides exactly
as the full measurement of each sheet's span does."""

from __future__ import annotations

import random
import zipfile

import pytest

from core import file_guard
from core.errors import UserError


def _letters(n: int) -> str:
    return file_guard._letters(n)


def test_box_pattern_flags_exactly_the_references_outside_the_box():
    rows, width = file_guard.MAX_ROWS - 1, file_guard.MAX_CELLS // file_guard.MAX_ROWS
    search = file_guard._outside_box(file_guard.MAX_ROWS, file_guard.MAX_CELLS).search
    rng = random.Random(5)
    columns = list(range(1, 400)) + [rng.randint(1, 18278) for _ in range(300)] + [width, width + 1, 18278]
    numbers = list(range(0, 50)) + [rng.randint(1, 9_999_999) for _ in range(300)] + \
        [rows - 1, rows, rows + 1, 99_999, 100_000, 999_999, 1_000_000, 9_999_999]
    for col in columns:
        for row in rng.sample(numbers, 40) + [rows, rows + 1]:
            ref = f'<c r="{_letters(col)}{row}" t="s">'.encode()
            assert bool(search(ref)) == (col > width or row > rows), (col, row)
    # Rows alone (<row r="12">); other attributes are not references.
    assert search(b'<row r="300000">') and not search(b'<row r="299999">')
    assert not search(b'<dimension ref="A1:ZZ9999999"/>') and not search(b'<c r="AB1" s="300000">')


def _sheet_xlsx(path, refs: list[str]) -> None:
    cells = "".join(f'<row r="{"".join(ch for ch in ref if ch.isdigit())}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
                    for ref in refs)
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)


def _exact_only(monkeypatch):
    real = file_guard._scan_part
    monkeypatch.setattr(file_guard, "_scan_part", lambda *a, exact=True: real(*a, exact=True))


@pytest.mark.parametrize("refs", [
    ["A1", "B2"], ["A1", "AG299999"], ["A1", "AH10"], ["A1", "AH300000"], ["A0", "A299999"], ["A1", "A300001"],
    ["A1", "ZZ1000"], ["A1", "CV100000"], ["A5", "XFD1048576"], ["B7", "A0000009"], ["A1", "A9999999"],
])
def test_quick_scan_decides_as_the_exact_scan(refs, tmp_path, monkeypatch):
    path = tmp_path / "s.xlsx"
    _sheet_xlsx(path, refs)

    def outcome():
        try:
            file_guard.check_xlsx(path)
        except UserError as exc:
            return str(exc)
        return "ok"

    quick = outcome()
    _exact_only(monkeypatch)
    assert quick == outcome()


def test_quick_scan_falls_back_only_for_references_outside_the_box(tmp_path, monkeypatch):
    calls = []
    real = file_guard._scan_part
    monkeypatch.setattr(file_guard, "_scan_part",
                        lambda *a, exact=True: calls.append((a[2].filename, exact)) or real(*a, exact=exact))
    _sheet_xlsx(tmp_path / "a.xlsx", ["A1", "U100003"])
    file_guard.check_xlsx(tmp_path / "a.xlsx")
    assert ("xl/worksheets/sheet1.xml", True) not in calls
    calls.clear()
    _sheet_xlsx(tmp_path / "b.xlsx", ["A1", "AZ20"])  # wide but small: measured exactly, and passes
    file_guard.check_xlsx(tmp_path / "b.xlsx")
    assert calls[-2:] == [("xl/worksheets/sheet1.xml", False), ("xl/worksheets/sheet1.xml", True)]


def test_lowered_limits_are_honoured(tmp_path, monkeypatch):
    monkeypatch.setattr(file_guard, "MAX_ROWS", 1000)
    monkeypatch.setattr(file_guard, "MAX_CELLS", 5000)
    _sheet_xlsx(tmp_path / "a.xlsx", ["A1", "A1001"])
    with pytest.raises(UserError, match="行数过多"):
        file_guard.check_xlsx(tmp_path / "a.xlsx")
    _sheet_xlsx(tmp_path / "b.xlsx", ["A1", "F1000"])
    with pytest.raises(UserError, match="范围过大"):
        file_guard.check_xlsx(tmp_path / "b.xlsx")
