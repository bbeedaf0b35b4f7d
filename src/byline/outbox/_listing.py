"""Reading the outbox back: messages with their per-endpoint deliveries, and the backlog.

A message is *pending* while some active endpoint of its platform still owes it a delivery, or
while none of its platform's endpoints has received it yet (no endpoint wants its topic, or the
dispatcher has not run since it was written); otherwise it is *delivered*. Only deliveries to
the message's own platform count, and only those are listed. Rows are JSON-ready (times as ISO
8601 text), newest first, for ``byline outbox list --json``; every function can be limited to
one platform.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from byline.outbox._dispatch import owed_deliveries, serving_endpoints
from byline.outbox._tables import outbox, webhook_deliveries, webhook_endpoints
from byline.outbox._vocabulary import DeliveryStatus, MessageStatus


def _own_endpoint() -> ColumnElement[bool]:
    """Joins a delivery to its endpoint, if that endpoint is of the message's platform."""
    d, e = webhook_deliveries, webhook_endpoints
    return and_(e.c.endpoint_id == d.c.endpoint_id, e.c.platform == outbox.c.platform)


def _is_pending() -> ColumnElement[bool]:
    d, e = webhook_deliveries, webhook_endpoints
    owed = (
        select(d.c.id)
        .select_from(d.join(e, _own_endpoint()))
        .where(
            d.c.message_id == outbox.c.message_id,
            d.c.status == DeliveryStatus.PENDING,
            serving_endpoints(),
        )
        .exists()
    )
    received = (
        select(d.c.id)
        .select_from(d.join(e, _own_endpoint()))
        .where(and_(d.c.message_id == outbox.c.message_id, d.c.status == DeliveryStatus.DELIVERED))
        .exists()
    )
    return or_(owed, ~received)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def list_messages(
    conn: Connection,
    status: MessageStatus | str | None = None,
    limit: int = 100,
    platform: str | None = None,
) -> list[dict[str, Any]]:
    """The newest ``limit`` messages (only pending or delivered ones if ``status`` says so, only
    ``platform``'s if given), each with its deliveries to endpoints of its platform: endpoint,
    status, attempts, next attempt, delivered at."""
    if status is not None:
        status = MessageStatus(status)  # ValueError for anything else
    pending = _is_pending()
    query = (
        select(
            outbox.c.message_id,
            outbox.c.platform,
            outbox.c.topic,
            outbox.c.account_id,
            outbox.c.case_id,
            outbox.c.created_at,
            pending.label("pending"),
        )
        .order_by(outbox.c.seq.desc())
        .limit(limit)
    )
    if platform is not None:
        query = query.where(outbox.c.platform == platform)
    if status is MessageStatus.PENDING:
        query = query.where(pending)
    elif status is MessageStatus.DELIVERED:
        query = query.where(~pending)
    messages = [
        {
            "message_id": row.message_id,
            "platform": row.platform,
            "topic": row.topic,
            "account_id": row.account_id,
            "case_id": row.case_id,
            "created_at": _iso(row.created_at),
            "status": str(MessageStatus.PENDING if row.pending else MessageStatus.DELIVERED),
            "deliveries": [],
        }
        for row in conn.execute(query)
    ]
    by_id = {m["message_id"]: m for m in messages}
    if by_id:
        d, e = webhook_deliveries, webhook_endpoints
        deliveries = (
            select(d, e.c.url, e.c.active)
            .join(outbox, outbox.c.message_id == d.c.message_id)
            .join(e, _own_endpoint())
            .where(d.c.message_id.in_(list(by_id)))
            .order_by(d.c.id)
        )
        for row in conn.execute(deliveries):
            by_id[row.message_id]["deliveries"].append(
                {
                    "endpoint_id": row.endpoint_id,
                    "url": row.url,
                    "endpoint_active": bool(row.active),
                    "status": row.status,
                    "attempts": row.attempts,
                    "next_attempt_at": _iso(row.next_attempt_at),
                    "delivered_at": _iso(row.delivered_at),
                    "last_status": row.last_status,
                    "last_error": row.last_error,
                }
            )
    return messages


@dataclass(frozen=True)
class Backlog:
    messages: int
    pending: int  # messages (see the module docstring)
    delivered: int
    deliveries_pending: int  # owed to active endpoints, counting those not yet created
    deliveries_delivered: int
    oldest_pending_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "oldest_pending_at": _iso(self.oldest_pending_at)}


def backlog(conn: Connection, platform: str | None = None) -> Backlog:
    """How much is waiting (for ``platform`` only, if given): messages pending and delivered,
    deliveries owed."""
    pending = _is_pending()
    messages = select(
        func.count(),
        func.count().filter(pending),
        func.min(outbox.c.created_at).filter(pending),
    ).select_from(outbox)
    d, e = webhook_deliveries, webhook_endpoints
    delivered = (
        select(func.count())
        .select_from(d.join(outbox, outbox.c.message_id == d.c.message_id).join(e, _own_endpoint()))
        .where(d.c.status == DeliveryStatus.DELIVERED)
    )
    if platform is not None:
        messages = messages.where(outbox.c.platform == platform)
        delivered = delivered.where(outbox.c.platform == platform)
    total, waiting, oldest = conn.execute(messages).one()
    done = conn.execute(delivered).scalar_one()
    if oldest is not None and oldest.tzinfo is None:  # an aggregate skips the column's type
        oldest = oldest.replace(tzinfo=dt.UTC)
    return Backlog(
        messages=int(total),
        pending=int(waiting),
        delivered=int(total) - int(waiting),
        deliveries_pending=owed_deliveries(conn, platform),
        deliveries_delivered=int(done),
        oldest_pending_at=oldest,
    )
