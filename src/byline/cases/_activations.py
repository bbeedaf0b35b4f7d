"""Policy activations: which policy text is in force on each platform, and since when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select

from byline.cases._tables import policy_activations

_t = policy_activations.c
_ACTIVE_DIGEST = (  # built once: every label lookup reads it
    select(_t.digest).where(_t.platform == bindparam("platform")).order_by(_t.seq.desc()).limit(1)
)


def active_digest(conn: Connection, platform: str) -> str | None:
    """The digest of the text in force on ``platform`` (None: no policy activated)."""
    found = conn.execute(_ACTIVE_DIGEST, {"platform": platform}).scalar_one_or_none()
    return None if found is None else str(found)


def active_text(conn: Connection, platform: str) -> tuple[str, str] | None:
    """(the text, its version) of the policy in force on ``platform``."""
    row = conn.execute(
        select(_t.source, _t.version)
        .where(_t.platform == platform)
        .order_by(_t.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else (str(row.source), str(row.version))


def add_activation(
    conn: Connection,
    platform: str,
    *,
    version: str,
    digest: str,
    source: str,
    actor: str,
    at: dt.datetime,
) -> None:
    """Put a policy text in force on ``platform`` from ``at``."""
    conn.execute(
        insert(policy_activations).values(
            platform=platform,
            version=version,
            digest=digest,
            activated_at=at,
            actor=actor,
            source=source,
        )
    )


def activated_platforms(conn: Connection) -> list[str]:
    """Every platform that has had a policy in force, sorted."""
    return sorted({str(r) for r in conn.execute(select(_t.platform).distinct()).scalars()})


def activations(conn: Connection, platform: str, limit: int) -> list[Any]:
    """The newest ``limit`` activations on ``platform``, the one in force first: ``version``,
    ``activated_at``, ``actor``, ``digest``."""
    return list(
        conn.execute(
            select(_t.version, _t.activated_at, _t.actor, _t.digest)
            .where(_t.platform == platform)
            .order_by(_t.seq.desc())
            .limit(limit)
        ).all()
    )
