"""A cycle's (or a push's) reading of an account's counts: the tier follows, a steep drop is
flagged, a case long below the floor is released, and the label follows the threshold promise."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from byline.domain.cases._case import Case, CaseState
from byline.domain.cases._deadlines import deadline_for
from byline.domain.cases._effects import CreatorMessage, Effect, Flagged, Transition
from byline.domain.cases._events import Observe
from byline.domain.cases._floor import may_show
from byline.domain.policy import Policy
from byline.domain.vocabulary import AuditAction


def is_stale(on: dt.date, newest_on_file: dt.date | None) -> bool:
    """Counts as of ``on`` are stale when newer ones are on file: they move no case and no
    label. Counts as of the same day apply, in the order they arrive."""
    return newest_on_file is not None and on < newest_on_file


def observe(case: Case, event: Observe, now: dt.datetime, policy: Policy) -> Transition:
    if is_stale(event.on, case.observed_on):
        # An older reading never moves the case: recorded, and nothing else.
        stale = {"observed_on": event.on.isoformat(), "newest_on_file": str(case.observed_on)}
        return Transition(case, (AuditAction.OBSERVATION_STALE,), (), stale)
    effects: list[Effect] = []
    flags = case.flags
    detail: dict[str, Any] = {}
    drop = _steep_drop(case, event, policy)
    if drop is not None:
        effects.append(Flagged("steep_drop", drop))
        flags = tuple(sorted({*flags, "steep_drop"}))
        detail["steep_drop"] = drop
    new = replace(case, metrics=dict(event.metrics), observed_on=event.on, flags=flags)
    if event.required:
        new = replace(new, below_since=None, tier=event.tier or new.tier)
        if new.voluntary:  # a volunteer who now qualifies is under the obligation like anyone
            new = replace(new, voluntary=False)
            detail["now_required"] = True
            if new.state not in (CaseState.DISCLOSED, CaseState.VERIFIED):
                # not yet complied: told, and given the policy's deadline, like anyone
                deadline = deadline_for(policy, new.tier, now)
                new = replace(new, notified_at=now, deadline=deadline)
                effects.append(
                    CreatorMessage(
                        "notice",
                        {
                            "tier": new.tier,
                            "deadline": deadline.isoformat(),
                            "policy": policy.id,
                            "version": policy.version,
                        },
                    )
                )
    elif not new.voluntary:
        new = replace(new, below_since=new.below_since or event.on)
    if _releasable(new, event.on, policy):
        new = replace(
            new,
            state=CaseState.RELEASED,
            penalised_for=None,
            lingering=(),
            pending_name_id=None,
            deadline=None,
            closed_at=now,
        )
        message = CreatorMessage("released", {"below_since": str(case.below_since)})
        return Transition(new, (AuditAction.CASE_RELEASED,), (*effects, message), detail)
    # The label follows the promise: down below the floor, up again above it.
    if new.state is CaseState.DISCLOSED and not may_show(new, policy):
        new = replace(new, state=CaseState.VERIFIED)
        detail["label"] = "down: below the floor"
    elif new.state is CaseState.VERIFIED and new.name_id is not None and may_show(new, policy):
        new = replace(new, state=CaseState.DISCLOSED)
        detail["label"] = "up: at or above the floor again"
    if detail.get("label"):
        actions: tuple[AuditAction, ...] = (
            (AuditAction.CASE_DISCLOSED,)
            if new.state is CaseState.DISCLOSED
            else (AuditAction.CASE_VERIFIED,)
        )
    elif drop is not None:
        actions = (AuditAction.CASE_FLAGGED,)
    elif (new.tier, new.below_since, new.voluntary) != (
        case.tier,
        case.below_since,
        case.voluntary,
    ):
        actions = (AuditAction.CASE_OBSERVED,)
        detail.update(tier=new.tier, below_since=str(new.below_since or ""))
    else:
        actions = ()  # new counts only: recorded on the case, not worth an audit entry
    return Transition(new, actions, tuple(effects), detail)


def _steep_drop(case: Case, event: Observe, policy: Policy) -> dict[str, Any] | None:
    rule = policy.drop
    if case.observed_on is None or (event.on - case.observed_on).days > rule.steep_drop_window_days:
        return None
    for metric in policy.floor.threshold:
        before, after = case.metrics.get(metric, 0), event.metrics.get(metric, 0)
        if before > 0 and (before - after) / before >= rule.steep_drop_fraction:
            return {
                "metric": metric,
                "from": before,
                "to": after,
                "days": (event.on - case.observed_on).days,
            }
    return None


def _releasable(case: Case, on: dt.date, policy: Policy) -> bool:
    if case.voluntary or case.below_since is None:
        return False
    if (on - case.below_since).days < policy.drop.release_after_days_below:
        return False
    if case.notified_at is not None:
        hold_ends = case.notified_at.date() + dt.timedelta(days=policy.drop.hold_after_notice_days)
        if on < hold_ends:
            return False  # anti-purge: a drop right after a notice does not release
    return True
