"""Operations staff run: verify the audit chain, deliver the outbox, migrate, rotate keys, erase."""

from __future__ import annotations

import datetime as dt
from typing import Any

from byline import audit, outbox
from byline.domain.vocabulary import ErasureReason
from byline.service.programme import Actor, Programme, wall_clock
from byline.service.wiring import open_database
from byline.store import Database
from byline.store.migrate import revisions, upgrade
from byline.vault import LocalKeyProvider


def audit_verify(
    db: Database, anchor: tuple[int, str] | None = None, sealer: audit.Sealer | None = None
) -> audit.ChainReport:
    """The chain, its seals and (with the key provider) their MACs; see ``audit.verify``."""
    with db.reading() as conn:
        return audit.verify(conn, anchor, sealer)


def audit_seal(db: Database, sealer: audit.Sealer, actor: str) -> audit.Seal:
    """Seal the head now (after upgrading a database whose log predates seals, say); the
    chain must be intact, so a seal never vouches for a log already rewritten."""
    with db.transaction() as conn:
        report = audit.verify(conn, None, None)
        if not report.ok:
            raise ValueError(f"not sealed: the audit chain is broken ({report.problem})")
        audit.append(
            conn,
            audit.AuditEntry(at=wall_clock(), actor=actor, action=audit.AuditAction.AUDIT_SEALED),
        )
        return audit.seal(conn, sealer, wall_clock(), "by_hand")


def audit_head(db: Database) -> tuple[int, str]:
    with db.reading() as conn:
        return audit.head(conn)


MessageStatus = outbox.MessageStatus


def list_outbox(
    db: Database, status: MessageStatus | None, limit: int, platform: str | None = None
) -> dict[str, Any]:
    """The outbox's backlog and newest messages: every platform's, or only ``platform``'s."""
    with db.reading() as conn:
        messages = outbox.list_messages(conn, status, limit, platform)
        return {"backlog": outbox.backlog(conn, platform).as_dict(), "messages": messages}


def deliver_outbox(
    db: Database,
    rounds: int = 1,
    sink: outbox.WebhookSink | None = None,
    now: dt.datetime | None = None,
    timeout_s: float = outbox.DEFAULT_TIMEOUT_S,
    *,
    guard: outbox.WebhookGuard,
) -> dict[str, int]:
    """Deliver due messages, ``rounds`` passes; ``now`` (default: the wall clock) is when
    they are sent and signed; ``timeout_s`` bounds each request of the default HTTP sink;
    each endpoint's address is checked by ``guard`` before each attempt (a refused one is
    recorded as a failed attempt, and retried)."""
    own: outbox.HttpSink | None = None
    if sink is None:
        sink = own = outbox.HttpSink(timeout_s=timeout_s)
    dispatcher = outbox.Dispatcher(db, sink, guard=guard)
    totals: dict[str, int] = {}
    try:
        for _ in range(rounds):
            stats = dispatcher.deliver_due(now or wall_clock())
            for key, value in vars(stats).items():
                totals[key] = totals.get(key, 0) + int(value)
    finally:
        if own is not None:
            own.close()
    return totals


def register_webhook(
    db: Database,
    platform: str,
    url: str,
    secret: str,
    topics: list[str],
    *,
    guard: outbox.WebhookGuard,
) -> str:
    """Register an endpoint that receives ``platform``'s messages of ``topics`` (and no one
    else's); return its id. ``outbox.AddressRefused`` (a ``ValueError``) when ``guard`` does
    not allow where the URL leads."""
    guard.destination(url)  # resolving takes time: before the transaction
    with db.transaction() as conn:
        return outbox.register_endpoint(conn, platform, url, secret, topics, wall_clock())


def db_upgrade(url: str | None) -> tuple[str | None, str | None]:
    db = open_database(url, migrate=False)
    before, _ = revisions(db.engine)
    upgrade(db.engine)
    return before, revisions(db.engine)[0]


def rotate_keys(programme: Programme, actor: str) -> dict[str, Any]:
    """Add a master key to the ring, re-wrap every data key under it (in batches)."""
    provider = programme.keys
    if not isinstance(provider, LocalKeyProvider):
        raise TypeError("rotation here needs a local key ring; rotate in your KMS instead")
    key_id = provider.add_key()
    total = 0
    while True:
        with programme.db.transaction() as conn:
            done = programme.vault.rotate(conn, programme.clock(), actor, limit=1000)
        total += done
        if done == 0:
            break
    # Seals under the old key stay checkable only while it is in the ring: a seal under the
    # new one vouches for everything before it, so the old key may leave.
    with programme.db.transaction() as conn:
        audit.seal(conn, programme.vault.sealer, programme.clock(), "keys_rotated")
    return {"key_id": key_id, "rewrapped": total}


def erase_name(
    programme: Programme, platform: str, account_id: str, actor: str, reason: ErasureReason
) -> int:
    return programme.erase(platform, account_id, actor=Actor(actor), reason=reason)
