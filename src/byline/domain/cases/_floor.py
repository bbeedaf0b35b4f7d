"""The threshold promise: the floor a case's counts are held to before a name is shown."""

from __future__ import annotations

from collections.abc import Mapping

from byline.domain.cases._case import Case, CaseState
from byline.domain.policy import Policy


def at_or_above_floor(metrics: Mapping[str, int], policy: Policy) -> bool:
    """Whether ``metrics`` meet the floor on what the policy judges: under ``judge = "owner"``
    a linked account's case carries its owner's values too (``owner_followers``)."""
    judged = policy.judged(metrics, linked=policy.carries_owner(metrics))
    return all(judged[m] >= v for m, v in policy.floor.threshold.items())


def may_show(case: Case, policy: Policy) -> bool:
    """Whether a verified name may be on the label: the threshold promise."""
    if case.voluntary:
        return True
    if case.tier is None or not at_or_above_floor(case.metrics, policy):
        return False
    return policy.tier(case.tier).disclose


def promise_holds(case: Case, policy: Policy) -> bool:
    """No case is disclosed below the floor unless its holder chose to."""
    return (
        case.state is not CaseState.DISCLOSED
        or case.voluntary
        or at_or_above_floor(case.metrics, policy)
    )
