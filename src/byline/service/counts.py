"""Follower counts pushed by the platform between cycles: each touched account is decided at
once and its case opened or observed (notices still go out in cycles, in phase order)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from byline.domain.cases import Event, Observe, Open
from byline.domain.decision import Account, decide
from byline.domain.vocabulary import AccountKind, Category, Outcome
from byline.service._batches import BatchRunner
from byline.service.policies import active_policy
from byline.store import Database


@dataclass(frozen=True)
class CountUpdate:
    account_id: str
    kind: AccountKind
    category: Category
    metrics: Mapping[str, int]


def apply_counts(
    db: Database, platform: str, updates: Sequence[CountUpdate], on: dt.date, *, actor: str
) -> dict[str, int]:
    with db.reading() as conn:
        policy = active_policy(conn, platform)
    missing = [m for m in policy.metrics if any(m not in u.metrics for u in updates)]
    if missing:
        raise ValueError(f"every update needs the policy's metrics: missing {', '.join(missing)}")
    now = dt.datetime.combine(on, dt.time(), dt.UTC)
    actions: Counter[str] = Counter()
    runner = BatchRunner(db, policy, now, f"counts:{on.isoformat()}", 200, actions, actor)
    by_id = {u.account_id: u for u in updates}

    def event(account_id: str, case: object) -> Event | None:
        u = by_id[account_id]
        d = decide(Account(u.account_id, u.kind, u.category, u.metrics), policy, on)
        required = d.outcome is Outcome.REQUIRED
        if case is not None:
            return Observe(u.metrics, on, required, d.tier if required else None)
        if required and d.tier:
            return Open(str(uuid.uuid4()), u.account_id, u.kind, d.tier, u.metrics, on)
        return None

    runner.run(sorted(by_id), event, key=lambda a: a)
    return {"accepted": len(by_id), **dict(sorted(actions.items()))}
