"""The decision of ``byline.domain.decide`` compiled to Spark expressions for one policy and one
date: the same ordered checks ``engine._compile`` makes SQL CASE arms of, built from the same
policy model (never from that SQL's text); the agreement tests hold the two, and ``decide``,
to the same answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F

from byline.domain.policy import Policy, Threshold, owner_metric
from byline.domain.vocabulary import Outcome


@dataclass(frozen=True)
class SparkDecision:
    """A row's decision as columns; the fields mean what ``engine.CompiledDecision``'s do."""

    met_any: Column  # the row meets some tier's threshold (and the floor)
    outcome: Column  # the Outcome value
    tier: Column  # the deciding tier's id, or null
    reasons: Column  # the rule ids, array<string>
    keep: Column  # a good row worth keeping (meets a tier, or its owner's audience does)
    own_floor: Column  # the row meets the floor on its own metrics
    owner_tier: Column  # the first tier its owner's audience meets, or null


def judged(policy: Policy, owners: bool) -> dict[str, Column]:
    """Each metric as a row is judged on it: the column; under ``judge = "owner"``, a linked
    account's owner value where higher (``greatest`` passes over a missing one)."""
    if not (owners and policy.judges_owners):
        return {m: F.col(m) for m in policy.metrics}
    return {
        m: F.when(F.col("owner_ref").isNull(), F.col(m)).otherwise(
            F.greatest(F.col(m), F.col(owner_metric(m)))
        )
        for m in policy.metrics
    }


def compile_decision(policy: Policy, as_of: dt.date, *, owners: bool = False) -> SparkDecision:
    value = judged(policy, owners)
    floor = _meets(policy.floor.threshold, value)
    met = {t.id: _meets(t.threshold, value) for t in policy.tiers}
    met_any = floor & _any(list(met.values()))
    kinds = [k.value for k in policy.subjects.kinds]
    categories = [c.value for c in policy.scope.in_scope()]

    arms: list[tuple[Column, Outcome, str | None, list[str]]] = [
        (~floor, Outcome.BELOW_THRESHOLD, None, [policy.floor.id]),
        (~met_any, Outcome.BELOW_THRESHOLD, None, [t.id for t in policy.tiers]),
        (~F.col("kind").isin(kinds), Outcome.KIND_NOT_SUBJECT, None, [policy.subjects.id]),
        (
            ~F.col("category").isin(categories),
            Outcome.CATEGORY_OUT_OF_SCOPE,
            None,
            [policy.scope.id],
        ),
    ]
    # The phase test is settled here: the date is a constant.
    linked = [i for i in (policy.linked_accounts.id,) if i and policy.judges_owners]
    for t in policy.tiers:
        if t.phase_starts <= as_of:
            named = [t.id, *linked, policy.subjects.id, policy.scope.id]
            arms.append((met[t.id], Outcome.REQUIRED, t.id, named))
    for t in policy.tiers:
        arms.append((met[t.id], Outcome.PHASE_NOT_STARTED, None, [t.id]))

    def case(values: list[Column]) -> Column:
        chosen: Column | None = None
        for (cond, *_), v in zip(arms, values, strict=True):
            chosen = F.when(cond, v) if chosen is None else chosen.when(cond, v)
        assert chosen is not None  # the floor's arm is always there
        return chosen

    outcome = case([F.lit(o.value) for _, o, _, _ in arms])
    tier = case([F.lit(t).cast("string") for _, _, t, _ in arms])
    reasons = case([F.array(*(F.lit(r) for r in rs)).cast("array<string>") for *_, rs in arms])
    own_floor = _meets(policy.floor.threshold, {m: F.col(m) for m in policy.metrics})
    if not owners:
        return SparkDecision(met_any, outcome, tier, reasons, met_any, own_floor, F.lit(None))
    owner = {m: F.col(owner_metric(m)) for m in policy.metrics}
    owner_met = {t.id: _meets(t.threshold, owner) for t in policy.tiers}
    owner_tier: Column | None = None
    for tier_id, cond in owner_met.items():
        arm = F.lit(tier_id)
        owner_tier = F.when(cond, arm) if owner_tier is None else owner_tier.when(cond, arm)
    assert owner_tier is not None
    keep = met_any | (F.col("owner_ref").isNotNull() & _any(list(owner_met.values())))
    return SparkDecision(met_any, outcome, tier, reasons, keep, own_floor, owner_tier)


def _meets(threshold: Threshold, value: dict[str, Column]) -> Column:
    checks = [value[m] >= F.lit(v) for m, v in threshold.items()]
    out = checks[0]
    for check in checks[1:]:
        out = out & check
    return out


def _any(columns: list[Column]) -> Column:
    out = columns[0]
    for column in columns[1:]:
        out = out | column
    return out
