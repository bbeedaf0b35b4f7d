"""The public label: what a viewer sees for a batch of accounts.

The label is the one place a name leaves the system, and only for a disclosed account, to a
viewer the policy allows. A non-disclosed account and an unknown account get the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from byline import cases
from byline.domain.labels import Viewer, hidden_by
from byline.service.policies import active_policy
from byline.service.programme import Programme, vault_subject

MAX_BATCH = 100


@dataclass(frozen=True)
class LabelLookup:
    labels: dict[str, dict[str, Any] | None]
    hidden_by: tuple[str, ...]  # the viewer rules that hid every name (empty when allowed)
    shown: int


def lookup_labels(
    programme: Programme, platform: str, viewer: Viewer, account_ids: Sequence[str]
) -> LabelLookup:
    if len(account_ids) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} account ids per lookup")
    answer: dict[str, dict[str, Any] | None] = dict.fromkeys(account_ids)
    with programme.db.reading() as conn:
        policy = active_policy(conn, platform)
        rules = hidden_by(policy, viewer)
        if rules or not account_ids:
            return LabelLookup(answer, tuple(r.value for r in rules), 0)
        table = cases.labels
        rows = conn.execute(
            select(table.c.account_id, table.c.kind, table.c.name_id, table.c.since).where(
                table.c.policy_id == platform,
                table.c.account_id.in_(set(account_ids)),
                table.c.live,
            )
        ).all()
        names = programme.vault.label_names(
            conn, {vault_subject(platform, row.account_id): row.name_id for row in rows}
        )
        for row in rows:
            name = names.get(vault_subject(platform, row.account_id))
            if name is not None:
                answer[row.account_id] = {
                    "name": name,
                    "kind": row.kind,
                    "since": row.since.isoformat(),
                }
    return LabelLookup(answer, (), len(names))
