"""Chinese (zh-CN) and English: message catalogues, the language a viewer gets, and dates and
numbers in the viewer's locale.

Catalogues are TOML files beside this module (``messages/<lang>/<area>.toml``, one file per
area of the console, merged), one key per message; ``{name}`` placeholders are filled by
``str.format``. Every language has every key (a test
holds them to it), so a missing message is a failing test, never a raw key on a page.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from pathlib import Path

LANGUAGES = ("zh-CN", "en")
DEFAULT = "en"
COOKIE = "byline_lang"
_DIR = Path(__file__).parent / "messages"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, object]) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(name + ".", value)
            else:
                flat[name] = str(value)

    for path in sorted((_DIR / lang).glob("*.toml")):
        with path.open("rb") as f:
            walk("", tomllib.load(f))
    return flat


def pick(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's choice, else the first supported language the browser accepts."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self._messages = catalogue(self.lang)

    def __call__(self, key: str, **values: object) -> str:
        text = self._messages.get(key)
        if text is None:
            text = catalogue(DEFAULT).get(key, key)
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._messages

    def date(self, value: dt.date | dt.datetime | str | None) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            value = _parse(value)
        day = value.date() if isinstance(value, dt.datetime) else value
        if self.lang == "zh-CN":
            text = f"{day.year}年{day.month}月{day.day}日"
        else:
            text = f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
        return text

    def datetime(self, value: dt.datetime | str | None) -> str:
        if value is None or value == "":
            return "—"
        parsed = _parse(value) if isinstance(value, str) else value
        if not isinstance(parsed, dt.datetime):
            return self.date(parsed)
        utc = parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        return f"{self.date(utc)} {utc:%H:%M} UTC"

    def number(self, value: int | float | None) -> str:
        if value is None:
            return "—"
        return f"{value:,}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _parse(text: str) -> dt.date | dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return dt.date.fromisoformat(text)
