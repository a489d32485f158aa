"""The import's fast paths give exactly what the general, cell-by-cell path gives: parsed values, errors
and notes, on clean columns and on mixed or malformed ones."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

from core import excel_import, idcard
from core.errors import ValidationError
from core.excel_import import Noted, Problem, Source, get_kind
from tests.excel_helpers import fake_id

ROSTER = get_kind("roster")


def reference_parse_rows(kind, source, mapping):
    """The engine's row-by-row parsing as it was before the column fast paths (the specification)."""
    parsers = [(i, key, kind.column(key).parser, source.column_name(i)) for i, key in mapping.items() if key]
    required = {c.key for c in kind.columns if c.required}
    records, problems = [], []
    for row, number in zip(source.rows, source.row_numbers):
        record: dict[str, Any] = {}
        found: list[Problem] = []
        for i, key, parser, column_name in parsers:
            raw = row[i]
            if raw is None and key not in required:
                record[key] = None
                continue
            try:
                value = parser(raw)
                if value is None and key in required:
                    raise ValidationError(f"{kind.field_label(key)}不能为空。", key)
            except ValidationError as exc:
                found.append(Problem(number, column_name, key, str(exc)))
                value = None
            if type(value) is Noted:
                found.append(Problem(number, column_name, key, value.note, "note"))
                value = value.value
            record[key] = value
        records.append(record)
        problems.append(found)
    return records, problems


def clean_row(rng: random.Random, n: int) -> dict[str, Any]:
    gender = rng.choice("男女")
    birth = dt.date(rng.randint(1930, 2000), rng.randint(1, 12), rng.randint(1, 28))
    return {
        "name": rng.choice(["张三", "欧阳修", "王  五", "阿依古丽·买买提", "李四"]) + str(n % 7),
        "gender": gender, "ethnicity": "汉族", "birth_date": birth, "id_number": fake_id(n, birth, gender),
        "education": "大专", "native_place": "宁夏灵武", "join_date": dt.date(birth.year + 25, 7, 1),
        "full_date": rng.choice([None, dt.date(birth.year + 26, 7, 1)]), "category": "正式党员",
        "person_type": rng.choice(["离退休", "在职", "退休"]), "status": "正常", "community": "西湖社区",
        "branch": "西湖社区党支部", "party_group": rng.choice([None, "第一党小组"]), "grid": rng.choice([None, "第一网格"]),
        "work_unit": rng.choice([None, "  街道办  "]), "phone": f"139{n:08d}", "address": f"西湖小区{n}号楼", "note": None,
    }


MESSY: dict[str, list[Any]] = {
    "name": [None, "   ", "王\u3000五", " 张三 ", "张" * 41, 123.0, True, "Zhang San"],
    "gender": ["男性", "女性", "未知", 1.0, " 男 ", None, ""],
    "ethnicity": ["汉" * 21, 5.0, dt.date(2020, 1, 1)],
    "birth_date": ["1960-05-17", "1960.5", "19600517", 21000.0, 21000, dt.datetime(1960, 5, 17, 8, 0),
                   dt.date(1850, 1, 1), "不详", "1960年5月", True, dt.time(8, 0), None],
    "id_number": ["x", "11010119600517123x", "110101 19600517 1234", "110101********1234", 1.1010119600517e17,
                  110101196005171234, "000000196005171234", "110101196002301234", "110101209001011234",
                  "11010119600517123X\n", "１１０１０１１９６００５１７１２３４", None, "  ", "",
                  fake_id(1) + "\n" + fake_id(2)],
    "join_date": ["2020-07-01", 44000.0, dt.datetime(2020, 7, 1), "2020/7", dt.date(2099, 1, 1)],
    "full_date": ["", "2021-07-01", "无", 44500, dt.date(2021, 7, 1)],
    "category": ["预备", "正式", "群众", 1.0],
    "person_type": ["学生党员", "在职党员", "x" * 21],
    "status": ["转出", "去世", 3.0],
    "community": [None, "东湖社区党委", 7.0],
    "branch": [None, "  ", "x" * 61],
    "party_group": ["x" * 61, 2.0],
    "grid": [dt.date(2020, 1, 1)],
    "work_unit": ["x" * 101, 3.5],
    "phone": ["0951-1234567", "139 1234 5678", 13912345678.0, "1391234567", "12345678901", "13912345678\n",
              "13912345678\n13912345679", "+86 13912345678", None, ""],
    "address": ["x" * 201, 12.0],
    "note": ["x" * 501, "备注", True],
}


