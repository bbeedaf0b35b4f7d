"""Webhook endpoints for a platform's admin: list them (never their secrets), register one
(audited), and read the delivery log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from byline import audit, outbox
from byline.domain.errors import CodedError
from byline.domain.vocabulary import AuditAction
from byline.service import limits
from byline.service._base import Service
from byline.service.delivery import DEFAULT_INTERVAL_S, DeliveryWorker
from byline.store import Database

TOPICS: tuple[str, ...] = tuple(t.value for t in outbox.Topic)
new_secret = outbox.new_secret
AddressRefused = outbox.AddressRefused  # a webhook url that leads where it may not
Backlog = outbox.Backlog  # how much the outbox holds and owes
DeliveryStats = outbox.DeliveryStats  # what a delivery run did
DEFAULT_SECRET_OVERLAP_S = 24 * 3600.0  # a rotated-out secret signs beside the new one a day


@dataclass(frozen=True)
class WebhookEndpoint:
    """A registered endpoint, never its signing secret."""

    endpoint_id: str
    platform: str
    url: str
    topics: tuple[str, ...]
    active: bool
    created_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "endpoint_id": self.endpoint_id,
            "platform": self.platform,
            "url": self.url,
            "topics": list(self.topics),
            "active": self.active,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class EndpointSwitched:
    """An endpoint disabled or enabled: what it is now (``active``) and was before."""

    endpoint_id: str
    platform: str
    url: str
    active: bool
    was_active: bool


@dataclass(frozen=True)
class DeliveryLog:
    """The outbox's backlog and its newest messages, each with its deliveries (``message_id``,
    ``platform``, ``topic``, ``account_id``, ``case_id``, ``created_at``, ``status`` and
    ``deliveries``: endpoint, status, attempts, next attempt, delivered at, last error)."""

    backlog: Backlog
    messages: tuple[Mapping[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        return {"backlog": self.backlog.as_dict(), "messages": list(self.messages)}


def list_endpoints(db: Database, platform: str | None) -> list[WebhookEndpoint]:
    """``platform``'s endpoints (every platform's for None), oldest first, without their
    signing secrets."""
    with db.reading() as conn:
        return [
            WebhookEndpoint(
                endpoint_id=e.endpoint_id,
                platform=e.platform,
                url=e.url,
                topics=tuple(str(t) for t in e.topics),
                active=e.active,
                created_at=e.created_at,
            )
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
    guard: outbox.WebhookGuard,
    request_id: str | None = None,
) -> str:
    """Register an endpoint for ``platform``'s messages of ``topics``; audited. ``ValueError``
    for a bad url, secret or topic; ``outbox.AddressRefused`` (one) when ``guard`` does not
    allow where the url leads."""
    unknown = sorted(set(topics) - set(TOPICS))
    if unknown:
        raise ValueError(f"topics: unknown topic {unknown[0]!r}")
    guard.destination(url)  # resolving takes time: before the transaction
    with db.transaction() as conn:
        endpoint_id = outbox.register_endpoint(conn, platform, url, secret, topics, now)
        audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=actor,
                action=AuditAction.WEBHOOK_REGISTERED,
                request_id=request_id,
                detail={
                    "platform": platform,
                    "endpoint_id": endpoint_id,
                    "topics": sorted(set(topics)),
                },
            ),
        )
        return endpoint_id


class NoEndpoint(CodedError, LookupError):
    """No webhook endpoint with this id (or not of this platform)."""


def set_endpoint_active(
    db: Database,
    endpoint_id: str,
    active: bool,
    *,
    actor: str,
    now: dt.datetime,
    platform: str | None = None,
) -> EndpointSwitched:
    """Disable an endpoint (it gets no new deliveries; what it is owed waits) or enable it
    again; audited, even when it was already so. ``platform``: only that platform's.
    ``NoEndpoint`` when there is no such endpoint."""
    with db.transaction() as conn:
        endpoint = outbox.get_endpoint(conn, endpoint_id)
        if endpoint is None or (platform is not None and endpoint.platform != platform):
            raise NoEndpoint(f"no webhook endpoint {endpoint_id[:40]}", code="webhook_no_endpoint")
        if active:
            outbox.activate_endpoint(conn, endpoint_id)
        else:
            outbox.deactivate_endpoint(conn, endpoint_id)
        audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=actor,
                action=AuditAction.WEBHOOK_ENABLED if active else AuditAction.WEBHOOK_DISABLED,
                detail={
                    "platform": endpoint.platform,
                    "endpoint_id": endpoint_id,
                    "was_active": endpoint.active,
                },
            ),
        )
    return EndpointSwitched(endpoint_id, endpoint.platform, endpoint.url, active, endpoint.active)


def delivery_log(db: Database, platform: str, limit: int = 50) -> DeliveryLog:
    """The newest ``limit`` messages of ``platform`` with their deliveries (status, attempts,
    next attempt, last error), and the backlog."""
    with db.reading() as conn:
        return DeliveryLog(
            outbox.backlog(conn, platform),
            tuple(outbox.list_messages(conn, None, limit, platform)),
        )


@dataclass(frozen=True)
class SecretRotated:
    """A rotation: the new secret (shown this once; ``generated``: Byline made it), and until
    when the one it replaces keeps signing beside it."""

    endpoint_id: str
    platform: str
    secret: str
    generated: bool
    previous_until: dt.datetime


def rotate_endpoint_secret(
    db: Database,
    endpoint_id: str,
    secret: str,
    *,
    keep_previous_s: float,
    actor: str,
    now: dt.datetime,
    platform: str | None = None,
) -> tuple[str, dt.datetime]:
    """Give an endpoint ``secret``; the one it replaces signs beside it for ``keep_previous_s``
    seconds more. Audited (never a secret). ``NoEndpoint`` when there is no such endpoint (of
    ``platform``); ``ValueError`` for a bad secret or a negative overlap. Returns the endpoint's
    platform and until when the previous secret signs."""
    if keep_previous_s < 0:
        raise ValueError("keep the previous secret for 0 seconds or more")
    until = now + dt.timedelta(seconds=keep_previous_s)
    with db.transaction() as conn:
        endpoint = outbox.get_endpoint(conn, endpoint_id)
        if endpoint is None or (platform is not None and endpoint.platform != platform):
            raise NoEndpoint(f"no webhook endpoint {endpoint_id[:40]}", code="webhook_no_endpoint")
        outbox.rotate_secret(conn, endpoint_id, secret, keep_previous_until=until)
        audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=actor,
                action=AuditAction.WEBHOOK_SECRET_ROTATED,
                detail={
                    "platform": endpoint.platform,
                    "endpoint_id": endpoint_id,
                    "previous_until": until.isoformat(),
                },
            ),
        )
    return endpoint.platform, until


@dataclass(frozen=True)
class Registered:
    """A new endpoint; its secret is shown this once (``generated``: Byline made it)."""

    endpoint_id: str
    secret: str
    topics: list[str]
    generated: bool


class Webhooks(Service):
    """A platform's webhook endpoints: registration (topics checked, the secret generated when
    none is given, audited, whichever door), the list (never a secret), disabling and enabling
    (audited), the delivery log, and delivering what is due."""

    def register(
        self,
        platform: str,
        url: str,
        topics: list[str],
        *,
        actor: str,
        secret: str | None = None,
        request_id: str | None = None,
    ) -> Registered:
        generated = not secret
        secret = secret or outbox.new_secret()
        if len(secret) < limits.WEBHOOK_SECRET_MIN or len(secret) > limits.WEBHOOK_SECRET_MAX:
            raise limits.LimitExceeded(
                f"secret: {limits.WEBHOOK_SECRET_MIN} to {limits.WEBHOOK_SECRET_MAX} characters",
                code="webhook_secret_length",
                least=limits.WEBHOOK_SECRET_MIN,
                most=limits.WEBHOOK_SECRET_MAX,
            )
        endpoint_id = register_endpoint(
            self.db,
            platform,
            url,
            secret,
            topics,
            actor=actor,
            now=self.clock(),
            guard=self.deps.webhooks,
            request_id=request_id,
        )
        return Registered(endpoint_id, secret, sorted(set(topics)), generated)

    def endpoints(self, platform: str | None) -> list[WebhookEndpoint]:
        return list_endpoints(self.db, platform)

    def set_active(
        self, endpoint_id: str, active: bool, *, actor: str, platform: str | None = None
    ) -> EndpointSwitched:
        return set_endpoint_active(
            self.db, endpoint_id, active, actor=actor, now=self.clock(), platform=platform
        )

    def rotate_secret(
        self,
        endpoint_id: str,
        *,
        actor: str,
        secret: str | None = None,
        keep_previous_s: float = DEFAULT_SECRET_OVERLAP_S,
        platform: str | None = None,
    ) -> SecretRotated:
        """A new secret for an endpoint (generated when none is given); every delivery is signed
        with both secrets for ``keep_previous_s`` seconds, so the platform can switch over."""
        generated = not secret
        secret = secret or outbox.new_secret()
        tenant, until = rotate_endpoint_secret(
            self.db,
            endpoint_id,
            secret,
            keep_previous_s=keep_previous_s,
            actor=actor,
            now=self.clock(),
            platform=platform,
        )
        return SecretRotated(endpoint_id, tenant, secret, generated, until)

    def worker(
        self, interval_s: float = DEFAULT_INTERVAL_S, timeout_s: float = outbox.DEFAULT_TIMEOUT_S
    ) -> DeliveryWorker:
        """A ``DeliveryWorker`` over this database: ``start`` it beside a server, or ``run`` it
        (``byline outbox run``)."""
        return DeliveryWorker(
            self.db, self.deps.webhooks, self.clock, interval_s=interval_s, timeout_s=timeout_s
        )

    def deliveries(self, platform: str, limit: int = 50) -> DeliveryLog:
        return delivery_log(self.db, platform, limit)

    def deliver(
        self,
        rounds: int = 1,
        sink: outbox.WebhookSink | None = None,
        timeout_s: float = outbox.DEFAULT_TIMEOUT_S,
        at: dt.datetime | None = None,
    ) -> DeliveryStats:
        """Deliver due messages, ``rounds`` passes, at ``at`` (default now); each endpoint's
        address is checked before each attempt."""
        from byline.service.operations import deliver_outbox

        return deliver_outbox(
            self.db, rounds, sink, at or self.clock(), timeout_s, guard=self.deps.webhooks
        )
