"""What a creator is told about their own case: each reason and each cost of refusing as a code,
the rule it comes from and its words in the requested language (``byline.words``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from byline.domain.cases import CaseState
from byline.domain.enforcement import ActiveRestriction
from byline.domain.vocabulary import Trigger
from byline.service._desk import CaseDesk as Programme
from byline.service._desk import NoCase
from byline.service._views import CaseView
from byline.service.policies import active_policy
from byline.words import Quoted, case_reasons, check, describe_penalty


@dataclass(frozen=True)
class Worded:
    """One line said to the holder: what it says as a code, the rule it comes from ('' for
    none), and its words in the obligation's language."""

    code: str
    rule: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "rule": self.rule, "text": self.text}


@dataclass(frozen=True)
class Obligation:
    """What the holder is told: whether they must disclose, why, by when, what refusing costs
    and what is restricted now (``state``, ``tier``, ``deadline``: their latest case's)."""

    account_id: str
    required: bool
    state: CaseState | None
    tier: str | None
    deadline: dt.datetime | None
    lang: str
    why: tuple[Worded, ...]
    costs_if_refused: tuple[Worded, ...]
    restrictions: tuple[ActiveRestriction, ...]
    voluntary_allowed: bool
    voluntary: bool  # the latest case is a voluntary disclosure

    @property
    def reasons(self) -> list[str]:
        return [line.text for line in self.why]

    @property
    def penalties_if_refused(self) -> list[str]:
        return [cost.text for cost in self.costs_if_refused]

    def as_dict(self) -> dict[str, Any]:
        """The obligation as the API sends it."""
        return {
            "account_id": self.account_id,
            "required": self.required,
            "state": self.state.value if self.state is not None else None,
            "tier": self.tier,
            "deadline": self.deadline.isoformat() if self.deadline is not None else None,
            "lang": self.lang,
            "reasons": self.reasons,
            "why": [line.as_dict() for line in self.why],
            "penalties_if_refused": self.penalties_if_refused,
            "costs_if_refused": [cost.as_dict() for cost in self.costs_if_refused],
            "restrictions": [r.as_dict() for r in self.restrictions],
            "voluntary_allowed": self.voluntary_allowed,
        }


def obligation_of(
    programme: Programme, platform: str, account_id: str | None, lang: str = "en"
) -> Obligation:
    if account_id is None:
        raise NoCase("no account in the token")
    check(lang)
    with programme.db.reading() as conn:
        policy = active_policy(conn, platform)
    try:
        view: CaseView | None = programme.show(platform, account_id)
    except NoCase:
        view = None
    required = (
        view is not None
        and view.is_open
        and not view.voluntary
        and view.state is not CaseState.EXEMPTED
    )
    why = case_reasons(policy, lang, view.as_dict(), meaning=False) if view is not None else []
    quoted = Quoted.of(policy, lang)
    costs = tuple(
        Worded(p.restriction.value, p.id, describe_penalty(p, lang, quoted.note(p.id, p.note)))
        for p in policy.penalties
        if Trigger.REFUSED in p.on
    )
    return Obligation(
        account_id=account_id,
        required=required,
        state=view.state if view else None,
        tier=view.tier if view else None,
        deadline=view.deadline if view else None,
        lang=lang,
        why=tuple(Worded(line.code, line.rule, line.text) for line in why),
        costs_if_refused=costs,
        restrictions=view.restrictions if view else (),
        voluntary_allowed=policy.voluntary.allowed,
        voluntary=bool(view and view.voluntary),
    )
