"""Building roster spreadsheets the way offices really have them, for the import tests."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from openpyxl import Workbook

from core import idcard

HEADER = ["序号", "名字", "性别", "民族", "出生日期", "身份证号码", "学历", "籍贯", "入党日期", "转正时间",
          "党员类别", "人员类型", "社区", "所在支部", "党小组", "网格", "工作单位及职务", "联系电话", "家庭住址", "备注"]


def fake_id(seed: int, birth: dt.date = dt.date(1960, 5, 17), gender: str = "男") -> str:
    return idcard.make_fake(random.Random(seed), "110101", birth, gender)


def member_row(n: int, **overrides) -> list:
    gender = "男" if n % 2 else "女"
    birth = dt.date(1950 + n % 40, 1 + n % 12, 1 + n % 28)
    values = {
        "序号": n, "名字": f"张{'一二三四五六七八九十'[n % 10]}{n}", "性别": gender, "民族": "汉族",
        "出生日期": birth, "身份证号码": fake_id(n, birth, gender), "学历": "大专", "籍贯": "宁夏灵武",
        "入党日期": dt.date(birth.year + 25, 7, 1), "转正时间": dt.date(birth.year + 26, 7, 1),
        "党员类别": "正式党员", "人员类型": "离退休", "社区": "西湖社区", "所在支部": "西湖社区党支部",
        "党小组": "第一党小组", "网格": "第一网格", "工作单位及职务": None, "联系电话": f"1391234{n:04d}",
        "家庭住址": f"西湖小区{n}号楼", "备注": None,
    }
    values.update(overrides)
    return [values[h] for h in HEADER]


def write_roster(path: Path, rows: list[list], title: str | None = "西湖社区党员花名册",
                 header: list[str] | None = None, subtitle: str | None = "填报单位：西湖社区党委",
                 merges: list[str] = ()) -> Path:
    header = header or HEADER
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "党员名册"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    if subtitle:
        sheet.append([subtitle])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    workbook.save(path)
    return path
