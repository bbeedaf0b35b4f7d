"""Charts people read: ticks, short numbers in each language, every text escaped, a PNG."""

from __future__ import annotations

import itertools
import re

import pytest

from byline.words import Series, chart_png, chart_svg, compact
from byline.words._chart import nice_ticks


@pytest.mark.parametrize(
    ("lang", "n", "shown"),
    [
        ("en", 0, "0"),
        ("en", 500_000, "500k"),
        ("en", 1_500_000, "1.5M"),
        ("zh-CN", 500_000, "50万"),
        ("zh-CN", 2_000_000, "200万"),
        ("zh-CN", 300_000_000, "3亿"),
        ("zh-CN", 9_999, "9999"),
    ],
)
def test_compact_numbers(lang: str, n: int, shown: str) -> None:
    assert compact(lang, n) == shown


@pytest.mark.parametrize("top", [0, 1, 3, 11, 38, 99, 1234, 2_000_000])
def test_ticks_start_at_zero_reach_the_top_in_round_whole_steps(top: int) -> None:
    ticks = nice_ticks(top)
    assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) <= 7
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and all(s >= 1 and s == int(s) for s in steps)
    assert str(int(next(iter(steps))))[0] in "125"


def test_every_text_is_escaped_and_the_chart_says_itself() -> None:
    hostile = '<script>alert(1)</script>&"'
    svg = chart_svg(
        "en", hostile, "x (date)", "accounts (number)", [hostile, "b"], [Series(hostile, [1, None])]
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert re.search(r"<title id=\"chart-title\">", svg) and "<desc" in svg
    assert "style=" not in svg and "<script" not in svg  # the console's CSP allows neither
    assert "x (date)" in svg and "accounts (number)" in svg
    assert svg.count("<circle") == 1  # a value missing is drawn as none, not as 0


def test_the_png_is_rendered() -> None:
    svg = chart_svg(
        "zh-CN", "需公示的账号数", "门槛（粉丝数）", "账号（个）", ["50万"], [Series("合计", [3])]
    )
    png = chart_png(svg)
    assert png.startswith(b"\x89PNG") and len(png) > 5_000
