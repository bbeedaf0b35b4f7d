"""Cases in the database: loading and saving the domain's ``Case``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from byline.cases._errors import ConcurrentUpdate
from byline.cases._tables import cases, cycles, observations
from byline.domain.cases import Case, CaseState
from byline.domain.vocabulary import AccountKind, Trigger
from byline.store import upsert


def _to_row(case: Case, now: dt.datetime) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "account_id": case.account_id,
        "open_account_id": case.account_id if case.is_open else None,
        "platform": case.platform,
        "policy_version": case.policy_version,
        "state": case.state.value,
        "tier": case.tier,
        "voluntary": case.voluntary,
        "kind": case.kind.value,
        "opened_at": case.opened_at,
        "notified_at": case.notified_at,
        "notified_cycle": case.notified_cycle,
        "deadline": case.deadline,
        "paused_remaining_s": int(case.paused_remaining.total_seconds())
        if case.paused_remaining is not None
        else None,
        "appeal_from": case.appeal_from.value if case.appeal_from else None,
        "metrics": dict(case.metrics),
        "observed_on": case.observed_on,
        "below_since": case.below_since,
        "name_id": case.name_id,
        "pending_name_id": case.pending_name_id,
        "penalised_for": case.penalised_for.value if case.penalised_for else None,
        "lingering": list(case.lingering),
        "flags": list(case.flags),
        "closed_at": case.closed_at,
        "updated_at": now,
    }


def _from_row(row: Any) -> Case:
    return Case(
        case_id=row.case_id,
        account_id=row.account_id,
        platform=row.platform,
        policy_version=row.policy_version,
        kind=AccountKind(row.kind),
        state=CaseState(row.state),
        tier=row.tier,
        voluntary=bool(row.voluntary),
        opened_at=row.opened_at,
        metrics=dict(row.metrics or {}),
        observed_on=row.observed_on,
        notified_at=row.notified_at,
        notified_cycle=row.notified_cycle,
        deadline=row.deadline,
        paused_remaining=dt.timedelta(seconds=row.paused_remaining_s)
        if row.paused_remaining_s is not None
        else None,
        appeal_from=CaseState(row.appeal_from) if row.appeal_from else None,
        below_since=row.below_since,
        name_id=row.name_id,
        pending_name_id=row.pending_name_id,
        penalised_for=Trigger(row.penalised_for) if row.penalised_for else None,
        lingering=tuple(row.lingering or ()),
        flags=tuple(row.flags or ()),
        closed_at=row.closed_at,
    )


# Saving a case is the busiest write of a cycle: one statement each, built once and given
# the values as parameters (no new statement to build and key per case).
_INSERT = insert(cases)


def _update_statement(columns: Iterable[str]) -> Any:
    return (
        update(cases)
        .where(cases.c.case_id == bindparam("was_case_id"), cases.c.state == bindparam("was_state"))
        .values({**{c: bindparam(c) for c in columns}, "version": cases.c.version + 1})
    )


_UPDATES: dict[tuple[str, ...], Any] = {}


def save(conn: Connection, before: Case | None, after: Case, now: dt.datetime) -> None:
    """Insert a new case or update one, refusing to overwrite a concurrent change."""
    row = _to_row(after, now)
    if before is None:
        conn.execute(_INSERT, {**row, "version": 1})
        return
    # Callers read the case with ``lock=True`` in the same transaction, so the state it was
    # read in is the state it is updated from; the guard catches a caller that did not.
    columns = tuple(row)
    statement = _UPDATES.get(columns)
    if statement is None:
        statement = _UPDATES[columns] = _update_statement(columns)
    result = conn.execute(
        statement, {**row, "was_case_id": after.case_id, "was_state": before.state.value}
    )
    if result.rowcount != 1:
        raise ConcurrentUpdate(
            f"case {after.case_id} changed meanwhile; read it again", code="changed_meanwhile"
        )


_OPEN_CASE = select(cases).where(
    cases.c.platform == bindparam("platform"), cases.c.open_account_id == bindparam("account_id")
)
_OPEN_CASE_LOCKED = _OPEN_CASE.with_for_update()


def open_case(
    conn: Connection, platform: str, account_id: str, *, lock: bool = False
) -> Case | None:
    query = _OPEN_CASE_LOCKED if lock else _OPEN_CASE
    row = conn.execute(query, {"platform": platform, "account_id": account_id}).first()
    return _from_row(row) if row else None


def latest_case(conn: Connection, platform: str, account_id: str) -> Case | None:
    """The open case, or else the most recently opened closed one."""
    row = conn.execute(
        select(cases)
        .where(cases.c.platform == platform, cases.c.account_id == account_id)
        .order_by(cases.c.open_account_id.is_(None), cases.c.opened_at.desc())
        .limit(1)
    ).first()
    return _from_row(row) if row else None


def open_account_ids(conn: Connection, platform: str) -> set[str]:
    query = select(cases.c.open_account_id).where(
        cases.c.platform == platform, cases.c.open_account_id.is_not(None)
    )
    return {r[0] for r in conn.execute(query)}


def cases_in(
    conn: Connection,
    platform: str,
    states: Iterable[CaseState],
    *,
    limit: int | None = None,
    order: str = "account",
) -> list[Case]:
    query = select(cases).where(
        cases.c.platform == platform, cases.c.state.in_([s.value for s in states])
    )
    if order == "deadline":
        query = query.order_by(cases.c.deadline.is_(None), cases.c.deadline, cases.c.account_id)
    else:
        query = query.order_by(cases.c.account_id)
    if limit is not None:
        query = query.limit(limit)
    return [_from_row(r) for r in conn.execute(query)]


def iter_open(conn: Connection, platform: str, batch: int = 1000) -> Iterator[list[Case]]:
    """Open cases in pages of ``batch``, by account id (stable under updates)."""
    last = ""
    while True:
        rows = conn.execute(
            select(cases)
            .where(
                cases.c.platform == platform,
                cases.c.open_account_id.is_not(None),
                cases.c.open_account_id > last,
            )
            .order_by(cases.c.open_account_id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield [_from_row(r) for r in rows]
        last = rows[-1].open_account_id


def count_notified_in_cycle(conn: Connection, cycle_id: str) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(cases).where(cases.c.notified_cycle == cycle_id)
        ).scalar_one()
    )


def state_counts(conn: Connection, platform: str) -> dict[str, int]:
    rows = conn.execute(
        select(cases.c.state, func.count())
        .where(cases.c.platform == platform)
        .group_by(cases.c.state)
    )
    return {state: int(n) for state, n in rows}


def list_cases(
    conn: Connection,
    platform: str,
    state: CaseState | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Case]:
    query = (
        select(cases)
        .where(cases.c.platform == platform)
        .order_by(cases.c.deadline.is_(None), cases.c.deadline, cases.c.account_id)
        .limit(limit)
        .offset(offset)
    )
    if state is not None:
        query = query.where(cases.c.state == state.value)
    return [_from_row(r) for r in conn.execute(query)]


# --- observations: how new the counts on file are ---------------------------------------------


def newest_cycle_as_of(
    conn: Connection, platform: str, *, other_than: str | None = None
) -> dt.date | None:
    """The ``as_of`` of the platform's newest cycle (running or finished), ``other_than`` one."""
    query = select(func.max(cycles.c.as_of)).where(cycles.c.platform == platform)
    if other_than is not None:
        query = query.where(cycles.c.cycle_id != other_than)
    value: dt.date | None = conn.execute(query).scalar_one()
    return value


