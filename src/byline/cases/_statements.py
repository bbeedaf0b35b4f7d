"""Statements of reasons: written with the enforcement change they explain, read by the account
they were issued to and exported for a period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, func, insert, select

from byline.cases._tables import statements

_s = statements.c


def put_statement(conn: Connection, body: Mapping[str, Any], at: dt.datetime) -> str:
    """Store a statement (``domain.statements.statement_of_reasons``); return its id."""
    conn.execute(
        insert(statements).values(
            statement_id=body["statement_id"],
            platform=body["platform"],
            account_id=body["puid"],
            case_id=body["case_id"],
            change_seq=body["enforcement_cursor"],
            issued_at=at,
            body=dict(body),
        )
    )
    return str(body["statement_id"])


def statements_of(conn: Connection, platform: str, account_id: str) -> list[dict[str, Any]]:
    """The statements issued to an account, newest first."""
    rows = conn.execute(
        select(_s.body)
        .where(_s.platform == platform, _s.account_id == account_id)
        .order_by(_s.change_seq.desc())
    ).scalars()
    return [dict(b) for b in rows]


def statements_between(
    conn: Connection, platform: str, start: dt.datetime, end: dt.datetime
) -> Iterator[dict[str, Any]]:
    """The statements issued in [start, end), in the order of their enforcement changes."""
    after = -1
    while True:  # pages by change: no server-side cursor, a bounded page in memory
        rows = conn.execute(
            select(_s.change_seq, _s.body)
            .where(
                _s.platform == platform,
                _s.issued_at >= start,
                _s.issued_at < end,
                _s.change_seq > after,
            )
            .order_by(_s.change_seq)
            .limit(_PAGE)
        ).all()
        for _, body in rows:
            yield dict(body)
        if len(rows) < _PAGE:
            return
        after = rows[-1].change_seq


_PAGE = 2000


def count_statements(conn: Connection, platform: str, start: dt.datetime, end: dt.datetime) -> int:
    return int(
        conn.execute(
            select(func.count()).where(
                _s.platform == platform, _s.issued_at >= start, _s.issued_at < end
            )
        ).scalar_one()
    )
