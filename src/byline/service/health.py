"""Is the service ready, and how much is waiting (for /readyz and /metrics)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from byline import cases, outbox
from byline.store import Connection, Database
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
    """How much is waiting: submissions to review per platform, outbox messages pending; and
    per platform, the owners its latest finished cycle flagged (a platform whose latest
    cycle's snapshot named no owners is absent)."""

    review_queue: Mapping[str, int]
    outbox_pending: int
    flagged_owners: Mapping[str, int] = field(default_factory=dict)


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
        flagged = {p: _flagged_owners(conn, p) for p in cases.platforms_with_cycles(conn)}
    return Gauges(
        {str(k): int(v) for k, v in queue.items()},
        int(pending),
        {p: n for p, n in flagged.items() if n is not None},
    )


def _flagged_owners(conn: Connection, platform: str) -> int | None:
    """How many owners the latest finished cycle of ``platform`` flagged (None: it cannot say)."""
    latest = cases.finished_cycles(conn, platform, 1)
    summary = (latest[0].summary or {}) if latest else {}
    n = summary.get("flagged_owners")
    return None if n is None else int(n)
