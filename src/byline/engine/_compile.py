"""The decision of ``byline.domain.decide`` compiled to SQL for one policy and one date.

The order of the CASE arms is the order of the checks in ``decide``; the property tests hold the
two to the same answers.

With ``owners`` (the rows carry ``owner_ref`` and the owner metrics) it also says which rows an
owner flag needs (``keep``) and which tier an owner's audience reaches (``owner_tier``); under
``judge = "owner"`` a linked account's metrics are its owner's where higher (``judged``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from byline.domain.policy import Policy, Threshold, owner_metric
from byline.domain.vocabulary import Outcome


@dataclass(frozen=True)
class CompiledDecision:
    met_any: str  # SQL: the row meets some tier's threshold (and the floor)
    outcome: str  # SQL: the Outcome value
    tier: str  # SQL: the deciding tier's id, or NULL
    reasons: str  # SQL: the rule ids, VARCHAR[]
    keep: str = ""  # SQL: a good row worth keeping (meets a tier, or its owner's audience does)
    own_floor: str = ""  # SQL: the row meets the floor on its own metrics
    owner_tier: str = "NULL::VARCHAR"  # SQL: the first tier its owner's audience meets, or NULL


def judged(policy: Policy, owners: bool) -> dict[str, str]:
    """SQL for each metric as a row is judged on it: the column; under ``judge = "owner"``, a
    linked account's owner value where higher."""
    if not (owners and policy.judges_owners):
        return {m: m for m in policy.metrics}
    return {
        m: f"(CASE WHEN owner_ref IS NULL THEN {m} ELSE greatest({m}, {owner_metric(m)}) END)"
        for m in policy.metrics
    }


def compile_decision(policy: Policy, as_of: dt.date, *, owners: bool = False) -> CompiledDecision:
    value = judged(policy, owners)
    floor = _meets(policy.floor.threshold, value)
    met = {t.id: _meets(t.threshold, value) for t in policy.tiers}
    met_any = f"({floor}) AND ({' OR '.join(f'({m})' for m in met.values())})"
    kinds = ", ".join(_lit(k.value) for k in policy.subjects.kinds)
    categories = ", ".join(_lit(c.value) for c in policy.scope.in_scope()) or "NULL"

    arms: list[tuple[str, Outcome, str | None, list[str]]] = [
        (f"NOT ({floor})", Outcome.BELOW_THRESHOLD, None, [policy.floor.id]),
        (f"NOT ({met_any})", Outcome.BELOW_THRESHOLD, None, [t.id for t in policy.tiers]),
        (f"kind NOT IN ({kinds})", Outcome.KIND_NOT_SUBJECT, None, [policy.subjects.id]),
        (f"category NOT IN ({categories})", Outcome.CATEGORY_OUT_OF_SCOPE, None, [policy.scope.id]),
    ]
    # Tiers whose phase has started on ``as_of`` decide, in priority order; the date is a
    # constant, so the phase test is settled here rather than per row.
    for tier in policy.tiers:
        if tier.phase_starts <= as_of:
            linked = [i for i in (policy.linked_accounts.id,) if i and policy.judges_owners]
            reasons = [tier.id, *linked, policy.subjects.id, policy.scope.id]
            arms.append((met[tier.id], Outcome.REQUIRED, tier.id, reasons))
    for tier in policy.tiers:
        arms.append((met[tier.id], Outcome.PHASE_NOT_STARTED, None, [tier.id]))

    def case(pick: str) -> str:
        whens = []
        for cond, outcome, tier_id, reasons in arms:
            value = {
                "outcome": _lit(outcome.value),
                "tier": _lit(tier_id) if tier_id else "NULL::VARCHAR",
                "reasons": "[" + ", ".join(_lit(r) for r in reasons) + "]::VARCHAR[]",
            }[pick]
            whens.append(f"WHEN {cond} THEN {value}")
        return "CASE " + " ".join(whens) + " END"

    compiled = CompiledDecision(met_any, case("outcome"), case("tier"), case("reasons"))
    if not owners:
        return replace(compiled, keep=met_any, own_floor=_meets(policy.floor.threshold))
    owner = {m: owner_metric(m) for m in policy.metrics}
    owner_met = {t.id: _meets(t.threshold, owner) for t in policy.tiers}
    owner_any = " OR ".join(f"({m})" for m in owner_met.values())
    tiers = " ".join(f"WHEN {m} THEN {_lit(t)}" for t, m in owner_met.items())
    return replace(
        compiled,
        keep=f"({met_any}) OR (owner_ref IS NOT NULL AND ({owner_any}))",
        own_floor=_meets(policy.floor.threshold),
        owner_tier=f"CASE {tiers} END",
    )


def _meets(threshold: Threshold, value: dict[str, str] | None = None) -> str:
    value = value or {}
    return " AND ".join(f"{value.get(m, m)} >= {v}" for m, v in threshold.items())


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
