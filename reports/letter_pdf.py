"""The printed 党建工作责任书: one formal A4 letter per community, and all of a year's letters in one file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import letters, measures, settings
from core.db import Db
from core.errors import UserError
from reports.fonts import font_name
from reports.layout import (
    FRAME_WIDTH, HEADER_FILL, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, RULE_COLOR, DocumentMark, GridTable, TextBlock, chinese_date,
    numbered_canvas, safe_filename, styles, wrap,
)

ITEM_HEADER = ["序号", "类别", "目标任务", "考核标准", "目标值", "分值", "考核方式"]
ITEM_WIDTHS = [10 * mm, 16 * mm, 38 * mm, 46 * mm, 22 * mm, 12 * mm, 26 * mm]
CELL_SIZE = 9.5
CELL_PAD = 3


@dataclass(frozen=True)
class LetterContent:
    """Everything one printed letter shows."""

    letter: letters.Letter
    items: tuple[letters.LetterItem, ...]


def load_contents(db: Db, year: int, community_ids: list[int] | None = None) -> list[LetterContent]:
    """The year's letters (optionally some communities only) with their items, in community order."""
    found = letters.list_letters(db, year)
    if community_ids is not None:
        wanted = set(community_ids)
        found = [l for l in found if l.community_id in wanted]
    if not found:
        raise UserError(f"{year} 年还没有责任书。请先在“责任书”界面按模板生成各社区的责任书。")
    return [LetterContent(l, tuple(letters.letter_items(db, l.id))) for l in found]


def _method(item: letters.LetterItem) -> str:
    return "手工录入" if item.is_manual else f"台账统计：{measures.label(item.measure_code)}"


def _items_table(items: tuple[letters.LetterItem, ...]) -> GridTable:
    rows: list[list[str | None]] = [
        [str(number), item.category, item.task, item.standard, item.target_text,
         letters.format_number(item.weight), _method(item)]
        for number, item in enumerate(items, start=1)
    ]
    rows.append(["", "合计", None, None, None, letters.format_number(sum(i.weight for i in items)), ""])
    return GridTable(ITEM_HEADER, rows, ITEM_WIDTHS, CELL_SIZE, align="CLLLLCL")


def _signature_block(letter: letters.Letter) -> Table:
    font = font_name()
    date = chinese_date(letter.signed_date)
    half = FRAME_WIDTH / 2

    def side(role: str, party: str, signer_title: str, signer: str) -> str:
        return (wrap(f"{role}：{party}（盖章）", half - 12, 11.5, font) + "\n\n\n\n"
                + f"{signer_title}：{signer}\n签　　字：＿＿＿＿＿＿＿＿\n签订日期：{date}")

    data = [[
        side("甲方", letter.street_party, "党工委书记", letter.street_signer),
        side("乙方", letter.community_name, "党组织书记", letter.secretary_name),
    ]]
    table = Table(data, colWidths=[half, half])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 11.5, 20),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 10),
    ]))
    return table


def letter_story(content: LetterContent) -> list:
    """The flowables of one letter: title, parties, preamble, items, terms, signatures."""
    st = styles()
    letter = content.letter
    parties = Table(
        [[f"甲方：{letter.street_party}", f"责任人：{letter.street_signer or '＿＿＿＿'}"],
         [f"乙方：{letter.community_name}", f"责任人：{letter.secretary_name or '＿＿＿＿'}"]],
        colWidths=[FRAME_WIDTH * 0.62, FRAME_WIDTH * 0.38],
    )
    parties.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font_name(), 12, 22),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story: list = [
        DocumentMark(f"{letter.id}"),
        Paragraph("党建工作责任书", st["title"]),
        Paragraph(f"（{letter.year}年度）", st["subtitle"]),
        parties,
        Spacer(1, 6),
    ]
    if letter.preamble:
        story.append(TextBlock(letter.preamble, indent=23))
    story += [TextBlock("一、目标任务", size=13, space_before=8, space_after=4), _items_table(content.items)]
    story.append(TextBlock("二、责任条款", size=13, space_before=10, space_after=4))
    story.append(TextBlock(letter.closing, indent=23))
    story += [Spacer(1, 10), KeepTogether([_signature_block(letter)])]
    return story


def render(contents: list[LetterContent], out: Path, office_name: str,
           progress: Callable[[int, int], None] | None = None, cancelled: Callable[[], bool] | None = None) -> Path:
    """Write the letters into one PDF (each starting on a new page, numbered on its own)."""
    story: list = []
    for index, content in enumerate(contents):
        if cancelled and cancelled():
            raise UserError("已取消生成责任书。")
        if index:
            story.append(PageBreak())
        story += letter_story(content)
        if progress:
            progress(index + 1, len(contents))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    doc = SimpleDocTemplate(
        str(tmp), leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
        title=f"党建工作责任书（{contents[0].letter.year}年度）" if contents else "党建工作责任书",
        author=office_name,
    )
    footer = f"{office_name}  ·  打印日期 {dt.date.today().isoformat()}"
    doc.build(story, canvasmaker=numbered_canvas(footer))
    tmp.replace(out)
    return out


def letter_filename(letter: letters.Letter) -> str:
    return safe_filename(f"{letter.year}年党建工作责任书-{letter.community_name}.pdf")


def combined_filename(year: int) -> str:
    return f"{year}年党建工作责任书-合订本.pdf"


def write_letters(db: Db, year: int, out_dir: Path, community_ids: list[int] | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> list[Path]:
    """One PDF per community and the combined file for batch printing; returns the paths (combined last)."""
    contents = load_contents(db, year, community_ids)
    office = settings.get(db, "office_name")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    steps = len(contents) + 1
    for index, content in enumerate(contents, start=1):
        if cancelled and cancelled():
            raise UserError("已取消生成责任书。")
        written.append(render([content], out_dir / letter_filename(content.letter), office))
        if progress:
            progress(index, steps)
    written.append(render(contents, out_dir / combined_filename(year), office, cancelled=cancelled))
    if progress:
        progress(steps, steps)
    return written
