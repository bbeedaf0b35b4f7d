"""Names on a case: submitted (with consent), verified or rejected by a reviewer, erased."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from byline.domain.cases._case import Case, CaseState, TransitionError
from byline.domain.cases._effects import CreatorMessage, Transition, why
from byline.domain.cases._events import Approve, NamesErased, Reject, Submit
from byline.domain.cases._floor import may_show
from byline.domain.policy import Policy
from byline.domain.vocabulary import AuditAction


def require_consent(consent: bool, policy: Policy) -> None:
    if policy.display.requires_consent and not consent:
        raise TransitionError(
            "the policy shows a name only with the holder's consent;"
            " submit with consent, or refuse",
            code="consent_required",
        )


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


def submit(case: Case, event: Submit, now: dt.datetime, policy: Policy) -> Transition:
    if case.state not in _SUBMITTABLE:
        raise TransitionError(
            f"a name cannot be submitted while the case is {case.state.value}",
            code="submit_not_allowed",
            state=case.state.value,
        )
    require_consent(event.consent, policy)
    # A name change after verification waits for re-verification; the old name stays shown.
    keeps_state = case.state in (CaseState.VERIFIED, CaseState.DISCLOSED)
    new = replace(
        case,
        pending_name_id=event.name_id,
        state=case.state if keeps_state else CaseState.SUBMITTED,
    )
    return Transition(new, (AuditAction.CASE_SUBMITTED,), (), {"name_change": keeps_state})


def approve(case: Case, event: Approve, now: dt.datetime, policy: Policy) -> Transition:
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


def reject(case: Case, event: Reject, now: dt.datetime, policy: Policy) -> Transition:
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


def names_erased(case: Case, event: NamesErased, now: dt.datetime, policy: Policy) -> Transition:
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
