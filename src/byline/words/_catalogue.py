"""The catalogue: Byline's words per language, read from ``catalogues/<lang>.toml``.

A section named after a vocabulary enum (the snake case of its class name) holds one word per
member, keyed by the member's value; ``case_state_meaning`` says what each case state means.
``metric``, ``channel`` and ``subject_noun`` word the open lists a policy file names by code;
``explain`` and ``case`` hold sentence templates (``str.format``, named placeholders).
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from byline.domain import vocabulary
from byline.domain.cases import CaseState

LANGUAGES = ("en", "zh-CN")
DEFAULT = "en"
_DIR = Path(__file__).parent / "catalogues"


def section_of(kind: type[StrEnum]) -> str:
    """The catalogue section of an enum: ``RefusalReason`` -> ``refusal_reason``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()


# Every enum whose values are shown to people, by section; a test holds the catalogues to it.
TERMS: Mapping[str, type[StrEnum]] = {
    **{
        section_of(kind): kind
        for kind in vars(vocabulary).values()
        if isinstance(kind, type) and issubclass(kind, StrEnum) and kind is not StrEnum
    },
    section_of(CaseState): CaseState,
    "case_state_meaning": CaseState,
}
# Lists a policy file may extend with its own codes (shown as written when unknown).
OPEN = ("metric", "channel", "subject_noun")
# Sentence templates.
SENTENCES = ("explain", "case", "report", "chart")


def check(lang: str) -> str:
    """``lang`` if a catalogue speaks it, else a ``ValueError`` naming the languages."""
    if lang not in LANGUAGES:
        raise ValueError(f"no words in {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


@functools.cache
def catalogue(lang: str) -> Mapping[str, Mapping[str, str]]:
    """Every section of ``lang``'s catalogue."""
    with (_DIR / f"{check(lang)}.toml").open("rb") as f:
        data = tomllib.load(f)
    return {section: dict(entries) for section, entries in data.items()}


def term(lang: str, code: StrEnum) -> str:
    """The word for a member of a vocabulary enum."""
    return catalogue(lang)[section_of(type(code))][code.value]


def word(lang: str, section: str, value: str) -> str:
    """The word for ``value`` in ``section``; a value the catalogue lacks as written, less
    underscores (a metric or channel a policy file made up, a code from a newer release)."""
    found = catalogue(lang).get(section, {}).get(str(value))
    return found if found is not None else str(value).replace("_", " ")


def say(lang: str, section: str, key: str, **values: object) -> str:
    """A sentence template of ``section`` filled with ``values``."""
    text = catalogue(lang)[section][key]
    return text.format(**values) if values else text
