"""What the platform must restrict or grant for a case, derived from the policy."""

from __future__ import annotations

from dataclasses import dataclass

from byline.domain.policy import Policy
from byline.domain.vocabulary import Restriction, Trigger


@dataclass(frozen=True, order=True)
class ActiveRestriction:
    """One restriction in force: what, how much of normal is kept, and which rule says so."""

    restriction: Restriction
    factor: float
    penalty_id: str
    trigger: Trigger

    def as_dict(self) -> dict[str, object]:
        return {
            "restriction": self.restriction.value,
            "factor": self.factor,
            "penalty_id": self.penalty_id,
            "trigger": self.trigger.value,
        }


def restrictions_for(
    penalised_for: Trigger | None, lingering: tuple[str, ...], policy: Policy
) -> tuple[ActiveRestriction, ...]:
    """The penalties for the trigger in force, plus those that outlast compliance."""
    active = []
    for penalty in policy.penalties:
        if penalised_for is not None and penalised_for in penalty.on:
            active.append(
                ActiveRestriction(penalty.restriction, penalty.factor, penalty.id, penalised_for)
            )
        elif penalty.id in lingering:
            trigger = penalty.on[0]
            active.append(
                ActiveRestriction(penalty.restriction, penalty.factor, penalty.id, trigger)
            )
    return tuple(sorted(active))


def incentives_for(disclosed: bool, policy: Policy) -> tuple[str, ...]:
    """The incentive rule ids granted to a disclosed account."""
    return tuple(i.id for i in policy.incentives) if disclosed else ()