def make_source(rows: list[dict[str, Any]]) -> tuple[Source, dict[int, str]]:
    keys = [c.key for c in ROSTER.columns]
    headers = [c.label for c in ROSTER.columns]
    data = [[row.get(k) for k in keys] for row in rows]
    source = Source(Path("x.xlsx"), "名册", 3, headers, data, [n + 4 for n in range(len(data))], ROSTER)
    return source, source.auto_mapping()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_blocks_parse_exactly_as_row_by_row(seed):
    rng = random.Random(seed)
    rows = [clean_row(rng, n) for n in range(5500)]  # three blocks of 2000 and a partial one
    # Block 1 stays clean (every column form applies); elsewhere messy cells are sprinkled in.
    for n in range(2000, 5500):
        if rng.random() < 0.05:
            key = rng.choice(list(MESSY))
            rows[n][key] = rng.choice(MESSY[key])
    source, mapping = make_source(rows)
    expected = reference_parse_rows(ROSTER, source, mapping)
    assert excel_import._parse_rows(ROSTER, source, mapping, None, None) == expected
    assert sum(map(len, expected[1])) > 30  # the messy cells did produce problems


def test_each_messy_value_alone_in_a_clean_block():
    rng = random.Random(7)
    base = [clean_row(rng, n) for n in range(30)]
    for key, values in MESSY.items():
        for value in values:
            rows = [dict(r) for r in base]
            rows[11][key] = value
            source, mapping = make_source(rows)
            assert excel_import._parse_rows(ROSTER, source, mapping, None, None) == \
                reference_parse_rows(ROSTER, source, mapping), (key, value)


def test_a_mapping_that_skips_or_reorders_columns():
    rng = random.Random(4)
    source, mapping = make_source([clean_row(rng, n) for n in range(50)])
    mapping = {i: key for i, key in reversed(list(mapping.items())) if key not in ("phone", "grid")}
    records, problems = excel_import._parse_rows(ROSTER, source, mapping, None, None)
    assert (records, problems) == reference_parse_rows(ROSTER, source, mapping)
    assert list(records[0]) == [k for k in mapping.values()]


def test_progress_and_cancel_after_each_block_of_2000_rows():
    rng = random.Random(5)
    source, mapping = make_source([clean_row(rng, n) for n in range(4500)])
    calls = []
    excel_import._parse_rows(ROSTER, source, mapping, lambda n, total: calls.append((n, total)), lambda: False)
    assert calls == [(2000, 4500), (4000, 4500)]
    with pytest.raises(excel_import.ImportCancelled):
        excel_import._parse_rows(ROSTER, source, mapping, None, lambda: True)


def test_column_forms_match_their_parsers_cell_by_cell():
    """Where a column form accepts a block, every value is what the parser gives that cell."""
    rng = random.Random(9)
    for col in ROSTER.columns:
        column = getattr(col.parser, "column", None)
        assert column is not None, col.key
        clean = [clean_row(rng, n)[col.key] for n in range(40)]
        messy = MESSY.get(col.key, ["  x  ", 1.0, "x" * 600])
        samples = [clean, clean + [None], [None] * 5] + [clean[:5] + [v] + clean[5:] for v in messy] + \
            [clean[:5] + [v, None] + clean[5:] for v in messy]  # with an empty cell in the block too
        for cells in samples:
            values = column(cells)
            if values is None:
                continue
            assert values == [None if v is None else col.parser(v) for v in cells], (col.key, cells)


def test_id_numbers_with_lower_x_or_spaces_take_the_general_path():
    birth = dt.date(1960, 5, 17)
    numbers = [fake_id(n, birth, "男") for n in range(200)]
    with_x = next(n for n in numbers if n.endswith("X"))
    column = excel_import.id_number_cell.column
    assert column(numbers) == numbers
    assert column(numbers + [with_x.lower()]) is None
    assert excel_import.id_number_cell(with_x.lower()) == with_x
    assert column(numbers + [" " + numbers[0]]) is None
    future = "110101" + f"{dt.date.today() + dt.timedelta(days=1):%Y%m%d}" + "123"
    assert column([future + idcard.check_char(future)]) is None
    today = "110101" + f"{dt.date.today():%Y%m%d}" + "123"
    assert column([today + idcard.check_char(today)]) == [today + idcard.check_char(today)]


