"""What a creator is told about their own case: in words, with the stakes."""

from __future__ import annotations

from typing import Any

from byline.domain.explain import describe_penalty, describe_threshold
from byline.domain.vocabulary import Trigger
from byline.service._desk import CaseDesk as Programme
from byline.service._desk import NoCase
from byline.service.policies import active_policy


def obligation_of(programme: Programme, platform: str, account_id: str | None) -> dict[str, Any]:
    if account_id is None:
        raise NoCase("no account in the token")
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
    reasons: list[str] = []
    if view is not None and view["tier"]:
        tier = policy.tier(view["tier"])
        reasons.append(
            f"{tier.label}: the policy requires {describe_threshold(tier.threshold)}"
            f" from {tier.phase_starts.isoformat()}"
        )
    if view is not None and view["flags"]:
        reasons.append("flagged for review: " + ", ".join(view["flags"]))
    return {
        "account_id": account_id,
        "required": bool(required),
        "state": view["state"] if view else None,
        "tier": view["tier"] if view else None,
        "deadline": view["deadline"] if view else None,
        "reasons": reasons,
        "penalties_if_refused": [
            describe_penalty(p) for p in policy.penalties if Trigger.REFUSED in p.on
        ],
        "restrictions": view["restrictions"] if view else [],
        "voluntary_allowed": policy.voluntary.allowed,
    }
