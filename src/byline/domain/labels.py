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
    if not held:  # logged in, identity-verified, no flags: nothing can hide a name
        return ()
    return tuple(c for c in policy.viewers.hidden_from if c in held)


def may_view(policy: Policy, viewer: Viewer) -> bool:
    return not hidden_by(policy, viewer)


# The class of a viewer none of whose conditions the policy distinguishes: logged in,
# identity-verified, holding none of the conditions the policy names.
VERIFIED_CLASS = "verified"
_CLASS_JOIN = "+"


_EVERY_LOOKUP = frozenset((ViewerCondition.LOGGED_OUT, ViewerCondition.UNVERIFIED))


def distinguished(policy: Policy | None) -> frozenset[ViewerCondition]:
    """The viewer conditions a policy tells apart: whether the viewer is logged in and
    identity-verified (every lookup says; all there is without a policy), and every condition
    it hides names from."""
    return _EVERY_LOOKUP if policy is None else _EVERY_LOOKUP.union(policy.viewers.hidden_from)


def viewer_class(policy: Policy | None, held: Iterable[ViewerCondition]) -> str:
    """The class a viewer holding ``held`` belongs to under ``policy``: the conditions it
    distinguishes that hold, joined by ``+`` in order (``logged_out+unverified``), or
    ``verified`` when none does."""
    kept = distinguished(policy)
    return _CLASS_JOIN.join(sorted(c.value for c in held if c in kept)) or VERIFIED_CLASS


def class_conditions(viewer_class: str) -> frozenset[ViewerCondition]:
    """The conditions a class names (none for ``verified``); ``ValueError`` for an unknown one."""
    if viewer_class == VERIFIED_CLASS:
        return frozenset()
    return frozenset(ViewerCondition(c) for c in viewer_class.split(_CLASS_JOIN))
