"""A case in the viewer's language: why it is required (rule ids and what they mean), its
restrictions and how they lift, what refusing would cost. Shared by the reviewer's case page
and the creator's own page; the words come from the catalogues (``case.*``), the numbers,
dates and rule ids from the policy in force."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from byline.console._i18n import Translator
from byline.domain.policy import Penalty, Policy, Threshold
from byline.domain.vocabulary import Trigger


@dataclass(frozen=True)
class Line:
    """One sentence and the rule it comes from (shown beside it, e.g. ``weibo.tier.1m``)."""

    text: str
    rule: str = ""


def word(t: Translator, group: str, value: str) -> str:
    """A vocabulary word (state, kind, metric, restriction...) or the value itself if unknown."""
    key = f"case.{group}.{value}"
    return t(key) if t.has(key) else value.replace("_", " ")


def threshold(t: Translator, limits: Threshold) -> str:
    return t("case.and").join(
        t("case.at_least", metric=word(t, "metric", m), value=t.number(v))
        for m, v in limits.items()
    )


def amounts(t: Translator, limits: Threshold | Mapping[str, int]) -> str:
    """Counts as plain numbers: ``followers 1,200,000``."""
    return t("case.list_sep").join(
        f"{word(t, 'metric', m)} {t.number(v)}" for m, v in sorted(limits.items())
    )


def reasons(
    t: Translator, view: Mapping[str, Any], policy: Policy, *, meaning: bool = True
) -> list[Line]:
    """Why the case exists (and, for staff, what its state means), rule by rule."""
    lines: list[Line] = []
    if view["voluntary"]:
        lines.append(Line(t("case.reason.voluntary"), policy.voluntary.id))
    tier_id = view["tier"]
    if tier_id:
        try:
            tier = policy.tier(tier_id)
        except KeyError:
            lines.append(Line(t("case.reason.unknown_tier"), tier_id))
        else:
            lines.append(
                Line(
                    t(
                        "case.reason.tier",
                        label=tier.label,
                        threshold=threshold(t, tier.threshold),
                        start=t.date(tier.phase_starts),
                    ),
                    tier.id,
                )
            )
            if tier.comply_by:
                lines.append(Line(t("case.reason.comply_by", date=t.date(tier.comply_by)), tier.id))
            lines.append(
                Line(t("case.reason.shown" if tier.disclose else "case.reason.not_shown"), tier.id)
            )
    metrics = view["metrics"] or {}
    if metrics:
        lines.append(
            Line(
                t(
                    "case.reason.counts",
                    counts=amounts(t, metrics),
                    on=t.date(view["observed_on"]),
                    floor=amounts(t, policy.floor.threshold),
                ),
                policy.floor.id,
            )
        )
    if policy.display.requires_consent:
        lines.append(Line(t("case.reason.consent"), policy.display.id))
    for flag in view["flags"]:
        if flag == "steep_drop":
            lines.append(
                Line(
                    t(
                        "case.reason.steep_drop",
                        fraction=f"{policy.drop.steep_drop_fraction:.0%}",
                        days=policy.drop.steep_drop_window_days,
                    ),
                    policy.drop.id,
                )
            )
        else:
            lines.append(Line(t("case.reason.flag", flag=word(t, "flag", flag))))
    state_key = f"case.meaning.{view['state']}"
    if meaning and t.has(state_key):
        lines.append(Line(t(state_key)))
    return lines


def penalty_line(t: Translator, penalty: Penalty) -> Line:
    """What a penalty takes away, when, and whether compliance lifts it."""
    what = word(t, "restriction", penalty.restriction.value)
    size = (
        t("case.penalty.withdrawn", what=what)
        if penalty.factor == 0
        else t("case.penalty.reduced", what=what, percent=f"{penalty.factor:.0%}")
    )
    lift = t("case.penalty.lifted" if penalty.lifted_on_compliance else "case.penalty.lingers")
    text = f"{size}; {lift}"
    if penalty.note:
        text += f" ({penalty.note})"
    return Line(text, penalty.id)


def penalties_on(t: Translator, policy: Policy, trigger: Trigger) -> list[Line]:
    return [penalty_line(t, p) for p in policy.penalties if trigger in p.on]


def restrictions(
    t: Translator, restrictions_in_force: list[dict[str, Any]], policy: Policy
) -> list[Line]:
    """The restrictions in force (as ``case_view`` lists them), each with how it lifts."""
    by_id = {p.id: p for p in policy.penalties}
    lines = []
    for item in restrictions_in_force:
        what = word(t, "restriction", str(item["restriction"]))
        factor = float(item["factor"])
        size = (
            t("case.penalty.withdrawn", what=what)
            if factor == 0
            else t("case.penalty.reduced", what=what, percent=f"{factor:.0%}")
        )
        because = word(t, "trigger", str(item["trigger"]))
        penalty = by_id.get(str(item["penalty_id"]))
        if penalty is not None and not penalty.lifted_on_compliance:
            how = t("case.lift.never")
        else:
            how = t("case.lift.comply")
        lines.append(
            Line(
                t("case.restriction_line", size=size, because=because, how=how), item["penalty_id"]
            )
        )
    return lines
