"""What a transition returns: the new case, its audit actions and the effects it causes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from byline.domain.cases._case import Case
from byline.domain.enforcement import ActiveRestriction
from byline.domain.vocabulary import AuditAction


@dataclass(frozen=True)
class CreatorMessage:
    """A message to the holder, delivered by the platform (notice, rejection, overdue ...)."""

    template: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EnforcementChanged:
    restrictions: tuple[ActiveRestriction, ...]
    incentives: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class LabelChanged:
    live: bool
    name_id: str | None


@dataclass(frozen=True)
class Flagged:
    flag: str
    detail: dict[str, Any] = field(default_factory=dict)


Effect = CreatorMessage | EnforcementChanged | LabelChanged | Flagged


@dataclass(frozen=True)
class Transition:
    case: Case
    actions: tuple[AuditAction, ...]  # one audit entry each
    effects: tuple[Effect, ...]
    detail: dict[str, Any] = field(default_factory=dict)  # for the audit entry; no names


def why(reason: StrEnum | None, note_id: str | None) -> dict[str, Any]:
    """What an audit entry keeps of a reason: the code, and the vault's id of a note if any."""
    detail: dict[str, Any] = {"reason": reason.value if reason is not None else None}
    if note_id is not None:
        detail["note_id"] = note_id
    return detail
