"""One case in words: why it exists (rule by rule), what refusing costs, the restrictions in
force and how they lift. The console's case and creator pages and the API's answer to a creator
say the same lines, each with a code (what it says) and the rule it comes from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from byline.domain.cases import CaseState
from byline.domain.policy import Penalty, Policy, Threshold
from byline.domain.vocabulary import CaseFlag, Trigger
from byline.words import _formats
from byline.words._catalogue import check, say, word
from byline.words._policy_text import Quoted

DateFormat = Callable[[dt.date | str], str]


@dataclass(frozen=True)
class Line:
    """One sentence, what it says as a code (``tier``, ``counts``, ``flag:steep_drop``...) and
    the rule it comes from (shown beside it, e.g. ``weibo.tier.1m``)."""

    text: str
    rule: str = ""
    code: str = ""


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number(value: int | float) -> str:
    return f"{value:,}"


def amounts(lang: str, limits: Threshold | Mapping[str, int]) -> str:
    """Counts as plain numbers: ``followers 1,200,000``."""
    return say(lang, "explain", "list_sep").join(
        say(lang, "case", "amount", metric=word(lang, "metric", m), value=_number(v))
        for m, v in sorted(limits.items())
    )


def _tier_lines(policy: Policy, lang: str, tier_id: str, date: DateFormat) -> list[Line]:
    try:
        tier = policy.tier(tier_id)
    except KeyError:
        return [Line(say(lang, "case", "unknown_tier"), tier_id, "unknown_tier")]
    lines = [
        Line(
            say(
                lang,
                "case",
                "tier",
                label=Quoted.of(policy, lang).label(tier.id, tier.label),
                threshold=_formats.threshold(lang, tier.threshold),
                start=date(tier.phase_starts),
            ),
            tier.id,
            "tier",
        )
    ]
    if tier.comply_by:
        lines.append(
            Line(say(lang, "case", "comply_by", date=date(tier.comply_by)), tier.id, "comply_by")
        )
    shown = "shown" if tier.disclose else "not_shown"
    lines.append(Line(say(lang, "case", shown), tier.id, shown))
    return lines


def _flag_line(policy: Policy, lang: str, flag: str) -> Line:
    if flag == CaseFlag.STEEP_DROP:
        drop = policy.drop
        text = say(
            lang,
            "case",
            "steep_drop",
            fraction=f"{drop.steep_drop_fraction:.0%}",
            days=drop.steep_drop_window_days,
        )
        return Line(text, drop.id, f"flag:{flag}")
    return Line(say(lang, "case", "flag", flag=word(lang, "case_flag", flag)), "", f"flag:{flag}")


def case_reasons(
    policy: Policy,
    lang: str,
    case: Mapping[str, Any],
    *,
    meaning: bool = True,
    date: DateFormat | None = None,
) -> list[Line]:
    """Why the case exists (and, with ``meaning``, what its state means), rule by rule.

    ``case``: the case's ``voluntary``, ``tier``, ``metrics``, ``observed_on``, ``flags`` and
    ``state``; ``date``: how to write a day (default: the language's own way)."""
    check(lang)
    day: DateFormat = date or (
        lambda d: _formats.date(lang, dt.date.fromisoformat(d) if isinstance(d, str) else d)
    )
    lines: list[Line] = []
    if case["voluntary"]:
        lines.append(Line(say(lang, "case", "voluntary"), policy.voluntary.id, "voluntary"))
    if case["tier"]:
        lines += _tier_lines(policy, lang, case["tier"], day)
    metrics = case.get("metrics") or {}
    if metrics:
        above = all(metrics.get(m, 0) >= v for m, v in policy.floor.threshold.items())
        counts = say(
            lang,
            "case",
            "counts_above" if above else "counts",
            counts=amounts(lang, metrics),
            on=day(case["observed_on"]) if case.get("observed_on") else "—",
            floor=amounts(lang, policy.floor.threshold),
        )
        lines.append(Line(counts, policy.floor.id, "counts"))
    if policy.display.requires_consent:
        lines.append(Line(say(lang, "case", "consent"), policy.display.id, "consent"))
    lines += [_flag_line(policy, lang, flag) for flag in case.get("flags") or ()]
    state = case.get("state")
    if meaning and state in set(CaseState):
        lines.append(Line(word(lang, "case_state_meaning", state), "", f"state:{state}"))
    return lines


def _size(lang: str, restriction: str, factor: float) -> str:
    what = word(lang, "restriction", restriction)
    if factor == 0:
        return _sentence(say(lang, "case", "penalty_withdrawn", what=what))
    return _sentence(say(lang, "case", "penalty_reduced", what=what, percent=f"{factor:.0%}"))


def penalty_line(policy: Policy, lang: str, penalty: Penalty) -> Line:
    """What a penalty takes away and whether compliance lifts it."""
    lift = say(lang, "case", "lifted" if penalty.lifted_on_compliance else "lingers")
    text = say(
        lang, "case", "penalty", size=_size(lang, penalty.restriction, penalty.factor), lift=lift
    )
    note = Quoted.of(policy, lang).note(penalty.id, penalty.note)
    if note:
        text += say(lang, "case", "penalty_note", note=note)
    return Line(text, penalty.id, f"penalty:{penalty.restriction}")


def penalties_on(policy: Policy, lang: str, trigger: Trigger) -> list[Line]:
    """What ``trigger`` (refusing, being overdue) would cost under ``policy``."""
    return [penalty_line(policy, check(lang), p) for p in policy.penalties if trigger in p.on]


def restriction_lines(
    policy: Policy, lang: str, in_force: Iterable[Mapping[str, Any]]
) -> list[Line]:
    """The restrictions in force (``restriction``, ``factor``, ``trigger``, ``penalty_id``),
    each with why it applies and how it lifts."""
    check(lang)
    by_id = {p.id: p for p in policy.penalties}
    lines = []
    for item in in_force:
        penalty = by_id.get(str(item["penalty_id"]))
        lingers = penalty is not None and not penalty.lifted_on_compliance
        text = say(
            lang,
            "case",
            "restriction",
            size=_size(lang, str(item["restriction"]), float(item["factor"])),
            because=word(lang, "trigger", str(item["trigger"])),
            how=say(lang, "case", "lingers" if lingers else "lifted_on_compliance"),
        )
        lines.append(Line(text, str(item["penalty_id"]), f"restriction:{item['restriction']}"))
    return lines
