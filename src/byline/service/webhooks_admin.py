"""Webhook endpoints for a platform's admin: list them (never their secrets), register one
(audited), and read the delivery log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from byline import audit, outbox
from byline.domain.vocabulary import AuditAction
from byline.store import Database

TOPICS: tuple[str, ...] = tuple(t.value for t in outbox.Topic)
new_secret = outbox.new_secret


def list_endpoints(db: Database, platform: str) -> list[dict[str, Any]]:
    """``platform``'s endpoints, oldest first, without their signing secrets."""
    with db.reading() as conn:
        return [
            {
                "endpoint_id": e.endpoint_id,
                "url": e.url,
                "topics": [str(t) for t in e.topics],
                "active": e.active,
                "created_at": e.created_at,
            }
            for e in outbox.list_endpoints(conn, platform=platform)
        ]


def register_endpoint(
    db: Database,
    platform: str,
    url: str,
    secret: str,
    topics: list[str],
    *,
    actor: str,
    now: dt.datetime,
) -> str:
    """Register an endpoint for ``platform``'s messages of ``topics``; audited. ``ValueError``
    for a bad url, secret or topic."""
    unknown = sorted(set(topics) - set(TOPICS))
    if unknown:
        raise ValueError(f"topics: unknown topic {unknown[0]!r}")
    with db.transaction() as conn:
        endpoint_id = outbox.register_endpoint(conn, platform, url, secret, topics, now)
        audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=actor,
                action=AuditAction.WEBHOOK_REGISTERED,
                detail={
                    "platform": platform,
                    "endpoint_id": endpoint_id,
                    "topics": sorted(set(topics)),
                },
            ),
        )
        return endpoint_id


def delivery_log(db: Database, platform: str, limit: int = 50) -> dict[str, Any]:
    """The newest ``limit`` messages of ``platform`` with their deliveries (status, attempts,
    next attempt, last error), and the backlog."""
    with db.reading() as conn:
        return {
            "backlog": outbox.backlog(conn, platform).as_dict(),
            "messages": outbox.list_messages(conn, None, limit, platform),
        }
