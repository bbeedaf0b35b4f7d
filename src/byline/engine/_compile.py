"""The decision of ``byline.domain.decide`` compiled to SQL for one policy and one date.

The order of the CASE arms is the order of the checks in ``decide``; the property tests hold the
two to the same answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from byline.domain.policy import Policy, Threshold
from byline.domain.vocabulary import Outcome


@dataclass(frozen=True)
class CompiledDecision:
    met_any: str  # SQL: the row meets some tier's threshold (and the floor)
    outcome: str  # SQL: the Outcome value
    tier: str  # SQL: the deciding tier's id, or NULL
    reasons: str  # SQL: the rule ids, VARCHAR[]


def compile_decision(policy: Policy, as_of: dt.date) -> CompiledDecision:
    floor = _meets(policy.floor.threshold)
    met = {t.id: _meets(t.threshold) for t in policy.tiers}
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
            reasons = [tier.id, policy.subjects.id, policy.scope.id]
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

    return CompiledDecision(met_any, case("outcome"), case("tier"), case("reasons"))


def _meets(threshold: Threshold) -> str:
    return " AND ".join(f"{metric} >= {value}" for metric, value in threshold.items())


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
