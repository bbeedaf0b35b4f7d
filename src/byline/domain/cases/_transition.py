"""The state machine's one entry, ``transition``: the event's handler, then the label and
enforcement changes the new state implies, with the threshold promise checked on the way out."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from byline.domain.cases._case import Case, CaseState, TransitionError
from byline.domain.cases._deadlines import notify, sweep
from byline.domain.cases._effects import EnforcementChanged, LabelChanged, Transition
from byline.domain.cases._events import (
    Appeal,
    Approve,
    DecideAppeal,
    Event,
    NamesErased,
    Notify,
    Observe,
    Open,
    Refuse,
    Reject,
    Submit,
    Sweep,
    Volunteer,
    Withdraw,
)
from byline.domain.cases._floor import promise_holds
from byline.domain.cases._names import approve, names_erased, reject, submit
from byline.domain.cases._objections import appeal, decide_appeal, refuse, withdraw
from byline.domain.cases._observation import observe
from byline.domain.cases._opening import create
from byline.domain.enforcement import ActiveRestriction, incentives_for, restrictions_for
from byline.domain.policy import Policy


def transition(case: Case | None, event: Event, now: dt.datetime, policy: Policy) -> Transition:
    """Apply ``event`` to ``case`` at ``now``; raise ``TransitionError`` if it is not allowed."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if isinstance(event, (Open, Volunteer)):
        return _with_consequences(None, create(case, event, now, policy), policy)
    if case is None:
        raise TransitionError(f"no case to apply {type(event).__name__.lower()} to", code="no_case")
    if not case.is_open:
        raise TransitionError(
            f"the case is closed ({case.state.value})", code="case_closed", state=case.state.value
        )
    handler = _HANDLERS[type(event)]
    return _with_consequences(case, handler(case, event, now, policy), policy)


_HANDLERS: dict[type[Any], Any] = {
    Notify: notify,
    Submit: submit,
    Approve: approve,
    Reject: reject,
    Refuse: refuse,
    Appeal: appeal,
    DecideAppeal: decide_appeal,
    Withdraw: withdraw,
    NamesErased: names_erased,
    Observe: observe,
    Sweep: sweep,
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
