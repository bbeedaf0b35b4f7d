"""Labels in the database: each (platform, account)'s label, and each platform's label version
(raised by every transaction that changes what its lookups may answer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from byline.cases._platform_rows import put_row
from byline.cases._tables import cases, label_versions, labels
from byline.store import upsert


def put_label(
    conn: Connection,
    platform: str,
    account_id: str,
    *,
    case_id: str,
    live: bool,
    kind: str,
    fields: Sequence[str],
    name_id: str | None,
    at: dt.datetime,
) -> None:
    """Show (``live``) or take down the account's label."""
    values: dict[str, Any] = {
        "platform": platform,
        "account_id": account_id,
        "case_id": case_id,
        "live": live,
        "kind": kind,
        "fields": list(fields),
        "name_id": name_id,
        "since": at,
    }
    put_row(conn, labels, values)


def raise_label_version(conn: Connection, platform: str) -> None:
    """Move ``platform``'s label version on (from 1 the first time)."""
    t = label_versions
    upsert(
        conn,
        t,
        {"platform": platform, "version": 1},
        key=["platform"],
        update={"version": t.c.version + 1},
    )


# Built once (and so compiled and cached once): the label lookup's own cost, not SQLAlchemy's.
_LABEL_VERSION = select(label_versions.c.version).where(
    label_versions.c.platform == bindparam("platform")
)
_LIVE_IDS = (
    select(labels.c.account_id)
    .where(labels.c.platform == bindparam("platform"), labels.c.live)
    .limit(bindparam("limit"))
)
_LIVE_LABELS = select(labels.c.account_id, labels.c.kind, labels.c.name_id, labels.c.since).where(
    labels.c.platform == bindparam("platform"),
    labels.c.account_id.in_(bindparam("account_ids", expanding=True)),
    labels.c.live,
)


def label_version(conn: Connection, platform: str) -> int:
    """``platform``'s label version (0: never raised)."""
    found = conn.execute(_LABEL_VERSION, {"platform": platform}).scalar_one_or_none()
    return int(found or 0)


def disclosed_ids(conn: Connection, platform: str, limit: int) -> list[str]:
    """Up to ``limit`` ids of ``platform``'s accounts with a live label."""
    return list(conn.execute(_LIVE_IDS, {"platform": platform, "limit": limit}).scalars())


def live_labels(conn: Connection, platform: str, account_ids: Sequence[str]) -> list[Any]:
    """The live labels among ``account_ids``: ``account_id``, ``kind``, ``name_id``,
    ``since``."""
    params = {"platform": platform, "account_ids": list(account_ids)}
    return list(conn.execute(_LIVE_LABELS, params).all())


def live_label_count(conn: Connection) -> int:
    """Live labels on every platform."""
    query = select(func.count()).select_from(labels).where(labels.c.live)
    return int(conn.execute(query).scalar_one())


def labelled_case_counts(conn: Connection) -> list[tuple[dict[str, Any], bool]]:
    """The counts on file and whether it volunteered, for the case of every live label."""
    rows = conn.execute(
        select(cases.c.metrics, cases.c.voluntary)
        .join(labels, labels.c.case_id == cases.c.case_id)
        .where(labels.c.live)
    ).all()
    return [(dict(metrics), bool(voluntary)) for metrics, voluntary in rows]
