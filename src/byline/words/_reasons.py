"""An audit entry's reason code in words: the list it comes from is the action's."""

from __future__ import annotations

from byline.domain.vocabulary import REASON_LISTS, AuditAction
from byline.words._catalogue import section_of, word


def reason_in_words(action: str, code: str | None, lang: str = "en") -> str:
    """The words for ``code`` given with ``action`` ("" for none; an unknown code as it is)."""
    if not code:
        return ""
    try:
        kind = REASON_LISTS[AuditAction(action)]
    except (KeyError, ValueError):
        return code
    return word(lang, section_of(kind), code) if code in set(kind) else code
