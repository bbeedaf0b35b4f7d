"""The disclosure case: a pure state machine. ``(case, event, now) -> (new case, effects)``.

Nothing here reads a clock or touches storage; the service persists the new case, its audit
entries and its effects in one transaction.

The threshold promise is kept by construction: a case reaches ``disclosed`` only if its holder
volunteered, or its last observed counts are at or above the policy's floor (``may_show``).

Where each part lives: the case record and its states (``_case``), the events (``_events``),
what a transition returns (``_effects``), the floor (``_floor``); the handlers by family:
opening (``_opening``), notice and deadline (``_deadlines``), names (``_names``), refusal,
appeal and withdrawal (``_objections``), counts observed (``_observation``); and the one entry,
``transition`` (``_transition``).
"""

from byline.domain.cases._case import CLOSED_STATES, Case, CaseState, TransitionError
from byline.domain.cases._deadlines import deadline_for
from byline.domain.cases._effects import (
    CreatorMessage,
    Effect,
    EnforcementChanged,
    Flagged,
    LabelChanged,
    Transition,
    why,
)
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
from byline.domain.cases._floor import at_or_above_floor, may_show, promise_holds
from byline.domain.cases._observation import is_stale
from byline.domain.cases._transition import transition

__all__ = [
    "CLOSED_STATES",
    "Appeal",
    "Approve",
    "Case",
    "CaseState",
    "CreatorMessage",
    "DecideAppeal",
    "Effect",
    "EnforcementChanged",
    "Event",
    "Flagged",
    "LabelChanged",
    "NamesErased",
    "Notify",
    "Observe",
    "Open",
    "Refuse",
    "Reject",
    "Submit",
    "Sweep",
    "Transition",
    "TransitionError",
    "Volunteer",
    "Withdraw",
    "at_or_above_floor",
    "deadline_for",
    "is_stale",
    "may_show",
    "promise_holds",
    "transition",
    "why",
]
