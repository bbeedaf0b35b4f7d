"""The one catalogue: every member of every vocabulary enum has a word in every language, and no
word is left for a member that is gone."""

from __future__ import annotations

import inspect
import re
from enum import StrEnum

import pytest

from byline.domain import cases, vocabulary
from byline.policy import load_policy, preset_names
from byline.words import LANGUAGES, OPEN, SENTENCES, TERMS, catalogue, section_of

# Every enum whose values people see: all of the vocabulary's, and the case's states.
SHOWN = [
    kind
    for _, kind in inspect.getmembers(vocabulary, inspect.isclass)
    if issubclass(kind, StrEnum) and kind is not StrEnum
] + [cases.CaseState]
# A template may use a value the English one leaves out (Chinese says "5,000 个账号").
EXTRA_PLACEHOLDERS = {"noun"}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_every_enum_people_see_has_a_section() -> None:
    assert len(SHOWN) >= 17
    missing = [kind.__name__ for kind in SHOWN if TERMS.get(section_of(kind)) is not kind]
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("section", sorted(TERMS))
def test_every_member_has_a_word_and_every_word_a_member(lang: str, section: str) -> None:
    words = catalogue(lang).get(section, {})
    values = {member.value for member in TERMS[section]}
    assert sorted(values - set(words)) == [], f"{lang} [{section}]: members without a word"
    assert sorted(set(words) - values) == [], f"{lang} [{section}]: stale words"
    assert all(word.strip() for word in words.values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogue_holds_only_known_sections(lang: str) -> None:
    assert set(catalogue(lang)) == {*TERMS, *OPEN, *SENTENCES}


@pytest.mark.parametrize("section", [*OPEN, *SENTENCES])
def test_both_languages_have_the_same_keys_and_placeholders(section: str) -> None:
    en, zh = catalogue("en")[section], catalogue("zh-CN")[section]
    assert set(en) == set(zh), section
    for key in en:
        assert placeholders(zh[key]) ^ placeholders(en[key]) <= EXTRA_PLACEHOLDERS, key


@pytest.mark.parametrize("name", preset_names())
def test_every_presets_own_codes_have_words(name: str) -> None:
    policy = load_policy(name)
    for lang in LANGUAGES:
        words = catalogue(lang)
        assert set(policy.metrics) <= set(words["metric"]), (name, lang)
        assert policy.notice.channel in words["channel"], (name, lang)
        assert policy.policy.subject_noun in words["subject_noun"], (name, lang)


def test_the_chinese_words_are_chinese() -> None:
    for section in TERMS:
        for code, word in catalogue("zh-CN")[section].items():
            # A code or an acronym (API, Webhook) may stand beside Chinese; a word may not.
            left = re.sub(r"\b(API|Webhook)\b", "", word)
            assert not re.search(r"[a-z]{2}", left), (section, code, word)
