"""How each language writes dates, counts and thresholds (the parts a template cannot say)."""

from __future__ import annotations

import datetime as dt

from byline.domain.policy import Threshold
from byline.words._catalogue import say, word


def date(lang: str, day: dt.date) -> str:
    """A day: ISO in English (unambiguous to every reader), 2023年10月16日 in Chinese."""
    if lang == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def count(lang: str, n: int) -> str:
    """A count in a threshold: 1,000,000; in Chinese as readers write it: 100 万, 1 亿, else
    the digits (5,000; 1,234,567)."""
    if lang == "zh-CN":
        if n >= 100_000_000 and n % 100_000_000 == 0:
            return f"{n // 100_000_000:,} 亿"
        if n >= 10_000 and n % 10_000 == 0:
            return f"{n // 10_000:,} 万"
    return f"{n:,}"


def at_least(lang: str, metric: str, value: int) -> str:
    """One part of a threshold: "1,000,000 or more followers", "粉丝数 100 万及以上"."""
    name = word(lang, "metric", metric)
    number = count(lang, value)
    if lang == "zh-CN":
        # A space between digits and Chinese, none between two Chinese characters.
        space = " " if number[-1].isascii() else ""
        return f"{name} {number}{space}及以上"
    return f"{number} or more {name}"


def threshold(lang: str, limits: Threshold) -> str:
    """A whole threshold: every metric must be met."""
    return say(lang, "explain", "threshold_sep").join(
        at_least(lang, metric, value) for metric, value in limits.items()
    )


def tier_count(lang: str, n: int) -> str:
    return say(lang, "explain", "tier_count_one" if n == 1 else "tier_count", n=n)
