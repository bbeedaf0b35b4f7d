"""The holder says no: a refusal, an appeal and its decision, a voluntary disclosure withdrawn."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from byline.domain.cases._case import Case, CaseState, TransitionError
from byline.domain.cases._effects import CreatorMessage, Transition, why
from byline.domain.cases._events import Appeal, DecideAppeal, Refuse, Withdraw
from byline.domain.policy import Policy
from byline.domain.vocabulary import AuditAction, Trigger

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


def refuse(case: Case, event: Refuse, now: dt.datetime, policy: Policy) -> Transition:
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


def appeal(case: Case, event: Appeal, now: dt.datetime, policy: Policy) -> Transition:
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


def decide_appeal(case: Case, event: DecideAppeal, now: dt.datetime, policy: Policy) -> Transition:
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


def withdraw(case: Case, event: Withdraw, now: dt.datetime, policy: Policy) -> Transition:
    if not case.voluntary:
        raise TransitionError(
            "only a voluntary disclosure can be withdrawn; refuse instead",
            code="withdraw_not_allowed",
        )
    new = replace(case, state=CaseState.WITHDRAWN, pending_name_id=None, closed_at=now)
    return Transition(new, (AuditAction.CASE_WITHDRAWN,), (), why(event.reason, event.note_id))
