"""Who may see a disclosed name: the policy's viewer rules, applied to one viewer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from byline.domain.policy import Policy
from byline.domain.vocabulary import ViewerCondition


@dataclass(frozen=True)
class Viewer:
    """The viewer as the platform describes them on each lookup."""

    logged_in: bool
    identity_verified: bool
    flags: frozenset[ViewerCondition] = frozenset()
    held: frozenset[ViewerCondition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        held = set(self.flags)
        if not self.logged_in:
            held.add(ViewerCondition.LOGGED_OUT)
        if not self.identity_verified:
            held.add(ViewerCondition.UNVERIFIED)
        object.__setattr__(self, "held", frozenset(held))

    @classmethod
    def of(
        cls, logged_in: bool, identity_verified: bool, flags: Iterable[ViewerCondition | str] = ()
    ) -> Viewer:
        return cls(logged_in, identity_verified, frozenset(ViewerCondition(f) for f in flags))

    def conditions(self) -> frozenset[ViewerCondition]:
        """Every condition that holds for this viewer."""
        return self.held


def hidden_by(policy: Policy, viewer: Viewer) -> tuple[ViewerCondition, ...]:
    """The policy's conditions that hide names from this viewer (empty: the viewer may see)."""
    held = viewer.held
    return tuple(c for c in policy.viewers.hidden_from if c in held)


def may_view(policy: Policy, viewer: Viewer) -> bool:
    return not hidden_by(policy, viewer)
