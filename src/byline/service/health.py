"""Is the service ready, and how much is waiting (for /readyz and /metrics)."""

from __future__ import annotations

from typing import Any

from byline import cases, outbox
from byline.store import Database
from byline.store.migrate import current_revision, head_revision


def readiness(db: Database) -> dict[str, Any]:
    try:
        with db.reading() as conn:
            current, head = current_revision(conn), head_revision()
    except Exception as exc:  # the database cannot be reached: say so, never crash
        return {"ready": False, "problem": f"database unreachable ({type(exc).__name__})"}
    if current != head:
        return {"ready": False, "problem": f"migrations at {current}, code expects {head}"}
    return {"ready": True, "revision": current}


def gauges(db: Database) -> dict[str, Any]:
    with db.reading() as conn:
        queue = cases.awaiting_review(conn)
        pending = outbox.backlog(conn).as_dict().get("pending", 0)
    return {
        "review_queue": queue,
        "outbox_pending": int(pending),
    }
