"""The disclosure case: a pure state machine. ``(case, event, now) -> (new case, effects)``.

Nothing here reads a clock or touches storage; the service persists the new case, its audit
entries and its effects in one transaction.

The threshold promise is kept by construction: a case reaches ``disclosed`` only if its holder
volunteered, or its last observed counts are at or above the policy's floor (``may_show``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from byline.domain.enforcement import ActiveRestriction, incentives_for, restrictions_for
from byline.domain.errors import CodedError
from byline.domain.policy import Policy
from byline.domain.vocabulary import (
    AccountKind,
    AppealDecisionReason,
    AppealReason,
    AuditAction,
    ErasureReason,
    RefusalReason,
    RejectionReason,
    Trigger,
    WithdrawalReason,
)


class CaseState(StrEnum):
    REQUIRED = "required"  # the policy requires disclosure; notice not yet sent
    NOTIFIED = "notified"  # notice sent; deadline running
    SUBMITTED = "submitted"  # holder consented and submitted a name; awaiting verification
    REJECTED = "rejected"  # submission rejected with a reason; may submit again
    VERIFIED = "verified"  # name verified but not shown (verify-only tier, or below the floor)
    DISCLOSED = "disclosed"  # label live
    OVERDUE = "overdue"  # deadline passed: penalties apply
    REFUSED = "refused"  # holder declined: penalties apply
    APPEALED = "appealed"  # holder contests; deadline paused
    EXEMPTED = "exempted"  # appeal upheld: obligation withdrawn
    RELEASED = "released"  # closed: no longer qualifies
    WITHDRAWN = "withdrawn"  # closed: a voluntary disclosure withdrawn


CLOSED_STATES = frozenset({CaseState.RELEASED, CaseState.WITHDRAWN})


class TransitionError(CodedError, ValueError):
    """An event that is not allowed in the case's state; the message says why, the code which."""


@dataclass(frozen=True)
class Case:
    case_id: str
    account_id: str
    policy_id: str
    policy_version: str
    kind: AccountKind
    state: CaseState
    tier: str | None
    voluntary: bool
    opened_at: dt.datetime
    metrics: Mapping[str, int]
    observed_on: dt.date | None = None
    notified_at: dt.datetime | None = None
    notified_cycle: str | None = None
    deadline: dt.datetime | None = None
    paused_remaining: dt.timedelta | None = None
    appeal_from: CaseState | None = None
    below_since: dt.date | None = None
    name_id: str | None = None  # the verified name in force
    pending_name_id: str | None = None  # a submitted name awaiting verification
    penalised_for: Trigger | None = None
    lingering: tuple[str, ...] = ()  # penalty ids that outlast compliance
    flags: tuple[str, ...] = ()
    closed_at: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state not in CLOSED_STATES

    def summary(self) -> dict[str, Any]:
        """The case without personal data: what audit entries record as before/after."""
        return {
            "state": self.state.value,
            "tier": self.tier,
            "voluntary": self.voluntary,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "penalised_for": self.penalised_for.value if self.penalised_for else None,
            "lingering": list(self.lingering),
            "name_on_file": self.name_id is not None,
            "name_pending": self.pending_name_id is not None,
        }


# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Open:
    """A cycle found the account required: open its case."""

    case_id: str
    account_id: str
    kind: AccountKind
    tier: str
    metrics: Mapping[str, int]
    observed_on: dt.date
    cycle_id: str | None = None


@dataclass(frozen=True)
class Notify:
    cycle_id: str


@dataclass(frozen=True)
class Submit:
    name_id: str
    consent: bool


@dataclass(frozen=True)
class Approve:
    by: str
    method: str = "reviewer"


# Reasons are codes from the vocabulary's closed lists, never free text; ``note_id`` points at
# words kept beside the code in the vault (encrypted, read only through an audited reveal).


@dataclass(frozen=True)
class Reject:
    by: str
    reason: RejectionReason
    note_id: str | None = None


@dataclass(frozen=True)
class Refuse:
    reason: RefusalReason | None = None  # None: the holder gave no reason
    note_id: str | None = None


@dataclass(frozen=True)
class Appeal:
    reason: AppealReason
    note_id: str | None = None


@dataclass(frozen=True)
class DecideAppeal:
    upheld: bool
    by: str
    reason: AppealDecisionReason
    note_id: str | None = None


@dataclass(frozen=True)
class Volunteer:
    case_id: str
    account_id: str
    kind: AccountKind
    name_id: str
    metrics: Mapping[str, int]
    consent: bool = True


@dataclass(frozen=True)
class Withdraw:
    reason: WithdrawalReason | None = None  # None: the holder gave no reason
    note_id: str | None = None


@dataclass(frozen=True)
class NamesErased:
    """The holder's names were erased from the vault (crypto-shredding)."""

    reason: ErasureReason


