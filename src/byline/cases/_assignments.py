"""Who has taken which open case (a note between reviewers, not a change to the case), and the
reviewers' queue over open cases with their holders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, and_, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from byline.cases._errors import AlreadyTaken
from byline.cases._tables import case_assignments, cases
from byline.domain.cases import CaseState


class QueueView(StrEnum):
    """Which cases the queue lists."""

    SUBMITTED = "submitted"  # a name waits for review (a first submission or a name change)
    APPEALED = "appealed"
    REJECTED = "rejected"
    NOTIFIED = "notified"
    OVERDUE = "overdue"
    ALL = "all"  # every open case


class Assignee(StrEnum):
    ANYONE = "anyone"
    ME = "me"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class QueueRow:
    account_id: str
    case_id: str
    state: str
    tier: str | None
    voluntary: bool
    deadline: dt.datetime | None
    name_pending: bool
    flags: tuple[str, ...]
    assignee: str | None
    assigned_at: dt.datetime | None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int  # every case the filters match, not only this page's
    limit: int
    offset: int


def holder_of(conn: Connection, case_id: str) -> str | None:
    """The reviewer who has taken the case (None: nobody)."""
    a = case_assignments.c
    holder: str | None = conn.execute(
        select(a.reviewer).where(a.case_id == case_id)
    ).scalar_one_or_none()
    return holder


def holders(conn: Connection, platform: str, account_ids: list[str]) -> dict[str, str]:
    """Who has taken the open case of each of ``account_ids`` (others are left out)."""
    c, a = cases.c, case_assignments.c
    if not account_ids:
        return {}
    rows = conn.execute(
        select(c.account_id, a.reviewer)
        .select_from(cases.join(case_assignments, a.case_id == c.case_id))
        .where(
            c.platform == platform,
            c.open_account_id.is_not(None),
            c.account_id.in_(account_ids),
        )
    ).all()
    return {r.account_id: r.reviewer for r in rows}


def assign(conn: Connection, case_id: str, platform: str, reviewer: str, at: dt.datetime) -> None:
    """Record ``reviewer`` as the case's holder; ``AlreadyTaken`` if someone was first (the
    transaction is then spoiled: let it end)."""
    try:
        conn.execute(
            insert(case_assignments).values(
                case_id=case_id, platform=platform, reviewer=reviewer, assigned_at=at
            )
        )
    except IntegrityError as exc:
        raise AlreadyTaken(case_id) from exc


def unassign(conn: Connection, case_id: str, reviewer: str | None) -> bool:
    """Remove the case's holder (only if it is ``reviewer``; anyone for None); False when
    nothing was removed."""
    a = case_assignments.c
    condition = a.case_id == case_id
    if reviewer is not None:
        condition = and_(condition, a.reviewer == reviewer)
    return bool(conn.execute(delete(case_assignments).where(condition)).rowcount)


def _filters(
    platform: str, view: QueueView, tier: str | None, assignee: Assignee, reviewer: str
) -> list[ColumnElement[bool]]:
    c, a = cases.c, case_assignments.c
    where: list[ColumnElement[bool]] = [c.platform == platform, c.open_account_id.is_not(None)]
    if view is QueueView.SUBMITTED:
        where.append(c.pending_name_id.is_not(None))
    elif view is not QueueView.ALL:
        where.append(c.state == CaseState(view.value).value)
    if tier:
        where.append(c.tier == tier)
    if assignee is Assignee.ME:
        where.append(a.reviewer == reviewer)
    elif assignee is Assignee.UNASSIGNED:
        where.append(a.reviewer.is_(None))
    return where


def queue(
    conn: Connection,
    platform: str,
    *,
    reviewer: str,
    view: QueueView,
    tier: str | None,
    assignee: Assignee,
    limit: int,
    offset: int,
) -> QueuePage:
    """Open cases of ``platform``, nearest deadline first (none last), then by account."""
    c, a = cases.c, case_assignments.c
    joined = cases.outerjoin(case_assignments, a.case_id == c.case_id)
    where = _filters(platform, view, tier, assignee, reviewer)
    total = conn.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
    rows = conn.execute(
        select(
            c.account_id,
            c.case_id,
            c.state,
            c.tier,
            c.voluntary,
            c.deadline,
            c.pending_name_id.is_not(None).label("name_pending"),
            c.flags,
            a.reviewer,
            a.assigned_at,
        )
        .select_from(joined)
        .where(*where)
        .order_by(c.deadline.is_(None), c.deadline, c.account_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return QueuePage(
        [
            QueueRow(
                r.account_id,
                r.case_id,
                r.state,
                r.tier,
                bool(r.voluntary),
                r.deadline,
                bool(r.name_pending),
                tuple(r.flags or ()),
                r.reviewer,
                r.assigned_at,
            )
            for r in rows
        ],
        int(total),
        limit,
        offset,
    )
