"""PDFs embed a Chinese TrueType font, so they print the same on any PC."""

import shutil
import subprocess

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from reports import fonts

pytestmark = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")


def test_chinese_line_is_embedded_and_extractable(tmp_path):
    path = tmp_path / "font.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont(fonts.font_name(), 14)
    c.drawString(72, 760, "党建工作责任书：城区街道党工委与西湖社区党委")
    c.save()
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk_rows = [row for row in listing.splitlines()[2:] if "Hei" in row or "Song" in row or "Ming" in row or "YaHei" in row]
    assert cjk_rows and all(row.split()[-5] == "yes" for row in cjk_rows), listing  # the "emb" column
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "党建工作责任书：城区街道党工委与西湖社区党委" in text


def test_missing_font_gives_instructions(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "candidate_paths", lambda: [tmp_path / "none.ttc"])
    fonts.register_font.cache_clear()
    try:
        with pytest.raises(fonts.UserError, match="fonts-wqy-zenhei"):
            fonts.register_font()
    finally:
        fonts.register_font.cache_clear()
