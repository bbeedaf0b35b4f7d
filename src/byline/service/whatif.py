"""What if: how many accounts a policy would oblige were one of its numbers different (a
threshold, a phase's start, the date decided), or under several platforms' policies, over one
snapshot; counted in one scan (``engine.what_if``), written as a table, JSON and a chart.

What ``--vary`` changes, exactly (each step is a whole policy, checked as a policy file is):

- ``threshold``: the floor's first metric (``followers``). The floor, and every tier whose
  threshold on that metric is the floor's (the floor tier), move to the step; a tier above the
  floor keeps its threshold unless the step passes it, when it is raised to the step (no tier
  may ask less than the floor). Weibo at 2,000,000: both tiers at 2,000,000, the 1M tier's
  phase deciding first, as it is listed first.
- ``tier.<id>.threshold``: that tier alone, on the floor's first metric; the floor comes down
  with it when the step is below the floor.
- ``phase_starts``: the start of the floor tier's phase (its ``comply_by`` moves with it).
- ``tier.<id>.phase_starts``: that tier's phase start.
- ``as_of``: the date decided.

Without ``--as-of`` a what-if is decided on the day the last phase of the policies starts (every
tier in force): a date of the policy, never the clock's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from byline.domain.policy import Policy, Tier
from byline.engine import (
    EngineSettings,
    GroupBy,
    Progress,
    Variant,
    WhatIfError,
    writing,
)
from byline.engine import (
    what_if as count_what_if,
)
from byline.policy import load_policy
from byline.words import Series, chart_png, chart_svg, check, compact, date, say, word

WHATIF_FILES = ("simulate.csv", "simulate.json", "simulate.svg", "simulate.png")
VARIABLES = ("threshold", "phase_starts", "as_of", "tier.<id>.threshold", "tier.<id>.phase_starts")
MAX_STEPS = 200
_TIER = re.compile(r"^tier\.(?P<tier>[a-z0-9][a-z0-9._-]*)\.(?P<what>threshold|phase_starts)$")


@dataclass(frozen=True)
class Vary:
    """``--vary NAME=FROM..TO``: which number, and its range (both ends included)."""

    variable: str
    start: int | dt.date
    stop: int | dt.date

    @property
    def dates(self) -> bool:
        return isinstance(self.start, dt.date)

    @property
    def tier(self) -> str | None:
        found = _TIER.match(self.variable)
        return found.group("tier") if found else None

    def values(self, steps: int) -> list[int | dt.date]:
        """``steps`` evenly spaced values from ``start`` to ``stop`` (whole numbers or days;
        one value where two steps would round to the same)."""
        if not 1 <= steps <= MAX_STEPS:
            raise WhatIfError(f"--steps {steps}: between 1 and {MAX_STEPS}")
        if steps == 1:
            return [self.start]
        if isinstance(self.start, dt.date) and isinstance(self.stop, dt.date):
            days = (self.stop - self.start).days
            spaced = [
                self.start + dt.timedelta(days=round(days * i / (steps - 1))) for i in range(steps)
            ]
            return list(dict.fromkeys(spaced))
        assert isinstance(self.start, int) and isinstance(self.stop, int)
        span = self.stop - self.start
        return list(dict.fromkeys(self.start + round(span * i / (steps - 1)) for i in range(steps)))


def parse_vary(text: str) -> Vary:
    """``threshold=100000..2000000``, ``as_of=2023-10-01..2024-03-01`` (also ``1_000_000``,
    ``1M``, ``500k``); a ``WhatIfError`` saying what is wrong otherwise."""
    name, sep, span = text.partition("=")
    name = name.strip().replace("-", "_") if not name.startswith("tier.") else name.strip()
    start, dots, stop = span.partition("..")
    where = f"--vary {text}"
    if not sep or not dots:
        raise WhatIfError(f"{where}: write NAME=FROM..TO (threshold=100000..2000000)")
    plain = name in ("threshold", "phase_starts", "as_of")
    if not plain and not _TIER.match(name):
        raise WhatIfError(f"{where}: {name!r} is not one of {', '.join(VARIABLES)}")
    is_date = name in ("phase_starts", "as_of") or name.endswith(".phase_starts")
    try:
        if is_date:
            lo: int | dt.date = dt.date.fromisoformat(start.strip())
            hi: int | dt.date = dt.date.fromisoformat(stop.strip())
        else:
            lo, hi = _number(start), _number(stop)
    except ValueError:
        kind = "dates (2023-10-01)" if is_date else "whole numbers >= 0 (100000, 1M, 500k)"
        raise WhatIfError(f"{where}: FROM and TO must be {kind}") from None
    if hi < lo:  # type: ignore[operator]  # both dates or both numbers
        raise WhatIfError(f"{where}: TO is before FROM")
    return Vary(name, lo, hi)


def _number(text: str) -> int:
    text = text.strip().replace("_", "").replace(",", "").lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    value = int(text[:-1] if scale > 1 else text) * scale
    if value < 0:
        raise ValueError(text)
    return value


def varied(policy: Policy, variable: str, value: int | dt.date) -> Policy:
    """``policy`` with ``variable`` set to ``value`` as the module says (``as_of`` changes no
    rule: the policy itself); checked as a policy file is."""
    if variable == "as_of":
        return policy
    metric = next(iter(policy.floor.threshold))
    floor = policy.floor.threshold[metric]
    found = _TIER.match(variable)
    target = found.group("tier") if found else None
    if target is not None and target not in {t.id for t in policy.tiers}:
        tiers = ", ".join(t.id for t in policy.tiers)
        raise WhatIfError(f"policy {policy.id!r} has no tier {target!r} (its tiers: {tiers})")
    data = policy.model_dump(exclude_unset=True)
    if variable.endswith("threshold"):
        assert isinstance(value, int)
        if target is None:
            data["floor"]["threshold"][metric] = value
            for t in data["tiers"]:
                own = t["threshold"].get(metric, floor)
                t["threshold"][metric] = value if own == floor else max(own, value)
        else:
            data["floor"]["threshold"][metric] = min(floor, value)
            for t in data["tiers"]:
                if t["id"] == target:
                    t["threshold"][metric] = value
    else:
        assert isinstance(value, dt.date)
        for t, tier in zip(data["tiers"], policy.tiers, strict=True):
            if tier.id == target or (target is None and _at_floor(tier, metric, floor)):
                shift = value - tier.phase_starts
                t["phase_starts"] = value
                if tier.comply_by is not None:
                    t["comply_by"] = tier.comply_by + shift
    try:
        return Policy.model_validate(data)
    except ValueError as exc:
        raise WhatIfError(f"{variable}={value}: not a policy: {exc}") from None


def _at_floor(tier: Tier, metric: str, floor: int) -> bool:
    return tier.threshold.get(metric, floor) == floor


def last_phase(policies: Sequence[Policy]) -> dt.date:
    """The day every tier of every policy is in force: the latest phase start."""
    return max(t.phase_starts for p in policies for t in p.tiers)


@dataclass(frozen=True)
class WhatIf:
    """What a what-if counted: accounts obliged (``required``) for each value of the variable
    (``values``: the x axis; the policies' ids when they are compared without one), in each
    series (a group of ``by``, a policy compared, or ``all``)."""

    snapshot: str
    policies: tuple[str, ...]
    policy_versions: tuple[str, ...]
    as_of: dt.date | None  # None when it is the variable
    variable: str | None
    metric: str
    by: GroupBy | None
    values: tuple[str, ...]
    series: tuple[str, ...]
    required: dict[str, dict[str, int]]  # value -> series -> accounts obliged
    read: int
    accepted: int
    rejected: int
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def per_policy(self) -> bool:
        """Whether the series are the policies compared (their sum is no count of anything)."""
        return self.variable is not None and len(self.policies) > 1

    def total(self, value: str) -> int | None:
        """Accounts obliged at ``value`` over every group; None when the series are policies."""
        return None if self.per_policy else sum(self.required[value].values())

    def rows(self) -> list[dict[str, Any]]:
        """The table, one row per value and series: what ``simulate.csv`` holds."""
        column = self.variable or "policy"
        return [
            {column: value, "series": s, "required": self.required[value][s]}
            for value in self.values
            for s in self.series
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "snapshot": self.snapshot,
            "policies": list(self.policies),
            "policy_versions": list(self.policy_versions),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "variable": self.variable,
            "metric": self.metric,
            "by": self.by,
            "read": self.read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "series": list(self.series),
            "steps": [
                {"value": v, "required": self.total(v), "series": dict(self.required[v])}
                for v in self.values
            ],
            "seconds": dict(self.seconds),
        }

    def csv_text(self) -> str:
        buffer = io.StringIO()
        rows = self.rows()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["series"])
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()


def what_if(
    snapshot: Path,
    policies: Sequence[Policy | str | Path],
    *,
    vary: str | None = None,
    steps: int = 20,
    by: GroupBy | None = None,
    as_of: dt.date | None = None,
    fmt: str | None = None,
    progress: Progress | None = None,
    settings: EngineSettings | None = None,
) -> WhatIf:
    """Count the accounts of ``snapshot`` each variant would oblige, in one scan.

    One policy: a series per group of ``by`` (or ``all``). Several (``--compare``): with a
    variable, a series per policy (``by`` refused: one of the two); without, the policies are
    the x axis and the groups the series."""
    if not policies:
        raise WhatIfError("name a policy (or several to compare)")
    loaded = [p if isinstance(p, Policy) else load_policy(p) for p in policies]
    ids = tuple(p.id for p in loaded)
    if len(set(ids)) != len(ids):
        raise WhatIfError(f"--compare: a policy named twice ({', '.join(ids)})")
    parsed = parse_vary(vary) if vary else None
    compare = len(loaded) > 1
    if compare and parsed is not None and by is not None:
        raise WhatIfError("--compare with --vary draws a line per policy: leave out --by")
    if parsed is not None and parsed.variable == "as_of" and as_of is not None:
        raise WhatIfError("--vary as_of varies the date decided: leave out --as-of")
    day = as_of or last_phase(loaded)
    values: list[int | dt.date | None] = [*parsed.values(steps)] if parsed is not None else [None]
    variants: list[Variant] = []
    cells: list[tuple[str, str]] = []  # (value, policy id) per variant
    for value in values:
        for policy in loaded:
            shown = policy.id if value is None else _shown(value)
            if parsed is None or value is None:
                variant = Variant(f"{len(variants)}", policy, day)
            elif parsed.variable == "as_of":
                assert isinstance(value, dt.date)
                variant = Variant(f"{len(variants)}", policy, value)
            else:
                variant = Variant(f"{len(variants)}", varied(policy, parsed.variable, value), day)
            variants.append(variant)
            cells.append((shown, policy.id))
    counts = count_what_if(snapshot, variants, by=by, fmt=fmt, progress=progress, settings=settings)
    by_series = compare and parsed is not None
    series = ids if by_series else counts.groups
    required: dict[str, dict[str, int]] = {}
    for variant, (shown, policy_id) in zip(variants, cells, strict=True):
        got = counts.required[variant.label]
        row = required.setdefault(shown, {})
        if by_series:
            row[policy_id] = counts.total(variant.label)
        else:
            for g in counts.groups:
                row[g] = got[g]
    return WhatIf(
        snapshot=str(snapshot),
        policies=ids,
        policy_versions=tuple(p.version for p in loaded),
        as_of=None if parsed is not None and parsed.variable == "as_of" else day,
        variable=parsed.variable if parsed else None,
        metric=next(iter(loaded[0].floor.threshold)),
        by=by,
        values=tuple(required),
        series=tuple(series),
        required=required,
        read=counts.read,
        accepted=counts.accepted,
        rejected=counts.rejected,
        seconds=counts.seconds,
    )


def _shown(value: int | dt.date) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def whatif_chart(result: WhatIf, lang: str, chart_id: str = "what-if") -> str:
    """The what-if as an SVG chart in ``lang``: a line per series over the variable, or bars
    per policy compared; titles, axes with their units, a legend."""
    check(lang)
    variable = result.variable
    metric = word(lang, "metric", result.metric)
    tier = Vary(variable, 0, 0).tier if variable else None
    if variable is None:
        x_title = say(lang, "chart", "policy_axis")
        title = say(lang, "chart", "whatif_compare_title")
    else:
        key = variable.rsplit(".", 1)[-1]
        name = say(lang, "chart", f"tier_{key}" if tier else key, tier=tier)
        axis = "number_axis" if key == "threshold" else "date_axis"
        x_title = say(lang, "chart", axis, variable=name, metric=metric)
        title = say(lang, "chart", "whatif_title", variable=name)
    numbers = variable is not None and variable.endswith("threshold")
    x_labels = [compact(lang, int(v)) if numbers else v for v in result.values]
    series = [
        Series(_series_name(lang, result, s), [result.required[v][s] for v in result.values])
        for s in result.series
    ]
    if result.by is not None and variable is not None and len(series) > 1:
        total = [float(sum(result.required[v].values())) for v in result.values]
        series.append(Series(say(lang, "chart", "total"), total, dashed=True))
    note = say(
        lang,
        "chart",
        "whatif_note",
        snapshot=Path(result.snapshot).name,
        accepted=f"{result.accepted:,}",
        policy=", ".join(result.policies),
        as_of=date(lang, result.as_of) if result.as_of else "—",
    )
    return chart_svg(
        lang,
        title,
        x_title,
        say(lang, "chart", "accounts_axis"),
        x_labels,
        series,
        bars=variable is None,
        chart_id=chart_id,
        note=note,
    )


def _series_name(lang: str, result: WhatIf, name: str) -> str:
    if result.by == "category" and name in result.series:
        return word(lang, "category", name)
    if result.by == "kind":
        return word(lang, "account_kind", name)
    if name == "all":
        return say(lang, "chart", "total")
    return name


def simulate(
    snapshot: Path,
    policies: Sequence[Policy | str | Path],
    out_dir: Path,
    *,
    vary: str | None = None,
    steps: int = 20,
    by: GroupBy | None = None,
    as_of: dt.date | None = None,
    lang: str = "en",
    fmt: str | None = None,
    progress: Progress | None = None,
    settings: EngineSettings | None = None,
) -> WhatIf:
    """``byline simulate``: the what-if, written into ``out_dir`` as ``simulate.csv``,
    ``simulate.json``, ``simulate.svg`` and ``simulate.png`` (each whole or not at all)."""
    check(lang)
    result = what_if(
        snapshot,
        policies,
        vary=vary,
        steps=steps,
        by=by,
        as_of=as_of,
        fmt=fmt,
        progress=progress,
        settings=settings,
    )
    svg = whatif_chart(result, lang)
    contents: dict[str, bytes] = {
        "simulate.csv": result.csv_text().encode(),
        "simulate.json": (json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n").encode(),
        "simulate.svg": svg.encode(),
        "simulate.png": chart_png(svg),
    }
    with writing(out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        target = out_dir / name
        partial = target.with_name(name + ".partial")
        try:
            with writing(target):
                partial.write_bytes(data)
                partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    return result
