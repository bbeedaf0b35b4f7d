"""Where webhooks go, checked again at delivery: an endpoint registered while its host said a
public address, whose DNS now answers the cloud metadata address (DNS rebinding), is not sent
to; the attempt is recorded with the reason and retried, and delivered once the host answers
an allowed address again, to that very address. A disabled endpoint gets nothing new."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from outbox_helpers import PLATFORM, SECRET, T0, SimulatedClock
from sqlalchemy import select

from byline import audit
from byline.outbox import (
    AddressRefused,
    AllowList,
    DeliveryStats,
    Dispatcher,
    HttpSink,
    StaticResolver,
    WebhookGuard,
    WebhookReceiver,
    enqueue,
)
from byline.outbox._addresses import IPAddress
from byline.outbox._tables import webhook_deliveries
from byline.service.webhooks_admin import NoEndpoint, register_endpoint, set_endpoint_active
from byline.store import Database

PUBLIC = "93.184.216.34"


class CountingResolver(StaticResolver):
    """A DNS server the test controls, counting the questions it is asked."""

    asked = 0

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        self.asked += 1
        return super().resolve(host, port)


def add_message(db: Database, key: str = "1") -> str:
    with db.transaction() as conn:
        return enqueue(
            conn,
            platform=PLATFORM,
            topic="notice",
            payload={"state": "notified"},
            at=T0,
            account_id=f"acct-{key}",
            case_id=f"case-{key}",
            key=f"{PLATFORM}:notice:case-{key}:cycle-1",
        )


def delivery(db: Database, message_id: str) -> dict[str, Any]:
    with db.reading() as conn:
        row = conn.execute(
            select(webhook_deliveries).where(webhook_deliveries.c.message_id == message_id)
        ).mappings()
        return dict(row.one())


def test_dns_rebinding_to_the_metadata_address_is_not_followed(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    url = f"http://hooks.example:{port}/webhooks"  # a name only the test's DNS knows
    dns = CountingResolver({"hooks.example": [PUBLIC]})
    guard = WebhookGuard(AllowList.parse("127.0.0.1"), dns)  # the operator allows loopback
    register_endpoint(
        db,
        PLATFORM,
        url,
        SECRET,
        ["notice"],
        actor="test",
        now=dt.datetime.now(dt.UTC),
        guard=guard,
    )  # public: allowed
    message_id = add_message(db)
    dispatcher = Dispatcher(db, sink, guard=guard, base_delay_s=10)

    dns.answers["hooks.example"] = ["169.254.169.254"]  # the attacker's DNS changes its answer
    assert dispatcher.deliver_due(clock.now) == DeliveryStats(1, 0, 1, 1)
    assert receiver.requests == 0
    row = delivery(db, message_id)
    assert row["status"] == "pending" and row["attempts"] == 1 and row["last_status"] is None
    assert row["last_error"].startswith("address 169.254.169.254 not allowed: link-local")
    assert row["next_attempt_at"] == clock.now + dt.timedelta(seconds=10)  # the usual backoff

    clock.advance(10)
    dns.answers["hooks.example"] = ["10.0.0.5"]
    assert dispatcher.deliver_due(clock.now) == DeliveryStats(1, 0, 1, 1)
    assert delivery(db, message_id)["last_error"].startswith("address 10.0.0.5 not allowed")
    assert delivery(db, message_id)["attempts"] == 2

    clock.advance(20)
    dns.answers["hooks.example"] = ["127.0.0.1"]  # an allowed address again: the receiver's
    asked = dns.asked
    assert dispatcher.deliver_due(clock.now) == DeliveryStats(1, 1, 0, 0)
    # asked once, and the connection went to the answer: the system's resolver does not know
    # hooks.example, so nothing but the checked address could have reached the receiver
    assert dns.asked == asked + 1
    [received] = receiver.messages
    assert received.message_id == message_id
    assert received.headers["Host"] == f"hooks.example:{port}"
    assert delivery(db, message_id)["status"] == "delivered"


def test_registration_refuses_what_delivery_would_refuse(db: Database) -> None:
    dns = StaticResolver({"internal.example": ["192.168.1.10"], "hooks.example": [PUBLIC]})
    guard = WebhookGuard(resolver=dns)
    for url in (
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/h",
        "http://[::1]:8080/h",
        "https://internal.example/h",
        "http://localhost/h",
        "gopher://hooks.example/",
        "http://admin@hooks.example/h",
    ):
        with pytest.raises(AddressRefused, match=r"^url: "):
            register_endpoint(
                db,
                PLATFORM,
                url,
                SECRET,
                ["notice"],
                actor="test",
                now=dt.datetime.now(dt.UTC),
                guard=guard,
            )
    good = "https://hooks.example/h"
    assert register_endpoint(
        db,
        PLATFORM,
        good,
        SECRET,
        ["notice"],
        actor="test",
        now=dt.datetime.now(dt.UTC),
        guard=guard,
    )


def test_a_disabled_endpoint_gets_nothing_new_and_catches_up_when_enabled(
    db: Database, receiver: WebhookReceiver, sink: HttpSink, clock: SimulatedClock
) -> None:
    guard = WebhookGuard(AllowList.parse("127.0.0.1"))
    endpoint_id = register_endpoint(
        db,
        PLATFORM,
        receiver.url,
        SECRET,
        ["notice"],
        actor="test",
        now=dt.datetime.now(dt.UTC),
        guard=guard,
    )
    dispatcher = Dispatcher(db, sink, guard=guard)
    first = add_message(db, "1")
    assert dispatcher.deliver_due(clock.now).delivered == 1

    result = set_endpoint_active(db, endpoint_id, False, actor="ops:ann", now=clock.now)
    assert result.active is False and result.was_active is True
    second = add_message(db, "2")
    assert dispatcher.deliver_due(clock.advance(60)) == DeliveryStats()
    assert [r.message_id for r in receiver.messages] == [first]

    set_endpoint_active(db, endpoint_id, True, actor="ops:ann", now=clock.now)
    assert dispatcher.deliver_due(clock.advance(60)).delivered == 1
    assert [r.message_id for r in receiver.messages] == [first, second]
    with db.reading() as conn:
        actions = [
            (e["action"], e["actor"], e["detail"]["endpoint_id"])
            for e in audit.entries_for(conn)
            if e["action"].startswith("webhook:")
        ]
    assert actions == [
        ("webhook:registered", "test", endpoint_id),  # a registration is audited too
        ("webhook:disabled", "ops:ann", endpoint_id),
        ("webhook:enabled", "ops:ann", endpoint_id),
    ]
    with pytest.raises(NoEndpoint):
        set_endpoint_active(db, "no-such-endpoint", False, actor="ops", now=clock.now)
    with pytest.raises(NoEndpoint):  # another platform's endpoint is not found through this one
        set_endpoint_active(db, endpoint_id, False, actor="ops", now=clock.now, platform="douyin")


def test_the_connection_goes_to_the_checked_address_only(receiver: WebhookReceiver) -> None:
    """The sink never resolves: the URL names a host no resolver knows, and the request still
    reaches the receiver at the address it is given; given no address, it connects nowhere."""
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    url = f"http://unknown-to-dns.invalid:{port}/webhooks"
    with HttpSink(timeout_s=5) as sink:
        status = sink.send(url, b"{}", {"Content-Type": "application/json"}, "127.0.0.1")
    assert status == 401  # reached, and refused for its (missing) signature
    assert receiver.requests == 1
