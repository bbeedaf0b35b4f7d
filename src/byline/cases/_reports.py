"""Counts and short lists of cases for dashboards, gauges and policy checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Text, cast, func, select

from byline.cases._tables import cases, labels

_c = cases.c


def open_by_tier(conn: Connection, platform: str) -> dict[str | None, int]:
    """Open cases of ``platform`` per tier (None: no tier)."""
    rows = conn.execute(
        select(_c.tier, func.count())
        .where(_c.platform == platform, _c.open_account_id.is_not(None))
        .group_by(_c.tier)
    ).all()
    return {tier: int(n) for tier, n in rows}


def open_tiers(conn: Connection, platform: str) -> set[str]:
    """The tiers open cases of ``platform`` are in."""
    return {
        str(tier)
        for tier in conn.execute(
            select(_c.tier)
            .where(
                _c.platform == platform,
                _c.open_account_id.is_not(None),
                _c.tier.is_not(None),
            )
            .distinct()
        ).scalars()
    }


def deadlines_between(
    conn: Connection, platform: str, start: dt.datetime, end: dt.datetime, limit: int
) -> list[Any]:
    """Open cases whose deadline falls in [start, end], nearest first: ``account_id``,
    ``state``, ``tier``, ``deadline``."""
    return list(
        conn.execute(
            select(_c.account_id, _c.state, _c.tier, _c.deadline)
            .where(
                _c.platform == platform,
                _c.open_account_id.is_not(None),
                _c.deadline.is_not(None),
                _c.deadline >= start,
                _c.deadline <= end,
            )
            .order_by(_c.deadline, _c.account_id)
            .limit(limit)
        ).all()
    )


def flagged(conn: Connection, platform: str, limit: int) -> list[Any]:
    """Open cases carrying a flag, most recently changed first: ``account_id``, ``state``,
    ``tier``, ``flags``, ``metrics``, ``observed_on``."""
    rows = conn.execute(
        select(_c.account_id, _c.state, _c.tier, _c.flags, _c.metrics, _c.observed_on)
        .where(
            _c.platform == platform,
            _c.open_account_id.is_not(None),
            cast(_c.flags, Text) != "[]",
        )
        .order_by(_c.updated_at.desc(), _c.account_id)
        .limit(limit)
    ).all()
    return [r for r in rows if r.flags]


def awaiting_review(conn: Connection) -> dict[str, int]:
    """Cases submitted and waiting for a reviewer, per platform."""
    rows = conn.execute(
        select(_c.platform, func.count()).where(_c.state == "submitted").group_by(_c.platform)
    ).all()
    return {str(platform): int(n) for platform, n in rows}


def notice_to_disclosure(conn: Connection, platform: str) -> list[tuple[str, dt.timedelta]]:
    """For every case of ``platform`` whose label went up after a notice: the cycle that sent
    the notice (``notified_cycle``) and the time from the notice to the label."""
    rows = conn.execute(
        select(_c.notified_cycle, _c.notified_at, labels.c.since)
        .join(labels, labels.c.case_id == _c.case_id)
        .where(
            _c.platform == platform,
            labels.c.platform == platform,
            _c.notified_cycle.is_not(None),
            _c.notified_at.is_not(None),
        )
    ).all()
    return [(str(cycle), since - notified) for cycle, notified, since in rows if since >= notified]
