"""Webhook endpoints: registered with a secret and topics, listed, deactivated."""

from __future__ import annotations

import pytest
from outbox_helpers import PLATFORM, SECRET, T0

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
            conn, PLATFORM, "https://platform.example/hooks/notices", SECRET, ["notice"], T0
        )
        b = register_endpoint(
            conn,
            PLATFORM,
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
    assert endpoints[a].platform == endpoints[b].platform == PLATFORM
    assert endpoints[a].secret == SECRET and SECRET not in repr(endpoints[a])

    with db.transaction() as conn:
        assert deactivate_endpoint(conn, a)
        assert not deactivate_endpoint(conn, "no-such-endpoint")
    with db.reading() as conn:
        assert [e.endpoint_id for e in list_endpoints(conn, active_only=True)] == [b]
        assert {e.endpoint_id: e.active for e in list_endpoints(conn)} == {a: False, b: True}


def test_endpoints_are_listed_by_platform(db: Database) -> None:
    with db.transaction() as conn:
        weibo = register_endpoint(conn, "weibo", "https://weibo.example/h", SECRET, ["notice"], T0)
        douyin = register_endpoint(
            conn, "douyin", "https://douyin.example/h", SECRET, ["notice"], T0
        )
        deactivate_endpoint(conn, douyin)
    with db.reading() as conn:
        assert [e.endpoint_id for e in list_endpoints(conn, platform="weibo")] == [weibo]
        assert [e.endpoint_id for e in list_endpoints(conn, platform="douyin")] == [douyin]
        assert list_endpoints(conn, platform="douyin", active_only=True) == []
        assert list_endpoints(conn, platform="kuaishou") == []
        assert {e.platform for e in list_endpoints(conn)} == {"weibo", "douyin"}


@pytest.mark.parametrize(
    "platform, url, secret, topics, error",
    [
        (PLATFORM, "ftp://platform.example/hooks", SECRET, ["notice"], "http"),
        (PLATFORM, "platform.example/hooks", SECRET, ["notice"], "http"),
        (PLATFORM, "https://platform.example/" + "x" * 500, SECRET, ["notice"], "too long|longer"),
        (PLATFORM, "https://platform.example/hooks", "short", ["notice"], "secret"),
        (PLATFORM, "https://platform.example/hooks", SECRET, [], "at least one topic"),
        (PLATFORM, "https://platform.example/hooks", SECRET, ["gossip"], "gossip"),
        ("", "https://platform.example/hooks", SECRET, ["notice"], "platform"),
        ("x" * 81, "https://platform.example/hooks", SECRET, ["notice"], "platform"),
    ],
)
def test_bad_registrations_are_refused(
    db: Database, platform: str, url: str, secret: str, topics: list[str], error: str
) -> None:
    with pytest.raises(ValueError, match=error), db.transaction() as conn:
        register_endpoint(conn, platform, url, secret, topics, T0)
    with db.reading() as conn:
        assert list_endpoints(conn) == []
