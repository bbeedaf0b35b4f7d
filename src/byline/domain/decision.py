"""The decision for one account on one date: the specification every engine must agree with.

Pure: no I/O, no clock. The date is an argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from byline.domain.policy import Policy
from byline.domain.vocabulary import AccountKind, Category, Outcome

# The owner of a linked account known only by its owner's counts (``owner_followers`` in a
# count pushed or streamed, which names no owner): ``decide`` reads only that there is one.
UNNAMED_OWNER = "(named by its counts)"


@dataclass(frozen=True, slots=True)
class Account:
    """The facts about one account that a decision reads."""

    account_id: str
    kind: AccountKind
    category: Category
    metrics: Mapping[str, int]  # e.g. {"followers": 1_200_000}
    owner_ref: str | None = None  # the holder running it with others, if any


@dataclass(frozen=True, slots=True)
class Decision:
    account_id: str
    required: bool
    outcome: Outcome
    tier: str | None
    reasons: tuple[str, ...]

    @property
    def reported(self) -> bool:
        """Whether the decision belongs in a decisions file (it meets some tier's threshold)."""
        return self.outcome is not Outcome.BELOW_THRESHOLD


def decide(account: Account, policy: Policy, as_of: dt.date) -> Decision:
    """Decide whether ``account`` must disclose under ``policy`` on ``as_of``.

    In order: below the floor or below every tier -> not required; a kind the policy does not
    cover -> not required; a category out of scope -> not required; otherwise the first tier (in
    the policy's priority order) whose threshold is met and whose phase has started decides, and
    if none has started the account waits for its phase.

    Under ``judge = "owner"`` a linked account is judged on its owner's metrics (see
    :func:`judged_metrics`), and a decision requiring it names the ``[linked_accounts]`` rule.
    """
    metrics = judged_metrics(account, policy)

    def result(outcome: Outcome, reasons: tuple[str, ...], tier: str | None = None) -> Decision:
        return Decision(account.account_id, outcome is Outcome.REQUIRED, outcome, tier, reasons)

    if any(metrics.get(m, 0) < v for m, v in policy.floor.threshold.items()):
        return result(Outcome.BELOW_THRESHOLD, (policy.floor.id,))
    met = [t for t in policy.tiers if t.met_by(metrics)]
    if not met:
        return result(Outcome.BELOW_THRESHOLD, tuple(t.id for t in policy.tiers))
    if account.kind not in policy.subjects.kinds:
        return result(Outcome.KIND_NOT_SUBJECT, (policy.subjects.id,))
    if not policy.scope.covers(account.category):
        return result(Outcome.CATEGORY_OUT_OF_SCOPE, (policy.scope.id,))
    for tier in met:
        if tier.phase_starts <= as_of:
            reasons = (tier.id, *_linked(policy), policy.subjects.id, policy.scope.id)
            return result(Outcome.REQUIRED, reasons, tier.id)
    return result(Outcome.PHASE_NOT_STARTED, (met[0].id,))


def judged_metrics(account: Account, policy: Policy) -> dict[str, int]:
    """The metrics ``account`` is judged on: its own; under ``judge = "owner"``, for a linked
    account, each metric's owner value (``owner_<metric>``) where that is higher than its own.
    An owner value missing counts as the account's own."""
    return dict(account.metrics) | policy.judged(
        account.metrics, linked=account.owner_ref is not None
    )


def _linked(policy: Policy) -> tuple[str, ...]:
    rule = policy.linked_accounts.id
    return (rule,) if policy.judges_owners and rule else ()
