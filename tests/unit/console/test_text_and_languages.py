"""Names render inertly; both languages have every message; dates follow the viewer's locale."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from byline.console import _i18n
from byline.console._text import inert, neutralise

TEMPLATES = Path(_i18n.__file__).parent / "templates"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\u202eb", "a[U+202E]b"),  # right-to-left override
        ("\u2066x\u2069", "[U+2066]x[U+2069]"),  # isolates
        ("ad\u200bmin", "ad[U+200B]min"),  # zero-width space
        ("ad\u200cmin", "ad[U+200C]min"),  # a joiner inside a Latin word: a look-alike trick
        ("\ufeffname", "[U+FEFF]name"),
        ("x\u0000y", "x[U+0000]y"),
        ("می\u200cخواهم", "می\u200cخواهم"),  # Persian needs its non-joiner
        ("👩\u200d💻", "👩\u200d💻"),  # an emoji sequence needs its joiner
        ("Tom\u2063", "Tom[U+2063]"),  # an invisible separator
        ("Tom\U000e0041", "Tom[U+E0041]"),  # a tag character after ASCII
        ("A\u3164B", "A[U+3164]B"),  # a Hangul filler: a blank "letter"
        ("x\ufe0f", "x[U+FE0F]"),  # a variation selector on a Latin letter
        ("\u2764\ufe0f", "\u2764\ufe0f"),  # ... but an emoji needs it
        ("葛\U000e0100", "葛\U000e0100"),  # an ideographic variant of a CJK character
        ("王高飞", "王高飞"),
        ("Ölçü Şahin", "Ölçü Şahin"),
    ],
)
def test_neutralise_shows_what_would_hide_or_reorder(raw: str, shown: str) -> None:
    assert neutralise(raw) == shown


def test_inert_escapes_markup_and_isolates_direction() -> None:
    html = str(inert('<img src=x onerror="alert(1)">\u202e'))
    assert html.startswith('<bdi class="name">') and html.endswith("</bdi>")
    assert "<img" not in html and "&lt;img" in html and "[U+202E]" in html
    assert str(inert(None)) == ""


def test_both_languages_have_the_same_messages() -> None:
    en, zh = _i18n.catalogue("en"), _i18n.catalogue("zh-CN")
    assert set(en) == set(zh), (
        f"only in en: {sorted(set(en) - set(zh))}; only in zh-CN: {sorted(set(zh) - set(en))}"
    )
    for key in en:  # the same placeholders, so a translation cannot drop a value
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", zh[key])), key


def test_every_message_a_template_names_exists() -> None:
    known = set(_i18n.catalogue("en"))
    missing = []
    for template in TEMPLATES.glob("*.html"):
        for key in re.findall(r"""t\(\s*["']([a-z0-9_.-]+)["']""", template.read_text()):
            if not key.endswith(".") and key not in known:  # "x." ~ value: dynamic
                missing.append(f"{template.name}: {key}")
    assert not missing, missing


def test_language_choice() -> None:
    assert _i18n.pick("zh-CN", "en") == "zh-CN"
    assert _i18n.pick(None, "zh-TW,zh;q=0.9,en;q=0.8") == "zh-CN"
    assert _i18n.pick(None, "fr-FR,en;q=0.5") == "en"
    assert _i18n.pick("xx", None) == "en"


def test_dates_in_the_viewers_locale() -> None:
    when = dt.datetime(2023, 11, 5, 14, 30, tzinfo=dt.UTC)
    assert _i18n.Translator("zh-CN").date(when) == "2023年11月5日"
    assert _i18n.Translator("en").date(when) == "5 Nov 2023"
    assert _i18n.Translator("en").datetime("2023-11-05T14:30:00+00:00") == "5 Nov 2023 14:30 UTC"
    assert _i18n.Translator("zh-CN").datetime(None) == "—"
