"""Follower counts pushed by the platform between cycles: each touched account is decided at
once and its case opened or observed (notices still go out in cycles, in phase order).

A count older than the newest one on file for its account (a late push, or one older than the
platform's newest cycle) is stale: it moves no case and no label, and is recorded and reported.
Rows that share an account id in one batch are all rejected, as a snapshot rejects them: which
one is right cannot be known.

A count carrying an owner's value of a metric the policy names (``owner_followers``) is the
count of a linked account, decided as ``evaluate`` decides a snapshot row with an ``owner_ref``:
under ``judge = "owner"`` on the owner's value where higher (a row giving some owner values but
not all is rejected, as the snapshot's row would be); under ``judge = "account"`` on its own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from byline import audit, cases
from byline.domain.cases import Event, Observe, Open, is_stale
from byline.domain.decision import UNNAMED_OWNER, Account, decide
from byline.domain.policy import Policy, owner_metric
from byline.domain.vocabulary import AccountKind, AuditAction, Category, Outcome
from byline.service._batches import BatchRunner
from byline.service.policies import active_policy
from byline.store import Connection, Database

STALE_LISTED = 100  # account ids named in one stale audit entry (the count is always whole)


@dataclass(frozen=True)
class CountUpdate:
    account_id: str
    kind: AccountKind
    category: Category
    metrics: Mapping[str, int]


@dataclass(frozen=True)
class CountReject:
    """A row of a batch not applied: its index, the field at fault, and why."""

    index: int
    field: str
    reason: str


@dataclass(frozen=True)
class CountsApplied:
    """What one batch of counts did: ``read`` = ``accepted`` + ``rejected``; ``stale``: accepted
    rows older than what is on file (they moved nothing); ``actions``: how many of each audit
    action the accepted rows caused (``case:opened``, ...)."""

    read: int
    accepted: int
    rejected: int
    stale: int
    actions: Mapping[str, int]
    rejects: tuple[CountReject, ...]

    def as_dict(self) -> dict[str, Any]:
        """The answer to a push: the counts, each action's count beside them, the rejects."""
        return {
            "read": self.read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "stale": self.stale,
            **dict(sorted(self.actions.items())),
            "rejects": [
                {"index": r.index, "field": r.field, "reason": r.reason} for r in self.rejects
            ],
        }


def apply_counts(
    db: Database,
    platform: str,
    updates: Sequence[CountUpdate],
    on: dt.date,
    *,
    actor: str,
    request_id: str | None = None,
) -> CountsApplied:
    """Apply one batch of counts as of ``on``; return what happened to every row:
    ``read`` = ``accepted`` + ``rejected``; ``stale`` of the accepted moved nothing. The audit
    entries carry ``request_id``, the request that pushed the batch (without one, a case's
    entries carry ``counts:<on>``)."""
    batch_id = request_id or f"counts:{on.isoformat()}"
    with db.reading() as conn:
        policy = active_policy(conn, platform)
    missing = [m for m in policy.metrics if any(m not in u.metrics for u in updates)]
    if missing:
        raise ValueError(f"every update needs the policy's metrics: missing {', '.join(missing)}")
    by_id, rejects = _accepted(updates, policy)

    now = dt.datetime.combine(on, dt.time(), dt.UTC)
    with db.transaction() as conn:
        stale = _stale(conn, platform, sorted(by_id), on)
        fresh = sorted(by_id.keys() - stale.keys())
        # Recorded before the cases move: a crash in between leaves nothing older able to pass.
        cases.note_observed(conn, platform, fresh, on, "counts")
        if stale:
            record_stale(
                conn,
                platform,
                policy_label=f"{policy.id} {policy.version}",
                stale=stale,
                on=on,
                now=now,
                actor=actor,
                source="counts",
                request_id=request_id,
            )

    actions: Counter[str] = Counter()
    runner = BatchRunner(db, policy, now, batch_id, 200, actions, actor)

    def event(account_id: str, case: object) -> Event | None:
        u = by_id[account_id]
        owner = UNNAMED_OWNER if policy.carries_owner(u.metrics) else None
        d = decide(Account(u.account_id, u.kind, u.category, u.metrics, owner), policy, on)
        required = d.outcome is Outcome.REQUIRED
        if case is not None:
            return Observe(u.metrics, on, required, d.tier if required else None)
        if required and d.tier:
            return Open(str(uuid.uuid4()), u.account_id, u.kind, d.tier, u.metrics, on)
        return None

    runner.run(fresh, event, key=lambda a: a)
    late = actions.pop(AuditAction.OBSERVATION_STALE.value, 0)  # older than its case's counts
    return CountsApplied(
        read=len(updates),
        accepted=len(by_id),
        rejected=len(rejects),
        stale=len(stale) + late,
        actions=dict(sorted(actions.items())),
        rejects=tuple(sorted(rejects, key=lambda r: r.index)),
    )


