"""Operations staff run: verify the audit chain, deliver the outbox, migrate, rotate keys, erase."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from byline import audit, outbox
from byline.service._base import Service, wall_clock
from byline.service.health import Gauges, Readiness, gauges, readiness
from byline.service.public_log import rewrap_log_keys
from byline.service.webhooks_admin import DeliveryLog
from byline.store import Database
from byline.store.migrate import revisions, upgrade
from byline.vault import LocalKeyProvider


def audit_verify(
    db: Database, anchor: tuple[int, str] | None = None, sealer: audit.Sealer | None = None
) -> audit.ChainReport:
    """The chain, its seals and (with the key provider) their MACs; see ``audit.verify``."""
    with db.reading() as conn:
        return audit.verify(conn, anchor, sealer)


def audit_head(db: Database) -> tuple[int, str]:
    with db.reading() as conn:
        return audit.head(conn)


MessageStatus = outbox.MessageStatus


@dataclass(frozen=True)
class KeyRotation:
    """A rotation: the master key added to the ring, and how many data keys were re-wrapped."""

    key_id: str
    rewrapped: int


def list_outbox(
    db: Database, status: MessageStatus | None, limit: int, platform: str | None = None
) -> DeliveryLog:
    """The outbox's backlog and newest messages: every platform's, or only ``platform``'s."""
    with db.reading() as conn:
        messages = outbox.list_messages(conn, status, limit, platform)
        return DeliveryLog(outbox.backlog(conn, platform), tuple(messages))


def deliver_outbox(
    db: Database,
    rounds: int = 1,
    sink: outbox.WebhookSink | None = None,
    now: dt.datetime | None = None,
    timeout_s: float = outbox.DEFAULT_TIMEOUT_S,
    *,
    guard: outbox.WebhookGuard,
) -> outbox.DeliveryStats:
    """Deliver due messages, ``rounds`` passes; ``now`` (default: the wall clock) is when
    they are sent and signed; ``timeout_s`` bounds each request of the default HTTP sink;
    each endpoint's address is checked by ``guard`` before each attempt (a refused one is
    recorded as a failed attempt, and retried)."""
    own: outbox.HttpSink | None = None
    if sink is None:
        sink = own = outbox.HttpSink(timeout_s=timeout_s)
    dispatcher = outbox.Dispatcher(db, sink, guard=guard)
    totals = outbox.DeliveryStats()
    try:
        for _ in range(rounds):
            stats = dispatcher.deliver_due(now or wall_clock())
            totals = outbox.DeliveryStats(
                **{k: getattr(totals, k) + int(v) for k, v in vars(stats).items()}
            )
    finally:
        if own is not None:
            own.close()
    return totals


def db_upgrade(url: str | None) -> tuple[str | None, str | None]:
    from byline.service.wiring import open_database

    db = open_database(url, migrate=False)
    before, _ = revisions(db.engine)
    upgrade(db.engine)
    return before, revisions(db.engine)[0]


class Operations(Service):
    """What operations staff run over one database: the audit chain (verify, seal, head), the
    outbox's state, key rotation, readiness and gauges."""

    def audit_verify(
        self, anchor: tuple[int, str] | None = None, *, with_seals: bool = True
    ) -> audit.ChainReport:
        """The chain and its seals; with the key provider at hand, the seals' MACs too."""
        sealer = self.vault.sealer if with_seals and self.deps.keys is not None else None
        return audit_verify(self.db, anchor, sealer)

    def audit_seal(self, actor: str) -> audit.Seal:
        """Seal the head now; the chain must be intact."""
        with self.db.transaction() as conn:
            report = audit.verify(conn, None, None)
            if not report.ok:
                raise ValueError(f"not sealed: the audit chain is broken ({report.problem})")
            now = self.clock()
            audit.append(
                conn,
                audit.AuditEntry(at=now, actor=actor, action=audit.AuditAction.AUDIT_SEALED),
            )
            return audit.seal(conn, self.vault.sealer, now, "by_hand")

    def audit_head(self) -> tuple[int, str]:
        return audit_head(self.db)

    def outbox(
        self, status: MessageStatus | None, limit: int, platform: str | None = None
    ) -> DeliveryLog:
        return list_outbox(self.db, status, limit, platform)

    def rotate_keys(self, actor: str) -> KeyRotation:
        """Add a master key to the ring, re-wrap every data key under it (in batches)."""
        provider = self.deps.keys
        if not isinstance(provider, LocalKeyProvider):
            raise TypeError("rotation here needs a local key ring; rotate in your KMS instead")
        key_id = provider.add_key()
        total = 0
        while True:
            with self.db.transaction() as conn:
                done = self.vault.rotate(conn, self.clock(), actor, limit=1000)
            total += done
            if done == 0:
                break
        with self.db.transaction() as conn:  # the public logs' signing keys too
            rewrap_log_keys(conn, provider)
        # Seals under the old key stay checkable only while it is in the ring: a seal under
        # the new one vouches for everything before it, so the old key may leave.
        with self.db.transaction() as conn:
            audit.seal(conn, self.vault.sealer, self.clock(), "keys_rotated")
        return KeyRotation(key_id, total)

    def readiness(self) -> Readiness:
        return readiness(self.db)

    def gauges(self) -> Gauges:
        return gauges(self.db)