def test_bulk_insert_values_logs_as_bulk_insert_does(tmp_path):
    from core import audit
    from core.db import open_db

    rows = [{"id": n, "name": f"张{n}", "gender": "男", "id_number": None, "phone": None, "note": "x\"y",
             "created_at": "2026-01-01T00:00:00", "updated_at": "2026-01-01T00:00:00"} for n in (1, 2, 3, 7)]
    logs = []
    for way in ("dicts", "values"):
        db = open_db(tmp_path / f"{way}.db")
        if way == "dicts":
            audit.bulk_insert(db, "person", rows)
        else:
            audit.bulk_insert_values(db, "person", list(rows[0]), [tuple(r.values()) for r in rows])
        logs.append((db.execute("SELECT * FROM person ORDER BY id").fetchall(),
                     db.execute("SELECT table_name, row_id, action, old, new FROM audit_log ORDER BY id").fetchall()))
        db.close()
    assert logs[0] == logs[1] and len(logs[0][1]) == 4


def _reference_check_member_fields(values, birth_date, lookups):
    """check_member_fields as it was before today_iso and the inline date checks (the specification)."""
    from core import members
    from core.clock import add_years, today

    out = {k: values.get(k) for k in members.MEMBER_FIELDS}
    out["category"] = out["category"] or "正式党员"
    if out["category"] not in lookups["category"]:
        raise ValidationError(f"党员类别应为“正式党员”或“预备党员”，而不是“{out['category']}”。", "category")
    out["status"] = out["status"] or "正常"
    statuses = lookups["status"]
    if out["status"] not in statuses:
        raise ValidationError(f"状态“{out['status']}”不在可选范围内（{'、'.join(statuses)}）。", "status")
    person_types = lookups["person_type"]
    if out["person_type"] and out["person_type"] not in person_types:
        raise ValidationError(f"人员类型“{out['person_type']}”不在可选范围内（{'、'.join(person_types)}）。", "person_type")
    members._check_date(out, "join_date", "入党时间")
    members._check_date(out, "full_date", "转正时间")
    now = today().isoformat()
    if out["join_date"] and out["join_date"] > now:
        raise ValidationError("入党时间不能晚于今天。", "join_date")
    if out["join_date"] and birth_date and out["join_date"] < add_years(dt.date.fromisoformat(birth_date), 18).isoformat():
        raise ValidationError("入党时间早于年满 18 周岁，请核对入党时间或出生日期。", "join_date")
    if out["full_date"] and out["join_date"] and out["full_date"] < out["join_date"]:
        raise ValidationError("转正时间不能早于入党时间。", "full_date")
    if out["category"] == "预备党员" and out["full_date"]:
        raise ValidationError("预备党员还没有转正时间；已转正的请把类别改为“正式党员”。", "full_date")
    return out


def test_member_field_checks_unchanged():
    from core import members

    lookups = {"category": members.CATEGORIES, "status": members.STATUSES, "person_type": members.PERSON_TYPES}
    rng = random.Random(12)
    dates = [None, "", "2000-02-29", "2001-02-29", "1990-07-01", "1975-01-01", "2099-01-01", "不详", "20000101",
             dt.date(1980, 7, 1), dt.date(2000, 2, 29), dt.date.today().isoformat(),
             (dt.date.today() + dt.timedelta(days=1)).isoformat()]
    today = dt.date.today().isoformat()
    for _ in range(20000):
        values = {"category": rng.choice([None, "", "正式党员", "预备党员", "群众"]),
                  "status": rng.choice([None, "正常", "转出", "退休"]),
                  "person_type": rng.choice([None, "", "在职", "干部"]), "branch_id": rng.choice([1, None]),
                  "join_date": rng.choice(dates), "full_date": rng.choice(dates), "work_unit": "x"}
        birth = rng.choice([None, "1960-02-29", "1982-02-28", "1990-05-05", "2010-01-01"])
        outcomes = []
        for check in (lambda: _reference_check_member_fields(values, birth, lookups),
                      lambda: members.check_member_fields(values, birth, lookups),
                      lambda: members.check_member_fields(values, birth, lookups, today)):
            try:
                outcomes.append(check())
            except ValidationError as exc:
                outcomes.append((str(exc), exc.field))
        assert outcomes[0] == outcomes[1] == outcomes[2], (values, birth)
