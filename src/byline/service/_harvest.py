"""What the harvesting signal reports: the keys and viewers shown more distinct disclosed
accounts than the threshold, in the sliding hour now (``HarvestSignals``) or within the clock
hours of a period (``HarvestFlags``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HarvestSignals:
    """The keys and viewers of a platform shown more than ``threshold`` distinct disclosed
    accounts in the sliding hour ``since`` to ``until`` (the current minute and the 59
    before), with how many, most first."""

    platform: str
    threshold: int
    since: dt.datetime
    until: dt.datetime
    keys: tuple[tuple[str, int], ...]
    viewers: tuple[tuple[str, int], ...]

    @property
    def flagged(self) -> int:
        return len(self.keys) + len(self.viewers)

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "threshold": self.threshold,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "keys": [{"key_id": k, "accounts": n} for k, n in self.keys],
            "viewers": [{"viewer_id": v, "accounts": n} for v, n in self.viewers],
        }


@dataclass(frozen=True)
class HarvestFlags:
    """What the harvesting signal flagged over a period: the keys and the viewers shown more
    than ``threshold`` distinct disclosed accounts within one clock hour of it, and how many
    (who, hour) pairs that was; from the display records kept since ``records_from``."""

    threshold: int
    records_from: dt.datetime | None
    keys: int
    viewers: int
    flagged_hours: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "window": "clock hour",
            "records_from": self.records_from.isoformat() if self.records_from else None,
            "keys": self.keys,
            "viewers": self.viewers,
            "flagged_hours": self.flagged_hours,
            "total": self.keys + self.viewers,
        }
