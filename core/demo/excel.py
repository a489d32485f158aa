"""Demo step for Excel exchange: an upper level's export layout, as a street office would have saved it."""

from __future__ import annotations

from core.db import Db
from core.demo import DemoContext
from core.excel_export import ExportLayout, LayoutColumn, save_layout


def build(db: Db, ctx: DemoContext) -> None:
    save_layout(db, ExportLayout("市委组织部党员信息采集表", (
        LayoutColumn("seq", "序号"),
        LayoutColumn("name", "姓名"),
        LayoutColumn("gender", "性别", {"男": "1", "女": "2"}),
        LayoutColumn("id_number", "公民身份号码"),
        LayoutColumn("ethnicity", "民族"),
        LayoutColumn("education", "学历"),
        LayoutColumn("join_date", "入党日期"),
        LayoutColumn("full_date", "转正日期"),
        LayoutColumn("category", "党员类别", {"正式党员": "1", "预备党员": "2"}),
        LayoutColumn("branch", "所在党支部"),
        LayoutColumn("phone", "联系电话"),
    ), title="党员信息采集表"))
