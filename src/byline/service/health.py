"""Is the service ready, and how much is waiting (for /readyz and /metrics)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from byline import cases, outbox
from byline.store import Database
from byline.store.migrate import current_revision, head_revision


@dataclass(frozen=True)
class Readiness:
    """Whether the database answers at the schema this code expects: the revision when ready,
    the problem (no personal data, no secrets) when not."""

    ready: bool
    revision: str | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, object]:
        if self.ready:
            return {"ready": True, "revision": self.revision}
        return {"ready": False, "problem": self.problem}


@dataclass(frozen=True)
class Gauges:
    """How much is waiting: submissions to review per platform, outbox messages pending."""

    review_queue: Mapping[str, int]
    outbox_pending: int


def readiness(db: Database) -> Readiness:
    try:
        with db.reading() as conn:
            current, head = current_revision(conn), head_revision()
    except Exception as exc:  # the database cannot be reached: say so, never crash
        return Readiness(False, problem=f"database unreachable ({type(exc).__name__})")
    if current != head:
        return Readiness(False, problem=f"migrations at {current}, code expects {head}")
    return Readiness(True, revision=current)


def gauges(db: Database) -> Gauges:
    with db.reading() as conn:
        queue = cases.awaiting_review(conn)
        pending = outbox.backlog(conn).as_dict().get("pending", 0)
    return Gauges({str(k): int(v) for k, v in queue.items()}, int(pending))
