"""What a name may be, the kinds and statuses of names, and document-number normalisation."""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from byline.domain import DisplayField
from byline.vault._errors import NameRejected

MAX_NAME_CHARS = 200
MAX_DOCUMENT_CHARS = 64

# Bidirectional embeddings, overrides and isolates: they can make a public label display text
# other than what was verified. ZWJ/ZWNJ (needed by emoji sequences and Persian, Indic names) and
# the plain LRM/RLM marks stay allowed.
_BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # LRE RLE PDF LRO RLO LRI RLI FSI PDI
)
# Cc: C0/C1 controls (tab, newline, NUL...); Cs: lone surrogates; Zl/Zp: line and paragraph
# separators. Unassigned code points (Cn) are allowed: this Python's Unicode tables may predate
# the newest CJK extensions, and rare characters in real names must not be refused.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


class NameKind(StrEnum):
    """Which field of the public label a name fills (the values of ``DisplayField``)."""

    REAL_NAME = DisplayField.REAL_NAME.value
    ORGANIZATION_NAME = DisplayField.ORGANIZATION_NAME.value


class NameStatus(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"
    ERASED = "erased"


def validate_name(name: str) -> str:
    """The name as it will be stored: surrounding whitespace stripped, otherwise unchanged.

    No Unicode normalisation: a name reads back exactly as it was written (NFC and NFD forms
    are kept as given). Raises ``NameRejected``, whose message never contains the name.
    """
    if not isinstance(name, str):
        raise NameRejected("a name must be text", code="name_not_text")
    stripped = name.strip()
    if not stripped:
        raise NameRejected("the name is empty", code="name_empty")
    if len(stripped) > MAX_NAME_CHARS:
        raise NameRejected(
            f"the name is {len(stripped)} characters long; at most {MAX_NAME_CHARS} are allowed",
            code="name_too_long",
            length=len(stripped),
            most=MAX_NAME_CHARS,
        )
    for position, char in enumerate(stripped, start=1):
        if char in _BIDI_CONTROLS or unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise NameRejected(
                f"the name contains a control character (U+{ord(char):04X} at position "
                f"{position}); control, line-break and direction-override characters are "
                "not allowed",
                code="name_control_character",
                character=f"U+{ord(char):04X}",
                position=position,
            )
    return stripped


def normalise_document_number(number: str) -> str:
    """The canonical form that is hashed: NFKC (full-width digits become ASCII), without spaces
    or hyphens, upper case (the check character X of a resident identity card). Raises
    ``ValueError`` without repeating the number."""
    canonical = squash(number)
    if not canonical:
        raise ValueError("the document number is empty")
    if len(canonical) > MAX_DOCUMENT_CHARS or not canonical.isprintable():
        raise ValueError("the document number is not a plausible document number")
    return canonical


def squash(text: str) -> str:
    """NFKC, upper case, without whitespace or hyphens: the form document numbers compare in."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if not c.isspace() and c != "-").upper()
