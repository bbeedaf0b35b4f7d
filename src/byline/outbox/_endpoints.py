"""Webhook endpoints: where messages go, with the secret that signs them and the topics wanted.

An endpoint belongs to one platform and receives only that platform's messages.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from byline.outbox._addresses import check_url
from byline.outbox._messages import check_platform
from byline.outbox._signing import STANDARD_PREFIX, signing_key
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
    previous_secret: str | None = field(default=None, repr=False)
    previous_secret_until: dt.datetime | None = None

    def signing_secrets(self, now: dt.datetime) -> tuple[str, ...]:
        """The secrets a message sent at ``now`` is signed with: the current one, and the one
        it replaces while the rotation lasts."""
        return active_secrets(self.secret, self.previous_secret, self.previous_secret_until, now)


def active_secrets(
    secret: str, previous: str | None, until: dt.datetime | None, now: dt.datetime
) -> tuple[str, ...]:
    """``secret``, and ``previous`` too if it still signs at ``now`` (before ``until``)."""
    if previous and until is not None and now < until:
        return (secret, previous)
    return (secret,)


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form: ``whsec_`` and 32 random bytes in
    base64 (the bytes are the key)."""
    return STANDARD_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_secret(secret: str) -> None:
    """``ValueError`` for a secret of the wrong length, or a ``whsec_`` one that is not base64
    of at least 16 bytes."""
    if not MIN_SECRET_LENGTH <= len(secret) <= _MAX_SECRET_LENGTH:
        raise ValueError(
            f"endpoint secret must be {MIN_SECRET_LENGTH} to {_MAX_SECRET_LENGTH} characters"
        )
    signing_key(secret)


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
    Only the URL's form is checked here (``check_url``); callers check where it leads with a
    ``WebhookGuard`` first, outside the transaction (resolving a host takes time).
    """
    check_platform(platform)
    check_url(url)  # its form; where it leads is checked by the service, before this transaction
    if len(url) > _MAX_URL_LENGTH:
        raise ValueError(f"endpoint url is longer than {_MAX_URL_LENGTH} characters")
    check_secret(secret)
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


def get_endpoint(conn: Connection, endpoint_id: str) -> Endpoint | None:
    """One endpoint by id, or None."""
    row = conn.execute(
        select(webhook_endpoints).where(webhook_endpoints.c.endpoint_id == endpoint_id)
    ).first()
    return None if row is None else _endpoint(row)


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
    return [_endpoint(row) for row in conn.execute(query)]


def _endpoint(row: Row[Any]) -> Endpoint:
    return Endpoint(
        endpoint_id=row.endpoint_id,
        platform=row.platform,
        url=row.url,
        topics=tuple(Topic(t) for t in row.topics),
        active=bool(row.active),
        created_at=row.created_at,
        secret=row.secret,
        previous_secret=row.previous_secret,
        previous_secret_until=row.previous_secret_until,
    )


def rotate_secret(
    conn: Connection, endpoint_id: str, secret: str, *, keep_previous_until: dt.datetime
) -> bool:
    """Give an endpoint a new secret; the one it replaces keeps signing beside it until
    ``keep_previous_until`` (pass the rotation's time to drop it at once). False if there is
    no such endpoint."""
    check_secret(secret)
    current = get_endpoint(conn, endpoint_id)
    if current is None:
        return False
    conn.execute(
        update(webhook_endpoints)
        .where(webhook_endpoints.c.endpoint_id == endpoint_id)
        .values(
            secret=secret,
            previous_secret=current.secret,
            previous_secret_until=keep_previous_until,
        )
    )
    return True


def deactivate_endpoint(conn: Connection, endpoint_id: str) -> bool:
    """Stop delivering to an endpoint (its history stays); False if there is no such endpoint."""
    result = conn.execute(
        update(webhook_endpoints)
        .where(webhook_endpoints.c.endpoint_id == endpoint_id)
        .values(active=False)
    )
    return result.rowcount == 1


def activate_endpoint(conn: Connection, endpoint_id: str) -> bool:
    """Deliver to an endpoint again (what it missed is owed to it); False if there is none."""
    result = conn.execute(
        update(webhook_endpoints)
        .where(webhook_endpoints.c.endpoint_id == endpoint_id)
        .values(active=True)
    )
    return result.rowcount == 1
