"""The dashboard's trends, cycle by cycle: the funnel's states, accounts required per tier, time
from notice to disclosure, restrictions in force. Read from the cycles' summaries and the
cases; no names. Each trend is a table first (what the chart draws is its numbers)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from byline.domain.cases import CaseState

if TYPE_CHECKING:
    from byline.service.dashboard import CycleRow

TREND_CYCLES = 26  # half a year of weekly cycles
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Trend:
    """One chart's numbers: a value per cycle (None: not known for that cycle) per series."""

    key: str  # funnel, tiers, comply, restrictions
    series: dict[str, list[float | None]]


@dataclass(frozen=True)
class Trends:
    """The newest finished cycles, oldest first, and each trend over them."""

    cycle_ids: tuple[str, ...]
    as_of: tuple[dt.date, ...]
    trends: dict[str, Trend] = field(default_factory=dict)

    def rows(self, key: str) -> list[dict[str, object]]:
        """A trend as a table: one row per cycle (``as_of``, ``cycle``, one column a series)."""
        trend = self.trends[key]
        return [
            {"as_of": day.isoformat(), "cycle": cycle, **{s: v[i] for s, v in trend.series.items()}}
            for i, (cycle, day) in enumerate(zip(self.cycle_ids, self.as_of, strict=True))
        ]


def trends_of(
    cycles: Sequence[CycleRow],
    waits: Sequence[tuple[str, dt.timedelta]],
    tiers: Sequence[str] = (),
) -> Trends:
    """The trends over ``cycles`` (oldest first); ``waits``: each disclosure's notice cycle and
    time from notice to label; ``tiers`` (those of the policy in force) first among the tiers'."""
    ids = tuple(c.cycle_id for c in cycles)
    # Cases in each state as each cycle ended, in the order a case moves; states never held
    # left out.
    funnel: dict[str, list[float | None]] = {
        state.value: [float(c.funnel.get(state.value, 0)) for c in cycles] for state in CaseState
    }
    funnel = {s: v for s, v in funnel.items() if any(v)}
    names = [*tiers]
    for c in cycles:
        names.extend(t for t in (c.by_tier or {}) if t not in names)
    by_tier: dict[str, list[float | None]] = {
        t: [None if c.by_tier is None else float(c.by_tier.get(t, 0)) for c in cycles]
        for t in names
    }
    per_cycle: dict[str, list[float]] = {}
    for cycle, wait in waits:
        per_cycle.setdefault(cycle, []).append(wait / DAY)
    comply: dict[str, list[float | None]] = {"median": [], "p90": [], "disclosed": []}
    for cycle_id in ids:
        days = sorted(per_cycle.get(cycle_id, []))
        comply["median"].append(round(statistics.median(days), 1) if days else None)
        comply["p90"].append(round(_quantile(days, 0.9), 1) if days else None)
        comply["disclosed"].append(float(len(days)))
    restricted: dict[str, list[float | None]] = {
        "restricted": [float(c.restricted) for c in cycles]
    }
    return Trends(
        ids,
        tuple(c.as_of for c in cycles),
        {
            "funnel": Trend("funnel", funnel),
            "tiers": Trend("tiers", by_tier),
            "comply": Trend("comply", comply),
            "restrictions": Trend("restrictions", restricted),
        },
    )


def _quantile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile by the nearest rank: a value some case really took."""
    rank = max(1, -(-len(sorted_values) * q // 1))  # ceil(n * q), at least 1
    return sorted_values[int(rank) - 1]
