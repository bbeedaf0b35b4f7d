"""Enqueueing: in the caller's transaction, idempotent by key, never carrying a name."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from outbox_helpers import PLATFORM, T0
from sqlalchemy import func, select

from byline.outbox import (
    MessageStatus,
    PersonalDataError,
    Topic,
    backlog,
    enqueue,
    list_messages,
    message_id_for,
)
from byline.outbox._tables import outbox
from byline.store import Database


def count(db: Database) -> int:
    with db.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def test_a_keyed_message_is_written_once(db: Database) -> None:
    key = "notice:case-1:2024-03"
    ids = []
    for attempt in range(3):  # a job re-run after a crash enqueues the same notice again
        with db.transaction() as conn:
            ids.append(
                enqueue(
                    conn,
                    platform=PLATFORM,
                    topic=Topic.NOTICE,
                    payload={"case_id": "case-1", "attempt": attempt},
                    at=T0 + dt.timedelta(minutes=attempt),
                    account_id="acct-1",
                    case_id="case-1",
                    key=key,
                )
            )
    assert ids == [message_id_for("notice", key)] * 3
    assert count(db) == 1
    with db.reading() as conn:
        row = conn.execute(select(outbox)).one()
    assert row.payload == {"case_id": "case-1", "attempt": 0}  # the first write stands
    assert row.platform == PLATFORM
    assert row.created_at == T0


def test_the_same_key_on_another_topic_is_another_message(db: Database) -> None:
    with db.transaction() as conn:
        a = enqueue(conn, platform=PLATFORM, topic="notice", payload={}, at=T0, key="case-1")
        b = enqueue(conn, platform=PLATFORM, topic="enforcement", payload={}, at=T0, key="case-1")
    assert a != b and count(db) == 2


def test_unkeyed_messages_are_all_written(db: Database) -> None:
    with db.transaction() as conn:
        ids = {
            enqueue(conn, platform=PLATFORM, topic="label", payload={"shown": True}, at=T0)
            for _ in range(3)
        }
    assert len(ids) == 3 and count(db) == 3


def test_a_rolled_back_state_change_leaves_no_message(db: Database) -> None:
    with pytest.raises(RuntimeError, match="state change failed"), db.transaction() as conn:
        enqueue(
            conn,
            platform=PLATFORM,
            topic="enforcement",
            payload={"restricted": True},
            at=T0,
            key="k",
        )
        raise RuntimeError("state change failed")
    assert count(db) == 0
    with db.transaction() as conn:  # and the key is free to be written for real
        enqueue(
            conn,
            platform=PLATFORM,
            topic="enforcement",
            payload={"restricted": True},
            at=T0,
            key="k",
        )
    assert count(db) == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "Zhang San"},
        {"Real-Name": "Zhang San"},
        {"creator": {"legal_name": "Zhang San"}},
        {"documents": [{"ID Number": "110101199003070000"}]},
    ],
)
def test_payload_keys_that_name_personal_data_are_refused(
    db: Database, payload: dict[str, object]
) -> None:
    with pytest.raises(PersonalDataError, match="never names"), db.transaction() as conn:
        enqueue(conn, platform=PLATFORM, topic="notice", payload=payload, at=T0)
    assert count(db) == 0


def test_ids_and_states_pass_the_guard(db: Database) -> None:
    payload = {"case_id": "c1", "policy_name": "weibo", "state": "notified", "name_id": "n1"}
    with db.transaction() as conn:
        enqueue(conn, platform=PLATFORM, topic="notice", payload=payload, at=T0)
    assert count(db) == 1


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"topic": "gossip", "payload": {}}, "gossip"),
        ({"topic": "notice", "payload": {"when": dt.date(2024, 3, 1)}}, "not plain JSON"),
        ({"topic": "notice", "payload": {"ratio": float("nan")}}, "not plain JSON"),
    ],
)
def test_bad_messages_fail_at_enqueue_not_at_delivery(
    db: Database, kwargs: dict[str, object], error: str
) -> None:
    with pytest.raises(ValueError, match=error), db.transaction() as conn:
        enqueue(conn, platform=PLATFORM, at=T0, **kwargs)  # type: ignore[arg-type]
    assert count(db) == 0


@pytest.mark.parametrize("platform", ["", "x" * 81])
def test_a_message_without_a_platform_is_refused(db: Database, platform: str) -> None:
    with pytest.raises(ValueError, match="platform"), db.transaction() as conn:
        enqueue(conn, platform=platform, topic="notice", payload={}, at=T0)
    assert count(db) == 0


def test_naive_times_are_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="naive"), db.transaction() as conn:
        enqueue(conn, platform=PLATFORM, topic="notice", payload={}, at=dt.datetime(2024, 3, 1))


def test_a_message_nobody_has_received_is_pending(db: Database) -> None:
    with db.transaction() as conn:
        message_id = enqueue(
            conn, platform=PLATFORM, topic="notice", payload={}, at=T0, account_id="a1"
        )
    with db.reading() as conn:
        [listed] = list_messages(conn)
        assert list_messages(conn, "delivered") == []
        assert list_messages(conn, MessageStatus.PENDING) == [listed]
        with pytest.raises(ValueError, match="stuck"):
            list_messages(conn, "stuck")
        counts = backlog(conn)
    assert listed == {
        "message_id": message_id,
        "platform": PLATFORM,
        "topic": "notice",
        "account_id": "a1",
        "case_id": None,
        "created_at": T0.isoformat(),
        "status": "pending",
        "deliveries": [],
    }
    assert (counts.messages, counts.pending, counts.delivered) == (1, 1, 0)
    assert counts.oldest_pending_at == T0
    json.dumps(counts.as_dict())


def test_listing_and_backlog_can_be_limited_to_one_platform(db: Database) -> None:
    with db.transaction() as conn:
        weibo = enqueue(conn, platform="weibo", topic="notice", payload={}, at=T0)
        douyin = [
            enqueue(conn, platform="douyin", topic=topic, payload={}, at=T0)
            for topic in ("notice", "label")
        ]
    with db.reading() as conn:
        assert [m["message_id"] for m in list_messages(conn, platform="weibo")] == [weibo]
        assert [m["message_id"] for m in list_messages(conn, platform="douyin")] == douyin[::-1]
        assert {m["platform"] for m in list_messages(conn)} == {"weibo", "douyin"}
        assert list_messages(conn, platform="kuaishou") == []
        assert (backlog(conn, "weibo").messages, backlog(conn, "douyin").messages) == (1, 2)
        assert backlog(conn).messages == 3
