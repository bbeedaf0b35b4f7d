"""Statements of reasons: what an account is told when a restriction is applied to it, modelled on
the fields of the EU Transparency Database (DSA article 17): the restriction (visibility,
monetary, provision of the service), the ground, the facts relied on, whether detection and
decision were automated, the dates, and how to appeal. Never a name: only ids, codes, counts.

Pure: the service builds one in the transaction of the enforcement change it explains.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from byline.domain.policy import Policy
from byline.domain.vocabulary import AppealReason, Restriction, Trigger

# The Transparency Database's kinds of restriction, by what Byline restricts.
VISIBILITY = frozenset(
    {Restriction.RECOMMENDATION_FEED, Restriction.HOT_SEARCH, Restriction.DISTRIBUTION}
)
MONETARY = frozenset(
    {Restriction.AD_REVENUE_SHARE, Restriction.TIPPING, Restriction.COMMERCIAL_INCOME}
)
PROVISION = frozenset({Restriction.SELLING})

GROUND = "DECISION_GROUND_INCOMPATIBLE_CONTENT"  # the platform's own rule, not illegal content
SOURCE = "SOURCE_VOLUNTARY"  # the platform's own initiative, not a notice from someone
_NAMESPACE = uuid.UUID("5b0f6c3e-6a55-4c1c-9a43-2f1c3e0d7a10")


def statement_id(platform: str, cursor: int) -> str:
    """The stable id of the statement explaining ``platform``'s enforcement change ``cursor``:
    the same change, the same id, on any machine."""
    return str(uuid.uuid5(_NAMESPACE, f"{platform}:{cursor}"))


def kind_of(restriction: Restriction) -> str:
    """``visibility``, ``monetary`` or ``provision``."""
    if restriction in VISIBILITY:
        return "visibility"
    if restriction in MONETARY:
        return "monetary"
    return "provision"


def restriction_key(item: Mapping[str, Any]) -> tuple[str, str]:
    """What makes a restriction in force the same one: its penalty rule and what it restricts."""
    return str(item["penalty_id"]), str(item["restriction"])


def applied(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The restrictions in ``after`` that were not in force in ``before`` (as ``as_dict``)."""
    held = {restriction_key(r) for r in before}
    return [dict(r) for r in after if restriction_key(r) not in held]


def lifted(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The restrictions in ``before`` no longer in force in ``after``."""
    kept = {restriction_key(r) for r in after}
    return [dict(r) for r in before if restriction_key(r) not in kept]


def statement_of_reasons(
    *,
    platform: str,
    cursor: int,
    account_id: str,
    case_id: str,
    policy: Policy,
    tier: str | None,
    counts: Mapping[str, int],
    restrictions: Sequence[Mapping[str, Any]],
    notified_at: dt.datetime | None,
    deadline: dt.datetime | None,
    at: dt.datetime,
) -> dict[str, Any]:
    """The statement for restrictions newly applied to an account (``restrictions``, each as
    ``ActiveRestriction.as_dict``), at ``at``, by enforcement change ``cursor``."""
    if not restrictions:
        raise ValueError("a statement of reasons explains at least one restriction")
    items = _items(restrictions, policy)
    triggers = sorted({i["trigger"] for i in items})
    overdue = Trigger.OVERDUE.value in triggers
    threshold = next((dict(t.threshold) for t in policy.tiers if t.id == tier), None)
    return {
        "statement_id": statement_id(platform, cursor),
        "platform": platform,
        "puid": account_id,
        "case_id": case_id,
        "enforcement_cursor": cursor,
        **_decisions(items),
        "restrictions": items,
        "decision_ground": GROUND,
        "incompatible_content_ground": {
            "rule": "real_name_disclosure",
            "policy_id": policy.id,
            "policy_version": policy.version,
            "tier": tier,
            "penalty_ids": sorted({i["penalty_id"] for i in items}),
        },
        "decision_facts": {
            "triggers": triggers,
            "tier": tier,
            "threshold": threshold,
            "counts": dict(counts),
            "notified_at": notified_at.isoformat() if notified_at else None,
            "deadline": deadline.isoformat() if deadline else None,
        },
        # an overdue case is found by the deadline sweep; a refusal is the holder's own word
        "automated_detection": overdue,
        "automated_decision": "AUTOMATED_DECISION_FULLY",  # the policy's rule, applied as written
        "source_type": SOURCE,
        "application_date": at.isoformat(),
        # restrictions last until the holder complies (or the appeal is upheld): no end date
        "end_date_visibility_restriction": None,
        "end_date_monetary_restriction": None,
        "how_to_appeal": {
            "internal_appeal": True,
            "appeal_reasons": [r.value for r in AppealReason],
            "lifted_by": ["disclosure", "appeal_upheld"],
        },
        "created_at": at.isoformat(),
    }


def _items(restrictions: Sequence[Mapping[str, Any]], policy: Policy) -> list[dict[str, Any]]:
    """Each restriction applied, with its kind and whether compliance lifts it."""
    penalties = {p.id: p for p in policy.penalties}
    items = []
    for r in restrictions:
        restriction = Restriction(r["restriction"])
        penalty = penalties.get(str(r["penalty_id"]))
        items.append(
            {
                "restriction": restriction.value,
                "kind": kind_of(restriction),
                "factor": float(r["factor"]),
                "penalty_id": str(r["penalty_id"]),
                "trigger": str(r["trigger"]),
                "lifted_on_compliance": True if penalty is None else penalty.lifted_on_compliance,
            }
        )
    return items


def _decisions(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The Transparency Database's decision fields for these restrictions."""
    kinds = {i["kind"] for i in items}
    monetary = [i for i in items if i["kind"] == "monetary"]
    if not monetary:
        money = None
    elif all(i["factor"] == 0 for i in monetary):
        money = "DECISION_MONETARY_SUSPENSION"
    else:
        money = "DECISION_MONETARY_OTHER"
    return {
        "decision_visibility": (
            ["DECISION_VISIBILITY_CONTENT_DEMOTED"] if "visibility" in kinds else []
        ),
        "decision_monetary": money,
        "decision_provision": (
            "DECISION_PROVISION_PARTIAL_SUSPENSION" if "provision" in kinds else None
        ),
        "decision_account": None,  # the account is never suspended or terminated
    }