def observed_on(conn: Connection, platform: str, account_ids: Iterable[str]) -> dict[str, dt.date]:
    """The date of the newest pushed count on file for each of ``account_ids`` that has one."""
    ids = list(account_ids)
    found: dict[str, dt.date] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            select(observations.c.account_id, observations.c.observed_on).where(
                observations.c.platform == platform, observations.c.account_id.in_(chunk)
            )
        )
        found.update({r.account_id: r.observed_on for r in rows})
    return found


def observed_after(conn: Connection, platform: str, on: dt.date) -> dict[str, dt.date]:
    """Every account whose newest pushed count is newer than ``on``, with its date."""
    rows = conn.execute(
        select(observations.c.account_id, observations.c.observed_on).where(
            observations.c.platform == platform, observations.c.observed_on > on
        )
    )
    return {r.account_id: r.observed_on for r in rows}


def note_observed(
    conn: Connection, platform: str, account_ids: Iterable[str], on: dt.date, source: str
) -> None:
    """Record that counts of ``account_ids`` as of ``on`` were applied (the newest stays)."""
    rows = [
        {"platform": platform, "account_id": a, "observed_on": on, "source": source}
        for a in account_ids
    ]
    if not rows:
        return
    for start in range(0, len(rows), 500):
        upsert(
            conn,
            observations,
            rows[start : start + 500],
            key=["platform", "account_id"],
            update=["observed_on", "source"],
            where=lambda new: observations.c.observed_on <= new.observed_on,
        )
