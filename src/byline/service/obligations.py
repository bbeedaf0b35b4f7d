"""What a creator is told about their own case: each reason and each cost of refusing as a code,
the rule it comes from and its words in the requested language (``byline.words``)."""

from __future__ import annotations

from typing import Any

from byline.domain.vocabulary import Trigger
from byline.service._desk import CaseDesk as Programme
from byline.service._desk import NoCase
from byline.service.policies import active_policy
from byline.words import Quoted, case_reasons, check, describe_penalty


def obligation_of(
    programme: Programme, platform: str, account_id: str | None, lang: str = "en"
) -> dict[str, Any]:
    if account_id is None:
        raise NoCase("no account in the token")
    check(lang)
    with programme.db.reading() as conn:
        policy = active_policy(conn, platform)
    try:
        view = programme.show(platform, account_id)
    except NoCase:
        view = None
    open_ = view is not None and view["closed_at"] is None
    required = (
        open_ and view is not None and not view["voluntary"] and view["state"] not in ("exempted",)
    )
    why = case_reasons(policy, lang, view, meaning=False) if view is not None else []
    quoted = Quoted.of(policy, lang)
    costs = [
        {
            "code": p.restriction.value,
            "rule": p.id,
            "text": describe_penalty(p, lang, quoted.note(p.id, p.note)),
        }
        for p in policy.penalties
        if Trigger.REFUSED in p.on
    ]
    return {
        "account_id": account_id,
        "required": bool(required),
        "state": view["state"] if view else None,
        "tier": view["tier"] if view else None,
        "deadline": view["deadline"] if view else None,
        "lang": lang,
        "reasons": [line.text for line in why],
        "why": [{"code": line.code, "rule": line.rule, "text": line.text} for line in why],
        "penalties_if_refused": [cost["text"] for cost in costs],
        "costs_if_refused": costs,
        "restrictions": view["restrictions"] if view else [],
        "voluntary_allowed": policy.voluntary.allowed,
    }
