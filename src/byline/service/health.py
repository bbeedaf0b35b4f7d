"""Is the service ready, and how much is waiting (for /readyz and /metrics)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

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
        queue: dict[str, int] = dict(
            conn.execute(
                select(cases.cases.c.policy_id, func.count())
                .where(cases.cases.c.state == "submitted")
                .group_by(cases.cases.c.policy_id)
            ).all()
        )
        pending = outbox.backlog(conn).as_dict().get("pending", 0)
    return {
        "review_queue": {str(k): int(v) for k, v in queue.items()},
        "outbox_pending": int(pending),
    }
