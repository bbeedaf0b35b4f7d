"""What a name may be, and the canonical form of a document number."""

from __future__ import annotations

import re
import unicodedata

import pytest

from byline.domain import DisplayField
from byline.vault import (
    MAX_NAME_CHARS,
    NameKind,
    NameRejected,
    normalise_document_number,
    validate_name,
)


@pytest.mark.parametrize(
    "name, stored",
    [
        ("王高飞", "王高飞"),
        ("  王高飞\u3000", "王高飞"),  # surrounding spaces, ideographic included, are stripped
        ("欧阳 娜娜", "欧阳 娜娜"),
        ("Jose\u0301", "Jose\u0301"),  # not normalised: NFD stays NFD
        ("👩\u200d👩\u200d👧", "👩\u200d👩\u200d👧"),  # zero-width joiners are part of the emoji
        ("می\u200cخواهم", "می\u200cخواهم"),  # ZWNJ, needed in Persian
        ("\ue000氏", "\ue000氏"),  # private use: rare characters in legacy Chinese systems
        ("Ng\u200euyen", "Ng\u200euyen"),  # a plain left-to-right mark
        ("飞" * MAX_NAME_CHARS, "飞" * MAX_NAME_CHARS),
    ],
)
def test_acceptable_names(name: str, stored: str) -> None:
    assert validate_name(name) == stored


@pytest.mark.parametrize(
    "name, why",
    [
        ("", "empty"),
        (" \t\n", "empty"),
        ("飞" * (MAX_NAME_CHARS + 1), "201 characters"),
        ("王\t飞", "U+0009 at position 2"),
        ("王\r\n飞", "U+000D"),
        ("王\x00飞", "U+0000"),
        ("王\x7f飞", "U+007F"),
        ("王\x9b飞", "U+009B"),
        ("王\u2029飞", "U+2029"),
        ("王\ud800飞", "U+D800"),
        *[
            (f"王{c}飞", f"U+{ord(c):04X}")
            for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        ],
    ],
)
def test_unacceptable_names_say_why_but_not_what(name: str, why: str) -> None:
    with pytest.raises(NameRejected, match=re.escape(why)) as refusal:
        validate_name(name)
    assert "王" not in str(refusal.value) and "飞" not in str(refusal.value)


def test_every_control_character_is_refused() -> None:
    controls = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cc"]
    assert len(controls) == 65
    for control in controls:
        with pytest.raises(NameRejected):
            validate_name(f"a{control}b")


def test_a_name_kind_is_a_label_field() -> None:
    assert {k.value for k in NameKind} == {
        DisplayField.REAL_NAME.value,
        DisplayField.ORGANIZATION_NAME.value,
    }
    for field in (DisplayField.REAL_NAME, DisplayField.ORGANIZATION_NAME):
        assert NameKind(field).value == field.value  # the service may pass the label field
    with pytest.raises(ValueError):
        NameKind(DisplayField.REGION)


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",
        "110105 19491231 002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105-19491231-002X",
    ],
)
def test_document_numbers_have_one_canonical_form(number: str) -> None:
    assert normalise_document_number(number) == "11010519491231002X"


@pytest.mark.parametrize("number", ["", "  - ", "1" * 65, "1101\x0005"])
def test_implausible_document_numbers_are_refused_without_echo(number: str) -> None:
    with pytest.raises(ValueError) as refusal:
        normalise_document_number(number)
    assert number.strip() == "" or number not in str(refusal.value)
    assert "1101" not in str(refusal.value)
