"""Webhook endpoints: where messages go, with the secret that signs them and the topics wanted.

An endpoint belongs to one platform and receives only that platform's messages.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import Connection, insert, select, update

from byline.outbox._messages import check_platform
from byline.outbox._tables import webhook_endpoints
from byline.outbox._vocabulary import Topic

MIN_SECRET_LENGTH = 16
_MAX_SECRET_LENGTH = 200  # the column's width
_MAX_URL_LENGTH = 500


@dataclass(frozen=True)
class Endpoint:
    endpoint_id: str
    platform: str
    url: str
    topics: tuple[Topic, ...]
    active: bool
    created_at: dt.datetime
    secret: str = field(repr=False)


def new_secret() -> str:
    """A fresh signing secret (256 random bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def register_endpoint(
    conn: Connection,
    platform: str,
    url: str,
    secret: str,
    topics: Iterable[Topic | str],
    at: dt.datetime,
) -> str:
    """Register an active endpoint for ``platform``'s messages of ``topics``; return its id.

    The endpoint receives every message of its platform and topics still in the outbox,
    including those written before it was registered: a receiver that joins late catches up,
    and tells repeats apart by ``Byline-Message-Id``. It never receives another platform's.
    """
    check_platform(platform)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"endpoint url must be http(s)://host/...: {url!r}")
    if len(url) > _MAX_URL_LENGTH:
        raise ValueError(f"endpoint url is longer than {_MAX_URL_LENGTH} characters")
    if not MIN_SECRET_LENGTH <= len(secret) <= _MAX_SECRET_LENGTH:
        raise ValueError(
            f"endpoint secret must be {MIN_SECRET_LENGTH} to {_MAX_SECRET_LENGTH} characters"
        )
    wanted = sorted({Topic(t) for t in topics})
    if not wanted:
        raise ValueError("an endpoint subscribes to at least one topic")
    endpoint_id = str(uuid.uuid4())
    conn.execute(
        insert(webhook_endpoints).values(
            endpoint_id=endpoint_id,
            platform=platform,
            url=url,
            secret=secret,
            topics=[str(t) for t in wanted],
            active=True,
            created_at=at,
        )
    )
    return endpoint_id


def list_endpoints(
    conn: Connection, *, platform: str | None = None, active_only: bool = False
) -> list[Endpoint]:
    """Every endpoint (only ``platform``'s, only active ones, if asked), oldest first."""
    query = select(webhook_endpoints).order_by(
        webhook_endpoints.c.created_at, webhook_endpoints.c.endpoint_id
    )
    if platform is not None:
        query = query.where(webhook_endpoints.c.platform == platform)
    if active_only:
        query = query.where(webhook_endpoints.c.active.is_(True))
    return [
        Endpoint(
            endpoint_id=row.endpoint_id,
            platform=row.platform,
            url=row.url,
            topics=tuple(Topic(t) for t in row.topics),
            active=bool(row.active),
            created_at=row.created_at,
            secret=row.secret,
        )
        for row in conn.execute(query)
    ]


def deactivate_endpoint(conn: Connection, endpoint_id: str) -> bool:
    """Stop delivering to an endpoint (its history stays); False if there is no such endpoint."""
    result = conn.execute(
        update(webhook_endpoints)
        .where(webhook_endpoints.c.endpoint_id == endpoint_id)
        .values(active=False)
    )
    return result.rowcount == 1
