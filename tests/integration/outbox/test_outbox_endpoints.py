"""Webhook endpoints: registered with a secret and topics, listed, deactivated."""

from __future__ import annotations

import pytest
from outbox_helpers import SECRET, T0

from byline.outbox import (
    Topic,
    deactivate_endpoint,
    list_endpoints,
    new_secret,
    register_endpoint,
)
from byline.store import Database


def test_register_list_and_deactivate(db: Database) -> None:
    with db.transaction() as conn:
        a = register_endpoint(
            conn, "https://platform.example/hooks/notices", SECRET, ["notice"], T0
        )
        b = register_endpoint(
            conn,
            "https://platform.example/hooks/enforcement",
            new_secret(),
            ["label", "enforcement", "label"],
            T0,
        )
    with db.reading() as conn:
        endpoints = {e.endpoint_id: e for e in list_endpoints(conn)}
    assert endpoints[a].topics == (Topic.NOTICE,)
    assert endpoints[b].topics == (Topic.ENFORCEMENT, Topic.LABEL)
    assert endpoints[a].active and endpoints[a].created_at == T0
    assert endpoints[a].secret == SECRET and SECRET not in repr(endpoints[a])

    with db.transaction() as conn:
        assert deactivate_endpoint(conn, a)
        assert not deactivate_endpoint(conn, "no-such-endpoint")
    with db.reading() as conn:
        assert [e.endpoint_id for e in list_endpoints(conn, active_only=True)] == [b]
        assert {e.endpoint_id: e.active for e in list_endpoints(conn)} == {a: False, b: True}


@pytest.mark.parametrize(
    "url, secret, topics, error",
    [
        ("ftp://platform.example/hooks", SECRET, ["notice"], "http"),
        ("platform.example/hooks", SECRET, ["notice"], "http"),
        ("https://platform.example/" + "x" * 500, SECRET, ["notice"], "too long|longer"),
        ("https://platform.example/hooks", "short", ["notice"], "secret"),
        ("https://platform.example/hooks", SECRET, [], "at least one topic"),
        ("https://platform.example/hooks", SECRET, ["gossip"], "gossip"),
    ],
)
def test_bad_registrations_are_refused(
    db: Database, url: str, secret: str, topics: list[str], error: str
) -> None:
    with pytest.raises(ValueError, match=error), db.transaction() as conn:
        register_endpoint(conn, url, secret, topics, T0)
    with db.reading() as conn:
        assert list_endpoints(conn) == []
