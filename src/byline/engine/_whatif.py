"""What if: how many accounts each of several variants of a policy would oblige, over one snapshot
in one scan rather than one evaluation per variant.

The snapshot is read, validated and checked for duplicated ids once, exactly as ``evaluate``
reads it (the same ``_kept``), under a *keeper*: a policy whose only tier is met by every row
that meets some tier of some variant (the lowest floor of them all on a metric every variant's
floor names). What is kept is then decided under each variant with the same compiled decision
``evaluate`` uses, in one aggregate over the kept rows: the counts are ``evaluate``'s, variant by
variant, by construction, and the property tests hold them to separate evaluations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from byline.domain.policy import LinkedAccounts, Policy, Tier
from byline.domain.vocabulary import Outcome
from byline.engine._compile import compile_decision
from byline.engine._evaluate import _open
from byline.engine._read import read_and_decide, reading
from byline.engine._settings import EngineSettings, connect
from byline.engine._steps import Progress, Stepper

GroupBy = Literal["category", "tier", "kind"]
GROUP_BYS: tuple[GroupBy, ...] = ("category", "tier", "kind")
ALL = "all"  # the one group when the counts are not grouped


class WhatIfError(ValueError):
    """Variants that cannot be read in one scan (no metric every floor names, different metrics
    or a different judgement of linked accounts): which, and why."""


@dataclass(frozen=True)
class Variant:
    """One point of a what-if: a policy, the date it is decided on, and how it is shown."""

    label: str
    policy: Policy
    as_of: dt.date


@dataclass(frozen=True)
class WhatIfCounts:
    """Accounts obliged (``required``) by each variant, by group; what was read."""

    snapshot: str
    read: int
    accepted: int
    rejected: int
    by: GroupBy | None
    labels: tuple[str, ...]  # the variants', in order
    groups: tuple[str, ...]  # every group any variant obliges an account in (``ALL`` ungrouped)
    required: dict[str, dict[str, int]]  # variant label -> group -> accounts obliged
    seconds: dict[str, float] = field(default_factory=dict)

    def total(self, label: str) -> int:
        return sum(self.required[label].values())


def keeper(variants: Sequence[Variant]) -> Policy:
    """A policy whose tier every row meeting some variant's tier also meets: the lowest floor
    on a metric every variant's floor names, and every other metric at 0 (so each is read and
    validated as each variant reads it)."""
    if not variants:
        raise WhatIfError("no variant to count")
    first = variants[0].policy
    for v in variants[1:]:
        if v.policy.metrics != first.metrics:
            raise WhatIfError(
                f"{v.label}: judged on {', '.join(v.policy.metrics)}, not on "
                f"{', '.join(first.metrics)} as {variants[0].label}: compare policies judged on "
                "the same metrics"
            )
        if v.policy.judges_owners != first.judges_owners:
            raise WhatIfError(
                f"{v.label}: judges linked accounts otherwise than {variants[0].label} "
                "([linked_accounts] judge)"
            )
    shared = [
        m for m in first.floor.threshold if all(m in v.policy.floor.threshold for v in variants)
    ]
    if not shared:
        raise WhatIfError("the variants' floors name no metric in common")
    metric = shared[0]
    lowest = min(v.policy.floor.threshold[metric] for v in variants)
    threshold = {m: (lowest if m == metric else 0) for m in first.metrics}
    tier = Tier(id="what-if.keep", label="kept", threshold=threshold, phase_starts=dt.date.min)
    linked = first.linked_accounts
    if first.judges_owners:
        linked = LinkedAccounts(id=linked.id or "what-if.linked", judge="owner")
    return first.model_copy(
        update={
            "floor": first.floor.model_copy(update={"threshold": {metric: lowest}}),
            "tiers": (tier,),
            "linked_accounts": linked,
        }
    )


def what_if(
    snapshot_path: Path,
    variants: Sequence[Variant],
    *,
    by: GroupBy | None = None,
    fmt: str | None = None,
    progress: Progress | None = None,
    settings: EngineSettings | None = None,
) -> WhatIfCounts:
    """Count, for every variant, the accounts of ``snapshot_path`` it obliges, by ``by``."""
    if by is not None and by not in GROUP_BYS:
        raise WhatIfError(f"group by {by!r}: one of {', '.join(GROUP_BYS)}")
    keep = keeper(variants)
    settings = settings or EngineSettings()
    con = connect(settings)
    timings: dict[str, float] = {}
    try:
        with reading(snapshot_path):
            snapshot = _open(con, snapshot_path, keep, fmt)
            read = read_and_decide(con, snapshot, keep, dt.date.min, settings, progress, timings)
        rejected = int(
            (con.execute("SELECT count(*) FROM _kept WHERE NOT accepted").fetchone() or (0,))[0]
        )
        step = Stepper(con, progress, timings)
        sql = _counts_sql(variants, by, snapshot.owners)
        rows = step("count", lambda c: c.execute(sql).fetchall())
    finally:
        con.close()
    labels = tuple(v.label for v in variants)
    required: dict[str, dict[str, int]] = {label: {} for label in labels}
    for i, group, n in rows:
        required[labels[i]][str(group)] = int(n)
    groups = _groups(variants, by, required)
    for counts in required.values():
        for g in groups:
            counts.setdefault(g, 0)
    return WhatIfCounts(
        snapshot=str(snapshot_path),
        read=read,
        accepted=read - rejected,
        rejected=rejected,
        by=by,
        labels=labels,
        groups=groups,
        required={label: {g: required[label][g] for g in groups} for label in labels},
        seconds={k: round(v, 3) for k, v in timings.items()},
    )


def _counts_sql(variants: Sequence[Variant], by: GroupBy | None, owners: bool) -> str:
    """One scan of the kept rows: for each, the (variant, group) of every variant obliging it."""
    required = f"'{Outcome.REQUIRED.value}'"
    items = []
    for i, v in enumerate(variants):
        decision = compile_decision(v.policy, v.as_of, owners=owners)
        group = {None: f"'{ALL}'", "category": "category", "kind": "kind", "tier": decision.tier}[
            by
        ]
        items.append(
            f"CASE WHEN ({decision.outcome}) = {required} "
            f"THEN {{'v': {i}, 'g': CAST({group} AS VARCHAR)}} END"
        )
    listed = f"list_filter([{', '.join(items)}], lambda x: x IS NOT NULL)"
    return f"""
SELECT s.v, s.g, count(*) FROM (
  SELECT unnest({listed}) AS s FROM _kept WHERE accepted AND reported
) GROUP BY ALL ORDER BY ALL"""


def _groups(
    variants: Sequence[Variant], by: GroupBy | None, required: dict[str, dict[str, int]]
) -> tuple[str, ...]:
    seen = {g for counts in required.values() for g in counts}
    if by is None:
        return (ALL,)
    if by == "tier":
        order: list[str] = []
        for v in variants:
            order.extend(t.id for t in v.policy.tiers if t.id not in order)
        return (*order, *sorted(seen - set(order)))
    policy = variants[0].policy
    known = (
        [c.value for c in policy.scope.in_scope()]
        if by == "category"
        else [k.value for k in policy.subjects.kinds]
    )
    return (*(g for g in known if g in seen), *sorted(seen - set(known)))