def _accepted(
    updates: Sequence[CountUpdate], policy: Policy
) -> tuple[dict[str, CountUpdate], tuple[CountReject, ...]]:
    """The rows to apply, by account, and the rejected ones: every row of an account given
    more than once in the batch, and the owner rows ``_owner_rejects`` refuses."""
    rows: defaultdict[str, list[int]] = defaultdict(list)
    for index, u in enumerate(updates):
        rows[u.account_id].append(index)
    rejects = tuple(
        CountReject(
            index,
            f"counts.{index}.account_id",
            f"the account appears in rows {', '.join(map(str, where))} of this batch;"
            " none of them is applied",
        )
        for where in rows.values()
        if len(where) > 1
        for index in where
    )
    refused = {r.index for r in rejects}
    rejects += tuple(r for r in _owner_rejects(updates, policy) if r.index not in refused)
    refused |= {r.index for r in rejects}
    by_id = {
        a: updates[where[0]]
        for a, where in rows.items()
        if len(where) == 1 and where[0] not in refused
    }
    return by_id, rejects


def _owner_rejects(updates: Sequence[CountUpdate], policy: Policy) -> list[CountReject]:
    """Under ``judge = "owner"``, the rows that give some of a linked account's owner values
    but not every one the policy needs (``owner_followers``, ...): judged on which, cannot be
    known, so the row is rejected as a snapshot's row would be."""
    if not policy.judges_owners:
        return []
    needed = [m for m in policy.owner_metrics if m not in policy.metrics]
    out = []
    for index, u in enumerate(updates):
        missing = [m for m in needed if m not in u.metrics]
        if policy.carries_owner(u.metrics) and missing:
            given = ", ".join(m for m in map(owner_metric, policy.metrics) if m in u.metrics)
            out.append(
                CountReject(
                    index,
                    f"counts.{index}.metrics.{missing[0]}",
                    f"a linked account's count (it gives {given}) needs every owner value the"
                    f" policy judges by (judge = 'owner'): {', '.join(missing)} is missing",
                )
            )
    return out


def _stale(
    conn: Connection, platform: str, account_ids: Sequence[str], on: dt.date
) -> dict[str, dt.date]:
    """The accounts whose counts on file are newer than ``on``, with the newest date: a pushed
    count of the account's own, or the platform's newest cycle (its snapshot observed all)."""
    cycle = cases.newest_cycle_as_of(conn, platform)
    pushed = cases.observed_on(conn, platform, account_ids)
    stale: dict[str, dt.date] = {}
    for account_id in account_ids:
        newest = max((d for d in (cycle, pushed.get(account_id)) if d is not None), default=None)
        if newest is not None and is_stale(on, newest):
            stale[account_id] = newest
    return stale


def record_stale(
    conn: Connection,
    platform: str,
    *,
    policy_label: str,
    stale: Mapping[str, dt.date],
    on: dt.date,
    now: dt.datetime,
    actor: str,
    source: str,
    request_id: str | None = None,
) -> None:
    """One audit entry for the counts a batch or a cycle did not apply because they were stale."""
    audit.append(
        conn,
        audit.AuditEntry(
            at=now,
            actor=actor,
            action=AuditAction.OBSERVATION_STALE,
            policy_version=policy_label,
            request_id=request_id,
            detail={
                "source": source,
                "platform": platform,
                "as_of": on.isoformat(),
                "newest_on_file": max(stale.values()).isoformat(),
                "count": len(stale),
                "accounts": sorted(stale)[:STALE_LISTED],
            },
        ),
    )
