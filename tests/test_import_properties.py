"""Property tests of the roster and household imports: random cell values and types never crash it, never half-write,
and every rejected row is named in the errors file."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from core import excel_import
from core.db import open_db
from core.errors import UserError
from tests.excel_helpers import HEADER, member_row

# Text a user might have in a cell: Chinese, rare CJK (Ext. B), full-width digits, spaces, formulas.
_ALPHABET = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs"),
    include_characters="张王李𠮷䶮０１２３—　 =+-@\n\t",
)
CELL = st.one_of(
    st.none(),
    st.text(_ALPHABET, max_size=30),
    st.sampled_from(["男", "女", "汉族", "正式党员", "预备党员", "离退休", "西湖社区党支部", "第一党小组",
                     "2020-07-01", "2020年7月1日", "20200701", "1960.5.17", "=1+1", "=A1", "  ", "合计"]),
    st.integers(min_value=-10**18, max_value=10**18),
    st.floats(allow_nan=True, allow_infinity=False, width=64),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.booleans(),
)


HOUSEHOLD_HEADER = ["序号", "社区", "网格", "住址", "户主", "身份证号", "电话", "人数", "特殊群体", "包片干部", "备注"]


def household_row(n: int) -> list:
    return [n, "西湖社区", "第一网格", f"新苑小区{n % 30 + 1}号楼1单元{100 + n}室", f"住户{n}", None,
            f"139{n:08d}", 1 + n % 5, None, None, None]


KINDS = {"roster": (HEADER, member_row), "households": (HOUSEHOLD_HEADER, household_row)}


@st.composite
def sheets(draw, header: list[str], make_row) -> list[list]:
    rows = []
    for n in range(draw(st.integers(min_value=1, max_value=8))):
        row = make_row(draw(st.integers(min_value=1, max_value=10**6)))
        # Some rows stay valid; others get random cells in random columns.
        for column in draw(st.lists(st.integers(min_value=0, max_value=len(header) - 1), max_size=6)):
            row[column] = draw(CELL)
        rows.append(row)
    return rows


def _write(path: Path, header: list[str], rows: list[list], literal_formulas: bool) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if literal_formulas:  # text cells that merely start with "=" (typed with a leading apostrophe)
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if cell.data_type == "f":
                    cell.data_type = "s"
    workbook.save(path)


def _counts(db) -> dict[str, int]:
    return {t: db.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]
            for t in ("person", "member", "org_unit", "grid", "household", "import_batch")}


PROPERTY_SETTINGS = settings(max_examples=30, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(rows=sheets(*KINDS["roster"]), skip_bad=st.booleans(), literal_formulas=st.booleans())
def test_random_rosters(demo_template, rows, skip_bad, literal_formulas):
    _check_import(demo_template, "roster", rows, skip_bad, literal_formulas)


@PROPERTY_SETTINGS
@given(rows=sheets(*KINDS["households"]), skip_bad=st.booleans(), literal_formulas=st.booleans())
def test_random_households(demo_template, rows, skip_bad, literal_formulas):
    _check_import(demo_template, "households", rows, skip_bad, literal_formulas)


def _check_import(demo_template, kind: str, rows: list[list], skip_bad: bool, literal_formulas: bool) -> None:
    header, _ = KINDS[kind]
    table = "member" if kind == "roster" else "household"
    work = Path(tempfile.mkdtemp())
    try:
        path = work / "名册.xlsx"
        try:
            _write(path, header, rows, literal_formulas)
        except ValueError:  # openpyxl refuses some values (e.g. out-of-range dates); not an import question
            return
        shutil.copy(demo_template, work / "office.db")
        db = open_db(work / "office.db", operator="property")
        try:
            before = _counts(db)
            try:
                result = excel_import.import_file(db, kind, path, skip_bad=skip_bad)
            except UserError:
                assert _counts(db) == before
                return
            after = _counts(db)
            bad_rows = {p.row for p in result.preview.error_rows}
            if not result.imported:
                assert after == before  # nothing at all written
            else:
                assert after[table] - before[table] == result.created
                assert result.created + result.updated + result.skipped + result.bad == len(result.preview.rows)
            if bad_rows:
                errors = load_workbook(result.errors_path)
                sheet = errors.active
                header = [c.value for c in sheet[1]]
                named = {r[header.index(excel_import.ROW_COLUMN)] for r in sheet.iter_rows(min_row=2, values_only=True)}
                assert named == bad_rows
                for row in sheet.iter_rows(min_row=2):
                    assert all(cell.data_type != "f" for cell in row), "a formula was written into the errors file"
        finally:
            db.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
