"""Reasons on the console's forms: a select of the codes of one closed list, worded in the
page's language (the list's section of the one catalogue, ``byline.words``), and an optional
note.

The code is what the case, the audit trail and the creator's notice keep; the note goes to the
vault (encrypted) and is read only through the audited note reveal. Nothing typed in a reason
field ever reaches the audit log.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from byline import words
from byline.console._i18n import Translator
from byline.domain.vocabulary import (
    MAX_NOTE_CHARS,
    AppealDecisionReason,
    AppealReason,
    ErasureReason,
    RefusalReason,
    RejectionReason,
    StaffReadReason,
    WithdrawalReason,
)

E = TypeVar("E", bound=StrEnum)

# Each list's name on the console's forms (``reason_choices("rejection")``).
GROUPS: dict[type[StrEnum], str] = {
    RejectionReason: "rejection",
    RefusalReason: "refusal",
    AppealReason: "appeal",
    AppealDecisionReason: "appeal_decision",
    WithdrawalReason: "withdrawal",
    StaffReadReason: "staff_read",
    ErasureReason: "erasure",
}
_BY_GROUP = {group: kind for kind, group in GROUPS.items()}


class BadReason(ValueError):
    """A reason field the form cannot take; ``key`` is the error's catalogue key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def choices(t: Translator, group: str) -> list[tuple[str, str]]:
    """(code, words) for each code of the list named ``group``, in the list's order."""
    return [(code.value, words.term(t.lang, code)) for code in _BY_GROUP[group]]


def in_words(t: Translator, action: str, code: str | None) -> str:
    """An audit entry's reason code in the page's language ("" for none)."""
    return words.reason_in_words(action, code, t.lang)


def reason_of(value: str, kind: type[E]) -> E | None:
    """A form's ``reason`` field as a code of ``kind`` (None when left empty)."""
    value = value.strip()
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise BadReason("reason_invalid") from None


def note_of(value: str) -> str | None:
    """A form's optional ``note`` field (None when empty); too long raises ``BadReason``."""
    note = value.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise BadReason("note_too_long")
    return note or None
