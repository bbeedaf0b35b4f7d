"""The deadline: set by a notice, run out by the sweeper."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from byline.domain.cases._case import Case, CaseState, TransitionError
from byline.domain.cases._effects import CreatorMessage, Transition
from byline.domain.cases._events import Notify, Sweep
from byline.domain.cases._floor import at_or_above_floor
from byline.domain.policy import Policy
from byline.domain.vocabulary import AuditAction, Trigger


def deadline_for(policy: Policy, tier_id: str | None, now: dt.datetime) -> dt.datetime:
    """Notice time plus the tier's (or the notice's) period, and never before ``comply_by``."""
    tier = policy.tier(tier_id) if tier_id else None
    days = (tier.deadline_days if tier and tier.deadline_days else None) or (
        policy.notice.deadline_days
    )
    deadline = now + dt.timedelta(days=days)
    if tier and tier.comply_by:
        end_of_day = dt.datetime.combine(tier.comply_by + dt.timedelta(days=1), dt.time(), dt.UTC)
        deadline = max(deadline, end_of_day)
    return deadline


def notify(case: Case, event: Notify, now: dt.datetime, policy: Policy) -> Transition:
    if case.state is not CaseState.REQUIRED:
        raise TransitionError(
            f"a notice goes only to a required case, not {case.state.value}",
            code="notice_not_required",
            state=case.state.value,
        )
    if not at_or_above_floor(case.metrics, policy):
        raise TransitionError(
            "no notice below the floor: the account's last counts are under it",
            code="notice_below_floor",
        )
    deadline = deadline_for(policy, case.tier, now)
    new = replace(
        case,
        state=CaseState.NOTIFIED,
        notified_at=now,
        notified_cycle=event.cycle_id,
        deadline=deadline,
    )
    message = CreatorMessage(
        "notice",
        {
            "tier": case.tier,
            "deadline": deadline.isoformat(),
            "policy": policy.id,
            "version": policy.version,
        },
    )
    return Transition(new, (AuditAction.CASE_NOTIFIED,), (message,))


def sweep(case: Case, event: Sweep, now: dt.datetime, policy: Policy) -> Transition:
    if (
        case.state in (CaseState.NOTIFIED, CaseState.REJECTED)
        and case.deadline is not None
        and now >= case.deadline
    ):
        new = replace(case, state=CaseState.OVERDUE, penalised_for=Trigger.OVERDUE)
        message = CreatorMessage("overdue", {"deadline": case.deadline.isoformat()})
        return Transition(new, (AuditAction.CASE_OVERDUE,), (message,))
    return Transition(case, (), ())
