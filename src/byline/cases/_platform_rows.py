"""One row per (platform, account): written whole, whoever got there first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update


def put_row(conn: Connection, table: Table, values: Mapping[str, Any]) -> None:
    """Insert or replace the (platform, account) row of ``table`` with ``values``. The row is
    locked first where it exists, so two writers of one account take turns."""
    key = (
        table.c.platform == values["platform"],
        table.c.account_id == values["account_id"],
    )
    exists = conn.execute(select(table.c.account_id).where(*key).with_for_update()).first()
    if exists:
        conn.execute(update(table).where(*key).values(**values))
    else:
        conn.execute(insert(table).values(**values))
