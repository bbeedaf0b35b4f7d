"""The reviewers' work list: the queue with its filters, who has taken which case, and a case's
full trail (its changes and every staff read of its names).

Taking a case is a note between reviewers (``case_assignments``: which reviewer, since when),
not a change to the case, and reads no personal data, so it is not in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from byline import audit, cases
from byline.domain.cases import CaseState
from byline.domain.errors import CodedError
from byline.domain.policy import Policy
from byline.domain.vocabulary import AuditAction
from byline.service.policies import active_policy
from byline.service.programme import NoCase, Programme, vault_subject


class AssignmentConflict(CodedError, ValueError):
    """The case is taken by another reviewer (or is not taken by the one releasing it)."""


class TakenByAnother(AssignmentConflict):
    """A reviewer tried to decide a case another reviewer has taken."""


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


def _filters(
    platform: str, view: QueueView, tier: str | None, assignee: Assignee, reviewer: str
) -> list[ColumnElement[bool]]:
    c, a = cases.cases.c, cases.case_assignments.c
    where: list[ColumnElement[bool]] = [c.policy_id == platform, c.open_account_id.is_not(None)]
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
    programme: Programme,
    platform: str,
    *,
    reviewer: str,
    view: QueueView = QueueView.SUBMITTED,
    tier: str | None = None,
    assignee: Assignee = Assignee.ANYONE,
    limit: int = 50,
    offset: int = 0,
) -> QueuePage:
    """Open cases of ``platform``, nearest deadline first (none last), then by account."""
    c, a = cases.cases.c, cases.case_assignments.c
    joined = cases.cases.outerjoin(cases.case_assignments, a.case_id == c.case_id)
    where = _filters(platform, view, tier, assignee, reviewer)
    with programme.db.reading() as conn:
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


def _open_case_id(conn: Connection, platform: str, account_id: str) -> str:
    found = cases.open_case(conn, platform, account_id)
    if found is None:
        raise NoCase(f"account {account_id} has no open case", code="no_open_case")
    return found.case_id


def assignee_of(programme: Programme, platform: str, account_id: str) -> str | None:
    """Who has taken the account's open case (None: nobody, or no open case)."""
    a = cases.case_assignments.c
    with programme.db.reading() as conn:
        found = cases.open_case(conn, platform, account_id)
        if found is None:
            return None
        reviewer: str | None = conn.execute(
            select(a.reviewer).where(a.case_id == found.case_id)
        ).scalar_one_or_none()
    return reviewer


def holders(programme: Programme, platform: str, account_ids: list[str]) -> dict[str, str]:
    """Who has taken the open case of each of ``account_ids`` (accounts nobody holds, or with
    no open case, are left out)."""
    c, a = cases.cases.c, cases.case_assignments.c
    if not account_ids:
        return {}
    with programme.db.reading() as conn:
        rows = conn.execute(
            select(c.account_id, a.reviewer)
            .select_from(cases.cases.join(cases.case_assignments, a.case_id == c.case_id))
            .where(
                c.policy_id == platform,
                c.open_account_id.is_not(None),
                c.account_id.in_(account_ids),
            )
        ).all()
    return {r.account_id: r.reviewer for r in rows}


def check_may_decide(
    programme: Programme, platform: str, account_id: str, reviewer: str, *, anyone: bool = False
) -> None:
    """Raise ``TakenByAnother`` if another reviewer has taken the account's open case (taking a
    case reserves its decisions; ``anyone``: an admin, who may decide any case)."""
    if anyone:
        return
    holder = assignee_of(programme, platform, account_id)
    if holder is not None and holder != reviewer:
        raise TakenByAnother(
            f"case of account {account_id} is taken by another reviewer", code="taken_by_other"
        )


def assign(
    programme: Programme, platform: str, account_id: str, reviewer: str, *, at: dt.datetime
) -> None:
    """``reviewer`` takes the account's open case; taking one's own case again changes nothing."""
    a = cases.case_assignments.c
    try:
        with programme.db.transaction() as conn:
            case_id = _open_case_id(conn, platform, account_id)
            holder = conn.execute(
                select(a.reviewer).where(a.case_id == case_id)
            ).scalar_one_or_none()
            if holder == reviewer:
                return
            if holder is not None:
                raise AssignmentConflict(
                    f"case of account {account_id} is taken by {holder}",
                    code="taken_by",
                    holder=holder,
                )
            conn.execute(
                insert(cases.case_assignments).values(
                    case_id=case_id, policy_id=platform, reviewer=reviewer, assigned_at=at
                )
            )
    except IntegrityError as exc:  # another reviewer took it at the same moment
        raise AssignmentConflict(
            f"case of account {account_id} was just taken", code="just_taken"
        ) from exc


def release(
    programme: Programme, platform: str, account_id: str, reviewer: str, *, anyone: bool = False
) -> None:
    """``reviewer`` gives the case back (``anyone``: whoever holds it, for admins)."""
    a = cases.case_assignments.c
    with programme.db.transaction() as conn:
        case_id = _open_case_id(conn, platform, account_id)
        condition = a.case_id == case_id
        if not anyone:
            condition = and_(condition, a.reviewer == reviewer)
        if conn.execute(delete(cases.case_assignments).where(condition)).rowcount == 0:
            raise AssignmentConflict(
                f"case of account {account_id} is not taken by you", code="not_yours"
            )


def trail(programme: Programme, platform: str, account_id: str) -> list[dict[str, Any]]:
    """The latest case's audit trail, oldest first: its changes, and every staff read of the
    account's names and notes since it opened (those entries name the vault's subject, not the
    case). Each entry's reason is a code; ``note_id`` says a note is kept beside it (in the
    vault, read through ``Programme.reveal_note``)."""
    log = audit.audit_log.c
    with programme.db.reading() as conn:
        case = cases.latest_case(conn, platform, account_id)
        if case is None:
            raise NoCase(f"no case for account {account_id}", code="no_case")
        reads = and_(
            log.action.in_(
                [AuditAction.NAME_DECRYPTED.value, AuditAction.NOTE_DECRYPTED.value]
            ),
            log.account_id == vault_subject(platform, account_id),
            log.at >= case.opened_at,
        )
        rows = conn.execute(
            select(log.seq, log.at, log.action, log.actor, log.after, log.detail)
            .where(or_(log.case_id == case.case_id, reads))
            .order_by(log.seq)
        ).all()
    return [
        {
            "seq": r.seq,
            "at": r.at.isoformat(),
            "action": r.action,
            "actor": r.actor,
            "state": (r.after or {}).get("state"),
            "reason": (r.detail or {}).get("reason"),
            # a read of a note names the note it read; that is not a note kept beside a reason
            "note_id": None
            if r.action == AuditAction.NOTE_DECRYPTED.value
            else (r.detail or {}).get("note_id"),
        }
        for r in rows
    ]


def policy_in_force(programme: Programme, platform: str) -> Policy:
    """The platform's active policy (for explaining tiers, penalties and rules in words)."""
    with programme.db.reading() as conn:
        return active_policy(conn, platform)
