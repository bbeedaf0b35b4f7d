"""How a case begins: opened by a cycle that found the account required, or volunteered."""

from __future__ import annotations

import datetime as dt

from byline.domain.cases._case import Case, CaseState, TransitionError
from byline.domain.cases._effects import Transition
from byline.domain.cases._events import Open, Volunteer
from byline.domain.cases._names import require_consent
from byline.domain.policy import Policy
from byline.domain.vocabulary import AuditAction


def create(
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
    require_consent(event.consent, policy)
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
