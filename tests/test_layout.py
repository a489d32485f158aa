"""Line wrapping in printed tables: Chinese breaks anywhere, numbers and latin words stay whole."""

from __future__ import annotations

from reports.layout import text_width, wrap

SIZE = 10


def test_a_number_is_never_split_across_lines():
    text = "本月共召开会议 81 次；党员出席率 85.2%，走访覆盖率 90.5%"
    for width in range(60, 260, 7):
        lines = wrap(text, width, SIZE).split("\n")
        assert "".join(lines) == text
        for number in ("85.2%", "90.5%", "81"):
            assert any(number in line for line in lines), (width, lines)
        assert all(text_width(line, SIZE) <= width for line in lines if len(line) > 1)


def test_a_token_wider_than_the_line_still_breaks_and_loses_nothing():
    text = "编号" + "A1234567890" * 6
    lines = wrap(text, 80, SIZE).split("\n")
    assert "".join(lines) == text and len(lines) > 3
    assert all(text_width(line, SIZE) <= 80 for line in lines)


def test_line_breaks_in_the_text_are_kept():
    assert wrap("第一行\n第二行", 500, SIZE) == "第一行\n第二行"
