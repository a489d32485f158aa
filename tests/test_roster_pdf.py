"""The printed 党员花名册: landscape A4, header row on every page, page x of y per branch, masked by default."""

import subprocess

from core import members, orgs
from core.members import MemberQuery
from reports.roster_pdf import write_roster_pdf


def pdftext(path, page=None):
    args = ["pdftotext", "-layout"] + (["-f", str(page), "-l", str(page)] if page else []) + [str(path), "-"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return text.replace(" ", "")  # pdftotext's spacing between CJK glyphs varies


def pages(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    return count, size


def test_branch_roster_repeats_header_and_numbers_pages(demo_db, tmp_path):
    branch = max(orgs.branches(demo_db), key=lambda b: members.count_members(demo_db, MemberQuery(branch_id=b.id)))
    roster = members.query_members(demo_db, MemberQuery(branch_id=branch.id))
    out = write_roster_pdf(demo_db, tmp_path / "roster.pdf", [branch.id])
    count, size = pages(out)
    assert "841.89 x 595.276" in size  # A4 landscape
    for page in range(1, count + 1):
        text = pdftext(out, page)
        assert "公民身份号码" in text and "工作单位及职务" in text
        assert f"第{page}页共{count}页" in text
        assert branch.name in text and "城区街道党工委" in text
    whole = pdftext(out)
    assert f"合计：{len(roster)}名党员" in whole
    assert roster[0].id_number not in whole and roster[0].id_number[-4:] in whole


def test_long_roster_spans_pages_and_each_branch_numbers_its_own(demo_db, tmp_path):
    from core import audit

    branch = orgs.branches(demo_db)[0]
    others = [m.id for m in members.query_members(demo_db) if m.branch_id != branch.id][:60]
    with demo_db.atomic():
        for member_id in others:
            audit.update(demo_db, "member", member_id, {"branch_id": branch.id, "party_group_id": None})
    second = orgs.branches(demo_db)[1]
    out = write_roster_pdf(demo_db, tmp_path / "two.pdf", [branch.id, second.id], masked=False)
    count, _ = pages(out)
    first_pages = [p for p in range(1, count + 1) if branch.name in pdftext(out, p)]
    assert len(first_pages) >= 2
    assert f"第2页共{len(first_pages)}页" in pdftext(out, 2)
    assert "第1页" in pdftext(out, len(first_pages) + 1)
    assert "公民身份号码" in pdftext(out, 2)
    unmasked = members.query_members(demo_db, MemberQuery(branch_id=second.id), limit=1)[0]
    assert unmasked.id_number in pdftext(out)


def test_cancel_leaves_no_file(demo_db, tmp_path):
    import pytest

    from reports.roster_pdf import Cancelled

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(Cancelled):
        write_roster_pdf(demo_db, out / "c.pdf", should_cancel=lambda: True)
    assert list(out.iterdir()) == []


def test_long_work_unit_with_markup_characters_wraps(demo_db, tmp_path):
    from core import audit

    branch = orgs.branches(demo_db)[0]
    member = members.query_members(demo_db, MemberQuery(branch_id=branch.id), limit=1)[0]
    audit.update(demo_db, "member", member.id, {"work_unit": "宁东能源化工基地<煤制油>分公司 & 设备管理部副主任工程师"})
    out = write_roster_pdf(demo_db, tmp_path / "w.pdf", [branch.id])
    assert "<煤制油>" in pdftext(out)