@dataclass(frozen=True)
class Observe:
    """A cycle's reading of the account: its counts and whether the policy requires it."""

    metrics: Mapping[str, int]
    on: dt.date
    required: bool
    tier: str | None


@dataclass(frozen=True)
class Sweep:
    """The deadline sweeper looks at the case."""


Event = (
    Open
    | Notify
    | Submit
    | Approve
    | Reject
    | Refuse
    | Appeal
    | DecideAppeal
    | Volunteer
    | Withdraw
    | NamesErased
    | Observe
    | Sweep
)

# --- effects ----------------------------------------------------------------------------------


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


# --- rules ------------------------------------------------------------------------------------


def why(reason: StrEnum | None, note_id: str | None) -> dict[str, Any]:
    """What an audit entry keeps of a reason: the code, and the vault's id of a note if any."""
    detail: dict[str, Any] = {"reason": reason.value if reason is not None else None}
    if note_id is not None:
        detail["note_id"] = note_id
    return detail


def at_or_above_floor(metrics: Mapping[str, int], policy: Policy) -> bool:
    return all(metrics.get(m, 0) >= v for m, v in policy.floor.threshold.items())


def is_stale(on: dt.date, newest_on_file: dt.date | None) -> bool:
    """Counts as of ``on`` are stale when newer ones are on file: they move no case and no
    label. Counts as of the same day apply, in the order they arrive."""
    return newest_on_file is not None and on < newest_on_file


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


