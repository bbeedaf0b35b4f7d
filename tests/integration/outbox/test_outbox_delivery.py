"""The dispatcher delivers over real HTTP to a real receiver: signed, retried, never lost."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from outbox_helpers import LOCAL, PLATFORM, SECRET, T0, SimulatedClock
from sqlalchemy import select

from byline.outbox import (
    MESSAGE_ID_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    DeliveryStats,
    Dispatcher,
    HttpSink,
    WebhookReceiver,
    backlog,
    deactivate_endpoint,
    enqueue,
    list_messages,
    register_endpoint,
    verify_signature,
)
from byline.outbox._tables import webhook_deliveries, webhook_endpoints
from byline.store import Database


def add_endpoint(
    db: Database,
    receiver: WebhookReceiver,
    topics: list[str],
    secret: str = SECRET,
    platform: str = PLATFORM,
) -> str:
    with db.transaction() as conn:
        return register_endpoint(conn, platform, receiver.url, secret, topics, T0)


def add_messages(
    db: Database, n: int, topic: str = "notice", at: dt.datetime = T0, platform: str = PLATFORM
) -> list[str]:
    with db.transaction() as conn:
        return [
            enqueue(
                conn,
                platform=platform,
                topic=topic,
                payload={"case_id": f"case-{i}", "state": "notified", "deadline": "2024-03-15"},
                at=at,
                account_id=f"acct-{i}",
                case_id=f"case-{i}",
                key=f"{platform}:{topic}:case-{i}:cycle-1",
            )
            for i in range(n)
        ]


def deliveries(db: Database) -> dict[str, dict[str, Any]]:
    """message id -> its delivery row (tests with one endpoint)."""
    with db.reading() as conn:
        rows = conn.execute(select(webhook_deliveries)).mappings().all()
    return {row["message_id"]: dict(row) for row in rows}


def test_happy_path_delivers_signed_json_once(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    add_endpoint(db, receiver, ["notice"])
    ids = add_messages(db, 3)

    stats = Dispatcher(db, sink, guard=LOCAL).deliver_due(clock.now)

    assert stats == DeliveryStats(attempted=3, delivered=3, failed=0, pending=0)
    assert [r.message_id for r in receiver.received] == ids  # outbox order
    assert receiver.rejected == [] and receiver.duplicates == []
    first = receiver.received[0]
    assert first.message == {
        "id": ids[0],
        "topic": "notice",
        "created_at": T0.isoformat(),
        "account_id": "acct-0",
        "case_id": "case-0",
        "payload": {"case_id": "case-0", "state": "notified", "deadline": "2024-03-15"},
    }
    headers = {k.lower(): v for k, v in first.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers[MESSAGE_ID_HEADER.lower()] == ids[0]
    assert headers[TOPIC_HEADER.lower()] == "notice"
    assert headers[SIGNATURE_HEADER.lower()].startswith(f"t={int(T0.timestamp())},v1=")
    body = json.dumps(first.message, sort_keys=True, separators=(",", ":")).encode()
    verify_signature(SECRET, headers[SIGNATURE_HEADER.lower()], body, T0)

    rows = deliveries(db)
    assert {r["status"] for r in rows.values()} == {"delivered"}
    assert {(r["attempts"], r["last_status"], r["delivered_at"]) for r in rows.values()} == {
        (1, 200, T0)
    }
    # nothing more to do, and nothing is sent again
    assert Dispatcher(db, sink, guard=LOCAL).deliver_due(clock.advance(3600)) == DeliveryStats()
    assert receiver.requests == 3


def test_a_receiver_down_for_an_hour_loses_nothing(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    add_endpoint(db, receiver, ["notice", "enforcement"])
    ids = add_messages(db, 4) + add_messages(db, 2, topic="enforcement")
    dispatcher = Dispatcher(db, sink, guard=LOCAL, base_delay_s=10, max_delay_s=600)
    watched = ids[0]
    waits: list[float] = []  # next_attempt_at - attempt time, after each failed attempt

    receiver.down()
    attempts_seen = 0
    for _ in range(241):  # one simulated hour, a dispatcher run every 15 seconds
        stats = dispatcher.deliver_due(clock.now)
        assert stats.delivered == 0 and stats.pending == len(ids)
        row = deliveries(db)[watched]
        if row["attempts"] != attempts_seen:
            attempts_seen = row["attempts"]
            assert row["last_status"] == 503 and row["last_error"] == "HTTP 503"
            waits.append((row["next_attempt_at"] - clock.now).total_seconds())
        clock.advance(15)

    assert clock.now - T0 > dt.timedelta(hours=1)
    assert receiver.messages == []
    # 10, 20, 40 ... doubling to the ten-minute cap, then every ten minutes
    assert waits[:7] == [10, 20, 40, 80, 160, 320, 600]
    assert set(waits[7:]) == {600} and len(waits) >= 10
    failures = {m: r["attempts"] for m, r in deliveries(db).items()}
    assert all(n >= 10 for n in failures.values())
    assert receiver.requests == sum(failures.values())

    receiver.up()
    for _ in range(20):  # within the next ten minutes every message is due again
        if dispatcher.deliver_due(clock.now).pending == 0:
            break
        clock.advance(60)
    else:
        pytest.fail("the backlog did not drain after the receiver came back")

    assert sorted(r.message_id for r in receiver.messages) == sorted(ids)
    assert receiver.duplicates == [] and receiver.rejected == []
    assert all(receiver.times_seen(m) == 1 for m in ids)
    rows = deliveries(db)
    assert {r["status"] for r in rows.values()} == {"delivered"}
    assert all(rows[m]["attempts"] == failures[m] + 1 for m in ids)
    with db.reading() as conn:
        assert backlog(conn).pending == 0
        assert {m["status"] for m in list_messages(conn)} == {"delivered"}


def test_a_lost_ack_is_seen_twice_and_recognised_as_a_duplicate(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    add_endpoint(db, receiver, ["enforcement"])
    [message_id] = add_messages(db, 1, topic="enforcement")
    dispatcher = Dispatcher(db, sink, guard=LOCAL)

    receiver.lose_acks(1)  # takes the message, answers 500
    assert dispatcher.deliver_due(clock.now) == DeliveryStats(1, 0, 1, 1)
    assert deliveries(db)[message_id]["next_attempt_at"] == T0 + dt.timedelta(seconds=10)
    assert dispatcher.deliver_due(clock.advance(5)).attempted == 0  # not yet due
    assert dispatcher.deliver_due(clock.advance(5)) == DeliveryStats(1, 1, 0, 0)

    first, second = receiver.received
    assert (first.message_id, first.duplicate) == (message_id, False)
    assert (second.message_id, second.duplicate, second.seen) == (message_id, True, 2)
    assert second.message == first.message  # the same message, signed afresh
    assert second.headers[SIGNATURE_HEADER] != first.headers[SIGNATURE_HEADER]
    assert receiver.payloads("enforcement") == [first.payload]  # taken once
    assert deliveries(db)[message_id]["attempts"] == 2


def test_each_endpoint_gets_only_its_topics(
    db: Database, sink: HttpSink, clock: SimulatedClock
) -> None:
    other_secret = "whsec-other-fedcba9876543210"
    with (
        WebhookReceiver(SECRET, clock=clock) as notices,
        WebhookReceiver(other_secret, clock=clock) as enforcement,
    ):
        add_endpoint(db, notices, ["notice"])
        add_endpoint(db, enforcement, ["enforcement", "label"], secret=other_secret)
        notice_ids = add_messages(db, 2, topic="notice")
        enforcement_ids = add_messages(db, 2, topic="enforcement")
        label_ids = add_messages(db, 1, topic="label")

        stats = Dispatcher(db, sink, guard=LOCAL).deliver_due(clock.now)

        assert stats == DeliveryStats(attempted=5, delivered=5, failed=0, pending=0)
        assert [r.message_id for r in notices.messages] == notice_ids
        assert [r.message_id for r in enforcement.messages] == enforcement_ids + label_ids
        assert notices.rejected == enforcement.rejected == []  # each signed with its own secret


def test_each_platform_gets_only_its_own_messages(
    db: Database, sink: HttpSink, clock: SimulatedClock
) -> None:
    topics = ["notice", "enforcement", "label"]
    douyin_secret = "whsec-douyin-fedcba9876543210"
    with (
        WebhookReceiver(SECRET, clock=clock) as weibo,
        WebhookReceiver(douyin_secret, clock=clock) as douyin,
    ):
        weibo_endpoint = add_endpoint(db, weibo, topics, platform="weibo")
        douyin_endpoint = add_endpoint(db, douyin, topics, secret=douyin_secret, platform="douyin")
        sent: dict[str, list[str]] = {"weibo": [], "douyin": [], "kuaishou": []}
        for topic in topics:  # interleaved, so that outbox order mixes the platforms
            for platform in sent:
                sent[platform] += add_messages(db, 2, topic=topic, platform=platform)

        stats = Dispatcher(db, sink, guard=LOCAL).deliver_due(clock.now)

        assert stats == DeliveryStats(attempted=12, delivered=12, failed=0, pending=0)
        assert [r.message_id for r in weibo.messages] == sent["weibo"]
        assert [r.message_id for r in douyin.messages] == sent["douyin"]
        assert weibo.rejected == douyin.rejected == []  # each signed with its own secret
        # kuaishou has no endpoint: nobody receives its messages, they wait for one
        assert not {*sent["kuaishou"]} & {r.message_id for r in weibo.messages + douyin.messages}
        with db.reading() as conn:
            rows = conn.execute(select(webhook_deliveries)).mappings().all()
            by_platform = {p: backlog(conn, p) for p in sent}
            kuaishou = list_messages(conn, platform="kuaishou")
        assert {(r["endpoint_id"], r["message_id"]) for r in rows} == {
            *((weibo_endpoint, m) for m in sent["weibo"]),
            *((douyin_endpoint, m) for m in sent["douyin"]),
        }
        assert (by_platform["weibo"].pending, by_platform["weibo"].delivered) == (0, 6)
        assert (by_platform["douyin"].pending, by_platform["douyin"].delivered) == (0, 6)
        assert (by_platform["kuaishou"].pending, by_platform["kuaishou"].delivered) == (6, 0)
        assert {m["status"] for m in kuaishou} == {"pending"}
        assert all(m["deliveries"] == [] for m in kuaishou)

        # nothing more for anyone, however often the dispatcher runs
        assert Dispatcher(db, sink, guard=LOCAL).deliver_due(clock.advance(3600)) == DeliveryStats()
        assert (weibo.requests, douyin.requests) == (6, 6)


def test_a_delivery_pairing_two_platforms_is_never_sent(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    """Rows the dispatcher made before endpoints had a platform, and endpoints that migration
    0003 could not place (platform ""), deliver nothing."""
    weibo_endpoint = add_endpoint(db, receiver, ["notice"], platform="weibo")
    unplaced = add_endpoint(db, receiver, ["notice"], platform="douyin")
    [douyin_message] = add_messages(db, 1, platform="douyin")
    with db.transaction() as conn:
        conn.execute(
            webhook_endpoints.update()
            .where(webhook_endpoints.c.endpoint_id == unplaced)
            .values(platform="")
        )
        conn.execute(
            webhook_deliveries.insert().values(
                message_id=douyin_message,
                endpoint_id=weibo_endpoint,
                status="pending",
                attempts=0,
                next_attempt_at=T0,
            )
        )

    assert Dispatcher(db, sink, guard=LOCAL).deliver_due(clock.now) == DeliveryStats()
    assert receiver.requests == 0
    with db.reading() as conn:
        [listed] = list_messages(conn)
        counts = backlog(conn)
    assert listed["status"] == "pending" and listed["deliveries"] == []
    assert (counts.pending, counts.deliveries_pending) == (1, 0)


def test_an_inactive_endpoint_gets_nothing(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    endpoint_id = add_endpoint(db, receiver, ["notice"])
    with db.transaction() as conn:
        deactivate_endpoint(conn, endpoint_id)
    add_messages(db, 2)

    assert Dispatcher(db, sink, guard=LOCAL).deliver_due(clock.now) == DeliveryStats()
    assert receiver.requests == 0 and deliveries(db) == {}


def test_deactivating_an_endpoint_stops_its_retries(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    endpoint_id = add_endpoint(db, receiver, ["notice"])
    add_messages(db, 1)
    dispatcher = Dispatcher(db, sink, guard=LOCAL)
    receiver.down()
    assert dispatcher.deliver_due(clock.now).failed == 1
    with db.transaction() as conn:
        deactivate_endpoint(conn, endpoint_id)
    receiver.up()
    assert dispatcher.deliver_due(clock.advance(3600)) == DeliveryStats()
    assert receiver.requests == 1


def test_a_late_endpoint_catches_up_on_the_backlog(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    ids = add_messages(db, 2)
    dispatcher = Dispatcher(db, sink, guard=LOCAL)
    assert dispatcher.deliver_due(clock.now) == DeliveryStats()  # nobody listening yet
    add_endpoint(db, receiver, ["notice"])
    assert dispatcher.deliver_due(clock.advance(60)).delivered == 2
    assert [r.message_id for r in receiver.messages] == ids


def test_an_unreachable_endpoint_is_retried_and_its_error_kept_without_the_payload(
    db: Database, sink: HttpSink, clock: SimulatedClock
) -> None:
    with WebhookReceiver(SECRET, clock=clock) as gone:
        url = gone.url
    with db.transaction() as conn:
        register_endpoint(conn, PLATFORM, url, SECRET, ["notice"], T0)
    [message_id] = add_messages(db, 1)

    assert Dispatcher(db, sink, guard=LOCAL).deliver_due(clock.now) == DeliveryStats(1, 0, 1, 1)

    row = deliveries(db)[message_id]
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["last_status"] is None
    assert row["last_error"].startswith("ConnectError")
    assert "case-0" not in row["last_error"] and "notified" not in row["last_error"]


def test_a_batch_takes_the_oldest_first(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    add_endpoint(db, receiver, ["notice"])
    ids = add_messages(db, 5)
    dispatcher = Dispatcher(db, sink, guard=LOCAL, batch=2)
    assert dispatcher.deliver_due(clock.now) == DeliveryStats(2, 2, 0, 3)
    assert dispatcher.deliver_due(clock.now) == DeliveryStats(2, 2, 0, 1)
    assert dispatcher.deliver_due(clock.now) == DeliveryStats(1, 1, 0, 0)
    assert [r.message_id for r in receiver.received] == ids


class CrashingSink:
    """Delivers through ``inner`` until told to crash: the dispatcher dies mid-batch."""

    def __init__(self, inner: HttpSink, crash_after: int) -> None:
        self.inner = inner
        self.crash_after = crash_after

    def send(self, url: str, body: bytes, headers: dict[str, str], address: str) -> int:
        if self.crash_after == 0:
            raise KeyboardInterrupt  # the process is killed
        self.crash_after -= 1
        return self.inner.send(url, body, headers, address)


def test_a_dispatcher_that_dies_mid_batch_loses_nothing(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    add_endpoint(db, receiver, ["notice"])
    ids = add_messages(db, 3)

    with pytest.raises(KeyboardInterrupt):
        crashing = CrashingSink(sink, crash_after=1)
        Dispatcher(db, crashing, guard=LOCAL, lease_s=120).deliver_due(clock.now)
    rows = deliveries(db)
    assert rows[ids[0]]["status"] == "delivered"
    # the other two were claimed: leased for two minutes, not attempted
    assert {(rows[m]["attempts"], rows[m]["next_attempt_at"]) for m in ids[1:]} == {
        (0, T0 + dt.timedelta(seconds=120))
    }

    restarted = Dispatcher(db, sink, guard=LOCAL, lease_s=120)
    assert restarted.deliver_due(clock.advance(60)).attempted == 0  # still leased
    assert restarted.deliver_due(clock.advance(60)) == DeliveryStats(2, 2, 0, 0)
    assert [r.message_id for r in receiver.received] == ids


def test_listing_shows_each_message_per_endpoint(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    endpoint_id = add_endpoint(db, receiver, ["notice"])
    delivered, stuck = add_messages(db, 2)
    dispatcher = Dispatcher(db, sink, guard=LOCAL)
    receiver.down()
    dispatcher.deliver_due(clock.now)  # both fail once
    receiver.up()
    with db.transaction() as conn:  # make the second one not due yet
        conn.execute(
            webhook_deliveries.update()
            .where(webhook_deliveries.c.message_id == stuck)
            .values(next_attempt_at=T0 + dt.timedelta(hours=1))
        )
    dispatcher.deliver_due(clock.advance(10))

    with db.reading() as conn:
        pending = list_messages(conn, "pending")
        done = list_messages(conn, "delivered")
        everything = list_messages(conn, limit=1)
        counts = backlog(conn)
    assert [m["message_id"] for m in pending] == [stuck]
    assert [m["message_id"] for m in done] == [delivered]
    assert [m["message_id"] for m in everything] == [stuck]  # newest first
    assert pending[0]["deliveries"] == [
        {
            "endpoint_id": endpoint_id,
            "url": receiver.url,
            "endpoint_active": True,
            "status": "pending",
            "attempts": 1,
            "next_attempt_at": (T0 + dt.timedelta(hours=1)).isoformat(),
            "delivered_at": None,
            "last_status": 503,
            "last_error": "HTTP 503",
        }
    ]
    assert done[0]["deliveries"][0]["delivered_at"] == (T0 + dt.timedelta(seconds=10)).isoformat()
    assert done[0]["deliveries"][0]["attempts"] == 2
    assert counts.as_dict() == {
        "messages": 2,
        "pending": 1,
        "delivered": 1,
        "deliveries_pending": 1,
        "deliveries_delivered": 1,
        "oldest_pending_at": T0.isoformat(),
    }
    json.dumps(pending + done)
