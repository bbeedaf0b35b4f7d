"""The dispatcher: delivers outbox messages to the endpoints subscribed to their topics.

An endpoint receives only its own platform's messages: deliveries are created for (message,
endpoint) pairs of the same platform, and a delivery row pairing two platforms (left from
before migration 0003) is never sent nor counted as owed. An endpoint whose platform is unknown
("", left by that migration when the database had several platforms) receives nothing.

One ``webhook_deliveries`` row per (message, endpoint), created when the dispatcher first sees
the pair. A delivery is due when its ``next_attempt_at`` has come; a 2xx answer delivers it,
anything else (or no answer) schedules the next attempt after an exponential backoff. Nothing
is ever given up: a message stays pending until its endpoint takes it.

Before each attempt the endpoint's URL is checked again (``WebhookGuard``): its host is resolved
now, and an address no longer allowed (DNS rebinding to a private or metadata address) is not
sent to; the attempt is recorded as failed with the reason and retried on the same backoff.
The sink connects to the very address that was checked.

Every request carries ``Byline-Signature`` and the Standard Webhooks headers, signed with each of
the endpoint's active secrets (two while a secret rotates).

Time is passed in (``now``), never read here; the signatures' timestamp is ``now`` too, unless a
``stamp`` clock is given (the time the request really leaves, for a run on simulated time whose
receiver checks signatures against the wall clock). The HTTP call happens outside any transaction;
claiming a batch and recording each attempt are short transactions of their own. A claimed
delivery is leased (its ``next_attempt_at`` moved ``lease_s`` ahead) so that a second
dispatcher does not send it at the same time, and a dispatcher that dies mid-batch leaves
it due again once the lease runs out.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, select, update

from byline.outbox._addresses import WebhookGuard
from byline.outbox._endpoints import active_secrets
from byline.outbox._errors import AddressRefused, DeliveryError
from byline.outbox._signing import (
    MESSAGE_ID_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    sign,
    standard_headers,
)
from byline.outbox._sinks import WebhookSink
from byline.outbox._tables import outbox, webhook_deliveries, webhook_endpoints
from byline.outbox._vocabulary import DeliveryStatus
from byline.store import Database, insert_ignoring_present

MAX_ERROR_LENGTH = 500  # the width of webhook_deliveries.last_error


@dataclass(frozen=True)
class DeliveryStats:
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    pending: int = 0  # deliveries still owed to active endpoints after this run


@dataclass(frozen=True)
class _Due:
    delivery_id: int
    message_id: str
    attempts: int
    url: str
    secrets: tuple[str, ...] = field(repr=False)
    topic: str
    body: bytes


def encode_message(
    *,
    message_id: str,
    topic: str,
    created_at: dt.datetime,
    account_id: str | None,
    case_id: str | None,
    payload: Any,
) -> bytes:
    """The webhook body: the message's envelope and payload as compact, key-sorted JSON.

    Id and topic are inside the signed body (the headers repeat them for routing), so a
    receiver can trust them after checking the signature.
    """
    envelope = {
        "id": message_id,
        "topic": topic,
        "created_at": created_at.astimezone(dt.UTC).isoformat(),
        "account_id": account_id,
        "case_id": case_id,
        "payload": payload,
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Dispatcher:
    """Delivers due outbox messages through a ``WebhookSink``; call ``deliver_due`` repeatedly.

    The wait after the n-th failed attempt is ``min(max_delay_s, base_delay_s * 2**(n-1))``.
    With ``jitter`` (a fraction, e.g. 0.1) each wait is shortened by up to that fraction,
    drawn from ``rng`` (pass a seeded ``random.Random`` for repeatable runs).
    """

    def __init__(
        self,
        db: Database,
        sink: WebhookSink,
        *,
        batch: int = 100,
        base_delay_s: float = 10,
        max_delay_s: float = 600,
        lease_s: float = 120,
        jitter: float = 0.0,
        rng: random.Random | None = None,
        guard: WebhookGuard | None = None,
        stamp: Callable[[], dt.datetime] | None = None,
    ) -> None:
        if batch < 1 or base_delay_s <= 0 or max_delay_s < base_delay_s or lease_s <= 0:
            raise ValueError("batch >= 1, 0 < base_delay_s <= max_delay_s and lease_s > 0")
        if not 0.0 <= jitter < 1.0:
            raise ValueError("jitter is a fraction in [0, 1)")
        self.db = db
        self.sink = sink
        self.batch = batch
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.lease_s = lease_s
        self.jitter = jitter
        self._rng = rng or random.Random()
        # where webhooks may go (default: public addresses only, resolved by the system)
        self.guard = guard or WebhookGuard()
        # when a request leaves, for its signatures' timestamp (default: the run's ``now``)
        self.stamp = stamp

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        exponent = min(max(attempts - 1, 0), 60)
        seconds = min(self.max_delay_s, self.base_delay_s * 2**exponent)
        if self.jitter:
            seconds *= 1.0 - self.jitter * self._rng.random()
        return dt.timedelta(seconds=seconds)

    def deliver_due(self, now: dt.datetime) -> DeliveryStats:
        """Attempt up to ``batch`` due deliveries, in outbox order; report what happened."""
        if now.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC time")
        with self.db.transaction() as conn:
            _create_deliveries(conn, now, self.batch)
            due = self._claim(conn, now)
        delivered = failed = 0
        for item in due:
            status, error = self._send(item, now)
            ok = status is not None and 200 <= status < 300
            with self.db.transaction() as conn:
                self._record(conn, item, now, status, error, ok)
            delivered += ok
            failed += not ok
        with self.db.reading() as conn:
            pending = owed_deliveries(conn)
        return DeliveryStats(len(due), delivered, failed, pending)

    def _claim(self, conn: Connection, now: dt.datetime) -> list[_Due]:
        d, o, e = webhook_deliveries, outbox, webhook_endpoints
        query = (
            select(
                d.c.id,
                d.c.attempts,
                o.c.message_id,
                o.c.topic,
                o.c.created_at,
                o.c.account_id,
                o.c.case_id,
                o.c.payload,
                e.c.url,
                e.c.secret,
                e.c.previous_secret,
                e.c.previous_secret_until,
            )
            .join(o, o.c.message_id == d.c.message_id)
            .join(e, and_(e.c.endpoint_id == d.c.endpoint_id, e.c.platform == o.c.platform))
            .where(
                d.c.status == DeliveryStatus.PENDING,
                d.c.next_attempt_at <= now,
                serving_endpoints(),
            )
            .order_by(o.c.seq, d.c.endpoint_id)
            .limit(self.batch)
            .with_for_update(of=d, skip_locked=True)  # PostgreSQL; SQLite serialises writers
        )
        due = [
            _Due(
                delivery_id=row.id,
                message_id=row.message_id,
                attempts=row.attempts,
                url=row.url,
                secrets=active_secrets(
                    row.secret, row.previous_secret, row.previous_secret_until, now
                ),
                topic=row.topic,
                body=encode_message(
                    message_id=row.message_id,
                    topic=row.topic,
                    created_at=row.created_at,
                    account_id=row.account_id,
                    case_id=row.case_id,
                    payload=row.payload,
                ),
            )
            for row in conn.execute(query)
        ]
        if due:
            conn.execute(
                update(d)
                .where(d.c.id.in_([item.delivery_id for item in due]))
                .values(next_attempt_at=now + dt.timedelta(seconds=self.lease_s))
            )
        return due

    def _send(self, item: _Due, now: dt.datetime) -> tuple[int | None, str | None]:
        sent_at = self.stamp() if self.stamp is not None else now
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(item.secrets, sent_at, item.body),
            MESSAGE_ID_HEADER: item.message_id,
            TOPIC_HEADER: item.topic,
            **standard_headers(item.secrets, item.message_id, sent_at, item.body),
        }
        try:
            destination = self.guard.destination(item.url)
        except AddressRefused as exc:
            return None, exc.reason
        try:
            status = self.sink.send(item.url, item.body, headers, str(destination.address))
        except DeliveryError as exc:
            return None, str(exc) or type(exc).__name__
        return status, None if 200 <= status < 300 else f"HTTP {status}"

    def _record(
        self,
        conn: Connection,
        item: _Due,
        now: dt.datetime,
        status: int | None,
        error: str | None,
        ok: bool,
    ) -> None:
        d = webhook_deliveries
        attempts = item.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_status": status}
        if ok:
            values |= {
                "status": DeliveryStatus.DELIVERED,
                "delivered_at": now,
                "next_attempt_at": None,
                "last_error": None,
            }
        else:
            values |= {
                "next_attempt_at": now + self.retry_delay(attempts),
                "last_error": _truncate(error or "failed"),
            }
        # Only if still pending: another dispatcher may have delivered it after our lease ran out.
        conn.execute(
            update(d)
            .where(d.c.id == item.delivery_id, d.c.status == DeliveryStatus.PENDING)
            .values(**values)
        )


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"


@dataclass(frozen=True)
class _Endpoint:
    endpoint_id: str
    platform: str
    topics: list[str]


def _missing(endpoint: _Endpoint) -> Select[tuple[str]]:
    """Messages an endpoint wants (its platform's, of its topics) and has no delivery row for
    yet, oldest first."""
    d, o = webhook_deliveries, outbox
    return (
        select(o.c.message_id)
        .where(
            o.c.platform == endpoint.platform,
            o.c.topic.in_(endpoint.topics),
            ~select(d.c.id)
            .where(and_(d.c.message_id == o.c.message_id, d.c.endpoint_id == endpoint.endpoint_id))
            .exists(),
        )
        .order_by(o.c.seq)
    )


def serving_endpoints() -> ColumnElement[bool]:
    """Endpoints that receive messages: active, and of a known platform."""
    e = webhook_endpoints
    return and_(e.c.active.is_(True), e.c.platform != "")


def _active_endpoints(conn: Connection, platform: str | None = None) -> list[_Endpoint]:
    e = webhook_endpoints
    query = select(e.c.endpoint_id, e.c.platform, e.c.topics).where(serving_endpoints())
    if platform is not None:
        query = query.where(e.c.platform == platform)
    return [
        _Endpoint(row.endpoint_id, row.platform, list(row.topics)) for row in conn.execute(query)
    ]


def _create_deliveries(conn: Connection, now: dt.datetime, limit: int) -> None:
    """Add a pending delivery, due ``now``, for up to ``limit`` messages per active endpoint
    that the endpoint wants and has no delivery for yet (oldest first)."""
    d = webhook_deliveries
    for endpoint in _active_endpoints(conn):
        rows = [
            {
                "message_id": message_id,
                "endpoint_id": endpoint.endpoint_id,
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
            }
            for message_id in conn.execute(_missing(endpoint).limit(limit)).scalars()
        ]
        if rows:
            # Two dispatchers may find the same gap at once; the second insert then does nothing.
            insert_ignoring_present(conn, d, rows)


def owed_deliveries(conn: Connection, platform: str | None = None) -> int:
    """Deliveries still owed to active endpoints (only ``platform``'s, if given), counting
    those not yet created."""
    d, e, o = webhook_deliveries, webhook_endpoints, outbox
    query = (
        select(func.count())
        .select_from(
            d.join(e, e.c.endpoint_id == d.c.endpoint_id).join(
                o, and_(o.c.message_id == d.c.message_id, o.c.platform == e.c.platform)
            )
        )
        .where(d.c.status == DeliveryStatus.PENDING, serving_endpoints())
    )
    if platform is not None:
        query = query.where(e.c.platform == platform)
    pending = conn.execute(query).scalar_one()
    for endpoint in _active_endpoints(conn, platform):
        missing = _missing(endpoint).order_by(None).subquery()
        pending += conn.execute(select(func.count()).select_from(missing)).scalar_one()
    return int(pending)