def transition(case: Case | None, event: Event, now: dt.datetime, policy: Policy) -> Transition:
    """Apply ``event`` to ``case`` at ``now``; raise ``TransitionError`` if it is not allowed."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if isinstance(event, (Open, Volunteer)):
        return _with_consequences(None, _create(case, event, now, policy), policy)
    if case is None:
        raise TransitionError(f"no case to apply {type(event).__name__.lower()} to", code="no_case")
    if not case.is_open:
        raise TransitionError(
            f"the case is closed ({case.state.value})", code="case_closed", state=case.state.value
        )
    handler = _HANDLERS[type(event)]
    return _with_consequences(case, handler(case, event, now, policy), policy)


def _create(
    case: Case | None, event: Open | Volunteer, now: dt.datetime, policy: Policy
) -> Transition:
    if case is not None and case.is_open:
        raise TransitionError(
            f"account already has an open case ({case.state.value}); act on that case instead",
            code="open_case_exists",
            state=case.state.value,
        )
    if isinstance(event, Open):
        new = Case(
            event.case_id,
            event.account_id,
            policy.id,
            policy.version,
            event.kind,
            CaseState.REQUIRED,
            event.tier,
            False,
            now,
            dict(event.metrics),
            observed_on=event.observed_on,
        )
        return Transition(new, (AuditAction.CASE_OPENED,), (), {"cycle": event.cycle_id})
    if not policy.voluntary.allowed:
        raise TransitionError(
            "this policy does not offer voluntary disclosure", code="no_voluntary"
        )
    _require_consent(event.consent, policy)
    new = Case(
        event.case_id,
        event.account_id,
        policy.id,
        policy.version,
        event.kind,
        CaseState.SUBMITTED,
        None,
        True,
        now,
        dict(event.metrics),
        pending_name_id=event.name_id,
    )
    return Transition(new, (AuditAction.CASE_VOLUNTEERED, AuditAction.CASE_SUBMITTED), ())


def _require_consent(consent: bool, policy: Policy) -> None:
    if policy.display.requires_consent and not consent:
        raise TransitionError(
            "the policy shows a name only with the holder's consent;"
            " submit with consent, or refuse",
            code="consent_required",
        )


def _notify(case: Case, event: Notify, now: dt.datetime, policy: Policy) -> Transition:
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


_SUBMITTABLE = frozenset(
    {
        CaseState.REQUIRED,
        CaseState.NOTIFIED,
        CaseState.REJECTED,
        CaseState.OVERDUE,
        CaseState.REFUSED,
        CaseState.VERIFIED,
        CaseState.DISCLOSED,
        CaseState.SUBMITTED,
    }
)


def _submit(case: Case, event: Submit, now: dt.datetime, policy: Policy) -> Transition:
    if case.state not in _SUBMITTABLE:
        raise TransitionError(
            f"a name cannot be submitted while the case is {case.state.value}",
            code="submit_not_allowed",
            state=case.state.value,
        )
    _require_consent(event.consent, policy)
    # A name change after verification waits for re-verification; the old name stays shown.
    keeps_state = case.state in (CaseState.VERIFIED, CaseState.DISCLOSED)
    new = replace(
        case,
        pending_name_id=event.name_id,
        state=case.state if keeps_state else CaseState.SUBMITTED,
    )
    return Transition(new, (AuditAction.CASE_SUBMITTED,), (), {"name_change": keeps_state})


def _approve(case: Case, event: Approve, now: dt.datetime, policy: Policy) -> Transition:
    if case.pending_name_id is None:
        raise TransitionError(
            f"no name is waiting for verification ({case.state.value})",
            code="nothing_to_verify",
            state=case.state.value,
        )
    verified = replace(case, name_id=case.pending_name_id, pending_name_id=None)
    actions: tuple[AuditAction, ...]
    if may_show(verified, policy):
        new = replace(verified, state=CaseState.DISCLOSED)
        actions = (AuditAction.CASE_VERIFIED, AuditAction.CASE_DISCLOSED)
    else:
        new = replace(verified, state=CaseState.VERIFIED)
        actions = (AuditAction.CASE_VERIFIED,)
    new = replace(_comply(new, policy), deadline=None)  # complied: no deadline runs
    message = CreatorMessage("verified", {"shown": new.state is CaseState.DISCLOSED})
    return Transition(new, actions, (message,), {"by": event.by, "method": event.method})


def _comply(case: Case, policy: Policy) -> Case:
    """Compliance lifts the penalties that lift on compliance; the others linger."""
    if case.penalised_for is None:
        return case
    lingering = tuple(
        p.id for p in policy.penalties if case.penalised_for in p.on and not p.lifted_on_compliance
    )
    return replace(
        case,
        penalised_for=None,
        lingering=tuple(sorted({*case.lingering, *lingering})),
        deadline=None,
    )


def _reject(case: Case, event: Reject, now: dt.datetime, policy: Policy) -> Transition:
    if case.pending_name_id is None:
        raise TransitionError(
            f"no name is waiting for verification ({case.state.value})",
            code="nothing_to_verify",
            state=case.state.value,
        )
    if case.state in (CaseState.VERIFIED, CaseState.DISCLOSED):  # a rejected name change
        new = replace(case, pending_name_id=None)
    else:
        new = replace(case, pending_name_id=None, state=CaseState.REJECTED)
    message = CreatorMessage("rejected", {"reason": event.reason.value})  # the code, no note
    return Transition(
        new,
        (AuditAction.CASE_REJECTED,),
        (message,),
        {"by": event.by, **why(event.reason, event.note_id)},
    )


_REFUSABLE = frozenset(
    {
        CaseState.REQUIRED,
        CaseState.NOTIFIED,
        CaseState.SUBMITTED,
        CaseState.REJECTED,
        CaseState.OVERDUE,
        CaseState.VERIFIED,
        CaseState.DISCLOSED,
    }
)


def _refuse(case: Case, event: Refuse, now: dt.datetime, policy: Policy) -> Transition:
    if case.voluntary:
        raise TransitionError(
            "a voluntary disclosure is withdrawn, not refused", code="withdraw_not_refuse"
        )
    if case.state not in _REFUSABLE:
        raise TransitionError(
            f"cannot refuse while the case is {case.state.value}",
            code="refuse_not_allowed",
            state=case.state.value,
        )
    new = replace(
        case,
        state=CaseState.REFUSED,
        penalised_for=Trigger.REFUSED,
        pending_name_id=None,
        deadline=None,
    )
    return Transition(new, (AuditAction.CASE_REFUSED,), (), why(event.reason, event.note_id))


_APPEALABLE = frozenset(
    {
        CaseState.REQUIRED,
        CaseState.NOTIFIED,
        CaseState.REJECTED,
        CaseState.OVERDUE,
        CaseState.REFUSED,
    }
)


def _appeal(case: Case, event: Appeal, now: dt.datetime, policy: Policy) -> Transition:
    if case.voluntary or case.state not in _APPEALABLE:
        raise TransitionError(
            f"cannot appeal while the case is {case.state.value}",
            code="appeal_not_allowed",
            state=case.state.value,
        )
    remaining = case.deadline - now if case.deadline and case.deadline > now else None
    new = replace(
        case,
        state=CaseState.APPEALED,
        appeal_from=case.state,
        paused_remaining=remaining,
        deadline=None,
    )
    return Transition(new, (AuditAction.CASE_APPEALED,), (), why(event.reason, event.note_id))


def _decide_appeal(case: Case, event: DecideAppeal, now: dt.datetime, policy: Policy) -> Transition:
    if case.state is not CaseState.APPEALED:
        raise TransitionError(
            f"there is no appeal to decide ({case.state.value})",
            code="no_appeal",
            state=case.state.value,
        )
    detail = {"by": event.by, **why(event.reason, event.note_id)}
    if event.upheld:
        new = replace(
            case,
            state=CaseState.EXEMPTED,
            penalised_for=None,
            lingering=(),
            appeal_from=None,
            paused_remaining=None,
            pending_name_id=None,
        )
        message = CreatorMessage("appeal_upheld", {"reason": event.reason.value})
        return Transition(new, (AuditAction.CASE_APPEAL_UPHELD,), (message,), detail)
    previous = case.appeal_from or CaseState.NOTIFIED
    if previous is CaseState.REFUSED:
        new = replace(case, state=CaseState.REFUSED, appeal_from=None, paused_remaining=None)
    elif previous is CaseState.REQUIRED:
        new = replace(case, state=CaseState.REQUIRED, appeal_from=None, paused_remaining=None)
    else:  # the deadline restarts as the policy says, never shorter than what was left
        restart = dt.timedelta(days=policy.notice.days_after_appeal())
        deadline = now + max(restart, case.paused_remaining or dt.timedelta())
        new = replace(
            case,
            state=CaseState.NOTIFIED,
            deadline=deadline,
            appeal_from=None,
            paused_remaining=None,
        )
    message = CreatorMessage(
        "appeal_denied",
        {
            "reason": event.reason.value,
            "deadline": new.deadline.isoformat() if new.deadline else None,
        },
    )
    return Transition(new, (AuditAction.CASE_APPEAL_DENIED,), (message,), detail)


def _withdraw(case: Case, event: Withdraw, now: dt.datetime, policy: Policy) -> Transition:
    if not case.voluntary:
        raise TransitionError(
            "only a voluntary disclosure can be withdrawn; refuse instead",
            code="withdraw_not_allowed",
        )
    new = replace(case, state=CaseState.WITHDRAWN, pending_name_id=None, closed_at=now)
    return Transition(new, (AuditAction.CASE_WITHDRAWN,), (), why(event.reason, event.note_id))


def _names_erased(case: Case, event: NamesErased, now: dt.datetime, policy: Policy) -> Transition:
    """No name is left to show: a voluntary disclosure ends; an obligation starts over."""
    cleared = replace(case, name_id=None, pending_name_id=None)
    if case.voluntary:
        new = replace(cleared, state=CaseState.WITHDRAWN, closed_at=now)
    elif case.state in (CaseState.SUBMITTED, CaseState.VERIFIED, CaseState.DISCLOSED):
        new = replace(
            cleared,
            state=CaseState.NOTIFIED,
            deadline=now + dt.timedelta(days=policy.notice.deadline_days),
        )
    else:
        new = cleared
    return Transition(new, (AuditAction.CASE_NAME_ERASED,), (), why(event.reason, None))


def _observe(case: Case, event: Observe, now: dt.datetime, policy: Policy) -> Transition:
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


def _sweep(case: Case, event: Sweep, now: dt.datetime, policy: Policy) -> Transition:
    if (
        case.state in (CaseState.NOTIFIED, CaseState.REJECTED)
        and case.deadline is not None
        and now >= case.deadline
    ):
        new = replace(case, state=CaseState.OVERDUE, penalised_for=Trigger.OVERDUE)
        message = CreatorMessage("overdue", {"deadline": case.deadline.isoformat()})
        return Transition(new, (AuditAction.CASE_OVERDUE,), (message,))
    return Transition(case, (), ())


_HANDLERS: dict[type[Any], Any] = {
    Notify: _notify,
    Submit: _submit,
    Approve: _approve,
    Reject: _reject,
    Refuse: _refuse,
    Appeal: _appeal,
    DecideAppeal: _decide_appeal,
    Withdraw: _withdraw,
    NamesErased: _names_erased,
    Observe: _observe,
    Sweep: _sweep,
}


def _label(case: Case | None) -> tuple[bool, str | None]:
    if case is None or case.state is not CaseState.DISCLOSED:
        return False, None
    return True, case.name_id


def _enforcement(
    case: Case | None, policy: Policy
) -> tuple[tuple[ActiveRestriction, ...], tuple[str, ...]]:
    if case is None:
        return (), ()
    return (
        restrictions_for(case.penalised_for, case.lingering, policy),
        incentives_for(case.state is CaseState.DISCLOSED, policy),
    )


def _with_consequences(before: Case | None, result: Transition, policy: Policy) -> Transition:
    """Add the label and enforcement changes implied by the state change."""
    after = result.case
    if not promise_holds(after, policy):  # unreachable by construction; never let it pass
        raise AssertionError("threshold promise would be broken")
    effects = list(result.effects)
    if _label(before) != _label(after):
        live, name_id = _label(after)
        effects.append(LabelChanged(live, name_id))
    if _enforcement(before, policy) != _enforcement(after, policy):
        restrictions, incentives = _enforcement(after, policy)
        reason = result.actions[-1].value if result.actions else "case:changed"
        effects.append(EnforcementChanged(restrictions, incentives, reason))
    return replace(result, effects=tuple(effects))
