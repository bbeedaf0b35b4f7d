"""Real deliveries verify with the ``standardwebhooks`` package from PyPI, an implementation of
the Standard Webhooks specification that owes nothing to Byline's, including while a secret
rotates (every delivery then carries a signature by each secret)."""

from __future__ import annotations

import datetime as dt

import pytest
from outbox_helpers import LOCAL, PLATFORM, T0
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from byline.outbox import (
    Dispatcher,
    HttpSink,
    Received,
    WebhookReceiver,
    enqueue,
    new_secret,
    register_endpoint,
    rotate_secret,
    signing_key,
)
from byline.store import Database


def wall() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def deliver(db: Database, sink: HttpSink, now: dt.datetime) -> None:
    """One run on simulated ``now``, its requests stamped with the wall clock (the library
    compares the timestamp with its own)."""
    stats = Dispatcher(db, sink, guard=LOCAL, stamp=wall).deliver_due(now)
    assert stats.failed == 0, stats


def add_messages(db: Database, n: int, at: dt.datetime = T0, key_suffix: str = "") -> list[str]:
    with db.transaction() as conn:
        return [
            enqueue(
                conn,
                platform=PLATFORM,
                topic="notice",
                payload={"case_id": f"case-{i}", "state": "notified"},
                at=at,
                account_id=f"acct-{i}",
                case_id=f"case-{i}",
                key=f"{PLATFORM}:notice:case-{i}:{key_suffix}",
            )
            for i in range(n)
        ]


def register(db: Database, receiver: WebhookReceiver, secret: str) -> str:
    with db.transaction() as conn:
        return register_endpoint(conn, PLATFORM, receiver.url, secret, ["notice"], T0)


def verified(secret: str | bytes, received: Received) -> dict[str, object]:
    message = Webhook(secret).verify(received.body, received.headers)
    assert isinstance(message, dict)
    return message


def test_a_whsec_secret_verifies_with_the_library(db: Database, sink: HttpSink) -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(signing_key(secret)) == 32
    with WebhookReceiver(secret) as receiver:
        register(db, receiver, secret)
        ids = add_messages(db, 3)
        deliver(db, sink, T0)
    assert [verified(secret, r)["id"] for r in receiver.received] == ids
    first = receiver.received[0]
    assert {k.lower() for k in first.headers} >= {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "byline-signature",
    }
    assert first.headers["webhook-id"] == first.message_id
    # tampered with, the body fails; so does another secret
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(first.body.replace(b"notified", b"disclosed"), first.headers)
    with pytest.raises(WebhookVerificationError):
        verified(new_secret(), first)


def test_a_plain_secret_is_its_bytes(db: Database, sink: HttpSink) -> None:
    """A secret not in the whsec_ form signs with its UTF-8 bytes: the library is given them."""
    secret = "a-plain-secret-of-enough-length"
    with WebhookReceiver(secret) as receiver:
        register(db, receiver, secret)
        add_messages(db, 1)
        deliver(db, sink, T0)
    [received] = receiver.received
    assert verified(secret.encode(), received)["topic"] == "notice"


def test_while_a_secret_rotates_both_verify_then_only_the_new(db: Database, sink: HttpSink) -> None:
    old, new = new_secret(), new_secret()
    # the platform's receiver holds both secrets while the rotation lasts
    with WebhookReceiver([old, new]) as receiver:
        endpoint_id = register(db, receiver, old)
        [before] = add_messages(db, 1, key_suffix="before")
        deliver(db, sink, T0)
        with db.transaction() as conn:
            until = T0 + dt.timedelta(hours=24)
            assert rotate_secret(conn, endpoint_id, new, keep_previous_until=until)
        [during] = add_messages(db, 1, at=T0 + dt.timedelta(hours=1), key_suffix="during")
        deliver(db, sink, T0 + dt.timedelta(hours=1))
        [late] = add_messages(db, 1, at=T0 + dt.timedelta(hours=25), key_suffix="after")
        deliver(db, sink, T0 + dt.timedelta(hours=25))
    first, rotating, rotated = receiver.received
    assert [first.message_id, rotating.message_id, rotated.message_id] == [before, during, late]
    assert len(first.headers["webhook-signature"].split(" ")) == 1
    assert verified(old, first)["id"] == before
    with pytest.raises(WebhookVerificationError):
        verified(new, first)
    assert len(rotating.headers["webhook-signature"].split(" ")) == 2
    assert verified(old, rotating)["id"] == during  # a platform still on the old secret
    assert verified(new, rotating)["id"] == during  # and one already on the new
    assert len(rotated.headers["webhook-signature"].split(" ")) == 1
    assert verified(new, rotated)["id"] == late
    with pytest.raises(WebhookVerificationError):  # the overlap is over: the old one is gone
        verified(old, rotated)


def test_a_bad_whsec_secret_is_refused(db: Database) -> None:
    with db.transaction() as conn, pytest.raises(ValueError, match="base64"):
        register_endpoint(
            conn, PLATFORM, "http://127.0.0.1:9/h", "whsec_not base64!!", ["notice"], T0
        )
